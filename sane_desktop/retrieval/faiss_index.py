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

from sane_desktop.errors import InputError, StoreError
from sane_desktop.paths import folder_problem, temporary_sibling
from sane_desktop.retrieval.vector_store import NO_FILTER, Hits, SearchFilter, block_scores, top_k

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
    """How one index is built, recorded in the manifest and checked again at load.

    ``kind``: ``flat`` (exact), ``ivf`` (IVF-Flat), or a compressed kind re-ranked exactly from
    stored vectors (:mod:`.compressed`): ``ivfpq`` (product quantiser, ``m`` sub-vectors of
    ``nbits`` bits) or ``ivfsq8`` (8-bit scalar quantiser); ``pgvector``: a table with an HNSW index
    on the catalogue's PostgreSQL server (:mod:`.pgvector_store`), searched with ``ef_search``. ``rerank``: how many candidates per
    result the compressed index hands to the exact re-ranking (k × rerank); ``rerank_dtype`` the
    stored vectors' type (``float16`` or ``float32``). ``on_disk`` (compressed kinds): the inverted
    lists stay in the index file and are memory-mapped at load (FAISS ``IO_FLAG_MMAP``, its
    ``OnDiskInvertedLists``, read-only), so only the coarse centroids and codebooks are resident.
    Older manifests lack the last five fields.
    """

    kind: str  # "flat", "ivf", "ivfpq", "ivfsq8" or "pgvector"
    nlist: int = 0
    nprobe: int = 0
    m: int = 0  # ivfpq: sub-quantisers (bytes per vector at 8 bits)
    nbits: int = 0  # ivfpq: bits per sub-quantiser code
    rerank: int = 0  # compressed kinds: candidates per wanted result, re-scored exactly
    rerank_dtype: str = ""  # compressed kinds: "float16" or "float32"
    ef_search: int = 0  # pgvector: HNSW candidates per search (hnsw.ef_search)
    on_disk: bool = False  # compressed kinds: inverted lists memory-mapped from the file, not loaded

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def compressed(self) -> bool:
        return self.kind in COMPRESSED_KINDS

    @property
    def label(self) -> str:
        if self.kind == "flat":
            return "IDMap2,FlatIP"
        if self.kind == "ivf":
            return f"IVF{self.nlist},FlatIP"
        if self.kind == "pgvector":
            return f"pgvector,HNSW,ef_search{self.ef_search}"
        codes = f"PQ{self.m}x{self.nbits}" if self.kind == "ivfpq" else "SQ8"
        return f"IVF{self.nlist},{codes},rerank{self.rerank}x{self.rerank_dtype}" + (",ondisk" if self.on_disk else "")


COMPRESSED_KINDS = ("ivfpq", "ivfsq8")


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
    elif spec.kind in COMPRESSED_KINDS:
        quantizer = faiss.IndexFlatIP(dim)
        if spec.kind == "ivfpq":
            index = faiss.IndexIVFPQ(quantizer, dim, spec.nlist, spec.m, spec.nbits, faiss.METRIC_INNER_PRODUCT)
            index.do_polysemous_training = False  # only for Hamming filtering, which is not used; slow
            # the codebooks' k-means on short sub-vectors is FAISS's slow path: 64 points a centroid
            # and 10 rounds (not 256 and 25) keep training to seconds at 10M vectors
            index.pq.cp.max_points_per_centroid = 64
            index.pq.cp.niter = 10
        else:
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, spec.nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.seed = seed
        index.cp.niter = 10
        # the coarse k-means wants ~40 points a list, the PQ codebooks ~40 a centroid (2^nbits)
        wanted = max(spec.nlist, 2 ** spec.nbits if spec.kind == "ivfpq" else 0) * TRAIN_POINTS_PER_LIST
        sample = np.random.default_rng(seed).choice(len(vectors), min(len(vectors), wanted), replace=False)
        index.train(vectors[np.sort(sample)])
        index.nprobe = spec.nprobe  # no direct map: the re-rank store answers reconstruct()
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
    tmp = temporary_sibling(path)
    try:
        with open(tmp, "wb"):  # opened by Python first: a folder that refuses says so with its errno
            pass
        faiss.write_index(index, str(tmp))
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as error:  # faiss's RuntimeError quoted a C++ source line (trial Z)
        tmp.unlink(missing_ok=True)
        why = error.strerror if isinstance(error, OSError) and error.strerror else folder_problem(path.parent) \
            or "the folder cannot be written (is the disk full?)"
        raise StoreError(f"cannot write the index file {path.name} into {path.parent} ({why}); nothing "
                         "half-written is left: make the folder writable, or free some space, and index again") from None


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


def selector_parameters(index: Any, where: SearchFilter) -> Any:
    """FAISS search parameters restricting a CPU IVF index to ``where.allowed`` (None when the
    filter allows every id, or for an index FAISS cannot filter inside: GPU ones)."""
    if where.allowed is None or _is_gpu(index):
        return None
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is None:
        return None
    selector = faiss.IDSelectorBatch(np.ascontiguousarray(where.allowed, dtype=np.int64))
    # Any: the stubs do not know the keyword constructor FAISS's Python layer adds
    parameters: Any = faiss.SearchParametersIVF(sel=selector, nprobe=int(ivf.nprobe))  # type: ignore[call-arg]
    parameters.keep_alive = selector  # the C++ side holds a bare pointer
    return parameters


# an index FAISS cannot filter inside is asked for this many times more hits until enough pass
OVERFETCH_GROWTH = 4


def filtered_search(index: Any, query: np.ndarray, k: int, exclude: Sequence[int] = (),
                    where: SearchFilter = NO_FILTER) -> Hits:
    """Top ``k`` of a FAISS ``index`` for one ``query`` (1, d), ``exclude`` left out, ``where``
    applied: inside the search (an ``IDSelector``) when FAISS can, else by asking for
    ``OVERFETCH_GROWTH`` times more hits until ``k`` pass or the index has no more."""
    total = int(index.ntotal)
    excluded = np.asarray(list(exclude), dtype=np.int64)
    parameters = selector_parameters(index, where)
    wanted = min(total, k + excluded.size)
    while True:
        if wanted <= 0 or k <= 0:
            return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
        scores, ids = index.search(query, wanted, params=parameters) if parameters is not None \
            else index.search(query, wanted)
        keep = (ids[0] >= 0) & ~np.isin(ids[0], excluded)
        if parameters is None:
            keep &= where.permits(ids[0])
        passing = scores[0][keep]
        # hits come best first: once one is under the bound, asking for more finds none above it
        below = where.min_score is not None and passing.size > 0 and float(passing[-1]) < where.min_score
        hits = where.bound(Hits(ids[0][keep][:k].astype(np.int64), passing[:k].astype(np.float32)))
        if parameters is not None or len(hits.ids) >= k or below or wanted >= total:
            return hits
        wanted = min(total, wanted * OVERFETCH_GROWTH)


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
               blocks: Sequence[slice] | None = None, where: SearchFilter = NO_FILTER) -> Hits:
        exclude = list(exclude)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        # On CPU a flat index is scanned with numpy's threaded BLAS over FAISS's own storage: a
        # single query in FAISS runs on one thread, and this reads only the outfit's blocks
        # (bench/results/query.json, 100k × 320-d: FAISS 30–48 ms, numpy 12 ms p50 on 2 busy cores).
        view = self._flat_view()
        if blocks is not None and sum(b.stop - b.start for b in blocks) > BLOCK_SCAN_MAX_FRACTION * self.dimension:
            blocks = None
        if view is not None:
            return top_k(block_scores(view[0], query[0], blocks), view[1], k, exclude, where)
        return filtered_search(self.index, query, k, exclude, where)

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
