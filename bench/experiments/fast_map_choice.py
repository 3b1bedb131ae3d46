"""How the fast map is drawn, chosen on validation pairs: insertion/deletion AUC (METHOD.md §5) of
the exact cell terms, the terms relative to a blank image, and each spread over the pixels by
content weights of several scales, next to RISE-2000 on the same pairs. Writes JSON.

    .venv/bin/python bench/experiments/fast_map_choice.py CATALOGUE --model CKPT [--split valid] [--pairs 60]
        [--out bench/experiments/results/explain_fast_baseline.json]
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.explain import get_explainer
from sane_desktop.explain.base import upsample
from sane_desktop.explain.fast import cell_attribution, content_weight
from sane_desktop.explain.metrics import perturbation_curves, summarise_curves, white_background
from sane_desktop.explain.pairs import PairImages, pair_space, sample_pairs
from sane_desktop.models.checkpoint import load_checkpoint

SCALES = (0.1, 0.3, 0.5, 1.0)
RESULTS = Path(__file__).resolve().parent / "results" / "explain_fast_baseline.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--split", default="valid")
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rise-masks", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    catalogue = read_catalogue(args.catalogue)
    bundle = load_checkpoint(args.model)
    model, prep = bundle.compatibility.eval(), bundle.preprocessing
    images = PairImages(catalogue, bundle)
    background = white_background(prep.mean, prep.std)
    pairs = sample_pairs(catalogue, args.split, args.pairs, args.seed, model.categories)
    fast = get_explainer("fast", model, preprocessing=prep)
    rise = get_explainer("rise", model, n_masks=args.rise_masks)
    size = (prep.size, prep.size)
    blank = fast.baseline_cells(size)
    curves: dict[str, dict[str, list]] = {}

    def score(name: str, saliency: torch.Tensor, image, reference, space) -> None:
        insertion, deletion = perturbation_curves(model, image, saliency, reference, space, background)
        entry = curves.setdefault(name, {"insertion": [], "deletion": []})
        entry["insertion"].append(insertion)
        entry["deletion"].append(deletion)

    for index, pair in enumerate(pairs):
        query, candidate = images[pair.query], images[pair.candidate]
        space = pair_space(bundle, images.by_id, pair)
        reference = fast.embed(candidate[None])[0]
        with torch.inference_mode():
            mask = model.space_masks()[space].float()
            cells = fast.cells(torch.stack([query, candidate]))
            for name, baseline in (("exact terms", None), ("relative to blank", blank)):
                terms = cell_attribution(cells[0], cells[1:2], mask, baseline).grid()[0][0]
                drawn = upsample(terms, size, fast.settings.map_mode)
                score(name, drawn, query, reference, space)
                for scale in SCALES:
                    score(f"{name} x content {scale}", drawn * content_weight(query, prep, scale),
                          query, reference, space)
        score("rise", rise.explain_map(query, reference, space)[0], query, reference, space)
        print(f"{index + 1}/{len(pairs)}", flush=True)

    report = {
        "catalogue": str(args.catalogue), "model": str(args.model), "split": args.split,
        "pairs": len(pairs), "seed": args.seed, "rise_masks": args.rise_masks,
        "machine": {"torch_threads": torch.get_num_threads(), "platform": platform.platform()},
        "variants": {name: {kind: summarise_curves(values).auc for kind, values in entry.items()}
                     for name, entry in curves.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    for name, figures in report["variants"].items():
        print(f"{name:32s} insertion {figures['insertion']:.3f}  deletion {figures['deletion']:.3f}")


if __name__ == "__main__":
    main()
