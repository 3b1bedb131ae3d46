"""SQL of the derived rows: item embeddings per model, and the records of built FAISS indexes.

Embeddings are keyed by (item primary key, model content hash) and remember the image content hash
they were computed from, which is what makes re-indexing incremental. Vectors are stored as raw
little-endian bytes: ``embedding`` (D,) float32, ``cells`` (K, D) float16, ``attribute_scores``
(A,) float32. ``cells_sha256`` (:func:`cells_digest`) ties the cells to the item's image and the
model: a blob swapped between rows or damaged by hand no longer matches and is not used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from sane_desktop.store import schema as S
from sane_desktop.store.items import IN_CHUNK


@dataclass(frozen=True)
class EmbeddingRow:
    """One ``item_embeddings`` row as written by the indexer (``updated_at`` is set on write)."""

    item_pk: int
    model_hash: str
    content_hash: str  # SHA-256 hex of the image file the vectors were computed from
    embedding: bytes  # (D,) float32
    cells: bytes | None  # (K, D) float16 per-cell outputs
    attribute_scores: bytes | None  # (A,) float32 probabilities
    norm: float  # L2 norm of the embedding


@dataclass(frozen=True)
class IndexRecord:
    """One ``index_manifests`` row: the facts of one category's FAISS file (mirrors manifest.json)."""

    model_hash: str
    preprocessing: dict[str, Any]
    dimension: int
    metric: str
    index_type: str
    vector_count: int
    db_revision: int
    path: str  # absolute path of the FAISS file


def cells_digest(cells: bytes, content_hash: str, model_hash: str) -> str:
    """SHA-256 hex over the cells bytes, the image content hash and the model hash they belong to:
    recorded with the cells and recomputed from the *item row's* content hash where they are read,
    so cells moved to another item, written for another photo or damaged fail the comparison."""
    digest = hashlib.sha256(cells)
    digest.update(b"\0" + content_hash.encode() + b"\0" + model_hash.encode())
    return digest.hexdigest()


def embedding_digest(embedding: bytes, content_hash: str, model_hash: str) -> str:
    """SHA-256 hex over a pooled embedding's bytes and the photo and model it was computed for: recorded
    with the row (``embedding_sha256``), compared where a search uses the vector (trial AA copied one
    row's blob onto another's and read that item's score under this one's name)."""
    return cells_digest(embedding, content_hash, model_hash)


@dataclass(frozen=True)
class EmbeddedItem:
    """An item row joined with its embedding row of one model: what a search checks before it uses
    the vector for the item (``item_hash`` "" when the import did not hash the photo)."""

    item_id: str
    category: str  # the catalogue's category name, as the items table says now
    item_hash: str  # items.content_hash: the photo the item is
    embedded_hash: str  # item_embeddings.content_hash: the photo the vector was computed from
    vector_ok: bool = True  # the vector matches its recorded digest (False without one: nothing vouches for it)

    @property
    def photo_matches(self) -> bool:
        """Whether the vector was computed from the item's own photo (unknown when not hashed: taken as is)."""
        return not self.item_hash or self.item_hash == self.embedded_hash


def embedded_hashes(engine: Engine, model_hash: str, pks: Sequence[int], with_cells: bool = False) -> dict[int, str]:
    """Item pk -> image content hash of the stored embedding, for the ``pks`` embedded by ``model_hash``
    (``with_cells``: only rows that hold their per-cell outputs with their digest: a row from before
    ``cells_sha256`` is embedded again, its cells then computed from the photo rather than vouched for;
    a row whose vector fails ``embedding_sha256``, or has none, is left out: embedded again)."""
    found: dict[int, str] = {}
    table = S.ItemEmbedding
    with Session(engine) as session:
        for start in range(0, len(pks), IN_CHUNK):
            query = select(table.item_pk, table.content_hash, table.embedding, table.embedding_sha256).where(
                table.model_hash == model_hash, table.item_pk.in_(list(pks[start : start + IN_CHUNK])))
            rows = session.execute(query.where(table.cells.is_not(None), table.cells_sha256.is_not(None))
                                   if with_cells else query)
            # a vector that fails its digest is embedded again: the re-index a refused search advises mends it;
            # so is one with none (an older build's row, or a digest removed by hand): nothing vouches for it, and
            # an index that kept it would never give it one (trial CC's leftover)
            found.update((int(pk), str(content_hash)) for pk, content_hash, blob, digest in rows
                         if digest and embedding_digest(bytes(blob), str(content_hash), model_hash) == digest)
    return found


def replace_embeddings(engine: Engine, rows: Sequence[EmbeddingRow]) -> None:
    """Write ``rows`` in one transaction, replacing any stored row of the same (item, model).

    Delete-then-insert in the same transaction: a re-embedded item never ends up twice, and a
    crash leaves either the old row or the new one. Raises SQLAlchemy's errors unchanged.
    """
    if not rows:
        return
    with engine.begin() as connection:
        write_embeddings(connection, rows)


def write_embeddings(connection: Connection, rows: Sequence[EmbeddingRow]) -> None:
    """:func:`replace_embeddings` inside the caller's transaction (an ``index --shard`` worker
    commits the vectors together with the release of the rows it claimed)."""
    if not rows:
        return
    table = S.ItemEmbedding.__table__
    now = S.utc_now()
    by_model: dict[str, list[int]] = {}
    for row in rows:
        by_model.setdefault(row.model_hash, []).append(row.item_pk)
    for model_hash, pks in by_model.items():
        connection.execute(delete(table).where(table.c.model_hash == model_hash, table.c.item_pk.in_(pks)))
    connection.execute(insert(table), [
        {"item_pk": row.item_pk, "model_hash": row.model_hash, "content_hash": row.content_hash,
         "embedding": row.embedding, "cells": row.cells,
         "cells_sha256": None if row.cells is None else cells_digest(row.cells, row.content_hash, row.model_hash),
         "embedding_sha256": embedding_digest(row.embedding, row.content_hash, row.model_hash),
         "attribute_scores": row.attribute_scores,
         "norm": row.norm, "updated_at": now}
        for row in rows])


def load_embeddings(engine: Engine, model_hash: str, pks: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(item pks (N,) int64, embeddings (N, D) float32) stored for ``model_hash`` among ``pks``.

    Items without an embedding are left out (N may be less than ``len(pks)``); order follows the
    database. Nothing found gives shapes (0,) and (0, 0).
    """
    table = S.ItemEmbedding
    found_pks: list[int] = []
    blobs: list[np.ndarray] = []
    with Session(engine) as session:
        for start in range(0, len(pks), IN_CHUNK):
            for item_pk, blob in session.execute(select(table.item_pk, table.embedding).where(
                    table.model_hash == model_hash, table.item_pk.in_(list(pks[start : start + IN_CHUNK])))):
                found_pks.append(int(item_pk))
                blobs.append(np.frombuffer(blob, dtype=np.float32))
    if not blobs:
        return np.empty(0, np.int64), np.empty((0, 0), np.float32)
    return np.asarray(found_pks, dtype=np.int64), np.stack(blobs)


def load_item_embeddings(engine: Engine, model_hash: str,
                         pks: Sequence[int]) -> tuple[np.ndarray, np.ndarray, dict[int, EmbeddedItem]]:
    """:func:`load_embeddings` joined with the item rows: (item pks (N,) int64, embeddings (N, D)
    float32, pk -> :class:`EmbeddedItem`) for the ``pks`` that have both an item row and a
    ``model_hash`` embedding row (an embedding row whose item is gone is left out). One query per
    :data:`IN_CHUNK` keys: what a search checks for the items it answers with, not the catalogue."""
    emb = S.ItemEmbedding
    found_pks: list[int] = []
    blobs: list[np.ndarray] = []
    sources: dict[int, EmbeddedItem] = {}
    wanted = list(dict.fromkeys(int(pk) for pk in pks))
    with Session(engine) as session:
        for start in range(0, len(wanted), IN_CHUNK):
            rows = session.execute(
                select(emb.item_pk, emb.embedding, emb.content_hash, S.Item.item_id, S.Item.content_hash,
                       S.Category.name, emb.embedding_sha256)
                .join(S.Item, S.Item.id == emb.item_pk).join(S.Category, S.Category.id == S.Item.category_id)
                .where(emb.model_hash == model_hash, emb.item_pk.in_(wanted[start : start + IN_CHUNK])))
            for item_pk, blob, embedded_hash, item_id, item_hash, category, digest in rows:
                found_pks.append(int(item_pk))
                blobs.append(np.frombuffer(blob, dtype=np.float32))
                # a row without a digest is no older build's either: `index` embeds such rows again (embedded_hashes),
                # and the index this search uses is of this build's database revision, so its digest was removed by
                # hand (trial EH put another item's vector in an outfit item's row and its digest to NULL)
                vector_ok = bool(digest) and \
                    embedding_digest(bytes(blob), str(embedded_hash or ""), model_hash) == digest
                sources[int(item_pk)] = EmbeddedItem(str(item_id), str(category), str(item_hash or ""),
                                                     str(embedded_hash or ""), vector_ok)
    if not blobs:
        return np.empty(0, np.int64), np.empty((0, 0), np.float32), {}
    return np.asarray(found_pks, dtype=np.int64), np.stack(blobs), sources


def replace_index_records(engine: Engine, catalogue_pk: int, records: Sequence[IndexRecord]) -> None:
    """Make ``records`` the catalogue's only ``index_manifests`` rows (one transaction)."""
    table = S.IndexManifest.__table__
    now = S.utc_now()
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.catalogue_id == catalogue_pk))
        if records:
            connection.execute(insert(table), [
                {"catalogue_id": catalogue_pk, "model_hash": r.model_hash, "preprocessing": r.preprocessing,
                 "dimension": r.dimension, "metric": r.metric, "index_type": r.index_type,
                 "vector_count": r.vector_count, "db_revision": r.db_revision, "path": r.path, "created_at": now}
                for r in records])


def index_record_paths(engine: Engine, catalogue_pk: int) -> list[str]:
    """The paths the catalogue's last build recorded for its index files (``index_manifests``; empty
    when it was never indexed), as written on the computer that built it."""
    table = S.IndexManifest
    with Session(engine) as session:
        return [str(path) for path in session.scalars(
            select(table.path).where(table.catalogue_id == catalogue_pk).order_by(table.id))]


def delete_other_models(engine: Engine, catalogue_pk: int, model_hash: str) -> int:
    """Delete the catalogue's embedding rows of every model but ``model_hash`` (issue 19, point 4:
    a catalogue that moved to a new model keeps no full copy per old model); returns rows deleted.
    Called once the new model's index is in place, so a failed run keeps the old rows."""
    table = S.ItemEmbedding.__table__
    mine = select(S.Item.id).where(S.Item.catalogue_id == catalogue_pk)
    with engine.begin() as connection:
        result = connection.execute(delete(table).where(table.c.model_hash != model_hash, table.c.item_pk.in_(mine)))
    return int(result.rowcount or 0)


def drop_embeddings(engine: Engine, catalogue_pk: int, model_hash: str) -> int:
    """Delete the catalogue's embedding rows of ``model_hash`` (computed by another build's code: the
    index manifest's ``embedding_code``), so that every photo is embedded again; returns rows deleted."""
    table = S.ItemEmbedding.__table__
    mine = select(S.Item.id).where(S.Item.catalogue_id == catalogue_pk)
    with engine.begin() as connection:
        result = connection.execute(delete(table).where(table.c.model_hash == model_hash, table.c.item_pk.in_(mine)))
    return int(result.rowcount or 0)


def drop_cells(engine: Engine, catalogue_pk: int, model_hash: str) -> int:
    """Clear the stored per-cell outputs of the catalogue's ``model_hash`` rows (a catalogue indexed
    with ``--cells on-demand`` keeps none, also of items embedded before); returns rows cleared."""
    table = S.ItemEmbedding.__table__
    mine = select(S.Item.id).where(S.Item.catalogue_id == catalogue_pk)
    with engine.begin() as connection:
        result = connection.execute(update(table).values(cells=None, cells_sha256=None).where(
            table.c.model_hash == model_hash, table.c.cells.is_not(None), table.c.item_pk.in_(mine)))
    return int(result.rowcount or 0)


def embedding_counts(engine: Engine, catalogue_pk: int, model_hash: str) -> dict[str, int]:
    """Catalogue category name -> stored ``model_hash`` embedding rows of its items (what a build
    of its indexes would load; categories without any are absent). One grouped COUNT query."""
    table = S.ItemEmbedding
    query = (select(S.Category.name, func.count())
             .select_from(table).join(S.Item, S.Item.id == table.item_pk)
             .join(S.Category, S.Category.id == S.Item.category_id)
             .where(S.Item.catalogue_id == catalogue_pk, table.model_hash == model_hash)
             .group_by(S.Category.name))
    with Session(engine) as session:
        return {str(name): int(count) for name, count in session.execute(query)}


def unembedded_items(engine: Engine, catalogue_pk: int, model_hash: str) -> dict[str, list[str]]:
    """Catalogue category name -> ids of its items without a ``model_hash`` embedding row, sorted
    (photos that could not be read when indexed, or rows added since): what no index of this model
    can rank. Categories without such items are absent. One outer-join query."""
    table = S.ItemEmbedding
    query = (select(S.Category.name, S.Item.item_id).select_from(S.Item)
             .join(S.Category, S.Category.id == S.Item.category_id)
             .outerjoin(table, and_(table.item_pk == S.Item.id, table.model_hash == model_hash))
             .where(S.Item.catalogue_id == catalogue_pk, table.item_pk.is_(None))
             .order_by(S.Category.name, S.Item.item_id))
    found: dict[str, list[str]] = {}
    with Session(engine) as session:
        for name, item_id in session.execute(query):
            found.setdefault(str(name), []).append(str(item_id))
    return found


def rows_stamp(engine: Engine, catalogue_pk: int, model_hash: str) -> tuple[int, int, int]:
    """(the catalogue's items, its highest item key, the database's ``model_hash`` embedding rows, of
    every catalogue it holds): what moves when a row is added or removed, by an import or by hand. Two
    COUNT queries, neither a join (``bench/bench_unsearched.py``: ~16 ms at 100,000 items)."""
    with Session(engine) as session:
        items, highest = session.execute(select(func.count(S.Item.id), func.coalesce(func.max(S.Item.id), 0))
                                         .where(S.Item.catalogue_id == catalogue_pk)).one()
        embedded = session.scalar(select(func.count()).select_from(S.ItemEmbedding)
                                  .where(S.ItemEmbedding.model_hash == model_hash))
    return int(items), int(highest), int(embedded or 0)
