"""The outfit being built when the catalogue changes under the window (pytest-qt, offscreen, real
worker, real FAISS and SQLite, the bundled demo model).

- A re-import removes an outfit item (its photo deleted from the folder, the folder indexed again
  through the service while the window is open, as ``sane-desktop index`` in a terminal would): the
  next search takes it out of the outfit, says so in words (its title, never a database key),
  lists the catalogue grid again without it, and searches with the rest. A saved outfit none of
  whose items are left says "none of its items are in the catalogue any more".
- Manage catalogues → Rename… on the open catalogue: the outfit being built follows the new name.
- Saved outfits with 200-character names: the "Another saved outfit is called …" message never
  widens the dialog past the screen, and every list row shows its count.
- Two outfit items carrying a match equally are "both outfit items", not "all 2"."""

from __future__ import annotations

import os
import re
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import add_by_double_click, choose_target  # noqa: E402
from closet_world import ITEMS, make_closet  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QLineEdit, QMessageBox  # noqa: E402

from sane_desktop.errors import StaleIndexError  # noqa: E402
from sane_desktop.gui.explanation_view import outfit_sentence  # noqa: E402
from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.saved_outfits import OutfitRowDelegate  # noqa: E402
from sane_desktop.models.checkpoint import demo_model_path  # noqa: E402
from sane_desktop.service import (  # noqa: E402
    AttributeScore, CatalogueService, ItemInfo, OutfitExplanation, OutfitShare,
)

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def closet(tmp_path: Path) -> dict[str, Path]:
    """A fresh closet folder indexed as "closet" with the bundled demo model (each test changes it)."""
    root = make_closet(tmp_path / "closet")
    index_closet(tmp_path / "index", root)
    return {"root": tmp_path, "source": root, "index": tmp_path / "index", "model": demo_model_path()}


def index_closet(index: Path, source: Path) -> None:
    """Index (again) the closet folder, through a service of its own: the window's is not told."""
    CatalogueService(index, model=demo_model_path(), device="cpu").index_folder(source, "closet")


def status(window) -> str:  # type: ignore[no-untyped-def]
    return str(window.statusBar().currentMessage())


def results_shown(window) -> bool:  # type: ignore[no-untyped-def]
    return not window.channels.search.busy and window.results_model.rowCount() > 0 \
        and window.results.stack.currentWidget() is window.results.view


def message_boxes(window) -> list[QMessageBox]:  # type: ignore[no-untyped-def]
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def close_box(qtbot, box: QMessageBox) -> None:  # type: ignore[no-untyped-def]
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)


def type_name(qtbot, dialog, name: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``name`` in a NameDialog (Save outfit…, Rename…) and click OK."""
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.name_edit.selectAll()
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(dialog.name_edit, name)
    QTest.mouseClick(dialog.ok_button, LEFT)


def open_the_one_saved(window, qtbot, row_text: str) -> None:  # type: ignore[no-untyped-def]
    """Outfit → Open saved outfit…, its one row (reading ``row_text``) clicked, then Open."""
    window.open_outfit_action.trigger()
    dialog = window.saved_outfits.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.list.count() == 1, timeout=20000)
    assert dialog.list.item(0).text() == row_text
    QTest.mouseClick(dialog.list.viewport(), LEFT, pos=dialog.list.visualItemRect(dialog.list.item(0)).center())
    QTest.mouseClick(dialog.open_button, LEFT)


def test_an_outfit_item_whose_folder_was_renamed_stays_in_the_outfit(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EG renamed "Hosen" to "Hosen & Jeans" and re-synced: a folder's items are named by their paths, so its
    trousers left the outfit as "no longer in the catalogue (a re-import removed it)", with no undo. The photo is
    the same: the outfit keeps it as the item it is now, in its place, and says so; no box to close."""
    window = make_window(closet, size=(1200, 800))
    top = add_by_double_click(window, qtbot, "Tops")
    bottom = add_by_double_click(window, qtbot, "Bottoms")
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)
    window.save_outfit_action.trigger()  # saved: still the saved outfit once the trousers moved
    type_name(qtbot, window.saved_outfits.name_dialog, "Top and trousers")
    qtbot.waitUntil(lambda: "Saved the outfit “Top and trousers”" in status(window), timeout=20000)
    assert window.saved_outfits.current_name() == "Top and trousers"
    was = next(item for item in window.outfit_model.items() if item.pk == bottom)
    (closet["source"] / "Bottoms").rename(closet["source"] / "Bottoms & Jeans")
    index_closet(closet["index"], closet["source"])
    choose_target(window, qtbot, "Tops")  # the window's next search finds the trousers gone, their photo moved
    qtbot.waitUntil(lambda: bottom not in window.outfit_model.pks() and results_shown(window), timeout=60000)
    now = window.outfit_model.items()
    assert [item.pk for item in now][0] == top and len(now) == 2
    assert now[1].content_hash == was.content_hash and now[1].category == "Bottoms & Jeans"
    assert now[1].item_id == was.item_id.replace("Bottoms/", "Bottoms & Jeans/")
    assert status(window) == (f"“{was.title}” was renamed or moved by a re-import (the same photo, now in "
                              "“Bottoms & Jeans”): it stays in your outfit.")
    assert not message_boxes(window)
    assert window.saved_outfits.current_name() == "Top and trousers"


def test_the_grid_browsing_a_category_a_reimport_renamed_lists_every_category(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EI: the grid showed "Strick & Pullover"; its folder renamed and indexed from a terminal, the box read
    "All categories" and the grid "This catalogue has no items." (its list was of the category gone). Trial EJ: an
    outfit item of that category stayed, but the grid's line replaced its "it stays in your outfit"."""
    window = make_window(closet, size=(1200, 800))
    add_by_double_click(window, qtbot, "Tops")
    bottom = add_by_double_click(window, qtbot, "Bottoms")
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)
    was = next(item for item in window.outfit_model.items() if item.pk == bottom)
    box = window.category_filter
    box.setFocus()
    while box.currentData() != "Bottoms":  # the arrow keys, as a stylist picks it
        qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.browser_model.rowCount() == 3 and not window.channels.items.busy, timeout=20000)
    (closet["source"] / "Bottoms").rename(closet["source"] / "Bottoms & Jeans")
    index_closet(closet["index"], closet["source"])
    choose_target(window, qtbot, "Shoes")  # the window's next search finds the catalogue re-imported
    qtbot.waitUntil(lambda: box.currentIndex() == 0 and window.browser_model.rowCount() == ITEMS
                    and not window.browser_empty.isVisible(), timeout=60000)
    assert box.findData("Bottoms & Jeans") > 0 and box.findData("Bottoms") < 0
    qtbot.waitUntil(lambda: bottom not in window.outfit_model.pks(), timeout=60000)
    # both lines of the one refresh, in either order
    said = status(window)
    assert "“Bottoms” is no longer a category of this catalogue: showing every category." in said
    assert (f"“{was.title}” was renamed or moved by a re-import (the same photo, now in “Bottoms & Jeans”): it "
            "stays in your outfit.") in said


def test_an_outfit_item_a_reimport_removed_is_left_out_in_words(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(closet, size=(1200, 800))
    controller = window.saved_outfits
    assert window.browser_model.rowCount() == ITEMS
    # a saved outfit of two items a re-import removes both of: a pair of shoes and a piece of jewellery
    shoes = add_by_double_click(window, qtbot, "Shoes")
    jewel = add_by_double_click(window, qtbot, "Jewellery")
    gone, jewel_item = window.outfit_model.items()
    window.save_outfit_action.trigger()
    type_name(qtbot, controller.name_dialog, "Shoes and ring")
    qtbot.waitUntil(lambda: "Saved the outfit “Shoes and ring”" in status(window), timeout=20000)
    QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
    # the outfit being built: a top, a bottom and those shoes
    tops = add_by_double_click(window, qtbot, "Tops")
    bottoms = add_by_double_click(window, qtbot, "Bottoms")
    add_by_double_click(window, qtbot, "Shoes")
    assert window.outfit_model.pks() == [tops, bottoms, shoes]
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)

    # the photos go from the folder and the folder is indexed again, as from a terminal
    gone.image_path.unlink()
    jewel_item.image_path.unlink()
    index_closet(closet["index"], closet["source"])

    choose_target(window, qtbot, "Tops")  # the window's next search finds the shoes gone
    qtbot.waitUntil(lambda: bool(message_boxes(window)), timeout=60000)
    box = message_boxes(window)[0]
    title = gone.title or gone.item_id
    expected = (f"1 item of your outfit is no longer in the catalogue (a re-import removed it): “{title}” is "
                "left out.")
    assert box.text() == expected
    assert status(window) == expected
    close_box(qtbot, box)
    # the outfit without it, searched again with the rest; the grid lists the catalogue as it is now
    assert sorted(window.outfit_model.pks()) == sorted([tops, bottoms])
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)
    assert "not available" not in window.results.empty.text()
    qtbot.waitUntil(lambda: window.browser_model.rowCount() == ITEMS - 2, timeout=20000)
    assert shoes not in window.browser_model.pks() and jewel not in window.browser_model.pks()
    qtbot.waitUntil(lambda: f"— {ITEMS - 2} items" in window.catalogue_switcher.currentText(), timeout=20000)
    assert {r.item.category for r in window._results.values()} == {"Tops"}
    assert shoes not in window._results

    # a saved outfit none of whose items are left: said so, not "the others are here"
    open_the_one_saved(window, qtbot, "Shoes and ring — 2 items, none in the catalogue any more")
    # the outfit being built is not saved: discard it
    qtbot.waitUntil(lambda: controller.open_question is not None and controller.open_question.isVisible(), timeout=20000)
    open_question = controller.open_question
    QTest.mouseClick(open_question.button(QMessageBox.StandardButton.Discard), LEFT)
    # which ones, by the ids the outfit recorded (trial BH could not tell what had gone)
    said = (f"Opened the outfit “Shoes and ring”: none of its items, “{gone.item_id}”, “{jewel_item.item_id}”, are in the catalogue "
            "any more (a re-import removed them).")
    qtbot.waitUntil(lambda: status(window) == said, timeout=20000)
    assert window.outfit_model.pks() == []
    assert [box.text() for box in message_boxes(window)] == [said]
    close_box(qtbot, message_boxes(window)[0])
    # replacing it says what a replace forgets (trial BH: an item that came back later was gone from it)
    add_by_double_click(window, qtbot, "Tops")
    window.save_outfit_action.trigger()
    type_name(qtbot, controller.name_dialog, "Shoes and ring")
    qtbot.waitUntil(lambda: controller.confirm_box is not None and controller.confirm_box.isVisible(), timeout=20000)
    asked = controller.confirm_box.text()
    assert asked.startswith("An outfit called “Shoes and ring” is already saved. 2 of its items are no longer in the "
                            "catalogue") and "a replace forgets them" in asked, asked
    QTest.mouseClick(controller.confirm_box.button(QMessageBox.StandardButton.No), LEFT)


def test_the_service_names_outfit_items_without_an_embedding_by_their_ids(closet) -> None:  # type: ignore[no-untyped-def]
    """The searcher's error for outfit items it has no embedding of names them by the catalogue's ids,
    and counts the ones a re-import removed — never a database key."""
    service = CatalogueService(closet["index"], model=demo_model_path(), device="cpu")
    service.open_catalogue("closet")
    items = service.current().items
    shoe, top = items.search("Shoes")[0], items.search("Tops")[0]
    from sqlalchemy import text

    shoe.image_path.unlink()
    index_closet(closet["index"], closet["source"])  # the shoe's row goes with its photo
    searcher = service.current().search.searcher()
    with items.engine.begin() as connection:  # the top's embedding goes, as an unfinished index leaves it
        connection.execute(text("DELETE FROM item_embeddings WHERE item_pk = :pk"), {"pk": top.pk})
    with pytest.raises(StaleIndexError) as raised:
        searcher.query_items([shoe.pk, top.pk])
    message = str(raised.value)
    assert message == (f"items without an embedding for this model: {top.item_id} (re-run sane-desktop index); "
                       "1 item is no longer in the catalogue (a re-import removed it): leave it out")
    assert not re.search(rf"\b({shoe.pk}|{top.pk})\b", message.replace(top.item_id, ""))


def test_renaming_the_open_catalogue_keeps_the_outfit_being_built(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(closet, size=(1200, 800))
    outfit = [add_by_double_click(window, qtbot, "Tops"), add_by_double_click(window, qtbot, "Shoes")]
    emitted: list[list[int]] = []
    window.outfit_panel.changed.connect(lambda pks: emitted.append(list(pks)))
    manager = window.show_catalogue_manager()
    qtbot.waitUntil(lambda: manager.selected_name() == "closet" and manager.rename_button.isEnabled(), timeout=20000)
    QTest.mouseClick(manager.rename_button, LEFT)
    dialog = manager.question
    assert isinstance(dialog, QInputDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    field = dialog.findChild(QLineEdit)
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, "looks")
    QTest.mouseClick(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok), LEFT)
    # reopened under its new name (the outfit went while it opened), then the outfit came back
    qtbot.waitUntil(lambda: [] in emitted and emitted[-1] == outfit and window.windowTitle().startswith("looks"),
                    timeout=60000)
    assert window.catalogue is not None and window.catalogue.name == "looks"
    assert window.outfit_model.pks() == outfit
    assert window.settings.get("catalogue") == "looks"
    # a new catalogue under the old name (trial EU: Help → Build the demo catalogue after renaming the demo): the
    # renamed one keeps the outfit it remembers, which the new one's listing forgot
    looks = window.catalogue.uid
    qtbot.waitUntil(lambda: bool(window.settings.get(f"outfit/{looks}")), timeout=20000)
    index_closet(closet["index"], closet["source"])  # "closet" made anew, from the same folder
    window.refresh_catalogues(reopen=False)
    qtbot.waitUntil(lambda: window.catalogue_switcher.findData("closet") >= 0, timeout=60000)
    assert window.settings.get(f"outfit/{looks}"), "the renamed catalogue's outfit was forgotten"
    assert window.catalogue.name == "looks" and window.outfit_model.pks() == outfit


def test_long_saved_outfit_names_never_widen_the_dialog(closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(closet, size=(780, 700))
    controller = window.saved_outfits
    add_by_double_click(window, qtbot, "Tops")
    add_by_double_click(window, qtbot, "Shoes")
    long_a, long_b = "Long" + "x" * 196, "Long" + "y" * 196
    for name in (long_a, long_b):
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, name)
        qtbot.waitUntil(lambda: status(window).startswith("Saved the outfit “Long"), timeout=20000)
        window.statusBar().clearMessage()
    window.open_outfit_action.trigger()
    dialog = controller.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.list.count() == 2 and dialog.isVisible(), timeout=20000)
    width = dialog.width()
    screen = dialog.screen().availableGeometry()
    assert width <= screen.width()
    # each row shows its count whole, the name elided in its middle; nothing scrolls sideways
    rows = dialog.list
    delegate = rows.itemDelegate()
    assert isinstance(delegate, OutfitRowDelegate)
    for row in range(rows.count()):
        outfit = rows.item(row).data(Qt.ItemDataRole.UserRole)
        rect = rows.visualItemRect(rows.item(row))
        assert rect.right() <= rows.viewport().width()
        shown = delegate.row_text(outfit, rows.fontMetrics(), rect.width())
        assert shown.endswith(" — 2 items") and "…" in shown and shown.startswith("Long")
        assert rows.fontMetrics().horizontalAdvance(shown) <= rect.width()
        assert outfit.name in rows.item(row).toolTip().replace("\u200b", "")  # (places to wrap: invisible)
    assert rows.horizontalScrollBar().maximum() == 0

    # rename the second to the first's name: the message wraps or elides, the dialog keeps its width
    QTest.mouseClick(rows.viewport(), LEFT, pos=rows.visualItemRect(rows.item(1)).center())
    QTest.mouseClick(dialog.rename_button, LEFT)
    taken = long_a if dialog.selected().name == long_b else long_b
    type_name(qtbot, dialog.name_dialog, taken)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Another saved outfit is called"), timeout=20000)
    QApplication.processEvents()  # the layout's answer to the new text
    assert dialog.width() == width and dialog.width() <= screen.width()
    assert dialog.frameGeometry().right() <= screen.right()
    assert dialog.close_button.geometry().right() <= dialog.width()
    assert dialog.close_button.isVisible()
    assert taken in dialog.status.toolTip().replace("\u200b", "") or not dialog.status.is_elided()


def _reason(shares: list[float]) -> OutfitExplanation:
    members = tuple(OutfitShare(10 + j, ItemInfo(10 + j, f"i{j}", "tops", f"Item {j}", Path(f"/nowhere/{j}.png"), ""),
                                share, 0, 0.5, 0.5, np.zeros((7, 7), np.float32)) for j, share in enumerate(shares))
    candidate = ItemInfo(1, "c", "shoes", "Candidate", Path("/nowhere/c.png"), "")
    return OutfitExplanation(candidate, float(sum(shares)), members, np.zeros((7, 7), np.float32),
                             np.zeros((112, 112), np.float32), (AttributeScore("motif:lightning_bolt", 1.0, 0.9, 0.5, 0.2, 0.8),),
                             "")


def test_two_outfit_items_carrying_a_match_equally_are_both() -> None:
    assert outfit_sentence(_reason([0.5, 0.49])).endswith("— both outfit items carry the match about equally.")
    assert outfit_sentence(_reason([0.5, 0.49, 0.51])).endswith("— all 3 outfit items carry the match about equally.")
    # only one of them shows the attribute: named, not claimed of both (trial AB: "its cross motif — both
    # outfit items carry it about equally", the jacket's print being a moon)
    from dataclasses import replace

    even = _reason([0.5, 0.49])
    one = replace(even, shares=(even.shares[0], replace(even.shares[1], shows_attribute=0.0)))
    assert outfit_sentence(one) == ("Goes with your outfit mainly through its lightning bolt motif, as in Item 0 — both "
                                    "outfit items carry the match about equally.")


def test_a_saved_outfit_deleted_or_renamed_in_another_window_is_said_when_this_one_comes_back(
        closet, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial BH: window B deleted the outfit window A had open; A's title and its export kept the name."""
    from PySide6.QtWidgets import QWidget

    window = make_window(closet, size=(1200, 800))
    controller = window.saved_outfits
    add_by_double_click(window, qtbot, "Shoes")
    window.save_outfit_action.trigger()
    type_name(qtbot, controller.name_dialog, "Party")
    qtbot.waitUntil(lambda: controller.current_name() == "Party", timeout=20000)
    other = QWidget()  # the other window, where the person works meanwhile
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)

    def back_to_the_window() -> None:
        other.activateWindow()
        qtbot.waitUntil(other.isActiveWindow, timeout=5000)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)

    elsewhere = CatalogueService(closet["index"], model=demo_model_path(), device="cpu")
    elsewhere.open_catalogue("closet")
    [saved] = elsewhere.list_saved_outfits()
    elsewhere.saved_outfits().rename(saved.pk, "Party night")
    back_to_the_window()
    qtbot.waitUntil(lambda: controller.current_name() == "Party night", timeout=20000)
    assert "renamed “Party night” elsewhere" in status(window)
    elsewhere.saved_outfits().delete(saved.pk)
    back_to_the_window()
    qtbot.waitUntil(lambda: controller.current_name() == "" and controller.saved_pk is None, timeout=20000)
    assert status(window).startswith("The saved outfit “Party night” was deleted elsewhere")
    assert controller.default_export_name() == "outfit"  # its export no longer heads a deleted name


def test_a_saved_outfit_open_while_a_reimport_takes_an_item_and_gives_it_back_stays_unchanged(  # type: ignore[no-untyped-def]
        closet, make_window, qtbot) -> None:
    """CQ: an outfit open while a re-import took an item out and gave it back marked itself changed, and the next
    Open offered to save it over the saved one without that item (the saved one keeps it, and had it back)."""
    window = make_window(closet, size=(1200, 800))
    controller = window.saved_outfits
    tops = add_by_double_click(window, qtbot, "Tops")
    bottoms = add_by_double_click(window, qtbot, "Bottoms")
    shoes = add_by_double_click(window, qtbot, "Shoes")
    window.save_outfit_action.trigger()
    type_name(qtbot, controller.name_dialog, "Day out")
    qtbot.waitUntil(lambda: "Saved the outfit “Day out”" in status(window), timeout=20000)
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)
    ids = [item.item_id for item in window.outfit_model.items()]  # the shoes come back under another key
    photo = next(item for item in window.outfit_model.items() if item.pk == shoes).image_path
    aside = closet["root"] / photo.name
    photo.rename(aside)
    index_closet(closet["index"], closet["source"])
    choose_target(window, qtbot, "Tops")  # the next search finds the shoes gone
    qtbot.waitUntil(lambda: bool(message_boxes(window)), timeout=60000)
    close_box(qtbot, message_boxes(window)[0])
    assert window.outfit_model.pks() == [tops, bottoms]
    assert controller.current_name() == "Day out"  # the catalogue's doing, not an edit: not marked changed
    aside.rename(photo)  # back in the folder, indexed again: the saved outfit has it back
    index_closet(closet["index"], closet["source"])
    qtbot.waitUntil(lambda: results_shown(window), timeout=120000)
    open_the_one_saved(window, qtbot, "Day out — 3 items")
    # opened as saved, with the shoes back, and never asked to save the outfit over it without them
    qtbot.waitUntil(lambda: [item.item_id for item in window.outfit_model.items()] == ids, timeout=20000)
    assert controller.open_question is None and controller.current_name() == "Day out"
