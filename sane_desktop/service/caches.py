"""The per-user caches: what they hold, and removing them (``sane-desktop cache``).

Three parts live in :func:`~sane_desktop.paths.user_cache_dir`: the frozen trunk's features of every
photo indexed or trained with it (:mod:`sane_desktop.retrieval.feature_cache`, one folder per trunk
identity), the window's thumbnails, and ``explain``'s maps of catalogues whose own folder is read-only.
Everything there is derived from a photo and computed again when needed: removing it costs time, never
data. Deleting a catalogue leaves them (keyed by photo content, shared by catalogues), and each version
whose embedding code differs writes its features to a folder of its own, so they only grow. A fourth part
lives in each catalogue's index folder: its saved explanations (:mod:`sane_desktop.explain.cache`, pruned past
512 MB a catalogue), listed and removed here too (trial EP found 66 MB after a session, shown nowhere).

:func:`cache_report` lists them; :func:`remove_caches` removes what this version never reads
(:data:`UNUSED`: another version's feature folders and thumbnails) or everything (:data:`EVERYTHING`).
Removal is safe under a running index, training or window: on POSIX a process keeps reading the shards it
has memory-mapped, and what it has not read yet is a miss it computes again. Only files named as the
caches name them, where they put them, are listed and removed (:func:`_own`): a part that is a link to
another folder (features moved to a larger disk) is followed, and the user's own files there are left,
counted as ``foreign``; links inside a part are never followed. Sizes are space on disk (allocated
blocks), what removing frees.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from sane_desktop.paths import (
    EXPLAIN_MAPS_FOLDER, EXPLANATIONS_FOLDER, THUMBNAILS_FOLDER, THUMBNAILS_VERSION, user_cache_dir,
)

FEATURES, THUMBNAILS, EXPLAIN_MAPS = "features", "thumbnails", "explanation maps"
EXPLANATIONS = "explanations"  # a catalogue's saved explanations, in its index folder (explain/cache.py)
# a part's state: CURRENT is read by this version; OTHER_VERSION never is; UNLABELLED is a feature folder
# written before folders were labelled, which this version labels the next time it uses it
CURRENT, OTHER_VERSION, UNLABELLED = "current", "other version", "unlabelled"
Scope = Literal["unused", "everything"]
UNUSED: Final = "unused"
EVERYTHING: Final = "everything"
# a part's words, for a person (the command line's text and the window's table)
KIND_WORDS = {FEATURES: "photo features", THUMBNAILS: "thumbnails", EXPLAIN_MAPS: "explanation maps",
              EXPLANATIONS: "saved explanations"}
STATE_WORDS = {
    CURRENT: "in use",
    OTHER_VERSION: "not needed: made by another version of SANE Desktop",
    UNLABELLED: "maybe in use: made before versions marked their caches",
}

# the names the caches write, where they write them: feature folders "<trunk kind>-<16 hex>" of shards
# "<32 hex>.npy|.hashes" and their label; thumbnails "<2 hex>/<40 hex>_<side>_v<n>.png"; a read-only
# catalogue's explanation maps in "<16 hex>/" (.npy, .png, the .json record); and the hidden temporaries
# their writers rename onto those names (paths.temporary_sibling's, feature_cache's)
_FEATURE_FOLDER = re.compile(r"[\w.-]+-[0-9a-f]{16}")
_FEATURE_FILE = re.compile(r"(?:[0-9a-f]{32}\.(?:npy|hashes)|identity\.json|\.[0-9a-f]{32}\.(?:npy|hashes)\.tmp"
                           r"|\.identity\.json\.[0-9a-f]{32}\.tmp)")
_THUMBNAIL_FOLDER = re.compile(r"[0-9a-f]{2}")
_THUMBNAIL = re.compile(r"[0-9a-f]{40}_\d+_(v\d+)\.png")
_MAPS_FOLDER = re.compile(r"[0-9a-f]{16}")
_TEMPORARY = re.compile(r"\..+\.\d+-[0-9a-f]{32}\.tmp(?:\.\w+)?")  # paths.temporary_sibling's names
_CONTENT_HASH = re.compile(r"[0-9a-f]{64}")


def _removed_by(state: str, scope: Scope) -> bool:
    """Whether a part in ``state`` goes with ``scope``: everything, or only what this version never reads."""
    return scope == EVERYTHING or state == OTHER_VERSION


@dataclass(frozen=True)
class CachePart:
    """One part of the cache: ``kind`` (:data:`FEATURES`, :data:`THUMBNAILS`, :data:`EXPLAIN_MAPS`), its
    ``state`` (:data:`CURRENT`, :data:`OTHER_VERSION`, :data:`UNLABELLED`), the ``folder`` it is in, its
    ``files`` and the ``bytes`` they take on disk; ``photos``: the photos a feature folder holds features of
    (None for the other kinds)."""

    kind: str
    state: str
    folder: Path
    files: int
    bytes: int
    photos: int | None = None

    def removed_by(self, scope: Scope) -> bool:
        """Whether :func:`remove_caches` with ``scope`` removes this part."""
        return _removed_by(self.state, scope)

    def kind_words(self) -> str:
        """What it is, for a person: "thumbnails", "saved explanations of “demo”" (a catalogue's, by its folder)."""
        words = KIND_WORDS[self.kind]
        return f"{words} of “{self.folder.parent.name}”" if self.kind == EXPLANATIONS else words

    def holds_words(self) -> str:
        """What it holds, for a person: "3 photos" (features), else "1 file"."""
        count, noun = (self.photos, "photo") if self.photos is not None else (self.files, "file")
        return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class CacheReport:
    """What the cache folder ``root`` holds, part by part (parts with no files are left out); ``foreign``:
    files in the parts' folders that the caches do not write (never listed in a part, never removed)."""

    root: Path
    parts: tuple[CachePart, ...]
    foreign: int = 0
    index_home: Path | None = None  # whose catalogues' saved explanations are parts too

    @property
    def bytes(self) -> int:
        return sum(part.bytes for part in self.parts)

    def where_words(self) -> str:
        """Where its parts are: the cache folder, and the catalogues' index folders when some are there."""
        elsewhere = any(part.kind == EXPLANATIONS for part in self.parts)
        return f"{self.root}" + (" and the catalogues' index folders" if elsewhere else "")

    def removable(self, scope: Scope) -> int:
        """Bytes :func:`remove_caches` with ``scope`` would free."""
        return sum(part.bytes for part in self.parts if part.removed_by(scope))


@dataclass(frozen=True)
class Removal:
    """What :func:`remove_caches` did: ``files`` and ``bytes`` removed; ``failed``: one line per file that
    could not be removed (in use on Windows, no permission), naming it and why; ``stopped``: ``should_stop``
    ended it early; and the cache as it is ``after``."""

    files: int
    bytes: int
    after: CacheReport
    failed: tuple[str, ...] = field(default=())
    stopped: bool = False


class CacheFolderError(OSError):
    """The cache folder cannot be one (a file of that name): nothing can be cached there."""


def _on_disk(info: os.stat_result) -> int:
    """The space a file takes on disk (its allocated blocks where the system says them, else its size)."""
    blocks = getattr(info, "st_blocks", None)
    return blocks * 512 if isinstance(blocks, int) else info.st_size


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return list(found)
    except OSError:  # gone meanwhile, or not a folder
        return []


def _files_in(folder: Path, name: re.Pattern[str]) -> Iterator[os.DirEntry[str]]:
    """The regular files (never links) directly in ``folder`` whose names match ``name``."""
    for entry in _entries(folder):
        try:
            if entry.is_file(follow_symlinks=False) and name.fullmatch(entry.name):
                yield entry
        except OSError:
            continue


def _folders_in(folder: Path, name: re.Pattern[str]) -> list[Path]:
    """The folders (never links) directly in ``folder`` whose names match ``name``, sorted."""
    found = []
    for entry in _entries(folder):
        try:
            if entry.is_dir(follow_symlinks=False) and name.fullmatch(entry.name):
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def _size(entries: list[os.DirEntry[str]]) -> int:
    total = 0
    for entry in entries:
        try:
            total += _on_disk(entry.stat(follow_symlinks=False))
        except OSError:  # removed meanwhile
            continue
    return total


def _photos(entries: list[os.DirEntry[str]]) -> int:
    """The images a feature folder's hash lists name (each list's first line is its commit mark)."""
    count = 0
    for entry in entries:
        if not entry.name.endswith(".hashes"):
            continue
        try:
            lines = Path(entry.path).read_text(encoding="ascii").split()
        except (OSError, ValueError):
            continue
        count += sum(1 for line in lines[1:] if _CONTENT_HASH.fullmatch(line))
    return count


def _all_files(folder: Path) -> int:
    """Every regular file under ``folder``, links not followed (what a part's folder holds in all)."""
    count = 0
    for entry in _entries(folder):
        try:
            if entry.is_dir(follow_symlinks=False):
                count += _all_files(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                count += 1
        except OSError:
            continue
    return count


@dataclass
class _Part:
    """A part being listed: its files, which :func:`remove_caches` removes."""

    kind: str
    state: str
    folder: Path
    entries: list[os.DirEntry[str]]
    photos: int | None = None

    def summary(self) -> CachePart:
        return CachePart(self.kind, self.state, self.folder, len(self.entries), _size(self.entries), self.photos)


def _own_parts(root: Path, index_home: Path | None = None) -> list[_Part]:
    """Every part of the cache folder ``root``, with the files the caches wrote there, and the saved explanations
    of each catalogue in ``index_home``."""
    from sane_desktop.code_version import embedding_code
    from sane_desktop.retrieval.feature_cache import FOLDER, folder_label

    parts = []
    for folder in _folders_in(root / FOLDER, _FEATURE_FOLDER):
        label = folder_label(folder)
        state = UNLABELLED if label is None else CURRENT if label["code"] == embedding_code() else OTHER_VERSION
        entries = list(_files_in(folder, _FEATURE_FILE))
        parts.append(_Part(FEATURES, state, folder, entries, _photos(entries)))
    thumbnails = root / THUMBNAILS_FOLDER
    current: list[os.DirEntry[str]] = []
    other: list[os.DirEntry[str]] = []
    for folder in _folders_in(thumbnails, _THUMBNAIL_FOLDER):
        for entry in _entries(folder):
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            named = _THUMBNAIL.fullmatch(entry.name)
            if named is not None:
                (current if named.group(1) == THUMBNAILS_VERSION else other).append(entry)
            elif _TEMPORARY.fullmatch(entry.name):  # a window's write in progress, or one a kill left
                current.append(entry)
    parts += [_Part(THUMBNAILS, CURRENT, thumbnails, current), _Part(THUMBNAILS, OTHER_VERSION, thumbnails, other)]
    maps = root / EXPLAIN_MAPS_FOLDER
    maps_name = re.compile(r"[^.].*\.(?:npy|png|json)|" + _TEMPORARY.pattern)
    parts.append(_Part(EXPLAIN_MAPS, CURRENT, maps,
                       [entry for folder in _folders_in(maps, _MAPS_FOLDER) for entry in _files_in(folder, maps_name)]))
    from sane_desktop.explain.cache import ENTRY_NAME, TEMPORARY_NAME  # the explanation cache's own names

    entry_or_temporary = re.compile(f"{ENTRY_NAME.pattern}|{TEMPORARY_NAME.pattern}")
    for folder in _explanation_folders(index_home):  # trial EP: 66 MB after a session, listed nowhere
        parts.append(_Part(EXPLANATIONS, CURRENT, folder, list(_files_in(folder, entry_or_temporary))))
    # this version's first, then what it never reads
    order = {CURRENT: 0, UNLABELLED: 1, OTHER_VERSION: 2}
    parts.sort(key=lambda part: (order[part.state], list(KIND_WORDS).index(part.kind), str(part.folder)))
    return parts


def _explanation_folders(index_home: Path | None) -> list[Path]:
    """The saved explanations' folders of the catalogues in ``index_home`` (links not followed), sorted."""
    if index_home is None:
        return []
    catalogues = _folders_in(index_home, re.compile(r"[^.].*"))
    return [folder / EXPLANATIONS_FOLDER for folder in catalogues if (folder / EXPLANATIONS_FOLDER).is_dir()
            and not (folder / EXPLANATIONS_FOLDER).is_symlink()]


def _default_index_home() -> Path | None:
    """The app's index home, None when its setting cannot be read (said by the commands that use it)."""
    from sane_desktop.errors import SaneError
    from sane_desktop.paths import index_home

    try:
        return index_home()
    except SaneError:
        return None


def _check_root(root: Path) -> Path:
    """``root`` made absolute; CacheFolderError when it (or a folder above it) is a file."""
    root = Path(os.path.abspath(root))
    blocker = next((part for part in (root, *root.parents) if part.exists() and not part.is_dir()), None)
    if blocker is not None:
        raise CacheFolderError(f"the cache folder {root} cannot be a folder: {blocker} is a file; nothing can be "
                               "cached there (SANE_CACHE_HOME chooses another)")
    return root


def cache_report(root: Path | None = None, index_home: Path | None = None) -> CacheReport:
    """What the cache folder ``root`` (default :func:`~sane_desktop.paths.user_cache_dir`) holds, and the saved
    explanations of the catalogues in ``index_home`` (default: the app's index home when ``root`` is the default
    too, else none). Reads only names, sizes and the feature folders' labels and hash lists. Raises
    :class:`CacheFolderError` when the folder is a file (an unreadable part is listed as empty)."""
    if root is None and index_home is None:
        index_home = _default_index_home()
    root = _check_root(root or user_cache_dir())
    parts = _own_parts(root, index_home)
    own = sum(len(part.entries) for part in parts)
    from sane_desktop.retrieval.feature_cache import FOLDER

    every = sum(_all_files(root / name) for name in (FOLDER, THUMBNAILS_FOLDER, EXPLAIN_MAPS_FOLDER))
    summaries = tuple(part.summary() for part in parts if part.entries)
    own -= sum(len(part.entries) for part in parts if part.kind == EXPLANATIONS)  # not under root: no foreign count
    return CacheReport(root, summaries, max(0, every - own), index_home)


Progress = Callable[[int, int], None]


def remove_caches(scope: Scope, root: Path | None = None, *, index_home: Path | None = None,
                  progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> Removal:
    """Remove the parts of the cache folder ``root`` that ``scope`` names (:meth:`CachePart.removed_by`):
    :data:`UNUSED`, what this version never reads; :data:`EVERYTHING`, every part (the saved explanations of the
    catalogues in ``index_home`` too, defaulted as :func:`cache_report` does). File by file, so
    that one that cannot be removed is said and the rest still goes; folders left empty are removed.
    ``progress(done, total)`` is called every 500 files; ``should_stop()`` ends it between files (what is left
    stays). Raises :class:`CacheFolderError` when the folder is a file."""
    if root is None and index_home is None:
        index_home = _default_index_home()
    root = _check_root(root or user_cache_dir())
    # by state alone: a summary would stat every file once more before the removal stats it
    chosen = [part for part in _own_parts(root, index_home) if part.entries and _removed_by(part.state, scope)]
    total = sum(len(part.entries) for part in chosen)
    files = removed = 0
    failed: list[str] = []
    stopped = False
    for part in chosen:
        for entry in part.entries:
            if should_stop is not None and should_stop():
                stopped = True
                break
            try:
                size = _on_disk(entry.stat(follow_symlinks=False))
                os.unlink(entry.path)
            except FileNotFoundError:  # removed meanwhile (a writer's temporary renamed onto its name)
                continue
            except OSError as error:
                failed.append(f"cannot remove {entry.path}: {error.strerror or error}")
                continue
            files, removed = files + 1, removed + size
            if progress is not None and (files + len(failed)) % 500 == 0:
                progress(files + len(failed), total)
        if stopped:
            break
        _remove_empty_folders(part)
    if progress is not None:
        progress(total if not stopped else files + len(failed), total)
    return Removal(files, removed, cache_report(root, index_home), tuple(failed), stopped)


def _remove_empty_folders(part: _Part) -> None:
    """Remove the folders the caches made for ``part`` (a feature folder; thumbnails' and maps' subfolders)
    when they are empty now. Only folders of the caches' own names, never a link, never one of the user's in
    a part that is a link; a folder a writer fills meanwhile stays (rmdir refuses it)."""
    if part.kind == EXPLANATIONS:  # the catalogue's own folder for them: kept, as its maps/ may be in it
        return
    if part.kind == FEATURES:
        folders = [part.folder]
    else:
        folders = _folders_in(part.folder, _THUMBNAIL_FOLDER if part.kind == THUMBNAILS else _MAPS_FOLDER)
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            continue


def size_words(count: int) -> str:
    """Bytes as people read them: "0 bytes", "812 kB", "1.2 GB" (decimal units, as file managers show)."""
    if count < 1000:
        return f"{count} byte{'' if count == 1 else 's'}"
    value = float(count)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.5 or unit == "TB":
            break
    return f"{value:.0f} {unit}" if value >= 99.95 else f"{value:.1f} {unit}"
