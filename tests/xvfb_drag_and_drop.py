"""Drag and drop onto the outfit through Qt's real event path, on a real X server (Xvfb + xcb).

Also what else needs a real X server without a window manager: the window's keyboard at its first show.

Not collected on its own (the session's Qt runs offscreen, whose drag manager drops nothing):
``test_gui_drag_and_drop.py`` runs this module in a subprocess with ``QT_QPA_PLATFORM=xcb``.
Mouse events go in as window-system events (QTest on the QWindow), so Qt's xcb drag manager
picks the drop target itself — a viewport that refuses drops is never reached, as for a user.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDrag, QWindow  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QLabel, QWidget  # noqa: E402

from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from sane_desktop.gui.screenshots import open_first_catalogue  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("dnd")
    build_demo_world(root, 30)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


@pytest.fixture
def window(world, qtbot):  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, size=(1100, 760))
    open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
    yield window
    client.shutdown()


def _release_over(target: QWidget, window: QWindow, after_ms: int = 300) -> None:
    """While a drag runs (its own event loop), move the mouse over ``target`` and release it there."""
    def finish() -> None:
        point = target.mapTo(target.window(), target.rect().center())
        QTest.mouseMove(window, point)
        QTest.mouseMove(window, point + QPoint(3, 3))
        QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point + QPoint(3, 3))

    QTimer.singleShot(after_ms, finish)


def test_the_window_takes_the_keyboard_when_it_first_shows(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial ES: without a window manager the new window had no keyboard (Ctrl+O and typing went nowhere until it
    was clicked); it asks for it as a window manager would give it."""
    from PySide6.QtGui import QGuiApplication

    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is window.windowHandle(), timeout=5000)


def test_dragging_a_catalogue_item_onto_the_outfit_adds_it(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = window.grid
    qtbot.waitUntil(lambda: grid.model().rowCount() > 0, timeout=30000)
    item = window.browser_model.items()[0]
    handle = window.windowHandle()
    start = grid.viewport().mapTo(window, grid.visualRect(grid.model().index(0, 0)).center())
    _release_over(window.outfit_panel.view.viewport(), handle)
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(4, 60, 4):  # past the start-drag distance: the grid starts a QDrag
        QTest.mouseMove(handle, start + QPoint(step, step))
    qtbot.waitUntil(lambda: window.outfit_model.pks() == [item.pk], timeout=10000)


def test_dropping_an_image_file_asks_its_category(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file manager's drag: URLs from another widget's QDrag, dropped on the outfit."""
    image = tmp_path / "from-a-file-manager.png"
    image.write_bytes(window.browser_model.items()[0].image_path.read_bytes())
    source = QLabel("file manager")
    source.move(window.geometry().right() + 20, window.geometry().top())
    source.show()
    qtbot.addWidget(source)
    qtbot.waitExposed(source)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image))])
    drag = QDrag(source)
    drag.setMimeData(mime)
    _release_over(window.outfit_panel.view.viewport(), window.windowHandle())
    QTimer.singleShot(150, lambda: QTest.mouseMove(window.windowHandle(), QPoint(20, 20)))
    drag.exec(Qt.DropAction.CopyAction)
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    assert window.category_dialog.guess.path == image.resolve()
    window.category_dialog.reject()
