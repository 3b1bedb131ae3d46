"""Trial EP: ``kill -TERM`` (a logout, ``systemctl stop``) ended the window at once, no log line, its settings'
last state unsaved, a Train's writer files left. SIGTERM, SIGHUP and SIGINT now quit as File → Quit → "Quit
anyway" does (``sane_desktop/gui/termination.py``): here while the first start builds the demo catalogue, work a
plain quit would ask about."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sent", ["SIGTERM", "SIGINT"])
def test_a_signal_quits_the_window_as_quit_anyway_does(sent: str, tmp_path: Path) -> None:
    logs, config = tmp_path / "log", tmp_path / "config"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SANE_LOG_HOME": str(logs), "SANE_CONFIG_HOME": str(config),
           "PYTHONPATH": str(ROOT)}
    window = subprocess.Popen([sys.executable, "-m", "sane_desktop", "--index-home", str(tmp_path / "index"), "gui",
                               "--demo-items", "200"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    log = logs / "sane-desktop.log"
    try:
        deadline = time.monotonic() + 120
        while not (log.is_file() and "quits as Quit anyway does" in log.read_text(encoding="utf-8")):
            assert window.poll() is None and time.monotonic() < deadline, window.communicate()
            time.sleep(0.2)
        time.sleep(1.0)  # the event loop runs; the demo is being drawn or indexed
        window.send_signal(getattr(signal, sent))
        out, err = window.communicate(timeout=120)
    finally:
        if window.poll() is None:
            window.kill()
    assert window.returncode == 0, err
    assert "Traceback" not in err and "error:" not in err, err
    said = log.read_text(encoding="utf-8")
    assert f"{sent} received: quitting as Quit anyway does" in said, said[-2000:]
    assert "geometry" in (config / "settings.ini").read_text(encoding="utf-8")  # the last state saved
    left = [str(path) for path in (tmp_path / "index").rglob(".sane-writer.json")]
    assert left == [], left  # no writer's note outlives the run
