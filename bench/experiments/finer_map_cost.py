"""Experiment: the window's CPU refinement for a Lite trunk, timed — the finer map (``fast_detail``,
the pictures enlarged) against RISE with the 160 masks the window ran on a CPU before it stopped at
the finer map. Same model, same 5 pairs (after one warm-up pair), same process, 2 threads.

    .venv/bin/python bench/experiments/finer_map_cost.py CATALOGUE MODEL [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.explain import get_explainer
from sane_desktop.explain.pairs import PairImages
from sane_desktop.models import load_checkpoint

PAIRS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    bundle = load_checkpoint(args.model)
    model, prep = bundle.compatibility.eval(), bundle.preprocessing
    images = PairImages(catalogue, bundle)
    ids = [item.item_id for item in catalogue.items[: PAIRS + 3]]
    methods = {"fast_detail": get_explainer("fast_detail", model, preprocessing=prep),
               "rise160": get_explainer("rise", model, n_masks=160, seed=0, size=prep.size)}
    result: dict[str, object] = {"catalogue": str(args.catalogue), "model": str(args.model), "pairs": PAIRS}
    for name, explainer in methods.items():
        explainer.explain(images[ids[0]], images[ids[1]], 0)  # warm-up: the blank image's pass, allocations
        started = time.perf_counter()
        for a, b in zip(ids[2:], ids[3:]):
            saliency = explainer.explain(images[a], images[b], 0)
        result[name] = {"seconds_per_pair": round((time.perf_counter() - started) / PAIRS, 3),
                        "forward_passes": saliency.forward_passes}
    fast, rise = result["fast_detail"], result["rise160"]
    assert isinstance(fast, dict) and isinstance(rise, dict)
    result["ratio_rise160_to_fast_detail"] = round(rise["seconds_per_pair"] / fast["seconds_per_pair"], 1)
    result["load_average"] = os.getloadavg()
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
