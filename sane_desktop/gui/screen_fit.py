"""Windows that fit the screen they open on: a first-run window of 1440 × 900 on a 1280 × 800 screen
had its explanation panel and status bar off-screen, and a dialog that grew after indexing hid its
buttons below the screen's bottom edge. The choices are small pure functions (tested directly:
an offscreen test cannot fake a small screen); :func:`fit_window` applies them to a window."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QScreen, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QPushButton, QWidget

from sane_desktop.gui.focus_return import watch_window
from sane_desktop.gui.wheel_guard import guard_wheel

# a title bar and borders, for a window whose frame the window manager has not told yet (not shown)
FRAME_ALLOWANCE = QMargins(8, 40, 8, 8)


def fitted_size(wanted: QSize, available: QRect, frame: QMargins | None = None) -> QSize:
    """``wanted`` (a window's inner size) shrunk where it must be so that, with ``frame`` round it,
    it fits in ``available`` (a screen's available geometry); never grown, never under 1 × 1."""
    room = available.size().shrunkBy(frame if frame is not None else QMargins())
    return QSize(max(1, min(wanted.width(), room.width())), max(1, min(wanted.height(), room.height())))


def fitted_rect(frame: QRect, available: QRect) -> QRect:
    """``frame`` (a window with its frame) shrunk to ``available`` where larger, then moved as little
    as it takes to lie inside it."""
    size = frame.size().boundedTo(available.size())
    left = max(available.left(), min(frame.left(), available.left() + available.width() - size.width()))
    top = max(available.top(), min(frame.top(), available.top() + available.height() - size.height()))
    return QRect(QPoint(left, top), size)


def screen_of(window: QWidget) -> QScreen:
    """The screen ``window`` is on, or (not shown yet) the one its geometry's centre lies on, else
    the primary screen."""
    if window.isVisible():
        return window.screen()
    found = QGuiApplication.screenAt(window.geometry().center())
    return found if found is not None else window.screen()


def frame_margins(window: QWidget) -> QMargins:
    """The window manager's frame round ``window``: as it is once shown, else :data:`FRAME_ALLOWANCE`."""
    if not window.isVisible():
        return FRAME_ALLOWANCE
    outer, inner = window.frameGeometry(), window.geometry()
    return QMargins(inner.left() - outer.left(), inner.top() - outer.top(),
                    outer.right() - inner.right(), outer.bottom() - inner.bottom())


def fit_window(window: QWidget) -> None:
    """Shrink ``window`` where it is larger than its screen's available geometry and, when it has a
    position of its own (a remembered one, or shown), move it back inside; a maximized or full-screen
    window is the window manager's to size."""
    if window.isMaximized() or window.isFullScreen():
        return
    available = screen_of(window).availableGeometry()
    margins = frame_margins(window)
    size = fitted_size(window.size(), available, margins).expandedTo(window.minimumSize())
    if size != window.size():
        window.resize(size)
    if window.isVisible() or window.testAttribute(Qt.WidgetAttribute.WA_Moved):
        frame = QRect(window.pos(), window.size().grownBy(margins))
        target = fitted_rect(frame, available)
        if target.topLeft() != frame.topLeft():
            window.move(target.topLeft())


class ScreenFittedDialog(QDialog):
    """A dialog that fits its screen each time it is shown (:func:`fit_window`): every dialog of the app is
    one (``tests/test_gui_dialogs_fit.py`` checks), so a new one cannot reach past a small screen's edge as
    the keyboard shortcuts' 820-pixel table did on an 800-pixel screen, its Close button out of reach (trial DO;
    the catalogue manager's and the saved outfits' had been fixed one by one before)."""

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        fit_window(self)
        watch_window(self.windowHandle())  # the keyboard back to the window under it when it closes
        # the keyboard, as a window manager gives a new window: without one, a dialog opened with a mouse click in a
        # menu had none (typing into Open shared catalogue… went nowhere, trial ET)
        QTimer.singleShot(0, self, self._take_keyboard)

    def _take_keyboard(self) -> None:
        """The keyboard for this dialog, while it shows and the keyboard is nowhere else than the window it opened
        over (a window the person went to meanwhile keeps it)."""
        parent = self.parentWidget()
        over = parent.window().windowHandle() if parent is not None else None
        if self.isVisible() and QGuiApplication.focusWindow() in (None, over, self.windowHandle()):
            self.activateWindow()
        guard_wheel(self)  # a wheel over a box in its scrolled part scrolls, never changes the box (trial ET)

    def button_row(self, *buttons: QPushButton) -> QHBoxLayout:
        """``buttons`` on the left, the dialog's Close on the right (a list dialog's bottom row)."""
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        return row
