"""Time the demo catalogue generator: in-process rendering vs. a pool of 2 processes.

Usage: .venv/bin/python bench/bench_demo.py [--items 1200] [--style classic]
Writes bench/results/demo.json (seconds per configuration, items per second, speed-up vs. 1 worker).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from sane_desktop.demo import generate_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1200)
    parser.add_argument("--style", default="classic")
    args = parser.parse_args()
    runs = {}
    for workers in (1, 2):
        folder = Path(tempfile.mkdtemp(prefix="bench-demo-"))
        try:
            started = time.perf_counter()
            summary = generate_demo(folder / "demo", items=args.items, style=args.style, workers=workers)
            seconds = time.perf_counter() - started
        finally:
            shutil.rmtree(folder)
        runs[f"workers_{workers}"] = {"seconds": round(seconds, 2),
                                      "items_per_second": round(summary.items / seconds, 1)}
    result = {
        "items": args.items,
        "style": args.style,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "runs": runs,
        "speedup_2_workers": round(runs["workers_1"]["seconds"] / runs["workers_2"]["seconds"], 2),
    }
    out = Path(__file__).resolve().parent / "results" / "demo.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
