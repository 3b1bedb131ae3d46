"""Adapting a model's BatchNorm statistics to a catalogue (AdaBN): exact statistics, weights
untouched, shared trunk adapted once, cancellation restores, and the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from sane_desktop.cli import main
from sane_desktop.models.adapt import adapt_batchnorm, batchnorm_layers
from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.checkpoint import ModelBundle, load_checkpoint, save_checkpoint
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.progress import Cancelled


def _bundle(shared: bool = True) -> ModelBundle:
    torch.manual_seed(0)
    compat = CompatibilityNet(["tops", "bottoms"], embed_dim=8, width=8)
    attributes = AttributeNet(["colour:red", "pattern:dotted"], width=8, trunk=compat.trunk if shared else None)
    return ModelBundle(compat.eval(), attributes.eval(), Preprocessing())


def _shifted_images(n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 112, 112, generator=generator) * 0.5 + 1.5  # far from the init statistics


def test_first_batchnorm_gets_the_catalogue_statistics_and_weights_stay():
    bundle = _bundle()
    trunk = bundle.compatibility.trunk
    weights_before = {k: v.clone() for k, v in bundle.compatibility.state_dict().items() if "running" not in k
                      and "num_batches" not in k}
    images = _shifted_images(32, seed=1)
    seen = adapt_batchnorm(bundle, [images[:16], images[16:]])
    assert seen == 32
    assert int(trunk.bn1.num_batches_tracked) == 2  # two batches; the shared trunk ran once for each
    with torch.no_grad():
        conv = trunk.conv1(images)
    assert torch.allclose(trunk.bn1.running_mean, conv.mean((0, 2, 3)), atol=1e-4)
    # the cumulative average of the two batches' unbiased variances
    halves = [conv[:16], conv[16:]]
    expected_var = torch.stack([h.var((0, 2, 3), unbiased=True) for h in halves]).mean(0)
    assert torch.allclose(trunk.bn1.running_var, expected_var, rtol=1e-3)
    after = bundle.compatibility.state_dict()
    assert all(torch.equal(after[k], v) for k, v in weights_before.items())
    assert not bundle.compatibility.training and not bundle.attributes.training
    assert all(m.momentum == 0.1 for m in batchnorm_layers(bundle))


def test_shared_trunk_is_adapted_once_and_a_separate_one_too():
    shared = _bundle(shared=True)
    assert len(batchnorm_layers(shared)) == len(batchnorm_layers(ModelBundle(shared.compatibility, None,
                                                                              Preprocessing())))
    separate = _bundle(shared=False)
    images = _shifted_images(8, seed=2)
    adapt_batchnorm(separate, [images])
    for trunk in (separate.compatibility.trunk, separate.attributes.trunk):  # each with its own conv1
        with torch.no_grad():
            expected = trunk.conv1(images).mean((0, 2, 3))
        assert torch.allclose(trunk.bn1.running_mean, expected, atol=1e-4)
        assert int(trunk.bn1.num_batches_tracked) == 1


def test_cancelled_or_empty_adaptation_leaves_the_statistics_alone():
    bundle = _bundle()
    before = bundle.compatibility.trunk.bn1.running_mean.clone()
    with pytest.raises(Cancelled):
        adapt_batchnorm(bundle, [_shifted_images(4, seed=3)], should_stop=lambda: True)
    assert torch.equal(bundle.compatibility.trunk.bn1.running_mean, before)
    assert adapt_batchnorm(bundle, []) == 0
    assert torch.equal(bundle.compatibility.trunk.bn1.running_mean, before)
    assert not bundle.compatibility.training


def test_adapt_cli_writes_a_loadable_adapted_checkpoint(tmp_path: Path, capsys):
    from sane_desktop.demo import generate_demo

    catalogue = tmp_path / "demo"
    generate_demo(catalogue, seed=2, items=40, workers=1, masks=False)
    (catalogue / "images" / sorted(p.name for p in (catalogue / "images").iterdir())[0]).write_bytes(b"broken")
    model = tmp_path / "model.pt"
    from sane_desktop.catalogue import read_catalogue

    torch.manual_seed(0)
    compat = CompatibilityNet(read_catalogue(catalogue).categories(), embed_dim=8, width=8)
    save_checkpoint(model, ModelBundle(compat, None, Preprocessing()))
    out = tmp_path / "adapted.pt"
    code = main(["adapt", str(catalogue), "--model", str(model), "--out", str(out), "--batch-size", "16", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["images"] + report["skipped"] <= 40 and report["images"] >= 30
    adapted = load_checkpoint(out)
    assert adapted.config["adapted_to"]["images"] == report["images"]
    assert adapted.content_hash == report["content_hash"] != load_checkpoint(model).content_hash
    assert not torch.equal(adapted.compatibility.trunk.bn1.running_mean, compat.trunk.bn1.running_mean)
    # its figures say what it was adapted on, test images included (trial AI: nothing said so)
    from sane_desktop.training.report import evaluate

    notes = evaluate(read_catalogue(catalogue), adapted, "test", baselines=False)["notes"]
    assert f"the model was adapted to the {report['images']} images of catalogue " in notes
    assert "its test images among them when that is this catalogue; the baselines were not adapted" in notes
    # a folder without a catalogue is a one-line error
    code = main(["adapt", str(tmp_path / "nothing"), "--model", str(model), "--out", str(tmp_path / "x.pt")])
    assert code == 1 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_service_adapt_is_cancellable_and_then_replaces_the_model(tmp_path: Path):
    from demo_world import build_demo_world
    from sane_desktop.progress import Cancelled

    service = build_demo_world(tmp_path, 30, device="cpu")
    service.open_catalogue("demo")
    own = service.index_home / "demo" / "model.pt"
    with pytest.raises(Cancelled):
        service.adapt(should_stop=lambda: True)
    assert not own.exists()
    result = service.adapt()
    assert own.is_file() and service.model_path() == own and result.images == 30
    assert service.bundle().config["adapted_to"]["catalogue"] == "demo"
    assert result.vectors is not None and sum(result.vectors.values()) == 30


def test_a_cancel_during_the_reindex_puts_the_catalogues_model_back(tmp_path: Path):
    """Trial BH cancelled Adapt while it re-indexed with the adapted model: the dialog said "the model is
    unchanged" while the new model.pt stayed (over the catalogue's own trained one, had there been one) and
    the index was the old model's. The model files are put back when the re-index does not finish."""
    import hashlib

    from demo_world import build_demo_world
    from sane_desktop.progress import Cancelled

    import shutil

    service = build_demo_world(tmp_path, 30, device="cpu")
    service.open_catalogue("demo")
    own = service.index_home / "demo" / "model.pt"
    shutil.copy(tmp_path / "model.pt", own)  # a model of the catalogue's own (trained here, say) to lose
    before = hashlib.sha256(own.read_bytes()).hexdigest()
    outfit = [service.items()[0].pk]
    listed = service.search(outfit, k=5)
    reindexing = {"now": False}
    real = service._index_with

    def index_then_stop(*args, **kwargs):  # type: ignore[no-untyped-def]
        reindexing["now"] = True  # stopped once the re-index runs, not while adapting
        return real(*args, **kwargs)

    service._index_with = index_then_stop  # type: ignore[method-assign]
    with pytest.raises(Cancelled):
        service.adapt(should_stop=lambda: reindexing["now"])
    assert hashlib.sha256(own.read_bytes()).hexdigest() == before  # as it was
    assert not [p for p in own.parent.iterdir() if p.name.startswith(".model.pt.")]  # no copy left beside it
    again = service.search(outfit, k=5)  # its index answers with it, as before
    assert {c: [r.item.pk for r in rs] for c, rs in again.items()} == \
        {c: [r.item.pk for r in rs] for c, rs in listed.items()}
    service._index_with = real  # type: ignore[method-assign]
    service.adapt()  # its own model now; adapted again in place (it was refused in --out words)
    assert service.model_path() == own
    result = service.adapt()
    assert result.images == 30 and hashlib.sha256(own.read_bytes()).hexdigest() != before


def test_a_model_or_selection_is_never_written_over_a_file_that_is_not_one(tmp_path: Path, capsys):
    """A trial: ``train --out`` onto a catalogue's outfit titles and ``adapt --out`` onto a product
    photo replaced them with a model, exit 0. Each is refused in one line before any work, the file
    as it was; a checkpoint (or a selection file) is still replaced as before."""
    from sane_desktop.explain.pipeline import SelectionModel
    from sane_desktop.errors import InputError
    from tests.closet_world import make_closet

    from sane_desktop.demo import generate_demo

    demo = tmp_path / "demo"  # a catalogue with outfits: one train would otherwise train on
    generate_demo(demo, seed=2, items=40, workers=1, masks=False)
    titles = demo / "polyvore_outfit_titles.json"
    closet = make_closet(tmp_path / "closet")
    model = tmp_path / "model.pt"
    save_checkpoint(model, _bundle())
    photo = next((closet / "Tops").iterdir())
    for victim, command in ((titles, ["train", str(demo), "--epochs", "1", "--time-budget", "0"]),
                            (photo, ["adapt", str(closet), "--model", str(model)])):
        before = victim.read_bytes()
        assert main([*command, "--out", str(victim)]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "is not a SANE Desktop model" in err and str(victim) in err, err
        assert victim.read_bytes() == before
    # the selection written beside a trained model: another file of that name is not replaced either
    selection_twin = tmp_path / "look.selection.json"
    selection_twin.write_text("not a selection", encoding="utf-8")
    assert main(["train", str(demo), "--epochs", "1", "--time-budget", "0", "--out", str(tmp_path / "look.pt")]) == 1
    assert "not an explanation selection file" in capsys.readouterr().err
    assert selection_twin.read_text(encoding="utf-8") == "not a selection"
    with pytest.raises(InputError, match="not an explanation selection file"):
        SelectionModel.default(["colour:red"]).save(selection_twin)
    # the model adapted onto itself is refused (a trial adapted the bundled demo.pt in place: every
    # index built with it was then out of date), and left as it was
    before = model.read_bytes()
    assert main(["adapt", str(closet), "--model", str(model), "--out", str(model), "--batch-size", "8"]) == 1
    assert "is the model being adapted" in capsys.readouterr().err and model.read_bytes() == before
    # what is theirs to replace still is
    adapted = tmp_path / "adapted.pt"
    save_checkpoint(adapted, _bundle())
    assert main(["adapt", str(closet), "--model", str(model), "--out", str(adapted), "--batch-size", "8"]) == 0
    assert load_checkpoint(adapted).config.get("adapted_to")
    written = SelectionModel.default(["colour:red"]).save(tmp_path / "s.json")
    assert SelectionModel.default(["colour:blue"]).save(written) == written
    assert json.loads(written.read_text(encoding="utf-8"))["attributes"] == ["colour:blue"]
