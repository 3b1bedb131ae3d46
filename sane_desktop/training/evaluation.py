"""Outfit and attribute metrics (METHOD.md §1) for the network and its baselines.

Every method is a *pair distance* over item ids: FITB sums a candidate's distances to the question
items (lowest wins); compatibility AUC scores an outfit by its mean pairwise distance (ROC-AUC of
labels vs −score); attribute mAP averages per-attribute average precision."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from sklearn.metrics import average_precision_score, roc_auc_score

from sane_desktop.catalogue.types import CompatibilityQuestion, FitbQuestion, ItemRecord
from sane_desktop.errors import ModelError
from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.progress import Progress, no_progress
from sane_desktop.training.data import ImageCache

PairDistance = Callable[[Sequence[str], Sequence[str]], np.ndarray]


def fitb_accuracy(distance: PairDistance, questions: Sequence[FitbQuestion]) -> float | None:
    """Share of ``questions`` whose right answer has the smallest summed distance to the question
    items (Vasileva et al., ECCV 2018), ties credited as :func:`fitb_answers` says; None without questions."""
    answers = fitb_answers(distance, questions)
    return float(np.mean(answers)) if answers else None


def fitb_question_key(question: FitbQuestion) -> str:
    """A FITB question's identity across models and runs: its outfit and its question items."""
    return f"{question.outfit_id}:{','.join(question.question_item_ids)}"


def questions_digest(fitb: Sequence[FitbQuestion], compatibility: Sequence[CompatibilityQuestion],
                     items: Sequence[str]) -> str:
    """16 hex characters of SHA-256 over the questions scored — each FITB question's outfit, items,
    answers and right answer, each compatibility outfit's items and label — and the items whose
    attributes were scored: two results with the same digest were asked the same questions (of ids;
    the photos' bytes are not read), so their figures compare question by question."""
    asked = {"fitb": sorted([q.outfit_id, q.question_item_ids, q.answer_item_ids, q.correct] for q in fitb),
             "compatibility": sorted([q.label, q.item_ids] for q in compatibility),
             "items": sorted(items)}
    return hashlib.sha256(json.dumps(asked, ensure_ascii=True).encode()).hexdigest()[:16]


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` when all are finite; raises ModelError otherwise: a NaN distance ranks wherever
    ``argmin`` puts it (trial AG's overflowing model scored FITB 0.19, the share of questions whose
    right answer came first)."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ModelError("the model gives non-finite distances (NaN or infinity): its weights overflow; train it "
                         "again or choose another model")
    return values


# distances this close (relative to their size) are one value: the same photo embedded in two batches
# differs by float noise, and trial AL's training read FITB 1.000 on a question of four copies of one
# photo (evaluate, embedding each once, read the tie's 0.250)
TIE_TOLERANCE = 1e-5


def _tied(values: np.ndarray, target: float) -> np.ndarray:
    """Which ``values`` equal ``target`` within :data:`TIE_TOLERANCE` of the larger magnitude (at least 1)."""
    return np.abs(values - target) <= TIE_TOLERANCE * max(1.0, abs(float(target)))


def fitb_answers(distance: PairDistance, questions: Sequence[FitbQuestion]) -> list[float]:
    """Per question, the credit ``distance`` earns: 1.0 when its right answer alone has the smallest
    summed distance, 1/k when it is one of k answers tied at the smallest (a random pick among them
    would be right that often), 0.0 otherwise — never the luck of which answer is listed first
    (trial AG: all-equal distances scored 1.0 on questions listing their right answer first).
    Raises ModelError when a distance is not finite."""
    left, right, owner = [], [], []
    for q_index, question in enumerate(questions):
        for a_index, answer in enumerate(question.answer_item_ids):
            for item in question.question_item_ids:
                left.append(item)
                right.append(answer)
                owner.append((q_index, a_index))
    if not questions:
        return []
    totals = np.zeros((len(questions), max(len(q.answer_item_ids) for q in questions)))
    totals[:] = np.inf
    for q_index, question in enumerate(questions):
        totals[q_index, : len(question.answer_item_ids)] = 0.0
    if left:
        values = _finite(distance(left, right))
        for (q_index, a_index), value in zip(owner, values):
            totals[q_index, a_index] += value
    credit = []
    for i, question in enumerate(questions):
        best = np.flatnonzero(_tied(totals[i], totals[i].min()))  # within float noise: a tie
        credit.append(1.0 / len(best) if question.correct in best else 0.0)
    return credit


def compatibility_auc(distance: PairDistance, questions: Sequence[CompatibilityQuestion]) -> float | None:
    """ROC-AUC of the outfits' labels against minus their mean pairwise distance (Vasileva et al.,
    ECCV 2018); None when the questions hold one label only. Raises ValueError for an outfit of
    fewer than 2 distinct items (no pair to score: it would rank as the most compatible there is —
    trial AG), ModelError when a distance is not finite."""
    labels = [q.label for q in questions]
    if len(set(labels)) < 2:
        return None
    left, right, owner = [], [], []
    for index, question in enumerate(questions):
        items = list(dict.fromkeys(question.item_ids))
        if len(items) < 2:
            raise ValueError(f"compatibility question {question.number} of {question.protocol}/{question.split} "
                             "has fewer than 2 distinct items: no pair to score")
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                left.append(items[i])
                right.append(items[j])
                owner.append(index)
    sums = np.zeros(len(questions))
    counts = np.zeros(len(questions))
    np.add.at(sums, owner, _finite(distance(left, right)))
    np.add.at(counts, owner, 1)
    scores = -(sums / counts)
    # scores within float noise of each other are tied (AUC counts a tie as half), as FITB's answers are
    scale = max(1.0, float(np.abs(scores).max()))
    step = TIE_TOLERANCE * scale
    return float(roc_auc_score(labels, np.round(scores / step) * step if step > 0 else scores))


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> float | None:
    """Mean over attributes with at least one positive and one negative."""
    aps = [average_precision_score(targets[:, j], scores[:, j]) for j in range(targets.shape[1])
           if 0 < targets[:, j].sum() < len(targets)]
    return float(np.mean(aps)) if aps else None


# --- pair distances --------------------------------------------------------------------------
@torch.no_grad()
def network_distance(model: CompatibilityNet, cache: ImageCache, item_ids: Sequence[str],
                     category: dict[str, int], prep: Preprocessing, device: torch.device,
                     batch_size: int = 128, progress: Progress = no_progress) -> PairDistance:
    """Type-space Euclidean distance under ``model`` (embeddings computed once per item;
    ``progress(done, total, "embedding")`` per batch)."""
    ids = list(dict.fromkeys(item_ids))
    model.eval()
    chunks = []
    rows = cache.rows(ids)
    for start in range(0, len(ids), batch_size):
        images = prep.normalise(cache.images[rows[start : start + batch_size]].to(device))
        chunks.append(model(images).float().cpu())
        progress(min(start + batch_size, len(ids)), len(ids), "embedding")
    embeddings = torch.cat(chunks) if chunks else torch.empty(0, model.embed_dim)
    return embedding_distance(model, embeddings, ids, category)


@torch.no_grad()
def embedding_distance(model: CompatibilityNet, embeddings: torch.Tensor, item_ids: Sequence[str],
                       category: dict[str, int]) -> PairDistance:
    """Type-space Euclidean distance between items with general embeddings (N, D), row i for
    ``item_ids[i]``, under ``model``'s masks."""
    row = {item_id: i for i, item_id in enumerate(item_ids)}
    embeddings = embeddings.detach().float().cpu()
    model_cpu_table = model.space_table.cpu()
    masks = model.space_masks().detach().float().cpu()

    def distance(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        a = torch.tensor([row[i] for i in left])
        b = torch.tensor([row[i] for i in right])
        space = model_cpu_table[torch.tensor([category[i] for i in left]),
                                torch.tensor([category[i] for i in right])]
        ea = torch.nn.functional.normalize(masks[space] * embeddings[a], dim=-1)
        eb = torch.nn.functional.normalize(masks[space] * embeddings[b], dim=-1)
        return (ea - eb).norm(dim=-1).numpy()

    return distance


def colour_histograms(cache: ImageCache, item_ids: Sequence[str], bins=(16, 4, 4)) -> dict[str, np.ndarray]:
    """HSV 16×4×4 histograms (normalised to sum 1) of the cached images."""
    out = {}
    for item_id in dict.fromkeys(item_ids):
        array = cache.images[cache.row[item_id]].permute(1, 2, 0).numpy()
        hsv = np.asarray(Image.fromarray(array).convert("HSV")).reshape(-1, 3)
        hist, _ = np.histogramdd(hsv, bins=bins, range=((0, 256), (0, 256), (0, 256)))
        out[item_id] = (hist / hist.sum()).ravel()
    return out


def histogram_distance(histograms: dict[str, np.ndarray]) -> PairDistance:
    def distance(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        a = np.stack([histograms[i] for i in left])
        b = np.stack([histograms[i] for i in right])
        return 0.5 * ((a - b) ** 2 / (a + b + 1e-10)).sum(1)

    return distance


def random_distance(seed: int = 0) -> PairDistance:
    """A seeded random but consistent distance per unordered pair."""

    def distance(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        keys = ["\0".join(sorted((a, b))) for a, b in zip(left, right)]
        return np.array([zlib.crc32(f"{seed}\0{k}".encode()) / 2**32 for k in keys])

    return distance


@torch.no_grad()
def attribute_scores(net: AttributeNet, cache: ImageCache, item_ids: Sequence[str],
                     prep: Preprocessing, device: torch.device, batch_size: int = 128,
                     progress: Progress = no_progress) -> np.ndarray:
    """(N, A) attribute logits of ``item_ids`` (``progress(done, total, "attribute scores")`` per batch)."""
    net.eval()
    rows = cache.rows(list(item_ids))
    chunks = []
    for start in range(0, len(rows), batch_size):
        images = prep.normalise(cache.images[rows[start : start + batch_size]].to(device))
        chunks.append(net(images)[0].float().cpu())
        progress(min(start + batch_size, len(rows)), len(rows), "attribute scores")
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, len(net.attributes)))


# --- fair question variants -------------------------------------------------------------------
def regroup_fitb(questions: Sequence[FitbQuestion], items: dict[str, ItemRecord], pool: Sequence[str],
                 seed: int = 0) -> list[FitbQuestion]:
    """The same questions with wrong answers redrawn from the same category, IGNORING the group
    (MANGO season) — the unfair variant DATA.md asks to report beside the season-matched one."""
    rng = np.random.default_rng(seed)
    by_category: dict[str, list[str]] = {}
    for item_id in pool:
        by_category.setdefault(items[item_id].category, []).append(item_id)
    out = []
    for question in questions:
        right = question.answer_item_ids[question.correct]
        exclude = set(question.question_item_ids) | {right}
        candidates = [i for i in by_category[items[right].category] if i not in exclude]
        if len(candidates) < len(question.answer_item_ids) - 1:
            continue
        wrong = list(rng.choice(candidates, len(question.answer_item_ids) - 1, replace=False))
        answers = wrong[: question.correct] + [right] + wrong[question.correct :]
        out.append(FitbQuestion(question.protocol, question.split, question.number, question.outfit_id,
                                list(question.question_item_ids), answers, question.correct,
                                question.blank_position))
    return out


@dataclass
class Figures:
    fitb: float | None = None
    auc: float | None = None
    attribute_map: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {"fitb": self.fitb, "auc": self.auc, "attribute_map": self.attribute_map}
