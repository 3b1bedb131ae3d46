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
