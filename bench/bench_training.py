"""Training throughput of the trunk variants (forward + backward, images per second), as ratios
against full-width ResNet-18-through-layer3 at 112 px in the same process.

    .venv/bin/python bench/bench_training.py [--repeats N] [--out FILE]  ->  bench/results/bench_training.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from sane_desktop.models import CompatibilityNet

VARIANTS = [(64, 112), (32, 112), (16, 112), (16, 64)]


def images_per_second(width: int, size: int, batch: int = 64, repeats: int = 3) -> float:
    torch.manual_seed(0)
    model = CompatibilityNet(["a", "b", "c"], width=width)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.randn(batch, 3, size, size)
    model(images).pow(2).sum().backward()  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        optimiser.zero_grad()
        model(images).pow(2).sum().backward()
        optimiser.step()
    return batch * repeats / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed steps per variant (default 3)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "bench_training.json")
    args = parser.parse_args()
    results = {f"width{w}_{s}px": images_per_second(w, s, repeats=args.repeats) for w, s in VARIANTS}
    baseline = results["width64_112px"]
    report = {"threads": torch.get_num_threads(), "load_average": os.getloadavg(), "images_per_second": results,
              "speedup_vs_width64_112px": {k: v / baseline for k, v in results.items()},
              "note": "shared 2-core machine: absolute numbers vary with load; ratios are the point"}
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
