"""Which trunk is the default: two models' FITB on the same *valid* questions, question by question,
with a paired bootstrap of the difference (issue 16; test questions are never looked at here).

    .venv/bin/python bench/experiments/trunk_choice.py CATALOGUE MODEL_A MODEL_B [--split valid] [--json OUT]

Runs :func:`sane_desktop.training.report.evaluate` for each model (every protocol of the catalogue),
records each FITB question's answer through the evaluation's own ``fitb_accuracy``, and prints per
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
from sane_desktop.training import evaluation, report


def per_question(catalogue_root: Path, model: Path, split: str) -> tuple[dict[str, Any], dict[str, dict[str, bool]]]:
    """(the evaluation's report, protocol -> question key -> the model answered right)."""
    calls: list[tuple[list[str], list[bool], float]] = []
    original = evaluation.fitb_accuracy

    def recording(distance, questions):  # type: ignore[no-untyped-def]
        accuracy = original(distance, questions)
        if questions:
            right = []
            for q in questions:
                left = [i for _ in q.answer_item_ids for i in q.question_item_ids]
                answers = [a for a in q.answer_item_ids for _ in q.question_item_ids]
                totals = distance(left, answers).reshape(len(q.answer_item_ids), len(q.question_item_ids)).sum(1)
                right.append(int(np.argmin(totals)) == q.correct)
            calls.append(([f"{q.outfit_id}:{','.join(q.question_item_ids)}" for q in questions], right, accuracy))
        return accuracy

    report.fitb_accuracy = recording  # type: ignore[assignment]
    try:
        out = report.evaluate(read_catalogue(catalogue_root), load_checkpoint(model), split)
    finally:
        report.fitb_accuracy = original  # type: ignore[assignment]
    answers = {}
    for protocol, figures in out["protocols"].items():
        fitb = figures["methods"]["model"]["fitb"]
        for keys, right, accuracy in calls:  # the model's call: its accuracy and question count
            if fitb is not None and abs(accuracy - fitb) < 1e-12 and len(keys) == figures["counts"]["fitb"]:
                answers[protocol] = dict(zip(keys, right))
                break
    return out, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model_a", type=Path)
    parser.add_argument("model_b", type=Path)
    parser.add_argument("--split", default="valid")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    runs = [per_question(args.catalogue, m, args.split) for m in (args.model_a, args.model_b)]
    rng = np.random.default_rng(0)
    result: dict[str, Any] = {"catalogue": str(args.catalogue), "split": args.split,
                              "model_a": str(args.model_a), "model_b": str(args.model_b), "protocols": {}}
    for protocol in runs[0][1]:
        a, b = runs[0][1][protocol], runs[1][1].get(protocol, {})
        keys = sorted(set(a) & set(b))
        diff = np.array([float(b[k]) - float(a[k]) for k in keys])
        boots = [float(diff[rng.integers(0, len(diff), len(diff))].mean()) for _ in range(5000)]
        low, high = np.percentile(boots, [2.5, 97.5])
        result["protocols"][protocol] = {
            "questions": len(keys),
            "fitb": [runs[0][0]["protocols"][protocol]["methods"]["model"]["fitb"],
                     runs[1][0]["protocols"][protocol]["methods"]["model"]["fitb"]],
            "auc": [runs[0][0]["protocols"][protocol]["methods"]["model"]["auc"],
                    runs[1][0]["protocols"][protocol]["methods"]["model"]["auc"]],
            "fitb_difference_b_minus_a": float(diff.mean()), "interval_95": [float(low), float(high)]}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
