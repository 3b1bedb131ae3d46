"""Training augmentation: identity when disabled, seeded, colour-preserving, shape-preserving."""

from __future__ import annotations

import torch

from sane_desktop.training.augment import random_affine, random_photometric


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


def test_photometric_jitter_keeps_hue_classes() -> None:
    """Red stays red (never orange or pink): the jitter is a few per cent, not a hue shift."""
    from sane_desktop.models.preprocess import IMAGENET_MEAN, IMAGENET_STD

    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    pixels = torch.zeros(64, 3, 8, 8)
    pixels[:, 0] = 205 / 255  # the demo's red (205, 35, 40)
    pixels[:, 1], pixels[:, 2] = 35 / 255, 40 / 255
    images = (pixels - mean) / std
    jittered = random_photometric(images, torch.Generator().manual_seed(3), IMAGENET_MEAN, IMAGENET_STD)
    back = (jittered * std + mean).mean((2, 3))
    assert jittered.shape == images.shape and not torch.allclose(jittered, images)
    assert (back[:, 0] > 0.65).all() and (back[:, 1] < 0.25).all() and (back[:, 2] < 0.25).all()
    assert (back - pixels.mean((2, 3))).abs().max() < 0.15
    again = random_photometric(images, torch.Generator().manual_seed(3), IMAGENET_MEAN, IMAGENET_STD)
    assert torch.equal(jittered, again)


def test_stretch_widens() -> None:
    images = torch.ones(1, 3, 40, 40)
    images[:, :, 15:25, 15:25] = 0.0  # a dark square
    wide = random_affine(images, torch.Generator().manual_seed(0), scale=(1.0, 1.0), shift=0.0, degrees=0.0,
                         flip=False, stretch=(1.2, 1.2))
    dark = wide[0, 0] < 0.5
    assert dark.any(0).sum() > dark.any(1).sum()  # wider than tall


def test_batch_palette_change_is_one_change_for_the_whole_batch() -> None:
    from sane_desktop.models.preprocess import IMAGENET_MEAN, IMAGENET_STD
    from sane_desktop.training.augment import batch_palette_change

    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    # two "outfit items" of the same red, one blue: whatever the change, the reds stay equal to each
    # other and different from the blue, and every pixel stays a valid colour
    rgb = torch.tensor([[0.8, 0.1, 0.15], [0.8, 0.1, 0.15], [0.15, 0.3, 0.8]]).view(3, 3, 1, 1).expand(3, 3, 4, 4)
    images = (rgb - mean) / std
    seen = set()
    for seed in range(40):
        changed = batch_palette_change(images.clone(), torch.Generator().manual_seed(seed), IMAGENET_MEAN, IMAGENET_STD)
        pixels = changed * std + mean
        assert torch.allclose(pixels[0], pixels[1]) and not torch.allclose(pixels[0], pixels[2])
        assert float(pixels.min()) >= -1e-5 and float(pixels.max()) <= 1 + 1e-5
        assert not torch.allclose(pixels, rgb)  # never the identity
        seen.add(tuple(round(float(v), 3) for v in pixels[0, :, 0, 0]))
    assert len(seen) == 11  # 5 channel orders, each with and without a negative, and the plain negative
    again = batch_palette_change(images.clone(), torch.Generator().manual_seed(3), IMAGENET_MEAN, IMAGENET_STD)
    first = batch_palette_change(images.clone(), torch.Generator().manual_seed(3), IMAGENET_MEAN, IMAGENET_STD)
    assert torch.equal(again, first)
