"""Index a catalogue: import it, embed what is new or changed, rebuild the FAISS indexes from the DB.

Crash safety comes from the order of work: embeddings are committed to the database batch by batch
(a killed run keeps every finished batch and loses none: the next run embeds only what is missing),
and the FAISS files and their manifest are always rebuilt from the database at the end, each written
atomically. Incremental: an item whose image content hash is unchanged is not embedded again;
removed items leave with their rows (ON DELETE CASCADE); a changed file is re-embedded. Embeddings
are keyed by the model's content hash (which covers its preprocessing), so another model re-embeds
everything and the manifest check makes searching an index of another model impossible.
"""

from __future__ import annotations

import hashlib
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from sane_desktop.errors import NotFound
from sane_desktop.models.checkpoint import ModelBundle, demo_model_path, load_checkpoint
from sane_desktop.paths import catalogue_dir, default_db_url
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.embedding import embed_images, pick_device
from sane_desktop.retrieval.faiss_index import FaissVectorStore, choose_spec
from sane_desktop.retrieval.manifest import CategoryIndex, Manifest, check, read_manifest, write_manifest
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.store import schema as S

DEMO_NOTE = "indexed with the bundled demo model; a model trained on this catalogue (sane-desktop train) will do better"


@dataclass
class IndexSummary:
    name: str
    items: int
    embedded: int
    reused: int
    failed: list[dict[str, str]]
    unknown_categories: dict[str, int]
    vectors: dict[str, int]
    index_types: dict[str, str]
    rebuilt_because: str | None
    model: str
    model_hash: str
    device: str
    index_dir: str
    seconds: float
    images_per_second: float
    note: str | None = None
    import_summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def catalogue_pk(engine: Engine, name: str | None) -> tuple[int, str, str, int]:
    """(primary key, name, root, revision) of catalogue ``name`` (or the only one in the store)."""
    table = S.CatalogueRow
    with Session(engine) as session:
        rows = session.execute(select(table.id, table.name, table.root, table.revision)
                               .where(table.name == name) if name else
                               select(table.id, table.name, table.root, table.revision)).all()
    if not rows:
        raise NotFound(f"no catalogue named {name!r} in the store" if name else "the store holds no catalogue")
    if len(rows) > 1:
        raise NotFound(f"the store holds several catalogues ({', '.join(r.name for r in rows)}): name one")
    pk, found_name, root, revision = rows[0]
    return int(pk), str(found_name), str(root), int(revision)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def index_catalogue(
    root: Path | str,
    name: str | None = None,
    model_path: Path | str | None = None,
    db_url: str | None = None,
    mapping: Path | str | None = None,
    *,
    index_dir: Path | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    device: str | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
) -> IndexSummary:
    """The ``index`` command's work: import ``root`` then :func:`index_store`."""
    from sane_desktop.store.importer import import_folder

    root = Path(root).expanduser().resolve()
    name = name or root.name
    engine, imported = import_folder(root, name, db_url or default_db_url(name), mapping,
                                     progress=progress, should_stop=should_stop)
    try:
        summary = index_store(engine, name, model_path, index_dir=index_dir, batch_size=batch_size,
                              workers=workers, device=device, progress=progress, should_stop=should_stop)
    finally:
        engine.dispose()
    summary.import_summary = imported.as_dict()
    return summary


def index_store(
    engine: Engine,
    name: str,
    model_path: Path | str | None = None,
    *,
    index_dir: Path | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    device: str | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
) -> IndexSummary:
    """Embed the items of catalogue ``name`` that need it, then rebuild its FAISS indexes."""
    started = time.perf_counter()
    note = None
    if model_path is None:
        model_path, note = demo_model_path(), DEMO_NOTE
    model_path = Path(model_path).resolve()
    torch_device = pick_device(device)
    bundle = load_checkpoint(model_path, map_location=torch_device)
    pk, name, root, revision = catalogue_pk(engine, name)
    index_dir = Path(index_dir) if index_dir else catalogue_dir(name)
    rebuilt_because = check(read_manifest(index_dir), model_hash=bundle.content_hash,
                            preprocessing=bundle.preprocessing.as_dict())

    items = _catalogue_items(engine, pk, Path(root))
    done = _embedded_hashes(engine, bundle.content_hash, [item["pk"] for item in items])
    todo = [item for item in items if done.get(item["pk"]) != item["hash"]]
    embed_started = time.perf_counter()
    embedded, failed = _embed_and_store(engine, bundle, todo, batch_size, workers, progress, should_stop)
    embed_seconds = time.perf_counter() - embed_started

    vectors, types, unknown = _rebuild_indexes(engine, bundle, model_path, name, revision, items, index_dir, progress)
    return IndexSummary(
        name=name, items=len(items), embedded=embedded, reused=len(items) - len(todo), failed=failed,
        unknown_categories=unknown, vectors=vectors, index_types=types,
        rebuilt_because=rebuilt_because if rebuilt_because != "no index yet" else None,
        model=str(model_path), model_hash=bundle.content_hash, device=str(torch_device),
        index_dir=str(index_dir), seconds=round(time.perf_counter() - started, 3),
        images_per_second=round(embedded / embed_seconds, 1) if embedded and embed_seconds > 0 else 0.0,
        note=note,
    )


def _catalogue_items(engine: Engine, catalogue: int, root: Path) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            select(S.Item.id, S.Item.item_id, S.Item.image_path, S.Item.content_hash, S.Category.name)
            .join(S.Category, S.Category.id == S.Item.category_id)
            .where(S.Item.catalogue_id == catalogue).order_by(S.Item.id)
        ).all()
    items = []
    for pk, item_id, image_path, content_hash, category in rows:
        path = root / image_path
        if not content_hash:  # readers hash every image; hash here if one did not
            try:
                content_hash = file_hash(path)
            except OSError:
                content_hash = "missing"
        items.append({"pk": int(pk), "item_id": item_id, "path": path, "hash": content_hash, "category": category})
    return items


def _embedded_hashes(engine: Engine, model_hash: str, pks: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    table = S.ItemEmbedding
    with Session(engine) as session:
        for start in range(0, len(pks), 900):
            chunk = pks[start : start + 900]
            rows = session.execute(select(table.item_pk, table.content_hash)
                                   .where(table.model_hash == model_hash, table.item_pk.in_(chunk)))
            found.update((int(pk), content_hash) for pk, content_hash in rows)
    return found


def _embed_and_store(engine: Engine, bundle: ModelBundle, todo: list[dict[str, Any]], batch_size: int,
                     workers: int | None, progress: Progress, should_stop: CancelCheck) -> tuple[int, list[dict[str, str]]]:
    """Embed ``todo`` and commit each batch in its own transaction (delete-then-insert: no duplicates).
    Commits run on a writer thread while the next batch is embedded (the database driver releases
    the GIL); at most one batch waits, and a write error surfaces at the next batch."""
    embedded, failed = 0, []
    progress(0, len(todo), "embedding")
    pending: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer") as writer:
        for batch in embed_images(bundle, [item["path"] for item in todo], batch_size=batch_size,
                                  workers=workers, should_stop=should_stop):
            failed += [{"id": todo[i]["item_id"], "path": str(todo[i]["path"]), "reason": "image could not be decoded"}
                       for i in batch.failed]
            rows = _embedding_rows(bundle, todo, batch)
            if pending is not None:
                pending.result()
            pending = writer.submit(_store_rows, engine, bundle.content_hash, rows) if rows else None
            embedded += len(rows)
            progress(embedded + len(failed), len(todo), "embedding")
        if pending is not None:
            pending.result()
    return embedded, failed


def _embedding_rows(bundle: ModelBundle, todo: list[dict[str, Any]], batch: Any) -> list[dict[str, Any]]:
    rows = []
    for row, position in enumerate(batch.indices.tolist()):
        item = todo[position]
        embedding = batch.embeddings[row].astype(np.float32)
        rows.append({
            "item_pk": item["pk"], "model_hash": bundle.content_hash, "content_hash": item["hash"],
            "embedding": embedding.tobytes(), "cells": batch.cells[row].astype(np.float16).tobytes(),
            "attribute_scores": None if batch.attribute_scores is None
            else batch.attribute_scores[row].astype(np.float32).tobytes(),
            "norm": float(np.linalg.norm(embedding)), "updated_at": S.utc_now(),
        })
    return rows


def _store_rows(engine: Engine, model_hash: str, rows: list[dict[str, Any]]) -> None:
    table = S.ItemEmbedding.__table__
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.model_hash == model_hash,
                                               table.c.item_pk.in_([r["item_pk"] for r in rows])))
        connection.execute(insert(table), rows)


def load_embeddings(engine: Engine, model_hash: str, pks: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(item pks, embeddings (N, D) float32) stored for ``model_hash`` among ``pks``."""
    table = S.ItemEmbedding
    found_pks, blobs = [], []
    with Session(engine) as session:
        for start in range(0, len(pks), 900):
            for item_pk, blob in session.execute(select(table.item_pk, table.embedding).where(
                    table.model_hash == model_hash, table.item_pk.in_(pks[start : start + 900]))):
                found_pks.append(int(item_pk))
                blobs.append(np.frombuffer(blob, dtype=np.float32))
    if not blobs:
        return np.empty(0, np.int64), np.empty((0, 0), np.float32)
    return np.asarray(found_pks, dtype=np.int64), np.stack(blobs)


def _rebuild_indexes(engine: Engine, bundle: ModelBundle, model_path: Path, name: str, revision: int,
                     items: list[dict[str, Any]], index_dir: Path, progress: Progress
                     ) -> tuple[dict[str, int], dict[str, str], dict[str, int]]:
    spaces = TypeSpaces.from_model(bundle.compatibility)
    known = {category: position for position, category in enumerate(spaces.categories)}
    unknown: dict[str, int] = {}
    by_category: dict[str, list[int]] = {}
    for item in items:
        if item["category"] in known:
            by_category.setdefault(item["category"], []).append(item["pk"])
        else:
            unknown[item["category"]] = unknown.get(item["category"], 0) + 1
    if unknown:
        print(f"warning: the model does not know categories {sorted(unknown)}; their items are not searchable",
              file=sys.stderr)
    manifest = Manifest(catalogue=name, model_hash=bundle.content_hash, model_path=str(model_path),
                        model_categories=list(spaces.categories), preprocessing=bundle.preprocessing.as_dict(),
                        embed_dim=spaces.embed_dim, dimension=spaces.dimension, db_revision=revision)
    folder = index_dir / "faiss"
    for leftover in [*folder.glob(".*.tmp"), *index_dir.glob(".*.tmp")]:  # from a run killed mid-write
        leftover.unlink(missing_ok=True)
    for step, (category, pks) in enumerate(sorted(by_category.items())):
        progress(step, len(by_category), "building index")
        ids, embeddings = load_embeddings(engine, bundle.content_hash, pks)
        if not len(ids):
            continue
        spec = choose_spec(len(ids))
        store = FaissVectorStore.build(spaces.stacked(embeddings, known[category]), ids, spec)
        file = f"{bundle.content_hash[:12]}-{known[category]:03d}.faiss"
        store.save(folder / file)
        manifest.indexes[category] = CategoryIndex(category, known[category], f"faiss/{file}", spec.label,
                                                   spec.as_dict(), len(store))
    write_manifest(index_dir, manifest)  # last: it names only files already in place
    _record_manifest(engine, name, manifest, index_dir)
    wanted = {Path(entry.file).name for entry in manifest.indexes.values()}
    for stale in folder.glob("*.faiss") if folder.is_dir() else []:
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)
    progress(len(by_category), len(by_category), "building index")
    return ({c: e.vector_count for c, e in manifest.indexes.items()},
            {c: e.index_type for c, e in manifest.indexes.items()}, unknown)


def _record_manifest(engine: Engine, name: str, manifest: Manifest, index_dir: Path) -> None:
    """Mirror the manifest into the store's ``index_manifests`` table (one row per category)."""
    pk = catalogue_pk(engine, name)[0]
    table = S.IndexManifest.__table__
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.catalogue_id == pk))
        rows = [{"catalogue_id": pk, "model_hash": manifest.model_hash, "preprocessing": manifest.preprocessing,
                 "dimension": manifest.dimension, "metric": manifest.metric, "index_type": entry.index_type,
                 "vector_count": entry.vector_count, "db_revision": manifest.db_revision,
                 "path": str(index_dir / entry.file), "created_at": S.utc_now()}
                for entry in manifest.indexes.values()]
        if rows:
            connection.execute(insert(table), rows)
