"""The specificity rule's ceiling on a real catalogue (issue 17): with the catalogue's own labels in place
of the model's predictions, how often is "the rarest label both items carry" the weak-truth answer?

For the held-out weak-truth pairs of :func:`sane_desktop.explain.weak_truth.sample_weak_pairs` (the
test split, the kinds given), among the labels both items carry it picks the one with the lowest
Laplace-smoothed base rate on the training items (as the selection's specificity part does), over
all labels and over labelled values only (words mined from text left out). No model is involved:
what it measures is the rule, and what is left above it is recognition.

    python bench/experiments/specificity_ceiling.py ../shared/data/hm-articles colour,pattern

Writes ``bench/experiments/results/specificity_ceiling_<catalogue>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository, so that this runs without an installed package

from sane_desktop.catalogue import read_catalogue  # noqa: E402
from sane_desktop.catalogue.splits import attribute_vocabulary  # noqa: E402
from sane_desktop.explain.attribute_choice import base_rates, curated  # noqa: E402
from sane_desktop.explain.weak_truth import held_out_items, sample_weak_pairs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("kinds", help="comma-separated labelled kinds, e.g. colour,pattern")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    catalogue = read_catalogue(args.catalogue)
    names, labels = attribute_vocabulary(catalogue)
    rate = dict(zip(names, base_rates((labels.get(i, []) for i in held_out_items(catalogue, "train")), names)))
    pairs = sample_weak_pairs(catalogue, args.kinds.split(","), args.pairs, args.seed, "test", names)
    right = Counter()
    instead = Counter()
    for pair in pairs:
        common = set(labels.get(pair.query, [])) & set(labels.get(pair.candidate, []))
        rarest = min(common, key=lambda n: rate[n])
        rarest_labelled = min([n for n in common if curated(n)] or common, key=lambda n: rate[n])
        right["all_labels"] += rarest == pair.shared
        right["labelled_values"] += rarest_labelled == pair.shared
        if rarest_labelled != pair.shared:
            instead[rarest_labelled.split(":", 1)[0] if curated(rarest_labelled) else "word"] += 1
    report = {"catalogue": str(args.catalogue), "kinds": args.kinds, "pairs": len(pairs),
              "rarest_shared_is_the_answer": {k: round(v / len(pairs), 3) for k, v in right.items()},
              "labelled_values_named_instead_by_kind": dict(instead.most_common())}
    out = HERE / "results" / f"specificity_ceiling_{catalogue.name or args.catalogue.name}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
