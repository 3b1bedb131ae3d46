"""Per-kind attribute recognition of a frozen-trunk model on a catalogue's held-out items (issue 16/17:
does a trunk name colours?): for each labelled kind (``colour`` of ``colour:black``), top-1 accuracy
of the kind's most probable value on the test items labelled with exactly one value of it, and the
kind's attribute mAP. Heads are applied to the cached pooled trunk features (the same numbers as
from images, the heads being linear per cell).

    .venv/bin/python bench/experiments/attribute_kinds.py CATALOGUE MODEL [MODEL ...] [--split valid] --json OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.splits import attribute_vocabulary
from sane_desktop.explain.weak_truth import held_out_items
from sane_desktop.models import load_checkpoint
from sane_desktop.training.data import attribute_targets
from sane_desktop.training.evaluation import mean_average_precision
from sane_desktop.training.features import pooled_features


def kind_figures(catalogue, model: Path, split: str = "test") -> dict:
    bundle = load_checkpoint(model)
    assert bundle.attributes is not None and bundle.config.get("trunk_frozen"), "a frozen-trunk model with attributes"
    names, labels = attribute_vocabulary(catalogue)
    assert names == list(bundle.attributes.attributes), "the model was trained on another vocabulary"
    test = held_out_items(catalogue, split)
    pooled = pooled_features(catalogue, test, bundle)
    head = bundle.attributes.head
    with torch.no_grad():
        scores = torch.sigmoid(torch.nn.functional.linear(pooled.features[pooled.rows(test)], head.weight.flatten(1),
                                                          head.bias)).numpy()
    targets = attribute_targets(test, names, labels).numpy()
    out: dict = {"model": str(model), "trunk": bundle.compatibility.trunk.kind, "test_items": len(test),
                 "attribute_map": mean_average_precision(scores, targets), "kinds": {}}
    for kind in sorted({n.split(":", 1)[0] for n in names if ":" in n}):
        cols = [j for j, n in enumerate(names) if n.startswith(kind + ":")]
        one = targets[:, cols].sum(1) == 1
        if len(cols) < 2 or not one.any():
            continue
        top1 = float((scores[one][:, cols].argmax(1) == targets[one][:, cols].argmax(1)).mean())
        out["kinds"][kind] = {"values": len(cols), "items": int(one.sum()), "top1": round(top1, 3),
                              "map": round(float(mean_average_precision(scores[:, cols], targets[:, cols]) or 0), 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--split", default="test", choices=("test", "valid"),
                        help="held-out items of this split (valid: for choices, test: for reporting)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    report = {"catalogue": str(args.catalogue), "split": f"{args.split} (held-out items)",
              "models": [kind_figures(catalogue, m, args.split) for m in args.models]}
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
