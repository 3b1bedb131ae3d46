"""Trial DO: a 153-character file name ran past the screen's edge in an error box, cut where the screen
ended. Qt wraps a message at spaces (and after "/" or "-") only; a stretch wider than the screen is now
cut in its middle with "…", and the whole message is under "Show Details…"."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtWidgets import QLabel, QMessageBox  # noqa: E402

from sane_desktop.gui.text import LEFT_TO_RIGHT_MARK, fit_long_words, message_box, message_room  # noqa: E402

LONG_NAME = "autumnwinterlookbookcampaignfinalretouchedhighresolution" * 3 + "versionthree_front.jpg"


def shown_text(box: QMessageBox) -> str:
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None
    return label.text().removeprefix(LEFT_TO_RIGHT_MARK)


def test_a_file_name_wider_than_the_screen_is_cut_in_its_middle_and_whole_in_the_details(qtbot) -> None:  # type: ignore[no-untyped-def]
    message = f"Not added to the outfit: {LONG_NAME} cannot be read as an image: it is empty (0 bytes)."
    box = message_box(None, "SANE Desktop", message)
    qtbot.addWidget(box)
    qtbot.waitExposed(box)
    screen = box.screen().availableGeometry()
    assert len(LONG_NAME) > 150 and box.fontMetrics().horizontalAdvance(LONG_NAME) > screen.width()
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None
    assert box.frameGeometry().width() <= screen.width()
    assert label.sizeHint().width() <= label.width() <= screen.width()
    text = shown_text(box)
    assert "…" in text and LONG_NAME not in text
    assert text.startswith("Not added to the outfit: autumnwinter") and "_front.jpg cannot be read" in text
    assert box.detailedText() == message  # the whole of it, as the user would copy it
    box.close()


def test_messages_that_fit_are_left_as_they_are(qtbot) -> None:  # type: ignore[no-untyped-def]
    # paths wrap after "/", hyphenated names after "-": Qt can lay them out, so nothing is cut
    path = "/home/stylist/catalogues/" + "/".join(["autumn-winter-lookbook"] * 12) + "/front.jpg"
    message = f"Could not read {path}: permission denied 👩🏽‍🦰 “Café”"
    box = message_box(None, "SANE Desktop", message)
    qtbot.addWidget(box)
    assert shown_text(box) == message and box.detailedText() == ""
    box.close()


def test_only_the_stretch_too_wide_is_cut(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox()
    qtbot.addWidget(box)
    metrics = box.fontMetrics()
    room = message_room(800)
    wide = "x" * 400
    fitted = fit_long_words(f"summer-{wide}.jpg and 👩🏽‍🦰 after", metrics, room)
    assert fitted.startswith("summer-x") and fitted.endswith("x.jpg and 👩🏽‍🦰 after") and "…" in fitted
    cut = fitted.split()[0].removeprefix("summer-")
    assert metrics.horizontalAdvance(cut) <= room
    assert message_room(800) < 800 and message_room(1920) <= 1000


def test_a_tooltip_with_a_long_word_fits_its_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DQ: on an 800 px screen the tooltips of a tile and of "No matches learnt for your CategoryZZZ…" ran
    2,400 px wide, cut at the screen's edge: Qt wraps a tooltip at spaces only. A long stretch gets invisible
    places to wrap (tooltips only: their text is never copied)."""
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip, QWidget

    from sane_desktop.gui.text import breakable_markup, plain_tooltip

    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setToolTip(plain_tooltip(f"No matches learnt for your {'CategoryZZZ' * 30}: look-alikes"))
    widget.show()
    qtbot.waitExposed(widget)
    # the event a resting pointer sends: the widget shows its own tooltip
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), widget.mapToGlobal(QPoint(5, 5))))
    tips = [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QTipLabel" and w.isVisible()]
    assert tips and all(tip.width() <= tip.screen().availableGeometry().width() for tip in tips)
    QToolTip.hideText()
    # tags and entities stay whole; short words are left as they are
    long = "x" * 40 + "&amp;" + "y" * 40
    broken = breakable_markup(f"<b>Tops &amp; tees</b> {long} end")
    assert broken.startswith("<b>Tops &amp; tees</b> ") and broken.endswith(" end") and "&amp;" in broken
    assert broken.replace("\u200b", "") == f"<b>Tops &amp; tees</b> {long} end" and broken.count("\u200b") == 2
