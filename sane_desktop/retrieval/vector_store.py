"""A small typed vector-store boundary: maximum inner-product search keyed by item primary keys.

:class:`FaissVectorStore` is the real one (flat or IVF, CPU or GPU, see :mod:`.faiss_index`);
:class:`NumpyVectorStore` is its exact in-memory twin for tests and for brute-force checks (the
shape httpx gives its transports). A PostgreSQL/pgvector or Qdrant store would implement the same
protocol. Adding an id that is present replaces its vector (FAISS would otherwise duplicate it).
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


@runtime_checkable
class VectorStore(Protocol):
    @property
    def dimension(self) -> int: ...

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Iterable[int]) -> int: ...

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None) -> Hits:
        """Top ``k`` by ⟨query, x⟩, leaving out ``exclude``. ``blocks`` (column slices) says where
        the query may be non-zero; a store may use it to read only those columns."""
        ...

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray: ...

    def ids(self) -> np.ndarray: ...


def top_k(scores: np.ndarray, ids: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Hits:
    """Best ``k`` of a full score vector (ties broken by smaller id, so results are deterministic)."""
    excluded = np.fromiter(exclude, dtype=np.int64)
    if excluded.size:
        keep = ~np.isin(ids, excluded)
        scores, ids = scores[keep], ids[keep]
    k = min(k, len(scores))
    if k <= 0:
        return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
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
               blocks: Sequence[slice] | None = None) -> Hits:
        query = np.asarray(query, dtype=np.float32).reshape(self._dimension)
        return top_k(block_scores(self._vectors, query, blocks), self._ids, k, exclude)

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        position = {int(i): n for n, i in enumerate(self._ids)}
        return self._vectors[[position[int(i)] for i in ids]]

    def ids(self) -> np.ndarray:
        return self._ids.copy()
