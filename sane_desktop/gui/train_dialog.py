""""Train model on this catalogue…": epochs, progress with ETA, cancel, result."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QProgressBar, QSpinBox, QVBoxLayout

from sane_desktop.gui.request_dialog import RequestDialog
from sane_desktop.gui.worker import WorkerClient


class TrainDialog(RequestDialog):
    trained = Signal()

    def __init__(self, client: WorkerClient, catalogue: str, parent: Any = None) -> None:
        super().__init__(client, parent)
        self.setWindowTitle(f"Train model on {catalogue}")
        self.setMinimumWidth(440)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setToolTip("Passes over the catalogue's training outfits")
        self.progress_bar = QProgressBar()
        self.phase = QLabel("Trains the compatibility and attribute models on this catalogue's outfits.")
        self.phase.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Train", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.phase)
        layout.addWidget(self.buttons)
        client.worker.progress.connect(self._on_progress)
        client.worker.finished.connect(self._on_finished)
        client.worker.errored.connect(self._on_error)

    def start(self) -> None:
        self._started = time.monotonic()
        self.progress_bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self._request = self.client.submit("train", epochs=self.epochs.value())

    def _on_finished(self, request_id: int, _kind: str, result: Any) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0 if result is None else 1)
        self.phase.setText("Cancelled." if result is None else f"Trained: {result}")
        if result is not None:
            self.trained.emit()

    def _on_error(self, request_id: int, _kind: str, message: str) -> None:
        if request_id == self._request:
            self._request = None
            self.start_button.setEnabled(True)
            self.progress_bar.setRange(0, 1)
            self.phase.setText(f"<span style='color:#c0392b'>Failed: {message}</span>")
