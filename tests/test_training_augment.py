"""Training augmentation: identity when disabled, seeded, colour-preserving, shape-preserving."""

from __future__ import annotations

import torch

from sane_desktop.training.augment import random_affine


def test_identity_parameters_leave_images_unchanged() -> None:
    images = torch.rand(3, 3, 32, 32)
    same = random_affine(images, torch.Generator().manual_seed(0), scale=(1.0, 1.0), shift=0.0, degrees=0.0, flip=False)
    assert torch.allclose(same, images, atol=1e-5)


def test_same_seed_same_warp_and_each_image_its_own() -> None:
    images = torch.rand(4, 3, 32, 32)
    first = random_affine(images, torch.Generator().manual_seed(7))
    again = random_affine(images, torch.Generator().manual_seed(7))
    other = random_affine(images, torch.Generator().manual_seed(8))
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert first.shape == images.shape


def test_colours_are_kept_and_backdrop_fills_the_border() -> None:
    images = torch.ones(2, 3, 40, 40)  # white backdrop
    images[:, 0, 10:30, 10:30], images[:, 1:, 10:30, 10:30] = 1.0, 0.0  # a red square
    warped = random_affine(images, torch.Generator().manual_seed(1))
    red = (warped[:, 0] > 0.9) & (warped[:, 1] < 0.1)
    assert red.sum() > 0.6 * 2 * 400  # the square survives, still red
    corners = warped[:, :, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert torch.allclose(corners, torch.ones_like(corners))  # out-of-frame pixels repeat the white border
