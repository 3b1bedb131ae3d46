""""Train model on this catalogue…": epochs, progress with ETA, a live learning curve, cancel, result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFormLayout, QSpinBox

from sane_desktop.gui.learning_curve import LearningCurve
from sane_desktop.gui.request_dialog import ModelRequestDialog
from sane_desktop.gui.tasks import Task, TaskFn, TaskRunner, TaskState
from sane_desktop.service.values import TrainReport

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

Epoch = dict[str, Any]  # one entry of the training history: epoch, losses, validation scores


class TrainDialog(ModelRequestDialog[TrainReport]):
    activity = "Training…"

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, parent: Any = None) -> None:
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setToolTip("Passes over the catalogue's training outfits")
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        super().__init__(tasks, f"Train model on {catalogue}",
                         "Trains the compatibility and attribute models on this catalogue's outfits.", "Train",
                         form, parent)
        self.curve = LearningCurve(self)
        self.body.insertWidget(1, self.curve)  # under the settings, above the progress bar
        self.setMinimumWidth(520)

    def work(self) -> TaskFn[CatalogueService, Epoch, TrainReport]:
        epochs = self.epochs.value()

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
        return (f"Trained {epochs} epoch{'' if epochs == 1 else 's'} in {result.seconds:.1f} s{score}; the catalogue "
                f"was re-indexed with the new model{vectors}.")
