"""Experiment: finer maps for small regions (issue 17 point 3); its choice is shipped as ``fast_detail``.

A 7×7 cell of Lite0 at 224 px is 32 px wide; the demo's motif boxes cover 1–3.5 % of the image. On
positive motif pairs of a drawn catalogue's *validation* split (the held-out studio style is never
looked at), the pointing game (the drawn map's maximum inside the motif's box) of, each × the content
weight as the app draws:
- ``fast``: the shipped one-pass exact map;
- ``fast_detail``: the app's ``fast_detail`` for this model's trunk (``explain.fast.detail_settings``);
- ``shift16 geo``: shift and stitch (Long et al., CVPR 2015, FCN §3.2): four passes of the image
  shifted by half a cell (16 px, white-filled), each pass's exact terms drawn back at their place,
  combined by the geometric mean of their positive parts;
- ``zoom2``/``zoom3``: the exact terms of the input enlarged 2×/3× (bilinear), relative to the blank
  image of that size: a 14×14 (21×21) grid over the same picture;
- ``rise160``: RISE with 160 masks, the window's refinement on a CPU for a Lite0 trunk.
With ``--curves N``, insertion/deletion AUC on the first N validation pairs (both signs) too, and each
variant's paired difference from ``rise160`` (95 % bootstrap over pairs) when it ran.

    .venv/bin/python bench/experiments/finer_maps.py CATALOGUE MODEL [--pairs 400] [--curves 40]
        [--variants fast,fast_detail,zoom2,rise160] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from sane_desktop.catalogue import read_catalogue
from sane_desktop.explain import get_explainer
from sane_desktop.explain.base import upsample
from sane_desktop.explain.fast import _terms, fill_image
from sane_desktop.explain.metrics import (
    box_to_crop,
    paired_difference,
    perturbation_curves,
    pointing_hit,
    summarise_curves,
    white_background,
)
from sane_desktop.explain.pairs import PairImages, pair_space, sample_pairs
from sane_desktop.models import load_checkpoint

SHIFT = 16  # px at 224: half a 32-px cell


def shifted(image: Tensor, white: Tensor, dy: int, dx: int) -> Tensor:
    """The image moved down by dy and right by dx, the uncovered strip white."""
    out = white.clone()
    h, w = image.shape[-2:]
    out[:, dy:, dx:] = image[:, :h - dy, :w - dx]
    return out


def unshift(drawn: Tensor, dy: int, dx: int) -> Tensor:
    """A map of the shifted image, moved back onto the original's pixels (the strip lost: zero)."""
    out = torch.zeros_like(drawn)
    h, w = drawn.shape
    out[:h - dy, :w - dx] = drawn[dy:, dx:]
    return out


def shifted_maps(fast, model, image: Tensor, unit: Tensor, mask: Tensor, white: Tensor, step: int) -> Tensor:
    """(P, H, W) drawn terms of the passes shifted by multiples of ``step`` px below one 32-px cell."""
    size = tuple(image.shape[-2:])
    offsets = range(0, 32, step)
    passes = [(dy, dx) for dy in offsets for dx in offsets]
    maps = []
    with torch.inference_mode():
        blank = fast.baseline_cells(size)
        for start in range(0, len(passes), 8):
            chunk = passes[start:start + 8]
            cells = fast.cells(torch.stack([shifted(image, white, dy, dx) for dy, dx in chunk]))
            side = round(cells.shape[1] ** 0.5)
            for (dy, dx), c in zip(chunk, cells):
                terms = (_terms(c, mask, unit) - _terms(blank, mask, unit)).reshape(side, side)
                maps.append(unshift(upsample(terms, size, fast.settings.map_mode), dy, dx))
    return torch.stack(maps)


def zoomed_map(fast, image: Tensor, unit: Tensor, mask: Tensor, prep, factor: int) -> Tensor:
    """Terms of the image enlarged ``factor`` times (a finer grid of the same cells), drawn back at 224."""
    size = tuple(image.shape[-2:])
    big = torch.nn.functional.interpolate(image[None], scale_factor=factor, mode="bilinear", align_corners=False)
    with torch.inference_mode():
        cells = fast.cells(big)[0]
        blank = fast.cells(fill_image(tuple(big.shape[-2:]), prep)[None])[0]
        side = round(cells.shape[0] ** 0.5)
        terms = (_terms(cells, mask, unit) - _terms(blank, mask, unit)).reshape(side, side)
    return upsample(terms, size, fast.settings.map_mode)


def variant_maps(fast, detail, model, prep, image: Tensor, reference: Tensor, space: int, white: Tensor,
                 wanted: set[str]) -> dict[str, Tensor]:
    with torch.inference_mode():
        mask = model.space_masks()[space].float()
        unit = reference.float() * mask
        unit = unit / unit.norm()
        weight = fast.content_weight(image)
    maps: dict[str, Tensor] = {}
    if wanted & {"fast", "shift16 geo"}:
        half = shifted_maps(fast, model, image, unit, mask, white, SHIFT)
        maps["fast"] = half[0] * weight
        maps["shift16 geo"] = half.clamp_min(0).prod(0).pow(1 / len(half)) * weight
    if "fast_detail" in wanted:
        maps["fast_detail"], _ = detail.explain_map(image, reference, space)
    for factor in (2, 3):
        if f"zoom{factor}" in wanted:
            maps[f"zoom{factor}"] = zoomed_map(fast, image, unit, mask, prep, factor) * weight
    if "rise160" in wanted:  # the window's refinement on a CPU for a Lite0 trunk (CPU_RISE_MASKS)
        maps["rise160"], _ = get_explainer("rise", model, n_masks=160, seed=0).explain_map(image, reference, space)
    return {name: m for name, m in maps.items() if name in wanted}


VARIANTS = ("fast", "fast_detail", "shift16 geo", "zoom2", "zoom3", "rise160")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--split", default="valid")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--curves", type=int, default=0, help="insertion/deletion on this many pairs")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of " + ", ".join(VARIANTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    bundle = load_checkpoint(args.model)
    model, prep = bundle.compatibility.eval(), bundle.preprocessing
    truth = json.loads((args.catalogue / "ground_truth.json").read_text())
    images = PairImages(catalogue, bundle)
    fast = get_explainer("fast", model, preprocessing=prep)
    detail = get_explainer("fast_detail", model, preprocessing=prep)
    wanted = set(args.variants.split(","))
    white = fill_image((prep.size, prep.size), prep)
    background = white_background(prep.mean, prep.std)
    hits: dict[str, list[bool]] = defaultdict(list)
    curves: dict[str, dict[str, list[np.ndarray]]] = defaultdict(lambda: {"insertion": [], "deletion": []})
    started, curve_pairs = time.perf_counter(), 0
    for pair in sample_pairs(catalogue, args.split, args.pairs, 0, model.categories):
        outfit, item = truth["outfits"].get(pair.outfit), truth["items"].get(pair.query)
        motif = pair.positive and outfit is not None and item is not None and outfit.get("region") == "motif"
        want_curves = curve_pairs < args.curves
        if not motif and not want_curves:
            continue
        query, reference = images[pair.query], fast.embed(images[pair.candidate][None])[0]
        space = pair_space(bundle, images.by_id, pair)
        maps = variant_maps(fast, detail, model, prep, query, reference, space, white, wanted)
        if motif:
            record = images.by_id[pair.query]
            image_size = (record.width, record.height) if record.width and record.height else tuple(truth["image_size"])
            crop = box_to_crop(item["regions"]["motif"], image_size, prep.size)
            for name, saliency in maps.items():
                hits[name].append(pointing_hit(saliency.numpy(), crop))
        if want_curves:
            curve_pairs += 1
            for name, saliency in maps.items():
                insertion, deletion = perturbation_curves(model, query, saliency.float().numpy(), reference, space,
                                                          background)
                curves[name]["insertion"].append(insertion)
                curves[name]["deletion"].append(deletion)
    summary = {
        "catalogue": str(args.catalogue), "model": str(args.model), "split": args.split, "pairs": args.pairs,
        "motif_pairs": len(next(iter(hits.values()), [])), "curve_pairs": curve_pairs, "shift_px": SHIFT,
        "seconds": round(time.perf_counter() - started, 1),
        "pointing_motif": {name: round(float(np.mean(h)), 3) for name, h in hits.items()},
        "curves": {name: {"insertion_auc": round(summarise_curves(c["insertion"]).auc, 4),
                          "deletion_auc": round(summarise_curves(c["deletion"]).auc, 4)}
                   for name, c in curves.items()},
        # Per-pair AUC differences against RISE-160 (the window's CPU refinement) with a 95 % bootstrap.
        "vs_rise160": {name: {kind: paired_difference(c[kind], curves["rise160"][kind])
                              for kind in ("insertion", "deletion")}
                       for name, c in curves.items() if name != "rise160" and "rise160" in curves},
    }
    text = json.dumps(summary, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
