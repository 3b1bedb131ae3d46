"""Three small faults a trial at a small window size found, through Qt's real event paths (the
toolbar's Filters button, a double-click in the catalogue grid, window activation):

- at 800 × 600 with the Filters panel open, the panel never scrolls sideways: a long value is
  elided ("…", the full text in its tooltip) and every value's count stays whole; the outfit's
  reason rows in the narrower explanation panel give the item's name a line of its own;
- the outfit panel's header (title, buttons) stays where it is when the first item is added;
- the catalogues listed again each time the window comes to the front say nothing in the status
  line when the listing is quick ("Listing catalogues…" was noise); a listing the person asks for,
  or a quiet task that runs long, still says what it does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, filter_counts, settle  # noqa: E402
from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtWidgets import QCheckBox, QScrollArea, QStyle, QStyleOptionButton, QToolBar, QWidget  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.gui.tasks import QUIET_MS, TaskRunner, TaskState  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402

pytestmark = pytest.mark.slow
SIZE = (1200, 800)  # the windows' size unless a test says
LEFT = Qt.MouseButton.LeftButton
LISTING = "Listing catalogues…"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("polish-wave"))


def activate(qtbot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


# --- 1. the filters panel at 800 × 600 ---------------------------------------------------------------
def shown_text(box: QCheckBox) -> str:
    """The text a value's box draws (its own, when it elides; else Qt's whole text)."""
    shown = getattr(box, "shown_text", None)
    return shown() if callable(shown) else box.text()


def text_rect(box: QCheckBox) -> QRect:
    """Where the box draws its text, in its own coordinates (the style's contents rectangle)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    return box.style().subElementRect(QStyle.SubElement.SE_CheckBoxContents, option, box)


def values_fit(window) -> int:  # type: ignore[no-untyped-def]
    """Every value's count whole and its text within the panel, which never scrolls sideways; returns
    how many values are elided (their tooltips carry the whole text)."""
    scroll = window.filters.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.horizontalScrollBar().maximum() == 0 and not scroll.horizontalScrollBar().isVisible(), \
        f"the filters scroll sideways: {scroll.widget().width()} px of content in a {viewport.width()}-pixel viewport"
    expected = filter_counts(window)
    elided = 0
    for (group, value), count in expected.items():
        box = window.filters.box(group, value)
        assert box is not None and box.isVisible()
        text = shown_text(box)
        where = f"{group} {value!r}: {text!r}"
        assert text.endswith(f"({count})"), f"{where}: the count is not shown whole"
        rect = text_rect(box)
        assert box.fontMetrics().horizontalAdvance(text) <= rect.width(), f"{where}: wider than its {rect.width()} px"
        left, right = box.mapTo(viewport, rect.topLeft()).x(), box.mapTo(viewport, rect.topRight()).x()
        assert 0 <= left and right < viewport.width(), f"{where}: outside the {viewport.width()}-pixel panel"
        if "…" in text:  # elided: the tooltip carries the whole value
            elided += 1
            assert value in box.toolTip() and f"({count})" in box.toolTip()
        else:
            assert text == f"{value} ({count})"
    return elided


def test_the_filters_panel_never_scrolls_sideways_at_800_by_600(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(800, 600))
    toolbar = window.findChild(QToolBar, "main-toolbar")
    qtbot.mouseClick(toolbar.widgetForAction(window.filters_toggle), LEFT)
    qtbot.waitUntil(lambda: window.filters_dock.isVisible() and window.filters.counts is not None, timeout=20000)
    settle(300)
    assert (window.width(), window.height()) == (800, 600)
    assert values_fit(window) == 0  # the panel has room (below the explanation): every value whole
    # docked by hand in a column of its own beside the others, it is squeezed: long values are elided
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.filters_dock)
    settle(300)
    assert (window.width(), window.height()) == (800, 600)
    elided = values_fit(window)
    assert elided  # at this width some values are elided (else the test would not test that)
    # the ticks still work on a narrow box: a click on its (elided) text ticks it
    group, value = next(iter(filter_counts(window)))
    box = window.filters.box(group, value)
    qtbot.mouseClick(box, LEFT, pos=text_rect(box).center())
    assert box.isChecked() and value in window.filters.describe()
    qtbot.mouseClick(box, LEFT, pos=text_rect(box).center())
    qtbot.waitUntil(lambda: not window.filters.channel.busy and not window.filters.describe(), timeout=20000)
    # wider again: the values are shown whole, without tooltips
    window.resize(1400, 800)
    window.resizeDocks([window.filters_dock], [260], Qt.Orientation.Horizontal)
    settle(300)
    whole = 0
    for (group, value), count in filter_counts(window).items():
        box = window.filters.box(group, value)
        if box.width() >= box.sizeHint().width():
            whole += 1
            assert shown_text(box) == f"{value} ({count})" and box.toolTip() == ""
    assert whole


def test_the_outfit_reason_rows_are_read_at_800_by_600_with_the_filters_open(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(800, 600))
    toolbar = window.findChild(QToolBar, "main-toolbar")
    qtbot.mouseClick(toolbar.widgetForAction(window.filters_toggle), LEFT)
    qtbot.waitUntil(window.filters_dock.isVisible, timeout=20000)
    build_outfit(window, 3)
    wait_results(window, 60)
    view = window.results.view
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(window.results_model.index(0)).center())
    reason = window.explanation.outfit_reason
    qtbot.waitUntil(lambda: len(reason.rows) == 3 and all(row.isVisible() for row in reason.rows), timeout=120000)
    settle(300)
    assert (window.width(), window.height()) == (800, 600)
    for row in reason.rows:
        metrics, place = row.fontMetrics(), row.placement()
        first_word = row.title.split()[0]
        # a trial saw "Blac…", "Bro…": the title's first word at least is read whole
        assert row.shown_title().startswith(first_word), f"{row.title!r} shown as {row.shown_title()!r} in {row.width()} px"
        assert metrics.horizontalAdvance(row.value_text()) <= place.value.width()  # the share whole
        for rect in (place.title, place.bar, place.value):  # nothing drawn over another or past the row
            assert 0 <= rect.left() and rect.right() <= row.width() and rect.bottom() <= row.height()
        assert not place.title.intersects(place.value) and not place.bar.intersects(place.value)


# --- 2. the outfit header stays put ----------------------------------------------------------------
def header_geometry(window) -> dict[str, tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    panel = window.outfit_panel
    widgets = {"title": panel.title, "remove": panel.remove_button, "clear": panel.clear_button}
    return {name: QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size()).getRect() for name, widget in widgets.items()}


@pytest.mark.parametrize("size", [(1200, 800), (800, 600)])
def test_the_outfit_header_keeps_its_place_when_the_first_item_is_added(world, qtbot, make_window, size) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=size)
    panel = window.outfit_panel
    assert panel.model.rowCount() == 0 and panel.placeholder.isVisible()
    settle(200)
    before = header_geometry(window)
    grid = window.grid
    centre = grid.visualRect(window.browser_model.index(0)).center()
    qtbot.mouseClick(grid.viewport(), LEFT, pos=centre)  # a view double-clicks what it pressed
    qtbot.mouseDClick(grid.viewport(), LEFT, pos=centre)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
    settle(200)
    assert not panel.placeholder.isVisible()
    assert header_geometry(window) == before
    # the room the placeholder left goes to the results, not to a blank gap under the strip
    view_bottom = panel.view.mapTo(window, QPoint(0, panel.view.height())).y()
    results_top = window.results.mapTo(window, QPoint(0, 0)).y()
    handle = window.outfit_panel.parentWidget().handleWidth()
    assert results_top - view_bottom <= handle + 2, (view_bottom, results_top)
    # and back: removing the item (Delete on the outfit) leaves the header where it was
    panel.view.setCurrentIndex(panel.model.index(0))
    qtbot.mouseClick(panel.remove_button, LEFT)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=10000)
    settle(200)
    assert header_geometry(window) == before


# --- 3. a quick listing on activation is quiet -----------------------------------------------------
def test_listing_on_activation_is_quiet_when_quick_and_still_refreshes(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=SIZE)
    activate(qtbot, window)
    qtbot.waitUntil(lambda: not window.channels.catalogues.busy, timeout=20000)
    shown: list[str] = []
    window.tasks.activity.connect(shown.append)  # what drives the status line
    window.statusBar().messageChanged.connect(shown.append)
    other = QWidget()  # the terminal the person switched to
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    activate(qtbot, other)
    CatalogueService(world["index"], model=world["model"]).index_folder(world["source"], "quiet")
    started = window.channels.catalogues.started
    activate(qtbot, window)  # back to the app: the window is activated and lists again
    qtbot.waitUntil(lambda: window.catalogue_switcher.findData("quiet") >= 0, timeout=20000)
    assert window.channels.catalogues.started == started + 1
    settle(QUIET_MS + 300)  # past the moment a slow listing would have said so
    assert LISTING not in shown and window.activity.text() != LISTING

    # a listing the person asks for (a catalogue renamed, deleted, indexed) still says so
    window.refresh_catalogues(select=window.catalogue.name, reopen=False)
    qtbot.waitUntil(lambda: LISTING in shown, timeout=20000)
    qtbot.waitUntil(lambda: not window.channels.catalogues.busy, timeout=20000)


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner[str]]:  # type: ignore[no-untyped-def]
    runner: TaskRunner[str] = TaskRunner("service")
    yield runner
    assert runner.shutdown(5000)


def test_a_quiet_task_says_what_it_does_once_it_runs_long(runner, qtbot) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    runner.activity.connect(shown.append)
    release = threading.Event()

    def slow(_owner: str, _state: TaskState[None]) -> str:
        release.wait(30)  # until the test has seen the text (bounded: never hangs)
        return "listed"

    task = runner.start(slow, "Listing slowly…", quiet=True)
    qtbot.waitUntil(lambda: "Listing slowly…" in shown, timeout=10000)
    release.set()
    with qtbot.waitSignal(task.done, timeout=10000) as done:
        pass
    assert done.args == ["listed"]

    quick = runner.start(lambda _owner, _state: "listed", "Listing quickly…", quiet=True)
    with qtbot.waitSignal(quick.finished, timeout=10000):
        pass
    settle(QUIET_MS + 300)
    assert "Listing quickly…" not in shown
