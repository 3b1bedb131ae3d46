"""The method registry, per-instance settings and the target objects of :mod:`sane_desktop.explain`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from test_explain_toys import random_images, small_compatibility_net
from sane_desktop.errors import InputError, NotFound
from sane_desktop.explain import OutfitScore, PairScore, get_explainer, list_methods
from sane_desktop.explain.base import Explainer
from sane_desktop.explain.registry import method_class, register_method

TINY = {"rise": {"n_masks": 16}, "sliding": {"positions": 5, "stride": 20}}


def test_every_builtin_method_is_registered_once_in_order():
    assert list_methods() == ["fast", "fast_detail", "rise", "sliding", "random"]
    for name in list_methods():
        assert method_class(name).name == name


@pytest.mark.parametrize("name", ["fast", "fast_detail", "rise", "sliding", "random"])
def test_every_registered_method_explains_a_tiny_pair(name):
    model = small_compatibility_net(1)
    images = random_images(2, seed=2)
    explainer = get_explainer(name, model, **TINY.get(name, {}))
    assert isinstance(explainer, Explainer) and explainer.name == name
    result = explainer.explain(images[0], images[1], 1)
    assert result.query_map.shape == result.candidate_map.shape == (112, 112)
    assert result.query_map.dtype == np.float32 and np.isfinite(result.query_map).all()
    with torch.no_grad():
        expected = float((model.project(model(images[:1]), 1) * model.project(model(images[1:]), 1)).sum())
    assert result.similarity == pytest.approx(expected, abs=1e-5)
    assert result.forward_passes >= 2
    described = explainer.describe()
    assert described["method"] == name and described["version"] == explainer.version


def test_unknown_methods_and_settings_are_input_errors():
    model = small_compatibility_net(1)
    with pytest.raises(NotFound, match="no-such"):
        get_explainer("no-such", model)
    with pytest.raises(InputError, match="n_masks"):
        get_explainer("fast", model, n_masks=10)
    with pytest.raises(InputError, match="map_mode"):
        get_explainer("fast", model, map_mode="nearest")


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(RuntimeError, match="twice"):
        register_method("fast")(type("Other", (Explainer,), {"explain_target": lambda self, i, t: (i, 0)}))
    assert method_class("fast").__name__ == "FastExplainer"


def test_settings_are_per_instance():
    model = small_compatibility_net(3)
    images = random_images(2, seed=4)
    reference = get_explainer("fast", model).embed(images[1:])[0]
    bicubic = get_explainer("fast", model)
    bilinear = get_explainer("fast", model, map_mode="bilinear")
    before = bicubic.explain_map(images[0], reference, 0)[0]
    other = bilinear.explain_map(images[0], reference, 0)[0]
    after = bicubic.explain_map(images[0], reference, 0)[0]
    assert bicubic.settings.map_mode == "bicubic" and bilinear.settings.map_mode == "bilinear"
    assert not torch.allclose(before, other)  # the setting takes effect …
    assert torch.equal(before, after)  # … and only on its own instance
    small, large = get_explainer("rise", model, n_masks=8), get_explainer("rise", model, n_masks=24, seed=3)
    assert small.masks.shape[0] == 8 and large.masks.shape[0] == 24 and small.settings.seed == 0
    with pytest.raises(AttributeError):
        small.settings.n_masks = 100  # type: ignore[misc]  (frozen)


def test_random_baseline_is_seeded_per_instance_and_ignores_the_target():
    model = small_compatibility_net(1)
    images = random_images(2, seed=2)
    reference = torch.zeros(16)
    first, second = get_explainer("random", model, seed=7), get_explainer("random", model, seed=7)
    maps = [first.explain_map(images[0], reference, 0)[0] for _ in range(2)]
    assert torch.equal(maps[0], torch.from_numpy(np.random.default_rng(7).random((112, 112)).astype(np.float32)))
    assert not torch.equal(maps[0], maps[1])  # the n-th map uses seed + n
    assert torch.equal(second.explain_map(images[1], reference + 1, 2)[0], maps[0])
    assert first.explain_map(images[0], reference, 0)[1] == 0  # no forward pass


@pytest.mark.parametrize("name", ["fast", "rise", "sliding"])
def test_the_outfit_score_map_is_the_sum_of_its_pair_maps(name):
    """Every method but fast_detail is linear in a sum of type-space cosines: the map of an outfit
    score equals the sum of the maps of its pairs (exactly so for fast and RISE, whose maps are
    linear in the score; sliding's 1 − score adds a constant per extra pair). fast_detail's
    gradient × input factor depends on the target, so only its exact cells add up."""
    model = small_compatibility_net(5)
    images = random_images(3, seed=6)
    explainer = get_explainer(name, model, **TINY.get(name, {}))
    references = explainer.embed(images[1:])
    outfit = OutfitScore(references, [1, 2])
    joint, passes = explainer.explain_target(images[0], outfit)
    pairs = [explainer.explain_target(images[0], PairScore(references[k], s))[0] for k, s in enumerate((1, 2))]
    offset = 1.0 if name == "sliding" else 0.0
    assert torch.allclose(joint, pairs[0] + pairs[1] - offset, atol=1e-5)
    with torch.no_grad():
        scores = outfit(model, model(images[:1]))
        expected = sum(PairScore(references[k], s)(model, model(images[:1])) for k, s in enumerate((1, 2)))
    assert torch.allclose(scores, expected)
    assert passes == explainer.explain_target(images[0], PairScore(references[0], 1))[1]


def test_targets_check_their_shapes():
    with pytest.raises(InputError):
        PairScore(torch.zeros(2, 16), 0)
    with pytest.raises(InputError):
        OutfitScore(torch.zeros(2, 16), [0])
    assert OutfitScore(torch.zeros(2, 16), [0, 3]).spaces == (0, 3)
    assert PairScore(torch.zeros(16), 4).spaces == (4,)


def test_the_evaluation_passes_method_settings_to_the_constructors():
    from sane_desktop.explain.evaluation import SALIENCY_METHODS, method_settings_for
    from sane_desktop.models.preprocess import Preprocessing

    prep = Preprocessing()
    assert SALIENCY_METHODS == tuple(list_methods())
    settings = method_settings_for(["fast", "rise", "random"], 2, 500, prep, {"fast": {"map_mode": "bilinear"}})
    assert settings == {"fast": {"preprocessing": prep, "map_mode": "bilinear"}, "rise": {"n_masks": 500},
                        "random": {"seed": 200006}}
