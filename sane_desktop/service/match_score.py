"""Results as a stylist reads them: the 0–100 match, from a result's raw score (the sum of one cosine
per outfit item, in the type-aware space of Vasileva et al. ECCV 2018, or the general space for a pair
compared by looks), and the order of the target categories. The window's tiles and tooltips, the
outfit sheet and the CSV export all say the same number in the same order."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import TypeVar

R = TypeVar("R")
K = TypeVar("K")


def match_percent(score: float, compared: int) -> int:
    """A result's score as a 0–100 match: its mean cosine with the ``compared`` outfit items it was
    compared with (a score is the sum of one cosine per outfit item, 0 for a pair in a space the
    model never learnt: :func:`compared_count`) mapped from [-1, 1] to [0, 100]: 50 is
    "unrelated", 100 the closest two items can be."""
    mean = max(-1.0, min(1.0, float(score) / max(1, compared)))
    return round(50 * (mean + 1))


def compared_count(contributions: Collection[K], not_compared: Collection[K] = ()) -> int:
    """How many outfit items a result was compared with: its score parts (``contributions``: one
    per outfit item) less those ``not_compared`` (their 0 is no measure: trial J read a top compared
    with one of two outfit items at half its match, 67 for a cosine of 0.68). At least 1."""
    return max(1, sum(1 for key in contributions if key not in not_compared))


def share_points(shares: Sequence[float]) -> list[int]:
    """The points of a result's 0–100 match each compared outfit item adds (its part of the score,
    ``shares``: one cosine per item compared), whole numbers that add up to the match less 50 exactly
    (largest remainders): trial M read badges +19 and +7 on a match of 75, each part rounded alone."""
    if not shares:
        return []
    exact = [50 * float(share) / len(shares) for share in shares]
    points = [math.floor(value) for value in exact]
    left = match_percent(sum(shares), len(shares)) - 50 - sum(points)  # 0..len(shares)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - points[i], reverse=left > 0)
    for i in by_remainder[:abs(left)]:
        points[i] += 1 if left > 0 else -1
    return points


def whole_percents(shares: Sequence[float]) -> list[int]:
    """Non-negative ``shares`` of a whole (any scale) as whole percents that add up to 100 exactly (largest
    remainders; each rounded alone, three equal shares read 33 + 33 + 33 and a stylist's 30 + 20 + 51: trials
    BZ, CC). All zero (or empty): zeros."""
    values = [max(0.0, float(share)) for share in shares]
    total = sum(values)
    if total <= 0:
        return [0 for _ in values]
    exact = [100.0 * value / total for value in values]
    whole = [math.floor(value) for value in exact]
    for j in sorted(range(len(exact)), key=lambda j: exact[j] - whole[j], reverse=True)[:100 - sum(whole)]:
        whole[j] += 1
    return whole


def signed_points(points: int, share: float) -> str:
    """Points of the match as a badge says them: "+17", "−7" (a true minus sign). A share that rounds to
    no point keeps the share's sign: "−<1" for an item pulling the match down a little (trial AM read
    "+0 pts" in the error colour beside "… pulls it down"), "+<1" for one adding a little, "+0" for none."""
    if points == 0 and share != 0:
        return f"{'−' if share < 0 else '+'}<1"
    return f"{'−' if points < 0 else '+'}{abs(points)}"


def points_text(points: int, share: float) -> str:
    """:func:`signed_points` with its unit: "+17 pts", "−7 pts", "+1 pt", "−<1 pt" (trial DO read "+1 pts")."""
    one = abs(points) == 1 or (points == 0 and share != 0)
    return f"{signed_points(points, share)} {'pt' if one else 'pts'}"


def points_amount(points: int, share: float) -> str:
    """How many points, in words, without the sign: "7", or "less than 1" for a share that rounds to
    none (:func:`signed_points`'s "<1")."""
    return "less than 1" if points == 0 and share != 0 else str(abs(points))


def mean_bound(match: int) -> float | None:
    """The mean cosine below which a result's shown match (:func:`match_percent`) is under ``match``:
    "hide matches below 60" keeps every tile that reads 60 or more, however many outfit items each
    was compared with (the search multiplies it per target category). None for ``match`` ≤ 0."""
    if match <= 0:
        return None
    return (match - 0.5) / 50 - 1


def in_window_order(results: Mapping[str, Sequence[R]], alike: Collection[str] = ()) -> list[tuple[str, Sequence[R]]]:
    """The target categories as the window lists them: those ranked by compatibility first, then those
    ranked by looks alone (``alike``), each group in the search's order (trial G found the sheet's
    look-alike section where the window did not have it)."""
    return sorted(results.items(), key=lambda entry: entry[0] in alike)
