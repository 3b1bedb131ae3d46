"""Store stage: commit embedded chunks to the database, one transaction per batch.

Crash safety: a killed run keeps every committed batch, and the next run embeds only what is
missing (the scan stage compares content hashes). Commits run on one writer thread while the next
batch is being embedded (the database driver releases the GIL), so at most one batch waits; a
write error surfaces at the next batch, and no chunk is dropped on the way out.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine

from sane_desktop.progress import Progress, no_progress
from sane_desktop.retrieval.indexing.embed import EmbeddedChunk, IndexFailure
from sane_desktop.store.embeddings import replace_embeddings

PHASE = "embedding"


@dataclass(frozen=True)
class StoredEmbeddings:
    """How many rows were committed, and which items could not be embedded."""

    embedded: int
    failed: tuple[IndexFailure, ...]


def store_embeddings(engine: Engine, chunks: Iterable[EmbeddedChunk], total: int,
                     progress: Progress = no_progress) -> StoredEmbeddings:
    """Drain ``chunks`` into the store; ``progress(done, total, "embedding")`` after each batch.

    Raises whatever the chunks raise (e.g. :class:`~sane_desktop.errors.Cancelled`; batches
    committed before it stay) and SQLAlchemy's errors from the writer.
    """
    embedded = 0
    failed: list[IndexFailure] = []
    progress(0, total, PHASE)
    pending: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer") as writer:
        for chunk in chunks:  # the next chunk is embedded while the previous one is written
            failed.extend(chunk.failed)
            if pending is not None:
                pending.result()
            pending = writer.submit(replace_embeddings, engine, chunk.rows) if chunk.rows else None
            embedded += len(chunk.rows)
            progress(embedded + len(failed), total, PHASE)
        if pending is not None:
            pending.result()
    return StoredEmbeddings(embedded, tuple(failed))
