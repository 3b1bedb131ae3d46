"""What a model learnt from: recorded by ``train``, checked before a split is scored.

A catalogue without a published split (MANGO's layout, a spreadsheet with outfits) gets a seeded one
when it is read, drawn over all of its outfits, so adding outfits draws it again: trial AK appended
30 outfits to 60 and 6 of the 9 new test outfits had been training outfits of the model; ``evaluate``
reported FITB 0.444 for 0.333 without a word. A split file edited by hand does the same. So a model
keeps the ids of the outfits and items its training split held (:func:`training_record`, in its
configuration under :data:`RECORD_KEY`), and :func:`learnt_from` says which of a split's outfits and
garments it learnt from, by garment (:func:`~sane_desktop.catalogue.splits.item_split_keys`: a
colourway or a photo under another id counts as seen). Plain Python: no torch, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sane_desktop.catalogue.splits import (
    DISJOINT_PROTOCOLS, ITEM_PROTOCOL, item_split_ids, item_split_keys, outfits_in_split,
)
from sane_desktop.catalogue.types import Catalogue

__all__ = ["RECORD_KEY", "Learnt", "learnt_from", "learnt_items", "recorded", "training_record"]

RECORD_KEY = "trained_split"  # the model configuration's entry: training_record's dict


def training_record(catalogue: Catalogue, protocol: str | None) -> dict[str, Any]:
    """The outfits and items of ``catalogue``'s train and valid splits under ``protocol`` (``None`` or
    :data:`~sane_desktop.catalogue.splits.ITEM_PROTOCOL`: the item split of a catalogue without
    outfits): ``{"protocol", "outfits", "items", "valid_outfits", "valid_items"}`` (ids, sorted). All of
    the train split's outfits, even those a trainer skips (one item, a category it lacks): what the
    model may have seen; the valid split chose its best epoch and fitted its explanation's attribute
    choice (trial AN scored a selection on the pairs it was fitted on, valid and test swapped)."""
    if protocol is None or protocol == ITEM_PROTOCOL:
        return {"protocol": ITEM_PROTOCOL, "outfits": [], "items": sorted(item_split_ids(catalogue, "train")),
                "valid_outfits": [], "valid_items": sorted(item_split_ids(catalogue, "valid"))}
    record: dict[str, Any] = {"protocol": protocol}
    for split, prefix in (("train", ""), ("valid", "valid_")):
        outfits = outfits_in_split(catalogue, split, protocol)
        record[f"{prefix}outfits"] = sorted(o.outfit_id for o in outfits)
        record[f"{prefix}items"] = sorted({i for o in outfits for i in o.item_ids})
    return record


def recorded(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The model configuration's :func:`training_record` (None: a model trained before it was kept,
    or an entry that is not one; a record from before the valid split was kept reads it as empty)."""
    entry = config.get(RECORD_KEY)
    if not isinstance(entry, dict) or not isinstance(entry.get("protocol"), str):
        return None
    if not all(isinstance(entry.get(key), list) for key in ("outfits", "items")):
        return None
    return {"valid_outfits": [], "valid_items": [], **entry}


def _learnt_sets(entry: Mapping[str, Any], split: str) -> tuple[set[str], list[str]]:
    """(outfit ids, item ids) the model learnt from, as far as ``split`` is concerned: its train split,
    and for the test split its valid one too (valid figures are of the valid split, which chose it)."""
    outfits, items = set(entry["outfits"]), list(entry["items"])
    if split == "test":
        outfits |= set(entry["valid_outfits"])
        items += entry["valid_items"]
    return outfits, items


@dataclass(frozen=True)
class Learnt:
    """Of a split's ``outfits`` and ``garments`` (counted by garment), how many a model learnt from."""

    protocol: str
    split: str
    outfits: int
    outfits_learnt: int
    garments: int
    garments_learnt: int
    disjoint: bool  # a protocol whose held-out items must be unseen: a garment learnt from breaks it too

    @property
    def broken(self) -> bool:
        """Whether scoring this split would score the model on what it learnt from: one of its training
        (or, for the test split, validation) outfits among these, or (item-disjoint protocols, the item
        split) one of their garments."""
        return self.outfits_learnt > 0 or (self.disjoint and self.garments_learnt > 0)

    def words(self) -> str:
        """One line: what of the split the model learnt from, and what to do."""
        parts = []
        if self.outfits_learnt:
            parts.append(f"{self.outfits_learnt} of its {self.outfits} {self.split} outfits")
        if self.disjoint and self.garments_learnt:
            parts.append(f"{self.garments_learnt} of its {self.garments} {self.split} garments")
        return (f"this model was trained or chosen on {' and '.join(parts)} (protocol {self.protocol!r}): the "
                "catalogue's split has changed since it was trained (outfits added or edited, or a split file "
                f"changed), so its {self.split} figures would score what it learnt from; train it again on the "
                "catalogue as it is now")


def learnt_from(catalogue: Catalogue, config: Mapping[str, Any], split: str,
                protocol: str | None = None) -> Learnt | None:
    """What of ``split`` (``"valid"`` or ``"test"``) of ``protocol`` (default: the one the model was
    trained on) the model with ``config`` learnt from, by its :func:`training_record`: its train
    split, and for ``"test"`` its valid split too. None when it kept no record, the catalogue has no
    such protocol, or ``split`` is ``"train"`` (asked for on purpose). Meaningful for a model trained
    on this catalogue (``trained_on``); the caller decides that."""
    entry = recorded(config)
    if entry is None or split == "train":
        return None
    trained, items = _learnt_sets(entry, split)
    garment = item_split_keys(catalogue)
    seen = {garment.get(i, i) for i in items}
    if entry["protocol"] == ITEM_PROTOCOL:
        if catalogue.splits or protocol not in (None, ITEM_PROTOCOL):  # outfits now: not the split learnt on
            return None
        garments = {garment[i] for i in item_split_ids(catalogue, split)}
        return Learnt(ITEM_PROTOCOL, split, 0, 0, len(garments), len(garments & seen), True)
    protocol = protocol or entry["protocol"]
    if protocol not in {s.protocol for s in catalogue.splits}:
        return None
    outfits = outfits_in_split(catalogue, split, protocol)
    garments = {garment.get(i, i) for o in outfits for i in o.item_ids}
    return Learnt(protocol, split, len(outfits), sum(1 for o in outfits if o.outfit_id in trained),
                  len(garments), len(garments & seen), protocol in DISJOINT_PROTOCOLS)


def learnt_items(catalogue: Catalogue, config: Mapping[str, Any], item_ids: Iterable[str]) -> int:
    """How many of ``item_ids`` (items meant to be unseen by training, e.g. the weak truth's held-out
    items) the model trained on by its record, by garment; 0 without a record (trial AN: the weak truth
    judged "held out" against today's training outfits, and 2 of its 10 items were the model's
    training items). Validation items are not counted: a non-disjoint protocol shares them with test."""
    entry = recorded(config)
    if entry is None:
        return 0
    items = entry["items"]
    garment = item_split_keys(catalogue)
    seen = {garment.get(i, i) for i in items}
    return sum(1 for i in item_ids if garment.get(i, i) in seen)
