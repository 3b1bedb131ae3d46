"""``python main.py --screenshot DIR``: start on the demo catalogue (built when missing, whatever
else the index home holds), walk the main path (outfit, results with their chips, tile overlays and
contribution highlight, explanation, the plain-spoken explanation panel after a click on a result,
the filters sidebar with a value ticked, a saved outfit, an item's detail view, indexing dialog,
dark theme), save PNGs and quit. The tests drive the same path. Only the built-in generated demo
catalogue is ever shown. A saved outfit the walk makes for its picture is deleted again (the demo
catalogue's database is the user's); a name already saved there is never touched.

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
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QPoint, QRect, QSettings, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from sane_desktop.errors import SaneError
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.models import Role
from sane_desktop.gui.saved_outfits import quoted
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.startup import DEMO, SHUTDOWN_WAIT_MS, create_window, start

if TYPE_CHECKING:  # the caller makes the service (its import loads the database layer)
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


def open_demo_catalogue(window: MainWindow, demo_items: int, timeout_s: float = 600) -> None:
    """Open the demo catalogue, whatever else the index home holds; build it first when missing."""
    start(window, demo_items, demo=True)
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
    window.explanation.loader.wait(10000)  # the explanation's photos at their own resolution
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


WINDOW_SIZE = (1600, 960)  # the window of every picture
EXPLANATION_WIDTH = 520  # the explanation panel's: its sentences fit their three lines, uncut
LOADING_DEVICE = ("", "Device: loading…")
SAVED_OUTFIT_NAME = "Saturday market"  # the saved outfit of screenshot 11 (another name when taken)


def wait_device(window: MainWindow, timeout_s: float = 300) -> None:
    """The models are loaded: the status bar names the device (no "loading…" in a picture)."""
    wait_until(lambda: window.device_label.text() not in LOADING_DEVICE, timeout_s, "the models to load")


def wait_idle(window: MainWindow, timeout_s: float = 120) -> None:
    """No item list, search, tile or explanation task of the window is under way."""
    channels = window.channels
    wait_until(lambda: not (channels.items.busy or channels.search.busy or channels.tiles.busy
                            or channels.explain.busy), timeout_s, "the window's tasks")


def click_result(window: MainWindow, row: int, timeout_s: float = 300) -> None:
    """Click result ``row`` with the mouse (Qt's event path) and wait for its final explanation."""
    view = window.results.view
    index = window.results_model.index(row)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    pk = window.results_model.row(row).item.pk
    wait_until(lambda: window.explanation.update_data is not None and window.explanation.update_data.candidate_pk == pk
               and window.explanation.update_data.final and not window.channels.explain.busy
               or "Could not explain" in window.explanation.status.text(), timeout_s, "the clicked result's explanation")
    if window.explanation.update_data is None or window.explanation.update_data.candidate_pk != pk:
        raise PathTimeout(window.explanation.status.text())


def framed(widget: QWidget) -> QImage:
    """``widget`` (a dialog) as a picture with a title bar of its window title: the offscreen
    platform draws no window decoration, and a bare dialog reads as part of the page."""
    body = widget.grab().toImage()
    palette = widget.palette()
    bar = widget.fontMetrics().height() + 14
    picture = QImage(body.width() + 2, body.height() + bar + 2, QImage.Format.Format_ARGB32)
    picture.fill(palette.color(QPalette.ColorRole.Mid))
    painter = QPainter(picture)
    painter.fillRect(QRect(1, 1, body.width(), bar), palette.color(QPalette.ColorRole.Button))
    font = QFont(widget.font())
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
    painter.drawText(QRect(1, 1, body.width(), bar), int(Qt.AlignmentFlag.AlignCenter), widget.windowTitle())
    painter.drawImage(QPoint(1, bar + 1), body)
    painter.end()
    return picture


def over_window(window: QWidget, dialog: QWidget) -> QImage:
    """The window dimmed a little, with ``dialog`` framed over its centre, as a person sees a modal dialog."""
    picture = window.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    top = framed(dialog)
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))
    left, upper = (picture.width() - top.width()) // 2, (picture.height() - top.height()) // 2
    painter.fillRect(QRect(left + 6, upper + 6, top.width(), top.height()), QColor(0, 0, 0, 60))  # its shadow
    painter.drawImage(QPoint(left, upper), top)
    painter.end()
    return picture


def shoot_filters(window: MainWindow, out: Path, timeout_s: float) -> None:
    """The Filters panel (Ctrl+Shift+F) opens; one colour value is ticked with the mouse: the grid
    and the results show only items of that colour. Saved as 10-filters.png, then cleared and closed."""
    # what Ctrl+Shift+F does, as its action: a shortcut answers only in the active window, which an X server
    # without a window manager never makes it (trial BG's walk under Xvfb waited 120 s here, then failed)
    if not window.filters_dock.isVisible():
        window.filters_toggle.trigger()
    wait_until(lambda: window.filters_dock.isVisible() and window.filters.counts is not None, timeout_s,
               "the filters sidebar's counts")
    counts = window.filters.counts
    assert counts is not None
    facet = next((f for f in counts.facets if f.key in ("colour", "color")), counts.facets[0] if counts.facets else None)
    if facet is None:
        raise ScreenshotError("the demo catalogue offers no attribute to filter by")
    # a value that leaves a grid and results to look at: the most common one
    value = max(facet.values, key=lambda pair: pair[1])[0]
    box = window.filters.box(facet.key, value)
    if box is None:
        raise ScreenshotError(f"the filters sidebar shows no box for {facet.key} {value}")
    scroller = window.filters.findChild(QScrollArea)
    if scroller is not None:
        scroller.ensureWidgetVisible(box)
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    wait_until(lambda: box.isChecked(), 5, "the ticked box")
    wait_until(lambda: window.filters.counts is not None and window.filters.counts.total < counts.total, timeout_s,
               "the filtered counts")
    wait_idle(window, timeout_s)
    wait_results(window, timeout_s)
    wait_tiles(window, timeout_s)
    click_result(window, 0, timeout_s)  # the explanation beside them is of a result shown
    settle(window)
    window.statusBar().clearMessage()  # the export's "Saved the explanation to <path>"
    window.grab().save(str(out / "10-filters.png"))
    window.filters.clear()
    wait_idle(window, timeout_s)
    window.filters_dock.hide()
    wait_results(window, timeout_s)


def saved_outfit_names(window: MainWindow, timeout_s: float) -> list[str]:
    """The names of the demo catalogue's saved outfits (asked of the worker)."""
    answers: list[list[str]] = []
    window.tasks.start(lambda service, _state: [outfit.name for outfit in service.list_saved_outfits()],
                       "Listing saved outfits…").on_done(answers.append).on_failed(window._report_error)
    wait_until(lambda: bool(answers), timeout_s, "the saved outfits")
    return answers[0]


def shoot_saved_outfit(window: MainWindow, out: Path, timeout_s: float) -> None:
    """Outfit → Save outfit… under a name, then Outfit → Open saved outfit… (the dialog listing
    it) over the window: 11-saved-outfit.png. An outfit the walk saved is deleted again."""
    taken = set(saved_outfit_names(window, timeout_s))
    name = next(candidate for n in range(1, 1000)
                if (candidate := SAVED_OUTFIT_NAME if n == 1 else f"{SAVED_OUTFIT_NAME} {n}") not in taken)
    controller = window.saved_outfits
    controller.save()
    naming = controller.name_dialog
    if naming is None:
        raise ScreenshotError("Outfit → Save outfit… opened no dialog")
    naming.name_edit.setText(name)
    naming.accept()
    wait_until(lambda: f"the outfit {quoted(name)}" in window.statusBar().currentMessage(), timeout_s,
               "the saved outfit")  # the window's own quoting of a saved outfit's name
    controller.open_dialog()
    dialog = controller.dialog
    if dialog is None:
        raise ScreenshotError("Outfit → Open saved outfit… opened no dialog")
    try:
        wait_until(lambda: dialog.list.count() > 0 and not controller.channel.busy, timeout_s, "the saved outfits list")
        rows = [dialog.list.item(row).text().split(" — ")[0] for row in range(dialog.list.count())]
        dialog.list.setCurrentRow(rows.index(name))
        dialog.resize(440, 200)  # as small as one saved outfit needs: no empty list in the picture
        settle(window, 200)
        over_window(window, dialog).save(str(out / "11-saved-outfit.png"))
        saved = dialog.list.currentItem().data(Qt.ItemDataRole.UserRole)
    finally:
        dialog.close()
    controller.delete(saved.pk)  # ours: the user's catalogue keeps only what the user saved
    wait_until(lambda: not controller.channel.busy, timeout_s, "deleting the screenshot's outfit")
    window.statusBar().clearMessage()


def shoot_details(window: MainWindow, out: Path, timeout_s: float) -> None:
    """The detail view (Space, or a double-click) of the best of the first results that has the most
    metadata: 12-detail-view.png."""
    shown = [window.results_model.row(row).item for row in range(min(8, window.results_model.rowCount()))]
    pk = max(shown, key=lambda item: len(item.attributes)).pk
    window.show_details(pk)
    view = window.detail_view
    if view is None:
        raise ScreenshotError("the detail view did not open")
    try:
        wait_until(lambda: view.size_label.text() not in ("…", ""), timeout_s, "the detail view's photo")
        view.resize(700, 400)  # the demo's photos are small: at their own size they fill this one
        settle(window, 200)
        framed(view).save(str(out / "12-detail-view.png"))
    finally:
        view.close()


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
    previous = qInstallMessageHandler(_without_offscreen_noise)
    try:
        try:
            service = make_service()
        except SaneError as error:
            raise ScreenshotError(f"screenshots: {error}") from error
        return take_screenshots(service, out, demo_items=demo_items, deadline_s=deadline_s)
    finally:
        qInstallMessageHandler(previous)
        watchdog.cancel()


# Qt's offscreen plugin (the walk's usual platform) warns of a window hint it cannot pass on, once per shot, and of
# a dialog it cannot raise above the window (trial EN read that as something gone wrong)
OFFSCREEN_NOISE = ("does not support propagateSizeHints()", "does not support raise()")


def _without_offscreen_noise(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's messages on stderr as its own handler prints them, but :data:`OFFSCREEN_NOISE` (a new user read a
    warning per screenshot as something gone wrong)."""
    if not any(noise in message for noise in OFFSCREEN_NOISE):
        print(message, file=sys.stderr)


def take_screenshots(service: CatalogueService, out: Path, demo_items: int = 120,
                     deadline_s: float | None = None) -> int:
    """Walk the main path on the demo catalogue and save the PNGs into ``out``: 0, or
    ScreenshotError with one line saying what failed (the worker is stopped first)."""
    deadline = time.monotonic() + (walk_deadline_s() if deadline_s is None else deadline_s)

    def left(limit: float) -> float:  # a step's own bound, never past the walk's deadline
        return max(0.0, min(limit, deadline - time.monotonic()))

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, a read-only place: one line, not a traceback (trial BU)
        raise ScreenshotError(f"screenshots: cannot make the folder {out} ({error.strerror or error})") from None
    # a private settings file: screenshots never change the user's remembered settings
    scratch = Path(tempfile.mkdtemp(prefix="sane-shots-"))
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("theme", "light")
    window, runner = create_window(service, settings, cache_dir=scratch / "thumbnails")
    _reported.clear()
    window.statusBar().messageChanged.connect(_record_status)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.resizeDocks([window.explanation_dock], [EXPLANATION_WIDTH], Qt.Orientation.Horizontal)
    failure: BaseException | None = None
    try:
        open_demo_catalogue(window, demo_items, left(600))
        wait_device(window, left(300))
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
        window.set_tile_overlays(False)
        click_result(window, 1, left(300))  # the plain-spoken explanation of a clicked result
        settle(window)
        window.explanation_dock.grab().save(str(out / "09-explanation.png"))
        shoot_filters(window, out, left(120))
        shoot_saved_outfit(window, out, left(60))
        shoot_details(window, out, left(60))
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
        framed(dialog).save(str(out / "06-index-dialog.png"))
        dialog.close()
        window.set_tile_overlays(False)
        window.statusBar().clearMessage()
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
