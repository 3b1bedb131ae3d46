"""The one rule that numbers type spaces: each unordered pair of categories (same-category pairs
included) gets an index, in row order of the upper triangle. The model (torch) and the search
(numpy, no torch) must agree on it, so both take it from here."""

from __future__ import annotations

import numpy as np


def pair_table(n_categories: int) -> np.ndarray:
    """(C, C) int64: unordered category pair -> type-space index."""
    table = np.empty((n_categories, n_categories), dtype=np.int64)
    upper = np.triu_indices(n_categories)
    table[upper] = np.arange(len(upper[0]))
    table.T[upper] = table[upper]
    return table
