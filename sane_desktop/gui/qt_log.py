"""Qt's own messages go to the app's log, not the terminal.

Qt prints its warnings on stderr (``qt.qpa.services: Unable to detect a launcher for 'file:///…'`` when no
file manager opens a folder, which the window already says in a box): a new user read them as something
gone wrong (trial EA). Routed through :mod:`logging` as logger ``sane_desktop.qt``, they land in the log
file, and on stderr only where the log goes there too (``--verbose``, or a log folder that cannot be
written). Qt's category ("qt.qpa.services") leads the line.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("sane_desktop.qt")

LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """A Qt message handler (``qInstallMessageHandler``): one log record per message, at its level."""
    category = getattr(context, "category", None) or ""
    prefix = f"{category}: " if category and category != "default" else ""
    log.log(LEVELS.get(kind, logging.WARNING), "%s%s", prefix, message)


def install() -> None:
    """Send Qt's messages to the log from now on (the window's run; the screenshot walk sets its own)."""
    qInstallMessageHandler(to_log)
