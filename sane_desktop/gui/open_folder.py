"""Open a folder in the desktop's file manager, and know when nothing opened it.

On Linux, Qt's ``QDesktopServices.openUrl`` starts ``xdg-open`` and answers True once it has started, whatever
it does next: with no application for folders, xdg-open's errors reached the terminal and the window said
nothing (trial EC, Help → Open log folder). Where xdg-open is the opener Qt would use, it is run here instead:
its words go to the log, and its exit status, read on a thread of its own (:class:`SideChannel`), says whether
the folder opened. An xdg-open still running after :data:`OPENER_WAIT_S` runs the file manager in its own
foreground (its generic mode): that is taken as opened, and it is left running. Elsewhere (Windows, macOS, a
Flatpak or Snap sandbox whose portal opens it) Qt opens it, and its False is the only failure known.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from sane_desktop.gui.side_thread import SideChannel

log = logging.getLogger(__name__)

OPENER_WAIT_S = 10.0  # xdg-open still running after this long runs the file manager itself: opened
_running: set[SideChannel] = set()  # each open's channel, until its end is heard


def _xdg_open() -> str | None:
    """The ``xdg-open`` Qt would start for a local folder here, None where Qt opens it another way."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if os.environ.get("FLATPAK_ID") or os.environ.get("SNAP"):  # a sandbox: Qt asks the desktop portal
        return None
    return shutil.which("xdg-open")


CANNOT_START = 127  # the shell's status for a command that could not be run
SAID_KEPT = 2000  # bytes of the end of what the opener wrote, kept for the log


def _run_opener(opener: str, folder: Path) -> tuple[int, str] | None:
    """Run ``opener folder``: (its exit status, what it wrote), or None when it is still running after
    :data:`OPENER_WAIT_S` (left running: it shows the folder); (:data:`CANNOT_START`, why) when it cannot start."""
    # a file, not a pipe: an opener that outlives the app never writes into a pipe nobody reads
    with tempfile.TemporaryFile() as said:
        try:
            process = subprocess.Popen([opener, str(folder)], stdin=subprocess.DEVNULL, stdout=said, stderr=said,
                                       start_new_session=True)  # not ended by the app's end, nor by a Ctrl+C
        except OSError as error:
            return CANNOT_START, f"cannot be run: {error.strerror or error}"
        try:
            status = process.wait(OPENER_WAIT_S)
        except subprocess.TimeoutExpired:
            return None
        # its end: xdg-open says its error last, after whatever the tools it tried said (trial EE's chatty opener)
        size = said.seek(0, os.SEEK_END)
        said.seek(max(0, size - SAID_KEPT))
        return status, said.read().decode("utf-8", "replace").strip()


def open_folder(folder: Path, on_failed: Callable[[], object]) -> bool:
    """Show ``folder`` in the desktop's file manager. ``on_failed()`` is called on the GUI thread when nothing
    opened it: at once (Qt's False, an opener that cannot start) or once xdg-open has ended with an error
    (its words logged). Returns False when it failed at once (``on_failed`` already called), True otherwise."""
    opener = _xdg_open()
    if opener is None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        on_failed()
        return False
    channel = SideChannel()
    _running.add(channel)

    def ended(outcome: tuple[int, str] | None) -> None:
        _running.discard(channel)
        if outcome is not None and outcome[0] != 0:
            status, said = outcome
            log.warning("xdg-open did not open %s (exit status %d): %s", folder, status, said or "it said nothing")
            on_failed()

    def not_run(message: str) -> None:  # a bug here: logged by the channel
        _running.discard(channel)
        on_failed()

    channel.start(lambda _progress, _stop: _run_opener(opener, folder), "Opening a folder", on_done=ended,
                  on_failed=not_run)
    return True
