"""``sane-desktop evaluate CATALOGUE --model CKPT``: FITB, compatibility AUC and attribute mAP of a
model and of its baselines on one split."""

from __future__ import annotations

import argparse
from typing import Any

from sane_desktop.catalogue.splits import ITEM_PROTOCOL
from sane_desktop.cli import add_json_flag



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="FITB, compatibility AUC and attribute mAP of a model and baselines",
        description="Scores the model, the untrained network (same architecture, seeded), a colour histogram "
        "(HSV 16x4x4, chi-square) and random on the same questions. A catalogue without outfits gets attribute "
        "mAP only (model, untrained network, random) on its 80/10/10 item split (crc32 of the id); FITB and AUC "
        "are then null.")
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--model", required=True, help="checkpoint file")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--seed", type=int, default=0, help="seed of generated questions and baselines")
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service.evaluation import evaluate_model

    progress = TqdmProgress()
    try:
        return evaluate_model(args.catalogue, args.model, args.split, seed=args.seed, mapping=args.mapping,
                              progress=progress).figures
    finally:
        progress.close()


def render(result: dict[str, Any]) -> str:
    fmt = lambda v: "  n/a " if v is None else f"{v:6.3f}"  # noqa: E731
    keys = [k for k in ("fitb", "fitb_group_unmatched", "auc", "attribute_map") if k in result["methods"]["model"]]
    if result["protocol"] == ITEM_PROTOCOL:  # no outfits: FITB and AUC are None for every method
        keys = ["attribute_map"]
    lines = [f"{result['split']} split ({result['protocol']}): {result['counts']}",
             f"{'method':18s}" + "".join(f"{k:>22s}" for k in keys)]
    for name, figures in result["methods"].items():
        lines.append(f"{name:18s}" + "".join(f"{fmt(figures[k]):>22s}" for k in keys))
    by_kind = result["methods"]["model"].get("fitb_by_kind")
    if by_kind:
        lines.append("model FITB by theme kind: " + ", ".join(f"{k} {fmt(v).strip()}" for k, v in by_kind.items()))
    return "\n".join(lines)
