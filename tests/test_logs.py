"""The app's log (issue 15): a rotating file in the per-user log folder, ``--verbose`` on stderr, the
traceback of a bug (CLI or GUI task) in the file, stderr alone when the folder cannot be written, and
Help → Open log folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from sane_desktop import logs  # noqa: E402


@pytest.fixture
def log_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``SANE_LOG_HOME`` in tmp; whatever a test configured is removed after it."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("SANE_LOG_HOME", str(folder))
    yield folder
    logs.unconfigure()


def test_the_log_goes_to_the_per_user_folder_at_info_never_debug(log_home: Path) -> None:
    assert logs.log_folder() == log_home
    written = logs.configure("test")
    assert written == log_home / logs.LOG_FILE_NAME == logs.log_file()
    logging.getLogger("sane_desktop.somewhere").info("hello from a module")
    logging.getLogger("sane_desktop.somewhere").debug("too chatty")
    text = written.read_text(encoding="utf-8")
    assert "started" in text and "index home" in text  # the start line
    assert "hello from a module" in text and "sane_desktop.somewhere" in text
    assert "too chatty" not in text


def test_the_log_rotates(log_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    logs.configure("test")
    for number in range(400):
        logging.getLogger("sane_desktop.chatty").info("line %d %s", number, "x" * 40)
    files = sorted(path.name for path in log_home.iterdir() if not path.name.startswith("."))  # not the lock
    assert files[0] == logs.LOG_FILE_NAME
    assert f"{logs.LOG_FILE_NAME}.1" in files
    assert len(files) == 1 + logs.BACKUP_COUNT  # the oldest are dropped
    assert all(path.stat().st_size <= 2000 for path in log_home.iterdir())
    assert "line 399" in (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8")


def test_configuring_again_replaces_the_handlers(log_home: Path) -> None:
    logs.configure("test")
    logs.configure("test")
    logging.getLogger("sane_desktop.once").info("only once")
    assert (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8").count("only once") == 1


def test_an_unwritable_folder_falls_back_to_stderr_with_one_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    monkeypatch.setenv("SANE_LOG_HOME", str(blocker / "logs"))
    try:
        assert logs.configure("test") is None and logs.log_file() is None
        logging.getLogger("sane_desktop.x").info("quiet info")
        logging.getLogger("sane_desktop.x").error("loud error")
    finally:
        logs.unconfigure()
    err = capsys.readouterr().err
    assert err.count("cannot write the log") == 1 and "logging to stderr only" in err
    assert "loud error" in err and "quiet info" not in err  # stderr alone: warnings and errors


def test_verbose_mirrors_the_log_to_stderr(log_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.cli import main

    assert main(["--verbose", "import", str(log_home.parent / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "INFO sane_desktop.logs" in err and "started" in err  # the log, on stderr
    assert err.strip().splitlines()[-1].startswith("error: ")  # the one-line error stays as it is
    assert "command import" in (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8")


def test_without_verbose_stderr_has_only_the_error_line(log_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.cli import main

    assert main(["import", str(log_home.parent / "nowhere")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "command import failed" in (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8")


def test_an_unexpected_cli_error_is_one_line_and_its_traceback_is_in_the_log(
        log_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.cli import gui_cmd, main

    def boom(_args: object) -> None:
        raise RuntimeError("kaboom in a handler")

    monkeypatch.setattr(gui_cmd, "run", boom)
    monkeypatch.delenv("SANE_DEBUG", raising=False)
    assert main(["gui"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == ["error: RuntimeError: kaboom in a handler"]
    text = (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: kaboom in a handler" in text
    monkeypatch.setenv("SANE_DEBUG", "1")  # still re-raised for a developer
    with pytest.raises(RuntimeError, match="kaboom"):
        main(["gui"])


def test_a_bug_in_a_gui_task_lands_in_the_log_file_with_its_traceback(log_home: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pytestqt")
    from sane_desktop.gui.tasks import TaskRunner

    def buggy(_owner: object, _state: object) -> int:
        return {}["no-such-key"]  # type: ignore[no-any-return]

    logs.configure("gui")
    runner: TaskRunner[object] = TaskRunner(object())
    try:
        task = runner.start(buggy, "a buggy task")
        with qtbot.waitSignal(task.failed, timeout=5000):
            pass
    finally:
        assert runner.shutdown(5000)
    text = (log_home / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "ERROR sane_desktop.gui.tasks" in text and "a buggy task" in text
    assert "Traceback (most recent call last)" in text and "KeyError: 'no-such-key'" in text


def test_help_open_log_folder_opens_the_log_folder(log_home: Path, tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import QSettings, QUrl
    from PySide6.QtGui import QDesktopServices

    from sane_desktop.gui.main_window import MainWindow
    from sane_desktop.gui.settings import Settings
    from sane_desktop.gui.tasks import TaskRunner
    from sane_desktop.gui.thumbnails import ThumbnailLoader
    from sane_desktop.service import CatalogueService

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url)) or True)
    monkeypatch.setattr("sane_desktop.gui.open_folder._xdg_open", lambda: None)  # Qt opens it (xdg-open: test_open_folder)
    runner: TaskRunner[CatalogueService] = TaskRunner(CatalogueService(tmp_path / "index"))
    try:
        settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(runner, settings, ThumbnailLoader(tmp_path / "thumbs"))
        qtbot.addWidget(window)
        help_menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Help")
        entry = next(action for action in help_menu.actions() if action.text().replace("&", "") == "Open log folder")
        assert not log_home.exists()
        entry.trigger()
    finally:
        assert runner.shutdown(5000)
    assert log_home.is_dir()  # created before it is opened
    assert [url.toLocalFile() for url in opened] == [str(log_home)]


def test_the_about_box_shows_the_log_folder(log_home: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pytestqt")
    from PySide6.QtWidgets import QMessageBox, QWidget

    from sane_desktop.gui import about

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setattr(about, "versions", lambda: {"SANE Desktop": "test"})
    parent = QWidget()
    qtbot.addWidget(parent)
    about.show_about(parent, "CPU")
    assert "Log folder" in shown[0] and str(log_home) in shown[0]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device every write to fails: disk full)")
def test_a_log_file_on_a_full_disk_is_said_once_and_dropped(log_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CR: a full log disk printed a "--- Logging error ---" traceback per message, three per command."""
    written = logs.configure("test")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(written))
    handler.stream = open("/dev/full", "w", encoding="utf-8")  # as the disk holding the log fills
    written.unlink()
    written.symlink_to("/dev/full")  # the log's name is the file written: it is not reopened
    for number in range(3):
        logging.getLogger("sane_desktop.x").warning("message %d", number)
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err, err
    assert err.strip().splitlines() == [f"note: the log file {written} cannot be written (No space left on device): "
                                        "the rest of this run is not logged"], err


def test_a_bad_log_call_keeps_the_log_file(log_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: any error inside a write (a log call's bad format too) dropped the log file for the run, with a
    false "cannot be written" note. Only a failing write (an OSError) does."""
    written = logs.configure("test")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(written))
    bad = logging.LogRecord("sane_desktop.x", logging.WARNING, __file__, 1, "bad %d", ("x",), None)
    handler.handle(bad)  # logging's own report of the bad call on stderr (pytest's capture would raise it)
    handler.handle(logging.LogRecord("sane_desktop.x", logging.WARNING, __file__, 2, "still logged", (), None))
    err = capsys.readouterr().err
    assert "cannot be written" not in err
    assert "still logged" in written.read_text(encoding="utf-8")


def test_a_crash_leaves_every_threads_stack_beside_the_log(tmp_path: Path) -> None:
    """Trial DH's window vanished once with nothing logged (a segfault in a Qt thread-pool thread)."""
    import subprocess
    import sys

    script = ("import faulthandler, pathlib\n"
              "from sane_desktop import logs\n"
              f"assert logs.record_crashes(pathlib.Path({str(tmp_path)!r})) is not None\n"
              "faulthandler._sigsegv()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"})
    assert done.returncode != 0
    said = (tmp_path / "faults.log").read_text(encoding="utf-8")
    assert said.startswith("sane-desktop ") and " pid " in said.splitlines()[0]
    assert "Segmentation fault" in said and 'File "<string>", line 4' in said, said


def test_a_log_rotated_by_another_process_is_followed(log_home: Path) -> None:
    """Trial DW: after a command rotated the log, an open window wrote on into ``.log.1``, and rotated again
    at its next line (a 399-byte backup, the backups out of time order). A write follows the log to the file
    now at its name."""
    written = logs.configure("test")
    assert written is not None
    logging.getLogger("sane_desktop.window").info("before")
    written.rename(written.with_name(f"{logs.LOG_FILE_NAME}.1"))  # as another process rotates it
    written.write_text("another process's line\n", encoding="utf-8")
    logging.getLogger("sane_desktop.window").info("after the rotation")
    assert "after the rotation" in written.read_text(encoding="utf-8")
    assert "after the rotation" not in written.with_name(f"{logs.LOG_FILE_NAME}.1").read_text(encoding="utf-8")
    assert f"[{os.getpid()} MainThread]" in written.read_text(encoding="utf-8")  # whose line it is


def test_processes_rotating_one_log_at_once_all_keep_logging(log_home: Path) -> None:
    """Trial DW: three processes logging at once, the log rotating; in 3 runs of 9 one of them found the file
    gone at its rotation ("… -> sane-desktop.log.1") and logged nothing more for the rest of its run."""
    import subprocess
    import sys

    script = (
        "import logging, sys\n"
        "from sane_desktop import logs\n"
        "logs.MAX_BYTES = 30_000\n"
        "logs.configure('test')\n"
        "log = logging.getLogger('sane_desktop.stress')\n"
        "for number in range(500):\n"
        "    log.info('process %s line %d %s', sys.argv[1], number, 'x' * 24)\n"
        "log.info('process %s done', sys.argv[1])\n"
    )
    env = {**os.environ, "SANE_LOG_HOME": str(log_home)}
    runs = [subprocess.Popen([sys.executable, "-c", script, str(n)], env=env, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent) for n in range(3)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert all(run.returncode == 0 for run in runs), errors
    assert not any("cannot be written" in err or "Logging error" in err for err in errors), errors
    kept = [path for path in log_home.iterdir() if not path.name.startswith(".")]
    # it rotated; the files hold all that was written (~160 kB; the padding 6 characters shorter since each line's
    # time carries its UTC offset)
    assert len(kept) == 1 + logs.BACKUP_COUNT
    lines = [line for path in kept for line in path.read_text(encoding="utf-8").splitlines() if "stress" in line]
    for n in range(3):  # every line of every process, once
        own = sorted(int(line.split(" line ")[1].split()[0]) for line in lines if f"process {n} line" in line)
        assert own == list(range(500)), f"process {n} lost {500 - len(set(own))} lines"
        assert sum(f"process {n} done" in line for line in lines) == 1


def test_the_about_box_and_open_log_folder_say_when_there_is_no_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DW: with the log folder read-only (here: a file in its place) the About box showed it as the log's
    folder, and with no file manager Help → Open log folder did nothing visible."""
    pytest.importorskip("pytestqt")
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox, QWidget

    from sane_desktop.gui import about

    blocked = tmp_path / "logs"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("SANE_LOG_HOME", str(blocked))
    try:
        assert logs.configure("test") is None
        assert "not written" in about.log_words() and str(blocked) in about.log_words()
    finally:
        logs.unconfigure()
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "fine"))
    try:
        logs.configure("test")
        assert about.log_words() == str(tmp_path / "fine")
        monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)  # no file manager
        monkeypatch.setattr("sane_desktop.gui.open_folder._xdg_open", lambda: None)
        parent = QWidget()
        qtbot.addWidget(parent)
        assert not about.open_log_folder(parent)
        box = next(child for child in parent.findChildren(QMessageBox) if child.isVisible())
        assert f"No application opened the log folder. It is {tmp_path / 'fine'}" in box.text(), box.text()
        box.accept()
    finally:
        logs.unconfigure()


def test_log_times_carry_their_offset_from_utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial EO: two processes five seconds apart, one under TZ=Pacific/Kiritimati and one under America/Adak,
    wrote "2026-12-08 05:17:12" and then "2026-12-07 05:17:17" into one log: the later line read a day earlier."""
    import re
    import time

    if not hasattr(time, "tzset"):
        pytest.skip("no time.tzset on this system")
    lines = []
    try:
        for zone in ("Pacific/Kiritimati", "America/Adak"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            logs.configure("cli", folder=tmp_path / zone.replace("/", "-"))
            try:
                logging.getLogger("sane_desktop.test").warning("in %s", zone)
            finally:
                logs.unconfigure()
            lines.append((tmp_path / zone.replace("/", "-") / logs.LOG_FILE_NAME).read_text(encoding="utf-8"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamp = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} ([+-]\d{4}) WARNING sane_desktop.test .* in "
    offsets = [re.search(stamp, text, re.MULTILINE) for text in lines]
    assert all(offsets), lines
    assert [found.group(1) for found in offsets if found] == ["+1400", "-1000"] or \
        [found.group(1) for found in offsets if found] == ["+1400", "-0900"], lines  # Adak: -10 winter, -9 summer


def test_an_error_is_said_once_when_the_log_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial EO, a read-only home: each error came twice on stderr, as a timestamped log line ("WARNING
    sane_desktop.cli … command index failed: …") and as the command's "error:" line."""
    from sane_desktop.cli import main

    (tmp_path / "blocker").write_text("a file where the log's folder goes")
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "blocker" / "log"))
    assert main(["--index-home", str(tmp_path / "home"), "query", "nothing", "--outfit", "x"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "no indexed catalogue named 'nothing'" in line] == [
        next(line for line in err if line.startswith("error: "))], err
    assert any("cannot write the log" in line for line in err), err  # why the log is on stderr is still said
