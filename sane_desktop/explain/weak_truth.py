"""Weak ground truth for the explaining attribute on real catalogues (issue 17).

Real catalogues have no true theme, but they have labels: two H&M articles of one colour group and
different patterns share exactly one labelled value, and "why are these alike?" should name it. A
*weak-truth pair* (q, r) is two held-out items that share exactly one value among the labelled
attribute kinds asked for (``colour`` and ``pattern`` on H&M, ``colour`` and ``fabric`` on MANGO)
and differ in the others; its answer is that value's vocabulary name (``colour:black``).

Held-out items: those of the test split's outfits that are in no training outfit where the catalogue
has outfits (the headline protocol, item-disjoint where it exists), else the items :func:`~sane_desktop.catalogue.splits.item_split`
puts in ``test``. A selection fitted here (:func:`fit_weak_selection`) sees only the ``valid``
split's items and pairs.

The figures (:func:`score_choice`): how often the explanation's chip — the first ranked attribute,
after the abstain gate — is the shared value, over all pairs (an abstention counts as wrong) and
over the pairs where it named something; the abstentions apart; what it named instead.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor

from sane_desktop.catalogue.splits import attribute_vocabulary, item_split_ids, item_split_keys, outfits_in_split
from sane_desktop.catalogue.types import Catalogue, ItemRecord
from sane_desktop.catalogue.vocabulary import categorical_names, normalise_value
from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import (
    CHOICE_PHASE,
    RULES,
    PairParts,
    PlattCalibration,
    RankedAttribute,
    SelectionWeights,
    abstention,
    base_rates,
    finer_attributes,
    fit_abstain_threshold,
    flat_map,
    oracle_prior,
    rank_attributes,
    tune_weights,
    unrecognised_kinds,
)
from sane_desktop.explain.oracle import oracle_attribute
from sane_desktop.explain.pairs import Pair, PairImages, pair_space, pairs_digest
from sane_desktop.explain.pipeline import SelectionModel, attribute_outputs, pair_parts
from sane_desktop.explain.abstain import FLAT_MAP
from sane_desktop.explain.registry import get_explainer
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress

MAX_FIT_PAIRS = 100  # validation weak-truth pairs a selection is fitted on (the unrelated ones: half as many)
ATTEMPTS_PER_PAIR = 50  # rejection sampling gives up after this many draws per wanted pair


@dataclass(frozen=True)
class WeakPair:
    """Two held-out items sharing exactly one labelled value among the kinds: ``shared`` (a
    vocabulary name, ``colour:black``) of ``kind``; ``shared`` is "" for an *unrelated* pair (no
    value of any kind shared), drawn to fit the abstain threshold."""

    query: str
    candidate: str
    kind: str
    shared: str

    @property
    def pair(self) -> Pair:
        return Pair(self.query, self.candidate, bool(self.shared), "")


def held_out_items(catalogue: Catalogue, split: str) -> list[str]:
    """Item ids of ``split``: where the catalogue has outfit splits, the items of its outfits
    (headline protocol) that are in no training outfit — the attribute net never saw them —
    else the item split by id (catalogues without outfits); catalogue order."""
    if catalogue.splits:
        wanted = {i for outfit in outfits_in_split(catalogue, split) for i in outfit.item_ids}
        if split != "train":  # by garment: a product's colourway or a photo under another id was seen (trial AI)
            garment = item_split_keys(catalogue)
            trained = {garment.get(i, i) for outfit in outfits_in_split(catalogue, "train") for i in outfit.item_ids}
            wanted = {i for i in wanted if garment.get(i, i) not in trained}
        return [item.item_id for item in catalogue.items if item.item_id in wanted]
    return item_split_ids(catalogue, split)


def labelled_values(catalogue: Catalogue, kinds: Sequence[str]) -> dict[str, dict[str, str]]:
    """item id -> {kind: vocabulary name} for the items labelled with every kind (the others
    cannot be checked for "exactly one shared")."""
    wanted = [normalise_value(k) for k in kinds]
    out: dict[str, dict[str, str]] = {}
    for item in catalogue.items:
        attributes = _kind_values(item)
        if all(k in attributes for k in wanted):
            out[item.item_id] = {k: f"{k}:{attributes[k]}" for k in wanted}
    return out


def _kind_values(item: ItemRecord) -> dict[str, str]:
    """kind -> value of an item's labelled attributes, spelled as the vocabulary spells them."""
    return dict(name.split(":", 1) for name in categorical_names(item))


DETERMINED_SHARE = 0.8  # a kind whose value follows from another's in this share of items is the coarser (H&M: colour group -> perceived colour 92 %, -> tone 82 %)


def finest_kinds(catalogue: Catalogue, vocabulary: Sequence[str]) -> list[str]:
    """The labelled kinds a weak truth asks for when nobody names them (``train`` on a catalogue
    without outfits): the kinds of the model's categorical attributes (``colour`` of
    ``colour:red``) with at least two values, minus every kind another finer kind determines — one
    whose value follows from the other's in ≥ 80 % of the items labelled with both (H&M's
    ``colour_family`` and ``tone`` follow from its colour group): two items sharing the finer value
    share the coarser too, so no pair could share exactly one of them. Of two kinds that determine
    each other the first by name stays. Sorted names."""
    kinds = sorted({name.split(":", 1)[0] for name in vocabulary if ":" in name})
    values = {item.item_id: _kind_values(item) for item in catalogue.items}  # item -> kind -> value
    distinct = {k: len({v[k] for v in values.values() if k in v}) for k in kinds}
    kinds = [k for k in kinds if distinct[k] >= 2]

    def determines(finer: str, coarser: str) -> bool:
        pairs = Counter((v[finer], v[coarser]) for v in values.values() if finer in v and coarser in v)
        total = sum(pairs.values())
        if not total:
            return False
        best: dict[str, int] = {}
        for (a, _), count in pairs.items():
            best[a] = max(best.get(a, 0), count)
        return sum(best.values()) >= DETERMINED_SHARE * total

    dropped = set()
    for coarser in kinds:
        for finer in kinds:
            if finer != coarser and finer not in dropped and determines(finer, coarser):
                mutual = determines(coarser, finer)
                if not mutual or finer < coarser:
                    dropped.add(coarser)
                    break
    return [k for k in kinds if k not in dropped]


def sample_weak_pairs(catalogue: Catalogue, kinds: Sequence[str], n: int, seed: int, split: str = "test",
                      vocabulary: Sequence[str] | None = None, unrelated: int = 0) -> list[WeakPair]:
    """``n`` seeded weak-truth pairs of ``split``'s items, the shared kind taken in turn (so each
    kind gets its share), q drawn uniformly, r uniformly among the items with q's value of that
    kind and other values of every other kind; then ``unrelated`` pairs sharing no value of any
    kind. Only values in ``vocabulary`` (the model's attribute names) are asked for. No pair is
    drawn twice (either order). Fewer come back when the split cannot supply them."""
    kinds = [normalise_value(k) for k in kinds]
    if not kinds:
        raise InputError("name at least one attribute kind for the weak ground truth (e.g. colour,pattern)")
    rng = random.Random(seed)
    allowed = set(vocabulary) if vocabulary is not None else None
    values = labelled_values(catalogue, kinds)
    items = [i for i in held_out_items(catalogue, split) if i in values]
    by_value: dict[str, list[str]] = {}
    for item_id in items:
        for name in values[item_id].values():
            by_value.setdefault(name, []).append(item_id)
    seen: set[frozenset[str]] = set()
    pairs: list[WeakPair] = []
    for wanted, make in ((n, True), (unrelated, False)):
        start = len(pairs)
        for attempt in range(ATTEMPTS_PER_PAIR * max(1, wanted)):
            if len(pairs) - start >= wanted or not items:
                break
            kind = kinds[(len(pairs) - start) % len(kinds)]
            query = rng.choice(items)
            mine = values[query]
            if make:
                if allowed is not None and mine[kind] not in allowed:
                    continue
                choices = [r for r in by_value[mine[kind]] if r != query
                           and all(values[r][k] != mine[k] for k in kinds if k != kind)]
            else:
                choices = [r for r in items if all(values[r][k] != mine[k] for k in kinds)]
            if not choices:
                continue
            candidate = rng.choice(choices)
            key = frozenset((query, candidate))
            if key in seen:
                continue
            seen.add(key)
            pairs.append(WeakPair(query, candidate, kind if make else "", mine[kind] if make else ""))
    return pairs


@dataclass
class PairOutputs:
    """The model's outputs for one pair, computed once and shared by every selection scored:
    attribute logits of (q, r) (2, A), q's attribute maps (A, h, w), q's fast saliency map against
    E(r) (H, W), and what the removal oracle needs (E(r), the pair's space)."""

    logits: Tensor
    maps: Tensor
    saliency: np.ndarray
    reference: Tensor
    space: int

    @property
    def flat(self) -> bool:
        return flat_map(self.saliency)

    def parts(self, selection: SelectionModel) -> PairParts:
        return pair_parts(self.logits[0], self.maps, self.saliency, selection, partner_logits=self.logits[1])


def pair_outputs(bundle: ModelBundle, images: PairImages, pairs: Sequence[WeakPair],
                 progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
                 phase: str = "weak-truth pairs") -> list[PairOutputs]:
    """One fast map and one attribute pass per pair (the shipped one-pass explanation)."""
    if bundle.attributes is None:
        raise InputError("the weak ground truth scores the explaining attribute: the model has no attribute network")
    fast = get_explainer("fast", bundle.compatibility.eval(), preprocessing=bundle.preprocessing)
    out = []
    for index, weak in enumerate(pairs):
        if should_stop():
            raise Cancelled()
        query, candidate = images[weak.query], images[weak.candidate]
        space = pair_space(bundle, images.by_id, weak.pair)
        reference = fast.embed(candidate[None])[0]
        saliency, _ = fast.explain_map(query, reference, space)
        logits, maps = attribute_outputs(bundle.attributes, torch.stack([query, candidate]))
        out.append(PairOutputs(logits, maps[0], saliency.cpu().numpy(), reference, space))
        progress(index + 1, len(pairs), phase)
    return out


def oracle_answers(bundle: ModelBundle, images: PairImages, pairs: Sequence[WeakPair],
                   outputs: Sequence[PairOutputs], selection: SelectionModel, background: Tensor,
                   should_stop: CancelCheck = never_cancel) -> list[int]:
    """The removal oracle's answer (vocabulary index) for each pair among the selection's
    candidates — one forward pass per candidate attribute."""
    answers = []
    for weak, out in zip(pairs, outputs):
        if should_stop():
            raise Cancelled()
        parts = out.parts(selection)
        answer, _ = oracle_attribute(bundle.compatibility, images[weak.query], out.maps, parts.candidates,
                                     out.reference, out.space, background)
        answers.append(answer)
    return answers


def _chip(ranked: Sequence[RankedAttribute], flat: bool, threshold: float) -> tuple[str | None, str]:
    """(the named attribute or None, the abstention reason or "")."""
    reason = abstention(ranked, None, threshold) or (FLAT_MAP if flat else "")
    return (None if reason else ranked[0].name), reason


def _value(name: str) -> str:
    return name.split(":", 1)[-1]


def _kind(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else "word"


def score_choice(pairs: Sequence[WeakPair], rankings: Sequence[Sequence[RankedAttribute]], flat: Sequence[bool],
                 threshold: float, labels: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The chip against the weak truth. ``rankings``: each pair's ranked attributes (best first);
    ``flat``: whether its saliency map is flat; ``threshold``: the selection's abstain threshold;
    ``labels``: item id -> its labelled vocabulary names (for the lenient reading: the chip names
    some label both items carry). Accuracy over ``all`` pairs counts an abstention as wrong;
    ``named`` is over the pairs where an attribute was named (None when none was).
    ``within_kinds``: the same with the ranking cut to the asked kinds' values (is the right
    colour or pattern named when a colour or pattern is named?) — a reading, not the chip."""
    chips = [_chip(r, f, threshold) for r, f in zip(rankings, flat)]
    right = [named == p.shared for (named, _), p in zip(chips, pairs)]
    abstained = [named is None for named, _ in chips]
    n, n_named = len(pairs), sum(not a for a in abstained)

    def share(flags: Sequence[bool], of: int) -> float | None:
        return float(sum(flags)) / of if of else None

    kinds = {p.kind for p in pairs}
    within = [next((s.name for s in r if _kind(s.name) in kinds), None) for r in rankings]
    right_within = [not a and w == p.shared for a, w, p in zip(abstained, within, pairs)]

    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({p.kind for p in pairs}):
        rows = [i for i, p in enumerate(pairs) if p.kind == kind]
        named_rows = [i for i in rows if not abstained[i]]
        by_kind[kind] = {"pairs": len(rows), "all": share([right[i] for i in rows], len(rows)),
                         "named": share([right[i] for i in named_rows], len(named_rows)),
                         "abstained": len(rows) - len(named_rows)}
    wrong = [named for (named, _), ok in zip(chips, right) if named is not None and not ok]
    same_value = [named is not None and _value(named) == _value(p.shared) for (named, _), p in zip(chips, pairs)]
    report: dict[str, Any] = {
        "pairs": n,
        "all": share(right, n),
        "named": share(right, n_named),
        "abstained": int(sum(abstained)),
        "abstained_share": share(abstained, n),
        "abstain_reasons": dict(Counter(why.split(" (")[0] for _, why in chips if why).most_common(5)),
        "within_kinds": {"all": share(right_within, n), "named": share(right_within, n_named)},
        "top3": share([p.shared in [s.name for s in r[:3]] for p, r in zip(pairs, rankings)], n),
        "same_value_any_kind": share(same_value, n),  # e.g. the word "black" for colour:black
        "by_kind": by_kind,
        "named_instead": dict(Counter(wrong).most_common(8)),
        "named_instead_kind": dict(Counter(_kind(w) for w in wrong).most_common()),
    }
    if labels is not None:  # the chip is a label both items carry (tone:dark beside colour:black)
        both = [named is not None and named in set(labels.get(p.query, [])) & set(labels.get(p.candidate, []))
                for (named, _), p in zip(chips, pairs)]
        report["names_a_common_label"] = share(both, n)
    return report


def _majority(pairs: Sequence[WeakPair]) -> dict[str, Any]:
    counts = Counter(p.shared for p in pairs)
    name, count = counts.most_common(1)[0] if counts else ("", 0)
    return {"name": name, "share": count / len(pairs) if pairs else None}


def fit_weak_selection(catalogue: Catalogue, bundle: ModelBundle, images: PairImages, kinds: Sequence[str],
                       n_pairs: int, seed: int, background: Tensor | None = None,
                       progress: Progress = no_progress,
                       should_stop: CancelCheck = never_cancel) -> tuple[SelectionModel, dict[str, Any]]:
    """A selection fitted on the ``valid`` split only: Platt calibration on its labelled items,
    the base rates on the train split's labels, the weights and gates grid-searched for naming the
    shared value of ``n_pairs`` validation weak-truth pairs, and the abstain threshold that leaves most of ``n_pairs // 2`` unrelated validation
    pairs unexplained while silencing ≤ 5 % of the rightly named ones. The prior is the removal
    oracle's answers on the validation pairs when ``background`` is given, else uniform (and its
    weight then set to 0: a constant changes no ranking). Returns (selection, what it saw)."""
    assert bundle.attributes is not None
    names = list(bundle.attributes.attributes)
    _, labels = attribute_vocabulary(catalogue)
    selection = SelectionModel.default(names)
    selection.model_hash = bundle.content_hash  # the file names its model: no other model takes it as its own
    # how common each attribute is among the training items (the specificity part)
    train_labels = [labels.get(i, []) for i in held_out_items(catalogue, "train")]
    selection.base_rate = base_rates(train_labels, names).tolist()
    selection.finer = finer_attributes(train_labels, names)  # the finer-first rule's table
    valid_items = [i for i in held_out_items(catalogue, "valid") if i in images.by_id]
    if valid_items:
        logits = torch.cat([attribute_outputs(bundle.attributes, torch.stack([images[i] for i in valid_items[s:s + 64]]))[0]
                            for s in range(0, len(valid_items), 64)])
        targets = torch.zeros(len(valid_items), len(names))
        column = {name: j for j, name in enumerate(names)}
        for row, item_id in enumerate(valid_items):
            for name in labels.get(item_id, []):
                if name in column:
                    targets[row, column[name]] = 1.0
        selection.calibration = PlattCalibration.fit(logits, targets)
        # the kinds it cannot tell apart on these items are never named (issue 17: H&M's department)
        selection.unseen_kinds = unrecognised_kinds(selection.calibration.probabilities(logits), targets, names)
    pairs = sample_weak_pairs(catalogue, kinds, n_pairs, seed + 2, "valid", names, unrelated=n_pairs // 2)
    related = [p for p in pairs if p.shared]
    if not related:
        raise InputError("no validation pairs share exactly one labelled value: cannot fit a selection")
    outputs = pair_outputs(bundle, images, pairs, progress, should_stop, CHOICE_PHASE)
    if background is not None:
        answers = oracle_answers(bundle, images, pairs, outputs, selection, background, should_stop)
        selection.prior = oracle_prior(answers, len(names)).tolist()
    column = {name: j for j, name in enumerate(names)}
    parts = [o.parts(selection) for o in outputs]
    tuned = [(part, column[p.shared]) for part, p in zip(parts, pairs) if p.shared]
    weights, _ = tune_weights([t for t, _ in tuned], [a for _, a in tuned], names)
    if background is None:
        weights = replace(weights, prior=0.0)
    selection.weights, selection.tuned = weights, True
    evidences, right = [], []
    for part, out, p in zip(parts, outputs, pairs):
        ranked = rank_attributes(part, weights, names)
        top = ranked[0] if ranked else None
        evidences.append(-1.0 if top is None or out.flat else top.confidence * top.partner)
        right.append(top is not None and top.name == p.shared)
    threshold, stats = fit_abstain_threshold(evidences, right, [bool(p.shared) for p in pairs])
    selection.abstain_below = max(0.0, threshold)
    return selection, {"split": "valid", "calibration_items": len(valid_items), "weak_pairs": len(related),
                       "unrelated_pairs": len(pairs) - len(related),
                       "prior": "removal oracle on the validation pairs" if background is not None else "uniform",
                       "abstain_fit": stats}


def score_selection(pairs: Sequence[WeakPair], outputs: Sequence[PairOutputs], selection: SelectionModel,
                    names: list[str], labels: dict[str, list[str]] | None = None,
                    oracle: Sequence[int] | None = None) -> dict[str, Any]:
    """Every figure of one selection on the weak-truth pairs: the chip (:func:`score_choice`),
    top-1 of each fixed rule without abstention, how often q is predicted to show the shared value
    at all, and with ``oracle`` answers the agreement with the removal oracle."""
    column = {name: j for j, name in enumerate(names)}
    parts = [o.parts(selection) for o in outputs]
    flat = [o.flat for o in outputs]
    ranked = [rank_attributes(p, selection.weights, names) for p in parts]
    report = score_choice(pairs, ranked, flat, selection.abstain_below, labels)
    rules = dict(RULES, combined=selection.weights)
    report["rules_top1"] = {
        rule: float(np.mean([bool(r) and r[0].name == p.shared
                             for p, r in zip(pairs, (rank_attributes(part, w, names) for part in parts))]))
        for rule, w in rules.items()}
    report["shared_among_candidates"] = float(np.mean([column[p.shared] in part.candidates
                                                       for p, part in zip(pairs, parts)]))
    report["shared_confidence"] = {
        "query": float(np.mean([part.confidence[column[p.shared]] for p, part in zip(pairs, parts)])),
        "candidate": float(np.mean([part.partner[column[p.shared]] if part.partner is not None else 1.0
                                    for p, part in zip(pairs, parts)]))}
    report["weights"] = selection.weights.as_dict()
    report["weights_degenerate"] = selection.weights.degenerate()
    report["abstain_below"] = selection.abstain_below
    report["candidates_per_pair"] = float(np.mean([len(part.candidates) for part in parts]))
    if oracle is not None:
        report["oracle"] = {
            "chip_is_oracle": float(np.mean([bool(r) and r[0].index == a for r, a in zip(ranked, oracle)])),
            "oracle_is_shared": float(np.mean([a == column[p.shared] for a, p in zip(oracle, pairs)])),
        }
    return report


def evaluate_weak_truth(catalogue: Catalogue, bundle: ModelBundle, kinds: Sequence[str], n_pairs: int,
                        seed: int = 0, shipped: SelectionModel | None = None, shipped_source: str = "defaults",
                        fit: bool = True, with_oracle: bool = False, background: Tensor | None = None,
                        progress: Progress = no_progress,
                        should_stop: CancelCheck = never_cancel) -> tuple[dict[str, Any], SelectionModel | None]:
    """Score the explaining attribute on ``n_pairs`` test weak-truth pairs (module docstring):
    the ``shipped`` selection (what the app uses for this model; untuned defaults when None) and,
    with ``fit``, one fitted on the valid split (:func:`fit_weak_selection`). ``with_oracle``
    (needs ``background``) also runs the removal oracle (one forward pass per candidate).
    Returns (report, the fitted selection or None). Raises InputError when the model's vocabulary
    has no value of a kind, or the test split gives no pair."""
    if bundle.attributes is None:
        raise InputError("the weak ground truth scores the explaining attribute: the model has no attribute network")
    if with_oracle and background is None:
        raise InputError("the removal oracle needs the background image")
    names = list(bundle.attributes.attributes)
    kinds = [normalise_value(k) for k in kinds]
    missing = [k for k in kinds if not any(name.startswith(f"{k}:") for name in names)]
    if missing:
        raise InputError(f"the model's attribute vocabulary has no {', '.join(missing)} values "
                         f"(it knows {', '.join(sorted({_kind(n) for n in names} - {'word'})) or 'words only'})")
    test_pairs = sample_weak_pairs(catalogue, kinds, n_pairs, seed, "test", names)
    if not test_pairs:
        raise InputError(f"no test pair of items shares exactly one {' or '.join(kinds)} value")
    images = PairImages(catalogue, bundle)
    _, labels = attribute_vocabulary(catalogue)
    outputs = pair_outputs(bundle, images, test_pairs, progress, should_stop)
    selections: dict[str, tuple[SelectionModel, dict[str, Any]]] = {
        "shipped": (shipped or SelectionModel.default(names), {"source": shipped_source})}
    fitted: SelectionModel | None = None
    if fit:
        fitted, seen = fit_weak_selection(catalogue, bundle, images, kinds, min(n_pairs, MAX_FIT_PAIRS), seed,
                                          background if with_oracle else None, progress, should_stop)
        selections["fitted"] = (fitted, {"source": "fitted here on the valid split", **seen})
    report: dict[str, Any] = {
        "kinds": kinds, "split": "test", "pairs": len(test_pairs), "pairs_digest": pairs_digest(test_pairs),
        "pairs_by_kind": dict(Counter(p.kind for p in test_pairs)),
        "held_out_items": len(held_out_items(catalogue, "test")),
        "majority_answer": _majority(test_pairs),
        "distinct_answers": len({p.shared for p in test_pairs}),
        "selections": {},
    }
    for label, (selection, about) in selections.items():
        oracle = (oracle_answers(bundle, images, test_pairs, outputs, selection, background, should_stop)
                  if with_oracle and background is not None else None)
        report["selections"][label] = {**about, **score_selection(test_pairs, outputs, selection, names, labels, oracle)}
    return report, fitted
