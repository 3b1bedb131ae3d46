"""Seconds and forward passes per explanation for fast, rise and sliding; RISE with reuse vs the
per-pair original in the same run. Writes ``bench/results/explain.json``.

    .venv/bin/python bench/bench_explain.py [--width 64] [--rise-masks 2000] [--device cpu|cuda|all]
        [--trunk efficientnet_lite0_colour --size 224]

Timings use a seeded, untrained CompatibilityNet (cost does not depend on the weights). ``fast_detail``
is the app's finer map for that trunk (``explain.fast.detail_settings``): the gradient refinement for
the from-scratch ResNet, the input enlarged twice for a Lite trunk.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from sane_desktop.explain import get_explainer
from sane_desktop.explain.fast import batch_cell_maps
from sane_desktop.explain.rise import RiseExplainer
from sane_desktop.models.compatibility import CompatibilityNet

CATEGORIES = ["all-body", "bags", "bottoms", "hats", "outerwear", "shoes", "tops"]
RESULTS = Path(__file__).resolve().parent / "results" / "explain.json"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device: torch.device, repeats: int, warm_up: bool = True) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls, after one warm-up call unless told otherwise (the
    expensive methods run once; the fast path has warmed the model up by then)."""
    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        result = fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_device(device: torch.device, args: argparse.Namespace) -> dict:
    torch.manual_seed(0)
    model = CompatibilityNet(CATEGORIES, width=args.width, trunk=args.trunk).eval().to(device)
    images = torch.randn(1 + args.reuse_k, 3, args.size, args.size, generator=torch.Generator().manual_seed(0))
    query, candidate = images[0], images[1]
    space = model.space_index(2, 6)
    out: dict = {"device": str(device), "width": args.width, "trunk": args.trunk, "size": args.size}

    fast = get_explainer("fast", model)
    seconds, result = timed(lambda: fast.explain(query, candidate, space), device, args.repeats)
    out["fast"] = {"seconds_per_explanation": seconds, "forward_passes": result.forward_passes}
    detail = get_explainer("fast_detail", model)  # by trunk: a backward pass through the pair's forward, or zoom
    seconds, result = timed(lambda: detail.explain(query, candidate, space), device, args.repeats)
    out["fast_detail"] = {"seconds_per_explanation": seconds, "forward_passes": result.forward_passes,
                          "backward_passes": 1 if detail.settings.refine else 0, "zoom": detail.settings.zoom}

    # maps for a page of results from stored cells: no forward pass at all
    with torch.inference_mode():
        cells = model.cells(images.to(device)).float()
    masks = model.space_masks()[torch.full((args.page,), space)].detach()
    page_cells = cells[1:2].expand(args.page, -1, -1).contiguous()
    seconds, _ = timed(lambda: batch_cell_maps(cells[0], page_cells, masks), device, args.repeats)
    out["fast_stored_cells"] = {"results": args.page, "seconds_per_page": seconds,
                                "seconds_per_result": seconds / args.page, "forward_passes": 0}

    if args.fast_only:
        return out

    if not args.no_sliding:
        sliding = get_explainer("sliding", model, batch_size=args.batch_size)
        seconds, result = timed(lambda: sliding.explain(query, candidate, space), device, 1, warm_up=False)
        out["sliding"] = {"seconds_per_explanation": seconds, "forward_passes": result.forward_passes}

    rise = RiseExplainer(model, n_masks=args.rise_masks, batch_size=args.batch_size)
    seconds, result = timed(lambda: rise.explain(query, candidate, space), device, 1, warm_up=False)
    out["rise"] = {"seconds_per_explanation": seconds, "forward_passes": result.forward_passes,
                   "masks": args.rise_masks}

    # RISE reuse: one query's masked embeddings serve K candidates (query maps only, both ways)
    reuse = RiseExplainer(model, n_masks=args.reuse_masks, batch_size=args.batch_size)
    references = reuse.embed(images[1:])
    spaces = torch.tensor([model.space_index(2, c % len(CATEGORIES)) for c in range(args.reuse_k)])
    shared_s, shared_maps = timed(lambda: reuse.explain_many(query, references, spaces), device, 1, warm_up=False)

    def per_pair():
        return torch.stack([reuse.explain_map(query, references[k], int(spaces[k]))[0] for k in range(args.reuse_k)])

    per_pair_s, per_pair_maps = timed(per_pair, device, 1, warm_up=False)
    out["rise_reuse"] = {
        "candidates": args.reuse_k, "masks": args.reuse_masks,
        "seconds_with_reuse": shared_s, "seconds_per_pair_original": per_pair_s,
        "speedup": per_pair_s / shared_s,
        "forward_passes_per_pair_with_reuse": args.reuse_masks / args.reuse_k,
        "forward_passes_per_pair_original": args.reuse_masks,
        "max_abs_difference": float((shared_maps - per_pair_maps).abs().max()),
    }
    out["ratios"] = {
        "rise_over_fast_seconds": out["rise"]["seconds_per_explanation"] / out["fast"]["seconds_per_explanation"],
        "rise_over_fast_detail_seconds": (out["rise"]["seconds_per_explanation"]
                                          / out["fast_detail"]["seconds_per_explanation"]),
    }
    if "sliding" in out:
        out["ratios"]["sliding_over_fast_seconds"] = (out["sliding"]["seconds_per_explanation"]
                                                      / out["fast"]["seconds_per_explanation"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=64, help="trunk width (64 = ResNet-18)")
    parser.add_argument("--trunk", default="resnet18", help="resnet18, efficientnet_lite0, efficientnet_lite0_colour")
    parser.add_argument("--size", type=int, default=112, help="input side in px (224 for a Lite trunk)")
    parser.add_argument("--rise-masks", type=int, default=2000)
    parser.add_argument("--reuse-masks", type=int, default=250)
    parser.add_argument("--reuse-k", type=int, default=8)
    parser.add_argument("--page", type=int, default=100, help="results per page for stored-cell maps")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=125)
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--fast-only", action="store_true", help="time only the fast paths")
    parser.add_argument("--no-sliding", action="store_true", help="leave out the sliding window")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = []
    if args.device in ("cpu", "all"):
        devices.append(torch.device("cpu"))
    if args.device in ("cuda", "all") and torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    report = {"torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
              "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
              "args": {k: str(v) for k, v in vars(args).items()},
              "results": [bench_device(device, args) for device in devices]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
