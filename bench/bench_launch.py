"""Launch time of the desktop app (issue 18 point 10): from spawning ``python main.py`` to its window's
first paint, to the catalogue grid's first items, and to the first tile's picture (its thumbnail).

Each launch runs ``main.py --launch-probe`` (offscreen Qt, its own settings/cache/log folders), which
prints the epoch time of both events and which heavy modules (torch, FAISS, SQLAlchemy, Alembic,
numpy, PIL) were loaded at each, then quits. **Cold**: an
empty index home, so the first run generates and indexes the demo catalogue (``--demo-items``, the
app's default 600) with the window already up; **warm**: the same home afterwards (demo indexed).
Baselines in the same run, same interpreter: ``python -c pass``, ``python -c "import PySide6.QtWidgets"``
and ``import torch, faiss, PySide6.QtWidgets`` (what the window used to wait for). Medians of
``--repeats`` warm and ``--cold-repeats`` cold launches. Writes bench/results/launch.json.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_launch.py [--repeats 5 --cold-repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "launch.json"
BASELINES = {
    "python_pass": "pass",
    "import_qtwidgets": "import PySide6.QtWidgets",
    "import_torch_faiss_qtwidgets": "import torch, faiss, PySide6.QtWidgets",
}


def spawn_seconds(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=REPO)
    return time.perf_counter() - started


def launch(home: Path, scratch: Path, demo_items: int, timeout_s: float) -> dict[str, Any]:
    """One ``main.py --launch-probe`` on index home ``home``: seconds from spawn to each event."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name, folder in {"XDG_CONFIG_HOME": "config", "SANE_CONFIG_HOME": "sane-config", "SANE_CACHE_HOME": "cache",
                         "SANE_LOG_HOME": "logs"}.items():
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(scratch / folder)
    started = time.time()
    done = subprocess.run([sys.executable, "main.py", "--launch-probe", "--index-home", str(home),
                           "--demo-items", str(demo_items)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout_s)
    if done.returncode:
        raise SystemExit(f"main.py exited {done.returncode}: {done.stderr.strip()[-500:]}")
    marks = {line.split()[1]: line.split()[2:] for line in done.stdout.splitlines() if line.startswith("launch-probe ")}
    if set(marks) != {"window-shown", "first-results", "first-thumbnail"}:
        raise SystemExit(f"main.py --launch-probe printed {done.stdout!r}")
    return {
        "window_shown_s": round(float(marks["window-shown"][0]) - started, 3),
        "first_results_s": round(float(marks["first-results"][0]) - started, 3),
        "first_thumbnail_s": round(float(marks["first-thumbnail"][0]) - started, 3),
        "torch_loaded_at_first_thumbnail": marks["first-thumbnail"][1] == "torch=yes",
        "torch_loaded_at_window": marks["window-shown"][1] == "torch=yes",
        "loaded_at_window": loaded(marks["window-shown"]),
        "loaded_at_first_results": loaded(marks["first-results"]),
    }


def loaded(mark: list[str]) -> list[str]:
    """The heavy modules a probe line says were loaded (``loaded=numpy,PIL``; ``-``: none)."""
    field = next((word for word in mark if word.startswith("loaded=")), "loaded=-")
    return [name for name in field.removeprefix("loaded=").split(",") if name not in ("", "-")]


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "median_window_shown_s": round(statistics.median(r["window_shown_s"] for r in runs), 3),
        "median_first_results_s": round(statistics.median(r["first_results_s"] for r in runs), 3),
        "median_first_thumbnail_s": round(statistics.median(r["first_thumbnail_s"] for r in runs), 3),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm launches")
    parser.add_argument("--cold-repeats", type=int, default=2, help="cold launches (each builds the demo)")
    parser.add_argument("--demo-items", type=int, default=600, help="demo catalogue size (main.py's default)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one launch may take")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    baselines = {name: round(statistics.median(spawn_seconds(code, env) for _ in range(args.repeats)), 3)
                 for name, code in BASELINES.items()}
    with tempfile.TemporaryDirectory(prefix="sane-launch-") as tmp:
        root = Path(tmp)
        cold = []
        for n in range(max(1, args.cold_repeats)):
            home = root / f"index-{n}"
            shutil.rmtree(home, ignore_errors=True)
            cold.append(launch(home, root / f"user-{n}", args.demo_items, args.timeout))
            print(f"cold {n}: {cold[-1]}", flush=True)
        warm = []
        for n in range(args.repeats):  # the first cold run's home: the demo is indexed there now
            warm.append(launch(root / "index-0", root / "user-0", args.demo_items, args.timeout))
            print(f"warm {n}: {warm[-1]}", flush=True)
    warm_summary, cold_summary = summary(warm), summary(cold)
    result = {
        "what": "seconds from spawning `python main.py --launch-probe` (offscreen) to the window's first paint, "
                "to the catalogue grid's first items and to its first tile's picture; cold = empty index home (the demo is generated and "
                "indexed), warm = demo already indexed",
        "command": "QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_launch.py "
                   f"--repeats {args.repeats} --cold-repeats {args.cold_repeats} --demo-items {args.demo_items}",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "demo_items": args.demo_items,
        "baseline_spawn_s": baselines,
        "warm": warm_summary,
        "cold": cold_summary,
        "ratios": {
            "warm_window_vs_import_qtwidgets": round(warm_summary["median_window_shown_s"]
                                                     / baselines["import_qtwidgets"], 2),
            "warm_window_vs_import_torch_faiss_qtwidgets": round(warm_summary["median_window_shown_s"]
                                                                 / baselines["import_torch_faiss_qtwidgets"], 2),
            "warm_first_results_vs_import_torch_faiss_qtwidgets": round(
                warm_summary["median_first_results_s"] / baselines["import_torch_faiss_qtwidgets"], 2),
            # under 1: the tiles' pictures do not wait for the models (trial E's did)
            "warm_first_thumbnail_vs_import_torch_faiss_qtwidgets": round(
                warm_summary["median_first_thumbnail_s"] / baselines["import_torch_faiss_qtwidgets"], 2),
        },
        "targets_s": {"warm_window": 1.5, "warm_first_results": 5.0, "cold_window": 2.0},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("baseline_spawn_s", "ratios")}, indent=2))
    print(f"warm: window {warm_summary['median_window_shown_s']} s, first results "
          f"{warm_summary['median_first_results_s']} s, first thumbnail {warm_summary['median_first_thumbnail_s']} s; cold: window {cold_summary['median_window_shown_s']} s, "
          f"first results {cold_summary['median_first_results_s']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
