"""The app's log: stdlib :mod:`logging`, configured here once per process by the front end (the CLI's
``main``, the GUI's ``run``).

The app's records at INFO and above (other libraries' at WARNING and above) go to a rotating file
in the per-user log folder (:func:`sane_desktop.paths.user_log_dir`, ``SANE_LOG_HOME`` overrides):
``sane-desktop.log``, :data:`MAX_BYTES` each, :data:`BACKUP_COUNT` old files kept. ``verbose`` (the CLI's ``--verbose``)
mirrors it to stderr. Nothing is logged at DEBUG. When the folder cannot be written the app still
runs: the log goes to stderr (warnings and errors only, unless verbose) after one warning saying so.

Modules log with ``logging.getLogger(__name__)``; this module never imports Qt.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from sane_desktop import __version__, paths
from sane_desktop.errors import without_passwords

LOG_FILE_NAME = "sane-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
APP_LOGGER = "sane_desktop"  # the package's loggers: INFO and above; other libraries': WARNING and above
# the process too: a window and the commands beside it write one log (trial DW could not tell their lines apart)
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d %(threadName)s] %(message)s"
LOCK_WAIT = 2.0  # seconds a write waits for another process's write or rotation before writing anyway

_installed: list[logging.Handler] = []  # the handlers configure() added to the root logger
_log_file: Path | None = None


def log_folder() -> Path:
    """Where the log file lives (it may not exist yet)."""
    return paths.user_log_dir()


def log_file() -> Path | None:
    """The file the log is written to now; None before :func:`configure` or when it fell back to stderr."""
    return _log_file


def configured() -> bool:
    return bool(_installed)


class _WithoutPasswords(logging.Formatter):
    """Log lines (tracebacks too) with database URLs' passwords written ``***``: the log is meant to
    be attached to a problem report (a trial found a ``--db`` password in it)."""

    def format(self, record: logging.LogRecord) -> str:
        return without_passwords(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's
        """Local time with its offset from UTC ("2026-12-07 15:17:12,752 +0000"): processes in other time zones
        write one log, and trial EO read a line five seconds later as a day earlier."""
        local = self.converter(record.created)
        return f"{time.strftime('%Y-%m-%d %H:%M:%S', local)},{int(record.msecs):03d} {time.strftime('%z', local)}"


# a record logged with ``extra={TELL_USER: True}`` is also for the person at the terminal: the command line shows
# it on stderr as a ``note:`` line (a database upgraded in place, which an earlier version no longer opens)
TELL_USER = "tell_user"


def for_user(record: logging.LogRecord) -> bool:
    """Whether ``record`` was logged for the person too (``extra={TELL_USER: True}``)."""
    return bool(getattr(record, TELL_USER, False))


def user_words(record: logging.LogRecord) -> str:
    """A record for the person, as they read it: its message, without passwords."""
    return without_passwords(record.getMessage())


# a record logged with ``extra={SAID: True}`` is one the command line says itself (its "error:" line): stderr, which
# takes the log's warnings where the log file cannot be written, leaves it out (trial EO read each error twice)
SAID = "said_to_user"


class _NotSaidFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, SAID, False)


class _NoteFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return for_user(record)


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, which stops at its first failed write with one line on stderr: a full log disk
    printed a "--- Logging error ---" traceback per message, three per command (trial CR), the work unharmed.

    Several processes write it at once (a window and the commands run beside it). Each write holds a lock file
    beside the log (``filelock``, released by the OS should the process die) and first follows the log to the
    file now at its name, so that one process rotates at a time and none writes on into a file another rotated:
    trial DW's process found the file gone at its own rotation and stopped logging for good, and a window wrote
    on into ``.log.1`` after a command rotated it."""

    failed = False

    def __init__(self, filename: Path, **kwargs: Any) -> None:
        super().__init__(filename, **kwargs)
        self._between_processes = FileLock(str(Path(filename).with_name(f".{Path(filename).name}.lock")),
                                           thread_local=False)

    def emit(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        try:
            self._between_processes.acquire(timeout=LOCK_WAIT)
        except (Timeout, OSError):  # a process stuck holding it, or no lock file can be made: written anyway
            super().emit(record)
            return
        try:
            self._follow()
        except OSError:
            self.handleError(record)
            return
        else:
            super().emit(record)
        finally:
            self._between_processes.release()

    def _follow(self) -> None:
        """Reopen the log when the file at its name is not the one this process writes (rotated by another)."""
        if self.stream is None:
            return
        try:
            there = os.stat(self.baseFilename)
        except FileNotFoundError:
            there = None
        if there is None or not os.path.samestat(there, os.fstat(self.stream.fileno())):
            self.stream.close()
            self.stream = self._open()

    def rotate(self, source: str, dest: str) -> None:
        try:
            super().rotate(source, dest)
        except FileNotFoundError:  # rotated meanwhile by a process that takes no lock (an earlier build)
            pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the buffered rest of a failed log: nowhere to put it
            if self.stream is not None:
                with contextlib.suppress(OSError):
                    self.stream.close()
            self.stream = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):  # a log call's own fault (a bad format): logging's report, the file kept
            super().handleError(record)
            return
        if self.failed:
            return
        self.failed = True
        reason = error.strerror or str(error) or "write failed"
        with contextlib.suppress(Exception):  # stderr gone too: nothing more to say it on
            print(f"note: the log file {self.baseFilename} cannot be written ({reason}): the rest of this run is "
                  "not logged", file=sys.stderr)


def configure(interface: str, *, verbose: bool = False, folder: Path | None = None) -> Path | None:
    """Send the process's log to the rotating file in ``folder`` (default :func:`log_folder`) and,
    with ``verbose``, to stderr; ``interface`` ("cli", "gui") goes in the start line.

    Calling it again replaces what an earlier call set up. Returns the log file, or None when the
    folder could not be written (then stderr only, with one warning). Never raises for the folder."""
    global _log_file
    unconfigure()
    root = logging.getLogger()
    formatter = _WithoutPasswords(FORMAT)
    folder = Path(folder) if folder is not None else log_folder()
    problem = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = _LogFile(folder / LOG_FILE_NAME, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                encoding="utf-8", delay=False,
                                # a path of bytes that are not UTF-8 (a surrogate escape) as an escape, not
                                # "--- Logging error ---"
                                errors="backslashreplace")
    except OSError as error:
        problem = f"cannot write the log in {folder} ({error.strerror or error}): logging to stderr only"
    else:
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(formatter)
        _installed.append(file_handler)
        _log_file = folder / LOG_FILE_NAME
    if interface == "cli" and not (verbose or problem):  # (verbose: the stderr handler below shows it already)
        notes = logging.StreamHandler(sys.stderr)
        notes.addFilter(_NoteFilter())
        notes.setFormatter(_WithoutPasswords("note: %(message)s"))
        _installed.append(notes)
    if verbose or problem:
        stderr_handler = logging.StreamHandler(sys.stderr)
        stderr_handler.setLevel(logging.INFO if verbose else logging.WARNING)
        stderr_handler.setFormatter(formatter)
        if not verbose:
            stderr_handler.addFilter(_NotSaidFilter())
        _installed.append(stderr_handler)
    for handler in _installed:
        root.addHandler(handler)
    # the app's own INFO (start, each use case's start and end), other libraries' warnings and
    # errors; never DEBUG: the file is meant to be attached to a problem report
    root.setLevel(logging.WARNING)
    logging.getLogger(APP_LOGGER).setLevel(logging.INFO)
    log = logging.getLogger(__name__)
    if problem:
        log.warning(problem)
    log.info("sane-desktop %s (%s) started: Python %s on %s; index home %s; log %s", __version__, interface,
             platform.python_version(), platform.platform(), paths.index_home(), _log_file or "stderr only")
    return _log_file


FAULTS_FILE_NAME = "faults.log"
FAULTS_MAX_BYTES = 256 * 1024
_faults: list[Any] = []  # the open faults file (kept open: the fault handler writes to its descriptor)


def record_crashes(folder: Path | None = None) -> Path | None:
    """Have a crash of the process (a segfault in Qt's or PySide's threads, which no Python handler sees) leave
    every thread's Python stack in ``faults.log`` beside the log (:mod:`faulthandler`): a trial's window
    vanished once with nothing logged, a segfault in a thread-pool thread that four tries did not bring back.
    Returns that file, or None when it cannot be written (nothing else changes)."""
    import faulthandler
    import time

    if faulthandler.is_enabled():  # already sent somewhere (PYTHONFAULTHANDLER, a test runner): left there
        return None
    target = (Path(folder) if folder is not None else log_folder()) / FAULTS_FILE_NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # a line per start: started afresh past FAULTS_MAX_BYTES, so that it never grows without end
        keep = target.is_file() and target.stat().st_size < FAULTS_MAX_BYTES
        handle = target.open("a" if keep else "w", encoding="utf-8")
        # which run a trace is of: the start's time and pid (faulthandler writes the stacks alone)
        handle.write(f"sane-desktop {__version__} started {time.strftime('%Y-%m-%d %H:%M:%S %z')} pid {os.getpid()}\n")
        handle.flush()
    except OSError:
        return None
    faulthandler.enable(handle, all_threads=True)
    _faults[:] = [handle]
    return target


def unconfigure() -> None:
    """Remove and close what :func:`configure` installed (tests; a process normally keeps its log)."""
    global _log_file
    root = logging.getLogger()
    if _installed:
        logging.getLogger(APP_LOGGER).setLevel(logging.NOTSET)
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    _log_file = None
