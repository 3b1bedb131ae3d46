"""Give the keyboard back to a window when the dialog over it closes.

A window manager activates a dialog's parent when the dialog closes. Without one (a kiosk session, a bare
X server as the trials use) X sends the keyboard to the root window instead, so Ctrl+S, Ctrl+Q and every
other shortcut did nothing until the window was clicked (trials DH, DR and DS). Qt does not notice: its focus
window stays the dialog that has gone. Here, when the window holding the keyboard hides, its transient
parent (the window the dialog was over) asks for the keyboard back (``QWindow.requestActivate``: X's own
focus call without a window manager, ``_NET_ACTIVE_WINDOW`` with one, which then has done it already)."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QWindow

__all__ = ["return_focus_after_dialogs", "watch_window"]

_WATCHED = "saneFocusReturn"  # a window's dynamic property: its visibility is watched already
# a click into a dialog that never had Qt's keyboard (a non-modal one, shown without a window manager) moves X's
# focus to it at the click, and the app's focus window goes to None; the dialog's hide then leaves the keyboard at
# X's root window (trial ER: Ctrl+I did nothing after Open shared catalogue… → Cancel). Such a loss, this recent,
# is the dialog's doing: another application taking the keyboard is not, and takes nothing back
RECENT_LOSS_S = 1.0
RETRY_MS = (150, 400, 900)  # the keyboard asked for again while no window of the app has it
_lost: tuple[float, QWindow | None] = (0.0, None)  # when the app's focus window last went to None, and whose it was
_hid: tuple[float, QWindow | None, QWindow | None] = (0.0, None, None)  # the last watched window hidden: when, it, its parent
_focused: QWindow | None = None


def return_focus_after_dialogs(app: QGuiApplication) -> None:
    """Watch every window that gets the keyboard in ``app`` (and each dialog, :func:`watch_window`): when it hides
    while it has the keyboard, or the application loses the keyboard within :data:`RECENT_LOSS_S` of its hide
    (X's focus event may come after the hide, or before it), its transient parent is activated, when that is on
    screen. A window hidden while another application has the keyboard takes nothing back."""
    app.focusWindowChanged.connect(_focus_changed)


def _focus_changed(window: QWindow | None) -> None:
    global _lost, _focused
    if window is None:
        now = time.monotonic()
        _lost = (now, _focused)
        hid_at, hid, parent = _hid
        if parent is not None and now - hid_at < RECENT_LOSS_S and _focused in (hid, parent):
            _give_back(hid, parent)  # lost just after a dialog over its window hid: the dialog's doing
    _focused = window
    watch_window(window)


def watch_window(window: QWindow | None) -> None:
    """Give the keyboard back to ``window``'s transient parent when it hides (see the module); a dialog calls
    it when shown, as it may never hold Qt's keyboard (``gui.screen_fit.ScreenFittedDialog``)."""
    if window is None or window.property(_WATCHED):
        return
    window.setProperty(_WATCHED, True)
    window.visibleChanged.connect(lambda visible: _hidden(window) if not visible else None)


def _hidden(window: QWindow) -> None:
    global _hid
    if not shiboken6.isValid(window):  # (told while it is destroyed)
        return
    parent = window.transientParent()
    now = time.monotonic()
    _hid = (now, window, parent)
    focus = QGuiApplication.focusWindow()
    lost_at, lost_by = _lost
    if focus is window or (focus is None and now - lost_at < RECENT_LOSS_S and lost_by in (window, parent)):
        _give_back(window, parent)


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
    # window, and keep the keyboard at the root (seen for a window that never had the keyboard; the app's dialogs
    # ask for it when shown, gui.screen_fit, so theirs is given back from a focus X has settled)
    for later_ms in RETRY_MS:
        QTimer.singleShot(later_ms, parent, lambda: give_back() if QGuiApplication.focusWindow() is None else None)

