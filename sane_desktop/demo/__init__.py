"""The built-in demo catalogue: procedurally drawn garments whose outfits follow a hidden rule.

Each outfit shares exactly one theme attribute (colour, pattern or motif), so every matching pair
has a known explanation and a known image region (``ground_truth.json``). The catalogue is written
in the Polyvore Outfits layout, so it goes through the same reader, training and evaluation as a
real one. ``style="alt"`` draws the same kind of world differently, for generalisation checks.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sane_desktop.errors import InputError
from sane_desktop.demo.limits import check_demo_size
from sane_desktop.paths import check_outside_package
from sane_desktop.demo.garments import RenderJob, Rendered, item_seed, render_many
from sane_desktop.demo.questions import make_compatibility, make_fitb, split_outfit_plans
from sane_desktop.demo.styles import get_style
from sane_desktop.demo.themes import plan_world
from sane_desktop.demo.writer import PROTOCOL, write_ground_truth, write_metadata, write_splits
from sane_desktop.progress import Cancelled, CancelCheck, Progress, never_cancel, no_progress

DEFAULT_ITEMS = 1200
OUTFITS_PER_ITEM = 0.7  # ~4 items per outfit, so each item appears in ~2-3 outfits
BATCH = 40  # render jobs per task sent to a worker process
_OWNED = ("images", "ground_truth_masks", PROTOCOL, "polyvore_item_metadata.json",
          "polyvore_outfit_titles.json", "categories.csv", "ground_truth.json")
MARKER = ".sane-demo"  # written first, so that an interrupted run's folder is still known as ours


@dataclass
class DemoSummary:
    out: Path
    seed: int
    style: str
    items: int
    outfits: int
    outfits_per_split: dict[str, int] = field(default_factory=dict)
    fitb_questions: dict[str, int] = field(default_factory=dict)
    compatibility_outfits: dict[str, int] = field(default_factory=dict)
    themes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["out"] = str(self.out)
        return data


def _demo_ground_truth(path: Path) -> bool:
    """Whether ``path`` is a ground truth this demo wrote (``"generator": "sane-desktop demo"``): any
    ``ground_truth.json`` made ``demo --force`` take a user's dataset for a demo and delete its ``images/``
    (trial EC)."""
    import json

    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(truth, dict) and truth.get("generator") == "sane-desktop demo"


def _prepare_folder(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise InputError(f"{out} is not empty (choose an empty folder, or replace the demo in it with --force)")
        if not ((out / MARKER).is_file() or _demo_ground_truth(out / "ground_truth.json")):
            raise InputError(f"{out} is not empty and does not hold a demo catalogue; not touching it")
        for name in _OWNED:  # remove only what a previous demo run wrote
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by sane-desktop demo; --force may replace this folder\n")


def _render_all(jobs: list[RenderJob], workers: int, progress: Progress,
                should_stop: CancelCheck) -> dict[str, Rendered]:
    batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
    results: dict[str, Rendered] = {}

    def collect(batch_results: list[Rendered]) -> None:
        for rendered in batch_results:
            results[rendered.item_id] = rendered
        progress(len(results), len(jobs), "rendering demo garments")

    if workers <= 1:
        for batch in batches:
            if should_stop():
                raise Cancelled()
            collect(render_many(batch))
        return results
    # spawn, not fork: the caller may be a GUI process with threads; results come back in order
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        for batch_results in pool.map(render_many, batches):
            if should_stop():
                pool.shutdown(wait=True, cancel_futures=True)
                raise Cancelled()
            collect(batch_results)
    return results


def generate_demo(
    out: Path,
    seed: int = 0,
    items: int = DEFAULT_ITEMS,
    style: str = "classic",
    progress: Progress = no_progress,
    *,
    outfits: int | None = None,
    workers: int | None = None,
    masks: bool = True,
    overwrite: bool = False,
    should_stop: CancelCheck = never_cancel,
    text_attributes_only: bool = False,
) -> DemoSummary:
    """Write a demo catalogue of ``items`` items into ``out`` (deterministic in seed and style).

    ``outfits`` defaults to 0.7 per item; ``workers`` (render processes) to 2 for large catalogues;
    ``masks`` also writes a garment mask PNG per item under ``ground_truth_masks/``.
    ``text_attributes_only``: no ``attributes`` columns in the item metadata — colour, pattern and
    motif are named only in titles and descriptions, as many shops' feeds have them (the ground
    truth still records them)."""
    started = time.perf_counter()
    get_style(style)  # fail early on a bad name
    out = check_outside_package(out, "OUT")  # a demo written into the installed package is lost on upgrade
    n_outfits = outfits if outfits is not None else round(items * OUTFITS_PER_ITEM)
    if workers is None:
        workers = 1 if items < 400 else min(2, os.cpu_count() or 1)
    check_demo_size(items, n_outfits, workers)  # before the folder is touched
    existed = out.exists()
    was_empty = not (existed and any(out.iterdir()))
    _prepare_folder(out, overwrite)
    try:
        return _write_demo(out, seed, items, style, progress, n_outfits, workers, masks, should_stop,
                           text_attributes_only, started)
    except BaseException:
        # a run that could not finish (a full disk, a cancel, Ctrl-C) into a folder it found empty leaves it
        # empty: trial DI's half-written demo made the same command, run again, ask for --force
        if was_empty:
            _remove_owned(out)
            if not existed:  # a folder it made: gone again, when nothing else was put in it meanwhile
                with contextlib.suppress(OSError):
                    out.rmdir()
        raise


def _remove_owned(out: Path) -> None:
    """Remove what a demo run writes in ``out`` (:data:`_OWNED` and its marker), nothing else."""
    for name in (*_OWNED, MARKER):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            with contextlib.suppress(OSError):
                path.unlink()


def _write_demo(out: Path, seed: int, items: int, style: str, progress: Progress, n_outfits: int, workers: int,
                masks: bool, should_stop: CancelCheck, text_attributes_only: bool, started: float) -> DemoSummary:
    item_plans, outfit_plans = plan_world(seed, items, n_outfits)
    if masks:
        (out / "ground_truth_masks").mkdir(exist_ok=True)
    jobs = [
        RenderJob(
            item_id=item.item_id, fine_category=item.fine_category, colour=item.colour,
            pattern=item.pattern, motif=item.motif, style=style,
            seed=item_seed(seed, style, item.item_id),
            image_path=str(out / "images" / f"{item.item_id}.jpg"),
            mask_path=str(out / "ground_truth_masks" / f"{item.item_id}.png") if masks else "",
        )
        for item in item_plans
    ]
    rendered = _render_all(jobs, workers, progress, should_stop)

    by_id = {item.item_id: item for item in item_plans}
    rng = random.Random(f"demo-questions:{seed}")
    splits = split_outfit_plans(outfit_plans, rng)
    fitb = {split: make_fitb(splits[split], by_id, rng) for split in ("valid", "test")}
    compatibility = {split: make_compatibility(splits[split], by_id, rng) for split in ("valid", "test")}
    write_metadata(out, item_plans, outfit_plans, seed, attribute_columns=not text_attributes_only)
    write_splits(out, splits, fitb, compatibility)
    write_ground_truth(out, item_plans, splits, rendered, seed, style, masks)

    return DemoSummary(
        out=out,
        seed=seed,
        style=style,
        items=len(item_plans),
        outfits=len(outfit_plans),
        outfits_per_split={split: len(plans) for split, plans in splits.items()},
        fitb_questions={split: len(questions) for split, questions in fitb.items()},
        compatibility_outfits={split: len(lines) for split, lines in compatibility.items()},
        themes=dict(sorted(Counter(plan.theme_kind for plan in outfit_plans).items())),
        seconds=round(time.perf_counter() - started, 2),
    )


__all__ = ["DEFAULT_ITEMS", "DemoSummary", "generate_demo"]
