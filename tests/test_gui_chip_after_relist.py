"""The explained result keeps its attribute chip when the results are listed again (a filter ticked,
a sort, a threshold): found by the trial run, where ticking a colour that kept the explained result
on screen left its tile without a chip (the re-listed row was marked "done" with no attribute, and
the tile explanation that followed was not allowed to fill it). Real Qt event path: mouse clicks on
the results view and on the filter's check box."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QToolBar  # noqa: E402

from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, open_first_catalogue, wait_results  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gui-chip-relist")
    build_demo_world(root, 60)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


def test_the_explained_result_keeps_its_chip_after_a_filter(world, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, size=(1300, 820))
    try:
        open_first_catalogue(window, build_demo=False, demo_items=60, timeout_s=60)
        toolbar = window.findChild(QToolBar, "main-toolbar")
        qtbot.mouseClick(toolbar.widgetForAction(window.filters_toggle), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.filters_dock.isVisible() and window.filters.counts is not None, timeout=20000)
        build_outfit(window, 2)
        wait_results(window, 60)
        model, view = window.results_model, window.results.view
        # a result whose tile names an attribute (the visible tiles are explained in the background)
        qtbot.waitUntil(lambda: any(model.row(n).tile is not None and model.row(n).tile.attribute is not None
                                    for n in range(model.rowCount())), timeout=60000)
        number = next(n for n in range(model.rowCount())
                      if model.row(n).tile is not None and model.row(n).tile.attribute is not None)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(model.index(number)).center())
        qtbot.waitUntil(lambda: window.explanation.update_data is not None and not window.channels.explain.busy,
                        timeout=60000)
        explained = window._last_explained
        item = window._results[explained].item
        # tick the explained item's own colour: it stays among the results, listed again
        colour = next(a.split(":", 1)[1] for a in item.attributes if a.startswith("colour:"))
        started = window.channels.search.started
        box = window.filters.box("colour", colour)
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        qtbot.waitUntil(lambda: window.channels.search.started > started and not window.channels.search.busy,
                        timeout=60000)
        assert explained in model.pks()

        def row_of_explained() -> int:
            return model.pks().index(explained)

        qtbot.waitUntil(lambda: model.row(row_of_explained()).tile is not None, timeout=60000)
        tile = model.row(row_of_explained()).tile
        assert tile is not None and tile.attribute is not None, "the same outfit and result: the same tile"
        assert model.index(row_of_explained()).data(Role.Attribute) == tile.attribute.name  # the chip is back
    finally:
        client.shutdown()
