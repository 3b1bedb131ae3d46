"""FAISS layer: index choice by size, GPU clone at load, atomic persistence.

Up to :data:`FLAT_LIMIT` vectors per category (:data:`GPU_FLAT_LIMIT` when FAISS sees a GPU): exact ``IndexFlatIP`` inside an ``IndexIDMap2`` keyed
by item primary keys. Beyond: ``IndexIVFFlat`` (inner product, ids stored natively, a hashtable
direct map for ``reconstruct``/``remove_ids``) with ``nlist ≈ √n`` and :data:`DEFAULT_NPROBE`
(bench/bench_query.py measures recall@10 against exact search). Files are always written in CPU
form; :func:`load_index` clones to the GPU when FAISS sees one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from sane_desktop.errors import InputError
from sane_desktop.retrieval.vector_store import Hits, block_scores, top_k

# Exact search stays under 50 ms per query on 2 CPU cores up to about a million 320-d vectors
# (bench_query.py, unloaded: 100k 5 ms, 1M 36 ms; 80 ms under heavy load); a GPU searches millions.
FLAT_LIMIT = 1_000_000
GPU_FLAT_LIMIT = 20_000_000
DEFAULT_NPROBE = 32  # 1M clustered synthetic vectors, nlist 1024: recall@10 0.996, p50 1.6–1.9 ms
# Reading only the outfit's blocks pays off only when they are a small part of the vector: strided
# reads and one BLAS pass per block made it 1.5× slower at ~50 % of the blocks and no faster at 20 %
# (100k × 320-d, bench_query.py); kept for outfits covering at most a fifth of the categories.
BLOCK_SCAN_MAX_FRACTION = 0.2
TRAIN_POINTS_PER_LIST = 40  # FAISS warns below 39; more only slows k-means on 2 cores


@dataclass(frozen=True)
class IndexSpec:
    kind: str  # "flat" or "ivf"
    nlist: int = 0
    nprobe: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        return "IDMap2,FlatIP" if self.kind == "flat" else f"IVF{self.nlist},FlatIP"


def choose_spec(n_vectors: int, flat_limit: int | None = None) -> IndexSpec:
    """Exact flat search while it is fast enough on this machine, IVF beyond."""
    if flat_limit is None:
        flat_limit = GPU_FLAT_LIMIT if gpu_available() else FLAT_LIMIT
    if n_vectors <= flat_limit:
        return IndexSpec("flat")
    nlist = int(2 ** round(np.log2(max(np.sqrt(n_vectors), 64))))
    return IndexSpec("ivf", nlist=nlist, nprobe=DEFAULT_NPROBE)


def build_index(vectors: np.ndarray, ids: np.ndarray, spec: IndexSpec, seed: int = 0) -> faiss.Index:
    """A CPU index of ``vectors`` (n, d) keyed by ``ids``."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    dim = vectors.shape[1]
    # Any: faiss's SWIG stubs lack the attributes and numpy-taking wrappers it installs at import
    index: Any
    quantizer: Any
    if spec.kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    elif spec.kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, spec.nlist, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.seed = seed
        index.cp.niter = 10
        sample = np.random.default_rng(seed).choice(
            len(vectors), min(len(vectors), spec.nlist * TRAIN_POINTS_PER_LIST), replace=False)
        index.train(vectors[np.sort(sample)])
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]  # SWIG nested enum
        index.nprobe = spec.nprobe
    else:
        raise InputError(f"unknown index kind {spec.kind!r}")
    if len(vectors):
        index.add_with_ids(vectors, ids)
    return index


def write_index_atomic(index: faiss.Index, path: Path) -> None:
    """Write the CPU form of ``index`` to ``path`` via a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(faiss, "index_gpu_to_cpu") and _is_gpu(index):
        index = faiss.index_gpu_to_cpu(index)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _is_gpu(index: faiss.Index) -> bool:
    return "Gpu" in type(index).__name__


def gpu_available() -> bool:
    return hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0


_GPU_RESOURCES: Any = None  # one StandardGpuResources per process; only the service worker uses it


def to_gpu(index: faiss.Index) -> faiss.Index:
    global _GPU_RESOURCES
    if _GPU_RESOURCES is None:
        _GPU_RESOURCES = faiss.StandardGpuResources()
    options = faiss.GpuClonerOptions()
    options.useFloat16 = True  # halves GPU memory; scores stay within ~1e-3
    return faiss.index_cpu_to_gpu(_GPU_RESOURCES, 0, index, options)


class FaissVectorStore:
    """:class:`~sane_desktop.retrieval.vector_store.VectorStore` over a FAISS index."""

    def __init__(self, index: faiss.Index, spec: IndexSpec) -> None:
        self.index: Any = index  # Any: the stubs miss the numpy-taking wrappers (remove_ids(ndarray), ...)
        self.spec = spec

    @classmethod
    def create(cls, dimension: int, spec: IndexSpec | None = None) -> FaissVectorStore:
        spec = spec or IndexSpec("flat")
        if spec.kind != "flat":
            raise InputError("an empty IVF index needs training data: use build()")
        return cls(build_index(np.empty((0, dimension), np.float32), np.empty(0, np.int64), spec), spec)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, spec: IndexSpec | None = None) -> FaissVectorStore:
        spec = spec or choose_spec(len(ids))
        return cls(build_index(vectors, ids, spec), spec)

    @classmethod
    def load(cls, path: Path, spec: IndexSpec, use_gpu: bool | None = None) -> FaissVectorStore:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = spec.nprobe
        if gpu_available() if use_gpu is None else use_gpu:
            index = to_gpu(index)
        return cls(index, spec)

    def save(self, path: Path) -> None:
        write_index_atomic(self.index, path)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        self.remove(ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.fromiter(ids, dtype=np.int64)
        return int(self.index.remove_ids(ids)) if ids.size and self.index.ntotal else 0

    def _flat_view(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Zero-copy (vectors, ids) of a CPU flat index, for block-restricted scans."""
        if not isinstance(self.index, faiss.IndexIDMap2):
            return None
        flat = faiss.downcast_index(self.index.index)
        n, d = int(flat.ntotal), int(flat.d)
        if not isinstance(flat, faiss.IndexFlat) or n == 0:
            return None
        vectors = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)
        return vectors, faiss.vector_to_array(self.index.id_map)

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None) -> Hits:
        exclude = list(exclude)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        # On CPU a flat index is scanned with numpy's threaded BLAS over FAISS's own storage: a
        # single query in FAISS runs on one thread, and this reads only the outfit's blocks
        # (bench/results/query.json, 100k × 320-d: FAISS 30–48 ms, numpy 12 ms p50 on 2 busy cores).
        view = self._flat_view()
        if blocks is not None and sum(b.stop - b.start for b in blocks) > BLOCK_SCAN_MAX_FRACTION * self.dimension:
            blocks = None
        if view is not None:
            return top_k(block_scores(view[0], query[0], blocks), view[1], k, exclude)
        wanted = min(len(self), k + len(exclude))
        if wanted <= 0:
            return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
        scores, ids = self.index.search(query, wanted)
        keep = (ids[0] >= 0) & ~np.isin(ids[0], np.asarray(exclude, dtype=np.int64))
        return Hits(ids[0][keep][:k].astype(np.int64), scores[0][keep][:k].astype(np.float32))

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        if not len(ids):
            return np.empty((0, self.dimension), np.float32)
        return np.stack([self.index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def ids(self) -> np.ndarray:
        if isinstance(self.index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        ivf = faiss.extract_index_ivf(self.index)
        invlists: Any = ivf.invlists  # never None for an index that holds vectors
        return np.concatenate([
            faiss.rev_swig_ptr(invlists.get_ids(lst), invlists.list_size(lst)).copy()
            for lst in range(ivf.nlist)
        ] or [np.empty(0, np.int64)]).astype(np.int64)
