"""Batched geometric augmentation for training from a uint8 image cache.

Product photos differ in framing, not in colour: a random affine warp (flip, scale, shift, small
rotation, a little stretch) per image fights memorisation of a small catalogue. Photometric jitter
is mild on purpose — brightness, contrast, a few per cent of gain per channel and faint pixel noise —
so that a shade or a backdrop from another studio still reads as the same colour, while red never
turns into orange: colour is often *the* reason two items match. Out-of-frame pixels repeat the
border (the backdrop).
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
    stretch: tuple[float, float] = (1.0, 1.0),
) -> torch.Tensor:
    """Warp each image of a float batch (B, 3, H, W) by its own random affine transform."""
    batch = images.shape[0]
    uniform = lambda low, high: low + (high - low) * torch.rand(batch, generator=generator)  # noqa: E731
    zoom = uniform(*scale)
    angle = uniform(-degrees, degrees) * (math.pi / 180.0)
    mirror = torch.where(torch.rand(batch, generator=generator) < 0.5, -1.0, 1.0) if flip else torch.ones(batch)
    aspect = uniform(*stretch)  # > 1 widens the garment: the grid samples x more densely
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.zeros(batch, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * mirror / aspect, -sin
    theta[:, 1, 0], theta[:, 1, 1] = sin * mirror / aspect, cos
    theta[:, 0, 2], theta[:, 1, 2] = uniform(-shift, shift) * 2, uniform(-shift, shift) * 2
    grid = F.affine_grid(theta.to(images.device, images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_photometric(
    images: torch.Tensor,
    generator: torch.Generator,
    mean: tuple[float, float, float],
    std: tuple[float, float, float],
    brightness: float = 0.08,
    contrast: float = 0.1,
    gain: float = 0.05,
    noise: float = 0.015,
) -> torch.Tensor:
    """Mild per-image photometric jitter of a normalised float batch (B, 3, H, W), done in [0, 1]."""
    batch = images.shape[0]
    m = torch.tensor(mean, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    uniform = lambda low, high, *shape: (  # noqa: E731
        low + (high - low) * torch.rand(batch, *shape, generator=generator)).to(images.device, images.dtype)
    pixels = images * s + m
    centre = pixels.mean((1, 2, 3), keepdim=True)
    pixels = (pixels - centre) * uniform(1 - contrast, 1 + contrast, 1, 1, 1) + centre
    pixels = pixels * uniform(1 - brightness, 1 + brightness, 1, 1, 1) * uniform(1 - gain, 1 + gain, 3, 1, 1)
    grain = torch.randn(images.shape, generator=generator).to(images.device, images.dtype)
    pixels = pixels + noise * uniform(0.0, 1.0, 1, 1, 1) * grain
    return (pixels.clamp(0.0, 1.0) - m) / s


# The five channel orders other than RGB itself, and whether to invert: one of them, drawn per step.
_PERMUTATIONS = ((0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


def batch_palette_change(images: torch.Tensor, generator: torch.Generator, mean: tuple[float, float, float],
                         std: tuple[float, float, float]) -> torch.Tensor:
    """One palette change for a whole normalised batch (B, 3, H, W): a random permutation of the
    colour channels, or a negative, or both. Compatibility is a relation between the items of an
    outfit, so changing every image of a step the same way keeps every triplet's answer, while the
    trunk meets garments, prints and motifs in colours and polarities the catalogue never drew."""
    m = torch.tensor(mean, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    pixels = images * s + m
    choice = int(torch.randint(0, 2 * len(_PERMUTATIONS) + 1, (1,), generator=generator))
    if choice < 2 * len(_PERMUTATIONS):
        pixels = pixels[:, list(_PERMUTATIONS[choice % len(_PERMUTATIONS)])]
    if choice >= len(_PERMUTATIONS):  # the upper half of the draws (and the last: a plain negative)
        pixels = 1.0 - pixels
    return (pixels - m) / s


def training_views(images: torch.Tensor, generator: torch.Generator, *, augment: bool, flip: bool,
                   mean: tuple[float, float, float], std: tuple[float, float, float]) -> torch.Tensor:
    """The training recipe for a normalised batch, shared by the outfit and the attribute-only loops:
    affine warp (a little stretch) and photometric jitter, or with ``augment`` off a random flip only."""
    if augment:
        images = random_affine(images, generator, flip=flip, stretch=(0.9, 1.12))
        return random_photometric(images, generator, mean, std)
    if flip:
        mirrored = torch.rand(len(images)) < 0.5
        images[mirrored] = images[mirrored].flip(-1)
    return images
