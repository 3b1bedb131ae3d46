"""Shard stage: the embed + store stages of an ``index --shard i/n`` worker, which claims its
batches from the shared PostgreSQL catalogue instead of embedding a list it scanned
(:mod:`sane_desktop.store.work_queue` holds the SQL and the argument for its guarantees).

One transaction per batch: claim (row locks) → embed → write the vectors → commit. A worker keeps
claiming until no item of the catalogue lacks an embedding for the model; when the only ones left
are held by other workers it waits for them, and takes them over if their holder dies. Items whose
image cannot be decoded are reported and not claimed again by this worker.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from sane_desktop.errors import Cancelled
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.indexing.embed import IndexFailure, embed_items
from sane_desktop.retrieval.indexing.model import IndexModel
from sane_desktop.retrieval.indexing.scan import MISSING_HASH, IndexItem, file_hash
from sane_desktop.retrieval.indexing.store import PHASE, StoredEmbeddings
from sane_desktop.store.embeddings import EmbeddingRow, write_embeddings
from sane_desktop.store.items import CatalogueRef
from sane_desktop.store.work_queue import ClaimedItem, Shard, claim_batch, remaining, require_server

logger = logging.getLogger(__name__)


def embed_claimed(engine: Engine, model: IndexModel, catalogue: CatalogueRef, shard: Shard, *,
                  batch_size: int = 64, workers: int | None = None, should_stop: CancelCheck = never_cancel,
                  progress: Progress = no_progress, store_cells: bool = True) -> StoredEmbeddings:
    """Claim, embed and commit batches of ``batch_size`` items of ``catalogue`` until none lacks an
    embedding for ``model``; returns what *this* worker committed (``embedded`` counts only its own
    rows, so the workers' counts add up to the items embedded).

    ``progress(done, total, "embedding")``: ``total`` is what was left when this worker started
    (shared with the other workers, so one worker usually ends below it). Raises InputError off
    PostgreSQL, Cancelled between batches (the batch in hand is rolled back and released).
    """
    require_server(engine)
    root = Path(catalogue.root)
    embedded = 0
    failed: list[IndexFailure] = []
    gave_up: list[int] = []  # pks whose image failed here: not claimed again by this worker
    with engine.connect() as connection:
        total = remaining(connection, catalogue.pk, model.content_hash)
        connection.commit()
        progress(0, total, PHASE)
        while True:
            if should_stop():
                raise Cancelled("indexing cancelled")
            with connection.begin():  # the claim's row locks end with this transaction
                claimed = claim_batch(connection, catalogue.pk, model.content_hash, batch_size, shard, gave_up)
                if not claimed:  # what is left (if anything) is held by other workers: wait for it
                    claimed = claim_batch(connection, catalogue.pk, model.content_hash, batch_size, shard, gave_up,
                                          wait=True)
                rows, bad = _embed(model, root, claimed, batch_size, workers, should_stop, store_cells)
                write_embeddings(connection, rows)
            if claimed:
                logger.info("shard %s: committed %d embeddings (%d failed) of catalogue %r", shard.label,
                            len(rows), len(bad), catalogue.name)
            embedded += len(rows)
            failed.extend(bad)
            by_id = {item.item_id: item.pk for item in claimed}
            gave_up.extend(by_id[failure["id"]] for failure in bad)
            progress(min(embedded + len(failed), total), total, PHASE)
            if not claimed:
                left = remaining(connection, catalogue.pk, model.content_hash, gave_up)
                connection.commit()
                if left == 0:
                    return StoredEmbeddings(embedded, tuple(failed))


def _embed(model: IndexModel, root: Path, claimed: list[ClaimedItem], batch_size: int, workers: int | None,
           should_stop: CancelCheck, store_cells: bool = True) -> tuple[list[EmbeddingRow], list[IndexFailure]]:
    """The embedding rows of the claimed items, and those whose image could not be decoded."""
    if not claimed:
        return [], []
    items = [IndexItem(c.pk, c.item_id, c.category, root / c.image_path, c.content_hash or _hash(root / c.image_path))
             for c in claimed]
    rows: list[EmbeddingRow] = []
    failed: list[IndexFailure] = []
    for chunk in embed_items(model.bundle, items, batch_size=batch_size, workers=workers, should_stop=should_stop,
                             store_cells=store_cells):
        rows.extend(chunk.rows)
        failed.extend(chunk.failed)
    return rows, failed


def _hash(path: Path) -> str:
    try:
        return file_hash(path)
    except OSError:
        return MISSING_HASH
