"""Focus back to the window a message box or a dialog was opened over, once it closes. A window manager does
that; without one (an X session with none, a kiosk) X gave the focus to no window, and the window's shortcuts
did nothing until it was clicked (trials DN and DO pressed Ctrl+Q, Ctrl+I after closing a box: nothing). Only
when no window of the app is active: a user who went to another application keeps it."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def return_focus(parent: QWidget | None) -> None:
    """After the events now queued (the closed window's own), activate ``parent``'s window when no window of
    the app is active and it is shown."""
    if parent is None:
        return
    window = parent.window()

    def activate() -> None:
        try:
            if QApplication.activeWindow() is None and window.isVisible():
                window.activateWindow()
        except RuntimeError:  # the window was deleted meanwhile (the app quitting)
            pass

    QTimer.singleShot(0, activate)
