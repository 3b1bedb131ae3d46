"""Model contracts: exact cell decomposition, type spaces, outfit queries, attribute maps,
preprocessing, safe weights and checkpoints."""

from __future__ import annotations

import io

import pytest
import torch
from PIL import Image

from sane_desktop.models import (
    AttributeNet, CheckpointError, CompatibilityNet, ModelBundle, Preprocessing, WeightsError,
    load_checkpoint, load_trunk_weights, save_checkpoint,
)
from sane_desktop.models.backbone import ResNetTrunk

CATEGORIES = ["bottoms", "shoes", "tops"]


@pytest.fixture
def net() -> CompatibilityNet:
    torch.manual_seed(0)
    model = CompatibilityNet(CATEGORIES, embed_dim=64, width=16)
    # a few training steps' worth of BatchNorm statistics, then eval mode as the contract says
    model.train()
    model(torch.randn(8, 3, 112, 112))
    return model.eval()


def test_cells_shape_and_mean(net):
    images = torch.randn(2, 3, 112, 112)
    cells = net.cells(images)
    assert cells.shape == (2, 49, 64)
    torch.testing.assert_close(net(images), cells.mean(1))
    pooled = net.embed(net.trunk(images).mean((2, 3)))  # the paper's pool-then-linear form
    torch.testing.assert_close(net(images), pooled, atol=1e-5, rtol=1e-5)


def test_cell_terms_sum_to_type_space_cosine(net):
    with torch.no_grad():
        q, r = torch.randn(1, 3, 112, 112), torch.randn(1, 3, 112, 112)
        space = net.space_index(0, 2)
        mask = net.space_masks()[space]
        cells_q = net.cells(q)[0]
        e_q, e_r = net(q), net(r)
        cosine = (net.project(e_q, space) * net.project(e_r, space)).sum()
        terms = (mask * cells_q) @ net.project(e_r, space)[0] / (49 * (mask * e_q[0]).norm())
        assert terms.shape == (49,)
        assert abs(float(terms.sum() - cosine)) < 1e-5


def test_type_spaces_are_unordered_pairs_with_initialised_masks():
    torch.manual_seed(0)
    model = CompatibilityNet(list("abcdefghijk"))
    assert model.n_spaces == 66 and model.space_masks().shape == (67, 64)  # + the general space
    indices = {model.space_index(a, b) for a in range(11) for b in range(11)}
    assert indices == set(range(66))
    assert all(model.space_index(a, b) == model.space_index(b, a) for a in range(11) for b in range(11))
    assert abs(float(model.masks.detach().mean()) - 0.9) < 0.05 and abs(float(model.masks.detach().std()) - 0.7) < 0.05


def test_projection_is_unit_norm_and_per_row_spaces(net):
    embeddings = torch.randn(4, 64)
    spaces = torch.tensor([0, 1, 2, 3])
    projected = net.project(embeddings, spaces)
    torch.testing.assert_close(projected.norm(dim=1), torch.ones(4))
    torch.testing.assert_close(projected[2], net.project(embeddings[2:3], 2)[0])


def test_outfit_query_inner_product_equals_sum_of_cosines(net):
    torch.manual_seed(1)
    outfit = torch.randn(3, 64)
    outfit_categories = [0, 1, 1]
    candidates = torch.randn(5, 64)
    target = 2
    query = net.outfit_query(outfit, outfit_categories, target)
    assert query.shape == (len(CATEGORIES) * 64,)
    stacked = net.stacked(candidates, target)
    assert stacked.shape == (5, len(CATEGORIES) * 64)
    expected = torch.stack([
        sum((net.project(outfit[i : i + 1], net.space_index(u, target))
             * net.project(candidates[j : j + 1], net.space_index(u, target))).sum()
            for i, u in enumerate(outfit_categories))
        for j in range(5)])
    torch.testing.assert_close(stacked @ query, expected, atol=1e-5, rtol=1e-5)


def test_attribute_maps_are_7x7_and_logits_are_their_means():
    torch.manual_seed(0)
    attr = AttributeNet(["colour:red", "pattern:striped"], width=16).eval()
    logits, maps = attr(torch.randn(2, 3, 112, 112))
    assert maps.shape == (2, 2, 7, 7)
    torch.testing.assert_close(logits, maps.mean((2, 3)))


def test_preprocessing_resizes_short_side_and_crops_centre():
    prep = Preprocessing(size=32)
    image = Image.new("RGB", (100, 50), "white")
    image.paste((255, 0, 0), (0, 0, 20, 50))  # a red strip on the left, cropped away
    tensor = prep(image)
    assert tensor.shape == (3, 32, 32)
    white = prep.normalise(torch.full((3, 1, 1), 255, dtype=torch.uint8))
    torch.testing.assert_close(tensor[:, :, 0], white[:, :, 0].expand(3, 32))
    assert Preprocessing.from_dict(prep.as_dict()) == prep


def test_checkpoint_round_trip_and_fp16(tmp_path, net):
    attr = AttributeNet(["a", "b"], trunk=net.trunk).eval()
    bundle = ModelBundle(net, attr, Preprocessing(size=112), {"seed": 3})
    images = torch.randn(2, 3, 112, 112)
    for half in (False, True):
        path = tmp_path / f"m{half}.pt"
        digest = save_checkpoint(path, bundle, half=half)
        loaded = load_checkpoint(path)
        assert loaded.content_hash == digest and loaded.config["seed"] == 3
        assert loaded.compatibility.categories == CATEGORIES and loaded.attributes.attributes == ["a", "b"]
        assert loaded.attributes.trunk is loaded.compatibility.trunk
        assert next(loaded.compatibility.parameters()).dtype == torch.float32
        tolerance = 2e-2 if half else 1e-6
        torch.testing.assert_close(loaded.compatibility(images), net(images), atol=tolerance, rtol=tolerance)
        torch.testing.assert_close(loaded.attributes(images)[0], attr(images)[0], atol=tolerance, rtol=tolerance)


def test_the_content_hash_leaves_the_training_seconds_out(tmp_path, net):
    """Trial CH: two ``train --seed 0`` runs gave the same weights and two hashes (the history's epoch seconds),
    so a selection fitted for one was refused for the other. A file an older build wrote (its hash over the
    seconds too) still loads; an edited history still fails."""
    from sane_desktop.models import checkpoint

    history = [{"epoch": 1, "loss": 0.5, "valid_fitb": 0.6, "seconds": 3.4}]
    first = save_checkpoint(tmp_path / "a.pt", ModelBundle(net, None, Preprocessing(), {"history": history}))
    timed_again = [{**history[0], "seconds": 5.9}]
    assert save_checkpoint(tmp_path / "b.pt", ModelBundle(net, None, Preprocessing(), {"history": timed_again})) == first
    assert load_checkpoint(tmp_path / "b.pt").content_hash == first
    data = torch.load(tmp_path / "a.pt", weights_only=True)
    meta = {key: data[key] for key in ("format", "version", "config", "categories", "attributes", "preprocessing")}
    tensors = {"compatibility": data["compatibility"], "attribute_net": data["attribute_net"]}
    data["content_hash"] = checkpoint._hash(meta, tensors, timed=True)  # as an older build wrote it
    assert data["content_hash"] != first
    torch.save(data, tmp_path / "older.pt")
    assert load_checkpoint(tmp_path / "older.pt").content_hash == data["content_hash"]
    data["config"]["history"][0]["loss"] = 0.1  # another history: no hash of either kind matches
    torch.save(data, tmp_path / "edited.pt")
    with pytest.raises(CheckpointError, match="hash"):
        load_checkpoint(tmp_path / "edited.pt")


def test_checkpoint_refuses_untrusted_files(tmp_path, net):
    path = tmp_path / "m.pt"
    save_checkpoint(path, ModelBundle(net, None, Preprocessing()))
    data = torch.load(path, weights_only=True)
    data["compatibility"]["embed.bias"] += 1.0  # tampered weights, stale hash
    torch.save(data, tmp_path / "tampered.pt")
    with pytest.raises(CheckpointError, match="hash"):
        load_checkpoint(tmp_path / "tampered.pt")
    del data["content_hash"]
    torch.save(data, tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="missing content_hash"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a loadable.*train it again with sane-desktop train"):
        load_checkpoint(tmp_path / "junk.pt")
    (tmp_path / "truncated.pt").write_bytes((tmp_path / "m.pt").read_bytes()[:2000])  # a copy cut short
    with pytest.raises(CheckpointError, match="not a loadable.*or choose another model"):
        load_checkpoint(tmp_path / "truncated.pt")
    # a bundled model is installed again, not trained again (trial Z truncated demo.pt)
    from sane_desktop.models.checkpoint import BUNDLED_WAY_OUT, WAY_OUT, demo_model_path, way_out

    assert way_out(demo_model_path()) == BUNDLED_WAY_OUT and way_out(tmp_path / "truncated.pt") == WAY_OUT
    # the weights of a bundled model edited (a sound file, its hash stale): reinstall said too (trial AA)
    from sane_desktop.models import checkpoint

    bundled = tmp_path / "resources"
    bundled.mkdir()
    (bundled / "demo.pt").write_bytes((tmp_path / "tampered.pt").read_bytes())
    import unittest.mock

    with unittest.mock.patch.object(checkpoint, "demo_model_path", lambda: bundled / "demo.pt"):
        with pytest.raises(CheckpointError, match=f"failed its content hash check .*: {BUNDLED_WAY_OUT}"):
            load_checkpoint(bundled / "demo.pt")
    assert "install SANE Desktop again" in BUNDLED_WAY_OUT
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a SANE Desktop checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    torch.save({"code": io.StringIO("x")}, tmp_path / "pickled.pt")  # needs unpickling a class
    with pytest.raises(CheckpointError, match="not a loadable"):
        load_checkpoint(tmp_path / "pickled.pt")


def test_trunk_weights_from_file_are_strict(tmp_path):
    torch.manual_seed(0)
    source = ResNetTrunk(16)
    torch.save({f"trunk.{k}": v for k, v in source.state_dict().items()}, tmp_path / "trunk.pt")
    target = ResNetTrunk(16)
    assert load_trunk_weights(target, tmp_path / "trunk.pt") == "file:trunk.pt"
    torch.testing.assert_close(target.conv1.weight, source.conv1.weight)
    with pytest.raises(WeightsError, match="shape"):
        load_trunk_weights(ResNetTrunk(8), tmp_path / "trunk.pt")
    torch.save({"conv1.weight": source.conv1.weight}, tmp_path / "partial.pt")
    with pytest.raises(WeightsError, match="missing keys"):
        load_trunk_weights(ResNetTrunk(16), tmp_path / "partial.pt")
    with pytest.raises(WeightsError, match="not found"):
        load_trunk_weights(ResNetTrunk(16), tmp_path / "absent.pt")


def test_imagenet_weights_fail_clearly_offline(tmp_path, monkeypatch):
    # an empty torch cache and an unreachable proxy: the download must fail, with our message
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(WeightsError, match=r"could not download ImageNet weights \(offline\?\); pass --weights FILE"):
        load_trunk_weights(ResNetTrunk(64), "imagenet")
