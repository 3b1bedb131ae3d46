"""Training the heads on a frozen pretrained trunk's cached features (issue 16 point 2): the features
are computed once (a second run decodes nothing), the run is deterministic, the trained embedding
from an image equals the head applied to the cached pooled features (so index and train agree), and a
catalogue without outfits gets a general space and an attribute head."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.demo import generate_demo
from sane_desktop.models.preprocess import load_image_tensor
from sane_desktop.training.presets import preset
from sane_desktop.training.trainer import train


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("heads") / "demo"
    generate_demo(root, seed=0, items=60, masks=False)
    return read_catalogue(root, validate_images=False)


def test_heads_train_on_cached_features_deterministically(catalogue, tmp_path):
    config = preset("pretrained", epochs=3, pooling="attention")
    first = train(catalogue, config)
    second = train(catalogue, config)
    assert first.features_computed is not None and first.features_computed > 0
    assert second.features_computed == 0  # every image came from the cache
    # the run's, not the model's: a cold cache and a warm one give one model, one content hash (trial EC)
    assert "features_computed" not in first.bundle.config
    from sane_desktop.models.checkpoint import save_checkpoint, stored_content_hash

    save_checkpoint(tmp_path / "cold.pt", first.bundle)
    save_checkpoint(tmp_path / "warm.pt", second.bundle)
    assert stored_content_hash(tmp_path / "cold.pt") == stored_content_hash(tmp_path / "warm.pt")
    for a, b in zip(first.bundle.compatibility.state_dict().values(), second.bundle.compatibility.state_dict().values()):
        assert torch.equal(a, b)
    assert first.bundle.config["trunk_frozen"] and first.bundle.config["mode"] == "compatibility"
    assert {entry["phase"] for entry in first.history} == {"compatibility", "attributes"}
    assert first.bundle.config["valid_map"] is not None


def test_one_seed_gives_one_model_on_two_cpu_threads(tmp_path_factory):
    """Trial EB: on 200 items (mean pooling, the preset's default) three runs of one seed gave weights up to 2e-6
    apart, three content hashes, with two CPU threads (some kernel summed in another order each run); with one
    thread, or torch's deterministic kernels, they repeat. The flag is the caller's again afterwards."""
    root = tmp_path_factory.mktemp("seeded") / "demo"
    generate_demo(root, seed=0, items=200, masks=False)
    many = read_catalogue(root, validate_images=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        runs = [train(many, preset("pretrained", epochs=2, time_budget_s=0, seed=1)).bundle for _ in range(3)]
    finally:
        torch.set_num_threads(threads)
    first = runs[0].compatibility.state_dict()
    for other in runs[1:]:
        assert all(torch.equal(first[key], value) for key, value in other.compatibility.state_dict().items())
    assert not torch.are_deterministic_algorithms_enabled()


def test_each_phase_of_epochs_says_which_it_is(catalogue):
    """The outfit head's epochs, then the attribute head's, each from 1: the window's learning curve
    and bar tell them apart by the entries' ``phase`` and the second phase's step labels."""
    entries, labels = [], []
    train(catalogue, preset("pretrained", epochs=2), on_epoch=entries.append,
          progress=lambda done, total, label="": labels.append(label))
    assert [(e["phase"], e["epoch"]) for e in entries] == [
        ("compatibility", 1), ("compatibility", 2), ("attributes", 1), ("attributes", 2)]
    epochs = [label for label in labels if "epoch" in label]
    assert epochs[0] == "epoch 1/2" and epochs[-1] == "attributes, epoch 2/2"
    first_attribute = next(i for i, label in enumerate(epochs) if label.startswith("attributes"))
    assert all(not label.startswith("attributes") for label in epochs[:first_attribute])


def test_a_frozen_model_alone_is_evaluated_from_its_cached_features(catalogue, monkeypatch):
    """The window's training compares the new model with the current one on the validation questions;
    a frozen trunk's models are scored as the index embeds them, from the cached features, without
    decoding an image (a trial's comparison decoded and embedded the images twice: 50–90 s)."""
    from sane_desktop.retrieval import embedding
    from sane_desktop.training import data
    from sane_desktop.training.report import evaluate

    bundle = train(catalogue, preset("pretrained", epochs=2)).bundle
    full = evaluate(catalogue, bundle, "valid", keep_answers=True)  # the model and baselines, from images
    evaluate(catalogue, bundle, "valid", baselines=False)  # what the training left out is cached now (the index
    # caches every item's features)
    heard: list[str] = []

    def no_decoding(*_args, **_kwargs):
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(data.ImageCache, "build", no_decoding)
    monkeypatch.setattr(embedding, "ImageBatches", no_decoding)
    alone = evaluate(catalogue, bundle, "valid", keep_answers=True, baselines=False,
                     progress=lambda done, total, message="": heard.append(message))
    assert set(alone["methods"]) == {"model"} and "embedding" in heard and "decoding images" not in heard
    protocol = full["headline"]
    answers, cached = (figures["protocols"][protocol]["fitb_answers"] for figures in (full, alone))
    assert answers.keys() == cached.keys() and len(answers) > 0
    # float16 features: the same answers but for a near tie at most
    assert sum(answers[key] != cached[key] for key in answers) <= max(1, len(answers) // 20)
    full_map = full["methods"]["model"]["attribute_map"]
    assert full_map is not None and abs(alone["methods"]["model"]["attribute_map"] - full_map) < 0.02


def test_the_embedding_of_an_image_is_the_head_of_its_cached_features(catalogue):
    from sane_desktop.retrieval.embedding import trunk_identity
    from sane_desktop.retrieval.feature_cache import FeatureCache
    from sane_desktop.retrieval.indexing.scan import file_hash

    bundle = train(catalogue, preset("pretrained", epochs=1, pooling="attention")).bundle
    assert bundle.compatibility.pooling == "attention"
    assert preset("pretrained").pooling == "mean"  # attention is opt-in (README: MANGO's valid FITB)
    item = catalogue.items[0]
    path = catalogue.root / item.image_path
    cache = FeatureCache(trunk_identity(bundle))
    with torch.no_grad():
        from_image = bundle.compatibility(load_image_tensor(path, bundle.preprocessing)[None])[0]
        pooled = cache.pooled([file_hash(path)])
        cells = torch.from_numpy(cache.get([file_hash(path)])).float()
        from_cache = bundle.compatibility.cells_from_features(cells).mean(1)[0]
    # float16 storage of the features: close, not bit-equal
    assert torch.allclose(from_image, from_cache, atol=2e-2 * float(from_image.abs().max()))
    # the attribute head was trained on standardised features and folded back: on raw cells, the
    # map of an image averages to the head of its cached pooled features
    head = bundle.attributes.head
    with torch.no_grad():
        logits, maps = bundle.attributes(load_image_tensor(path, bundle.preprocessing)[None])
        cached = torch.nn.functional.linear(torch.from_numpy(pooled), head.weight.flatten(1), head.bias)
    assert torch.allclose(logits, maps.mean((2, 3)), atol=1e-5)
    assert torch.allclose(logits, cached, atol=2e-2 * float(logits.abs().max()) + 1e-3)


def test_the_attention_head_is_folded_onto_raw_cells_and_scores_the_valid_fitb_it_was_kept_for(catalogue):
    """Trained on standardised cells, the scorer v and the embedding W are folded back onto raw
    ones: the saved head, on the raw cached cells, answers the valid questions as in training."""
    from sane_desktop.catalogue.splits import pick_protocol, questions_in_split
    from sane_desktop.retrieval.embedding import trunk_identity
    from sane_desktop.retrieval.feature_cache import FeatureCache
    from sane_desktop.retrieval.indexing.scan import file_hash
    from sane_desktop.training.evaluation import embedding_distance, fitb_accuracy

    bundle = train(catalogue, preset("pretrained", epochs=4, pooling="attention")).bundle
    compat = bundle.compatibility
    assert compat.attention is not None and float(compat.attention.weight.detach().abs().max()) > 0  # it learnt
    questions, _ = questions_in_split(catalogue, "valid", pick_protocol(catalogue))
    items = sorted({i for q in questions for i in [*q.question_item_ids, *q.answer_item_ids]})
    by_id = catalogue.item_by_id()
    cells = FeatureCache(trunk_identity(bundle)).get([file_hash(catalogue.root / by_id[i].image_path) for i in items])
    category = {item.item_id: compat.categories.index(item.category) for item in catalogue.items}
    with torch.no_grad():
        weights = compat.cell_weights(torch.from_numpy(cells).float())
        embeddings = compat.cells_from_features(torch.from_numpy(cells).float()).mean(1)
    assert float(weights.max(1).values.median()) > 1.05 / weights.shape[1]  # not the mean
    recomputed = fitb_accuracy(embedding_distance(compat, embeddings, items, category), questions)
    best = max(e["valid_fitb"] for e in bundle.config["history"] if e["phase"] == "compatibility")
    assert recomputed == pytest.approx(best, abs=1e-6)


def test_cells_beyond_the_memory_limit_are_read_from_the_cache_and_train_the_same_model(catalogue, monkeypatch):
    """An attention head trains on every item's cells: past CELLS_IN_MEMORY they are read from the
    cache's memory-mapped shards a batch at a time, giving the same rows and the same model."""
    from sane_desktop.training import features as features_module

    first = train(catalogue, preset("pretrained", epochs=2, pooling="attention")).bundle  # caches the features
    ids = [item.item_id for item in catalogue.items[:12]]
    held = features_module.pooled_features(catalogue, ids, first, keep_cells=True)
    streamed = features_module.pooled_features(catalogue, ids, first, keep_cells=True, cells_in_memory=0)
    assert held.cells.in_memory and not streamed.cells.in_memory
    rows = torch.tensor([5, 0, 11, 5])
    assert streamed.cells.shape == held.cells.shape and torch.equal(streamed.cells[rows], held.cells[rows])
    monkeypatch.setattr(features_module, "CELLS_IN_MEMORY", 0)
    second = train(catalogue, preset("pretrained", epochs=2, pooling="attention")).bundle
    for a, b in zip(first.compatibility.state_dict().values(), second.compatibility.state_dict().values()):
        assert torch.equal(a, b)


def test_a_catalogue_without_outfits_gets_a_general_space_and_attributes(catalogue):
    plain = dataclasses.replace(catalogue, outfits=[], splits=[], fitb=[], compatibility=[])
    result = train(plain, preset("pretrained", epochs=2, pooling="attention"))
    bundle = result.bundle
    assert bundle.config["mode"] == "attributes" and bundle.attributes is not None
    # the general space is the principal components of the mean-pooled features: no scorer to learn
    assert bundle.compatibility.pooling == "mean" and bundle.config["pooling"] == "mean"
    from sane_desktop.retrieval.embedding import trunk_identity
    from sane_desktop.retrieval.feature_cache import FeatureCache
    from sane_desktop.retrieval.indexing.scan import file_hash

    from sane_desktop.catalogue.splits import item_split_ids

    # items whose features the training computed (train and valid: the test split's are not, and this test
    # failed alone, passing only after others had cached every item)
    seen = [*item_split_ids(plain, "train"), *item_split_ids(plain, "valid")][:20]
    hashes = [file_hash(catalogue.root / plain.item_by_id()[item_id].image_path) for item_id in seen]
    pooled = torch.from_numpy(FeatureCache(trunk_identity(bundle)).pooled(hashes))
    with torch.no_grad():
        general = bundle.compatibility.project(bundle.compatibility.embed(pooled), bundle.compatibility.general_space)
    centred = torch.nn.functional.normalize(pooled - pooled.mean(0), dim=-1)
    ours = (general @ general.T).numpy()[np.triu_indices(20, 1)]
    trunk = (centred @ centred.T).numpy()[np.triu_indices(20, 1)]
    assert np.corrcoef(ours, trunk)[0, 1] > 0.9  # the general space keeps the trunk's similarities
    # the attribute head trained on standardised features is folded back onto raw ones: the valid
    # mAP it was kept for is what the saved head scores on the raw cached features
    from sane_desktop.catalogue.splits import attribute_vocabulary
    from sane_desktop.training.data import attribute_targets
    from sane_desktop.training.evaluation import mean_average_precision

    valid = item_split_ids(plain, "valid")
    names, labels = attribute_vocabulary(plain)
    raw = torch.from_numpy(FeatureCache(trunk_identity(bundle)).pooled(
        [file_hash(catalogue.root / plain.item_by_id()[i].image_path) for i in valid]))
    head = bundle.attributes.head
    with torch.no_grad():
        scores = torch.sigmoid(torch.nn.functional.linear(raw, head.weight.flatten(1), head.bias)).numpy()
    recomputed = mean_average_precision(scores, attribute_targets(valid, names, labels).numpy())
    assert recomputed == pytest.approx(bundle.config["valid_map"], abs=1e-3)


def test_train_saves_a_fitted_selection_beside_the_model(catalogue, tmp_path):
    from sane_desktop.explain.pipeline import find_selection
    from sane_desktop.models import load_checkpoint
    from sane_desktop.service import building

    from sane_desktop.explain.pipeline import SelectionModel

    out = tmp_path / "model.pt"
    SelectionModel.default(["colour:red"]).save(out.with_suffix(".selection.json"))  # an earlier model's: must not survive
    reports: list[tuple[int, int, str]] = []
    outcome = building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,
                                                                                  selection_pairs=3),
                                   progress=lambda done, total, message="": reports.append((done, total, message)))
    # fitting the choice counts pair by pair to its end, one total (a trial watched minutes of silence)
    choice = [(done, total) for done, total, message in reports if message == "attribute choice"]
    assert len(choice) > 4 and [done for done, _ in choice] == list(range(1, len(choice) + 1))
    assert {total for _, total in choice} == {len(choice)}
    assert outcome.preset == "pretrained" and outcome.config["trunk"] == "efficientnet_lite0_colour"
    # one epoch of each head: one epoch, not one per record (a trial read "4 epochs" for --epochs 2)
    assert len(outcome.history) == 2 and outcome.report.epochs == 1
    assert outcome.selection is not None and "ground truth" in outcome.selection  # the demo has its themes
    bundle = load_checkpoint(out)
    # the pair spaces its outfits reached are recorded: the demo's outfits never repeat a category
    from sane_desktop.type_spaces import same_category_spaces

    assert bundle.config["learnt_spaces"] and set(same_category_spaces(len(bundle.compatibility.categories))) \
        <= bundle.unlearnt_spaces
    names = list(bundle.attributes.attributes)
    selection = find_selection(names, None, out, bundle.content_hash)
    assert selection.tuned and selection.model_hash == bundle.content_hash
    assert isinstance(selection.unseen_kinds, list)  # measured on the validation items, saved
    # another checkpoint put at that path by hand: its old neighbour's selection is not used for it
    assert not find_selection(names, None, out, "0" * 64).tuned


def test_the_default_preset_follows_the_catalogue(tmp_path, catalogue):
    from sane_desktop.service.building import default_preset

    assert default_preset(catalogue.root, "cpu") == "cpu"  # the drawn demo world: the from-scratch trunk
    assert default_preset(tmp_path, "cpu") == "pretrained"  # real photos: the ImageNet trunk
    assert default_preset(catalogue.root, "cpu", trunk="efficientnet_lite0") == "pretrained"
    assert default_preset(tmp_path, "cuda", trunk="resnet18") == "gpu"


def test_the_gpu_preset_can_fine_tune_the_pretrained_trunk(catalogue, tmp_path):
    """``--preset gpu --trunk efficientnet_lite0``: the whole network trains (run here small, on the
    CPU); the checkpoint then carries its own trunk weights, not a reference to the package."""
    from sane_desktop.models import load_checkpoint, save_checkpoint
    from sane_desktop.models.weights import trunk_digest
    from sane_desktop.service.building import trunk_overrides

    config = preset("gpu", **{**trunk_overrides("efficientnet_lite0"), "image_size": 64}, epochs=1,
                    outfits_per_step=8, bf16=False, channels_last=False)
    result = train(catalogue, config)
    trunk = result.bundle.compatibility.trunk
    assert trunk.kind == "efficientnet_lite0" and not result.bundle.config.get("trunk_frozen")
    assert result.bundle.preprocessing.mean == (0.5, 0.5, 0.5)
    save_checkpoint(tmp_path / "tuned.pt", result.bundle)
    loaded = load_checkpoint(tmp_path / "tuned.pt")
    assert trunk_digest(loaded.compatibility.trunk) == trunk_digest(trunk)


def test_a_run_stopped_while_fitting_the_selection_keeps_the_old_model_and_selection(catalogue, tmp_path,
                                                                                     monkeypatch):
    """The model and its selection change together (a trial killed ``train`` in the minute between
    "saved" and the selection: the new model stood there without one, the old selection deleted)."""
    from sane_desktop.errors import Cancelled
    from sane_desktop.explain import evaluation
    from sane_desktop.service import building

    from sane_desktop.explain.pipeline import SelectionModel
    from sane_desktop.models.checkpoint import demo_model_path

    out = tmp_path / "model.pt"
    old_model = demo_model_path().read_bytes()  # a model and its selection (train replaces only such files)
    out.write_bytes(old_model)
    old_selection = SelectionModel.default(["colour:red"]).save(out.with_suffix(".selection.json")).read_text()

    def stopped(*_args, **_kwargs):
        raise Cancelled("stopped while fitting the selection")

    monkeypatch.setattr(evaluation, "fit_model_selection", stopped)
    with pytest.raises(Cancelled):
        building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,
                                                                          selection_pairs=3))
    assert out.read_bytes() == old_model and out.with_suffix(".selection.json").read_text() == old_selection
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "model.selection.json"]  # nothing staged left


def test_a_disk_filling_as_the_selection_is_written_keeps_the_old_model_and_selection(catalogue, tmp_path,
                                                                                       monkeypatch):
    """Trial CR: with room for the model and no more, `train` said "the disk is full" after moving the new model
    into place: it stood beside the old model's selection (refused later as "fitted for another model")."""
    import errno

    from sane_desktop.explain.pipeline import SelectionModel
    from sane_desktop.models.checkpoint import demo_model_path
    from sane_desktop.service import building

    out = tmp_path / "model.pt"
    old_model = demo_model_path().read_bytes()
    out.write_bytes(old_model)
    old_selection = SelectionModel.default(["colour:red"]).save(out.with_suffix(".selection.json")).read_text()
    real_save = SelectionModel.save

    def full_disk(self, path):  # type: ignore[no-untyped-def]
        real_save(self, path)  # a partial write, then the disk says no
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(SelectionModel, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,
                                                                          selection_pairs=3))
    assert out.read_bytes() == old_model and out.with_suffix(".selection.json").read_text() == old_selection
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "model.selection.json"]  # nothing staged left


def test_torch_s_words_for_a_failed_model_write_become_the_os_error_behind_them(catalogue, tmp_path, monkeypatch):
    """Trial CR: `train --out` on a full disk ended in "error: RuntimeError: [enforce fail at
    inline_container.cc:672] . unexpected pos 101952 vs 101784" (torch's zip writer on a short write)."""
    import errno
    from collections import namedtuple

    from sane_desktop.models import checkpoint
    from sane_desktop.service import building

    def short_write(_state, file, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        from pathlib import Path

        Path(file).write_bytes(b"PK" * 5000)  # part written (removed again before the error reaches train)
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 101952 vs 101784")

    monkeypatch.setattr(checkpoint.torch, "save", short_write)
    out = tmp_path / "model.pt"
    with pytest.raises(OSError) as failed:  # torch's short write: the disk took fewer bytes (a review: by the time
        building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,  # train
                                                                          selection_pairs=0))  # hears it, the room
    assert failed.value.errno == errno.ENOSPC  # the partial file took is free again)
    assert sorted(p.name for p in tmp_path.iterdir()) == []

    def other_failure(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("PytorchStreamWriter failed writing central directory: file write failed")

    monkeypatch.setattr(checkpoint.torch, "save", other_failure)
    with pytest.raises(OSError) as failed:
        building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,
                                                                          selection_pairs=0))
    assert failed.value.errno == errno.EIO and "the model could not be written (" in failed.value.strerror
    assert failed.value.filename == str(tmp_path / failed.value.filename.split("/")[-1])
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(building.shutil, "disk_usage", lambda _path: Usage(1 << 20, 1 << 20, 0))
    with pytest.raises(OSError) as full:
        building.train_model(catalogue.root, out, building.TrainRequest(preset="pretrained", epochs=1,
                                                                          selection_pairs=0))
    assert full.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written left


def test_a_photo_gone_while_its_features_are_read_is_said_gone(tmp_path_factory):
    """Trial EK's kind: a photo deleted while a run read it was "cannot decode … as an image (fix or remove it)"."""
    import shutil

    from sane_desktop.errors import InputError
    from sane_desktop.models.checkpoint import general_model_path, load_checkpoint
    from sane_desktop.retrieval.feature_cache import FeatureCache
    from sane_desktop.training.features import pooled_features

    root = tmp_path_factory.mktemp("gone") / "shop"
    generate_demo(root, seed=5, items=30, masks=False)
    shop = read_catalogue(root)
    bundle = load_checkpoint(general_model_path(), "cpu")
    ids = [item.item_id for item in shop.items[:6]]
    victim = shop.root / shop.item_by_id()[ids[3]].image_path

    def gone_after_hashing(done: int, total: int, message: str = "") -> None:  # the photo goes before its decoding
        if done == total == len(ids) and victim.exists():
            victim.unlink()

    cache = FeatureCache(trunk_identity_of(bundle), root=tmp_path_factory.mktemp("cache"))
    with pytest.raises(InputError, match=f"{victim} is gone: it was moved or deleted since the catalogue was indexed"):
        pooled_features(shop, ids, bundle, progress=gone_after_hashing, cache=cache)
    shutil.rmtree(root)


def trunk_identity_of(bundle):
    from sane_desktop.retrieval.embedding import trunk_identity

    return trunk_identity(bundle)
