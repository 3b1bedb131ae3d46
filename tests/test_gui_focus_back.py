"""The focus comes back to the window when a box or dialog over it closes, on a real X server without a window
manager (``xvfb_focus_back.py`` in a subprocess on Xvfb + xcb); and a message naming a long file wraps it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_the_window_is_active_again_once_a_box_or_dialog_closes(xvfb_display: str) -> None:
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": os.pathsep.join(filter(None, (str(HERE.parent), os.environ.get("PYTHONPATH"))))}
    probe = subprocess.run([sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
                           env=env, capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"Qt's xcb platform cannot start here: {probe.stderr.strip().splitlines()[-1:]}")
    done = subprocess.run([sys.executable, str(HERE / "xvfb_focus_back.py")], env=env, cwd=HERE.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "focus came back twice" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def test_a_long_file_name_in_a_message_wraps_and_copies_whole(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DO: an empty file with a 153-character name: the box ran off the screen, the name cut mid-word."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pytest.importorskip("pytestqt")
    from PySide6.QtWidgets import QLabel, QWidget

    from sane_desktop.gui.text import ZERO_WIDTH_SPACE, message_box, wrappable

    name = "client_eleanor_autumn_dinner_party_" * 4 + "look.jpg"
    text = f"Not added to the outfit: {name} cannot be read as an image: image file is empty (0 bytes)"
    assert wrappable("a short line stays as it is") == "a short line stays as it is"
    assert wrappable(text).replace(ZERO_WIDTH_SPACE, "") == text
    assert all(len(part) <= 30 for word in wrappable(name).split() for part in word.split(ZERO_WIDTH_SPACE))
    parent = QWidget()
    qtbot.addWidget(parent)
    box = message_box(parent, "SANE Desktop", text)
    assert box.detailedText() == text  # the exact text, to copy
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None and label.text().replace(ZERO_WIDTH_SPACE, "") == text
    available = box.screen().availableGeometry()
    assert box.frameGeometry().width() <= available.width()
    box.done(0)
