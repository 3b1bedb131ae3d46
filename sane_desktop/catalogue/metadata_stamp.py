"""Whether a catalogue's metadata files stayed as they were while the catalogue was read.

Reading a catalogue reads its tables first and then every photo (minutes for tens of thousands). A table saved
again meanwhile, or ``demo --force`` rewriting the folder (it deletes the tables, then draws other garments
under the same file names), paired the old rows with the new photos: a "blue skirt" whose photo was a red
shirt, imported without a word. The tables' sizes and modification times are taken before they are read and
again once the photos are (:func:`metadata_stamp`); any difference (:func:`first_change`) refuses the import,
which has written nothing yet. A folder of photos alone (categories by folder) has no table to change.
Plain Python: no torch, no Qt.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["METADATA_SUFFIXES", "first_change", "metadata_stamp"]

# the tables a reader may read (manifest tables, mappings, Polyvore's JSON and question files); photos and a
# file manager's litter (hidden files, Thumbs.db) never count
METADATA_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson"})

Stamp = dict[str, tuple[int, int]]  # path (relative to the root, or absolute outside it) -> (size, mtime_ns)


def metadata_stamp(root: Path, mapping: Path | None = None, tables: Iterable[str] = ()) -> Stamp:
    """(size in bytes, modification time in ns) of every metadata file under ``root`` (links to files followed,
    links to folders not; hidden files and folders skipped), of ``mapping`` (an explicit mapping file) and of
    ``tables`` (paths relative to ``root`` a mapping names, whatever their suffix or folder). A file gone is
    absent; an unreadable folder holds nothing. Never raises."""
    stamp: Stamp = {}
    for table in tables:
        _add(stamp, os.path.normpath(table), os.path.join(root, table))
    for folder, folders, files in os.walk(root, onerror=lambda _error: None):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in files:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in METADATA_SUFFIXES:
                continue
            path = os.path.join(folder, name)
            _add(stamp, os.path.relpath(path, root), path)
    if mapping is not None:
        _add(stamp, os.path.abspath(mapping), str(mapping))
    return stamp


def _add(stamp: Stamp, key: str, path: str) -> None:
    try:
        info = os.stat(path)
    except OSError:  # gone meanwhile, a broken link: absent
        return
    stamp[key] = (info.st_size, info.st_mtime_ns)


def first_change(before: Stamp, after: Stamp) -> str | None:
    """The first metadata file (by name) made, removed or changed between two stamps, and how; None when none."""
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            return f"{key} was removed"
        if key not in before:
            return f"{key} was made"
        if before[key] != after[key]:
            return f"{key} was changed"
    return None
