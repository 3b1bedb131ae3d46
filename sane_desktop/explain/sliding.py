"""Sliding-window occlusion (Zeiler & Fergus 2014, as SANE's baseline; METHOD.md §3): a 32×32
occluder at 25×25 positions (stride 4); map = 1 − score of the occluded image.

Occluder centres run 8, 12, …, 104 px on the 112 crop (symmetric about the centre; squares are
clipped at the border), so there are exactly 25 × 25 = 625 occluded passes per map — the original
code reshaped 627 scores into 25×25. Other input sizes (the gpu preset's 224) scale the stride and
the occluder with the image. Occluded pixels take the normalised value 0, as in RISE.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.errors import InputError
from sane_desktop.explain.base import Explainer, MethodSettings, SimilarityModel, inference
from sane_desktop.explain.registry import register_method
from sane_desktop.explain.targets import Target

# defaults of SlidingSettings, in px of the 112 crop
POSITIONS = 25
STRIDE = 4
OCCLUDER = 32


@dataclass(frozen=True)
class SlidingSettings(MethodSettings):
    """Occluder grid at 112 px: ``positions``² squares of side ``occluder``, ``stride`` apart."""

    batch_size: int = 125  # 625 = 5 batches
    positions: int = POSITIONS
    stride: int = STRIDE
    occluder: int = OCCLUDER

    def __post_init__(self) -> None:
        if min(self.positions, self.stride, self.occluder) <= 0:
            raise InputError("sliding window: positions, stride and occluder must be positive")


def _geometry(size: int, positions: int = POSITIONS, stride: int = STRIDE,
              occluder: int = OCCLUDER) -> tuple[int, int, int]:
    """(stride, occluder side, first centre) at this input size: 4, 32, 8 at 112 px."""
    stride = max(1, round(stride * size / 112))
    occluder = max(1, round(occluder * size / 112))
    return stride, occluder, (size - stride * (positions - 1)) // 2


def occluder_boxes(size: int = 112, positions: int = POSITIONS, stride: int = STRIDE,
                   occluder: int = OCCLUDER) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of every occluder (positions² of them), row-major, clipped to
    the image of side ``size`` px."""
    step, side, first = _geometry(size, positions, stride, occluder)
    centres = [first + step * i for i in range(positions)]
    half = side // 2
    spans = [(max(0, c - half), min(size, c + half)) for c in centres]
    return [(top, left, bottom, right) for top, bottom in spans for left, right in spans]


def occluder_grid_to_image(grid: Tensor, size: int = 112, stride: int = STRIDE) -> Tensor:
    """Bilinear map (size, size) from a (P, P) grid with each value at its occluder's centre
    (8 + 4i px at 112 px); constant beyond the outer centres."""
    positions = grid.shape[-1]
    step, _, first = _geometry(size, positions, stride)
    span = step * (positions - 1) + 1  # 97 px from the first centre to the last at 112 px
    inner = F.interpolate(grid[None, None], size=(span, span), mode="bilinear", align_corners=True)
    pad = (first, size - first - span, first, size - first - span)
    return F.pad(inner, pad, mode="replicate")[0, 0]


@register_method("sliding")
class SlidingWindowExplainer(Explainer[SlidingSettings]):
    """Occlusion map: positions² passes per map (625 at the defaults)."""

    def __init__(self, model: SimilarityModel, batch_size: int = 125, positions: int = POSITIONS,
                 stride: int = STRIDE, occluder: int = OCCLUDER) -> None:
        super().__init__(model, SlidingSettings(batch_size=batch_size, positions=positions, stride=stride,
                                                  occluder=occluder))

    def pair_passes(self) -> int:
        return 2 * self.settings.positions ** 2  # both maps of a pair

    def explain_target(self, image: Tensor, target: Target) -> tuple[Tensor, int]:
        s = self.settings
        size = image.shape[-1]
        boxes = occluder_boxes(size, s.positions, s.stride, s.occluder)
        image = image.to(self.device)
        scores = []
        with inference(self.device):
            for start in range(0, len(boxes), self.batch_size):
                chunk = boxes[start : start + self.batch_size]
                batch = image[None].repeat(len(chunk), 1, 1, 1)
                for i, (top, left, bottom, right) in enumerate(chunk):
                    batch[i, :, top:bottom, left:right] = 0.0
                scores.append(target(self.model, self.model(batch).float()))
        grid = (1.0 - torch.cat(scores).float()).reshape(s.positions, s.positions)
        return occluder_grid_to_image(grid, size, s.stride), len(boxes)
