"""Colour cells (models/colour_cells.py) and the trunk that joins them to EfficientNet-Lite0's map:
HSV as colorsys computes it, bins that keep a colour in one bin across red's wrap-around, cells
that hold only their own pixels, and a colour trunk whose first 1280 channels are the plain trunk's
(same weights) and that trains, saves, loads and explains like any frozen trunk."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import torch

from sane_desktop.models.backbone import EFFICIENTNET_LITE0_COLOUR, make_trunk
from sane_desktop.models.colour_cells import COLOUR_BINS, GREYS, colour_bins, colour_cells, hsv


def _pixels(*rgb: tuple[float, float, float]) -> torch.Tensor:
    """(1, 3, 1, N) image of the given RGB pixels."""
    return torch.tensor(rgb, dtype=torch.float32).T.reshape(1, 3, 1, len(rgb))


def test_hsv_is_colorsys_hsv():
    rng = np.random.default_rng(0)
    rgb = [tuple(float(v) for v in row) for row in rng.random((200, 3))] + [(1.0, 0.0, 0.0), (0.2, 0.2, 0.2), (0, 0, 0)]
    hue, saturation, value = hsv(_pixels(*rgb))
    expected = np.array([colorsys.rgb_to_hsv(*p) for p in rgb])
    got = np.stack([hue.flatten().numpy(), saturation.flatten().numpy(), value.flatten().numpy()], 1)
    # hue is circular: compare on the circle
    assert np.allclose(np.cos(2 * np.pi * got[:, 0]), np.cos(2 * np.pi * expected[:, 0]), atol=1e-5)
    assert np.allclose(got[:, 1:], expected[:, 1:], atol=1e-5)


def test_reds_either_side_of_the_wrap_share_a_bin_and_greys_ignore_hue():
    red_minus, red, red_plus = (1.0, 0.0, 0.1), (1.0, 0.0, 0.0), (1.0, 0.1, 0.0)  # ≈ 354°, 0°, 6°
    green, blue = (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
    bins = colour_bins(_pixels(red_minus, red, red_plus, green, blue)).flatten().tolist()
    assert bins[0] == bins[1] == bins[2]
    assert len({bins[1], bins[3], bins[4]}) == 3
    greys = colour_bins(_pixels((0.9, 0.9, 0.91), (0.92, 0.9, 0.9), (0.05, 0.05, 0.05))).flatten().tolist()
    assert greys[0] == greys[1] != greys[2]  # a faint tint is grey; light and dark greys differ
    assert all(COLOUR_BINS - GREYS <= b < COLOUR_BINS for b in greys)


def test_each_cell_holds_the_shares_of_its_own_pixels():
    image = torch.zeros(1, 3, 10, 20)
    image[:, 0, :, :10] = 1.0  # left half red
    image[:, 2, :, 10:] = 1.0  # right half blue
    cells = colour_cells(image, (1, 2))
    assert cells.shape == (1, COLOUR_BINS, 1, 2)
    red_bin, blue_bin = colour_bins(image)[0, 0, 0].item(), colour_bins(image)[0, 0, -1].item()
    assert cells[0, red_bin, 0, 0] == 1.0 and cells[0, red_bin, 0, 1] == 0.0
    assert cells[0, blue_bin, 0, 1] == 1.0 and cells[0, blue_bin, 0, 0] == 0.0
    # a grid that does not divide the image: each cell's shares still sum to one
    noisy = torch.rand(2, 3, 11, 13)
    shares = colour_cells(noisy, (3, 4)) ** 2
    assert torch.allclose(shares.sum(1), torch.ones(2, 3, 4), atol=1e-5)


def test_a_grid_larger_than_the_image_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        colour_cells(torch.rand(1, 3, 4, 4), (5, 5))


def test_the_colour_trunk_is_the_plain_trunk_plus_its_colour_cells():
    from sane_desktop.models.weights import load_trunk_weights, trunk_digest

    plain, colour = make_trunk("efficientnet_lite0"), make_trunk(EFFICIENTNET_LITE0_COLOUR)
    load_trunk_weights(plain, "imagenet")
    load_trunk_weights(colour, "imagenet")
    assert colour.out_channels == plain.out_channels + COLOUR_BINS
    assert trunk_digest(colour) != trunk_digest(plain)  # its features are cached and checked apart
    images = torch.rand(2, 3, 96, 96) * 2 - 1  # the TF-Lite input scaling, [-1, 1]
    with torch.no_grad():
        ours, theirs = colour.eval()(images), plain.eval()(images)
    assert ours.shape == (2, plain.out_channels + COLOUR_BINS, 3, 3)
    assert torch.equal(ours[:, : plain.out_channels], theirs)
    assert torch.allclose(ours[:, plain.out_channels:], colour_cells(images * 0.5 + 0.5, (3, 3)))


def test_a_colour_trunk_model_trains_saves_and_loads(tmp_path):
    """``train --trunk efficientnet_lite0_colour`` on the drawn world: a frozen-trunk checkpoint that
    loads back to the same trunk kind and the same outputs, its attribute maps averaging to its logits."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.models import load_checkpoint, save_checkpoint
    from sane_desktop.models.preprocess import load_image_tensor
    from sane_desktop.service.building import trunk_overrides
    from sane_desktop.training.presets import preset
    from sane_desktop.training.trainer import train

    root = tmp_path / "demo"
    generate_demo(root, seed=3, items=48, masks=False)
    catalogue = read_catalogue(root, validate_images=False)
    config = preset("pretrained", **{**trunk_overrides(EFFICIENTNET_LITE0_COLOUR), "image_size": 96}, epochs=2)
    bundle = train(catalogue, config).bundle
    assert bundle.compatibility.trunk.kind == EFFICIENTNET_LITE0_COLOUR and bundle.config["trunk_frozen"]
    save_checkpoint(tmp_path / "colour.pt", bundle)
    loaded = load_checkpoint(tmp_path / "colour.pt")
    assert loaded.compatibility.trunk.kind == EFFICIENTNET_LITE0_COLOUR
    image = load_image_tensor(root / catalogue.items[0].image_path, loaded.preprocessing)[None]
    with torch.no_grad():
        assert torch.allclose(loaded.compatibility(image), bundle.compatibility(image), atol=1e-5)
        logits, maps = loaded.attributes(image)
    assert maps.shape[1] == len(loaded.attributes.attributes) and torch.allclose(logits, maps.mean((2, 3)))
