"""Which outfits, questions and items of a catalogue belong to a split, and each item's attribute names.

Catalogue-level lookups shared by training, evaluation and explanation (so ``explain`` never has to
import ``training``). Plain Python: no torch, no Qt.

Two kinds of split exist:

- **outfit protocols** (Polyvore Outfits' ``nondisjoint``/``disjoint``, or ``generated`` and
  ``generated-disjoint`` by :mod:`sane_desktop.catalogue.questions`): ``catalogue.splits`` names the
  outfits of each train/valid/test split (Vasileva et al., ECCV 2018, section 5). A *disjoint*
  protocol keeps every item of its valid/test outfits out of its train outfits;
  :func:`protocol_leakage` measures how far a protocol is from that;
- the **item split** of catalogues without outfits (H&M articles): :func:`item_split`, a pure
  function of the item's product, or of its id (:func:`item_split_keys`: one garment, one split).
"""

from __future__ import annotations

import zlib
from collections import defaultdict

from sane_desktop.catalogue.types import SPLITS, Catalogue, CompatibilityQuestion, FitbQuestion, OutfitRecord
from sane_desktop.catalogue.vocabulary import build_vocabulary, item_attributes
from sane_desktop.errors import InputError

__all__ = [
    "DISJOINT_MEANING", "DISJOINT_PROTOCOLS", "ITEM_PROTOCOL", "PROTOCOL_PREFERENCE", "attribute_vocabulary",
    "item_split", "item_split_ids", "item_split_keys", "outfit_protocols", "outfits_in_split", "pick_protocol", "protocol_counts",
    "protocol_leakage", "questions_in_split",
]

# The protocol that training and the default evaluation use when a catalogue has several. Polyvore's
# non-disjoint split is the paper's main one and is published, so it stays first; among the app's own
# splits the item-disjoint one wins, since the plain one lets test questions reuse training items
# (issue 16). ``disjoint`` last: Polyvore's disjoint split is the paper's harder variant.
PROTOCOL_PREFERENCE = ("nondisjoint", "generated-disjoint", "generated", "disjoint")
# Protocols built so that no item of a valid/test outfit is in a train outfit, and that in one line
DISJOINT_PROTOCOLS = ("disjoint", "generated-disjoint")
DISJOINT_MEANING = ("disjoint: no item of a valid/test outfit appears in any training outfit, so a model "
                    "cannot answer by remembering which items went together")
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


def outfit_protocols(catalogue: Catalogue) -> list[str]:
    """Every outfit protocol of the catalogue, :func:`pick_protocol`'s first, then by
    :data:`PROTOCOL_PREFERENCE`, then by name; ``[]`` without splits."""
    present = {s.protocol for s in catalogue.splits}
    rank = {protocol: k for k, protocol in enumerate(PROTOCOL_PREFERENCE)}
    return sorted(present, key=lambda protocol: (rank.get(protocol, len(rank)), protocol))


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


def protocol_counts(catalogue: Catalogue, protocol: str) -> dict[str, dict[str, int]]:
    """Sizes of one protocol: ``{"outfits": {"train", "valid", "test", "unassigned"}, "fitb": {split: n},
    "compatibility": {split: n}}``; ``unassigned``: the catalogue's outfits in none of its splits
    (dropped by a disjoint protocol for sharing an item with a valid/test outfit, or never listed)."""
    assigned: dict[str, set[str]] = {split: set() for split in SPLITS}
    for record in catalogue.splits:
        if record.protocol == protocol:
            assigned.setdefault(record.split, set()).update(record.outfit_ids)
    known = {outfit.outfit_id for outfit in catalogue.outfits}
    outfits = {split: len(ids & known) for split, ids in assigned.items()}
    outfits["unassigned"] = len(known - set().union(*assigned.values()))
    fitb = {split: 0 for split in SPLITS if split != "train"}
    compatibility = dict(fitb)
    for question in catalogue.fitb:
        if question.protocol == protocol:
            fitb[question.split] = fitb.get(question.split, 0) + 1
    for pair in catalogue.compatibility:
        if pair.protocol == protocol:
            compatibility[pair.split] = compatibility.get(pair.split, 0) + 1
    return {"outfits": outfits, "fitb": fitb, "compatibility": compatibility}


def protocol_leakage(catalogue: Catalogue, protocol: str, split: str = "test") -> dict[str, float | None]:
    """How much of ``split`` a model trained on ``protocol``'s train outfits has already seen:

    - ``fitb_answer_with_question_item_in_train``: share of the split's FITB questions whose right
      answer is in a train outfit together with one of the question's items (a model that memorises
      which items go together answers these without looking at them; ~0.67 on MANGO's ``generated``);
    - ``items_in_train``: share of the split's outfit items that are in some train outfit.

    Both are 0 for a protocol that is truly item-disjoint; None when the split has no question/item."""
    train, held_out = outfits_in_split(catalogue, "train", protocol), outfits_in_split(catalogue, split, protocol)
    # by garment (:func:`item_split_keys`): a test item whose product or photo a train outfit holds
    # under another id was seen too (trial AI read 0.0 for a catalogue holding both)
    garment = item_split_keys(catalogue)
    outfits_of: dict[str, set[int]] = defaultdict(set)  # garment -> indices of the train outfits holding it
    for index, outfit in enumerate(train):
        for item_id in outfit.item_ids:
            outfits_of[garment.get(item_id, item_id)].add(index)
    fitb, _ = questions_in_split(catalogue, split, protocol)
    none: set[int] = set()

    def seen(item_id: str) -> set[int]:
        return outfits_of.get(garment.get(item_id, item_id), none)

    paired = sum(1 for q in fitb if any(seen(q.answer_item_ids[q.correct]) & seen(i) for i in q.question_item_ids))
    items = {i for outfit in held_out for i in outfit.item_ids}
    return {"fitb_answer_with_question_item_in_train": paired / len(fitb) if fitb else None,
            "items_in_train": sum(1 for i in items if seen(i)) / len(items) if items else None}


def item_split(item_id: str) -> str:
    """The split of one item of a catalogue WITHOUT outfits (attribute-only training and evaluation).

    ``zlib.crc32`` of the UTF-8 id, modulo 100: buckets 0-79 are ``train``, 80-89 ``valid`` and 90-99
    ``test`` (80/10/10). It is a pure function of the id — stable across runs, machines and Python
    versions (unlike ``hash()``) — so ``train`` and ``evaluate`` agree without storing anything, and
    adding or removing items never moves the others."""
    bucket = zlib.crc32(item_id.encode("utf-8")) % 100
    return "train" if bucket < 80 else "valid" if bucket < 90 else "test"


def item_split_keys(catalogue: Catalogue) -> dict[str, str]:
    """Item id -> the key :func:`item_split` hashes for it. Items that are one garment go to one split:
    the variants of one product (``ItemRecord.product``: H&M's colourways share their description, and
    trial AG found 211 of 586 test items with their product in training) and items whose photos are
    byte-identical (``content_hash``: MANGO lists one photo under several ids). A key is the product
    ("product:" + its code) or else the item's id, and a group joined by a shared photo takes its
    smallest key, so an item with neither keeps the split of its id alone."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            parent[key] = parent.get(parent[key], parent[key])  # path halving
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smallest key names the group: order-free

    own = {item.item_id: f"product:{item.product}" if item.product else item.item_id for item in catalogue.items}
    first_with: dict[str, str] = {}
    for item in catalogue.items:
        if item.content_hash:
            join(first_with.setdefault(item.content_hash, own[item.item_id]), own[item.item_id])
    return {item_id: root(key) for item_id, key in own.items()}


def item_split_ids(catalogue: Catalogue, split: str) -> list[str]:
    """The ids of the catalogue's items in ``split`` under :func:`item_split` of their
    :func:`item_split_keys`, in catalogue order."""
    keys = item_split_keys(catalogue)
    return [item.item_id for item in catalogue.items if item_split(keys[item.item_id]) == split]


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
