"""Results as a stylist reads them: the 0–100 match, from a result's raw score (the sum of one cosine
per outfit item, in the type-aware space of Vasileva et al. ECCV 2018, or the general space for a pair
compared by looks), and the order of the target categories. The window's tiles and tooltips, the
outfit sheet and the CSV export all say the same number in the same order."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TypeVar

R = TypeVar("R")


def match_percent(score: float, outfit_items: int) -> int:
    """A result's score as a 0–100 match: its mean cosine with the outfit items (a score is the sum
    of one cosine per outfit item) mapped from [-1, 1] to [0, 100]: 50 is "unrelated", 100 the
    closest two items can be."""
    mean = max(-1.0, min(1.0, float(score) / max(1, outfit_items)))
    return round(50 * (mean + 1))


def score_bound(match: int, outfit_items: int) -> float | None:
    """The raw score below which a result's shown match (:func:`match_percent`) is under ``match``:
    "hide matches below 60" keeps every tile that reads 60 or more. None for ``match`` ≤ 0 (no bound)."""
    if match <= 0:
        return None
    return ((match - 0.5) / 50 - 1) * max(1, outfit_items)


def in_window_order(results: Mapping[str, Sequence[R]], alike: Collection[str] = ()) -> list[tuple[str, Sequence[R]]]:
    """The target categories as the window lists them: those ranked by compatibility first, then those
    ranked by looks alone (``alike``), each group in the search's order (trial G found the sheet's
    look-alike section where the window did not have it)."""
    return sorted(results.items(), key=lambda entry: entry[0] in alike)
