"""Issue 18, point 12: saved outfits in the catalogue database (SQLite and PostgreSQL), through the
service, the r0003 migration up and down, and the CSV of an outfit with its suggestions."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, select, text

from sane_desktop.errors import InputError, NotFound
from sane_desktop.service.outfits import OutfitNameTaken, SavedOutfits, outfit_csv_rows, write_outfit_csv
from sane_desktop.service.values import ItemInfo, SearchResult
from sane_desktop.store import import_catalogue, migrations, open_store
from sane_desktop.store import schema as S

from test_store import small_catalogue


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"
    return str(request.getfixturevalue("postgres_url"))


def pks_by_item_id(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {item_id: pk for pk, item_id in connection.execute(select(S.Item.id, S.Item.item_id))}


def catalogue_pk(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(S.CatalogueRow.id).where(S.CatalogueRow.name == "small")))


def test_save_load_rename_delete_round_trip(url: str, tmp_path: Path) -> None:
    engine = open_store(url)
    catalogue = small_catalogue(tmp_path)
    import_catalogue(copy.deepcopy(catalogue), engine, "small")
    pks = pks_by_item_id(engine)
    outfits = SavedOutfits(engine, catalogue_pk(engine))
    assert outfits.list() == []

    order = [pks["0004"], pks["0000"], -1, pks["0002"]]  # -1: an image from disk, never saved
    saved = outfits.save("  Summer   look ", order)
    assert (saved.name, saved.items, saved.left_out, saved.replaced) == ("Summer look", 3, 1, False)
    loaded = outfits.load(saved.pk)
    assert loaded.item_pks == (pks["0004"], pks["0000"], pks["0002"]) and loaded.missing == 0

    with pytest.raises(OutfitNameTaken):  # an existing name asks to confirm overwrite
        outfits.save("Summer look", [pks["0001"]])
    assert outfits.load(saved.pk).item_pks == loaded.item_pks  # untouched
    again = outfits.save("Summer look", [pks["0001"], pks["0003"]], overwrite=True)
    assert again.pk == saved.pk and again.replaced and again.items == 2
    assert outfits.load(saved.pk).item_pks == (pks["0001"], pks["0003"])

    other = outfits.save("Winter", [pks["0005"]])
    assert [o.name for o in outfits.list()] == ["Summer look", "Winter"]
    with pytest.raises(OutfitNameTaken):
        outfits.rename(other.pk, "Summer look")
    assert outfits.rename(other.pk, "Autumn") == "Autumn"
    assert [o.name for o in outfits.list()] == ["Autumn", "Summer look"]
    with pytest.raises(InputError):
        outfits.save("   ", [pks["0005"]])
    with pytest.raises(InputError, match="images from disk are not saved"):
        outfits.save("Only disk", [-1, -2])

    outfits.delete(other.pk)
    assert [o.name for o in outfits.list()] == ["Summer look"]
    with pytest.raises(NotFound):
        outfits.load(other.pk)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM saved_outfit_items WHERE outfit_pk = :pk"),
                                 {"pk": other.pk}) == 0
    engine.dispose()


def test_a_name_that_shows_nothing_or_looks_like_another_is_no_new_outfit(url: str, tmp_path: Path) -> None:
    """Trial DP: an outfit renamed to two zero-width spaces was listed as “”, and "Café" typed with a separate
    accent was saved beside "Café" as a second outfit that looked the same."""
    import unicodedata

    engine = open_store(url)
    import_catalogue(copy.deepcopy(small_catalogue(tmp_path)), engine, "small")
    pks = pks_by_item_id(engine)
    outfits = SavedOutfits(engine, catalogue_pk(engine))
    composed, decomposed = (unicodedata.normalize(form, "Café") for form in ("NFC", "NFD"))
    first = outfits.save(composed, [pks["0000"]])
    for invisible in ("\u200b\u200b", " \u200b\ufeff ", "\u200e"):
        with pytest.raises(InputError, match="give the outfit a name"):
            outfits.save(invisible, [pks["0001"]])
        with pytest.raises(InputError, match="give the outfit a name"):
            outfits.rename(first.pk, invisible)
    with pytest.raises(OutfitNameTaken):  # the same name to the eye: replace it, or choose another
        outfits.save(decomposed, [pks["0001"]])
    other = outfits.save("Winter", [pks["0002"]])
    with pytest.raises(OutfitNameTaken):
        outfits.rename(other.pk, decomposed)
    assert outfits.rename(first.pk, decomposed) == composed  # itself, respelt: kept composed
    # an outfit saved before names were kept composed is still the one its name in either form finds
    with engine.begin() as connection:
        connection.execute(text("UPDATE saved_outfits SET name = :name WHERE id = :pk"), {"name": decomposed,
                                                                                          "pk": first.pk})
    with pytest.raises(OutfitNameTaken) as taken:
        outfits.save(composed, [pks["0003"]])
    assert taken.value.name == decomposed
    again = outfits.save(composed, [pks["0003"]], overwrite=True)
    assert again.pk == first.pk and [o.name for o in outfits.list()] == [decomposed, "Winter"]
    # an invisible character at an end is no part of a name (trial DQ: "Summer" twice in the list)
    summer = outfits.save("Summer\u200b", [pks["0004"]])
    assert summer.name == "Summer"
    with pytest.raises(OutfitNameTaken):
        outfits.save("\u200eSummer", [pks["0005"]])
    with engine.begin() as connection:  # one saved so before
        connection.execute(text("UPDATE saved_outfits SET name = :name WHERE id = :pk"), {"name": "Summer\u200b",
                                                                                          "pk": summer.pk})
    with pytest.raises(OutfitNameTaken):
        outfits.save("Summer", [pks["0005"]])
    engine.dispose()


def test_an_item_a_reimport_removes_leaves_the_outfit(url: str, tmp_path: Path) -> None:
    engine = open_store(url)
    catalogue = small_catalogue(tmp_path)
    import_catalogue(copy.deepcopy(catalogue), engine, "small")
    pks = pks_by_item_id(engine)
    outfits = SavedOutfits(engine, catalogue_pk(engine))
    saved = outfits.save("Look", [pks["0003"], pks["0004"], pks["0005"]])

    smaller = copy.deepcopy(catalogue)
    smaller.items = [item for item in smaller.items if item.item_id != "0004"]
    smaller.outfits = [outfit for outfit in smaller.outfits if "0004" not in outfit.item_ids]
    smaller.splits = [type(split)(split.protocol, split.split, [o for o in split.outfit_ids if o != "o1"])
                      for split in smaller.splits]
    import_catalogue(smaller, engine, "small")
    assert "0004" not in pks_by_item_id(engine)

    loaded = outfits.load(saved.pk)
    assert loaded.item_pks == (pks["0003"], pks["0005"]) and loaded.missing == 1
    (listed,) = outfits.list()
    assert (listed.saved_items, listed.items, listed.missing) == (3, 2, 1)
    engine.dispose()


def test_migration_r0003_up_and_down(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = migrations.alembic_config(url=url)
    engine = create_engine(url)
    command.upgrade(config, "0002")
    assert "saved_outfits" not in inspect(engine).get_table_names()
    command.upgrade(config, "0003")
    tables = set(inspect(engine).get_table_names())
    assert {"saved_outfits", "saved_outfit_items"} <= tables
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) VALUES (1, 's', '/s', 'p', 1)"))
        connection.execute(text("INSERT INTO saved_outfits(catalogue_id, name, item_count, created_at, updated_at) "
                                "VALUES (1, 'a', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"))
    with pytest.raises(Exception):  # the name is unique per catalogue
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO saved_outfits(catalogue_id, name, item_count, created_at, "
                                    "updated_at) VALUES (1, 'a', 0, '2026-01-01', '2026-01-01')"))
    engine.dispose()
    command.downgrade(config, "0002")
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert not {"saved_outfits", "saved_outfit_items"} & tables and "items" in tables
    engine.dispose()
    command.upgrade(config, "heads")


def item(pk: int, item_id: str, title: str, category: str) -> ItemInfo:
    return ItemInfo(pk, item_id, category, title, Path(f"/x/{item_id}.jpg"), "")


def test_csv_lists_the_outfit_then_each_targets_ranked_results(tmp_path: Path) -> None:
    top, shoe = item(1, "t1", "Red tee", "tops"), item(2, "s1", "=cmd()", "shoes")
    # bags first in the search's order: the window lists a look-alike category after the matches
    results = {"bags": [SearchResult(item(9, "g9", "Tote", "bags"), 0.25, {1: 0.1, 2: 0.15})],
               "bottoms": [SearchResult(item(7, "b7", "Blue jeans", "bottoms"), 0.9, {1: 0.6, 2: 0.3}),
                           SearchResult(item(8, "b8", "Skirt, pleated", "bottoms"), 0.5, {1: 0.5}),
                           # the shoe not compared with it (a space never learnt): its 0 is no share
                           SearchResult(item(6, "b6", "Shorts", "bottoms"), 0.4, {1: 0.4, 2: 0.0},
                                        not_compared=frozenset({2}))]}
    # bags: a category the model has no matches learnt for, its results look-alikes
    path = write_outfit_csv(tmp_path / "look.csv", [top, shoe], results, alike={"bags"})
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == outfit_csv_rows([top, shoe], results, {"bags"})
    # "match": the 0–100 figure the window shows (trial G found raw scores only); "score": the raw sum
    # a look-alike's figure is a likeness, in its own column (trial I: sorting by match mixed the two)
    assert rows[0] == ["section", "target", "rank", "item_id", "title", "category", "ranked_by", "match", "likeness",
                       "score", "share t1", "share s1", "points t1", "points s1"]
    assert rows[1] == ["outfit", "", "1", "t1", "Red tee", "tops", "", "", "", "", "", "", "", ""]
    assert rows[2] == ["outfit", "", "2", "s1", "'=cmd()", "shoes", "", "", "", "", "", "", "", ""]  # never a formula
    assert rows[3] == ["result", "bottoms", "1", "b7", "Blue jeans", "bottoms", "compatibility", "72", "", "0.9000",
                       "0.6000", "0.3000", "15", "7"]  # the badges' points: they add up to the match less 50
    assert rows[4] == ["result", "bottoms", "2", "b8", "Skirt, pleated", "bottoms", "compatibility", "75", "", "0.5000",
                       "0.5000", "", "25", ""]
    # compared with the tee alone: its match is that one cosine's (trial J read half of it, here 60)
    assert rows[5] == ["result", "bottoms", "3", "b6", "Shorts", "bottoms", "compatibility", "70", "", "0.4000",
                       "0.4000", "", "20", ""]
    assert rows[6] == ["result", "bags", "1", "g9", "Tote", "bags", "looks", "", "56", "0.2500", "0.1000", "0.1500",
                       "2", "4"]
    with pytest.raises(InputError, match="cannot write"):
        write_outfit_csv(tmp_path / "missing" / "look.csv", [top], results)


def test_outfit_sheet_heads_look_alikes_as_such_with_the_tiles_match(qapp) -> None:  # type: ignore[no-untyped-def]
    # a category ranked by looks alone was headed "Goes with it" with raw scores (fresh-user trial)
    from gui_helpers import recording_painter
    from PySide6.QtGui import QColor, QImage

    from sane_desktop.gui.saved_outfits import ContactSheet

    top = item(1, "t1", "Red tee", "tops")
    results = {"bags": [SearchResult(item(9, "g9", "Tote", "bags"), -0.2, {1: -0.2})],
               "bottoms": [SearchResult(item(7, "b7", "Blue jeans", "bottoms"), 0.8, {1: 0.8})]}
    sheet = ContactSheet("Look", "shop", [top], results, [], lambda _item: QImage(), alike={"bags"})
    image = QImage(sheet.width, sheet.height(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = recording_painter(image)
    sheet.paint(painter)
    painter.end()
    assert "Goes with it — bottoms (best 1 of 1)" in painter.texts
    assert "Looks like your outfit (no matches learnt) — bags (best 1 of 1)" in painter.texts
    assert "#1 · 90 match" in painter.texts and "#1 · 40 likeness" in painter.texts  # the tiles' 0–100 figure
    assert not any("score" in text for text in painter.texts)
    headings = [text for text in painter.texts if " — " in text and "(best " in text]
    assert headings[0].startswith("Goes with it") and headings[1].startswith("Looks like")  # the window's order
