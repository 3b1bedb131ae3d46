"""Triplets from a batch of outfits: every ordered (anchor, positive) pair of an outfit, with a
negative of the positive's category (and group, e.g. MANGO's shoot season, when items have one)
drawn from the other outfits in the batch — each image is embedded once and used many times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sane_desktop.catalogue.types import OutfitRecord


@dataclass
class TripletBatch:
    item_ids: list[str]  # distinct items to embed, in order
    anchor: torch.Tensor  # (T,) rows into item_ids
    positive: torch.Tensor
    negative: torch.Tensor


def outfit_triplets(outfits: list[OutfitRecord], category: dict[str, int], group: dict[str, str],
                    rng: np.random.Generator, max_pairs_per_outfit: int = 12) -> TripletBatch:
    item_ids: list[str] = []
    row: dict[str, int] = {}
    owner: list[set[int]] = []  # outfits (by batch position) each item belongs to
    for position, outfit in enumerate(outfits):
        for item_id in outfit.item_ids:
            if item_id not in row:
                row[item_id] = len(item_ids)
                item_ids.append(item_id)
                owner.append(set())
            owner[row[item_id]].add(position)
    pools: dict[tuple[int, str], list[int]] = {}
    for item_id, r in row.items():
        pools.setdefault((category[item_id], group.get(item_id, "")), []).append(r)
    anchors, positives, negatives = [], [], []
    for position, outfit in enumerate(outfits):
        members = list(dict.fromkeys(outfit.item_ids))
        pairs = [(a, p) for a in members for p in members if a != p]
        if len(pairs) > max_pairs_per_outfit:
            pairs = [pairs[i] for i in rng.choice(len(pairs), max_pairs_per_outfit, replace=False)]
        for a, p in pairs:
            pool = [r for r in pools[(category[p], group.get(p, ""))] if position not in owner[r]]
            if not pool:
                continue
            anchors.append(row[a])
            positives.append(row[p])
            negatives.append(pool[int(rng.integers(len(pool)))])
    as_tensor = lambda values: torch.tensor(values, dtype=torch.long)  # noqa: E731
    return TripletBatch(item_ids, as_tensor(anchors), as_tensor(positives), as_tensor(negatives))


def no_triplet_reason(outfits: list[OutfitRecord], category: dict[str, int], group: dict[str, str]) -> str | None:
    """Why :func:`outfit_triplets` can draw no triplet from ``outfits`` even in one batch of them all, or None
    when it can: each positive's negative is an item of its category (and group) from *another* outfit. One
    training outfit, or outfits sharing no kind of item, gave none: ``train`` took no step, saved its untrained
    networks and exited 0, and ``query`` ranked by them as by a trained model (trial CS)."""
    members = [set(outfit.item_ids) for outfit in outfits]
    by_key: dict[tuple[int, str], set[str]] = {}
    for items in members:
        for item_id in items:
            by_key.setdefault((category[item_id], group.get(item_id, "")), set()).add(item_id)
    for items in members:
        if len(items) >= 2 and any(by_key[(category[p], group.get(p, ""))] - items for p in items):
            return None
    count = f"{len(outfits)} training outfit" + ("" if len(outfits) == 1 else "s")
    grouped = " and group" if any(group.get(item_id) for items in members for item_id in items) else ""
    verb = "gives" if len(outfits) == 1 else "give"
    return (f"the {count} {verb} no training triplet: a triplet's wrong answer is an item of the same "
            f"kind{grouped} as an outfit item, taken from another training outfit, and "
            + ("there is no other" if len(outfits) == 1 else "no two of them share a kind of item")
            + ". Add outfits that share kinds of item, or leave the outfits out to train the attribute network alone")
