"""Batch-norm folding for bulk embedding: same outputs, shared trunk kept shared, original untouched."""

from __future__ import annotations

import pytest
import torch

from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing
from sane_desktop.models.inference import fold_batchnorm_, inference_bundle


def _bundle_with_real_statistics() -> ModelBundle:
    torch.manual_seed(0)
    compat = CompatibilityNet(["bottoms", "shoes", "tops"], embed_dim=8, width=8)
    attributes = AttributeNet(["colour:red", "pattern:striped"], width=8, trunk=compat.trunk)
    compat.train()
    with torch.no_grad():  # give every batch norm non-trivial running statistics
        for _ in range(3):
            compat.trunk(torch.randn(8, 3, 64, 64) * 2 + 0.5)
    return ModelBundle(compat.eval(), attributes.eval(), Preprocessing(size=64))


def test_folded_copy_gives_the_same_outputs_and_keeps_the_trunk_shared() -> None:
    bundle = _bundle_with_real_statistics()
    folded = inference_bundle(bundle)
    assert folded.attributes.trunk is folded.compatibility.trunk
    assert folded.compatibility.trunk is not bundle.compatibility.trunk
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.compatibility.trunk.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in bundle.compatibility.trunk.modules())
    images = torch.randn(4, 3, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(folded.compatibility.cells(images), bundle.compatibility.cells(images), atol=1e-4)
        assert torch.allclose(folded.attributes(images)[0], bundle.attributes(images)[0], atol=1e-4)
    assert folded.content_hash == bundle.content_hash and folded.preprocessing == bundle.preprocessing


def test_every_pair_is_folded_and_training_mode_is_refused() -> None:
    trunk = _bundle_with_real_statistics().compatibility.trunk
    # stem + 6 blocks × 2 + 2 downsample branches (layer2, layer3)
    assert fold_batchnorm_(copy_of(trunk)) == 1 + 12 + 2
    with pytest.raises(ValueError):
        fold_batchnorm_(copy_of(trunk).train())


def copy_of(module: torch.nn.Module) -> torch.nn.Module:
    import copy

    return copy.deepcopy(module).eval()


def test_embedding_restores_torch_threads_and_decodes_in_batches(tmp_path) -> None:
    from catalogue_fixtures import write_image

    from sane_desktop.retrieval.embedding import DECODED, UNREADABLE, ImageBatches, embed_images

    bundle = _bundle_with_real_statistics()
    paths = [write_image(tmp_path / f"{i}.png", size=(40, 30), colour=(10 * i, 100, 200)) for i in range(5)]
    paths.append(tmp_path / "missing.png")
    batches = ImageBatches(paths, bundle.preprocessing, batch_size=4)
    images, positions, ok = batches[1]
    assert len(batches) == 2 and images.shape == (2, 3, 64, 64) and positions.tolist() == [4, 5]
    assert ok.tolist() == [DECODED, UNREADABLE]
    threads = torch.get_num_threads()
    out = list(embed_images(bundle, paths, batch_size=2, workers=1))
    assert torch.get_num_threads() == threads
    assert sorted(i for b in out for i in b.indices.tolist()) == [0, 1, 2, 3, 4]
    assert [i for b in out for i in b.failed] == [5]
