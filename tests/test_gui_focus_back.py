"""The focus comes back to the window when a box or dialog over it closes, on a real X server without a window
manager (``xvfb_focus_back.py`` in a subprocess on Xvfb + xcb)."""

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
