"""Seeded RISE mask bank (Petsiuk et al., BMVC 2018; as eclique/RISE ``generate_masks``).

N binary s×s grids with keep probability p, each upsampled bilinearly to (s+1)·⌈size/s⌉ px and
cropped at a random shift of up to one cell: smooth masks whose per-pixel mean is ≈ p everywhere.
Seeded (the original is not), so two runs give the same maps; banks are memoised per device.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor

DEFAULT_MASKS = 2000
DEFAULT_CELLS = 8
DEFAULT_KEEP = 0.5


def generate_masks(
    n: int = DEFAULT_MASKS,
    s: int = DEFAULT_CELLS,
    p: float = DEFAULT_KEEP,
    size: int = 112,
    seed: int = 0,
) -> Tensor:
    """(n, size, size) float32 masks in [0, 1] on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    cell = math.ceil(size / s)
    up = (s + 1) * cell
    grid = (torch.rand(n, 1, s, s, generator=generator) < p).float()
    upsampled = F.interpolate(grid, size=(up, up), mode="bilinear", align_corners=False)[:, 0]
    shifts = torch.randint(0, cell, (n, 2), generator=generator)
    masks = torch.empty(n, size, size)
    for i, (dy, dx) in enumerate(shifts.tolist()):
        masks[i] = upsampled[i, dy : dy + size, dx : dx + size]
    return masks


@lru_cache(maxsize=4)
def mask_bank(
    n: int = DEFAULT_MASKS,
    s: int = DEFAULT_CELLS,
    p: float = DEFAULT_KEEP,
    size: int = 112,
    seed: int = 0,
    device: str = "cpu",
) -> Tensor:
    """Memoised bank kept on ``device`` (read-only: do not modify it in place)."""
    return generate_masks(n, s, p, size, seed).to(device)
