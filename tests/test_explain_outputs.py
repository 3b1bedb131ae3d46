"""Explanation cache, overlays, the selection model file and the match pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from test_explain_toys import random_images, small_compatibility_net
from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity, explanation_cache_key
from sane_desktop.explain.overlay import COLOUR_MAPS, blend, colour_lut, colourise, denormalise, save_png
from sane_desktop.explain.pipeline import SelectionModel, explain_match
from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.preprocess import Preprocessing


def test_cache_roundtrip_keys_and_damaged_entries(tmp_path):
    cache = ExplanationCache(tmp_path / "cache")
    identity = ExplanationIdentity("hash", "q1", "r1", "fast")
    key = explanation_cache_key("hash", "q1", "r1", "fast")
    assert identity.key == key
    assert key != explanation_cache_key("hash", "q1", "r1", "rise") != explanation_cache_key("other", "q1", "r1", "fast")
    assert cache.get(identity) is None
    maps = {"query": np.random.default_rng(0).random((112, 112)).astype(np.float32)}
    cache.put(identity, {"similarity": 0.5}, maps)
    summary, loaded = cache.get(identity)
    assert summary == {"similarity": 0.5} and np.array_equal(loaded["query"], maps["query"])
    (tmp_path / "cache" / f"{key}.npz").write_bytes(b"not a zip")
    assert cache.get(identity) is None
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def test_overlay_colours_and_png(tmp_path):
    ramp = np.linspace(0, 1, 100).reshape(10, 10)
    colours = colourise(ramp)  # inferno by default: near black → pale yellow, alpha rising
    assert colours.shape == (10, 10, 4) and colours.dtype == np.uint8
    assert colours[0, 0, :3].sum() < 30 and colours[-1, -1, :3].sum() > 600
    assert colours[0, 0, 3] < colours[-1, -1, 3] == 255
    assert np.array_equal(colourise(np.full((4, 4), 3.0)), colourise(np.zeros((4, 4))))  # flat map
    for name in COLOUR_MAPS:
        assert colour_lut(name).shape == (256, 3) and not colour_lut(name).flags.writeable
    assert np.array_equal(colour_lut("no such map"), colour_lut("inferno"))  # a stale setting still draws
    prep = Preprocessing()
    picture = np.random.default_rng(1).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    normalised = prep(Image.fromarray(picture)).numpy()
    assert np.abs(denormalise(normalised, prep.mean, prep.std).astype(int) - picture).max() <= 1
    mixed = blend(picture, np.zeros((112, 112)), opacity=0.0)
    assert np.array_equal(mixed, picture)
    path = save_png(blend(picture, np.random.default_rng(2).random((112, 112))), tmp_path / "o" / "x.png")
    assert Image.open(path).size == (112, 112)
    # fully opaque, the PNG shows colourise's colours where their alpha is full: one code path
    heat = np.linspace(0, 1, 112 * 112).reshape(112, 112)
    rgba = colourise(heat, "viridis")
    full = rgba[..., 3] == 255
    assert np.array_equal(blend(picture, heat, opacity=1.0, cmap="viridis")[full], rgba[..., :3][full])


def test_a_signed_maps_zero_reads_as_no_influence():
    # trial M: an empty backdrop (parts near 0) drawn mid-way to "more influence", beside jeans whose
    # cells lowered the score (negative parts), on a map scaled from its minimum
    saliency = np.zeros((20, 20))
    saliency[5:15, 5:10] = -0.4  # the jeans' cells: they lower the match
    saliency[5:15, 10:15] = 0.6  # the cells that raise it
    colours = colourise(saliency)
    backdrop, jeans, raising = colours[0, 0], colours[8, 6], colours[8, 12]
    assert np.array_equal(backdrop, jeans) and backdrop[3] == colourise(np.zeros((2, 2)))[0, 0, 3]  # both "less"
    assert raising[3] == 255 and raising[:3].sum() > 600  # the top of the scale
    assert np.array_equal(colourise(-np.abs(saliency)), colourise(np.zeros((20, 20))))  # nothing raises it: flat


def test_the_gui_and_the_cli_share_one_colour_map_implementation():
    import sane_desktop.explain.overlay as overlay
    import sane_desktop.service.colours as service_colours

    assert service_colours.colourise is overlay.colourise
    assert service_colours.colour_lut is overlay.colour_lut
    assert service_colours.COLOUR_MAPS is overlay.COLOUR_MAPS and "inferno" in overlay.COLOUR_MAPS


def test_selection_model_file_roundtrip(tmp_path):
    selection = SelectionModel.default(["red", "blue"])
    selection.prior = [0.25, 0.75]
    selection.tuned = True
    path = selection.save(tmp_path / "selection.json")
    loaded = SelectionModel.load(path, ["red", "blue"])
    assert loaded.prior == [0.25, 0.75] and loaded.tuned and loaded.weights == selection.weights
    with pytest.raises(ValueError, match="vocabulary"):
        SelectionModel.load(path, ["red", "green"])


def test_explain_match_ranks_present_attributes():
    model = small_compatibility_net(7)
    torch.manual_seed(7)
    attributes = AttributeNet(["a", "b", "c", "d", "e"], trunk=model.trunk).eval()
    images = random_images(2, seed=9)
    result = explain_match(model, attributes, images[0], images[1], model.space_index(0, 1), "fast")
    assert result.saliency.forward_passes == 2
    assert len(result.attributes) >= 3 and result.attribute == result.attributes[0].name
    scores = [s.score for s in result.attributes]
    assert scores == sorted(scores, reverse=True)
    # the explaining attribute's activation maps, one per image, aligned with the saliency maps
    with torch.no_grad():
        _, maps = attributes(images)
    top = result.attributes[0].index
    assert result.attribute_maps is not None
    for drawn, cells in zip(result.attribute_maps, maps[:, top]):
        assert drawn.shape == result.saliency.query_map.shape
        assert float(drawn.max()) <= float(cells.max()) + 1e-5 and float(drawn.min()) >= float(cells.min()) - 1e-5
        assert np.corrcoef(drawn[8::16, 8::16].ravel(), cells.numpy().ravel())[0, 1] > 0.9  # cell centres
    no_attributes = explain_match(model, None, images[0], images[1], 0, "fast")
    assert no_attributes.attributes == [] and no_attributes.attribute is None
    assert no_attributes.attribute_maps is None
