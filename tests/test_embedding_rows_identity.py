"""Trial Z: a database edited by hand answered silently wrong (exit 0, no note). Every
embedding-derived thing an answer uses is checked against the item row it is used for:

1. two ``items`` rows' keys swapped: each item's vector is of the other's photo — refused;
2. two ``item_embeddings`` rows' ``item_pk`` swapped, or one row's ``content_hash`` edited — refused
   (``query --similar`` too);
3. an item moved to another category in the database: the index it came from disagrees — refused;
4. the ``cells`` blobs the tiles' explanations use swapped between rows, or 8 bytes flipped in one:
   their digest no longer matches, they are computed again from the photo (the right map, not another
   item's); rows from before the digest (NULL) are computed from the photo too, and ``index`` refills them.

Each refusal is one line saying to re-index (CLI exit 3), and a re-index mends it.
"""

from __future__ import annotations

import json

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.errors import StaleIndexError
from sane_desktop.service import Catalogues, CatalogueService, building
from tests.retrieval_world import make_catalogue, make_model


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rows-identity")
    return {"shop": make_catalogue(base / "shop", items=40, seed=3), "model": make_model(base / "model.pt")}


@pytest.fixture
def indexed(world: dict[str, Path], tmp_path: Path) -> Path:
    """The catalogue copied and indexed as ``shop`` (a fresh index home per test); its database."""
    root = Path(shutil.copytree(world["shop"], tmp_path / "shop"))
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    return paths.catalogue_dir("shop") / "catalogue.db"


def reindex(world: dict[str, Path], db: Path) -> None:
    building.index_folder(Path(sql(db, "SELECT root FROM catalogues")[0][0]), "shop", world["model"], workers=0,
                          device="cpu")


def sql(db: Path, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements as the sqlite3 shell would (foreign keys off); the last one's rows."""
    rows: list[tuple[Any, ...]] = []
    with sqlite3.connect(db) as connection:
        for statement in statements:
            rows = connection.execute(statement).fetchall()
    return rows


def items_by_category(db: Path) -> dict[str, list[tuple[int, str, str]]]:
    """Catalogue category -> [(pk, item id, content hash)], by pk."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for pk, item_id, content_hash, category in sql(
            db, "SELECT i.id, i.item_id, i.content_hash, c.name FROM items i JOIN categories c "
                "ON c.id = i.category_id ORDER BY i.id"):
        found.setdefault(category, []).append((pk, item_id, content_hash))
    return found


def two_of_a_category(db: Path) -> tuple[str, tuple[int, str, str], tuple[int, str, str]]:
    """A category with two items of different photos, and those two."""
    for category, rows in sorted(items_by_category(db).items(), key=lambda kv: -len(kv[1])):
        for other in rows[1:]:
            if other[2] != rows[0][2]:
                return category, rows[0], other
    raise AssertionError("no category with two different photos")


def outfit_outside(db: Path, category: str) -> list[tuple[int, str]]:
    """One (pk, item id) of each of two other categories."""
    others = [rows[0] for name, rows in sorted(items_by_category(db).items()) if name != category]
    return [(pk, item_id) for pk, item_id, _ in others[:2]]


def refused_in_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], *named: str) -> str:
    capsys.readouterr()
    assert main(argv) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "disagree" in err and "re-index it (sane-desktop index " in err, err
    for name in named:
        assert name in err, err
    return err


def swap(db: Path, table: str, column: str, a: int, b: int) -> None:
    sql(db, f"UPDATE {table} SET {column} = -1 WHERE {column} = {a}",
        f"UPDATE {table} SET {column} = {a} WHERE {column} = {b}",
        f"UPDATE {table} SET {column} = {b} WHERE {column} = -1")


# --- 1: items' keys swapped -----------------------------------------------------------------------
def test_swapped_item_keys_are_refused_not_ranked_with_each_others_scores(
        world: dict[str, Path], indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    category, (a, a_id, _), (b, b_id, _) = two_of_a_category(indexed)
    outfit = outfit_outside(indexed, category)
    query = ["query", "shop", "--category", category, "-k", "100", "--json"]
    for pk, item_id in outfit:
        query += ["--outfit", item_id]
    capsys.readouterr()
    assert main(query) == 0
    swap(indexed, "items", "id", a, b)  # each item row still matches its photo; the vectors do not

    refused_in_one_line(capsys, query, a_id, b_id)
    catalogue = Catalogues(device="cpu").open("shop")  # the window's path: the same refusal
    with pytest.raises(StaleIndexError, match=r"disagree.*re-run sane-desktop index") as raised:
        catalogue.search.search([pk for pk, _ in outfit], category, 100)
    assert raised.value.reindex_helps
    # and an outfit item whose vector is another photo's is refused too
    with pytest.raises(StaleIndexError, match=f"{a_id}|{b_id}"):
        catalogue.search.search([a], "", 5)

    reindex(world, indexed)
    capsys.readouterr()
    assert main(query) == 0


# --- 2: embedding rows moved or edited ------------------------------------------------------------
def test_swapped_embedding_rows_and_an_edited_content_hash_are_refused(
        world: dict[str, Path], indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    category, (a, a_id, _), (b, b_id, _) = two_of_a_category(indexed)
    outfit = outfit_outside(indexed, category)
    similar = ["query", "shop", "--similar", a_id, "-k", "100", "--json"]
    capsys.readouterr()
    assert main(similar) == 0
    swap(indexed, "item_embeddings", "item_pk", a, b)
    refused_in_one_line(capsys, similar, a_id)
    with pytest.raises(StaleIndexError, match="disagree"):  # as a result of another item's query too
        Catalogues(device="cpu").open("shop").search.search([pk for pk, _ in outfit], category, 100)
    reindex(world, indexed)
    capsys.readouterr()
    assert main(similar) == 0

    sql(indexed, f"UPDATE item_embeddings SET content_hash = '{'0' * 64}' WHERE item_pk = {b}")
    refused_in_one_line(capsys, ["query", "shop", "--similar", b_id, "-k", "5", "--json"], b_id)
    refused_in_one_line(capsys, [*similar[:-1], "--category", category, "--json"], b_id)  # b among the results
    reindex(world, indexed)  # a plain index notices the hash and embeds it again
    capsys.readouterr()
    assert main(similar) == 0


def test_a_vector_copied_from_another_row_is_refused_and_mended_by_index(
        world: dict[str, Path], indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AA copied one item's embedding blob onto another's row (its photo hash left as it was):
    the search ranked that item with the other's score, without a word. Each row's vector carries
    its digest; a copied or edited one is refused, and a plain index embeds it again."""
    category, (a, a_id, _), (b, b_id, _) = two_of_a_category(indexed)
    similar = ["query", "shop", "--similar", a_id, "-k", "100", "--json"]
    capsys.readouterr()
    assert main(similar) == 0
    before = capsys.readouterr().out
    sql(indexed, f"UPDATE item_embeddings SET embedding = (SELECT embedding FROM item_embeddings WHERE item_pk = {b}) "
                 f"WHERE item_pk = {a}")
    err = refused_in_one_line(capsys, similar, a_id)
    assert "are not the ones computed for them" in err
    reindex(world, indexed)
    capsys.readouterr()
    assert main(similar) == 0  # embedded again from its photo (alone in its batch: equal to ~1e-6)
    after = json.loads(capsys.readouterr().out)["results"]
    for category_results, was in zip(after.values(), json.loads(before)["results"].values()):
        assert [r["item_id"] for r in category_results] == [r["item_id"] for r in was]
        assert [r["score"] for r in category_results] == pytest.approx([r["score"] for r in was], abs=1e-4)


def test_a_vector_copied_with_its_digest_emptied_is_refused_for_an_outfit_item_too(
        world: dict[str, Path], indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EH: another item's vector in an outfit item's row, its digest set to NULL, was taken as an older
    build's row and ranked the outfit as the other item's, without a word (the results are checked by their
    scores; an outfit item by nothing else). No row of this build's index lacks its digest: refused."""
    category, (a, a_id, _), (b, b_id, _) = two_of_a_category(indexed)
    outfit = ["query", "shop", "--outfit", a_id, "-k", "5", "--json"]
    capsys.readouterr()
    assert main(outfit) == 0
    sql(indexed, f"UPDATE item_embeddings SET embedding = (SELECT embedding FROM item_embeddings WHERE item_pk = {b}), "
                 f"embedding_sha256 = NULL WHERE item_pk = {a}")
    err = refused_in_one_line(capsys, outfit, a_id)
    assert "are not the ones computed for them" in err
    reindex(world, indexed)  # embedded again from its photo, with its digest
    capsys.readouterr()
    assert main(outfit) == 0


# --- 3: an item moved to another category by hand --------------------------------------------------
def test_an_item_moved_to_another_category_is_refused_until_reindexed(
        world: dict[str, Path], indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    category, (a, a_id, _), _ = two_of_a_category(indexed)
    outfit = outfit_outside(indexed, category)
    other = next(name for name in sorted(items_by_category(indexed)) if name != category)
    query = ["query", "shop", "--category", category, "-k", "100", "--json"]
    for _pk, item_id in outfit:
        query += ["--outfit", item_id]
    sql(indexed, f"UPDATE items SET category_id = (SELECT id FROM categories WHERE name = '{other}') WHERE id = {a}")

    err = refused_in_one_line(capsys, query, a_id)
    assert f"now {other}" in err and repr(category) in err
    with pytest.raises(StaleIndexError, match=f"now {other}"):
        Catalogues(device="cpu").open("shop").search.search([pk for pk, _ in outfit], category, 100)

    reindex(world, indexed)  # the import puts it back where its folder says; either way index and db agree
    now = sql(indexed, f"SELECT c.name FROM items i JOIN categories c ON c.id = i.category_id WHERE i.id = {a}")
    capsys.readouterr()
    assert main(query) == 0
    ranked = [row["item_id"] for row in json.loads(capsys.readouterr().out)["results"][category]]
    assert (a_id in ranked) == (now == [(category,)])


# --- 4: the tiles' stored cells ---------------------------------------------------------------------
@pytest.fixture
def tiles(world: dict[str, Path], indexed: Path) -> Iterator[Callable[[], list[Any]]]:
    """The tile explanations of one search's results (a fresh service each call: nothing kept in memory)."""
    services: list[CatalogueService] = []
    home = paths.catalogue_dir("shop").parent
    first: list[list[tuple[int, int]]] = []

    def explain() -> list[Any]:
        service = CatalogueService(home, model=world["model"], device="cpu")
        services.append(service)
        service.open_catalogue("shop")
        if not first:
            chosen: dict[str, int] = {}
            for item in service.items():
                chosen.setdefault(item.category, item.pk)
            results = [r for rs in service.search(list(chosen.values())[:2], "", 3).values() for r in rs]
            first.append([(r.item.pk, r.best_outfit_item()) for r in results])
        return service.explain_tiles(first[0], map_side=28)

    yield explain
    for service in services:
        service.close()


def same_tiles(before: list[Any], after: list[Any]) -> None:
    assert [(t.candidate_pk, t.outfit_pk) for t in after] == [(t.candidate_pk, t.outfit_pk) for t in before]
    for a, b in zip(before, after):  # recomputed in fp32 against the stored fp16: within 2e-2
        assert b.similarity == pytest.approx(a.similarity, abs=2e-2)
        assert np.corrcoef(a.candidate_map.ravel(), b.candidate_map.ravel())[0, 1] > 0.99


def two_candidates(db: Path, before: list[Any]) -> tuple[int, int]:
    """Two tiles' candidates of different categories (other garments: other maps)."""
    candidates = list(dict.fromkeys(t.candidate_pk for t in before))
    by_pk = {pk: category for category, rows in items_by_category(db).items() for pk, _, _ in rows}
    return candidates[0], next(pk for pk in candidates if by_pk[pk] != by_pk[candidates[0]])


def test_swapped_cells_never_draw_another_items_map(indexed: Path, tiles: Callable[[], list[Any]]) -> None:
    before = tiles()
    a, b = two_candidates(indexed, before)
    blobs = dict(sql(indexed, f"SELECT item_pk, cells FROM item_embeddings WHERE item_pk IN ({a}, {b})"))
    with sqlite3.connect(indexed) as connection:  # the cells blobs alone swapped (the rows stay put)
        connection.execute("UPDATE item_embeddings SET cells = ? WHERE item_pk = ?", (blobs[b], a))
        connection.execute("UPDATE item_embeddings SET cells = ? WHERE item_pk = ?", (blobs[a], b))
    same_tiles(before, tiles())


def test_damaged_cells_are_not_used(indexed: Path, tiles: Callable[[], list[Any]]) -> None:
    before = tiles()
    _, b = two_candidates(indexed, before)
    (blob,) = sql(indexed, f"SELECT cells FROM item_embeddings WHERE item_pk = {b}")[0]
    damaged = bytearray(blob)
    middle = len(damaged) // 2
    damaged[middle:middle + 8] = b"\x7b" * 8  # four fp16 values near 6e4: the same size, still a valid blob
    with sqlite3.connect(indexed) as connection:
        connection.execute("UPDATE item_embeddings SET cells = ? WHERE item_pk = ?", (bytes(damaged), b))
    assert sql(indexed, "PRAGMA integrity_check") == [("ok",)]
    same_tiles(before, tiles())


def test_cells_written_before_digests_are_recomputed_and_refilled_by_index(
        world: dict[str, Path], indexed: Path, tiles: Callable[[], list[Any]]) -> None:
    """Rows from before revision 0011 (NULL digest) are not vouched for: their cells come from the
    photo (the same tiles), and the next ``index`` embeds them again with a digest."""
    assert sql(indexed, "SELECT count(*) FROM item_embeddings WHERE cells IS NOT NULL AND cells_sha256 IS NULL") \
        == [(0,)]
    before = tiles()
    sql(indexed, "UPDATE item_embeddings SET cells_sha256 = NULL")
    same_tiles(before, tiles())
    reindex(world, indexed)
    assert sql(indexed, "SELECT count(*) FROM item_embeddings WHERE cells_sha256 IS NULL") == [(0,)]
    same_tiles(before, tiles())


def test_vectors_without_a_digest_are_embedded_again_by_index(world: dict[str, Path], indexed: Path) -> None:
    """Trial CC's leftover: a stored vector with no ``embedding_sha256`` (an older build's row, or one emptied by
    hand) was kept by every ``index`` and never given one. The next index embeds it again, with its digest."""
    assert sql(indexed, "SELECT count(*) FROM item_embeddings WHERE embedding_sha256 IS NULL") == [(0,)]
    before = dict(sql(indexed, "SELECT item_pk, embedding FROM item_embeddings"))
    sql(indexed, "UPDATE item_embeddings SET embedding_sha256 = NULL WHERE item_pk IN "
                 "(SELECT item_pk FROM item_embeddings ORDER BY item_pk LIMIT 3)")
    reindex(world, indexed)
    assert sql(indexed, "SELECT count(*) FROM item_embeddings WHERE embedding_sha256 IS NULL") == [(0,)]
    assert dict(sql(indexed, "SELECT item_pk, embedding FROM item_embeddings")) == before  # the same vectors


def test_revision_0011_adds_the_digest_column_and_keeps_the_rows(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from sane_desktop.store import migrations

    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    config = migrations.alembic_config(url=url)
    command.upgrade(config, "0010")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) VALUES (1, 's', '/s', 'p', 1)"))
        connection.execute(text("INSERT INTO categories(id, catalogue_id, name) VALUES (1, 1, 'tops')"))
        connection.execute(text(
            "INSERT INTO items(id, catalogue_id, item_id, category_id, fine_category, title, description, image_path,"
            " item_group, width, height, image_format, image_mode, content_hash, extra) VALUES"
            " (1, 1, 'a', 1, 'tee', 'red tee', 'soft', 'a.jpg', 'g', 10, 20, 'JPEG', 'RGB', 'h1', '{}')"))
        connection.execute(text("INSERT INTO item_embeddings(item_pk, model_hash, content_hash, embedding, cells, norm,"
                                " updated_at) VALUES (1, 'm', 'h1', x'00', x'0102', 1.0, '2024-01-01')"))
    engine.dispose()
    command.upgrade(config, "0011")
    engine = create_engine(url)
    assert {"cells_sha256", "embedding_sha256"} <= {c["name"] for c in inspect(engine).get_columns("item_embeddings")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT item_pk, cells, cells_sha256, embedding_sha256 FROM item_embeddings"))\
            .all() == [(1, b"\x01\x02", None, None)]
    engine.dispose()
    command.downgrade(config, "0010")
    engine = create_engine(url)
    assert not {"cells_sha256", "embedding_sha256"} & {c["name"] for c in inspect(engine).get_columns("item_embeddings")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT item_pk, cells FROM item_embeddings")).all() == [(1, b"\x01\x02")]
    engine.dispose()
