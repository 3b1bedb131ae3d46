"""The explaining attribute's evaluation: fit the attribute choice without the test pairs, then score it.

Platt calibration is fitted on validation items, the oracle prior on training pairs, and the
combination weights on validation pairs — against the catalogue's ground truth (the true theme of
positive pairs' outfits, on the demo) where there is one, else against the removal oracle. The
choice is then scored on the test pairs: accuracy against the removal oracle for every rule and,
on catalogues with ground truth, accuracy against the true theme. A ``fixed`` selection (e.g. one
fitted on another catalogue) is scored as given, without fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from sane_desktop.explain.attribute_choice import (
    CHOICE_PHASE,
    RULES,
    PairParts,
    PlattCalibration,
    SelectionWeights,
    abstention,
    base_rates,
    finer_attributes,
    explanation_accuracy,
    fit_abstain_threshold,
    flat_map,
    oracle_prior,
    rank_attributes,
    tune_weights,
    unrecognised_kinds,
)
from sane_desktop.explain.abstain import FLAT_MAP
from sane_desktop.explain.registry import get_explainer
from sane_desktop.explain.oracle import oracle_attribute
from sane_desktop.explain.pairs import Pair, pair_space, sample_pairs
from sane_desktop.explain.pipeline import SelectionModel, attribute_outputs, pair_parts
from sane_desktop.progress import Cancelled, Progress, no_progress
from sane_desktop.catalogue.splits import attribute_vocabulary, outfits_in_split


SCORE_PHASE = "attribute choice on test pairs"  # progress label of the scoring that follows the fit


def _item_targets(item_ids: list[str], names: list[str], labels: dict[str, list[str]]) -> Tensor:
    column = {name: j for j, name in enumerate(names)}
    targets = torch.zeros(len(item_ids), len(names))
    for i, item_id in enumerate(item_ids):
        for name in labels.get(item_id, []):
            if name in column:
                targets[i, column[name]] = 1.0
    return targets


def _pair_records(bundle, images, pairs, selection, background, should_stop,
                  flat: list[bool] | None = None,
                  tick: Callable[[], None] = lambda: None) -> tuple[list[PairParts], list[int]]:
    """Parts (with fast saliency) and oracle answers for pairs; ``flat`` (when given) gets whether
    each pair's saliency map is flat (nothing to point at); ``tick`` is called after each pair (the
    removal oracle makes a pair cost a few passes: minutes over a few hundred pairs)."""
    model, attribute_net = bundle.compatibility, bundle.attributes
    fast = get_explainer("fast", model, preprocessing=bundle.preprocessing)
    by_id = images.by_id
    parts_list, oracle = [], []
    for pair in pairs:
        if should_stop():
            raise Cancelled()
        query, candidate = images[pair.query], images[pair.candidate]
        space = pair_space(bundle, by_id, pair)
        reference = fast.embed(candidate[None])[0]
        saliency, _ = fast.explain_map(query, reference, space)
        logits, maps = attribute_outputs(attribute_net, torch.stack([query, candidate]))
        saliency_np = saliency.cpu().numpy()
        if flat is not None:
            flat.append(flat_map(saliency_np))
        parts = pair_parts(logits[0], maps[0], saliency_np, selection, partner_logits=logits[1])
        answer, _ = oracle_attribute(model, query, maps[0], parts.candidates, reference, space, background)
        parts_list.append(parts)
        oracle.append(answer)
        tick()
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


def fit_selection(catalogue, bundle, images, n_pairs, seed, background, progress, should_stop, truth=None):
    """Fit the attribute selection of ``bundle`` on the catalogue's train/valid splits (SANE,
    Plummer et al. ECCV 2020, section 3.3): Platt calibration of the attribute logits on validation
    items, the oracle prior on training pairs, the part weights on validation pairs (against the
    true theme where ``truth`` has one, else the removal oracle). Returns (selection, tuned_on,
    counts) — never looks at the test split."""
    names = list(bundle.attributes.attributes)
    _, labels = attribute_vocabulary(catalogue)
    selection = SelectionModel.default(names)
    selection.model_hash = bundle.content_hash  # the file names its model: no other model takes it as its own
    # one count over the whole fit, a pair at a time (a trial saw minutes without a moving bar)
    train_pairs = sample_pairs(catalogue, "train", 2 * n_pairs, seed + 1, bundle.compatibility.categories)
    valid_pairs = sample_pairs(catalogue, "valid", n_pairs, seed + 2, bundle.compatibility.categories)
    total, done = 1 + len(train_pairs) + len(valid_pairs), [0]

    def tick() -> None:
        done[0] += 1
        progress(done[0], total, CHOICE_PHASE)

    # 0. how common each attribute is among the training items (the specificity part)
    train_items = {i for o in outfits_in_split(catalogue, "train") for i in o.item_ids}
    train_labels = [labels.get(i, []) for i in sorted(train_items)]
    selection.base_rate = base_rates(train_labels, names).tolist()
    selection.finer = finer_attributes(train_labels, names)  # the finer-first rule's table
    # 1. calibration on validation items
    valid_items = sorted({i for o in outfits_in_split(catalogue, "valid") for i in o.item_ids if i in images.by_id})
    valid_items = valid_items[: max(100, 10 * n_pairs)]
    if valid_items:
        logits = torch.cat([attribute_outputs(bundle.attributes, torch.stack([images[i] for i in valid_items[s:s + 64]]))[0]
                            for s in range(0, len(valid_items), 64)])
        targets = _item_targets(valid_items, names, labels)
        selection.calibration = PlattCalibration.fit(logits, targets)
        # the kinds it cannot tell apart on these items are never named (issue 17: MANGO's line "she")
        selection.unseen_kinds = unrecognised_kinds(selection.calibration.probabilities(logits), targets, names)
    tick()
    # 2. prior from oracle answers on training pairs
    _, train_oracle = _pair_records(bundle, images, train_pairs, selection, background, should_stop, tick=tick)
    selection.prior = oracle_prior(train_oracle, len(names)).tolist()
    # 3. weights on validation pairs
    valid_flat: list[bool] = []
    all_parts, all_oracle = _pair_records(bundle, images, valid_pairs, selection, background, should_stop, valid_flat,
                                          tick)
    themes = _theme_answers(truth, valid_pairs, names)
    tuned_on = "ground truth (true theme of positive validation pairs)" if any(t is not None for t in themes) \
        else "removal oracle"
    # the answer each validation pair should name (None: none to name)
    answers: list[int | None] = list(themes) if tuned_on.startswith("ground") else \
        [o if p.positive else None for o, p in zip(all_oracle, valid_pairs)]
    # weights: against the true theme on themed pairs, else the oracle on every pair (as before)
    fitted = [(p, a) for p, a in zip(all_parts, themes if tuned_on.startswith("ground") else all_oracle)
              if a is not None]
    if fitted:
        selection.weights, _ = tune_weights([p for p, _ in fitted], [a for _, a in fitted], names)
        selection.tuned = True
        selection.abstain_below = _fit_abstain(all_parts, answers, valid_flat, selection.weights, names)
    counts = {"train_prior": len(train_pairs), "valid_tuning": len(valid_pairs), "calibration_items": len(valid_items)}
    return selection, tuned_on, counts


def _fit_abstain(parts: Sequence[PairParts], answers: Sequence[int | None], flat: Sequence[bool],
                 weights: SelectionWeights, names: list[str]) -> float:
    """The abstain threshold on validation pairs: pairs with an answer (positive pairs with their
    true theme, or their oracle answer) should be named right, the others (negative pairs) left
    unexplained. A flat map abstains whatever the threshold, so its evidence counts as none."""
    evidences, right = [], []
    for p, answer, is_flat in zip(parts, answers, flat):
        ranked = rank_attributes(p, weights, names)
        top = ranked[0] if ranked else None
        evidences.append(-1.0 if top is None or is_flat else top.confidence * top.partner)
        right.append(top is not None and top.index == answer)
    threshold, _ = fit_abstain_threshold(evidences, right, [a is not None for a in answers])
    return max(0.0, threshold)


def evaluate_attribute_choice(catalogue, bundle, images, test_pairs, n_pairs, seed, background, progress,
                              should_stop, truth=None, fixed=None):
    names = list(bundle.attributes.attributes)
    if fixed is not None:
        return fixed, _score_selection(bundle, images, test_pairs, fixed, names, background, should_stop,
                                       "given (--selection)", {"test": len(test_pairs)})
    selection, tuned_on, counts = fit_selection(catalogue, bundle, images, n_pairs, seed, background, progress,
                                                should_stop, truth)
    # 4. accuracy on test pairs
    report = _score_selection(bundle, images, test_pairs, selection, names, background, should_stop, tuned_on,
                              {**counts, "test": len(test_pairs)}, progress)
    return selection, report


def _score_selection(bundle, images, test_pairs, selection, names, background, should_stop, tuned_on, counts,
                     progress: Progress = no_progress):
    flat: list[bool] = []
    done = iter(range(1, len(test_pairs) + 1))
    test_parts, test_oracle = _pair_records(bundle, images, test_pairs, selection, background, should_stop, flat,
                                            lambda: progress(next(done), len(test_pairs), SCORE_PHASE))
    rules = dict(RULES, combined=selection.weights)
    rankings = {rule: [[s.name for s in rank_attributes(p, w, names)] for p in test_parts] for rule, w in rules.items()}
    # the shipped answer: the combined rule, or nothing where it abstains
    reasons = [abstention(rank_attributes(p, selection.weights, names), None, selection.abstain_below)
               or (FLAT_MAP if f else "") for p, f in zip(test_parts, flat)]
    rankings["combined_or_abstain"] = [[] if why else ranked for why, ranked in zip(reasons, rankings["combined"])]
    positive = [p.positive for p in test_pairs]
    abstained = [bool(why) for why in reasons]
    oracle_named = [bool(r) and r[0] == names[o] for r, o in zip(rankings["combined_or_abstain"], test_oracle)]
    return {
        "oracle_accuracy": {rule: explanation_accuracy(test_parts, test_oracle, w, names) for rule, w in rules.items()},
        "oracle_accuracy_or_abstain": {"top1": float(np.mean(oracle_named)) if oracle_named else 0.0},
        "abstention": {
            "threshold": selection.abstain_below,
            "positive_pairs": float(np.mean([a for a, p in zip(abstained, positive) if p])) if any(positive) else None,
            "negative_pairs": (float(np.mean([a for a, p in zip(abstained, positive) if not p]))
                               if not all(positive) else None),
            "flat_maps": int(sum(flat)),
        },
        "weights": selection.weights.as_dict(),
        "weights_degenerate": selection.weights.degenerate(),
        "weights_tuned_on": tuned_on,
        # top-3 is trivial when a pair has three candidates or fewer: say how many there were
        "candidates_per_pair": float(np.mean([len(p.candidates) for p in test_parts])) if test_parts else 0.0,
        "pairs": counts,
        "_rankings": rankings,
    }


def theme_accuracy(truth, pairs, rankings) -> dict[str, Any]:
    """Top-1 (and top-3) explaining attribute = the outfit's true theme, positive pairs."""
    outfits = truth.get("outfits", {})
    result: dict[str, Any] = {}
    kinds: dict[str, dict[str, list[bool]]] = {}  # the shipped answer per theme kind (colour, pattern, motif)
    for pair, ranked in zip(pairs, rankings.get("combined_or_abstain", [])):
        theme = (outfits.get(pair.outfit) or {}).get("theme")
        if pair.positive and theme:
            kind = theme.split(":", 1)[0] if ":" in theme else str((outfits.get(pair.outfit) or {}).get("theme_kind", "?"))
            kinds.setdefault(kind, {"right": []})["right"].append(
                bool(ranked) and ranked[0] in {theme, theme.split(":", 1)[-1]})
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
    return {"theme_accuracy": result,
            "theme_accuracy_by_kind": {k: {"top1": float(np.mean(v["right"])), "pairs": len(v["right"])}
                                       for k, v in sorted(kinds.items())}}
