"""The notes on a result list (filters, photos changed, a model that names no reasons, ties…) sit under the list:
one that came after the results (the tiles' explanations, a photo check) moved them down under the pointer, and
trial DV's click meant for the first result followed the note's "Train a model on this catalogue" link."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, settle  # noqa: E402
from PySide6.QtCore import QPoint  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("notes"))


def test_a_note_that_comes_later_never_moves_the_results(world, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, (1280, 800))
    build_outfit(window, 2)
    wait_results(window, 60)
    settle(200)
    view = window.results.view

    def first_tile() -> QPoint:
        return view.viewport().mapTo(window, view.visualRect(window.results_model.index(0)).topLeft())

    before = first_tile()
    window.results.set_filter_note("This model names no reasons here: it learnt them on another catalogue. "
                                   "<a href='train'>Train a model on this catalogue</a> to name them.<br>A second line")
    settle(200)
    note = window.results.filter_note
    assert note.isVisible() and first_tile() == before
    # under the list, inside the results panel
    assert note.mapTo(window, QPoint(0, 0)).y() >= view.mapTo(window, QPoint(0, view.height())).y()
    window.results.set_filter_note("")
    settle(200)
    assert not note.isVisible() and first_tile() == before
