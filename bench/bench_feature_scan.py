"""PySide6's source scan on import (startup.without_feature_scan): the worker's model loading
(``preload_core``, the core's C-extension modules) in a fresh process that imported PySide6 first, as
the app does, with PySide6's check that reads every imported module's source (``scan``) and without
it (``no_scan``, what the app does). Fresh interpreters, alternated, ``--repeats`` each; the medians
and their ratio go to bench/results/feature_scan.json. Warm page cache (run twice in a row to be sure).

    .venv/bin/python bench/bench_feature_scan.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "feature_scan.json"
PROBE = """
import sys, time
import PySide6.QtCore  # PySide's import hook, as in the app
from sane_desktop.gui import startup
feature = sys.modules.get("shibokensupport.feature")
scans = [0]
check = feature._mod_uses_pyside
def counted(module):
    scans[0] += 1
    return check(module)
feature._mod_uses_pyside = counted
if sys.argv[1] == "scan":  # PySide's own behaviour: the app's context manager made a no-op
    import contextlib
    startup.without_feature_scan = contextlib.nullcontext
start = time.perf_counter()
startup.preload_core()
print(time.perf_counter() - start, scans[0])
"""


def run(mode: str) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, capture_output=True, text=True,
                          check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    seconds, scans = done.stdout.split()
    return float(seconds), int(scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"scan": [], "no_scan": []}
    scans: dict[str, int] = {}
    for _ in range(args.repeats):
        for mode in ("scan", "no_scan"):
            seconds, count = run(mode)
            times[mode].append(round(seconds, 3))
            scans[mode] = count
    result = {
        "seconds": times, "median_s": {m: statistics.median(t) for m, t in times.items()},
        "modules_scanned": scans,
        "ratio_no_scan_to_scan": round(statistics.median(times["no_scan"]) / statistics.median(times["scan"]), 3),
        "cpus": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version(),
    }
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
