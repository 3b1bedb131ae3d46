"""Scan stage: the catalogue's items as typed :class:`IndexItem` values, and which need embedding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from sane_desktop.catalogue.content_hash import file_hash as file_hash  # where the indexer's users find it
from sane_desktop.store.embeddings import embedded_hashes
from sane_desktop.store.items import CatalogueRef, catalogue_items

# content hash of an image file that could not be read: never equal to a real SHA-256 hex digest,
# so such an item is tried again on every run (and reported as failed when it still cannot decode)
MISSING_HASH = "missing"


@dataclass(frozen=True)
class IndexItem:
    """One item on its way into the index: primary key (the FAISS id), the catalogue's own id,
    category name, absolute image path and the SHA-256 hex of the image file."""

    pk: int
    item_id: str
    category: str
    path: Path
    content_hash: str


def scan_items(engine: Engine, catalogue: CatalogueRef) -> list[IndexItem]:
    """Every item of ``catalogue`` in primary-key order, with its image's content hash.

    The import records the hash of every image; an item it did not hash is hashed here (and gets
    :data:`MISSING_HASH` when its file cannot be read).
    """
    root = Path(catalogue.root)
    items = []
    for row in catalogue_items(engine, catalogue.pk):
        path = root / row.image_path
        content_hash = row.content_hash
        if not content_hash:
            try:
                content_hash = file_hash(path)
            except OSError:
                content_hash = MISSING_HASH
        items.append(IndexItem(row.pk, row.item_id, row.category, path, content_hash))
    return items


def items_to_embed(engine: Engine, model_hash: str, items: Sequence[IndexItem],
                   need_cells: bool = False) -> list[IndexItem]:
    """The ``items`` without a stored embedding for ``model_hash`` of their current image content
    (``need_cells``: or whose stored row lacks its per-cell outputs, e.g. indexed ``--cells on-demand``)."""
    done = embedded_hashes(engine, model_hash, [item.pk for item in items], with_cells=need_cells)
    return [item for item in items if done.get(item.pk) != item.content_hash]
