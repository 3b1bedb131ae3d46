"""Run every benchmark in this folder, one process each (so none inherits another's threads or
caches); each writes its JSON under bench/results/. ``make bench`` calls this.

    .venv/bin/python bench/run_all.py [--only query explain ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["demo", "catalogue_read", "training", "index", "query", "explain", "explain_check", "gui", "thumbnail_recheck", "launch", "feature_scan", "scale", "scale_reindex"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=ORDER, help="run only these benchmarks")
    args = parser.parse_args()
    failed = []
    for name in args.only or ORDER:
        script = HERE / f"bench_{name}.py"
        started = time.perf_counter()
        print(f"== {script.name}", flush=True)
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        done = subprocess.run([sys.executable, str(script)], env=env)
        print(f"== {script.name}: exit {done.returncode} in {time.perf_counter() - started:.0f} s", flush=True)
        if done.returncode:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
