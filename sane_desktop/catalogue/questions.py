"""A deterministic split and evaluation questions for catalogues that have outfits but none of their own.

Protocol ``generated``: outfits shuffled by a seeded RNG (sorted by id first, so file order does not
matter) and cut 80/10/10. For each valid/test outfit: a fill-in-the-blank question (outfits with at
least 3 items; one seeded blank; 3 wrong answers) and a compatibility pair (the outfit, label 1, and
a negative with every item replaced, label 0). Wrong answers and replacements have the same category
as the item they stand for and, where items have a ``group`` (MANGO's shoot season), the same group:
otherwise a score could win by spotting the group (DATA.md). Pools: items of the same split, then the
whole catalogue, then (only if still too few) any group of that category.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sane_desktop.catalogue.types import (
    Catalogue,
    CompatibilityQuestion,
    FitbQuestion,
    ItemRecord,
    OutfitRecord,
    SplitRecord,
)

PROTOCOL = "generated"
WRONG_ANSWERS = 3


def assign_outfit_splits(outfit_ids: Iterable[str], seed: int = 0,
                         fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> dict[str, list[str]]:
    """Assign outfit ids to splits: ``{"train": [...], "valid": [...], "test": [...]}`` by ``fractions``
    (train gets the rounding remainder), deterministic for a seed and independent of input order.

    Used to make the ``generated`` protocol; to *read* a catalogue's split, see
    :func:`sane_desktop.catalogue.splits.outfits_in_split`."""
    ids = sorted(set(outfit_ids), key=lambda value: (len(value), value))
    random.Random(seed).shuffle(ids)
    n_valid, n_test = round(fractions[1] * len(ids)), round(fractions[2] * len(ids))
    n_train = len(ids) - n_valid - n_test
    return {"train": ids[:n_train], "valid": ids[n_train : n_train + n_valid], "test": ids[n_train + n_valid :]}


class _Pools:
    """Candidate items by (category, group), at three widening levels."""

    def __init__(self, items: dict[str, ItemRecord], split_item_ids: Iterable[str]) -> None:
        self.items = items
        self.split = self._index(items[i] for i in dict.fromkeys(split_item_ids) if i in items)
        self.everything = self._index(items.values())
        self.any_group: dict[str, list[str]] = defaultdict(list)
        for item in items.values():
            self.any_group[item.category].append(item.item_id)

    @staticmethod
    def _index(records: Iterable[ItemRecord]) -> dict[tuple[str, str], list[str]]:
        index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in records:
            index[(item.category, item.group)].append(item.item_id)
        return index

    def draw(self, like: str, count: int, exclude: set[str], rng: random.Random) -> list[str] | None:
        """``count`` distinct items like ``like`` (same category, same group), none in ``exclude``."""
        item = self.items[like]
        key = (item.category, item.group)
        for pool in (self.split.get(key, []), self.everything.get(key, []), self.any_group.get(item.category, [])):
            candidates = [i for i in pool if i not in exclude]
            if len(candidates) >= count:
                return rng.sample(candidates, count)
        return None


def _fitb(outfit: OutfitRecord, split: str, number: int, pools: _Pools, rng: random.Random) -> FitbQuestion | None:
    if len(outfit.item_ids) < 3:
        return None
    blank = rng.randrange(len(outfit.item_ids))
    right = outfit.item_ids[blank]
    wrong = pools.draw(right, WRONG_ANSWERS, set(outfit.item_ids), rng)
    if wrong is None:
        return None
    correct = rng.randrange(WRONG_ANSWERS + 1)
    answers = wrong[:correct] + [right] + wrong[correct:]
    question = [i for position, i in enumerate(outfit.item_ids) if position != blank]
    positions = outfit.positions or list(range(len(outfit.item_ids)))
    return FitbQuestion(PROTOCOL, split, number, outfit.outfit_id, question, answers, correct, positions[blank])


def _negative(outfit: OutfitRecord, pools: _Pools, rng: random.Random) -> list[str] | None:
    used = set(outfit.item_ids)
    replaced = []
    for item_id in outfit.item_ids:
        drawn = pools.draw(item_id, 1, used, rng)
        if drawn is None:
            return None
        used.add(drawn[0])
        replaced.append(drawn[0])
    return replaced


def generate_questions(catalogue: Catalogue, seed: int = 0) -> None:
    """Fill ``catalogue.splits``, ``.fitb`` and ``.compatibility`` (protocol ``generated``)."""
    items = catalogue.item_by_id()
    outfits = {outfit.outfit_id: outfit for outfit in catalogue.outfits}
    splits = assign_outfit_splits(outfits, seed)
    rng = random.Random(seed)
    for split, outfit_ids in splits.items():
        catalogue.splits.append(SplitRecord(PROTOCOL, split, outfit_ids))
        if split == "train":
            continue
        pools = _Pools(items, (i for outfit_id in outfit_ids for i in outfits[outfit_id].item_ids))
        n_fitb = n_compatibility = 0
        for outfit_id in outfit_ids:
            outfit = outfits[outfit_id]
            if not all(i in items for i in outfit.item_ids):
                continue
            question = _fitb(outfit, split, n_fitb, pools, rng)
            if question is not None:
                catalogue.fitb.append(question)
                n_fitb += 1
            negative = _negative(outfit, pools, rng)
            if negative is not None:
                positive = CompatibilityQuestion(PROTOCOL, split, n_compatibility, 1, list(outfit.item_ids))
                catalogue.compatibility += [positive, CompatibilityQuestion(PROTOCOL, split, n_compatibility + 1, 0, negative)]
                n_compatibility += 2
