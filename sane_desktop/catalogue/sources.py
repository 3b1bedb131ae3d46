"""The metadata files a catalogue was imported from, and whether they changed since.

Photos are checked against what was indexed on every search and explanation; the labels, titles
and categories come from the store, as imported. An import therefore records, beside the catalogue,
the size and modification time of each metadata file in its folder (tables and JSON: every file
with a :data:`SOURCE_SUFFIXES` suffix, hidden ones left out, up to :data:`MAX_SOURCES`) and of a
mapping file kept outside it; :func:`sources_changed` compares them with the files now (a stat each),
so ``query``, ``explain`` and the window can say that an edited CSV is not in use until a re-index
(the rule rsync uses: same size and mtime is taken as unchanged)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

SOURCE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson"})
MAX_SOURCES = 64  # a folder of many text files is not a catalogue's metadata: the first ones stand for it
MAX_DEPTH = 4  # MANGO's table is three folders down (datathon/dataset/product_data.csv)


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [int(stat.st_size), int(stat.st_mtime_ns)]


def metadata_sources(root: Path, extra: Sequence[Path] = ()) -> dict[str, list[int]]:
    """{path: [size in bytes, mtime in ns]} of the catalogue folder ``root``'s metadata files (path
    relative to ``root``, POSIX) and of ``extra`` files (a mapping file; absolute when outside
    ``root``). Links to folders are not followed; an unreadable file is left out."""
    root = Path(root)
    found: dict[str, list[int]] = {}
    for directory, folders, files in os.walk(root):
        relative = Path(directory).relative_to(root)
        folders[:] = sorted(name for name in folders if not name.startswith(".")) \
            if len(relative.parts) < MAX_DEPTH - 1 else []
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.casefold() not in SOURCE_SUFFIXES:
                continue
            stamp = _stamp(Path(directory) / name)
            if stamp is not None:
                found[(relative / name).as_posix()] = stamp
            if len(found) >= MAX_SOURCES:
                break
        if len(found) >= MAX_SOURCES:
            break
    for path in extra:
        path = Path(path)
        key = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        stamp = _stamp(path)
        if stamp is not None:
            found[key] = stamp
    return found


def sources_changed(root: Path, recorded: Mapping[str, Sequence[int]] | None) -> list[str]:
    """The recorded metadata files (:func:`metadata_sources`) whose size or modification time
    moved, or that are gone, in their recorded order; [] when nothing was recorded (an import
    before this check) or the folder itself is not here (a shared catalogue opened from another
    machine: nothing to compare with)."""
    root = Path(root)
    if not recorded or not root.is_dir():
        return []
    changed = []
    for key, stamp in recorded.items():
        path = Path(key) if Path(key).is_absolute() else root / key
        if _stamp(path) != [int(value) for value in stamp]:
            changed.append(key)
    return changed
