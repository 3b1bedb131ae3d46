"""The explaining attribute of a match (SANE, METHOD.md §4) and the saliency-agreement loss.

Candidates are the attributes predicted present in q. Each gets three parts:
- confidence: calibrated probability (per-attribute Platt scaling fitted on validation logits);
- match: agreement of the attribute's activation map with the similarity saliency map — both
  resized to the AAM grid, standardised (else the softmax is one-hot), spatially softmax-normalised,
  compared by the Bhattacharyya coefficient Σ √(p·q) ∈ (0, 1] (histogram intersection punished
  peaked maps that sit inside the salient region below flat ones);
- prior: how often the attribute is the removal-oracle answer on training pairs (smoothed);
- partner (our addition, off in the paper's rule): the calibrated probability that r has the
  attribute too — "why do these match?" is usually something both items show.
They combine log-linearly, score = w_c·log conf + w_m·log match + w_p·log prior + w_s·log partner, so
rescaling any part by a constant leaves the ranking unchanged; the weights are grid-searched on
validation pairs, with w_s = 0 among the choices, so the paper's three-part rule is one candidate.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

SALIENCY_AGREEMENT_WEIGHT = 5e-3
PRESENT_THRESHOLD = 0.5
MIN_CANDIDATES = 3
EPS = 1e-8


# --- map agreement (shared by the choice and the training loss) -------------------------------
def spatial_distribution(maps: Tensor) -> Tensor:
    """Standardise each (…, h, w) map, then softmax over its positions."""
    flat = maps.flatten(-2).float()
    flat = (flat - flat.mean(-1, keepdim=True)) / flat.std(-1, keepdim=True).clamp_min(1e-6)
    return flat.softmax(-1).view_as(maps)


def to_grid(saliency: Tensor, grid: tuple[int, int]) -> Tensor:
    """Average-pool (…, H, W) saliency maps onto the attribute maps' grid."""
    shape = saliency.shape
    pooled = F.adaptive_avg_pool2d(saliency.reshape(-1, 1, *shape[-2:]).float(), grid)
    return pooled.reshape(*shape[:-2], *grid)


def map_match(attribute_maps: Tensor, saliency: Tensor) -> Tensor:
    """Agreement of (…, A, h, w) attribute maps with (…, H, W) saliency maps -> (…, A) in (0, 1]."""
    grid = (int(attribute_maps.shape[-2]), int(attribute_maps.shape[-1]))
    target = spatial_distribution(to_grid(saliency, grid)).unsqueeze(-3)  # (…, 1, h, w)
    product = spatial_distribution(attribute_maps) * target
    return product.clamp_min(1e-20).sqrt().sum((-2, -1))


def saliency_agreement_loss(aam: Tensor, saliency: Tensor, true_attributes: Tensor) -> Tensor:
    """SANE's saliency-agreement term: 1 − best match among each image's true attributes.

    aam (B, A, h, w) attribute activation maps; saliency (B, H, W) similarity saliency of the
    image against a matching partner (detached by the caller); true_attributes (B, A) bool.
    Images without a true attribute are left out; returns a scalar (0 when none is left). Multiply
    by :data:`SALIENCY_AGREEMENT_WEIGHT` (5e-3) when adding it to the attribute loss.
    """
    match = map_match(aam, saliency.detach())  # (B, A)
    present = true_attributes.bool()
    best = match.masked_fill(~present, -1.0).max(-1).values
    keep = present.any(-1)
    if not bool(keep.any()):
        return aam.sum() * 0.0
    return (1.0 - best[keep]).mean()


# --- confidence calibration -------------------------------------------------------------------
@dataclass
class PlattCalibration:
    """p_a = σ(scale_a · logit_a + bias_a), fitted per attribute on validation predictions."""

    scale: list[float]
    bias: list[float]

    @classmethod
    def identity(cls, n_attributes: int) -> PlattCalibration:
        return cls([1.0] * n_attributes, [0.0] * n_attributes)

    @classmethod
    def fit(cls, logits: Tensor, labels: Tensor, l2: float = 1e-2, steps: int = 100) -> PlattCalibration:
        """Minimise BCE (+ a small pull towards the identity, which keeps attributes seen with
        one label only well defined) with L-BFGS, all attributes at once."""
        logits, labels = logits.detach().float(), labels.detach().float()
        scale = torch.ones(logits.shape[1], requires_grad=True)
        bias = torch.zeros(logits.shape[1], requires_grad=True)
        optimiser = torch.optim.LBFGS([scale, bias], max_iter=steps, line_search_fn="strong_wolfe")

        def closure() -> Tensor:
            optimiser.zero_grad()
            loss = F.binary_cross_entropy_with_logits(logits * scale + bias, labels)
            loss = loss + l2 * ((scale - 1).pow(2).mean() + bias.pow(2).mean())
            loss.backward()
            return loss

        optimiser.step(closure)
        return cls(scale.detach().tolist(), bias.detach().tolist())

    def probabilities(self, logits: Tensor) -> Tensor:
        return torch.sigmoid(logits.float() * torch.tensor(self.scale) + torch.tensor(self.bias))


# --- prior ------------------------------------------------------------------------------------
def oracle_prior(oracle_answers: Sequence[int], n_attributes: int, smoothing: float = 1.0) -> np.ndarray:
    """Share of training pairs whose oracle answer is each attribute (Laplace-smoothed)."""
    counts = np.bincount(np.asarray(list(oracle_answers), dtype=np.int64), minlength=n_attributes)
    smoothed = counts[:n_attributes].astype(np.float64) + smoothing
    return smoothed / smoothed.sum()


# --- combination ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelectionWeights:
    confidence: float = 1.0
    match: float = 1.0
    prior: float = 1.0
    partner: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


RULES = {
    "confidence": SelectionWeights(1.0, 0.0, 0.0),
    "match": SelectionWeights(0.0, 1.0, 0.0),
    "prior": SelectionWeights(0.0, 0.0, 1.0),
    "partner": SelectionWeights(0.0, 0.0, 0.0, 1.0),
    "paper": SelectionWeights(1.0, 1.0, 1.0, 0.0),  # the three parts of METHOD.md §4, untuned
}


@dataclass
class RankedAttribute:
    """One candidate attribute of a pair with its combined score and its parts (vocabulary index,
    name). Not the service's ``AttributeScore``, which carries the same parts without the index."""

    index: int
    name: str
    score: float
    confidence: float
    match: float
    prior: float
    partner: float = 1.0

    def as_dict(self) -> dict[str, str | float]:
        return {"name": self.name, "score": round(self.score, 5), "confidence": round(self.confidence, 5),
                "match": round(self.match, 5), "prior": round(self.prior, 5), "partner": round(self.partner, 5)}


@dataclass
class PairParts:
    """The three parts for every attribute of one pair (vocabulary-aligned arrays)."""

    confidence: np.ndarray
    match: np.ndarray
    prior: np.ndarray
    candidates: list[int] = field(default_factory=list)
    partner: np.ndarray | None = None  # r's calibrated probabilities; None: unknown (neutral)


def candidate_attributes(confidence: np.ndarray, threshold: float = PRESENT_THRESHOLD,
                         minimum: int = MIN_CANDIDATES) -> list[int]:
    """Attributes predicted present; at least the ``minimum`` most confident ones."""
    order = np.argsort(-confidence, kind="stable")
    present = [int(a) for a in order if confidence[a] >= threshold]
    return present if len(present) >= minimum else [int(a) for a in order[:minimum]]


def rank_attributes(parts: PairParts, weights: SelectionWeights, names: Sequence[str]) -> list[RankedAttribute]:
    """Candidates ranked best first by the log-linear combination."""
    candidates = parts.candidates or candidate_attributes(parts.confidence)
    scored = []
    for a in candidates:
        conf, match, prior = (float(parts.confidence[a]), float(parts.match[a]), float(parts.prior[a]))
        partner = 1.0 if parts.partner is None else float(parts.partner[a])
        score = (weights.confidence * np.log(max(conf, EPS)) + weights.match * np.log(max(match, EPS))
                 + weights.prior * np.log(max(prior, EPS)) + weights.partner * np.log(max(partner, EPS)))
        scored.append(RankedAttribute(a, names[a], float(score), conf, match, prior, partner))
    # ties (e.g. the prior-only rule) fall back on confidence
    return sorted(scored, key=lambda s: (-s.score, -s.confidence, s.index))


def explanation_accuracy(pairs: Sequence[PairParts], oracle: Sequence[int], weights: SelectionWeights,
                         names: Sequence[str]) -> dict[str, float]:
    """How often the chosen attribute is the oracle's (top-1) or among the first three."""
    top1 = top3 = 0
    for parts, answer in zip(pairs, oracle):
        ranked = [s.index for s in rank_attributes(parts, weights, names)]
        top1 += int(ranked[:1] == [answer])
        top3 += int(answer in ranked[:3])
    n = max(1, len(pairs))
    return {"top1": top1 / n, "top3": top3 / n, "pairs": len(pairs)}


WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)


def tune_weights(pairs: Sequence[PairParts], oracle: Sequence[int], names: Sequence[str],
                 grid: Sequence[float] = WEIGHT_GRID) -> tuple[SelectionWeights, dict[str, float]]:
    """Grid search of the combination weights for top-1 accuracy (top-3 breaks ties, then the
    simplest weights: first in the grid order)."""
    best: tuple[tuple[float, float], SelectionWeights, dict[str, float]] | None = None
    partner_grid = grid if any(p.partner is not None for p in pairs) else (0.0,)
    for wc, wm, wp, ws in itertools.product(grid, grid, grid, partner_grid):
        if wc == wm == wp == ws == 0:
            continue
        weights = SelectionWeights(wc, wm, wp, ws)
        accuracy = explanation_accuracy(pairs, oracle, weights, names)
        key = (accuracy["top1"], accuracy["top3"])
        if best is None or key > best[0]:
            best = (key, weights, accuracy)
    assert best is not None
    return best[1], best[2]
