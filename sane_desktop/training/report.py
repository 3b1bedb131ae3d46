"""One evaluation run: the trained model and its baselines (random, colour histogram, the untrained
network of the same architecture) on one split, with the same questions for all.

Every outfit protocol of the catalogue is reported (``protocols``, keyed by name); the headline is
:func:`~sane_desktop.catalogue.splits.pick_protocol`'s (the item-disjoint ``generated-disjoint``
where the catalogue has it, Polyvore's ``nondisjoint`` on Polyvore) and is repeated at the top level
(``protocol``, ``counts``, ``methods``). Each protocol also gets its sizes and its leakage
(:func:`~sane_desktop.catalogue.splits.protocol_leakage`). Catalogues without outfit splits (H&M
articles) get attribute mAP only, on the item split (``catalogue.splits.item_split``)."""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sane_desktop.errors import InputError
from sane_desktop.catalogue.types import Catalogue, CompatibilityQuestion, FitbQuestion, ItemRecord
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, pick_device
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.catalogue.splits import (
    DISJOINT_MEANING, DISJOINT_PROTOCOLS, ITEM_PROTOCOL, attribute_vocabulary, item_split_ids, item_split_keys,
    outfit_protocols,
    outfits_in_split, pick_protocol, protocol_counts, protocol_leakage, questions_in_split,
)
from sane_desktop.catalogue.provenance import learnt_from, learnt_items, recorded
from sane_desktop.retrieval.embedding import embed_images, has_frozen_trunk, trunk_identity
from sane_desktop.retrieval.indexing.embed import FILE_GONE, unread_reason
from sane_desktop.retrieval.indexing.model import trained_elsewhere, trained_on
from sane_desktop.retrieval.feature_cache import FeatureCache
from sane_desktop.training.data import ImageCache, attribute_targets
from sane_desktop.training.features import content_hashes
from sane_desktop.training.head_trainer import random_features_distance
from sane_desktop.training.evaluation import (
    PairDistance, attribute_scores, colour_histograms, compatibility_auc, embedding_distance, fitb_accuracy,
    fitb_answers, fitb_question_key, histogram_distance, mean_average_precision, network_distance, random_distance,
    questions_digest, regroup_fitb,
)


def _untrained(bundle: ModelBundle, seed: int) -> tuple[CompatibilityNet, AttributeNet | None]:
    torch.manual_seed(seed)
    compat = CompatibilityNet(bundle.compatibility.categories, bundle.compatibility.embed_dim,
                              bundle.compatibility.width, trunk=bundle.compatibility.trunk.kind,
                              pooling=bundle.compatibility.pooling)
    attr = None
    if bundle.attributes is not None:
        shared = bundle.attributes.trunk is bundle.compatibility.trunk
        attr = AttributeNet(bundle.attributes.attributes, compat.width, compat.trunk if shared else None,
                            kind=compat.trunk.kind)
    return compat.eval(), attr


def scored_attributes(names: list[str], bundle: ModelBundle) -> list[str]:
    """The catalogue's attribute ``names`` that the model's attribute net has (all of them when it
    has none: then nothing is scored anyway). A name the model never learnt is left out of every
    method's mAP, not scored as a constant (which would pass its base rate off as the model's AP)."""
    if bundle.attributes is None:
        return names
    known = set(bundle.attributes.attributes)
    return [name for name in names if name in known]


def _attribute_logits(net: AttributeNet | None, names: list[str], cache: ImageCache, item_ids: list[str],
                      prep: Preprocessing, device: torch.device, progress: Progress = no_progress) -> np.ndarray | None:
    if net is None or not names or not item_ids:
        return None
    column = {name: j for j, name in enumerate(net.attributes)}  # ``names``: scored_attributes'
    scores = attribute_scores(net.to(device), cache, item_ids, prep, device, progress=progress)
    return np.stack([scores[:, column[n]] for n in names], 1)


def adapted_note(bundle: ModelBundle) -> str:
    """What an adapted model's figures are (""; not adapted): ``adapt`` recomputes the BatchNorm
    statistics on every image of a catalogue, its test split's too, and the baselines are not adapted
    (trial AI: nothing said so beside the figures)."""
    adapted = bundle.config.get("adapted_to")
    if not isinstance(adapted, dict):
        return ""
    return (f"the model was adapted to the {adapted.get('images', '?')} images of catalogue "
            f"{adapted.get('catalogue', '?')!r} (normalisation statistics, no labels), its test images among them "
            "when that is this catalogue; the baselines were not adapted")


def trained_here(catalogue: Catalogue, bundle: ModelBundle) -> bool | None:
    """Whether ``bundle`` was trained on ``catalogue``'s folder, as ``train`` recorded it (None: not recorded)."""
    folder = trained_on(bundle)
    return None if folder is None else Path(folder) == Path(catalogue.root).resolve()


def refuse_learnt_split(catalogue: Catalogue, bundle: ModelBundle, split: str) -> None:
    """Raise :class:`~sane_desktop.errors.InputError` (one line, what to do) when ``bundle``, trained
    on this catalogue, learnt from its ``split`` as the catalogue splits it now: a training outfit among
    the held-out ones, or a training garment in a split meant to hold unseen ones (the catalogue's
    split drawn again since: trial AK's "test" FITB 0.444 was partly on training outfits). Models that
    kept no record, or were trained elsewhere, pass (their notes say what is known)."""
    if not trained_here(catalogue, bundle):
        return
    learnt = learnt_from(catalogue, bundle.config, split)
    if learnt is not None and learnt.broken:
        raise InputError(learnt.words())


def _outfit_notes(catalogue: Catalogue, bundle: ModelBundle, split: str, protocol: str) -> tuple[list[str], float | None]:
    """What the model's split record says of ``split``'s outfits under ``protocol``: notes, and the share
    of them it trained or was chosen on (None: not known here). A model trained on this folder names the
    outfits it learnt from; one trained in another folder whose recorded outfit ids are among these is
    told as a possible copy (trial AP: a copied catalogue was scored on the model's own training outfits,
    its leakage reading 0); one trained here that kept no record says the split cannot be checked."""
    here = trained_here(catalogue, bundle)
    entry = recorded(bundle.config)
    if split == "train" or here is None:
        return [], None
    if entry is None:
        return ([] if not here else ["the model kept no record of the split it was trained on (trained before "
                                     "records were kept): if the catalogue's split changed since, these figures "
                                     "may score outfits it learnt from"]), None
    learnt = learnt_from(catalogue, bundle.config, split, protocol)
    if learnt is None:
        return [], None
    share = learnt.outfits_learnt / learnt.outfits if here and learnt.outfits else None
    if not learnt.outfits_learnt:
        return [], share
    role = f"training{' or validation' if split == 'test' else ''} outfits"
    if here:
        return [f"{learnt.outfits_learnt} of these {learnt.outfits} {split} outfits were {role} of the model "
                f"(protocol {entry['protocol']!r}), which it may remember"], share
    return [f"{learnt.outfits_learnt} of these {learnt.outfits} {split} outfits have the ids of the model's {role}: "
            f"if this folder is a copy of the one it was trained on ({trained_on(bundle)}), these figures score "
            "what it learnt from"], share


def refuse_learnt_items(catalogue: Catalogue, bundle: ModelBundle, item_ids: list[str]) -> None:
    """Raise InputError when ``bundle``, trained on this catalogue, learnt from some of ``item_ids``
    (test items meant to be unseen: the weak truth's held-out items), by its record and by garment."""
    if not trained_here(catalogue, bundle):
        return
    seen = learnt_items(catalogue, bundle.config, item_ids)
    if seen:
        raise InputError(f"{seen} of the {len(item_ids)} held-out test items were training items of this model: "
                         "the catalogue's split has changed since it was trained (outfits added or edited, or a "
                         "split file changed); train it again on the catalogue as it is now")


def elsewhere_note(catalogue: Catalogue, bundle: ModelBundle) -> str:
    """A note when ``bundle`` was trained on another catalogue folder (trial AK: ``evaluate`` said nothing,
    and its leakage line described this catalogue's split, which the model never saw), or records none
    (trial CH); "" when it was trained on this one."""
    here = trained_here(catalogue, bundle)
    if here is None:
        return ("the model records no catalogue folder it was trained on (a model built into the app, or one "
                "trained before that was kept): whether it saw these items is not known (items_in_model_training "
                "is null)")
    if here:
        return ""
    return (f"{trained_elsewhere(bundle, catalogue.root)}; the leakage figures describe this catalogue's split, "
            "not what the model saw")


def chosen_on_note(catalogue: Catalogue, bundle: ModelBundle, split: str) -> str:
    """A note when ``split`` is the one a model trained on this catalogue had its best epoch chosen on (trial
    CH: ``evaluate --split valid`` read like a held-out figure); "" otherwise."""
    if split != "valid" or not trained_here(catalogue, bundle):  # (one trained elsewhere, or not known: not here)
        return ""
    return ("the valid split chose the model's best epoch (and its explanation selection) when it was trained here: "
            "its figures are optimistic; the test split is the held-out one")


def evaluate_attributes(catalogue: Catalogue, bundle: ModelBundle, split: str = "test", *, seed: int = 0,
                        device: torch.device | None = None, progress: Progress = no_progress,
                        should_stop: CancelCheck = never_cancel) -> dict[str, Any]:
    """Attribute mAP of the model, the untrained network and random on the item split's ``split``;
    FITB and AUC are None (no outfits to ask about)."""
    started = time.perf_counter()
    device = device or pick_device()
    labelled, labels = attribute_vocabulary(catalogue)
    if not labelled:
        raise InputError("the catalogue has neither outfit splits nor attributes to evaluate")
    names = scored_attributes(labelled, bundle)
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
               "random": figures(rng.random(targets.shape) if item_ids and names else None)}
    counts = {"fitb": 0, "compatibility": 0, "attribute_items": len(item_ids), "attributes": len(labelled),
              "attributes_known_to_model": len(names), "attributes_scored": scored,
              "questions_digest": questions_digest([], [], item_ids)}
    notes = ("no outfits: items split 80/10/10 by crc32 of their product, or of the id (a product's variants and "
             "byte-identical photos share a split); attribute mAP only, averaged over the "
             "attributes with a positive and a negative item in the split (attributes_scored)")
    if not names:
        notes += ("; the model knows none of this catalogue's attributes (it learnt its own on another "
                  "catalogue): no attribute mAP")
    for note in (adapted_note(bundle), elsewhere_note(catalogue, bundle), chosen_on_note(catalogue, bundle, split)):
        if note:
            notes += "; " + note
    return {
        "split": split, "protocol": ITEM_PROTOCOL, "headline": ITEM_PROTOCOL, "model_hash": bundle.content_hash,
        "trained_protocol": bundle.config.get("protocol"), "counts": counts, "methods": methods,
        "protocols": {ITEM_PROTOCOL: {"counts": counts, "methods": methods, "leakage": None, "disjoint": True,
                                      "notes": notes}},
        "seconds": round(time.perf_counter() - started, 1), "notes": notes,
    }


GROUP_NOTE = ("fitb: wrong answers as the catalogue's questions draw them (same category, and same group where "
              "items have one); fitb_group_unmatched: same category, any group")
RANDOM_FEATURES = "random_features"  # the reserved baseline row, see _scorers
# (trial EH: an untrained one's chance figures read as "no leakage")
RANDOM_FEATURES_UNTRAINED = ("random_features could not be trained (no batch of the train outfits drew a triplet): "
                             "its figures are chance, and say nothing of leakage")


@dataclass
class _Questions:
    """One protocol's questions on the evaluated split, kept to the model's categories."""

    protocol: str
    fitb: list[FitbQuestion]
    compatibility: list[CompatibilityQuestion]
    split_items: list[str]  # the split's outfit items (attribute mAP and the unmatched FITB pool)
    unmatched: list[FitbQuestion]  # the same FITB questions, wrong answers from any group
    asked_fitb: int = 0  # FITB questions of the split before those the model cannot score were left out
    unknown: tuple[str, ...] = ()  # the categories of the split's outfits the model does not know


@dataclass
class _Scorer:
    """One method: a pair distance and attribute logits (rows: ``attribute_items``), or None."""

    distance: PairDistance
    attribute_logits: np.ndarray | None
    note: str = ""  # said in every protocol's notes (a baseline that could not be trained)


def _questions(catalogue: Catalogue, protocol: str, split: str, items: dict[str, ItemRecord], known: set[str],
               grouped: bool, seed: int) -> _Questions:
    fitb, compat = questions_in_split(catalogue, split, protocol)
    asked_fitb = len(fitb)
    unknown = tuple(sorted({items[i].category for q in fitb for i in [*q.question_item_ids, *q.answer_item_ids]
                            if items[i].category not in known}))
    fitb = [q for q in fitb if all(items[i].category in known for i in [*q.question_item_ids, *q.answer_item_ids])]
    compat = [q for q in compat if all(items[i].category in known for i in q.item_ids)]
    split_items = list(dict.fromkeys(i for o in outfits_in_split(catalogue, split, protocol) for i in o.item_ids
                                     if items[i].category in known))
    unmatched = regroup_fitb(fitb, items, split_items, seed) if grouped else []
    return _Questions(protocol, fitb, compat, split_items, unmatched, asked_fitb, unknown)


def _scorers(catalogue: Catalogue, bundle: ModelBundle, cache: ImageCache, needed: list[str], category: dict[str, int],
             attribute_logits: Callable[..., np.ndarray | None], attribute_shape: tuple[int, int],
             seed: int, device: torch.device, baselines: bool = True,
             progress: Progress = no_progress) -> dict[str, _Scorer]:
    """The model and (``baselines``) its baselines, in report order, each scoring every protocol's
    questions; ``progress`` hears the model's embedding and attribute scoring (the baselines are quick
    beside them, or share the images already decoded)."""
    scorers: dict[str, _Scorer] = {}
    model = bundle.compatibility.to(device)
    scorers["model"] = _Scorer(network_distance(model, cache, needed, category, bundle.preprocessing, device,
                                                progress=progress),
                               attribute_logits(bundle.attributes, progress))
    if not baselines:
        return scorers
    # a head trained on seeded random per-item features, on the train outfits of the protocol the
    # model was trained on: what remembering item identities alone is worth (issue 16) — high on a
    # leaky protocol, chance on a disjoint one
    trained = bundle.config.get("protocol")
    protocols = {record.protocol for record in catalogue.splits}
    protocol = trained if isinstance(trained, str) and trained in protocols else pick_protocol(catalogue)
    distance, trained = random_features_distance(catalogue, protocol, model.categories, needed, seed)
    scorers[RANDOM_FEATURES] = _Scorer(distance, None, "" if trained else RANDOM_FEATURES_UNTRAINED)
    untrained, untrained_attr = _untrained(bundle, seed)
    untrained.to(device)
    scorers["untrained"] = _Scorer(network_distance(untrained, cache, needed, category, bundle.preprocessing, device),
                                   attribute_logits(untrained_attr))
    scorers["colour_histogram"] = _Scorer(histogram_distance(colour_histograms(cache, needed)), None)
    rng = np.random.default_rng(zlib.crc32(f"{seed}".encode()))
    scorers["random"] = _Scorer(random_distance(seed), rng.random(attribute_shape) if attribute_shape[1] else None)
    return scorers


def _cached_scorer(catalogue: Catalogue, bundle: ModelBundle, needed: list[str], category: dict[str, int],
                   attribute_items: list[str], names: list[str], device: torch.device, progress: Progress,
                   should_stop: CancelCheck) -> _Scorer:
    """The model's scorer as the index embeds: its frozen trunk's cell features read from the feature
    cache (the index and the training put them there; any missing are computed and added), then its
    heads (:func:`~sane_desktop.retrieval.embedding.embed_images`). No image is decoded when all are
    cached: the window's training compares the new model with the current one this way (a trial's
    comparison decoded and embedded the validation images twice, 50–90 s of a 165 s run)."""
    by_id = catalogue.item_by_id()
    paths = [catalogue.root / by_id[i].image_path for i in needed]
    hashes = content_hashes(paths, progress, should_stop)  # the feature cache's keys
    bundle.compatibility.to(device)
    if bundle.attributes is not None:
        bundle.attributes.to(device)
    embeddings = np.zeros((len(needed), bundle.compatibility.embed_dim), np.float32)
    scores: np.ndarray | None = None
    done = 0
    for batch in embed_images(bundle, paths, hashes=hashes, cache=FeatureCache(trunk_identity(bundle)),
                              should_stop=should_stop):
        if batch.failed or batch.changed:
            position = (batch.failed or batch.changed)[0]
            if batch.failed and unread_reason(paths[position]) == FILE_GONE:
                raise InputError(f"cannot read {paths[position]}: it was moved or deleted since the catalogue was "
                                 "indexed (index the catalogue again)")
            raise InputError(f"cannot read {paths[position]}: unreadable, or replaced while it was read")
        embeddings[batch.indices] = batch.embeddings
        if batch.attribute_scores is not None:
            if scores is None:
                scores = np.zeros((len(needed), batch.attribute_scores.shape[1]), np.float32)
            scores[batch.indices] = batch.attribute_scores
        done += len(batch.indices)
        progress(done, len(needed), "embedding")
    distance = embedding_distance(bundle.compatibility, torch.from_numpy(embeddings), needed, category)
    logits = None
    if scores is not None and bundle.attributes is not None and names and attribute_items:
        at = {item_id: k for k, item_id in enumerate(needed)}
        column = {name: j for j, name in enumerate(bundle.attributes.attributes)}
        rows = scores[[at[i] for i in attribute_items]]
        logits = np.stack([rows[:, column[n]] for n in names], 1)  # probabilities: the same ranking as logits
    return _Scorer(distance, logits)


def _trained_overlap(catalogue: Catalogue, bundle: ModelBundle, trained_protocol: Any,
                     split_items: list[str]) -> float | None:
    """Share of ``split_items`` the model saw in training: in the items its training split held as
    it recorded them (:mod:`~sane_desktop.catalogue.provenance`), else in the train outfits of the
    protocol it names as the catalogue splits it now. None when it names none this catalogue has, or
    it was trained on another catalogue, or records none (a bundled model: its recorded item ids are of the
    drawn world it was trained on, which another drawn catalogue reuses for other pictures — trial CH read
    0.92 for demo.pt on a demo it never saw)."""
    if not isinstance(trained_protocol, str) or not split_items or not trained_here(catalogue, bundle):
        return None
    garment = item_split_keys(catalogue)  # a product's other colourway, a photo under another id: seen too
    entry = recorded(bundle.config)
    if entry is not None:  # what it trained on, even if the catalogue's split was drawn again since
        seen = {garment.get(i, i) for i in entry["items"]}
    elif trained_protocol in {s.protocol for s in catalogue.splits}:
        seen = {garment.get(i, i) for o in outfits_in_split(catalogue, "train", trained_protocol) for i in o.item_ids}
    else:
        return None
    return sum(1 for i in split_items if garment.get(i, i) in seen) / len(split_items)


class NothingToEvaluate(InputError):
    """The split holds no question and no item the model can be scored on (its figures would all be n/a)."""


def evaluate(catalogue: Catalogue, bundle: ModelBundle, split: str = "test", *, seed: int = 0,
             device: torch.device | None = None, progress: Progress = no_progress,
             should_stop: CancelCheck = never_cancel, outfit_kinds: dict[str, str] | None = None,
             keep_answers: bool = False, baselines: bool = True) -> dict[str, Any]:
    """FITB, compatibility AUC and attribute mAP of the model and its baselines on ``split`` of every
    outfit protocol of the catalogue, each image decoded and embedded once for all of them.
    ``keep_answers`` adds each protocol's ``fitb_answers``: question key
    (:func:`~sane_desktop.training.evaluation.fitb_question_key`) -> the model answered it right,
    for paired comparisons of two models on the same questions (``bench/experiments/trunk_choice.py``);
    ``baselines=False`` scores the model alone (``methods`` holds ``model`` only).

    Returns ``{"split", "headline", "protocol" (= headline), "model_hash", "trained_protocol",
    "counts", "methods", "notes" (the headline's), "protocols": {name: {"counts", "methods",
    "leakage", "disjoint", "notes"}}, "seconds"}``. ``methods``: ``{method: {"fitb", "auc",
    "attribute_map"[, "fitb_group_unmatched"][, "fitb_by_kind"]}}``. ``outfit_kinds`` (outfit id -> a
    label, e.g. the demo's theme kind from its ground truth) adds ``fitb_by_kind``: FITB on the
    questions of each label's outfits. Without outfit splits: :func:`evaluate_attributes`.
    Raises :class:`NothingToEvaluate` when no protocol's ``split`` holds a question or item to score."""
    if not catalogue.splits:
        return evaluate_attributes(catalogue, bundle, split, seed=seed, device=device, progress=progress,
                                   should_stop=should_stop)
    started = time.perf_counter()
    device = device or pick_device()
    items = catalogue.item_by_id()
    known = set(bundle.compatibility.categories)
    grouped = any(item.group for item in catalogue.items)
    asked = [_questions(catalogue, p, split, items, known, grouped, seed) for p in outfit_protocols(catalogue)]
    if not any(a.fitb or a.compatibility or a.split_items for a in asked):  # a table of n/a said nothing (trial CS)
        held = {name: len(outfits_in_split(catalogue, name, asked[0].protocol)) for name in ("train", "valid", "test")}
        counts = ", ".join(f"{name} {count}" for name, count in held.items())
        way = ("a catalogue needs more outfits for some to be held out for testing" if not held.get(split)
               else "its outfits' categories are not the model's: train a model on this catalogue")
        raise NothingToEvaluate(f"nothing to evaluate: the {split} split holds no outfit of categories the model knows "
                                f"(outfits: {counts}); {way}")
    attribute_items = list(dict.fromkeys(i for a in asked for i in a.split_items))
    asked_items = [i for a in asked for q in a.fitb for i in [*q.question_item_ids, *q.answer_item_ids]]
    needed = list(dict.fromkeys([*attribute_items, *asked_items,
                                 *(i for a in asked for q in a.compatibility for i in q.item_ids)]))
    category = {i: bundle.compatibility.categories.index(items[i].category) for i in needed}
    labelled, labels = attribute_vocabulary(catalogue)
    names = scored_attributes(labelled, bundle)
    row = {item_id: k for k, item_id in enumerate(attribute_items)}
    if not baselines and has_frozen_trunk(bundle):  # the model alone, from its trunk's cached features
        scorers = {"model": _cached_scorer(catalogue, bundle, needed, category, attribute_items, names, device,
                                           progress, should_stop)}
    else:
        cache = ImageCache.build(catalogue, needed, bundle.preprocessing, progress, should_stop)

        def attribute_logits(net: AttributeNet | None, said: Progress = no_progress) -> np.ndarray | None:
            return _attribute_logits(net, names, cache, attribute_items, bundle.preprocessing, device, said)

        scorers = _scorers(catalogue, bundle, cache, needed, category, attribute_logits,
                           (len(attribute_items), len(names)), seed, device, baselines, progress)
    trained_protocol = bundle.config.get("protocol")
    protocols = {a.protocol: _protocol_report(catalogue, a, split, scorers, row, names, labels, grouped,
                                              outfit_kinds, trained_protocol, bundle) for a in asked}
    if keep_answers:
        model = scorers["model"].distance
        for a in asked:
            protocols[a.protocol]["fitb_answers"] = {fitb_question_key(q): right
                                                     for q, right in zip(a.fitb, fitb_answers(model, a.fitb))}
    for note in (adapted_note(bundle), elsewhere_note(catalogue, bundle), chosen_on_note(catalogue, bundle, split)):
        if note:
            for entry in protocols.values():
                entry["notes"] = "; ".join(part for part in (entry["notes"], note) if part)
    headline = asked[0].protocol
    return {
        "split": split, "headline": headline, "protocol": headline, "model_hash": bundle.content_hash,
        "trained_protocol": trained_protocol, "counts": protocols[headline]["counts"],
        "methods": protocols[headline]["methods"], "notes": protocols[headline]["notes"],
        "protocols": protocols, "seconds": round(time.perf_counter() - started, 1),
    }


def _protocol_report(catalogue: Catalogue, asked: _Questions, split: str, scorers: dict[str, _Scorer],
                     row: dict[str, int], names: list[str], labels: dict[str, list[str]], grouped: bool,
                     outfit_kinds: dict[str, str] | None, trained_protocol: Any, bundle: ModelBundle) -> dict[str, Any]:
    """One protocol's entry of :func:`evaluate`'s ``protocols``."""
    targets = attribute_targets(asked.split_items, names, labels).numpy()
    rows = np.array([row[i] for i in asked.split_items], dtype=np.int64)

    def figures(scorer: _Scorer) -> dict[str, Any]:
        out: dict[str, Any] = {"fitb": fitb_accuracy(scorer.distance, asked.fitb),
                               "auc": compatibility_auc(scorer.distance, asked.compatibility)}
        if grouped:
            out["fitb_group_unmatched"] = fitb_accuracy(scorer.distance, asked.unmatched)
        if outfit_kinds:
            kinds = sorted({outfit_kinds[q.outfit_id] for q in asked.fitb if q.outfit_id in outfit_kinds})
            out["fitb_by_kind"] = {kind: fitb_accuracy(scorer.distance, [q for q in asked.fitb
                                                                          if outfit_kinds.get(q.outfit_id) == kind])
                                   for kind in kinds}
        out["attribute_map"] = None
        if scorer.attribute_logits is not None:
            out["attribute_map"] = mean_average_precision(scorer.attribute_logits[rows], targets)
        return out

    sizes = protocol_counts(catalogue, asked.protocol)
    counts = {"fitb": len(asked.fitb), "compatibility": len(asked.compatibility),
              "attribute_items": len(asked.split_items), "attributes": len(names),
              "fitb_group_unmatched": len(asked.unmatched) if grouped else None,
              "outfits": sizes["outfits"],
              "questions": {"fitb": sizes["fitb"], "compatibility": sizes["compatibility"]},
              "questions_digest": questions_digest(asked.fitb, asked.compatibility, asked.split_items)}
    if outfit_kinds:  # what each kind's FITB stands on (trial AN read 1.000 on 6 questions as a measurement)
        counts["fitb_by_kind"] = dict(sorted(Counter(outfit_kinds[q.outfit_id] for q in asked.fitb
                                                     if q.outfit_id in outfit_kinds).items()))
    leakage: dict[str, float | None] = dict(protocol_leakage(catalogue, asked.protocol, split))
    leakage["items_in_model_training"] = _trained_overlap(catalogue, bundle, trained_protocol, asked.split_items)
    disjoint = asked.protocol in DISJOINT_PROTOCOLS
    notes = [DISJOINT_MEANING] if disjoint else []
    if len(asked.fitb) < asked.asked_fitb:  # (trial CH read 5 of 14 questions scored, and no word of why)
        notes.append(f"{asked.asked_fitb - len(asked.fitb)} of the split's {asked.asked_fitb} FITB questions were left "
                     f"out: they hold items of categories the model does not know ({', '.join(asked.unknown)})")
    if not bundle.matched_categories:  # its compatibility head was never trained on an outfit (trial CH)
        notes.append("this model learnt no matches (it was trained without outfits): its FITB and AUC are those of "
                     "a compatibility head no outfit trained")
    if grouped:
        notes.append(GROUP_NOTE)
    seen = leakage["items_in_model_training"]
    if isinstance(trained_protocol, str) and trained_protocol != asked.protocol and seen:
        notes.append(f"the model was trained on protocol {trained_protocol!r}: if on this catalogue, it saw "
                     f"{'under 1%' if seen < 0.005 else f'{seen:.0%}'} of these {split} items in training")
    outfit_notes, leakage["outfits_in_model_training"] = _outfit_notes(catalogue, bundle, split, asked.protocol)
    notes += outfit_notes  # whole outfits it learnt: said apart from items
    notes += [scorer.note for scorer in scorers.values() if scorer.note]
    return {"counts": counts, "methods": {name: figures(scorer) for name, scorer in scorers.items()},
            "leakage": leakage, "disjoint": disjoint, "notes": "; ".join(notes)}
