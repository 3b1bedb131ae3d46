"""A trial changed the results' category while an explanation refined (RISE): the new list waited
15-19 s behind it on the one worker, and nothing could stop the refinement. A new list now stops
it first, and so does Escape; the panel keeps the map computed so far and says the explanation was
stopped, and a click explains the result again (pytest-qt, offscreen, real clicks and keys)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import choose_target, demo_world  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.service import ExplanationUpdate  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("stop-explanation"), 40)


def window_held_after(window, held: Callable[[ExplanationUpdate], bool]):  # type: ignore[no-untyped-def]
    """``window`` with an outfit and its results, whose explanations refine as on a slow machine,
    deterministically: after each step ``held`` accepts, the refinement waits until it is stopped."""
    build_outfit(window, 2)
    wait_results(window, 120)
    service = window.channels.runner.owner
    explain = service.explain

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        for update in explain(*args, **kwargs):
            yield update
            while held(update) and not kwargs["should_stop"]():
                time.sleep(0.01)

    service.explain = slow
    return window


def click_first_and_wait_for_its_first_map(window, qtbot) -> int:  # type: ignore[no-untyped-def]
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    clicked = window.results_model.row(0).item.pk
    qtbot.waitUntil(lambda: window.explanation.update_data is not None
                    and window.explanation.update_data.candidate_pk == clicked, timeout=60000)
    return clicked


def test_a_new_list_and_escape_stop_a_refinement(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = window_held_after(make_window(world, size=(1200, 800)), lambda _update: True)  # after its first map
    click_first_and_wait_for_its_first_map(window, qtbot)
    assert window.channels.explain.busy and not window.explanation.update_data.final
    combo = window.results.target
    category = next(combo.itemData(i) for i in range(combo.count())
                    if combo.itemData(i) not in ("", window.results_model.row(0).item.category))
    choose_target(window, qtbot, category)  # a new list: the refinement stops, the list comes
    assert not window.channels.explain.busy
    assert window.explanation.status.text().startswith("Explanation stopped (a new list was asked for)")
    assert window.explanation.update_data is not None  # the map so far stays
    qtbot.waitUntil(lambda: not window.channels.search.busy and window.results_model.rowCount() > 0, timeout=60000)

    clicked = click_first_and_wait_for_its_first_map(window, qtbot)  # explained again, then Escape
    assert window.channels.explain.busy
    qtbot.keyClick(window.results.view, Qt.Key.Key_Escape)
    assert not window.channels.explain.busy
    assert window.explanation.status.text().startswith("Explanation stopped (you stopped it)")
    assert window.explanation.update_data.candidate_pk == clicked
    method = window.explanation.method_label.text()  # Details no longer says it is refining
    assert "refining" not in method and "stopped before the end" in method
    # an exported picture says its map is unfinished, and has no "See where:" prompt to click
    drawn: list[tuple[str, str, bool]] = []
    card, render = window.explanation.card, window.explanation.card.render
    hint = window.explanation.outfit_reason.hint  # "Click an item to see that pair below."
    shown = hint.isVisible()
    card.render = lambda *args: (drawn.append((window.explanation.overlay_label.text(),
                                               window.explanation.attribute_caption.text(), hint.isVisible())),
                                 render(*args))[1]
    window.explanation.card_image()
    assert "unfinished map: the explanation was stopped before the end" in drawn[0][0]
    assert drawn[0][1] == "Reason:"
    assert shown and not drawn[0][2] and hint.isVisible()  # a picture has nothing to click: hidden for it only
    assert "unfinished" not in window.explanation.overlay_label.text()  # the panel as it was
    assert window.explanation.attribute_caption.text() == "See where:"
    # the status bar says so at once, not "Explaining…" until the worker's next check, then "Ready"
    assert window.activity.text() == "Stopping…"
    qtbot.waitUntil(lambda: window.activity.text() == "Ready", timeout=60000)
    qtbot.keyClick(window.results.view, Qt.Key.Key_Escape)  # nothing under way: nothing happens
    assert window.explanation.status.text().startswith("Explanation stopped (you stopped it)")


def test_the_status_bar_counts_a_refinement_in_percent(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A trial saw "Explaining…" in the status bar for the whole refinement while the panel counted."""
    window = window_held_after(make_window(world, size=(1200, 800)), lambda update: "masks on" in update.detail)
    window.statusBar().showMessage("Saved the explanation to /tmp/why.png", 10000)  # it hid the count (a trial)
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: window.activity.text().startswith("Explaining… ") and window.activity.text().endswith("%"),
                    timeout=60000)
    shown = window.explanation.status.text()
    assert shown.endswith(window.activity.text().rsplit(" ", 1)[1])  # the panel's count, the same
    assert window.statusBar().currentMessage() == ""  # the count shows, no old message over it
    qtbot.keyClick(window.results.view, Qt.Key.Key_Escape)
    assert window.activity.text() == "Stopping…"


def test_a_catalogue_search_and_a_catalogue_switch_stop_a_refinement(world, qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                     tmp_path) -> None:
    """A trial typed in the catalogue's search while a map refined: the list waited behind it. It
    then chose another catalogue: the switcher named it over the old catalogue's items for 78 s
    (the open waited behind the refinement on the one worker), and the panel kept the old
    catalogue's caption. Both now stop the refinement first; the switch empties the panel."""
    from closet_world import make_closet
    from PySide6.QtCore import Qt

    from sane_desktop.service import CatalogueService

    window = window_held_after(make_window(world, size=(1200, 800)), lambda _update: True)
    click_first_and_wait_for_its_first_map(window, qtbot)
    assert window.channels.explain.busy
    qtbot.keyClicks(window.search_box, "a")  # the list is asked for once the typing settles
    qtbot.waitUntil(lambda: not window.channels.explain.busy, timeout=10000)
    assert window.explanation.status.text().startswith("Explanation stopped (a new list was asked for)")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not window.channels.items.busy, timeout=60000)

    CatalogueService(world["index"], model=world["model"], device="cpu").index_folder(
        make_closet(tmp_path / "closet"), "second")
    window.relist_catalogues()
    switcher = window.catalogue_switcher
    qtbot.waitUntil(lambda: switcher.findData("second") >= 0, timeout=60000)
    click_first_and_wait_for_its_first_map(window, qtbot)
    assert window.channels.explain.busy and window.explanation.candidate_caption.text()
    switcher.setFocus()
    while switcher.currentData() != "second":  # the arrow keys, as a stylist would
        before = switcher.currentIndex()
        qtbot.keyClick(switcher, Qt.Key.Key_Down if switcher.findData("second") > before else Qt.Key.Key_Up)
        assert switcher.currentIndex() != before
    assert not window.channels.explain.busy  # stopped at once: the open does not wait behind it
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "second", timeout=30000)
    assert window.explanation.update_data is None
    assert window.explanation.candidate_caption.text() == window.explanation.headline.text() == ""


def test_another_results_explanation_never_stands_for_a_pending_one(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial J, with the one worker busy (a training): a click on result B left A's whole explanation
    under "Explaining B…", Export on; stopping B then called A's map "the last one computed"; and
    the old outfit's results, hidden behind "Searching as soon as …", were still stepped through and
    explained, their tile's "explaining" mark kept after the outfit changed."""
    import threading

    from sane_desktop.gui.explanation_view import STALE_CARD_MS
    from sane_desktop.gui.models import Role

    window = make_window(world, size=(1200, 800))
    # trial AX: File → Export explanation… (then Ctrl+S) was enabled with nothing to export, and did nothing
    assert not window.export_action.isEnabled()
    build_outfit(window, 2)
    wait_results(window, 120)
    view = window.results.view

    def click(row: int) -> int:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(row)).center())
        return window.results_model.row(row).item.pk

    first = click(0)
    qtbot.waitUntil(lambda: window.explanation.update_data is not None and window.explanation.update_data.final
                    and window.explanation.update_data.candidate_pk == first and not window.channels.explain.busy,
                    timeout=60000)
    assert window.explanation.export_button.isEnabled() and window.export_action.isEnabled()
    release = threading.Event()
    window.channels.runner.start(lambda _service, _state: release.wait(60), "Holding the worker…")
    try:
        second = click(1)
        title = window.results_model.row(1).item.title
        assert window.explanation.status.text() == f"Explaining {title}…"
        assert not window.explanation.export_button.isEnabled()  # A's picture is not B's explanation
        assert not window.export_action.isEnabled()
        qtbot.waitUntil(lambda: window.explanation.shown_candidate() is None, timeout=STALE_CARD_MS + 5000)
        assert window.explanation.update_data is None and window.explanation.outfit_data is None
        qtbot.keyClick(view, Qt.Key.Key_Escape)
        assert window.explanation.status.text().startswith(
            f"The explanation of {title} was stopped (you stopped it) before it began")
        assert "last one computed" not in window.explanation.status.text()

        pending = click(2)  # pending; Ctrl+Enter adds it to the outfit: the old results hide behind "Searching …"
        qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: pending in window.outfit_model.pks(), timeout=5000)
        assert not window.results.showing_results()
        marks = {int(window.results_model.index(r).data(Role.ItemPk)): window.results_model.row(r).explanation_state
                 for r in range(window.results_model.rowCount())}
        assert marks.get(pending, "") == ""  # its "explaining" mark went with its explanation
        asked = window._last_explained
        for key, modifier in ((Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier),
                              (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier),
                              (Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)):
            qtbot.keyClick(window, key, modifier)
        assert window._last_explained == asked and not window.channels.explain.busy  # nothing asked of hidden rows
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.results.showing_results() and not window.channels.search.busy, timeout=60000)
