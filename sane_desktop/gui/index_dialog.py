""""Index catalogue folder…": choose a folder, see its format and item count, index it in the worker
with a progress bar, ETA and cancel, then a summary of what was skipped and why."""

from __future__ import annotations

import time
from typing import Any

import qtawesome as qta
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QProgressBar, QPushButton, QVBoxLayout,
)

from sane_desktop.gui.request_dialog import RequestDialog
from sane_desktop.gui.worker import WorkerClient
from sane_desktop.service import FolderReport


class IndexDialog(RequestDialog):
    indexed = Signal(str)  # catalogue name

    def __init__(self, client: WorkerClient, parent: Any = None) -> None:
        super().__init__(client, parent)
        self.setWindowTitle("Index catalogue folder")
        self.setMinimumWidth(560)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("A catalogue folder (Polyvore layout, manifest + mapping, or plain images)")
        browse = QPushButton(qta.icon("mdi6.folder-open-outline"), "Choose…")
        browse.clicked.connect(self.choose_folder)
        self.name = QLineEdit()
        self.name.setToolTip("Name of the catalogue in the switcher (default: the folder's name)")
        self.detected = QLabel("Choose a folder to see its format and item count.")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.phase = QLabel()
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start indexing", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setIcon(qta.icon("mdi6.play"))
        self.start_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Name", self.name)
        form.addRow("Detected", self.detected)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.phase)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.folder.editingFinished.connect(lambda: self.inspect(self.folder.text()))
        client.worker.progress.connect(self._on_progress)
        client.worker.finished.connect(self._on_finished)
        client.worker.errored.connect(self._on_error)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Catalogue folder")
        if chosen:
            self.folder.setText(chosen)
            self.inspect(chosen)

    def inspect(self, folder: str) -> None:
        if folder:
            self.detected.setText("Inspecting…")
            self.start_button.setEnabled(False)
            self._inspect_request = self.client.submit("inspect", root=folder)

    def start(self) -> None:
        self.summary.setVisible(False)
        self._started = time.monotonic()
        self.progress_bar.setRange(0, 0)  # busy until the first progress report
        self.phase.setText("Starting…")
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self._request = self.client.submit("index", root=self.folder.text(), name=self.name.text() or None)

    def _on_finished(self, request_id: int, kind: str, result: Any) -> None:
        if kind == "inspect" and request_id == getattr(self, "_inspect_request", None) and result is not None:
            report: FolderReport = result
            self.detected.setText(f"{report.format} catalogue, {report.items} items")
            self.name.setText(self.name.text() or report.name)
            self.start_button.setEnabled(report.items > 0)
        if request_id != self._request:
            return
        self._request = None
        self.cancel_button.setText("Close")
        self.progress_bar.setRange(0, 1)
        if result is None:
            self.progress_bar.setValue(0)
            self.phase.setText("Cancelled: nothing was changed.")
            self.start_button.setEnabled(True)
            return
        self.progress_bar.setValue(1)
        skipped = result.get("skipped", [])
        self.phase.setText(f"Indexed {result['items']} items, {result['outfits']} outfits in "
                           f"{time.monotonic() - self._started:.1f} s; {len(skipped)} skipped.")
        if skipped:
            self.summary.setPlainText("\n".join(f"{s['kind']} {s['id']} ({s['path']}): {s['reason']}" for s in skipped))
            self.summary.setVisible(True)
        self.indexed.emit(result["name"])

    def _on_error(self, request_id: int, kind: str, message: str) -> None:
        if kind == "inspect" and request_id == getattr(self, "_inspect_request", None):
            self.detected.setText(f"<span style='color:#c0392b'>{message}</span>")
        elif request_id == self._request:
            self._request = None
            self.progress_bar.setRange(0, 1)
            self.phase.setText(f"<span style='color:#c0392b'>Failed: {message}</span>")
            self.cancel_button.setText("Close")
            self.start_button.setEnabled(True)

    def closeEvent(self, event: Any) -> None:
        if self._request is not None:
            self.client.cancel(self._request)
        super().closeEvent(event)
