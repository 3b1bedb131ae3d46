"""Give the keyboard back to a window when the dialog over it closes.

A window manager activates a dialog's parent when the dialog closes. Without one (a kiosk session, a bare
X server as the trials use) X sends the keyboard to the root window instead, so Ctrl+S, Ctrl+Q and every
other shortcut did nothing until the window was clicked (trials DH, DR and DS). Qt does not notice: its focus
window stays the dialog that has gone. Here, when the window holding the keyboard hides, its transient
parent (the window the dialog was over) asks for the keyboard back (``QWindow.requestActivate``: X's own
focus call without a window manager, ``_NET_ACTIVE_WINDOW`` with one, which then has done it already)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QWindow

__all__ = ["return_focus_after_dialogs"]

_WATCHED = "saneFocusReturn"  # a window's dynamic property: its visibility is watched already


def return_focus_after_dialogs(app: QGuiApplication) -> None:
    """Watch every window that gets the keyboard in ``app``: when it hides while it still has the keyboard,
    its transient parent is activated, when that is on screen. A window hidden while another application
    has the keyboard takes nothing back (its focus window is then None)."""
    app.focusWindowChanged.connect(_watch)


def _watch(window: QWindow | None) -> None:
    if window is None or window.property(_WATCHED):
        return
    window.setProperty(_WATCHED, True)
    window.visibleChanged.connect(lambda visible: _hidden(window) if not visible else None)


def _hidden(window: QWindow) -> None:
    if QGuiApplication.focusWindow() is not window:
        return
    parent = window.transientParent()
    if parent is None or not parent.isVisible():
        return

    def give_back() -> None:
        # after the hide is done (the parent asked while its dialog still shows would lose it again), and only
        # while no other window took the keyboard meanwhile: a menu's entry that opens a dialog hides the menu
        # first, and the new dialog keeps the keyboard
        focus = QGuiApplication.focusWindow()
        if focus is None or focus is window or not focus.isVisible():
            parent.requestActivate()

    QTimer.singleShot(0, parent, give_back)
