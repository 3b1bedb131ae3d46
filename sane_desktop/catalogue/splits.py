"""Which outfits, questions and items of a catalogue belong to a split, and each item's attribute names.

Catalogue-level lookups shared by training, evaluation and explanation (so ``explain`` never has to
import ``training``). Plain Python: no torch, no Qt.

Two kinds of split exist:

- **outfit protocols** (Polyvore Outfits' ``nondisjoint``/``disjoint``, or ``generated`` by
  :mod:`sane_desktop.catalogue.questions`): ``catalogue.splits`` names the outfits of each
  train/valid/test split (Vasileva et al., ECCV 2018, section 5);
- the **item split** of catalogues without outfits (H&M articles): :func:`item_split`, a pure
  function of the item id.
"""

from __future__ import annotations

import zlib

from sane_desktop.catalogue.types import Catalogue, CompatibilityQuestion, FitbQuestion, OutfitRecord
from sane_desktop.catalogue.vocabulary import build_vocabulary, item_attributes
from sane_desktop.errors import InputError

__all__ = [
    "ITEM_PROTOCOL", "PROTOCOL_PREFERENCE", "attribute_vocabulary", "item_split", "item_split_ids",
    "outfits_in_split", "pick_protocol", "questions_in_split",
]

# The protocol used when a catalogue has several: Polyvore's non-disjoint split is the paper's main one.
PROTOCOL_PREFERENCE = ("nondisjoint", "generated", "disjoint")
ITEM_PROTOCOL = "items"  # the protocol name reported for the item split of outfit-less catalogues


def pick_protocol(catalogue: Catalogue) -> str:
    """The catalogue's split protocol, by :data:`PROTOCOL_PREFERENCE`, else the first by name.

    Raises :class:`~sane_desktop.errors.InputError` when the catalogue has no split at all."""
    present = {s.protocol for s in catalogue.splits}
    for protocol in PROTOCOL_PREFERENCE:
        if protocol in present:
            return protocol
    if present:
        return sorted(present)[0]
    raise InputError("the catalogue has no train/valid/test split (no outfits?)")


def outfits_in_split(catalogue: Catalogue, split: str, protocol: str | None = None) -> list[OutfitRecord]:
    """The catalogue's outfits in ``split`` (``"train"``, ``"valid"``, ``"test"``) of ``protocol``
    (default :func:`pick_protocol`), in catalogue order. Raises ``InputError`` as ``pick_protocol``."""
    protocol = protocol or pick_protocol(catalogue)
    wanted: set[str] = set()
    for record in catalogue.splits:
        if record.protocol == protocol and record.split == split:
            wanted.update(record.outfit_ids)
    return [outfit for outfit in catalogue.outfits if outfit.outfit_id in wanted]


def questions_in_split(catalogue: Catalogue, split: str, protocol: str | None = None
                       ) -> tuple[list[FitbQuestion], list[CompatibilityQuestion]]:
    """(fill-in-the-blank questions, compatibility questions) of ``split`` under ``protocol``."""
    protocol = protocol or pick_protocol(catalogue)
    fitb = [q for q in catalogue.fitb if q.protocol == protocol and q.split == split]
    compat = [q for q in catalogue.compatibility if q.protocol == protocol and q.split == split]
    return fitb, compat


def item_split(item_id: str) -> str:
    """The split of one item of a catalogue WITHOUT outfits (attribute-only training and evaluation).

    ``zlib.crc32`` of the UTF-8 id, modulo 100: buckets 0-79 are ``train``, 80-89 ``valid`` and 90-99
    ``test`` (80/10/10). It is a pure function of the id — stable across runs, machines and Python
    versions (unlike ``hash()``) — so ``train`` and ``evaluate`` agree without storing anything, and
    adding or removing items never moves the others."""
    bucket = zlib.crc32(item_id.encode("utf-8")) % 100
    return "train" if bucket < 80 else "valid" if bucket < 90 else "test"


def item_split_ids(catalogue: Catalogue, split: str) -> list[str]:
    """The ids of the catalogue's items in ``split`` under :func:`item_split`, in catalogue order."""
    return [item.item_id for item in catalogue.items if item_split(item.item_id) == split]


def attribute_vocabulary(catalogue: Catalogue) -> tuple[list[str], dict[str, list[str]]]:
    """(attribute names in vocabulary order, item id -> its attribute names within the vocabulary).

    The vocabulary is :func:`sane_desktop.catalogue.vocabulary.build_vocabulary` (categorical values
    namespaced ``key:value`` and frequent description words); the names are the columns of the
    attribute network's output, so their order is part of a checkpoint."""
    vocabulary = build_vocabulary(catalogue)
    names = [entry.name for entry in vocabulary]
    labels = item_attributes(catalogue, vocabulary)
    keep = set(names)
    return names, {item_id: [n for n in values if n in keep] for item_id, values in labels.items()}
