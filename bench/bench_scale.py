"""Search at scale (issue 19, points 4 and 6): every index kind on N synthetic vectors, 2 threads.

For each kind (``flat`` exact, ``ivf`` IVF-Flat, ``ivfpq`` IVF-PQ + exact re-ranking of k×10,
``ivfsq8`` IVF-SQ8 + re-ranking) it measures, each in a process of its own so that one kind's memory
does not count against the next:

- build: seconds, peak RSS (``ru_maxrss``), bytes written (index file + re-rank store);
- serve: the index loaded as the app loads it (the re-rank store memory-mapped), single-query
  latency p50/p99 in ms with FAISS and BLAS on ``--threads`` threads, recall@10 against exact
  search, the index's estimated resident bytes, and the serving process's peak RSS; compressed and
  IVF kinds at several ``nprobe`` values.

Synthetic world: ``--dim`` dimensions (64: one type-space block), vectors drawn from a mixture of
1024 Gaussians (real embeddings cluster by style; uniform noise would make IVF look worse than it
is), L2-normalised; queries are fresh draws from the same mixture. Seeded. The vectors live in a
``.npy`` file under ``--workdir`` (default: a temporary folder, removed afterwards).

Runs with nothing but numpy and faiss importable (plus this repository on disk): the project's
retrieval modules it uses import only those. At 10M on a large machine pinned to two cores:

    taskset -c 0,1 python bench/bench_scale.py --n 10000000 --threads 2 --workdir /scratch/scale

Default: ``--n 1000000``, JSON to ``bench/results/scale_<n>.json``. ``--pgvector`` adds PostgreSQL +
pgvector (``pgserver``) on the same vectors and queries: exact scan and HNSW at several ef_search.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, so that this runs without an installed package

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from sane_desktop.retrieval.compressed import (  # noqa: E402
    DEFAULT_RERANK, compressed_nprobe, build_store, choose_by_budget, index_bytes, load_store, nlist_for,
    rerank_paths,
)
from sane_desktop.retrieval.faiss_index import DEFAULT_NPROBE, IndexSpec  # noqa: E402

K = 10
CENTRES = 1024
NOISE = 0.5
CHUNK = 250_000
KINDS = ("flat", "ivf", "ivfpq", "ivfsq8")
NPROBES = (16, 32, 64, 128)
GIB = 2**30


def peak_rss_mb() -> float:
    """This process's peak resident set in MiB: VmHWM of /proc/self/status (its own address space;
    ``ru_maxrss`` would carry the parent's peak across fork and exec), else ``ru_maxrss`` (KiB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def spec_for(kind: str, n: int, dim: int) -> IndexSpec:
    nlist = nlist_for(n)
    if kind == "flat":
        return IndexSpec("flat")
    if kind == "ivf":
        return IndexSpec("ivf", nlist=nlist, nprobe=DEFAULT_NPROBE)
    if kind == "ivfpq":  # 2 dimensions a byte (32 bytes a 64-d vector), the budget rule's first PQ:
        # at 4 a byte, 1M clustered vectors kept recall@10 at 0.85 after re-ranking k×10 (0.91 at 300k)
        return IndexSpec("ivfpq", nlist=nlist, nprobe=compressed_nprobe(nlist), m=max(1, dim // 2), nbits=8,
                         rerank=DEFAULT_RERANK, rerank_dtype="float16")
    if kind == "ivfsq8":
        return IndexSpec("ivfsq8", nlist=nlist, nprobe=compressed_nprobe(nlist), rerank=DEFAULT_RERANK,
                         rerank_dtype="float16")
    raise SystemExit(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")


def draw(centres: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    points = centres[rng.integers(len(centres), size=count)]
    points += NOISE * rng.standard_normal(points.shape, dtype=np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points


def make_world(workdir: Path, n: int, dim: int, n_queries: int, seed: int) -> dict[str, float]:
    """Write vectors.npy (n, dim) float32, queries.npy and truth.npy (exact top-K ids)."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((CENTRES, dim), dtype=np.float32)
    vectors = np.lib.format.open_memmap(workdir / "vectors.npy", mode="w+", dtype=np.float32, shape=(n, dim))
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        vectors[start:stop] = draw(centres, stop - start, rng)
    vectors.flush()
    queries = draw(centres, n_queries, np.random.default_rng(seed + 1))
    np.save(workdir / "queries.npy", queries)
    generated = time.perf_counter() - started
    # exact top-K by inner product, chunk by chunk (ids are row numbers)
    best_scores = np.full((n_queries, K), -np.inf, dtype=np.float32)
    best_ids = np.full((n_queries, K), -1, dtype=np.int64)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        scores = queries @ np.asarray(vectors[start:stop]).T  # (q, chunk)
        take = min(K, stop - start)
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, part, axis=1)], axis=1)
        merged_ids = np.concatenate([best_ids, part + start], axis=1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :K]
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
        best_ids = np.take_along_axis(merged_ids, order, axis=1)
    np.save(workdir / "truth.npy", best_ids)
    del vectors
    return {"generate_seconds": round(generated, 1), "truth_seconds": round(time.perf_counter() - started - generated, 1)}


def child_build(workdir: Path, kind: str, threads: int) -> dict[str, Any]:
    faiss.omp_set_num_threads(threads)
    vectors = np.load(workdir / "vectors.npy", mmap_mode="r")
    n, dim = vectors.shape
    spec = spec_for(kind, n, dim)
    started = time.perf_counter()
    store = build_store(np.asarray(vectors), np.arange(n, dtype=np.int64), spec)
    seconds = time.perf_counter() - started
    path = workdir / f"{kind}.faiss"
    store.save(path)
    files = [path, *rerank_paths(path)] if spec.compressed else [path]
    return {"kind": kind, "label": spec.label, "spec": spec.as_dict(), "build_seconds": round(seconds, 2),
            "build_peak_rss_mb": peak_rss_mb(),
            "index_file_bytes": path.stat().st_size,
            "rerank_store_bytes": sum(p.stat().st_size for p in files[1:])}


def child_serve(workdir: Path, kind: str, threads: int) -> dict[str, Any]:
    faiss.omp_set_num_threads(threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    queries = np.load(workdir / "queries.npy")
    truth = np.load(workdir / "truth.npy")
    n, dim = np.load(workdir / "vectors.npy", mmap_mode="r").shape
    spec = spec_for(kind, n, dim)
    started = time.perf_counter()
    store: Any = load_store(workdir / f"{kind}.faiss", spec, use_gpu=False)
    load_seconds = time.perf_counter() - started
    rows = []
    nprobes = [0] if kind == "flat" else [p for p in NPROBES if p <= spec.nlist]
    for nprobe in nprobes:
        if nprobe:
            store.index.nprobe = nprobe
        store.search(queries[0], K)  # warm-up
        times, found = [], []
        for query in queries:
            start = time.perf_counter()
            hits = store.search(query, K)
            times.append((time.perf_counter() - start) * 1000)
            found.append(hits.ids)
        recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in zip(found, truth)]))
        rows.append({"nprobe": nprobe, "p50_ms": round(float(np.percentile(times, 50)), 3),
                     "p99_ms": round(float(np.percentile(times, 99)), 3), "recall_at_10": round(recall, 4),
                     "queries": len(times)})
    return {"kind": kind, "load_seconds": round(load_seconds, 2),
            "index_resident_bytes_estimate": index_bytes(spec, n, dim),
            "serve_peak_rss_mb": peak_rss_mb(), "search": rows}


def child_pgvector(workdir: Path, threads: int) -> dict[str, Any]:
    """pgvector (pgserver: PostgreSQL 16 + vector 0.6 on a local socket) on the same vectors and
    queries: build time (COPY, then the HNSW index), exact scan and HNSW at several ef_search."""
    import pgserver
    import psycopg

    from sane_desktop.retrieval.pgvector_store import PgVectorStore

    vectors = np.load(workdir / "vectors.npy", mmap_mode="r")
    queries, truth = np.load(workdir / "queries.npy"), np.load(workdir / "truth.npy")
    server = pgserver.get_server(str(workdir / "pg"), cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as connection:
            connection.execute(f"SET max_parallel_maintenance_workers = {max(threads - 1, 0)}")
            connection.execute("SET maintenance_work_mem = '1GB'")
            started = time.perf_counter()
            store = PgVectorStore.build(connection, "bench", np.asarray(vectors), np.arange(len(vectors), dtype=np.int64))
            build_seconds = time.perf_counter() - started
            size = connection.execute("SELECT pg_total_relation_size('bench')").fetchone()[0]
            rows = []
            for ef_search in (0, 40, 100, 200, 400):  # 0: exact (a full scan)
                store.exact, store.ef_search = ef_search == 0, max(ef_search, 1)
                store.search(queries[0], K)
                times, found = [], []
                for query in queries:
                    start = time.perf_counter()
                    found.append(store.search(query, K).ids)
                    times.append((time.perf_counter() - start) * 1000)
                recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in zip(found, truth)]))
                rows.append({"ef_search": ef_search or "exact", "p50_ms": round(float(np.percentile(times, 50)), 3),
                             "p99_ms": round(float(np.percentile(times, 99)), 3), "recall_at_10": round(recall, 4),
                             "queries": len(times)})
    finally:
        server.cleanup()
    return {"kind": "pgvector", "label": "pgvector HNSW (m 16, ef_construction 64), vector_ip_ops",
            "build_seconds": round(build_seconds, 2), "table_and_index_bytes": int(size), "search": rows}


def run_child(role: str, workdir: Path, kind: str, threads: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", role, "--kind", kind,
               "--workdir", str(workdir), "--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{role} {kind} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors (default 1,000,000)")
    parser.add_argument("--dim", type=int, default=64, help="dimensions (default 64, one type-space block)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--threads", type=int, default=2, help="FAISS/BLAS threads (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="folder for the vectors and indexes (default: temporary)")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/scale_<n>.json)")
    parser.add_argument("--pgvector", action="store_true",
                        help="also pgvector on the same queries (needs pgserver and psycopg)")
    parser.add_argument("--child", choices=["build", "serve", "pgvector"], help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_pgvector(args.workdir, args.threads) if args.child == "pgvector" else \
            (child_build if args.child == "build" else child_serve)(args.workdir, args.kind, args.threads)
        print(json.dumps(result))
        return 0

    keep = args.workdir is not None
    workdir = Path(args.workdir) if keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or HERE / "results" / f"scale_{args.n}.json"
    try:
        print(f"world: {args.n} × {args.dim} in {workdir}", flush=True)
        world = make_world(workdir, args.n, args.dim, args.queries, args.seed)
        results = []
        for kind in args.kinds:
            built = run_child("build", workdir, kind, args.threads)
            print(f"{kind}: built in {built['build_seconds']} s", flush=True)
            served = run_child("serve", workdir, kind, args.threads)
            best = served["search"][-1]
            print(f"{kind}: p50 {best['p50_ms']} ms, recall@10 {best['recall_at_10']} (last nprobe)", flush=True)
            results.append({**built, **served})
            for path in workdir.glob(f"{kind}.faiss*"):
                path.unlink()
        if args.pgvector:
            results.append(run_child("pgvector", workdir, "pgvector", args.threads))
            print(f"pgvector: {results[-1]['search']}", flush=True)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    budget = 4 * GIB
    report = {
        "benchmark": "scale", "n": args.n, "dimension": args.dim, "queries": args.queries, "k": K,
        "threads": args.threads, "seed": args.seed, "world": {"centres": CENTRES, "noise": NOISE, **world},
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],  # other jobs on the machine
        "machine": {"platform": platform.platform(), "cpus_visible": len(os.sched_getaffinity(0)),
                    "cpu_count": os.cpu_count(), "faiss": faiss.__version__, "numpy": np.__version__,
                    "python": platform.python_version()},
        "choice_at_4_GiB": {  # what the memory-budget rule picks (sane_desktop.retrieval.compressed)
            f"{n}x{d}": choose_by_budget(n, d, budget, flat_limit=1_000_000).label
            for n, d in ((args.n, args.dim), (10_000_000, 64), (10_000_000, 704), (1_000_000, 704))},
        "indexes": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
