"""The outfit's reason (issue 17): explain the score the search ranks a candidate by — the sum over
the outfit's items of the candidate's type-space cosine with each (Vasileva et al. ECCV 2018 FITB
scoring; METHOD.md §1) — not one pair of it.

The exact decomposition (METHOD.md §3) is linear in the pair terms, so the candidate's per-cell
terms summed over the outfit items add up to the outfit score exactly, and each outfit item's share
is its cosine. The explaining attribute of the whole is chosen with the same rule as a pair's
(:mod:`sane_desktop.explain.attribute_choice`): the candidate's confidence, the match of its
activation maps with the outfit-level map, the prior, and as the partner part the outfit's
probability of showing the attribute — the outfit items' probabilities weighted by their (positive)
shares of the score, so the items that drive the score say most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from sane_desktop.explain.attribute_choice import PairParts, candidate_attributes
from sane_desktop.explain.fast import cell_attribution


@dataclass
class OutfitAttribution:
    """The candidate's score against an outfit of J items, split exactly.

    ``shares`` (J,): each outfit item's cosine with the candidate in their space; Σ = ``score``.
    ``cells`` (J, K): the candidate's exact per-cell terms against each item; row j sums to
    shares[j], so ``cells.sum()`` is the score and ``cells.sum(0)`` the outfit-level cell map.
    ``cells_vs_blank`` (J, K): the same relative to the blank image (the drawn maps'); row j sums
    to shares[j] − ``blank_shares``[j] (the blank image's cosine with item j).
    """

    score: float
    shares: np.ndarray
    cells: np.ndarray
    cells_vs_blank: np.ndarray
    blank_shares: np.ndarray

    def outfit_cells(self, relative: bool = False) -> np.ndarray:
        """(K,) outfit-level cell map: the sum over outfit items (exact: sums to the score, or to
        score − Σ blank shares when ``relative``)."""
        return (self.cells_vs_blank if relative else self.cells).sum(0)


def outfit_attribution(candidate_cells: Tensor, outfit_cells: Tensor, masks: Tensor,
                       baseline: Tensor | None = None) -> OutfitAttribution:
    """Exact split of Σ_j cos_{c_j}(candidate, o_j).

    candidate_cells (K, D) the candidate's per-cell outputs u_k; outfit_cells (J, K, D) the outfit
    items'; masks (J, D) relu(m_c) of each pair's type space; baseline (K, D) the blank fill image's
    cells (None: ``cells_vs_blank`` equals ``cells``). Raises ValueError for an empty outfit."""
    if outfit_cells.shape[0] == 0:
        raise ValueError("an outfit explanation needs at least one outfit item")
    with torch.inference_mode():
        exact = cell_attribution(candidate_cells, outfit_cells, masks)
        relative = exact if baseline is None else cell_attribution(candidate_cells, outfit_cells, masks, baseline)
    shares = exact.similarity.double().cpu().numpy()
    return OutfitAttribution(
        score=float(shares.sum()), shares=shares, cells=exact.query_terms.double().cpu().numpy(),
        cells_vs_blank=relative.query_terms.double().cpu().numpy(),
        blank_shares=(exact.similarity - relative.query_terms.sum(1)).double().cpu().numpy()
        if baseline is not None else np.zeros_like(shares))


def share_weights(shares: np.ndarray) -> np.ndarray:
    """(J,) weights of the outfit items in the outfit-level partner part: their positive shares of
    the score, normalised (an item that pulls the score down says nothing for it); uniform when no
    share is positive."""
    positive = np.clip(np.asarray(shares, dtype=np.float64), 0.0, None)
    total = positive.sum()
    return positive / total if total > 0 else np.full(len(positive), 1.0 / max(1, len(positive)))


def outfit_parts(confidence: np.ndarray, match: np.ndarray, prior: np.ndarray, outfit_probabilities: np.ndarray,
                 shares: np.ndarray, base_rate: np.ndarray | None = None,
                 finer: list[list[int]] | None = None, allowed: np.ndarray | None = None) -> PairParts:
    """The candidate's attribute parts against the whole outfit: confidence (A,) and match (A,) of the
    candidate (match against the outfit-level map), the prior (A,), and the partner part — the
    share-weighted mean of the outfit items' calibrated probabilities (J, A); ``base_rate`` (A,) the
    specificity part's base rates (None: unknown); ``finer`` the finer-first rule's table (None: no rule);
    ``allowed`` (A,) bool the attributes that may be candidates (None: all)."""
    partner = share_weights(shares) @ np.asarray(outfit_probabilities, dtype=np.float64)
    return PairParts(np.asarray(confidence), np.asarray(match), np.asarray(prior),
                     candidate_attributes(confidence, allowed=allowed), partner, base_rate, finer)
