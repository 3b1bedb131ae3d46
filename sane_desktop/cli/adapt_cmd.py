"""``sane-desktop adapt CATALOGUE --model CKPT --out CKPT``: adapt a model to a catalogue without
labels, by recomputing its BatchNorm statistics on the catalogue's images (AdaBN)."""

from __future__ import annotations

import argparse
from typing import Any

from sane_desktop.cli import MAX_BATCH, MAX_COUNT, CliError, add_json_flag, file_arg, path_arg, seed_arg, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "adapt", help="adapt a model to a catalogue's look without labels (BatchNorm statistics)",
        description="Recomputes every BatchNorm's running mean and variance on the catalogue's own images "
        "(no labels, no gradients; the learned weights are unchanged) and writes a new checkpoint. Helps a model "
        "trained on one studio or rendering with another's pictures; index or evaluate with the new file.")
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--model", required=True, help="checkpoint to adapt")
    parser.add_argument("--out", required=True, type=file_arg("model.pt"), help="checkpoint file to write")
    parser.add_argument("--max-images", type=whole_number(1, MAX_COUNT), default=10000,
                        help="use at most this many images, a seeded sample (default 10000)")
    parser.add_argument("--batch-size", type=whole_number(1, MAX_BATCH), default=64,
                        help=f"images per forward pass (default 64; 1 to {MAX_BATCH})")
    parser.add_argument("--seed", type=seed_arg, default=0)
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import time

    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service import building

    started = time.perf_counter()
    progress = TqdmProgress()
    try:
        report, layers, skipped = building.adapt_model(args.catalogue, args.model, args.out,
                                                       max_images=args.max_images, batch_size=args.batch_size,
                                                       seed=args.seed, mapping=args.mapping, progress=progress)
    finally:
        progress.close()
    return {"out": str(args.out), "images": report.images, "skipped": report.skipped,
            "skipped_examples": skipped[:5], "batchnorm_layers": layers, "content_hash": report.content_hash,
            "seconds": round(time.perf_counter() - started, 2)}


def render(result: dict[str, Any]) -> str:
    lines = [f"Adapted {result['batchnorm_layers']} BatchNorm layers to {result['images']} images "
             f"in {result['seconds']} s -> {result['out']}"]
    if result["skipped"]:
        lines.append(f"skipped {result['skipped']} unreadable images, e.g. {result['skipped_examples'][0]}")
    return "\n".join(lines)
