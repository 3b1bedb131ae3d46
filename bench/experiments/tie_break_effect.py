"""How much the tie handling of this stop (trial AI) moves the demo's explanation figures: the
insertion/deletion AUC with equally salient pixels taken top rows first (before) or in the fixed
scattered order (now), and the pointing game with the first tied maximum (before) or the share of
tied maxima in the box (now), on the same test pairs. Writes JSON.

    .venv/bin/python bench/experiments/tie_break_effect.py CATALOGUE --model CKPT [--pairs 40] [--seed 5]
        [--out bench/experiments/results/explain_tie_break_effect.json]

CATALOGUE must carry ground truth (a demo catalogue). "before" puts the former rules back for the
run (module attributes swapped, then restored): an experiment of the two rules, never the app's path.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.ground_truth import read_ground_truth
from sane_desktop.explain import evaluation, metrics, oracle
from sane_desktop.explain.evaluation import evaluate_explanations
from sane_desktop.explain.pipeline import SelectionModel
from sane_desktop.models.checkpoint import load_checkpoint

RESULTS = Path(__file__).resolve().parent / "results" / "explain_tie_break_effect.json"
SELECTION = Path(__file__).resolve().parents[2] / "sane_desktop" / "resources" / "models" / "demo.selection.json"


def _ranks_by_position(saliency: np.ndarray | torch.Tensor) -> torch.Tensor:
    flat = torch.as_tensor(np.asarray(saliency, dtype=np.float32)).flatten()
    order = torch.argsort(-flat, stable=True)
    ranks = torch.empty_like(order)
    ranks[order] = torch.arange(flat.numel())
    return ranks


def _first_maximum(saliency: np.ndarray, box: tuple[int, int, int, int]) -> float:
    row, col = np.unravel_index(int(np.argmax(saliency)), saliency.shape)
    top, left, bottom, right = box
    return float(top <= row < bottom and left <= col < right)


@contextmanager
def former_rules() -> Iterator[None]:
    saved = metrics.pixel_ranks, oracle.pixel_ranks, evaluation.pointing_hit
    metrics.pixel_ranks = oracle.pixel_ranks = _ranks_by_position
    evaluation.pointing_hit = _first_maximum
    try:
        yield
    finally:
        metrics.pixel_ranks, oracle.pixel_ranks, evaluation.pointing_hit = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    catalogue, truth = read_catalogue(args.catalogue), read_ground_truth(args.catalogue)
    if not truth:
        raise SystemExit(f"{args.catalogue} has no ground truth: use a demo catalogue")
    bundle = load_checkpoint(args.model)
    if bundle.attributes is None:
        raise SystemExit(f"{args.model} has no attribute network: the oracle accuracy needs one")
    selection = SelectionModel.load(SELECTION, list(bundle.attributes.attributes))
    runs = {}
    for name in ("before", "now"):
        with former_rules() if name == "before" else nullcontext():
            report, _ = evaluate_explanations(catalogue, bundle, args.pairs, ["fast", "random"], args.seed,
                                              ground_truth=truth, fixed_selection=selection)
        runs[name] = {method: {"insertion_auc": fig["insertion"]["auc"], "deletion_auc": fig["deletion"]["auc"]}
                      for method, fig in report["saliency"].items()}
        runs[name]["pointing_game_fast"] = report["ground_truth"]["pointing_game"]["fast"]
        runs[name]["oracle_top1"] = {rule: acc["top1"] for rule, acc in report["attributes"]["oracle_accuracy"].items()}
        print(name, json.dumps(runs[name]), flush=True)
    result = {"catalogue": str(args.catalogue), "model": str(args.model), "split": "test", "pairs": args.pairs,
              "seed": args.seed, "runs": runs}
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
