"""Issue 18, point 3: catalogue text search matches words, not pieces of words — "star" finds "Star
print tee", never "Mustard knit" — over titles, descriptions, fine categories, ids and attribute
names; the last word may be the start of one (the user is typing it). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text

from sane_desktop.catalogue.types import Catalogue, ItemRecord
from sane_desktop.store import browse, db, import_catalogue, migrations, open_store

TITLES = {
    "0001": "Mustard knit jumper",
    "0002": "Star print tee",
    "0003": "Stars and stripes skirt",
    "0004": "Striped linen shirt",
    "0005": "Crème brûlée café dress",
    "0006": "Plain red tee",
    "0007": "赤いシャツ",  # Japanese: no spaces between words
    "0008": "ชุดเดรสสีแดง",  # Thai: neither
    "0009": "लाल कमीज़",  # Hindi: vowel signs inside words
    "0010": "नीली जींस",
    "0011": "빨간셔츠",  # Korean: words joined
    "0012": "القميص الأحمر",  # Arabic: the article joined to its word
    "0013": "Œuvre pants",
}


def catalogue(root: Path, titles: dict[str, str] = TITLES) -> Catalogue:
    items = [
        ItemRecord(item_id=item_id, image_path=f"images/{item_id}.jpg", category="tops", title=title,
                   description="", attributes={"pattern": "paisley"} if item_id == "0006" else {},
                   content_hash=f"{int(item_id):064x}")
        for item_id, title in titles.items()
    ]
    return Catalogue(root=root, format="polyvore", name="words", items=items, outfits=[], splits=[], fitb=[],
                     compatibility=[], skipped=[])


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        (tmp_path / "store").mkdir()
        return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(url: str, tmp_path: Path) -> Engine:
    engine = open_store(url)
    import_catalogue(catalogue(tmp_path), engine, "words")
    yield engine
    engine.dispose()


def found(engine: Engine, query: str) -> set[str]:
    record = browse.catalogue_record(engine, "words")
    rows = browse.item_rows(engine, browse.search_items(engine, record.pk, "", query))
    return {row.item_id for row in rows.values()}


def test_a_word_is_not_found_inside_another(engine: Engine) -> None:
    assert "0001" not in found(engine, "star")  # mu-STAR-d
    assert found(engine, "star") == {"0002", "0003"}  # "Star", and "Stars" as the start of a word
    assert found(engine, "ustard") == set()
    assert found(engine, "mustard") == {"0001"}


def test_every_word_must_match_and_only_the_last_may_be_a_prefix(engine: Engine) -> None:
    assert found(engine, "star tee") == {"0002"}
    assert found(engine, "print TEE") == {"0002"}
    assert found(engine, "tee star") == {"0002"}
    assert found(engine, "stars skirt") == {"0003"}
    assert found(engine, "star skirt") == set()  # "star" is not the last word: whole words only
    assert found(engine, "str") == {"0003", "0004"}  # stripes, striped: the word being typed
    assert found(engine, "red te") == {"0006"}


def test_case_accents_and_punctuation(engine: Engine) -> None:
    assert found(engine, "CREME brulee") == {"0005"}
    assert found(engine, "café") == {"0005"}
    assert found(engine, "star%") == {"0002", "0003"}  # punctuation separates words, no LIKE wildcard
    assert found(engine, "_") == set(TITLES)  # no word at all: no filter
    assert found(engine, "'; drop table items; --") == set()


def test_a_word_of_a_script_without_spaces_is_found_inside_a_phrase(engine: Engine) -> None:
    """Trial AC: "シャツ" (shirt) found no "赤いシャツ" (red shirt): the stored word is the whole phrase."""
    assert found(engine, "シャツ") == {"0007"}
    assert found(engine, "赤い") == {"0007"}
    assert found(engine, "ｼｬﾂ") == {"0007"}  # half-width katakana: the same word
    assert found(engine, "เดรส") == {"0008"}
    assert found(engine, "シャツ tee") == set() and found(engine, "red シャツ") == set()
    record = browse.catalogue_record(engine, "words")  # the browser's counts under the same rule
    from sane_desktop.store.facets import facet_counts

    assert facet_counts(engine, record.pk, {}, text="シャツ").total == 1


def test_vowel_signs_joined_words_and_letters_without_a_decomposition(engine: Engine) -> None:
    """Trial AE: a Devanagari vowel sign split "लाल" (red) into "ल ल", and a search for it listed blue
    jeans too; "셔츠" (shirt) found no "빨간셔츠", "قميص" no "القميص"; "oeuvre" no "Œuvre"."""
    assert browse.search_tokens("लाल कमीज़") == ["लाल", "कमीज"]  # the nukta stacks on its letter: removed, as accents
    assert found(engine, "लाल") == {"0009"}
    assert found(engine, "जींस") == {"0010"}
    assert found(engine, "셔츠") == {"0011"}
    assert found(engine, "قميص") == {"0012"} and found(engine, "أحمر") == {"0012"}
    assert found(engine, "oeuvre") == {"0013"} and found(engine, "ŒUVRE") == {"0013"}


def test_words_split_another_way_change_no_item(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``search_text`` is made from the other columns: a new way of splitting words rewrites it on the next
    import without counting the items as changed or moving the catalogue's revision (its index stays current)."""
    engine = open_store(url)
    import_catalogue(catalogue(tmp_path), engine, "words")
    before = browse.catalogue_record(engine, "words").revision
    with engine.begin() as connection:  # as an older version split them
        connection.execute(text("UPDATE items SET search_text = ' old words '"))
    summary = import_catalogue(catalogue(tmp_path), engine, "words")
    assert summary.changes["items"]["updated"] == 0 and summary.revision == before
    assert found(engine, "mustard") == {"0001"}
    engine.dispose()


def test_attribute_names_and_ids_match(engine: Engine) -> None:
    assert found(engine, "paisley") == {"0006"}
    assert found(engine, "pattern paisley") == {"0006"}
    assert found(engine, "0004") == {"0004"}


def test_reimport_updates_the_words(engine: Engine, tmp_path: Path) -> None:
    renamed = dict(TITLES, **{"0002": "Moon print tee"})
    import_catalogue(catalogue(tmp_path, renamed), engine, "words")
    assert found(engine, "moon") == {"0002"}
    assert found(engine, "star") == {"0003"}


def test_database_at_the_first_revision_is_upgraded_and_searchable(url: str, tmp_path: Path) -> None:
    """Items written before the search words existed (revision 0001) get them on open."""
    command.upgrade(migrations.alembic_config(url=url), migrations.BASELINE)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) "
                                "VALUES (1, 'words', '/shop', 'polyvore', 1)"))
        connection.execute(text("INSERT INTO categories(id, catalogue_id, name) VALUES (1, 1, 'tops')"))
        connection.execute(text(
            "INSERT INTO items(id, catalogue_id, item_id, category_id, fine_category, title, description, image_path,"
            " item_group, width, height, image_format, image_mode, content_hash, extra) VALUES"
            " (1, 1, 'a', 1, 'tee', 'Mustard knit', '', 'a.jpg', '', 1, 1, 'JPEG', 'RGB', 'h1', '{}'),"
            " (2, 1, 'b', 1, 'tee', 'Star print tee', 'Soft Café', 'b.jpg', '', 1, 1, 'JPEG', 'RGB', 'h2', '{}')"))
        connection.execute(text("INSERT INTO attributes(id, catalogue_id, name, kind, item_count) "
                                "VALUES (1, 1, 'pattern:paisley', 'categorical', 1)"))
        connection.execute(text("INSERT INTO item_attributes(item_pk, attribute_pk) VALUES (1, 1)"))
        if connection.dialect.name == "postgresql":
            for table in ("catalogues", "categories", "items", "attributes"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    engine.dispose()

    engine = open_store(url)
    try:
        assert db.schema_revisions(engine) == set(migrations.script_directory().get_heads())
        assert found(engine, "star") == {"b"}
        assert found(engine, "cafe") == {"b"}
        assert found(engine, "paisley") == {"a"}
        assert found(engine, "mustard knit") == {"a"}
    finally:
        engine.dispose()


def test_upgraded_words_equal_imported_ones(tmp_path: Path) -> None:
    """The revision fills the words as the importer writes them: re-importing after the upgrade
    changes no item."""
    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    engine = open_store(url)
    import_catalogue(catalogue(tmp_path), engine, "words")
    with engine.begin() as connection:  # as if written before the revision
        connection.execute(text("UPDATE items SET search_text = ''"))
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        connection.execute(text("ALTER TABLE items DROP COLUMN search_text"))
        connection.execute(text("DROP TABLE saved_outfit_refs"))  # r0012's table
        connection.execute(text("DROP TABLE saved_outfit_items"))  # later revisions' tables (r0003)
        connection.execute(text("DROP TABLE saved_outfits"))
        connection.execute(text("ALTER TABLE items DROP COLUMN file_size"))  # r0004's columns
        connection.execute(text("ALTER TABLE items DROP COLUMN file_mtime_ns"))
        connection.execute(text("DROP TABLE model_checkpoints"))  # r0005's tables
        connection.execute(text("DROP TABLE shared_manifests"))
        connection.execute(text("ALTER TABLE catalogues DROP COLUMN mapping"))  # r0006's column
        connection.execute(text("ALTER TABLE catalogues DROP COLUMN image_check"))  # r0007's column
        connection.execute(text("ALTER TABLE catalogues DROP COLUMN sources"))  # r0008's column
        connection.execute(text("ALTER TABLE items DROP COLUMN file_ctime_ns"))  # r0009's column
        connection.execute(text("ALTER TABLE catalogues DROP COLUMN uid"))  # r0010's column
        connection.execute(text("ALTER TABLE item_embeddings DROP COLUMN cells_sha256"))  # r0011's columns
        connection.execute(text("ALTER TABLE item_embeddings DROP COLUMN embedding_sha256"))
    engine.dispose()
    engine = open_store(url)  # r0002 fills the words by its rule, r0013 splits them again by today's
    try:
        with engine.connect() as connection:
            upgraded = dict(connection.execute(text("SELECT item_id, search_text FROM items")).all())
        assert found(engine, "लाल") == {"0009"} and found(engine, "oeuvre") == {"0013"}  # before any import
        summary = import_catalogue(copy.deepcopy(catalogue(tmp_path)), engine, "words")
        assert summary.changes["items"]["updated"] == 0, summary.changes["items"]
        with engine.connect() as connection:
            assert dict(connection.execute(text("SELECT item_id, search_text FROM items")).all()) == upgraded
        assert found(engine, "star") == {"0002", "0003"}
    finally:
        engine.dispose()


def test_r0013_splits_the_words_of_a_catalogue_not_imported_since(tmp_path: Path) -> None:
    """Words stored by the rule before it ("लाल" as "ल ल", "Œuvre" as "œuvre") are split again by the
    migration, so a catalogue not imported since is found by today's search words, not by nothing."""
    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    engine = open_store(url)
    import_catalogue(catalogue(tmp_path), engine, "words")
    with engine.begin() as connection:  # as r0002's rule stored them, the record set back before r0013
        connection.execute(text("UPDATE items SET search_text = ' ल ल कम ज ' WHERE item_id = '0009'"))
        connection.execute(text("UPDATE items SET search_text = ' œuvre pants ' WHERE item_id = '0013'"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    engine.dispose()
    engine = open_store(url)
    try:
        assert found(engine, "लाल") == {"0009"} and found(engine, "oeuvre") == {"0013"}
        assert found(engine, "star") == {"0002", "0003"}  # the rows without such letters as they were
    finally:
        engine.dispose()


def test_an_edit_of_an_items_labels_alone_is_a_changed_item(url: str, tmp_path: Path) -> None:
    """Trial EV edited one item's colour alone: the re-import stored it, and "items since the last import" said
    nothing (the labels are rows of their own). It counts as one item changed, once."""
    engine = open_store(url)
    try:
        import_catalogue(catalogue(tmp_path), engine, "words")
        edited = catalogue(tmp_path)
        edited.items[0].attributes = {"colour": "mustard"}  # 0001: a label added, nothing else
        edited.items[5].attributes = {}  # 0006: its only label gone
        summary = import_catalogue(edited, engine, "words")
        assert summary.changes["items"] == {"inserted": 0, "updated": 2, "deleted": 0}
        assert import_catalogue(copy.deepcopy(edited), engine, "words").changes["items"]["updated"] == 0
    finally:
        engine.dispose()
