"""Sliding-window occlusion: a 32×32 occluder at 25×25 positions (stride 4); map = 1 − similarity.

Occluder centres run 8, 12, …, 104 px on the 112 crop (symmetric about the centre; squares are
clipped at the border), so there are exactly 25 × 25 = 625 occluded passes per map — the original
code reshaped 627 scores into 25×25. Other input sizes (the gpu preset's 224) scale the stride and
the occluder with the image. Occluded pixels take the normalised value 0, as in RISE.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.explain.base import Explainer, SimilarityModel, inference

POSITIONS = 25
STRIDE = 4
OCCLUDER = 32


def _geometry(size: int) -> tuple[int, int, int]:
    """(stride, occluder side, first centre) at this input size: 4, 32, 8 at 112 px."""
    stride = max(1, round(STRIDE * size / 112))
    occluder = max(1, round(OCCLUDER * size / 112))
    return stride, occluder, (size - stride * (POSITIONS - 1)) // 2


def occluder_boxes(size: int = 112) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of every occluder, row-major, clipped to the image."""
    stride, occluder, first = _geometry(size)
    positions = POSITIONS
    centres = [first + stride * i for i in range(positions)]
    half = occluder // 2
    spans = [(max(0, c - half), min(size, c + half)) for c in centres]
    return [(top, left, bottom, right) for top, bottom in spans for left, right in spans]


class SlidingWindowExplainer(Explainer):
    name = "sliding"

    def __init__(self, model: SimilarityModel, batch_size: int = 125) -> None:
        super().__init__(model, batch_size)

    def explain_map(self, image: Tensor, reference: Tensor, space: int) -> tuple[Tensor, int]:
        size = image.shape[-1]
        boxes = occluder_boxes(size)
        image = image.to(self.device)
        reference = reference.to(self.device)
        similarities = []
        with inference(self.device):
            for start in range(0, len(boxes), self.batch_size):
                chunk = boxes[start : start + self.batch_size]
                batch = image[None].repeat(len(chunk), 1, 1, 1)
                for i, (top, left, bottom, right) in enumerate(chunk):
                    batch[i, :, top:bottom, left:right] = 0.0
                emb = self.model(batch).float()
                similarities.append(
                    (self.model.project(emb, space) * self.model.project(reference[None].float(), space)).sum(-1)
                )
        scores = torch.cat(similarities).float()
        grid = (1.0 - scores).reshape(POSITIONS, POSITIONS)
        return occluder_grid_to_image(grid, size), len(boxes)


def occluder_grid_to_image(grid: Tensor, size: int = 112) -> Tensor:
    """Bilinear map with each value at its occluder's centre (8 + 4i px); constant beyond them."""
    stride, _, first = _geometry(size)
    span = stride * (POSITIONS - 1) + 1  # 97 px from the first centre to the last at 112 px
    inner = F.interpolate(grid[None, None], size=(span, span), mode="bilinear", align_corners=True)
    pad = (first, size - first - span, first, size - first - span)
    return F.pad(inner, pad, mode="replicate")[0, 0]
