""""Train model on this catalogue…": epochs, progress with ETA, a live learning curve, cancel, result.

A run outlives its dialog's closing: Escape or the close button while it runs asks whether to keep
it running in the background (File → Train shows this same dialog again) or to cancel it
(:class:`ModelRunDialog`, which the adapt dialog shares). The progress bar covers the whole run —
reading the images, the epochs, the attribute choice, the re-index — as shares of one bar that only
moves forward, with an estimate for the whole run (:class:`RunProgress`)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QFormLayout, QSpinBox

from sane_desktop.gui.learning_curve import LearningCurve
from sane_desktop.gui.request_dialog import BackgroundRun, ModelRequestDialog
from sane_desktop.gui.tasks import Task, TaskFn, TaskRunner, TaskState
from sane_desktop.gui.text import set_plain
from sane_desktop.service.values import TrainReport

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

R = TypeVar("R")
Epoch = dict[str, Any]  # one entry of the training history: epoch, losses, validation scores
BAR_STEPS = 1000  # the bar's range: a long run still moves visibly
EPOCH_LABEL = re.compile(r"epoch (\d+)/(\d+)")


# --- one bar over the whole run ---------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One part of a run: its ``title`` (said before the step's own words), its ``share`` of the bar,
    and where each of its progress labels sits inside it (label -> start, end, as fractions of the
    stage). ``epochs``: the stage's labels are "epoch e/E"."""

    title: str
    share: float
    labels: dict[str, tuple[float, float]]
    epochs: bool = False

    def knows(self, message: str) -> bool:
        return bool(EPOCH_LABEL.fullmatch(message)) if self.epochs else message in self.labels

    def position(self, done: int, total: int, message: str) -> float | None:
        """How far into this stage ``message`` at ``done/total`` is (0–1), None when it does not say."""
        step = min(1.0, done / total) if total > 0 else 0.0
        if self.epochs:
            match = EPOCH_LABEL.fullmatch(message)
            if match is None:
                return None
            epoch, epochs = int(match[1]), max(1, int(match[2]))
            return min(1.0, (epoch - 1 + step) / epochs)
        if message not in self.labels:
            return None
        start, end = self.labels[message]
        return start + (end - start) * step


# The labels the core reports, in the order a run reports them: reading the catalogue and checking its
# images (catalogue), decoding them or computing the frozen trunk's features (training), the epochs
# (training loop), fitting the explanation's attribute choice, then the re-index with the new model
# (import again, embed, build the FAISS index). The shares fit a catalogue of a few thousand items.
READING = {"Reading catalogue": (0.0, 0.05), "Checking images": (0.05, 0.35)}
REINDEX = Stage("Re-indexing with the new model", 0.15,
                {**READING, "embedding": (0.35, 0.95), "building index": (0.95, 1.0)})
TRAIN_STAGES = (
    Stage("Reading the images", 0.10, {**READING, "decoding images": (0.35, 1.0), "reading images": (0.35, 0.55),
                                       "computing image features": (0.55, 1.0)}),
    Stage("Training", 0.70, {}, epochs=True),
    Stage("Choosing the attributes that explanations name", 0.05, {"attribute choice": (0.0, 1.0)}),
    REINDEX,
)


def whole_run_eta(remaining: float) -> str:
    """The time left for the whole run, in words."""
    if remaining >= 60:
        return f"about {int(remaining // 60)} min {int(remaining % 60)} s left in all"
    return f"about {max(1, round(remaining))} s left in all"


class RunProgress:
    """Turns a run's progress reports — each stage counting from 0 again — into one fraction of the
    whole run that never goes back, and a line with an estimate for the whole run.

    A report goes to the first stage, from the current one on, that knows its label (see
    :meth:`_stage_for`); a label no stage knows keeps the bar where it is. The estimate: during the
    epochs, their pace so far for the epochs left plus, for the attribute choice and the re-index, as
    long as reading the images took (the re-index reads them again); before the epochs none (nothing
    to go by yet); after them, the pace of the run so far."""

    def __init__(self, stages: Sequence[Stage], started: float | None = None) -> None:
        self.stages = tuple(stages)
        self.reset(started)

    def reset(self, started: float | None = None) -> None:
        """A new run, begun at ``started`` (time.monotonic(); now when None)."""
        self.started = time.monotonic() if started is None else started
        self.stage = 0
        self.fraction = 0.0
        self._furthest = 0.0  # the furthest label the current stage has reported (its start)
        self._stage_began: dict[int, tuple[float, float]] = {}  # stage -> (time, fraction) when it began

    def _stage_for(self, message: str) -> int:
        """The first stage from the current one on that knows ``message``; in the current stage, a
        label from before where the stage has got to (the re-index reading the catalogue again)
        belongs to a later one."""
        for index in range(self.stage, len(self.stages)):
            stage = self.stages[index]
            if not stage.knows(message):
                continue
            if index == self.stage and not stage.epochs and stage.labels[message][0] < self._furthest:
                continue
            return index
        return self.stage  # a label no stage knows: the bar stays where it is

    def _stage_start(self, index: int) -> float:
        return sum(stage.share for stage in self.stages[:index])

    def update(self, done: int, total: int, message: str, now: float | None = None) -> tuple[float, str]:
        """The run's fraction done (0–1, never less than before) and the line to show."""
        now = time.monotonic() if now is None else now
        index = self._stage_for(message)
        if index != self.stage:
            self.stage, self._furthest = index, 0.0
        stage = self.stages[index]
        if stage.knows(message) and not stage.epochs:
            self._furthest = max(self._furthest, stage.labels[message][0])
        self._stage_began.setdefault(index, (now, self.fraction))
        position = stage.position(done, total, message)
        if position is not None:
            self.fraction = max(self.fraction, min(1.0, self._stage_start(index) + stage.share * position))
        words = message if total <= 0 or stage.epochs else f"{message} {done}/{total}"
        line = f"{stage.title}: {words}" if words else stage.title
        eta = self._eta(now, stage)
        return self.fraction, line + (f" — {eta}" if eta else "")

    def _eta(self, now: float, stage: Stage) -> str:
        if stage.epochs:
            began, at = self._stage_began[self.stage]
            share_done = self.fraction - at
            if share_done <= 0:
                return ""
            pace = (now - began) / share_done  # seconds per unit of the bar, in the epochs
            epochs_left = self._stage_start(self.stage) + stage.share - self.fraction
            reading = began - self.started  # reading the images: the re-index reads them again
            return whole_run_eta(pace * epochs_left + reading)
        epoch_stage = next((i for i, s in enumerate(self.stages) if s.epochs), None)
        if epoch_stage is not None and self.stage < epoch_stage:
            return ""  # still reading the images: nothing to go by yet
        if self.fraction <= 0.05 or self.fraction >= 1.0:
            return ""
        elapsed = now - self.started
        return whole_run_eta(elapsed / self.fraction * (1.0 - self.fraction))


# --- a run that can go on in the background ---------------------------------------------------------
class ModelRunDialog(BackgroundRun, ModelRequestDialog[R]):
    """A model dialog whose run is never lost by closing it (:class:`BackgroundRun`); the Cancel
    button reads Cancel whenever a run goes. The bar covers the whole run (``stages``, see
    :class:`RunProgress`)."""

    stages: Sequence[Stage] = ()

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, title: str, intro: str, action: str,
                 settings: QFormLayout | None = None, parent: Any = None) -> None:
        super().__init__(tasks, title, intro, action, settings, parent)
        self.catalogue = catalogue  # the window shows this dialog again only for the same catalogue
        self.run_progress = RunProgress(self.stages)

    def start(self) -> Task[R, Any]:
        self.run_progress.reset()
        task = super().start()  # the bar is busy until the first report
        self.cancel_button.setText("Cancel")  # a run before this one left it reading "Close"
        return task

    def _on_progress(self, done: int, total: int, message: str) -> None:
        fraction, line = self.run_progress.update(done, total, message)
        self.progress_bar.setRange(0, BAR_STEPS)
        self.progress_bar.setValue(round(fraction * BAR_STEPS))
        set_plain(self.phase, line)


class TrainDialog(ModelRunDialog[TrainReport]):
    activity = "Training…"
    run_words = "The training"
    menu_entry = "File → Train model on this catalogue…"
    cancel_words = "Cancel the training"
    stages = TRAIN_STAGES

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, parent: Any = None, *,
                 has_outfits: bool = True) -> None:
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setToolTip("Passes over the catalogue's training outfits")
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        intro = ("Trains the compatibility and attribute models on this catalogue's outfits. The new model "
                 "replaces the current one only if it answers the validation questions at least as well."
                 if has_outfits else
                 "This catalogue has no outfits: training learns its labelled attributes only (explanations then "
                 "name them), and no matches — every search with the new model ranks by looks (look-alikes), "
                 "not by what goes together. Keep the current model for compatibility picks.")
        super().__init__(tasks, catalogue, f"Train model on {catalogue}", intro, "Train", form, parent)
        self.requested = 0  # the epochs the last run was asked for
        self.curve = LearningCurve(self)
        self.body.insertWidget(1, self.curve)  # under the settings, above the progress bar
        self.setMinimumWidth(520)

    def work(self) -> TaskFn[CatalogueService, Epoch, TrainReport]:
        epochs = self.requested = self.epochs.value()

        def train(service: CatalogueService, state: TaskState[Epoch]) -> TrainReport:
            return service.train(progress=state.progress, should_stop=state.should_stop, epochs=epochs,
                                 on_epoch=state.partial)  # each epoch feeds the learning curve

        return train

    def start(self) -> Task[TrainReport, Any]:
        self.curve.reset(self.epochs.value())
        return super().start().on_partial(self.curve.add_epoch)

    def describe(self, result: TrainReport) -> str:
        fitb, mean_ap = result.valid_fitb, result.valid_map
        score = (f", best validation FITB {fitb:.3f}" if fitb is not None
                 else f", best validation mAP {mean_ap:.3f}" if mean_ap is not None else "")
        vectors = f" ({sum(result.vectors.values())} vectors)" if result.vectors is not None else ""
        epochs = result.epochs
        # the time budget, not the count asked for, ended it: another run here may train more epochs
        budget = (f" (the time budget stopped it before the {self.requested} asked for)"
                  if 0 < epochs < self.requested else "")
        trained = f"Trained {epochs} epoch{'' if epochs == 1 else 's'}{budget} in {result.seconds:.1f} s{score}"
        if result.kept:  # not better than the model the catalogue has: nothing was replaced
            return f"{trained}; not used: {result.kept}."
        return f"{trained}; the catalogue was re-indexed with the new model{vectors}."
