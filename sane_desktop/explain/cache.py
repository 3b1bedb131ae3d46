"""On-disk cache of explanations keyed by (model hash, query, candidate, method, options).

One ``.npz`` per entry (the maps) plus its JSON record; writes go to a temporary name first and
are renamed into place, so a reader never sees half a file.

A record knows what it was derived from and is checked against it on every read: the pair's
identity as the key was computed from it (:class:`ExplanationIdentity`), the SHA-256 of its npz's
bytes and the arrays' names, shapes and dtypes, and a SHA-256 over all of that and the summary
(so a hand-edited value shows). An entry that fails any check — another pair's files moved under
this key, a npz that is not the one its record was written with (a crash between the two renames,
a swap), a damaged or truncated file, an entry written before records carried digests — is a miss,
said in one warning line naming the file; the caller recomputes it and :meth:`ExplanationCache.put`
overwrites it. Never an error, never another entry's answer.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

log = logging.getLogger(__name__)

RECORD_FORMAT = 2  # 1 (unnamed): the bare summary, no identity or digests: read as a miss
MAX_BYTES = 512 * 1024 * 1024  # past this the least recently used entries go (old versions' records too)
PRUNE_EVERY = 50  # writes between two looks at the folder's size (and the first write of a session)


def explanation_cache_key(model_hash: str, query: str, candidate: str, method: str, options: str = "") -> str:
    """32 hex digits naming one explanation: model weights hash, item ids, method, and ``options``
    (e.g. JSON of ``Explainer.describe()``: the method's version and settings)."""
    text = json.dumps([model_hash, query, candidate, method, options])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ExplanationIdentity:
    """What one cached explanation is of: the inputs of :func:`explanation_cache_key` (its
    :attr:`key`). Recorded in the entry and compared on read, so that files moved under another
    pair's key are never served as that pair's."""

    model_hash: str
    query: str  # the query item as the caller identifies it (id, photo content hash, labels…)
    candidate: str
    method: str
    options: str = ""

    @property
    def key(self) -> str:
        return explanation_cache_key(self.model_hash, self.query, self.candidate, self.method, self.options)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class CacheEntryUnusable(Exception):
    """An entry on disk that is not the one asked for, or cannot be read: a miss (internal)."""


def _canonical(value: Any) -> bytes:
    """The bytes a record's digest is taken over: key-sorted compact JSON (a parsed record
    re-serialises to the same bytes: Python's floats round-trip exactly)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _record_digest(record: dict[str, Any]) -> str:
    """SHA-256 over every field of ``record`` but the digest itself."""
    return hashlib.sha256(_canonical({k: v for k, v in record.items() if k != "record_sha256"})).hexdigest()


def _array_shapes(maps: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    """name -> [shape, dtype] of each map: what the npz must hold when read back."""
    return {name: [list(array.shape), str(array.dtype)] for name, array in maps.items()}


# an entry's files: its maps and its record, named by its key (explanation_cache_key)
ENTRY_NAME = re.compile(r"[0-9a-f]{32}\.(?:npz|json)")
TEMPORARY_PREFIX = ".tmp-"  # an entry's file being written (mkstemp's name: the prefix, random letters, its suffix)
TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"\w+\.(?:npz|json)")


class ExplanationCache:
    """Explanations on disk under ``folder``, one entry per :class:`ExplanationIdentity` (its key)."""

    def __init__(self, folder: Path | str, max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._writes = 0

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.npz", self.folder / f"{key}.json"

    def get(self, identity: ExplanationIdentity) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """(summary, maps) of the entry of ``identity``, or None (a miss) when there is none or it
        fails a check (logged as one warning naming the file and why); never raises for what is on
        disk."""
        maps_path, record_path = self._paths(identity.key)
        if not record_path.exists() and not maps_path.exists():
            return None  # never written: a plain miss, nothing to say
        try:
            found = self._read(identity, maps_path, record_path)
        except CacheEntryUnusable as why:
            log.warning("explanation cache entry %s not used (%s): recomputing it", record_path, why)
            return None
        try:
            os.utime(record_path)  # used now: the last to go when the cache is pruned
        except OSError:
            pass
        return found

    def _read(self, identity: ExplanationIdentity, maps_path: Path,
              record_path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The checked entry; raises CacheEntryUnusable saying why it is not usable."""
        try:
            record = json.loads(record_path.read_bytes())
        except FileNotFoundError:
            raise CacheEntryUnusable("its record is missing") from None
        except (OSError, ValueError, RecursionError) as error:  # ValueError: JSON and UTF-8 errors
            raise CacheEntryUnusable(f"its record cannot be read: {error}") from None
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            raise CacheEntryUnusable("written by an older version, without the digests of what it holds")
        if not isinstance(record.get("record_sha256"), str) or record["record_sha256"] != _record_digest(record):
            raise CacheEntryUnusable("its record was changed after it was written (digest mismatch)")
        if record.get("identity") != identity.as_dict():
            raise CacheEntryUnusable("it holds the explanation of another pair, model or setting")
        summary, shapes = record.get("summary"), record.get("arrays")
        if not isinstance(summary, dict) or not isinstance(shapes, dict):
            raise CacheEntryUnusable("its record lacks the summary or the list of maps")
        try:
            data = maps_path.read_bytes()
        except FileNotFoundError:
            raise CacheEntryUnusable(f"its maps {maps_path.name} are missing") from None
        except OSError as error:
            raise CacheEntryUnusable(f"its maps cannot be read: {error}") from None
        if hashlib.sha256(data).hexdigest() != record.get("npz_sha256"):
            raise CacheEntryUnusable(f"its maps {maps_path.name} are not the ones it was written with (digest mismatch)")
        try:  # the bytes just hashed, not the file again: nothing can change in between
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                maps = {name: arrays[name] for name in arrays.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
            raise CacheEntryUnusable(f"its maps cannot be read: {type(error).__name__}: {error}") from None
        if _array_shapes(maps) != shapes:
            raise CacheEntryUnusable("its maps are not the arrays its record lists")
        return summary, maps

    def put(self, identity: ExplanationIdentity, summary: dict[str, Any], maps: dict[str, np.ndarray]) -> None:
        """Write (or overwrite) the entry of ``identity``: the npz, then the record naming its digest,
        each renamed into place. A crash between the two leaves a record whose digest the new npz
        does not match: a miss, never a mixed entry. Raises OSError when the folder cannot be written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        maps_path, record_path = self._paths(identity.key)
        arrays: dict[str, Any] = dict(maps)  # numpy's stubs read ** of arrays as its allow_pickle flag
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        data = buffer.getvalue()
        # the summary as JSON will read it back (default=str), so that its digest holds on read
        record: dict[str, Any] = {
            "format": RECORD_FORMAT, "identity": identity.as_dict(),
            "summary": json.loads(_canonical(summary)), "arrays": _array_shapes(maps),
            "npz_sha256": hashlib.sha256(data).hexdigest()}
        record["record_sha256"] = _record_digest(record)
        self._atomic(maps_path, lambda handle: handle.write(data))
        self._atomic(record_path, lambda handle: handle.write(json.dumps(record, default=str).encode()))
        if self._writes % PRUNE_EVERY == 0:
            self.prune(keep=record_path.stem)
        self._writes += 1

    def prune(self, keep: str = "") -> int:
        """Remove the least recently used entries (a record and its maps, by the record's time; an
        orphan file by its own) until the folder holds at most 80 % of :attr:`max_bytes`, when it holds
        more; entries of earlier versions and models, never read again, go first as they age. ``keep``:
        an entry's key never removed (the one just written). Returns how many entries went. A cache
        without bound filled the disk of a user who clicked for days; an entry removed is a miss,
        recomputed when asked again."""
        entries: dict[str, list[tuple[Path, int, float]]] = {}
        try:
            for entry in os.scandir(self.folder):
                # the cache's own files only: a folder linked here (explanations/ moved to another disk) may hold
                # the user's, which trial EC's first explanation of a session removed, a 700 MB disk image with them
                if entry.is_file(follow_symlinks=False) and ENTRY_NAME.fullmatch(entry.name):
                    info = entry.stat(follow_symlinks=False)
                    entries.setdefault(Path(entry.name).stem, []).append((Path(entry.path), info.st_size, info.st_mtime))
        except OSError:
            return 0
        total = sum(size for files in entries.values() for _path, size, _time in files)
        if total <= self.max_bytes:
            return 0
        # an entry's age: its record's time (a read touches it), else its newest file's
        def used(files: list[tuple[Path, int, float]]) -> float:
            records = [when for path, _size, when in files if path.suffix == ".json"]
            return max(records) if records else max(when for _path, _size, when in files)

        removed = 0
        for key, files in sorted(entries.items(), key=lambda item: used(item[1])):
            if total <= 0.8 * self.max_bytes:
                break
            if key == keep:
                continue
            for path, size, _when in sorted(files, key=lambda f: f[0].suffix != ".json"):  # the record first
                try:
                    path.unlink()
                    total -= size
                except OSError:
                    pass
            removed += 1
        log.info("explanation cache %s pruned: %d least recently used entries removed", self.folder, removed)
        return removed

    def _atomic(self, path: Path, write: Callable[[BinaryIO], object]) -> None:
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=TEMPORARY_PREFIX, suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
