"""Experiment (not shipped): sharpen the fast map with one backward pass.

Variants of the drawn map on the same pairs, scored by insertion/deletion AUC and by the pointing
game per theme kind (demo ground truth):
- ``current``: the shipped map (exact cell terms relative to the blank image × content weight);
- ``current x (1 + β gxi+)``: that map × (1 + β·g), g the smoothed positive part of
  gradient × (image − white), scaled to [0, 1];
- ``cells x relu(gxi) within cell``: the cell terms spread inside each cell by g;
- ``gradxinput alone``: gradient × (image − white), summed over channels.

    .venv/bin/python bench/experiments/fast_map_detail_experiment.py CATALOGUE SPLIT PAIRS [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.ground_truth import read_ground_truth
from sane_desktop.explain import get_explainer
from sane_desktop.explain.base import upsample
from sane_desktop.explain.fast import _terms, content_weight, fill_image
from sane_desktop.explain.metrics import (
    box_to_crop,
    perturbation_curves,
    pointing_hit,
    summarise_curves,
    white_background,
)
from sane_desktop.explain.pairs import PairImages, pair_space, sample_pairs
from sane_desktop.models.checkpoint import load_checkpoint

MODEL = Path(__file__).resolve().parents[2] / "sane_desktop" / "resources" / "models" / "demo.pt"
SEED = 1


def smooth(weight: Tensor, size: int = 5) -> Tensor:
    return F.avg_pool2d(weight[None, None], size, 1, size // 2, count_include_pad=False)[0, 0]


def grad_input(model, image: Tensor, reference: Tensor, space: int, white: Tensor) -> Tensor:
    """(H, W) gradient of the type-space cosine × (image − white), summed over channels."""
    x = image[None].clone().requires_grad_(True)
    score = (model.project(model(x), space) * model.project(reference[None], space)).sum()
    (grad,) = torch.autograd.grad(score, x)
    return (grad[0] * (image - white)).sum(0).detach()


def within_cell(weight: Tensor, side: int = 7) -> Tensor:
    """Weights relative to their own cell's mean, so each cell keeps its total."""
    w = smooth(weight)
    local = upsample(F.adaptive_avg_pool2d(w[None, None], side)[0, 0], tuple(w.shape), "bilinear")
    return w / local.clamp_min(1e-6 * float(w.mean()) + 1e-12)


def variant_maps(fast, model, prep, image, reference, space, white) -> dict[str, Tensor]:
    with torch.inference_mode():
        cells, blank = fast.cells(image[None])[0], fast.baseline_cells(tuple(image.shape[-2:]))
        mask = model.space_masks()[space].float()
        unit = reference.float() * mask
        unit = unit / unit.norm()
        terms = (_terms(cells, mask, unit) - _terms(blank, mask, unit)).reshape(7, 7)
    drawn = upsample(terms, tuple(image.shape[-2:]), fast.settings.map_mode)
    current = drawn * content_weight(image, prep)
    gxi = grad_input(model, image, reference, space, white)
    positive = smooth(gxi.clamp_min(0))
    positive = positive / positive.max().clamp_min(1e-12)
    return {
        "current": current,
        **{f"current x (1 + {beta} gxi+)": current * (1 + beta * positive) for beta in (1, 3, 10)},
        "cells x relu(gxi) within cell": drawn * within_cell(gxi.clamp_min(0)),
        "gradxinput alone": gxi,
    }


def true_box(truth, pair, by_id) -> tuple[str, tuple[int, int, int, int]] | None:
    if not pair.positive:
        return None
    outfit, item = truth["outfits"][pair.outfit], truth["items"][pair.query]
    box = item["regions"].get(outfit.get("region", "garment"))
    if not box:
        return None
    return outfit["theme_kind"], box_to_crop(box, (by_id[pair.query].width, by_id[pair.query].height), 112)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue")
    parser.add_argument("split")
    parser.add_argument("pairs", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    catalogue, truth = read_catalogue(args.catalogue), read_ground_truth(args.catalogue)
    bundle = load_checkpoint(MODEL)
    model, prep = bundle.compatibility.eval(), bundle.preprocessing
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    images = PairImages(catalogue, bundle)
    fast = get_explainer("fast", model, preprocessing=prep)
    background, white = white_background(prep.mean, prep.std), fill_image((prep.size, prep.size), prep)

    scores = defaultdict(lambda: {"insertion": [], "deletion": [], "hits": defaultdict(list)})
    for pair in sample_pairs(catalogue, args.split, args.pairs, SEED, model.categories):
        query = images[pair.query]
        space = pair_space(bundle, images.by_id, pair)
        reference = fast.embed(images[pair.candidate][None])[0]
        box = true_box(truth, pair, images.by_id)
        for name, saliency in variant_maps(fast, model, prep, query, reference, space, white).items():
            saliency = saliency.float().numpy()
            insertion, deletion = perturbation_curves(model, query, saliency, reference, space, background)
            scores[name]["insertion"].append(insertion)
            scores[name]["deletion"].append(deletion)
            if box:
                scores[name]["hits"][box[0]].append(pointing_hit(saliency, box[1]))

    results = {"catalogue": args.catalogue, "split": args.split, "pairs": args.pairs, "seed": SEED,
               "model": "sane_desktop/resources/models/demo.pt", "variants": {}}
    for name, s in scores.items():
        every_hit = [hit for hits in s["hits"].values() for hit in hits]
        row = {"insertion_auc": summarise_curves(s["insertion"]).auc,
               "deletion_auc": summarise_curves(s["deletion"]).auc,
               "pointing": float(np.mean(every_hit)),
               "pointing_by_theme_kind": {kind: round(float(np.mean(h)), 2) for kind, h in s["hits"].items()}}
        results["variants"][name] = row
        print(f"{args.split} {name:32s} ins {row['insertion_auc']:.3f} del {row['deletion_auc']:.3f} "
              f"pointing {row['pointing']:.2f} {row['pointing_by_theme_kind']}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
