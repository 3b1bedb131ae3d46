"""``ClickActivation`` (gui/text.py), which makes the explanation panel's links and share rows act
as buttons: a left click released inside, or Enter/Return/Space with focus, activates; a right
click, a release outside or another key does not. Driven through Qt's event path (QTest)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from sane_desktop.gui.text import LinkLabel  # noqa: E402


@pytest.fixture
def label(qtbot):  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    link = LinkLabel("See where: dotted pattern", parent=parent)
    link.resize(200, 24)
    parent.show()
    qtbot.waitExposed(parent)
    hits: list[int] = []
    link.clicked.connect(lambda: hits.append(1))
    yield link, hits
    parent.close()  # kept alive until the test is done


def test_a_left_click_and_the_activation_keys_activate(label, qtbot) -> None:  # type: ignore[no-untyped-def]
    link, hits = label
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert len(hits) == 1
    link.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
        qtbot.keyClick(link, key)
    assert len(hits) == 4


def test_other_buttons_keys_and_a_release_outside_do_not(label, qtbot) -> None:  # type: ignore[no-untyped-def]
    link, hits = label
    qtbot.mouseClick(link, Qt.MouseButton.RightButton)
    qtbot.mousePress(link, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.mouseRelease(link, Qt.MouseButton.LeftButton, pos=QPoint(500, 5))  # dragged off before letting go
    link.setFocus()
    qtbot.keyClick(link, Qt.Key.Key_A)
    assert hits == []
