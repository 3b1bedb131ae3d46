"""``sane-desktop demo OUT``: write the built-in, procedurally drawn demo catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.cli import MAX_COUNT, add_json_flag, folder_arg, seed_arg, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="write the demo catalogue (drawn garments, outfits sharing a hidden theme)",
        description="Write a Polyvore-layout demo catalogue plus ground_truth.json into OUT.",
    )
    parser.add_argument("out", type=folder_arg, metavar="OUT", help="folder to write (must be empty or new)")
    parser.add_argument("--seed", type=seed_arg, default=0, help="random seed (same seed, same bytes)")
    # the counts' ranges are the demo's own (demo/limits.py, checked before anything is written); here only
    # what no count can be
    parser.add_argument("--items", type=whole_number(1, MAX_COUNT), default=1200,
                        help="number of items (default 1200; 30 to 200,000)")
    parser.add_argument("--outfits", type=whole_number(1, MAX_COUNT), default=None,
                        help="number of outfits (default 0.7 per item; each holds 3-5 items, so at least a third "
                             "of the items, and at most 20 per item)")
    parser.add_argument("--style", choices=("classic", "alt", "studio"), default="classic",
                        help="classic; alt: the same world drawn differently (generalisation checks); studio: a "
                        "third look (sheared, flared silhouettes without outlines, a shaded studio backdrop, smaller "
                        "and larger motifs) kept out of all tuning, for final figures")
    parser.add_argument("--workers", type=whole_number(1, MAX_COUNT), default=None,
                        help="render processes (default: up to 2; at most 64)")
    parser.add_argument("--no-masks", action="store_true", help="skip ground_truth_masks/*.png")
    parser.add_argument("--text-attributes-only", action="store_true",
                        help="name colour, pattern and motif only in titles and descriptions (no attribute columns)")
    parser.add_argument("--force", action="store_true", help="replace a demo catalogue already in OUT")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.demo import generate_demo
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service.locking import catalogue_lock, file_lock_folder

    progress = TqdmProgress(enabled=not args.json)
    # one run draws into a folder at a time: two `demo --force` into one folder failed on each other's masks and
    # left a stray photo (trial DT); the second is refused at once, naming the first
    try:
        with catalogue_lock(file_lock_folder(Path(args.out).expanduser().resolve()), f"demo → {args.out}",
                            noun="the demo catalogue"):
            summary = generate_demo(
                args.out, seed=args.seed, items=args.items, style=args.style, progress=progress,
                outfits=args.outfits, workers=args.workers, masks=not args.no_masks, overwrite=args.force,
                text_attributes_only=args.text_attributes_only,
            )
    finally:
        progress.close()
    return summary.as_dict()


def render(result: dict[str, Any]) -> str:
    splits = result["outfits_per_split"]
    fitb = result["fitb_questions"]
    compat = result["compatibility_outfits"]
    themes = ", ".join(f"{kind} {count}" for kind, count in result["themes"].items())
    return "\n".join([
        f"demo catalogue ({result['style']}, seed {result['seed']}) written to {result['out']}",
        f"  items: {result['items']}",
        f"  outfits: {result['outfits']} (train {splits['train']}, valid {splits['valid']}, "
        f"test {splits['test']}; themes: {themes})",
        f"  FITB questions: valid {fitb['valid']}, test {fitb['test']}",
        f"  compatibility outfits: valid {compat['valid']}, test {compat['test']}",
        f"  seconds: {result['seconds']}",
    ])
