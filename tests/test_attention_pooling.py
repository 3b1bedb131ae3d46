"""Attention pooling of the cells (issue 17: a head on a frozen trunk that can single out a small
motif): E(x) = Σ_k a_k u_k stays exactly the mean of the per-cell outputs the app stores and explains
with, checkpoints say which pooling they hold (older ones average), and the head trainer's folded
scorer scores on raw cached cells what it was kept for."""

from __future__ import annotations

import pytest
import torch

from sane_desktop.models import CheckpointError, CompatibilityNet, ModelBundle, Preprocessing
from sane_desktop.models.checkpoint import demo_model_path, load_checkpoint, save_checkpoint

CATEGORIES = ["bottoms", "shoes", "tops"]


@pytest.fixture
def attentive() -> CompatibilityNet:
    torch.manual_seed(0)
    net = CompatibilityNet(CATEGORIES, embed_dim=32, width=16, pooling="attention")
    assert net.attention is not None
    with torch.no_grad():  # a trained scorer's uneven weights (it starts at zero: the mean)
        net.attention.weight.normal_(0.0, 2.0)
    net.train()
    net(torch.randn(8, 3, 112, 112))  # BatchNorm statistics
    return net.eval()


def test_attention_cells_average_to_the_embedding_and_explain_the_cosine_exactly(attentive):
    images = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        features = attentive.trunk(images).flatten(2).transpose(1, 2)
        weights = attentive.cell_weights(features)
        cells = attentive.cells(images)
        embedding = attentive(images)
    torch.testing.assert_close(weights.sum(1), torch.ones(2))
    assert float(weights.max()) > 3 / 49  # not the mean in disguise
    torch.testing.assert_close(cells.mean(1), embedding)
    pooled = attentive.embed((weights[..., None] * features).sum(1))  # pool, then the linear layer once
    torch.testing.assert_close(embedding, pooled, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(embedding, attentive.embed(features).mean(1), atol=1e-3)
    # the fast map's per-cell terms still sum to the type-space cosine
    space = attentive.space_index(0, 2)
    mask = attentive.space_masks()[space]
    with torch.no_grad():
        cosine = (attentive.project(embedding[:1], space) * attentive.project(embedding[1:], space)).sum()
        terms = (mask * cells[0]) @ attentive.project(embedding[1:], space)[0] / (49 * (mask * embedding[0]).norm())
    assert abs(float(terms.sum() - cosine)) < 1e-5


def test_a_checkpoint_keeps_its_pooling_and_older_ones_average(tmp_path, attentive):
    path = tmp_path / "attention.pt"
    save_checkpoint(path, ModelBundle(attentive, None, Preprocessing(size=112)))
    loaded = load_checkpoint(path)
    assert loaded.compatibility.pooling == "attention" and loaded.config["pooling"] == "attention"
    images = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        torch.testing.assert_close(loaded.compatibility.cells(images), attentive.cells(images))
    old = load_checkpoint(demo_model_path())  # written before attention pooling: no "pooling" in it
    assert "pooling" not in torch.load(demo_model_path(), weights_only=True)["config"]
    assert old.compatibility.pooling == "mean" and old.compatibility.attention is None


def test_a_checkpoint_whose_pooling_disagrees_with_its_weights_is_refused(tmp_path):
    torch.manual_seed(0)
    plain = CompatibilityNet(CATEGORIES, embed_dim=32, width=16).eval()
    plain.pooling = "attention"  # says attention, holds no scorer
    save_checkpoint(tmp_path / "no_scorer.pt", ModelBundle(plain, None, Preprocessing(size=112)))
    with pytest.raises(CheckpointError, match=r"missing attention\.bias, attention\.weight"):
        load_checkpoint(tmp_path / "no_scorer.pt")
    plain.pooling = "max"
    save_checkpoint(tmp_path / "max.pt", ModelBundle(plain, None, Preprocessing(size=112)))
    with pytest.raises(CheckpointError, match="pooling='max'"):
        load_checkpoint(tmp_path / "max.pt")
    with pytest.raises(ValueError, match="unknown pooling"):
        CompatibilityNet(CATEGORIES, pooling="max")


def test_the_head_trainer_folds_the_scorer_and_the_embedding_onto_raw_cells():
    """The head trains on cells standardised per channel (v·(F_k − μ)/s scores, W (F̄ − μ)/σ embeds)
    and is saved folded: on raw cells the saved net gives the embedding training saw, bit for bit
    up to float rounding. A scorer left unfolded weights the cells otherwise."""
    from sane_desktop.catalogue.types import OutfitRecord
    from sane_desktop.training.head_trainer import _HeadOutfitTask
    from sane_desktop.training.loop import seed_everything
    from sane_desktop.training.presets import preset

    generator = torch.Generator().manual_seed(0)
    cells = (torch.randn(6, 9, 5, generator=generator) * torch.tensor([0.2, 1.0, 3.0, 0.5, 8.0])
             + torch.tensor([1.0, -2.0, 0.0, 4.0, 10.0])).half()  # channels of unlike spreads and means
    row = {f"i{n}": n for n in range(6)}
    outfits = [OutfitRecord("o1", ["i0", "i1", "i2"]), OutfitRecord("o2", ["i3", "i4", "i5"])]
    compat = CompatibilityNet(CATEGORIES, embed_dim=4, width=1, pooling="attention")
    compat.embed = torch.nn.Linear(5, 4)
    compat.attention = torch.nn.Linear(5, 1)
    task = _HeadOutfitTask(compat, cells.float().mean(1), row, outfits, [], {i: 0 for i in row}, {},
                           preset("pretrained"), seed_everything(0), cells)
    with torch.no_grad():
        torch.nn.init.normal_(compat.attention.weight, 0.0, 1.0, generator=generator)
        rows = torch.arange(6)
        trained = compat.embed(task._pooled(rows))  # what training and validation see
        task.fold_standardisation()
        saved = compat.cells_from_features(cells.float()).mean(1)  # what index and explain see
    torch.testing.assert_close(saved, trained, atol=1e-5, rtol=1e-4)


def test_a_model_whose_finite_weights_overflow_is_refused_before_anything_is_stored():
    """A trial forged a checkpoint with a 1e38 scorer (finite, so it loads): indexing then failed
    on the database's NOT NULL norm. The embedding step itself refuses, naming the model."""
    import numpy as np

    from sane_desktop.errors import ModelError
    from sane_desktop.retrieval.embedding import embed_features

    torch.manual_seed(0)
    net = CompatibilityNet(CATEGORIES, embed_dim=8, width=4, pooling="attention").eval()
    bundle = ModelBundle(net, None, Preprocessing(size=112), {}, "ab" * 32)
    features = np.random.default_rng(0).standard_normal((2, 49, net.trunk.out_channels)).astype(np.float16)
    embeddings, cells, _ = embed_features(bundle, features)  # a sound model passes
    assert np.isfinite(embeddings).all()
    with torch.no_grad():
        net.attention.weight.fill_(1e38)
    with pytest.raises(ModelError, match=r"model \(abababababab\) gives non-finite embeddings"):
        embed_features(bundle, features)
