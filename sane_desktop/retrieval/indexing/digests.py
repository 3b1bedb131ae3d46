"""SHA-256 of index files, computed once per version of a file (issue 19).

Opening a catalogue checks every index file (and a compressed index's re-rank store) against the
SHA-256 its manifest recorded; at 10M items that is 19 GB to read on every open. The digest of a
file is remembered in ``.digests.json`` beside it, with the file's identity when it was hashed:
device, inode, size, mtime and ctime (ns). ctime cannot be set from user space, so any write,
truncation, ``touch``, rename over it or copy (a new inode) changes the identity, and the file is
hashed again. Not seen: a change below the file system (bit rot on the disk, a raw device write),
which hashing at each open would catch only at that moment anyway. A digest is remembered only
when the file's identity did not change while it was read; an unreadable or foreign record is
ignored (the file is hashed), and a record that cannot be written costs only a later re-hash.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

from sane_desktop.retrieval.indexing.scan import file_hash

DIGESTS = ".digests.json"
_lock = threading.Lock()  # one writer of a folder's record at a time within a process


def file_identity(path: Path) -> list[int]:
    """(device, inode, size, mtime_ns, ctime_ns) of ``path``; raises OSError."""
    info = os.stat(path)
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _read(folder: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((folder / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(folder: Path, record: dict[str, dict[str, object]]) -> None:
    tmp = folder / f".{DIGESTS}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        tmp.write_text(json.dumps(record, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, folder / DIGESTS)
    except OSError:  # a read-only folder or a full disk: hashed again next time, nothing wrong
        with contextlib.suppress(OSError):  # on a read-only mount even unlinking a missing file raises EROFS
            tmp.unlink(missing_ok=True)


def verified_hash(path: Path) -> str:
    """The SHA-256 hex digest of ``path``'s bytes: the remembered one while the file's identity is
    the one it was hashed with, else read and hashed (and remembered). Raises OSError (e.g.
    FileNotFoundError) as :func:`~sane_desktop.retrieval.indexing.scan.file_hash` does."""
    before = file_identity(path)
    key = str(path.absolute())
    with _lock:
        seen = _seen.get(key)
    if seen is not None and seen[0] == before:  # this process hashed it as it is (a folder it cannot write)
        return seen[1]
    entry = _read(path.parent).get(path.name)
    if isinstance(entry, dict) and entry.get("identity") == before and isinstance(entry.get("sha256"), str):
        return str(entry["sha256"])
    digest = file_hash(path)
    if file_identity(path) == before:  # not written to while it was read
        with _lock:
            record = _read(path.parent)
            record[path.name] = {"identity": before, "sha256": digest}
            _write(path.parent, record)
            _seen[key] = (before, digest)
    return digest


# path -> (identity, digest) hashed by this process: on a read-only folder, where no record can be kept,
# each explanation's check of the index files (index_state.refuse_changed_files) is a stat, not a re-read
_seen: dict[str, tuple[list[int], str]] = {}
