"""The window keeps what the user built and can always bring back what they closed (issue 18,
faults 2 and 4), through Qt's real event paths: menu actions triggered, mouse clicks on views."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QToolButton  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, open_first_catalogue, wait_results  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from sane_desktop.demo import generate_demo

    root = tmp_path_factory.mktemp("window-state")
    build_demo_world(root, 40)
    generate_demo(root / "second", seed=1, items=40, masks=False)
    empty = root / "nothing-usable" / "tops"
    empty.mkdir(parents=True)
    (empty / "broken.jpg").write_bytes(b"not an image")  # a folder tree whose one file cannot be indexed
    return {"root": root, "index": root / "index", "model": root / "model.pt", "second": root / "second",
            "empty": root / "nothing-usable"}


@pytest.fixture
def window(world, qtbot):  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, size=(1200, 800))
    open_first_catalogue(window, build_demo=False, demo_items=40, timeout_s=60)
    yield window
    client.shutdown()


def _index_folder(window, qtbot, folder: Path, name: str, refused: str = "") -> None:  # type: ignore[no-untyped-def]
    window.index_action.trigger()  # File → Index catalogue folder…
    dialog = window.index_dialog
    qtbot.waitExposed(dialog)
    dialog.folder.setText(str(folder))
    dialog.name.setText(name)
    dialog.inspect(str(folder))
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=30000)
    dialog.start_button.click()
    assert dialog.phase.text(), "Start did nothing"
    qtbot.waitUntil(lambda: dialog.last_report is not None or "Failed" in dialog.phase.text(), timeout=120000)
    if refused:  # ``refused``: words the dialog's failure must hold
        assert dialog.last_report is None and refused in dialog.phase.text(), dialog.phase.text()
    else:
        assert dialog.last_report is not None, dialog.phase.text()
    dialog.close()


def _click_result(window, qtbot, row: int = 0) -> None:  # type: ignore[no-untyped-def]
    view = window.results.view
    rect = view.visualRect(window.results_model.index(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_closed_explanation_panel_comes_back_from_the_view_menu_and_on_a_click(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    build_outfit(window, 2)
    wait_results(window, 60)
    dock = window.explanation_dock
    assert dock.isVisible()
    close = dock.findChild(QAbstractButton, "qt_dockwidget_closebutton")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)  # its title bar's close button, a real click
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=5000)
    toggle = next(a for a in window.panel_actions if a.text().replace("&", "") == "Explanation panel")
    menu_texts = [a.text() for a in window.menuBar().actions()]
    assert "&View" in menu_texts
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    shortcut = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    assert toggle.shortcut().toString() == "Ctrl+Shift+E"
    qtbot.keyClick(window, Qt.Key.Key_E, shortcut)  # View → Panels → Explanation panel's shortcut
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_E, shortcut)
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=5000)
    _click_result(window, qtbot)  # clicking a result reopens it, with the explanation on the way
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: window.explanation.update_data is not None, timeout=60000)


def test_indexing_keeps_the_outfit_and_never_switches_to_an_empty_catalogue(window, qtbot, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    # an image from disk in the outfit too: a trial's vanished, without a word, after a switch and back
    photo, replaced = tmp_path / "from disk.png", tmp_path / "replaced later.png"
    Image.new("RGB", (60, 80), (30, 120, 200)).save(photo)
    Image.new("RGB", (60, 80), (200, 120, 30)).save(replaced)
    window.add_image(str(photo), window.outfit_model.items()[0].category)
    qtbot.waitUntil(lambda: len(window.outfit_model.pks()) == 3, timeout=60000)
    window.add_image(str(replaced), window.outfit_model.items()[0].category)
    qtbot.waitUntil(lambda: len(window.outfit_model.pks()) == 4, timeout=60000)
    outfit = window.outfit_model.pks()
    assert outfit[2] < 0 and outfit[3] < 0
    _click_result(window, qtbot)
    qtbot.waitUntil(lambda: window.explanation.update_data is not None, timeout=60000)

    # nothing usable: refused (no 0-item catalogue is made, trial CU), and the window stays where it was
    _index_folder(window, qtbot, world["empty"], "nothing", refused="could be read: 1 item was left out")
    qtbot.waitUntil(lambda: not window.channels.catalogues.busy and not window.channels.open.busy, timeout=30000)
    assert window.catalogue.name == "demo" and window.outfit_model.pks() == outfit

    qtbot.keyClicks(window.search_box, "no such words")  # a search of this catalogue's…
    qtbot.waitUntil(lambda: window.browser_model.rowCount() == 0, timeout=30000)
    _index_folder(window, qtbot, world["second"], "second")  # a real catalogue: switch to it
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "second", timeout=60000)
    Image.new("RGB", (60, 80), (10, 200, 10)).save(replaced)  # another photo under the name, meanwhile
    assert window.outfit_model.pks() == [] and window.explanation.update_data is None  # nothing stale on screen
    assert window.search_box.text() == ""  # …is not the next one's ("No items match this search")
    # nor its clear button on the empty box (trial AZ: the box was cleared with its signals blocked, and
    # Qt's button follows textChanged); it fades out
    clear_button = next(b for b in window.search_box.findChildren(QToolButton) if b.defaultAction() is not None)
    qtbot.waitUntil(lambda: not clear_button.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: window.browser_model.rowCount() > 0, timeout=30000)

    switcher = window.catalogue_switcher  # back to the demo: its outfit is there again
    switcher.setFocus()  # choose it with the keyboard, as a user would
    key = Qt.Key.Key_Up if switcher.findData("demo") < switcher.currentIndex() else Qt.Key.Key_Down
    for _ in range(abs(switcher.findData("demo") - switcher.currentIndex())):
        qtbot.keyClick(switcher, key)
    assert switcher.currentData() == "demo"
    qtbot.waitUntil(lambda: window.catalogue.name == "demo" and len(window.outfit_model.pks()) == 3, timeout=60000)
    back = window.outfit_model.items()
    assert [item.pk for item in back[:2]] == outfit[:2]  # in its order
    assert back[2].from_disk and back[2].image_path == photo and back[2].category == window.outfit_model.items()[0].category
    # the replaced one is left out, not its new picture swapped in under the old name (a trial), and said
    qtbot.waitUntil(lambda: "An image from disk left the outfit" in window.statusBar().currentMessage(), timeout=30000)
    assert "replaced later.png added from disk was replaced since it was added" in window.statusBar().currentMessage()
    wait_results(window, 60)
    assert window.results_model.rowCount() > 0
    shutil.rmtree(world["index"] / "second", ignore_errors=True)
    shutil.rmtree(world["index"] / "nothing", ignore_errors=True)


def test_changing_the_outfit_clears_the_explanation_of_the_old_one(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The explanation on screen was of the old outfit (its pair, its score): a new outfit item
    added with a real double-click removes it, saying why, instead of leaving it as if current."""
    build_outfit(window, 2)
    wait_results(window, 60)
    _click_result(window, qtbot)
    qtbot.waitUntil(lambda: window.explanation.update_data is not None, timeout=60000)
    outfit = set(window.outfit_model.pks())
    grid = window.grid
    row = next(r for r in range(window.browser_model.rowCount())
               if window.browser_model.items()[r].pk not in outfit)
    rect = grid.visualRect(window.browser_model.index(row))
    # a user's double-click: press, release, then the double-click event (Qt needs the first press)
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(window.outfit_model.pks()) == 3, timeout=10000)
    assert window.explanation.update_data is None and "outfit changed" in window.explanation.status.text()


def test_another_list_starts_at_the_top_of_the_grid(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial switched the category filter and the new list opened scrolled half-way down; another
    order of the same items is another list too. A list read again (the same one) stays where it is."""
    grid, combo = window.grid, window.catalogue_sort
    qtbot.waitUntil(lambda: window.browser_model.rowCount() > 0, timeout=30000)
    bar = grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=10000)
    bar.setValue(bar.maximum())
    window.request_items()  # the same list again
    qtbot.waitUntil(lambda: not window.channels.items.busy, timeout=30000)
    assert bar.value() == bar.maximum() > 0
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # another order, by keyboard as a user would
    qtbot.waitUntil(lambda: not window.channels.items.busy and bar.value() == 0, timeout=30000)
