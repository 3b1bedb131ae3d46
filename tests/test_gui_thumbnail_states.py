"""A tile's thumbnail states (new-user trial): a photo moved away says "photo missing" and a damaged
one "can't read photo" (icon, words, the path in the tooltip), never "…" for good; a failure is
kept by the file's path, so that a byte-identical photo elsewhere (another catalogue, an image from
disk) still shows, and it is looked at again when the list is shown again. And the outfit strip's
badges speak in points of the 0–100 match, with the raw figure only under the explanation's Details."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, painted_texts  # noqa: E402
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QRect, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QColor, QDropEvent, QHelpEvent, QImage, QPainter  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QListView, QStyleOptionViewItem, QToolTip  # noqa: E402

from sane_desktop.gui.delegates import ItemTileDelegate, match_percent  # noqa: E402
from sane_desktop.gui.models import ItemListModel, Role  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.gui.thumbnails import CHANGED, LOADING, MISSING, READY, UNREADABLE, ThumbnailLoader  # noqa: E402
from sane_desktop.service import CatalogueService, ItemInfo  # noqa: E402

SIZE = (1100, 760)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 30-item demo catalogue with a tiny seeded model, indexed as "demo"."""
    return demo_world(tmp_path_factory.mktemp("gui-thumbnail-states"), 30)


@pytest.fixture
def items(world: dict[str, Path]) -> list[ItemInfo]:
    """The catalogue's items, with a cold thumbnail cache (each test's window decodes afresh: a
    thumbnail cached by an earlier test would hide a failure)."""
    shutil.rmtree(world["root"] / "thumbs", ignore_errors=True)
    service = CatalogueService(world["index"])
    service.open_catalogue("demo")
    return service.items()


@pytest.fixture
def restore(items: list[ItemInfo]):  # type: ignore[no-untyped-def]
    """Every photo's bytes (path -> bytes), put back after the test (the module's catalogue is shared)."""
    kept = {item.image_path: item.image_path.read_bytes() for item in items}
    yield kept
    for path, data in kept.items():
        path.write_bytes(data)


def shown_tooltip(qtbot, view: QListView, row: int) -> str:  # type: ignore[no-untyped-def]
    """The tooltip Qt shows over ``row``'s tile (a real tooltip event on the view's viewport)."""
    QToolTip.hideText()
    point = view.visualRect(view.model().index(row, 0)).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    text = QToolTip.text()
    QToolTip.hideText()
    return text


def row_of(model: ItemListModel, pk: int) -> int:
    return model.pks().index(pk)


def test_a_moved_or_damaged_photo_says_so_and_is_looked_at_again(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot, tmp_path) -> None:
    gone, damaged = items[0], items[1]
    moved = tmp_path / "moved" / gone.image_path.name
    moved.parent.mkdir()
    shutil.move(gone.image_path, moved)  # as `mv` does: the catalogue still names the old place
    damaged.image_path.write_bytes(b"not a photo at all")
    window = make_window(world, size=SIZE)
    model, grid = window.browser_model, window.grid
    qtbot.waitUntil(lambda: model.data(model.index(row_of(model, gone.pk)), Role.ThumbnailState) == MISSING,
                    timeout=20000)
    qtbot.waitUntil(lambda: model.data(model.index(row_of(model, damaged.pk)), Role.ThumbnailState) == UNREADABLE,
                    timeout=20000)
    delegate = grid.itemDelegate()
    assert isinstance(delegate, ItemTileDelegate)
    for item, words, icon in ((gone, "photo missing", "mdi6.image-off-outline"),
                              (damaged, "can't read photo", "mdi6.image-broken-variant")):
        row = row_of(model, item.pk)
        placeholder = delegate.thumbnail_placeholder(model.index(row))
        assert placeholder is not None and (placeholder.text, placeholder.icon) == (words, icon)
        texts = painted_texts(grid, row)
        assert words in texts and "…" not in texts  # the tile says what is wrong, not "loading"
        assert str(item.image_path) in shown_tooltip(qtbot, grid, row)  # where to look for it
    assert "Photo missing" in shown_tooltip(qtbot, grid, row_of(model, gone.pk))
    assert "Can't read photo" in shown_tooltip(qtbot, grid, row_of(model, damaged.pk))
    # the other tiles have their pictures and no such words
    fine = next(r for r in range(model.rowCount()) if model.row(r).item.pk not in (gone.pk, damaged.pk))
    qtbot.waitUntil(lambda: model.data(model.index(fine), Role.ThumbnailState) == READY, timeout=20000)
    assert delegate.thumbnail_placeholder(model.index(fine)) is None
    assert "Photo missing" not in str(model.data(model.index(fine), Qt.ItemDataRole.ToolTipRole))

    # the photos are back: opening the catalogue again shows them (no restart needed)
    shutil.move(moved, gone.image_path)
    damaged.image_path.write_bytes(restore[damaged.image_path])
    window.open_catalogue("demo")
    for item in (gone, damaged):
        qtbot.waitUntil(lambda item=item: item.pk in model.pks() and model.data(
            model.index(row_of(model, item.pk)), Role.ThumbnailState) == READY, timeout=20000)
        index = model.index(row_of(model, item.pk))
        assert model.data(index, Role.Thumbnail) is not None and delegate.thumbnail_placeholder(index) is None


def test_a_failure_is_kept_by_path_not_by_the_photo_s_content(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot, tmp_path) -> None:
    """The trial's second finding: the same photo at another path (an image from disk, dropped on
    the outfit after its catalogue copy failed) shows its thumbnail."""
    gone = items[0]
    copy = tmp_path / f"same-photo{gone.image_path.suffix}"
    copy.write_bytes(gone.image_path.read_bytes())
    gone.image_path.unlink()
    window = make_window(world, size=SIZE)
    model = window.browser_model
    qtbot.waitUntil(lambda: model.data(model.index(row_of(model, gone.pk)), Role.ThumbnailState) == MISSING,
                    timeout=20000)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(copy))])
    window.outfit_panel.view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    window.category_dialog.accept()
    qtbot.waitUntil(lambda: any(pk < 0 for pk in window.outfit_model.pks()), timeout=30000)
    outfit = window.outfit_model
    row = next(r for r, pk in enumerate(outfit.pks()) if pk < 0)
    assert outfit.row(row).item.content_hash == gone.content_hash  # the same photo, the same thumbnail key
    qtbot.waitUntil(lambda: outfit.data(outfit.index(row), Role.ThumbnailState) == READY, timeout=20000)
    assert outfit.data(outfit.index(row), Role.Thumbnail) is not None
    assert "photo missing" not in painted_texts(window.outfit_panel.view, row)


def test_the_photo_added_is_the_one_the_category_dialog_showed(  # type: ignore[no-untyped-def]
        world, items, make_window, qtbot, tmp_path) -> None:
    """A photo replaced on disk while its category dialog is open (edited in another program, say) is
    refused when the user confirms, rather than the new picture joining the outfit under the preview
    of the old one: the guess, the preview and the add are held to the bytes read for the guess."""
    dropped = tmp_path / f"from-my-disk{items[0].image_path.suffix}"
    dropped.write_bytes(items[0].image_path.read_bytes())
    window = make_window(world, size=SIZE)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    window.outfit_panel.view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    assert window.category_dialog.guess.content_hash == items[0].content_hash
    dropped.write_bytes(items[1].image_path.read_bytes())  # replaced while the dialog is open
    window.category_dialog.accept()
    qtbot.waitUntil(lambda: "replaced since it was added" in window.statusBar().currentMessage(), timeout=30000)
    assert not any(pk < 0 for pk in window.outfit_model.pks())


def drop_file(window, path: Path) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.outfit_panel.view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_a_catalogue_s_own_photo_from_disk_joins_as_its_item(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot, tmp_path) -> None:
    """The last stop's leftover: a copy of a catalogue photo, recognised by its bytes, joined the outfit as
    a photo from disk titled by its file name, its labels unknown to the explanation. It is that item now,
    said so; changed to another category it is the photo from disk; with the item's own file gone, too
    (its explanation needs pixels)."""
    own, gone = items[0], items[1]
    copy = tmp_path / f"IMG_0001{own.image_path.suffix}"
    copy.write_bytes(own.image_path.read_bytes())
    window = make_window(world, size=SIZE)
    window.outfit_panel.clear()
    drop_file(window, copy)
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    assert window.category_dialog.guess.known_category == own.category
    window.category_dialog.accept()
    qtbot.waitUntil(lambda: own.pk in window.outfit_model.pks(), timeout=30000)
    assert window.outfit_model.pks() == [own.pk] and window.outfit_model.items()[0].title == own.title
    assert "the photo is this catalogue's own item" in window.statusBar().currentMessage()
    # another category chosen: the photo, embedded as that kind
    window.outfit_panel.clear()
    drop_file(window, copy)
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    dialog = window.category_dialog
    other = next(i for i in range(dialog.category.count()) if dialog.category.itemData(i) != own.category)
    dialog.category.setCurrentIndex(other)
    # the words follow the choice (trial CJ read "that item is added" over another category)
    assert "it is added as a photo of its own, searched as" in dialog.hint.text()
    dialog.category.setCurrentIndex(dialog.category.findData(own.category))
    assert "that item is added" in dialog.hint.text()
    dialog.category.setCurrentIndex(other)
    dialog.accept()
    qtbot.waitUntil(lambda: any(pk < 0 for pk in window.outfit_model.pks()), timeout=30000)
    assert own.pk not in window.outfit_model.pks()
    # the item's own file gone: the copy from disk joins, under the item's category
    window.outfit_panel.clear()
    twin = tmp_path / f"IMG_0002{gone.image_path.suffix}"
    twin.write_bytes(gone.image_path.read_bytes())
    gone.image_path.unlink()
    drop_file(window, twin)
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    window.category_dialog.accept()
    qtbot.waitUntil(lambda: any(pk < 0 for pk in window.outfit_model.pks()), timeout=30000)
    added = window.outfit_model.items()[0]
    assert added.category == gone.category and added.image_path == twin.resolve()


def test_an_image_dropped_from_a_web_page_is_said_not_added(  # type: ignore[no-untyped-def]
        world, items, make_window, qtbot, tmp_path) -> None:
    """An image dragged from a browser arrives as its address: it was dropped without a word. It is
    said in a box (nothing is downloaded); a file dropped with it is added as before."""
    from PySide6.QtWidgets import QMessageBox

    from PIL import Image

    local = tmp_path / "mine.png"  # a photo of its own, not one of the catalogue's (that joins as its item)
    Image.open(items[0].image_path).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(local)
    window = make_window(world, size=SIZE)
    mime = QMimeData()
    address = "https://shop.example.com/images/" + "x" * 120 + "/blue-dress.jpg"
    mime.setUrls([QUrl(address), QUrl("http://example.com/b.png"), QUrl.fromLocalFile(str(local))])
    window.outfit_panel.view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible() and w.parentWidget() is window]
    assert len(boxes) == 1 and boxes[0].windowTitle() == "Add an image"
    text = boxes[0].text()
    assert text.startswith("Not added: https://shop.example.com/") and "blue-dress.jpg and 1 other are on the web" in text
    assert "never downloads" in text and len(text.splitlines()[0]) < 300
    boxes[0].accept()
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    window.category_dialog.accept()  # the local file goes on as before
    qtbot.waitUntil(lambda: any(pk < 0 for pk in window.outfit_model.pks()), timeout=30000)


def test_two_catalogues_with_the_same_photo_one_missing(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two catalogues (models on one loader, as in the window) hold byte-identical photos; the first's
    file is gone. The second shows its thumbnail all the same (the trial saw "…" there for good)."""
    image = QImage(40, 30, QImage.Format.Format_RGB888)
    image.fill(QColor("#3366cc"))
    present = tmp_path / "b" / "shirt.png"
    present.parent.mkdir()
    assert image.save(str(present))
    gone = tmp_path / "a" / "shirt.png"  # never written: moved away before the catalogue opened
    loader = ThumbnailLoader(tmp_path / "cache", threads=1)
    first, second = ItemListModel(loader), ItemListModel(loader)
    item = ItemInfo(1, "shirt", "tops", "Blue shirt", gone, hashlib.sha256(present.read_bytes()).hexdigest())
    first.set_items([item])
    assert first.data(first.index(0), Role.ThumbnailState) in (LOADING, MISSING)
    qtbot.waitUntil(lambda: first.data(first.index(0), Role.ThumbnailState) == MISSING, timeout=10000)
    second.set_items([replace(item, pk=2, image_path=present)])
    qtbot.waitUntil(lambda: second.data(second.index(0), Role.ThumbnailState) == READY, timeout=10000)
    assert second.data(second.index(0), Role.Thumbnail) is not None
    # a success is kept by content: the first catalogue's tile has the same photo's picture now
    # (whichever catalogue loaded it first), while its failure never stood for the second's
    assert first.data(first.index(0), Role.ThumbnailState) == READY


def test_a_damaged_photo_is_not_taken_for_a_missing_one(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    loader = ThumbnailLoader(tmp_path / "cache", threads=1)
    model = ItemListModel(loader)
    recorded = hashlib.sha256(broken.read_bytes()).hexdigest()
    model.set_items([ItemInfo(1, "b", "tops", "Broken", broken, recorded)])
    qtbot.waitUntil(lambda: model.data(model.index(0), Role.ThumbnailState) == UNREADABLE, timeout=10000)
    assert model.data(model.index(0), Role.Thumbnail) is None
    assert "Can't read photo" in str(model.data(model.index(0), Qt.ItemDataRole.ToolTipRole))
    # shown again while still damaged: it keeps saying so (no "…" in between), and stays failed
    model.set_items([ItemInfo(1, "b", "tops", "Broken", broken, recorded)])
    assert model.data(model.index(0), Role.ThumbnailState) == UNREADABLE
    loader.wait(5000)
    qtbot.waitUntil(lambda: not loader._pending, timeout=10000)
    assert model.data(model.index(0), Role.ThumbnailState) == UNREADABLE


def photo(path: Path, colour: str) -> Path:
    """A 40×30 photo of one colour at ``path`` (folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(40, 30, QImage.Format.Format_RGB888)
    image.fill(QColor(colour))
    assert image.save(str(path))
    return path


def test_a_replaced_photo_is_never_cached_as_the_recorded_one(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trial: a.jpg replaced after its import by another photo, its tile drawn before a re-index,
    cached the new picture under the recorded photo's hash, so catalogue B's byte-identical copy of
    the old photo showed the new one, for good. Now a photo whose bytes are not the recorded ones
    says "photo changed: re-index" and nothing is cached under the recorded hash."""
    original = photo(tmp_path / "a" / "top.png", "#e07020")  # the orange top both catalogues imported
    (tmp_path / "b").mkdir()
    copy = Path(shutil.copy(original, tmp_path / "b" / "same_top.png"))  # catalogue B's copy of it
    recorded = hashlib.sha256(original.read_bytes()).hexdigest()
    photo(original, "#2050c0")  # replaced since the import (a blue bag), not re-indexed
    loader = ThumbnailLoader(tmp_path / "cache", threads=1)
    first, second = ItemListModel(loader), ItemListModel(loader)
    first.set_items([ItemInfo(1, "top", "tops", "Orange top", original, recorded)])
    qtbot.waitUntil(lambda: first.data(first.index(0), Role.ThumbnailState) == CHANGED, timeout=10000)
    assert first.data(first.index(0), Role.Thumbnail) is None
    assert "Photo changed" in str(first.data(first.index(0), Qt.ItemDataRole.ToolTipRole))
    assert not list((tmp_path / "cache").rglob("*.png"))  # nothing cached under the recorded hash
    # re-indexed: the catalogue records the blue bag now, and the tile shows it (trial BD's kept "photo
    # changed: re-index" after the re-index, its failure remembered by path whatever photo was recorded)
    # (asked of the loader for the new photo, without a list that looks again at every failure first)
    now = hashlib.sha256(original.read_bytes()).hexdigest()
    assert loader.state(original, recorded) == CHANGED and loader.get(original, now) is None
    qtbot.waitUntil(lambda: loader.state(original, now) == READY, timeout=10000)
    assert loader.get(original, now).pixel(5, 5) == QColor("#2050c0").rgb()
    second.set_items([ItemInfo(2, "same_top", "tops", "Orange top", copy, recorded)])
    qtbot.waitUntil(lambda: second.data(second.index(0), Role.ThumbnailState) == READY, timeout=10000)
    orange = QColor("#e07020").rgb()
    assert second.data(second.index(0), Role.Thumbnail).pixel(5, 5) == orange
    # after a restart, from the disk cache: still the recorded photo
    again = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    again.set_items([ItemInfo(2, "same_top", "tops", "Orange top", copy, recorded)])
    qtbot.waitUntil(lambda: again.data(again.index(0), Role.ThumbnailState) == READY, timeout=10000)
    assert again.data(again.index(0), Role.Thumbnail).pixel(5, 5) == orange


def test_a_photo_deleted_or_replaced_after_its_thumbnail_was_cached_shows_its_state(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trial deleted one photo and replaced another after indexing: their tiles still showed the
    cached pictures, with no "photo missing" or "photo changed". A cached thumbnail now stands for
    the photo only while the file is still that photo: checked when a list is shown again (the
    picture stays meanwhile) and on every load from the disk cache."""
    gone, changed, kept = (photo(tmp_path / "p" / f"{n}.png", c) for n, c in (("a", "#e07020"), ("b", "#20a040"), ("c", "#2050c0")))
    infos = [ItemInfo(n, path.stem, "tops", path.stem, path, hashlib.sha256(path.read_bytes()).hexdigest())
             for n, path in enumerate((gone, changed, kept))]
    loader = ThumbnailLoader(tmp_path / "cache", threads=1)
    model = ItemListModel(loader)
    model.set_items(infos)
    states = lambda m: [m.data(m.index(r), Role.ThumbnailState) for r in range(3)]  # noqa: E731
    qtbot.waitUntil(lambda: states(model) == [READY] * 3, timeout=10000)
    gone.unlink()
    photo(changed, "#000000")
    model.set_items(infos)  # the list shown again (another search, the same results)
    assert model.data(model.index(0), Role.Thumbnail) is not None  # the picture stays while it is checked
    qtbot.waitUntil(lambda: states(model) == [MISSING, CHANGED, READY], timeout=10000)
    assert model.data(model.index(0), Role.Thumbnail) is None and model.data(model.index(1), Role.Thumbnail) is None
    # a new session, from the disk cache: the same states, not the cached pictures
    fresh = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    fresh.set_items(infos)
    qtbot.waitUntil(lambda: states(fresh) == [MISSING, CHANGED, READY], timeout=10000)


def test_outfit_badges_speak_in_points_of_the_match(world, items, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=SIZE)
    outfit = build_outfit(window, 3)
    wait_results(window, 60)
    results, view = window.results_model, window.results.view
    # hover a result with the mouse: the outfit tiles get their badges
    QTest.mouseMove(view.viewport(), view.visualRect(results.index(0)).center())
    outfit_model, outfit_view = window.outfit_model, window.outfit_panel.view
    hovered = results.row(0)
    compared_rows = [r for r in range(len(outfit)) if outfit_model.row(r).item.pk not in hovered.not_compared]
    first = compared_rows[0]  # the outfit tiles below speak of it: one the result was compared with
    qtbot.waitUntil(lambda: outfit_model.data(outfit_model.index(first), Role.Highlight) is not None, timeout=60000)
    delegate = outfit_view.itemDelegate()
    assert isinstance(delegate, ItemTileDelegate)
    # a badge on each outfit item the result was compared with, none on one it was not
    badges = [delegate.badge_text(outfit_model.index(r)) for r in compared_rows]
    assert all(delegate.badge_text(outfit_model.index(r)) == "" for r in range(len(outfit)) if r not in compared_rows)
    assert all(re.fullmatch(r"[+−]\d{1,3}", badge) for badge in badges), badges  # no raw "+0.34"
    points = [int(badge.replace("−", "-")) for badge in badges]
    # the points add up to the result's match above "unrelated" (50), exactly (trial M: 50 + 19 + 7 on a 75)
    assert 50 + sum(points) == match_percent(hovered.score or 0.0, hovered.compared())
    for r, badge in zip(compared_rows, badges):
        assert badge in painted_texts(outfit_view, r)
    # the status bar says what the badges are, as the sum they make (trial P: "+9" was explained
    # only in a tooltip)
    terms = " ".join(f"{badge[0]} {badge[1:]}" for badge in badges)
    title = hovered.item.title or hovered.item.item_id
    assert window.statusBar().currentMessage() == (
        f"Match {match_percent(hovered.score or 0.0, hovered.compared())}/100 = 50 (neutral) {terms}: the outfit's badges, "
        f"the points each item adds to “{title}”")
    said = window.statusBar().currentMessage()
    # clicked, it is explained: the note gives way to the progress, and comes back once the
    # explanation is done with the pointer still there (trial S read "Ready" until the pointer moved)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(results.index(0)).center())
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: window.explanation.update_data is not None and window.explanation.update_data.final
                    and window.explanation.update_data.candidate_pk == hovered.item.pk, timeout=120000)
    qtbot.waitUntil(lambda: not window.channels.explain.busy, timeout=10000)
    assert window.statusBar().currentMessage() == said
    tip = shown_tooltip(qtbot, outfit_view, first)
    assert re.search(r"(Adds|Takes) \d+/100 (to|off) this result's match", tip) and "raw" not in tip
    assert "cosine" not in tip
    assert not re.search(r"[+−-]0\.\d\d", tip)
    # with the explanation's Details, the raw part of the score too
    window.explanation.set_details_shown(True)
    share = outfit_model.data(outfit_model.index(first), Role.Highlight)
    assert delegate.badge_text(outfit_model.index(first)) == f"{badges[0]} ({share:+.2f})"
    assert f"{share:+.3f}" in shown_tooltip(qtbot, outfit_view, first)
    window.explanation.set_details_shown(False)
    assert delegate.badge_text(outfit_model.index(first)) == badges[0]
    # the pointer gone from the results: no note; the badges stay those of the result explained, so that
    # the explanation's numbers keep their tiles (trial AB)
    QTest.mouseMove(outfit_view.viewport(), QPoint(2, 2))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "", timeout=10000)
    assert delegate.badge_text(outfit_model.index(first)) == badges[0]
    # a message being read is not replaced by the note
    window.statusBar().showMessage("Indexed “shop” in the background")
    QTest.mouseMove(view.viewport(), view.visualRect(results.index(0)).center())
    qtbot.waitUntil(lambda: outfit_model.data(outfit_model.index(first), Role.Highlight) is not None, timeout=60000)
    assert window.statusBar().currentMessage() == "Indexed “shop” in the background"
    # a new list replaces the hovered one: the badges and their note spoke of a result gone from it
    window.statusBar().clearMessage()
    QTest.mouseMove(view.viewport(), view.visualRect(results.index(1)).center())
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Match "), timeout=10000)
    again: dict[str, list] = {}
    for result in window._results.values():  # noqa: SLF001 - the list on screen, found again
        again.setdefault(result.item.category, []).append(result)
    window._show_results(again)  # noqa: SLF001 - what a finished search calls, the pointer still there
    assert delegate.badge_text(outfit_model.index(first)) == "" and window.statusBar().currentMessage() == ""
    # then those of the result explained, which the new list holds too
    qtbot.waitUntil(lambda: delegate.badge_text(outfit_model.index(first)) == badges[0], timeout=10000)


def test_two_loaders_decoding_one_photo_at_once_both_show_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """CI: the window's loader and a dialog's decoded the same photo together; both wrote the same
    temporary file name and the second rename failed (FileNotFoundError out of the pool's thread).
    Jobs for one cache file, started together from several threads, now all succeed and leave one
    cache file and no temporaries."""
    import threading

    from sane_desktop.gui.thumbnails import _Signals, _ThumbnailJob

    source = photo(tmp_path / "shirt.png", "#3366cc")
    cache_file = tmp_path / "cache" / "ab" / "abc_128_v2.png"
    signals = _Signals()
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def decode() -> None:
        job = _ThumbnailJob("abc", source, cache_file, 128, signals)
        start.wait()
        try:
            for _ in range(20):
                results.append(job._decode()[1])
        except BaseException as error:  # noqa: BLE001 - the test reports whatever escaped
            errors.append(error)

    threads = [threading.Thread(target=decode) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert results == [READY] * 160
    assert [p.name for p in cache_file.parent.iterdir()] == [cache_file.name]


def test_a_result_tile_names_a_compared_outfit_item_as_its_driver(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """An outfit item not compared with a result (its pair's space never learnt) has a 0 that beat
    every negative compared part: the tile's framed bar and its tooltip's "top contributing" name the
    compared item, and the details read "not compared" for the other."""
    from sane_desktop.service import SearchResult

    path = photo(tmp_path / "r.png", "#e07020")
    candidate = ItemInfo(1, "r", "tops", "Result", path, hashlib.sha256(path.read_bytes()).hexdigest())
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.outfit_titles = {10: "Plain tee", 11: "Black boots"}
    model.details = True
    model.set_results([SearchResult(candidate, -0.3, {10: 0.0, 11: -0.3}, not_compared=frozenset({10}))])
    index = model.index(0)
    assert model.data(index, Role.Driver) == 11
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    # its only compared part is negative: the item it is closest to, not one "contributing" (trial W)
    assert "closest outfit item: <b>Black boots</b>" in tip and "Plain tee not compared" in tip
    assert "contributing" not in tip


def test_results_rank_by_the_match_they_show(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial L, "All categories": a bottom compared with both outfit items (cosines 0.48 each: raw sum
    0.96, match 74) ranked above a shoe compared with one (0.92 alone, match 96), in "Best match"
    order. The rank follows the match shown."""
    from sane_desktop.gui.delegates import match_percent
    from sane_desktop.service import SearchResult

    path = photo(tmp_path / "r.png", "#e07020")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bottom, shoe = (ItemInfo(pk, name, category, name, path, digest)
                    for pk, name, category in ((1, "Skirt", "bottoms"), (2, "Boots", "shoes")))
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.set_results([SearchResult(bottom, 0.96, {10: 0.48, 11: 0.48}),
                       SearchResult(shoe, 0.92, {10: 0.92, 11: 0.0}, not_compared=frozenset({11}))])
    shown = [(model.data(model.index(r), Role.Rank), match_percent(model.row(r).score or 0.0, model.row(r).compared()))
             for r in range(model.rowCount())]
    assert shown == [(1, 96), (2, 74)]


def test_a_photo_changed_outside_the_list_and_a_look_alikes_own_photo_are_said(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot) -> None:
    # trial CM: a photo put back after indexing would rank first, and a top 3 without it said nothing; trial CP:
    # "Find visually similar" said nothing of its item's own photo replaced, which ranks every look-alike
    from sane_desktop.gui.main_window import _outfit_search

    window = make_window(world, size=SIZE)
    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    service = CatalogueService(world["index"])
    service.open_catalogue("demo")
    try:
        found = _outfit_search(service, outfit, "", 1, lambda: False, None)  # one per category: room to miss one
        listed = {result.item.pk for ranked in found.results.values() for result in ranked}
        categories = [category for category, ranked in found.results.items() if ranked]
        unlisted = [item for item in items if item.category in categories and item.pk not in listed | set(outfit)]
        hidden, touched = unlisted[0], unlisted[1]  # (a review: the touched file is one the look reads)
        assert found.other_photos_changed == 0
        other = next(item for item in items if item.image_path.read_bytes() != hidden.image_path.read_bytes())
        hidden.image_path.write_bytes(other.image_path.read_bytes())  # replaced, not re-indexed
        os.utime(touched.image_path, ns=(1, 1))  # touched, the same bytes: no change
        found = _outfit_search(service, outfit, "", 1, lambda: False, None)
        assert found.other_photos_changed == 1
    finally:
        service.close()
    window._show_outfit_results(found)
    note = window.results.filter_note
    qtbot.waitUntil(lambda: "1 other photo of these categories changed since the catalogue was indexed" in note.text(),
                    timeout=10000)
    window.find_similar(hidden.pk)  # its own photo replaced: every likeness uses it as indexed
    qtbot.waitUntil(lambda: "these look-alikes use the photo as indexed" in note.text()
                    and f"“{hidden.title}”" in note.text(), timeout=60000)


def test_a_catalogue_folder_gone_is_one_line_under_the_results(world, items, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    # trial CQ: the folder renamed away, each outfit photo was "no longer in the catalogue folder" and the line's
    # "Re-index now" then failed on the missing folder; the window says the folder, and the way that works
    window = make_window(world, size=SIZE)
    build_outfit(window, 2)
    wait_results(window, 60)
    source = items[0].image_path.parents[1]
    moved = source.with_name(source.name + "-moved")
    source.rename(moved)
    try:
        window.request_search()
        note = window.results.filter_note
        qtbot.waitUntil(lambda: "is no longer there (moved or renamed?)" in note.text(), timeout=60000)
        assert "no longer in the catalogue folder" not in note.text() and "reindex" not in note.text()
        assert "File → Index catalogue folder…" in note.text()
    finally:
        moved.rename(source)


def test_an_outfit_items_photo_replaced_since_indexing_is_said_and_shown(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot) -> None:
    # trial M: a sandal's file overwritten with a skirt; the window searched and explained with the
    # sandal as indexed, the outfit strip kept the sandal, and nothing said so (query did)
    from gui_helpers import click_link

    window = make_window(world, size=SIZE)
    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    note = window.results.filter_note
    assert "replaced since the catalogue was indexed" not in note.text()
    by_pk = {item.pk: item for item in items}
    changed, other = by_pk[outfit[0]], next(item for item in items if item.pk not in outfit)
    changed.image_path.write_bytes(other.image_path.read_bytes())  # the skirt's bytes under the sandal's name
    window.request_search()
    wait_results(window, 60)
    qtbot.waitUntil(lambda: "replaced since the catalogue was indexed" in note.text() and note.isVisible(), timeout=10000)
    assert f"“{changed.title}”" in note.text() and "these matches use the photo as indexed" in note.text()
    # the outfit strip shows the file's state, not the picture it loaded before
    qtbot.waitUntil(lambda: window.thumbnails.state(changed.image_path, changed.content_hash) == CHANGED, timeout=10000)
    row = next(r for r in range(window.outfit_model.rowCount()) if window.outfit_model.row(r).item.pk == changed.pk)
    assert "Photo changed" in window.outfit_model.data(window.outfit_model.index(row), Qt.ItemDataRole.ToolTipRole)
    # a click on a result still explains it: with the unchanged outfit item, the outfit's reason waiting for a
    # re-index (trial N: one changed photo left every result unexplained)
    candidate, results = window.results_model.row(0).item.pk, window.results.view
    QTest.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     results.visualRect(window.results_model.index(0)).center())  # a click on the first tile
    view = window.explanation
    qtbot.waitUntil(lambda: view.update_data is not None and view.update_data.final
                    and not window.channels.explain.busy, timeout=120000)
    assert view.update_data.candidate_pk == candidate and view.update_data.outfit_pk == outfit[1]
    assert view.outfit_data is None and not view.status.error
    assert "changed since indexing: this explains the pair with an unchanged outfit item" in \
        window.statusBar().currentMessage()
    # deleted instead: said too
    changed.image_path.unlink()
    window.request_search()
    wait_results(window, 60)
    qtbot.waitUntil(lambda: "is no longer in the catalogue folder" in note.text(), timeout=10000)
    # put back and searched again: nothing to say
    changed.image_path.write_bytes(restore[changed.image_path])
    window.request_search()
    wait_results(window, 60)
    qtbot.waitUntil(lambda: "catalogue was indexed" not in note.text() and "no longer" not in note.text(), timeout=10000)
    # its link re-indexes the catalogue (the photo as it is now), after which the line goes
    changed.image_path.write_bytes(other.image_path.read_bytes())
    window.request_search()
    wait_results(window, 60)
    qtbot.waitUntil(lambda: "Re-index now" in note.text() and note.isVisible(), timeout=10000)
    click_link(qtbot, note)
    qtbot.waitUntil(lambda: "catalogue was indexed" not in note.text() and bool(window._results), timeout=120000)
    wait_results(window, 60)
    # the module's catalogue as it was: its photo back and indexed again
    changed.image_path.write_bytes(restore[changed.image_path])
    started = window.channels.build.started
    window.reindex_catalogue()
    qtbot.waitUntil(lambda: window.channels.build.started > started and not window.channels.build.busy, timeout=120000)
    wait_results(window, 60)
    assert "catalogue was indexed" not in note.text()


def test_a_photo_put_back_shows_again_when_the_window_comes_back(  # type: ignore[no-untyped-def]
        world, items, restore, make_window, qtbot) -> None:
    # trial N: an outfit tile said "photo changed" after the photo was put back, until the next search
    from PySide6.QtWidgets import QWidget

    window = make_window(world, size=SIZE)
    outfit = build_outfit(window, 2)
    wait_results(window, 60)
    gone = next(item for item in items if item.pk == outfit[0])
    gone.image_path.unlink()
    window.request_search()
    wait_results(window, 60)
    qtbot.waitUntil(lambda: window.thumbnails.state(gone.image_path, gone.content_hash) == MISSING, timeout=10000)
    qtbot.waitUntil(window.tasks.idle, timeout=120000)  # no list on its way that would look again anyway
    QTest.qWait(300)
    file_manager = QWidget()  # where the person put the photo back
    qtbot.addWidget(file_manager)
    file_manager.show()
    file_manager.activateWindow()
    qtbot.waitUntil(file_manager.isActiveWindow, timeout=5000)
    gone.image_path.write_bytes(restore[gone.image_path])
    searches = window.channels.search.started
    window.activateWindow()  # back to the app: its tiles look at their files again, no search needed
    qtbot.waitUntil(lambda: window.thumbnails.state(gone.image_path, gone.content_hash) == READY, timeout=10000)
    row = row_of(window.outfit_model, gone.pk)
    assert "Photo" not in (window.outfit_model.data(window.outfit_model.index(row), Qt.ItemDataRole.ToolTipRole) or "")
    assert window.channels.search.started == searches


def test_an_outfit_item_not_compared_has_no_bar_on_the_tile(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    # trial M: "Ida not compared" in the tooltip, yet a bar 60 % as tall as the +0.73 one (a part of 0
    # drawn as the middle of [-1, 1])
    from sane_desktop.gui.delegates import contribution_bars
    from sane_desktop.service import SearchResult

    path = photo(tmp_path / "r.png", "#e07020")
    dress = ItemInfo(1, "Royal wedding", "dresses", "Royal wedding", path, hashlib.sha256(path.read_bytes()).hexdigest())
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.set_results([SearchResult(dress, 0.997, {10: 0.0, 11: 0.263, 12: 0.734}, not_compared=frozenset({10}))])
    index = model.index(0)
    assert index.data(Role.NotCompared) == frozenset({10})
    bars = contribution_bars(index.data(Role.Contributions), index.data(Role.NotCompared), QRect(200, 10, 0, 20))
    assert [pk for pk, _slot, _bar in bars] == [10, 11, 12]
    assert bars[0][2] is None  # a slot kept in the outfit item's colour position, no bar
    heights = [bar.height() for _pk, _slot, bar in bars[1:] if bar is not None]
    assert heights == sorted(heights) and heights[0] > 10 and heights[1] <= 20  # +0.263 below +0.734
    assert all(slot.width() == 7 and slot.right() < 200 for _pk, slot, _bar in bars)
    # twelve outfit items on a 130-pixel row: the bars take a third of it, narrower, and leave the chip its room
    # (trial EE read the reason's chip as a blank dot; trial EF, nineteen items on smaller tiles, as "…")
    twelve = {pk: 0.5 for pk in range(12)}
    assert sum(7 + 2 for _ in twelve) > 65
    bars = contribution_bars(twelve, frozenset(), QRect(200, 10, 0, 20), room=130)
    assert 200 - min(slot.left() for _pk, slot, _bar in bars) <= 130 // 3
    assert all(slot.width() >= 2 for _pk, slot, _bar in bars)
    nineteen = contribution_bars({pk: 0.5 for pk in range(19)}, frozenset(), QRect(200, 10, 0, 20), room=120)
    assert 200 - min(slot.left() for _pk, slot, _bar in nineteen) <= 60  # half the row at least for the chip
    assert all(a[1].right() < b[1].left() for a, b in zip(bars, bars[1:]))  # side by side, none on another
    assert [slot.width() for _pk, slot, _bar in contribution_bars({1: 0.2, 2: 0.3}, (), QRect(200, 10, 0, 20), room=130)] \
        == [7, 7]  # a few keep their width


def test_items_of_a_category_the_outfit_has_rank_after_those_it_lacks(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial M, "All categories" for a sandal and a dress: the first six results were dresses, each
    compared with the sandal alone (no type space pairs a category with itself), so at 87-90 they
    outranked a bag compared with both items. Alternatives to an outfit item rank after what completes it."""
    from sane_desktop.service import SearchResult

    path = photo(tmp_path / "r.png", "#e07020")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    dress, bag, skirt = (ItemInfo(pk, name, category, name, path, digest)
                         for pk, name, category in ((1, "Royal", "Dresses"), (2, "Tote", "Bags"), (3, "Pleat", "Skirts")))
    sandal, outfit_dress = 10, 11
    results = [SearchResult(dress, 0.80, {sandal: 0.80, outfit_dress: 0.0}, not_compared=frozenset({outfit_dress})),
               SearchResult(bag, 1.40, {sandal: 0.70, outfit_dress: 0.70}),
               SearchResult(skirt, 1.20, {sandal: 0.60, outfit_dress: 0.60})]
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.set_results(results, in_outfit=frozenset({"Dresses", "Sandals"}))
    ranked = [(model.row(r).item.title, model.data(model.index(r), Role.Rank)) for r in range(model.rowCount())]
    assert ranked == [("Tote", 1), ("Pleat", 2), ("Royal", 3)]
    assert "Your outfit has Dresses already" in model.data(model.index(2), Qt.ItemDataRole.ToolTipRole)
    assert "already" not in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    # a list of one of the outfit's own categories (target: Dresses) ranks by the match alone, says nothing
    model.set_results(results[:1], in_outfit=frozenset({"Dresses"}))
    assert not model.row(0).in_outfit and "already" not in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)


def test_a_cached_thumbnail_moved_under_another_photo_s_name_is_not_shown(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial Z swapped and edited the explanation cache's files; the thumbnail cache was open to the
    same: a cached file copied over another photo's showed that picture on this item's tile. Each
    cached thumbnail names its key and its pixels' digest; one that does not fit is decoded afresh."""
    orange, blue = photo(tmp_path / "top.png", "#e07020"), photo(tmp_path / "bag.png", "#2050c0")
    hashes = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (orange, blue)]
    items = [ItemInfo(1, "top", "tops", "Orange top", orange, hashes[0]),
             ItemInfo(2, "bag", "bags", "Blue bag", blue, hashes[1])]
    model = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))
    model.set_items(items)
    qtbot.waitUntil(lambda: all(model.data(model.index(r), Role.ThumbnailState) == READY for r in (0, 1)),
                    timeout=10000)
    files = {path.name.split("_")[0]: path for path in (tmp_path / "cache").rglob("*.png")}
    top_file, bag_file = files[hashes[0][:40]], files[hashes[1][:40]]
    shutil.copy(bag_file, top_file)  # the bag's thumbnail under the top's name
    edited = QImage(str(bag_file))
    edited.fill(QColor("#00ff00"))  # pixels edited, its text chunks kept
    edited.setText("sane-key", QImage(str(top_file)).text("sane-key").replace(hashes[0][:40], hashes[1][:40]))
    edited.setText("sane-pixels", QImage(str(top_file)).text("sane-pixels"))
    assert edited.save(str(bag_file))
    again = ItemListModel(ThumbnailLoader(tmp_path / "cache", threads=1))  # a restart: read from the disk cache
    again.set_items(items)
    qtbot.waitUntil(lambda: all(again.data(again.index(r), Role.ThumbnailState) == READY for r in (0, 1)),
                    timeout=10000)
    assert again.data(again.index(0), Role.Thumbnail).pixel(5, 5) == QColor("#e07020").rgb()
    assert again.data(again.index(1), Role.Thumbnail).pixel(5, 5) == QColor("#2050c0").rgb()


def test_an_empty_file_dropped_is_said_once_and_not_added(world, make_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial DN: "Could not read the image: empty.jpg cannot be read as an image: image file is empty (0 bytes)"
    said the same thing twice and not what it meant for the outfit."""
    from PySide6.QtWidgets import QMessageBox

    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    window = make_window(world, size=SIZE)
    before = window.outfit_model.pks()
    drop_file(window, empty)
    qtbot.waitUntil(lambda: any(box.isVisible() for box in window.findChildren(QMessageBox)), timeout=30000)
    box = next(box for box in window.findChildren(QMessageBox) if box.isVisible())
    text = box.text().lstrip("\u200e\u2066")  # the left-to-right mark a message opens with
    assert text.startswith("Not added to the outfit: empty.jpg") and "empty (0 bytes)" in text, text
    assert text.count("read") <= 1 and "Could not read the image" not in text
    assert window.outfit_model.pks() == before
    box.close()


def test_a_bad_file_s_box_comes_before_the_next_file_s_question(world, items, make_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial DO chose an empty file and a photo together: the error box and the next photo's category dialog
    opened at once, the dialog over the box. The next file is asked about once the box is closed."""
    from PySide6.QtWidgets import QMessageBox

    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    photo = tmp_path / f"mine{items[0].image_path.suffix}"
    photo.write_bytes(items[1].image_path.read_bytes())
    window = make_window(world, size=SIZE)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(empty)), QUrl.fromLocalFile(str(photo))])
    window.outfit_panel.view.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: any(box.isVisible() for box in window.findChildren(QMessageBox)), timeout=30000)
    qtbot.wait(300)
    # the next file waits, unread, while the box is open (it was read at once, its dialog opening over the box)
    assert window._pending_files == [str(photo)] and not window.channels.guess.busy
    assert window.category_dialog is None or not window.category_dialog.isVisible()
    next(box for box in window.findChildren(QMessageBox) if box.isVisible()).done(0)
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=30000)
    window.category_dialog.reject()


def test_thumbnails_kept_in_memory_are_bounded_and_come_back_when_shown(items: list[ItemInfo], tmp_path: Path,
                                                                        qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial EP: the window's memory grew by about 100 kB an action over 588 actions: every thumbnail seen stayed
    decoded for the session (a 9,000-item catalogue scrolled through: about 600 MB). At most MEMORY_BYTES stay,
    the least recently shown going first; one gone comes back, from the disk cache, when shown again."""
    from sane_desktop.gui import thumbnails

    loader = ThumbnailLoader(tmp_path / "thumbs")
    one = QImage(thumbnails.THUMB_SIDE, thumbnails.THUMB_SIDE, QImage.Format.Format_ARGB32).sizeInBytes()
    monkeypatch.setattr(thumbnails, "MEMORY_BYTES", 5 * one)  # five thumbnails' worth
    shown = items[:12]
    for item in shown:
        loader.get(item.image_path, item.content_hash)
        qtbot.waitUntil(lambda item=item: loader.state(item.image_path, item.content_hash) != LOADING, timeout=30000)
        loader.get(shown[0].image_path, shown[0].content_hash)  # the first is looked at all along
    count, held = loader.in_memory()
    assert held <= 5 * one and count < len(shown), (count, held)
    assert loader.state(shown[0].image_path, shown[0].content_hash) == READY  # shown lately: kept
    gone = shown[1]
    assert loader.get(gone.image_path, gone.content_hash) is None  # out of memory: asked for again
    qtbot.waitUntil(lambda: loader.get(gone.image_path, gone.content_hash) is not None, timeout=30000)
    assert loader.state(gone.image_path, gone.content_hash) == READY
    loader.wait()
