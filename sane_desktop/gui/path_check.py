"""A look at a path the person typed (does it name a folder?) off the GUI thread.

A ``stat`` is quick on a local disk, but a path on a network share that stopped answering blocks
the call for as long as the share does: on the GUI thread that froze the window. The look runs on a
daemon thread of its own (one per look; these are few and the person asked for each), never on the
worker, which may be busy loading the models for seconds; the answer reaches the GUI thread through a
queued signal, and only the newest look of a :class:`PathCheck` is answered, so a slow answer for
an older path never overrides a newer one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

__all__ = ["PathCheck", "is_folder"]


def is_folder(text: str) -> bool:
    """Whether ``text`` (``~`` expanded) names a folder; False when it cannot be looked at."""
    try:
        return Path(text).expanduser().is_dir()
    except (OSError, ValueError, RuntimeError):  # ValueError: a NUL byte; RuntimeError: no home for ``~``
        return False


class PathCheck(QObject):
    """``ask(text, then)``: ``then(text, answer)`` on the GUI thread once ``check(text)`` has run on a
    thread of its own, unless another ``ask`` came meanwhile (its answer is dropped)."""

    _answered = Signal(int, str, bool)

    def __init__(self, check: Callable[[str], bool] = is_folder, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self._asked = 0
        self._then: Callable[[str, bool], None] | None = None
        self._answered.connect(self._deliver)  # queued: emitted from the look's own thread

    def ask(self, text: str, then: Callable[[str, bool], None]) -> None:
        self._asked += 1
        self._then = then
        asked, check, answered = self._asked, self.check, self._answered

        def look() -> None:
            answer = check(text)
            try:
                answered.emit(asked, text, answer)
            except RuntimeError:  # the dialog closed meanwhile: nobody is waiting
                pass

        threading.Thread(target=look, name="path-check", daemon=True).start()

    @property
    def pending(self) -> bool:
        """Whether the newest look has not answered yet."""
        return self._then is not None

    def _deliver(self, asked: int, text: str, answer: bool) -> None:
        then = self._then
        if asked != self._asked or then is None:
            return
        self._then = None
        then(text, answer)
