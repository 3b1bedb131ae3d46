"""Item titles in the window's tiles and the outfit sheet: shortened where they keep telling items apart."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")


def test_a_coded_title_is_shortened_in_its_middle_so_two_stay_apart(qapp) -> None:  # type: ignore[no-untyped-def]
    """Trial G's tiles all read "Blusen 2019 5305…": the part that tells two items apart was cut."""
    from PySide6.QtGui import QFont, QFontMetrics

    from sane_desktop.gui.text import elided_title
    from sane_desktop.service.titles import ends_in_code

    assert ends_in_code("Blusen 2019 53051234 02") and ends_in_code("Top 0523489001")
    assert not ends_in_code("Floral wrap dress") and not ends_in_code("") and not ends_in_code("2 piece set")
    metrics = QFontMetrics(QFont())
    width = metrics.horizontalAdvance("Blusen 2019 5305…")
    first, second = (elided_title(metrics, title, width) for title in ("Blusen 2019 53051234 02",
                                                                        "Blusen 2019 53051299 05"))
    assert first != second and first.startswith("Bl") and first.endswith("02") and second.endswith("05")
    words = elided_title(metrics, "Floral wrap dress with ruffled hem", width)
    assert words.startswith("Floral") and words.endswith("…")
    # the words that name a coded item keep most of the room (trial Q read "Throne t…70999004")
    named = elided_title(metrics, "Throne thin puffer 0870999004", width)
    assert named.startswith("Throne thin") and named.endswith("004") and "…" in named, named
    assert metrics.horizontalAdvance(named) <= width
    assert elided_title(metrics, "Top 0523489001", width) == "Top 0523489001"  # it fits: whole
    for title in ("Blusen 2019 53051234 02", "Throne thin puffer 0870999004", "A 1", "0523489001 x9"):
        for room in (10, 40, 80, 120):
            assert metrics.horizontalAdvance(elided_title(metrics, title, room)) <= room + 1, (title, room)


def test_the_outfit_sheet_keeps_a_coded_titles_end(qapp) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from gui_helpers import recording_painter
    from PySide6.QtGui import QColor, QImage

    from sane_desktop.gui.saved_outfits import ContactSheet
    from sane_desktop.service import ItemInfo

    titles = ("Blusen und Tuniken 2019 53051234 02", "Blusen und Tuniken 2019 53059999 05")
    outfit = [ItemInfo(pk, f"i{pk}", "Blusen", title, Path(f"/x/{pk}.jpg"), "") for pk, title in enumerate(titles, 1)]
    sheet = ContactSheet("Look", "shop", outfit, {}, [], lambda _item: QImage())
    image = QImage(sheet.width, sheet.height(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = recording_painter(image)
    sheet.paint(painter)
    painter.end()
    shown = [text for text in painter.texts if text.startswith("Blusen") and "…" in text]
    assert len(shown) == 2 and shown[0].endswith("02") and shown[1].endswith("05"), painter.texts
