"""Issue 19, point 5: a no-op ``index`` keeps the indexes, and only when that is provably safe.

A second ``index`` of an unchanged folder leaves every index file and the manifest untouched (same
inode and mtime), says so in its summary, and search answers the same. Every change that would make
the kept index answer differently rebuilds: a changed, added or removed image, another model, a
changed category map, a memory budget that changes the plan, a corrupted or deleted index file, and
``--rebuild``.
"""

from __future__ import annotations

import os

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from pg_helpers import pg_server, vector_database
from sane_desktop.catalogue import read_catalogue
from sane_desktop.demo import generate_demo
from sane_desktop.paths import catalogue_dir
from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
from sane_desktop.retrieval.indexing.current import CURRENT
from sane_desktop.retrieval.indexing.pipeline import FORCED, IndexSummary
from sane_desktop.retrieval.manifest import read_index_manifest
from sane_desktop.service import CatalogueService
from sane_desktop.service.building import index_folder

ITEMS = 30


def save_model(path: Path, categories: list[str], seed: int) -> Path:
    torch.manual_seed(seed)
    save_checkpoint(path, ModelBundle(CompatibilityNet(categories, width=16), None, Preprocessing()))
    return path


def index(world: Path, model: Path | None = None, **options: Any) -> IndexSummary:
    report = index_folder(world / "source", "demo", model or world / "model.pt", device="cpu", workers=1,
                          **options)
    summary = report.indexed
    assert isinstance(summary, IndexSummary)
    return summary


def index_dir() -> Path:
    return catalogue_dir("demo")  # under the test's own SANE_INDEX_HOME (conftest)


def file_stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """The index files (FAISS files and their re-rank stores, the manifest) -> (inode, mtime_ns)."""
    files = [*sorted((folder / "faiss").iterdir()), folder / "manifest.json"]
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}


def search_answers(world: Path) -> list[tuple[str, int, float]]:
    service = CatalogueService(model=world / "model.pt", device="cpu")
    service.open_catalogue("demo")
    chosen: dict[str, int] = {}
    for item in service.items():
        chosen.setdefault(item.category, item.pk)
    outfit = list(chosen.values())[:2]
    answers = [(category, r.item.pk, round(float(r.score), 6))
               for category, results in sorted(service.search(outfit, "", 5).items()) for r in results]
    service.close()
    return answers


@pytest.fixture
def world(tmp_path: Path) -> Path:
    generate_demo(tmp_path / "source", seed=0, items=ITEMS, masks=False)
    categories = read_catalogue(tmp_path / "source", validate_images=False).categories()
    save_model(tmp_path / "model.pt", categories, seed=0)
    first = index(tmp_path)
    assert first.rebuilt and first.vectors
    return tmp_path


def test_a_noop_index_keeps_the_index_and_answers_the_same(world: Path) -> None:
    before, answers = file_stamps(index_dir()), search_answers(world)
    assert any(name.endswith(".faiss") for name in before) and "manifest.json" in before
    revision = read_index_manifest(index_dir()).db_revision  # type: ignore[union-attr]

    again = index(world)
    assert not again.rebuilt and again.rebuild_reason == CURRENT
    assert again.embedded == 0 and again.reused == again.items == ITEMS
    assert again.import_summary is not None and again.import_summary.revision == revision  # a no-op import
    assert file_stamps(index_dir()) == before
    assert again.as_dict()["rebuilt"] is False and again.as_dict()["rebuild_reason"] == CURRENT
    assert again.vectors and again.index_types  # the summary still describes the (kept) index
    assert search_answers(world) == answers


def _change_image(world: Path) -> None:
    images = sorted((world / "source" / "images").glob("*.jpg"))
    shutil.copyfile(images[1], images[0])  # another picture under the same name


def _add_item(world: Path) -> None:
    metadata_path = world / "source" / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_path.read_text())
    first = sorted(metadata)[0]
    metadata["900000001"] = dict(metadata[first], title="a new item")
    metadata_path.write_text(json.dumps(metadata))
    shutil.copyfile(world / "source" / "images" / f"{first}.jpg", world / "source" / "images" / "900000001.jpg")


def _remove_image(world: Path) -> None:
    sorted((world / "source" / "images").glob("*.jpg"))[0].unlink()


def _corrupt_index_file(world: Path) -> None:
    path = sorted((index_dir() / "faiss").glob("*.faiss"))[0]
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 16):
        data[offset] ^= 0xFF  # flipped bytes in the vectors: FAISS still reads it, the answers would be wrong
    path.write_bytes(bytes(data))


def _delete_index_file(world: Path) -> None:
    sorted((index_dir() / "faiss").glob("*.faiss"))[0].unlink()


@pytest.mark.parametrize(("change", "reason"), [
    (_change_image, "re-imported"),
    (_add_item, "re-imported"),
    (_remove_image, "re-imported"),
    (_corrupt_index_file, "does not match its manifest"),
    (_delete_index_file, "missing"),
])
def test_a_change_rebuilds(world: Path, change: Callable[[Path], None], reason: str) -> None:
    answers = search_answers(world)
    change(world)
    summary = index(world)
    assert summary.rebuilt and reason in summary.rebuild_reason
    # this run is the re-index the reason advised: its summary does not advise it again (trial Z)
    assert "re-run" not in summary.rebuild_reason and "re-run" not in (summary.rebuilt_because or "")
    again = index(world)  # the rebuilt index is current again
    assert not again.rebuilt and again.rebuild_reason == CURRENT
    if change in (_corrupt_index_file, _delete_index_file):  # repaired: the same answers as before
        assert search_answers(world) == answers


def test_another_model_rebuilds(world: Path) -> None:
    categories = read_catalogue(world / "source", validate_images=False).categories()
    other = save_model(world / "other.pt", categories, seed=1)
    summary = index(world, other)
    assert summary.rebuilt and "another model" in summary.rebuild_reason and summary.embedded == ITEMS


def test_a_changed_category_map_rebuilds(world: Path) -> None:
    category = sorted(index(world).mapped)[0]
    summary = index(world, category_map={category: "general"})
    assert summary.rebuilt and "mapping changed" in summary.rebuild_reason
    assert summary.mapped[category] == "general"
    assert not index(world).rebuilt  # None keeps the recorded choice: current again


def test_a_memory_budget_that_changes_the_plan_rebuilds(world: Path) -> None:
    manifest = read_index_manifest(index_dir())
    assert manifest is not None and all(entry.spec["kind"] == "flat" for entry in manifest.indexes.values())
    generous = 1 << 40
    kept = index(world, memory_budget=generous)  # flat still fits: the same plan, nothing to rebuild
    assert not kept.rebuilt
    flat_bytes = sum(e.vector_count * (e.dimension * 4 + 8) for e in manifest.indexes.values())
    summary = index(world, memory_budget=flat_bytes * 4 // 5)  # flat no longer fits: IVF-SQ8 (re-ranked)
    assert summary.rebuilt and "would now get the index" in summary.rebuild_reason
    assert any(kind != "IDMap2,FlatIP" for kind in summary.index_types.values())


def test_rebuild_forces_a_build(world: Path) -> None:
    before = file_stamps(index_dir())
    summary = index(world, rebuild=True)
    assert summary.rebuilt and summary.rebuild_reason == FORCED
    assert file_stamps(index_dir())["manifest.json"] != before["manifest.json"]


def test_pgvector_tables_are_kept_when_current_and_rebuilt_when_changed(tmp_path: Path) -> None:
    """The same skip for a pgvector catalogue on a real server (pgserver; skipped, with the reason,
    where it cannot run): kept when current; a table missing a row is rebuilt."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")
    from retrieval_world import make_catalogue, make_model

    from sane_desktop.retrieval.indexing import index_catalogue

    with pg_server("sane-noop-") as pg:
        url, libpq = vector_database(pg, "noop")
        source = make_catalogue(tmp_path / "source", items=40)
        model = make_model(tmp_path / "model.pt", seed=0)

        def index_pg() -> IndexSummary:
            return index_catalogue(source, "shop", model, url,
                                   index_dir=tmp_path / "ix", vector_backend="pgvector", device="cpu", workers=0)

        assert index_pg().rebuilt
        kept = index_pg()
        assert not kept.rebuilt and kept.rebuild_reason == CURRENT
        manifest = read_index_manifest(tmp_path / "ix")
        assert manifest is not None
        table = sorted(entry.file for entry in manifest.indexes.values())[0]
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'DELETE FROM "{table}" WHERE ctid IN (SELECT ctid FROM "{table}" LIMIT 1)')
        repaired = index_pg()
        assert repaired.rebuilt and table in repaired.rebuild_reason
        assert not index_pg().rebuilt


def test_a_changed_rerank_store_is_refused_by_search_and_rebuilt(world: Path) -> None:
    """A compressed index re-scores its candidates from its stored vectors: a flipped byte there
    would change scores silently, so the store is checked like the index file (SHA-256)."""
    from sane_desktop.errors import StaleIndexError

    manifest = read_index_manifest(index_dir())
    assert manifest is not None
    flat_bytes = sum(e.vector_count * (e.dimension * 4 + 8) for e in manifest.indexes.values())
    compressed = index(world, memory_budget=flat_bytes * 4 // 5)  # IVF-SQ8 + re-rank store
    assert compressed.rebuilt
    stores = sorted((index_dir() / "faiss").glob("*.vectors.npy"))
    assert stores, "the compressed indexes keep their stored vectors beside them"
    answers = search_answers(world)
    data = bytearray(stores[0].read_bytes())
    data[-8] ^= 0x40  # one float16 of the last vector: np.load still reads it
    stores[0].write_bytes(bytes(data))
    with pytest.raises(StaleIndexError, match="re-rank store"):
        search_answers(world)
    summary = index(world, memory_budget=flat_bytes * 4 // 5)
    assert summary.rebuilt and "re-rank store" in summary.rebuild_reason
    assert search_answers(world) == answers
    # opening again reads no index file (their digests are remembered), yet a flipped byte whose
    # file keeps its size and mtime is still found: its ctime moved
    from sane_desktop.retrieval.indexing import digests

    read: list[Path] = []
    original = digests.file_hash
    digests.file_hash = lambda path: read.append(path) or original(path)  # type: ignore[assignment]
    try:
        assert search_answers(world) == answers and read == []
        stores = sorted((index_dir() / "faiss").glob("*.vectors.npy"))
        stamp = stores[0].stat()
        data = bytearray(stores[0].read_bytes())
        data[-8] ^= 0x40
        stores[0].write_bytes(bytes(data))
        os.utime(stores[0], ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        with pytest.raises(StaleIndexError, match="re-rank store"):
            search_answers(world)
        assert read == [stores[0]]
    finally:
        digests.file_hash = original  # type: ignore[assignment]
