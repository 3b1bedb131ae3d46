"""Issue 19, point 2: a shared (PostgreSQL + pgvector) catalogue's index manifest and model live on
its server, so a second computer searches and explains it with nothing copied over (a real server:
PyPI's ``pgserver``; skipped, with the reason, where it cannot run).

"Machine A" indexes a small demo catalogue into the server from its own index home; "machine B"
opens it by URL from another, empty index home, with A's model file gone:

- B's search results and explanation equal A's (the model comes from the server, with the
  attribute selection shipped beside it);
- A re-indexes with another model: B's open catalogue refuses with one line (never the old
  answer); opened again, B answers as A does with the new model, and the server keeps only the
  new model's checkpoint;
- a manifest row changed by hand (text, or text and checksum together), a missing row, and
  checkpoint bytes changed by hand are each refused with one clear line;
- no checkpoint on the server: a model file on B with the right content hash is used, none is one
  line naming the missing model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")

from pg_helpers import pg_server, vector_database  # noqa: E402
from retrieval_world import make_catalogue, make_model  # noqa: E402

from sane_desktop.errors import ModelError, StaleIndexError  # noqa: E402
from sane_desktop.explain.pipeline import SelectionModel  # noqa: E402
from sane_desktop.models.checkpoint import stored_content_hash  # noqa: E402
from sane_desktop.retrieval.indexing import index_catalogue  # noqa: E402
from sane_desktop.service.catalogues import Catalogues, OpenCatalogue  # noqa: E402

NAME = "shop"
ITEMS = 40


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    """A pgserver instance with database ``shared`` (vector extension on): SQLAlchemy and libpq URLs."""
    with pg_server("sane-shared-manifest-") as pg:
        url, libpq = vector_database(pg, "shared")
        yield {"url": url, "libpq": libpq}


def sql(server: dict[str, str], statement: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(server["libpq"], autocommit=True) as connection:
        cursor = connection.execute(statement, args or None)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def world(server: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo catalogue indexed into the server from machine A's index home with model A (its
    tuned attribute selection beside it); model B for the re-index."""
    base = tmp_path_factory.mktemp("shared-manifest")
    source = make_catalogue(base / "source", items=ITEMS)
    model_a = make_model(base / "a" / "model.pt", seed=0)
    model_b = make_model(base / "b" / "model.pt", seed=1)
    selection = SelectionModel.default(["red", "blue", "striped", "floral"])
    selection.tuned, selection.prior = True, [0.4, 0.3, 0.2, 0.1]
    from sane_desktop.models import load_checkpoint

    selection.model_hash = load_checkpoint(model_a).content_hash  # as `train` records it beside its model
    selection.save(model_a.with_suffix(".selection.json"))
    index_catalogue(source, NAME, model_a, db_url=server["url"], workers=0, index_dir=base / "home-a" / NAME,
                    device="cpu", vector_backend="pgvector")
    return {"base": base, "source": source, "model_a": model_a, "model_b": model_b, "home_a": base / "home-a"}


def answers(catalogue: OpenCatalogue) -> tuple[dict[str, list[tuple[str, float]]], Any]:
    """Search results for a two-item outfit (item id, score per category) and the explanation of the
    first result of its first category."""
    outfit = first_pks(catalogue, 2)
    found = catalogue.search.search(outfit, k=5)
    ranked = {category: [(hit.item.item_id, round(hit.score, 5)) for hit in hits] for category, hits in found.items()}
    category = sorted(category for category, hits in found.items() if hits)[0]
    top = found[category][0]
    explanation = catalogue.explanations.explain_pair(top.item, catalogue.items.get(outfit[0]), use_cache=False)
    return ranked, explanation


def first_pks(catalogue: OpenCatalogue, n: int) -> list[int]:
    from sqlalchemy import select

    from sane_desktop.store import schema as S

    with catalogue.items.engine.connect() as connection:
        return [int(pk) for pk in connection.execute(select(S.Item.id).order_by(S.Item.id).limit(n)).scalars()]


def same_explanation(a: Any, b: Any) -> None:
    assert a.model_hash == b.model_hash and a.space == b.space and a.selection_tuned == b.selection_tuned
    assert a.similarity == pytest.approx(b.similarity, abs=1e-6)
    np.testing.assert_allclose(a.query_map, b.query_map, atol=1e-6)
    np.testing.assert_allclose(a.candidate_map, b.candidate_map, atol=1e-6)
    assert [s.name for s in a.attributes] == [s.name for s in b.attributes]


def one_line(error: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(error.value)
    assert text and "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture
def hidden_model_a(world: dict[str, Path]) -> Iterator[Path]:
    """Model A's file moved away (machine B has no model file); put back afterwards."""
    away = world["base"] / "away.pt"
    shutil.move(world["model_a"], away)
    try:
        yield away
    finally:
        shutil.move(away, world["model_a"])


def test_second_machine_searches_and_explains_like_the_first(server, world, hidden_model_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # machine A: its own index home, its model file in place (read before it is hidden: a copy)
    shutil.copy(hidden_model_a, world["model_a"])
    a = Catalogues(world["home_a"]).open(NAME, db_url=server["url"])
    try:
        assert a.model.path == world["model_a"]
        expected, explained_a = answers(a)
    finally:
        a.close()
    world["model_a"].unlink()
    assert expected and all(expected.values())
    # machine B: an empty index home, no model file anywhere
    home_b = tmp_path / "home-b"
    b = Catalogues(home_b).open(NAME, db_url=server["url"])
    try:
        fetched = home_b / NAME / "checkpoints"
        assert b.model.path.parent == fetched and b.model.path.is_file()
        assert b.model.path.with_suffix(".selection.json").is_file()  # the tuned selection came along
        got, explained_b = answers(b)
    finally:
        b.close()
    assert got == expected
    same_explanation(explained_a, explained_b)
    assert explained_b.selection_tuned
    # the server's manifest is byte for byte the one beside A's index
    (text,) = sql(server, "SELECT manifest FROM shared_manifests")[0]
    assert (home_b / NAME / "manifest.json").read_text(encoding="utf-8") == text
    assert (world["home_a"] / NAME / "manifest.json").read_text(encoding="utf-8") == text


def test_a_vector_changed_by_hand_on_the_server_is_refused_not_ranked(server, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial CX set a row of a pgvector table to another item's vector: that item entered `--similar`'s top 3
    scored by its real embedding (-0.21), pushing out a better one (+0.56), exit 0. The index's score of every
    hit is now checked against the database's embeddings: refused in one line, until the vector is back."""
    b = open_b(server, tmp_path / "b")
    try:
        outfit = first_pks(b, 2)
        found = b.search.search(outfit, k=ITEMS)
        category = sorted(category for category, hits in found.items() if len(hits) >= 4)[0]
        best, worst = found[category][0], found[category][-1]
        table = json.loads(sql(server, "SELECT manifest FROM shared_manifests")[0][0])["indexes"][category]["file"]
        (kept,) = sql(server, f"SELECT embedding::text FROM {table} WHERE id = %s", worst.item.pk)[0]
        sql(server, f"UPDATE {table} SET embedding = (SELECT embedding FROM {table} WHERE id = %s) WHERE id = %s",
            best.item.pk, worst.item.pk)
        try:
            with pytest.raises(StaleIndexError) as raised:
                b.search.search(outfit, k=3)
            said = one_line(raised)
            assert f"the index of {category!r} holds other vectors than the catalogue's database" in said
            assert worst.item.item_id in said and "re-run sane-desktop index" in said
        finally:
            sql(server, f"UPDATE {table} SET embedding = %s::vector WHERE id = %s", kept, worst.item.pk)
        again = b.search.search(outfit, k=3)[category]
        assert [hit.item.item_id for hit in again] == [hit.item.item_id for hit in found[category][:3]]
    finally:
        b.close()


def test_reindex_with_another_model_is_noticed(server, world, hidden_model_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home_b = tmp_path / "home-b"
    b = Catalogues(home_b).open(NAME, db_url=server["url"])
    try:
        before, _ = answers(b)
        # machine A re-indexes with model B
        index_catalogue(world["source"], NAME, world["model_b"], db_url=server["url"], workers=0,
                        index_dir=world["home_a"] / NAME, device="cpu", vector_backend="pgvector")
        outfit = first_pks(b, 2)
        with pytest.raises(StaleIndexError) as searching:
            b.search.search(outfit, k=5)
        assert "re-indexed on its server with another model" in one_line(searching)
        with pytest.raises(StaleIndexError) as explaining:
            b.explanations.explain_pair(b.items.get(outfit[1]), b.items.get(outfit[0]), use_cache=False)
        assert "open it again" in one_line(explaining)
    finally:
        b.close()
    hash_b = stored_content_hash(world["model_b"])
    assert [row[0] for row in sql(server, "SELECT content_hash FROM model_checkpoints")] == [hash_b]
    a = Catalogues(world["home_a"]).open(NAME, db_url=server["url"])
    try:
        expected, explained_a = answers(a)
    finally:
        a.close()
    shutil.move(world["model_b"], tmp_path / "away-b.pt")  # B has neither model's file
    again = Catalogues(home_b).open(NAME, db_url=server["url"])
    try:
        got, explained_b = answers(again)
        assert again.model.path.name == f"{hash_b}.pt"
        assert not (home_b / NAME / "checkpoints" / f"{stored_content_hash(hidden_model_a)}.pt").exists()
    finally:
        again.close()
        shutil.move(tmp_path / "away-b.pt", world["model_b"])
    assert got == expected != before
    same_explanation(explained_a, explained_b)
    assert explained_b.model_hash == hash_b


@pytest.fixture
def saved_rows(server: dict[str, str]) -> Iterator[None]:
    """The manifest and checkpoint rows as they are, restored after the test changes them."""
    manifests = sql(server, "SELECT catalogue_id, model_hash, manifest, sha256, updated_at FROM shared_manifests")
    checkpoints = sql(server, "SELECT content_hash, file_sha256, size, name, data, selection, created_at "
                              "FROM model_checkpoints")
    yield
    sql(server, "DELETE FROM shared_manifests")
    sql(server, "DELETE FROM model_checkpoints")
    for row in manifests:
        sql(server, "INSERT INTO shared_manifests VALUES (%s, %s, %s, %s, %s)", *row)
    for row in checkpoints:
        sql(server, "INSERT INTO model_checkpoints VALUES (%s, %s, %s, %s, %s, %s, %s)", *row)


def open_b(server: dict[str, str], home: Path) -> OpenCatalogue:
    return Catalogues(home).open(NAME, db_url=server["url"])


def refused(catalogue: OpenCatalogue, error: type[Exception] = StaleIndexError) -> str:
    try:
        with pytest.raises(error) as raised:
            catalogue.search.search(first_pks(catalogue, 2), k=5)
    finally:
        catalogue.close()
    return one_line(raised)


def test_manifest_changed_or_missing_on_the_server_is_one_line(server, world, hidden_model_a, saved_rows,  # type: ignore[no-untyped-def]
                                                               tmp_path) -> None:
    # a working copy on B first: every refusal below must also stop a machine that has one
    b = open_b(server, tmp_path / "b")
    answers(b)
    b.close()
    # the text changed by hand, its checksum not
    (before,) = sql(server, "SELECT manifest FROM shared_manifests")[0]
    sql(server, """UPDATE shared_manifests SET manifest = replace(manifest, '"vector_count": ', '"vector_count": 1')""")
    assert sql(server, "SELECT manifest FROM shared_manifests")[0][0] != before
    assert "does not match what it records" in refused(open_b(server, tmp_path / "b"))
    assert "does not match what it records" in refused(open_b(server, tmp_path / "fresh-1"))
    # text and checksum changed together: it names another catalogue's tables
    (text,) = sql(server, "SELECT manifest FROM shared_manifests")[0]
    data = json.loads(text)
    for entry in data["indexes"].values():
        entry["file"] = "vec_999_" + entry["file"].split("_", 2)[2]
    forged = json.dumps(data, indent=2)
    sql(server, "UPDATE shared_manifests SET manifest = %s, sha256 = %s", forged,
        hashlib.sha256(forged.encode()).hexdigest())
    assert "does not match what it records" in refused(open_b(server, tmp_path / "b"))
    # no row at all: a machine holding a copy of the old one refuses, a fresh one finds no index
    sql(server, "DELETE FROM shared_manifests")
    assert "no index manifest on its server" in refused(open_b(server, tmp_path / "b"))
    assert "has no index" in refused(open_b(server, tmp_path / "fresh-2"))


def test_checkpoint_changed_or_missing_on_the_server(server, world, hidden_model_a, saved_rows,  # type: ignore[no-untyped-def]
                                                     tmp_path) -> None:
    (content_hash, data) = sql(server, "SELECT content_hash, data FROM model_checkpoints")[0]
    broken = bytearray(data)
    broken[len(broken) // 2] ^= 0xFF
    sql(server, "UPDATE model_checkpoints SET data = %s", bytes(broken))
    assert "stored on the server does not match its checksum" in refused(open_b(server, tmp_path / "c"))
    assert not (tmp_path / "c" / NAME / "checkpoints" / f"{content_hash}.pt").exists()
    # no checkpoint on the server and no model file here: one line naming the model that is missing
    sql(server, "DELETE FROM model_checkpoints")
    recorded = Path(json.loads(sql(server, "SELECT manifest FROM shared_manifests")[0][0])["model_path"])
    kept = tmp_path / "kept.pt"
    shutil.move(recorded, kept)
    try:
        assert str(recorded) in refused(open_b(server, tmp_path / "d"), ModelError)
    finally:
        shutil.move(kept, recorded)
    # the model file this machine has, with the content hash the manifest records, is used
    b = open_b(server, tmp_path / "e")
    try:
        assert answers(b)[0]
        assert b.model.path == recorded
    finally:
        b.close()


def test_reindex_from_the_second_machine_keeps_the_category_choices(server, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A person's category choice made on A (hats searched in the general space) survives a
    re-index from B, whose own folder never held a manifest: B starts from the server's."""
    index_catalogue(world["source"], NAME, world["model_a"], db_url=server["url"], workers=0,
                    index_dir=world["home_a"] / NAME, device="cpu", vector_backend="pgvector",
                    category_map={"hats": "general"})
    index_catalogue(world["source"], NAME, world["model_b"], db_url=server["url"], workers=0,
                    index_dir=tmp_path / "home-b" / NAME, device="cpu", vector_backend="pgvector")
    shared = json.loads(sql(server, "SELECT manifest FROM shared_manifests")[0][0])
    assert shared["model_hash"] == stored_content_hash(world["model_b"])
    assert shared["category_map"]["hats"] == "general" and shared["category_how"]["hats"] == "user"
