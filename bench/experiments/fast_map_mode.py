"""Bicubic or bilinear drawing of the fast map's 7×7 cells: the pointing game (demo ground truth) and
insertion/deletion AUC of each, on the same test pairs. Writes JSON.

    .venv/bin/python bench/experiments/fast_map_mode.py CATALOGUE --model CKPT [--pairs 200] [--seed 5]
        [--out bench/experiments/results/explain_fast_map_mode.json]

CATALOGUE must carry ground truth (a demo catalogue). The mode is the fast explainer's
``map_mode`` setting, passed to the evaluation for each run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.ground_truth import read_ground_truth
from sane_desktop.explain.evaluation import evaluate_explanations
from sane_desktop.explain.fast import DEFAULT_MAP_MODE
from sane_desktop.explain.pipeline import SelectionModel
from sane_desktop.models.checkpoint import load_checkpoint

RESULTS = Path(__file__).resolve().parent / "results" / "explain_fast_map_mode.json"
SELECTION = Path(__file__).resolve().parents[2] / "sane_desktop" / "resources" / "models" / "demo.selection.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    catalogue, truth = read_catalogue(args.catalogue), read_ground_truth(args.catalogue)
    if not truth:
        raise SystemExit(f"{args.catalogue} has no ground truth: use a demo catalogue")
    bundle = load_checkpoint(args.model)
    selection = SelectionModel.load(SELECTION, list(bundle.attributes.attributes))  # attribute part not scored here
    shipped = DEFAULT_MAP_MODE
    modes = {}
    for mode in ("bilinear", "bicubic"):
        report, _ = evaluate_explanations(catalogue, bundle, args.pairs, ["fast"], args.seed,
                                          ground_truth=truth, fixed_selection=selection,
                                          method_settings={"fast": {"map_mode": mode}})
        saliency = report["saliency"]["fast"]
        modes[mode] = {"pointing_game": report["ground_truth"]["pointing_game"]["fast"],
                       "pointing_pairs": report["ground_truth"]["pointing_pairs"],
                       "insertion_auc": saliency["insertion"]["auc"], "deletion_auc": saliency["deletion"]["auc"]}
        print(mode, modes[mode], flush=True)
    result = {"catalogue": str(args.catalogue), "model": str(args.model), "split": "test", "pairs": args.pairs,
              "seed": args.seed, "shipped_mode": shipped, "modes": modes}
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
