"""Start the GUI (``python main.py``, ``sane-desktop gui``): the main window, or with
``screenshot_dir`` the screenshot walk; the demo catalogue is built when missing (first run).

The window is on screen before torch and FAISS load (the worker loads them: :mod:`.startup`).
``launch_probe`` prints ``launch-probe <event> <epoch seconds> torch=yes|no`` on stdout when the window is first
painted (``window-shown``) and when the catalogue grid first has items (``first-results``), then
quits: what ``bench/bench_launch.py`` times."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from sane_desktop import logs, paths
from sane_desktop.gui.screenshots import run_screenshots
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.startup import LATE_SHUTDOWN_WAIT_MS, FirstPaint, application, create_window, demo_needed, start
from sane_desktop.gui.system_check import system_check
from sane_desktop.service import CatalogueService

__all__ = ["application", "create_window", "demo_needed", "run"]


def launch_probe(window: MainWindow) -> None:
    """Print the launch milestones (window painted, first items in the grid) and quit after the second."""

    def mark(event: str) -> None:
        # whether torch was loaded by then: the window must come first (issue 18 point 10)
        torch = "yes" if "torch" in sys.modules else "no"
        print(f"launch-probe {event} {time.time():.4f} torch={torch}", flush=True)

    first_paint = window.findChild(FirstPaint)
    assert first_paint is not None  # create_window installs it
    first_paint.add(lambda: mark("window-shown"))
    model = window.browser_model
    seen: list[bool] = []

    def maybe_results() -> None:
        if model.rowCount() > 0 and not seen:
            seen.append(True)
            mark("first-results")
            QApplication.quit()

    model.modelReset.connect(maybe_results)
    model.rowsInserted.connect(maybe_results)


def run(index_home: Path | None = None, model: Path | None = None, demo_items: int = 120,
        screenshot_dir: Path | None = None, *, probe: bool = False) -> int:
    """The application's exit code. ``index_home`` None: ``--index-home``/``SANE_INDEX_HOME``/the
    per-user data folder (:func:`sane_desktop.paths.index_home`). With ``screenshot_dir``: 0 once the
    screenshots are written, else :class:`~sane_desktop.gui.screenshots.ScreenshotError` (one line)
    within a bounded time. ``probe``: see :func:`launch_probe`."""
    if index_home is not None:
        paths.use_index_home(index_home)
    if not logs.configured():  # `sane-desktop [--verbose] gui` configured it already
        logs.configure("gui")
    problem = system_check()  # before Qt loads its xcb plugin: one line and exit code 1, not Qt's abort
    if problem:
        logging.getLogger(__name__).error(problem)
        raise SystemExit(problem)
    app = application()
    if screenshot_dir is not None:
        return run_screenshots(lambda: CatalogueService(index_home, model=model), Path(screenshot_dir),
                               demo_items=demo_items)
    service = CatalogueService(index_home, model=model)
    window, runner = create_window(service)
    if probe:
        launch_probe(window)
    window.show()
    start(window, service, demo_items)
    code = app.exec()
    runner.shutdown(LATE_SHUTDOWN_WAIT_MS)  # no-op when aboutToQuit's shutdown ended the worker
    return code
