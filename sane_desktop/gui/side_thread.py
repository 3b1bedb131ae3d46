"""Calls that need no model, run on a thread of their own rather than the worker that owns the models.

The worker runs one task at a time; a search or an explanation queued behind a file-system walk or a network
connection waits for it (trial EB: removing 200,000 cached thumbnails held a search for 26 s; trial EC: a
shared catalogue's Connect to a server that never answered held one for 10 s). A :class:`SideChannel` runs
one such call at a time, off the GUI thread, and hands its end to the GUI thread; a newer call's start makes
an older one's end unheard. Errors reach the handler in the window's words, as the worker's do
(:func:`~sane_desktop.gui.text.window_message`; a bug's traceback goes to the log).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from sane_desktop.errors import SaneError
from sane_desktop.gui.tasks import bug_message
from sane_desktop.gui.text import window_message

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]


class _Relay(QObject):
    """Carries one call's end to the GUI thread (signals emitted on another thread arrive queued)."""

    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)


class SideChannel:
    """At most one live call: ``start(fn, activity)`` runs ``fn(progress, should_stop)`` on a daemon thread
    named ``sane-side``. ``busy`` until its end is handled; :meth:`stop` asks it to stop (``should_stop()``
    then answers True). A call still running when the app quits ends with the process: use it for work whose
    half-done state is harmless (listing, removing cache files, a connection that only reads)."""

    def __init__(self) -> None:
        self.busy = False
        self._relay: _Relay | None = None
        self._stop = threading.Event()

    def start(self, fn: Callable[[Progress, ShouldStop], Any], activity: str, *,
              on_done: Callable[[Any], None], on_failed: Callable[[str], None],
              on_progress: Callable[[int, int], None] | None = None,
              on_ended: Callable[[], None] | None = None) -> None:
        """Run ``fn``; ``on_done(result)`` or ``on_failed(message)`` on the GUI thread, then ``on_ended()``.
        ``activity`` names it in the log should it fail."""
        # owned by the application, not by Python: the thread's last reference to it may go on that thread, and a
        # QObject must be deleted on the thread it lives on (the GUI's): ended() deletes it there, later
        relay = _Relay(QCoreApplication.instance())
        self._relay, self.busy = relay, True
        self._stop = stop = threading.Event()

        def ended(handler: Callable[[Any], None], value: Any) -> None:
            relay.deleteLater()
            if relay is not self._relay:  # a newer call's start made this one unheard
                return
            self.busy = False
            handler(value)
            if on_ended is not None:
                on_ended()

        relay.done.connect(lambda result: ended(on_done, result))
        relay.failed.connect(lambda message: ended(on_failed, message))
        if on_progress is not None:
            relay.progress.connect(lambda done, total: relay is self._relay and on_progress(done, total))

        def call() -> None:
            try:
                result = fn(relay.progress.emit, stop.is_set)
            except SaneError as error:
                log.warning("%s failed: %s", activity.rstrip("…. "), error)
                relay.failed.emit(window_message(error))
            except Exception as error:  # noqa: BLE001 - a bug: its traceback in the log, a line in the window
                log.exception("%r failed", activity)
                relay.failed.emit(bug_message(error))
            else:
                relay.done.emit(result)

        threading.Thread(target=call, name="sane-side", daemon=True).start()

    def stop(self) -> None:
        """Ask the running call to stop (its ``should_stop()`` says True from now on)."""
        self._stop.set()

    def discard(self) -> None:
        """Forget the running call: its end is not handled (it runs on to its end, unheard)."""
        self._stop.set()
        self._relay, self.busy = None, False
