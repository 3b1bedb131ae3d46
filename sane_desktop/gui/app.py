"""Start the GUI (``python main.py``, ``sane-desktop gui``): the main window, or with
``screenshot_dir`` the screenshot walk; the demo catalogue is built when missing (first run).

The window is on screen before the heavy libraries load: the worker thread makes the service
(SQLAlchemy, Alembic, the catalogue readers) before its first task, which starts after the window's
first paint, and loads torch and FAISS once the catalogue shows (:mod:`.startup`).
``launch_probe`` prints ``launch-probe <event> <epoch seconds> torch=yes|no loaded=<heavy modules>`` on
stdout when the window is first painted (``window-shown``), when the catalogue grid first has
items (``first-results``) and when its first tile has its picture (``first-thumbnail``), then quits:
what ``bench/bench_launch.py`` times."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from sane_desktop import logs, paths
from sane_desktop.errors import InputError
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.startup import LATE_SHUTDOWN_WAIT_MS, FirstPaint, application, create_window, demo_needed, start
from sane_desktop.gui.system_check import system_check
from sane_desktop.gui.termination import end_on_signals

if TYPE_CHECKING:  # the worker thread imports the service (see make_service in run)
    from sane_desktop.service import CatalogueService

__all__ = ["HEAVY_MODULES", "application", "create_window", "demo_needed", "run"]

# what must not be loaded before the window's first paint (tests/test_gui_launch.py checks the list
# the probe prints): the models' libraries, the database layer, the image decoder
HEAVY_MODULES = ("torch", "faiss", "torchvision", "timm", "sklearn", "sqlalchemy", "alembic", "numpy", "PIL")


def launch_probe(window: MainWindow) -> None:
    """Print the launch milestones (window painted, first items in the grid, first tile's picture) and
    quit once the last two are printed."""

    def mark(event: str) -> None:
        # which heavy modules were loaded by then: the window must come first (issue 18 point 10)
        torch = "yes" if "torch" in sys.modules else "no"
        loaded = ",".join(name for name in HEAVY_MODULES if name in sys.modules) or "-"
        print(f"launch-probe {event} {time.time():.4f} torch={torch} loaded={loaded}", flush=True)

    first_paint = window.findChild(FirstPaint)
    assert first_paint is not None  # create_window installs it
    first_paint.add(lambda: mark("window-shown"))
    model = window.browser_model
    seen: set[str] = set()

    def once(event: str) -> None:
        if event not in seen:
            seen.add(event)
            mark(event)
        if {"first-results", "first-thumbnail"} <= seen:
            QApplication.quit()

    def maybe_results() -> None:
        if model.rowCount() > 0:
            once("first-results")

    model.modelReset.connect(maybe_results)
    model.rowsInserted.connect(maybe_results)
    # a tile's picture: its thumbnail decoded or read from the cache (trial E waited for the models)
    model.thumbnails.ready.connect(lambda _key, _image: once("first-thumbnail"))


def run(index_home: Path | None = None, model: Path | None = None, demo_items: int = paths.DEMO_ITEMS,
        screenshot_dir: Path | None = None, *, probe: bool = False) -> int:
    """The application's exit code. ``index_home`` None: ``--index-home``/``SANE_INDEX_HOME``/the
    per-user data folder (:func:`sane_desktop.paths.index_home`). With ``screenshot_dir``: 0 once the
    screenshots are written, else :class:`~sane_desktop.gui.screenshots.ScreenshotError` (one line)
    within a bounded time. ``probe``: see :func:`launch_probe`."""
    if index_home is not None:
        paths.use_index_home(index_home)
    if model is not None:  # a file that is not there, or no model: refused in one line before a window opens
        from sane_desktop.service.model_names import loadable_model

        model = loadable_model(Path(model))
    if not logs.configured():  # `sane-desktop [--verbose] gui` configured it already
        try:
            paths.index_home()
            paths.check_homes()  # a home's variable that cannot be read as a folder: one line, no window
        except InputError as error:
            raise SystemExit(f"error: {error}") from None
        logs.configure("gui")
    logs.record_crashes()  # a crash in Qt's own threads leaves the threads' stacks beside the log (trial DH)
    problem = system_check()  # before Qt loads its xcb plugin: one line and exit code 1, not Qt's abort
    if problem:
        logging.getLogger(__name__).error(problem)
        raise SystemExit(problem)
    from sane_desktop.gui import qt_log

    qt_log.install()  # Qt's warnings to the log, not the terminal (trial EA read a launcher warning as a fault)
    app = application()

    def make_service() -> CatalogueService:
        # imported here: the window's worker thread calls this after the window is up (the
        # screenshot walk before its window), and the service's module loads SQLAlchemy, Alembic,
        # numpy and the catalogue readers (~0.8 s of imports on a loaded 2-core machine)
        from sane_desktop.service import CatalogueService

        return CatalogueService(index_home, model=model)

    if screenshot_dir is not None:
        from sane_desktop.gui.screenshots import run_screenshots  # only this mode needs the walk

        return run_screenshots(make_service, Path(screenshot_dir), demo_items=demo_items)
    window, runner = create_window(make_service=make_service)
    if probe:
        launch_probe(window)
    first_paint = window.findChild(FirstPaint)
    assert first_paint is not None  # create_window installs it
    # the first task (which makes the service: imports holding the GIL) waits for the first paint
    first_paint.add(lambda: start(window, demo_items))
    end_on_signals(window, window.end_now)  # a kill or a logout quits as Quit anyway does (trial EP)
    window.show()
    code = app.exec()
    runner.shutdown(LATE_SHUTDOWN_WAIT_MS)  # no-op when aboutToQuit's shutdown ended the worker
    return code
