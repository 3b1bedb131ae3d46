"""``evaluate-explanations``: saliency metrics and explanation accuracy on sampled pairs.

Pairs (q, r) come from one split's outfits (``pairs``): half positive (two items of one outfit),
half negative (r swapped for another item of its category, of the same group where items have one)
— pooled, as in the paper. For each saliency method (and a seeded random map) the query's map
against E(r) is scored by insertion/deletion (METHOD.md §5), and with ground truth by the pointing
game. The explaining attribute's choice is fitted without the test pairs and scored on them in
``attribute_evaluation``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from sane_desktop.errors import InputError
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.explain.attribute_evaluation import evaluate_attribute_choice, fit_selection, theme_accuracy
from sane_desktop.explain.registry import get_explainer, list_methods
from sane_desktop.explain.metrics import (
    box_to_crop,
    paired_difference,
    perturbation_curves,
    pointing_hit,
    summarise_curves,
    white_background,
)
from sane_desktop.explain.pairs import PairImages, pair_space, pairs_digest, sample_pairs
from sane_desktop.explain.pipeline import SelectionModel
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress

SALIENCY_METHODS = tuple(list_methods())  # every registered method, the random baseline included
RANDOM_SEED_STRIDE = 100003  # the random map of pair i is drawn with seed · stride + i


def method_settings_for(methods: Sequence[str], seed: int, rise_masks: int, preprocessing: Any,
                        overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Constructor settings of each method in an evaluation: RISE's bank size, the bundle's
    preprocessing for the fast method, the random baseline's seed, then ``overrides`` per method."""
    defaults: dict[str, dict[str, Any]] = {"rise": {"n_masks": rise_masks}, "fast": {"preprocessing": preprocessing},
                                           "fast_detail": {"preprocessing": preprocessing},
                                           "random": {"seed": seed * RANDOM_SEED_STRIDE}}
    return {m: {**defaults.get(m, {}), **(overrides or {}).get(m, {})} for m in methods}


SELECTION_PAIRS = 40  # validation pairs the train command fits the selection on (~1 min on 2 cores)


def fit_model_selection(catalogue: Catalogue, bundle: ModelBundle, n_pairs: int = SELECTION_PAIRS, seed: int = 0,
                        ground_truth: dict[str, Any] | None = None, progress: Progress = no_progress,
                        should_stop: CancelCheck = never_cancel) -> tuple[SelectionModel, str] | None:
    """The attribute selection fitted for a freshly trained model on the catalogue's validation
    pairs (ground truth where the catalogue has it, else the removal oracle): what ``train`` saves
    beside the checkpoint. A catalogue without outfits is fitted on weak ground truth instead
    (:mod:`.weak_truth`: validation items sharing exactly one value of its finest labelled kinds,
    :func:`~sane_desktop.explain.weak_truth.finest_kinds`). None when the model has no attribute
    network, or there are neither outfits nor such pairs. Returns (selection, what it was tuned on)."""
    if bundle.attributes is None:
        return None
    if not catalogue.splits:
        return _fit_on_weak_truth(catalogue, bundle, n_pairs, seed, progress, should_stop)
    images = PairImages(catalogue, bundle)
    background = white_background(bundle.preprocessing.mean, bundle.preprocessing.std)
    selection, tuned_on, counts = fit_selection(catalogue, bundle, images, n_pairs, seed, background, progress,
                                                should_stop, ground_truth)
    # how much it was fitted on, said with it (trial AL: 3 items and 1 pair read as a fit like any other)
    return selection, (f"{tuned_on} ({counts['valid_tuning']} validation pair{'' if counts['valid_tuning'] == 1 else 's'}, "
                       f"calibrated on {counts['calibration_items']} item{'' if counts['calibration_items'] == 1 else 's'})")


def _fit_on_weak_truth(catalogue: Catalogue, bundle: ModelBundle, n_pairs: int, seed: int, progress: Progress,
                       should_stop: CancelCheck) -> tuple[SelectionModel, str] | None:
    from sane_desktop.explain.weak_truth import fit_weak_selection, finest_kinds

    assert bundle.attributes is not None
    kinds = finest_kinds(catalogue, list(bundle.attributes.attributes))
    if not kinds:
        return None
    try:
        selection, counts = fit_weak_selection(catalogue, bundle, PairImages(catalogue, bundle), kinds, n_pairs, seed,
                                               progress=progress, should_stop=should_stop)
    except InputError:  # no validation pair shares exactly one value: nothing to fit on
        return None
    return selection, (f"weak ground truth (validation pairs sharing one {', '.join(kinds)} value: "
                       f"{counts['weak_pairs']} such pairs, calibrated on {counts['calibration_items']} items)")


def evaluate_explanations(
    catalogue: Catalogue,
    bundle: ModelBundle,
    n_pairs: int = 20,
    methods: Sequence[str] = SALIENCY_METHODS,
    seed: int = 0,
    rise_masks: int = 2000,
    ground_truth: dict[str, Any] | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    fixed_selection: SelectionModel | None = None,
    method_settings: Mapping[str, Mapping[str, Any]] | None = None,
    on_cost: Callable[[int, int], None] = lambda _passes, _pairs: None,
) -> tuple[dict[str, Any], SelectionModel | None]:
    """``fixed_selection``: score this fitted attribute selection as it is (e.g. one fitted on
    another catalogue, to check that it transfers) instead of fitting one on this catalogue.
    ``method_settings``: constructor settings per method name, over the evaluation's own (e.g.
    ``{"fast": {"map_mode": "bilinear"}}``). ``on_cost(passes, pairs)``: told, before any map, the
    images each test pair's maps pass through the model (RISE's masks, the sliding window's
    positions; the curves' passes come on top) and the number of pairs. ``progress`` counts the
    maps, one per pair and method. Raises :class:`~sane_desktop.errors.InputError` when the test
    split has no usable pair, :class:`~sane_desktop.errors.Cancelled` when stopped."""
    model = bundle.compatibility.eval()
    torch.manual_seed(seed)
    images = PairImages(catalogue, bundle)
    by_id = images.by_id
    prep = bundle.preprocessing
    background = white_background(prep.mean, prep.std)
    test_pairs = sample_pairs(catalogue, "test", n_pairs, seed, model.categories)
    if not test_pairs:
        raise InputError("no test pairs: the catalogue's test split has no outfit with two known items")
    settings = method_settings_for(methods, seed, rise_masks, prep, method_settings)
    explainers = {m: get_explainer(m, model, **settings[m]) for m in methods}
    embed = explainers.get("fast") or get_explainer("fast", model, preprocessing=prep)
    # a pair's map is the query's alone: half what a pair's explanation (both maps) passes
    on_cost(sum(explainer.pair_passes() // 2 for explainer in explainers.values()), len(test_pairs))
    maps, done = len(test_pairs) * len(methods), 0
    progress(0, maps, "saliency maps")  # a bar at once: the first pair's RISE and sliding take minutes on a CPU

    curves: dict[str, dict[str, list[np.ndarray]]] = {m: {"insertion": [], "deletion": []} for m in methods}
    cost: dict[str, dict[str, float]] = {m: {"seconds": 0.0, "forward_passes": 0} for m in methods}
    query_maps: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for index, pair in enumerate(test_pairs):
        if should_stop():
            raise Cancelled()
        query, candidate = images[pair.query], images[pair.candidate]
        space = pair_space(bundle, by_id, pair)
        reference = embed.embed(candidate[None])[0]
        for method in methods:
            start = time.perf_counter()
            result, passes = explainers[method].explain_map(query, reference, space)
            saliency = result.cpu().numpy()
            cost[method]["seconds"] += time.perf_counter() - start
            cost[method]["forward_passes"] += passes
            query_maps[method].append(saliency)
            insertion, deletion = perturbation_curves(model, query, saliency, reference, space, background)
            curves[method]["insertion"].append(insertion)
            curves[method]["deletion"].append(deletion)
            done += 1
            progress(done, maps, "saliency maps")

    saliency_report = {}
    for method in methods:
        n = len(test_pairs)
        saliency_report[method] = {
            "insertion": summarise_curves(curves[method]["insertion"]).as_dict(),
            "deletion": summarise_curves(curves[method]["deletion"]).as_dict(),
            "seconds_per_map": cost[method]["seconds"] / n,
            "forward_passes_per_map": cost[method]["forward_passes"] / n,
        }
        if method != "rise" and "rise" in methods:  # is the gap to the paper's method more than noise?
            saliency_report[method]["minus_rise"] = {
                kind: paired_difference(curves[method][kind], curves["rise"][kind], seed)
                for kind in ("insertion", "deletion")}
    report: dict[str, Any] = {
        # "asked" beside "test": fewer distinct pairs than asked when the split holds no more
        "pairs": {"test": len(test_pairs), "positive": sum(p.positive for p in test_pairs), "asked": n_pairs,
                  "digest": pairs_digest(test_pairs)},
        "saliency": saliency_report,
        "maps": f"query map of each pair against the intact candidate, {prep.size}x{prep.size} model crop",
    }

    selection: SelectionModel | None = None
    if bundle.attributes is not None:
        selection, attribute_report = evaluate_attribute_choice(
            catalogue, bundle, images, test_pairs, n_pairs, seed, background, progress, should_stop, ground_truth,
            fixed_selection)
        report["attributes"] = attribute_report
    if ground_truth:
        report["ground_truth"] = _pointing_game(ground_truth, bundle, test_pairs, query_maps, images)
    if "attributes" in report:
        rankings = report["attributes"].pop("_rankings")
        if ground_truth:
            report["ground_truth"].update(theme_accuracy(ground_truth, test_pairs, rankings))
    return report, selection


def _pointing_game(truth, bundle, pairs, query_maps, images) -> dict[str, Any]:
    """Pointing game on positive pairs: the map's maximum inside the outfit's explaining region of q."""
    items, outfits = truth.get("items", {}), truth.get("outfits", {})
    size = bundle.preprocessing.size
    hits: dict[str, list[float]] = {m: [] for m in query_maps}
    by_region: dict[str, dict[str, list[float]]] = {}  # small motif boxes apart from whole garments
    for index, pair in enumerate(pairs):
        outfit = outfits.get(pair.outfit)
        item = items.get(pair.query)
        if not pair.positive or outfit is None or item is None:
            continue
        box = (item.get("regions") or {}).get(outfit.get("region", "garment"))
        if not box:
            continue
        image_size = images.by_id[pair.query].width, images.by_id[pair.query].height
        if not all(image_size):
            image_size = tuple(truth.get("image_size", (size, size)))
        crop_box = box_to_crop(box, image_size, size)
        region = str(outfit.get("region", "garment"))
        for method, maps in query_maps.items():
            hit = pointing_hit(maps[index], crop_box)
            hits[method].append(hit)
            by_region.setdefault(region, {}).setdefault(method, []).append(hit)
    return {"pointing_game": {m: (float(np.mean(h)) if h else None) for m, h in hits.items()},
            "pointing_pairs": len(next(iter(hits.values()), [])),
            "pointing_by_region": {region: {"pairs": len(next(iter(per.values()))),
                                            **{m: float(np.mean(h)) for m, h in per.items()}}
                                   for region, per in sorted(by_region.items())}}
