"""The store: idempotent imports, in-place updates with stable ids, rollback on cancel, schema
version and revision — on SQLite and on a real PostgreSQL server (migrations: test_migrations.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select, text

from sane_desktop.catalogue.types import (
    Catalogue,
    CompatibilityQuestion,
    FitbQuestion,
    ItemRecord,
    OutfitRecord,
    Skip,
    SplitRecord,
)
from sane_desktop.progress import Cancelled
from sane_desktop.store import StoreError, db, import_catalogue, migrations, open_store, schema_version
from sane_desktop.store import schema as S


def small_catalogue(root: Path) -> Catalogue:
    colours = ["red", "blue", "green"]
    items = [
        ItemRecord(
            item_id=f"{n:04d}", image_path=f"images/{n:04d}.jpg", category=["tops", "bottoms", "shoes"][n % 3],
            title=f"{colours[n % 3]} floral item {n}", description="soft cotton with a floral print",
            attributes={"colour": colours[(n // 3) % 3]}, content_hash=f"{n:064x}",
        )
        for n in range(12)
    ]
    outfits = [OutfitRecord(f"o{k}", [f"{3 * k:04d}", f"{3 * k + 1:04d}", f"{3 * k + 2:04d}"], [1, 2, 3]) for k in range(4)]
    return Catalogue(
        root=root, format="polyvore", name="small", items=items, outfits=outfits,
        splits=[SplitRecord("nondisjoint", "train", ["o0", "o1"]), SplitRecord("nondisjoint", "test", ["o2", "o3"])],
        fitb=[FitbQuestion("nondisjoint", "test", 0, "o2", ["0006", "0007"], ["0008", "0002", "0005", "0011"], 0, 3)],
        compatibility=[CompatibilityQuestion("nondisjoint", "test", 0, 1, ["0006", "0007", "0008"])],
        skipped=[Skip("0099", "images/0099.jpg", "file is empty")],
    )


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = open_store(url)
    yield engine
    engine.dispose()


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, minus import timestamps and the random catalogue token (uid)."""
    metadata = MetaData()
    metadata.reflect(engine)
    rows = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in ("imported_at", "applied_at", "created_at", "updated_at", "uid")]
            rows[table.name] = sorted(tuple(map(repr, row)) for row in connection.execute(select(*columns)))
    return rows


def test_import_writes_every_table(engine: Engine, tmp_path: Path) -> None:
    summary = import_catalogue(small_catalogue(tmp_path), engine, "small")
    assert (summary.items, summary.outfits) == (12, 4)
    assert summary.questions == {"fitb": 1, "compatibility": 1}
    assert summary.skipped == [{"id": "0099", "path": "images/0099.jpg", "reason": "file is empty", "kind": "item"}]
    assert summary.splits == {"nondisjoint": {"train": 2, "test": 2}}
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from items")) == 12
        assert connection.scalar(text("select count(*) from outfit_items")) == 12
        assert connection.scalar(text("select count(*) from categories")) == 3
        assert connection.scalar(text("select count(*) from import_issues")) == 1
        names = set(connection.scalars(select(S.Attribute.name)))
    assert {"colour:red", "colour:blue", "colour:green"} <= names
    assert summary.attributes == len(names)


def test_reimport_is_idempotent(engine: Engine, tmp_path: Path) -> None:
    catalogue = small_catalogue(tmp_path)
    first = import_catalogue(catalogue, engine, "small")
    before = dump(engine)
    second = import_catalogue(copy.deepcopy(catalogue), engine, "small")
    assert dump(engine) == before
    assert second.revision == first.revision
    assert all(not any(c.values()) for c in second.changes.values())


def test_changes_sync_in_place_and_keep_item_ids(engine: Engine, tmp_path: Path) -> None:
    catalogue = small_catalogue(tmp_path)
    first = import_catalogue(catalogue, engine, "small")
    with engine.connect() as connection:
        ids_before = dict(connection.execute(select(S.Item.item_id, S.Item.id)).all())
    changed = copy.deepcopy(catalogue)
    changed.items[0].title = "a new title"
    del changed.items[-1]  # item 0011 disappears, and with it its place in outfit o3
    changed.outfits[3].item_ids.remove("0011")
    second = import_catalogue(changed, engine, "small")
    assert second.changes["items"] == {"inserted": 0, "updated": 1, "deleted": 1}
    assert second.revision == first.revision + 1
    with engine.connect() as connection:
        ids_after = dict(connection.execute(select(S.Item.item_id, S.Item.id)).all())
        assert connection.scalar(select(S.Item.title).where(S.Item.item_id == "0000")) == "a new title"
        assert connection.scalar(text("select count(*) from outfit_items")) == 11
    assert ids_after == {k: v for k, v in ids_before.items() if k != "0011"}


def test_cancel_rolls_back_everything(engine: Engine, tmp_path: Path) -> None:
    catalogue = small_catalogue(tmp_path)
    import_catalogue(catalogue, engine, "small")
    before = dump(engine)
    changed = copy.deepcopy(catalogue)
    for item in changed.items:
        item.title = "changed"
    calls = iter(range(100))
    with pytest.raises(Cancelled):  # stop after the items table was already rewritten
        import_catalogue(changed, engine, "small", should_stop=lambda: next(calls) >= 3)
    assert dump(engine) == before


def test_two_catalogues_share_one_database(engine: Engine, tmp_path: Path) -> None:
    import_catalogue(small_catalogue(tmp_path), engine, "one")
    import_catalogue(small_catalogue(tmp_path), engine, "two")
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from items")) == 24
    import_catalogue(small_catalogue(tmp_path), engine, "one")
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from items")) == 24


def test_schema_version_is_recorded_and_newer_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    engine = open_store(url)
    assert schema_version(engine) == S.SCHEMA_VERSION
    assert db.schema_revisions(engine) == set(migrations.script_directory().get_heads())
    with engine.begin() as connection:
        connection.execute(S.SchemaVersion.__table__.insert().values(version=S.SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(StoreError, match="written by a newer version of SANE Desktop"):
        open_store(url)


def test_bad_url_is_a_clear_error() -> None:
    from sane_desktop.errors import InputError

    with pytest.raises(InputError, match="not a usable database URL"):  # what the user gave: bad input (exit 1)
        open_store("not a url")


def test_a_missing_postgres_driver_is_a_setup_error_naming_the_extra(tmp_path, monkeypatch) -> None:
    """Trial AR: without psycopg a PostgreSQL URL read "cannot use the database … (No module named
    psycopg)" with the database fault's exit code 5; it is the install that lacks a part."""
    import importlib.util

    from sane_desktop.errors import InputError, exit_code
    from sane_desktop.store.db import create_store_engine

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("psycopg") else real(name, *a))
    with pytest.raises(InputError) as caught:
        create_store_engine("postgresql+psycopg://sane:secret@127.0.0.1:1/shared")
    said = str(caught.value)
    assert said == "PostgreSQL support is not installed: pip install 'sane-desktop[postgres]' (psycopg)"
    assert "secret" not in said and exit_code(caught.value) == 1
    with pytest.raises(InputError, match="asks for the psycopg2 driver, which is not installed"):
        create_store_engine("postgresql+psycopg2://sane@127.0.0.1:1/shared")


def test_psycopg_without_a_libpq_is_a_setup_error_naming_the_extra(monkeypatch) -> None:
    """Trial AS: psycopg installed without its binary (no libpq) read "cannot use the database … (no pq
    wrapper available.)", exit 5."""
    import importlib
    import sys

    from sane_desktop.errors import InputError
    from sane_desktop.store.db import create_store_engine

    real = importlib.import_module

    def no_libpq(name, *args):  # type: ignore[no-untyped-def]
        if name == "psycopg":
            raise ImportError("no pq wrapper available.\nAttempts:\n- couldn't import psycopg 'c' implementation")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_libpq)
    monkeypatch.delitem(sys.modules, "psycopg", raising=False)
    with pytest.raises(InputError) as caught:
        create_store_engine("postgresql+psycopg://sane:secret@127.0.0.1:1/shared")
    said = str(caught.value)
    assert said.startswith("PostgreSQL support is incomplete: psycopg finds no libpq (no pq wrapper available.)")
    assert "sane-desktop[postgres]" in said and "secret" not in said and "\n" not in said


def test_a_bundled_model_gone_from_the_install_says_how_to_restore_it(tmp_path) -> None:
    from sane_desktop.models.checkpoint import BUNDLED_WAY_OUT, CheckpointError, demo_model_path, load_checkpoint

    gone = demo_model_path().parent / "no-such-bundled.pt"
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(gone)
    assert str(caught.value) == f"checkpoint not found: {gone} ({BUNDLED_WAY_OUT})"
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(tmp_path / "mine.pt")
    assert str(caught.value) == f"checkpoint not found: {tmp_path / 'mine.pt'}"


def test_titles_and_outfit_names_sort_case_folded_beyond_ascii(engine: Engine, tmp_path: Path) -> None:
    """Trial CP: SQLite's lower() folds ASCII only, so "Écharpe" sorted after "zebra" (and a list cut at its
    first 5,000 items cut the wrong ones); PostgreSQL's does not. Both now sort as Python folds."""
    import dataclasses

    from sane_desktop.service.outfits import SavedOutfits
    from sane_desktop.store.facets import filtered_item_pks

    catalogue = small_catalogue(tmp_path)
    titles = ["zebra", "Écharpe", "apron", "İpek", "Ö-ring", "bag"]
    catalogue.items = [dataclasses.replace(item, title=title) for item, title in zip(catalogue.items, titles)]
    catalogue.outfits, catalogue.splits, catalogue.fitb, catalogue.compatibility = [], [], [], []
    import_catalogue(catalogue, engine, "small")
    catalogue_pk = engine.connect().execute(select(S.CatalogueRow.id)).scalar_one()
    by_pk = dict(engine.connect().execute(select(S.Item.id, S.Item.title)).all())
    ordered = [by_pk[pk] for pk in filtered_item_pks(engine, catalogue_pk, {}, sort="title")]
    outfits = SavedOutfits(engine, catalogue_pk)
    pks = list(by_pk)
    for name in ("zoo", "Éte", "apero"):
        outfits.save(name, pks[:2])
    names = [info.name for info in outfits.list()]
    from sane_desktop.store.browse import category_names
    from sane_desktop.store.words import sort_key

    # the window's re-sort and the category lists sort as SQLite does (trial CQ: "Écharpe" after "Zebra" again)
    assert sorted(titles, key=sort_key) == ["apron", "bag", "Écharpe", "İpek", "Ö-ring", "zebra"]
    assert sorted(["Şapka", "İç giyim", "Ayakkabı", "Zıpla"], key=sort_key) == ["Ayakkabı", "İç giyim", "Şapka", "Zıpla"]
    assert category_names(engine, catalogue_pk) == ["bottoms", "shoes", "tops"]
    if engine.dialect.name != "sqlite":  # a server sorts by its own collation: the same items, in its order
        assert sorted(ordered) == sorted(titles) and sorted(names) == ["apero", "zoo", "Éte"]
        return
    assert ordered == ["apron", "bag", "Écharpe", "İpek", "Ö-ring", "zebra"]
    assert names == ["apero", "Éte", "zoo"]
