"""The outfit's reason as plain values (issue 17): why a result completes the outfit — the summed
score the search ranks it by, split exactly over the outfit items, with one explaining attribute
for the whole — and its percentages and sentence, as the window and the CLI show them.

Torch-free (numpy only), so that the window can name these types on its GUI thread before the
models load; :meth:`sane_desktop.service.explanation.Explanations.explain_outfit` computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sane_desktop.service.values import AttributeScore, ItemInfo


@dataclass(frozen=True)
class OutfitShare:
    """One outfit item's part of a candidate's outfit score (the drill-down is the pair view,
    :meth:`Explanations.explain` of (candidate, ``outfit_pk``))."""

    outfit_pk: int
    item: ItemInfo
    share: float  # the candidate's cosine with this item in their space: its part of the score
    space: int  # the type space of the pair
    weight: float  # its weight in the outfit-level partner part: positive share / Σ positive shares
    shows_attribute: float  # calibrated probability this item shows the outfit-level attribute (0 without one)
    cells: np.ndarray  # (side, side) float32 exact per-cell terms of the candidate; sums to ``share``
    # False: the pair's space is one the model never learnt (``ModelBundle.unlearnt_spaces``): its 0
    # share is "not compared", not a measured "unrelated"
    compared: bool = True
    # not compared because it is of the candidate's own model category (an alternative to it: no type space
    # pairs a category with itself), not because the model learnt no matches for the pair's categories
    alternative: bool = False


@dataclass(frozen=True)
class OutfitExplanation:
    """Why ``candidate`` completes the outfit (issue 17): the summed outfit score the search ranks
    by, split exactly over the outfit items (``shares``, Σ share = ``score``) and over the
    candidate's cells (``cells``, Σ = ``score``), the explaining attribute of the match with the
    outfit as a whole, or ``abstained`` saying why none is named."""

    candidate: ItemInfo
    score: float  # Σ_j cos(candidate, outfit item j): SearchResult.score for the same outfit
    shares: tuple[OutfitShare, ...]  # in the outfit's order
    cells: np.ndarray  # (side, side) float32 exact cell map of the candidate; sums to ``score``
    candidate_map: np.ndarray  # (S, S) float32 drawn map over the candidate's crop (relative to a blank image)
    attributes: tuple[AttributeScore, ...]  # ranked; partner = the outfit's share-weighted probability
    abstained: str = ""  # why no attribute is named ("" when one is)
    selection_tuned: bool = False
    model_hash: str = ""

    @property
    def attribute(self) -> str | None:
        return self.attributes[0].name if self.attributes and not self.abstained else None

    def percentages(self) -> tuple[float, ...] | None:
        """Each outfit item's share of the score in percent (share / score × 100, in the outfit's
        order; Σ = 100 exactly up to rounding). An item that pulls the score down has a negative
        percentage, and the others then add up to more than 100. None when the score is not
        positive: a share of a score at or below zero is no part of a match (say so instead)."""
        if not self.score > 0:
            return None
        return tuple(100.0 * s.share / self.score for s in self.shares)

    def whole_percentages(self) -> tuple[int, ...] | None:
        """:meth:`percentages` as whole numbers that add up to 100 exactly when none is negative (largest
        remainders: trial BZ read 30 %, 20 % and 51 % in one explanation, each rounded alone); each rounded
        alone otherwise (they run past 100 then, and the window says points instead). None as there."""
        exact = self.percentages()
        if exact is None:
            return None
        if any(p < 0 for p in exact):
            return tuple(round(p) for p in exact)
        from sane_desktop.service.match_score import whole_percents

        return tuple(whole_percents(exact))

    def points(self) -> dict[int, int]:
        """Position in ``shares`` -> the points of the 0–100 match that compared item adds
        (:func:`~sane_desktop.service.match_score.share_points`), when shares are said in points rather
        than percentages: an item pulls the score down (the others' percentages run past 100) or there is
        no match to share (a score at or below "unrelated"); empty otherwise. The window's rows and
        ``explain --outfit`` both say them so (it gave percentages where the window gave points)."""
        percentages = self.percentages()
        if percentages is not None and all(p >= 0 for p in percentages):
            return {}
        return self.item_points()

    def item_points(self) -> dict[int, int]:
        """Position in ``shares`` -> the points of the 0–100 match each compared item adds, whatever the
        shares (:func:`~sane_desktop.service.match_score.share_points`): the outfit's badges, which the
        window's rows say too (trial DN read "+9" on a badge beside "48 %" on its row)."""
        from sane_desktop.service.match_score import share_points

        compared = [j for j, share in enumerate(self.shares) if share.compared]
        return dict(zip(compared, share_points([self.shares[j].share for j in compared])))

    def leading(self) -> OutfitShare:
        """The compared outfit item with the largest share (the first on a tie): the one carrying the
        match; an item not compared (its 0 is no part) only when no item was."""
        return max(self.shares, key=lambda s: (s.compared, s.share))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no maps)."""
        percentages, points = self.percentages(), self.points()
        return {"candidate": self.candidate.item_id, "candidate_category": self.candidate.category,
                "score": self.score, "attribute": self.attribute,
                "abstained": self.abstained, "attributes": [a.as_dict() for a in self.attributes[:5]],
                "shares": [{"item": s.item.item_id, "share": s.share, "space": s.space, "weight": round(s.weight, 5),
                            "percent": round(percentages[j], 3) if percentages is not None else None,
                            # points of the 0–100 match instead, when percentages would mislead (:meth:`points`)
                            "points": points.get(j),
                            "shows_attribute": round(s.shows_attribute, 5), "compared": s.compared,
                             "alternative": s.alternative, "category": s.item.category}
                           for j, s in enumerate(self.shares)],
                "cells_sum": float(self.cells.sum()), "selection_tuned": self.selection_tuned}
