"""Embed stage: images of :class:`IndexItem` values -> typed embedding rows, batch by batch.

The heavy lifting (decode workers, batched forward passes) is
:func:`sane_desktop.retrieval.embedding.embed_images`; this stage ties each embedded image back to
its item and turns the arrays into :class:`~sane_desktop.store.embeddings.EmbeddingRow` bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.progress import CancelCheck, never_cancel
from sane_desktop.retrieval.embedding import EmbeddedBatch, embed_images, has_frozen_trunk, trunk_identity
from sane_desktop.retrieval.feature_cache import FeatureCache
from sane_desktop.retrieval.indexing.scan import IndexItem
from sane_desktop.store.embeddings import EmbeddingRow

DECODE_FAILED = "image could not be decoded"
# the file was there when the import read it, and is not now (trial EK deleted the folder during an index: 1,116
# photos read "could not be decoded")
FILE_GONE = "the image file was moved or deleted while the catalogue was indexed"
# the file was replaced after the import hashed it: embedding it would store another photo's picture
# under the recorded photo's hash (the next index run imports the file as it is now)
PHOTO_CHANGED = "the photo changed after it was imported: run index again"
# Per-cell outputs (K × D float16: 6.3 KB an item with the Lite0 trunk, three quarters of the database)
# are stored for catalogues up to this many items; above it they are computed on demand for the items
# on screen (issue 19: at 10M items they alone would be ~60 GB). ``index --cells`` overrides.
CELLS_STORED_LIMIT = 1_000_000
CELLS_POLICIES = ("auto", "stored", "on-demand")


def store_cells_for(policy: str, n_items: int) -> bool:
    """Whether the indexer stores per-cell outputs under ``policy`` (``auto``: up to
    :data:`CELLS_STORED_LIMIT` items) for a catalogue of ``n_items``; ValueError for another policy."""
    if policy not in CELLS_POLICIES:
        raise ValueError(f"unknown cells policy {policy!r}; choose from {', '.join(CELLS_POLICIES)}")
    return policy == "stored" or (policy == "auto" and n_items <= CELLS_STORED_LIMIT)


class IndexFailure(TypedDict):
    """An item left out of the index (the ``failed`` entries of ``index --json``)."""

    id: str  # the catalogue's item id
    path: str  # the image file
    reason: str


@dataclass(frozen=True)
class EmbeddedChunk:
    """What one batch gave: rows to store, and the items whose image could not be decoded."""

    rows: tuple[EmbeddingRow, ...]
    failed: tuple[IndexFailure, ...]


def embed_items(
    bundle: ModelBundle,
    items: Sequence[IndexItem],
    *,
    batch_size: int = 64,
    workers: int | None = None,
    should_stop: CancelCheck = never_cancel,
    store_cells: bool = True,
) -> Iterator[EmbeddedChunk]:
    """One :class:`EmbeddedChunk` per batch of ``batch_size`` items, lazily (nothing runs until the
    first chunk is asked for). Raises :class:`~sane_desktop.errors.Cancelled` between batches when
    ``should_stop()`` says so. ``store_cells`` False: the rows carry no per-cell outputs (the
    explanations compute them when asked, :meth:`sane_desktop.service.model.ModelContext.cells`)."""
    paths = [item.path for item in items]
    # a frozen pretrained trunk: its features are cached by image content (train reuses them)
    cache = FeatureCache(trunk_identity(bundle)) if has_frozen_trunk(bundle) else None
    # every decoded file is checked against the hash its item was imported with
    hashes = [item.content_hash for item in items]
    for batch in embed_images(bundle, paths, batch_size=batch_size, workers=workers, should_stop=should_stop,
                              hashes=hashes, cache=cache):
        failed = tuple(IndexFailure(id=items[i].item_id, path=str(items[i].path), reason=unread_reason(items[i].path))
                       for i in batch.failed) + tuple(
            IndexFailure(id=items[i].item_id, path=str(items[i].path), reason=PHOTO_CHANGED) for i in batch.changed)
        yield EmbeddedChunk(_rows(bundle.content_hash, items, batch, store_cells), failed)


def unread_reason(path: Path) -> str:
    """Why a photo the import read could not be embedded: gone since, or no longer decodable."""
    try:
        return DECODE_FAILED if path.exists() else FILE_GONE
    except OSError:  # a share that stopped answering: the file cannot be read, whatever it holds
        return FILE_GONE


def _rows(model_hash: str, items: Sequence[IndexItem], batch: EmbeddedBatch,
          store_cells: bool = True) -> tuple[EmbeddingRow, ...]:
    rows = []
    for row, position in enumerate(batch.indices.tolist()):
        item = items[position]
        embedding = batch.embeddings[row].astype(np.float32)
        scores = batch.attribute_scores
        rows.append(EmbeddingRow(
            item_pk=item.pk, model_hash=model_hash, content_hash=item.content_hash,
            embedding=embedding.tobytes(), cells=batch.cells[row].astype(np.float16).tobytes() if store_cells else None,
            attribute_scores=None if scores is None else scores[row].astype(np.float32).tobytes(),
            norm=float(np.linalg.norm(embedding)),
        ))
    return tuple(rows)
