"""How saliency maps are scored (METHOD.md §5): insertion/deletion curves and the pointing game.

For t = 0, 0.01, …, 1 keep (insertion) or remove (deletion) the top max(1, round(t·H·W)) pixels of
the map, the rest (or those pixels) set to a white background passed through the same
preprocessing, and record the similarity to the intact reference. Curves are min–max normalised
per pair, averaged, and integrated (trapezoid); raw curves are reported too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from sane_desktop.explain.base import SimilarityModel, inference, model_device

STEPS = 101  # thresholds 0, 0.01, …, 1


def white_background(mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """A white pixel after normalisation, (3, 1, 1)."""
    return ((1.0 - torch.tensor(mean)) / torch.tensor(std)).view(3, 1, 1)


def pixel_counts(n_pixels: int, steps: int = STEPS) -> list[int]:
    thresholds = np.linspace(0.0, 1.0, steps)
    return [max(1, int(round(t * n_pixels))) for t in thresholds]


TIE_SEED = 0  # the fixed scatter that breaks ties between equally salient pixels


@functools.lru_cache(maxsize=8)
def _scatter(n: int) -> Tensor:
    """A fixed pseudo-random order of ``n`` pixel positions (the same on every run and machine)."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(TIE_SEED))


def pixel_ranks(saliency: np.ndarray | Tensor) -> Tensor:
    """Rank of every pixel (0 = most salient). Equally salient pixels are taken in a fixed scattered
    order, not by position: a flat map (or a flat part of one) removes pixels from all over the
    image, as chance would, never the top rows first (trial AI: a flat map scored by where the
    garment sits in the frame). Deterministic. Raises ValueError for a map holding NaN or infinity."""
    flat = torch.as_tensor(np.asarray(saliency, dtype=np.float32)).flatten()
    if not bool(torch.isfinite(flat).all()):
        raise ValueError("a saliency map holds NaN or infinite values: its pixels cannot be ranked")
    scatter = _scatter(flat.numel())
    order = scatter[torch.argsort(-flat[scatter], stable=True)]  # ties: in the scatter's order
    ranks = torch.empty_like(order)
    ranks[order] = torch.arange(flat.numel())
    return ranks


def perturbed_images(image: Tensor, saliency: np.ndarray | Tensor, background: Tensor,
                     steps: int = STEPS) -> tuple[Tensor, Tensor]:
    """(insertion, deletion) stacks of ``steps`` images each."""
    height, width = image.shape[-2:]
    ranks = pixel_ranks(saliency).view(height, width)
    counts = torch.tensor(pixel_counts(height * width, steps)).view(-1, 1, 1)
    top = (ranks[None] < counts)[:, None].to(image.dtype)  # (steps, 1, H, W)
    bg = background.to(image.dtype).expand_as(image)
    insertion = top * image + (1 - top) * bg
    deletion = top * bg + (1 - top) * image
    return insertion, deletion


def perturbation_curves(
    model: SimilarityModel,
    image: Tensor,
    saliency: np.ndarray | Tensor,
    reference: Tensor,
    space: int,
    background: Tensor,
    batch_size: int = 101,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw similarity curves (insertion, deletion), each (101,): 202 forward passes."""
    device = model_device(model)
    insertion, deletion = perturbed_images(image, saliency, background)
    stack = torch.cat([insertion, deletion])
    sims = []
    with inference(device):
        ref = model.project(reference[None].float().to(device), space)
        for start in range(0, stack.shape[0], batch_size):
            emb = model(stack[start : start + batch_size].to(device)).float()
            sims.append((model.project(emb, space) * ref).sum(-1).float().cpu())
    curve = torch.cat(sims).numpy()
    return curve[:STEPS], curve[STEPS:]


def normalise_curve(curve: np.ndarray) -> np.ndarray:
    low, high = float(np.min(curve)), float(np.max(curve))
    if high - low < 1e-12:
        return np.zeros_like(curve, dtype=np.float64)
    return (np.asarray(curve, dtype=np.float64) - low) / (high - low)


def auc(curve: np.ndarray) -> float:
    """Area under a curve sampled at t = 0, 1/(n−1), …, 1."""
    curve = np.asarray(curve, dtype=np.float64)
    return float(np.trapezoid(curve, dx=1.0 / (len(curve) - 1)))


@dataclass
class CurveSummary:
    auc: float  # of the mean per-pair normalised curve (the paper's number)
    raw_auc: float  # of the mean raw similarity curve
    mean_curve: list[float]
    raw_mean_curve: list[float]
    pairs: int

    def as_dict(self, curves: bool = True) -> dict:
        data: dict[str, float | int | list[float]] = {"auc": self.auc, "raw_auc": self.raw_auc, "pairs": self.pairs}
        if curves:
            data["mean_curve"] = self.mean_curve
            data["raw_mean_curve"] = self.raw_mean_curve
        return data


def summarise_curves(curves: Sequence[np.ndarray]) -> CurveSummary:
    raw = np.stack([np.asarray(c, dtype=np.float64) for c in curves])
    normalised = np.stack([normalise_curve(c) for c in raw])
    mean_curve, raw_mean = normalised.mean(0), raw.mean(0)
    return CurveSummary(
        auc=auc(mean_curve),
        raw_auc=auc(raw_mean),
        mean_curve=[round(float(v), 5) for v in mean_curve],
        raw_mean_curve=[round(float(v), 5) for v in raw_mean],
        pairs=len(curves),
    )


def paired_difference(curves: Sequence[np.ndarray], reference: Sequence[np.ndarray], seed: int = 0,
                      resamples: int = 2000) -> dict:
    """Mean per-pair difference of normalised-curve AUCs (curves − reference, the same pairs in the
    same order) and its 95 % bootstrap interval over pairs. The mean equals the difference of the two
    summarised AUCs (the AUC of a mean curve is the mean of the AUCs)."""
    diff = np.array([auc(normalise_curve(a)) - auc(normalise_curve(b)) for a, b in zip(curves, reference, strict=True)])
    draws = np.random.default_rng(seed).integers(0, len(diff), (resamples, len(diff)))
    low, high = np.percentile(diff[draws].mean(1), [2.5, 97.5])
    return {"mean": float(diff.mean()), "ci95": [float(low), float(high)], "pairs": len(diff)}


def pointing_hit(saliency: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """The pointing game (Zhang et al., ECCV 2016) for one map: 1.0 when its maximum lies in box
    (top, left, bottom, right), bottom/right exclusive, in map pixels, else 0.0. Tied maxima count
    as a random pick among them would: the share of them inside the box (a flat map scores the box's
    share of the map, chance, never the hit or miss of whichever pixel comes first — trial AG).
    Raises ValueError for a map holding NaN or infinity (its "maximum" would be where it is NaN)."""
    values = np.asarray(saliency)
    if not np.isfinite(values).all():
        raise ValueError("a saliency map holds NaN or infinite values: the pointing game cannot read its maximum")
    rows, cols = np.nonzero(values == values.max())
    top, left, bottom, right = box
    inside = (rows >= top) & (rows < bottom) & (cols >= left) & (cols < right)
    return float(inside.mean())


def box_to_crop(box_xyxy: Sequence[float], image_size: tuple[int, int], size: int = 112) -> tuple[int, int, int, int]:
    """Map a box (x0, y0, x1, y1) in original image pixels onto the model's centre crop (the
    preprocessing's short-side resize + centre crop) as (top, left, bottom, right), clipped."""
    width, height = image_size
    scale = size / min(width, height)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    sx, sy = new_w / width, new_h / height
    left0, top0 = (new_w - size) // 2, (new_h - size) // 2
    x0, y0, x1, y1 = box_xyxy
    clip = lambda v: int(min(size, max(0, v)))  # noqa: E731
    return (clip(np.floor(y0 * sy - top0)), clip(np.floor(x0 * sx - left0)),
            clip(np.ceil(y1 * sy - top0)), clip(np.ceil(x1 * sx - left0)))
