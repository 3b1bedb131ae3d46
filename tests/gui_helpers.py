"""What the GUI tests share: a window on a demo world, a GUI-thread gap meter and its results file.
Import after ``pytest.importorskip("pytestqt")``: ``from gui_helpers import GapMeter, open_window``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

from sane_desktop.gui.app import create_window
from sane_desktop.gui.settings import Settings
from sane_desktop.service import CatalogueService

GAP_LIMIT_MS = 100
RESPONSIVENESS = Path(__file__).resolve().parents[1] / "bench" / "results" / "gui_responsiveness.json"


def open_window(world: dict[str, Path], qtbot, rise_masks: int = 64,  # type: ignore[no-untyped-def]
                size: tuple[int, int] | None = None):
    """A shown main window on ``world``'s index and model, with fresh settings; returns (window, client)."""
    service = CatalogueService(world["index"], model=world["model"], rise_masks=rise_masks)
    settings = Settings(QSettings(str(world["root"] / f"settings-{time.monotonic_ns()}.ini"), QSettings.Format.IniFormat))
    window, client = create_window(service, settings, cache_dir=world["root"] / "thumbs")
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window, client


class GapMeter:
    """Longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)
        self.longest_ms = 0
        self.ticks = 0

    def _tick(self) -> None:
        if self.ticks:
            self.longest_ms = max(self.longest_ms, self.clock.restart())
        else:
            self.clock.start()
        self.ticks += 1

    def __enter__(self) -> GapMeter:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def record_responsiveness(name: str, values: dict[str, object]) -> None:
    """Keep ``values`` under ``name`` in bench/results/gui_responsiveness.json, beside the other entries,
    when ``SANE_RECORD_BENCH=1`` (so that an ordinary test run leaves the repository untouched)."""
    if os.environ.get("SANE_RECORD_BENCH") != "1":
        return
    RESPONSIVENESS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESPONSIVENESS.read_text()) if RESPONSIVENESS.is_file() else {}
    data[name] = values
    RESPONSIVENESS.write_text(json.dumps(data, indent=2))
