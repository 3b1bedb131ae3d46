"""Run by ``test_gui_focus_back.py`` in a subprocess on a real X server without a window manager (Xvfb + xcb):
once a message box or a dialog opened over the window closes, the window is active again, so its shortcuts
work (trials DN and DO: Ctrl+Q and Ctrl+I did nothing until the window was clicked). Not collected on its own."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.text import message_box


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()


def main() -> None:
    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("window"))
    window.resize(400, 300)
    window.show()
    window.activateWindow()
    settle(app, 0.5)
    assert app.activeWindow() is window, "the window never became active"
    box = message_box(window, "Box", "a message")
    settle(app, 0.5)
    assert app.activeWindow() is box
    box.done(0)
    settle(app, 0.8)
    assert app.activeWindow() is window, f"after the box: {app.activeWindow()}"
    dialog = ScreenFittedDialog(window)
    dialog.show()
    dialog.activateWindow()
    settle(app, 0.5)
    dialog.reject()
    settle(app, 0.8)
    assert app.activeWindow() is window, f"after the dialog: {app.activeWindow()}"
    print("focus came back twice")


if __name__ == "__main__":
    main()
