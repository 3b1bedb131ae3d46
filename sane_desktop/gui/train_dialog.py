""""Train model on this catalogue…": epochs, progress with ETA, cancel, result."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QSpinBox

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

    def options(self) -> dict[str, Any]:
        return {"epochs": self.epochs.value()}

    def describe(self, result: Any) -> str:
        return f"Trained: {result}"
