"""Trials DH, DR and DS: without a window manager, closing a dialog left the keyboard with the root window,
and Ctrl+S or Ctrl+Q did nothing until the window was clicked. On a real X server (Xvfb, no window
manager, Qt's xcb platform in a child process: this session's offscreen platform hands focus back by
itself), the window a closed dialog was over must get the keyboard back; and a dialog closed while another
window has the keyboard takes nothing back. Skips, saying why, where Xvfb or Qt's xcb libraries are missing."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


# both scripts' start: a wait that keeps the events going, and a main window holding the keyboard
WINDOW = r"""
def wait(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    return condition()

window = QMainWindow()
window.setCentralWidget(QLabel("outfit"))
window.setWindowTitle("main")
window.resize(400, 300)
window.show()
window.activateWindow()
assert wait(lambda: QGuiApplication.focusWindow() is window.windowHandle()), "the window never got the keyboard"
"""

SCRIPT = r"""
import sys, time
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox
if sys.argv[1] == "app":
    from sane_desktop.gui.startup import application
    app = application()
else:  # a bare application: what the fault looks like without the app's own set-up
    app = QApplication([])
""" + WINDOW + r"""for answer in ("reject", "accept"):
    box = QMessageBox(QMessageBox.Icon.Question, "Save outfit", "Replace it?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
    box.open()
    assert wait(lambda: QGuiApplication.focusWindow() is box.windowHandle()), "the box never got the keyboard"
    getattr(box, answer)()
    back = wait(lambda: QGuiApplication.focusWindow() is window.windowHandle(), 3.0)
    focus = QGuiApplication.focusWindow()
    print(f"{answer}: {'back' if back else 'stuck on ' + (focus.title() if focus else 'nothing')}", flush=True)
# a menu entry that opens a dialog: the menu hides first (QMenu does so on a click), the dialog keeps the keyboard
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QInputDialog, QMenu
menu = QMenu(window)
entry = menu.addAction("Save outfit…")
opened = []
entry.triggered.connect(lambda: (opened.append(QInputDialog(window)), opened[-1].open()))
menu.popup(window.mapToGlobal(QPoint(20, 20)))
assert wait(lambda: QGuiApplication.focusWindow() is menu.windowHandle()), "the menu never got the keyboard"
menu.hide()
entry.trigger()
assert wait(lambda: QGuiApplication.focusWindow() is opened[0].windowHandle()), "the dialog never got the keyboard"
wait(lambda: QGuiApplication.focusWindow() is not opened[0].windowHandle(), 1.0)
focus = QGuiApplication.focusWindow()
print(f"menu: {'dialog kept it' if focus is opened[0].windowHandle() else 'taken by ' + (focus.title() if focus else 'nothing')}",
      flush=True)
opened[0].reject()
back = wait(lambda: QGuiApplication.focusWindow() is window.windowHandle(), 3.0)
focus = QGuiApplication.focusWindow()
print(f"its dialog: {'back' if back else 'stuck on ' + (focus.title() if focus else 'nothing')}", flush=True)
# a box closed while another window has the keyboard takes nothing back
other = QMainWindow()
other.setWindowTitle("other")
other.resize(300, 200)
other.show()
box = QMessageBox(QMessageBox.Icon.Information, "Indexed", "Done.", QMessageBox.StandardButton.Ok, window)
box.open()
assert wait(lambda: QGuiApplication.focusWindow() is box.windowHandle()), "the box never got the keyboard"
other.activateWindow()
assert wait(lambda: QGuiApplication.focusWindow() is other.windowHandle()), "the other window never got the keyboard"
box.accept()
wait(lambda: QGuiApplication.focusWindow() is not other.windowHandle(), 1.0)
focus = QGuiApplication.focusWindow()
print(f"elsewhere: {'kept' if focus is other.windowHandle() else 'taken by ' + (focus.title() if focus else 'nothing')}")
"""


def _run(env: dict[str, str], mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, timeout=120)


def test_the_keyboard_comes_back_to_the_window_when_its_dialog_closes(xcb_env: dict[str, str]) -> None:
    done = _run(xcb_env, "app")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.split("\n")[:5] == ["reject: back", "accept: back", "menu: dialog kept it", "its dialog: back",
                                           "elsewhere: kept"], \
        done.stdout + done.stderr[-2000:]
    # the fault is X's, not the test's: a bare application stays stuck on the box that has gone
    bare = _run(xcb_env, "bare")
    assert bare.returncode == 0, bare.stdout + bare.stderr[-2000:]
    assert "stuck on" in bare.stdout, bare.stdout



CLICKED = r"""
import subprocess, sys, time
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMainWindow, QVBoxLayout
from sane_desktop.gui.startup import application
from sane_desktop.gui.screen_fit import ScreenFittedDialog
app = application()
""" + WINDOW + r"""# the app's dialog (as Open shared catalogue…, shown non-modally): it asks for the keyboard when shown (no window
# manager gave it any, trial ET), and gives it back when its Cancel is clicked
dialog = ScreenFittedDialog(window)
dialog.setWindowTitle("Open shared catalogue")
buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
buttons.rejected.connect(dialog.reject)
QVBoxLayout(dialog).addWidget(buttons)
dialog.resize(300, 200)
dialog.move(450, 50)
dialog.show()  # non-modal, as Open shared catalogue…
assert wait(lambda: dialog.windowHandle() is not None and dialog.windowHandle().isExposed(), 5.0)
print(f"shown dialog: {'has it' if wait(lambda: QGuiApplication.focusWindow() is dialog.windowHandle(), 3.0) else 'none'}",
      flush=True)
wait(lambda: False, 0.3)
cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
centre = cancel.mapToGlobal(cancel.rect().center())
subprocess.run(["xdotool", "mousemove", str(centre.x()), str(centre.y()), "click", "1"], check=True)
assert wait(lambda: not dialog.isVisible(), 5.0), "Cancel was not clicked"
back = wait(lambda: QGuiApplication.focusWindow() is window.windowHandle(), 3.0) and \
    not wait(lambda: QGuiApplication.focusWindow() is not window.windowHandle(), 0.5)
focus = QGuiApplication.focusWindow()
print(f"clicked dialog: {'back' if back else 'stuck on ' + (focus.title() if focus else 'nothing')}", flush=True)
"""


def test_the_keyboard_comes_back_after_a_click_closes_a_dialog_that_never_had_it(xcb_env: dict[str, str]) -> None:
    """Trial ER: File → Open shared catalogue… (shown without the keyboard: a non-modal dialog, no window manager),
    its Cancel clicked with the mouse: Qt's xcb gave X's focus to the clicked dialog, which then closed, and the
    keyboard stayed with the root window (Ctrl+I did nothing). A real click (xdotool's, through the X server)."""
    import shutil

    import pytest

    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (it clicks through the X server)")
    with own_x_server() as display:  # a fresh server: where the focus is left by the session's earlier windows varies
        done = subprocess.run([sys.executable, "-c", CLICKED], env={**xcb_env, "DISPLAY": display},
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.splitlines()[:2] == ["shown dialog: has it", "clicked dialog: back"], \
        done.stdout + done.stderr[-2000:]


@contextmanager
def own_x_server() -> Iterator[str]:
    """A private Xvfb (no window manager) for one test: its display name."""
    from pathlib import Path

    number = next(n for n in range(170, 260) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
