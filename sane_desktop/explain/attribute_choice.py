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
- specificity (issue 17, our addition): the attribute's information content −log b_a, b_a its
  base rate among the training items' labels (Laplace-smoothed) — Resnik's (IJCAI 1995) measure of
  how much a shared concept says: two items sharing "dark blue" are more alike than two sharing
  "dark tone" or "ladieswear", labels most items carry.
They combine log-linearly, score = w_c·log conf + w_m·log match + w_p·log prior + w_s·log partner
+ w_i·(−log b), so rescaling any part by a constant leaves the ranking unchanged; the weights are
grid-searched on validation pairs, with w_s = w_i = 0 among the choices, so the paper's three-part
rule is one candidate.

``shared_first`` (issue 17): the attributes both items show (q's and r's calibrated probability
≥ 0.5) are ranked ahead of the rest, and the combination orders them — so among two shared
attributes the one the saliency points at wins, instead of the partner part alone deciding (it is
≈ 1 for both). A selection whose weights leave one part only is reported as degenerate
(:meth:`SelectionWeights.degenerate`). When nothing explains the match — a flat or zero saliency
map, or no attribute likely on both items (``evidence`` below a threshold fitted on validation
pairs) — :func:`abstention` says so instead of naming an attribute. ``curated_first``: the
catalogue's own labelled values (``colour:dark blue``) rank ahead of words mined from free text
(``waist``), when validation pairs say so.

Finer first (issue 17): catalogues label one property at several grains — H&M's colour group
("dark blue"), perceived colour ("blue") and tone ("dark") — and two items sharing the finest share
the coarser ones too, with about the same base rate (all black garments are "black" at both grains),
so specificity cannot tell them apart. An attribute is *implied* by a finer one of another kind
when ≥ 80 % of the training items labelled with the finer one carry it and it is the more common of
the two (:func:`finer_attributes`); with the ``finer_first`` gate, when its finer one is in the pair
too (both items show it), the coarser says nothing more and ranks after the attributes that do. A
gate, tried both ways on validation pairs like ``curated_first``: on H&M it turns "dark" into "dark
blue"; on MANGO it turns "accessory fabric" into "accessories", which its colour/fabric weak truth
counts as a miss.

Only what the model can see explains a match (issue 17): a labelled kind whose values the attribute
network cannot tell apart on held-out items — its top-1 within the kind no better than always naming
the kind's commonest value (:func:`unrecognised_kinds`; H&M's department ``index``, where it names
"ladieswear" for every item, and MANGO's ``line``, "she" on 99 % of items) — is left out of the
candidates, however often both items carry its commonest value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.errors import ModelError
from sane_desktop.explain.abstain import COMMON_LABEL, FLAT_MAP, NO_ATTRIBUTE, WEAK_EVIDENCE

SALIENCY_AGREEMENT_WEIGHT = 5e-3
PRESENT_THRESHOLD = 0.5
MIN_CANDIDATES = 3
EPS = 1e-8
IMPLIES_SHARE = 0.8  # of the finer attribute's items carry the coarser one (weak_truth.DETERMINED_SHARE's idea per value)
IMPLIES_MIN_ITEMS = 5  # a finer attribute seen on fewer training items implies nothing (chance co-occurrence)
RECOGNISED_MIN_GAIN = 0.1  # of the way from always naming a kind's commonest value to always right
RECOGNISED_MIN_ITEMS = 20  # held-out items labelled with a kind needed to judge it (fewer: kept)
# the progress label of fitting the choice, pair by pair (the training window names its stage by it)
CHOICE_PHASE = "attribute choice"


# --- map agreement (shared by the choice and the training loss) -------------------------------
def spatial_distribution(maps: Tensor) -> Tensor:
    """Standardise each (…, h, w) map, then softmax over its positions (a 1×1 map: 1, its only
    position; the sample std of one value is NaN, which would turn every map match into NaN)."""
    flat = maps.flatten(-2).float()
    if flat.shape[-1] < 2:
        return torch.ones_like(flat).view_as(maps)
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
    shared_first: bool = False  # attributes both items show rank ahead (issue 17); False: the old rule
    specificity: float = 0.0  # weight of the information content −log(base rate) (issue 17)
    curated_first: bool = False  # labelled values rank ahead of mined words (issue 17)
    finer_first: bool = False  # a value implied by a finer one the pair shows ranks after it (issue 17)

    def as_dict(self) -> dict[str, float | bool]:
        return asdict(self)

    def parts_used(self) -> list[str]:
        """The evidence the rule uses: the parts with a weight, ``shared`` and ``curated`` for the gates."""
        used = [name for name in PART_NAMES if getattr(self, name) != 0]
        return (used + (["shared"] if self.shared_first else []) + (["curated"] if self.curated_first else [])
                + (["finer"] if self.finer_first else []))

    def degenerate(self) -> str | None:
        """The one part the rule rests on when it uses one only (e.g. ``partner``), else None. The
        curated and finer gates sort by the kind of label, not by evidence about the pair: left out."""
        used = [name for name in self.parts_used() if name not in ("curated", "finer")]
        if self.shared_first and set(used) <= {"shared", "partner"}:
            return "partner"  # the gate and the partner part are the same evidence: r has it too
        return used[0] if len(used) == 1 else None


PART_NAMES = ("confidence", "match", "prior", "partner", "specificity")


RULES = {
    "confidence": SelectionWeights(1.0, 0.0, 0.0),
    "match": SelectionWeights(0.0, 1.0, 0.0),
    "prior": SelectionWeights(0.0, 0.0, 1.0),
    "partner": SelectionWeights(0.0, 0.0, 0.0, 1.0),
    "paper": SelectionWeights(1.0, 1.0, 1.0, 0.0),  # the three parts of METHOD.md §4, untuned
    # issue 17: among the attributes both items show, the one the saliency points at
    "shared_match": SelectionWeights(0.0, 1.0, 0.0, 0.0, True),
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
    base_rate: float = 1.0  # share of training items labelled with it (1: unknown)

    def as_dict(self) -> dict[str, str | float]:
        return {"name": self.name, "score": round(self.score, 5), "confidence": round(self.confidence, 5),
                "match": round(self.match, 5), "prior": round(self.prior, 5), "partner": round(self.partner, 5),
                "base_rate": round(self.base_rate, 5)}


@dataclass
class PairParts:
    """The three parts for every attribute of one pair (vocabulary-aligned arrays)."""

    confidence: np.ndarray
    match: np.ndarray
    prior: np.ndarray
    candidates: list[int] = field(default_factory=list)
    partner: np.ndarray | None = None  # r's calibrated probabilities; None: unknown (neutral)
    base_rate: np.ndarray | None = None  # share of training items with each attribute; None: unknown (neutral)
    finer: list[list[int]] | None = None  # per attribute, the finer ones that imply it; None: unknown (no rule)


def base_rates(labels: Iterable[Iterable[str]], names: Sequence[str], smoothing: float = 1.0) -> np.ndarray:
    """(A,) share of items labelled with each vocabulary name, Laplace-smoothed ((count + s) /
    (items + 2s), never 0 or 1) — ``labels``: each training item's attribute names."""
    column = {name: j for j, name in enumerate(names)}
    counts = np.zeros(len(names), dtype=np.float64)
    items = 0
    for item in labels:
        items += 1
        for name in set(item):
            if name in column:
                counts[column[name]] += 1
    return (counts + smoothing) / (items + 2 * smoothing)


def finer_attributes(labels: Iterable[Iterable[str]], names: Sequence[str], share: float = IMPLIES_SHARE,
                     min_items: int = IMPLIES_MIN_ITEMS) -> dict[str, list[str]]:
    """{coarser name: [finer names that imply it]} among the labelled values (``kind:value``) of
    ``labels`` (each training item's attribute names). A value b implies a value a of another kind
    when b's kind is a finer grain of a's — its value determines a's in ≥ ``share`` of the items
    labelled with both kinds (H&M's colour group determines perceived colour and tone; it does not
    determine the pattern, however often black garments are plain) — and b is on ≥ ``min_items``
    items, ≥ ``share`` of them carry a, and a is on more items than b (two values always seen
    together are synonyms: neither is finer). Only coarser names with a finer one are keys; lists
    in vocabulary order. H&M: ``colour_family:blue`` ← [``colour:dark blue``, …]."""
    # every labelled value counts towards the grains (also those the vocabulary left out); the
    # answer names the vocabulary's only
    rows = [sorted({n for n in item if curated(n)}) for item in labels]
    seen = sorted({n for row in rows for n in row})
    column = {name: j for j, name in enumerate(seen)}
    kind = {j: name.split(":", 1)[0] for name, j in column.items()}
    count = np.zeros(len(seen), dtype=np.int64)
    joint: dict[tuple[int, int], int] = {}
    for row in rows:
        present = [column[n] for n in row]
        for a in present:
            count[a] += 1
        for a, b in itertools.permutations(present, 2):
            if kind[a] != kind[b]:
                joint[(a, b)] = joint.get((a, b), 0) + 1
    # kind-level grain: per (finer kind, coarser kind), items whose coarser value is the one most
    # often seen with their finer value, over all items labelled with both kinds
    modal: dict[tuple[str, str], int] = {}
    total: dict[tuple[str, str], int] = {}
    best: dict[tuple[int, str], int] = {}
    for (a, b), both in joint.items():
        best[(b, kind[a])] = max(best.get((b, kind[a]), 0), both)
    for (b, coarse_kind), most in best.items():
        key = (kind[b], coarse_kind)
        modal[key] = modal.get(key, 0) + most
    for (a, b), both in joint.items():
        key = (kind[b], kind[a])
        total[key] = total.get(key, 0) + both
    grain = {key for key, most in modal.items() if most >= share * total[key]}
    wanted = {name: j for j, name in enumerate(names)}
    out: dict[int, list[int]] = {}
    for (a, b), both in joint.items():  # does b imply a?
        if (seen[a] in wanted and seen[b] in wanted and (kind[b], kind[a]) in grain and count[b] >= min_items
                and both >= share * count[b] and count[a] > count[b]):
            out.setdefault(wanted[seen[a]], []).append(wanted[seen[b]])
    return {names[a]: [names[b] for b in sorted(bs)] for a, bs in sorted(out.items())}


def finer_indices(finer: Mapping[str, Sequence[str]] | None, names: Sequence[str]) -> list[list[int]] | None:
    """:func:`finer_attributes`' names as vocabulary indices, one list per attribute (None stays None)."""
    if finer is None:
        return None
    column = {name: j for j, name in enumerate(names)}
    out: list[list[int]] = [[] for _ in names]
    for coarse, fine in finer.items():
        if coarse in column:
            out[column[coarse]] = [column[f] for f in fine if f in column]
    return out


def redundant_attributes(parts: PairParts, candidates: Sequence[int]) -> set[int]:
    """The candidates a finer candidate implies while the pair shows the finer one (both items'
    calibrated probabilities ≥ 0.5; q's alone when the partner is unknown): they say nothing more."""
    if parts.finer is None:
        return set()

    def in_pair(b: int) -> bool:
        return bool(parts.confidence[b] >= PRESENT_THRESHOLD
                    and (parts.partner is None or parts.partner[b] >= PRESENT_THRESHOLD))

    shown = {b for b in candidates if in_pair(b)}
    return {a for a in candidates if any(b in shown for b in parts.finer[a])}


def curated(name: str) -> bool:
    """A value of one of the catalogue's labelled attributes (``colour:red``), not a mined word."""
    return ":" in name


def candidate_attributes(confidence: np.ndarray, threshold: float = PRESENT_THRESHOLD,
                         minimum: int = MIN_CANDIDATES, allowed: np.ndarray | None = None) -> list[int]:
    """Attributes predicted present; at least the ``minimum`` most confident ones. ``allowed`` (A,)
    bool: only these can be candidates (None: all; :meth:`SelectionModel.explainable`)."""
    order = np.argsort(-confidence, kind="stable")
    if allowed is not None:
        order = order[np.asarray(allowed, dtype=bool)[order]]
    present = [int(a) for a in order if confidence[a] >= threshold]
    return present if len(present) >= minimum else [int(a) for a in order[:minimum]]


def unrecognised_kinds(probabilities: np.ndarray | Tensor, targets: np.ndarray | Tensor, names: Sequence[str],
                       min_gain: float = RECOGNISED_MIN_GAIN, min_items: int = RECOGNISED_MIN_ITEMS) -> list[str]:
    """The labelled kinds (``colour`` of ``colour:red``) the attribute network cannot tell apart.

    ``probabilities`` (N, A): calibrated attribute probabilities of N held-out items (the ranking's
    confidence); ``targets`` (N, A) 0/1: their labels; ``names``: the A vocabulary names. For each
    kind with ≥ 2 values in the vocabulary, over the items labelled with exactly one of them: the
    share whose most probable value of the kind is the labelled one (top-1), against the share of
    the commonest value (what always naming it scores). A kind is unrecognised when its gain
    (top-1 − commonest) / (1 − commonest) — Cohen's κ-like, 0 for a model that always names the
    commonest value, 1 when always right — is below ``min_gain``. Kinds seen on fewer than
    ``min_items`` such items are kept (too few to judge). Returns sorted kind names. Measured on
    valid items: H&M ``index`` 0.00 (ladieswear for every item), MANGO ``line`` −4.7; every other
    kind of both ≥ 0.19."""
    probs = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(targets, dtype=np.float64) > 0.5
    kinds: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        if curated(name):
            kinds.setdefault(name.split(":", 1)[0], []).append(j)
    unseen = []
    for kind, columns in sorted(kinds.items()):
        if len(columns) < 2:
            continue
        truth = labels[:, columns]
        rows = truth.sum(1) == 1
        if int(rows.sum()) < min_items:
            continue
        true_column = truth[rows].argmax(1)
        top1 = float((probs[rows][:, columns].argmax(1) == true_column).mean())
        commonest = float(np.bincount(true_column).max()) / int(rows.sum())
        gain = (top1 - commonest) / (1.0 - commonest) if commonest < 1.0 else 0.0
        if gain < min_gain:
            unseen.append(kind)
    return unseen


# A label carried by at least this share of the catalogue's training items is no reason: it tells
# these two items from almost none (a trial's MANGO matches were "explained" by line:she, on 96 % of
# items). A principle, not a fitted value: no validation data chose it.
UNIVERSAL_BASE_RATE = 0.9


def universal(attribute: RankedAttribute | object) -> bool:
    """The attribute is on nearly every training item (base rate ≥ :data:`UNIVERSAL_BASE_RATE`;
    an unknown base rate, 1 by convention, is not)."""
    base = float(getattr(attribute, "base_rate", 1.0))
    return UNIVERSAL_BASE_RATE <= base < 1.0


def shared(attribute: RankedAttribute, threshold: float = PRESENT_THRESHOLD) -> bool:
    """Both items show it: q's and r's calibrated probabilities ≥ ``threshold``."""
    return attribute.confidence >= threshold and attribute.partner >= threshold


def rank_attributes(parts: PairParts, weights: SelectionWeights, names: Sequence[str]) -> list[RankedAttribute]:
    """Candidates ranked best first by the log-linear combination (with ``shared_first`` and a
    partner known, the attributes both items show first); a label nearly every item carries
    (:func:`universal`) after every other, whatever the weights."""
    candidates = parts.candidates or candidate_attributes(parts.confidence)
    scored = []
    for a in candidates:
        conf, match, prior = (float(parts.confidence[a]), float(parts.match[a]), float(parts.prior[a]))
        partner = 1.0 if parts.partner is None else float(parts.partner[a])
        base = 1.0 if parts.base_rate is None else float(parts.base_rate[a])
        if not np.isfinite([conf, match, prior, partner, base]).all():  # a NaN sorts nowhere: order would decide (trial AI)
            raise ModelError(f"the attribute network gives non-finite scores for {names[a]!r} (NaN or infinity): "
                             "its weights overflow; train it again or choose another model")
        score = float(np.dot(_log_parts(conf, match, prior, partner, base), _weight_vector(weights)))
        scored.append(RankedAttribute(a, names[a], score, conf, match, prior, partner, base))
    gate = weights.shared_first and parts.partner is not None
    redundant = redundant_attributes(parts, candidates) if weights.finer_first else set()
    # ties (e.g. the prior-only rule) fall back on confidence
    return sorted(scored, key=lambda s: (universal(s), -(gate and shared(s)), s.index in redundant,
                                         -(weights.curated_first and curated(s.name)),
                                         -s.score, -s.confidence, s.index))


def _log_parts(conf: float, match: float, prior: float, partner: float, base: float) -> np.ndarray:
    """The five log parts in :data:`PART_NAMES` order (specificity is −log of the base rate)."""
    return np.array([np.log(max(conf, EPS)), np.log(max(match, EPS)), np.log(max(prior, EPS)),
                     np.log(max(partner, EPS)), -np.log(max(base, EPS))])


def _weight_vector(weights: SelectionWeights) -> np.ndarray:
    return np.array([float(getattr(weights, name)) for name in PART_NAMES])


# --- "nothing explains this match" ----------------------------------------------------------
FLAT_RELATIVE = 1e-3  # a map whose range is below this share of its largest magnitude is flat


def evidence(attribute: RankedAttribute) -> float:
    """How likely the attribute is on both items: q's probability times r's (r unknown: 1)."""
    return attribute.confidence * attribute.partner


def flat_map(saliency: np.ndarray | Tensor) -> bool:
    """True for a zero or (nearly) constant saliency map: no region drives the score."""
    values = np.asarray(saliency, dtype=np.float64)
    if values.size == 0 or not np.isfinite(values).all():
        return True
    spread = float(values.max() - values.min())
    return spread <= FLAT_RELATIVE * max(float(np.abs(values).max()), 1e-12) or spread < 1e-12


def abstention(ranked: Sequence[RankedAttribute] | Sequence[object], saliency: np.ndarray | Tensor | None,
               threshold: float) -> str:
    """Why no attribute is named for a match ("" when the first ranked one is named): no candidate,
    a flat or zero saliency map, or the first one's :func:`evidence` below ``threshold`` (fitted on
    validation pairs, :func:`fit_abstain_threshold`); the sentences and their kinds are
    :mod:`.abstain`'s. ``ranked`` items need ``name``,
    ``confidence`` and ``partner`` (a :class:`RankedAttribute` or the service's AttributeScore)."""
    if not ranked:
        return NO_ATTRIBUTE
    if saliency is not None and flat_map(saliency):
        return f"{FLAT_MAP}: no region of the image drives this match"
    top = ranked[0]
    if universal(top):  # ranked last, so every candidate is one
        return (f"{COMMON_LABEL} (best, {getattr(top, 'name')}: on {float(getattr(top, 'base_rate')):.0%} of "
                "the catalogue's items)")
    value = float(getattr(top, "confidence")) * float(getattr(top, "partner"))
    if value <= 0:  # one side surely lacks it: no evidence at all, whatever the threshold (an untuned 0 named
        # red for two copies of one photo, the other labelled blue: partner 0 — trial AL)
        return f"{WEAK_EVIDENCE} (best, {getattr(top, 'name')}: 0, one of the two items does not show it)"
    if value < threshold:
        # two significant figures: a best of 0.003 read "0.00 < 0.24", a chance of none (a trial)
        return f"{WEAK_EVIDENCE} (best, {getattr(top, 'name')}: {_figure(value)} < {_figure(threshold)})"
    return ""


def _figure(value: float) -> str:
    """``value`` with two significant figures, never rounded to 0 unless it is 0 ("0.0031", "0.24")."""
    return "0" if value == 0 else f"{value:.2g}" if abs(value) < 0.01 else f"{value:.2f}"


ABSTAIN_TOLERANCE = 0.05  # share of rightly named validation pairs the threshold may silence


def fit_abstain_threshold(evidences: Sequence[float], named_right: Sequence[bool], explainable: Sequence[bool],
                          tolerance: float = ABSTAIN_TOLERANCE,
                          ceiling: float = PRESENT_THRESHOLD ** 2) -> tuple[float, dict[str, float]]:
    """The evidence threshold below which a match is left unexplained, fitted on validation pairs:
    the one that leaves the most of the pairs with nothing to name (``explainable`` False, e.g.
    negative pairs) unexplained while silencing at most ``tolerance`` of the explainable pairs the
    rule names right — a wrong "nothing explains it" on a real match costs more than a weak
    answer on a chance pair. Candidates are 0 (never abstain) and midpoints between observed
    evidences up to ``ceiling`` (default 0.25: an attribute both items show, each with probability
    ≥ 0.5, is always named — abstaining is for low confidence, not for a confident model's noise);
    ties keep the smaller. Returns (threshold, {"abstain_other",
    "abstain_explainable", "right_silenced"})."""
    e = np.asarray(list(evidences), dtype=np.float64)
    right = np.asarray(list(named_right), dtype=bool)
    good = np.asarray(list(explainable), dtype=bool)
    named = right & good
    if e.size == 0:
        return 0.0, {"abstain_other": 0.0, "abstain_explainable": 0.0, "right_silenced": 0.0}
    values = np.unique(e)
    thresholds = [0.0] + [float(t) for t in (values[:-1] + values[1:]) / 2] + [float(values[-1]) + 1e-9]
    best: tuple[float, float, dict[str, float]] | None = None
    for t in (t for t in thresholds if t <= ceiling):
        silenced = e < t
        lost = float(silenced[named].mean()) if named.any() else float(silenced[good].mean()) if good.any() else 0.0
        if lost > tolerance + 1e-12:
            continue
        other = float(silenced[~good].mean()) if (~good).any() else 0.0
        stats = {"abstain_other": other, "abstain_explainable": float(silenced[good].mean()) if good.any() else 0.0,
                 "right_silenced": lost}
        if best is None or other > best[1] + 1e-12:
            best = (t, other, stats)
    if best is None:  # even 0 silenced named pairs (evidence below 0 or NaN on a barely trained model): never abstain
        return 0.0, {"abstain_other": 0.0, "abstain_explainable": 0.0, "right_silenced": 0.0}
    return best[0], best[2]


def explanation_accuracy(pairs: Sequence[PairParts], oracle: Sequence[int], weights: SelectionWeights,
                         names: Sequence[str]) -> dict[str, float | None]:
    """How often the chosen attribute is the oracle's (top-1) or among the first three (None
    without pairs)."""
    top1 = top3 = 0
    for parts, answer in zip(pairs, oracle):
        ranked = [s.index for s in rank_attributes(parts, weights, names)]
        top1 += int(ranked[:1] == [answer])
        top3 += int(answer in ranked[:3])
    if not pairs:  # no pair, no figure (it read 0.0, as if every answer were wrong: trial AI)
        return {"top1": None, "top3": None, "pairs": 0}
    return {"top1": top1 / len(pairs), "top3": top3 / len(pairs), "pairs": len(pairs)}


WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)


@dataclass
class _RankingTable:
    """Every pair's candidates as padded arrays, so that a weight vector ranks all pairs at once
    (the grid search below tries thousands): log parts (P, C, 5), the gates' flags, confidence and
    vocabulary index for the tie-breaks, and the answer's column (-1: not a candidate)."""

    logs: np.ndarray
    shared: np.ndarray
    redundant: np.ndarray
    curated: np.ndarray
    confidence: np.ndarray
    index: np.ndarray
    valid: np.ndarray
    answer: np.ndarray

    @classmethod
    def build(cls, pairs: Sequence[PairParts], answers: Sequence[int], names: Sequence[str]) -> _RankingTable:
        width = max([len(p.candidates or candidate_attributes(p.confidence)) for p in pairs] + [1])
        n = len(pairs)
        logs, conf = np.zeros((n, width, len(PART_NAMES))), np.zeros((n, width))
        shared_, redundant_, curated_, valid = (np.zeros((n, width), dtype=bool) for _ in range(4))
        index, answer = np.full((n, width), np.iinfo(np.int64).max), np.full(n, -1)
        for row, (parts, correct) in enumerate(zip(pairs, answers)):
            candidates = parts.candidates or candidate_attributes(parts.confidence)
            redundant = redundant_attributes(parts, candidates)
            for col, a in enumerate(candidates):
                partner = 1.0 if parts.partner is None else float(parts.partner[a])
                base = 1.0 if parts.base_rate is None else float(parts.base_rate[a])
                c = float(parts.confidence[a])
                logs[row, col] = _log_parts(c, float(parts.match[a]), float(parts.prior[a]), partner, base)
                conf[row, col], index[row, col], valid[row, col] = c, a, True
                shared_[row, col] = parts.partner is not None and c >= PRESENT_THRESHOLD and partner >= PRESENT_THRESHOLD
                redundant_[row, col] = a in redundant
                curated_[row, col] = curated(names[a])
                if a == correct:
                    answer[row] = col
        return cls(logs, shared_, redundant_, curated_, conf, index, valid, answer)

    def answer_rank(self, weights: SelectionWeights) -> np.ndarray:
        """(P,) the answer's place in each pair's ranking (0: named first; a large number when it is
        no candidate) — the order of :func:`rank_attributes`, ties included."""
        score = self.logs @ _weight_vector(weights)
        gates = (weights.shared_first * self.shared.astype(np.int64) * 4
                 + weights.finer_first * (~self.redundant).astype(np.int64) * 2
                 + weights.curated_first * self.curated.astype(np.int64))
        rows = np.arange(len(self.answer))
        col = np.maximum(self.answer, 0)
        g_a, s_a = gates[rows, col][:, None], score[rows, col][:, None]
        c_a, i_a = self.confidence[rows, col][:, None], self.index[rows, col][:, None]
        better = (gates > g_a) | ((gates == g_a) & ((score > s_a) | ((score == s_a) & (
            (self.confidence > c_a) | ((self.confidence == c_a) & (self.index < i_a))))))
        place = (better & self.valid).sum(1)
        return np.where(self.answer >= 0, place, np.iinfo(np.int32).max)


def tune_weights(pairs: Sequence[PairParts], oracle: Sequence[int], names: Sequence[str],
                 grid: Sequence[float] = WEIGHT_GRID) -> tuple[SelectionWeights, dict[str, float]]:
    """Grid search of the combination weights and gates for top-1 accuracy against ``oracle``
    (each pair's answer: a vocabulary index); top-3 breaks ties, then the rule using the most
    evidence, then the first in grid order. The specificity part is tried only when base rates are
    known, the shared gate when partners are, the curated gate when the candidates mix labelled
    values and words, the finer gate when some pair shows a value and a finer one implying it. Returns (weights, {"top1", "top3", "pairs"})."""
    table = _RankingTable.build(pairs, oracle, names)
    with_partner = any(p.partner is not None for p in pairs)
    partner_grid = grid if with_partner else (0.0,)
    specificity_grid = grid if any(p.base_rate is not None for p in pairs) else (0.0,)
    gates = (False, True) if with_partner else (False,)
    kinds = table.curated[table.valid]
    curated_gates = (False, True) if kinds.any() and not kinds.all() else (False,)
    finer_gates = (False, True) if table.redundant[table.valid].any() else (False,)
    best: tuple[tuple[float, float, int], SelectionWeights, dict[str, float]] | None = None
    n = max(1, len(pairs))
    for gate, cgate, fgate, wc, wm, wp, ws, wi in itertools.product(gates, curated_gates, finer_gates, grid, grid, grid,
                                                                    partner_grid, specificity_grid):
        if wc == wm == wp == ws == wi == 0:
            continue
        weights = SelectionWeights(wc, wm, wp, ws, gate, wi, cgate, fgate)
        place = table.answer_rank(weights)
        accuracy = {"top1": float((place == 0).sum()) / n, "top3": float((place < 3).sum()) / n,
                    "pairs": len(pairs)}
        # among equally accurate rules keep the one using the most evidence (issue 17: a rule that
        # rests on one part only, e.g. partner, when match would do as well, hides what the map says)
        # (the curated and finer gates are not evidence about the pair: on a tie the rule without them stays)
        key = (accuracy["top1"], accuracy["top3"], len([u for u in weights.parts_used() if u not in ("curated", "finer")]))
        if best is None or key > best[0]:
            best = (key, weights, accuracy)
    assert best is not None
    return best[1], best[2]
