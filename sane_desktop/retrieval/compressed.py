"""Compressed indexes with exact re-ranking, chosen by a memory budget (issue 19, point 4).

At 10M items the fp32 vectors no longer fit in memory (28 GB for 11 blocks × 64-d). A compressed
FAISS index (IVF-PQ, or IVF with an 8-bit scalar quantiser) finds ``k × rerank`` candidates from
codes of a few bytes a vector; those candidates are then scored exactly against the stored vectors
(float16 by default, read through a memory map, so only the rows a query touches are paged in) and
the best ``k`` returned. The re-ranking repairs the codes' ranking errors: what is returned is
ordered by (fp16-exact) inner product, and a result is missed only when it was not among the
candidates at all (bench/bench_scale.py measures recall@10 against exact search).

:func:`choose_by_budget` picks the index: exact flat while it fits and is fast, IVF-Flat while the
fp32 vectors fit, then IVF-SQ8 (1 byte a dimension), then IVF-PQ with as many bytes a vector as the
budget allows, and when even the smallest codes do not fit, IVF-PQ with its inverted lists on disk
(FAISS's ``OnDiskInvertedLists``, memory-mapped read-only by ``read_index(…, IO_FLAG_MMAP)``: the
page cache holds what queries touch and the kernel may drop it). :func:`build_store` and :func:`load_store` build and open any kind behind the one
:class:`~sane_desktop.retrieval.vector_store.VectorStore` boundary; :func:`load_store` checks the
file against the spec the manifest recorded (kind, vector count, dimension, re-rank store shape and
type) and refuses a mismatch with :class:`~sane_desktop.errors.StaleIndexError`.

Imports only numpy, faiss and the project's numpy/FAISS layer, so ``bench/bench_scale.py`` runs it on
a machine that has nothing else.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from sane_desktop.errors import InputError, StaleIndexError
from sane_desktop.paths import temporary_sibling
from sane_desktop.retrieval.faiss_index import (
    COMPRESSED_KINDS, DEFAULT_NPROBE, FLAT_LIMIT, GPU_FLAT_LIMIT, TRAIN_POINTS_PER_LIST, FaissVectorStore, IndexSpec,
    build_index, gpu_available, selector_parameters, write_index_atomic,
)
from sane_desktop.retrieval.vector_store import NO_FILTER, Hits, SearchFilter, VectorStore

DEFAULT_RERANK = 10  # candidates per wanted result handed to the exact re-ranking (issue 19: k × 10)
COMPRESSED_PROBE_SHARE = 8  # a compressed index probes 1/8 of its lists (at least 16; see compressed_nprobe)
ID_BYTES = 8  # int64 id per vector (inverted lists, and the re-rank store's sorted ids)
PQ_BITS = 8
# the FAISS type each kind must load as: a file of another type is refused, never searched
FAISS_TYPES: dict[str, tuple[type, ...]] = {
    "flat": (faiss.IndexIDMap2,),
    "ivf": (faiss.IndexIVFFlat,),
    "ivfpq": (faiss.IndexIVFPQ,),
    "ivfsq8": (faiss.IndexIVFScalarQuantizer,),
}


def rerank_paths(path: Path) -> tuple[Path, Path]:
    """The re-rank store beside an index file: its vectors (.npy, rows in id order) and sorted ids."""
    return path.with_name(path.name + ".vectors.npy"), path.with_name(path.name + ".ids.npy")


def compressed_nprobe(nlist: int) -> int:
    """Lists a compressed index probes: ``nlist / 8``, at least 16 (at most ``nlist``). Chosen on a
    validation world of ``bench/bench_scale_app.py --seed 1`` (909k items of 768 dimensions in 1,024
    lists, 64 intrinsic): recall@10 after re-ranking 0.937 at 64 lists, 0.978 at 128; the target
    is ≥ 0.95. The reported figures are on seed 0."""
    return max(1, min(nlist, max(16, nlist // COMPRESSED_PROBE_SHARE)))


def nlist_for(n_vectors: int) -> int:
    """Inverted lists for ``n_vectors``: a power of two near √n (at least 64)."""
    return int(2 ** round(np.log2(max(np.sqrt(max(n_vectors, 1)), 64))))


def index_bytes(spec: IndexSpec, n_vectors: int, dimension: int) -> int:
    """Estimated resident bytes of an index of ``spec`` holding ``n_vectors`` of ``dimension``:
    codes, ids and coarse centroids (the re-rank store is memory-mapped and not counted here; nor
    are on-disk inverted lists: only centroids and codebooks stay resident)."""
    centroids = spec.nlist * dimension * 4
    codebooks = spec.m * (2 ** spec.nbits) * (dimension // max(spec.m, 1)) * 4 if spec.kind == "ivfpq" else 0
    if spec.on_disk:
        return centroids + codebooks
    if spec.kind == "flat":
        return n_vectors * (dimension * 4 + ID_BYTES)
    if spec.kind == "ivf":
        return n_vectors * (dimension * 4 + ID_BYTES) + centroids
    if spec.kind == "ivfsq8":
        return n_vectors * (dimension + 2 * ID_BYTES) + centroids  # codes, list ids, sorted ids
    if spec.kind == "ivfpq":
        return n_vectors * (spec.m + 2 * ID_BYTES) + centroids + codebooks
    raise ValueError(f"unknown index kind {spec.kind!r}")


def choose_by_budget(n_vectors: int, dimension: int, memory_budget: int | None,
                     flat_limit: int | None = None, rerank: int = DEFAULT_RERANK) -> IndexSpec:
    """The most exact index of ``n_vectors`` × ``dimension`` whose resident memory fits
    ``memory_budget`` bytes (None: no budget, the size rule of
    :func:`~sane_desktop.retrieval.faiss_index.choose_spec`).

    Order: flat (up to ``flat_limit`` vectors), IVF-Flat, IVF-SQ8, IVF-PQ with the largest code
    (bytes a vector, a divisor of ``dimension``) that fits, then IVF-PQ of ``dimension / 2`` bytes
    with its inverted lists on disk (only centroids and codebooks resident; on disk a code costs
    reads, not memory, so the finest PQ code is kept: the one measured at 10M, recall@10 0.98 after
    re-ranking). Raises InputError (a ValueError) when even that does not fit.
    """
    if flat_limit is None:
        flat_limit = GPU_FLAT_LIMIT if gpu_available() else FLAT_LIMIT
    # a tiny category forced under a tiny budget: no more lists than training points allow, and
    # PQ codebooks no larger than the points (FAISS refuses fewer points than centroids)
    nlist = max(1, min(nlist_for(n_vectors), n_vectors // TRAIN_POINTS_PER_LIST))
    nbits = int(min(PQ_BITS, max(1, np.floor(np.log2(max(n_vectors, 2))))))
    candidates = [IndexSpec("flat")] if n_vectors <= flat_limit else []
    candidates.append(IndexSpec("ivf", nlist=nlist, nprobe=DEFAULT_NPROBE))
    if memory_budget is None:
        return candidates[0]
    candidates.append(IndexSpec("ivfsq8", nlist=nlist, nprobe=compressed_nprobe(nlist), rerank=rerank,
                                rerank_dtype="float16"))
    # PQ sub-vectors of 2, 4, 8 or 16 dimensions: fewer bytes, coarser codes
    for width in (2, 4, 8, 16):
        if dimension % width == 0 and dimension // width >= 1:
            candidates.append(IndexSpec("ivfpq", nlist=nlist, nprobe=compressed_nprobe(nlist), m=dimension // width,
                                        nbits=nbits, rerank=rerank, rerank_dtype="float16"))
    finest_pq = next(spec for spec in candidates if spec.kind == "ivfpq") if dimension % 2 == 0 else candidates[-1]
    candidates.append(replace(finest_pq, on_disk=True))
    for spec in candidates:
        if index_bytes(spec, n_vectors, dimension) <= memory_budget:
            return spec
    # the least memory any candidate needs (for a small category PQ codebooks outweigh SQ8 codes)
    smallest = min(candidates, key=lambda spec: index_bytes(spec, n_vectors, dimension))
    raise InputError(f"the memory budget is too small: {n_vectors} vectors of {dimension} dimensions need at "
                     f"least {_readable_size(index_bytes(smallest, n_vectors, dimension))} even as "
                     f"{smallest.label}, and their share of the budget is {_readable_size(memory_budget)}; "
                     f"raise the memory budget")


def _readable_size(n_bytes: int) -> str:
    """``n_bytes`` in the largest binary unit that keeps it ≥ 1 (a small budget must not read "0.00 GiB")."""
    size = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class RerankedVectorStore:
    """A compressed FAISS index plus the stored vectors its candidates are re-scored with.

    ``vectors`` (n, d) float16/float32 rows in the order of ``sorted_ids`` (n,) int64 ascending;
    either may be a read-only memory map (a loaded store). Implements
    :class:`~sane_desktop.retrieval.vector_store.VectorStore`; ``search`` returns ids and
    inner-product scores computed from the stored vectors (float32 arithmetic).
    """

    def __init__(self, index: faiss.Index, spec: IndexSpec, vectors: np.ndarray, sorted_ids: np.ndarray) -> None:
        if not spec.compressed:
            raise ValueError(f"{spec.kind!r} is not a compressed kind")
        self.index: Any = index  # Any: the stubs miss the numpy-taking wrappers
        self.spec = spec
        self.vectors = vectors
        self.sorted_ids = sorted_ids
        self.read_only = False  # a loaded store with on-disk lists: FAISS maps them read-only

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, spec: IndexSpec, seed: int = 0) -> RerankedVectorStore:
        """Train and fill the compressed index and keep the re-rank copy of ``vectors`` (n, d)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        index = build_index(vectors, ids, spec, seed)
        order = np.argsort(ids, kind="stable")
        stored = np.empty(vectors.shape, dtype=spec.rerank_dtype)
        for start in range(0, len(order), 1 << 18):  # in slices: no full fp32 copy at 10M
            stored[start : start + (1 << 18)] = vectors[order[start : start + (1 << 18)]]
        return cls(index, spec, stored, ids[order])

    @classmethod
    def load(cls, path: Path, spec: IndexSpec) -> RerankedVectorStore:
        """Open an index written by :meth:`save`; the re-rank vectors are memory-mapped, and with
        ``spec.on_disk`` the inverted lists too (read-only: :meth:`add` and :meth:`remove` refuse).
        Raises StaleIndexError when the files do not match ``spec`` or each other, OSError when missing."""
        index: Any = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if spec.on_disk else 0)
        check_kind(index, spec, path)
        index.nprobe = spec.nprobe
        vectors_path, ids_path = rerank_paths(path)
        vectors = np.load(vectors_path, mmap_mode="r")
        sorted_ids = np.load(ids_path, mmap_mode="r")
        advise_random(vectors)
        if (vectors.dtype != np.dtype(spec.rerank_dtype) or vectors.ndim != 2 or vectors.shape[1] != index.d
                or sorted_ids.shape != (vectors.shape[0],) or vectors.shape[0] != index.ntotal):
            raise StaleIndexError(f"re-rank store of {path} does not match its index: re-run sane-desktop index")
        store = cls(index, spec, vectors, sorted_ids)
        store.read_only = spec.on_disk
        return store

    def _writable(self) -> None:
        if self.read_only:
            raise InputError(f"this {self.spec.label} index has its lists on disk and is read-only: "
                             "re-run sane-desktop index to change it")

    def save(self, path: Path) -> None:
        """Write the index and its re-rank store, each to a temporary name and renamed; the index
        file last, so a file that exists has its store beside it."""
        vectors_path, ids_path = rerank_paths(path)
        for target, array in ((vectors_path, self.vectors), (ids_path, self.sorted_ids)):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temporary_sibling(target)
            with open(tmp, "wb") as handle:
                np.save(handle, np.asarray(array))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        write_index_atomic(self.index, path)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def resident_bytes(self) -> int:
        """Estimated bytes of the index in memory (the re-rank store is memory-mapped)."""
        return index_bytes(self.spec, len(self), self.dimension)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        positions = np.searchsorted(self.sorted_ids, ids)
        positions = np.minimum(positions, max(len(self.sorted_ids) - 1, 0))
        if len(ids) and not np.array_equal(np.asarray(self.sorted_ids[positions]), ids):
            raise KeyError(f"ids not in the store: {sorted(set(ids.tolist()) - set(self.sorted_ids[positions].tolist()))}")
        return positions

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) vectors; the re-rank store is rebuilt in memory (n + len(ids) rows).
        Raises InputError on a loaded store whose lists are on disk."""
        self._writable()
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        self.remove(ids)
        self.index.add_with_ids(vectors, ids)
        all_ids = np.concatenate([np.asarray(self.sorted_ids), ids])
        all_vectors = np.concatenate([np.asarray(self.vectors), vectors.astype(self.spec.rerank_dtype)])
        order = np.argsort(all_ids, kind="stable")
        self.sorted_ids, self.vectors = all_ids[order], all_vectors[order]

    def remove(self, ids: Iterable[int]) -> int:
        self._writable()
        ids = np.fromiter(ids, dtype=np.int64)
        if not ids.size or not len(self):
            return 0
        removed = int(self.index.remove_ids(ids))
        keep = ~np.isin(np.asarray(self.sorted_ids), ids)
        self.sorted_ids, self.vectors = np.asarray(self.sorted_ids)[keep], np.asarray(self.vectors)[keep]
        return removed

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None, where: SearchFilter = NO_FILTER) -> Hits:
        """Top ``k`` by ⟨query, x⟩ over the stored vectors of ``k × rerank`` compressed-index
        candidates among the ids ``where`` allows (FAISS filters inside the search), cut at its
        ``min_score``; ``exclude`` left out; ``blocks`` unused (the codes cover every column)."""
        excluded = np.fromiter(exclude, dtype=np.int64)
        wanted = min(len(self), k * max(self.spec.rerank, 1) + excluded.size)
        if wanted <= 0 or k <= 0:
            return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        parameters = selector_parameters(self.index, where)
        _, candidates = self.index.search(query, wanted, params=parameters) if parameters is not None \
            else self.index.search(query, wanted)
        candidates = candidates[0][candidates[0] >= 0]
        if excluded.size:
            candidates = candidates[~np.isin(candidates, excluded)]
        if parameters is None and where.allowed is not None:
            candidates = candidates[where.permits(candidates)]
        if not candidates.size:
            return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
        positions = self._positions(candidates)
        order = np.argsort(positions)  # ascending reads from the memory map
        rows = np.asarray(self.vectors[positions[order]], dtype=np.float32)
        scores = np.empty(len(candidates), dtype=np.float32)
        scores[order] = rows @ query[0]
        best = np.lexsort((candidates, -scores))[:k]  # ties by smaller id, as top_k does
        return where.bound(Hits(candidates[best].astype(np.int64), scores[best]))

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        """The stored (re-rank) vectors of ``ids`` as float32 (n, d); KeyError for an unknown id."""
        wanted = np.asarray(list(ids), dtype=np.int64)
        if not wanted.size:
            return np.empty((0, self.dimension), np.float32)
        return np.asarray(self.vectors[self._positions(wanted)], dtype=np.float32)

    def ids(self) -> np.ndarray:
        return np.array(self.sorted_ids, dtype=np.int64)


def advise_random(array: np.ndarray) -> None:
    """Tell the kernel that ``array``'s memory map is read at random rows (``MADV_RANDOM``): a re-rank
    reads k×10 scattered rows a query, and the default read-ahead would pull ~128 KB around each into
    the page cache (measured at 10M items: the serving process's file-backed RSS grew by the whole
    1.4 GB store within 400 queries). A no-op where the platform or the array has no such map."""
    mapping = getattr(array, "_mmap", None)  # numpy.memmap's mmap object (np.load(mmap_mode=...))
    if mapping is not None and hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)


def check_kind(index: Any, spec: IndexSpec, path: Path) -> None:
    """Refuse an index file whose FAISS type is not the one ``spec`` (the manifest) names."""
    expected = FAISS_TYPES.get(spec.kind)
    if expected is None:
        raise StaleIndexError(f"index {path}: unknown index kind {spec.kind!r} in its manifest: re-run sane-desktop index")
    actual: Any = faiss.downcast_index(index)
    pq: Any = getattr(actual, "pq", None)
    if not isinstance(actual, expected) or (spec.kind == "ivfpq" and (pq.M != spec.m or pq.nbits != spec.nbits)):
        raise StaleIndexError(f"index {path} is of type {type(actual).__name__}, not the {spec.label} its manifest "
                              "records: re-run sane-desktop index")


def build_store(vectors: np.ndarray, ids: np.ndarray, spec: IndexSpec, seed: int = 0) -> FaissVectorStore | RerankedVectorStore:
    """A store of any kind over ``vectors`` (n, d) float32 keyed by ``ids`` (n,) int64."""
    if spec.compressed:
        return RerankedVectorStore.build(vectors, ids, spec, seed)
    return FaissVectorStore.build(vectors, ids, spec)


def load_store(path: Path, spec: IndexSpec, use_gpu: bool | None = None) -> VectorStore:
    """Open an index file of any kind written by a store's ``save``, checked against ``spec``
    (StaleIndexError on a mismatch; FAISS's RuntimeError for an unreadable file). Compressed kinds
    stay on the CPU (their re-ranking reads the memory-mapped vectors)."""
    if spec.compressed:
        return RerankedVectorStore.load(path, spec)
    store = FaissVectorStore.load(path, spec, use_gpu=use_gpu)
    cpu_index = store.index if "Gpu" not in type(store.index).__name__ else None
    if cpu_index is not None:
        check_kind(cpu_index, spec, path)
    return store


__all__ = ["COMPRESSED_KINDS", "DEFAULT_RERANK", "RerankedVectorStore", "build_store", "check_kind",
           "choose_by_budget", "index_bytes", "load_store", "nlist_for", "rerank_paths"]
