"""Catalogue management through the service (issue 18 point 15): the details a manager lists, rename
(the index stays searchable), delete (only the folder in the index home, never while open or being
written, never a path outside the home) and re-sync (an added and a removed photo are picked up)."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import torch

from sane_desktop.errors import InputError, NotFound, StoreError
from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
from sane_desktop.models.checkpoint import stored_content_hash
from sane_desktop.service import CatalogueService


def write_shop(folder: Path) -> Path:
    """Six plain photos in two category folders: a catalogue of the user's own photos."""
    from PIL import Image

    for category, colour in [("tops", "red"), ("shoes", "blue")]:
        (folder / category).mkdir(parents=True)
        for n in range(3):
            Image.new("RGB", (40, 60), (40 * n, 90, 200) if colour == "blue" else (200, 40 * n, 60)) \
                .save(folder / category / f"{colour}{n}.jpg")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny seeded model and "shop" indexed with it under ``root/index`` (copied per test)."""
    root = tmp_path_factory.mktemp("manage")
    write_shop(root / "shop")
    torch.manual_seed(0)
    save_checkpoint(root / "model.pt", ModelBundle(CompatibilityNet(["tops", "shoes"], width=16), None,
                                                    Preprocessing()))
    CatalogueService(root / "index", model=root / "model.pt", device="cpu").index_folder(root / "shop", "shop")
    return root


@pytest.fixture
def world(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built world (the index's recorded source folder is the copy's)."""
    root = tmp_path / "w"
    shutil.copytree(built / "shop", root / "shop")
    shutil.copy(built / "model.pt", root / "model.pt")
    CatalogueService(root / "index", model=root / "model.pt", device="cpu").index_folder(root / "shop", "shop")
    return root


def service_on(root: Path) -> CatalogueService:
    return CatalogueService(root / "index", model=root / "model.pt", device="cpu")


def photos(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in (root / "shop").rglob("*.jpg"))


def ranked(service: CatalogueService) -> list[tuple[str, str]]:
    """(item id, category) of every result for an outfit of the first top."""
    top = next(item for item in service.items() if item.category == "tops")
    return [(result.item.item_id, category) for category, results in sorted(service.search([top.pk], "", 5).items())
            for result in results]


def test_details_say_source_items_model_and_when_indexed(world: Path) -> None:
    [details] = service_on(world).catalogue_details()
    assert details.name == "shop" and details.items == 6 and details.vectors == 6
    assert Path(details.source) == (world / "shop").resolve()
    assert details.folder == world / "index" / "shop"
    assert details.model_name == "model.pt"
    # whole, as every other command's model_hash (trial DM read 12 characters here and 64 in query --json)
    assert details.model_hash == stored_content_hash(world / "model.pt") and len(details.model_hash) == 64
    written = datetime.fromisoformat(details.indexed_at)
    assert timedelta(0) <= datetime.now(timezone.utc) - written < timedelta(hours=1)


def model_from(world: Path, name: str, **config: object) -> Path:
    """The world's model saved as ``name`` with ``config`` entries, as train and adapt record them."""
    from sane_desktop.models import load_checkpoint

    bundle = load_checkpoint(world / "model.pt")
    bundle.config.update(config)
    save_checkpoint(world / name, bundle)
    return world / name


def test_details_say_where_the_model_comes_from_in_words(world: Path) -> None:
    """A stylist read "model.pt (3f9c…)" in the manager's Model column: the index manifest keeps
    where its model comes from (train's folder, adapt's catalogue, shipped with the app) and the
    details say it in words."""
    [details] = service_on(world).catalogue_details()
    assert details.model_origin == ""  # a model from elsewhere, nothing recorded: nothing said
    shop = str((world / "shop").resolve())
    cases = [(model_from(world, "here.pt", trained_on={"folder": shop}), "trained on this catalogue"),
             (model_from(world, "there.pt", trained_on={"folder": "/data/mango-outfits"}),
              "trained on the photos in /data/mango-outfits"),  # no catalogue of that folder here
             (model_from(world, "adapted.pt", trained_on={"folder": shop}, adapted_to={"catalogue": "shop"}),
              "trained on this catalogue, adapted to “shop”")]
    for model, words in cases:
        CatalogueService(world / "index", model=model, device="cpu").index_folder(world / "shop", "shop")
        [details] = service_on(world).catalogue_details()
        assert (details.model_name, details.model_origin) == (model.name, words)


def test_a_model_shipped_with_the_app_is_said_to_be_built_in() -> None:
    from sane_desktop.models.checkpoint import general_model_path
    from sane_desktop.retrieval.indexing.model import model_origin
    from sane_desktop.retrieval.manifest import origin_words

    bundle = ModelBundle(CompatibilityNet(["tops"], width=16), None, Preprocessing())
    origin = model_origin(general_model_path(), bundle)
    assert origin == {"builtin": general_model_path().name}
    assert origin_words(origin, "/photos/shop") == "built into the app (its model for real photos)"
    assert origin_words({"builtin": "demo.pt"}, None) == "built into the app (its model of the drawn demo garments)"
    assert origin_words({"builtin": "older.pt"}, None) == "built into the app"
    # another catalogue's folder is said by that catalogue's name as it is now (trial K: a renamed one)
    trained = {"trained_on": "/photos/mangoA"}
    assert origin_words(trained, "/photos/shop", {"/photos/mangoA": "Mango A (spring)"}) == "trained on “Mango A (spring)”"
    assert origin_words(trained, "/photos/shop", {}) == "trained on the photos in /photos/mangoA"
    assert model_origin(Path("/elsewhere/general.pt"), bundle) == {}


def test_an_old_manifest_without_a_time_reads_as_unknown_not_now(world: Path) -> None:
    manifest = world / "index" / "shop" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["created_at"]
    manifest.write_text(json.dumps(data))
    [details] = service_on(world).catalogue_details()
    assert details.indexed_at == "" and details.model_name == "model.pt" and details.items == 6


def test_rename_keeps_the_index_searchable_and_the_photos_untouched(world: Path) -> None:
    service = service_on(world)
    service.open_catalogue("shop")
    before, shop_photos = ranked(service), photos(world)
    assert before
    info = service.rename_catalogue("shop", "my shop")
    assert info.name == "my shop" and info.items == 6
    assert service.name == "my shop"  # it was open: it is open again under the new name
    assert ranked(service) == before
    assert not (world / "index" / "shop").exists() and photos(world) == shop_photos
    fresh = service_on(world)  # another process: finds it by its new name only
    assert [c.name for c in fresh.list_catalogues()] == ["my shop"]
    fresh.open_catalogue("my shop")
    assert ranked(fresh) == before
    # a re-sync after the rename finds its recorded folder and index under the new name
    assert fresh.resync_catalogue("my shop").items == 6


@pytest.mark.parametrize("bad", ["", "..", "a/b", "../elsewhere", "/tmp/x"])
def test_rename_refuses_a_bad_name_and_changes_nothing(world: Path, bad: str) -> None:
    service = service_on(world)
    service.open_catalogue("shop")
    with pytest.raises(InputError):
        service.rename_catalogue("shop", bad)
    assert [c.name for c in service.list_catalogues()] == ["shop"]
    assert service.name == "shop" and ranked(service)  # still open, still searchable


def test_rename_refuses_a_taken_name_and_a_missing_catalogue(world: Path) -> None:
    service = service_on(world)
    (world / "index" / "taken").mkdir()
    with pytest.raises(InputError, match="already exists"):
        service.rename_catalogue("shop", "taken")
    with pytest.raises(NotFound):
        service.rename_catalogue("nothing", "other")
    assert [c.name for c in service.list_catalogues()] == ["shop"]


def test_delete_removes_the_index_folder_only_and_never_the_open_one(world: Path) -> None:
    service = service_on(world)
    service.open_catalogue("shop")
    shop_photos = photos(world)
    with pytest.raises(InputError, match="open"):
        service.delete_catalogue("shop")
    assert (world / "index" / "shop" / "catalogue.db").is_file()
    service.close()
    assert service.delete_catalogue("shop") == world / "index" / "shop"
    assert not (world / "index" / "shop").exists() and service.list_catalogues() == []
    assert photos(world) == shop_photos and (world / "model.pt").is_file()
    assert list((world / "index").iterdir()) == []  # no tombstone left behind


def test_a_catalogue_deleted_by_another_window_is_said_not_searched(world: Path) -> None:
    """Another window (or process) deleted the catalogue this one has open: its pooled database
    connections would go on reading the deleted file, and the search answer from a catalogue that no
    longer exists. The next search or explanation says so instead."""
    service = service_on(world)
    other = service_on(world)
    try:
        service.open_catalogue("shop")
        top = next(item for item in service.items() if item.category == "tops")
        assert service.search([top.pk], "", 3)
        assert other.delete_catalogue("shop") == world / "index" / "shop"
        with pytest.raises(NotFound, match="'shop' was deleted"):
            service.search([top.pk], "", 3)
        with pytest.raises(NotFound, match="'shop' was deleted"):
            service.similar(top.pk, "", 3)
    finally:
        service.close()
        other.close()


def test_an_outfit_is_never_saved_into_a_catalogue_deleted_by_another_window(world: Path) -> None:
    """Trial EX saved an outfit after another command deleted the open catalogue: "saved", listed, and written
    into the deleted database file the window's connections still held, gone with the window. Saving, renaming and
    deleting a saved outfit are refused as a search is; in a catalogue renamed elsewhere the outfit is saved (its
    database moved with its folder) and found under the new name."""
    service, other = service_on(world), service_on(world)
    try:
        service.open_catalogue("shop")
        pks = [item.pk for item in service.items()][:2]
        kept = service.save_outfit("before", pks)
        other.rename_catalogue("shop", "boutique")
        service.save_outfit("while renamed", pks)  # its file moved with its folder: written there
        other.rename_catalogue("boutique", "shop")
        assert other.delete_catalogue("shop") == world / "index" / "shop"
        for act in (lambda: service.save_outfit("after delete", pks), lambda: service.rename_saved_outfit(kept.pk, "x"),
                    lambda: service.delete_saved_outfit(kept.pk), service.list_saved_outfits):
            with pytest.raises(NotFound, match="'shop' was deleted"):
                act()
        assert not (world / "index" / "shop").exists()
    finally:
        service.close()
        other.close()


def test_an_outfit_saved_in_a_catalogue_renamed_elsewhere_is_found_under_its_new_name(world: Path) -> None:
    service, other = service_on(world), service_on(world)
    try:
        service.open_catalogue("shop")
        pks = [item.pk for item in service.items()][:2]
        other.rename_catalogue("shop", "boutique")
        service.save_outfit("while renamed", pks)
    finally:
        service.close()
    try:
        other.open_catalogue("boutique")
        assert [saved.name for saved in other.list_saved_outfits()] == ["while renamed"]
    finally:
        other.close()


def test_a_catalogue_renamed_by_another_command_is_said_renamed_not_deleted(world: Path) -> None:
    """Trial AE renamed the window's open catalogue from the command line; the window said it "was deleted
    … index its folder again" — a second catalogue, away from its saved outfits."""
    service = service_on(world)
    other = service_on(world)
    try:
        service.open_catalogue("shop")
        top = next(item for item in service.items() if item.category == "tops")
        other.rename_catalogue("shop", "boutique")
        with pytest.raises(NotFound, match="'shop' was renamed 'boutique' .*open it under its new name"):
            service.search([top.pk], "", 3)
        other.rename_catalogue("boutique", "shop")
    finally:
        service.close()
        other.close()


def test_a_catalogue_caught_in_the_middle_of_its_rename_is_said_renamed(world: Path) -> None:
    """Trial DT: for about a second of a rename from another command, the window read its open catalogue as
    "deleted", then "renamed". The folder has moved, its manifest not yet: its rename intent says where it went."""
    from sane_desktop.service.renaming import INTENT_FILE, write_intent

    service = service_on(world)
    try:
        service.open_catalogue("shop")
        top = next(item for item in service.items() if item.category == "tops")
        folder = world / "index" / "shop"
        write_intent(folder / INTENT_FILE, {"from": "shop", "to": "boutique", "was": str(folder.resolve())})
        folder.rename(world / "index" / "boutique")  # as far as a rename gets before the database and manifest
        with pytest.raises(NotFound, match="'shop' was renamed 'boutique' .*open it under its new name"):
            service.search([top.pk], "", 3)
    finally:
        service.close()
    assert [c.name for c in service_on(world).list_catalogues()] == ["boutique"]  # and the listing finishes it


def test_a_delete_a_reader_writes_into_is_done_and_its_leftovers_swept(world: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Found by a test: a process that still had the database open wrote its SQLite -wal/-shm files
    into the renamed folder while it was removed; rmtree failed with "Directory not empty" after the
    catalogue had gone from every listing, and the next delete of that name in the same process
    could not rename onto the leftover. The delete now counts as done, and listings sweep leftovers."""
    import errno

    real = shutil.rmtree
    failing = {"left": 3}

    def rmtree(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if failing["left"] > 0:
            failing["left"] -= 1
            (Path(path) / "catalogue.db-wal").write_bytes(b"")  # what the other process wrote
            raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    service = service_on(world)
    assert service.delete_catalogue("shop") == world / "index" / "shop"
    left = [p.name for p in (world / "index").iterdir()]
    assert len(left) == 1 and left[0].startswith(".deleting-shop-")  # three tries failed: left for later
    assert service.list_catalogues() == []  # ... swept by the next listing
    assert list((world / "index").iterdir()) == []

    failing["left"] = 3  # the same name indexed and deleted twice in one process
    for _ in range(2):
        service.index_folder(world / "shop", "shop")
        assert service.delete_catalogue("shop") == world / "index" / "shop"
    assert not (world / "index" / "shop").exists() and len(photos(world)) == 6
    failing["left"] = 1  # a single failure is tried again at once
    service.index_folder(world / "shop", "shop")
    service.delete_catalogue("shop")
    assert list((world / "index").iterdir()) == []


def test_no_catalogue_can_be_named_like_one_being_deleted(world: Path) -> None:
    with pytest.raises(InputError, match="kept for catalogues being deleted"):
        service_on(world).index_folder(world / "shop", ".deleting-shop-1")
    assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]


@pytest.mark.parametrize("bad", ["..", "../w", "/tmp", "a/b", ""])
def test_delete_refuses_bad_names(world: Path, bad: str) -> None:
    with pytest.raises((InputError, NotFound)):
        service_on(world).delete_catalogue(bad)
    assert (world / "index" / "shop" / "catalogue.db").is_file() and len(photos(world)) == 6


def test_delete_refuses_a_link_that_leads_outside_the_home(world: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(world / "index" / "shop", outside)  # a real catalogue folder, elsewhere
    (world / "index" / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="not a folder of the index home"):
        service_on(world).delete_catalogue("linked")
    assert (outside / "catalogue.db").is_file()


def test_delete_and_rename_refuse_while_a_run_writes_the_catalogue(world: Path) -> None:
    from tests.lock_helpers import held_in_another_thread

    with held_in_another_thread(world / "index" / "shop", "index shop"):
        service = service_on(world)
        with pytest.raises(StoreError, match="busy"):
            service.delete_catalogue("shop")
        with pytest.raises(StoreError, match="busy"):
            service.rename_catalogue("shop", "other")
    assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]


def test_resync_picks_up_an_added_and_a_removed_photo(world: Path) -> None:
    from PIL import Image

    service = service_on(world)
    service.open_catalogue("shop")
    Image.new("RGB", (40, 60), (10, 220, 10)).save(world / "shop" / "tops" / "green.jpg")
    (world / "shop" / "shoes" / "blue0.jpg").unlink()
    report = service.resync_catalogue("shop")
    assert report.items == 6
    ids = {item.item_id for item in service.items()}  # the open catalogue was reopened on the new index
    assert any("green" in item_id for item_id in ids) and not any("blue0" in item_id for item_id in ids)
    [details] = service.catalogue_details()
    assert details.items == 6 and details.vectors == 6
    assert ranked(service)


def test_resync_says_when_the_source_folder_is_gone(world: Path) -> None:
    shutil.rmtree(world / "shop")
    with pytest.raises(InputError, match="gone"):
        service_on(world).resync_catalogue("shop")


# --- the manager dialog, through its widgets -----------------------------------------------------
needs_qt = pytest.mark.skipif(__import__("importlib").util.find_spec("pytestqt") is None, reason="pytest-qt")


@pytest.fixture
def managed(world: Path, qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A window on the world with a second catalogue "other" (a copy of the shop), "shop" open, and
    its catalogue manager listing both."""
    from gui_helpers import open_window
    from sane_desktop.gui.screenshots import wait_until

    shutil.copytree(world / "shop", world / "shop2")
    service_on(world).index_folder(world / "shop2", "other")
    window, client = open_window({"index": world / "index", "model": world / "model.pt", "root": world}, qtbot)
    window.refresh_catalogues(select="shop")
    wait_until(lambda: window.catalogue is not None and window.catalogue.name == "shop"
               and window.browser_model.rowCount() == 6, 120, "shop's items")
    window.manage_action.trigger()
    manager = window.catalogue_manager
    assert manager is not None
    qtbot.waitUntil(lambda: manager.table.rowCount() == 2, timeout=60000)
    yield window, manager
    manager.close()
    client.shutdown()


def cell(manager, name: str, column: int) -> str:  # type: ignore[no-untyped-def]
    rows = [row for row in range(manager.table.rowCount()) if manager.table.item(row, 0).text() == name]
    return manager.table.item(rows[0], column).text() if rows else ""


def select(manager, name: str) -> None:  # type: ignore[no-untyped-def]
    row = next(row for row in range(manager.table.rowCount()) if manager.table.item(row, 0).text() == name)
    manager.table.selectRow(row)


def click(button) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    assert button.isEnabled(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


@needs_qt
def test_manager_lists_source_items_model_and_time(managed, world: Path) -> None:  # type: ignore[no-untyped-def]
    _window, manager = managed
    assert cell(manager, "shop", 1) == "6" and Path(cell(manager, "shop", 2)) == (world / "shop").resolve()
    assert cell(manager, "shop", 3) == f"model.pt ({(stored_content_hash(world / 'model.pt') or '')[:12]})"
    # a model that says where it was trained: in words, its file and hash in the tooltip
    model = model_from(world, "there.pt", trained_on={"folder": str((world / "shop").resolve())})
    CatalogueService(world / "index", model=model, device="cpu").index_folder(world / "shop2", "other")
    manager.refresh()
    there = f"there.pt ({(stored_content_hash(model) or '')[:12]})"
    from sane_desktop.gui.screenshots import wait_until

    # the catalogue of that folder by its name (trial K read the folder's, after a rename)
    wait_until(lambda: cell(manager, "other", 3) == "Trained on “shop”", 60, "the model's words")
    row = next(r for r in range(manager.table.rowCount()) if manager.table.item(r, 0).text() == "other")
    from sane_desktop.gui.text import plain_tooltip

    assert manager.table.item(row, 3).toolTip() == plain_tooltip(f"Trained on “shop”: {there}")
    assert cell(manager, "shop", 4)[:4].isdigit()  # "2026-11-30 21:04"
    assert [manager.table.horizontalHeaderItem(c).text() for c in range(5)] == \
        ["Catalogue", "Items", "Source folder", "Model", "Indexed"]
    # a folder too long for its column keeps its last part, where catalogues differ (trial AC read
    # "/work/trial_AC_home/..." on every row)
    from PySide6.QtCore import Qt

    assert manager.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    # the model's words never take the folder's width (trial BN read "ource folde" beside "Built into the
    # app (its model of the drawn demo garments)"), and the dialog fits its screen
    from sane_desktop.gui.catalogue_manager import MODEL_MAX

    import dataclasses

    long_words = "built into the app (its model of the drawn demo garments), said at length here"
    manager._show([dataclasses.replace(entry, model_origin=long_words) for entry in manager.details], "shop")
    assert manager.table.columnWidth(3) <= MODEL_MAX
    header = manager.table.horizontalHeader()
    assert manager.table.columnWidth(2) >= header.fontMetrics().horizontalAdvance("Source folder") + 12
    assert manager.frameGeometry().width() <= manager.screen().availableGeometry().width()


@needs_qt
def test_manager_renames_and_the_window_follows(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    window, manager = managed
    select(manager, "shop")  # the open one: it opens again under its new name
    click(manager.rename_button)
    dialog = manager.question
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue("boutique")
    dialog.accept()
    qtbot.waitUntil(lambda: cell(manager, "boutique", 1) == "6", timeout=60000)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "boutique"
                    and window.browser_model.rowCount() == 6, timeout=60000)
    names = [window.catalogue_switcher.itemData(i) for i in range(window.catalogue_switcher.count())]
    assert sorted(names) == ["boutique", "other"]
    assert (world / "index" / "boutique" / "catalogue.db").is_file() and not (world / "index" / "shop").exists()
    assert "Renamed" in manager.status.text()
    # the open one under its new name: its Delete… stays greyed, from the list that names it (trial DO found it
    # enabled right after the rename, the refusal coming only after the click)
    assert manager.selected_name() == "boutique"
    assert not manager.delete_button.isEnabled()
    assert manager.delete_button.toolTip() == "“boutique” is open in the window: open another catalogue first, then delete it."


@needs_qt
def test_a_rename_from_the_command_line_is_followed_by_the_window(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AE renamed the open catalogue in a terminal: back at the window the switcher showed the
    old name beside the new one, and the next search said to open it under its new name."""
    window, _manager = managed
    window.outfit_panel.add_items([window.browser_model.items()[0]])
    service_on(world).rename_catalogue("shop", "boutique")  # `sane-desktop catalogues rename shop boutique`
    window.relist_catalogues()  # as coming back to the window does
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "boutique"
                    and window.browser_model.rowCount() == 6
                    and window.outfit_model.rowCount() == 1, timeout=60000)  # the outfit being built followed
    names = [window.catalogue_switcher.itemData(i) for i in range(window.catalogue_switcher.count())]
    assert sorted(names) == ["boutique", "other"]
    assert window.catalogue_switcher.currentData() == "boutique"
    assert "“shop” was renamed “boutique” elsewhere" in window.statusBar().currentMessage()


def choose_in_switcher(window, name: str) -> None:  # type: ignore[no-untyped-def]
    """A person's pick in the switcher, through Qt's event path: a click opens its list (which lists
    the catalogues again, in the worker), the entry is highlighted and Return chooses it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from sane_desktop.gui.screenshots import wait_until

    switcher = window.catalogue_switcher
    QTest.mouseClick(switcher, Qt.MouseButton.LeftButton)
    view = switcher.view()
    wait_until(view.isVisible, 10, "the switcher's list")
    QApplication.processEvents()
    view.setCurrentIndex(view.model().index(switcher.findData(name), 0))  # as the arrow keys move it
    QTest.keyClick(view, Qt.Key.Key_Return)
    wait_until(lambda: not view.isVisible(), 10, "the switcher's list closed")


@needs_qt
def test_a_catalogue_chosen_during_a_re_index_opens_after_it_and_the_window_names_the_open_one(
        managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial AH chose another catalogue while a re-index held the worker: the switcher named it over
    the old catalogue's items for the whole run, and an item added then went into the old one's outfit."""
    window, _manager = managed
    gate = threading.Event()
    window.tasks.start(lambda _service, _state: gate.wait(60), "Holding the worker")  # the run takes a while
    window.reindex_catalogue()
    choose_in_switcher(window, "other")
    assert window.catalogue_switcher.currentData() == "shop" and window.catalogue.name == "shop"
    assert window.statusBar().currentMessage() == \
        "“other” opens when the re-index ends (one thing runs at a time); “shop” stays open until then."
    gate.set()
    qtbot.waitUntil(lambda: window.catalogue.name == "other" and window.catalogue_switcher.currentData() == "other",
                    timeout=60000)
    assert "opens when" not in window.statusBar().currentMessage()  # said until it opened, not after (trial AJ)


def index_held(window, world: Path, qtbot, monkeypatch, folder: str, name: str):  # type: ignore[no-untyped-def]
    """Start indexing ``folder`` as ``name`` from the window's dialog, the run itself held (as a long
    one is) until the returned event is set: choices made meanwhile wait behind the index task."""
    from sane_desktop.service.app import CatalogueService as Service

    shutil.copytree(world / "shop", world / folder)
    gate, begun = threading.Event(), threading.Event()
    real = Service.index_folder

    def held(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        begun.set()
        gate.wait(60)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Service, "index_folder", held)
    window.index_action.trigger()
    dialog = window.index_dialog
    dialog.folder.setText(str(world / folder))
    dialog.name.setText(name)
    dialog.start()
    qtbot.waitUntil(begun.is_set, timeout=30000)  # the index task runs: the worker is in it
    return dialog, gate


@needs_qt
def test_a_catalogue_chosen_during_an_index_is_the_one_left_open(managed, world: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial AH: the index's end opened the choice, then went straight on to the new catalogue; trial
    AJ: then to the catalogue a listing had opened long before."""
    window, _manager = managed
    dialog, gate = index_held(window, world, qtbot, monkeypatch, "shop3", "third")
    choose_in_switcher(window, "other")
    assert window.catalogue_switcher.currentData() == "shop"
    assert "“other” opens when the indexing ends" in window.statusBar().currentMessage()
    gate.set()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=60000)
    qtbot.waitUntil(lambda: window.catalogue.name == "other" and window.catalogue_switcher.findData("third") >= 0,
                    timeout=60000)
    qtbot.wait(1500)  # nothing goes on to open the new catalogue, nor the one a listing opened before
    assert window.catalogue.name == "other" and window.catalogue_switcher.currentData() == "other"
    assert window.statusBar().currentMessage() == \
        "Indexed “third” (6 items): choose it in the catalogue switcher to open it. “other” stays open, as chosen."
    dialog.close()


@needs_qt
def test_choosing_the_open_one_back_during_an_index_keeps_it_open_at_the_end(managed, world: Path, qtbot,  # type: ignore[no-untyped-def]
                                                                              monkeypatch) -> None:
    """Trial AJ: another catalogue (the one a listing had opened long before) opened at the end."""
    window, _manager = managed
    window.refresh_catalogues(select="other")  # a listing that opened "other", then "shop" chosen again
    qtbot.waitUntil(lambda: window.catalogue.name == "other", timeout=60000)
    choose_in_switcher(window, "shop")
    qtbot.waitUntil(lambda: window.catalogue.name == "shop" and not window.channels.catalogues.busy, timeout=60000)
    dialog, gate = index_held(window, world, qtbot, monkeypatch, "shop3", "third")
    choose_in_switcher(window, "other")
    choose_in_switcher(window, "shop")
    assert window.statusBar().currentMessage() == "“other” will not open: “shop” stays open."
    gate.set()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=60000)
    qtbot.wait(2000)
    assert window.catalogue.name == "shop" and window.catalogue_switcher.currentData() == "shop"
    dialog.close()


@needs_qt
def test_choosing_the_open_catalogue_back_during_a_run_keeps_it(managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, _manager = managed
    gate = threading.Event()
    window.tasks.start(lambda _service, _state: gate.wait(60), "Holding the worker")
    window.reindex_catalogue()
    choose_in_switcher(window, "other")
    choose_in_switcher(window, "shop")
    assert window.statusBar().currentMessage() == "“other” will not open: “shop” stays open."
    gate.set()
    qtbot.wait(2000)
    assert window.catalogue.name == "shop" and window.catalogue_switcher.currentData() == "shop"


def test_a_run_asked_for_one_catalogue_never_acts_on_another(world: Path) -> None:
    """Trial AI's "Train model on demo" dialog trained demo2, opened meanwhile, and replaced its model."""
    shutil.copytree(world / "shop", world / "shop2")
    service = service_on(world)
    service.index_folder(world / "shop2", "other")
    service.open_catalogue("other")
    for run, what in ((service.train, "trained on"), (service.adapt, "adapted to")):
        with pytest.raises(InputError, match=f"this was asked for 'shop', but 'other' is open now: nothing was {what}"):
            run(catalogue="shop")  # type: ignore[operator]
    assert not (world / "index" / "other" / "model.pt").exists() and not (world / "index" / "shop" / "model.pt").exists()


@needs_qt
def test_an_idle_train_or_adapt_dialog_goes_with_the_catalogue_it_names(managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, _manager = managed
    window.show_adapt_dialog()
    dialog = window.adapt_dialog
    assert dialog is not None and dialog.isVisible() and dialog.catalogue == "shop"
    choose_in_switcher(window, "other")
    qtbot.waitUntil(lambda: window.catalogue.name == "other" and not dialog.isVisible(), timeout=60000)
    # one that ran keeps its result on screen (trial AJ lost a training's "model kept" line)
    window.show_adapt_dialog()
    ran = window.adapt_dialog
    assert ran is not None and ran is not dialog and ran.catalogue == "other"
    ran.start()
    qtbot.waitUntil(lambda: ran.has_run and not ran.running, timeout=120000)
    shown = ran.phase.text()
    choose_in_switcher(window, "shop")
    qtbot.waitUntil(lambda: window.catalogue.name == "shop", timeout=60000)
    qtbot.wait(300)
    assert ran.isVisible() and ran.phase.text() == shown


@needs_qt
def test_manager_deletes_after_asking_and_never_the_open_one(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    select(manager, "other")
    click(manager.delete_button)
    box = manager.question
    assert isinstance(box, QMessageBox) and "not touched" in box.text()
    click(box.button(QMessageBox.StandardButton.Cancel))
    qtbot.wait(200)
    assert (world / "index" / "other").is_dir() and manager.table.rowCount() == 2

    select(manager, "other")
    click(manager.delete_button)
    click(manager.question.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: manager.table.rowCount() == 1, timeout=60000)
    assert not (world / "index" / "other").exists() and len(list((world / "shop2").rglob("*.jpg"))) == 6
    qtbot.waitUntil(lambda: window.catalogue_switcher.count() == 1, timeout=60000)
    assert window.catalogue is not None and window.catalogue.name == "shop"

    select(manager, "shop")  # the open one: refused before asking (a trial was asked, said Yes, then refused),
    # and before the click, in the button itself (a new user met the refusal after it)
    assert not manager.delete_button.isEnabled()
    assert manager.delete_button.toolTip() == "“shop” is open in the window: open another catalogue first, then delete it."
    asked = manager.question
    manager.ask_delete()  # (Delete as a keyboard shortcut might reach it): still refused, in the status line
    assert manager.question is asked
    assert manager.status.text() == "“shop” is open in the window: open another catalogue first, then delete it."
    assert (world / "index" / "shop" / "catalogue.db").is_file() and manager.table.rowCount() == 1


@needs_qt
def test_deleting_a_catalogue_whose_photos_live_in_its_folder_says_they_go_too(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial renamed the built-in demo (its photos are in its own folder) and deleted it: the status
    said its photos stayed where they were, and they were gone with the folder."""
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    inside = world / "index" / "kept" / "source"
    shutil.copytree(world / "shop", inside)
    service_on(world).index_folder(inside, "kept")
    manager.refresh()
    qtbot.waitUntil(lambda: manager.table.rowCount() == 3, timeout=60000)
    select(manager, "kept")
    click(manager.delete_button)
    box = manager.question
    assert isinstance(box, QMessageBox) and "not touched" not in box.text()
    assert f"Its photos, kept inside that folder ({inside.resolve()}), are deleted with it." in box.text()
    click(box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: manager.table.rowCount() == 2, timeout=60000)
    assert manager.status.text() == "Deleted “kept” and its photos, which were kept inside its folder."
    assert not inside.exists() and len(list((world / "shop").rglob("*.jpg"))) == 6


@needs_qt
def test_manager_resyncs_a_changed_folder(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    window, manager = managed
    Image.new("RGB", (40, 60), (10, 220, 10)).save(world / "shop" / "tops" / "green.jpg")
    select(manager, "shop")
    click(manager.resync_button)
    qtbot.waitUntil(lambda: cell(manager, "shop", 1) == "7", timeout=120000)
    assert manager.status.text() == "Re-synced “shop”: 7 items (1 new, 0 changed, 0 removed)."
    qtbot.waitUntil(lambda: window.browser_model.rowCount() == 7, timeout=60000)  # the open one reloaded
    assert any("green" in item.item_id for item in window.browser_model.items())
    # stopped half-way (a quit): said, and the window told (trial BJ: "Re-syncing … n/N" stayed, unsaid)
    Image.new("RGB", (40, 60), (220, 10, 10)).save(world / "shop" / "tops" / "red.jpg")
    changed: list[tuple[str, str]] = []
    manager.changed.connect(lambda old, new: changed.append((old, new)))
    click(manager.resync_button)
    task = manager._resync
    task.cancel()
    qtbot.waitUntil(lambda: task.ended, timeout=120000)
    assert manager.status.text() in ("Re-sync of “shop” stopped: what it read is kept; re-sync again to finish.",
                                      "Re-synced “shop”: 8 items (1 new, 0 changed, 0 removed).")  # (done first)
    assert changed == [("shop", "shop")]


@needs_qt
def test_a_resync_of_a_renamed_category_folder_says_its_choice_stays(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EG renamed a category folder it had chosen a model category for and re-synced: the line gave counts
    alone, and the choice was lost. It stays (retrieval.indexing.carry), and the line says so."""
    window, manager = managed
    service_on(world).index_folder(world / "shop2", "other", category_map={"shoes": "tops"})
    (world / "shop2" / "shoes").rename(world / "shop2" / "Schuhe")
    select(manager, "other")
    click(manager.resync_button)
    qtbot.waitUntil(lambda: manager.status.text().startswith("Re-synced “other”"), timeout=120000)
    assert manager.status.text() == ("Re-synced “other”: 6 items (3 new, 0 changed, 3 removed); “shoes” is “Schuhe” "
                                     "now (the same photos), still searched as tops.")


@needs_qt
def test_a_resync_keeps_an_outfit_item_whose_folder_was_renamed(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EI: renamed the folder of an outfit item and pressed Re-sync: the line said the category kept its
    choice, and a box said the item was "no longer in the catalogue", the outfit emptied (a re-index from a
    terminal kept it). The Re-sync's outfit, brought back, follows the photo too."""
    from gui_helpers import add_by_double_click
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    shoe = add_by_double_click(window, qtbot, "shoes")
    was = next(item for item in window.outfit_model.items() if item.pk == shoe)
    (world / "shop" / "shoes").rename(world / "shop" / "Schuhe")
    select(manager, "shop")
    click(manager.resync_button)
    qtbot.waitUntil(lambda: manager.status.text().startswith("Re-synced “shop”"), timeout=120000)
    qtbot.waitUntil(lambda: bool(window.outfit_model.pks()) and window.outfit_model.pks() != [shoe], timeout=60000)
    [now] = window.outfit_model.items()
    assert now.content_hash == was.content_hash and now.category == "Schuhe"
    assert window.statusBar().currentMessage() == (f"“{was.title}” was renamed or moved by a re-import (the same "
                                                   "photo, now in “Schuhe”): it stays in your outfit.")
    assert not [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    # the outfit kept while another catalogue is open, its item's folder renamed back and re-indexed meanwhile
    # from a terminal: it comes back as the item holding its photo
    choose_in_switcher(window, "other")  # the switcher's list, as a stylist picks
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "other"
                    and not window.channels.outfit.busy, timeout=60000)
    (world / "shop" / "Schuhe").rename(world / "shop" / "shoes")
    service_on(world).index_folder(world / "shop", "shop")
    choose_in_switcher(window, "shop")
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "shop"
                    and len(window.outfit_model.pks()) == 1 and window.outfit_model.items()[0].category == "shoes",
                    timeout=60000)
    assert window.outfit_model.items()[0].content_hash == was.content_hash
    assert "was renamed or moved by a re-import (the same photo, now in “shoes”)" in window.statusBar().currentMessage()
    assert not [box for box in window.findChildren(QMessageBox) if box.isVisible()]


@needs_qt
def test_a_resync_says_when_the_model_file_holds_another_model(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial retrained another catalogue into this one's model file, then Re-sync re-indexed with
    it and only the Model column changed. The status line now says so."""
    window, manager = managed
    shutil.copy(world / "model.pt", world / "w0.pt")  # the model the last index was built with
    torch.manual_seed(1)  # another model at the same path
    save_checkpoint(world / "model.pt", ModelBundle(CompatibilityNet(["tops", "shoes"], width=16), None, Preprocessing()))
    select(manager, "other")
    click(manager.resync_button)
    qtbot.waitUntil(lambda: "Re-synced" in manager.status.text(), timeout=120000)
    said = manager.status.text()
    before, now = (stored_content_hash(m) or "" for m in (world / "w0.pt", world / "model.pt"))
    assert f"its model file holds another model than the last index, which it now uses ({before[:12]}, now {now[:12]})" \
        in said
    qtbot.waitUntil(lambda: now[:12] in cell(manager, "other", 3), timeout=60000)  # the table lists the new model
    click(manager.resync_button)  # again: the same model as the last index, nothing more to say
    qtbot.waitUntil(lambda: manager.status.text() == "Re-synced “other”: 6 items (no photo added, changed or removed).", timeout=120000)


@needs_qt
def test_manager_shows_the_source_folder(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Catcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[QUrl] = []

        @Slot(QUrl)
        def handle(self, url: QUrl) -> None:
            self.urls.append(url)

    _window, manager = managed
    catcher = Catcher()
    QDesktopServices.setUrlHandler("file", catcher, "handle")
    # the source folder is looked at when listed, on the worker, never on a click: a share that
    # stopped answering would freeze the window for as long as its stat blocks
    looked_here: list[str] = []
    local_is_dir, local_resolve = Path.is_dir, Path.resolve

    def is_dir(path: Path) -> bool:
        if threading.current_thread() is threading.main_thread():
            looked_here.append(str(path))
        return local_is_dir(path)

    def resolve(path: Path, strict: bool = False) -> Path:
        if threading.current_thread() is threading.main_thread():
            looked_here.append(str(path))
        return local_resolve(path, strict)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Path, "is_dir", is_dir)
            patch.setattr(Path, "resolve", resolve)
            select(manager, "other")
            click(manager.show_button)
            click(manager.delete_button)  # the question says whether its photos go with it
            assert "are not touched" in manager.question.text()
            assert manager.question.text().endswith("stay until Help → Caches and disk space… frees them.")
            manager.question.close()
        assert not looked_here
        (world / "shop2").rename(world / "shop2-moved")
        try:
            manager.refresh(select="other")
            qtbot.waitUntil(lambda: not any(entry.source_found for entry in manager.details if entry.name == "other"),
                            timeout=60000)
            select(manager, "other")
            assert cell(manager, "other", 2) == f"{(world / 'shop2').resolve()} (not found)"  # marked (trial EK)
            assert cell(manager, "shop", 2) == str((world / "shop").resolve())
            click(manager.show_button)
            assert manager.status.text() == f"The source folder is gone: {(world / 'shop2').resolve()}"
        finally:
            (world / "shop2-moved").rename(world / "shop2")
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(url.toLocalFile()) for url in catcher.urls] == [(world / "shop2").resolve()]


@needs_qt
def test_manager_lists_a_damaged_catalogue_and_deletes_it(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    # a trial: a damaged catalogue.db was left out of the switcher and of this dialog, a dead end
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    database = world / "index" / "other" / "catalogue.db"
    with database.open("r+b") as handle:
        handle.truncate(4096)
    manager.refresh(select="other")
    qtbot.waitUntil(lambda: cell(manager, "other", 1) == "damaged", timeout=60000)
    assert cell(manager, "other", 3) == "cannot be read"
    select(manager, "shop")
    select(manager, "other")
    assert manager.delete_button.isEnabled()
    assert not manager.rename_button.isEnabled() and not manager.resync_button.isEnabled()
    # a greyed button says why in its tooltip (a new user could not tell)
    assert manager.rename_button.toolTip() == "Its database cannot be read: delete it, or index its folder again."
    assert manager.status.text().startswith("“other” cannot be read (") and manager.status.text().endswith(
        "index its folder again under this name (File → Index catalogue folder…).")
    # what is wrong, and the window's way out only (trial N read the command line's --replace here too)
    row = next(r for r in range(manager.table.rowCount()) if manager.table.item(r, 0).text() == "other")
    assert "--" not in manager.status.text() and "--" not in manager.table.item(row, 1).toolTip()
    assert "is not a catalogue database, or it is damaged" in manager.table.item(row, 1).toolTip()
    # were it the open one, Delete… is greyed, and the line says what comes first (trial DE read "Delete it here")
    opened = manager.open_name
    manager.open_name = lambda: "other"
    select(manager, "shop")
    select(manager, "other")
    assert not manager.delete_button.isEnabled()
    assert "Open another catalogue, then delete it here, or index its folder again" in manager.status.text()
    manager.open_name = opened
    select(manager, "shop")
    select(manager, "other")
    click(manager.delete_button)
    click(manager.question.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: manager.table.rowCount() == 1, timeout=60000)
    assert not (world / "index" / "other").exists() and cell(manager, "shop", 1) == "6"


@needs_qt
def test_manager_lists_a_locked_catalogue_as_unavailable_not_damaged(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial CR: a full disk listed a whole catalogue as "damaged", its Delete button beside it."""
    import sqlite3

    window, manager = managed
    holder = sqlite3.connect(world / "index" / "other" / "catalogue.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # what another program's lock does; a full disk reads the same
        manager.refresh(select="other")
        qtbot.waitUntil(lambda: cell(manager, "other", 1) == "unavailable", timeout=60000)
        assert cell(manager, "other", 2) == cell(manager, "other", 4) == "not read now"  # not "unknown" (trial CV)
        select(manager, "shop")
        select(manager, "other")
        said = manager.status.text()
        assert said.startswith("“other” cannot be opened now (the catalogue database") and "locked" in said
        assert "Nothing suggests it is damaged, so it cannot be deleted here" in said
        assert not manager.delete_button.isEnabled()  # a whole catalogue is not deleted at a click (trial CT)
    finally:
        holder.close()
    manager.refresh(select="other")
    qtbot.waitUntil(lambda: cell(manager, "other", 1) not in ("unavailable", "damaged", ""), timeout=60000)


@needs_qt
def test_a_resync_that_takes_an_outfit_item_out_says_which(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    # trial M: an outfit item's photo moved out of the folder, then Re-sync: it left the outfit without a word
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    items = window.browser_model.items()
    outfit = [next(i for i in items if i.category == "tops"), next(i for i in items if i.category == "shoes")]
    window.add_to_outfit([item.pk for item in outfit])
    qtbot.waitUntil(lambda: window.outfit_model.rowCount() == 2, timeout=10000)
    from sane_desktop.gui.screenshots import wait_results

    wait_results(window, 60)
    moved = outfit[1]
    moved.image_path.rename(world / moved.image_path.name)  # out of the catalogue folder
    # re-synced (here by a terminal's service, so that no search of the window finds it gone first: the
    # trial's window opened the catalogue again before any search), then the manager's word reaches the window
    assert service_on(world).resync_catalogue("shop").items == 5
    manager.changed.emit("shop", "shop")
    qtbot.waitUntil(lambda: window.outfit_model.pks() == [outfit[0].pk], timeout=60000)
    words = f"1 item of your outfit is no longer in the catalogue (a re-import removed it): “{moved.title}” is left out."
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(words), timeout=10000)
    shown = [box for box in window.findChildren(QMessageBox) if box.isVisible() and box.text() == words]
    assert shown, [box.text() for box in window.findChildren(QMessageBox)]
    shown[0].close()


@needs_qt
def test_resync_of_the_open_catalogue_keeps_the_chosen_categories(managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    # a trial: a re-sync put the results' target back to "All categories"
    from gui_helpers import choose_target

    window, manager = managed
    category = window.results.target.itemData(1)
    choose_target(window, qtbot, category)
    window.category_filter.setCurrentIndex(window.category_filter.findData(category))
    before = window.catalogue
    select(manager, "shop")
    click(manager.resync_button)
    qtbot.waitUntil(lambda: "Re-synced" in manager.status.text(), timeout=120000)
    assert "(no photo added, changed or removed)" in manager.status.text()
    # nothing changed: the window is left as it is, its selection and explanation too (a new user's were cleared)
    qtbot.wait(500)
    assert window.catalogue is before
    assert window.results.current_target() == category
    assert window.category_filter.currentData() == category  # (a re-sync that changes the folder reopens the
    # catalogue: test_manager_resyncs_a_changed_folder)


def test_rename_moves_the_recorded_folder_of_photos_kept_inside_the_catalogue(world: Path) -> None:
    """The built-in demo keeps its photos in its own folder (``<home>/demo/source``): a trial renamed
    it and every photo read as gone, the recorded source still naming the old folder."""
    home = world / "index"
    inside = home / "kept" / "source"
    shutil.copytree(world / "shop", inside)
    service = service_on(world)
    service.index_folder(inside, "kept")
    service.open_catalogue("kept")
    before = ranked(service)
    service.rename_catalogue("kept", "kept renamed")
    fresh = service_on(world)
    fresh.open_catalogue("kept renamed")
    assert ranked(fresh) == before
    [details] = [d for d in fresh.catalogue_details() if d.name == "kept renamed"]
    assert Path(details.source) == (home / "kept renamed" / "source").resolve()
    assert fresh.resync_catalogue("kept renamed").items == 6  # its photos are found where they now are


@needs_qt
def test_a_reimport_seen_by_the_switcher_lists_the_grid_again(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A trial indexed a photo more from the command line: the switcher said 7 items when the window
    came back, the grid and the filters' counts still 6."""
    from PIL import Image
    from PySide6.QtWidgets import QWidget

    window, manager = managed
    manager.close()
    qtbot.wait(500)  # the window takes the keyboard back from the closed manager (gui/focus_return.py) …
    assert window.browser_model.rowCount() == 6
    terminal = QWidget()  # … then the person switches to a terminal
    qtbot.addWidget(terminal)
    terminal.show()
    terminal.activateWindow()
    qtbot.waitUntil(terminal.isActiveWindow, timeout=5000)
    Image.new("RGB", (40, 60), (10, 220, 10)).save(world / "shop" / "tops" / "green.jpg")
    service_on(world).index_folder(world / "shop", "shop")  # from elsewhere
    window.activateWindow()  # back to the app: the window is activated, the switcher lists again
    qtbot.waitUntil(lambda: window.browser_model.rowCount() == 7, timeout=60000)
    assert window.catalogue is not None and window.catalogue.items == 7


@needs_qt
def test_a_deleted_or_remade_catalogue_leaves_no_remembered_outfit(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The outfit remembered per catalogue database (``outfit/<token>``) went on in the settings file
    after its catalogue was deleted, or made anew under its name (a new token): it could never come
    back, and the settings only grew."""
    from PySide6.QtWidgets import QMessageBox

    from sane_desktop.gui.outfit_memory import remembered

    window, manager = managed
    listed = {info.name: info for info in service_on(world).list_catalogues()}
    shop = listed["shop"]
    for info in listed.values():
        window.settings.set(f"outfit/{info.uid}", '[{"id": "tops/red0"}]')
    assert remembered(window.settings, listed["other"]) == [{"id": "tops/red0"}]

    select(manager, "other")
    click(manager.delete_button)
    click(manager.question.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: manager.table.rowCount() == 1, timeout=60000)
    qtbot.waitUntil(lambda: window.settings.get(f"outfit/{listed['other'].uid}") is None, timeout=30000)
    assert remembered(window.settings, shop) == [{"id": "tops/red0"}]  # the others' stay
    qtbot.waitUntil(lambda: window.catalogue_switcher.count() == 1, timeout=60000)  # the window listed again

    # "other" made anew under its name from a terminal: the window lists it with a new token
    service_on(world).index_folder(world / "shop2", "other")
    remade = {info.name: info for info in service_on(world).list_catalogues()}["other"]
    window.settings.set(f"outfit/{remade.uid}", '[{"id": "tops/red0"}]')
    window.refresh_catalogues(select="shop", reopen=False)
    qtbot.waitUntil(lambda: window._uids.get("other") == remade.uid, timeout=60000)  # listed with its token
    manager.close()
    service_on(world).delete_catalogue("other")
    service_on(world).index_folder(world / "shop2", "other")
    again = {info.name: info for info in service_on(world).list_catalogues()}["other"]
    assert again.uid != remade.uid
    window.refresh_catalogues(select="shop", reopen=False)
    qtbot.waitUntil(lambda: window.settings.get(f"outfit/{remade.uid}") is None, timeout=30000)
    assert remembered(window.settings, shop) == [{"id": "tops/red0"}]


def test_a_database_deleted_under_an_open_catalogue_is_said_and_listed(world: Path) -> None:
    """A trial deleted ``catalogue.db`` under the open window: searches and the grid went on answering
    from the file still open, and on the next start the catalogue was gone from every list without a
    word. The next use says so; the listing names the folder and why."""
    service = service_on(world)
    service.open_catalogue("shop")
    top = next(item for item in service.items() if item.category == "tops")
    assert service.search([top.pk], "", 3)
    (world / "index" / "shop" / "catalogue.db").unlink()
    for use in (lambda: service.search([top.pk], "", 3), lambda: service.items("", "red"),
                lambda: service.item_infos([top.pk])):
        with pytest.raises(NotFound, match=r"the database of catalogue 'shop' \(.*catalogue\.db\) was deleted or "
                                           r"moved since it was opened: index its folder again"):
            use()
    service.close()
    listing = service_on(world).scan_catalogues()
    assert listing.catalogues == () and [entry.name for entry in listing.unreadable] == ["shop"]
    assert listing.unreadable[0].reason.startswith("its database catalogue.db is gone (deleted or moved)")
    service_on(world).index_folder(world / "shop", "shop")  # indexing again brings it back
    assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]


def test_a_first_import_that_never_finished_is_listed_as_such(world: Path) -> None:
    """The window closed while a first index read the folder: a database with its tables and no
    catalogue row. The manager said "cannot be read"; it now says what happened and what to do."""
    from sane_desktop.store import open_store

    (world / "index" / "half").mkdir()
    open_store(f"sqlite:///{(world / 'index' / 'half' / 'catalogue.db').as_posix()}").dispose()
    unreadable = {entry.name: entry.reason for entry in service_on(world).scan_catalogues().unreadable}
    assert unreadable == {"half": "its first import never finished (the app was closed or stopped while it read the "
                                  "folder): index the folder again under this name, or delete it"}
    (world / "index" / "stray").mkdir()  # a folder with nothing of an index in it is not listed
    assert "stray" not in {entry.name for entry in service_on(world).scan_catalogues().unreadable}


@needs_qt
def test_a_remembered_catalogue_that_no_longer_opens_is_said_at_start(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, manager = managed
    (world / "index" / "other" / "catalogue.db").unlink()
    window.settings.set("catalogue", "other")  # the one open when the app was last closed
    window.refresh_catalogues()
    qtbot.waitUntil(lambda: "is not among the catalogues" in window.statusBar().currentMessage(), timeout=30000)
    assert window.statusBar().currentMessage() == ("“other” is not among the catalogues that open any more: deleted, "
                                                   "or its database cannot be read (File → Manage catalogues… lists "
                                                   "a damaged one): “shop” is open instead.")
    manager.refresh()
    qtbot.waitUntil(lambda: cell(manager, "other", 1) == "damaged", timeout=30000)
    manager.table.selectRow(next(row for row in range(manager.table.rowCount())
                                 if manager.table.item(row, 0).text() == "other"))
    qtbot.waitUntil(lambda: "is gone (deleted or moved)" in manager.status.text(), timeout=30000)


@needs_qt
def test_quitting_during_a_resync_asks_also_from_the_manager(managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial K: Ctrl+Q during a manager's Re-sync quit at once, unasked, and left the catalogue
    unsearchable until re-indexed; and Ctrl+Q did nothing while the manager was in front."""
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    window, manager = managed
    service = window.channels.runner.owner

    def slow_resync(_name, _progress, should_stop):  # type: ignore[no-untyped-def]
        end = time.monotonic() + 60
        while not should_stop() and time.monotonic() < end:
            time.sleep(0.02)

    service.resync_catalogue = slow_resync
    select(manager, "other")
    click(manager.resync_button)
    assert window.long_work() == "re-syncing a catalogue with its folder"
    manager.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is manager, timeout=5000)
    qtbot.keyClick(manager.table, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # the manager in front

    def asked() -> list[QMessageBox]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(asked()), timeout=5000)
    box = asked()[0]
    assert box.text().startswith("SANE Desktop is re-syncing a catalogue with its folder.")
    assert "cannot be searched" in box.text()
    keep = next(b for b in box.buttons() if b.text() == "Keep working")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not asked(), timeout=5000)
    assert window.isVisible() and manager.resyncing()
    manager.channel.discard()  # the fixture's end stops the worker


@needs_qt
def test_a_relist_never_cancels_a_pending_one_that_opens_a_catalogue(managed, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial K: a folder indexed in the window asked the catalogue list to open it; a delete in the
    manager ending just after listed again "keeping the open one", which cancelled that request:
    the window stayed on the old catalogue, unsaid."""
    import threading

    window, _manager = managed
    release = threading.Event()
    window.channels.runner.start(lambda _service, _state: release.wait(30), "Holding the worker…")
    try:
        window.refresh_catalogues(select="other")  # as after "Indexed …": open the new catalogue
        window.refresh_catalogues(select="shop", reopen=False)  # as after a manager's change elsewhere
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "other", timeout=60000)


def test_an_index_of_another_import_is_listed_as_out_of_date(world: Path) -> None:
    """Trial K: a re-sync stopped by quitting left a catalogue whose folder was read again but not
    indexed: no search could use it, and the manager listed it with its last "Indexed" time."""
    from PIL import Image

    from sane_desktop.service import building

    [details] = service_on(world).catalogue_details()
    assert not details.out_of_date
    Image.new("RGB", (40, 60), (10, 220, 10)).save(world / "shop" / "tops" / "green.jpg")
    database = world / "index" / "shop" / "catalogue.db"
    building.import_folder(world / "shop", "shop", f"sqlite:///{database}")  # read again, not indexed
    [details] = service_on(world).catalogue_details()
    assert details.out_of_date and details.items == 7
    service_on(world).index_folder(world / "shop", "shop")
    [details] = service_on(world).catalogue_details()
    assert not details.out_of_date


@needs_qt
def test_manager_says_an_index_is_out_of_date(managed, world: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from sane_desktop.gui.catalogue_manager import OUT_OF_DATE_TIP
    from sane_desktop.gui.screenshots import wait_until
    from sane_desktop.service import building

    _window, manager = managed
    assert not cell(manager, "other", 4).endswith("out of date")
    Image.new("RGB", (40, 60), (10, 220, 10)).save(world / "shop2" / "tops" / "green.jpg")
    building.import_folder(world / "shop2", "other", f"sqlite:///{world / 'index' / 'other' / 'catalogue.db'}")
    manager.refresh()
    wait_until(lambda: cell(manager, "other", 4).endswith(" — out of date"), 60, "the out-of-date index said")
    row = next(r for r in range(manager.table.rowCount()) if manager.table.item(r, 0).text() == "other")
    from sane_desktop.gui.text import plain_tooltip

    assert manager.table.item(row, 4).toolTip() == plain_tooltip(OUT_OF_DATE_TIP)
    assert not cell(manager, "shop", 4).endswith("out of date")


def test_manager_says_an_index_of_another_build_is_out_of_date(managed, world: Path) -> None:  # type: ignore[no-untyped-def]
    """Vectors computed by another build's code: search refuses the index, and the manager said nothing."""
    import json

    from sane_desktop.gui.screenshots import wait_until

    _window, manager = managed
    manifest_file = world / "index" / "shop" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    data["embedding_code"] = "0123456789abcdef"
    manifest_file.write_text(json.dumps(data))
    manager.refresh()
    wait_until(lambda: cell(manager, "shop", 4).endswith(" — out of date"), 60, "another build's index said")
    row = next(r for r in range(manager.table.rowCount()) if manager.table.item(r, 0).text() == "shop")
    assert "built by another build of SANE Desktop" in manager.table.item(row, 4).toolTip()
    assert not cell(manager, "other", 4).endswith("out of date")


def test_a_long_catalogue_name_is_elided_not_given_the_sources_width(managed, world: Path) -> None:  # type: ignore[no-untyped-def]
    """Trial AZ: a catalogue named "Summer lookbook 2026 (draft, second pass)" took the width, and the Source
    folder column shrank to "/…" under a header reading "ce f"."""
    from sane_desktop.gui.catalogue_manager import NAME_MAX
    from sane_desktop.gui.screenshots import wait_until

    _window, manager = managed
    long_name = "Summer lookbook 2026 (draft, second pass) for the autumn showroom"
    service_on(world).rename_catalogue("other", long_name)
    manager.refresh()
    wait_until(lambda: any(manager.table.item(r, 0).text() == long_name for r in range(manager.table.rowCount())),
               60, "the renamed catalogue listed")
    assert manager.table.columnWidth(0) <= NAME_MAX
    assert manager.table.columnWidth(2) >= 100, manager.table.columnWidth(2)


@needs_qt
def test_manager_goes_back_to_the_built_in_model(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial CD's leftover: a catalogue trained without outfits ranked by looks alone, and only a delete and
    a re-index brought the built-in model back. "Built-in model…" asks, then indexes it again with the model
    built into the app; the open catalogue follows; the button is greyed once there is nothing to go back to."""
    from PySide6.QtWidgets import QMessageBox

    window, manager = managed
    select(manager, "shop")
    assert not cell(manager, "shop", 3).startswith("Built into the app")
    click(manager.builtin_button)
    box = manager.question
    assert isinstance(box, QMessageBox) and "Index “shop” again with the model built into the app?" in box.text()
    # its model is a file elsewhere, not its own: said to stay where it is, not to be kept as the earlier one
    assert "now uses the model " in box.text() and ": that model file stays where it is, no longer used." in box.text()
    click(box.button(QMessageBox.StandardButton.Cancel))  # asked, not done
    qtbot.wait(300)
    assert not cell(manager, "shop", 3).startswith("Built into the app")
    click(manager.builtin_button)
    click(manager.question.button(QMessageBox.StandardButton.Yes))
    # while it runs: a Stop button, and the quit question names a change of model, not a re-sync (trial EL)
    assert manager.stop_button.isVisible() and manager.stop_button.isEnabled()
    assert window.long_work() == "changing a catalogue's model"
    click(manager.stop_button)
    qtbot.waitUntil(lambda: manager.status.text() == "Stopped: “shop” keeps its own model and index.", timeout=60000)
    assert not manager.stop_button.isVisible() and not window.long_work()
    assert not cell(manager, "shop", 3).startswith("Built into the app")
    click(manager.builtin_button)
    click(manager.question.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: "now uses the model built into the app" in manager.status.text(), timeout=180000)
    assert manager.status.text() == "“shop” now uses the model built into the app (6 items indexed)."
    qtbot.waitUntil(lambda: cell(manager, "shop", 3).startswith("Built into the app"), timeout=60000)
    select(manager, "shop")
    assert not manager.builtin_button.isEnabled()
    assert manager.builtin_button.toolTip() == "It already uses the model built into the app."
    select(manager, "other")
    assert manager.builtin_button.isEnabled() and manager.builtin_button.toolTip().startswith("Index the catalogue again")
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "shop"
                    and window.browser_model.rowCount() == 6, timeout=60000)

    # the way back to a model of its own: "Earlier model…" (its model.previous.pt, as a Train keeps the one it
    # replaced) asks, indexes it again with that model, and keeps none for the built-in one it replaced
    select(manager, "shop")
    assert not manager.earlier_button.isEnabled()
    assert manager.earlier_button.toolTip().startswith("It keeps no earlier model")
    shutil.copyfile(world / "model.pt", world / "index" / "shop" / "model.previous.pt")
    manager.refresh()
    qtbot.waitUntil(lambda: any(entry.name == "shop" and entry.earlier_model_at for entry in manager.details),
                    timeout=60000)
    select(manager, "shop")
    assert manager.earlier_button.isEnabled() and manager.earlier_button.toolTip().startswith("Index the catalogue "
                                                                                              "again with the model it used")
    click(manager.earlier_button)
    box = manager.question
    assert isinstance(box, QMessageBox) and "Index “shop” again with the model it used before (written " in box.text()
    # a built-in model stays in the app (trial EL read that it would be kept as the earlier one: none was)
    assert "now uses the model built into the app" in box.text()
    assert "it stays in the app, and Built-in model… brings it back. Every photo" in box.text()
    click(box.button(QMessageBox.StandardButton.Yes))
    from PySide6.QtWidgets import QDialogButtonBox

    closing = manager.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    click(closing)  # closed as a person closes it; it goes on unseen: the window says how it ended (trial EL: "Ready")
    assert not manager.isVisible()
    qtbot.waitUntil(lambda: "uses its earlier model again" in window.statusBar().currentMessage(), timeout=180000)
    assert "uses its earlier model again" in manager.status.text()
    assert manager.status.text() == ("“shop” uses its earlier model again (6 items indexed); the model it replaced was "
                                     "not its own file (built into the app, or elsewhere), so none is kept here.")
    qtbot.waitUntil(lambda: not cell(manager, "shop", 3).startswith("Built into the app"), timeout=60000)
    select(manager, "shop")
    assert not manager.earlier_button.isEnabled() and manager.builtin_button.isEnabled()
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "shop"
                    and window.browser_model.rowCount() == 6, timeout=60000)


# where a rename is killed (os._exit runs no handler, as SIGKILL): after its intent is written, after the folder
# moved, after the database took the new name
KILL_POINTS = {
    "before the move": "service.catalogues.write_intent",
    "after the move": "service.catalogues.finish_rename",
    "after the database": "retrieval.manifest.write_index_manifest",
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_rename_killed_part_way_is_finished_or_forgotten_by_the_next_listing(world: Path, point: str) -> None:
    """Trial DT killed ``catalogues rename dr drk`` right after the folder moved: every command then refused the
    catalogue ("… holds catalogue 'dr', not 'drk'") with no way out said, and renaming it on said
    ``StopIteration``. Killed anywhere, the next listing finds the catalogue whole under one of its names (the
    new one once the folder moved), searching as before; and it renames on."""
    import subprocess
    import sys

    module, _, function = KILL_POINTS[point].rpartition(".")
    kill_after = point != "after the move"  # the intent or the database is written, then the kill
    script = (
        "import os, sys, importlib\n"
        f"module = importlib.import_module('sane_desktop.{module}')\n"
        f"original = getattr(module, {function!r})\n"
        "def killed(*args, **kwargs):\n"
        f"    {'original(*args, **kwargs)' if kill_after else 'pass'}\n"
        "    os._exit(9)\n"
        f"setattr(module, {function!r}, killed)\n"
        "from sane_desktop.service.catalogues import Catalogues, rename_catalogue\n"
        f"rename_catalogue(Catalogues({str(world / 'index')!r}), 'shop', 'drk')\n")
    before = ranked(_opened(world, "shop"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 9, done.stderr[-2000:]
    name = "shop" if point == "before the move" else "drk"
    assert (world / "index" / name).is_dir()
    listing = service_on(world).list_catalogues()
    assert [c.name for c in listing] == [name], listing
    assert not list((world / "index").glob("*/.renaming.json"))
    assert ranked(_opened(world, name)) == before
    info = service_on(world).rename_catalogue(name, "third")
    assert info.name == "third" and ranked(_opened(world, "third")) == before


def test_a_rename_record_of_a_folder_moved_by_hand_is_left_alone(world: Path) -> None:
    """A folder under neither name of its rename record (moved by hand since) keeps the record, unread."""
    from sane_desktop.service.renaming import INTENT_FILE, finish_interrupted_renames

    (world / "index" / "shop" / INTENT_FILE).write_text('{"from": "a", "to": "b", "was": "/x/a"}', encoding="utf-8")
    finish_interrupted_renames(world / "index")
    assert (world / "index" / "shop" / INTENT_FILE).is_file()
    assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]


def _opened(world: Path, name: str) -> CatalogueService:
    service = service_on(world)
    service.open_catalogue(name)
    return service


def test_a_rename_holds_the_writer_lock_until_it_is_done(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial DT: a rename checked that no run wrote the catalogue, then let go; an index starting in the second
    that followed would write the folder being moved. While the database takes its new name, the folder (under
    its new name) is locked; once done, no lock note is left behind."""
    from sane_desktop.service import catalogues as module
    from sane_desktop.service.locking import HOLDER_NAME, writer_running

    seen: list[str | None] = []
    original = module.finish_rename

    def finish(folder: Path, *args: object) -> None:
        seen.append(writer_running(folder))
        original(folder, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "finish_rename", finish)
    service_on(world).rename_catalogue("shop", "lookbook")
    assert seen and seen[0] is not None and "rename shop" in seen[0]
    assert not (world / "index" / "lookbook" / HOLDER_NAME).exists()
    assert writer_running(world / "index" / "lookbook") is None


def test_a_listing_leaves_the_record_of_a_rename_under_way(world: Path) -> None:
    """Trial DU: a listing during a rename removed its record before the folder moved; the rename, killed just
    after the move, then left the catalogue stuck under a name its database did not hold. A record whose rename
    holds the lock is the rename's own: left; once the rename is gone, the listing deals with it."""
    from sane_desktop.service.renaming import INTENT_FILE, write_intent

    from tests.lock_helpers import held_in_another_thread

    folder = world / "index" / "shop"
    with held_in_another_thread(folder, "rename shop"):  # the rename under way, its record written
        write_intent(folder / INTENT_FILE, {"from": "shop", "to": "drk", "was": str(folder.resolve())})
        assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]
        assert (folder / INTENT_FILE).is_file()
    assert [c.name for c in service_on(world).list_catalogues()] == ["shop"]  # never moved: forgotten
    assert not (folder / INTENT_FILE).exists()


def test_the_manager_lists_a_change_made_elsewhere_while_it_is_open(managed, world: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial EL kept Manage catalogues open while a terminal changed a catalogue's model: the row went on naming
    the model and time of before, and the Earlier model… question asked about them. Its folders are watched; an
    idle list is not read again and again."""
    _window, manager = managed
    reads = []
    original = manager.refresh

    def counted_refresh(select: str = "") -> None:
        reads.append(select)
        original(select)

    manager.refresh = counted_refresh  # type: ignore[method-assign]
    qtbot.wait(4000)
    assert reads == []  # nothing changed: nothing read again (its own reading changes no folder)
    before = cell(manager, "other", 3)
    from sane_desktop.models.checkpoint import general_model_path

    CatalogueService(world / "index", model=general_model_path(), device="cpu").index_folder(world / "shop2", "other")
    qtbot.waitUntil(lambda: cell(manager, "other", 3) != before, timeout=60000)
    assert cell(manager, "other", 3).startswith("Built into the app")
