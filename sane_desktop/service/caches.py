"""The per-user caches: what they hold, and removing them (``sane-desktop cache``).

Three parts live in :func:`~sane_desktop.paths.user_cache_dir`: the frozen trunk's features of every
photo indexed or trained with it (:mod:`sane_desktop.retrieval.feature_cache`, one folder per trunk
identity), the window's thumbnails, and ``explain``'s maps of catalogues whose own folder is read-only.
Everything there is derived from a photo and computed again when needed: removing it costs time, never
data. Deleting a catalogue leaves them (keyed by photo content, shared by catalogues), and each build
whose embedding code differs writes its features to a folder of its own, so they only grow.

:func:`cache_report` lists them; :func:`remove_caches` removes what this build never reads
(:data:`UNUSED`: another build's feature folders, thumbnails of an older format) or everything
(:data:`EVERYTHING`). Removal is safe under a running index, training or window: on POSIX a process keeps
reading the shards it has memory-mapped, and what it has not read yet is a miss it computes again. Only
files of the names these caches write are removed (the rest is left and counted), and links are never
followed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from sane_desktop.paths import EXPLAIN_MAPS_FOLDER, THUMBNAILS_FOLDER, THUMBNAILS_VERSION, user_cache_dir

FEATURES, THUMBNAILS, EXPLAIN_MAPS = "features", "thumbnails", "explanation maps"
# a part's state: CURRENT is read by this build; OTHER_BUILD and OLDER_FORMAT never are; UNLABELLED is a
# feature folder written before folders were labelled, which this build labels the next time it uses it
CURRENT, OTHER_BUILD, OLDER_FORMAT, UNLABELLED = "current", "other build", "older format", "unlabelled"
Scope = Literal["unused", "everything"]
UNUSED: Final = "unused"
EVERYTHING: Final = "everything"
# a part's words, for a person (the command line's text and the window's table)
KIND_WORDS = {FEATURES: "photo features", THUMBNAILS: "thumbnails", EXPLAIN_MAPS: "explanation maps"}
STATE_WORDS = {
    CURRENT: "used by this build",
    OTHER_BUILD: "another build's: never read by this one",
    OLDER_FORMAT: "an older format: never read by this build",
    UNLABELLED: "not labelled yet: this build labels the folders it uses",
}
# the names the caches write (data, hash lists, labels, pictures, records, temporaries); nothing else is removed
OWN_SUFFIXES = (".npy", ".hashes", ".json", ".png", ".tmp")


@dataclass(frozen=True)
class CachePart:
    """One part of the cache: ``kind`` (:data:`FEATURES`, :data:`THUMBNAILS`, :data:`EXPLAIN_MAPS`), its
    ``state`` (:data:`CURRENT`, :data:`OTHER_BUILD`, :data:`OLDER_FORMAT`, :data:`UNLABELLED`), the
    ``folder`` it is in, its ``files`` and their size in ``bytes``; ``photos``: the photos a feature folder
    holds features of (None for the other kinds)."""

    kind: str
    state: str
    folder: Path
    files: int
    bytes: int
    photos: int | None = None

    def removed_by(self, scope: Scope) -> bool:
        """Whether :func:`remove_caches` with ``scope`` removes this part."""
        return scope == EVERYTHING or self.state in (OTHER_BUILD, OLDER_FORMAT)


@dataclass(frozen=True)
class CacheReport:
    """What the cache folder ``root`` holds, part by part (parts with no files are left out)."""

    root: Path
    parts: tuple[CachePart, ...]

    @property
    def bytes(self) -> int:
        return sum(part.bytes for part in self.parts)

    def removable(self, scope: Scope) -> int:
        """Bytes :func:`remove_caches` with ``scope`` would free."""
        return sum(part.bytes for part in self.parts if part.removed_by(scope))


@dataclass(frozen=True)
class Removal:
    """What :func:`remove_caches` did: ``files`` and ``bytes`` removed, ``failed``: one line per file that
    could not be removed (in use on Windows, no permission), ``foreign``: files left because the caches do
    not write such names, and the cache as it is ``after``."""

    files: int
    bytes: int
    after: CacheReport
    failed: tuple[str, ...] = field(default=())
    foreign: int = 0


def _files(folder: Path, pattern: str = "") -> Iterator[os.DirEntry[str]]:
    """Regular files under ``folder`` (links neither followed nor listed), optionally only names ending with
    ``pattern``."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # gone meanwhile, or not a folder
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _files(Path(entry.path), pattern)
            elif entry.is_file(follow_symlinks=False) and entry.name.endswith(pattern):
                yield entry
        except OSError:
            continue


def _size(entries: list[os.DirEntry[str]]) -> int:
    total = 0
    for entry in entries:
        try:
            total += entry.stat(follow_symlinks=False).st_size
        except OSError:  # removed meanwhile
            continue
    return total


def _photos(folder: Path) -> int:
    """The images a feature folder's hash lists name (each list's first line is its commit mark)."""
    count = 0
    for entry in _files(folder, ".hashes"):
        try:
            count += max(0, len(Path(entry.path).read_text(encoding="ascii").split()) - 1)
        except (OSError, ValueError):
            continue
    return count


def _feature_parts(root: Path) -> list[CachePart]:
    from sane_desktop.code_version import embedding_code
    from sane_desktop.retrieval.feature_cache import FOLDER, folder_label

    parts = []
    try:
        folders = sorted(entry.path for entry in os.scandir(root / FOLDER) if entry.is_dir(follow_symlinks=False))
    except OSError:
        return []
    for name in folders:
        folder = Path(name)
        label = folder_label(folder)
        state = UNLABELLED if label is None else CURRENT if label["code"] == embedding_code() else OTHER_BUILD
        entries = list(_files(folder))
        parts.append(CachePart(FEATURES, state, folder, len(entries), _size(entries), _photos(folder)))
    return parts


def _thumbnails(folder: Path, current: bool) -> list[os.DirEntry[str]]:
    """The thumbnails of this build's format (``current``) or of older ones; not the hidden temporaries a
    window is writing (:func:`~sane_desktop.paths.temporary_sibling`'s names, which it cleans up itself)."""
    return [entry for entry in _files(folder, ".png") if not entry.name.startswith(".")
            and entry.name.endswith(f"_{THUMBNAILS_VERSION}.png") == current]


def _thumbnail_parts(root: Path) -> list[CachePart]:
    folder = root / THUMBNAILS_FOLDER
    current, older = _thumbnails(folder, True), _thumbnails(folder, False)
    return [CachePart(THUMBNAILS, CURRENT, folder, len(current), _size(current)),
            CachePart(THUMBNAILS, OLDER_FORMAT, folder, len(older), _size(older))]


def cache_report(root: Path | None = None) -> CacheReport:
    """What the cache folder ``root`` (default :func:`~sane_desktop.paths.user_cache_dir`) holds. Reads
    only names, sizes and the feature folders' labels and hash lists; raises nothing (an unreadable part
    is listed as empty)."""
    root = root or user_cache_dir()
    maps = list(_files(root / EXPLAIN_MAPS_FOLDER))
    parts = [*_feature_parts(root), *_thumbnail_parts(root),
             CachePart(EXPLAIN_MAPS, CURRENT, root / EXPLAIN_MAPS_FOLDER, len(maps), _size(maps))]
    # this build's first, then what it never reads
    order = {CURRENT: 0, UNLABELLED: 1, OTHER_BUILD: 2, OLDER_FORMAT: 3}
    parts.sort(key=lambda part: (order[part.state], list(KIND_WORDS).index(part.kind), str(part.folder)))
    return CacheReport(root, tuple(part for part in parts if part.files))


def remove_caches(scope: Scope, root: Path | None = None) -> Removal:
    """Remove the parts of the cache folder ``root`` that ``scope`` names (:meth:`CachePart.removed_by`):
    :data:`UNUSED`, what this build never reads; :data:`EVERYTHING`, all three parts. File by file, so
    that one that cannot be removed is said and the rest still goes; folders left empty are removed."""
    root = root or user_cache_dir()
    files = removed = foreign = 0
    failed: list[str] = []
    for part in cache_report(root).parts:
        if not part.removed_by(scope):
            continue
        if part.kind == THUMBNAILS:
            targets = _thumbnails(part.folder, part.state == CURRENT)
        else:
            targets = list(_files(part.folder))
        for entry in targets:
            if not entry.name.endswith(OWN_SUFFIXES):
                foreign += 1
                continue
            try:
                size = entry.stat(follow_symlinks=False).st_size
                os.unlink(entry.path)
            except FileNotFoundError:  # removed meanwhile (a writer's temporary renamed onto its name)
                continue
            except OSError as error:
                failed.append(f"cannot remove {entry.path}: {error.strerror or error}")
                continue
            files, removed = files + 1, removed + size
        _remove_empty_folders(part.folder, keep=part.folder if part.kind != FEATURES else None)
    return Removal(files, removed, cache_report(root), tuple(failed), foreign)


def _remove_empty_folders(folder: Path, keep: Path | None) -> None:
    """Remove the folders under ``folder`` (and ``folder`` itself unless it is ``keep``) that are empty now,
    deepest first. A folder a writer fills meanwhile stays (rmdir refuses it)."""
    for current, _dirs, _names in os.walk(folder, topdown=False):
        if keep is not None and Path(current) == keep:
            continue
        try:
            os.rmdir(current)
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
