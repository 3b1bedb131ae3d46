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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sane_desktop.catalogue.splits import (
    DISJOINT_PROTOCOLS, ITEM_PROTOCOL, item_split_ids, item_split_keys, outfits_in_split,
)
from sane_desktop.catalogue.types import Catalogue

__all__ = ["RECORD_KEY", "Learnt", "learnt_from", "recorded", "training_record"]

RECORD_KEY = "trained_split"  # the model configuration's entry: {"protocol", "outfits", "items"}


def training_record(catalogue: Catalogue, protocol: str | None) -> dict[str, Any]:
    """The outfits and items of ``catalogue``'s train split under ``protocol`` (``None`` or
    :data:`~sane_desktop.catalogue.splits.ITEM_PROTOCOL`: the item split of a catalogue without
    outfits): ``{"protocol", "outfits": [ids, sorted], "items": [ids, sorted]}``. All of the split's
    outfits, even those a trainer skips (one item, a category it lacks): what the model may have seen."""
    if protocol is None or protocol == ITEM_PROTOCOL:
        return {"protocol": ITEM_PROTOCOL, "outfits": [], "items": sorted(item_split_ids(catalogue, "train"))}
    outfits = outfits_in_split(catalogue, "train", protocol)
    return {"protocol": protocol, "outfits": sorted(o.outfit_id for o in outfits),
            "items": sorted({i for o in outfits for i in o.item_ids})}


def recorded(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The model configuration's :func:`training_record` (None: a model trained before it was kept,
    or an entry that is not one)."""
    entry = config.get(RECORD_KEY)
    if not isinstance(entry, dict) or not isinstance(entry.get("protocol"), str):
        return None
    if not all(isinstance(entry.get(key), list) for key in ("outfits", "items")):
        return None
    return entry


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
        """Whether scoring this split would score the model on what it was trained on: a training
        outfit among the held-out ones, or (item-disjoint protocols, the item split) a training garment."""
        return self.outfits_learnt > 0 or (self.disjoint and self.garments_learnt > 0)

    def words(self) -> str:
        """One line: what of the split the model learnt from, and what to do."""
        parts = []
        if self.outfits_learnt:
            parts.append(f"{self.outfits_learnt} of its {self.outfits} {self.split} outfits")
        if self.disjoint and self.garments_learnt:
            parts.append(f"{self.garments_learnt} of its {self.garments} {self.split} garments")
        return (f"this model was trained on {' and '.join(parts)} (protocol {self.protocol!r}): the catalogue's split "
                "has changed since it was trained (outfits added or edited, or a split file changed), so its "
                f"{self.split} figures would score what it learnt; train it again on the catalogue as it is now")


def learnt_from(catalogue: Catalogue, config: Mapping[str, Any], split: str,
                protocol: str | None = None) -> Learnt | None:
    """What of ``split`` of ``protocol`` (default: the one the model was trained on) the model with
    ``config`` learnt from, by its :func:`training_record`; None when it kept none or the catalogue has
    no such protocol. Meaningful for a model trained on this catalogue (``trained_on``); the caller
    decides that."""
    entry = recorded(config)
    if entry is None:
        return None
    if protocol is not None and protocol != entry["protocol"]:  # another protocol's split: its outfits
        if entry["protocol"] == ITEM_PROTOCOL or protocol not in {s.protocol for s in catalogue.splits}:
            return None
        garment = item_split_keys(catalogue)
        seen = {garment.get(i, i) for i in entry["items"]}
        outfits = outfits_in_split(catalogue, split, protocol)
        trained = set(entry["outfits"])
        garments = {garment.get(i, i) for o in outfits for i in o.item_ids}
        return Learnt(protocol, split, len(outfits), sum(1 for o in outfits if o.outfit_id in trained),
                      len(garments), len(garments & seen), protocol in DISJOINT_PROTOCOLS)
    protocol = entry["protocol"]
    garment = item_split_keys(catalogue)
    seen = {garment.get(i, i) for i in entry["items"]}
    if protocol == ITEM_PROTOCOL:
        if catalogue.splits:  # a catalogue with outfits now: its splits are not the one learnt on
            return None
        held = item_split_ids(catalogue, split)
        garments = {garment[i] for i in held}
        return Learnt(protocol, split, 0, 0, len(garments), len(garments & seen), True)
    if protocol not in {s.protocol for s in catalogue.splits}:
        return None
    outfits = outfits_in_split(catalogue, split, protocol)
    trained = set(entry["outfits"])
    garments = {garment.get(i, i) for o in outfits for i in o.item_ids}
    return Learnt(protocol, split, len(outfits), sum(1 for o in outfits if o.outfit_id in trained),
                  len(garments), len(garments & seen), protocol in DISJOINT_PROTOCOLS)
