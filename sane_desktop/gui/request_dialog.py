"""What the index and train dialogs share: one request in the worker, shown as a progress bar and
a phase line with an ETA, cancelled by the Cancel button (which reads Close when nothing runs)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QProgressBar

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
