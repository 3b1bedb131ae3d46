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
    tiny = abstention(_ranked(0.05, 0.06), varied, 0.24)  # a best of 0.003 read "0.00 < 0.24" (a trial)
    assert "0.003 < 0.24" in tiny and abstention_kind(tiny) == "weak_evidence"
    assert abstention(_ranked(0.9, 0.9), varied, 0.1) == "" and abstention_kind("") == ""
    # no evidence at all is named by no threshold, not even an untuned 0 (trial AL: "colour:red" named for
    # two copies of one photo, the other labelled blue, partner 0.000)
    none = abstention(_ranked(0.346, 0.0), varied, 0.0)
    assert "one of the two items does not show it" in none and abstention_kind(none) == "weak_evidence"
    # a reason this version does not know (a newer cache entry) still names nothing
    assert abstention_kind("some future reason") == "weak_evidence"
    # said of an outfit, the other side is the outfit, not "both items" (trial AS: three items)
    from sane_desktop.explain.abstain import of_outfit

    assert of_outfit(weak).startswith("no attribute is likely on both the item and its outfit (best, colour:red")
    assert abstention_kind(of_outfit(weak)) == "weak_evidence" and "both items" not in of_outfit(weak)
    assert "the item or its outfit does not show it" in of_outfit(none) and "two items" not in of_outfit(none)
    flat = abstention(_ranked(0.9, 0.9), np.zeros((4, 4)), 0.1)
    assert of_outfit(flat) == flat


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


def test_a_label_nearly_every_item_carries_is_never_the_reason() -> None:
    """A trial's MANGO matches were "explained" by line:she, a label on 96 % of the items: it tells
    these two items from almost none. Such a label ranks after every other attribute, whatever the
    fitted weights and the shared-first gate; when only such labels are left, nothing is named."""
    from sane_desktop.explain.attribute_choice import (
        UNIVERSAL_BASE_RATE,
        PairParts,
        SelectionWeights,
        rank_attributes,
    )
    from sane_desktop.gui.explanation_view import ABSTENTION_WORDS, plain_abstention

    names = ["line:she", "colour:black", "fabric:knit"]
    parts = PairParts(confidence=np.array([0.99, 0.6, 0.3]), match=np.array([0.9, 0.5, 0.4]),
                      prior=np.array([0.5, 0.3, 0.2]), candidates=[0, 1, 2], partner=np.array([0.99, 0.7, 0.2]),
                      base_rate=np.array([0.96, 0.2, 0.3]))
    weights = SelectionWeights(confidence=1.0, match=1.0, prior=1.0, partner=1.0, shared_first=True)
    ranked = rank_attributes(parts, weights, names)
    assert [r.name for r in ranked] == ["colour:black", "fabric:knit", "line:she"]
    varied = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert abstention(ranked, varied, 0.1) == ""
    # only the near-universal label is a candidate: said in words, not named
    alone = rank_attributes(PairParts(parts.confidence, parts.match, parts.prior, [0], parts.partner, parts.base_rate),
                            weights, names)
    reason = abstention(alone, varied, 0.1)
    assert abstention_kind(reason) == "common_label" and "line:she" in reason and "96%" in reason
    assert plain_abstention(reason) == ABSTENTION_WORDS["common_label"]
    # an unknown base rate (1 by convention) and one just under the bound rank as before
    unknown = PairParts(parts.confidence, parts.match, parts.prior, [0, 1, 2], parts.partner, None)
    assert rank_attributes(unknown, weights, names)[0].name == "line:she"
    under = PairParts(parts.confidence, parts.match, parts.prior, [0, 1, 2], parts.partner,
                      np.array([UNIVERSAL_BASE_RATE - 0.01, 0.2, 0.3]))
    assert rank_attributes(under, weights, names)[0].name == "line:she"


def test_an_empty_ranking_from_a_model_with_attributes_says_why() -> None:
    """A trial's model of 8 colours ranked nothing for a yellow-labelled item (its own labels ruled out
    each colour considered): the explanation said nothing, and ``explain --outfit`` read the silence
    as "no attribute net". The service's abstention now names it; without a net it stays silent."""
    from types import SimpleNamespace

    from sane_desktop.explain.abstain import LABELS_CONTRADICT
    from sane_desktop.gui.explanation_view import ABSTENTION_WORDS, plain_abstention
    from sane_desktop.service.explanation import Explanations

    def explanations(net: object) -> object:
        bundle = SimpleNamespace(attributes=net)
        return SimpleNamespace(model=SimpleNamespace(bundle=lambda: bundle), foreign_attributes=lambda: "")

    with_net = explanations(SimpleNamespace(attributes=["colour:yellow", "colour:red"]))
    reason = Explanations.abstention(with_net, [], None)  # type: ignore[arg-type]
    assert reason == LABELS_CONTRADICT and abstention_kind(reason) == "labels_contradict"
    assert plain_abstention(reason) == ABSTENTION_WORDS["labels_contradict"]
    assert Explanations.abstention(explanations(None), [], None) == ""  # type: ignore[arg-type]
