"""The bf16 code paths, which run on CUDA in the app, exercised on the CPU.

CI has no GPU, so these tests switch :mod:`sane_desktop.precision` to use bf16 autocast on the CPU
too. What they catch is what breaks first on a GPU: a bf16 tensor reaching ``.numpy()`` or a float32
op, maps or scores that come back in the wrong dtype, losses that stop being finite. Numerical
closeness to the fp32 result is checked loosely (bf16 keeps ~3 significant digits). A hook on the
trunk records whether autocast was on for each of its passes, so every test also proves that the
code path under test really switched to bf16 (and that the fp32 run did not)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import torch

from test_explain_toys import random_images, small_compatibility_net
from sane_desktop import precision
from sane_desktop.explain import get_explainer
from sane_desktop.explain.fast import cell_attribution
from sane_desktop.explain.metrics import perturbation_curves
from sane_desktop.explain.oracle import oracle_attribute
from sane_desktop.explain.rise import masked_embeddings
from sane_desktop.explain.masks import generate_masks
from sane_desktop.models import AttributeNet, ModelBundle, Preprocessing
from sane_desktop.retrieval.embedding import embed_tensor_batch
from sane_desktop.training.presets import preset
from sane_desktop.training.synthetic import make_synthetic_catalogue
from sane_desktop.training.trainer import train


@pytest.fixture
def cpu_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "BF16_DEVICE_TYPES", {"cuda", "cpu"})


@contextmanager
def autocast_seen(module: torch.nn.Module) -> Iterator[list[bool]]:
    """Whether CPU autocast was on at each forward pass of ``module``."""
    seen: list[bool] = []
    handle = module.register_forward_pre_hook(lambda *_: seen.append(torch.is_autocast_enabled("cpu")))
    try:
        yield seen
    finally:
        handle.remove()


def _fp32_and_bf16(monkeypatch: pytest.MonkeyPatch, run, trunk: torch.nn.Module):
    """``run()`` in fp32, then with bf16 switched on for the CPU; the trunk's passes must follow."""
    with autocast_seen(trunk) as seen:
        fp32 = run()
    assert seen and not any(seen), "the fp32 run used autocast"
    monkeypatch.setattr(precision, "BF16_DEVICE_TYPES", {"cuda", "cpu"})
    with autocast_seen(trunk) as seen:
        bf16 = run()
    assert seen and all(seen), "the bf16 run left the trunk in fp32"
    return fp32, bf16


def test_the_cpu_stays_fp32_by_default_and_the_switch_is_honoured(monkeypatch):
    assert precision.uses_bf16("cuda") and not precision.uses_bf16("cpu")
    with precision.autocast("cpu"):
        assert not torch.is_autocast_enabled("cpu")
    monkeypatch.setattr(precision, "BF16_DEVICE_TYPES", {"cpu"})
    with precision.autocast(torch.device("cpu")):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
    with precision.autocast("cpu", enabled=False):
        assert not torch.is_autocast_enabled("cpu")


def test_masked_embeddings_run_in_bf16_and_come_back_as_float32(cpu_bf16):
    model = small_compatibility_net(1)
    image = random_images(1, seed=2)[0]
    with autocast_seen(model.trunk) as seen:
        out = masked_embeddings(model, image, generate_masks(n=12, seed=0), batch_size=5)
    assert seen == [True] * 3  # three batches, each under bf16 autocast
    assert out.dtype == torch.float32 and out.shape[0] == 12 and torch.isfinite(out).all()


@pytest.mark.parametrize("method", ["rise", "sliding"])
def test_perturbation_methods_in_bf16_match_fp32(monkeypatch, method):
    model = small_compatibility_net(6)
    images = random_images(2, seed=8)
    options = {"n_masks": 300} if method == "rise" else {}
    fp32, bf16 = _fp32_and_bf16(
        monkeypatch, lambda: get_explainer(method, model, **options).explain(images[0], images[1], 1), model.trunk)
    for result in (fp32, bf16):
        assert result.query_map.dtype == np.float32 and result.candidate_map.dtype == np.float32
        assert np.isfinite(result.query_map).all() and isinstance(result.similarity, float)
    assert abs(fp32.similarity - bf16.similarity) < 0.05
    assert np.corrcoef(fp32.query_map.ravel(), bf16.query_map.ravel())[0, 1] > 0.9


def test_fast_stays_exact_when_the_rest_runs_in_bf16(cpu_bf16):
    model = small_compatibility_net(3)
    images = random_images(2, seed=4)
    explainer = get_explainer("fast", model)
    with autocast_seen(model.trunk) as seen:
        result = explainer.explain(images[0], images[1], 2)
        cells = explainer.cells(images)
    assert seen and not any(seen)  # the decomposition's passes stay fp32
    assert cells.dtype == torch.float32  # the decomposition never runs under autocast
    with torch.inference_mode():
        exact = cell_attribution(cells[0], cells[1:2], model.space_masks()[2].float())
        fp32_score = float((model.project(model(images[:1]), 2) * model.project(model(images[1:]), 2)).sum())
    assert abs(float(exact.query_terms.sum()) - fp32_score) < 1e-5
    assert abs(result.similarity - fp32_score) < 1e-5
    with autocast_seen(model.trunk) as seen:
        reference = explainer.embed(images[1:2])[0]  # the bf16 path, cast back
    assert seen == [True] and reference.dtype == torch.float32
    query_map, passes = explainer.explain_map(images[0], reference, 2)
    assert query_map.dtype == torch.float32 and passes == 1


def test_curves_and_the_removal_oracle_in_bf16(monkeypatch):
    model = small_compatibility_net(5)
    image, other = random_images(2, seed=9)
    saliency = np.random.default_rng(0).random((112, 112)).astype(np.float32)
    background = torch.zeros(3, 112, 112)
    maps = torch.rand(4, 7, 7, generator=torch.Generator().manual_seed(1))

    def run():
        reference = get_explainer("fast", model).embed(other[None])[0]
        insertion, deletion = perturbation_curves(model, image, saliency, reference, 1, background)
        answer, drops = oracle_attribute(model, image, maps, [0, 2, 3], reference, 1, background)
        return insertion, deletion, drops

    fp32, bf16 = _fp32_and_bf16(monkeypatch, run, model.trunk)
    for got, want in zip(bf16, fp32):
        assert got.dtype == np.float32 and np.isfinite(got).all()
        assert np.abs(got - want).max() < 0.05


def test_indexing_embeddings_in_bf16_are_float32_and_close(monkeypatch):
    torch.manual_seed(0)
    compat = small_compatibility_net(7)
    bundle = ModelBundle(compat, AttributeNet(["colour:red", "pattern:striped"], width=8, trunk=compat.trunk).eval(),
                         Preprocessing(size=64))
    images = torch.randint(0, 256, (3, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))
    fp32, bf16 = _fp32_and_bf16(monkeypatch, lambda: embed_tensor_batch(bundle, images)[:3], compat.trunk)
    (emb32, cells32, attr32), (emb16, cells16, attr16) = fp32, bf16
    assert emb16.dtype == np.float32 and cells16.dtype == np.float16 and attr16.dtype == np.float32
    assert cells16.shape == cells32.shape
    cosine = (emb16 * emb32).sum(1) / np.linalg.norm(emb16, axis=1) / np.linalg.norm(emb32, axis=1)
    assert cosine.min() > 0.99
    assert np.abs(attr16 - attr32).max() < 0.05


def test_the_gpu_preset_trains_in_bf16(tmp_path, cpu_bf16, monkeypatch):
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=20, size=64, seed=0)
    config = preset("gpu", image_size=64, width=8, epochs=1, outfits_per_step=8, seed=3,
                    saliency_agreement=True)
    import sane_desktop.training.trainer as trainer

    seen: list[bool] = []
    real_net = trainer.CompatibilityNet

    def recorded_net(*args, **kwargs):  # the trainer builds its own net: hook its trunk
        net = real_net(*args, **kwargs)
        net.trunk.register_forward_pre_hook(lambda *_: seen.append(torch.is_autocast_enabled("cpu")))
        return net

    monkeypatch.setattr(trainer, "CompatibilityNet", recorded_net)
    result = train(catalogue, config, device=torch.device("cpu"))
    assert result.bundle.config["bf16"] is True
    assert True in seen  # the training steps' trunk passes ran under bf16 autocast
    assert np.isfinite(result.history[0]["loss"])
    parameters = list(result.bundle.compatibility.parameters())
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in parameters)
