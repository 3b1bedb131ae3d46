"""Give the keyboard back to a window when the dialog over it closes.

A window manager activates a dialog's parent when the dialog closes. Without one (a kiosk session, a bare
X server as the trials use) X sends the keyboard to the root window instead, so Ctrl+S, Ctrl+Q and every
other shortcut did nothing until the window was clicked (trials DH, DR and DS). Qt does not notice: its focus
window stays the dialog that has gone. Here, when the window holding the keyboard hides, its transient
parent (the window the dialog was over) asks for the keyboard back (``QWindow.requestActivate``: X's own
focus call without a window manager, ``_NET_ACTIVE_WINDOW`` with one, which then has done it already)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QWindow

__all__ = ["return_focus_after_dialogs", "watch_window"]

_WATCHED = "saneFocusReturn"  # a window's dynamic property: its visibility is watched already
RETRY_MS = (150, 400)  # the keyboard asked for again while no window of the app has it (after a close of its own)


def return_focus_after_dialogs(app: QGuiApplication) -> None:
    """Watch every window that gets the keyboard in ``app`` (and each dialog, :func:`watch_window`): when it hides
    while it still has the keyboard, its transient parent is activated, when that is on screen. A window hidden
    while another application has the keyboard takes nothing back (its focus window is then None)."""
    app.focusWindowChanged.connect(watch_window)


def watch_window(window: QWindow | None) -> None:
    """Give the keyboard back to ``window``'s transient parent when it hides (see the module); a dialog calls
    it when shown (``gui.screen_fit.ScreenFittedDialog``), asking for the keyboard as it does: without a window
    manager, one opened with a click in a menu had none, and its Cancel clicked left the keyboard at X's root
    window (trials ER and ET)."""
    if window is None or window.property(_WATCHED):
        return
    window.setProperty(_WATCHED, True)
    window.visibleChanged.connect(lambda visible: _hidden(window) if not visible else None)


def _hidden(window: QWindow) -> None:
    if not shiboken6.isValid(window):  # (told while it is destroyed)
        return
    if QGuiApplication.focusWindow() is window:
        _give_back(window, window.transientParent())


def _give_back(window: QWindow | None, parent: QWindow | None) -> None:
    if parent is None or not shiboken6.isValid(parent) or not parent.isVisible():
        return

    def give_back() -> None:
        # after the hide is done (the parent asked while its dialog still shows would lose it again), and only
        # while no other window took the keyboard meanwhile: a menu's entry that opens a dialog hides the menu
        # first, and the new dialog keeps the keyboard
        if not shiboken6.isValid(parent) or not parent.isVisible():
            return
        focus = QGuiApplication.focusWindow()
        if focus is None or focus is window or not focus.isVisible():
            parent.requestActivate()

    QTimer.singleShot(0, parent, give_back)
    # and again while the keyboard is nowhere: X may take the first request before its focus has left the hidden
    # window, and keep the keyboard at the root
    for later_ms in RETRY_MS:
        QTimer.singleShot(later_ms, parent, lambda: give_back() if QGuiApplication.focusWindow() is None else None)

