"""Training pieces: triplet sampling, losses, metrics, determinism, and the CLI end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sane_desktop.catalogue.types import CompatibilityQuestion, FitbQuestion, ItemRecord, OutfitRecord
from sane_desktop.models import load_checkpoint
from sane_desktop.training.evaluation import (
    compatibility_auc, fitb_accuracy, fitb_answers, mean_average_precision, random_distance, regroup_fitb,
)
from sane_desktop.training.losses import positive_weights
from sane_desktop.training.presets import preset
from sane_desktop.training.sampling import outfit_triplets
from sane_desktop.training.synthetic import make_synthetic_catalogue, write_polyvore_layout
from sane_desktop.training.trainer import train


def test_triplets_use_every_pair_and_fair_negatives():
    outfits = [OutfitRecord(f"o{n}", [f"{n}t", f"{n}b", f"{n}s"]) for n in range(4)]
    category = {f"{n}{c}": "tbs".index(c) for n in range(4) for c in "tbs"}
    group = {item: ("2019" if item[0] in "01" else "2023") for item in category}
    batch = outfit_triplets(outfits, category, group, np.random.default_rng(0))
    assert len(batch.item_ids) == 12 and len(batch.anchor) == 4 * 6  # every ordered pair
    for a, p, n in zip(batch.anchor, batch.positive, batch.negative):
        anchor, positive, negative = (batch.item_ids[int(i)] for i in (a, p, n))
        assert anchor[0] == positive[0] != negative[0]  # negative from another outfit
        assert category[negative] == category[positive] and group[negative] == group[positive]


def test_positive_weights_balance_rare_attributes():
    targets = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    torch.testing.assert_close(positive_weights(targets), torch.tensor([1.0, 3.0]))


def _fitb(question, answers, correct=0):
    return FitbQuestion("generated", "test", 0, "o", question, answers, correct)


def test_fitb_and_auc_follow_the_distances():
    def distance(left, right):  # items are numbers; compatible = close
        return np.abs(np.array([float(a) for a in left]) - np.array([float(b) for b in right]))

    questions = [_fitb(["1", "2"], ["3", "9", "12", "20"], 0), _fitb(["10"], ["0", "30", "11", "50"], 2)]
    assert fitb_accuracy(distance, questions) == 1.0
    questions[1].correct = 0
    assert fitb_accuracy(distance, questions) == 0.5
    assert fitb_answers(distance, questions) == [True, False] and fitb_answers(distance, []) == []
    assert fitb_accuracy(distance, []) is None
    compat = [CompatibilityQuestion("g", "test", 0, 1, ["1", "2", "3"]),
              CompatibilityQuestion("g", "test", 1, 0, ["1", "20", "40"]),
              CompatibilityQuestion("g", "test", 2, 1, ["5", "6"])]
    assert compatibility_auc(distance, compat) == 1.0
    chance = [fitb_accuracy(random_distance(seed), [_fitb(["q"], list("abcd"))] * 1) for seed in range(200)]
    assert 0.15 < np.mean(chance) < 0.35


def test_mean_average_precision_and_season_unmatched_questions():
    targets = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    assert mean_average_precision(targets.astype(float), targets) == 1.0
    items = {f"{s}{i}": ItemRecord(f"{s}{i}", "", "tops" if i < 6 else "shoes", group=s)
             for s in ("a", "b") for i in range(8)}
    question = _fitb(["a6"], ["a0", "a1", "a2", "a3"], 1)
    for variant in regroup_fitb([question] * 20, items, list(items), seed=0):
        assert variant.answer_item_ids[1] == "a1"
        assert all(items[i].category == "tops" for i in variant.answer_item_ids)
        assert len(set(variant.answer_item_ids)) == 4


def test_training_is_deterministic_and_learns(tmp_path):
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=30, size=48, seed=0)
    config = preset("cpu", image_size=48, width=8, epochs=3, outfits_per_step=6, seed=5)
    epochs_seen: list[dict] = []
    first = train(catalogue, config, on_epoch=epochs_seen.append)
    assert epochs_seen == first.history  # each epoch reported as it lands (the GUI's learning curve)
    second = train(catalogue, config)
    for key, value in first.bundle.compatibility.state_dict().items():
        assert torch.equal(value, second.bundle.compatibility.state_dict()[key]), key
    assert [h["loss"] for h in first.history] == [h["loss"] for h in second.history]
    assert first.history[-1]["loss"] < first.history[0]["loss"]
    best = max(h["valid_fitb"] for h in first.history)
    assert first.history[first.best_epoch - 1]["valid_fitb"] == best
    third = train(catalogue, preset("cpu", image_size=48, width=8, epochs=1, outfits_per_step=6, seed=6))
    assert not torch.equal(third.bundle.compatibility.embed.weight, first.bundle.compatibility.embed.weight)
    # the pair spaces its training outfits reach are recorded; the search compares no pair in another
    from sane_desktop.catalogue.splits import outfits_in_split, pick_protocol
    from sane_desktop.type_spaces import learnt_spaces

    categories = list(first.bundle.compatibility.categories)
    of = {item.item_id: categories.index(item.category) for item in catalogue.items}
    trained = [o for o in outfits_in_split(catalogue, "train", pick_protocol(catalogue)) if len(set(o.item_ids)) >= 2]
    assert first.bundle.config["learnt_spaces"] == learnt_spaces([[of[i] for i in o.item_ids] for o in trained],
                                                                 len(categories))
    n = len(categories)
    assert first.bundle.unlearnt_spaces == set(range(n * (n + 1) // 2)) - set(first.bundle.config["learnt_spaces"])


def test_train_and_evaluate_commands_end_to_end(tmp_path, capsys):
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.cli import main

    catalogue = make_synthetic_catalogue(tmp_path / "cat", n_outfits=14, size=64, seed=1)  # 42 items
    write_polyvore_layout(catalogue)
    model = tmp_path / "model.pt"
    code = main(["train", str(tmp_path / "cat"), "--out", str(model), "--epochs", "2", "--image-size", "64",
                 "--width", "8", "--seed", "3", "--preset", "cpu", "--json"])
    assert code == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["best_epoch"] in (1, 2) and len(trained["history"]) == 2
    bundle = load_checkpoint(model)
    assert bundle.content_hash == trained["content_hash"] and bundle.preprocessing.size == 64
    # which validation questions chose the best epoch, as a digest two runs compare by
    from sane_desktop.catalogue.splits import questions_in_split
    from sane_desktop.training.evaluation import questions_digest

    valid, _ = questions_in_split(read_catalogue(tmp_path / "cat"), "valid", trained["config"]["protocol"])
    assert trained["config"]["valid_questions_digest"] == questions_digest(valid, [], []) != questions_digest([], [], [])
    assert bundle.attributes is not None and "red" in bundle.attributes.attributes  # mined from titles
    code = main(["evaluate", str(tmp_path / "cat"), "--model", str(model), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["methods"]) == {"model", "random_features", "untrained", "colour_histogram", "random"}
    assert report["counts"]["fitb"] > 0
    # what the figures were taken on (trial DE: no catalogue, no model file named)
    assert report["catalogue_folder"] == str((tmp_path / "cat").resolve()) and report["model"] == str(model.resolve())
    assert report["seed"] == 0 and report["mapping"] is None and report["model_hash"]
    for figures in report["methods"].values():
        assert 0.0 <= figures["fitb"] <= 1.0 and 0.0 <= figures["auc"] <= 1.0
    # the colour rule of this world is visible to a colour histogram
    assert report["methods"]["colour_histogram"]["fitb"] >= 0.5
    assert "fitb_by_kind" not in report["methods"]["model"]  # no ground truth here
    # with a ground truth naming each outfit's theme kind, FITB is also given per kind
    outfits = sorted({o.outfit_id for o in read_catalogue(tmp_path / "cat").outfits})
    truth = {"outfits": {o: {"theme_kind": ["colour", "pattern"][i % 2]} for i, o in enumerate(outfits)}}
    (tmp_path / "cat" / "ground_truth.json").write_text(json.dumps(truth))
    code = main(["evaluate", str(tmp_path / "cat"), "--model", str(model)])
    text = capsys.readouterr().out
    assert code == 0 and "FITB by theme kind" in text
    # the table's names are said (trial H found them in no help text), and a figure on few questions
    # comes with its interval
    assert "random_features (a head trained on random per-item features" in text
    # a column is explained only under a table that has it (trial Y: no seasons, yet its legend)
    assert ("fitb_group_unmatched (" in text) == ("fitb_group_unmatched" in report["methods"]["model"])
    from sane_desktop.cli.evaluate_cmd import legend

    assert "fitb_group_unmatched (" in legend({"fitb", "fitb_group_unmatched"})
    assert "fitb_group_unmatched" not in legend({"fitb", "auc"})
    questions = report["counts"]["fitb"]
    assert (f"only {questions} FITB question" in text) == (questions < 20) and ("(Wilson)" in text) == (questions < 20)
    from sane_desktop.cli.evaluate_cmd import _few_questions

    assert "[0.05, 0.70] (Wilson)" in _few_questions(4, 0.25) and _few_questions(50, 0.5) == ""
    code = main(["evaluate", str(tmp_path / "cat"), "--model", str(model), "--json"])
    said = json.loads(capsys.readouterr().out)
    by_kind = said["methods"]["model"]["fitb_by_kind"]
    assert set(by_kind) <= {"colour", "pattern"} and all(0.0 <= v <= 1.0 for v in by_kind.values())
    # --json says what the text says of figures on too few questions (trial CH: 16 digits from 4, no word)
    assert any("(Wilson)" in line for line in said["warnings"]) == (questions < 20)
    assert said["warnings"] == said["protocols"][said["headline"]]["warnings"]
    assert all(line in text for line in said["warnings"] if "(Wilson)" in line)


def test_a_random_features_baseline_that_could_not_be_trained_is_said(tmp_path):
    """Trial EH: with no triplet to draw from the train outfits, the random-features baseline stayed untrained and
    its chance figures were reported as a baseline, reading as "no leakage"; the report now says so."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.splits import pick_protocol
    from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing
    from sane_desktop.training.head_trainer import random_features_distance
    from sane_desktop.training.report import RANDOM_FEATURES_UNTRAINED, evaluate

    write_polyvore_layout(make_synthetic_catalogue(tmp_path / "cat", n_outfits=14, size=64, seed=1))
    catalogue = read_catalogue(tmp_path / "cat")
    protocol = pick_protocol(catalogue)
    categories = sorted({item.category for item in catalogue.items})
    ids = [item.item_id for item in catalogue.items]
    assert random_features_distance(catalogue, protocol, categories, ids, epochs=1)[1]  # trained: outfits to learn
    for record in catalogue.splits:  # one training outfit: no negative from another outfit, no triplet
        if record.protocol == protocol and record.split == "train":
            record.outfit_ids = record.outfit_ids[:1]
    assert not random_features_distance(catalogue, protocol, categories, ids, epochs=1)[1]
    torch.manual_seed(0)
    bundle = ModelBundle(CompatibilityNet(categories, width=8), None, Preprocessing(size=64))
    report = evaluate(catalogue, bundle, "test")
    assert RANDOM_FEATURES_UNTRAINED in report["notes"]


def test_train_says_when_the_time_budget_ended_the_run(tmp_path, capsys):
    # a budget-stopped model depends on the machine's speed and load: the text says so, and how to
    # repeat the run's length; --time-budget 0 lifts the budget
    from sane_desktop.cli import main
    from sane_desktop.cli.train_cmd import budget_note

    catalogue = make_synthetic_catalogue(tmp_path / "cat", n_outfits=14, size=48, seed=1)
    write_polyvore_layout(catalogue)
    argv = ["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), "--image-size", "48", "--width", "8",
            "--preset", "cpu", "--epochs", "3"]
    assert main([*argv, "--time-budget", "0.001"]) == 0  # one batch an epoch: it stops between epochs
    out = capsys.readouterr().out
    assert "stopped by the 0.001 s time budget after epoch 1 of 3" in out
    assert "--epochs 1 --time-budget 0 repeats this run's length anywhere" in out
    # more outfits, more batches: the first step spends the budget, and epoch 1 is cut part-way
    catalogue = make_synthetic_catalogue(tmp_path / "big", n_outfits=80, size=48, seed=1)
    write_polyvore_layout(catalogue)
    assert main([*argv[:1], str(tmp_path / "big"), *argv[2:], "--time-budget", "0.001", "--json"]) == 0
    cut = json.loads(capsys.readouterr().out)
    steps = cut["history"][0]["cut_short"]
    assert len(cut["history"]) == 1 and steps[0] == 1 < steps[1]
    # trial Y: "--epochs 1 --time-budget 0 repeats this run's length" gave another model: a cut epoch is
    # repeated by no epoch count, and the line says so
    note = budget_note(cut)
    assert f"stopped by the 0.001 s time budget during epoch 1 of 3, after 1 of its {steps[1]} batches" in note
    assert "no epoch count repeats the model kept" in note and "repeats this run's length" not in note
    assert main([*argv, "--time-budget", "0", "--json"]) == 0
    unlimited = json.loads(capsys.readouterr().out)
    assert len(unlimited["history"]) == 3 and budget_note(unlimited) == ""


def test_the_budget_note_names_the_epochs_that_repeat_the_model_kept():
    """Which --epochs repeats a budget-stopped run: its length when it stopped between epochs, the
    kept epoch when that one ran whole, none when the kept epoch was cut or two phases differ."""
    from sane_desktop.training.budget import budget_stop

    whole = [{"epoch": 1}, {"epoch": 2}]
    assert budget_stop(whole, 2, 2) is None  # it ran the epochs asked for
    stop = budget_stop(whole, 5, 1)
    assert stop is not None and stop.cut is None and stop.repeat == 2
    cut_late = [{"epoch": 1}, {"epoch": 2}, {"epoch": 3, "cut_short": [4, 10]}]
    assert budget_stop(cut_late, 5, 2).repeat == 2  # the kept epoch 2 ran whole
    assert budget_stop(cut_late, 5, 3).repeat is None  # the kept epoch is the cut one
    last_cut = budget_stop([{"epoch": 1}, {"epoch": 2, "cut_short": [1, 9]}], 2, 1)  # all asked for, the last cut
    assert last_cut is not None and last_cut.cut == ("", 2, 1, 9) and last_cut.repeat == 1
    phases = [{"epoch": 1, "phase": "compatibility"}, {"epoch": 2, "phase": "compatibility"},
              *({"epoch": e, "phase": "attributes"} for e in (1, 2, 3))]
    stop = budget_stop(phases, 3, 2)  # the outfit phase stopped after 2, the attribute phase ran 3
    assert stop is not None and stop.ran == {"compatibility": 2, "attributes": 3} and stop.repeat is None
    assert budget_stop([*phases[:2], *phases[2:4]], 3, 2).repeat == 2  # both phases stopped after 2


def test_train_command_reports_bad_weights_in_one_line(tmp_path, capsys):
    from sane_desktop.cli import main

    catalogue = make_synthetic_catalogue(tmp_path / "cat", n_outfits=10, size=32, seed=1)
    write_polyvore_layout(catalogue)
    (tmp_path / "bad.pt").write_bytes(b"junk")
    code = main(["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), "--weights",
                 str(tmp_path / "bad.pt"), "--epochs", "1", "--preset", "cpu"])
    assert code == 4  # a model/weights error (sane_desktop.errors.EXIT_CODES)
    assert "cannot load weights" in capsys.readouterr().err.strip().splitlines()[-1]


def test_saliency_agreement_term_trains_only_the_attribute_side(tmp_path):
    """The term is in [0, 1], its gradient reaches the attribute maps but not the saliency (which is
    detached), and the train option runs and changes the result."""
    from sane_desktop.models import CompatibilityNet
    from sane_desktop.training.losses import pair_saliency_agreement

    torch.manual_seed(0)
    model = CompatibilityNet(["bottoms", "shoes", "tops"], embed_dim=8, width=8)
    fmap = torch.randn(4, 32, 3, 3, requires_grad=True)
    maps = torch.randn(4, 5, 3, 3, requires_grad=True)
    targets = torch.tensor([[1, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 1, 0, 0, 0]]).float()
    term = pair_saliency_agreement(model, fmap, maps, torch.tensor([0, 1, 2, 0]), torch.tensor([0, 1]),
                                   torch.tensor([1, 2]), targets)
    assert 0.0 <= float(term.detach()) <= 1.0
    term.backward()
    assert maps.grad is not None and maps.grad.abs().sum() > 0 and fmap.grad is None
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=20, size=48, seed=0)
    plain = train(catalogue, preset("cpu", image_size=48, width=8, epochs=1, outfits_per_step=6, seed=5))
    agreeing = train(catalogue, preset("cpu", image_size=48, width=8, epochs=1, outfits_per_step=6, seed=5,
                                       saliency_agreement=True))
    assert agreeing.bundle.attributes is not None
    assert not torch.equal(agreeing.bundle.attributes.head.weight, plain.bundle.attributes.head.weight)


def test_palette_steps_train_deterministically_and_change_the_result(tmp_path):
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=20, size=48, seed=0)
    config = preset("cpu", image_size=48, width=8, epochs=1, outfits_per_step=6, seed=5)
    plain = train(catalogue, config)
    recoloured = train(catalogue, preset("cpu", **{**config.as_dict(), "palette_steps": 1.0}))
    again = train(catalogue, preset("cpu", **{**config.as_dict(), "palette_steps": 1.0}))
    weight = lambda result: result.bundle.compatibility.embed.weight  # noqa: E731
    assert torch.equal(weight(recoloured), weight(again))
    assert not torch.equal(weight(recoloured), weight(plain))
    assert recoloured.bundle.config["palette_steps"] == 1.0
    # this vocabulary is all colours: on recoloured steps the attribute loss sits out (no NaN from an
    # empty loss), with or without the saliency-agreement term, whose targets lose the colours too
    assert np.isfinite(recoloured.history[0]["loss"])
    both = train(catalogue, preset("cpu", **{**config.as_dict(), "palette_steps": 1.0, "saliency_agreement": True}))
    assert np.isfinite(both.history[0]["loss"])
    assert torch.equal(both.bundle.attributes.head.weight, recoloured.bundle.attributes.head.weight)


def _gpu_preset_smoke(tmp_path, device: torch.device):
    """The gpu preset's recipe (full-width trunk, bf16 autocast on CUDA, channels_last), shrunk to a
    few seconds: it trains, keeps finite losses and returns a CPU model in eval mode."""
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=20, size=64, seed=0)
    config = preset("gpu", image_size=64, epochs=1, outfits_per_step=8, seed=3)
    assert config.width == 64 and config.channels_last and config.bf16
    result = train(catalogue, config, device=device)
    assert np.isfinite(result.history[0]["loss"])
    assert next(result.bundle.compatibility.parameters()).device.type == "cpu"
    assert not result.bundle.compatibility.training
    return result


def test_gpu_preset_recipe_runs_on_the_cpu(tmp_path):
    _gpu_preset_smoke(tmp_path, torch.device("cpu"))  # bf16 is off on the CPU; channels_last stays


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_preset_trains_on_cuda_in_bf16(tmp_path):
    result = _gpu_preset_smoke(tmp_path, torch.device("cuda"))
    assert result.bundle.config["bf16"] is True


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--time-budget", "-5", "--time-budget must be at least 0 (got -5.0)"),
    ("--time-budget", "nan", "--time-budget must be a finite number, at least 0 (got nan)"),
    ("--time-budget", "inf", "--time-budget must be a finite number, at least 0 (got inf)"),  # trial Y
    ("--epochs", "0", "--epochs must be at least 1 (got 0)"),
    ("--lr", "0", "--lr must be more than 0 and at most 1 (got 0.0)"),
    ("--image-size", "8", "--image-size must be at least 32 and at most 1024 (got 8)"),
    ("--width", "0", "--width must be at least 1 and at most 512 (got 0)"),
    ("--palette-steps", "1.5", "--palette-steps must be at least 0 and at most 1 (got 1.5)"),
])
def test_a_training_option_out_of_range_is_refused_before_any_work(tmp_path, capsys, option, value, words):
    """Trial H: ``--time-budget -5`` started a training that ran on."""
    from sane_desktop.cli import main

    catalogue = make_synthetic_catalogue(tmp_path / "cat", n_outfits=6, size=32, seed=1)
    write_polyvore_layout(catalogue)
    code = main(["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), "--preset", "cpu", option, value])
    assert code == 1 and capsys.readouterr().err.strip().splitlines()[-1].endswith(words)  # an input error
    assert not (tmp_path / "m.pt").exists()


def test_a_model_says_which_catalogue_it_was_trained_on_and_an_index_of_another_says_so(tmp_path, monkeypatch):
    """Trial H copied one catalogue's model over another's; a re-index took it without a word, and
    nothing could tell whose it was. ``train`` records the folder; indexing another folder with it says so."""
    import shutil

    from sane_desktop.models import load_checkpoint
    from sane_desktop.service import building

    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "home"))
    first = make_synthetic_catalogue(tmp_path / "first", n_outfits=10, size=32, seed=1)
    write_polyvore_layout(first)
    shutil.copytree(tmp_path / "first", tmp_path / "second")
    out = tmp_path / "first.pt"
    request = building.TrainRequest(preset="cpu", epochs=1, overrides={"image_size": 48, "width": 8},
                                    selection_pairs=0)
    building.train_model(tmp_path / "first", out, request, device="cpu")
    assert load_checkpoint(out).config["trained_on"] == {"folder": str((tmp_path / "first").resolve())}
    own = building.index_folder(tmp_path / "first", "first", out, workers=0, device="cpu")
    assert "another catalogue folder" not in (own.indexed.note or "")
    other = building.index_folder(tmp_path / "second", "second", out, workers=0, device="cpu")
    assert other.indexed.note == (f"this model was trained on another catalogue folder ({(tmp_path / 'first').resolve()}): "
                                  "its matches are what that one's outfits taught")


def test_a_best_epoch_chosen_on_few_questions_says_so(tmp_path, capsys):
    """Trial H: "best epoch 1, valid FITB 0.000" out of 30 epochs, chosen on 1–4 validation questions."""
    from sane_desktop.cli import main

    catalogue = make_synthetic_catalogue(tmp_path / "cat", n_outfits=10, size=32, seed=1)
    write_polyvore_layout(catalogue)
    code = main(["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), "--preset", "cpu", "--epochs", "1",
                 "--image-size", "48", "--width", "8", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    asked = result["config"]["valid_questions"]
    assert isinstance(asked, int) and asked < 20
    assert any(note.startswith(f"the best epoch was chosen on only {asked} validation question") for note in result["notes"])


@pytest.mark.parametrize("option", ["--lr", "--time-budget", "--palette-steps"])
def test_a_decimal_too_small_for_a_float_is_named_as_typed(tmp_path, capsys, option):
    """Trial Y: ``--lr 1e-400`` was refused as "(got 0.0)", a value nobody typed; ``--time-budget 1e-400``
    read as 0, "no budget"."""
    from sane_desktop.cli import main

    try:
        code = main(["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), option, "1e-400"])
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err.strip()
    assert code == 1 and "1e-400 is too small to tell from 0" in err and "got 0.0" not in err, err
    assert len(err.splitlines()) == 1
    try:
        code = main(["train", str(tmp_path / "cat"), "--out", str(tmp_path / "m.pt"), option, "1e400"])
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err.strip()
    assert code == 1 and "1e400 is too large for a number" in err and "got inf" not in err, err  # trial AE


def test_a_palette_change_keeps_only_the_labels_it_cannot_falsify() -> None:
    """Palette steps on a vocabulary of words mined from titles (the title-only world): "cobalt" or "scarlet" is
    false of a recoloured photo, and which words name colours is not known, so only kinds other than colour stay."""
    from sane_desktop.training.trainer import palette_safe

    assert palette_safe(["colour:red", "pattern:dotted", "motif:moon", "colour:blue"]) == [1, 2]
    assert palette_safe(["cobalt", "moon", "pattern:striped", "scarlet"]) == [2]
    assert palette_safe(["cobalt", "scarlet"]) == []
    assert palette_safe(["color:red", "colour_group:dark blue", "tone:light", "fabric:wool"]) == [3]  # (a review)


def test_outfits_that_give_no_triplet_are_refused_before_any_image_is_read(tmp_path, capsys):
    """Trial CS: one training outfit (or outfits sharing no kind) gave no triplet: `train` took no step, saved the
    untrained networks, exited 0, and `query` ranked by them as by a trained model."""
    from sane_desktop.cli import main
    from sane_desktop.training.sampling import no_triplet_reason
    from tests.catalogue_fixtures import write_manifest_catalogue

    category = {"a1": 0, "a2": 1, "b1": 2, "b2": 3}
    two = [OutfitRecord("a", ["a1", "a2"]), OutfitRecord("b", ["b1", "b2"])]
    assert "no two of them share a kind of item" in no_triplet_reason(two, category, {})
    assert "there is no other" in no_triplet_reason(two[:1], category, {})
    category["b1"] = 0  # now b1 is a wrong answer for a1
    assert no_triplet_reason(two, category, {}) is None
    assert "same kind and group" in no_triplet_reason(two, category, {"a1": "2019", "b1": "2023"})

    root = tmp_path / "one-outfit"
    write_manifest_catalogue(root, n_items=12, n_outfits=1)
    for chosen in ("cpu", "pretrained"):
        out = tmp_path / f"{chosen}.pt"
        assert main(["train", str(root), "--out", str(out), "--preset", chosen, "--epochs", "1"]) != 0
        err = capsys.readouterr().err
        assert "the 1 training outfit gives no training triplet" in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_evaluate_with_no_test_outfit_says_so_in_one_line(tmp_path, capsys):
    """Trial CS: one outfit, in the train split: `evaluate` printed fifteen lines of n/a and exited 0."""
    from sane_desktop.cli import main
    from sane_desktop.models.checkpoint import general_model_path
    from tests.catalogue_fixtures import write_manifest_catalogue

    root = tmp_path / "one-outfit"
    write_manifest_catalogue(root, n_items=12, n_outfits=1)
    assert main(["evaluate", str(root), "--model", str(general_model_path())]) != 0
    out, err = capsys.readouterr()
    assert not out.strip() and err.strip() == (
        "error: nothing to evaluate: the test split holds no outfit of categories the model knows (outfits: train 1, "
        "valid 0, test 0); a catalogue needs more outfits for some to be held out for testing"), err
