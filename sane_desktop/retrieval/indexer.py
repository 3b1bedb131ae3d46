"""The indexing pipeline's earlier import path, kept for its callers (CLI, service, bench).

The work lives in :mod:`sane_desktop.retrieval.indexing` (typed stages) and its SQL in
:mod:`sane_desktop.store`; new code imports from there.
"""

from __future__ import annotations

from sqlalchemy import Engine

from sane_desktop.retrieval.indexing import DEMO_NOTE, IndexSummary, file_hash, index_catalogue, index_store
from sane_desktop.store.embeddings import load_embeddings
from sane_desktop.store.items import find_catalogue


def catalogue_pk(engine: Engine, name: str | None) -> tuple[int, str, str, int]:
    """(primary key, name, root, revision) of catalogue ``name`` (or the only one in the store).

    The tuple form of :func:`sane_desktop.store.items.find_catalogue`; raises NotFound the same way.
    """
    ref = find_catalogue(engine, name)
    return ref.pk, ref.name, ref.root, ref.revision


__all__ = ["DEMO_NOTE", "IndexSummary", "catalogue_pk", "file_hash", "index_catalogue", "index_store",
           "load_embeddings"]
