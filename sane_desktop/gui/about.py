"""About box: what the app is, versions of the pieces it runs on, the device, the log folder; and
Help → Open log folder."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from sane_desktop import logs
from sane_desktop.gui.open_folder import open_folder
from sane_desktop.gui.text import escape, message_box

log = logging.getLogger(__name__)


def versions() -> dict[str, str]:
    """The app's and its pieces' versions (the core's from the service: the GUI never imports them)."""
    import PySide6

    from sane_desktop.service import library_versions

    return {**library_versions(), "PySide6": PySide6.__version__}


def show_about(parent: QWidget, device: str) -> None:
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in versions().items())
    QMessageBox.about(parent, "About SANE Desktop", (
        "<h3>SANE Desktop</h3><p>Why do these match? Type-aware outfit compatibility search "
        "(Vasileva et al., ECCV 2018) with SANE explanations (Plummer et al., ECCV 2020).</p>"
        f"<table>{rows}<tr><td>Device</td><td>{escape(device)}</td></tr>"
        f"<tr><td>Log folder</td><td>{escape(log_words())}</td></tr></table>"))


def log_words() -> str:
    """Where the log is, or that there is none: trial DW's read-only log folder was shown as the log's, and
    Help → Open log folder opened it, empty."""
    folder = logs.log_folder()
    if logs.configured() and logs.log_file() is None:
        return f"{folder} (not written: no log file can be made there, so nothing is logged to a file this run)"
    return str(folder)


def open_log_folder(parent: QWidget | None = None) -> bool:
    """Open the log folder in the desktop's file manager (creating it first); False when the folder cannot be
    created or nothing opened it, which a box over ``parent`` then says, naming the folder (trial DW: with no
    file manager the menu entry did nothing visible)."""
    folder = logs.log_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("cannot create the log folder %s: %s", folder, error)
        message_box(parent, "Open log folder", f"The log folder {folder} cannot be made ({error.strerror or error}): "
                    "nothing is logged to a file this run.")
        return False
    def failed() -> None:  # at once, or once xdg-open has said it could not (trial EC: only the terminal heard it)
        log.warning("no application opened the log folder %s", folder)
        message_box(parent, "Open log folder", f"No application opened the log folder. It is {folder}"
                    + ("" if logs.log_file() is None else f"; the log is {logs.log_file()}") + ".",
                    QMessageBox.Icon.Information)

    return open_folder(folder, failed)
