"""Thumbnails decoded on a CPU thread pool, cached on disk keyed by the image's content hash."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from sane_desktop import paths

THUMB_SIDE = 128  # the tile's picture size: painting never rescales


def default_cache_dir() -> Path:
    """``thumbnails/`` in the per-user cache folder (``SANE_CACHE_HOME`` overrides it)."""
    return paths.user_cache_dir() / "thumbnails"


def cache_key(path: Path, content_hash: str, side: int) -> str:
    if not content_hash:  # fall back to path + size + mtime when the catalogue gave no hash
        stat = path.stat() if path.exists() else None
        content_hash = hashlib.sha256(f"{path}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}".encode()).hexdigest()
    return f"{content_hash[:40]}_{side}"


class _Signals(QObject):
    ready = Signal(str, QImage)  # key, image (a null image when the file cannot be decoded)


class _ThumbnailJob(QRunnable):
    def __init__(self, key: str, path: Path, cache_file: Path, side: int, signals: _Signals) -> None:
        super().__init__()
        self.key, self.path, self.cache_file, self.side, self.signals = key, path, cache_file, side, signals

    def run(self) -> None:
        image = QImage()
        if self.cache_file.is_file():
            image.load(str(self.cache_file))
        if image.isNull():
            image = self._decode()
        self.signals.ready.emit(self.key, image)

    def _decode(self) -> QImage:
        try:
            from sane_desktop.catalogue.images import load_rgb

            rgb = load_rgb(self.path, max_side=self.side)
        except Exception:
            return QImage()
        data = rgb.tobytes()
        image = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_file.with_suffix(".tmp.png")
        if image.save(str(temporary)):  # PNG, from the suffix
            temporary.replace(self.cache_file)  # atomic: a reader never sees half a file
        return image


class ThumbnailLoader(QObject):
    """Asynchronous thumbnails: :meth:`request` returns at once, ``ready`` fires on the GUI thread."""

    ready = Signal(str, QImage)

    def __init__(self, cache_dir: Path | None = None, side: int = THUMB_SIDE, threads: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.side = side
        self.pool = QThreadPool(self)
        # decoding competes with the GUI thread for the CPU: leave it a core
        self.pool.setMaxThreadCount(threads or max(1, min(4, (os.cpu_count() or 2) - 1)))
        self._signals = _Signals()
        self._signals.ready.connect(self._deliver)
        self._memory: dict[str, QImage] = {}
        self._pending: set[str] = set()

    def key(self, path: Path, content_hash: str) -> str:
        return cache_key(Path(path), content_hash, self.side)

    def get(self, path: Path, content_hash: str) -> QImage | None:
        """The thumbnail when already loaded; otherwise schedules it and returns None."""
        key = self.key(path, content_hash)
        if key in self._memory:
            return self._memory[key]
        if key not in self._pending:
            self._pending.add(key)
            cache_file = self.cache_dir / key[:2] / f"{key}.png"
            self.pool.start(_ThumbnailJob(key, Path(path), cache_file, self.side, self._signals))
        return None

    def _deliver(self, key: str, image: QImage) -> None:
        self._pending.discard(key)
        self._memory[key] = image
        self.ready.emit(key, image)

    def wait(self, ms: int = 5000) -> bool:
        return self.pool.waitForDone(ms)
