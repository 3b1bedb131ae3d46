"""One evaluation run: the trained model and its baselines (random, colour histogram, the untrained
network of the same architecture) on one split, with the same questions for all."""

from __future__ import annotations

import time
import zlib
from typing import Any

import numpy as np
import torch

from sane_desktop.catalogue.types import Catalogue
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, pick_device
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.training.data import (
    ImageCache, attribute_targets, attribute_vocabulary, pick_protocol, split_outfits, split_questions,
)
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


def evaluate(catalogue: Catalogue, bundle: ModelBundle, split: str = "test", *, seed: int = 0,
             device: torch.device | None = None, progress: Progress = no_progress,
             should_stop: CancelCheck = never_cancel) -> dict[str, Any]:
    started = time.perf_counter()
    device = device or pick_device()
    protocol = pick_protocol(catalogue)
    fitb, compat_questions = split_questions(catalogue, split, protocol)
    items = catalogue.item_by_id()
    known = set(bundle.compatibility.categories)
    fitb = [q for q in fitb if all(items[i].category in known for i in [*q.question_item_ids, *q.answer_item_ids])]
    compat_questions = [q for q in compat_questions if all(items[i].category in known for i in q.item_ids)]
    split_items = list(dict.fromkeys(i for o in split_outfits(catalogue, split, protocol) for i in o.item_ids
                                     if items[i].category in known))
    grouped = any(item.group for item in catalogue.items)
    unmatched = regroup_fitb(fitb, items, split_items, seed) if grouped else []
    needed = list(dict.fromkeys([*split_items, *(i for q in fitb for i in [*q.question_item_ids, *q.answer_item_ids]),
                                 *(i for q in compat_questions for i in q.item_ids)]))
    cache = ImageCache.build(catalogue, needed, bundle.preprocessing, progress, should_stop)
    category = {i: bundle.compatibility.categories.index(items[i].category) for i in needed}
    names, labels = attribute_vocabulary(catalogue)
    targets = attribute_targets(split_items, names, labels).numpy()

    def figures(distance: PairDistance, attribute_logits: np.ndarray | None) -> dict[str, float | None]:
        out = {"fitb": fitb_accuracy(distance, fitb), "auc": compatibility_auc(distance, compat_questions)}
        if grouped:
            out["fitb_group_unmatched"] = fitb_accuracy(distance, unmatched)
        out["attribute_map"] = None
        if attribute_logits is not None:
            out["attribute_map"] = mean_average_precision(attribute_logits, targets)
        return out

    def attribute_logits(net: AttributeNet | None) -> np.ndarray | None:
        if net is None or not names:
            return None
        # the model's vocabulary may differ from this catalogue's: score the shared names
        column = {name: j for j, name in enumerate(net.attributes)}
        scores = attribute_scores(net.to(device), cache, split_items, bundle.preprocessing, device)
        return np.stack([scores[:, column[n]] if n in column else np.zeros(len(split_items)) for n in names], 1) \
            if len(split_items) else None

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
