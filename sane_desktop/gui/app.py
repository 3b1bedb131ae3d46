"""Start the GUI (``python main.py``, ``sane-desktop gui``): the main window, or with
``screenshot_dir`` the screenshot walk; the demo catalogue is built when missing (first run)."""

from __future__ import annotations

import logging
from pathlib import Path

from sane_desktop import logs, paths
from sane_desktop.gui.screenshots import run_screenshots
from sane_desktop.gui.startup import application, create_window, demo_needed, start
from sane_desktop.gui.system_check import system_check
from sane_desktop.service import CatalogueService

__all__ = ["application", "create_window", "demo_needed", "run"]


def run(index_home: Path | None = None, model: Path | None = None, demo_items: int = 120,
        screenshot_dir: Path | None = None) -> int:
    """The application's exit code. ``index_home`` None: ``--index-home``/``SANE_INDEX_HOME``/the
    per-user data folder (:func:`sane_desktop.paths.index_home`). With ``screenshot_dir``: 0 once the
    screenshots are written, else :class:`~sane_desktop.gui.screenshots.ScreenshotError` (one line)
    within a bounded time."""
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
    window, _runner = create_window(service)
    window.show()
    start(window, service, demo_items)
    return app.exec()
