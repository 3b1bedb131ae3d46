"""Help → Open log folder, the caches' and the catalogue manager's Show folder: a folder nothing opened is said.

Trial EC: with xdg-open installed but no application for folders, Qt answered that the folder was opened, xdg-open's
errors reached the terminal and the window said nothing. Here a real ``xdg-open`` program (a shell script first on
PATH) ends as xdg-open does: its words go to the log, not the terminal, and its failure reaches the window."""

from __future__ import annotations

import logging
import os
import signal
import stat
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open is the Linux desktop's opener")

from sane_desktop.gui import open_folder as opening  # noqa: E402


def fake_xdg_open(bin_folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_folder.mkdir(exist_ok=True)
    program = bin_folder / "xdg-open"
    program.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("FLATPAK_ID", raising=False)
    monkeypatch.delenv("SNAP", raising=False)


def test_an_xdg_open_that_fails_is_said_and_its_words_are_logged(tmp_path: Path, qtbot, monkeypatch, capfd,  # type: ignore[no-untyped-def]
                                                                caplog) -> None:
    fake_xdg_open(tmp_path / "bin", 'echo "xdg-open: no method available for opening \'$1\'" >&2; exit 3', monkeypatch)
    failed: list[bool] = []
    with caplog.at_level(logging.WARNING, logger="sane_desktop.gui.open_folder"):
        assert opening.open_folder(tmp_path, lambda: failed.append(True))  # started: its end is heard later
        qtbot.waitUntil(lambda: failed == [True], timeout=10000)
    assert "no method available for opening" in caplog.text and "exit status 3" in caplog.text
    assert "no method available" not in capfd.readouterr().err  # not on the terminal


def test_a_chatty_openers_last_words_are_the_ones_logged(tmp_path: Path, qtbot, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """Trial EE: an opener that printed 20,000 lines before its error had only its first lines logged."""
    fake_xdg_open(tmp_path / "bin", "i=0; while [ $i -lt 3000 ]; do echo \"tool line $i\"; i=$((i+1)); done; "
                  "echo 'xdg-open: the last word' >&2; exit 4", monkeypatch)
    failed: list[bool] = []
    with caplog.at_level(logging.WARNING, logger="sane_desktop.gui.open_folder"):
        opening.open_folder(tmp_path, lambda: failed.append(True))
        qtbot.waitUntil(lambda: failed == [True], timeout=20000)
    assert "xdg-open: the last word" in caplog.text and "tool line 0\n" not in caplog.text
    assert len(caplog.text) < opening.SAID_KEPT + 500


def test_an_xdg_open_that_opens_the_folder_says_nothing(tmp_path: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "opened"
    fake_xdg_open(tmp_path / "bin", f'echo "$1" > "{marker}"; exit 0', monkeypatch)
    failed: list[bool] = []
    assert opening.open_folder(tmp_path / "a folder", lambda: failed.append(True))
    qtbot.waitUntil(lambda: not opening._running, timeout=10000)
    assert marker.read_text(encoding="utf-8").strip() == str(tmp_path / "a folder") and failed == []


def test_an_xdg_open_that_runs_the_file_manager_in_its_foreground_is_left_running(tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                                                 monkeypatch) -> None:
    pid_file = tmp_path / "pid"
    fake_xdg_open(tmp_path / "bin", f'echo $$ > "{pid_file}"; sleep 30', monkeypatch)
    monkeypatch.setattr(opening, "OPENER_WAIT_S", 0.5)
    failed: list[bool] = []
    assert opening.open_folder(tmp_path, lambda: failed.append(True))
    qtbot.waitUntil(lambda: not opening._running, timeout=10000)
    pid = int(pid_file.read_text(encoding="utf-8"))
    try:
        os.kill(pid, 0)  # still there: the file manager it runs is not ended by the wait's end
        assert failed == []
    finally:
        os.kill(pid, signal.SIGTERM)


def test_where_qt_opens_it_its_refusal_is_said_at_once(tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(opening, "_xdg_open", lambda: None)  # Windows, macOS, a sandbox's portal
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)
    failed: list[bool] = []
    assert not opening.open_folder(tmp_path, lambda: failed.append(True)) and failed == [True]


def test_help_open_log_folder_says_what_xdg_open_could_not_open(tmp_path: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox, QWidget

    from sane_desktop import logs
    from sane_desktop.gui import about

    fake_xdg_open(tmp_path / "bin", "echo 'xdg-open: no method available' >&2; exit 3", monkeypatch)
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "logs"))
    try:
        logs.configure("test")
        parent = QWidget()
        qtbot.addWidget(parent)
        assert about.open_log_folder(parent)
        qtbot.waitUntil(lambda: any(box.isVisible() for box in parent.findChildren(QMessageBox)), timeout=10000)
        box = next(child for child in parent.findChildren(QMessageBox) if child.isVisible())
        assert box.text().startswith(f"No application opened the log folder. It is {tmp_path / 'logs'}"), box.text()
        box.accept()
    finally:
        logs.unconfigure()
