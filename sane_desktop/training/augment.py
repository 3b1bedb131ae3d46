"""Batched geometric augmentation for training from a uint8 image cache.

Product photos differ in framing, not in colour: a random affine warp (flip, scale, shift, small
rotation) per image fights memorisation of a small catalogue, and leaves colours untouched because
colour is often *the* reason two items match. Out-of-frame pixels repeat the border (the backdrop).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    scale: tuple[float, float] = (0.85, 1.15),
    shift: float = 0.1,
    degrees: float = 10.0,
    flip: bool = True,
) -> torch.Tensor:
    """Warp each image of a float batch (B, 3, H, W) by its own random affine transform."""
    batch = images.shape[0]
    uniform = lambda low, high: low + (high - low) * torch.rand(batch, generator=generator)  # noqa: E731
    zoom = uniform(*scale)
    angle = uniform(-degrees, degrees) * (math.pi / 180.0)
    mirror = torch.where(torch.rand(batch, generator=generator) < 0.5, -1.0, 1.0) if flip else torch.ones(batch)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.zeros(batch, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * mirror, -sin
    theta[:, 1, 0], theta[:, 1, 1] = sin * mirror, cos
    theta[:, 0, 2], theta[:, 1, 2] = uniform(-shift, shift) * 2, uniform(-shift, shift) * 2
    grid = F.affine_grid(theta.to(images.device, images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
