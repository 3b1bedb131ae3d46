"""The reason for naming no attribute is read back by kind in the core, beside the sentences the core
writes (explain/abstain.py), so the window's words follow the core's wording instead of matching
its text in the GUI."""

from __future__ import annotations

import numpy as np

from sane_desktop.explain.abstain import abstention_kind
from sane_desktop.explain.attribute_choice import RankedAttribute, abstention


def _ranked(confidence: float, partner: float) -> list[RankedAttribute]:
    return [RankedAttribute(0, "colour:red", 0.0, confidence, 0.5, 0.1, partner)]


def test_every_reason_the_core_writes_reads_back_as_its_kind() -> None:
    varied = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert abstention_kind(abstention([], varied, 0.1)) == "no_attribute"
    assert abstention_kind(abstention(_ranked(0.9, 0.9), np.zeros((4, 4)), 0.1)) == "flat_map"
    weak = abstention(_ranked(0.3, 0.2), varied, 0.1)
    assert "0.06 < 0.10" in weak and abstention_kind(weak) == "weak_evidence"
    assert abstention(_ranked(0.9, 0.9), varied, 0.1) == "" and abstention_kind("") == ""
    # a reason this version does not know (a newer cache entry) still names nothing
    assert abstention_kind("some future reason") == "weak_evidence"


def test_the_window_words_each_kind_plainly() -> None:
    from sane_desktop.gui.explanation_view import ABSTENTION_WORDS, plain_abstention

    varied = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert plain_abstention(abstention([], varied, 0.1)) == ABSTENTION_WORDS["no_attribute"]
    assert plain_abstention(abstention(_ranked(0.9, 0.9), np.ones((4, 4)), 0.1)) == ABSTENTION_WORDS["flat_map"]
    assert plain_abstention(abstention(_ranked(0.3, 0.2), varied, 0.1)) == "none of them is clearly on both items"
    assert all("<" not in words and "0." not in words for words in ABSTENTION_WORDS.values())


def test_the_details_bars_say_how_common_an_attribute_is(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The specificity part (issue 17) in a stylist's terms: an attribute name's tooltip says on
    what share of the labelled items it is; nothing is said where the selection knows no base rates,
    and the bars keep their five columns (a sixth squeezed the names)."""
    from sane_desktop.gui.explanation_view import AttributeBars
    from sane_desktop.gui.text import LinkLabel
    from sane_desktop.service import AttributeScore

    bars = AttributeBars()
    qtbot.addWidget(bars)
    bars.set_attributes([AttributeScore("colour:dark blue", 1.0, 0.7, 0.5, 0.2, 0.6, 0.06),
                         AttributeScore("tone:dark", 0.5, 0.9, 0.5, 0.2, 0.9)])
    names = [w for w in bars.findChildren(LinkLabel)]
    hints = {label.text(): label.toolTip() for label in names}
    assert "on 6% of the labelled items" in hints["colour:dark blue"]
    assert "labelled items" not in hints["tone:dark"]
    assert bars.grid.columnCount() == 5
