"""Outfit-query latency on synthetic stacked vectors: FAISS (flat / IVF) vs numpy brute force.

Synthetic world: C=5 categories, D=64 (320-d stacked vectors), general embeddings drawn from a
mixture of 256 Gaussians (real embeddings cluster by style; pure noise would be an unrealistically
hard case for IVF), masks drawn like a fresh model's (relu(N(0.9, 0.7))). Every query is the Q of an
outfit of 2–3 items from other categories, exactly as the app builds it. Sizes are items *in the
target category*. Writes bench/results/query.json.

    .venv/bin/python bench/bench_query.py [--sizes 10000 100000 1000000] [--queries 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import faiss
import numpy as np

from sane_desktop.retrieval.faiss_index import FaissVectorStore, IndexSpec
from sane_desktop.retrieval.vector_store import Hits, block_scores, top_k
from sane_desktop.retrieval.vectors import TypeSpaces

C, D, K, TARGET = 5, 64, 10, 0
RESULTS = Path(__file__).resolve().parent / "results" / "query.json"


def world(seed: int = 0) -> tuple[TypeSpaces, np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = np.maximum(rng.normal(0.9, 0.7, size=(C * (C + 1) // 2, D)), 0).astype(np.float32)
    centres = rng.normal(size=(256, D)).astype(np.float32)
    return TypeSpaces(tuple(f"c{i}" for i in range(C)), masks), centres


def embeddings(centres: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return (centres[rng.integers(len(centres), size=n)] + 0.5 * rng.normal(size=(n, D))).astype(np.float32)


def item_vectors(spaces: TypeSpaces, centres: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, spaces.dimension), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        out[start:stop] = spaces.stacked(embeddings(centres, stop - start, rng), TARGET)
    return out


def outfit_queries(spaces: TypeSpaces, centres: np.ndarray, count: int, seed: int):
    rng = np.random.default_rng(seed)
    queries = []
    for _ in range(count):
        cats = rng.choice(np.arange(1, C), size=int(rng.integers(2, 4)), replace=False).tolist()
        queries.append((spaces.outfit_query(embeddings(centres, len(cats), rng), cats, TARGET), cats))
    return queries


def latency(fn, queries) -> tuple[dict[str, float], list]:
    fn(queries[0])  # warm-up
    times, answers = [], []
    for query in queries:
        start = time.perf_counter()
        answers.append(fn(query))
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 3),
            "p99_ms": round(float(np.percentile(times, 99)), 3), "queries": len(times)}, answers


def recall(found, exact) -> float:
    return float(np.mean([len(set(f.ids.tolist()) & set(e.ids.tolist())) / K for f, e in zip(found, exact)]))


def run_size(n: int, n_queries: int, spaces: TypeSpaces, centres: np.ndarray, nprobes: list[int]) -> dict:
    vectors = item_vectors(spaces, centres, n, seed=n)
    ids = np.arange(n, dtype=np.int64)
    queries = outfit_queries(spaces, centres, n_queries, seed=7)
    row: dict = {"n": n, "dimension": spaces.dimension}
    exact_stats, exact = latency(lambda q: top_k(vectors @ q[0], ids, K), queries)
    row["numpy_brute_force"] = exact_stats

    start = time.perf_counter()
    flat = FaissVectorStore.build(vectors, ids, IndexSpec("flat"))
    row["flat_build_s"] = round(time.perf_counter() - start, 2)
    def native(q):  # FAISS's own single-query search (one thread per query)
        scores, found_ids = flat.index.search(q[0][None], K)
        return Hits(found_ids[0], scores[0])

    stats, found = latency(native, queries)
    row["faiss_flat_native"] = {**stats, "recall@10": recall(found, exact)}
    stats, found = latency(lambda q: flat.search(q[0], K), queries)
    row["faiss_flat_store_all_blocks"] = {**stats, "recall@10": recall(found, exact),
                         "max_abs_score_diff": float(max(np.abs(f.scores - e.scores).max() for f, e in zip(found, exact)))}
    blocks = lambda cats: [slice(c * D, (c + 1) * D) for c in sorted(cats)]  # noqa: E731
    view = flat._flat_view()  # the store applies BLOCK_SCAN_MAX_FRACTION; measure the block scan itself
    stats, found = latency(lambda q: top_k(block_scores(view[0], q[0], blocks(q[1])), view[1], K), queries)
    row["numpy_scan_present_blocks_only"] = {**stats, "recall@10": recall(found, exact),
                                             "mean_present_fraction": float(np.mean([len(q[1]) / C for q in queries]))}
    row["memory_bytes_per_item_flat"] = spaces.dimension * 4 + 8
    del flat

    if nprobes:
        nlist = int(2 ** round(np.log2(np.sqrt(n))))
        start = time.perf_counter()
        ivf = FaissVectorStore.build(vectors, ids, IndexSpec("ivf", nlist=nlist, nprobe=nprobes[0]))
        row["ivf_build_s"] = round(time.perf_counter() - start, 2)
        row["ivf_nlist"] = nlist
        row["ivf"] = []
        for nprobe in nprobes:
            ivf.index.nprobe = nprobe
            stats, found = latency(lambda q: ivf.search(q[0], K), queries)
            row["ivf"].append({"nprobe": nprobe, **stats, "recall@10": round(recall(found, exact), 4)})
        row["memory_bytes_per_item_ivf"] = spaces.dimension * 4 + 8 + 16  # codes + id + hashtable entry
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--nprobes", type=int, nargs="+", default=[8, 16, 32, 48, 64])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    spaces, centres = world()
    rows = []
    for n in args.sizes:
        print(f"n={n} ...", flush=True)
        rows.append(run_size(n, args.queries if n < 1_000_000 else max(20, args.queries // 2), spaces, centres,
                             args.nprobes if n >= 1_000_000 else []))
        print(json.dumps(rows[-1]), flush=True)
    result = {"benchmark": "outfit query latency, one target category", "k": K,
              "categories": C, "embed_dim": D, "faiss": faiss.__version__, "faiss_threads": faiss.omp_get_max_threads(),
              "cpus": os.cpu_count(), "machine": platform.machine(),
              "load_average_1min_at_end": round(os.getloadavg()[0], 2), "sizes": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
