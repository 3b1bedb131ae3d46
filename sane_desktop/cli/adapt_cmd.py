"""``sane-desktop adapt CATALOGUE --model CKPT --out CKPT``: adapt a model to a catalogue without
labels, by recomputing its BatchNorm statistics on the catalogue's images (AdaBN)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.cli import CliError, add_json_flag


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "adapt", help="adapt a model to a catalogue's look without labels (BatchNorm statistics)",
        description="Recomputes every BatchNorm's running mean and variance on the catalogue's own images "
        "(no labels, no gradients; the learned weights are unchanged) and writes a new checkpoint. Helps a model "
        "trained on one studio or rendering with another's pictures; index or evaluate with the new file.")
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--model", required=True, help="checkpoint to adapt")
    parser.add_argument("--out", required=True, help="checkpoint file to write")
    parser.add_argument("--max-images", type=int, default=10000,
                        help="use at most this many images, a seeded sample (default 10000)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import random
    import time

    import torch

    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.images import ImageRejected
    from sane_desktop.catalogue.safepath import UnsafePath, resolve_inside
    from sane_desktop.catalogue.types import CatalogueError
    from sane_desktop.models import CheckpointError, load_checkpoint
    from sane_desktop.models.adapt import adapt_batchnorm, batchnorm_layers
    from sane_desktop.models.checkpoint import save_checkpoint
    from sane_desktop.models.preprocess import load_image_tensor
    from sane_desktop.progress import TqdmProgress

    if args.max_images <= 0 or args.batch_size <= 0:
        raise CliError("--max-images and --batch-size must be positive")
    started = time.perf_counter()
    progress = TqdmProgress()
    try:
        bundle = load_checkpoint(args.model)
        catalogue = read_catalogue(Path(args.catalogue), Path(args.mapping) if args.mapping else None,
                                   progress=progress)
    except (FileNotFoundError, CatalogueError, CheckpointError, ValueError) as error:
        progress.close()
        raise CliError(str(error)) from error
    items = list(catalogue.items)
    if len(items) > args.max_images:
        items = random.Random(args.seed).sample(items, args.max_images)
    skipped: list[str] = []

    def batches():
        batch = []
        for done, item in enumerate(items, 1):
            try:
                batch.append(load_image_tensor(resolve_inside(catalogue.root, item.image_path), bundle.preprocessing))
            except (UnsafePath, ImageRejected, OSError, ValueError, SyntaxError) as error:
                skipped.append(f"{item.item_id}: {error}")
            if len(batch) == args.batch_size or (done == len(items) and batch):
                yield torch.stack(batch)
                batch = []
            progress(done, len(items), "adapting BatchNorm statistics")

    try:
        seen = adapt_batchnorm(bundle, batches())
    finally:
        progress.close()
    if not seen:
        raise CliError(f"{args.catalogue}: no readable image to adapt to ({len(skipped)} skipped)")
    bundle.config = {**bundle.config, "adapted_to": {"catalogue": Path(args.catalogue).name, "images": seen,
                                                     "from_model": bundle.content_hash}}
    content_hash = save_checkpoint(args.out, bundle)
    return {"out": str(args.out), "images": seen, "skipped": len(skipped), "skipped_examples": skipped[:5],
            "batchnorm_layers": len(batchnorm_layers(bundle)), "content_hash": content_hash,
            "seconds": round(time.perf_counter() - started, 2)}


def render(result: dict[str, Any]) -> str:
    lines = [f"Adapted {result['batchnorm_layers']} BatchNorm layers to {result['images']} images "
             f"in {result['seconds']} s -> {result['out']}"]
    if result["skipped"]:
        lines.append(f"skipped {result['skipped']} unreadable images, e.g. {result['skipped_examples'][0]}")
    return "\n".join(lines)
