"""``evaluate-explanations``: saliency metrics and explanation accuracy on sampled pairs.

Pairs (q, r) come from one split's outfits: half positive (two items of one outfit), half negative
(r swapped for another item of its category, of the same group where items have one) — pooled, as
in the paper. For each saliency method (and a seeded random map) the query's map against E(r) is
scored by insertion/deletion (METHOD.md §5). The attribute choice is fitted without the test pairs:
Platt calibration on validation items, the oracle prior on training pairs, combination weights on
validation pairs — against the catalogue's ground truth (the outfit's true theme, on the demo)
where there is one, else against the removal oracle; it is then scored against the removal oracle
on the test pairs and, with ground truth, against the true theme, with the pointing game for every
saliency method.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from sane_desktop.catalogue.types import Catalogue
from sane_desktop.explain.attribute_choice import (
    RULES,
    PairParts,
    PlattCalibration,
    explanation_accuracy,
    oracle_prior,
    rank_attributes,
    tune_weights,
)
from sane_desktop.explain.base import get_explainer
from sane_desktop.explain.metrics import (
    box_to_crop,
    perturbation_curves,
    pointing_hit,
    summarise_curves,
    white_background,
)
from sane_desktop.explain.oracle import oracle_attribute
from sane_desktop.explain.pipeline import SelectionModel, attribute_outputs, pair_parts
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.models.preprocess import load_image_tensor
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from sane_desktop.training.data import attribute_vocabulary, split_outfits

SALIENCY_METHODS = ("fast", "rise", "sliding", "random")


@dataclass(frozen=True)
class Pair:
    query: str
    candidate: str
    positive: bool
    outfit: str


def sample_pairs(catalogue: Catalogue, split: str, n: int, seed: int, categories: Sequence[str]) -> list[Pair]:
    """``n`` seeded pairs from ``split``, alternately positive and negative."""
    rng = random.Random(seed)
    known = set(categories)
    by_id = catalogue.item_by_id()
    outfits = [o for o in split_outfits(catalogue, split)
               if sum(1 for i in o.item_ids if i in by_id and by_id[i].category in known) >= 2]
    pool: dict[tuple[str, str], list[str]] = {}
    for item in catalogue.items:
        pool.setdefault((item.category, item.group), []).append(item.item_id)
    pairs: list[Pair] = []
    for attempt in range(20 * n):
        if len(pairs) >= n or not outfits:
            break
        outfit = rng.choice(outfits)
        members = [i for i in outfit.item_ids if i in by_id and by_id[i].category in known]
        query, candidate = rng.sample(members, 2)
        positive = len(pairs) % 2 == 0
        if not positive:
            item = by_id[candidate]
            choices = [i for i in pool.get((item.category, item.group), []) if i not in outfit.item_ids]
            if not choices:
                continue
            candidate = rng.choice(choices)
        pairs.append(Pair(query, candidate, positive, outfit.outfit_id))
    return pairs


class _Images:
    """Preprocessed image tensors, decoded once per item."""

    def __init__(self, catalogue: Catalogue, bundle: ModelBundle) -> None:
        self.by_id = catalogue.item_by_id()
        self.root = catalogue.root
        self.prep = bundle.preprocessing
        self.cache: dict[str, Tensor] = {}

    def __getitem__(self, item_id: str) -> Tensor:
        if item_id not in self.cache:
            self.cache[item_id] = load_image_tensor(self.root / self.by_id[item_id].image_path, self.prep)
        return self.cache[item_id]


def _space(bundle: ModelBundle, by_id: dict, pair: Pair) -> int:
    cats = bundle.compatibility.categories
    return bundle.compatibility.space_index(cats.index(by_id[pair.query].category),
                                            cats.index(by_id[pair.candidate].category))


def _random_map(seed: int, size: int) -> np.ndarray:
    return np.random.default_rng(seed).random((size, size)).astype(np.float32)


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
) -> tuple[dict[str, Any], SelectionModel | None]:
    """``fixed_selection``: score this fitted attribute selection as it is (e.g. one fitted on
    another catalogue, to check that it transfers) instead of fitting one on this catalogue."""
    model = bundle.compatibility.eval()
    torch.manual_seed(seed)
    images = _Images(catalogue, bundle)
    by_id = images.by_id
    prep = bundle.preprocessing
    background = white_background(prep.mean, prep.std)
    test_pairs = sample_pairs(catalogue, "test", n_pairs, seed, model.categories)
    if not test_pairs:
        raise ValueError("no test pairs: the catalogue's test split has no outfit with two known items")
    explainers = {m: get_explainer(m, model, **({"n_masks": rise_masks} if m == "rise" else {}))
                  for m in methods if m != "random"}
    embed = explainers.get("fast") or get_explainer("fast", model)

    curves: dict[str, dict[str, list[np.ndarray]]] = {m: {"insertion": [], "deletion": []} for m in methods}
    cost: dict[str, dict[str, float]] = {m: {"seconds": 0.0, "forward_passes": 0} for m in methods}
    query_maps: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for index, pair in enumerate(test_pairs):
        if should_stop():
            raise Cancelled()
        query, candidate = images[pair.query], images[pair.candidate]
        space = _space(bundle, by_id, pair)
        reference = embed.embed(candidate[None])[0]
        for method in methods:
            start = time.perf_counter()
            if method == "random":
                saliency, passes = _random_map(seed * 100003 + index, prep.size), 0
            else:
                result, passes = explainers[method].explain_map(query, reference, space)
                saliency = result.cpu().numpy()
            cost[method]["seconds"] += time.perf_counter() - start
            cost[method]["forward_passes"] += passes
            query_maps[method].append(saliency)
            insertion, deletion = perturbation_curves(model, query, saliency, reference, space, background)
            curves[method]["insertion"].append(insertion)
            curves[method]["deletion"].append(deletion)
        progress(index + 1, len(test_pairs), "saliency metrics")

    saliency_report = {}
    for method in methods:
        n = len(test_pairs)
        saliency_report[method] = {
            "insertion": summarise_curves(curves[method]["insertion"]).as_dict(),
            "deletion": summarise_curves(curves[method]["deletion"]).as_dict(),
            "seconds_per_map": cost[method]["seconds"] / n,
            "forward_passes_per_map": cost[method]["forward_passes"] / n,
        }
    report: dict[str, Any] = {
        "pairs": {"test": len(test_pairs), "positive": sum(p.positive for p in test_pairs)},
        "saliency": saliency_report,
        "maps": "query map of each pair against the intact candidate, 112x112 model crop",
    }

    selection: SelectionModel | None = None
    if bundle.attributes is not None:
        selection, attribute_report = _evaluate_attributes(
            catalogue, bundle, images, test_pairs, n_pairs, seed, background, progress, should_stop, ground_truth,
            fixed_selection)
        report["attributes"] = attribute_report
    if ground_truth:
        report["ground_truth"] = _pointing_game(ground_truth, bundle, test_pairs, query_maps, images)
    if "attributes" in report:
        rankings = report["attributes"].pop("_rankings")
        if ground_truth:
            report["ground_truth"].update(_theme_accuracy(ground_truth, test_pairs, rankings))
    return report, selection


def _item_targets(item_ids: list[str], names: list[str], labels: dict[str, list[str]]) -> Tensor:
    column = {name: j for j, name in enumerate(names)}
    targets = torch.zeros(len(item_ids), len(names))
    for i, item_id in enumerate(item_ids):
        for name in labels.get(item_id, []):
            if name in column:
                targets[i, column[name]] = 1.0
    return targets


def _pair_records(bundle, images, pairs, selection, background, should_stop) -> tuple[list[PairParts], list[int]]:
    """Parts (with fast saliency) and oracle answers for pairs."""
    model, attribute_net = bundle.compatibility, bundle.attributes
    fast = get_explainer("fast", model)
    by_id = images.by_id
    parts_list, oracle = [], []
    for pair in pairs:
        if should_stop():
            raise Cancelled()
        query, candidate = images[pair.query], images[pair.candidate]
        space = _space(bundle, by_id, pair)
        reference = fast.embed(candidate[None])[0]
        saliency, _ = fast.explain_map(query, reference, space)
        logits, maps = attribute_outputs(attribute_net, torch.stack([query, candidate]))
        parts = pair_parts(logits[0], maps[0], saliency.cpu().numpy(), selection, partner_logits=logits[1])
        answer, _ = oracle_attribute(model, query, maps[0], parts.candidates, reference, space, background)
        parts_list.append(parts)
        oracle.append(answer)
    return parts_list, oracle


def _theme_answers(truth: dict[str, Any] | None, pairs: Sequence[Pair], names: list[str]) -> list[int | None]:
    """The vocabulary index of each positive pair's true theme (None: negative pair, no truth, or a
    theme the vocabulary lacks)."""
    if not truth:
        return [None] * len(pairs)
    column = {name: j for j, name in enumerate(names)}
    outfits = truth.get("outfits", {})
    answers: list[int | None] = []
    for pair in pairs:
        theme = (outfits.get(pair.outfit) or {}).get("theme") if pair.positive else None
        answers.append(None if not theme else column.get(theme, column.get(theme.split(":", 1)[-1])))
    return answers


def _evaluate_attributes(catalogue, bundle, images, test_pairs, n_pairs, seed, background, progress, should_stop,
                         truth=None, fixed=None):
    names = list(bundle.attributes.attributes)
    if fixed is not None:
        return fixed, _score_selection(bundle, images, test_pairs, fixed, names, background, should_stop,
                                       "given (--selection)", {"test": len(test_pairs)})
    _, labels = attribute_vocabulary(catalogue)
    selection = SelectionModel.default(names)
    # 1. calibration on validation items
    valid_items = sorted({i for o in split_outfits(catalogue, "valid") for i in o.item_ids if i in images.by_id})
    valid_items = valid_items[: max(100, 10 * n_pairs)]
    if valid_items:
        logits = torch.cat([attribute_outputs(bundle.attributes, torch.stack([images[i] for i in valid_items[s:s + 64]]))[0]
                            for s in range(0, len(valid_items), 64)])
        selection.calibration = PlattCalibration.fit(logits, _item_targets(valid_items, names, labels))
    progress(1, 4, "attribute choice")
    # 2. prior from oracle answers on training pairs
    train_pairs = sample_pairs(catalogue, "train", 2 * n_pairs, seed + 1, bundle.compatibility.categories)
    _, train_oracle = _pair_records(bundle, images, train_pairs, selection, background, should_stop)
    selection.prior = oracle_prior(train_oracle, len(names)).tolist()
    progress(2, 4, "attribute choice")
    # 3. weights on validation pairs
    valid_pairs = sample_pairs(catalogue, "valid", n_pairs, seed + 2, bundle.compatibility.categories)
    valid_parts, valid_oracle = _pair_records(bundle, images, valid_pairs, selection, background, should_stop)
    themes = _theme_answers(truth, valid_pairs, names)
    tuned_on = "ground truth (true theme of positive validation pairs)" if any(t is not None for t in themes) \
        else "removal oracle"
    if tuned_on.startswith("ground"):
        valid_parts, valid_oracle = zip(*[(p, t) for p, t in zip(valid_parts, themes) if t is not None])
    if valid_parts:
        selection.weights, _ = tune_weights(list(valid_parts), list(valid_oracle), names)
        selection.tuned = True
    progress(3, 4, "attribute choice")
    # 4. accuracy on test pairs
    report = _score_selection(bundle, images, test_pairs, selection, names, background, should_stop, tuned_on,
                              {"train_prior": len(train_pairs), "valid_tuning": len(valid_pairs),
                               "test": len(test_pairs), "calibration_items": len(valid_items)})
    progress(4, 4, "attribute choice")
    return selection, report


def _score_selection(bundle, images, test_pairs, selection, names, background, should_stop, tuned_on, counts):
    test_parts, test_oracle = _pair_records(bundle, images, test_pairs, selection, background, should_stop)
    rules = dict(RULES, combined=selection.weights)
    return {
        "oracle_accuracy": {rule: explanation_accuracy(test_parts, test_oracle, w, names) for rule, w in rules.items()},
        "weights": selection.weights.as_dict(),
        "weights_tuned_on": tuned_on,
        # top-3 is trivial when a pair has three candidates or fewer: say how many there were
        "candidates_per_pair": float(np.mean([len(p.candidates) for p in test_parts])) if test_parts else 0.0,
        "pairs": counts,
        "_rankings": {rule: [[s.name for s in rank_attributes(p, w, names)] for p in test_parts]
                      for rule, w in rules.items()},
    }


def _pointing_game(truth, bundle, pairs, query_maps, images) -> dict[str, Any]:
    """Pointing game on positive pairs: the map's maximum inside the outfit's explaining region of q."""
    items, outfits = truth.get("items", {}), truth.get("outfits", {})
    size = bundle.preprocessing.size
    hits: dict[str, list[bool]] = {m: [] for m in query_maps}
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
        for method, maps in query_maps.items():
            hits[method].append(pointing_hit(maps[index], crop_box))
    return {"pointing_game": {m: (float(np.mean(h)) if h else None) for m, h in hits.items()},
            "pointing_pairs": len(next(iter(hits.values()), []))}


def _theme_accuracy(truth, pairs, rankings) -> dict[str, Any]:
    """Top-1 (and top-3) explaining attribute = the outfit's true theme, positive pairs."""
    outfits = truth.get("outfits", {})
    result = {}
    for rule, ranked_lists in rankings.items():
        top1 = top3 = n = 0
        for pair, ranked in zip(pairs, ranked_lists):
            theme = (outfits.get(pair.outfit) or {}).get("theme")
            if not pair.positive or not theme:
                continue
            n += 1
            # the vocabulary may spell the theme bare ("star") or namespaced ("motif:star")
            spellings = {theme, theme.split(":", 1)[-1]}
            top1 += int(bool(ranked[:1]) and ranked[0] in spellings)
            top3 += int(bool(spellings & set(ranked[:3])))
        result[rule] = {"top1": top1 / n if n else None, "top3": top3 / n if n else None, "pairs": n}
    return {"theme_accuracy": result}
