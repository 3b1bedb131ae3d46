"""New-user trial: a manifest catalogue imported with a mapping file kept outside its folder was
silently re-imported as a plain folder of photos by Re-sync, "Re-index now" or a plain ``index``
(one category, titles "Photo", attributes gone, new item ids, saved outfits emptied).

- the catalogue records the mapping it was imported with (``catalogues.mapping``, revision 0006),
  and a re-import given none reads it again: same items, categories, attributes and ids;
- that mapping gone or unreadable: refused in one line, the database unchanged;
- a folder that now reads in another format than the stored catalogue: refused naming both,
  unless ``--replace`` says so; a mapping given explicitly replaces the recorded one, and says so;
- the catalogue manager's Re-sync goes the same way, its refusal one line in the dialog.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from alembic import command
from sqlalchemy import create_engine, func, inspect, select, text, update

from sane_desktop.cli import main as cli_main
from sane_desktop.errors import InputError
from sane_desktop.store import migrations, open_store
from sane_desktop.store import schema as S
from sane_desktop.store.importer import import_folder, stored_catalogue

from catalogue_fixtures import write_manifest_catalogue


@pytest.fixture
def hm30(tmp_path: Path) -> tuple[Path, Path]:
    """A 12-item manifest catalogue ``hm30`` whose mapping lives outside it, as ``other/mapping.json``."""
    root = tmp_path / "hm30"
    write_manifest_catalogue(root)
    mapping = tmp_path / "other" / "mapping.json"
    mapping.parent.mkdir()
    (root / "sane-mapping.json").rename(mapping)
    return root, mapping


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"


def state(url: str) -> dict[str, object]:
    """What a re-import must keep: items (id -> pk, category, title), attributes, revision, format, mapping."""
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            items = {row.item_id: (row.id, row.name, row.title) for row in connection.execute(
                select(S.Item.item_id, S.Item.id, S.Category.name, S.Item.title)
                .join(S.Category, S.Category.id == S.Item.category_id))}
            attributes = sorted(connection.scalars(select(S.Attribute.name)))
            links = connection.scalar(select(func.count()).select_from(S.ItemAttribute))
            catalogue = connection.execute(select(S.CatalogueRow.revision, S.CatalogueRow.format,
                                                  S.CatalogueRow.mapping)).one()
    finally:
        engine.dispose()
    return {"items": items, "attributes": attributes, "links": links, "revision": catalogue.revision,
            "format": catalogue.format, "mapping": catalogue.mapping}


def test_reimport_without_the_mapping_reads_it_as_before(hm30: tuple[Path, Path], tmp_path: Path) -> None:
    root, mapping = hm30
    url = db_url(tmp_path)
    engine, first = import_folder(root, "hm30", url, mapping)
    engine.dispose()
    assert first.format == "manifest" and first.items == 12 and first.mapping == str(mapping.resolve())
    before = state(url)
    assert {category for _pk, category, _title in before["items"].values()} == {"tops", "bottoms", "shoes"}  # type: ignore[attr-defined]
    assert before["attributes"] and before["mapping"] == str(mapping.resolve())

    engine, again = import_folder(root, "hm30", url)  # no mapping: the recorded one
    engine.dispose()
    assert again.format == "manifest" and again.items == 12 and not again.mapping_changed
    assert again.changes["items"] == {"inserted": 0, "updated": 0, "deleted": 0}
    assert not [s for s in again.skipped if "not an image" in s["reason"]]
    assert state(url) == before  # same ids, categories, titles, attributes; revision unchanged


def test_mapping_gone_or_unreadable_is_refused_in_one_line_and_nothing_changes(
        hm30: tuple[Path, Path], tmp_path: Path) -> None:
    root, mapping = hm30
    url = db_url(tmp_path)
    import_folder(root, "hm30", url, mapping)[0].dispose()
    before = state(url)
    mapping.unlink()
    with pytest.raises(InputError) as refused:
        import_folder(root, "hm30", url)
    message = str(refused.value)
    assert message == (f"catalogue 'hm30' was imported with the mapping {mapping.resolve()}, which is gone: put it "
                       "back, or give the mapping with --mapping FILE")
    assert "\n" not in message and state(url) == before

    mapping.mkdir()  # there, but not a file that can be read
    with pytest.raises(InputError, match="which cannot be read"):
        import_folder(root, "hm30", url)
    assert state(url) == before


def test_a_folder_that_would_change_format_is_refused_unless_replaced(hm30: tuple[Path, Path],
                                                                      tmp_path: Path) -> None:
    root, mapping = hm30
    url = db_url(tmp_path)
    import_folder(root, "hm30", url, mapping)[0].dispose()
    engine = open_store(url)
    with engine.begin() as connection:  # imported before the catalogue recorded its mapping (r0006)
        connection.execute(update(S.CatalogueRow).values(mapping=None))
    engine.dispose()
    before = state(url)
    with pytest.raises(InputError) as refused:
        import_folder(root, "hm30", url)
    message = str(refused.value)
    assert "\n" not in message and "as a manifest catalogue" in message and "as a folder catalogue" in message
    assert "--mapping" in message and "--replace" in message and state(url) == before

    engine, replaced = import_folder(root, "hm30", url, replace=True)  # on purpose: a folder catalogue now
    engine.dispose()
    assert replaced.format == "folder" and state(url)["format"] == "folder"


def test_the_folders_own_mapping_is_not_recorded_and_its_loss_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    write_manifest_catalogue(root)
    url = db_url(tmp_path)
    engine, summary = import_folder(root, "shop", url, root / "sane-mapping.json")  # found again anyway
    engine.dispose()
    assert summary.format == "manifest" and summary.mapping is None and state(url)["mapping"] is None
    before = state(url)
    (root / "sane-mapping.json").unlink()
    with pytest.raises(InputError, match="was imported as a manifest catalogue.*now reads as a folder catalogue"):
        import_folder(root, "shop", url)
    assert state(url) == before


def test_a_different_mapping_given_is_used_recorded_and_said(hm30: tuple[Path, Path], tmp_path: Path) -> None:
    root, mapping = hm30
    url = db_url(tmp_path)
    import_folder(root, "hm30", url, mapping)[0].dispose()
    changed = json.loads(mapping.read_text())
    changed["items"]["title"] = "detail_desc"
    other = tmp_path / "mapping-v2.json"
    other.write_text(json.dumps(changed))
    engine, summary = import_folder(root, "hm30", url, other)
    engine.dispose()
    assert summary.mapping_changed and summary.mapping_before == str(mapping.resolve())
    assert summary.as_dict()["mapping"] == str(other.resolve())
    after = state(url)
    assert after["mapping"] == str(other.resolve())
    assert {title for _pk, _category, title in after["items"].values()} == {"Soft jersey with wide stripes."}  # type: ignore[attr-defined]
    engine, again = import_folder(root, "hm30", url)  # the new one is remembered
    engine.dispose()
    assert not again.mapping_changed and again.changes["items"]["updated"] == 0


def test_plain_import_command_reads_the_recorded_mapping(hm30: tuple[Path, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root, mapping = hm30
    url = db_url(tmp_path)
    assert cli_main(["import", str(root), "--db", url, "--mapping", str(mapping), "--json"]) == 0
    capsys.readouterr()
    assert cli_main(["import", str(root), "--db", url, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "manifest" and result["mapping"] == str(mapping.resolve())
    mapping.unlink()
    assert cli_main(["import", str(root), "--db", url]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: catalogue 'hm30' was imported with the mapping") and "\n" not in err


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_migration_r0006_up_and_down(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = migrations.alembic_config(url=url)
    engine = create_engine(url)
    command.upgrade(config, "0005")
    assert "mapping" not in {c["name"] for c in inspect(engine).get_columns("catalogues")}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) VALUES (1, 's', '/s', 'p', 1)"))
    engine.dispose()
    command.upgrade(config, "0006")
    engine = create_engine(url)
    assert "mapping" in {c["name"] for c in inspect(engine).get_columns("catalogues")}
    with engine.begin() as connection:  # the stored catalogue kept, with no mapping recorded
        assert connection.execute(text("SELECT name, mapping FROM catalogues")).all() == [("s", None)]
        connection.execute(text("UPDATE catalogues SET mapping = '/m/mapping.json'"))
    engine.dispose()
    command.downgrade(config, "0005")
    engine = create_engine(url)
    assert "mapping" not in {c["name"] for c in inspect(engine).get_columns("catalogues")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, revision FROM catalogues")).all() == [("s", 1)]
    engine.dispose()
    command.upgrade(config, "heads")


# --- the window: Re-sync in the catalogue manager goes the same way ---------------------------------
needs_qt = pytest.mark.skipif(__import__("importlib").util.find_spec("pytestqt") is None, reason="pytest-qt")


@needs_qt
def test_manager_resync_keeps_the_mapping_and_says_when_it_is_gone(hm30: tuple[Path, Path], tmp_path: Path,
                                                                   qtbot) -> None:  # type: ignore[no-untyped-def]
    from gui_helpers import open_window
    from test_catalogue_management import cell, click, select

    from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from sane_desktop.service import building

    root, mapping = hm30
    home = tmp_path / "index"
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "model.pt", ModelBundle(CompatibilityNet(["tops", "bottoms", "shoes"], width=16),
                                                       None, Preprocessing()))
    url = f"sqlite:///{(home / 'hm30' / 'catalogue.db').as_posix()}"
    # as `sane-desktop index hm30 --mapping other/mapping.json` lays it out in the index home
    building.index_folder(root, "hm30", tmp_path / "model.pt", db_url=url, index_dir=home / "hm30", mapping=mapping,
                          device="cpu")
    before = state(url)
    window, client = open_window({"index": home, "model": tmp_path / "model.pt", "root": tmp_path}, qtbot)
    try:
        window.manage_action.trigger()
        manager = window.catalogue_manager
        assert manager is not None
        qtbot.waitUntil(lambda: manager.table.rowCount() == 1, timeout=60000)
        select(manager, "hm30")
        click(manager.resync_button)
        qtbot.waitUntil(lambda: "Re-synced" in manager.status.text(), timeout=120000)
        assert cell(manager, "hm30", 1) == "12" and state(url)["items"] == before["items"]
        assert state(url)["format"] == "manifest"

        mapping.unlink()
        select(manager, "hm30")
        qtbot.waitUntil(manager.resync_button.isEnabled, timeout=60000)
        click(manager.resync_button)
        qtbot.waitUntil(lambda: "which is gone" in manager.status.text(), timeout=120000)
        assert manager.status.text().startswith("Catalogue 'hm30' was imported with the mapping")  # a sentence
        assert "\n" not in manager.status.text() and "Traceback" not in manager.status.text()
        assert state(url)["items"] == before["items"] and cell(manager, "hm30", 1) == "12"
        manager.close()
    finally:
        client.shutdown()
    stored = stored_catalogue(engine := open_store(url), "hm30")
    engine.dispose()
    assert stored is not None and stored.mapping == str(mapping.resolve())


def test_every_service_reader_reads_the_folder_as_its_import_did(hm30: tuple[Path, Path], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Train, adapt, evaluate and the index dialog's plan read a source folder through one reader,
    which falls back on the recorded mapping: never a plain folder of photos for want of --mapping."""
    from sane_desktop.service.sources import read_source, source_mapping

    root, mapping = hm30
    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "home"))
    assert source_mapping(root) is None and read_source(root, validate_images=False).format == "folder"
    from sane_desktop import paths

    engine, _ = import_folder(root, "hm30", f"sqlite:///{paths.catalogue_dir('hm30') / 'catalogue.db'}", mapping)
    engine.dispose()
    assert source_mapping(root) == mapping.resolve()
    read = read_source(root, validate_images=False)
    assert read.format == "manifest" and len(read.items) == 12
    other = tmp_path / "elsewhere.json"
    assert source_mapping(root, other) == other  # a mapping given wins
    assert source_mapping(tmp_path / "another-folder", name="hm30") is None  # recorded for another folder
    assert source_mapping(tmp_path / "<h1>x") is None  # no valid catalogue name: never imported, never an error


def test_reading_a_folder_looks_at_its_store_without_changing_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Train and evaluate only read a source folder; the look for its recorded mapping used to open
    the store for writing, which migrated an older database (an older SANE Desktop could then no
    longer open it) and switched its journal mode. Now the look is read-only: the file keeps its
    bytes and its revision, and a store written before the mapping was recorded has none to give."""
    import hashlib

    from sane_desktop import paths
    from sane_desktop.service.sources import source_mapping

    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "home"))
    root = tmp_path / "closet"
    root.mkdir()
    database = paths.catalogue_dir("closet") / "catalogue.db"
    database.parent.mkdir(parents=True)
    url = f"sqlite:///{database}"
    command.upgrade(migrations.alembic_config(url=url), "0005")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) "
                                "VALUES (1, 'closet', :root, 'folder', 1)"), {"root": str(root.resolve())})
    engine.dispose()
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    assert source_mapping(root) is None
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    engine = create_engine(url)
    assert "mapping" not in {c["name"] for c in inspect(engine).get_columns("catalogues")}  # not migrated
    engine.dispose()
