"""Splits and evaluation questions for the demo world, following the Polyvore Outfits protocol.

Items are referenced as ``<set_id>_<index>`` (index from 1). Wrong FITB answers and the swapped-in
items of negative outfits are items of the same category, taken from *other* outfits of the same
split, that do not carry the outfit's theme: they fail the hidden rule, and nothing else.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sane_desktop.demo.themes import ItemPlan, OutfitPlan, shared_values

SPLIT_FRACTIONS = (("train", 0.8), ("valid", 0.1), ("test", 0.1))


def reference(outfit: OutfitPlan, position: int) -> str:
    """Polyvore's ``setid_index`` for the item at ``position`` (0-based) of an outfit."""
    return f"{outfit.set_id}_{position + 1}"


def split_outfit_plans(outfits: list[OutfitPlan], rng: random.Random) -> dict[str, list[OutfitPlan]]:
    """Random 80/10/10 split of the demo world's outfit plans (items may recur across splits: the
    non-disjoint protocol), drawn from ``rng``; written out as the demo catalogue's split files."""
    order = list(outfits)
    rng.shuffle(order)
    n_valid = round(len(order) * SPLIT_FRACTIONS[1][1])
    n_test = round(len(order) * SPLIT_FRACTIONS[2][1])
    n_train = len(order) - n_valid - n_test
    return {
        "train": order[:n_train],
        "valid": order[n_train:n_train + n_valid],
        "test": order[n_train + n_valid:],
    }


@dataclass(frozen=True)
class _Occurrence:
    item: ItemPlan
    set_id: str
    ref: str


class _SplitPool:
    """Every item occurrence of a split, by category, for drawing distractors."""

    def __init__(self, outfits: list[OutfitPlan], items: dict[str, ItemPlan]) -> None:
        self.by_category: dict[str, list[_Occurrence]] = {}
        for outfit in outfits:
            for position, item_id in enumerate(outfit.item_ids):
                item = items[item_id]
                self.by_category.setdefault(item.category, []).append(
                    _Occurrence(item, outfit.set_id, reference(outfit, position)))

    def distractors(self, category: str, outfit: OutfitPlan, exclude: set[str], count: int,
                    rng: random.Random) -> list[_Occurrence]:
        """``count`` distinct items of ``category`` lacking the theme, from other outfits."""
        by_item: dict[str, list[_Occurrence]] = {}
        for occurrence in self.by_category.get(category, []):
            if (occurrence.set_id != outfit.set_id and occurrence.item.item_id not in exclude
                    and not occurrence.item.carries(outfit.theme)):
                by_item.setdefault(occurrence.item.item_id, []).append(occurrence)
        if len(by_item) < count:
            return []
        chosen = rng.sample(sorted(by_item), count)
        return [rng.choice(by_item[item_id]) for item_id in chosen]


def make_fitb(outfits: list[OutfitPlan], items: dict[str, ItemPlan], rng: random.Random) -> list[dict]:
    """One fill-in-the-blank question per outfit: blank a random item, 3 wrong same-category answers
    (outfits whose split holds too few distractors get none)."""
    pool = _SplitPool(outfits, items)
    questions = []
    for outfit in outfits:
        # a random blank; in small splits, another position when its category has too few distractors
        positions = list(range(len(outfit.item_ids)))
        rng.shuffle(positions)
        for blank in positions:
            blank_item = items[outfit.item_ids[blank]]
            wrong = pool.distractors(blank_item.category, outfit, set(outfit.item_ids), 3, rng)
            if wrong:
                break
        else:
            continue
        answers = [reference(outfit, blank)] + [occurrence.ref for occurrence in wrong]
        rng.shuffle(answers)
        questions.append({
            "question": [reference(outfit, p) for p in range(len(outfit.item_ids)) if p != blank],
            "answers": answers,
            "blank_position": blank + 1,
        })
    return questions


def make_compatibility(outfits: list[OutfitPlan], items: dict[str, ItemPlan],
                       rng: random.Random) -> list[tuple[int, list[str]]]:
    """Each outfit as a positive, plus a negative where half its items (at least one) are swapped
    for same-category items without the theme, so that no attribute is shared by all items."""
    pool = _SplitPool(outfits, items)
    lines: list[tuple[int, list[str]]] = []
    for outfit in outfits:
        lines.append((1, [reference(outfit, p) for p in range(len(outfit.item_ids))]))
        n_swaps = max(1, math.ceil(len(outfit.item_ids) / 2))
        for _attempt in range(10):
            refs = [reference(outfit, p) for p in range(len(outfit.item_ids))]
            members = [items[item_id] for item_id in outfit.item_ids]
            used = set(outfit.item_ids)
            for position in sorted(rng.sample(range(len(members)), n_swaps)):
                swap = pool.distractors(members[position].category, outfit, used, 1, rng)
                if not swap:
                    break
                members[position], refs[position] = swap[0].item, swap[0].ref
                used.add(swap[0].item.item_id)
            else:
                if not shared_values(members):
                    lines.append((0, refs))
                    break
    return lines
