"""A fresh-user trial re-indexed an open catalogue from the command line:

- a result clicked afterwards drew the *new* photo's explanation under the *old* tile (picture,
  title, match): an explanation now first checks that the catalogue is still at the revision the
  results on screen were found at, and when it moved on the window searches again instead (status
  line says so), the panel cleared;
- a re-index with another model made the window call a current index "out of date": the service
  now follows the index (reopens the catalogue with the model its manifest names) when the
  catalogue is searched with its own model.
Real widgets and clicks; the re-index runs through a second service, as the command line's would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, double_click_item  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.models.checkpoint import demo_model_path  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    return demo_world(tmp_path / "world", 40)


def test_a_click_after_a_reindex_from_elsewhere_searches_again(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    row = 0
    result = window.results_model.row(row).item
    other = next(item for item in window.browser_model.items() if item.pk != result.pk
                 and item.image_path.read_bytes() != result.image_path.read_bytes())
    # elsewhere: the result's photo is replaced, and the catalogue re-indexed (as `sane-desktop index`)
    shutil.copyfile(other.image_path, result.image_path)
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:
        elsewhere.index_folder(world["source"], "demo")
    finally:
        elsewhere.close()
    before = window._revision
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(row)).center())
    qtbot.waitUntil(lambda: window._revision is not None and window._revision != before
                    and not window.channels.search.busy and window.results_model.rowCount() > 0, timeout=60000)
    qtbot.waitUntil(lambda: "they were searched again" in window.statusBar().currentMessage(), timeout=60000)
    assert window.explanation.update_data is None  # no explanation of a new photo under an old tile
    assert "Could not explain" not in window.explanation.status.text()
    shown = {window.results_model.row(r).item.pk: window.results_model.row(r).item for r in range(window.results_model.rowCount())}
    if result.pk in shown:  # listed again: with the photo as it is now
        assert shown[result.pk].content_hash != result.content_hash


def test_back_at_the_window_results_of_an_index_rebuilt_meanwhile_are_searched_again(  # type: ignore[no-untyped-def]
        world, qtbot, make_window) -> None:
    """Trial S trained a model in a second window (which re-indexes the catalogue with it): the first
    window kept the old model's list, explanation and badges, saying nothing, until a click. Coming
    back to the window now looks at the index, and a rebuilt one is searched again, saying why."""
    from PySide6.QtWidgets import QWidget

    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    qtbot.waitUntil(window.tasks.idle, timeout=120000)
    before = window._index_stamp
    other = QWidget()  # the other window (or the terminal) where the training ran
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow, timeout=5000)
    searches = window.channels.search.started
    window.activateWindow()  # nothing rebuilt: no search
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.waitUntil(window.tasks.idle, timeout=60000)
    assert window.channels.search.started == searches
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow, timeout=5000)
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:  # rebuilt (as by the re-index that ends a training; the window here searches with its own model)
        elsewhere.index_folder(world["source"], "demo", rebuild=True)
    finally:
        elsewhere.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: window._index_stamp not in (None, before) and not window.channels.search.busy,
                    timeout=60000)
    assert window.channels.search.started > searches
    qtbot.waitUntil(lambda: "they were searched again" in window.statusBar().currentMessage(), timeout=60000)


def test_a_reindex_from_a_terminal_is_followed_without_a_click_or_an_activation(  # type: ignore[no-untyped-def]
        world, qtbot, make_window) -> None:
    """Trial BM, on a screen without a window manager (no activation ever comes): a terminal's re-index
    was noticed only at the next click. The window watches the index folder, and searches again once
    its manifest is another."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    qtbot.waitUntil(window.tasks.idle, timeout=120000)
    window.results.step(1)  # a result explained: explained again, selected, once the new list holds it (trial BR)
    qtbot.waitUntil(lambda: window.explanation.shown_candidate() is not None and not window.channels.explain.busy,
                    timeout=120000)
    explained = window.explanation.shown_candidate()
    before, searches = window._index_stamp, window.channels.search.started
    assert window._index_watch.directories(), "the open catalogue's index folder is watched"
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:
        elsewhere.index_folder(world["source"], "demo", rebuild=True)
    finally:
        elsewhere.close()
    qtbot.waitUntil(lambda: window._index_stamp not in (None, before) and not window.channels.search.busy,
                    timeout=60000)
    assert window.channels.search.started > searches
    qtbot.waitUntil(lambda: "they were searched again" in window.statusBar().currentMessage(), timeout=60000)
    qtbot.waitUntil(lambda: window.explanation.shown_candidate() == explained, timeout=60000)
    assert window.results.view.currentIndex().data(Role.ItemPk) == explained


def test_a_search_again_that_is_refused_is_not_said_to_have_been_made(world, qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                       tmp_path) -> None:
    """Trial R re-indexed an open catalogue with a model file, then trained over that file: a click
    searched again, the search was refused ("the model file … holds another model now") — and the
    status bar said "they were searched again; click a result". It says so only once they were."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    qtbot.waitUntil(lambda: not window.channels.tiles.busy, timeout=60000)
    other = tmp_path / "m1.pt"
    shutil.copyfile(demo_model_path(), other)
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:
        elsewhere.index_folder(world["source"], "demo", model=other)
    finally:
        elsewhere.close()
    shutil.copyfile(world["model"], other)  # trained over: the file holds another model now
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: "Search is not available" in window.results.empty.text(), timeout=60000)
    assert "searched again" not in window.statusBar().currentMessage()
    assert "searching again" not in window.statusBar().currentMessage()


def test_an_outfit_restored_for_a_catalogue_no_longer_open_is_dropped(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A switch right after a catalogue opened: the outfit the worker restored for the first one
    answered after the second had opened, and its items (keys of the first database) landed in the
    second one's outfit, naming other items there. An answer for a catalogue no longer open is dropped."""
    window = make_window(world, size=(1200, 800))
    qtbot.waitUntil(lambda: not window.channels.outfit.busy, timeout=60000)
    items = window.browser_model.items()[:2]
    before = window.outfit_model.pks()
    window._outfit_restored((items, [], []), {}, ("shop", "another-database", "alice@db:5432/shared"))  # noqa: SLF001
    assert window.outfit_model.pks() == before
    window._outfit_restored((items, [], []), {}, window._open_identity())  # noqa: SLF001 - the one open: kept
    assert window.outfit_model.pks() == [*before, *[item.pk for item in items if item.pk not in before]]


def test_a_reindex_with_another_model_is_followed(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = CatalogueService(world["index"], device="cpu")
    try:
        service.open_catalogue("demo")
        outfit = [item.pk for item in service.items()[:2]]
        service.search(outfit, k=3)
        first = service.bundle().content_hash
        other = tmp_path / "other.pt"
        shutil.copyfile(demo_model_path(), other)  # another checkpoint than the world's tiny one
        elsewhere = CatalogueService(world["index"], device="cpu")
        try:
            elsewhere.index_folder(world["source"], "demo", model=other)
        finally:
            elsewhere.close()
        assert service.follow_index()  # the index holds another model now: reopened with it
        assert service.bundle().content_hash != first and service.model_path() == other.resolve()
        assert service.search(outfit, k=3)  # a current index answers, not "out of date"
        assert not service.follow_index()
    finally:
        service.close()


def test_a_replaced_photo_is_refused_in_words_and_a_reindex_clears_it(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    result = window.results_model.row(0).item
    other = next(item for item in window.browser_model.items() if item.pk != result.pk
                 and item.image_path.read_bytes() != result.image_path.read_bytes())
    from sane_desktop.gui.models import Role
    from sane_desktop.gui.thumbnails import CHANGED, READY

    tile = window.results_model.index(0)
    qtbot.waitUntil(lambda: window.results_model.data(tile, Role.ThumbnailState) == READY, timeout=10000)
    shutil.copyfile(other.image_path, result.image_path)  # replaced, not re-indexed, its tile already drawn
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: "Could not explain" in window.explanation.status.text(), timeout=60000)
    said = window.explanation.status.text()
    assert "photo was replaced since the catalogue was indexed" in said and "Re-sync" in said
    assert "--rebuild" not in said  # the command line's words stay in the command line
    # its tile shows the photo as it is now, not the picture loaded before (trial CM: kept until the next search)
    qtbot.waitUntil(lambda: window.results_model.data(tile, Role.ThumbnailState) == CHANGED, timeout=10000)
    window.reindex_catalogue()  # "Re-index now"
    qtbot.waitUntil(lambda: "The catalogue was re-indexed" in window.explanation.status.text(), timeout=120000)
    assert not window.explanation.status.error


def _reindex_elsewhere(world: dict[str, Path], model: Path) -> None:
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:
        elsewhere.index_folder(world["source"], "demo", model=model)
    finally:
        elsewhere.close()


def test_images_from_disk_stay_in_the_outfit_when_the_model_changes(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A reopen for another model (re-index from elsewhere, a trained model) kept the outfit's
    catalogue items but dropped its images from disk: the next search failed. They are embedded
    again with the new model, under their own keys, as a fresh add with that model would."""
    import numpy as np

    from sane_desktop.errors import InputError, NotFound

    other = tmp_path / "other.pt"
    shutil.copyfile(demo_model_path(), other)
    service = CatalogueService(world["index"], device="cpu")
    try:
        service.open_catalogue("demo")
        items = service.items()
        photos = []
        for n, item in enumerate(items[:3]):
            photos.append(tmp_path / f"mine{n}.png")
            photos[-1].write_bytes(item.image_path.read_bytes())
        disk = [service.add_image(photo, item.category) for photo, item in zip(photos, items)]
        outfit = [items[5].pk, disk[0].pk]
        before = service.search(outfit, k=3)
        old = service.current().items.disk_image(disk[0].pk).query.embedding

        _reindex_elsewhere(world, other)
        assert service.follow_index()
        assert service.item(disk[0].pk) == disk[0]  # still in the outfit, same key
        after = service.search(outfit, k=3)
        assert set(after) == set(before) and all(after.values())
        again = service.current().items.disk_image(disk[0].pk)
        assert again.info.pk == disk[0].pk and not np.allclose(again.query.embedding, old)

        fresh = CatalogueService(world["index"], device="cpu")  # the same photo added under the new model
        try:
            fresh.open_catalogue("demo")
            added = fresh.add_image(photos[0], items[0].category)
            assert np.allclose(fresh.current().items.disk_image(added.pk).query.embedding, again.query.embedding, atol=1e-5)
        finally:
            fresh.close()

        # a new model chosen for the session carries them too; a photo changed or gone meanwhile is
        # refused in one line instead of searched with what it was
        photos[1].write_bytes(items[7].image_path.read_bytes())
        photos[2].unlink()
        service.use_model(demo_model_path())
        with pytest.raises(InputError, match="changed since it was added"):
            service.search([items[5].pk, disk[1].pk], k=3)
        with pytest.raises(NotFound, match="is gone"):
            service.search([items[5].pk, disk[2].pk], k=3)
        assert service.search(outfit, k=3)
        assert service.add_image(photos[0], items[0].category).pk == min(d.pk for d in disk) - 1  # keys never reused
    finally:
        service.close()


def test_a_reindex_that_only_changes_the_category_mapping_is_searched_again(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A trial re-indexed from the command line with another --category-map (same model, same
    photos: the import revision stays): the window kept the old list and explained a result in the
    new index's space. The results carry the index they were found in; a click, or the tiles, on
    an index rebuilt since searches again."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    qtbot.waitUntil(lambda: not window.channels.tiles.busy, timeout=60000)
    before_stamp, before_revision = window._index_stamp, window._revision
    assert before_stamp is not None
    category = window.results_model.row(0).item.category
    elsewhere = CatalogueService(world["index"], device="cpu")
    try:  # the first result's category compared by looks from now on
        elsewhere.index_folder(world["source"], "demo", category_map={category: "general"})
    finally:
        elsewhere.close()
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: window._index_stamp not in (None, before_stamp) and not window.channels.search.busy
                    and window.results_model.rowCount() > 0, timeout=60000)
    qtbot.waitUntil(lambda: "they were searched again" in window.statusBar().currentMessage(), timeout=60000)
    assert window._revision == before_revision  # the photos did not change: only the index did
    assert window.explanation.update_data is None
    assert category in window._look_alike  # the new list is the new index's: that category ranks by looks


def test_one_photo_gone_leaves_the_other_tiles_explained_and_its_click_clears_the_panel(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A trial deleted one result's photo after indexing: the tile explanations of the whole list
    failed, and clicking that result left the previous result's maps under it."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    view = window.results.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(0)).center())
    qtbot.waitUntil(lambda: window.explanation.update_data is not None and not window.channels.explain.busy, timeout=60000)
    gone = window.results_model.row(1).item
    kept = [window.results_model.row(r).item.pk for r in range(2, window.results_model.rowCount())]
    gone.image_path.unlink()
    service = CatalogueService(world["index"], model=world["model"], device="cpu")
    try:  # the service's own tile pass: every other tile explained, the one without a photo left out
        service.open_catalogue("demo")
        outfit = window.outfit_model.pks()
        tiles = service.explain_tiles([(pk, outfit[0]) for pk in [gone.pk, *kept]])
        assert [tile.candidate_pk for tile in tiles] == kept
    finally:
        service.close()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.results_model.index(1)).center())
    qtbot.waitUntil(lambda: "Could not explain" in window.explanation.status.text(), timeout=60000)
    said = window.explanation.status.text()
    # in a stylist's words: the photo's name, not the item code or the full path
    assert gone.image_path.name in said and "no longer in the catalogue folder" in said and "Re-sync" in said
    assert str(gone.image_path.parent) not in said and gone.item_id not in said.replace(gone.image_path.name, "")
    assert not window.explanation.status.is_elided()  # read whole, remedy included (a trial found it in the tooltip)
    assert window.explanation.update_data is None  # not the first result's explanation under the second tile
    assert not window.explanation.export_button.isEnabled()


def test_a_reindex_from_elsewhere_refreshes_the_outfit_and_the_category_lists(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A trial replaced an outfit item's photo and edited its title and category, then re-indexed
    from the command line: the results and explanations used the new item, while the outfit panel
    kept the old photo and title, and the new category was in neither list."""
    import json

    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    member = window.outfit_model.items()[0]
    other = next(item for item in window.browser_model.items() if item.pk not in window.outfit_model.pks()
                 and item.image_path.read_bytes() != member.image_path.read_bytes())
    shutil.copyfile(other.image_path, member.image_path)
    metadata_file = world["source"] / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_file.read_text())
    entry = metadata[member.item_id]
    entry["title"], entry["semantic_category"] = "Renamed outfit piece", "capes"
    metadata_file.write_text(json.dumps(metadata))
    _reindex_elsewhere(world, world["model"])
    before = window._revision
    window.request_search()  # the next search finds the catalogue moved on
    qtbot.waitUntil(lambda: window._revision not in (None, before) and not window.channels.search.busy, timeout=60000)
    # that first list's heading already knows the item's new category (the model has no "capes"): it
    # counts by looks (a trial's first heading after a re-import spoke of the old categories)
    assert "capes" in window.results.similar_heading.text() and "looks" in window.results.similar_heading.text()
    qtbot.waitUntil(lambda: window.outfit_model.items()[0].title == "Renamed outfit piece", timeout=60000)
    fresh = window.outfit_model.items()[0]
    assert fresh.pk == member.pk and fresh.content_hash != member.content_hash and fresh.category == "capes"
    assert window.outfit_model.pks()[1:] == [item.pk for item in window.outfit_model.items()[1:]]  # same outfit
    assert window.category_filter.findData("capes") >= 0
    assert window.results.target.findData("capes") >= 0
    assert window.results_model.outfit_titles[member.pk] == "Renamed outfit piece"


def test_a_model_file_retrained_in_place_is_refused_as_the_command_line_does(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A trial retrained another catalogue into the model file this one was indexed with: `query`
    refused ("built with another model"), while the open window went on answering with the old
    model in memory, saying nothing. The window's check before every search now refuses the same
    way; the same model written again (a copy, a touch) is no change."""
    from sane_desktop.errors import StaleIndexError

    service = CatalogueService(world["index"], device="cpu")
    try:
        service.open_catalogue("demo")
        outfit = [item.pk for item in service.items()[:2]]
        assert service.search(outfit, k=3)
        original = world["model"].read_bytes()
        world["model"].write_bytes(original)  # rewritten, same model: a new time, the same hash
        assert not service.follow_index()
        shutil.copyfile(demo_model_path(), world["model"])  # another model at the same path
        with pytest.raises(StaleIndexError, match=r"model file model\.pt holds another model .*re-index it"):
            service.follow_index()
        from sane_desktop.models import checkpoint

        reads: list[object] = []
        read = checkpoint.stored_content_hash
        monkeypatch.setattr(checkpoint, "stored_content_hash", lambda path: reads.append(path) or read(path))
        with pytest.raises(StaleIndexError):  # the next search: refused again, the file not read again
            service.follow_index()
        assert reads == []
        world["model"].unlink()
        from sane_desktop.errors import ModelError

        # gone: put it back, or another model; a re-index (which could not read it either) is not offered
        with pytest.raises(ModelError, match="is gone or unreadable .*put it back") as gone:
            service.follow_index()
        assert "re-index" not in str(gone.value) and "sane-desktop index" not in str(gone.value)
        world["model"].write_bytes(original)  # put back: answered again
        assert not service.follow_index() and service.search(outfit, k=3)
    finally:
        service.close()


def test_a_model_file_replaced_under_the_index_is_said_in_the_windows_words(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trial H read "(e7273268e9a9, now 06742562b464) … re-index it (sane-desktop index)" in the
    explanation panel and the results: two hashes and a terminal command. The window says where in it
    to go instead (every failure it shows goes through ``window_words``)."""
    import time

    from PySide6.QtCore import QSettings

    from sane_desktop.gui.app import create_window
    from sane_desktop.gui.screenshots import open_first_catalogue
    from sane_desktop.gui.settings import Settings
    from sane_desktop.gui.text import window_words
    from sane_desktop.models.checkpoint import WAY_OUT

    # the model the catalogue was indexed with, as a user's window has it (no model given from outside)
    settings = Settings(QSettings(str(world["root"] / f"settings-{time.monotonic_ns()}.ini"), QSettings.Format.IniFormat))
    window, client = create_window(CatalogueService(world["index"], rise_masks=16), settings,
                                   cache_dir=world["root"] / "thumbs")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    open_first_catalogue(window, build_demo=False, demo_items=0, timeout_s=60)
    build_outfit(window, 2)
    wait_results(window, 120)
    shutil.copyfile(demo_model_path(), world["model"])  # another model under the file the index was built with
    more = next(row for row in range(window.browser_model.rowCount())
                if window.browser_model.row(row).item.pk not in window.outfit_model.pks())
    double_click_item(window, qtbot, more)  # a new search: the model file is checked
    empty = window.results.empty
    qtbot.waitUntil(lambda: "Search is not available" in empty.text(), timeout=60000)
    said = empty.text()
    assert "holds another model now" in said and "File → Manage catalogues… → Re-sync" in said, said
    assert "sane-desktop" not in said and not any(len(word) == 12 and word.isalnum() and any(c.isdigit() for c in word)
                                                  for word in said.replace(",", " ").replace("(", " ").split()), said
    # the other terminal steps the core names, as the window says them
    assert window_words(f"model.pt is not a loadable checkpoint ({WAY_OUT}).") == (
        "model.pt is not a loadable checkpoint (train a new one (File → Train model on this catalogue…)).")
    assert window_words("index file x.faiss is missing: re-run sane-desktop index") == (
        "index file x.faiss is missing: re-index it (File → Manage catalogues… → Re-sync)")
    client.shutdown()


def made_anew_from_elsewhere(world: dict[str, Path], copy: Path) -> Path:
    """As a terminal would: "demo" deleted, then a copy of its photos (at ``copy``) indexed under
    its name — another database, whose item keys name other items. Returns the copy."""
    shutil.copytree(world["source"], copy)
    elsewhere = CatalogueService(world["index"], model=world["model"], device="cpu")
    try:
        elsewhere.delete_catalogue("demo")
        elsewhere.index_folder(copy, "demo")
    finally:
        elsewhere.close()
    return copy


def test_a_catalogue_made_anew_from_elsewhere_is_opened_again_never_searched_by_old_keys(world, qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                                         tmp_path) -> None:
    """Deleted and indexed again from another folder in a terminal while the window had it open: the
    window's next search offered "Re-index now", which would have read the old folder into the new
    catalogue (refused, in command-line words). It opens the catalogue again instead: the new items
    listed, the outfit's old keys (other items now) left out, nothing offered to re-index."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    before = window.catalogue.uid
    copy = made_anew_from_elsewhere(world, tmp_path / "elsewhere")
    # the next change of the outfit searches: an item of the old grid, double-clicked
    row = next(r for r in range(window.browser_model.rowCount())
               if window.browser_model.row(r).item.pk not in window.outfit_model.pks())
    index = window.browser_model.index(row)
    window.grid.scrollTo(index)
    centre = window.grid.visualRect(index).center()
    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.uid != before
                    and window.browser_model.rowCount() > 0 and not window.channels.search.busy, timeout=60000)
    assert all(copy in item.image_path.parents for item in window.browser_model.items())  # the new database's
    assert window.outfit_model.pks() == []  # the old keys: other items in the new database
    assert "Re-index" not in window.results.empty.text()
    # the same from the catalogue grid's next listing (a search typed in its box)
    before = window.catalogue.uid
    again = made_anew_from_elsewhere(world, tmp_path / "again")
    qtbot.keyClicks(window.search_box, "a")  # a search typed in the grid's box lists the items again
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.uid != before
                    and window.browser_model.rowCount() > 0, timeout=60000)
    assert all(again in item.image_path.parents for item in window.browser_model.items())
    assert window.search_box.text() == ""  # another database: its own search, as at a switch
    from PySide6.QtWidgets import QApplication, QMessageBox

    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_the_service_refuses_old_keys_and_old_folders_of_a_catalogue_made_anew(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.errors import CatalogueRemade

    service = CatalogueService(world["index"], model=world["model"], device="cpu")
    try:
        service.open_catalogue("demo")
        outfit = [item.pk for item in service.items()[:2]]
        assert service.search(outfit, k=3)
        elsewhere = CatalogueService(world["index"], model=world["model"], device="cpu")
        try:
            elsewhere.index_folder(world["source"], "demo", rebuild=True)  # the same database re-indexed: no alarm
        finally:
            elsewhere.close()
        assert service.search(outfit, k=3)
        copy = made_anew_from_elsewhere(world, tmp_path / "elsewhere")
        for call in (lambda: service.search(outfit, k=3), service.reindex):
            with pytest.raises(CatalogueRemade, match="made anew") as raised:
                call()
            assert not raised.value.reindex_helps
        assert Path(service.catalogue_details()[0].source) == copy.resolve()  # the re-index read nothing into it
        service.open_catalogue("demo")
        assert service.search([item.pk for item in service.items()[:2]], k=3)
    finally:
        service.close()


def test_the_every_category_choice_keeps_its_words_after_a_reindex_from_elsewhere(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """A new user's try: with an outfit of two kinds, a re-index from the terminal that replaced one outfit
    item's photo made the window search again, and the "for" box then read "All categories" though the
    outfit's own kinds were still left out: the category lists, refreshed after the search's note, reset it."""
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    assert len({item.category for item in window.outfit_model.items()}) == 2
    assert window.results.target.itemText(0) == "All other categories"
    member = window.outfit_model.items()[0]
    other = next(item for item in window.browser_model.items() if item.pk not in window.outfit_model.pks()
                 and item.image_path.read_bytes() != member.image_path.read_bytes())
    shutil.copyfile(other.image_path, member.image_path)
    _reindex_elsewhere(world, world["model"])
    before = window._revision
    window.request_search()
    qtbot.waitUntil(lambda: window._revision not in (None, before) and not window.channels.search.busy, timeout=60000)
    qtbot.waitUntil(lambda: not window.channels.reread.busy and not window.channels.search.busy, timeout=60000)
    assert window.results.target.itemText(0) == "All other categories"
    assert all(category in window.results.target.itemData(0, Qt.ItemDataRole.ToolTipRole)
               for category in {item.category for item in window.outfit_model.items()})


def test_the_every_category_choice_says_what_it_would_list_whatever_is_chosen(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Trials DJ and DN: with an outfit of two kinds the box's first choice read "All other categories" while it
    was chosen, and "All categories" once another category was (or at a restart on one): it says what choosing it
    lists, the outfit's own kinds left out, whatever is chosen now — for an outfit whose every-category list
    was never asked too."""
    from gui_helpers import choose_target

    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    own = {item.category for item in window.outfit_model.items()}
    target = window.results.target
    assert target.itemText(0) == "All other categories"
    others = [category for category in window.results.target_categories() if category not in own]
    choose_target(window, qtbot, others[0])
    wait_results(window, 120)
    assert window.results.current_target() == others[0]
    assert target.itemText(0) == "All other categories"
    assert all(category in target.itemData(0, Qt.ItemDataRole.ToolTipRole) for category in own)

    # another outfit of two kinds, searched for one category only: its every-category list was never asked
    window.clear_action.trigger()
    qtbot.waitUntil(lambda: not window.outfit_model.pks(), timeout=5000)
    items = window.browser_model.items()
    second = [next(item for item in items if item.category == others[1]), next(item for item in items if item.category == others[2])]
    choose_target(window, qtbot, others[3] if len(others) > 3 else next(iter(own)))
    window.add_to_outfit([item.pk for item in second])
    wait_results(window, 120)
    assert target.itemText(0) == "All other categories"
    assert all(item.category in target.itemData(0, Qt.ItemDataRole.ToolTipRole) for item in second)
    assert not any(category in target.itemData(0, Qt.ItemDataRole.ToolTipRole) for category in own)  # the old outfit's


def test_an_index_no_search_can_use_is_said_as_the_catalogue_opens_and_mended_from_there(  # type: ignore[no-untyped-def]
        world, qtbot, make_window) -> None:
    """A user learnt that the index was out of date (vectors of another build) only from the first search,
    once an outfit was built: the results say it, with its way out, as the catalogue opens; the link re-indexes
    it and the prompt is the plain one again."""
    import json

    from gui_helpers import click_link

    from sane_desktop.gui.results_view import EMPTY_RESULTS_WORDS

    manifest = world["index"] / "demo" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["embedding_code"] = "0123456789abcdef"  # vectors another build computed
    manifest.write_text(json.dumps(data))
    window = make_window(world, size=(1200, 800))
    qtbot.waitUntil(lambda: "cannot be searched as it is" in window.results.empty.text(), timeout=30000)
    said = window.results.empty.text()
    assert "another build of SANE Desktop" in said and "Re-index “demo” now" in said, said
    assert window.results.stack.currentWidget() is window.results.empty
    assert "torch" not in said and "sane-desktop index" not in said  # the window's words, not a command line
    click_link(qtbot, window.results.empty)
    qtbot.waitUntil(lambda: window.results.empty.text() == EMPTY_RESULTS_WORDS and not window.channels.build.busy,
                    timeout=120000)
    build_outfit(window, 2)
    wait_results(window, 120)
    assert window.results_model.rowCount() > 0
