"""Thumbnails decoded on a CPU thread pool, cached on disk keyed by the image's content hash.

A loaded thumbnail is kept by its content hash (the same photo in two catalogues is decoded once);
a failure (the file is gone, cannot be decoded, or is no longer the photo the catalogue recorded)
is kept by the file's path only, so that it
never stands for a byte-identical photo elsewhere, and :meth:`ThumbnailLoader.retry` looks again
(the models call it whenever they are filled: a catalogue opened, a list shown again)."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QImage

from sane_desktop import paths
from sane_desktop.paths import temporary_sibling

THUMB_SIDE = 128  # the tile's picture size (logical pixels): painting never rescales
MEMORY_BYTES = 96 * 1024 * 1024  # thumbnails kept decoded in memory: about 1,500 of 128 px, many screens of tiles
MAX_RATIO = 3  # a screen's device pixel ratio past which thumbnails are not made larger


def thumbnail_side(app: object) -> int:
    """The thumbnails' side in device pixels: :data:`THUMB_SIDE` times the largest device pixel ratio
    of ``app``'s screens, rounded up (at most :data:`MAX_RATIO`): a scaled screen (``QT_SCALE_FACTOR=2``,
    a 4K display at 200 %) drew 128-pixel thumbnails stretched to 256 (trial BN)."""
    import math

    screens: list[Any] = list(getattr(app, "screens", list)())
    ratio = max((float(screen.devicePixelRatio()) for screen in screens), default=1.0)
    return THUMB_SIDE * max(1, min(MAX_RATIO, math.ceil(ratio - 1e-6)))

# a thumbnail's states (ThumbnailLoader.state): the tiles draw one placeholder for each but READY.
# CHANGED: the file's bytes are no longer the photo the catalogue recorded (content hash): it was
# replaced since the last import, and showing it would show a photo the search never saw.
LOADING, READY, MISSING, UNREADABLE, CHANGED = "loading", "ready", "missing", "unreadable", "changed"
CACHE_VERSION = paths.THUMBNAILS_VERSION  # (the thumbnails `cache --clean` keeps)
KEY_TEXT, PIXELS_TEXT = "sane-key", "sane-pixels"  # the PNG text chunks a cached thumbnail carries


def pixels_digest(image: QImage) -> str:
    """SHA-256 of ``image``'s pixels as 8-bit RGB rows (the form a PNG round-trip keeps)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data, stride, width = bytes(rgb.constBits()), rgb.bytesPerLine(), 3 * rgb.width()  # rows are padded to 4 bytes
    return hashlib.sha256(b"".join(data[y * stride: y * stride + width] for y in range(rgb.height()))).hexdigest()


def cached_thumbnail_fits(image: QImage, key: str) -> bool:
    """Whether a thumbnail read from the cache is the one stored under ``key``: its text names the key
    and the digest of its pixels (trial Z swapped and edited the explanation cache's files; a thumbnail
    file moved under another photo's name would show that photo on this item's tile)."""
    return not image.isNull() and image.text(KEY_TEXT) == key and image.text(PIXELS_TEXT) == pixels_digest(image)


def default_cache_dir() -> Path:
    """``thumbnails/`` in the per-user cache folder (``SANE_CACHE_HOME`` overrides it)."""
    return paths.user_cache_dir() / paths.THUMBNAILS_FOLDER


def cache_key(path: Path, content_hash: str, side: int) -> str:
    """The thumbnail's name in the cache: the content hash (else path, size and mtime) and the side."""
    if not content_hash:  # fall back to path + size + mtime when the catalogue gave no hash
        stat = path.stat() if path.exists() else None
        content_hash = hashlib.sha256(f"{path}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}".encode()).hexdigest()
    return f"{content_hash[:40]}_{side}_{CACHE_VERSION}"


class _Signals(QObject):
    # key, path, image (null when it failed), state (READY, MISSING or UNREADABLE)
    ready = Signal(str, str, QImage, str)


class _ThumbnailJob:
    """One photo's thumbnail, made on the loader's pool: a plain callable (``run``), not a ``QRunnable``
    subclass, which the pool deleted on its own thread with its Python wrapper, and once in a while crashed the
    process inside libshiboken (a window vanished in a trial; a test run segfaulted in the twenty-fourth stop).
    The only Qt object it touches is the loader's signal holder, which the loader owns (deleted after the pool,
    which waits for its jobs)."""

    def __init__(self, key: str, path: Path, cache_file: Path, side: int, signals: _Signals,
                 content_hash: str = "") -> None:
        self.key, self.path, self.cache_file, self.side, self.signals = key, path, cache_file, side, signals
        self.content_hash = content_hash  # the photo the catalogue recorded ("" when it gave none)

    def run(self) -> None:
        image = QImage()
        if self.cache_file.is_file():
            image.load(str(self.cache_file))
            if not cached_thumbnail_fits(image, self.key):  # another photo's file, edited, or from before v3
                image = QImage()
        state = READY
        if image.isNull():
            image, state = self._decode()
        else:  # a cached picture stands for the photo only while the file is still that photo
            state = self._source_state()
            if state != READY:
                image = QImage()
        try:
            self.signals.ready.emit(self.key, str(self.path), image, state)
        except RuntimeError:  # the window closed while this photo was decoded: nobody to tell
            pass

    def _source_state(self) -> str:
        """READY when the file is still the recorded photo (its bytes hashed, the service's
        :func:`~sane_desktop.service.items.photo_state`: cheaper than the decode the cache saves),
        else MISSING, CHANGED or UNREADABLE. A trial saw a deleted and a replaced photo shown from the
        cache as if nothing had happened."""
        from sane_desktop.service.items import photo_state  # on the pool's thread, not at start-up

        why = photo_state(self.path, self.content_hash)
        return {"": READY, "gone": MISSING, "replaced": CHANGED}.get(why, UNREADABLE)

    def _decode(self) -> tuple[QImage, str]:
        if not self.path.exists():
            return QImage(), MISSING
        try:
            from sane_desktop.catalogue.images import load_rgb

            from sane_desktop.catalogue.safepath import read_regular_file

            data = read_regular_file(self.path)  # a pipe put in a photo's place would block the loader
            rgb = load_rgb(self.path, max_side=self.side, data=data)
        except FileNotFoundError:  # gone between the check and the read
            return QImage(), MISSING
        except Exception:  # not a photo, a truncated one, no permission: whatever it is, it cannot be shown
            return QImage(), UNREADABLE
        # the thumbnail is cached under the recorded photo's hash: only that photo's pixels may be (a
        # trial found a replaced file's picture cached as the old photo's, for every catalogue holding
        # that photo). Checked on the very bytes decoded.
        if self.content_hash and hashlib.sha256(data).hexdigest() != self.content_hash:
            return QImage(), CHANGED
        data = rgb.tobytes()
        image = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()
        if image.isNull():
            return image, UNREADABLE
        self._store(image)
        return image, READY

    def _store(self, image: QImage) -> None:
        """Write the cache file atomically under a name of this job's own: two loaders (the window
        and a dialog share the cache) may decode the same photo at once, and a shared temporary name
        let one rename the other's file away (CI saw FileNotFoundError). The cache is a saving, never
        a reason to fail: a write that fails leaves no file and the thumbnail is still shown."""
        temporary = temporary_sibling(self.cache_file).with_suffix(".tmp.png")
        image = image.copy()
        image.setText(KEY_TEXT, self.key)  # what it is, checked when read back (cached_thumbnail_fits)
        image.setText(PIXELS_TEXT, pixels_digest(image))
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            if image.save(str(temporary)):  # PNG, from the suffix
                temporary.replace(self.cache_file)  # atomic: a reader never sees half a file
        except OSError:
            pass
        finally:
            temporary.unlink(missing_ok=True)


class ThumbnailLoader(QObject):
    """Asynchronous thumbnails: :meth:`get` returns at once, ``ready`` fires on the GUI thread
    (with a null image when the load failed: :meth:`state` then says why)."""

    ready = Signal(str, QImage)

    def __init__(self, cache_dir: Path | None = None, side: int = THUMB_SIDE, threads: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.side = side
        self.pool = QThreadPool(self)
        # decoding competes with the GUI thread for the CPU: leave it a core
        self.pool.setMaxThreadCount(threads or max(1, min(4, (os.cpu_count() or 2) - 1)))
        # the loader's child, made after the pool: never deleted on a pool thread, and deleted after the pool has
        # waited for its jobs (children go in the order they were made)
        self._signals = _Signals(self)
        self._signals.ready.connect(self._deliver)
        # key (content hash) -> loaded thumbnail, never a null one; least recently shown first, at most
        # MEMORY_BYTES of them (trial EP: every thumbnail of a session stayed, the window's memory only grew)
        self._memory: OrderedDict[str, QImage] = OrderedDict()
        self._memory_bytes = 0
        self._failed: dict[str, str] = {}  # file path -> MISSING, UNREADABLE or CHANGED
        # file path -> the key (photo) it failed as: CHANGED holds for that recorded photo only, and a re-index
        # that records the file's new photo looks again (trial BD's tile kept "photo changed" after it)
        self._failed_as: dict[str, str] = {}
        self._rechecking: dict[str, str] = {}  # file path -> its former failure, shown while it is looked at again
        self._pending: set[str] = set()  # keys being loaded (one job per photo, whatever its paths)
        # loaded thumbnails whose file is looked at again when next shown (a new list): the file may
        # have been deleted or replaced since; the picture stays on screen meanwhile
        self._unverified: set[str] = set()

    def key(self, path: Path, content_hash: str) -> str:
        """The cache key of this photo (see :func:`cache_key`)."""
        return cache_key(Path(path), content_hash, self.side)

    def get(self, path: Path, content_hash: str) -> QImage | None:
        """The thumbnail when already loaded; otherwise schedules it (unless it failed at this path)
        and returns None."""
        key = self.key(path, content_hash)
        if key in self._memory:
            self._memory.move_to_end(key)  # shown now: the last to go
            if key in self._unverified and key not in self._pending:
                self._unverified.discard(key)
                self._schedule(key, Path(path), content_hash)
            return self._memory[key]
        name = str(Path(path))
        if name in self._failed and not self._stale_failure(name, key):
            return None
        if key not in self._pending:
            self._schedule(key, Path(path), content_hash)
        return None

    def _schedule(self, key: str, path: Path, content_hash: str) -> None:
        self._pending.add(key)
        cache_file = self.cache_dir / key[:2] / f"{key}.png"
        self.pool.start(_ThumbnailJob(key, path, cache_file, self.side, self._signals, content_hash).run)

    def recheck(self, photos: Iterable[tuple[Path, str]]) -> None:
        """Look again, when next asked for, at the files of these loaded (path, content hash)
        thumbnails: a photo deleted or replaced since then shows its state instead of its picture."""
        for path, content_hash in photos:
            key = self.key(path, content_hash)
            if key in self._memory:
                self._unverified.add(key)

    def state(self, path: Path, content_hash: str) -> str:
        """READY, LOADING, MISSING (no file at ``path``), UNREADABLE (a file that is no photo it can
        decode) or CHANGED (another photo than the catalogue recorded: re-index). A path looked at
        again (:meth:`retry`) keeps its former failure until it is known."""
        key = self.key(path, content_hash)
        if key in self._memory:
            return READY
        name = str(Path(path))
        if self._stale_failure(name, key):
            return LOADING
        return self._failed.get(name) or self._rechecking.get(name) or LOADING

    def _stale_failure(self, name: str, key: str) -> bool:
        """Whether ``name``'s failure was CHANGED against another recorded photo than ``key``'s (the
        catalogue records the file's photo anew since): then it is dropped, and the file looked at again."""
        if self._failed.get(name) != CHANGED or self._failed_as.get(name, key) == key:
            return False
        del self._failed[name]
        self._failed_as.pop(name, None)
        return True

    def retry(self, paths: Iterable[Path]) -> None:
        """Look again at those of ``paths`` whose thumbnail failed (the file may be back, or fixed):
        the next :meth:`get` schedules them."""
        if not self._failed:  # the usual case: a large catalogue's list costs nothing more
            return
        for path in paths:
            name = str(Path(path))
            failure = self._failed.pop(name, None)
            if failure is not None:
                self._rechecking[name] = failure

    def _deliver(self, key: str, path: str, image: QImage, state: str) -> None:
        self._pending.discard(key)
        self._rechecking.pop(path, None)
        if state == READY and not image.isNull():
            self._forget(key)
            self._memory[key] = image
            self._memory_bytes += image.sizeInBytes()
            while self._memory_bytes > MEMORY_BYTES and len(self._memory) > 1:  # the disk cache has them again
                self._forget(next(iter(self._memory)))
            self._failed.pop(path, None)
            self._failed_as.pop(path, None)
        else:
            self._forget(key)  # a loaded picture whose file is gone or changed since
            self._failed[path] = state if state != READY else UNREADABLE
            self._failed_as[path] = key
        self.ready.emit(key, image)

    def _forget(self, key: str) -> None:
        """``key``'s picture out of memory (read again from the disk cache when next shown)."""
        image = self._memory.pop(key, None)
        if image is not None:
            self._memory_bytes -= image.sizeInBytes()
            self._unverified.discard(key)

    def in_memory(self) -> tuple[int, int]:
        """(thumbnails, bytes) held in memory now."""
        return len(self._memory), self._memory_bytes

    def wait(self, ms: int = 5000) -> bool:
        """Wait up to ``ms`` for every scheduled thumbnail; False when some are still loading."""
        return self.pool.waitForDone(ms)
