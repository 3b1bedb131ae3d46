"""Where do the maps point on a drawn catalogue's motif pairs? (issue 17: motif pointing ≥ 0.60).
Validation pairs only, so the held-out studio style is never looked at.

    .venv/bin/python bench/experiments/motif_pointing.py CATALOGUE MODEL [--split valid] [--pairs 200] [--json OUT]

For each positive pair whose outfit is explained by a motif (the drawn world's ground truth), on the
query item: whether the maximum of ``fast``'s map, of ``fast_detail``'s, and of the attribute
network's own map for the true motif attribute (bicubic from its 7×7 cells) falls inside the motif's
box (the pointing game), and the rank (0 = first of 49) of the cell holding the box's centre among the
pair's exact cell terms and among the motif attribute's cells. A rank near 24 says the similarity does
not depend on the motif at all, which no finer drawing of the map can repair.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.explain import get_explainer
from sane_desktop.explain.base import upsample
from sane_desktop.explain.fast import cell_attribution
from sane_desktop.explain.metrics import box_to_crop, pointing_hit
from sane_desktop.explain.pairs import PairImages, pair_space, sample_pairs
from sane_desktop.models import load_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--split", default="valid")
    parser.add_argument("--pairs", type=int, default=200, help="pairs drawn (half positive); motif pairs are a share")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    bundle = load_checkpoint(args.model)
    model = bundle.compatibility.eval()
    truth = json.loads((args.catalogue / "ground_truth.json").read_text())
    images, prep = PairImages(catalogue, bundle), bundle.preprocessing
    fast = get_explainer("fast", model, preprocessing=prep)
    detail = get_explainer("fast_detail", model, preprocessing=prep)
    names = list(bundle.attributes.attributes) if bundle.attributes is not None else []
    blank = fast.baseline_cells((prep.size, prep.size))
    rows = []
    for pair in sample_pairs(catalogue, args.split, args.pairs, 0, model.categories):
        outfit, item = truth["outfits"].get(pair.outfit), truth["items"].get(pair.query)
        if not pair.positive or outfit is None or item is None or outfit.get("region") != "motif":
            continue
        record = images.by_id[pair.query]
        image_size = (record.width, record.height) if record.width and record.height else tuple(truth["image_size"])
        crop = box_to_crop(item["regions"]["motif"], image_size, prep.size)
        query, candidate = images[pair.query], images[pair.candidate]
        space = pair_space(bundle, images.by_id, pair)
        reference = fast.embed(candidate[None])[0]
        fast_map, _ = fast.explain_map(query, reference, space)
        detail_map, _ = detail.explain_map(query, reference, space)
        cells = fast.cells(torch.stack([query, candidate]))
        side = round(cells.shape[1] ** 0.5)
        with torch.inference_mode():
            mask = model.space_masks()[space].float()
            terms = cell_attribution(cells[0], cells[1:2], mask, blank).query_terms[0].reshape(side, side)
        top, left, bottom, right = crop
        row_cell = min(side - 1, int((top + bottom) / 2 * side / prep.size))
        col_cell = min(side - 1, int((left + right) / 2 * side / prep.size))
        row = {"query": pair.query, "candidate": pair.candidate, "theme": outfit["theme"],
               "box_share": round((bottom - top) * (right - left) / prep.size ** 2, 4),
               "fast": pointing_hit(fast_map.numpy(), crop), "fast_detail": pointing_hit(detail_map.numpy(), crop),
               "motif_cell_rank": int((terms > terms[row_cell, col_cell]).sum())}
        if bundle.attributes is not None and outfit["theme"] in names:
            with torch.inference_mode():
                _, maps = bundle.attributes(query[None])
            theme_map = maps[0, names.index(outfit["theme"])].float()
            row["attribute_map"] = pointing_hit(upsample(theme_map, (prep.size, prep.size), "bicubic").numpy(), crop)
            row["attribute_cell_rank"] = int((theme_map > theme_map[row_cell, col_cell]).sum())
        rows.append(row)
    summary = {
        "catalogue": str(args.catalogue), "model": str(args.model), "split": args.split, "motif_pairs": len(rows),
        "cells": "exact cell terms of the query against the candidate, relative to the blank image",
        "pointing": {key: round(float(np.mean([r[key] for r in rows if key in r])), 3)
                     for key in ("fast", "fast_detail", "attribute_map") if any(key in r for r in rows)},
        "median_cell_rank": {key: float(np.median([r[key] for r in rows if key in r]))
                             for key in ("motif_cell_rank", "attribute_cell_rank") if any(key in r for r in rows)},
        "pairs": rows,
    }
    text = json.dumps(summary, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "pairs"}, indent=1))


if __name__ == "__main__":
    main()
