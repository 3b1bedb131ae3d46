"""An outfit item keeps its colour while it stays in the outfit: its tile's strip and the bars of the
results, which wear the same colour. Trial BE removed the second of three items and the third turned
from red to orange (colours went by position), so a stylist tracking colours lost track."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from sane_desktop.gui.models import ItemListModel, Role  # noqa: E402
from sane_desktop.gui.thumbnails import ThumbnailLoader  # noqa: E402
from sane_desktop.service import ItemInfo  # noqa: E402


def _item(pk: int) -> ItemInfo:
    return ItemInfo(pk, f"i{pk}", "tops", f"Item {pk}", Path(f"/nowhere/{pk}.png"), "")


def _colours(model: ItemListModel) -> dict[int, int]:
    return {model.row(n).item.pk: model.data(model.index(n), Role.OutfitPosition) for n in range(model.rowCount())}


def test_an_outfit_item_keeps_its_colour_when_another_leaves(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.outfit_mode = True
    for pk in (11, 12, 13):
        model.append(_item(pk))
    assert _colours(model) == {11: 0, 12: 1, 13: 2}
    before = model.items()
    model.remove_row(1)
    assert _colours(model) == {11: 0, 13: 2}  # the third keeps its colour
    model.set_items(before)  # brought back (Undo): each in the colour it wore
    assert _colours(model) == {11: 0, 12: 1, 13: 2}
    model.remove_row(1)
    model.append(_item(14))  # a new item takes the free colour, not one worn
    assert _colours(model) == {11: 0, 13: 2, 14: 1}
    model.clear()
    model.append(_item(15))
    assert _colours(model) == {15: 0}
    results = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))  # a result's bars: the outfit's colours
    results.colour_slots = {11: 0, 13: 2}
    results.set_items([_item(20)])
    assert results.data(results.index(0), Role.OutfitColours) == {11: 0, 13: 2}
    assert results.data(results.index(0), Role.OutfitPosition) is None
