"""Import and no-op re-import of N synthetic items (issue 19, points 5 and 6): time and peak memory.

A plain folder catalogue of ``--n`` tiny PNG files (16 distinct images cycled, 11 category folders)
is imported into a fresh SQLite store, then imported again unchanged (the first half of a no-op
re-index: every file's (size, mtime) matches, so no image is opened), then once more with the
recorded stats cleared (what the re-import cost before revision 0004: every file read, decoded and
hashed). Each import runs in a process of its own; its peak RSS is VmHWM. The embedding and
FAISS-build stages of ``index`` are not part of this figure (bench_index.py and bench_scale.py).

``--index`` also times a no-op ``index`` end to end (import, embed check, build or skip:
``index_catalogue``, each run a process of its own): a tiny 11-category model (width 16) and, instead
of embedding N images on 2 cores, seeded random embeddings written for every item with its image's
content hash (so the embed stage finds nothing to do, as after a real index), ``--cells on-demand``
(the seeded rows hold no per-cell outputs). Then, alternately (``--repeats`` times), ``index
--rebuild`` (what every no-op ``index`` cost before: a full rebuild of the FAISS indexes) and a plain
``index`` (now: the indexes are verified and kept).

    .venv/bin/python bench/bench_scale_reindex.py [--n 100000] [--workdir DIR] [--out FILE]
    .venv/bin/python bench/bench_scale_reindex.py --n 100000 --index --skip-cleared \
        --out bench/results/scale_noop_index_100000.json

JSON to ``bench/results/scale_reindex_<n>.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CATEGORIES = [f"category{number:02d}" for number in range(11)]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def make_folder(root: Path, n: int) -> float:
    from PIL import Image

    started = time.perf_counter()
    images = []
    for number in range(16):
        buffer = io.BytesIO()
        Image.new("RGB", (8 + number, 8), (number * 15, 100, 200 - number * 10)).save(buffer, "PNG")
        images.append(buffer.getvalue())
    for category in CATEGORIES:
        (root / category).mkdir(parents=True, exist_ok=True)
    for number in range(n):
        (root / CATEGORIES[number % len(CATEGORIES)] / f"item{number:08d}.png").write_bytes(images[number % 16])
    return time.perf_counter() - started


def child(root: Path, db: Path, clear_stats: bool) -> dict[str, Any]:
    from sqlalchemy import update

    from sane_desktop.store import schema as S
    from sane_desktop.store.importer import import_folder

    if clear_stats:
        from sane_desktop.store.db import open_store

        engine = open_store(f"sqlite:///{db}")
        with engine.begin() as connection:
            connection.execute(update(S.Item).values(file_size=None, file_mtime_ns=None))
        engine.dispose()
    opened = [0]

    def count_opens(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args and isinstance(args[0], str) and args[0].endswith(".png"):
            opened[0] += 1

    sys.addaudithook(count_opens)
    started = time.perf_counter()
    engine, summary = import_folder(root, "scale", f"sqlite:///{db}")
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": round(seconds, 2), "peak_rss_mb": peak_rss_mb(), "images_opened": opened[0],
            "items": summary.items, "changes": summary.changes.get("items", {})}


def seed_embeddings(root: Path, db: Path) -> dict[str, Any]:
    """A tiny model over the 11 category folders, and a random embedding of it stored for every
    item (with its image's content hash: valid, nothing left to embed)."""
    import numpy as np
    import torch
    from sqlalchemy import insert, select

    from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from sane_desktop.store import schema as S
    from sane_desktop.store.db import open_store

    torch.manual_seed(0)
    net = CompatibilityNet(CATEGORIES, width=16)
    model_hash = save_checkpoint(root.parent / "model.pt", ModelBundle(net, None, Preprocessing()))
    started = time.perf_counter()
    engine = open_store(f"sqlite:///{db}")
    with engine.begin() as connection:
        rows = connection.execute(select(S.Item.id, S.Item.content_hash)).all()
        vectors = np.random.default_rng(0).standard_normal((len(rows), net.embed_dim)).astype(np.float32)
        table = S.ItemEmbedding.__table__
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(table), [
                {"item_pk": pk, "model_hash": model_hash, "content_hash": content_hash,
                 "embedding": vectors[i].tobytes(), "cells": None, "attribute_scores": None,
                 "norm": float(np.linalg.norm(vectors[i])), "updated_at": S.utc_now()}
                for i, (pk, content_hash) in enumerate(rows[start : start + 10_000], start)])
    engine.dispose()
    return {"seconds": round(time.perf_counter() - started, 2), "rows": len(rows), "embed_dim": net.embed_dim}


def index_child(root: Path, db: Path, rebuild: bool) -> dict[str, Any]:
    """One ``index`` run end to end (import, embed check, build or skip), timed in this process."""
    from sane_desktop.retrieval.indexing.pipeline import index_catalogue

    started = time.perf_counter()
    summary = index_catalogue(root, "scale", root.parent / "model.pt", f"sqlite:///{db}",
                              index_dir=root.parent / "index", device="cpu", workers=1, cells="on-demand",
                              rebuild=rebuild)
    seconds = time.perf_counter() - started
    # summary.seconds is index_store's own time (scan, embed check, build or skip); the rest is the import
    return {"seconds": round(seconds, 2), "import_stage_seconds": round(seconds - summary.seconds, 2),
            "index_stage_seconds": round(summary.seconds, 2),
            "peak_rss_mb": peak_rss_mb(), "items": summary.items, "embedded": summary.embedded,
            "rebuilt": summary.rebuilt, "rebuild_reason": summary.rebuild_reason,
            "vectors": sum(summary.vectors.values()), "index_types": sorted(set(summary.index_types.values()))}


def run(role: str, root: Path, db: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", role, "--root", str(root),
                           "--db", str(db)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{role} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _noop_index_report(runs: dict[str, Any]) -> dict[str, Any]:
    """Before (forced rebuild) and after (skip) of a no-op ``index``: every run, and the medians."""
    from statistics import median

    before, after = runs["rebuild"], runs["index"]
    assert all(r["rebuilt"] for r in before) and not any(r["rebuilt"] for r in after), "unexpected rebuild decision"
    return {
        "setup": "index_catalogue end to end, one process each (timed inside it: Python and torch start-up "
                 "not included); seeded embeddings (nothing to embed), --cells on-demand, 11-category model "
                 "(width 16, embed_dim 64: 768-d stacked vectors, as the real model), workers=1, device cpu",
        "seed": runs["seed"], "first_index": runs["first_index"],
        "before_forced_rebuild": before, "after_skip": after,
        "before_median_seconds": round(median(r["seconds"] for r in before), 2),
        "after_median_seconds": round(median(r["seconds"] for r in after), 2),
        "before_median_index_stage_seconds": round(median(r["index_stage_seconds"] for r in before), 2),
        "after_median_index_stage_seconds": round(median(r["index_stage_seconds"] for r in after), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-cleared", action="store_true",
                        help="leave out the re-import that reads every file (the slow baseline)")
    parser.add_argument("--index", action="store_true",
                        help="also time a no-op index end to end: forced rebuild (before) vs skip (after)")
    parser.add_argument("--repeats", type=int, default=2, help="rebuild/skip pairs with --index (default 2)")
    parser.add_argument("--child", choices=["import", "reimport", "cleared", "seed", "index", "rebuild"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("seed", "index", "rebuild"):
        result = (seed_embeddings(args.root, args.db) if args.child == "seed"
                  else index_child(args.root, args.db, rebuild=args.child == "rebuild"))
        print(json.dumps(result))
        return 0
    if args.child:
        print(json.dumps(child(args.root, args.db, clear_stats=args.child == "cleared")))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-reindex-"))
    root, db = workdir / "catalogue", workdir / "catalogue.db"
    try:
        written = make_folder(root, args.n)
        print(f"{args.n} files written in {written:.0f} s", flush=True)
        phases = {}
        for role in ("import", "reimport") if args.skip_cleared else ("import", "reimport", "cleared"):
            phases[role] = run(role, root, db)
            print(f"{role}: {phases[role]}", flush=True)
        index_runs: dict[str, Any] = {}
        if args.index:
            index_runs["seed"] = run("seed", root, db)
            index_runs["first_index"] = run("index", root, db)
            print(f"first index: {index_runs['first_index']}", flush=True)
            for role in ["rebuild", "index"] * args.repeats:  # alternated: drift and caches hit both alike
                index_runs.setdefault(role, []).append(run(role, root, db))
                print(f"{role}: {index_runs[role][-1]}", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "benchmark": "scale_reindex", "n": args.n, "files_written_seconds": round(written, 1),
        "first_import": phases["import"], "noop_reimport": phases["reimport"],
        "reimport_reading_every_file": phases.get("cleared"),
        "noop_speedup": round(phases["cleared"]["seconds"] / max(phases["reimport"]["seconds"], 1e-9), 2)
        if "cleared" in phases else None,
        "noop_index": _noop_index_report(index_runs) if args.index else None,
        "machine": {"platform": platform.platform(), "cpus_visible": len(os.sched_getaffinity(0)),
                    "python": platform.python_version()},
    }
    out = args.out or HERE / "results" / f"scale_reindex_{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
