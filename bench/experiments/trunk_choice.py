"""Which trunk is the default: two models' FITB on the same *valid* questions, question by question,
with a paired bootstrap of the difference (issue 16; test questions are never looked at here).

    .venv/bin/python bench/experiments/trunk_choice.py CATALOGUE MODEL_A MODEL_B [--split valid] [--json OUT]

Runs :func:`sane_desktop.training.report.evaluate` for each model (every protocol of the catalogue)
with ``keep_answers`` (each FITB question's answer, keyed by outfit and question items), and prints per
protocol: FITB and AUC of both, the mean paired difference B − A and its 95 % bootstrap interval
(5,000 resamples of the questions, seed 0).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from sane_desktop.catalogue import read_catalogue
from sane_desktop.models import load_checkpoint
from sane_desktop.training import report


def evaluated(catalogue_root: Path, model: Path, split: str) -> dict[str, Any]:
    """The evaluation's report of ``model`` on ``split``, with each protocol's per-question answers."""
    return report.evaluate(read_catalogue(catalogue_root), load_checkpoint(model), split, keep_answers=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model_a", type=Path)
    parser.add_argument("model_b", type=Path)
    parser.add_argument("--split", default="valid")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    runs = [evaluated(args.catalogue, m, args.split) for m in (args.model_a, args.model_b)]
    rng = np.random.default_rng(0)
    result: dict[str, Any] = {"catalogue": str(args.catalogue), "split": args.split,
                              "model_a": str(args.model_a), "model_b": str(args.model_b), "protocols": {}}
    for protocol, figures in runs[0]["protocols"].items():
        a, b = figures["fitb_answers"], runs[1]["protocols"].get(protocol, {}).get("fitb_answers", {})
        keys = sorted(set(a) & set(b))
        diff = np.array([float(b[k]) - float(a[k]) for k in keys])
        boots = [float(diff[rng.integers(0, len(diff), len(diff))].mean()) for _ in range(5000)]
        low, high = np.percentile(boots, [2.5, 97.5])
        result["protocols"][protocol] = {
            "questions": len(keys),
            "fitb": [run["protocols"][protocol]["methods"]["model"]["fitb"] for run in runs],
            "auc": [run["protocols"][protocol]["methods"]["model"]["auc"] for run in runs],
            "fitb_difference_b_minus_a": float(diff.mean()), "interval_95": [float(low), float(high)]}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
