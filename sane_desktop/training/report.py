"""One evaluation run: the trained model and its baselines (random, colour histogram, the untrained
network of the same architecture) on one split, with the same questions for all. Catalogues without
outfit splits (H&M articles) get attribute mAP only, on the item split (``catalogue.splits.item_split``)."""

from __future__ import annotations

import time
import zlib
from typing import Any

import numpy as np
import torch

from sane_desktop.errors import InputError
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, pick_device
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.catalogue.splits import (
    ITEM_PROTOCOL, attribute_vocabulary, item_split_ids, outfits_in_split, pick_protocol, questions_in_split,
)
from sane_desktop.training.data import ImageCache, attribute_targets
from sane_desktop.training.evaluation import (
    PairDistance, attribute_scores, colour_histograms, compatibility_auc, fitb_accuracy,
    histogram_distance, mean_average_precision, network_distance, random_distance, regroup_fitb,
)


def _untrained(bundle: ModelBundle, seed: int) -> tuple[CompatibilityNet, AttributeNet | None]:
    torch.manual_seed(seed)
    compat = CompatibilityNet(bundle.compatibility.categories, bundle.compatibility.embed_dim,
                              bundle.compatibility.width)
    attr = None
    if bundle.attributes is not None:
        shared = bundle.attributes.trunk is bundle.compatibility.trunk
        attr = AttributeNet(bundle.attributes.attributes, compat.width, compat.trunk if shared else None)
    return compat.eval(), attr


def _attribute_logits(net: AttributeNet | None, names: list[str], cache: ImageCache, item_ids: list[str],
                      prep: Preprocessing, device: torch.device) -> np.ndarray | None:
    if net is None or not names or not item_ids:
        return None
    # the model's vocabulary may differ from this catalogue's: score the shared names
    column = {name: j for j, name in enumerate(net.attributes)}
    scores = attribute_scores(net.to(device), cache, item_ids, prep, device)
    return np.stack([scores[:, column[n]] if n in column else np.zeros(len(item_ids)) for n in names], 1)


def evaluate_attributes(catalogue: Catalogue, bundle: ModelBundle, split: str = "test", *, seed: int = 0,
                        device: torch.device | None = None, progress: Progress = no_progress,
                        should_stop: CancelCheck = never_cancel) -> dict[str, Any]:
    """Attribute mAP of the model, the untrained network and random on the item split's ``split``;
    FITB and AUC are None (no outfits to ask about)."""
    started = time.perf_counter()
    device = device or pick_device()
    names, labels = attribute_vocabulary(catalogue)
    if not names:
        raise InputError("the catalogue has neither outfit splits nor attributes to evaluate")
    item_ids = item_split_ids(catalogue, split)
    cache = ImageCache.build(catalogue, item_ids, bundle.preprocessing, progress, should_stop)
    targets = attribute_targets(item_ids, names, labels).numpy()
    scored = int(((targets.sum(0) > 0) & (targets.sum(0) < len(item_ids))).sum())  # mAP averages these

    def figures(logits: np.ndarray | None) -> dict[str, float | None]:
        value = mean_average_precision(logits, targets) if logits is not None else None
        return {"fitb": None, "auc": None, "attribute_map": value}

    logits = lambda net: _attribute_logits(net, names, cache, item_ids, bundle.preprocessing, device)  # noqa: E731
    rng = np.random.default_rng(zlib.crc32(f"{seed}".encode()))
    methods = {"model": figures(logits(bundle.attributes)),
               "untrained": figures(logits(_untrained(bundle, seed)[1])),
               "random": figures(rng.random(targets.shape) if item_ids else None)}
    return {
        "split": split, "protocol": ITEM_PROTOCOL, "model_hash": bundle.content_hash,
        "counts": {"fitb": 0, "compatibility": 0, "attribute_items": len(item_ids), "attributes": len(names),
                   "attributes_scored": scored},
        "methods": methods, "seconds": round(time.perf_counter() - started, 1),
        "notes": "no outfits: items split 80/10/10 by crc32 of the id; attribute mAP only, averaged over the "
                 "attributes with a positive and a negative item in the split (attributes_scored)",
    }


def evaluate(catalogue: Catalogue, bundle: ModelBundle, split: str = "test", *, seed: int = 0,
             device: torch.device | None = None, progress: Progress = no_progress,
             should_stop: CancelCheck = never_cancel, outfit_kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """``outfit_kinds`` (outfit id -> a label, e.g. the demo's theme kind from its ground truth) adds
    ``fitb_by_kind``: FITB on the questions of each label's outfits."""
    if not catalogue.splits:
        return evaluate_attributes(catalogue, bundle, split, seed=seed, device=device, progress=progress,
                                   should_stop=should_stop)
    started = time.perf_counter()
    device = device or pick_device()
    protocol = pick_protocol(catalogue)
    fitb, compat_questions = questions_in_split(catalogue, split, protocol)
    items = catalogue.item_by_id()
    known = set(bundle.compatibility.categories)
    fitb = [q for q in fitb if all(items[i].category in known for i in [*q.question_item_ids, *q.answer_item_ids])]
    compat_questions = [q for q in compat_questions if all(items[i].category in known for i in q.item_ids)]
    split_items = list(dict.fromkeys(i for o in outfits_in_split(catalogue, split, protocol) for i in o.item_ids
                                     if items[i].category in known))
    grouped = any(item.group for item in catalogue.items)
    unmatched = regroup_fitb(fitb, items, split_items, seed) if grouped else []
    needed = list(dict.fromkeys([*split_items, *(i for q in fitb for i in [*q.question_item_ids, *q.answer_item_ids]),
                                 *(i for q in compat_questions for i in q.item_ids)]))
    cache = ImageCache.build(catalogue, needed, bundle.preprocessing, progress, should_stop)
    category = {i: bundle.compatibility.categories.index(items[i].category) for i in needed}
    names, labels = attribute_vocabulary(catalogue)
    targets = attribute_targets(split_items, names, labels).numpy()

    def figures(distance: PairDistance, attribute_logits: np.ndarray | None) -> dict[str, Any]:
        out: dict[str, Any] = {"fitb": fitb_accuracy(distance, fitb), "auc": compatibility_auc(distance, compat_questions)}
        if grouped:
            out["fitb_group_unmatched"] = fitb_accuracy(distance, unmatched)
        if outfit_kinds:
            kinds = sorted({outfit_kinds[q.outfit_id] for q in fitb if q.outfit_id in outfit_kinds})
            out["fitb_by_kind"] = {kind: fitb_accuracy(distance, [q for q in fitb if outfit_kinds.get(q.outfit_id) == kind])
                                   for kind in kinds}
        out["attribute_map"] = None
        if attribute_logits is not None:
            out["attribute_map"] = mean_average_precision(attribute_logits, targets)
        return out

    def attribute_logits(net: AttributeNet | None) -> np.ndarray | None:
        return _attribute_logits(net, names, cache, split_items, bundle.preprocessing, device)

    methods: dict[str, dict[str, float | None]] = {}
    model = bundle.compatibility.to(device)
    methods["model"] = figures(network_distance(model, cache, needed, category, bundle.preprocessing, device),
                               attribute_logits(bundle.attributes))
    untrained, untrained_attr = _untrained(bundle, seed)
    untrained.to(device)
    methods["untrained"] = figures(network_distance(untrained, cache, needed, category, bundle.preprocessing, device),
                                   attribute_logits(untrained_attr))
    methods["colour_histogram"] = figures(histogram_distance(colour_histograms(cache, needed)), None)
    rng = np.random.default_rng(zlib.crc32(f"{seed}".encode()))
    methods["random"] = figures(random_distance(seed), rng.random(targets.shape) if names else None)
    return {
        "split": split, "protocol": protocol, "model_hash": bundle.content_hash,
        "counts": {"fitb": len(fitb), "compatibility": len(compat_questions), "attribute_items": len(split_items),
                   "attributes": len(names), "fitb_group_unmatched": len(unmatched) if grouped else None},
        "methods": methods, "seconds": round(time.perf_counter() - started, 1),
        "notes": ("fitb: wrong answers as the catalogue's questions draw them (same category, and same group "
                  "where items have one); fitb_group_unmatched: same category, any group") if grouped else "",
    }
