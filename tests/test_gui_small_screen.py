"""A small screen keeps the results usable (pytest-qt, offscreen, through the real window).

A new-user trial at 800 × 600 saw the results grid as a ~130 px strip, less than one tile: the
outfit strip kept its full-size tiles (220 px high) and the narrow middle column's results header
took four rows. Now, in a short window, the outfit strip gives up its spare room and then its tiles
shrink so that the results show one whole row of tiles under their header, at 800 × 600 and at
1024 × 600, with an outfit built by double-clicks and a line under the header (a threshold typed
into "Hide matches below"); the outfit strip still shows a whole tile and the explanation panel
stays. A window made tall again has the full-size strip back, as a window opened at that size does.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, double_click_item, settle  # noqa: E402
from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtWidgets import QListView  # noqa: E402

from sane_desktop.gui.delegates import THUMB_H, ItemTileDelegate  # noqa: E402
from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.outfit_panel import STRIP_HEIGHT  # noqa: E402

pytestmark = pytest.mark.slow
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("small-screen"))


def wait_for_results(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.channels.search.busy and window.results_model.rowCount() > 0
                    and window.results.stack.currentWidget() is window.results.view, timeout=60000)
    settle(200)  # the layout passes after the results (the strip is refitted once they are over)


def with_an_outfit(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Two outfit items of different categories, added by double-click; the results shown."""
    first = window.browser_model.row(0).item.category
    other = next(r for r in range(window.browser_model.rowCount()) if window.browser_model.row(r).item.category != first)
    double_click_item(window, qtbot, 0)
    double_click_item(window, qtbot, other)
    wait_for_results(window, qtbot)


def tile_size(view: QListView) -> tuple[int, int]:
    """A tile's full size (thumbnail, title and the result's bands) as the view's delegate lays it out."""
    delegate = view.itemDelegate()
    assert isinstance(delegate, ItemTileDelegate)
    size = delegate.tile_size()
    return size.width(), size.height()


def whole_tile_shown(view: QListView) -> bool:
    """The view's first tile lies whole inside its viewport."""
    area = view.viewport().rect()
    tile = view.visualRect(view.model().index(0, 0))
    return tile.isValid() and area.contains(tile)


def a_whole_tile_shown(view: QListView) -> bool:
    """Some tile of the view lies whole inside its viewport (the outfit strip shows the item added last)."""
    area = view.viewport().rect()
    return any(area.contains(view.visualRect(view.model().index(row, 0))) for row in range(view.model().rowCount()))


def assert_usable(window) -> None:  # type: ignore[no-untyped-def]
    """One whole row of result tiles, a whole outfit tile, and the explanation panel beside them."""
    results = window.results.view
    width, height = tile_size(results)
    viewport = results.viewport()
    assert viewport.height() >= height, f"results grid {viewport.height()} px high, a tile is {height} px"
    assert viewport.width() >= width
    assert whole_tile_shown(results)
    strip = window.outfit_panel.view
    width, height = tile_size(strip)
    assert strip.viewport().height() >= height and strip.viewport().width() >= width
    assert a_whole_tile_shown(strip) and strip.verticalScrollBar().value() == 0
    assert window.outfit_panel.isVisible() and window.outfit_panel.height() > 0
    dock = window.explanation_dock
    assert dock.isVisible() and not dock.isFloating() and dock.width() > 0 and dock.height() > 0
    assert QRect(0, 0, window.width(), window.height()).contains(dock.geometry())
    # nothing overlaps: the outfit strip above the results, both left of the explanation
    centre = window.outfit_panel.parentWidget()
    assert window.outfit_panel.geometry().bottom() < window.results.geometry().top()
    assert centre.mapTo(window, centre.rect().topRight()).x() < dock.geometry().left()


@pytest.mark.parametrize("size", [(800, 600), (1024, 600)])
def test_a_small_window_shows_a_whole_row_of_results(world, qtbot, make_window, size) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=size)
    with_an_outfit(window, qtbot)
    assert (window.width(), window.height()) == size
    assert_usable(window)
    # one more line under the header ("Showing only matches of 10/100 or more"): still a whole row
    spin = window.results.threshold
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "10")
    qtbot.waitUntil(lambda: window.results.filter_note.isVisible() and "10/100" in window.results.filter_note.text(),
                    timeout=10000)
    wait_for_results(window, qtbot)
    assert_usable(window)


def test_a_tall_window_keeps_the_full_size_outfit_strip(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(800, 600))
    with_an_outfit(window, qtbot)
    strip = window.outfit_panel.view
    delegate = strip.itemDelegate()
    assert isinstance(delegate, ItemTileDelegate)
    assert delegate.side < THUMB_H and strip.height() < STRIP_HEIGHT  # shrunk in the short window
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: window.height() == 800, timeout=5000)
    settle(200)
    assert (delegate.side, strip.height()) == (THUMB_H, STRIP_HEIGHT)
    tall = make_window(world, size=(1200, 800))
    with_an_outfit(tall, qtbot)
    assert (tall.outfit_panel.view.itemDelegate().side, tall.outfit_panel.view.height()) == (THUMB_H, STRIP_HEIGHT)
    # the results get the same room as in a window opened at this size
    assert window.results.view.viewport().height() == tall.results.view.viewport().height()
    assert_usable(tall)


def test_the_item_just_added_is_shown_at_the_strip_s_end(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial CD: a fifth outfit item landed past the strip's right edge, unseen. The strip scrolls sideways to
    the item just added, and only sideways (scrolling it into view once cut every tile at 800 × 600)."""
    window = make_window(world, size=(800, 600))
    strip = window.outfit_panel.view
    pks = [window.browser_model.row(r).item.pk for r in range(6)]
    for pk in pks:
        window.add_to_outfit([pk])
    wait_for_results(window, qtbot)
    last = strip.model().index(len(pks) - 1, 0)
    qtbot.waitUntil(lambda: strip.viewport().rect().contains(strip.visualRect(last)), timeout=5000)
    assert strip.horizontalScrollBar().value() > 0  # it had to scroll: six tiles do not fit at 800 px
    assert strip.verticalScrollBar().value() == 0
    width, height = tile_size(strip)
    assert strip.viewport().height() >= height


def test_a_four_item_outfit_shows_whole_side_by_side(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial ED: a four-item strip scrolled its first item half out of view. The strip's tiles shrink (down to
    WHOLE_OUTFIT_SIDE) until the whole outfit shows side by side, the room under them going to the results;
    fewer items take their full size back, and an outfit too long for that smallest side scrolls."""
    from sane_desktop.gui.outfit_panel import WHOLE_OUTFIT_SIDE

    window = make_window(world, size=(1300, 820))
    strip = window.outfit_panel.view
    delegate = strip.itemDelegate()
    assert isinstance(delegate, ItemTileDelegate)
    bar = strip.horizontalScrollBar()
    pks = [window.browser_model.row(r).item.pk for r in range(12)]
    window.add_to_outfit(pks[:2])
    wait_for_results(window, qtbot)
    assert delegate.side == THUMB_H and bar.maximum() == 0  # two fit at full size
    results_before = window.results.view.viewport().height()
    window.add_to_outfit(pks[2:4])
    wait_for_results(window, qtbot)
    qtbot.waitUntil(lambda: all(strip.viewport().rect().contains(strip.visualRect(strip.model().index(row, 0)))
                                for row in range(4)), timeout=5000)
    assert bar.maximum() == 0 and WHOLE_OUTFIT_SIDE <= delegate.side < THUMB_H
    assert window.results.view.viewport().height() >= results_before  # the strip's spare room went to the results
    window.outfit_panel.remove_items(pks[2:4])
    qtbot.waitUntil(lambda: delegate.side == THUMB_H, timeout=5000)
    window.add_to_outfit(pks[2:])  # twelve: too many for the smallest side, the strip scrolls
    wait_for_results(window, qtbot)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and delegate.side == WHOLE_OUTFIT_SIDE, timeout=5000)


def test_a_four_item_outfit_shows_whole_on_a_small_laptop_screen(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial EE: at 96 px the smallest side, a five-item outfit still scrolled at 1280 × 800 and a four-item one at
    1024 × 768; the strip goes down to the thumbnail slider's smallest side."""
    window = make_window(world, size=(1024, 768))
    strip = window.outfit_panel.view
    window.add_to_outfit([window.browser_model.row(r).item.pk for r in range(4)])
    wait_for_results(window, qtbot)
    qtbot.waitUntil(lambda: all(strip.viewport().rect().contains(strip.visualRect(strip.model().index(row, 0)))
                                for row in range(4)), timeout=5000)
    assert strip.horizontalScrollBar().maximum() == 0


SMALL_SCREEN_WALK = r'''
import json, os, sys, tempfile
from pathlib import Path
width, height, root = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
(root / "screen.json").write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": width,
    "height": height, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={root / 'screen.json'}"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui_helpers import demo_world
from sane_desktop.gui.app import create_window
from sane_desktop.gui.screenshots import build_outfit, click_result, open_first_catalogue, settle, wait_results
from sane_desktop.gui.settings import Settings
from sane_desktop.service import CatalogueService
world = demo_world(root / "world", 40)
settings = Settings(QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat))
window, client = create_window(CatalogueService(world["index"], model=world["model"], rise_masks=8), settings,
                               cache_dir=root / "thumbs")
window.show()

def seen(step):
    settle(window, 300)
    on_screen = lambda widget: window.screen().availableGeometry().contains(  # noqa: E731
        widget.mapToGlobal(widget.rect().topLeft())) and window.screen().availableGeometry().contains(
        widget.mapToGlobal(widget.rect().bottomRight()))
    print(json.dumps({"step": step, "frame": window.frameGeometry().getRect(),
                      "screen": window.screen().availableGeometry().getRect(),
                      "status bar": on_screen(window.statusBar()), "slider": on_screen(window.tile_size),
                      "export": on_screen(window.explanation.export_button),
                      "panel": on_screen(window.explanation_dock), "panel width": window.explanation_dock.width(),
                      "centre width": window.centre_scroller.width(), "least": window.minimumSize().toTuple(),
                      "centre scrolls": window.centre_scroller.verticalScrollBar().isVisible()
                      or window.centre_scroller.horizontalScrollBar().isVisible()}), flush=True)

seen("shown")
open_first_catalogue(window, build_demo=False, demo_items=40, timeout_s=120)
build_outfit(window, 2)
wait_results(window, 120)
seen("outfit")
click_result(window, 0, 300)
seen("explained")
client.shutdown()
'''


@pytest.mark.parametrize("width, height, scrolls", [
    (683, 427, True),    # 1024 × 640 at 150 % (QT_FONT_DPI=144): trial ES
    (910, 480, False),   # 1366 × 768 at 150 % less a task bar: the outfit strip gives its room, nothing scrolls
    (1024, 768, False),  # a screen with the room: nothing scrolls
])
def test_the_window_fits_a_small_scaled_screen(width: int, height: int, scrolls: bool, tmp_path: Path) -> None:
    """Trial ES: at 1024 × 640 and 150 % (683 × 427 logical pixels) the window's least size (663 × 534) ran past the
    screen's bottom: the status bar with the thumbnail slider, and the explanation's Export button, could not be
    reached; an explanation then widened it past the right edge (its panel's close button gone). A screen of that
    size is made real (the offscreen platform's screen from a config file, in a process of its own): the window
    fits it all along, its status bar, slider, panel and Export button on it; the catalogue, outfit and results
    scroll together where the screen is smaller than their least size, and only there."""
    import json
    import subprocess
    import sys

    tests = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)]),
           "HOME": str(tmp_path), "SANE_CONFIG_HOME": str(tmp_path / "config"), "SANE_CACHE_HOME": str(tmp_path / "cache"),
           "SANE_LOG_HOME": str(tmp_path / "log")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-c", SMALL_SCREEN_WALK, str(width), str(height), str(tmp_path)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [step["step"] for step in steps] == ["shown", "outfit", "explained"]
    for step in steps:
        left, top, w, h = step["frame"]
        assert left >= 0 and top >= 0 and left + w <= width and top + h <= height, step
        assert step["status bar"] and step["slider"] and step["panel"] and step["export"], step
        assert step["centre width"] >= 300, step  # the catalogue and results keep a column, not a sliver
        # a least size the person can still shrink the window to with a window manager (trial ET: it was the whole
        # screen, 995 × 569 on a 1024 × 640 one)
        assert step["least"][0] <= width - 16 and step["least"][1] <= height - 48, step  # room for a frame too
        if scrolls:  # the centre's least does not fit: the window may be made much smaller, the centre scrolls
            assert step["least"][1] <= height // 2 + 40, step
    assert steps[-1]["centre scrolls"] is scrolls, steps[-1]


def test_the_wheel_over_a_box_in_a_scrolled_panel_changes_nothing(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial ET: rolling the wheel over the results' "for" box to scroll the window's centre switched it from "All
    categories" to "Trousers", silently. A box, spin box or slider in a scrolled panel takes the wheel only while it
    has the keyboard (that the wheel then scrolls the panel, a real X server shows: ``test_gui_wheel_guard.py``)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QComboBox

    from sane_desktop.gui.wheel_guard import guard_wheel

    window = make_window(world, size=(800, 600))
    with_an_outfit(window, qtbot)

    def roll(widget) -> None:  # type: ignore[no-untyped-def]
        """A wheel turn over ``widget``, handed to the window as the window system does (Qt finds the widget)."""
        point = QPointF(widget.mapTo(window, widget.rect().center()))
        event = QWheelEvent(point, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(window.windowHandle(), event)

    target, threshold = window.results.target, window.results.threshold
    assert isinstance(target, QComboBox) and target.count() > 2 and not target.hasFocus()
    threshold.setValue(10)
    before = (target.currentIndex(), threshold.value())
    roll(target)
    roll(threshold)
    assert (target.currentIndex(), threshold.value()) == before
    target.setFocus()  # chosen (Tab): the wheel is the box's again
    qtbot.waitUntil(target.hasFocus, timeout=5000)
    roll(target)
    assert target.currentIndex() != before[0]
    assert guard_wheel(window) == 0  # every one was guarded when the window was made
