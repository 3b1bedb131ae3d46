"""Focus back to the window a message box or a dialog was opened over, as it closes. A window manager does that;
without one (an X session with none, a kiosk) X gave the focus to no window, and the window's shortcuts did
nothing until it was clicked (trials DN and DO pressed Ctrl+Q, Ctrl+I after closing a box: nothing). At once,
not later, and only when the app's active window is the one closing (hidden now) or none: a window the user
goes to meanwhile (another dialog, another application) keeps the focus."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget


def return_focus(parent: QWidget | None) -> None:
    """Activate ``parent``'s window as a box or dialog over it closes (call it from its ``finished`` or hide
    event), when the app's active window is none or a hidden one, and ``parent``'s window is shown."""
    if parent is None:
        return
    window = parent.window()
    active = QApplication.activeWindow()
    if (active is None or not active.isVisible()) and window.isVisible():
        window.activateWindow()
