"""The indexing stages one by one (scan → embed → store → build), their SQL in the store package,
and the names issue 13 made unique."""

from __future__ import annotations

import dataclasses

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from sane_desktop.errors import Cancelled, InputError, NotFound, StaleIndexError
from sane_desktop.retrieval.faiss_index import FaissVectorStore, IndexSpec
from sane_desktop.retrieval.indexing import (
    IndexItem,
    build_indexes,
    embed_items,
    file_hash,
    index_catalogue,
    index_store,
    items_to_embed,
    load_index_model,
    scan_items,
    store_embeddings,
)
from sane_desktop.retrieval.indexing.scan import MISSING_HASH
from sane_desktop.retrieval.manifest import MANIFEST_NAME, read_index_manifest
from sane_desktop.store import schema as S
from sane_desktop.store.embeddings import EmbeddingRow, embedded_hashes, load_embeddings, replace_embeddings
from sane_desktop.store.importer import import_folder
from sane_desktop.store.items import find_catalogue, item_labels, item_pks
from tests.retrieval_world import make_catalogue, make_model

ITEMS = 30


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("stages")
    return {"catalogue": make_catalogue(base / "shop", items=ITEMS), "model": make_model(base / "model.pt")}


@pytest.fixture
def engine(world: dict[str, Path], tmp_path: Path) -> Iterator[Engine]:
    """A fresh import of a private copy of the catalogue (nothing embedded yet)."""
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    engine, _ = import_folder(root, "shop", f"sqlite:///{tmp_path / 'catalogue.db'}")
    yield engine
    engine.dispose()


def embedding_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(S.ItemEmbedding)) or 0)


# --- scan -----------------------------------------------------------------------------------------
def test_scan_yields_typed_items_with_file_hashes(engine: Engine) -> None:
    catalogue = find_catalogue(engine, "shop")
    items = scan_items(engine, catalogue)
    assert len(items) == ITEMS and all(isinstance(item, IndexItem) for item in items)
    assert [item.pk for item in items] == sorted(item.pk for item in items)
    for item in items:
        assert item.path.is_absolute() and item.path.is_relative_to(catalogue.root)
        assert item.content_hash == file_hash(item.path) and len(item.content_hash) == 64
    with pytest.raises(AttributeError):  # frozen: stages cannot change what they were handed
        items[0].content_hash = "x"  # type: ignore[misc]


def test_scan_hashes_what_the_import_did_not(engine: Engine) -> None:
    catalogue = find_catalogue(engine, "shop")
    first, second = scan_items(engine, catalogue)[:2]
    with engine.begin() as connection:
        connection.execute(update(S.Item).where(S.Item.id.in_([first.pk, second.pk])).values(content_hash=""))
    second.path.unlink()
    rescanned = {item.pk: item for item in scan_items(engine, catalogue)}
    assert rescanned[first.pk].content_hash == first.content_hash
    assert rescanned[second.pk].content_hash == MISSING_HASH


# --- embed + store ---------------------------------------------------------------------------------
def test_embed_and_store_commit_batches_and_report_undecodable_images(world: dict[str, Path], engine: Engine) -> None:
    model = load_index_model(world["model"], "cpu")
    items = scan_items(engine, find_catalogue(engine, "shop"))
    items[3].path.write_bytes(b"not an image")
    # imported as it is now (a file replaced after its import is "changed", tests/test_photo_read_once.py)
    items[3] = dataclasses.replace(items[3], content_hash=file_hash(items[3].path))
    seen: list[tuple[int, int, str]] = []
    chunks = embed_items(model.bundle, items, batch_size=5, workers=0)

    def progress(done: int, total: int, message: str = "") -> None:
        seen.append((done, total, message))

    stored = store_embeddings(engine, chunks, len(items), progress)
    assert stored.embedded == ITEMS - 1 == embedding_count(engine)
    bad = items[3]
    assert stored.failed == ({"id": bad.item_id, "path": str(bad.path), "reason": "image could not be decoded"},)
    assert seen[0] == (0, ITEMS, "embedding") and seen[-1] == (ITEMS, ITEMS, "embedding")
    assert len(seen) == 1 + -(-ITEMS // 5)  # once at the start, then once per batch
    # the stored rows: float32 E(x), per-cell float16, and the content hash they came from
    pks, embeddings = load_embeddings(engine, model.content_hash, [item.pk for item in items])
    assert embeddings.shape == (ITEMS - 1, model.bundle.compatibility.embed_dim) and embeddings.dtype == np.float32
    assert embedded_hashes(engine, model.content_hash, [items[0].pk]) == {items[0].pk: items[0].content_hash}
    # incremental: only the item that failed is still to embed
    assert items_to_embed(engine, model.content_hash, items) == [items[3]]


def test_store_keeps_committed_batches_when_cancelled(world: dict[str, Path], engine: Engine) -> None:
    model = load_index_model(world["model"], "cpu")
    items = scan_items(engine, find_catalogue(engine, "shop"))
    calls = iter(range(100))
    chunks = embed_items(model.bundle, items, batch_size=4, workers=0, should_stop=lambda: next(calls) >= 3)
    with pytest.raises(Cancelled):
        store_embeddings(engine, chunks, len(items))
    assert embedding_count(engine) == 12  # three whole batches, each in its own transaction
    assert len(items_to_embed(engine, model.content_hash, items)) == ITEMS - 12


def test_replacing_embeddings_never_duplicates(engine: Engine) -> None:
    pk = scan_items(engine, find_catalogue(engine, "shop"))[0].pk
    vector = np.ones(4, np.float32)

    def row(content_hash: str) -> EmbeddingRow:
        return EmbeddingRow(pk, "model", content_hash, vector.tobytes(), None, None, 2.0)

    replace_embeddings(engine, [row("a")])
    replace_embeddings(engine, [row("b")])
    assert embedding_count(engine) == 1 and embedded_hashes(engine, "model", [pk]) == {pk: "b"}
    replace_embeddings(engine, [])  # nothing to write is not an error
    found_pks, found = load_embeddings(engine, "model", [pk, pk + 10_000])
    assert found_pks.tolist() == [pk] and found.tolist() == [vector.tolist()]
    empty_pks, empty = load_embeddings(engine, "other", [pk])
    assert empty_pks.shape == (0,) and empty.shape == (0, 0)


# --- build -----------------------------------------------------------------------------------------
def test_build_writes_files_then_manifest_and_mirrors_it_in_the_store(world: dict[str, Path], engine: Engine,
                                                                      tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    first = index_store(engine, "shop", world["model"], index_dir=index_dir, workers=0, device="cpu")
    manifest = read_index_manifest(index_dir)
    assert manifest is not None and sum(first.vectors.values()) == manifest.vector_count == ITEMS
    for entry in manifest.indexes.values():
        stored = FaissVectorStore.load(index_dir / entry.file, IndexSpec(**entry.spec), use_gpu=False)
        assert len(stored) == entry.vector_count and stored.dimension == entry.dimension == manifest.dimension
    assert not [*index_dir.rglob("*.tmp")]
    with Session(engine) as session:
        records = session.execute(select(S.IndexManifest.path, S.IndexManifest.vector_count)).all()
    assert sorted((Path(p).name, n) for p, n in records) == sorted(
        (Path(e.file).name, e.vector_count) for e in manifest.indexes.values())

    # a second run with nothing changed embeds nothing and rebuilds the same files
    files = {p.name: p.read_bytes() for p in (index_dir / "faiss").glob("*.faiss")}
    second = index_store(engine, "shop", world["model"], index_dir=index_dir, workers=0, device="cpu")
    assert second.embedded == 0 and second.reused == ITEMS and second.rebuilt_because is None
    assert {p.name: p.read_bytes() for p in (index_dir / "faiss").glob("*.faiss")} == files


def ended_process() -> int:
    """The number of a process that has ended (a killed writer's)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_build_cleans_leftovers_and_a_failed_build_keeps_the_previous_manifest(
        world: dict[str, Path], engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "ix"
    index_store(engine, "shop", world["model"], index_dir=index_dir, workers=0, device="cpu")
    before = (index_dir / MANIFEST_NAME).read_bytes()
    dead = ended_process()
    (index_dir / "faiss" / f".half-written.faiss.{dead}.tmp").write_bytes(b"junk")  # a killed run's leftovers
    (index_dir / f".{MANIFEST_NAME}.{dead}.tmp").write_bytes(b"{")
    (index_dir / f".{MANIFEST_NAME}.{dead}-{'a' * 32}.tmp").write_bytes(b"{")
    (index_dir / "faiss" / "0123456789ab-999.faiss").write_bytes(b"an older model's index")
    (index_dir / ".thesis.docx.tmp").write_bytes(b"the user's own")  # not a name an index writes (trial EC)
    # a live writer's: the copy of model.pt a Train sets aside while it re-indexes (it was deleted: no
    # model.previous.pt, and a cancelled re-index could not put the old model back)
    live = index_dir / f".model.pt.{os.getpid()}-{'b' * 32}.tmp"
    live.write_bytes(b"the model before the Train")

    saves = iter(range(100))
    original_save = FaissVectorStore.save

    def failing_save(self: FaissVectorStore, path: Path) -> None:
        if next(saves) == 2:
            raise OSError("disk full")
        original_save(self, path)

    monkeypatch.setattr(FaissVectorStore, "save", failing_save)
    model = load_index_model(world["model"], "cpu")
    catalogue = find_catalogue(engine, "shop")
    with pytest.raises(OSError, match="disk full"):
        build_indexes(engine, model, catalogue, scan_items(engine, catalogue), index_dir)
    assert (index_dir / MANIFEST_NAME).read_bytes() == before  # the manifest is written last
    assert sorted(path.name for path in index_dir.rglob("*.tmp")) == sorted([".thesis.docx.tmp", live.name])

    monkeypatch.setattr(FaissVectorStore, "save", original_save)
    built = build_indexes(engine, model, catalogue, scan_items(engine, catalogue), index_dir)
    assert sorted(p.name for p in (index_dir / "faiss").glob("*.faiss")) == sorted(
        Path(e.file).name for e in built.manifest.indexes.values())  # the older model's file is gone
    assert read_index_manifest(index_dir) == built.manifest


def test_unreadable_manifest_is_a_stale_index(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(StaleIndexError, match="not a readable index manifest"):
        read_index_manifest(tmp_path)
    assert read_index_manifest(tmp_path / "nothing") is None


def test_an_unreadable_manifest_is_rebuilt_by_the_next_index(world: dict[str, Path], tmp_path: Path) -> None:
    """The StaleIndexError's advice (re-index) must work: indexing repairs a corrupt manifest."""
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    db, index_dir = f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "ix"
    first = index_catalogue(root, "shop", world["model"], db, index_dir=index_dir, workers=0, device="cpu")
    good = (index_dir / MANIFEST_NAME).read_text()
    (index_dir / MANIFEST_NAME).write_text("{not json")
    again = index_catalogue(root, "shop", world["model"], db, index_dir=index_dir, workers=0, device="cpu")
    assert again.embedded == 0 and again.rebuilt_because and "manifest" in again.rebuilt_because
    assert read_index_manifest(index_dir) is not None and again.vectors == first.vectors
    # a field of the wrong JSON type (trial V: "indexes": 5 read as an AttributeError by query and by
    # the index that would mend it): unreadable, said so, and rebuilt by the next index
    import json

    for field, value in (("indexes", 5), ("category_map", ["a"]), ("embed_dim", "x"), ("db_revision", True)):
        broken = {**json.loads(good), field: value}
        (index_dir / MANIFEST_NAME).write_text(json.dumps(broken))
        with pytest.raises(StaleIndexError, match=rf"not a readable index manifest \({field} is "):
            read_index_manifest(index_dir)
        mended = index_catalogue(root, "shop", world["model"], db, index_dir=index_dir, workers=0, device="cpu")
        assert mended.embedded == 0 and "manifest" in (mended.rebuilt_because or ""), field
        assert read_index_manifest(index_dir) is not None
    entry = json.loads(good)
    entry["indexes"][next(iter(entry["indexes"]))]["vector_count"] = "many"
    (index_dir / MANIFEST_NAME).write_text(json.dumps(entry))
    with pytest.raises(StaleIndexError, match=r"indexes\..*\.vector_count is str, not int"):
        read_index_manifest(index_dir)
    # the category map and an index entry disagreeing on where a category is searched (trial Z: a search
    # read "cannot reshape array", an explanation another space's score): unreadable, and rebuilt
    edited = json.loads(good)
    entry = next(iter(edited["indexes"].values()))
    edited["category_map"][entry["category"]] = "general" if entry["model_category"] != "general" \
        else edited["model_categories"][0]
    (index_dir / MANIFEST_NAME).write_text(json.dumps(edited))
    with pytest.raises(StaleIndexError, match=rf"its category map searches '{entry['category']}' as "):
        read_index_manifest(index_dir)
    unknown = json.loads(good)
    unknown["model_categories"] = [c for c in unknown["model_categories"]
                                   if c != next(iter(unknown["indexes"].values()))["model_category"]]
    (index_dir / MANIFEST_NAME).write_text(json.dumps(unknown))
    if next(iter(json.loads(good)["indexes"].values()))["model_category"] != "general":
        with pytest.raises(StaleIndexError, match="which its model categories do not hold"):
            read_index_manifest(index_dir)
    moved = json.loads(good)
    next(iter(moved["indexes"].values()))["category_index"] += 1
    (index_dir / MANIFEST_NAME).write_text(json.dumps(moved))
    with pytest.raises(StaleIndexError, match=r"is searched as .* at position"):
        read_index_manifest(index_dir)
    mended = index_catalogue(root, "shop", world["model"], db, index_dir=index_dir, workers=0, device="cpu")
    assert mended.embedded == 0 and "manifest" in (mended.rebuilt_because or "")
    good = (index_dir / MANIFEST_NAME).read_text()
    # a newer program's index: its unknown field and the version that wrote it named, not "unexpected
    # keyword argument"; an index format it does not write names that version too
    from sane_desktop import __version__
    from sane_desktop.retrieval.manifest import FORMAT_VERSION, Manifest, check

    assert json.loads(good)["app_version"] == f"sane-desktop {__version__}"
    newer = {**json.loads(good), "app_version": "sane-desktop 9.9", "format_version": FORMAT_VERSION + 1,
             "shards": []}
    (index_dir / MANIFEST_NAME).write_text(json.dumps(newer))
    with pytest.raises(StaleIndexError, match=rf"\(unknown field 'shards', written by sane-desktop 9\.9 \(index "
                                              rf"format {FORMAT_VERSION + 1}; this one reads {FORMAT_VERSION}\)\)"):
        read_index_manifest(index_dir)
    del newer["shards"]
    newer["indexes"][next(iter(newer["indexes"]))]["shard"] = 0
    (index_dir / MANIFEST_NAME).write_text(json.dumps(newer))
    with pytest.raises(StaleIndexError, match=r"unknown field 'indexes\..*\.shard', written by sane-desktop 9\.9"):
        read_index_manifest(index_dir)
    older = Manifest.from_dict({**json.loads(good), "app_version": "sane-desktop 9.9",
                                "format_version": FORMAT_VERSION + 1})
    assert check(older, model_hash=older.model_hash, preprocessing=older.preprocessing) == (
        f"written by a newer version of SANE Desktop (sane-desktop 9.9) in index format {FORMAT_VERSION + 1}; this "
        f"one reads {FORMAT_VERSION}")
    # the format edited by hand, the version left as this one's: "written by sane-desktop 0.1.0 … newer than this
    # program" contradicted itself (trial AD)
    edited = Manifest.from_dict({**json.loads(good), "format_version": FORMAT_VERSION + 1})
    assert check(edited, model_hash=edited.model_hash, preprocessing=edited.preprocessing) == (
        f"written by a newer version of SANE Desktop in index format {FORMAT_VERSION + 1}; this one reads "
        f"{FORMAT_VERSION}")
    # an index of a later revision than its database: no re-import, an older database (trial Z's words
    # "re-imported since indexing (revision 2, now 1)" named what had not happened)
    current = Manifest.from_dict(json.loads(good))
    ahead = check(current, model_hash=current.model_hash, preprocessing=current.preprocessing,
                  db_revision=current.db_revision - 1)
    assert ahead is not None and ahead.startswith("the index is of a later revision of the catalogue") \
        and "restored from a copy" in ahead
    behind = check(current, model_hash=current.model_hash, preprocessing=current.preprocessing,
                   db_revision=current.db_revision + 1)
    assert behind is not None and behind.startswith("catalogue re-imported since indexing")


# --- the summary and the store look-ups --------------------------------------------------------------
def test_index_catalogue_summary_keys_are_the_cli_json(world: dict[str, Path], tmp_path: Path) -> None:
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    summary = index_catalogue(root, "shop", world["model"], f"sqlite:///{tmp_path / 'db.sqlite'}",
                              index_dir=tmp_path / "ix", workers=0, device="cpu")
    data = summary.as_dict()
    assert list(data) == ["name", "items", "embedded", "reused", "failed", "mapped", "mapped_how", "vectors",
                          "index_types", "rebuilt_because", "model", "model_hash", "device", "index_dir", "seconds",
                          "images_per_second", "note", "cells_stored", "suggestions", "import_summary", "rebuilt",
                          "rebuild_reason", "total_seconds", "carried_choices"]
    assert data["import_summary"]["items"] == ITEMS and data["import_summary"]["name"] == "shop"
    assert json.loads(json.dumps(data)) == data and data["note"] is None and data["device"] == "cpu"


def test_store_lookups(engine: Engine) -> None:
    catalogue = find_catalogue(engine, "shop")
    assert find_catalogue(engine, None) == catalogue and catalogue.name == "shop"
    with pytest.raises(NotFound, match="no catalogue named 'nope'"):
        find_catalogue(engine, "nope")
    items = scan_items(engine, catalogue)
    ids = [items[2].item_id, items[0].item_id, "missing"]
    assert item_pks(engine, catalogue.pk, ids) == {items[2].item_id: items[2].pk, items[0].item_id: items[0].pk}
    labels = item_labels(engine, [items[0].pk, -1])
    assert list(labels) == [items[0].pk] and labels[items[0].pk].category == items[0].category


def test_one_name_one_meaning() -> None:
    import sane_desktop.catalogue.manifest as catalogue_manifest
    import sane_desktop.models as models
    import sane_desktop.retrieval.embedding as embedding
    import sane_desktop.retrieval.manifest as index_manifest
    from sane_desktop.retrieval import indexer  # the earlier import path still answers

    assert hasattr(catalogue_manifest, "read_manifest_catalogue") and not hasattr(catalogue_manifest, "read_manifest")
    assert hasattr(index_manifest, "read_index_manifest") and not hasattr(index_manifest, "read_manifest")
    assert not hasattr(embedding, "pick_device") and not hasattr(models, "embed_images")
    assert str(models.pick_device("cpu")) == "cpu"
    with pytest.raises(InputError, match="not a torch device"):
        models.pick_device("gpu")
    assert {"catalogue_pk", "file_hash", "load_embeddings", "index_catalogue", "IndexSummary"} <= set(dir(indexer))


def test_a_photo_gone_during_the_run_is_said_gone_and_a_folder_gone_writes_no_index(
        world: dict[str, Path], engine: Engine, tmp_path: Path) -> None:
    """Trial EK deleted the catalogue's folder while `index` ran: "Indexed …: 1500 items, … 1116 failed", exit 0,
    and each failure read "image could not be decoded". A photo gone since its import is said gone; the whole folder
    gone writes no index (the vectors stored stay, for the run once it is back)."""
    from sane_desktop.cli.index_cmd import render
    from sane_desktop.retrieval.indexing.embed import FILE_GONE

    items = scan_items(engine, find_catalogue(engine, "shop"))
    items[2].path.unlink()  # after the import hashed it
    summary = index_store(engine, "shop", world["model"], index_dir=tmp_path / "ix", workers=0, device="cpu")
    assert summary.failed == [{"id": items[2].item_id, "path": str(items[2].path), "reason": FILE_GONE}]
    said = render({**summary.as_dict(), "shard": None})
    assert (f"  not read while indexing: 1 (in the catalogue, not searchable until it is indexed again):\n"
            f"    {items[2].item_id} ({items[2].path}): {FILE_GONE}") in said

    with Session(engine) as session:  # nothing embedded yet: every photo is read again
        session.execute(delete(S.ItemEmbedding))
        session.commit()
    before = (tmp_path / "ix" / MANIFEST_NAME).read_bytes()
    shutil.rmtree(items[0].path.parents[1])  # the catalogue's folder
    with pytest.raises(InputError, match="went away while it was indexed: .* no index was written"):
        index_store(engine, "shop", world["model"], index_dir=tmp_path / "ix", workers=0, device="cpu")
    assert (tmp_path / "ix" / MANIFEST_NAME).read_bytes() == before
