"""Issue 7 in the GUI: every visible result carries its explanation (chip, overlay, contribution
bars, tooltip) without a click; outfit changes and scrolling cancel stale work; the window never
freezes; images from disk join the outfit (menu and drag and drop)."""

from __future__ import annotations

import html
import re

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import GapMeter, open_window, record_responsiveness  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402

from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, open_first_catalogue, wait_results  # noqa: E402
from sane_desktop.service.match_score import match_percent  # noqa: E402
from sane_desktop.service.titles import attribute_words  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 60-item demo catalogue, a tiny seeded model with an attribute net, indexed as "demo"."""
    root = tmp_path_factory.mktemp("gui-tiles")
    build_demo_world(root, 60)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


@pytest.fixture
def window(world, qtbot):  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, size=(1100, 760))
    open_first_catalogue(window, build_demo=False, demo_items=60, timeout_s=60)
    yield window
    client.shutdown()


def tiles_of(window, rows):  # type: ignore[no-untyped-def]
    return [window.results_model.data(window.results_model.index(r), Role.Tile) for r in rows]


def wait_visible_explained(window, qtbot, timeout: int = 60000) -> list[int]:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.results.visible_rows() and all(tiles_of(window, window.results.visible_rows())),
                    timeout=timeout)
    return window.results.visible_rows()


def test_visible_tiles_are_explained_without_a_click(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    rows = wait_visible_explained(window, qtbot)
    assert window.channels.explain.started == 0  # nothing was clicked: no click-through explanation ran
    model = window.results_model
    named = 0
    for row, tile in zip(rows, tiles_of(window, rows)):
        index = model.index(row)
        contributions = index.data(Role.Contributions)
        # the explained pair is the strongest outfit item, and its cosine is that item's score part
        assert tile.outfit_pk == max(contributions, key=contributions.__getitem__) and tile.outfit_pk in outfit
        assert tile.similarity == pytest.approx(contributions[tile.outfit_pk], abs=2e-2)
        # the chip: the tile's attribute, or none where it names none and says why
        assert index.data(Role.Attribute) == (tile.attribute.name if tile.attribute is not None else None) \
            or (tile.attribute is None and tile.abstained and not index.data(Role.Attribute))
        assert not index.data(Role.Overlay).isNull()
        tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
        if tile.attribute is None:  # none named, and the tooltip says why: no chip to check
            assert "no single reason: no one attribute explains its match" in html.unescape(tooltip)
            continue
        named += 1
        pair = window.results_model.outfit_titles[tile.outfit_pk]
        assert "top contributing outfit item" in tooltip
        assert f"match with {pair} alone: {match_percent(tile.similarity, 1)}/100" in html.unescape(tooltip)
        assert "similarity with it" not in tooltip and not re.search(r"\b0\.\d\d\b", html.unescape(tooltip))
        # plain words by default (trial DJ read "motif:bolt")
        assert "map match" not in tooltip and attribute_words(tile.attribute.name) in html.unescape(tooltip)
        # the chip is the pair's reason, said with the outfit item it pairs with (the panel's headline
        # is the whole outfit's: a trial could not tell the two apart)
        assert f"reason, why it goes with {window.results_model.outfit_titles[tile.outfit_pk]}" in html.unescape(tooltip)
        assert "the reason for the whole outfit" in tooltip
        window.explanation.set_details_shown(True)  # the research terms come with Details (issue 18 finding)
        assert "map match" in index.data(Qt.ItemDataRole.ToolTipRole)
        assert f"similarity with it: {tile.similarity:.2f}" in index.data(Qt.ItemDataRole.ToolTipRole)
        window.explanation.set_details_shown(False)
    assert named  # some tile names its reason
    # the overlay toggle paints the saliency maps onto the thumbnails
    window.thumbnails.wait(10000)
    qtbot.wait(50)
    plain = window.results.view.viewport().grab().toImage()
    window.overlay_action.trigger()
    assert window.overlay_action.isChecked() and window.results.view.itemDelegate().show_overlays
    with_overlays = window.results.view.viewport().grab().toImage()
    assert plain != with_overlays


def test_contributions_sum_to_the_score_and_highlight_the_outfit(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    outfit = build_outfit(window, 3)
    wait_results(window, 60)
    model = window.results_model
    for row in range(model.rowCount()):
        index = model.index(row)
        assert list(index.data(Role.Contributions)) == outfit
        assert sum(index.data(Role.Contributions).values()) == pytest.approx(index.data(Role.Score), abs=1e-4)
    hovered = model.index(0)
    window._result_hovered(hovered.data(Role.ItemPk))
    shares = [window.outfit_model.data(window.outfit_model.index(r), Role.Highlight) for r in range(3)]
    not_compared = model.row(0).not_compared  # an item not compared with it adds nothing: no share
    assert shares == [None if pk in not_compared else hovered.data(Role.Contributions)[pk] for pk in outfit]
    assert [window.outfit_model.data(window.outfit_model.index(r), Role.OutfitPosition) for r in range(3)] == [0, 1, 2]
    window._result_hovered(None)
    assert window.outfit_model.data(window.outfit_model.index(0), Role.Highlight) is None


def keep_busy(window):  # type: ignore[no-untyped-def]
    """A long RISE run on the worker, so that a task started now waits in the queue."""
    from sane_desktop.gui.explain_tasks import explain

    model = window.results_model
    return window.tasks.start(explain(model.row(0).item.pk, window.outfit_model.pks()[0], "inferno", n_masks=4000),
                              "busy")


def listen(task) -> list[object]:  # type: ignore[no-untyped-def]
    heard: list[object] = []
    task.on_done(heard.append).on_partial(heard.append).on_failed(heard.append)
    task.on_cancelled(lambda: heard.append("cancelled")).on_finished(lambda: heard.append("finished"))
    return heard


def test_outfit_change_cancels_tile_explanations(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    build_outfit(window, 2)
    wait_results(window, 60)
    wait_visible_explained(window, qtbot)
    model = window.results_model
    busy = keep_busy(window)  # the tile task is still queued when the outfit changes
    for number in range(model.rowCount()):
        model.row(number).tile = None
    window.request_tiles()
    stale = window.channels.tiles.current
    heard = listen(stale)
    extra = next(item.pk for item in window.browser_model.items() if item.pk not in window.outfit_model.pks())
    window.add_to_outfit([extra])  # the outfit changed: its old results' explanations are stale
    assert stale.stop_requested and not stale.live and window.channels.tiles.current is not stale
    busy.discard()
    qtbot.waitUntil(lambda: stale.ended, timeout=60000)
    assert heard == []  # neither a partial nor an answer of the stale task reached a handler
    wait_results(window, 60)
    qtbot.waitUntil(lambda: len(window.results_model.row(0).contributions) == 3, timeout=60000)
    rows = wait_visible_explained(window, qtbot)
    assert all(tile.outfit_pk in window.outfit_model.pks() for tile in tiles_of(window, rows))


def test_scrolling_cancels_tiles_out_of_view_and_never_freezes(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    build_outfit(window, 2)
    wait_results(window, 60)
    bar = window.results.view.verticalScrollBar()
    assert bar.maximum() > 0, "enough results to scroll"
    # the worker is busy (long RISE run), the top tiles' task waits; scrolling to the bottom replaces it
    busy = keep_busy(window)
    top = window.results.visible_rows()
    window.request_tiles(top)
    stale = window.channels.tiles.current
    heard = listen(stale)
    started = window.channels.tiles.started
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: window.channels.tiles.current not in (None, stale), timeout=10000)
    busy.discard()
    qtbot.waitUntil(lambda: stale.ended, timeout=60000)
    assert stale.stop_requested and heard == []
    bottom = wait_visible_explained(window, qtbot)
    assert not set(top) & set(bottom) and not any(tiles_of(window, top))  # out of view: never explained
    # scroll back and forth through the results while the tiles are explained
    with GapMeter() as meter:
        for value in list(range(bar.maximum(), 0, -max(1, bar.maximum() // 25))) + [0]:
            bar.setValue(value)
            qtbot.wait(40)  # faster than the visible-tiles debounce at times, slower at others
        rows = wait_visible_explained(window, qtbot)
    assert rows[0] == 0
    record_responsiveness("scrolling_with_tile_explanations", {"longest_gap_ms": meter.longest_ms, "ticks": meter.ticks,
                                                               "tile_requests": window.channels.tiles.started - started + 1})
    # the GUI thread kept turning while the worker computed (the longest gap is a benchmark
    # figure, recorded above and measured by bench/bench_gui.py: no timed assert in a test)
    assert meter.ticks > 5


def test_image_from_disk_joins_the_outfit(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second = build_outfit(window, 2)
    source = next(item for item in window.outfit_model.items() if item.pk == second)
    window.outfit_model.remove_row(1)
    from PIL import Image  # a photo of its own: a copy of a catalogue photo joins as that item

    copy = tmp_path / "from-disk.png"
    Image.open(source.image_path).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(copy)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(copy)), QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    view = window.outfit_panel.view
    view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    dialog = window.category_dialog
    assert dialog.category.currentData() == dialog.guess.best  # the prediction is preselected
    assert dialog.guess.path == copy.resolve()
    dialog.category.setCurrentIndex(dialog.category.findData(source.category))  # the curator corrects it
    assert dialog.category.count() == window.results.target.count() - 1  # every category, "all" aside
    dialog.accept()
    qtbot.waitUntil(lambda: any(pk < 0 for pk in window.outfit_model.pks()), timeout=30000)
    disk = next(pk for pk in window.outfit_model.pks() if pk < 0)
    assert window.outfit_model.pks() == [first, disk]
    wait_results(window, 60)
    qtbot.waitUntil(lambda: disk in window.results_model.row(0).contributions, timeout=60000)
    rows = wait_visible_explained(window, qtbot)
    assert any(tile.outfit_pk == disk for tile in tiles_of(window, rows)) or all(
        window.results_model.row(r).contributions[first] >= window.results_model.row(r).contributions[disk] for r in rows)
    # the click-through explanation works with the image from disk as the partner
    target = next(r for r in range(window.results_model.rowCount())
                  if window.results_model.row(r).item.category != source.category)
    candidate = window.results_model.row(target).item.pk
    window._results[candidate] = type(window._results[candidate])(
        window._results[candidate].item, window._results[candidate].score, {disk: 1.0})
    window.explain(candidate)
    qtbot.waitUntil(lambda: window.explanation.update_data is not None and window.explanation.update_data.final,
                    timeout=120000)
    assert window.explanation.update_data.outfit_pk == disk
    # the very photo of an outfit item again (the one just added, or a catalogue item's file): not a second copy
    # whose share doubles that item's weight (trial CB); said, no dialog
    owner = next(item for item in window.outfit_model.items() if item.pk == first)
    twin = tmp_path / "twin.jpg"
    twin.write_bytes(owner.image_path.read_bytes())
    for again, title in ((copy, "from-disk.png"), (twin, owner.title)):
        window.category_dialog = None
        dropped = mime_of(again)  # kept alive: the event holds a pointer to it
        view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, dropped, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier))
        qtbot.waitUntil(lambda: "already in the outfit" in window.statusBar().currentMessage(), timeout=30000)
        assert f"is the photo of “{title}”" in window.statusBar().currentMessage()
        assert window.category_dialog is None and window.outfit_model.pks() == [first, disk]
        window.statusBar().clearMessage()


def mime_of(path) -> QMimeData:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def test_the_outfit_badges_stay_those_of_the_explained_result_when_the_pointer_leaves(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AB: clicking a partner row in the explanation (the pointer off the results) took the outfit
    tiles' "+13"/"+11" badges away, and with them the link between the numbers and the tiles."""
    from sane_desktop.gui.screenshots import click_result

    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    click_result(window, 0, 120)
    explained = window.results_model.row(0)
    badges = lambda: [window.outfit_model.data(window.outfit_model.index(r), Role.Highlight)  # noqa: E731
                      for r in range(len(outfit))]
    expected = [None if pk in explained.not_compared else explained.contributions[pk] for pk in outfit]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    view = window.results.view
    QTest.mouseMove(view.viewport(), view.visualRect(window.results_model.index(1)).center())  # another result
    qtbot.waitUntil(lambda: badges() != expected, timeout=10000)
    QTest.mouseMove(window.outfit_panel, QPoint(2, 2))  # the pointer leaves the list: the explained result's badges
    qtbot.waitUntil(lambda: badges() == expected, timeout=10000)
    # a click on the other outfit item's row in the explanation (the drill-down to its pair) keeps them
    row = window.explanation.outfit_reason.row(outfit[1])
    assert row is not None
    QTest.mouseClick(row, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, row.rect().center())
    qtbot.waitUntil(lambda: window.explanation.update_data is not None
                    and window.explanation.update_data.outfit_pk == outfit[1] and not window.channels.explain.busy,
                    timeout=60000)
    qtbot.wait(50)
    assert badges() == expected
    window.explanation.clear()  # no explanation on screen: no badges without a pointer
    qtbot.waitUntil(lambda: badges() == [None] * len(outfit), timeout=5000)


def test_a_second_item_of_a_kind_joining_the_outfit_is_said(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial ED: a second skirt joined the outfit without a word. Its joining says what the outfit now does: each
    result is matched with both, and others of that kind are alternatives; a first item of a kind says nothing."""
    from sane_desktop.service.titles import category_noun

    from gui_helpers import double_click_item

    rows = [window.browser_model.row(r).item for r in range(window.browser_model.rowCount())]
    first = rows[0]
    twin_row = next(r for r, item in enumerate(rows) if r and item.category == first.category)
    twin = rows[twin_row]
    other_row = next(r for r, item in enumerate(rows) if item.category != first.category)
    window.statusBar().clearMessage()
    double_click_item(window, qtbot, 0)  # as a stylist adds them
    double_click_item(window, qtbot, other_row)
    assert "in your outfit now" not in window.statusBar().currentMessage()
    double_click_item(window, qtbot, twin_row)
    said = window.statusBar().currentMessage()
    assert said == f"2 items of “{category_noun(first.category)}” in your outfit now: each result is matched with both.", said
    assert window.statusBar().fontMetrics().horizontalAdvance(said) < 560  # whole in an 800-pixel window (trial EE)
    wait_results(window, 60)
    qtbot.wait(300)
    assert "in your outfit now" in window.statusBar().currentMessage()  # the search did not wipe it at once
    window.add_to_outfit([twin.pk])  # already there: said so, and not said to have joined again
    assert window.statusBar().currentMessage() == f"“{twin.title}” is already in the outfit."
