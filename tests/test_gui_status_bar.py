"""The status bar's messages end in "…" where they would run under its permanent widgets (Qt cuts
them off mid-word: a trial read a sum of points running under the tile-size slider at 800 × 600),
the whole line in its tooltip and from ``currentMessage``; a wider bar shows it whole again."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtWidgets import QSlider, QStatusBar  # noqa: E402

from sane_desktop.gui.text import LEFT_TO_RIGHT_MARK, LeftToRightStatusBar  # noqa: E402

LINE = ("Match 72/100 = 50 (neutral) + 12 + 11 − 1: the outfit's badges, the points each item adds to "
        "“Jet black wide-leg trousers”")


def bar_with_slider(qtbot, width: int, right_to_left: bool = False):  # type: ignore[no-untyped-def]
    """A shown status bar ``width`` px wide with a 140 px slider as its permanent widget: (bar, slider)."""
    from PySide6.QtCore import Qt

    bar = LeftToRightStatusBar()
    if right_to_left:
        bar.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    qtbot.addWidget(bar)
    slider = QSlider()
    slider.setFixedWidth(140)
    bar.addPermanentWidget(slider)
    bar.resize(width, 30)
    bar.show()
    qtbot.waitExposed(bar)
    return bar, slider


def test_a_long_message_is_elided_before_the_permanent_widgets_and_whole_in_its_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar, slider = bar_with_slider(qtbot, 500)
    bar.showMessage(LINE, 60000)
    shown = QStatusBar.currentMessage(bar)
    assert shown.endswith("…") and shown.removeprefix(LEFT_TO_RIGHT_MARK).startswith("Match 72/100 = 50")
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_width() < slider.x()
    assert bar.currentMessage() == LINE and "wide-leg trousers" in bar.toolTip()

    bar.resize(2000, 30)  # room for it all: whole again, no tooltip
    qtbot.waitUntil(lambda: QStatusBar.currentMessage(bar).removeprefix(LEFT_TO_RIGHT_MARK) == LINE, timeout=5000)
    assert bar.toolTip() == ""
    bar.resize(500, 30)
    qtbot.waitUntil(lambda: QStatusBar.currentMessage(bar).endswith("…"), timeout=5000)
    bar.clearMessage()  # its line goes with it
    assert bar.currentMessage() == "" and bar.toolTip() == ""


def test_an_elided_message_keeps_its_time(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = LeftToRightStatusBar()
    qtbot.addWidget(bar)
    bar.resize(300, 30)
    bar.show()
    qtbot.waitExposed(bar)
    bar.showMessage(LINE, 400)
    bar.resize(320, 30)  # shown again for the new width, for the time it had left, not 400 ms more
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=2000)
    assert bar.toolTip() == ""


def test_a_right_to_left_bar_measures_its_message_from_the_other_side(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial CN: in a right-to-left window the permanent widgets sit on the left, and every message read "…"."""
    bar, slider = bar_with_slider(qtbot, 2000, right_to_left=True)
    assert slider.x() < 200 and bar.message_width() > 1500
    bar.showMessage(LINE, 60000)
    assert QStatusBar.currentMessage(bar).removeprefix(LEFT_TO_RIGHT_MARK) == LINE
    bar.resize(500, 30)
    qtbot.waitUntil(lambda: QStatusBar.currentMessage(bar).endswith("…"), timeout=5000)
    assert len(QStatusBar.currentMessage(bar)) > 20  # elided to the room it has, not to "…" alone
