"""Import and no-op re-import of N synthetic items (issue 19, points 5 and 6): time and peak memory.

A plain folder catalogue of ``--n`` tiny PNG files (16 distinct images cycled, 11 category folders)
is imported into a fresh SQLite store, then imported again unchanged (the first half of a no-op
re-index: every file's (size, mtime) matches, so no image is opened), then once more with the
recorded stats cleared (what the re-import cost before revision 0004: every file read, decoded and
hashed). Each import runs in a process of its own; its peak RSS is VmHWM. The embedding and
FAISS-build stages of ``index`` are not part of this figure (bench_index.py and bench_scale.py).

    .venv/bin/python bench/bench_scale_reindex.py [--n 100000] [--workdir DIR] [--out FILE]

JSON to ``bench/results/scale_reindex_<n>.json``.
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


def run(role: str, root: Path, db: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", role, "--root", str(root),
                           "--db", str(db)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{role} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-cleared", action="store_true",
                        help="leave out the re-import that reads every file (the slow baseline)")
    parser.add_argument("--child", choices=["import", "reimport", "cleared"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
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
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "benchmark": "scale_reindex", "n": args.n, "files_written_seconds": round(written, 1),
        "first_import": phases["import"], "noop_reimport": phases["reimport"],
        "reimport_reading_every_file": phases.get("cleared"),
        "noop_speedup": round(phases["cleared"]["seconds"] / max(phases["reimport"]["seconds"], 1e-9), 2)
        if "cleared" in phases else None,
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
