"""The results heading says when an outfit's results are only look-alikes (pytest-qt, offscreen).

A catalogue category the model has no category for (the "closet" catalogue's Jewellery, indexed with
the bundled demo model) is ranked in the general space: by how much its items look like the outfit's,
not by compatibility. Through the real window (a double-click adds an outfit item, the keyboard picks
the target category in the real combo): for Jewellery the heading reads "Items that look like your
outfit" and the line under it says why; with "All categories" the heading stays "Compatible items"
and the line names the look-alike categories; back on Tops the heading is "Compatible items" again,
with no line. A clicked look-alike is explained under "Why does it look like your outfit?", a
compatible one under "Why does it match?". "Visually similar items" and the empty state are as they were."""

from __future__ import annotations

import re

import html
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import add_by_double_click, choose_target  # noqa: E402
from closet_world import make_closet  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from sane_desktop.gui.main_window import ELSEWHERE_HEADING, ELSEWHERE_HINT, LOOK_ALIKE_HEADING  # noqa: E402

COMPATIBLE_HEADING = ELSEWHERE_HEADING  # the closet has no outfits: its picks are learnt from other catalogues
from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.results_view import ALL_LABEL  # noqa: E402
from sane_desktop.models.checkpoint import demo_model_path  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402

EMPTY = "Add items to the outfit to see what goes with them."


@pytest.fixture(scope="module")
def closet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The closet folder indexed with the bundled demo model: Jewellery goes to the general space."""
    base = tmp_path_factory.mktemp("alike-heading")
    root = make_closet(base / "closet")
    CatalogueService(base / "index", model=demo_model_path(), device="cpu").index_folder(root, "closet")
    return {"root": base, "index": base / "index", "model": demo_model_path()}


def heading_text(window) -> str:  # type: ignore[no-untyped-def]
    heading = window.results.heading
    assert heading is not None
    return str(heading.text())


def line(window) -> str:  # type: ignore[no-untyped-def]
    """The visible line under the heading ("" when hidden)."""
    label = window.results.similar_heading
    return str(label.plain_text()) if label.isVisible() else ""


def tooltip(window) -> str:  # type: ignore[no-untyped-def]
    """The line's tooltip as read (its markup's text)."""
    return html.unescape(str(window.results.similar_heading.toolTip()))


def wait_results_of(window, qtbot, categories: set[str] | None) -> None:  # type: ignore[no-untyped-def]
    """The search under way has answered with results only of ``categories`` (None: any)."""
    def shown() -> bool:
        if window.channels.search.busy or window.results_model.rowCount() == 0:
            return False
        return categories is None or {r.item.category for r in window._results.values()} <= categories
    qtbot.waitUntil(shown, timeout=120000)


def test_look_alike_results_say_so_and_compatible_ones_say_compatible(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(closet, size=(1200, 800), rise_masks=16)
    # trial J: a catalogue without outfits said "Compatible items" and nothing of whose outfits taught them
    assert heading_text(window) == COMPATIBLE_HEADING and line(window) == ""
    assert window.results.heading.hint() == ELSEWHERE_HINT
    assert window.results.empty.text() == EMPTY  # the empty state, before any outfit

    add_by_double_click(window, qtbot, "Tops")
    # "All categories": compatible items and, among them, Jewellery's look-alikes, which the line names
    assert window.results.target.currentText() == ALL_LABEL
    wait_results_of(window, qtbot, None)
    assert any(r.item.category == "Jewellery" for r in window._results.values())
    assert heading_text(window) == COMPATIBLE_HEADING
    text = line(window)
    assert "Jewellery" in text and "Tops" not in text
    assert text.endswith(": no matches learnt — look-alikes, not compatibility picks, listed last.")
    assert "items here look like your outfit's items (visual similarity)" in tooltip(window)
    # a likeness is on another scale than a match: every look-alike ranks after every compatibility
    # pick (a trial found them interleaved by score), and its tile and tooltip say which it is
    rows = [window.results_model.index(r) for r in range(window.results_model.rowCount())]
    alike = [bool(index.data(Role.LookAlike)) for index in rows]
    assert alike == sorted(alike) and True in alike and False in alike
    assert all(index.data(Role.LookAlike) for index in rows if index.data(Role.Category) == "Jewellery")
    assert not any(index.data(Role.LookAlike) for index in rows if index.data(Role.Category) == "Tops")
    assert [index.data(Role.Rank) for index in rows] == list(range(1, len(rows) + 1))
    jewellery = next(index for index in rows if index.data(Role.Category) == "Jewellery")
    summary = window.results.delegate.score_summary(jewellery)
    assert summary.startswith("<b>Looks alike ") and "learnt no matches for Jewellery" in summary
    assert window.results.delegate.score_summary(rows[0]).startswith("<b>Match score ")

    # Jewellery alone: every shown item is a look-alike, and the heading says so
    choose_target(window, qtbot, "Jewellery")
    wait_results_of(window, qtbot, {"Jewellery"})
    assert heading_text(window) == LOOK_ALIKE_HEADING
    assert window.results.heading.plain_text() == "Items that look like your outfit"
    assert line(window) == "Jewellery: no matches learnt — look-alikes, not compatibility picks."
    assert not window.results.similar_heading.is_elided()  # read whole at this size, not only on hover
    assert ("The model has no matches learnt for Jewellery: these look like your outfit's items (visual similarity), "
            "they are not compatibility picks.") in tooltip(window)
    tiles = window.results_model.rowCount()
    assert tiles > 0 and window.results.stack.currentWidget() is window.results.view  # the tiles as ever
    # a click explains it, and the explanation's title asks the look-alike's question
    view = window.results.view
    index = window.results_model.index(0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    clicked = window.results_model.row(0).item.pk
    qtbot.waitUntil(lambda: window.explanation.update_data is not None
                    and window.explanation.update_data.candidate_pk == clicked, timeout=120000)
    assert window.explanation_dock.windowTitle() == "Why does it look like your outfit?"

    # back to a category the model knows matches for with a top: "Compatible items", no line
    # (tops with a top is a pair no outfit of the model's trained: not ranked, tests/test_unlearnt_spaces.py)
    choose_target(window, qtbot, "Shoes")
    wait_results_of(window, qtbot, {"Shoes"})
    assert heading_text(window) == COMPATIBLE_HEADING and line(window) == ""
    index = window.results_model.index(0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    clicked = window.results_model.row(0).item.pk
    qtbot.waitUntil(lambda: window.explanation.update_data is not None
                    and window.explanation.update_data.candidate_pk == clicked, timeout=120000)
    assert window.explanation_dock.windowTitle() == "Why does it match?"
    # a Jewellery item in the outfit: Tops stay compatibility picks, and the line says that item counts by looks
    add_by_double_click(window, qtbot, "Jewellery")
    qtbot.waitUntil(lambda: line(window) == "Your Jewellery counts by looks.", timeout=120000)
    assert heading_text(window) == COMPATIBLE_HEADING
    assert "in every score, their share is how much the result looks like them" in tooltip(window)
    # every category: both sentences, read whole (two lines) in this 1200-pixel window
    choose_target(window, qtbot, "")
    wait_results_of(window, qtbot, None)
    qtbot.waitUntil(lambda: "Your Jewellery counts by looks." in line(window), timeout=120000)
    assert re.fullmatch(r"[^:]*Jewellery[^:]*: no matches learnt — look-alikes, not compatibility picks, listed last\. "
                        r"Your Jewellery counts by looks\.", line(window)), line(window)
    assert not window.results.similar_heading.is_elided()

    # "Visually similar items" is its own heading and line, whatever the target
    choose_target(window, qtbot, "Jewellery")
    wait_results_of(window, qtbot, {"Jewellery"})
    assert heading_text(window) == LOOK_ALIKE_HEADING
    view = window.results.view
    menu = window.item_menu(view, view.visualRect(window.results_model.index(0)).center())
    assert menu is not None
    similar_to = window._results[window.results_model.pks()[0]].item
    next(a for a in menu.actions() if a.text() == "Find visually &similar").trigger()
    qtbot.waitUntil(lambda: not window.channels.search.busy and bool(window._results)
                    and all(r.general for r in window._results.values()), timeout=120000)
    assert heading_text(window) == "<b>Visually similar items</b>"  # the item is named once, in the line
    assert line(window) == (f"Similar to “{similar_to.title or similar_to.item_id}” (Jewellery): ranked by looks "
                            "alone, not by what goes with your outfit")
    assert "no matches learnt" not in tooltip(window)  # the look-alike hint went with its line

    # the empty state: an outfit cleared shows its message under "Compatible items", no line
    qtbot.mouseClick(window.outfit_panel.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.outfit_model.pks(), timeout=10000)
    assert window.results.stack.currentWidget() is window.results.empty and window.results.empty.text() == EMPTY
    assert heading_text(window) == COMPATIBLE_HEADING and line(window) == ""


def test_an_outfit_of_look_alike_items_only_lists_look_alikes(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial's outfit was one item of a category the model has no matches learnt for: every score
    was a likeness, yet the heading said "Compatible items" and the panel "Why does it match?"."""
    window = make_window(closet, size=(1200, 800), rise_masks=16)
    add_by_double_click(window, qtbot, "Jewellery")
    wait_results_of(window, qtbot, None)
    qtbot.waitUntil(lambda: heading_text(window) == LOOK_ALIKE_HEADING, timeout=60000)
    assert line(window) == "No matches learnt for your Jewellery: look-alikes, not compatibility picks."
    rows = [window.results_model.index(r) for r in range(window.results_model.rowCount())]
    assert rows and all(index.data(Role.LookAlike) for index in rows)
    assert any(index.data(Role.Category) == "Tops" for index in rows)  # a category with matches learnt, by looks here
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(rows[0]).center())
    clicked = window.results_model.row(0).item.pk
    qtbot.waitUntil(lambda: window.explanation.update_data is not None
                    and window.explanation.update_data.candidate_pk == clicked, timeout=120000)
    assert window.explanation_dock.windowTitle() == "Why does it look like your outfit?"


def test_the_line_agrees_with_the_category_names() -> None:
    from sane_desktop.gui.main_window import _plural

    assert not _plural(["Jewellery"]) and not _plural(["Dress"]) and not _plural(["Knitwear"])
    assert _plural(["accessories"]) and _plural(["Shoes"]) and _plural(["Jewellery", "Belt"])


def test_an_empty_look_alike_list_says_look_alike(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial's look-alike heading stood over "No compatible items found for this outfit."."""
    window = make_window(closet, size=(1200, 800), rise_masks=16)
    add_by_double_click(window, qtbot, "uncategorised")  # the one loose photo: the model has no such category
    wait_results_of(window, qtbot, None)
    choose_target(window, qtbot, "uncategorised")  # nothing else of it: an empty list
    qtbot.waitUntil(lambda: not window.channels.search.busy and window.results_model.rowCount() == 0, timeout=60000)
    assert heading_text(window) == LOOK_ALIKE_HEADING
    assert window.results.stack.currentWidget() is window.results.empty
    assert window.results.empty.text() == "No items that look like your outfit here."


def test_a_catalogue_whose_model_learnt_no_matches_for_it_says_so(tmp_path: Path, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AX: over a model that learnt no matches for any of the catalogue's categories (trained on it
    without outfits; here the bundled model on a folder of jewellery alone), the heading read "Compatible
    items — learnt from other catalogues' outfits". It says that every list is a look-alike one."""
    from PIL import Image

    from sane_desktop.gui.main_window import NO_MATCHES_HEADING, NO_MATCHES_HINT
    from sane_desktop.service.catalogues import matches_learnt

    root = tmp_path / "trinkets"
    (root / "Jewellery").mkdir(parents=True)
    for n in range(4):
        Image.new("RGB", (40, 40), (40 * n, 200, 90)).save(root / "Jewellery" / f"ring_{n}.png")
    CatalogueService(tmp_path / "index", model=demo_model_path(), device="cpu").index_folder(root, "trinkets")
    assert not matches_learnt(tmp_path / "index" / "trinkets")
    window = make_window({"root": tmp_path, "index": tmp_path / "index", "model": demo_model_path()}, size=(1200, 800))
    qtbot.waitUntil(lambda: heading_text(window) == NO_MATCHES_HEADING, timeout=60000)
    assert window.results.heading.hint() == NO_MATCHES_HINT


def test_matches_learnt_reads_the_index_manifest(closet) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.service.catalogues import matches_learnt

    assert matches_learnt(closet["index"] / "closet")  # Tops, Shoes, bags … are the model's
    assert matches_learnt(closet["root"] / "nowhere")  # no index: nothing known, nothing said
