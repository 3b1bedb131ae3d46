"""Trial BN: at ``QT_SCALE_FACTOR=2`` thumbnails, decoded at 128 pixels, were drawn stretched to 256
screen pixels (now decoded at the screens' device pixel ratio and drawn at it); a list widened from
one column to two scrolled its selected tile out of view (now scrolled back once laid out)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from sane_desktop.gui.delegates import ItemTileDelegate, logical_size  # noqa: E402
from sane_desktop.gui.thumbnails import MAX_RATIO, THUMB_SIDE, thumbnail_side  # noqa: E402


class _Screen:
    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def devicePixelRatio(self) -> float:  # noqa: N802 - Qt's name
        return self.ratio


class _App:
    def __init__(self, *ratios: float) -> None:
        self._screens = [_Screen(ratio) for ratio in ratios]

    def screens(self) -> list[_Screen]:
        return self._screens


def test_thumbnails_are_decoded_at_the_largest_screen_ratio() -> None:
    assert thumbnail_side(_App(1.0)) == THUMB_SIDE
    assert thumbnail_side(_App(1.0, 2.0)) == 2 * THUMB_SIDE
    assert thumbnail_side(_App(1.5)) == 2 * THUMB_SIDE  # rounded up: never drawn stretched
    assert thumbnail_side(_App(8.0)) == MAX_RATIO * THUMB_SIDE
    assert thumbnail_side(_App()) == THUMB_SIDE


def test_a_thumbnail_is_drawn_in_the_screens_pixels(qapp) -> None:  # type: ignore[no-untyped-def]
    delegate = ItemTileDelegate()
    photo = QImage(2 * THUMB_SIDE, 2 * THUMB_SIDE, QImage.Format.Format_RGB888)
    room = QSize(120, 120)  # logical pixels
    sharp = delegate._fitted(photo, room, 2.0)
    assert (sharp.width(), sharp.devicePixelRatio()) == (240, 2.0)  # 240 device pixels in 120 logical ones
    assert logical_size(sharp) == (120, 120)
    assert photo.devicePixelRatio() == 1.0  # the model's own image is left as it is
    plain = delegate._fitted(QImage(THUMB_SIDE, THUMB_SIDE, QImage.Format.Format_RGB888), room, 1.0)
    assert (plain.width(), plain.devicePixelRatio()) == (120, 1.0)
    near = delegate._fitted(photo, QSize(THUMB_SIDE, THUMB_SIDE), 2.0)  # its own pixels, at ratio 2
    assert (near.width(), logical_size(near)) == (2 * THUMB_SIDE, (THUMB_SIDE, THUMB_SIDE))
    assert photo.devicePixelRatio() == 1.0


def test_the_current_tile_stays_in_view_when_the_list_is_widened(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial BN widened the window from one result column to two: the pixel scroll offset was kept, and
    the selected result scrolled out of view."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QListView

    from sane_desktop.gui.results_view import KeepCurrentInView

    model = QStandardItemModel()
    for n in range(60):
        item = QStandardItem(f"item {n}")
        item.setSizeHint(QSize(120, 120))
        model.appendRow(item)
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setModel(model)
    KeepCurrentInView(view)
    qtbot.addWidget(view)
    view.resize(160, 400)  # one column
    view.show()
    qtbot.waitExposed(view)
    current = model.index(20, 0)
    view.setCurrentIndex(current)
    view.scrollTo(current)
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(current)), timeout=5000)
    view.resize(420, 400)  # three columns: row 20 moves up, the offset in pixels stays

    def in_view() -> bool:
        return view.viewport().rect().contains(view.visualRect(current).center())

    qtbot.waitUntil(in_view, timeout=5000)
