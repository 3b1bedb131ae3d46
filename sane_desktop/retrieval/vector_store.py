"""A small typed vector-store boundary: maximum inner-product search keyed by item primary keys.

:class:`FaissVectorStore` is the real one (flat or IVF, CPU or GPU, see :mod:`.faiss_index`);
:class:`~sane_desktop.retrieval.compressed.RerankedVectorStore` the compressed one (IVF-PQ/SQ8
re-ranked from stored vectors); :class:`NumpyVectorStore` is their exact in-memory twin for tests
and for brute-force checks (the shape httpx gives its transports). A PostgreSQL/pgvector or Qdrant
store would implement the same protocol. Adding an id that is present replaces its vector (FAISS
would otherwise duplicate it).

Ids are the stable item primary keys of the store (the importer syncs rows in place, so a re-import
keeps them). A search may carry a :class:`SearchFilter` (issue 19, point 1): the ids it may return
(an attribute/category filter resolved to item keys by
:meth:`~sane_desktop.retrieval.search.OutfitSearcher.filter_for`) and a lowest score; the store
applies it *inside* the search (FAISS ``IDSelector``), so the best ``k`` passing items come back in
one pass, not the passing part of the unfiltered ``k``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Hits:
    """Top-k of one query, best first: ids (item primary keys) and inner-product scores."""

    ids: np.ndarray  # (k,) int64
    scores: np.ndarray  # (k,) float32


@dataclass(frozen=True)
class SearchFilter:
    """Which hits a search may return: ids in ``allowed`` (sorted unique int64 item keys; None: any)
    with a score of at least ``min_score`` (None: any), and a mean cosine of at least ``min_mean``
    over the outfit items each is compared with (None: any; an outfit search turns it into a
    ``min_score`` per target category, as many cosines as it compares there: a store sees only
    ``min_score``). The default filter passes everything."""

    allowed: np.ndarray | None = None
    min_score: float | None = None
    min_mean: float | None = None

    @classmethod
    def of(cls, allowed: Iterable[int] | None = None, min_score: float | None = None,
           min_mean: float | None = None) -> SearchFilter:
        """A filter from any iterable of ids (sorted and made unique here)."""
        ids = None if allowed is None else np.unique(np.fromiter(allowed, dtype=np.int64))
        return cls(ids, min_score, min_mean)

    @property
    def active(self) -> bool:
        return self.allowed is not None or self.min_score is not None or self.min_mean is not None

    def permits(self, ids: np.ndarray) -> np.ndarray:
        """(n,) bool: which of ``ids`` the id part of the filter lets through."""
        if self.allowed is None:
            return np.ones(len(ids), dtype=bool)
        return np.isin(ids, self.allowed, assume_unique=False)

    def bound(self, hits: Hits) -> Hits:
        """``hits`` (best first) cut at ``min_score``."""
        if self.min_score is None:
            return hits
        keep = hits.scores >= self.min_score
        return Hits(hits.ids[keep], hits.scores[keep])


NO_FILTER = SearchFilter()


@runtime_checkable
class VectorStore(Protocol):
    @property
    def dimension(self) -> int: ...

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Iterable[int]) -> int: ...

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None, where: SearchFilter = NO_FILTER) -> Hits:
        """Top ``k`` by ⟨query, x⟩ among the ids ``where`` allows with a score of at least its
        ``min_score``, leaving out ``exclude``. ``blocks`` (column slices) says where the query may
        be non-zero; a store may use it to read only those columns."""
        ...

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray: ...

    def ids(self) -> np.ndarray: ...


def top_k(scores: np.ndarray, ids: np.ndarray, k: int, exclude: Iterable[int] = (),
          where: SearchFilter = NO_FILTER) -> Hits:
    """Best ``k`` of a full score vector among the ids ``where`` allows, cut at its ``min_score``
    (ties broken by smaller id, so results are deterministic)."""
    excluded = np.fromiter(exclude, dtype=np.int64)
    if excluded.size or where.allowed is not None:
        keep = where.permits(ids)
        if excluded.size:
            keep &= ~np.isin(ids, excluded)
        scores, ids = scores[keep], ids[keep]
    if where.min_score is not None:
        keep = scores >= where.min_score
        scores, ids = scores[keep], ids[keep]
    k = min(k, len(scores))
    if k <= 0:
        return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
    if k < len(scores):
        # the k-th best score, then every better one and, of those tied with it, the smallest ids:
        # argpartition alone keeps an arbitrary few of a tie at the cut (trial AI got ids 346, 499,
        # 1053 where 10, 25, 30 were tied with them; pgvector's ORDER BY keeps the smallest)
        kth = np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(-scores < kth)
        tied = np.flatnonzero(-scores == kth)
        part = np.concatenate([above, tied[np.argsort(ids[tied], kind="stable")[: k - len(above)]]])
    else:
        part = np.arange(len(scores))
    order = np.lexsort((ids[part], -scores[part]))
    best = part[order]
    return Hits(ids[best].astype(np.int64), scores[best].astype(np.float32))


def block_scores(matrix: np.ndarray, query: np.ndarray, blocks: Sequence[slice] | None) -> np.ndarray:
    """matrix @ query, reading only the column ``blocks`` (strided BLAS views: no copy)."""
    if blocks is None:
        return matrix @ query
    scores = np.zeros(len(matrix), dtype=np.float32)
    for block in blocks:
        scores += matrix[:, block] @ query[block]
    return scores


class NumpyVectorStore:
    """Exact brute-force store in memory."""

    def __init__(self, dimension: int) -> None:
        self._dimension = dimension
        self._ids = np.empty(0, dtype=np.int64)
        self._vectors = np.empty((0, dimension), dtype=np.float32)

    @property
    def dimension(self) -> int:
        return self._dimension

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self._dimension)
        self.remove(ids)
        self._ids = np.concatenate([self._ids, ids])
        self._vectors = np.concatenate([self._vectors, vectors])

    def remove(self, ids: Iterable[int]) -> int:
        gone = np.isin(self._ids, np.fromiter(ids, dtype=np.int64))
        self._ids, self._vectors = self._ids[~gone], self._vectors[~gone]
        return int(gone.sum())

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None, where: SearchFilter = NO_FILTER) -> Hits:
        query = np.asarray(query, dtype=np.float32).reshape(self._dimension)
        return top_k(block_scores(self._vectors, query, blocks), self._ids, k, exclude, where)

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        position = {int(i): n for n, i in enumerate(self._ids)}
        return self._vectors[[position[int(i)] for i in ids]]

    def ids(self) -> np.ndarray:
        return self._ids.copy()
