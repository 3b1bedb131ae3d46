"""Drag and drop onto the outfit, end to end on a real X server: starts Xvfb, runs
``xvfb_drag_and_drop.py`` in a Qt process on the xcb platform (the offscreen platform of this
session has no drag manager), and passes when its drags really drop. Skips, saying why, where
Xvfb or Qt's xcb libraries are missing (``.ci/run`` installs them from Debian)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def test_drags_drop_onto_the_outfit_through_the_real_event_path(xcb_env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / "xvfb_drag_and_drop.py")],
                          env=xcb_env, cwd=HERE.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout
