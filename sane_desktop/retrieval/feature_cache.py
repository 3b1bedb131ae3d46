"""Cached cell features of a frozen pretrained trunk, keyed by image content.

With the trunk frozen (the ImageNet EfficientNet-Lite0), a catalogue's images go through it once:
``index`` stores each image's trunk map here as it embeds, and ``train`` fits the heads on these
features without decoding an image (issue 16: a model per catalogue in minutes on a laptop);
re-indexing with the trained model is then one matrix product per image.

Layout: one folder per trunk identity (trunk kind, its weights' digest and the preprocessing —
anything else would give other features), ``<cache>/features/<identity>/``, holding append-only
shards: ``<n>.npy`` (float16, (N, K, C): K = h·w cells of C channels) and ``<n>.hashes`` (the N
images' SHA-256 hex digests, one per line), the hash list written last as the shard's commit mark.
A run killed mid-shard leaves an orphan ``.npy`` that is ignored and cleaned up; a shard whose row
count disagrees with its hash list, or whose ``.npy`` is not the file its hash list was written for
(the list's first line, ``sha256v2:<hex>`` over the ``.npy``'s bytes and the list itself: a shard
swapped for another of the same size, or edited, would train on other images' features — trial Z's
kind — and two lines of the list swapped would give each image the other's — trial AK), is ignored
(never served): its images are computed again. Shards from before that line (or its v1, over the data
alone) are ignored the same way. Lookups are by content hash, so a
changed image simply misses, and the same photo in two catalogues is computed once.

Each folder carries ``identity.json`` (:data:`LABEL`): the identity its key was computed from, the
embedding code's fingerprint included, so that ``sane-desktop cache --clean`` can tell another build's
folders (never read by this one) from this build's. Shards may be removed under a running process
(``cache --clear``): what it has read or added stays memory-mapped, and what it has not is a miss.

Size: 125 kB per image at 224 px for Lite0 (49 × 1280 float16): 1.2 GB for MANGO's 9,222 photos.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sane_desktop.catalogue.content_hash import file_hash
from sane_desktop.paths import user_cache_dir

log = logging.getLogger(__name__)

FOLDER = "features"
LABEL = "identity.json"  # a folder's identity, as written by the build that uses it
# a hash list's first line: the digest of its shard's .npy bytes and of the list below it, row by row
# (v2: trial AK swapped two lines of a list whose digest covered the data alone, and index stored each
# of the two items with the other's photo's features)
DIGEST_PREFIX = "sha256v2:"
# shard digests this process has read, by the file's identity (path, inode, size, mtime, ctime): the
# several caches one training opens hash each shard once (MANGO's 1.2 GB: under a second of SHA-256 at
# the 1.6 GB/s measured here, plus reading it, which the training does anyway)
_HASHED: dict[tuple[str, int, int, int, int], str] = {}


def _shard_digest(path: Path) -> str:
    """:func:`~sane_desktop.catalogue.content_hash.file_hash` of a shard, once per version of the file
    in this process; raises OSError."""
    info = os.stat(path)
    identity = (str(path), info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    if identity not in _HASHED:
        _HASHED[identity] = file_hash(path)
    return _HASHED[identity]


def _commit_line(data_digest: str, hashes: Sequence[str]) -> str:
    """A hash list's first line: SHA-256 over the shard's data digest and its images' hashes in row
    order, so that neither the data nor which row is which image can change unnoticed."""
    text = "\n".join([data_digest, *hashes])
    return DIGEST_PREFIX + hashlib.sha256(text.encode("ascii")).hexdigest()


def pool_cells(features: np.ndarray) -> np.ndarray:
    """float16 (N, K, C) cell features -> float32 (N, C) means over the cells. The one pooling of
    cached features (fresh and cached ones give the same bits, so training repeats exactly)."""
    return np.asarray(features, dtype=np.float32).mean(1)


@dataclass(frozen=True)
class TrunkIdentity:
    """What a trunk's features are derived from: its ``kind``, its weights' ``digest``
    (:func:`sane_desktop.models.weights.trunk_digest`), the ``preprocessing`` dict, and (in the
    :attr:`key`) the code that computes them."""

    kind: str
    digest: str
    preprocessing: dict

    @property
    def key(self) -> str:
        # and the code that computes them (code_version.embedding_code): another build's features are
        # a miss, computed again, never taken as this build's (trial AR's kind)
        from sane_desktop.code_version import embedding_code

        text = json.dumps({"kind": self.kind, "digest": self.digest, "preprocessing": self.preprocessing,
                           "code": embedding_code()}, sort_keys=True)
        return f"{self.kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    def label(self) -> dict:
        """What :data:`LABEL` says of a folder: the fields of :attr:`key`, the code's fingerprint as ``code``."""
        from sane_desktop.code_version import embedding_code

        return {"kind": self.kind, "digest": self.digest, "preprocessing": self.preprocessing,
                "code": embedding_code()}


def folder_label(folder: Path) -> dict | None:
    """The :data:`LABEL` of a feature folder, or None when it has none or it cannot be read as one."""
    try:
        label = json.loads((folder / LABEL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return label if isinstance(label, dict) and isinstance(label.get("code"), str) else None


class FeatureCache:
    """Append-only store of (K, C) float16 cell features by image content hash (one trunk identity)."""

    def __init__(self, identity: TrunkIdentity, root: Path | None = None) -> None:
        self.identity = identity
        self.folder = (root or user_cache_dir()) / FOLDER / identity.key
        self._where: dict[str, tuple[Path, int]] = {}
        self._shards: dict[Path, np.ndarray] = {}
        self._scanned: set[Path] = set()

    def _scan(self) -> None:
        """Read the hash lists of shards not seen yet (another process may have added some)."""
        if not self.folder.is_dir():
            return
        self._write_label()
        for hashes_path in sorted(self.folder.glob("*.hashes")):
            if hashes_path in self._scanned:
                continue
            self._scanned.add(hashes_path)
            data_path = hashes_path.with_suffix(".npy")
            try:
                lines = hashes_path.read_text(encoding="ascii").split()
                hashes = lines[1:]
                if not lines or lines[0] != _commit_line(_shard_digest(data_path), hashes):
                    continue  # another shard's data, edited, rows relabelled, or an older format: computed again
                array = np.load(data_path, mmap_mode="r")
            except (OSError, ValueError):
                continue  # unreadable shard: its images are computed again
            if array.ndim != 3 or array.shape[0] != len(hashes) or array.dtype != np.float16:
                continue
            self._shards[data_path] = array
            for row, content_hash in enumerate(hashes):
                self._where.setdefault(content_hash, (data_path, row))

    def missing(self, hashes: Sequence[str]) -> list[str]:
        """The ``hashes`` not cached yet (in order, without repeats)."""
        self._scan()
        return [h for h in dict.fromkeys(hashes) if h not in self._where]

    def get(self, hashes: Sequence[str]) -> np.ndarray:
        """float16 (N, K, C) features of ``hashes`` in order; KeyError names the first missing one."""
        self._scan()
        rows = []
        for content_hash in hashes:
            if content_hash not in self._where:
                raise KeyError(f"no cached features for image {content_hash[:12]}")
            path, row = self._where[content_hash]
            rows.append(np.asarray(self._shards[path][row]))
        if not rows:
            return np.empty((0, 0, 0), np.float16)
        return np.stack(rows)

    def pooled(self, hashes: Sequence[str], chunk: int = 2048) -> np.ndarray:
        """float32 (N, C): the mean over cells of each image's features (what a linear head on the
        average-pooled map sees), computed in chunks so memory stays bounded."""
        parts = [pool_cells(self.get(hashes[start : start + chunk])) for start in range(0, len(hashes), chunk)]
        return np.concatenate(parts) if parts else np.empty((0, 0), np.float32)

    def add(self, hashes: Sequence[str], features: np.ndarray) -> None:
        """Store float16 (N, K, C) ``features`` of images ``hashes`` as a new shard (atomically:
        data first, then the hash list that makes it visible). Raises OSError when the cache
        folder cannot be written (callers may go on without the cache)."""
        if not len(hashes):
            return
        features = np.ascontiguousarray(features, dtype=np.float16)
        if features.ndim != 3 or features.shape[0] != len(hashes):
            raise ValueError(f"features {features.shape} do not match {len(hashes)} hashes")
        name = uuid.uuid4().hex
        data_path = self.folder / f"{name}.npy"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.npy.tmp"
            with open(tmp, "wb") as handle:
                np.save(handle, features)
            os.replace(tmp, data_path)
            tmp_hashes = self.folder / f".{name}.hashes.tmp"
            tmp_hashes.write_text("\n".join([_commit_line(_shard_digest(data_path), hashes), *hashes]) + "\n",
                                  encoding="ascii")
            os.replace(tmp_hashes, self.folder / f"{name}.hashes")
        except OSError as error:  # the callers go on without the cache: the log says why (trial EB: unsaid)
            log.warning("cannot add to the feature cache %s (%s): these photos' features are computed again next "
                        "time", self.folder, error.strerror or error)
            raise
        self._write_label()
        # this process reads what it added from the file it wrote, even once a `cache --clear` has removed it
        self._scanned.add(self.folder / f"{name}.hashes")
        self._shards[data_path] = np.load(data_path, mmap_mode="r")
        for row, content_hash in enumerate(hashes):
            self._where.setdefault(content_hash, (data_path, row))

    def _write_label(self) -> None:
        """Write the folder's :data:`LABEL` when it has none (best effort: a read-only cache goes without)."""
        if (self.folder / LABEL).is_file():  # a stat: a folder made again after a `cache --clear` is labelled again
            return
        tmp = self.folder / f".{LABEL}.{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(json.dumps(self.identity.label(), sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.folder / LABEL)
        except OSError:
            tmp.unlink(missing_ok=True)

    def size_bytes(self) -> int:
        """Bytes the cache's shards take on disk."""
        return sum(path.stat().st_size for path in self.folder.glob("*.npy")) if self.folder.is_dir() else 0
