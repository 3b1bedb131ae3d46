"""A catalogue's images through a frozen pretrained trunk, once: pooled cell features (and, for an
attention-pooled head, the cells themselves) for training the heads (:mod:`sane_desktop.training.head_trainer`), read from and added to the feature cache
(:mod:`sane_desktop.retrieval.feature_cache`) that ``index`` fills too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue.types import Catalogue
from sane_desktop.errors import Cancelled, InputError
from sane_desktop.models import ModelBundle
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.embedding import EmbeddedBatch, embed_images, trunk_identity
from sane_desktop.retrieval.feature_cache import FeatureCache, pool_cells
from sane_desktop.retrieval.indexing.embed import FILE_GONE, unread_reason
from sane_desktop.retrieval.indexing.scan import file_hash

PHASE_HASH = "reading images"
PHASE_TRUNK = "computing image features"


@dataclass(frozen=True)
class PooledFeatures:
    """float32 ``features`` (N, C): the mean over cells of each item's trunk map; ``row[item_id]``
    its row. ``computed`` images went through the trunk in this run (the others came cached).
    ``cells``: the maps themselves (:class:`CellRows`), when asked for (else None)."""

    features: torch.Tensor
    row: dict[str, int]
    computed: int
    cells: CellRows | None = None

    def rows(self, item_ids: Sequence[str]) -> torch.Tensor:
        return torch.tensor([self.row[i] for i in item_ids], dtype=torch.long)


def content_hashes(paths: Sequence[Path], progress: Progress = no_progress,
                   should_stop: CancelCheck = never_cancel) -> list[str]:
    """The SHA-256 of each file of ``paths``, the feature cache's keys (``progress`` as
    :data:`PHASE_HASH`). Raises InputError naming a file that cannot be read; Cancelled on request."""
    hashes = []
    for n, path in enumerate(paths):
        if should_stop():
            raise Cancelled()
        try:
            hashes.append(file_hash(path))
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror or error}") from None
        if n % 500 == 0 or n == len(paths) - 1:
            progress(n + 1, len(paths), PHASE_HASH)
    return hashes


def pooled_features(catalogue: Catalogue, item_ids: Sequence[str], bundle: ModelBundle, *,
                    progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
                    cache: FeatureCache | None = None, keep_cells: bool = False,
                    cells_in_memory: int | None = None) -> PooledFeatures:
    """Pooled trunk features of ``item_ids`` (their image files hashed, cached ones read, the
    others decoded and run through ``bundle``'s frozen trunk and added to the cache), and with
    ``keep_cells`` their cell features too (:class:`CellRows`: in memory up to ``cells_in_memory``
    bytes, default :data:`CELLS_IN_MEMORY`, else read from the cache a batch at a time).

    Raises InputError naming an image that cannot be read or decoded; Cancelled on request. A
    cache folder that cannot be written is not an error (the features are kept in memory)."""
    ids = list(dict.fromkeys(item_ids))
    by_id = catalogue.item_by_id()
    paths = [catalogue.root / by_id[i].image_path for i in ids]
    hashes = content_hashes(paths, progress, should_stop)
    cache = cache or FeatureCache(trunk_identity(bundle))
    missing = set(cache.missing(hashes))
    todo = [n for n, h in enumerate(hashes) if h in missing]
    fresh: dict[str, np.ndarray] = {}
    fresh_cells: dict[str, np.ndarray] = {}
    writable = True

    def keep(batch: EmbeddedBatch, features: np.ndarray) -> None:
        nonlocal writable
        keys = [hashes[todo[i]] for i in batch.indices.tolist()]
        for key, pooled_row in zip(keys, pool_cells(features)):
            fresh[key] = pooled_row
        if writable:
            try:
                cache.add(keys, features)
                return
            except OSError:
                writable = False
        if keep_cells:  # only what the cache could not take stays in memory
            fresh_cells.update(zip(keys, np.asarray(features, dtype=np.float16)))

    done = 0
    for batch in embed_images(bundle, [paths[n] for n in todo], should_stop=should_stop,
                              hashes=[hashes[n] for n in todo], on_features=keep):
        if batch.failed:
            bad = paths[todo[batch.failed[0]]]
            if unread_reason(Path(bad)) == FILE_GONE:  # not "cannot decode" (trial EK's kind: a folder deleted)
                raise InputError(f"{bad} is gone: it was moved or deleted since the catalogue was indexed (index "
                                 "the catalogue again, then train)")
            raise InputError(f"cannot decode {bad} as an image (fix or remove it, then train again)")
        if batch.changed:  # its features would be cached under the hash of the photo it replaced
            bad = paths[todo[batch.changed[0]]]
            raise InputError(f"{bad} changed while train read it (replaced after it was hashed): train again")
        done += len(batch.indices)
        progress(done, len(todo), PHASE_TRUNK)
    cached = [h for h in hashes if h not in fresh]
    pooled = dict(zip(cached, cache.pooled(cached))) if cached else {}
    pooled.update(fresh)
    features = torch.from_numpy(np.stack([pooled[h] for h in hashes]).astype(np.float32))
    cells = None
    if keep_cells and hashes:
        cells = CellRows(hashes, fresh_cells, cache, CELLS_IN_MEMORY if cells_in_memory is None else cells_in_memory)
    return PooledFeatures(features, {item_id: n for n, item_id in enumerate(ids)}, len(todo), cells)


# Cells held in memory at most (float16, 145 kB an image at 224 px with colour cells: MANGO's 9,222
# images take 1.3 GB); more are read from the cache's memory-mapped shards a batch at a time, so a
# catalogue of any size trains in bounded memory
CELLS_IN_MEMORY = 2 << 30


class CellRows:
    """float16 (N, K, C) cell features of a feature list's rows, ``cells[rows]`` -> (B, K, C) for a
    LongTensor of rows: one array in memory when it takes at most ``limit`` bytes, else read from the
    feature cache per call (those the cache could not store come from ``fresh``, in memory)."""

    def __init__(self, hashes: Sequence[str], fresh: dict[str, np.ndarray], cache: FeatureCache, limit: int) -> None:
        self._hashes, self._fresh, self._cache = list(hashes), fresh, cache
        first = self._read(self._hashes[:1])[0]
        self.shape = (len(self._hashes), first.shape[0], first.shape[1])
        self.in_memory = len(self._hashes) * first.size * 2 <= limit
        self._array = torch.from_numpy(self._read(self._hashes)) if self.in_memory else None

    def _read(self, hashes: Sequence[str], chunk: int = 1024) -> np.ndarray:
        """float16 (len(hashes), K, C), filled a chunk of cache reads at a time (no second copy)."""
        out: np.ndarray | None = None
        for start in range(0, len(hashes), chunk):
            part = hashes[start : start + chunk]
            cached = [h for h in part if h not in self._fresh]
            read = dict(zip(cached, self._cache.get(cached))) if cached else {}
            for n, content_hash in enumerate(part, start):
                row = self._fresh[content_hash] if content_hash in self._fresh else read[content_hash]
                if out is None:
                    out = np.empty((len(hashes), *row.shape), dtype=np.float16)
                out[n] = row
        assert out is not None, "no rows asked for"
        return out

    def __getitem__(self, rows: torch.Tensor) -> torch.Tensor:
        if self._array is not None:
            return self._array[rows]
        return torch.from_numpy(self._read([self._hashes[i] for i in rows.tolist()]))
