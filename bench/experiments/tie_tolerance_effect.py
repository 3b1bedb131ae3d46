"""How much FITB's and AUC's float-noise tie tolerance of this stop (trial AL: distances within 1e-5,
relative, are one value) moves a model's figures: the same test questions scored with the tolerance
(now) and with exact equality only (before). Writes JSON.

    .venv/bin/python bench/experiments/tie_tolerance_effect.py CATALOGUE --model CKPT
        [--out bench/experiments/results/tie_tolerance_effect.json]

"before" sets the tolerance to 0 for the run (the module attribute swapped, then restored): an
experiment of the two rules, never the app's path.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sane_desktop.models.checkpoint import load_checkpoint
from sane_desktop.service.sources import read_source
from sane_desktop.training import evaluation
from sane_desktop.training.report import evaluate

RESULTS = Path(__file__).resolve().parent / "results" / "tie_tolerance_effect.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    catalogue, bundle = read_source(args.catalogue), load_checkpoint(args.model)  # as the app reads it (mappings)
    runs = {}
    saved = evaluation.TIE_TOLERANCE
    for name, tolerance in (("before", 0.0), ("now", saved)):
        evaluation.TIE_TOLERANCE = tolerance
        try:
            report = evaluate(catalogue, bundle, "test", keep_answers=True, baselines=False)
        finally:
            evaluation.TIE_TOLERANCE = saved
        headline = report["protocols"][report["headline"]]
        runs[name] = {"tolerance": tolerance, "fitb": headline["methods"]["model"]["fitb"],
                      "auc": headline["methods"]["model"]["auc"], "questions": headline["counts"]["fitb"],
                      "answers": headline["fitb_answers"]}
        print(name, runs[name]["fitb"], runs[name]["auc"], flush=True)
    moved = sum(1 for key, right in runs["now"]["answers"].items() if runs["before"]["answers"].get(key) != right)
    result = {"catalogue": str(args.catalogue), "model": str(args.model), "split": "test",
              "protocol": report["headline"], "questions": runs["now"]["questions"], "questions_moved": moved,
              "runs": {name: {k: v for k, v in run.items() if k != "answers"} for name, run in runs.items()}}
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
