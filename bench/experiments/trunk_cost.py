"""Forward cost of the colour-cells trunk against the plain EfficientNet-Lite0, same process, same
batches, alternating rounds (the colour cells' HSV binning is the only difference; issue 16's
indexing throughput is bounded by this forward pass and by decoding).

    .venv/bin/python bench/experiments/trunk_cost.py [--batch 32] [--rounds 5] [--json results/trunk_cost.json]

Prints images/s for each trunk and the ratio colour / plain (< 1: the colour trunk is slower).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from sane_desktop.models.backbone import EFFICIENTNET_LITE0, EFFICIENTNET_LITE0_COLOUR, make_trunk


def images_per_second(trunk: torch.nn.Module, batch: torch.Tensor) -> float:
    started = time.perf_counter()
    with torch.inference_mode():
        trunk(batch)
    return batch.shape[0] / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    trunks = {kind: make_trunk(kind).eval().to(memory_format=torch.channels_last)
              for kind in (EFFICIENTNET_LITE0, EFFICIENTNET_LITE0_COLOUR)}
    batch = (torch.rand(args.batch, 3, args.size, args.size) * 2 - 1).contiguous(memory_format=torch.channels_last)
    for trunk in trunks.values():  # warm-up (allocator, kernels)
        images_per_second(trunk, batch)
    rates: dict[str, list[float]] = {kind: [] for kind in trunks}
    for _ in range(args.rounds):  # alternating: a load change hits both
        for kind, trunk in trunks.items():
            rates[kind].append(images_per_second(trunk, batch))
    median = {kind: statistics.median(values) for kind, values in rates.items()}
    report = {"benchmark": "trunk forward cost, CPU, same process", "batch": args.batch, "image_size": args.size,
              "rounds": args.rounds, "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
              "images_per_s": {k: round(v, 1) for k, v in median.items()},
              "colour_over_plain": round(median[EFFICIENTNET_LITE0_COLOUR] / median[EFFICIENTNET_LITE0], 3),
              "load_average_1min_at_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
