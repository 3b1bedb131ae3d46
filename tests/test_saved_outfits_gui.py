"""Issue 18, point 12 in the window (pytest-qt, offscreen): save an outfit, open it again (the outfit
panel shows the same items in order), replace, rename and delete it through clicks on the widgets,
and export the outfit with its suggestions as PNG, PDF and CSV."""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QKeySequence  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, explain_first_result, open_first_catalogue, wait_results  # noqa: E402

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("saved-outfits")
    build_demo_world(root, 30)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


def status(window) -> str:  # type: ignore[no-untyped-def]
    return window.statusBar().currentMessage()


def type_name(qtbot, dialog, name: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.name_edit.selectAll()
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(dialog.name_edit, name)
    QTest.mouseClick(dialog.ok_button, LEFT)


def click_yes(qtbot, box) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=5000)
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)


def names_listed(dialog) -> list[str]:  # type: ignore[no-untyped-def]
    return [dialog.list.item(row).text().split(" — ")[0] for row in range(dialog.list.count())]


def save_new(window, qtbot, name: str, items: int) -> list[int]:  # type: ignore[no-untyped-def]
    """The first catalogue opened, an outfit of ``items`` built and saved as ``name``; its item keys."""
    open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
    outfit = build_outfit(window, items)
    window.save_outfit_action.trigger()
    type_name(qtbot, window.saved_outfits.name_dialog, name)
    qtbot.waitUntil(lambda: f"Saved the outfit “{name}”" in status(window), timeout=20000)
    return outfit


@contextmanager
def saved_then_edited(world, qtbot, name: str, items: int, sql: str, **params):  # type: ignore[no-untyped-def]
    """A window whose outfit of ``items`` was saved as ``name``, then its rows edited by ``sql`` (``:outfit`` is
    its key) and the outfit cleared: yields (window, the outfit's item keys). The module's world is put back
    after (the outfit deleted) and the window's worker shut down."""
    from sqlalchemy import text

    from sane_desktop.store import open_store

    window, client = open_window(world, qtbot)
    engine = open_store(f"sqlite:///{world['index'] / 'demo' / 'catalogue.db'}")
    try:
        outfit = save_new(window, qtbot, name, items)
        with engine.begin() as connection:
            key = connection.execute(text("SELECT id FROM saved_outfits WHERE name = :name"), {"name": name}).scalar()
            connection.execute(text(sql), {"outfit": key, **params})
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        yield window, outfit
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM saved_outfits WHERE name = :name"), {"name": name})
        engine.dispose()
        client.shutdown()


def open_saved(window, qtbot, name: str):  # type: ignore[no-untyped-def]
    """Outfit → Open saved outfit…, ``name`` clicked in the list, then Open; returns the dialog."""
    window.open_outfit_action.trigger()
    dialog = window.saved_outfits.dialog
    qtbot.waitUntil(lambda: name in names_listed(dialog), timeout=20000)
    row = names_listed(dialog).index(name)
    dialog.list.scrollToItem(dialog.list.item(row))  # a long list (the module's other outfits): in view first
    QTest.mouseClick(dialog.list.viewport(), LEFT, pos=dialog.list.visualItemRect(dialog.list.item(row)).center())
    QTest.mouseClick(dialog.open_button, LEFT)
    return dialog


def test_save_reopen_replace_rename_delete_and_export(world, qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot)
    try:
        controller = window.saved_outfits
        assert window.save_outfit_action.shortcut() == QKeySequence("Ctrl+S")  # as a stylist expects (trial CY)
        assert window.open_outfit_action.shortcut() == QKeySequence("Ctrl+Shift+O")
        assert [a.text() for a in window.menuBar().actions()] == ["&File", "&Outfit", "&View", "&Help"]
        open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
        window.save_outfit_action.trigger()  # nothing to save: says so, not a note on images from disk
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert box.text().startswith("The outfit is empty: add items to it first") and "from disk" not in box.text()
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)
        outfit = build_outfit(window, 3)
        assert len(outfit) == 3

        # save: the menu's action, a name typed into the dialog, OK clicked
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, "Party")
        qtbot.waitUntil(lambda: "Saved the outfit “Party”: 3 items" in status(window), timeout=20000)

        # another outfit under the same name asks before replacing; "Yes" replaces it
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        assert window.outfit_model.pks() == []
        # Clear starts a new outfit, no longer "Party" (a trial read `changed: “Party”` over it); Undo brings it back
        assert controller.name == "" and window.windowTitle() == window.catalogue.name
        window.outfit_panel.undo_action.trigger()
        qtbot.waitUntil(lambda: controller.current_name() == "Party", timeout=5000)
        assert window.windowTitle() == f"{window.catalogue.name} — “Party”"
        # changed, cleared, undone: "Party", changed, as it was (a review: it came back unnamed)
        extra = next(item.pk for item in window.browser_model.items() if item.pk not in outfit)
        window.add_to_outfit([extra])
        assert window.windowTitle() == f"{window.catalogue.name} — “Party” (changed)"
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        assert window.windowTitle() == window.catalogue.name
        window.outfit_panel.undo_action.trigger()
        qtbot.waitUntil(lambda: controller.name == "Party", timeout=5000)
        assert window.windowTitle() == f"{window.catalogue.name} — “Party” (changed)"
        window.outfit_panel.remove_items([extra])
        assert controller.current_name() == "Party"
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        window.add_to_outfit(list(reversed(outfit[:2])))
        assert window.windowTitle() == window.catalogue.name  # built anew: nothing of "Party" on it
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, "Party")
        qtbot.waitUntil(lambda: controller.confirm_box is not None and controller.confirm_box.isVisible(), timeout=20000)
        click_yes(qtbot, controller.confirm_box)
        qtbot.waitUntil(lambda: "Replaced the outfit “Party”: 2 items" in status(window), timeout=20000)
        window.add_to_outfit([outfit[2]])
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, "Brunch")
        qtbot.waitUntil(lambda: "Saved the outfit “Brunch”" in status(window), timeout=20000)
        assert controller.current_name() == "Brunch"
        # the panel names the saved outfit being worked on, and says once it was changed since
        named = window.outfit_panel.saved_name
        window.resize(1280, 800)  # room beside the outfit's title; at 800 px there is none, and it hides
        qtbot.waitUntil(named.isVisible, timeout=5000)
        assert named.text() == "“Brunch”" and named.width() >= named.fontMetrics().horizontalAdvance("“Brunch”")
        window.resize(800, 600)
        qtbot.waitUntil(lambda: not named.isVisible(), timeout=5000)
        assert "Brunch" in window.outfit_panel.title.toolTip()
        window.resize(1280, 800)
        # ... and the title does, as an editor names its file (a narrow panel leaves the label no room)
        assert window.windowTitle() == f"{window.catalogue.name} — “Brunch”"
        window.add_to_outfit([next(pk for pk in (item.pk for item in window.browser_model.items())
                                   if pk not in outfit)])
        assert controller.current_name() == ""  # another outfit now: not "Brunch" on its sheet, as it was saved
        # ... but "Brunch" changed, as the window says it (trial DF read "Unsaved outfit")
        assert controller.export_title() == "Brunch (changed, not saved)"
        assert controller.default_export_name() == "outfit-brunch-changed-not-saved"
        assert named.text() == "changed: “Brunch”" and "Ctrl+S" in named.toolTip()
        assert window.windowTitle() == f"{window.catalogue.name} — “Brunch” (changed)"
        window.save_outfit_action.trigger()  # saving the changes: the field holds the outfit's name (trial AB)
        qtbot.waitUntil(lambda: controller.name_dialog is not None and controller.name_dialog.isVisible(), timeout=5000)
        asked = controller.name_dialog
        assert asked.name_edit.text() == "Brunch"
        QTest.keyClick(asked, Qt.Key.Key_Escape)  # cancelled as a person would
        import shiboken6

        qtbot.waitUntil(lambda: not shiboken6.isValid(asked) or not asked.isVisible(), timeout=5000)
        assert window.outfit_panel.title.toolTip() == named.toolTip()

        # open it again: the outfit panel shows the same items in the same order
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        window.open_outfit_action.trigger()
        dialog = controller.dialog
        qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=20000)
        assert names_listed(dialog) == ["Brunch", "Party"]
        rect = dialog.list.visualItemRect(dialog.list.item(1))
        QTest.mouseClick(dialog.list.viewport(), LEFT, pos=rect.center())
        assert dialog.selected().name == "Party"
        QTest.mouseClick(dialog.open_button, LEFT)
        qtbot.waitUntil(lambda: window.outfit_model.pks() == [outfit[1], outfit[0]], timeout=20000)
        assert "Opened the outfit “Party”" in status(window)
        assert controller.current_name() == "Party" and controller.default_export_name() == "outfit-party"
        assert named.text() == "“Party”"

        # rename, then delete (asks first), through the list dialog's buttons
        window.open_outfit_action.trigger()
        dialog = controller.dialog
        qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=20000)
        dialog.list.setCurrentRow(1)
        QTest.mouseClick(dialog.rename_button, LEFT)
        type_name(qtbot, dialog.name_dialog, "Brunch")  # taken: said in the dialog, nothing renamed
        qtbot.waitUntil(lambda: "Another saved outfit is called “Brunch”" in dialog.status.text(), timeout=20000)
        QTest.mouseClick(dialog.rename_button, LEFT)
        type_name(qtbot, dialog.name_dialog, "Gala")
        qtbot.waitUntil(lambda: names_listed(dialog) == ["Brunch", "Gala"], timeout=20000)
        assert dialog.selected().name == "Gala"
        # the outfit on screen is that one: its export is headed by the name it has now (trial O: by the old)
        assert controller.current_name() == "Gala" and named.text() == "“Gala”"
        QTest.mouseClick(dialog.delete_button, LEFT)
        click_yes(qtbot, dialog.confirm_box)
        qtbot.waitUntil(lambda: names_listed(dialog) == ["Brunch"], timeout=20000)
        assert controller.current_name() == "" and controller.default_export_name() == "outfit"  # saved under none
        assert named.text() == "" and window.windowTitle() == window.catalogue.name
        QTest.mouseClick(dialog.close_button, LEFT)

        # export the outfit with its suggestions: PNG, PDF, CSV by the file's type
        wait_results(window)
        explain_first_result(window)  # the sheet ends with the sentence of the explanation on screen
        lines = controller._explanation_lines()
        assert lines and lines[1] == window.explanation.headline.text() != ""
        # headed with its figure, a match or not (trial DJ: "Why … matches:" of a result of 36/100)
        from sane_desktop.service.match_score import match_percent

        first = window._results[window._last_explained]
        figure = match_percent(first.score, first.compared())
        # the figure first, so that a line cut to the page keeps it (trial DL)
        assert lines[0].split(" — ")[0] in (f"Match {figure}/100", f"Likeness {figure}/100"), lines[0]
        assert ("how “" if figure <= 50 else "why “") in lines[0], lines[0]
        assert "below the 6 shown" not in lines[0]  # the first result is on the sheet
        for suffix in ("png", "pdf", "csv"):
            target = tmp_path / f"look.{suffix}"
            # a sheet's photos not loaded yet are decoded on the worker first: written a moment later
            with qtbot.waitSignal(controller.exported, timeout=60000) as written:
                assert controller.export(target) in (target, None)
            assert written.args == [str(target)]
            assert f"Exported the outfit to {target}" in status(window)  # not "Saved": that is Save outfit…
        image = QImage(str(tmp_path / "look.png"))
        assert not image.isNull() and image.width() == 1240 and image.height() > 600
        pdf = (tmp_path / "look.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        # A4 pages, as many as the sheet needs (a trial's one 595×1197 pt page would not print)
        import re

        boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes), boxes
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == len(boxes) >= 2
        assert pdf.rstrip().endswith(b"%%EOF")
        # a full disk: refused, no file (trial DE's PDF was 0 bytes or cut short, "Exported" in the status bar)
        import errno

        import sane_desktop.gui.saved_outfits as saved_outfits

        def full(_fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(saved_outfits.os, "fsync", full)
        assert controller.export(tmp_path / "full.pdf") is None
        qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() and "Could not save the outfit as"
                                    in w.text() for w in QApplication.topLevelWidgets()), timeout=60000)
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)
        monkeypatch.setattr(saved_outfits.os, "fsync", os.fsync)
        assert not (tmp_path / "full.pdf").exists() and "full.pdf" not in status(window)
        with (tmp_path / "look.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0][:10] == ["section", "target", "rank", "item_id", "title", "category", "ranked_by", "match",
                                "likeness", "score"]
        assert {row[6] for row in rows if row[0] == "result"} <= {"compatibility", "looks"}
        outfit_items = window.outfit_model.items()
        assert [row[3] for row in rows if row[0] == "outfit"] == [item.item_id for item in outfit_items]
        assert sum(row[0] == "result" for row in rows) == window.results_model.rowCount()
        # what the list was taken from, last (trial DE's export of a filtered list said nothing of it)
        about = {row[1]: row[4] for row in rows if row[0] == "about"}
        assert about["catalogue"] == window.catalogue.name and about["catalogue_uid"] == window.catalogue.uid
        assert about["shown_only"] == "every result (no filter)" and about["exported_at"] and about["outfit"]
        window.results.threshold.setValue(40)
        assert window.shown_only() == "a match of 40/100 or more"
        window.results.threshold.setValue(0)
        # the categories in the order the window's list meets them (trial U: the outfit's own came 2nd and 3rd)
        def first_seen(categories):  # type: ignore[no-untyped-def]
            return list(dict.fromkeys(categories))

        shown = first_seen(window.results_model.row(r).item.category for r in range(window.results_model.rowCount()))
        assert first_seen(row[1] for row in rows if row[0] == "result") == shown
        # "All categories" lists none of the outfit's own kinds (trial BW: they ranked as a block after the rest)
        assert not set(shown) & {item.category for item in outfit_items}
        # an installed app's package stays as shipped: each kind of export there is refused in a box
        from sane_desktop import paths

        package = tmp_path / "site-packages" / "sane_desktop"
        package.mkdir(parents=True)
        monkeypatch.setattr(paths, "installed_package", lambda: package)
        for suffix in ("png", "pdf", "csv"):
            assert controller.export(package / f"look.{suffix}") is None
            boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
            assert len(boxes) == 1 and "inside the installed sane-desktop package" in boxes[0].text()
            boxes[0].close()
            qtbot.waitUntil(lambda: not boxes[0].isVisible(), timeout=5000)
        assert not any(package.iterdir())
        # a folder typed that is not there is said so (trial U read "the folder cannot be written"), and a
        # file in the path as what it is (trial W read "[Errno 20] Not a directory: '….tmp.png'")
        blocker = tmp_path / "products.csv"
        blocker.write_text("a file")
        for folder, said in ((tmp_path / "nope", f"its folder {tmp_path / 'nope'} does not exist"),
                             (blocker, f"{blocker} is a file, not a folder")):
            for suffix in ("png", "pdf", "csv"):
                controller.export(folder / f"look.{suffix}")
                qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible()
                                            for w in QApplication.topLevelWidgets()), timeout=60000)
                boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
                assert len(boxes) == 1 and said in boxes[0].text() and "Errno" not in boxes[0].text(), \
                    boxes[0].text()
                boxes[0].close()
                qtbot.waitUntil(lambda: not boxes[0].isVisible(), timeout=5000)
    finally:
        client.shutdown()


def test_an_outfit_whose_item_a_reimport_removed_opens_with_the_others(world, qtbot) -> None:  # type: ignore[no-untyped-def]
    """One item's row of the saved outfit goes, as the ON DELETE CASCADE takes it when a re-import
    deletes the item (tests/test_saved_outfits.py checks that on a real re-import; here the item
    itself stays, so the shared index stays whole): the outfit opens with its other items in order,
    and the window says one went missing."""
    with saved_then_edited(world, qtbot, "Missing one", 3, "DELETE FROM saved_outfit_items WHERE outfit_pk = :outfit "
                           "AND position = 1") as (window, outfit):
        window.open_outfit_action.trigger()
        dialog = window.saved_outfits.dialog
        qtbot.waitUntil(lambda: "Missing one" in names_listed(dialog), timeout=20000)
        row = names_listed(dialog).index("Missing one")
        assert "1 no longer in the catalogue" in dialog.list.item(row).text()
        QTest.mouseClick(dialog.list.viewport(), LEFT, pos=dialog.list.visualItemRect(dialog.list.item(row)).center())
        QTest.mouseClick(dialog.open_button, LEFT)
        qtbot.waitUntil(lambda: window.outfit_model.pks() == [outfit[0], outfit[2]], timeout=20000)
        missing_id = next(item.item_id for item in window.items_by_pk([outfit[1]]))
        assert f"1 of its items, “{missing_id}”, is no longer in the catalogue" in status(window)


def test_an_outfit_whose_item_photo_was_replaced_says_so_on_open(world, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial CM: a photo replaced under its item's name and indexed again; the saved outfit reopened to the
    new photo under the old title, "Opened the outfit “Party”" and nothing more. Here the saved reference's
    photo is made another (the item itself stays, so the shared index stays whole): the window names the item."""
    from sane_desktop.gui import saved_outfits

    boxes: list[str] = []
    monkeypatch.setattr(saved_outfits, "message_box", lambda _parent, _title, words, *_a, **_k: boxes.append(words))
    with saved_then_edited(world, qtbot, "Replaced one", 2, "UPDATE saved_outfit_refs SET content_hash = :photo "
                           "WHERE outfit_pk = :outfit AND position = 1", photo="ab" * 32) as (window, outfit):
        dialog = open_saved(window, qtbot, "Replaced one")
        # the list said nothing of it; a new user's try found the box on opening the only word of it
        row = dialog.list.item(names_listed(dialog).index("Replaced one"))
        assert row.data(Qt.ItemDataRole.DisplayRole).endswith("2 items, 1 photo replaced since saved")
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit, timeout=20000)
        title = next(item.title for item in window.items_by_pk([outfit[1]]))
        said = f"The photo of “{title}” is not the one the outfit was saved with"
        assert said in status(window) and len(boxes) == 1 and said in boxes[0]


def test_the_contact_sheet_breaks_pages_between_blocks(qapp) -> None:  # type: ignore[no-untyped-def]
    """Each A4 page of the PDF ends where a row of tiles or a line starts, never through one."""
    from sane_desktop.gui.saved_outfits import ContactSheet
    from sane_desktop.service import ItemInfo

    outfit = [ItemInfo(n, f"i{n}", "tops", f"Top {n}", Path(f"/x/{n}.jpg"), "") for n in range(40)]
    sheet = ContactSheet("Many", "shop", outfit, {}, ["Why it matches", "Both are red."], lambda _item: QImage())
    height, page = sheet.height(), 900
    pages = sheet.pages(page)
    assert pages[0][0] == 0 and pages[-1][1] == height and len(pages) >= 3
    assert all(a[1] == b[0] for a, b in zip(pages, pages[1:]))  # nothing left out, nothing twice
    # each page keeps a bottom margin, the later ones a top margin too
    assert pages[0][1] - pages[0][0] <= page - sheet.MARGIN
    assert all(0 < bottom - top <= page - 2 * sheet.MARGIN for top, bottom in pages[1:])
    assert all(bottom in sheet.breaks for _top, bottom in pages[:-1])  # each page ends where a block starts
    # a heading is never a page's last line: "The outfit" stays with its first row of tiles (a trial's
    # "Goes with it — outerwear" sat alone at the foot of a page)
    heading_top = sheet.breaks[2]  # the title, the catalogue line, then "The outfit" with its first row
    assert heading_top + 28 not in sheet.breaks and sheet.breaks[3] > heading_top + 28
    # the explanation's words stay with its picture (trial DF's PDF ended a page with the words alone)
    card = QImage(600, 300, QImage.Format.Format_RGB32)
    card.fill(0)
    with_card = ContactSheet("Many", "shop", outfit, {}, ["Why it matches", "Both are red."], lambda _item: QImage(),
                             card)
    with_card.height()
    assert len(with_card.breaks) == len(sheet.breaks)  # the card starts no block of its own: held with its words


def test_the_name_dialog_is_wide_enough_for_its_title(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial G's window manager cut "Save outfit" in the narrow dialog's title bar."""
    from sane_desktop.gui.saved_outfits import TITLE_BAR_BUTTONS, NameDialog

    for title in ("Save outfit", "Rename saved outfit “a rather long outfit name for a gala”"):
        dialog = NameDialog(title, "Save the outfit as:", "look")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.width() >= dialog.fontMetrics().horizontalAdvance(title) + TITLE_BAR_BUTTONS
        assert dialog.width() >= 380


def test_a_name_too_long_to_save_is_said_not_cut(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial O: the name field cut a pasted 240-character name at 200 without a word. The name is kept
    as pasted, the line under it says the limit and the length, and OK waits for a shorter one."""
    from PySide6.QtWidgets import QApplication

    from sane_desktop.gui.saved_outfits import NameDialog
    from sane_desktop.service.values import OUTFIT_NAME_LENGTH
    from sane_desktop.store.outfits import NAME_LENGTH

    assert OUTFIT_NAME_LENGTH == NAME_LENGTH  # the window's limit is the column's
    dialog = NameDialog("Save outfit", "Save the outfit as:", "")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.ok_button.isEnabled() and not dialog.too_long.isVisible()
    QApplication.clipboard().setText("gala " * 48)  # 240 characters, 239 once stripped
    dialog.name_edit.setFocus()
    QTest.keySequence(dialog.name_edit, QKeySequence.StandardKey.Paste)
    assert len(dialog.name_edit.text()) == 240
    assert dialog.too_long.isVisible() and not dialog.ok_button.isEnabled()
    assert dialog.too_long.text() == f"A name has at most {NAME_LENGTH} characters; this one has 239."
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dialog.name_edit, "gala " * 40)
    assert not dialog.too_long.isVisible() and dialog.ok_button.isEnabled()


def test_a_name_that_shows_nothing_cannot_be_saved(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DP renamed an outfit to two zero-width spaces: it was listed as “” (spaces alone were refused)."""
    from sane_desktop.gui.saved_outfits import NameDialog

    dialog = NameDialog("Rename outfit", "New name:", "look")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.ok_button.isEnabled()
    from PySide6.QtWidgets import QApplication

    dialog.name_edit.setFocus()
    for invisible in ("\u200b\u200b", " \u200e ", "\u3164"):  # pasted over the name, as a user would bring them
        QApplication.clipboard().setText(invisible)  # (QTest types ASCII only)
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keySequence(dialog.name_edit, QKeySequence.StandardKey.Paste)
        assert dialog.name_edit.text() == invisible and not dialog.ok_button.isEnabled(), repr(invisible)
    QTest.keyClicks(dialog.name_edit, "gala")
    assert dialog.ok_button.isEnabled()


def test_a_wrapped_explanation_line_gets_the_height_qt_wraps_it_to(qapp) -> None:  # type: ignore[no-untyped-def]
    """A sheet's explanation line was given the height its width suggested (width / page + 1 lines);
    where words wrap early Qt needs one line more, and drawText clipped the last line off."""
    import random

    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFont, QFontMetrics

    from sane_desktop.gui.saved_outfits import SHEET_WIDTH, ContactSheet

    font = QFont()
    font.setPixelSize(13)
    metrics, inner = QFontMetrics(font), SHEET_WIDTH - 2 * ContactSheet.MARGIN
    words = "the blue striped cotton shirt goes with your outfit through its stripes which both items show".split()
    rng = random.Random(0)

    def wrapped(line: str) -> int:
        return metrics.boundingRect(QRect(0, 0, inner, 1 << 20), int(Qt.TextFlag.TextWordWrap), line).height()

    lines = (" ".join(rng.choice(words) for _ in range(rng.randint(10, 60))) for _ in range(5000))
    line = next(line for line in lines  # one the width-based estimate falls short for
                if wrapped(line) // metrics.lineSpacing() > metrics.horizontalAdvance(line) // inner + 1)

    def height(explanation: list[str]) -> int:
        return ContactSheet("look", "shop", [], {}, explanation, lambda _item: QImage()).height()

    assert height(["Why it matches", line]) - height(["Why it matches"]) >= wrapped(line) + 8


def test_a_long_outfit_name_is_elided_inside_the_sheets_margin(qapp) -> None:  # type: ignore[no-untyped-def]
    """Trial O: a 200-character name ran off the right edge of the PNG and of the PDF page."""
    from PySide6.QtGui import QPainter

    from sane_desktop.gui.saved_outfits import ContactSheet
    from sane_desktop.service import ItemInfo

    outfit = [ItemInfo(1, "i1", "tops", "Top 1", Path("/x/1.jpg"), "")]
    sheet = ContactSheet("W" * 200, "shop", outfit, {}, [], lambda _item: QImage())
    image = QImage(sheet.width, sheet.height(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    sheet.paint(painter)
    painter.end()
    margin = [image.pixelColor(x, y).lightness() for x in range(sheet.width - sheet.MARGIN + 2, sheet.width)
              for y in range(sheet.MARGIN, sheet.MARGIN + 36)]
    assert min(margin) > 240  # nothing drawn in the right margin
    # the line ends in "…" (low dots), not in a capital W cut by the margin: no ink up there at its end
    end = [image.pixelColor(x, y).lightness() for x in range(sheet.width - sheet.MARGIN - 6, sheet.width - sheet.MARGIN)
           for y in range(sheet.MARGIN + 4, sheet.MARGIN + 18)]
    assert min(end) > 200
    title = [image.pixelColor(x, y).lightness() for x in range(sheet.MARGIN, sheet.width // 2)
             for y in range(sheet.MARGIN, sheet.MARGIN + 36)]
    assert min(title) < 100  # the title is drawn


def test_the_saved_outfit_brought_back_at_start_keeps_its_name(world, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial U: saved as "Tenue été", the outfit came back on screen after a restart, but its export was
    headed "Unsaved outfit" (outfit.png) until it was opened again from the list. The link comes back
    with it — only while that saved outfit holds those very items, under the name it has now."""
    settings_file = tmp_path / "session.ini"

    def session():  # type: ignore[no-untyped-def]
        window, client = open_window(world, qtbot, settings_file=settings_file)
        open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
        return window, client

    window, client = session()
    try:
        outfit = build_outfit(window, 2)
        window.save_outfit_action.trigger()
        dialog = window.saved_outfits.name_dialog
        qtbot.waitUntil(dialog.isVisible, timeout=5000)
        dialog.name_edit.setText("Tenue été")  # QTest types ASCII keys only
        QTest.mouseClick(dialog.ok_button, LEFT)
        qtbot.waitUntil(lambda: "Saved the outfit “Tenue été”" in status(window), timeout=20000)
        saved_pk = window.saved_outfits.saved_pk
    finally:
        client.shutdown()
        window.close()
    window, client = session()
    try:
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit, timeout=20000)
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Tenue été", timeout=20000)
        assert window.saved_outfits.default_export_name() == "outfit-tenue-été"
    finally:
        client.shutdown()
        window.close()
    client.owner.rename_saved_outfit(saved_pk, "Soirée")  # renamed meanwhile: the name it has now
    window, client = session()
    try:
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit, timeout=20000)
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Soirée", timeout=20000)
        assert window.outfit_panel.saved_name.text() == "“Soirée”"  # named at start, as it is now
    finally:
        client.shutdown()
        window.close()
    # one of its items taken out by a re-import (the window drops it; the saved outfit keeps its reference, the
    # item's own row gone): still the saved outfit after a restart, as within the session (a review found it
    # "Unsaved outfit" then)
    from sqlalchemy import text

    from sane_desktop.store import open_store

    window, client = session()
    try:
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Soirée", timeout=20000)
        engine = open_store(f"sqlite:///{world['index'] / 'demo' / 'catalogue.db'}")
        with engine.begin() as connection:  # what the item's deletion cascades to
            connection.execute(text("DELETE FROM saved_outfit_items WHERE outfit_pk = :outfit AND item_pk = :item"),
                               {"outfit": saved_pk, "item": outfit[1]})
        engine.dispose()
        window.saved_outfits.catalogue_took([outfit[1]])  # as the window's search finding it gone does
        window.outfit_panel.remove_items([outfit[1]])
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit[:1], timeout=20000)
        assert window.saved_outfits.current_name() == "Soirée"
    finally:
        client.shutdown()
        window.close()
    window, client = session()
    try:
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit[:1], timeout=20000)
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Soirée", timeout=20000)
    finally:
        client.shutdown()
        window.close()
    # saved with other items since (replaced from another window): no link to a name it does not bear
    client.owner.save_outfit("Soirée", list(reversed(outfit)), overwrite=True)
    window, client = session()
    try:
        qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit[:1], timeout=20000)
        QTest.qWait(500)  # the restore's answer, had it linked one
        assert window.saved_outfits.current_name() == "" and window.outfit_panel.saved_name.text() == ""
    finally:
        client.shutdown()
        window.close()


def test_the_sheet_lists_categories_as_the_window_meets_them() -> None:
    """Trial U: the outfit's own categories (bottoms, hats) came 2nd and 3rd on the sheet, ranked by
    their raw scores, where the window lists them after the categories the outfit lacks."""
    from sane_desktop.gui.saved_outfits import grouped_in_window_order
    from sane_desktop.service.match_score import in_window_order
    from sane_desktop.service.values import ItemInfo, SearchResult

    def result(pk: int, category: str, parts: dict[int, float]) -> SearchResult:
        item = ItemInfo(pk, f"i{pk}", category, f"Item {pk}", Path(f"/nowhere/{pk}.png"), "")
        return SearchResult(item, sum(parts.values()), parts)

    results = [result(1, "hats", {10: 0.9, 11: 0.8}), result(2, "bags", {10: 0.6, 11: 0.6}),
               result(3, "dresses", {10: 0.5, 11: 0.4}), result(4, "bags", {10: 0.7, 11: 0.6})]
    grouped = grouped_in_window_order(results, alike={"dresses"}, own={"hats"})
    assert [category for category, _ranked in in_window_order(grouped, {"dresses"})] == ["bags", "hats", "dresses"]
    assert [r.item.pk for r in grouped["bags"]] == [4, 2]


def test_a_saved_outfit_with_an_image_from_disk_keeps_its_name_across_a_switch_of_catalogues(
        world, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BW: saved as "Office casual" with the client's handbag added from disk (not saved: only the
    catalogue's items are), the outfit came back after a switch to another catalogue and back, but unnamed:
    the saved outfit's items were compared with the outfit's, image from disk included."""
    from sane_desktop.service import CatalogueService

    if not (world["index"] / "other").is_dir():
        CatalogueService(world["index"], model=world["model"]).index_folder(world["root"] / "source", "other")
    window, client = open_window(world, qtbot, settings_file=tmp_path / "session.ini")
    try:
        open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
        if window.catalogue.name != "demo":
            window.refresh_catalogues(select="demo")
            qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "demo", timeout=30000)
        build_outfit(window, 2)
        photo = tmp_path / "handbag.png"
        source = window.outfit_model.items()[0]
        from PIL import Image  # the client's own photo: a copy of a catalogue photo joins as that item

        Image.open(source.image_path).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photo)
        window.add_image(str(photo), source.category)
        qtbot.waitUntil(lambda: len(window.outfit_model.pks()) == 3, timeout=30000)
        window.save_outfit_action.trigger()
        type_name(qtbot, window.saved_outfits.name_dialog, "Office")
        qtbot.waitUntil(lambda: "Saved the outfit" in status(window), timeout=20000)
        assert window.saved_outfits.current_name() == "Office"
        # ... and says the image from disk beside it is not saved with it (trial DJ read "Cobalt evening" as saved
        # with its trousers from disk, on the panel, in the title and on its sheet)
        assert window.outfit_panel.saved_name.text() == "1 image not saved beside “Office”"
        assert window.windowTitle().endswith("“Office” (+ 1 image not saved)")
        assert window.saved_outfits.export_title() == "Office (+ 1 image from disk, not saved)"
        window.refresh_catalogues(select="other")
        qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "other", timeout=30000)
        assert window.saved_outfits.current_name() == ""
        window.refresh_catalogues(select="demo")
        qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "demo"
                        and len(window.outfit_model.pks()) == 3, timeout=30000)
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Office", timeout=20000)
        assert window.outfit_panel.saved_name.text() == "1 image not saved beside “Office”"
    finally:
        client.shutdown()
        window.close()


def QImage_fill(path: Path) -> None:  # noqa: N802 - a photo of one colour, of its own (no catalogue photo)
    image = QImage(40, 60, QImage.Format.Format_RGB888)
    image.fill(QColor("#2a7a4b"))
    assert image.save(str(path))


def test_quitting_with_a_changed_saved_outfit_asks_to_save_the_changes(world, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BZ's leftover: Ctrl+Q with a saved outfit ("Weekend" here) changed since saving quit without a word
    (the outfit came back at the next start, "Weekend" kept its old items). It asks now, as an editor asks
    of a changed file: Cancel stays, Quit without saving quits, Save replaces "Weekend" and then quits."""
    settings_file = tmp_path / "session.ini"

    def question(window):  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: window.quit_question is not None and window.quit_question.isVisible(), timeout=5000)
        box = window.quit_question
        assert box.objectName() == "save-changes-question" and "“Weekend” has changed since it was saved" in box.text()
        return box

    def changed_outfit():  # type: ignore[no-untyped-def]
        window, client = open_window(world, qtbot, settings_file=settings_file)
        open_first_catalogue(window, build_demo=False, demo_items=30, timeout_s=60)
        window.quit_question = None
        return window, client

    window, client = changed_outfit()
    try:
        saved = build_outfit(window, 2)
        window.save_outfit_action.trigger()
        type_name(qtbot, window.saved_outfits.name_dialog, "Weekend")
        qtbot.waitUntil(lambda: "Saved the outfit “Weekend”" in status(window), timeout=20000)
        # an image from disk added is no change a save would keep (trial CJ: quitting asked to save it)
        photo = tmp_path / "client-bag.png"
        QImage_fill(photo)
        window.add_image(str(photo), window.outfit_model.items()[0].category)
        qtbot.waitUntil(lambda: len(window.outfit_model.pks()) == 3, timeout=30000)
        assert window.saved_outfits.current_name() == "Weekend"
        window.quit_action.trigger()  # saved as it is: no question
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        client.shutdown()
        window.close()
    window, client = changed_outfit()
    try:
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Weekend", timeout=20000)
        extra = next(window.browser_model.row(r).item.pk for r in range(window.browser_model.rowCount())
                     if window.browser_model.row(r).item.pk not in saved)
        window.add_to_outfit([extra])
        qtbot.waitUntil(lambda: [pk for pk in window.outfit_model.pks() if pk >= 0] == [*saved, extra], timeout=5000)
        window.quit_action.trigger()
        box = question(window)
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), LEFT)
        QTest.qWait(200)
        assert window.isVisible()
        window.quit_action.trigger()
        box = question(window)
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Discard), LEFT)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
        named = {o.name: o for o in client.owner.saved_outfits().list()}
        assert named["Weekend"].items == 2  # not saved: it keeps its items
    finally:
        client.shutdown()
        window.close()
    window, client = changed_outfit()
    try:
        qtbot.waitUntil(lambda: [pk for pk in window.outfit_model.pks() if pk >= 0] == [*saved, extra], timeout=20000)
        # it comes back as it was left: "Weekend", changed (trial CY read it unnamed after a restart)
        qtbot.waitUntil(lambda: window.saved_outfits.name == "Weekend", timeout=20000)
        assert window.saved_outfits.current_name() == "" and window.windowTitle().endswith("“Weekend” (changed)")
        window.saved_outfits.load(named["Weekend"].pk)
        qtbot.waitUntil(lambda: window.saved_outfits.current_name() == "Weekend", timeout=20000)
        window.add_to_outfit([extra])
        qtbot.waitUntil(lambda: [pk for pk in window.outfit_model.pks() if pk >= 0] == [*saved, extra], timeout=5000)
        window.quit_action.trigger()
        box = question(window)
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Save), LEFT)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
        named = {o.name: o for o in client.owner.saved_outfits().list()}
        assert named["Weekend"].items == 3  # replaced by the outfit on screen, then quit
    finally:
        client.shutdown()
        window.close()


def test_the_saved_outfit_kept_for_the_next_start_reads_an_older_versions_record() -> None:
    """The key alone (an older version's record) or with the items the saved outfit held (trial CY)."""
    from sane_desktop.gui.outfit_memory import SavedLink, remember_saved, remembered_saved
    from sane_desktop.service.values import CatalogueInfo

    class Kept(dict):  # type: ignore[type-arg]
        def set(self, key: str, value: object) -> None:
            self[key] = value

        def remove(self, key: str) -> None:
            self.pop(key, None)

    info = CatalogueInfo(name="shop", db_path=Path("shop.db"), items=3, format="folder", root="", outfits=0, uid="u1")
    kept = Kept({"saved/u1": "12"})
    assert remembered_saved(kept, info) == SavedLink(12, None)
    remember_saved(kept, info, 7, (3, -1, 5))  # an image from disk (-1) is never in a saved outfit
    assert kept["saved/u1"] == "7:3,5" and remembered_saved(kept, info) == SavedLink(7, (3, 5))
    remember_saved(kept, info, 8, ())
    assert remembered_saved(kept, info) == SavedLink(8, ())
    kept["saved/u1"] = "junk:1"
    assert remembered_saved(kept, info) is None
    # held still: a re-import that took item 5 out while the app was closed leaves it out on both sides (a
    # review found such an outfit reopened unnamed); saved over elsewhere since: not held
    from sane_desktop.gui.outfit_memory import still_held

    link = SavedLink(7, (3, 5, 9))
    assert still_held(link, {3, 9}, [], (3, 9)) and still_held(link, {3, 5, 9}, [], (3, 5, 9))
    assert not still_held(link, {3, 5, 9}, [], (9, 5, 3)) and not still_held(link, {3, 5, 9}, [], (3, 9))
    remember_saved(kept, info, None)
    assert "saved/u1" not in kept and remembered_saved(kept, info) is None


def shown(widget) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``widget`` is there (not deleted on close) and visible."""
    import shiboken6

    return widget is not None and shiboken6.isValid(widget) and widget.isVisible()


def test_saving_a_named_outfits_changes_asks_nothing_more(world, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial ER: a saved outfit changed, then Open saved outfit… → "Save them before opening?" → Save asked for
    the name again and then "Replace it?", No the default: Enter at each left nothing saved and nothing opened.
    Its own name is saved over at once (Ctrl+S: the name field, Enter); the prompt's Save saves it and opens the
    other; another outfit's name is still asked about."""
    from sqlalchemy import text

    from sane_desktop.store import open_store

    window, client = open_window(world, qtbot)
    controller = window.saved_outfits
    try:
        outfit = save_new(window, qtbot, "Teal look", 2)
        QTest.mouseClick(window.outfit_panel.clear_button, LEFT)
        build_outfit(window, 3)
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, "Other look")
        qtbot.waitUntil(lambda: "Saved the outfit “Other look”" in status(window), timeout=20000)
        open_saved(window, qtbot, "Teal look")
        qtbot.waitUntil(lambda: controller.current_name() == "Teal look", timeout=20000)
        extra = next(item.pk for item in window.browser_model.items() if item.pk not in outfit)
        window.add_to_outfit([extra])
        assert window.windowTitle().endswith("“Teal look” (changed)")
        # Ctrl+S (Outfit → Save outfit…): the field holds its name; Enter saves over it, no "Replace?" box
        before = controller.name_dialog
        window.save_outfit_action.trigger()
        qtbot.waitUntil(lambda: controller.name_dialog is not before and shown(controller.name_dialog), timeout=5000)
        assert controller.name_dialog.name_edit.text() == "Teal look"
        QTest.keyClick(controller.name_dialog.name_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Replaced the outfit “Teal look”: 3 items" in status(window), timeout=20000)
        assert not shown(controller.confirm_box)
        # changed again, then another opened: the prompt's Save (its default, Enter) saves the changes and opens it
        more = next(item.pk for item in window.browser_model.items() if item.pk not in (*outfit, extra))
        window.add_to_outfit([more])  # (an outfit no other saved one matches: opening it asks nothing)
        qtbot.waitUntil(lambda: controller.current_name() == "", timeout=5000)  # changed since saved
        dialog = open_saved(window, qtbot, "Other look")
        qtbot.waitUntil(lambda: shown(controller.open_question), timeout=5000)
        QTest.keyClick(controller.open_question, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: controller.current_name() == "Other look", timeout=20000)
        assert not shown(controller.name_dialog)
        engine = open_store(f"sqlite:///{world['index'] / 'demo' / 'catalogue.db'}")
        with engine.begin() as connection:
            key = connection.execute(text("SELECT id FROM saved_outfits WHERE name = 'Teal look'")).scalar()
            count = connection.execute(text("SELECT COUNT(*) FROM saved_outfit_items WHERE outfit_pk = :k"),
                                       {"k": key}).scalar()
        engine.dispose()
        assert count == 4  # the changes (one more item) were saved
        # another saved outfit's name typed: still asked before it is replaced
        window.save_outfit_action.trigger()
        type_name(qtbot, controller.name_dialog, "Teal look")
        qtbot.waitUntil(lambda: shown(controller.confirm_box), timeout=20000)
        asked = controller.name_dialog
        QTest.mouseClick(controller.confirm_box.button(QMessageBox.StandardButton.No), LEFT)
        # No: the name asked again, to choose another (trial EU's No ended the save, "Not saved")
        qtbot.waitUntil(lambda: controller.name_dialog is not asked and shown(controller.name_dialog), timeout=20000)
        assert controller.name_dialog.name() == "Teal look"
        type_name(qtbot, controller.name_dialog, "Third look")
        qtbot.waitUntil(lambda: status(window).startswith("Saved the outfit “Third look”"), timeout=20000)
        del dialog
    finally:
        engine = open_store(f"sqlite:///{world['index'] / 'demo' / 'catalogue.db'}")
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM saved_outfits WHERE name IN ('Teal look', 'Other look', 'Third look')"))
        engine.dispose()
        client.shutdown()
