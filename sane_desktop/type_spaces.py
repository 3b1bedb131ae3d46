"""The one rule that numbers type spaces: each unordered pair of categories (same-category pairs
included) gets an index, in row order of the upper triangle. The model (torch) and the search
(numpy, no torch) must agree on it, so both take it from here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def pair_table(n_categories: int) -> np.ndarray:
    """(C, C) int64: unordered category pair -> type-space index."""
    table = np.empty((n_categories, n_categories), dtype=np.int64)
    upper = np.triu_indices(n_categories)
    table[upper] = np.arange(len(upper[0]))
    table.T[upper] = table[upper]
    return table


def learnt_spaces(outfits: Iterable[Sequence[int]], n_categories: int) -> list[int]:
    """The type spaces a triplet loss over these outfits trains (each outfit given as its items'
    category indices): one per pair of distinct items of one outfit, in :func:`pair_table`'s
    numbering, sorted. A space no pair reaches keeps its random initial mask, and its cosine is a
    look-alike score rather than compatibility (Vasileva et al. ECCV 2018 learn a mask per pair of
    types *from* the pairs seen)."""
    table = pair_table(n_categories)
    seen: set[int] = set()
    for categories in outfits:
        listed = list(categories)
        for i, first in enumerate(listed):
            seen.update(int(table[first, second]) for second in listed[i + 1:])
    return sorted(seen)


def same_category_spaces(n_categories: int) -> list[int]:
    """The spaces of same-category pairs, (c, c) for each category c."""
    table = pair_table(n_categories)
    return [int(table[c, c]) for c in range(n_categories)]
