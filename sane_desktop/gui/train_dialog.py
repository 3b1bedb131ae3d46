""""Train model on this catalogue…": epochs, progress with ETA, a live learning curve, cancel, result."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QSpinBox

from sane_desktop.gui.learning_curve import LearningCurve
from sane_desktop.gui.request_dialog import ModelRequestDialog
from sane_desktop.gui.worker import WorkerClient


class TrainDialog(ModelRequestDialog):
    kind = "train"

    def __init__(self, client: WorkerClient, catalogue: str, parent: Any = None) -> None:
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setToolTip("Passes over the catalogue's training outfits")
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        super().__init__(client, f"Train model on {catalogue}",
                         "Trains the compatibility and attribute models on this catalogue's outfits.", "Train",
                         form, parent)
        self.curve = LearningCurve(self)
        self.layout().insertWidget(1, self.curve)  # under the settings, above the progress bar
        self.setMinimumWidth(520)
        client.worker.partial.connect(self._on_partial)

    def options(self) -> dict[str, Any]:
        return {"epochs": self.epochs.value()}

    def start(self) -> None:
        self.curve.reset(self.epochs.value())
        super().start()

    def _on_partial(self, request_id: int, kind: str, entry: Any) -> None:
        if request_id == self._request and kind == "train":
            self.curve.add_epoch(entry)

    def describe(self, result: Any) -> str:
        fitb, mean_ap = result.get("valid_fitb"), result.get("valid_map")
        score = (f", best validation FITB {fitb:.3f}" if fitb is not None
                 else f", best validation mAP {mean_ap:.3f}" if mean_ap is not None else "")
        vectors = f" ({result['vectors']} vectors)" if result.get("vectors") is not None else ""
        epochs = result.get("epochs")
        return (f"Trained {epochs} epoch{'' if epochs == 1 else 's'} in {result.get('seconds')} s{score}; the catalogue "
                f"was re-indexed with the new model{vectors}.")
