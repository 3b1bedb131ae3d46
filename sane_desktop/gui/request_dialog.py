"""What the index, train and adapt dialogs share: one request in the worker, shown as a progress bar
and a phase line with an ETA, cancelled by the Cancel button (which reads Close when nothing runs)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QProgressBar, QVBoxLayout

from sane_desktop.gui.worker import WorkerClient


def eta_text(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or total <= 0 or done >= total:
        return ""
    remaining = elapsed / done * (total - done)
    return f"about {int(remaining // 60)} min {int(remaining % 60)} s left" if remaining >= 60 else f"about {remaining:.0f} s left"


class RequestDialog(QDialog):
    """Subclasses build ``progress_bar`` and ``phase`` and set ``_request``/``_started`` when they submit."""

    progress_bar: QProgressBar
    phase: QLabel

    def __init__(self, client: WorkerClient, parent: Any = None) -> None:
        super().__init__(parent)
        self.client = client
        self._request: int | None = None
        self._started = 0.0

    def cancel_or_close(self) -> None:
        if self._request is not None:
            self.client.cancel(self._request)
            self.phase.setText("Cancelling…")
        else:
            self.reject()

    def _on_progress(self, request_id: int, done: int, total: int, message: str) -> None:
        if request_id != self._request:
            return
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        eta = eta_text(done, total, time.monotonic() - self._started)
        self.phase.setText(f"{message} {done}/{total}" + (f" — {eta}" if eta else ""))


class ModelRequestDialog(RequestDialog):
    """A dialog that makes the open catalogue a model of its own (train, adapt): an introduction,
    optional settings, a start button, progress, cancel; ``done`` is emitted when the new model
    is in place and the catalogue re-indexed."""

    done = Signal()
    kind = ""  # the worker request this dialog submits

    def __init__(self, client: WorkerClient, title: str, intro: str, action: str,
                 settings: QFormLayout | None = None, parent: Any = None) -> None:
        super().__init__(client, parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.progress_bar = QProgressBar()
        self.phase = QLabel(intro)
        self.phase.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        if settings is not None:
            layout.addLayout(settings)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.phase)
        layout.addWidget(self.buttons)
        client.worker.progress.connect(self._on_progress)
        client.worker.finished.connect(self._on_finished)
        client.worker.errored.connect(self._on_error)

    def options(self) -> dict[str, Any]:
        """Keyword arguments of the request."""
        return {}

    def describe(self, result: Any) -> str:
        """The phase line once the request succeeded."""
        return f"Done: {result}"

    def start(self) -> None:
        self._started = time.monotonic()
        self.progress_bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self._request = self.client.submit(self.kind, **self.options())

    def _on_finished(self, request_id: int, _kind: str, result: Any) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0 if result is None else 1)
        self.phase.setText("Cancelled: the model is unchanged." if result is None else self.describe(result))
        if result is not None:
            self.done.emit()

    def _on_error(self, request_id: int, _kind: str, message: str) -> None:
        if request_id == self._request:
            self._request = None
            self.start_button.setEnabled(True)
            self.progress_bar.setRange(0, 1)
            self.phase.setText(f"<span style='color:#c0392b'>Failed: {message}</span>")
