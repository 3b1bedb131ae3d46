"""Issue 17 (1) in the window: a click on a result shows first the outfit's reason — the score the
search ranks it by, split over the outfit items as percentages, with one attribute for the whole —
and a click on an outfit item's row drills down to the pair view of (result, that item). Real Qt
event path (mouse clicks on the viewport and on the row), real worker, real FAISS and SQLite."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from sane_desktop.gui.delegates import match_percent  # noqa: E402
from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.explanation_view import ShareRow, outfit_phrase, outfit_sentence, percent_text  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, open_first_catalogue, wait_results  # noqa: E402
from sane_desktop.service import (  # noqa: E402
    AttributeScore, CatalogueService, ItemInfo, OutfitExplanation, OutfitShare,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 60-item demo catalogue with a tiny seeded model (attribute net included), indexed as "demo"."""
    root = tmp_path_factory.mktemp("outfit-reason")
    build_demo_world(root, 60)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


def _reason(shares: list[float], attribute: str = "motif:bolt", abstained: str = "") -> OutfitExplanation:
    """An outfit's reason with these shares (outfit items titled "Item 0", "Item 1", …)."""
    members = tuple(OutfitShare(10 + j, ItemInfo(10 + j, f"i{j}", "tops", f"Item {j}", Path(f"/nowhere/{j}.png"), ""),
                                share, 0, 0.5, 0.5, np.zeros((7, 7), np.float32)) for j, share in enumerate(shares))
    candidate = ItemInfo(1, "c", "shoes", "Candidate", Path("/nowhere/c.png"), "")
    return OutfitExplanation(candidate, float(sum(shares)), members, np.zeros((7, 7), np.float32),
                             np.zeros((112, 112), np.float32), (AttributeScore(attribute, 1.0, 0.9, 0.5, 0.2, 0.8),),
                             abstained)


def test_the_outfit_sentence_never_gives_the_result_what_it_hardly_shows() -> None:
    """Trial DL: "Goes with your outfit mainly through its heart motif, as Black handbag has" of a polka-dot coat
    the model put at 0.016 for a heart (the pair line below it already hedged)."""
    from dataclasses import replace

    reason = _reason([0.2, 0.6])
    reason = replace(reason, shares=(replace(reason.shares[0], shows_attribute=0.1),
                                     replace(reason.shares[1], shows_attribute=0.95)),
                     attributes=(AttributeScore("motif:heart", 1.0, 0.016, 0.5, 0.2, 0.8),))
    assert outfit_sentence(reason) == ("Goes with your outfit — 75 % of the match comes from Item 1. Nearest reason: a "
                                       "heart motif, which Item 1 shows, though this item hardly shows it.")
    # an item pulling the match down: the bearer's points, as its row says them, not "(49 % of the match)" beside
    # "most of the match comes from …" (trial DO: the percentages of what is left run past 100 %)
    pulled = _reason([0.5, 0.3, -0.1], "pattern:checked")
    skirt, boots, cap = pulled.shares
    pulled = replace(pulled, shares=(replace(skirt, shows_attribute=0.0), replace(boots, shows_attribute=0.9),
                                     replace(cap, shows_attribute=0.0)))
    said = outfit_sentence(pulled)
    boots_points = pulled.item_points()[1]
    assert f", as in Item 1 (which adds {boots_points} points)" in said and "%" not in said, said
    assert "most of the match comes from Item 0, while Item 2 pulls it down" in said
    assert f"(which adds {boots_points + 1} points)" in outfit_sentence(pulled, points={boots.outfit_pk: boots_points + 1})
    nobody = replace(reason, shares=tuple(replace(share, shows_attribute=0.1) for share in reason.shares))
    assert outfit_sentence(nobody).endswith("Nearest reason: a heart motif, though neither this item nor your outfit "
                                            "clearly shows it.")
    assert "its heart motif" not in outfit_sentence(reason) + outfit_sentence(nobody)


def test_long_titles_are_shortened_inside_the_sentence_so_its_end_stays_in_view(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial BE: at 1440 × 900 the panel's three lines ended "— 40 % of the match …": two long demo titles
    had taken the room of the part naming the item that carries most of the match."""
    from dataclasses import replace

    from sane_desktop.service.titles import short_title

    long_titles = ("Black checked cropped jacket with a crescent moon print", "Blue chevron shopper with a star print")
    reason = _reason([0.4, 0.6])
    reason = replace(reason, shares=tuple(replace(share, item=replace(share.item, title=title))
                                          for share, title in zip(reason.shares, long_titles)))
    said = outfit_sentence(reason)
    assert said.endswith("— 60 % of the match comes from Blue chevron shopper…") and long_titles[1] not in said
    # the item that shows the attribute, named beside the one carrying most (", as in …"), is shortened too
    shown = replace(reason, shares=(replace(reason.shares[0], shows_attribute=0.9),
                                    replace(reason.shares[1], shows_attribute=0.1)))
    assert long_titles[0] not in outfit_sentence(shown) and "as in Black checked cropped jacket…" in outfit_sentence(shown)
    some = replace(reason, shares=(replace(reason.shares[0], shows_attribute=0.1),  # the leading one shows it, the
                                   replace(reason.shares[1], shows_attribute=0.9)))  # other not (_showing)
    # the one that shows it carries the most: named once (it read "as in Blue chevron shopper… — 60 % of the match
    # comes from Blue chevron shopper…")
    assert outfit_sentence(some) == ("Goes with your outfit mainly through its lightning-bolt motif, shared with Blue "
                                     "chevron shopper… — 60 % of the match comes from it.")
    # the one carrying it among others that show it: named once, first (the README's screenshot read "as in Hat
    # and Jacket — most of the match comes from Jacket")
    three = _reason([-0.1, 0.3, 0.5])
    three = replace(three, shares=(replace(three.shares[0], shows_attribute=0.1),
                                   replace(three.shares[1], shows_attribute=0.9),
                                   replace(three.shares[2], shows_attribute=0.9)))
    assert outfit_sentence(three) == ("Goes with your outfit mainly through its lightning-bolt motif, shared with Item 2 "
                                      "and Item 1 — most of the match comes from the first, while Item 0 pulls it "
                                      "down.")
    # three or more showing it: the one carrying most is named again, not "the first" of a list (trial ED)
    four = _reason([0.1, 0.2, 0.5, 0.2])
    four = replace(four, shares=(replace(four.shares[0], shows_attribute=0.1),
                                 *(replace(share, shows_attribute=0.9) for share in four.shares[1:])))
    assert outfit_sentence(four) == ("Goes with your outfit mainly through its lightning-bolt motif, shared with Item "
                                     "2, Item 1 and Item 3 — 50 % of the match comes from Item 2.")
    assert short_title(long_titles[0]) == "Black checked cropped jacket…" and short_title("Item 0") == "Item 0"
    assert short_title("Superlongwordwithoutanyspacesatall") == "Superlongwordwithoutanyspaces…"
    assert len(short_title("a " * 40)) <= 31


def test_the_sentence_names_titles_whole_where_they_fit_its_lines(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EA read "as A-line skirt with a plus-sign… has" with room to spare: the panel shows the sentence with
    its titles whole where all of it fits the lines at the panel's width, else the shortened one (trial BE's two
    long titles took the room of its end)."""
    from dataclasses import replace

    from sane_desktop.gui.explanation_view import WHOLE_TITLES
    from sane_desktop.gui.text import ElidedLabel

    title = "A-line skirt with a plus-sign motif"
    reason = _reason([0.4, 0.6])
    reason = replace(reason, shares=(replace(reason.shares[0], shows_attribute=0.1),
                                     replace(reason.shares[1], shows_attribute=0.9,
                                             item=replace(reason.shares[1].item, title=title))))
    short, whole = outfit_sentence(reason), outfit_sentence(reason, limit=WHOLE_TITLES)
    assert "plus-sign…" in short and whole == ("Goes with your outfit mainly through its lightning-bolt motif, shared "
                                               f"with {title} — 60 % of the match comes from it.")
    label = ElidedLabel(lines=3)
    qtbot.addWidget(label)
    label.setText(short)
    label.set_longer(whole)
    label.resize(900, label.height())
    label.show()
    assert label.plain_text() == whole and not label.is_elided() and " ".join(label.shown_lines()) == whole
    label.resize(140, label.height())  # too narrow for either: the short one, elided, its whole text in the tooltip
    assert label.plain_text() == short and label.is_elided()
    label.resize(900, label.height())
    assert label.plain_text() == whole
    label.setText("Another explanation")  # a longer form never outlives its text
    assert label.plain_text() == "Another explanation"


def test_the_outfit_sentence_speaks_a_stylists_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    reason = _reason([0.7, 0.3])
    assert reason.percentages() == pytest.approx((70.0, 30.0))
    # the badges say +18 and +7 (17.5 and 7.5 rounded to the match of 75): 72 % as a stylist works it out
    assert outfit_sentence(reason) == ("Goes with your outfit mainly through its lightning-bolt motif — 72 % of the "
                                       "match comes from Item 0.")
    assert "blue colour" in outfit_sentence(_reason([0.2, 0.6], "colour:blue"))
    assert "Item 1" in outfit_sentence(_reason([0.2, 0.6], "colour:blue"))
    assert "dotted look" in outfit_sentence(_reason([0.2, 0.6], "dotted"))  # a bare attribute word
    assert "about equally" in outfit_sentence(_reason([0.5, 0.49, 0.51]))
    # two items tied at the top are named together, not the first listed alone (trial AI)
    # (badges +7, +7 and +3: 41 % each)
    assert outfit_sentence(_reason([0.4, 0.4, 0.2])).endswith("— 41 % of the match comes from each of Item 0 and Item 1.")
    abstains = outfit_sentence(_reason([0.7, 0.3], abstained="the saliency map is flat"))
    assert abstains.startswith("No single attribute explains this match: no part of the picture stands out")
    assert "motif" not in abstains  # no weak attribute named
    # an item that pulls the score down: a negative share, the others above 100 %, still Σ = 100
    pulled = _reason([0.9, -0.3])
    assert pulled.percentages() == pytest.approx((150.0, -50.0)) and percent_text(-50.0) == "−50 %"
    assert outfit_sentence(pulled).endswith("— most of the match comes from Item 0, while Item 1 pulls it down.")
    row = ShareRow(pulled.shares[1], -50.0, QImage())
    qtbot.addWidget(row)
    assert row.value_text() == "−50 %"
    # a score at or below zero has no shares of a match: the sentence says so, the rows show the cosines
    lost = _reason([0.2, -0.4])
    assert lost.percentages() is None
    assert outfit_sentence(lost) == ("This item barely goes with your outfit as a whole: its match with Item 0 is "
                                     "offset by the others.")
    assert "none of its items pulls it in" in outfit_sentence(_reason([-0.2, -0.1]))
    lost_row = ShareRow(lost.shares[0], None, QImage())
    qtbot.addWidget(lost_row)
    assert lost_row.value_text() == "+0.20"


def test_an_item_pulling_the_match_down_shows_points_not_percentages_past_100(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial T: a match barely above "unrelated" split as −276 % and 376 %. Once an item pulls the match
    down, each row shows the points of the 0–100 match it adds or takes off, as the outfit's badges do,
    adding up to the match less 50."""
    from sane_desktop.gui.explanation_view import OutfitReasonView
    from sane_desktop.service.match_score import match_percent, points_text

    view = OutfitReasonView()
    qtbot.addWidget(view)
    reason = _reason([0.41, -0.30])  # percentages 373 % and −273 %
    view.show_reason(reason, ())
    texts = [row.value_text() for row in view.rows]
    assert texts == ["+10 pts", "−7 pts"] and "%" not in "".join(texts)
    assert 50 + sum(row.points for row in view.rows) == match_percent(reason.score, 2)
    assert "takes 7 points off the 0–100 match" in view.rows[1].toolTip()
    # no item pulling it down: points too, as the badges (trial DN read "48 %" beside a "+9" badge), each
    # row's percent of the match in its tooltip
    even = _reason([0.7, 0.3])
    view.show_reason(even, ())
    assert view.title.plain_text() == "Why it goes with your outfit"
    assert [row.points for row in view.rows] == [even.item_points()[0], even.item_points()[1]]
    assert [row.value_text() for row in view.rows] == [points_text(even.item_points()[j], even.shares[j].share)
                                                       for j in (0, 1)]
    assert all(text.endswith(" pts") for text in (row.value_text() for row in view.rows))  # 17 and 8 points
    assert 50 + sum(row.points for row in view.rows) == match_percent(even.score, 2)
    # points alone: "2 points (7 % of it)" read as 7 % of the 0–100 figure, and disagreed with 2 of 19 (trial DO)
    assert f"adds {even.item_points()[0]} points to the 0–100 match —" in view.rows[0].toolTip()
    assert all("%" not in row.toolTip() for row in view.rows)
    view.show_reason(reason, ())  # an item pulling it down: the others' percent runs past 100, never said
    assert "% of it" not in "".join(row.toolTip() for row in view.rows)
    # at or below "unrelated" there is no match to share: points too, as the badges (trial W read "-0.29"
    # beside the badge "−5")
    below = _reason([-0.29, 0.03])
    view.show_reason(below, ())
    # no "why it goes" above "does not really go" (trial W)
    assert view.title.plain_text() == "How it compares with your outfit"
    assert [row.value_text() for row in view.rows] == ["−7 pts", "+1 pt"]  # one point: "pt" (trial DO)
    assert 50 + sum(row.points for row in view.rows) == match_percent(below.score, 2)


def test_the_rows_say_the_points_the_badges_show(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DJ: "−1 pts" in the panel beside a "−<1" badge (the panel's shares came from another pass and
    rounded the other way). Given the badges' points, the rows say them; without one for every compared item,
    the reason's own."""
    from sane_desktop.gui.explanation_view import OutfitReasonView

    view = OutfitReasonView()
    qtbot.addWidget(view)
    reason = _reason([0.41, -0.30])
    own = reason.item_points()
    keys = [share.outfit_pk for share in reason.shares]
    badges = {keys[0]: own[0] + 1, keys[1]: own[1] - 1}  # a rounding apart
    view.show_reason(reason, (), badges=badges)
    assert [row.points for row in view.rows] == [badges[keys[0]], badges[keys[1]]]
    view.show_reason(reason, (), badges={keys[0]: 99})  # not every item's: the reason's own
    assert [row.points for row in view.rows] == [own[0], own[1]]


def test_equal_points_draw_equal_bars_whatever_the_titles(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DO: in a narrow panel a long title's row put its bar on a line of its own, as long as the row, and a
    short title's beside it, short: +6 was drawn longer than +11. Every row's bar is as long and where a
    one-line row has it; the bar's fill is its points' share of the 50 an outfit can add."""
    from dataclasses import replace

    from sane_desktop.gui.explanation_view import OutfitReasonView

    view = OutfitReasonView()
    qtbot.addWidget(view)
    reason = _reason([0.4, 0.4])
    short, long = reason.shares
    reason = replace(reason, shares=(replace(short, item=replace(short.item, title="Cap")),
                                     replace(long, item=replace(long.item, title="Black checked cropped jacket with a "
                                                                                 "crescent-moon motif, long sleeves"))))
    view.resize(300, 200)
    view.show()
    view.show_reason(reason, ())
    qtbot.waitUntil(lambda: all(row.isVisible() and row.width() > 200 for row in view.rows), timeout=5000)
    first, second = (row.placement() for row in view.rows)
    assert first.title.top() != second.title.top() or first.title.height() != second.title.height()  # two layouts
    assert (first.bar.left(), first.bar.width()) == (second.bar.left(), second.bar.width()) and first.bar.width() > 0
    assert view.rows[0].points == view.rows[1].points and view.rows[0].bar_part() == view.rows[1].bar_part()


def test_the_sentence_names_the_outfit_item_that_has_the_attribute() -> None:
    # trial O: "through its circular knit fabric — 62 % of the match comes from Blue blouse", a woven
    # blouse (shows it 0.00); the knit was the bodysuit's (0.80), carrying 38 %
    from dataclasses import replace

    reason = _reason([0.471, 0.292], "fabric:circular knit")
    blouse, bodysuit = reason.shares
    reason = replace(reason, shares=(replace(blouse, shows_attribute=0.0), replace(bodysuit, shows_attribute=0.8)))
    # not "mainly" where the item carrying most of the match lacks it (trial BN: "mainly … (24 % of the match)")
    # (badges +12 and +7: 63 % and 37 %)
    assert outfit_sentence(reason) == ("Goes with your outfit through its circular knit fabric, as in Item 1 "
                                       "(37 % of the match) — 63 % of the match comes from Item 0.")
    nobody = replace(reason, shares=tuple(replace(share, shows_attribute=0.1) for share in reason.shares))
    assert "which no item of your outfit clearly has" in outfit_sentence(nobody)
    # the leading item has it: the sentence as before
    assert outfit_sentence(_reason([0.7, 0.3])).endswith("lightning-bolt motif — 72 % of the match comes from Item 0.")


def test_an_outfit_item_not_compared_reads_so_and_carries_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    """An outfit item whose pair with the result is in a space the model never learnt adds 0: its row
    says "not compared" (not "0 %"), and the sentence's "about equally" is of the compared items."""
    import dataclasses

    base = _reason([0.5, 0.48, 0.0])
    reason = dataclasses.replace(base, shares=(*base.shares[:2], dataclasses.replace(base.shares[2], compared=False)))
    assert outfit_sentence(reason).endswith("— both outfit items carry the match about equally.")
    row = ShareRow(reason.shares[2], reason.percentages()[2], QImage())  # type: ignore[index]
    qtbot.addWidget(row)
    assert row.value_text() == "not compared" and row.percent is None
    assert "not compared" in row.toolTip() and row.accessibleName() == "Item 2: not compared"
    assert "learnt no matches" in row.toolTip()
    # of the result's own model category (trial AU: two folders mapped to one): an alternative, not unlearnt
    alternative = ShareRow(dataclasses.replace(reason.shares[2], alternative=True), None, QImage())
    qtbot.addWidget(alternative)
    assert "the same category, an alternative to it" in alternative.toolTip()
    assert "learnt no matches" not in alternative.toolTip()
    kin = ShareRow(dataclasses.replace(reason.shares[2], alternative=True), None, QImage(), kin=True)
    qtbot.addWidget(kin)
    assert "the model counts its category and the result&#x27;s as one kind" in kin.toolTip()
    # a share of 0 % that was compared still reads as one
    shown = ShareRow(base.shares[2], 0.0, QImage())
    qtbot.addWidget(shown)
    assert shown.value_text() == percent_text(0.0)


def test_service_outfit_reason_is_the_search_score_split_exactly(world) -> None:  # type: ignore[no-untyped-def]
    service = CatalogueService(world["index"], model=world["model"])
    service.open_catalogue("demo")
    items = service.items()
    categories: dict[str, int] = {}
    for item in items:
        categories.setdefault(item.category, item.pk)
    outfit = list(categories.values())[:2]
    results = service.search(outfit, "", 4)
    checked = 0
    for hits in results.values():
        for hit in hits[:2]:
            reason = service.explain_outfit(hit.item.pk, outfit)  # the facade the window's worker calls
            assert isinstance(reason, OutfitExplanation)
            assert [s.outfit_pk for s in reason.shares] == outfit  # the outfit's order
            total = sum(s.share for s in reason.shares)
            assert total == pytest.approx(reason.score, abs=1e-9)  # the split is exact
            assert reason.score == pytest.approx(hit.score, abs=1e-4)  # ... of the score the search ranks by
            for share in reason.shares:
                assert share.share == pytest.approx(hit.contributions[share.outfit_pk], abs=1e-4)
            percentages = reason.percentages()
            assert percentages is not None and sum(percentages) == pytest.approx(100.0, abs=1e-9)
            assert [row["percent"] for row in reason.as_dict()["shares"]] == [round(p, 3) for p in percentages]
            checked += 1
    assert checked >= 2
    crops = service.crops([s.item for s in reason.shares])
    assert [c.shape for c in crops] == [(112, 112, 3)] * 2
    service.close()


def test_click_shows_the_outfit_reason_then_a_row_drills_down(world, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, rise_masks=32)
    try:
        open_first_catalogue(window, build_demo=False, demo_items=60, timeout_s=60)
        outfit = build_outfit(window, 2)
        wait_results(window, 60)
        view, results = window.explanation, window.results.view
        # a result compared with every outfit item: each row has its share (one not compared reads
        # "not compared", tests/test_unlearnt_spaces.py)
        first = next(r for r in range(window.results_model.rowCount()) if not window.results_model.row(r).not_compared)
        index = window.results_model.index(first)
        candidate_pk = int(index.data(Role.ItemPk))
        results.scrollTo(index)
        geometry = (window.size(), window.explanation_dock.size())
        QTest.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         results.visualRect(index).center())
        qtbot.waitUntil(lambda: view.outfit_data is not None and view.update_data is not None
                        and view.update_data.final and not window.channels.explain.busy, timeout=120000)
        reason = view.outfit_data
        assert reason is not None and reason.candidate.pk == candidate_pk
        assert view.outfit_reason.isVisibleTo(view) and view.pair_title.isVisibleTo(view)
        # the card (and so the exported picture) names the result and its match as its tile shows it (trial M)
        row = window.results_model.row(first)
        assert view.result_line.text() == f"Match {match_percent(row.score, row.compared())}/100 — “{row.item.title}”"
        assert view.result_line.isVisibleTo(view) and view.card.isAncestorOf(view.result_line)

        # the service's own numbers, from a second service on the same catalogue
        service = CatalogueService(world["index"], model=world["model"])
        service.open_catalogue("demo")
        truth = service.explain_outfit(candidate_pk, outfit)
        service.close()
        assert truth is not None
        expected, exact = truth.whole_percentages(), truth.percentages()
        assert expected is not None and exact is not None
        rows = view.outfit_reason.rows
        assert [row.outfit_pk for row in rows] == outfit
        shown = [row.percent for row in rows]
        assert all(value is not None for value in shown)
        assert sum(v for v in shown if v is not None) == 100  # whole numbers that add up (trial BZ read 101)
        assert shown == list(expected) and all(abs(w - e) < 1 for w, e in zip(expected, exact))  # the service's
        # the points its badges in the strip show (one figure, never one point apart: trial DJ), which are the
        # service's own but for rounding at a half point
        strip = window.outfit_panel.view  # its badges: the clicked result's (under the pointer, or explained)
        painted = {pk: strip.itemDelegate().share_points(window.outfit_model.index(r))
                   for r, pk in enumerate(window.outfit_model.pks())}
        assert [row.points for row in rows] == [painted[row.outfit_pk] for row in rows]
        own = truth.item_points()
        assert all(abs(row.points - own[j]) <= 1 for j, row in enumerate(rows))  # type: ignore[operator]
        assert all(f"adds {row.points} point" in row.toolTip() for row in rows if row.points and row.points > 0)
        # ... of the score the search ranked this result by
        assert truth.score == pytest.approx(window._results[candidate_pk].score, abs=1e-4)
        # the attribute named is the service's (or the panel says plainly that none explains it)
        assert reason.attribute == truth.attribute and reason.abstained == truth.abstained
        sentence = view.outfit_reason.sentence.plain_text()
        # its titles whole where that fits the panel's lines, else shortened
        from sane_desktop.gui.explanation_view import WHOLE_TITLES

        assert sentence in (outfit_sentence(truth), outfit_sentence(truth, limit=WHOLE_TITLES))
        if truth.attribute:
            assert outfit_phrase(truth.attribute) in sentence
        else:
            assert sentence.startswith("No single attribute explains this match")
        # research terms are behind Details: the cosines there, not in the sentence
        assert view.outfit_terms.isVisibleTo(view.details) and "cosine" in view.outfit_terms.text()
        assert "cosine" not in sentence

        # the pair view first shows the outfit item carrying the most; a click on another row drills down
        best = window._results[candidate_pk].best_outfit_item()
        assert view.update_data is not None and view.update_data.outfit_pk == best
        other = next(row for row in rows if row.outfit_pk != best)
        assert isinstance(other, ShareRow) and not other.selected
        # the tiles' batched explanations fill an empty chip when they arrive: wait for them first
        qtbot.waitUntil(lambda: window.results_model.index(first).data(Role.Tile) is not None, timeout=120000)
        chip = window.results_model.index(first).data(Role.Attribute)
        assert chip  # the click's explanation (or its tile) named one: the drill-down must not rename it
        QTest.mouseClick(other, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, other.rect().center())
        assert other.selected  # at once, before the worker answers
        qtbot.waitUntil(lambda: view.update_data is not None and view.update_data.outfit_pk == other.outfit_pk
                        and view.update_data.final and not window.channels.explain.busy, timeout=120000)
        update = view.update_data
        assert update.candidate_pk == candidate_pk and update.method == "rise"
        assert update.similarity == pytest.approx(next(s.share for s in truth.shares
                                                       if s.outfit_pk == other.outfit_pk), abs=1e-4)
        assert view._items["outfit"] is not None and view._items["outfit"].pk == other.outfit_pk
        assert other.title in view.outfit_caption.text()
        # the result's chip stays what the click showed: a drill-down is a look at one pair, not a
        # new answer to "why does it match?" (a trial saw it change from "black" to "plain colour")
        assert window.results_model.index(first).data(Role.Attribute) == chip
        # the rule itself, called directly: in this test world every drill-down names the chip's
        # attribute or none (12 results tried), so the real click above cannot tell the rule apart;
        # a drill-down's answer keeps the chip, a click's replaces it
        from types import SimpleNamespace

        window._explained(SimpleNamespace(candidate_pk=candidate_pk, attribute="motif:star"), keep_chip=True)
        assert window.results_model.index(first).data(Role.Attribute) == chip
        window._explained(SimpleNamespace(candidate_pk=candidate_pk, attribute="motif:star"))
        assert window.results_model.index(first).data(Role.Attribute) == "motif:star"
        window._explained(SimpleNamespace(candidate_pk=candidate_pk, attribute=chip))
        # the outfit's reason stays above its drill-down, the same numbers
        assert view.outfit_data is reason and [r.percent for r in view.outfit_reason.rows] == shown
        assert [r.selected for r in view.outfit_reason.rows] == [r.outfit_pk == other.outfit_pk for r in rows]
        # the window never re-laid around the panel: the reason and its drill-down fit in the dock as it was
        assert (window.size(), window.explanation_dock.size()) == geometry
        assert all(row.height() == rows[0].height() for row in view.outfit_reason.rows)
    finally:
        client.shutdown()


def test_a_product_type_reads_as_a_type() -> None:
    """MANGO's family and H&M's garment kinds: "mainly through its type (jeans)", not “family jeans”."""
    from sane_desktop.gui.explanation_view import similar_sentence

    assert outfit_phrase("family:jeans") == "type (jeans)"
    assert outfit_phrase("season:summer") == "“season summer”"  # a kind with no words of its own, as before
    assert similar_sentence("garment:trousers", "Blue jeans").startswith("Looks like Blue jeans: both are trousers")


def test_a_fabric_that_says_how_cloth_is_made_reads_as_such_in_a_likeness() -> None:
    """Trial J read "Both are made of woven": the same words in the "visually similar" headline."""
    from sane_desktop.gui.explanation_view import similar_sentence

    assert similar_sentence("fabric:woven", "Blue shirt").startswith("Looks like Blue shirt: both are woven —")
    assert similar_sentence("fabric:denim", "Blue jeans").startswith("Looks like Blue jeans: both are made of denim —")


def test_a_drill_down_that_fails_keeps_the_outfits_reason(world, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial M: a click on an outfit item's row whose photo had been replaced failed, and the failure
    cleared the whole outfit's reason from the panel; the reason still holds, only that pair failed."""
    window, client = open_window(world, qtbot, rise_masks=32)
    service = CatalogueService(world["index"], model=world["model"])
    service.open_catalogue("demo")
    photos = {item.pk: item.image_path for item in service.items()}
    service.close()
    kept: dict[Path, bytes] = {}
    try:
        open_first_catalogue(window, build_demo=False, demo_items=60, timeout_s=60)
        build_outfit(window, 2)
        wait_results(window, 60)
        view, results = window.explanation, window.results.view
        first = next(r for r in range(window.results_model.rowCount()) if not window.results_model.row(r).not_compared)
        index = window.results_model.index(first)
        candidate_pk = int(index.data(Role.ItemPk))
        QTest.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         results.visualRect(index).center())
        qtbot.waitUntil(lambda: view.outfit_data is not None and view.update_data is not None
                        and view.update_data.final and not window.channels.explain.busy, timeout=120000)
        reason = view.outfit_data
        best = window._results[candidate_pk].best_outfit_item()
        other = next(row for row in view.outfit_reason.rows if row.outfit_pk != best)
        path = photos[other.outfit_pk]
        kept[path] = path.read_bytes()
        path.write_bytes(photos[candidate_pk].read_bytes())  # another photo under its name since indexing
        QTest.mouseClick(other, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, other.rect().center())
        qtbot.waitUntil(lambda: view.status.error and not window.channels.explain.busy, timeout=120000)
        assert "Could not explain this pair: the outfit item's photo was replaced" in view.status.text()
        assert view.outfit_data is reason and view.outfit_reason.isVisibleTo(view)  # the reason stays
        assert view.update_data is None  # the failed pair's view went (none of another pair stands for it)
    finally:
        for path, data in kept.items():
            path.write_bytes(data)
        client.shutdown()


def test_a_pull_down_too_small_for_a_point_keeps_its_sign(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AM: an item taking 0.07 points off the match read "+0 pts" (tooltip "adds 0 points") in the
    error colour, beside the sentence's "… pulls it down". The row's sign is the share's."""
    from sane_desktop.gui.explanation_view import OutfitReasonView

    view = OutfitReasonView()
    qtbot.addWidget(view)
    reason = _reason([0.20, 0.30, -0.003])
    view.show_reason(reason, ())
    assert [row.points for row in view.rows][2] == 0
    assert view.rows[2].value_text() == "−<1 pt"
    assert "takes less than 1 point off the 0–100 match" in view.rows[2].toolTip()
    assert outfit_sentence(reason).endswith("while Item 2 pulls it down.")


def test_the_sentence_names_the_showing_item_that_carries_more_of_the_match() -> None:
    """Trial AM: two outfit items showed the motif (0.99032 and 0.99008) and the sentence named the one
    with 19 % over the one with 34 %: among the items that clearly show it, the larger share is named."""
    from dataclasses import replace

    reason = _reason([0.47, 0.19, 0.34])
    leading, small, large = reason.shares
    reason = replace(reason, shares=(replace(leading, shows_attribute=0.0), replace(small, shows_attribute=0.99032),
                                     replace(large, shows_attribute=0.99008)))
    # the badges say +8, +3 and +6 of 17 points: 47 %, 18 % and 35 % as a stylist works them out
    assert ", as in Item 2 (35 % of the match) — 47 % of the match comes from Item 0." in outfit_sentence(reason)


def test_the_sentences_percent_is_the_one_the_badges_points_give() -> None:
    """Trial DS: badges +22 and +5 beside "80 % of the match comes from" the first (22 / 27 is 81 %): the
    unrounded shares gave 80. The percent is worked out from the points shown, the window's own when it
    passes them; from the shares where a badge says less than a point."""
    from sane_desktop.gui.explanation_view import shown_percentages
    from sane_desktop.service.match_score import share_points

    reason = _reason([0.88, 0.215])
    assert share_points([0.88, 0.215]) == [22, 5] and reason.whole_percentages() == (80, 20)
    assert "81 % of the match comes from Item 0" in outfit_sentence(reason)
    assert shown_percentages(reason) == (81, 19)
    # the window's badges (outfit item key -> points) are the ones said
    assert "75 % of the match comes from Item 0" in outfit_sentence(reason, points={10: 21, 11: 7})
    # "+<1" on a badge is part of the match though 0 of the points: the shares say it
    small = _reason([0.88, 0.01])
    assert share_points([0.88, 0.01]) == [22, 0]
    assert shown_percentages(small) == small.whole_percentages() == (99, 1)
    # an item pulling the match down: no percent is worked out from points
    against = _reason([0.88, -0.3])
    assert shown_percentages(against) == against.whole_percentages()


def test_a_look_alikes_chip_says_why_it_looks_like_the_item() -> None:
    """Trial AM: after Find visually similar each tile's tooltip read "looks alike: 79/100 … chip, why it
    goes with …", match wording on a likeness."""
    from types import SimpleNamespace

    from sane_desktop.gui.models import ItemListModel, Row
    from sane_desktop.service import TileExplanation

    item = ItemInfo(1, "c", "bags", "Candidate", Path("/nowhere/c.png"), "")
    tile = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (AttributeScore("colour:red", 1.0, 0.9, 0.5, 0.2),))
    owner = SimpleNamespace(outfit_titles={10: "Red bag"}, outfit_categories={}, details=False)
    for row, words in ((Row(item, 0.6, {10: 0.6}, tile=tile, general=True), "why it looks like Red bag"),
                       (Row(item, 0.6, {10: 0.6}, tile=tile, look_alike=True), "why it looks like Red bag"),
                       (Row(item, 0.6, {10: 0.6}, tile=tile), "why it goes with Red bag")):
        for details in (False, True):
            owner.details = details
            lines = " ".join(ItemListModel._explanation_lines(owner, row))  # type: ignore[arg-type]
            assert f"reason, {words}" in lines


def test_a_tiles_tooltip_gives_the_reason_for_an_item_not_compared_and_names_the_right_partner() -> None:
    """Trial AQ: a tile's dashed slot ("not compared") had no words in its tooltip without Details and no
    reason with them (the panel's row gives one); the look-alike's Details line said "outfit item has
    it" of the item it looks like; the chip's score read as a fault when negative (a log-linear score)."""
    from types import SimpleNamespace

    from sane_desktop.gui.models import ItemListModel, Row
    from sane_desktop.service import TileExplanation

    item = ItemInfo(1, "c", "bags", "Candidate", Path("/nowhere/c.png"), "")
    tile = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (AttributeScore("colour:red", -1.2, 0.9, 0.5, 0.2),))
    owner = SimpleNamespace(outfit_titles={10: "Red bag", 11: "Blue hat"}, outfit_categories={}, details=False)
    row = Row(item, 0.6, {10: 0.6, 11: 0.0}, tile=tile, not_compared=frozenset({11}))
    for details in (False, True):
        owner.details = details
        lines = " ".join(ItemListModel._explanation_lines(owner, row))  # type: ignore[arg-type]
        assert "not compared with Blue hat: the model learnt no matches between these categories" in lines
        assert "not compared with Red bag" not in lines
    assert "log score -1.20 (Σ weight × log part)" in lines and "outfit item has it 1.00" in lines
    compared = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=tile)))  # type: ignore[arg-type]
    assert "not compared" not in compared
    owner.details = False  # the pair's figure names its outfit item (trial DJ read "match with it: 74/100" under 61/100)
    plain = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=tile)))  # type: ignore[arg-type]
    assert "match with Red bag alone: 80/100" in plain and "<i>red</i>" in plain  # the reason in words, not colour:red
    assert "hardly" not in plain
    faint = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (AttributeScore("colour:red", -1.2, 0.02, 0.5, 0.2),))
    hedged = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=faint)))  # type: ignore[arg-type]
    assert "<i>red</i> (this item hardly shows it)" in hedged  # as the panel says it (trial DL)
    owner.details = True
    alike = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=tile, general=True)))  # type: ignore[arg-type]
    assert "the item it looks like has it 1.00" in alike and "outfit item has it" not in alike
    assert "(general-space cosine: how alike they look)" in alike and "type-space" not in alike
    owner.details = False  # trial AU: a look-alike list's tile read "match with it: 78/100"
    listed = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=tile, look_alike=True)))  # type: ignore[arg-type]
    assert "looks like Red bag: " in listed and "match with" not in listed
    owner.details = True
    assert "(type-space cosine)" in lines
    # trial AS: an outfit item of the result's own category is an alternative (the in-outfit line says so),
    # not "the model learnt no matches between these categories"
    owner.outfit_categories = {10: "hats", 11: "bags"}
    listed_after = Row(item, 0.6, {10: 0.6, 11: 0.0}, tile=tile, not_compared=frozenset({11}), in_outfit=True)
    same = " ".join(ItemListModel._explanation_lines(owner, listed_after))  # type: ignore[arg-type]
    assert "not compared with Blue hat" not in same
    # trial AT: a list of that category alone ("for: bags") has no in-outfit line: the reason is said here
    alone = " ".join(ItemListModel._explanation_lines(owner, row))  # type: ignore[arg-type]
    assert "not compared with Blue hat: the same category, an alternative to it, not part of the match" in alone
    assert "learnt no matches" not in alone
    owner.outfit_categories = {10: "hats", 11: "shoes"}
    assert "not compared with Blue hat" in " ".join(ItemListModel._explanation_lines(owner, row))  # type: ignore[arg-type]
    # trial AU: two folders the user mapped to one model category ("totes" and "bags" both the model's bags):
    # the search marks the outfit item an alternative, whatever the catalogue calls its category
    mapped = Row(item, 0.6, {10: 0.6, 11: 0.0}, tile=tile, not_compared=frozenset({11}), alternatives=frozenset({11}))
    owner.outfit_categories = {10: "hats", 11: "totes"}
    words = " ".join(ItemListModel._explanation_lines(owner, mapped))  # type: ignore[arg-type]
    assert "not compared with Blue hat: the model counts its category and this one as one kind" in words
    assert "learnt no" not in words and "the same category" not in words  # totes are not bags (trial BB)


def test_an_outfit_badge_for_a_small_pull_down_keeps_its_sign(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The outfit tiles' badges round the same shares (trial AM's kind): a share of −0.003 beside +0.20
    and +0.30 reads "−<1" and "Takes less than 1/100 off", not "+0" and "Adds 0/100"."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from sane_desktop.gui.delegates import ItemTileDelegate
    from sane_desktop.service.match_score import share_points, signed_points

    assert share_points([0.20, 0.30, -0.003]) == [3, 5, 0]
    assert [signed_points(p, s) for p, s in ((17, 0.6), (-7, -0.3), (0, -0.003), (0, 0.004), (0, 0.0))] == \
        ["+17", "−7", "−<1", "+<1", "+0"]
    model = QStandardItemModel()
    for share in (0.20, 0.30, -0.003):
        cell = QStandardItem()
        cell.setData(share, Role.Highlight)
        model.appendRow(cell)
    delegate = ItemTileDelegate()
    assert [delegate.badge_text(model.index(r, 0)) for r in range(3)] == ["+3", "+5", "−<1"]
    assert "Takes less than 1/100 off this result's match" in delegate.share_summary(model.index(2, 0))
    assert "Adds 3/100 to this result's match" in delegate.share_summary(model.index(0, 0))


def test_a_tile_explained_with_no_attribute_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A leftover of trial AU: a tile whose explanation named no attribute (an abstention) showed no chip
    and no word, like a tile not explained yet. It paints an outlined "no single reason" chip, and its
    tooltip says why none is named."""
    from types import SimpleNamespace

    from gui_helpers import recording_painter
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QListView, QStyleOptionViewItem

    from sane_desktop.explain.abstain import WEAK_EVIDENCE
    from sane_desktop.gui.delegates import NO_SINGLE_REASON, ItemTileDelegate
    from sane_desktop.gui.models import ItemListModel, Row
    from sane_desktop.service import TileExplanation

    item = ItemInfo(1, "c", "bags", "Candidate", Path("/nowhere/c.png"), "")
    reason = f"{WEAK_EVIDENCE} (best 0.12 < 0.30)"
    abstained = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (AttributeScore("colour:red", -1.2, 0.1, 0.5, 0.2),),
                                abstained=reason)
    named = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (AttributeScore("colour:red", -1.2, 0.9, 0.5, 0.2),))
    owner = SimpleNamespace(outfit_titles={10: "Red bag"}, outfit_categories={}, details=False)
    lines = " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=abstained)))  # type: ignore[arg-type]
    assert "no single reason: no one attribute explains its match with Red bag — none of them is clearly on both items" in lines
    assert reason not in lines  # the numbers with Details only
    owner.details = True
    assert reason.replace("<", "&lt;") in " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=abstained)))  # type: ignore[arg-type]
    assert "no chip" not in " ".join(ItemListModel._explanation_lines(owner, Row(item, 0.6, {10: 0.6}, tile=named)))  # type: ignore[arg-type]

    def painted(tile: TileExplanation, attribute: str) -> list[str]:
        model = QStandardItemModel()
        cell = QStandardItem("Candidate")
        for role, value in ((Role.Tile, tile), (Role.Attribute, attribute), (Role.Score, 0.6), (Role.Compared, 1),
                            (Role.Contributions, {10: 0.6}), (Role.ExplanationState, "")):
            cell.setData(value, role)
        model.appendRow(cell)
        view = QListView()
        qtbot.addWidget(view)
        delegate = ItemTileDelegate(show_score=True, parent=view)
        option = QStyleOptionViewItem()
        option.font, option.palette = view.font(), view.palette()
        option.rect = QRect(QPoint(0, 0), delegate.sizeHint(option, model.index(0, 0)))
        from PySide6.QtGui import QImage

        image = QImage(option.rect.size(), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = recording_painter(image)
        delegate.paint(painter, option, model.index(0, 0))
        painter.end()
        return painter.texts

    assert NO_SINGLE_REASON in painted(abstained, "")
    assert NO_SINGLE_REASON not in painted(named, "colour:red")
    # a model whose attributes were learnt elsewhere weighs no reason here: no chip at all, the line under the
    # list says it once (trial BW read "no one reason" on every tile of a real shop as a broken label, trial BZ
    # "no reason named" on every one of hundreds)
    from sane_desktop.explain.abstain import FOREIGN_MODEL
    foreign = TileExplanation(1, 10, 0.6, np.zeros((7, 7), np.float32), (), abstained=f"{FOREIGN_MODEL} (general.pt)")
    texts = painted(foreign, "")
    assert "no reason named" not in texts and NO_SINGLE_REASON not in texts and not any(t.strip() for t in texts
                                                                                          if "reason" in t)


def test_the_explained_results_line_keeps_its_match_when_the_title_is_long(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A leftover: the card's first line ended with the match ("“…” — match 75/100"), and a long title
    elided it away. The number comes first, so an elided line still shows it."""
    from sane_desktop.gui.main_window import result_line
    from sane_desktop.gui.text import ElidedLabel
    from sane_desktop.service import SearchResult

    title = "Relaxed-fit long cardigan in a soft wool blend with patch pockets and a shawl collar"
    result = SearchResult(ItemInfo(1, "c", "tops", title, Path("/nowhere/c.png"), ""), 0.5, {10: 0.5})
    line = result_line(result)
    assert line.startswith("Match 75/100 — “Relaxed-fit") and line.endswith("collar”")
    assert result_line(result, look_alike=True).startswith("Looks alike 75/100 — ")
    label = ElidedLabel(line)
    qtbot.addWidget(label)
    label.resize(label.fontMetrics().horizontalAdvance(line) // 3, 30)
    label.show()
    assert label.is_elided() and label.shown_lines()[0].startswith("Match 75/100")


def test_the_status_bars_sum_says_each_badge_as_the_badge_does() -> None:
    """Trial AZ: a badge read "+<1" and the status bar's sum "+ 0" for the same item."""
    from sane_desktop.gui.main_window import badge_terms

    assert badge_terms([0, 9, 2], [0.002, 0.36, 0.08]) == "+ <1 + 9 + 2"
    assert badge_terms([-3, 0, 5], [-0.12, -0.004, 0.2]) == "− 3 − <1 + 5"
    assert badge_terms([0, 4], [0.0, 0.16]) == "+ 0 + 4"


def test_a_folder_the_model_counts_as_an_outfit_items_kind_is_listed_after_and_says_why(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BL mapped "Strikk" (sweaters) and "Tops" to the model's tops: with a sweater in the outfit,
    "All categories" ranked tops first, uncompared with it and unexplained. They are its alternatives: listed
    after the items the outfit lacks, with the reason in their tooltip."""
    from sane_desktop.gui.main_window import own_kinds
    from sane_desktop.gui.models import ItemListModel, Row
    from sane_desktop.gui.thumbnails import ThumbnailLoader
    from sane_desktop.service import SearchResult

    def result(pk: int, category: str, alternatives: frozenset[int] = frozenset()) -> SearchResult:
        return SearchResult(ItemInfo(pk, f"i{pk}", category, f"Item {pk}", Path(f"/nowhere/{pk}.png"), ""), 0.5,
                            {11: 0.0, 12: 0.5}, not_compared=alternatives, alternatives=alternatives)

    listed = {"Tops": [result(1, "Tops", frozenset({11}))], "Shoes": [result(2, "Shoes")],
              "Strikk": [result(3, "Strikk", frozenset({11}))]}
    assert own_kinds(["Strikk", "Kjoler"], listed) == {"Strikk", "Kjoler", "Tops"}
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.outfit_categories = {11: "Strikk", 12: "Kjoler"}
    model.set_results([r for rs in listed.values() for r in rs], in_outfit=own_kinds(["Strikk", "Kjoler"], listed))
    assert [model.row(n).item.category for n in range(3)][0] == "Shoes"  # what the outfit lacks comes first
    tops = next(n for n in range(3) if model.row(n).item.category == "Tops")
    tip = str(model.data(model.index(tops), Qt.ItemDataRole.ToolTipRole))
    assert "the model counts as the same kind as Tops" in tip and "Your outfit has Tops already" not in tip
    strikk = next(n for n in range(3) if model.row(n).item.category == "Strikk")
    assert "Your outfit has Strikk already" in str(model.data(model.index(strikk), Qt.ItemDataRole.ToolTipRole))
