"""A catalogue's own names keep their "&" in the Filters panel: a check box and a group box read "&"
as a keyboard shortcut marker, so trial M's category "Tops & Tees" read "Tops _Tees" (an underlined
space) there, and the panel took Alt+Space as its shortcut."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from sane_desktop.gui.filters_panel import ValueBox, ValueGroup
from sane_desktop.gui.text import plain_tooltip


def test_a_value_or_a_group_named_with_an_ampersand_reads_as_named(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = ValueBox("Tops & Tees", 18)
    qtbot.addWidget(box)
    box.show()
    box.resize(box.sizeHint())
    assert QKeySequence.mnemonic(box.text()).isEmpty()  # no shortcut taken from the name
    assert box.label() == box.shown_text() == "Tops & Tees (18)" and box.toolTip() == ""
    box.set_count(3)
    assert QKeySequence.mnemonic(box.text()).isEmpty() and box.label() == "Tops & Tees (3)"
    box.resize(box.minimumSizeHint())  # elided: the tooltip reads the name whole
    assert box.shown_text().endswith("… (3)") and box.toolTip() == plain_tooltip("Tops & Tees (3)")

    group = ValueGroup("Fit & fabric")
    qtbot.addWidget(group)
    group.show()
    group.resize(400, 80)
    assert QKeySequence.mnemonic(group.title()).isEmpty() and group.title().replace("&&", "&") == "Fit & fabric"
    group.resize(60, 80)  # elided
    assert QKeySequence.mnemonic(group.title()).isEmpty() and group.toolTip() == plain_tooltip("Fit & fabric")


def test_a_right_to_left_group_title_grows_back_when_widened(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial CP: in a right-to-left layout the title's room was measured from the left, so it could only shrink."""
    from PySide6.QtCore import Qt

    group = ValueGroup("Colour family")
    group.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    qtbot.addWidget(group)
    group.show()
    group.resize(400, 80)
    assert group.title() == "Colour family"
    group.resize(50, 80)
    assert group.title().endswith("…")
    group.resize(400, 80)
    qtbot.waitUntil(lambda: group.title() == "Colour family", timeout=5000)
