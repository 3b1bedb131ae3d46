"""Qt's own warnings reach the app's log, not the terminal: trial EA read Qt's "Unable to detect a launcher" on
stderr, after the window had already said in a box that nothing opened the log folder."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler, qWarning  # noqa: E402

from sane_desktop.gui import qt_log  # noqa: E402


def test_a_qt_warning_is_a_log_record_and_nothing_on_stderr(caplog: pytest.LogCaptureFixture,
                                                             capfd: pytest.CaptureFixture[str]) -> None:
    previous = qInstallMessageHandler(qt_log.to_log)
    try:
        with caplog.at_level(logging.DEBUG, logger="sane_desktop.qt"):
            qWarning("no launcher for file:///tmp/log")
    finally:
        qInstallMessageHandler(previous)
    records = [r for r in caplog.records if r.name == "sane_desktop.qt"]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.WARNING, "no launcher for file:///tmp/log")]
    assert "no launcher" not in capfd.readouterr().err


def test_each_kind_keeps_its_level(caplog: pytest.LogCaptureFixture) -> None:
    context = QMessageLogContext()
    with caplog.at_level(logging.DEBUG, logger="sane_desktop.qt"):
        for kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg, QtMsgType.QtCriticalMsg):
            qt_log.to_log(kind, context, "said")
    assert [r.levelno for r in caplog.records if r.name == "sane_desktop.qt"] == [logging.DEBUG, logging.INFO,
                                                                                    logging.ERROR]
    assert all(r.getMessage() == "said" for r in caplog.records if r.name == "sane_desktop.qt")
