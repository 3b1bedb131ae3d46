"""Trial AD: a saved outfit lost an item for good when its photo was moved away and back (the same id,
the same photo, re-imported), or when its category folder was renamed (the same photo under a new id),
and the import never said so. A saved outfit now remembers what each position held
(``saved_outfit_refs``): an import links a returning item back — by id, else by its photo — and its
summary names the outfits it took items from or gave items back to. SQLite and PostgreSQL; the r0012
migration fills the references of outfits saved before it."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from sane_desktop.service.outfits import SavedOutfits
from sane_desktop.store import import_catalogue, migrations, open_store
from sane_desktop.store import schema as S

from test_saved_outfits import catalogue_pk, pks_by_item_id
from test_store import small_catalogue


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"
    return str(request.getfixturevalue("postgres_url"))


def without(catalogue, item_id: str):  # type: ignore[no-untyped-def]
    """``catalogue`` with item ``item_id`` gone (and the outfits holding it)."""
    smaller = copy.deepcopy(catalogue)
    smaller.items = [item for item in smaller.items if item.item_id != item_id]
    gone = {outfit.outfit_id for outfit in smaller.outfits if item_id in outfit.item_ids}
    smaller.outfits = [outfit for outfit in smaller.outfits if outfit.outfit_id not in gone]
    smaller.splits = [type(split)(split.protocol, split.split, [o for o in split.outfit_ids if o not in gone])
                      for split in smaller.splits]
    smaller.fitb, smaller.compatibility = [], []
    return smaller


def imported(url: str, tmp_path: Path, catalogue=None):  # type: ignore[no-untyped-def]
    """The small catalogue (or ``catalogue``) imported: (engine, catalogue, item id -> key, its saved outfits)."""
    engine = open_store(url)
    catalogue = catalogue if catalogue is not None else small_catalogue(tmp_path)
    import_catalogue(copy.deepcopy(catalogue), engine, "small")
    return engine, catalogue, pks_by_item_id(engine), SavedOutfits(engine, catalogue_pk(engine))


def test_an_item_moved_away_and_back_returns_to_the_outfit(url: str, tmp_path: Path) -> None:
    engine, catalogue, pks, outfits = imported(url, tmp_path)
    saved = outfits.save("Casual", [pks["0003"], pks["0004"], pks["0005"]])

    away = import_catalogue(without(catalogue, "0004"), engine, "small")
    assert away.saved_outfits == [{"name": "Casual", "saved": 3, "lost": 1, "back": 0, "missing": 1, "photos_replaced": 0}]
    assert outfits.load(saved.pk).missing == 1

    back = import_catalogue(copy.deepcopy(catalogue), engine, "small")  # the photo is back
    assert back.saved_outfits == [{"name": "Casual", "saved": 3, "lost": 0, "back": 1, "missing": 0, "photos_replaced": 0}]
    loaded = outfits.load(saved.pk)
    returned = pks_by_item_id(engine)["0004"]
    assert loaded.item_pks == (pks["0003"], returned, pks["0005"]) and loaded.missing == 0  # in its place
    assert import_catalogue(copy.deepcopy(catalogue), engine, "small").saved_outfits == []  # nothing to say
    engine.dispose()


def test_an_item_under_a_new_id_with_the_same_photo_is_linked_by_its_photo(url: str, tmp_path: Path) -> None:
    engine, catalogue, pks, outfits = imported(url, tmp_path)
    saved = outfits.save("Office", [pks["0006"], pks["0007"]])

    renamed = copy.deepcopy(catalogue)  # its folder renamed: a new id, the same bytes
    renamed.items = [dataclasses.replace(item, item_id="Shirts/0007") if item.item_id == "0007" else item
                     for item in renamed.items]
    renamed.outfits = [outfit for outfit in renamed.outfits if "0007" not in outfit.item_ids]
    renamed.splits = [type(split)(split.protocol, split.split, [o for o in split.outfit_ids if o != "o2"])
                      for split in renamed.splits]
    renamed.fitb, renamed.compatibility = [], []
    summary = import_catalogue(renamed, engine, "small")
    assert summary.saved_outfits == [{"name": "Office", "saved": 2, "lost": 0, "back": 1, "missing": 0, "photos_replaced": 0}]
    now = pks_by_item_id(engine)
    assert "0007" not in now and outfits.load(saved.pk).item_pks == (pks["0006"], now["Shirts/0007"])
    with engine.connect() as connection:  # the reference follows the new id
        assert connection.scalar(select(S.SavedOutfitRef.item_id).where(S.SavedOutfitRef.position == 1)) == \
            "Shirts/0007"
    # an outfit saved again, or deleted, takes its references with it
    outfits.save("Office", [pks["0006"]], overwrite=True)
    import_catalogue(copy.deepcopy(catalogue), engine, "small")
    assert outfits.load(saved.pk).item_pks == (pks["0006"],)
    outfits.delete(saved.pk)
    with engine.connect() as connection:
        assert connection.scalar(select(text("count(*)")).select_from(S.SavedOutfitRef)) == 0
    engine.dispose()


def test_migration_r0012_fills_the_references_of_outfits_saved_before(url: str, tmp_path: Path) -> None:
    engine = open_store(url)
    import_catalogue(copy.deepcopy(small_catalogue(tmp_path)), engine, "small")
    pks = pks_by_item_id(engine)
    SavedOutfits(engine, catalogue_pk(engine)).save("Look", [pks["0001"], pks["0002"]])
    engine.dispose()
    config = migrations.alembic_config(url=url)
    command.downgrade(config, "0011")  # the outfit as a build before r0012 saved it: no references
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM saved_outfit_items")).scalar() == 2
    engine.dispose()
    command.upgrade(config, "0012")
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT position, item_id, content_hash FROM saved_outfit_refs ORDER BY position")) \
            .all() == [(0, "0001", f"{1:064x}"), (1, "0002", f"{2:064x}")]
    engine.dispose()


def test_the_words_say_what_the_import_did_to_each_outfit() -> None:
    from sane_desktop.cli.import_cmd import saved_outfit_lines
    from sane_desktop.service.titles import saved_outfit_words

    assert saved_outfit_words({"name": "Casual", "saved": 3, "lost": 1, "back": 0, "missing": 1}) == (
        "“Casual”: lost 1 of its 3 items (no longer in the catalogue: it comes back if its photo does)")
    assert saved_outfit_words({"name": "Office", "saved": 2, "lost": 0, "back": 1, "missing": 0}) == (
        "“Office”: 1 item found again (back in the folder, or its photo under a new name)")
    assert saved_outfit_words({"name": "Gala", "saved": 4, "lost": 0, "back": 1, "missing": 2}).endswith(
        "; 2 of its 4 items still missing")
    assert saved_outfit_words({"name": "Party", "saved": 2, "lost": 0, "back": 0, "missing": 0,
                               "photos_replaced": 1}) == (
        "“Party”: the photo of 1 item is not the one it was saved with (replaced in the folder): open the outfit to "
        "see it, and save it again to keep it")
    assert saved_outfit_lines([{"name": "A\nB", "saved": 2, "lost": 2, "back": 0, "missing": 2}]) == [
        "  saved outfit “A\\nB”: lost 2 of its 2 items (no longer in the catalogue: they come back if their photos do)"]


def test_index_says_it_and_the_window_service_gets_the_item_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """End to end, as trial AD did it: a photo moved out of the folder and back, ``index`` each time."""
    import shutil

    from sane_desktop.cli import main
    from sane_desktop.service import CatalogueService
    from tests.retrieval_world import make_catalogue, make_model

    root = make_catalogue(tmp_path / "shop", items=30, seed=6)
    model = make_model(tmp_path / "model.pt")
    service = CatalogueService(model=model, device="cpu")
    try:
        service.index_folder(root, "shop")
        service.open_catalogue("shop")
        first, second = service.current().items.infos(list(range(1, 100)))[:2]
        saved = service.save_outfit("Casual", [first.pk, second.pk])
        moved = tmp_path / "away" / second.image_path.name
        moved.parent.mkdir()
        shutil.move(second.image_path, moved)
        capsys.readouterr()
        assert main(["index", str(root), "--name", "shop", "--model", str(model)]) == 0
        out = capsys.readouterr().out
        assert "saved outfit “Casual”: lost 1 of its 2 items" in out, out
        shutil.move(moved, second.image_path)
        assert main(["index", str(root), "--name", "shop", "--model", str(model)]) == 0
        out = capsys.readouterr().out
        assert "saved outfit “Casual”: 1 item found again" in out, out
        loaded = service.load_saved_outfit(saved.pk)
        assert loaded.missing == 0 and len(loaded.item_pks) == 2 and loaded.item_pks[0] == first.pk
    finally:
        service.close()


def test_a_copy_of_the_photo_that_was_there_already_is_never_taken_for_it(url: str, tmp_path: Path) -> None:
    """Trial AD: a blazer whose photo was also a top's (a byte copy under another category) was
    removed; the outfit took the top, "1 item found again", and kept it when the blazer came back."""
    catalogue = small_catalogue(tmp_path)
    blazer = next(item for item in catalogue.items if item.item_id == "0005")
    catalogue.items.append(dataclasses.replace(blazer, item_id="copy-of-0005", category="tops"))
    engine, catalogue, pks, outfits = imported(url, tmp_path, catalogue)
    saved = outfits.save("Weekend", [pks["0003"], pks["0005"]])

    away = import_catalogue(without(catalogue, "0005"), engine, "small")
    assert away.saved_outfits == [{"name": "Weekend", "saved": 2, "lost": 1, "back": 0, "missing": 1, "photos_replaced": 0}]
    assert outfits.load(saved.pk).item_pks == (pks["0003"],)
    back = import_catalogue(copy.deepcopy(catalogue), engine, "small")  # the blazer's photo back: the blazer
    assert back.saved_outfits == [{"name": "Weekend", "saved": 2, "lost": 0, "back": 1, "missing": 0, "photos_replaced": 0}]
    assert outfits.load(saved.pk).item_pks == (pks["0003"], pks_by_item_id(engine)["0005"])
    engine.dispose()


def test_a_copy_that_was_there_already_is_not_taken_when_its_folder_is_renamed(url: str, tmp_path: Path) -> None:
    """Trial AE: the lost blazer's slot took the copy of its photo that had been in the catalogue all
    along, once that copy's folder was renamed (a new id, so "added" by that import)."""
    catalogue = small_catalogue(tmp_path)
    blazer = next(item for item in catalogue.items if item.item_id == "0005")
    catalogue.items.append(dataclasses.replace(blazer, item_id="bottoms/copy", category="bottoms"))
    engine, catalogue, pks, outfits = imported(url, tmp_path, catalogue)
    saved = outfits.save("O1", [pks["0003"], pks["0005"]])
    away = without(catalogue, "0005")
    assert import_catalogue(copy.deepcopy(away), engine, "small").saved_outfits[0]["lost"] == 1
    renamed = copy.deepcopy(away)  # the copy's folder renamed: a new id for a photo that was there before
    renamed.items = [dataclasses.replace(item, item_id="trousers/copy") if item.item_id == "bottoms/copy" else item
                     for item in renamed.items]
    assert import_catalogue(renamed, engine, "small").saved_outfits == []
    assert outfits.load(saved.pk).item_pks == (pks["0003"],) and outfits.load(saved.pk).missing == 1
    engine.dispose()


def test_saving_again_an_outfit_a_reimport_shortened_keeps_its_way_back(url: str, tmp_path: Path) -> None:
    """Trial AF: with the window not yet aware of an import that removed an outfit item, opening the saved
    outfit asked to save the one on screen (the same outfit), and saving it over dropped the removed
    item's reference: it never came back with its photo."""
    engine, catalogue, pks, outfits = imported(url, tmp_path)
    saved = outfits.save("Party", [pks["0003"], pks["0004"]])
    import_catalogue(without(catalogue, "0004"), engine, "small")
    on_screen = [pks["0003"], pks["0004"]]  # the removed item still shown
    assert outfits.matching(on_screen) == "Party"  # no "not saved" question
    outfits.save("Party", on_screen, overwrite=True)  # and a save over it as it is keeps its references
    back = import_catalogue(copy.deepcopy(catalogue), engine, "small")
    assert back.saved_outfits == [{"name": "Party", "saved": 2, "lost": 0, "back": 1, "missing": 0, "photos_replaced": 0}]
    assert outfits.load(saved.pk).item_pks == (pks["0003"], pks_by_item_id(engine)["0004"])
    engine.dispose()


def test_a_photo_replaced_under_its_name_is_said_on_import_on_open_and_kept_by_a_save(url: str, tmp_path: Path) -> None:
    """Trial CM: the boots' photo replaced by a hat's under the same name and indexed again; the saved outfit
    "Party" reopened to the hat under the boots' title, and neither the index nor the window said so."""
    engine, catalogue, pks, outfits = imported(url, tmp_path)
    saved = outfits.save("Party", [pks["0003"], pks["0004"]])
    assert outfits.load(saved.pk).replaced_ids == ()
    other = next(item for item in catalogue.items if item.item_id == "0005")
    replaced = copy.deepcopy(catalogue)  # 0004's file now holds 0005's bytes
    replaced.items = [dataclasses.replace(item, content_hash=other.content_hash) if item.item_id == "0004" else item
                      for item in replaced.items]
    summary = import_catalogue(copy.deepcopy(replaced), engine, "small")
    assert summary.saved_outfits == [{"name": "Party", "saved": 2, "lost": 0, "back": 0, "missing": 0,
                                      "photos_replaced": 1}]
    loaded = outfits.load(saved.pk)
    assert loaded.item_pks == (pks["0003"], pks["0004"]) and loaded.replaced_ids == ("0004",)
    assert [(info.name, info.replaced) for info in outfits.list()] == [("Party", 1)]  # the Open list's mark
    # said once: the next import of the same catalogue has nothing new to say, the outfit still says it on open
    assert import_catalogue(copy.deepcopy(replaced), engine, "small").saved_outfits == []
    assert outfits.load(saved.pk).replaced_ids == ("0004",)
    third = next(item for item in catalogue.items if item.item_id == "0006")
    again = copy.deepcopy(replaced)  # replaced a second time, before the outfit was saved again: said again
    again.items = [dataclasses.replace(item, content_hash=third.content_hash) if item.item_id == "0004" else item
                   for item in again.items]
    assert import_catalogue(again, engine, "small").saved_outfits[0]["photos_replaced"] == 1
    outfits.save("Party", list(loaded.item_pks), overwrite=True)  # saved again as it is: the photo now kept
    assert outfits.load(saved.pk).replaced_ids == ()
    engine.dispose()


def test_an_item_back_under_its_id_with_another_photo_is_said_replaced(url: str, tmp_path: Path) -> None:
    """Trial CO: the cap's photo moved away (the outfit lost it), then another photo under its name: linked back
    by id, its saved photo overwritten with the new one's, so neither the import nor the open said a word."""
    engine, catalogue, pks, outfits = imported(url, tmp_path)
    saved = outfits.save("Office", [pks["0003"], pks["0004"]])
    assert import_catalogue(without(catalogue, "0004"), engine, "small").saved_outfits[0]["lost"] == 1
    other = next(item for item in catalogue.items if item.item_id == "0005")
    back = copy.deepcopy(catalogue)
    back.items = [dataclasses.replace(item, content_hash=other.content_hash) if item.item_id == "0004" else item
                  for item in back.items]
    summary = import_catalogue(back, engine, "small")
    assert summary.saved_outfits == [{"name": "Office", "saved": 2, "lost": 0, "back": 1, "missing": 0,
                                      "photos_replaced": 1}]
    assert outfits.load(saved.pk).replaced_ids == ("0004",)
    engine.dispose()
