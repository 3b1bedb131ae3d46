"""Trial AC: a line that opens with an Arabic name ("فساتين → general (visual similarity)") was laid out
right to left — its arrow pointing the other way, the line right-aligned — in labels and in the index
dialog's summary. Every line the window writes is left to right; the name inside still reads right to left."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QLabel  # noqa: E402

from sane_desktop.gui.text import ElidedLabel, left_to_right, set_plain, set_rich  # noqa: E402

LINE = "فساتين → general (visual similarity)"


def ink_columns(label: QLabel) -> np.ndarray:
    """The x of every column of ``label`` holding text pixels."""
    image = label.grab().toImage().convertToFormat(label.grab().toImage().Format.Format_Grayscale8)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height).reshape(height, -1)[:, :width]
    background = int(np.median(pixels))
    return np.flatnonzero((np.abs(pixels.astype(int) - background) > 60).any(axis=0))


@pytest.mark.parametrize("setter", [set_plain, set_rich])
def test_a_line_opening_with_an_arabic_name_is_laid_out_left_to_right(qtbot, setter) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    qtbot.addWidget(label)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    setter(label, LINE)
    label.resize(900, 40)
    label.show()
    qtbot.waitExposed(label)
    columns = ink_columns(label)
    assert columns.size and columns.min() < 30 and columns.max() < 600, columns  # at the left, not the right
    assert left_to_right("plain words") == "plain words"  # nothing added where no such letter is
    assert left_to_right(left_to_right(LINE)) == left_to_right(LINE)


def test_an_elided_label_keeps_it_too(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = ElidedLabel(LINE)
    qtbot.addWidget(label)
    label.resize(900, 40)
    label.show()
    qtbot.waitExposed(label)
    assert ink_columns(label).min() < 30
    assert label.plain_text().endswith(LINE)


def test_the_index_summary_lays_every_line_out_left_to_right(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.index_dialog import IndexDialog
    from sane_desktop.gui.tasks import TaskRunner
    from sane_desktop.service import CatalogueService

    runner: TaskRunner[CatalogueService] = TaskRunner(CatalogueService(tmp_path / "home", device="cpu"))
    try:
        dialog = IndexDialog(runner)
        qtbot.addWidget(dialog)
        dialog.summary.setPlainText(f"Categories:\n{LINE}\nトップス → general (visual similarity)")
        block = dialog.summary.document().firstBlock()
        while block.isValid():
            assert block.textDirection() == Qt.LayoutDirection.LeftToRight, block.text()
            block = block.next()
    finally:
        runner.shutdown()


def test_message_boxes_and_tooltips_too(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from sane_desktop.gui.text import LEFT_TO_RIGHT_MARK, message_box, plain_tooltip

    box = message_box(None, "Outfit", f"“{LINE}” was saved", QMessageBox.Icon.Information)
    qtbot.addWidget(box)
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None and label.text().startswith(LEFT_TO_RIGHT_MARK)
    assert plain_tooltip(LINE).startswith("<qt>" + LEFT_TO_RIGHT_MARK) and plain_tooltip("plain") == "<qt>plain</qt>"
    box.close()


def _visual_x(text: str, index: int, direction: Qt.LayoutDirection = Qt.LayoutDirection.LeftToRight) -> float:
    """Where the character at ``index`` of ``text`` lands on a line laid out in ``direction`` (its cursor x;
    ``LayoutDirectionAuto``: the text's first letter with a direction decides, as ``QPainter.drawText`` does)."""
    from PySide6.QtGui import QFont, QTextLayout, QTextOption

    layout = QTextLayout(text, QFont())
    option = QTextOption()
    option.setTextDirection(direction)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(4000)
    layout.endLayout()
    return float(line.cursorToX(index)[0])


def test_a_number_after_an_arabic_name_stays_after_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AE: the switcher read "13 — فساتين الصيف ٢ items", the saved outfit's message "1 :'طقم الصيف'
    of its items": a number after an Arabic name joined it. An isolated name keeps it after."""
    from sane_desktop.gui.saved_outfits import quoted
    from sane_desktop.gui.text import isolated

    name = "فساتين الصيف ٢"
    for text in (left_to_right(f"{isolated(name)} — 13 items"), left_to_right(f"Opened {quoted(name)}: 13 of its items")):
        number = text.index("13")
        assert all(_visual_x(text, number) > _visual_x(text, text.index(char)) for char in name), text
    plain = left_to_right(f"{name} — 13 items")  # without the isolate, the number is drawn before the name
    assert not all(_visual_x(plain, plain.index("13")) > _visual_x(plain, plain.index(char)) for char in name)
    assert isolated("Party") == "Party" and quoted("Party") == "“Party”"  # as every name in the window (trial BM)
    assert quoted('Bob\'s "best" \\ look') == "“Bob's \"best\" \\ look”"  # as written, no escapes (trial BH)


def test_the_status_bar_gives_its_message_back_as_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QStatusBar

    from sane_desktop.gui.text import LEFT_TO_RIGHT_MARK, LeftToRightStatusBar

    bar = LeftToRightStatusBar()
    qtbot.addWidget(bar)
    bar.showMessage(LINE)
    assert bar.currentMessage() == LINE and QStatusBar.currentMessage(bar) == LEFT_TO_RIGHT_MARK + LINE
    bar.showMessage("Ready")
    assert QStatusBar.currentMessage(bar) == "Ready"


def test_a_filter_value_s_count_stays_after_a_right_to_left_value(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DP: the Filters panel read "(16) שמלות" and "(11) أحمر" where every other row read "value (count)"."""
    from sane_desktop.gui.filters_panel import ValueBox, value_label

    for value in ("שמלות", "أحمر داكن", "Red"):
        box = ValueBox(value, 16)
        qtbot.addWidget(box)
        for text in (value_label(value, 16), box.shown_text()):
            count = text.index("16")
            assert all(_visual_x(text, count) > _visual_x(text, text.index(char)) for char in value), text
        box.resize(box.minimumSizeHint())  # elided: "…" and the count, still after it
        text = box.shown_text()
        assert "(16)" in text and _visual_x(text, text.index("16")) > _visual_x(text, text.index("…"))
    assert value_label("Red", None) == "Red (?)"


def test_the_outfit_sheet_keeps_numbers_beside_right_to_left_names(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DQ: the exported sheet's caption "2. שמלות" was drawn "שמלות .2"; its headings and catalogue line
    quote catalogue text before numbers too."""
    from gui_helpers import recording_painter
    from PySide6.QtGui import QColor, QImage

    from sane_desktop.gui.saved_outfits import ContactSheet
    from sane_desktop.service.values import ItemInfo, SearchResult

    def item(pk: int, category: str) -> ItemInfo:
        return ItemInfo(pk, f"i{pk}", category, "Red tee", None, "", ())

    dresses, bags = "שמלות", "حقائب"
    sheet = ContactSheet("صيف", "מלאי", [item(1, "tops"), item(2, dresses)],
                         {bags: [SearchResult(item(9, bags), 0.8, {1: 0.8})]}, [], lambda _item: QImage())
    image = QImage(sheet.width, sheet.height(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = recording_painter(image)
    sheet.paint(painter)
    painter.end()
    drawn = {text.lstrip(LEFT_TO_RIGHT_MARK) for text in painter.texts}
    auto = Qt.LayoutDirection.LayoutDirectionAuto  # drawText's: the first letter with a direction decides
    caption = next(text for text in painter.texts if dresses in text)
    assert _visual_x(caption, caption.index("2"), auto) < min(_visual_x(caption, caption.index(c), auto)
                                                            for c in dresses), caption
    heading = next(text for text in painter.texts if bags in text and "(best" in text)
    assert _visual_x(heading, heading.index("(best"), auto) > max(_visual_x(heading, heading.index(c), auto)
                                                                for c in bags), heading
    assert any(text.startswith("Catalogue") for text in drawn), drawn


from sane_desktop.gui.text import LEFT_TO_RIGHT_MARK  # noqa: E402
