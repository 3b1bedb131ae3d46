"""SIGTERM, SIGHUP and SIGINT end the window as File → Quit → "Quit anyway" does.

Without a handler a ``kill``, a session's logout or Ctrl+C in the starting terminal ended the process at once:
no log line, the settings' last state unsaved, and a Train's writer files left beside the catalogue (trial EP).
Python runs a signal's handler only between bytecodes, which Qt's event loop (C++) may not reach for long:
``signal.set_wakeup_fd`` writes each signal to a socket that a ``QSocketNotifier`` watches, so the loop wakes
and the handler runs at once.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

logger = logging.getLogger(__name__)

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


def end_on_signals(owner: QObject, end: Callable[[int], None]) -> None:
    """From now on each of :data:`SIGNALS` calls ``end(signal number)`` in the GUI thread, once the event loop
    runs; the handlers and the socket live as long as ``owner``. Call from the main thread."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        signal.set_wakeup_fd(writer.fileno())
    except ValueError:  # not the main thread: Python's default handling stays
        reader.close()
        writer.close()
        return
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, owner)

    def drain() -> None:  # the handler below has run by now (Python runs it before this slot's code)
        try:
            reader.recv(64)
        except OSError:
            pass

    notifier.activated.connect(drain)
    ended: list[int] = []

    def handler(number: int, _frame: object) -> None:
        if not ended:  # a second signal while quitting changes nothing
            ended.append(number)
            logger.info("%s received: quitting as Quit anyway does", signal.Signals(number).name)
            QTimer.singleShot(0, lambda: end(number))

    for number in SIGNALS:
        signal.signal(number, handler)

    def release() -> None:
        signal.set_wakeup_fd(-1)
        reader.close()
        writer.close()

    owner.destroyed.connect(release)
    logger.info("a %s quits as Quit anyway does", ", ".join(signal.Signals(n).name for n in SIGNALS))
