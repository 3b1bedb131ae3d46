"""What ``train`` and ``evaluate`` say on tiny catalogues (trial AL): "not fitted" when no pair fitted the
explanation's attribute choice and how much a fit stood on when it did, figures on too few outfits or
items said so, and no Python "None" in an epoch's line."""

from __future__ import annotations

from pathlib import Path

from sane_desktop.explain.pipeline import SelectionModel


def test_a_selection_with_nothing_fitted_is_said_not_fitted(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from sane_desktop.explain import evaluation
    from sane_desktop.service import building

    untuned = SelectionModel.default(["colour:red", "colour:blue"])
    assert not untuned.tuned
    monkeypatch.setattr(evaluation, "fit_model_selection", lambda *a, **k: (untuned, "removal oracle (0 validation pairs, "
                                                                                      "calibrated on 3 items)"))
    staged, out = tmp_path / "staged.pt", tmp_path / "model.pt"
    staged.write_bytes(b"model")
    bundle = SimpleNamespace(content_hash="a" * 64)
    said = building._fit_selection(tmp_path, None, bundle, out, 40, lambda *a: None, lambda: False, staged)
    assert said is None  # train's line: "not fitted (…): explanations use the default weights"
    assert out.read_bytes() == b"model" and out.with_suffix(".selection.json").is_file()
    tuned = SelectionModel.default(["colour:red", "colour:blue"])
    tuned.tuned = True
    monkeypatch.setattr(evaluation, "fit_model_selection", lambda *a, **k: (tuned, "removal oracle (1 validation pair, "
                                                                                    "calibrated on 3 items)"))
    staged.write_bytes(b"model 2")
    assert building._fit_selection(tmp_path, None, bundle, out, 40, lambda *a: None, lambda: False, staged) == \
        "removal oracle (1 validation pair, calibrated on 3 items)"


def test_train_says_how_many_pairs_and_items_the_choice_was_fitted_on() -> None:
    from sane_desktop.cli.train_cmd import render

    base = {"out": "m.pt", "best_epoch": 1, "valid_fitb": 0.5, "seconds": 1.0, "device": "cpu"}
    said = render({**base, "selection": "removal oracle (1 validation pair, calibrated on 3 items)"})
    assert "attribute choice for explanations: fitted on removal oracle (1 validation pair, calibrated on 3 items)" in said
    assert "not fitted" in render({**base, "selection": None})


def test_evaluate_says_when_auc_or_map_stand_on_too_few() -> None:
    """Trial AL: AUC 0.000 beside random 1.000 on 2 compatibility outfits, mAP on 3 items, said like any
    measurement. Under 20 outfits or items a line says the figures stand on too few."""
    from sane_desktop.cli.evaluate_cmd import render

    methods = {name: {"fitb": None, "auc": auc, "attribute_map": 0.47}
               for name, auc in (("model", 0.0), ("random", 1.0))}
    entry = {"counts": {"fitb": 0, "compatibility": 2, "attribute_items": 3, "attributes": 5,
                        "outfits": {"train": 1, "valid": 1, "test": 1}},
             "methods": methods, "leakage": {}, "disjoint": False, "notes": ""}
    text = render({"protocol": "generated", "headline": "generated", "split": "test", "methods": methods,
                   "protocols": {"generated": entry}})
    assert "only 2 compatibility outfits: the AUC figures stand on too few" in text
    assert "only 3 items: the attribute mAP figures stand on too few" in text
    many = {**entry, "counts": {**entry["counts"], "compatibility": 40, "attribute_items": 300}}
    text = render({"protocol": "generated", "headline": "generated", "split": "test", "methods": methods,
                   "protocols": {"generated": many}})
    assert "stand on too few" not in text
    # a catalogue without outfits: the same for its mAP, and its notes beyond the split's are said
    items = {"protocol": "items", "split": "test", "notes": "no outfits: …; this model was trained on another "
                                                             "catalogue folder (/x): …",
             "counts": {"attribute_items": 4, "attributes": 9, "attributes_known_to_model": 9, "attributes_scored": 3},
             "methods": {"model": {"attribute_map": 0.5}, "random": {"attribute_map": 0.4}}}
    text = render(items)
    assert "only 4 items: the attribute mAP figures stand on too few" in text
    assert "note: this model was trained on another catalogue folder (/x)" in text


def test_an_epoch_without_validation_data_reads_n_a_not_none() -> None:
    from types import SimpleNamespace

    from sane_desktop.training.loop import _log_line

    task = SimpleNamespace(log_fields=(("triplet acc", "triplet_accuracy"), ("valid FITB", "valid_fitb")),
                           step_metrics=("triplet_accuracy",))
    line = _log_line({"epoch": 2, "loss": 0.5, "triplet_accuracy": 0.75, "valid_fitb": None, "seconds": 1.0},
                     task)  # type: ignore[arg-type]
    assert line == "epoch 2: loss 0.5000 triplet acc 0.750 valid FITB n/a (no validation data) (1.0 s)"
    assert "None" not in line
