"""``python main.py --screenshot DIR``: start on the demo catalogue (built when missing, whatever
else the index home holds), walk the main path (outfit, results with their chips, tile overlays and
contribution highlight, explanation, indexing dialog, dark theme), save PNGs and quit. The tests
drive the same path.

The walk never hangs: every wait is bounded, an error the window reports ("Error: …" in the status
bar) ends it at once, and a watchdog ends the process (one line on stderr, exit code 1) when the
whole walk overruns its deadline (``SANE_SCREENSHOT_TIMEOUT`` seconds, default 1800) or the worker
cannot be stopped afterwards."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from sane_desktop.errors import SaneError
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.models import Role
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.startup import DEMO, SHUTDOWN_WAIT_MS, create_window, start
from sane_desktop.service import CatalogueService

WALK_DEADLINE_S = 1800.0  # the whole walk, the demo build included (SANE_SCREENSHOT_TIMEOUT overrides)
ERROR_PREFIXES = ("Error: ", "Could not explain the results: ")  # status-bar lines of a failed task


class ScreenshotError(SaneError):
    """The screenshot walk failed (one line: what it waited for, or the error the window reported)."""


class PathTimeout(ScreenshotError):
    pass


_reported: list[str] = []  # errors the window reported during a screenshot walk (see _watch_errors)


def _record_status(message: str) -> None:
    for prefix in ERROR_PREFIXES:
        if message.startswith(prefix):
            _reported.append(message[len(prefix):].splitlines()[0] if message[len(prefix):] else message)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition`` holds (the worker answers through queued signals);
    PathTimeout after ``timeout_s``, ScreenshotError as soon as the window reports an error during a
    screenshot walk."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if _reported:
            raise ScreenshotError(f"{_reported[0]} (while waiting for {what})")
        if time.monotonic() > deadline:
            raise PathTimeout(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.005)


def open_first_catalogue(window: MainWindow, build_demo: bool, demo_items: int, timeout_s: float = 600) -> None:
    """Build the demo (``build_demo``) or list the catalogues, and wait for the one opened's items."""
    if build_demo:
        window.start_demo(items=demo_items)
    else:
        window.refresh_catalogues()
    wait_until(lambda: window.browser_model.rowCount() > 0, timeout_s, "the catalogue's items")


def open_demo_catalogue(window: MainWindow, service: CatalogueService, demo_items: int,
                        timeout_s: float = 600) -> None:
    """Open the demo catalogue, whatever else the index home holds; build it first when missing."""
    start(window, service, demo_items, demo=True)
    wait_until(lambda: window.catalogue is not None and window.catalogue.name == DEMO
               and window.browser_model.rowCount() > 0, timeout_s, "the demo catalogue's items")


def build_outfit(window: MainWindow, size: int = 2) -> list[int]:
    """Outfit of the first items of ``size`` different categories."""
    chosen, seen = [], set()
    for item in window.browser_model.items():
        if item.category not in seen:
            seen.add(item.category)
            chosen.append(item.pk)
        if len(chosen) == size:
            break
    window.add_to_outfit(chosen)
    return chosen


def wait_results(window: MainWindow, timeout_s: float = 120) -> None:
    """Results shown, or a message once no search (or re-index before one) is under way."""
    def settled() -> bool:
        busy = window.channels.search.busy or window.channels.build.busy
        return window.results_model.rowCount() > 0 or not busy and window.results.stack.currentWidget() is window.results.empty \
            and window.results.empty.text() not in ("Searching…", "")

    wait_until(settled, timeout_s, "search results")
    wait_until(lambda: window.results_model.rowCount() > 0, 1, f"results ({window.results.empty.text()})")


def wait_tiles(window: MainWindow, timeout_s: float = 120) -> None:
    """Every visible result tile has its background explanation (chip, overlay, tooltip)."""

    def explained() -> bool:
        rows = window.results.visible_rows()
        return bool(rows) and all(window.results_model.data(window.results_model.index(r), Role.Tile) is not None
                                  for r in rows)

    wait_until(explained, timeout_s, "the visible tiles' explanations")


def explain_first_result(window: MainWindow, timeout_s: float = 300) -> None:
    window.results.step(1)
    wait_until(lambda: window.explanation.update_data is not None and window.explanation.update_data.final
               or "Could not explain" in window.explanation.status.text(), timeout_s, "the explanation")
    if window.explanation.update_data is None:
        raise PathTimeout(window.explanation.status.text())


def settle(window: MainWindow, ms: int = 300) -> None:
    window.thumbnails.wait(10000)
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def _exit_now(message: str) -> None:
    """The last resort when the walk cannot end by returning: one line, exit code 1, at once."""
    try:
        print(f"error: {message}", file=sys.stderr, flush=True)
        sys.stdout.flush()
    finally:
        os._exit(1)


def walk_deadline_s() -> float:
    try:
        return float(os.environ.get("SANE_SCREENSHOT_TIMEOUT") or WALK_DEADLINE_S)
    except ValueError:
        return WALK_DEADLINE_S


def run_screenshots(make_service: Callable[[], CatalogueService], out: Path, demo_items: int = 120,
                    deadline_s: float | None = None) -> int:
    """The ``--screenshot`` run: 0 once every PNG is written; otherwise ScreenshotError (one line),
    or, when the process cannot end cleanly in time, that line on stderr and ``os._exit(1)``."""
    deadline_s = walk_deadline_s() if deadline_s is None else deadline_s
    watchdog = threading.Timer(deadline_s + SHUTDOWN_WAIT_MS / 1000 + 5, _exit_now,
                               (f"screenshots: the walk did not finish within {deadline_s:.0f} s",))
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            service = make_service()
        except SaneError as error:
            raise ScreenshotError(f"screenshots: {error}") from error
        return take_screenshots(service, out, demo_items=demo_items, deadline_s=deadline_s)
    finally:
        watchdog.cancel()


def take_screenshots(service: CatalogueService, out: Path, demo_items: int = 120,
                     deadline_s: float | None = None) -> int:
    """Walk the main path on the demo catalogue and save the PNGs into ``out``: 0, or
    ScreenshotError with one line saying what failed (the worker is stopped first)."""
    deadline = time.monotonic() + (walk_deadline_s() if deadline_s is None else deadline_s)

    def left(limit: float) -> float:  # a step's own bound, never past the walk's deadline
        return max(0.0, min(limit, deadline - time.monotonic()))

    out.mkdir(parents=True, exist_ok=True)
    # a private settings file: screenshots never change the user's remembered settings
    scratch = Path(tempfile.mkdtemp(prefix="sane-shots-"))
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("theme", "light")
    window, runner = create_window(service, settings, cache_dir=scratch / "thumbnails")
    _reported.clear()
    window.statusBar().messageChanged.connect(_record_status)
    window.resize(1500, 940)
    window.show()
    failure: BaseException | None = None
    try:
        open_demo_catalogue(window, service, demo_items, left(600))
        settle(window)
        window.grab().save(str(out / "01-catalogue.png"))
        build_outfit(window, 3)
        wait_results(window, left(120))
        wait_tiles(window, left(120))
        settle(window)
        window.grab().save(str(out / "02-results-chips.png"))
        window.set_tile_overlays(True)
        window._result_hovered(window.results_model.row(0).item.pk)  # as when the mouse is on it
        settle(window)
        window.grab().save(str(out / "03-overlays-contributions.png"))
        explain_first_result(window, left(300))
        settle(window)
        window.grab().save(str(out / "04-results-explanation.png"))
        window.explanation.export(out / "05-explanation-export.png")
        shown = window.explanation.update_data
        if shown is None:
            raise ScreenshotError("the explanation view shows no explanation")
        window.explanation.show_attribute(shown.attribute)  # its activation map
        settle(window)
        window.explanation.export(out / "08-attribute-map.png")
        window.explanation.show_attribute("")  # back to the saliency
        window.show_index_dialog()
        dialog = window.index_dialog
        if dialog is None:
            raise ScreenshotError("File → Index catalogue folder… opened no dialog")
        source = service.demo_source()
        dialog.folder.setText(str(source))
        dialog.inspect(str(source))
        wait_until(lambda: "catalogue" in dialog.detected.text() or "color" in dialog.detected.text(), left(60),
                   "folder inspection")
        settle(window, 200)
        dialog.grab().save(str(out / "06-index-dialog.png"))
        dialog.close()
        window.set_tile_overlays(False)
        window.set_theme("dark")
        settle(window)
        window.grab().save(str(out / "07-dark-theme.png"))
    except Exception as error:  # noqa: BLE001 - any failure ends the walk with one line
        failure = error
    finally:
        window.statusBar().messageChanged.disconnect(_record_status)
        _reported.clear()
        window.close()
        stopped = runner.shutdown(SHUTDOWN_WAIT_MS)
        shutil.rmtree(scratch, ignore_errors=True)
    if failure is not None:
        text = str(failure).splitlines()[0] if str(failure) else type(failure).__name__
        message = text if isinstance(failure, SaneError) else f"{type(failure).__name__}: {text}"
        if not stopped:  # a worker still running would keep (or abort) the process at exit
            _exit_now(f"screenshots: {message}")
        raise ScreenshotError(f"screenshots: {message}") from failure
    print(f"screenshots written to {out}")
    return 0
