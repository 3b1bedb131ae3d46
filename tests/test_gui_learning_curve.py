"""The train dialog's learning curve: points per epoch, axes that follow the run, both score kinds."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sane_desktop.gui.learning_curve import LearningCurve  # noqa: E402


def test_curve_follows_the_epochs_and_the_loss(qtbot) -> None:  # type: ignore[no-untyped-def]
    curve = LearningCurve()
    qtbot.addWidget(curve)
    curve.reset(3)
    assert curve.curve() == [] and "after the first epoch" in curve.chart().title()
    for epoch, (loss, fitb) in enumerate([(1.2, 0.40), (0.9, 0.55), (0.8, 0.52)], start=1):
        curve.add_epoch({"epoch": epoch, "loss": loss, "triplet_accuracy": 0.6, "valid_fitb": fitb, "seconds": epoch})
    assert curve.curve() == [(1, 0.40), (2, 0.55), (3, 0.52)]
    assert [p.y() for p in curve.loss.points()] == [1.2, 0.9, 0.8]
    assert abs(curve.loss_axis.max() - 1.32) < 1e-9  # the loss axis fits the largest loss
    # in percent, as the run's result line says it ("answers 55% of … questions right"), axis too
    assert curve.chart().title() == "Epoch 3 — best right picks 55%"
    assert (curve.score_axis.min(), curve.score_axis.max(), curve.score_axis.labelFormat()) == (0.0, 100.0, "%d%%")
    curve.add_epoch({"epoch": 7, "loss": 0.7, "valid_fitb": None, "seconds": 7})  # a longer run than planned
    assert curve.x_axis.max() == 7 and len(curve.curve()) == 3  # no score: no point, loss still drawn
    curve.reset(10)
    assert curve.curve() == [] and curve.loss.count() == 0 and curve.x_axis.max() == 10


def test_attribute_only_runs_plot_their_map(qtbot) -> None:  # type: ignore[no-untyped-def]
    curve = LearningCurve()
    qtbot.addWidget(curve)
    # the attribute trainer's entry, as it writes it: valid_fitb is there, and None
    curve.add_epoch({"epoch": 1, "loss": None, "valid_map": 0.31, "valid_fitb": None, "seconds": 2})
    assert curve.curve() == [(1, 0.31)] and curve.loss.count() == 0
    assert "best attribute precision 31%" in curve.chart().title()
    assert [series.name() for series in curve.chart().series()] == ["attribute precision"]  # no empty outfit lines


def test_a_run_that_trains_its_heads_one_after_the_other_keeps_their_scores_apart(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A frozen-trunk run fits the outfit head, then the attribute head, each from epoch 1: FITB and mAP
    are different measures, and one line through both drew a run that went back to epoch 1."""
    curve = LearningCurve()
    qtbot.addWidget(curve)
    curve.reset(3)
    for epoch, fitb in enumerate([0.40, 0.42, 0.41], start=1):
        curve.add_epoch({"epoch": epoch, "loss": 0.34, "valid_fitb": fitb, "phase": "compatibility"})
    for epoch, mean_ap in enumerate([0.63, 0.66, 0.71], start=1):
        curve.add_epoch({"epoch": epoch, "loss": 1.1 - 0.1 * epoch, "valid_map": mean_ap, "phase": "attributes"})
    assert curve.curve("compatibility") == [(1, 0.40), (2, 0.42), (3, 0.41)]
    assert curve.curve("attributes") == [(1, 0.63), (2, 0.66), (3, 0.71)]
    xs = [point.x() for point in curve.scores["attributes"].points()]
    assert xs == sorted(xs)  # each line goes forward in epochs
    assert {series.name() for series in curve.chart().series()} == {
        "right picks", "outfit loss", "attribute precision", "attribute loss"}
    assert curve.chart().title() == "Attributes, epoch 3 — best attribute precision 71%"
    assert "FITB" in curve.toolTip() and "mAP" in curve.toolTip()  # the research terms, behind the words
    curve.reset(3)
    assert curve.chart().series() == [] and curve.curve() == []


def test_title_and_labels_follow_the_palette(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    curve = LearningCurve()
    qtbot.addWidget(curve)
    dark = QPalette(curve.palette())
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eeeeee"))
    curve.setPalette(dark)  # as a switch to the dark theme does, with the dialog open
    assert curve.chart().titleBrush().color() == QColor("#eeeeee")
    assert curve.x_axis.labelsColor() == QColor("#eeeeee")
