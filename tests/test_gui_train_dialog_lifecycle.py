"""The train and adapt dialogs' life cycle: a running training survives Escape and the close button
(asked: keep it running in the background, cancel it, or go back), File → Train shows the running
dialog again instead of a second idle one, quitting asks while a run goes hidden; one progress bar
over the whole run that only moves forward, with an estimate for the whole run; the adapt dialog
names the model it starts from and the file it writes. Real widgets, keys and clicks; real tiny runs
on a 60-item demo catalogue (the training of a few epochs takes seconds)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, settle  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox  # noqa: E402

from sane_desktop.gui.adapt_dialog import ADAPT_STAGES, AdaptDialog, StartingModel, starting_words  # noqa: E402
from sane_desktop.gui.train_dialog import BAR_STEPS, TRAIN_STAGES, RunProgress, TrainDialog  # noqa: E402

LONG_RUN = 200  # epochs: the run goes on until the test cancels it


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """A fresh 60-item demo world per test (3 validation questions: a model checked on none is never
    taken): a finished run writes the catalogue's own model."""
    return demo_world(tmp_path / "world", 60)


def boxes(name: str) -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and w.objectName() == name]


def button(box: QMessageBox, text: str) -> QAbstractButton:
    return next(b for b in box.buttons() if b.text() == text)


def answer(qtbot, name: str, text: str) -> QMessageBox:  # type: ignore[no-untyped-def]
    """Wait for the question box ``name`` and click its button ``text``; returns the box."""
    qtbot.waitUntil(lambda: bool(boxes(name)), timeout=5000)
    box = boxes(name)[0]
    qtbot.mouseClick(button(box, text), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not boxes(name), timeout=5000)
    return box


def train_dialogs(window) -> list[TrainDialog]:  # type: ignore[no-untyped-def]
    return [child for child in window.children() if isinstance(child, TrainDialog)]


def start_training(window, qtbot, epochs: int) -> TrainDialog:  # type: ignore[no-untyped-def]
    """File → Train model on this catalogue…, ``epochs``, a click on Train."""
    window.train_action.trigger()
    dialog = window.train_dialog
    assert isinstance(dialog, TrainDialog) and dialog.isVisible()
    dialog.epochs.setValue(epochs)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.cancel_button.text() == "Cancel"
    return dialog


def cancel_and_wait(dialog: TrainDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    assert "Cancelled" in dialog.phase.text() and dialog.cancel_button.text() == "Close"


# --- Escape, reopening, quitting ----------------------------------------------------------------------
def test_escape_keeps_the_run_and_file_train_shows_it_again(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world)
    dialog = start_training(window, qtbot, LONG_RUN)
    with qtbot.waitSignal(dialog.task.progress, timeout=60000):  # under way: the bar has moved off busy
        pass
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    box = answer(qtbot, "running-question", "Keep running in the background")
    assert "still running" in box.text() and box.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert dialog.running  # hidden, not stopped
    shown_at = dialog.progress_bar.value()

    window.train_action.trigger()  # File → Train: the same dialog, still running, no second idle one
    assert window.train_dialog is dialog and dialog.isVisible() and train_dialogs(window) == [dialog]
    assert not dialog.start_button.isEnabled() and dialog.cancel_button.text() == "Cancel"
    assert dialog.progress_bar.value() >= shown_at and dialog.progress_bar.maximum() == BAR_STEPS
    assert not dialog.epochs.isEnabled()  # read at the start: greyed while it runs (trial DG raised it to 61)

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Back leaves it as it is
    answer(qtbot, "running-question", "Back")
    assert dialog.isVisible() and dialog.running

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # hidden again: quitting still asks
    answer(qtbot, "running-question", "Keep running in the background")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert window.long_work() == "training a model"
    # a search asked for meanwhile waits for the one worker: said (trial DG waited 100 s, unsaid)
    window.request_items()
    assert window.statusBar().currentMessage() == ("The catalogue's list waits until the app has finished training a "
                                                   "model (its window shows how far it is).")
    window.close()  # File → Quit, Ctrl+Q, the window's close button
    quit_box = answer(qtbot, "quit-question", "Keep working")
    assert "training a model" in quit_box.text()
    settle()
    assert window.isVisible() and dialog.running

    window.train_action.trigger()
    cancel_and_wait(dialog, qtbot)
    assert window.long_work() == "" and dialog.epochs.isEnabled()
    assert not (world["index"] / "demo" / "model.pt").exists()  # cancelled: the catalogue keeps its model


def test_a_training_that_ends_in_the_background_says_so_and_file_train_shows_its_result(  # type: ignore[no-untyped-def]
        world, qtbot, make_window) -> None:
    # trial O: the status bar said "Ready" and File → Train opened a blank dialog
    window = make_window(world)
    dialog = start_training(window, qtbot, 1)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer(qtbot, "running-question", "Keep running in the background")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=300000)
    qtbot.waitUntil(lambda: "The training in the background has ended" in window.statusBar().currentMessage(),
                    timeout=10000)
    # its outcome first, before a long line is cut (trial DG read "… Not used: the new model answers 62% of 21 valid…")
    said = window.statusBar().currentMessage()
    assert said.startswith(("The training in the background has ended — not used: the current model picks better (",
                            "The training in the background has ended — the catalogue uses the new model now (")), said
    result = dialog.phase.text()
    assert result and " ".join(result.split()) in window.statusBar().currentMessage()
    assert "File → Train model on this catalogue…" in window.statusBar().currentMessage()
    window.train_action.trigger()  # the same dialog, with its result: not a blank one
    assert window.train_dialog is dialog and dialog.isVisible() and train_dialogs(window) == [dialog]
    assert dialog.phase.text() == result and not dialog.ended_unseen


def test_closing_can_cancel_and_a_second_run_reads_cancel(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world)
    dialog = start_training(window, qtbot, LONG_RUN)
    dialog.close()  # the title bar's close button
    answer(qtbot, "running-question", "Cancel the training")
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    assert not dialog.isVisible() and "Cancelled" in dialog.phase.text()
    assert dialog.cancel_button.text() == "Close" and window.long_work() == ""

    window.train_action.trigger()  # nothing runs and it was closed: a fresh dialog
    again = window.train_dialog
    assert again is not dialog and again.isVisible()
    qtbot.mouseClick(again.start_button, Qt.MouseButton.LeftButton)  # its first run
    assert again.cancel_button.text() == "Cancel"
    cancel_and_wait(again, qtbot)
    qtbot.mouseClick(again.start_button, Qt.MouseButton.LeftButton)  # a second run in the same dialog
    assert again.running and again.cancel_button.text() == "Cancel"  # not the "Close" the first one left
    window.close()  # the dialog is open: quitting asks all the same
    answer(qtbot, "quit-question", "Keep working")
    cancel_and_wait(again, qtbot)


def test_idle_dialog_closes_at_once_and_quitting_does_not_ask(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world)
    window.train_action.trigger()
    dialog = window.train_dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    settle()
    assert not dialog.isVisible() and not boxes("running-question")
    assert window.long_work() == ""


# --- one bar over the whole run ----------------------------------------------------------------------
def reports(epochs: int, steps: int = 3, items: int = 40) -> list[tuple[int, int, str]]:
    """A training run's progress reports, as the service gives them (labels from a real run)."""
    run = [(0, 0, "Reading catalogue")] + [(i, items, "Checking images") for i in range(0, items + 1, 10)]
    run += [(i, items, "decoding images") for i in range(0, items + 1, 10)]
    run += [(step, steps, f"epoch {epoch}/{epochs}") for epoch in range(1, epochs + 1) for step in range(1, steps + 1)]
    run += [(step, steps, f"attributes, epoch {epoch}/{epochs}") for epoch in range(1, epochs + 1)
            for step in range(1, steps + 1)]  # a frozen-trunk run's second phase
    run += [(i, 20, f"{which} model, {step}") for which in ("current", "new")
            for step in ("decoding images", "embedding", "attribute scores") for i in (10, 20)]
    run += [(i, 4, "attribute choice") for i in range(1, 5)]
    run += [(0, 0, "Reading catalogue")] + [(i, items, "Checking images") for i in range(0, items + 1, 20)]
    run += [(i, items, "embedding") for i in range(0, items + 1, 10)] + [(7, 7, "building index")]
    return run


def test_the_bar_only_moves_forward_over_every_stage() -> None:
    progress = RunProgress(TRAIN_STAGES, started=0.0)
    seen = [progress.update(done, total, message, now=float(n)) for n, (done, total, message) in enumerate(reports(5))]
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    lines = [line for _, line in seen]
    assert lines[0] == "Reading the images: Reading catalogue"
    assert any(line.startswith("Training: epoch 2/5") for line in lines)
    assert any(line.startswith("Training: attributes, epoch 2/5") for line in lines)
    assert any(line.startswith("Checking the new model against the current one: new model, embedding 10/20")
               for line in lines)
    assert any(line.startswith("Choosing the attributes that explanations name: attribute choice 2/4") for line in lines)
    # the re-index reads the catalogue again: those reports belong to the re-index, not to the start
    assert lines[-1].startswith("Re-indexing with the new model: building index 7/7")
    assert sum(line.startswith("Re-indexing") for line in lines) == 1 + 3 + 5 + 1
    unknown = progress.update(1, 2, "a label no stage knows", now=100.0)
    assert unknown[0] == fractions[-1]  # the bar stays where it is


def test_the_estimate_says_only_what_it_can_back() -> None:
    """"In all" only when every step still to come can be estimated; each step's own pace otherwise,
    counted down between reports, and a step past its estimate says so (a trial read "about 6 s left"
    for a minute while the models were compared, a step no estimate had counted)."""
    progress = RunProgress(TRAIN_STAGES, started=0.0)
    progress.update(40, 40, "decoding images", now=10.0)  # reading the images took 10 s
    progress.update(1, 2, "epoch 1/4", now=10.0)  # the epochs' clock starts at their first report
    _, line = progress.update(2, 2, "epoch 1/4", now=25.0)  # one epoch of four: 15 s
    # three epochs left at 15 s; the comparison and the attribute choice cannot be estimated yet
    assert line == "Training: epoch 1/4 — about 45 s left in this step"
    assert progress.line(now=40.0) == "Training: epoch 1/4 — about 30 s left in this step"  # the clock's tick
    _, line = progress.update(2, 2, "epoch 3/4", now=55.0)
    assert line == "Training: epoch 3/4 — about 15 s left in this step"
    assert progress.line(now=75.0) == "Training: epoch 3/4 — this step is taking longer than estimated"
    progress.update(10, 20, "current model, decoding images", now=80.0)
    progress.update(20, 20, "new model, attribute scores", now=90.0)
    progress.update(1, 4, "attribute choice", now=90.0)
    _, line = progress.update(2, 4, "attribute choice", now=100.0)
    # a quarter in 10 s, half of it left: 20 s here, then the re-index, as long as reading the images took (10 s):
    # now "in all" is backed
    assert line == "Choosing the attributes that explanations name: attribute choice 2/4 — about 30 s left in all"
    _, start = RunProgress(TRAIN_STAGES, started=0.0).update(10, 40, "decoding images", now=0.5)
    assert start == "Reading the images: decoding images 10/40"  # half a second in: nothing to go by yet


def test_the_index_estimate_follows_the_pace_of_the_step_counting_now() -> None:
    """Trial EK: "embedding 64/988 — about 4 s left in all" with 35 s to go. The photos' check (30 % of the stage)
    took a second, the embedding (60 %) a minute: the stage's pace mixed the two. The step counting now gives the
    pace, the building after it as long per share of it."""
    from sane_desktop.gui.index_dialog import INDEX_STAGES

    progress = RunProgress(INDEX_STAGES, started=0.0)
    progress.update(0, 0, "Reading catalogue", now=0.0)
    progress.update(988, 988, "Checking images", now=1.0)
    _, line = progress.update(0, 988, "embedding", now=1.0)
    assert line == "Indexing: embedding 0/988"  # nothing to go by yet
    _, line = progress.update(64, 988, "embedding", now=5.0)  # 64 photos in 4 s: 924 more take about 58 s
    assert line == "Indexing: embedding 64/988 — about 1 min 2 s left in all", line  # and the building, 1/12 of it
    _, line = progress.update(494, 988, "embedding", now=32.0)
    assert line == "Indexing: embedding 494/988 — about 36 s left in all", line


def test_adapt_bar_counts_the_reindex_after_the_adapting() -> None:
    progress = RunProgress(ADAPT_STAGES, started=0.0)
    run = [(0, 0, "Reading catalogue"), (40, 40, "Checking images"), (20, 40, "adapting BatchNorm statistics"),
           (40, 40, "adapting BatchNorm statistics"), (0, 0, "Reading catalogue"), (40, 40, "Checking images"),
           (20, 40, "embedding"), (7, 7, "building index")]
    seen = [progress.update(done, total, message, now=float(n)) for n, (done, total, message) in enumerate(run)]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == pytest.approx(1.0)
    assert seen[3][0] == pytest.approx(0.5) and seen[4][1].startswith("Re-indexing with the adapted model")


def test_a_real_training_moves_one_bar_forward_to_its_end(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.screenshots import build_outfit, wait_results

    window = make_window(world)
    # a result explained before the training: the new model's answer is not the one on screen (trial AQ)
    build_outfit(window, 2)
    wait_results(window, 60)
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: window.explanation.update_data is not None, timeout=120000)
    window.train_action.trigger()
    dialog = window.train_dialog
    dialog.epochs.setValue(2)
    seen: list[tuple[int, str]] = []
    with qtbot.waitSignal(dialog.model_ready, timeout=300000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        dialog.task.on_progress(lambda *_: seen.append((dialog.progress_bar.value(), dialog.phase.text())))
    values = [value for value, _ in seen]
    assert values and values == sorted(values)
    titles = {stage.title for stage in TRAIN_STAGES}
    assert all(line.split(":")[0] in titles for _, line in seen), seen  # every report found its stage
    assert any(line.startswith("Training: epoch 2/2") for _, line in seen)
    assert any(line.startswith("Re-indexing with the new model") for _, line in seen)
    assert values[-1] >= BAR_STEPS * 0.99  # the last report (the index built) fills the bar
    assert "Trained 2 epochs" in dialog.phase.text()
    # taken (3 validation questions: too few to compare), so the old model's answer goes from the panel
    assert dialog.model_replaced and window.explanation.update_data is None
    assert window.explanation.status.text().startswith("The catalogue has a new model")


# --- the adapt dialog says what it starts from and what it writes ---------------------------------------
def test_adapt_dialog_names_its_model_and_the_file_it_writes(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world)
    own = world["index"] / "demo" / "model.pt"
    window.adapt_action.trigger()
    dialog = window.adapt_dialog
    assert isinstance(dialog, AdaptDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.starting is not None, timeout=30000)
    said = dialog.start_from.text()
    assert said == (f"Starts from model.pt: the model in {world['model'].parent}. Writes the adapted model to "
                    f"{own}, which becomes this catalogue's model file.")
    assert dialog.start_from.textFormat() == Qt.TextFormat.PlainText
    settle()  # the dialog grew to its lines, which came after it was shown: none is cut (a trial)
    for label in (dialog.start_from, dialog.phase):
        assert label.height() >= label.heightForWidth(label.width()) > 0, label.text()
    with qtbot.waitSignal(dialog.model_ready, timeout=120000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # it reads Close now
    assert not dialog.isVisible()
    window.adapt_action.trigger()  # a fresh dialog: the catalogue's own, adapted model
    again = window.adapt_dialog
    assert again is not dialog
    qtbot.waitUntil(lambda: again.starting is not None, timeout=30000)
    assert again.start_from.text() == (f"Starts from model.pt: this catalogue's own model, already adapted to this "
                                       f"catalogue. Writes the adapted model to {own}, replacing this catalogue's "
                                       "model file (the current one is overwritten).")


def test_adapt_words_for_the_bundled_and_a_trained_model(tmp_path: Path) -> None:
    target = tmp_path / "home" / "shop" / "model.pt"
    bundled = starting_words(StartingModel(Path("/app/resources/models/general.pt"), "bundled", target, False))
    assert bundled == (f"Starts from general.pt: the model bundled with the app. Writes the adapted model to {target}, "
                       "which becomes this catalogue's model file; the bundled model itself is not changed.")
    trained = starting_words(StartingModel(target, "trained", target, True))
    assert trained.startswith("Starts from model.pt: this catalogue's own model, trained on this catalogue.")


def test_adapt_says_up_front_that_a_frozen_pretrained_trunk_has_nothing_to_adapt(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A trial clicked Adapt for a model trained with the pretrained trunk (kept as shipped) and only
    then read that it cannot be adapted: the dialog now says so when it finds the model, Adapt off."""
    from sane_desktop.gui.tasks import TaskRunner

    target = tmp_path / "home" / "shop" / "model.pt"
    frozen = StartingModel(target, "trained", target, True, frozen=True)
    words = starting_words(frozen)
    # trained here: "train it again", never "train it instead" (advice that loops, a second trial)
    assert "nothing to adapt" in words and "train it again" in words and "instead" not in words
    bundled = starting_words(StartingModel(Path("/app/general.pt"), "bundled", target, False, frozen=True))
    assert "nothing to adapt" in bundled and "train a model on this catalogue instead" in bundled
    # in a stylist's words: no file name, no "trunk" (trial ER read "general.pt keeps its pretrained trunk…")
    assert all("general.pt" not in said and "trunk" not in said for said in (words, bundled))
    assert bundled.startswith("The built-in model")
    # nothing to train on either: no pointer to the Train entry, which is off then (trial G)
    untrainable = starting_words(StartingModel(Path("/app/general.pt"), "bundled", target, False, frozen=True,
                                               trainable=False))
    assert "nothing to adapt" in untrainable and "Train" not in untrainable and "trunk" not in untrainable
    runner = TaskRunner(owner=object())  # the dialog's own look for the model fails on this owner: never used
    try:
        dialog = AdaptDialog(runner, "shop")  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        dialog.show()
        dialog._found_model(frozen)  # what the worker's answer calls
        assert not dialog.start_button.isEnabled() and "nothing to adapt" in dialog.start_from.text()
        # no empty bar, nor what Adapt would do, under the line that says there is nothing to (trial DO)
        assert not dialog.progress_bar.isVisible() and not dialog.phase.isVisible()
        dialog._found_model(StartingModel(target, "trained", target, True))  # another model: Adapt stays offered
        assert "nothing to adapt" not in dialog.start_from.text() and dialog.start_button.isEnabled()
        assert dialog.progress_bar.isVisible() and dialog.phase.isVisible()
    finally:
        runner.shutdown()


def test_curve_axis_titles_fit_at_the_dialogs_default_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFontMetricsF

    dialog = TrainDialog(None, "demo")  # type: ignore[arg-type]  # nothing is started: no worker needed
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    curve = dialog.curve
    for epoch in (1, 2):
        curve.add_epoch({"epoch": epoch, "loss": 1.2 / epoch, "valid_map": 0.3 * epoch, "valid_fitb": None})
    settle()
    plot = curve.chart().plotArea()
    for axis in (curve.score_axis, curve.loss_axis):  # vertical: a title longer than the plot is cut
        assert QFontMetricsF(axis.titleFont()).horizontalAdvance(axis.titleText()) <= plot.height(), axis.titleText()
    assert QFontMetricsF(curve.x_axis.titleFont()).horizontalAdvance(curve.x_axis.titleText()) <= plot.width()
    legend = {series.name() for series in curve.chart().series()}
    assert legend == {"attribute precision", "attribute loss"}  # the legend says the rest, and only the lines drawn


def index_dialog_on(window, qtbot, folder: Path, name: str):  # type: ignore[no-untyped-def]
    """File → Index catalogue folder…, ``folder`` typed into its field and Return pressed (finishing
    the field inspects the folder), then ``name`` typed, until Start is offered; returns the dialog."""
    from sane_desktop.gui.index_dialog import IndexDialog

    window.index_action.trigger()
    dialog = window.index_dialog
    assert isinstance(dialog, IndexDialog) and dialog.isVisible()
    dialog.folder.setFocus()
    qtbot.keyClicks(dialog.folder, str(folder))
    qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, name)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=30000)
    assert dialog.folder.text() == str(folder) and dialog.name.text() == name
    return dialog


# --- the index dialog: the same life cycle, and one model run at a time --------------------------------
def test_index_run_survives_escape_and_file_index_shows_it_again(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    import threading

    from sane_desktop.gui.index_dialog import IndexDialog

    window = make_window(world)
    dialog = index_dialog_on(window, qtbot, world["source"], "second")
    gate = threading.Event()  # the worker is busy before the run: it cannot end while the test looks
    blocker = window.tasks.start(lambda _service, _state: gate.wait(60), "Busy…")
    try:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.running
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        box = answer(qtbot, "running-question", "Keep running in the background")
        assert box.text().startswith("The indexing is still running") and "File → Index catalogue folder…" in box.text()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
        assert dialog.running and window.long_work() == "indexing a catalogue folder"

        window.index_action.trigger()  # the same dialog, still running: no second one beside it
        assert window.index_dialog is dialog and dialog.isVisible()
        assert [c for c in window.children() if isinstance(c, IndexDialog)] == [dialog]

        dialog.close()  # the title bar's close button asks too
        answer(qtbot, "running-question", "Cancel the indexing")
    finally:
        gate.set()
    qtbot.waitUntil(lambda: dialog.task is None and blocker.ended, timeout=60000)
    assert not dialog.isVisible() and "Cancelled" in dialog.phase.text() and window.long_work() == ""
    window.index_action.trigger()  # idle and closed: a fresh dialog
    assert window.index_dialog is not dialog and window.index_dialog.isVisible()


def test_an_index_run_ended_in_the_background_says_what_it_skipped_and_comes_back_with_its_report(  # type: ignore[no-untyped-def]
        world, qtbot, make_window, tmp_path) -> None:
    """Trial EX kept an index running in the background: the status bar said "Indexed … in the background" for
    15 s, never the photos it skipped, and File → Index catalogue folder… opened a fresh dialog, the report gone."""
    import shutil

    source = Path(shutil.copytree(world["source"], tmp_path / "second"))
    photo = sorted((source / "images").glob("*.*"))[0]
    photo.write_bytes(b"")  # a photo that cannot be read: its item is skipped
    window = make_window(world)
    dialog = index_dialog_on(window, qtbot, source, "second")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer(qtbot, "running-question", "Keep running in the background")
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    qtbot.waitUntil(lambda: "in the background" in window.statusBar().currentMessage(), timeout=10000)
    said = window.statusBar().currentMessage()
    assert "1 item skipped" in said and "File → Index catalogue folder… shows its report" in said, said
    window.index_action.trigger()
    assert window.index_dialog is dialog and dialog.isVisible()
    assert "1 item skipped" in dialog.phase.text() and "Skipped (not indexed):" in dialog.summary.toPlainText(), \
        (dialog.phase.text(), dialog.summary.toPlainText())


def test_adapt_while_training_brings_the_training_back(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world)
    dialog = start_training(window, qtbot, LONG_RUN)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer(qtbot, "running-question", "Keep running in the background")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    window.adapt_action.trigger()  # two runs would each write the catalogue's model
    assert window.adapt_dialog is None and dialog.isVisible()
    assert "A model is training on “demo”" in window.statusBar().currentMessage()
    cancel_and_wait(dialog, qtbot)
    window.adapt_action.trigger()  # once it has ended, Adapt opens
    assert isinstance(window.adapt_dialog, AdaptDialog) and window.adapt_dialog.isVisible()


def test_a_run_the_time_budget_stopped_says_so(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.service.values import TrainReport

    window = make_window(world)
    window.train_action.trigger()
    dialog = window.train_dialog
    dialog.epochs.setValue(5)
    dialog.work()  # what Train reads when clicked
    stopped = TrainReport(Path("m.pt"), "h", 3, 2, 0.5, None, 12.0)
    assert dialog.describe(stopped).startswith("Trained 3 epochs (the time budget stopped it before the 5 asked for)")
    whole = TrainReport(Path("m.pt"), "h", 5, 2, 0.5, None, 12.0)
    assert dialog.describe(whole).startswith("Trained 5 epochs in 12.0 s")
    # an epoch cut part-way is said, the last one too (trial Y: a cut run read as whole epochs)
    from sane_desktop.training.budget import BudgetStop

    cut = TrainReport(Path("m.pt"), "h", 3, 2, 0.5, None, 12.0, budget_stop=BudgetStop(5, {"": 3}, ("", 3, 4, 9), 2))
    assert dialog.describe(cut).startswith(
        "Trained 3 epochs (the time budget stopped it part-way through epoch 3, before the 5 asked for)")
    last = TrainReport(Path("m.pt"), "h", 5, 2, 0.5, None, 12.0, budget_stop=BudgetStop(5, {"": 5}, ("", 5, 1, 9), 2))
    assert dialog.describe(last).startswith("Trained 5 epochs (the time budget stopped it part-way through epoch 5) in")


def test_an_index_that_ends_while_asked_or_hidden(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    # a trial: the question stayed up over a finished run; a run ended in the background switched
    # the open catalogue without a word
    import threading

    window = make_window(world)
    dialog = index_dialog_on(window, qtbot, world["source"], "second")
    gate = threading.Event()
    window.tasks.start(lambda _service, _state: gate.wait(60), "Busy…")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(boxes("running-question")), timeout=5000)
    gate.set()  # the run goes on and ends while the question is up
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    qtbot.waitUntil(lambda: not boxes("running-question"), timeout=5000)  # nothing left to ask about
    assert dialog.isVisible() and "Indexed" in dialog.phase.text()
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "second", timeout=60000)

    # again, kept running in the background from "second": the window stays where it is
    window.refresh_catalogues(select="demo")
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "demo", timeout=60000)
    dialog.name.setText("third")
    gate.clear()
    window.tasks.start(lambda _service, _state: gate.wait(60), "Busy…")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer(qtbot, "running-question", "Keep running in the background")
    gate.set()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    qtbot.waitUntil(lambda: "Indexed “third”" in window.statusBar().currentMessage(), timeout=30000)
    assert "in the background: choose it in the catalogue switcher" in window.statusBar().currentMessage()
    settle()
    assert window.catalogue is not None and window.catalogue.name == "demo"


def test_the_index_dialog_offers_to_rebuild_a_damaged_catalogue(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    # a trial: a damaged catalogue could be rebuilt only from the command line (--replace)
    window = make_window(world)
    dialog = index_dialog_on(window, qtbot, world["source"], "second")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None and "Indexed" in dialog.phase.text(), timeout=120000)
    database = world["index"] / "second" / "catalogue.db"
    with database.open("r+b") as handle:
        handle.truncate(4096)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)  # the same folder and name again
    qtbot.waitUntil(lambda: "answer the question" in dialog.phase.text(), timeout=120000)
    # the question is the way out: no red "Failed: …" under it (trial N)
    assert "Failed" not in dialog.phase.text() and not dialog.phase.text().startswith("<")
    box = answer(qtbot, "damaged-question", "&Yes")
    assert "is damaged" in box.text() and "Set it aside" in box.text()
    qtbot.waitUntil(lambda: dialog.task is None and "Indexed" in dialog.phase.text(), timeout=120000)
    assert list((world["index"] / "second").glob("catalogue.damaged-*.db"))  # kept beside, never deleted


def test_a_search_asked_while_training_says_when_it_will_run(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    # a trial waited 30 s on "Searching…" while a training held the worker
    from sane_desktop.gui.screenshots import build_outfit

    window = make_window(world)
    dialog = start_training(window, qtbot, LONG_RUN)
    build_outfit(window, 1)
    qtbot.waitUntil(lambda: window.results.empty.text().startswith("Searching as soon as the training ends"),
                    timeout=10000)
    cancel_and_wait(dialog, qtbot)
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=120000)  # then it ran


def test_the_index_bar_only_moves_forward(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    # a trial saw 100 % while the images were checked, then 34 % for the embedding
    from sane_desktop.gui.train_dialog import BAR_STEPS

    window = make_window(world)
    dialog = index_dialog_on(window, qtbot, world["source"], "second")
    seen: list[int] = []
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    dialog.progress_bar.valueChanged.connect(seen.append)
    qtbot.waitUntil(lambda: dialog.task is None and "Indexed" in dialog.phase.text(), timeout=120000)
    during = [value for value in seen if value != 1]  # the last is the finished bar's (range 0–1)
    assert during and during == sorted(during), during  # forward only, through every phase
    assert max(during) > BAR_STEPS // 2


def test_the_index_dialog_s_name_follows_the_folder_and_its_plan_follows_the_name(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trial: a second folder kept the first folder's name, and a name typed after the folder left
    the table showing the plan for another catalogue (its model), while Start indexed by the name."""
    import shutil

    from sane_desktop.gui.index_dialog import IndexDialog

    other = tmp_path / "other"
    shutil.copytree(world["source"], other)
    window = make_window(world)
    window.index_action.trigger()
    dialog = window.index_dialog
    assert isinstance(dialog, IndexDialog)

    def folder(path: Path) -> None:
        dialog.folder.setFocus()
        dialog.folder.selectAll()
        qtbot.keyClicks(dialog.folder, str(path))
        qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=30000)

    folder(world["source"])
    assert dialog.name.text() == "demo"  # the catalogue built from it (trial EU: not a second one named "source")
    assert "Indexed already as “demo”" in dialog.detected.text()
    folder(other)
    assert dialog.name.text() == "other"  # the name follows the folder while nobody typed one
    dialog.name.setFocus()
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "demo")  # the catalogue already indexed with the world's model
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled() and dialog._planned == (str(other), "demo"), timeout=30000)
    folder(world["source"])
    assert dialog.name.text() == "demo"  # typed: kept whatever the folder
    assert dialog._planned == (str(world["source"]), "demo")


def test_the_clock_counts_the_estimate_down_between_reports(qtbot) -> None:  # type: ignore[no-untyped-def]
    import time

    from PySide6.QtWidgets import QLabel

    from sane_desktop.gui.run_progress import RunClock

    label = QLabel()
    qtbot.addWidget(label)
    now = time.monotonic()
    progress = RunProgress(TRAIN_STAGES, started=now - 60.0)
    progress.update(40, 40, "decoding images", now=now - 20.0)
    progress.update(1, 4, "epoch 1/4", now=now - 20.0)
    progress.update(4, 4, "epoch 2/4", now=now)  # 10 s per epoch: 20 s left in the epochs
    running = [True]
    clock = RunClock(progress, label, lambda: running[0], label)
    clock.start()
    qtbot.waitUntil(lambda: "left in this step" in label.text(), timeout=3000)
    assert label.text() in {f"Training: epoch 2/4 — about {s} s left in this step" for s in (17, 18, 19)}, label.text()
    running[0] = False  # cancelled: the line says "Cancelling…" and the clock leaves it alone
    label.setText("Cancelling…")
    qtbot.wait(1500)
    assert label.text() == "Cancelling…" and not clock.timer.isActive()


def test_a_frozen_trunk_run_gives_the_bar_to_its_attribute_choice(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial H: the bar went from 2 % to 80 % in the seconds the heads trained, then crept through the
    attribute choice that took most of the run. A run that reads cached features (the frozen trunk's
    path) switches to shares that fit it; a from-scratch run keeps its own."""
    from sane_desktop.gui.train_dialog import HEAD_STAGES

    dialog = TrainDialog(None, "demo")  # type: ignore[arg-type]  # its progress handler alone: no worker
    qtbot.addWidget(dialog)
    dialog.run_progress.reset()
    dialog._on_progress(40, 40, "Checking images")
    assert dialog.run_progress.stages is TRAIN_STAGES
    dialog._on_progress(40, 40, "reading images")  # the frozen path's first label
    assert dialog.run_progress.stages is HEAD_STAGES
    for epoch in range(1, 4):
        dialog._on_progress(3, 3, f"epoch {epoch}/3")
    assert dialog.progress_bar.value() <= BAR_STEPS * 0.16  # the epochs: seconds, a sliver of the bar
    dialog._on_progress(60, 121, "attribute choice")
    assert BAR_STEPS * 0.4 < dialog.progress_bar.value() < BAR_STEPS * 0.7  # half the choice: about half the run
    dialog._on_progress(1, 1, "current model, reading images")  # a later stage's label never switches back
    assert dialog.run_progress.stages is HEAD_STAGES
    with pytest.raises(ValueError):
        dialog.run_progress.use_stages(TRAIN_STAGES)  # past the first stage: the division is kept


def test_news_in_the_explanation_panel_says_what_to_do_first_with_an_empty_outfit(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial EU read "The catalogue was re-indexed: click a result to explain it again." with an empty outfit and no
    result to click. With nothing to click, it says to build an outfit first."""
    from gui_helpers import add_by_double_click

    from sane_desktop.gui.main_window import EMPTY_OUTFIT_WORDS

    window = make_window(world)
    assert window._then_click("The catalogue was re-indexed", "explain it again") == \
        f"The catalogue was re-indexed. {EMPTY_OUTFIT_WORDS}"
    add_by_double_click(window, qtbot, "tops")
    assert window._then_click("The catalogue was re-indexed", "explain it again") == \
        "The catalogue was re-indexed: click a result to explain it again."
