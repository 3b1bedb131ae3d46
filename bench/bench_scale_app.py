"""10M items as the app lays them out (issue 19, target "10M items on one 24 GB, 2-core machine").

:mod:`bench_scale` measures one index of N vectors of one 64-d block. The app holds one index per
category, each of stacked type-space vectors (64 × (categories + 1) dimensions: a block per
type space and the general space last, :mod:`sane_desktop.retrieval.vectors`), and the memory budget
is shared out by item count (:func:`sane_desktop.retrieval.indexing.build.build_indexes`). This
benchmark builds exactly that for ``--n`` items over ``--categories`` categories under ``--budget``,
loads every index into one serving process (as the app does) and measures:

- per category: the index chosen by the budget rule (:func:`~sane_desktop.retrieval.compressed.choose_by_budget`),
  build seconds and peak RSS (a process per category);
- serving: resident memory with every index loaded (VmRSS, and the indexes' own estimate), and
  single-query latency p50/p99 and recall@10 against exact search, at several ``nprobe``.

Synthetic world, closer to real embeddings than :mod:`bench_scale`'s: an item's general embedding z
(64-d) comes from a mixture of ``--centres`` Gaussians with per-dimension noise ``--noise`` (1.0:
a cluster's spread equals the centres' spread, so neighbours cross cluster borders), each category
drawing from its own share of the centres; its block for type space j is the unit vector of
``mask_j ⊙ z`` (a fixed positive mask per space, as the type-aware paper's learned masks), the last
block the unit z. So the 768 dimensions have 64 degrees of freedom, as the app's do. A query is an
outfit of two items of other categories: their masked embeddings in their categories' blocks, zero
elsewhere, as :class:`~sane_desktop.retrieval.vectors.TypeSpaces` stacks an outfit. Seeded.

    taskset -c 0,1 python bench/bench_scale_app.py --n 10000000 --workdir /scratch/scale-app

Writes ``bench/results/scale_app_<n>.json``; the workdir holds the indexes and re-rank stores
(fp16, memory-mapped: 15 GB at 10M) and is removed unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, so that this runs without an installed package

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from bench_scale import peak_rss_mb  # noqa: E402
from sane_desktop.retrieval.compressed import build_store, choose_by_budget, index_bytes, load_store  # noqa: E402
from sane_desktop.retrieval.faiss_index import IndexSpec  # noqa: E402

K = 10
BLOCK = 64
CHUNK = 100_000
NPROBES = (16, 32, 64, 128)
GIB = 2**30


def parse_bytes(text: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    return int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)


class World:
    """The seeded synthetic catalogue: centres, masks, and items/queries drawn per category."""

    def __init__(self, categories: int, centres: int, noise: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.categories, self.noise, self.seed = categories, noise, seed
        self.centres = rng.standard_normal((centres, BLOCK), dtype=np.float32)
        self.owner = rng.integers(categories, size=centres)  # the category each centre belongs to
        self.masks = rng.uniform(0.0, 1.0, size=(categories + 1, BLOCK)).astype(np.float32)
        self.masks[-1] = 1.0  # the general space: z itself

    @property
    def dimension(self) -> int:
        return BLOCK * (self.categories + 1)

    def general(self, category: int, count: int, rng: np.random.Generator) -> np.ndarray:
        """(count, 64) general embeddings of items of ``category``."""
        own = np.flatnonzero(self.owner == category)
        z = self.centres[own[rng.integers(len(own), size=count)]]
        z += self.noise * rng.standard_normal(z.shape, dtype=np.float32)
        return z

    def block(self, z: np.ndarray, space: int) -> np.ndarray:
        projected = z * self.masks[space]
        return projected / np.linalg.norm(projected, axis=1, keepdims=True)

    def items(self, category: int, count: int) -> np.ndarray:
        """(count, 64 × (categories + 1)) stacked vectors of ``category``'s items, seeded per category."""
        rng = np.random.default_rng([self.seed, category])
        out = np.empty((count, self.dimension), dtype=np.float32)
        for start in range(0, count, CHUNK):
            stop = min(count, start + CHUNK)
            z = self.general(category, stop - start, rng)
            for space in range(self.categories + 1):
                out[start:stop, space * BLOCK:(space + 1) * BLOCK] = self.block(z, space)
        return out

    def queries(self, target: int, count: int) -> np.ndarray:
        """(count, dimension) outfit queries for ``target``: two items of two other categories each."""
        rng = np.random.default_rng([self.seed, target, 1])
        out = np.zeros((count, self.dimension), dtype=np.float32)
        others = [c for c in range(self.categories) if c != target]
        for row in range(count):
            for category in rng.choice(others, size=2, replace=False):
                z = self.general(int(category), 1, rng)
                out[row, category * BLOCK:(category + 1) * BLOCK] = self.block(z, int(category))[0]
        return out


def exact_top_k(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    scores = queries @ vectors.T  # (q, n): a few hundred MB at most per category
    top = np.argpartition(-scores, K - 1, axis=1)[:, :K]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def category_sizes(n: int, categories: int) -> list[int]:
    return [n // categories + (1 if c < n % categories else 0) for c in range(categories)]


def child_build(args: argparse.Namespace) -> dict[str, Any]:
    faiss.omp_set_num_threads(args.threads)
    world = World(args.categories, args.centres, args.noise, args.seed)
    category = args.category
    sizes = category_sizes(args.n, args.categories)
    offset = sum(sizes[:category])  # global ids: categories take consecutive id ranges
    started = time.perf_counter()
    vectors = world.items(category, sizes[category])
    queries = world.queries(category, args.queries_per_category)
    truth = exact_top_k(vectors, queries) + offset
    generated = time.perf_counter() - started
    share = args.budget * sizes[category] // args.n
    spec = choose_by_budget(sizes[category], world.dimension, share, flat_limit=args.flat_limit)
    started = time.perf_counter()
    store = build_store(vectors, np.arange(offset, offset + sizes[category], dtype=np.int64), spec)
    seconds = time.perf_counter() - started
    del vectors
    path = args.workdir / f"category{category}.faiss"
    store.save(path)
    np.save(args.workdir / f"queries{category}.npy", queries)
    np.save(args.workdir / f"truth{category}.npy", truth)
    (args.workdir / f"spec{category}.json").write_text(json.dumps(spec.as_dict()))
    return {"category": category, "items": sizes[category], "label": spec.label, "budget_share_bytes": share,
            "index_bytes_estimate": index_bytes(spec, sizes[category], world.dimension),
            "generate_seconds": round(generated, 1), "build_seconds": round(seconds, 1),
            "build_peak_rss_mb": peak_rss_mb(),
            "files_bytes": sum(p.stat().st_size for p in args.workdir.glob(f"category{category}.faiss*"))}


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory in MiB (/proc/self/status): ``VmRSS`` all of it, ``RssAnon`` its
    own allocations, ``RssFile`` mapped file pages (the re-rank store's: page cache, reclaimable)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def child_queries(args: argparse.Namespace) -> dict[str, Any]:
    """(Re)draw a built category's queries and their exact answers (the items are re-drawn from the
    seed, identical to the build's), e.g. for more queries than the build drew."""
    world = World(args.categories, args.centres, args.noise, args.seed)
    sizes = category_sizes(args.n, args.categories)
    offset = sum(sizes[:args.category])
    vectors = world.items(args.category, sizes[args.category])
    queries = world.queries(args.category, args.queries_per_category)
    np.save(args.workdir / f"queries{args.category}.npy", queries)
    np.save(args.workdir / f"truth{args.category}.npy", exact_top_k(vectors, queries) + offset)
    return {"category": args.category, "queries": len(queries)}


def child_serve(args: argparse.Namespace) -> dict[str, Any]:
    faiss.omp_set_num_threads(args.threads)
    before = rss_mb()
    stores: list[Any] = []
    specs: list[IndexSpec] = []
    started = time.perf_counter()
    for category in range(args.build_only or args.categories):
        spec = IndexSpec(**json.loads((args.workdir / f"spec{category}.json").read_text()))
        if args.serve_on_disk and spec.compressed:  # the same files, lists memory-mapped (IO_FLAG_MMAP)
            spec = replace(spec, on_disk=True)
        specs.append(spec)
        stores.append(load_store(args.workdir / f"category{category}.faiss", spec, use_gpu=False))
    load_seconds = time.perf_counter() - started
    loaded = rss_mb()
    queries = [np.load(args.workdir / f"queries{c}.npy") for c in range(len(stores))]
    truth = [np.load(args.workdir / f"truth{c}.npy") for c in range(len(stores))]
    rows = []
    compressed = all(spec.kind != "flat" for spec in specs)
    for nprobe in NPROBES if compressed else (0,):
        times, recalls = [], []
        for category, store in enumerate(stores):
            if nprobe:
                store.index.nprobe = nprobe
            store.search(queries[category][0], K)  # warm-up
            for query, want in zip(queries[category], truth[category]):
                start = time.perf_counter()
                hits = store.search(query, K)
                times.append((time.perf_counter() - start) * 1000)
                recalls.append(len(set(hits.ids.tolist()) & set(want.tolist())) / K)
        rows.append({"nprobe": nprobe, "p50_ms": round(float(np.percentile(times, 50)), 3),
                     "p99_ms": round(float(np.percentile(times, 99)), 3),
                     "recall_at_10": round(float(np.mean(recalls)), 4), "queries": len(times)})
        print(json.dumps({"progress": rows[-1]}), file=sys.stderr, flush=True)
    return {"labels": sorted({spec.label for spec in specs}), "load_seconds": round(load_seconds, 1), "rss_before_load_mb": before, "rss_loaded_mb": loaded,
            "rss_after_queries_mb": rss_mb(), "rss_anon_after_queries_mb": rss_mb("RssAnon"),
            "rss_file_after_queries_mb": rss_mb("RssFile"), "peak_rss_mb": peak_rss_mb(),
            "index_memory_mb": round(sum(getattr(s, "resident_bytes", 0) for s in stores) / 2**20, 1),
            "search": rows}


def run_child(role: str, args: argparse.Namespace, category: int = -1) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", role, "--category", str(category),
               "--workdir", str(args.workdir), "--n", str(args.n), "--categories", str(args.categories),
               "--centres", str(args.centres), "--noise", str(args.noise), "--seed", str(args.seed),
               "--threads", str(args.threads), "--budget", str(args.budget),
               "--queries-per-category", str(args.queries_per_category), "--flat-limit", str(args.flat_limit),
               *(["--build-only", str(args.build_only)] if args.build_only else []),
               *(["--serve-on-disk"] if args.serve_on_disk else [])]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"{role} {category} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="items (default 10,000,000)")
    parser.add_argument("--categories", type=int, default=11)
    parser.add_argument("--centres", type=int, default=4096)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--budget", type=parse_bytes, default=4 * GIB, help="index memory budget (default 4GiB)")
    parser.add_argument("--flat-limit", type=int, default=1_000_000)
    parser.add_argument("--queries-per-category", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--build-only", type=int, metavar="M",
                        help="build and serve only the first M categories, each at its full size (a 2-core "
                             "machine's time); memory for all is then the per-index estimate, summed")
    parser.add_argument("--keep", action="store_true", help="keep the workdir (indexes) afterwards")
    parser.add_argument("--serve-on-disk", action="store_true",
                        help="serve the compressed indexes with their inverted lists on disk (FAISS "
                             "OnDiskInvertedLists, memory-mapped) instead of loaded")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", choices=["build", "serve", "queries"], help=argparse.SUPPRESS)
    parser.add_argument("--category", type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = {"build": child_build, "serve": child_serve, "queries": child_queries}[args.child]
        print(json.dumps(child(args)))
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or HERE / "results" / f"scale_app_{args.n}.json"
    builds, loads = [], [load_average()]
    started = time.perf_counter()
    try:
        for category in range(args.build_only or args.categories):
            if (args.workdir / f"spec{category}.json").is_file():  # resumed: built by an earlier run
                builds.append(json.loads((args.workdir / f"build{category}.json").read_text()))
                if len(np.load(args.workdir / f"queries{category}.npy")) != args.queries_per_category:
                    run_child("queries", args, category)
                continue
            built = run_child("build", args, category)
            (args.workdir / f"build{category}.json").write_text(json.dumps(built))
            builds.append(built)
            loads.append(load_average())
            print(f"category {category}: {built['items']} items as {built['label']}, "
                  f"built in {built['build_seconds']} s (load {loads[-1]})", flush=True)
        served = run_child("serve", args)
        loads.append(load_average())
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    report = {
        "benchmark": "scale_app", "n": args.n, "categories": args.categories,
        "dimension": BLOCK * (args.categories + 1), "budget_bytes": args.budget, "k": K,
        "threads": args.threads, "seed": args.seed,
        "world": {"centres": args.centres, "noise": args.noise, "intrinsic_dimension": BLOCK},
        "machine": {"platform": platform.platform(), "cpus_visible": len(os.sched_getaffinity(0)),
                    "cpu_count": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE")
                                                                    * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
                    "faiss": faiss.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "load_average_during": loads, "total_seconds": round(time.perf_counter() - started, 1),
        "categories_built": len(builds),
        "index_memory_estimate_gib": round(sum(b["index_bytes_estimate"] for b in builds) / GIB, 3),
        "index_memory_estimate_all_categories_gib": round(sum(
            index_bytes(choose_by_budget(size, BLOCK * (args.categories + 1), args.budget * size // args.n,
                                         flat_limit=args.flat_limit), size, BLOCK * (args.categories + 1))
            for size in category_sizes(args.n, args.categories)) / GIB, 3),
        "builds": builds, "serve": served, "served_on_disk": args.serve_on_disk,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}: {served['search']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
