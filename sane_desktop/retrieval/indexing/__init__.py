"""Indexing a catalogue as a pipeline of typed stages (each stage one module)::

    index_catalogue(root)                       pipeline.py: import the folder, then index_store
    └── index_store(engine, name)
        ├── load_index_model   -> IndexModel          model.py: checkpoint loaded once, passed down
        ├── scan_items         -> list[IndexItem]     scan.py: items, image paths, content hashes
        ├── items_to_embed     -> list[IndexItem]     scan.py: those without a current embedding
        ├── embed_items        -> EmbeddedChunk, ...  embed.py: batched decode + forward passes
        ├── store_embeddings   -> StoredEmbeddings    store.py: one commit per batch, writer thread
        │   (index --shard i/n: embed_claimed           shard.py: claim → embed → write → commit per
        │    batch on a shared PostgreSQL, SELECT … FOR UPDATE SKIP LOCKED; store/work_queue.py)
        └── build_indexes      -> BuiltIndexes        build.py: FAISS files + manifest from the DB

Crash safety comes from the order of work: embeddings are committed batch by batch (a killed run
keeps every finished batch; the next run embeds only what is missing), and the FAISS files and
their manifest are always rebuilt from the database at the end, each written atomically.
Incremental: an item whose image content hash is unchanged is not embedded again; removed items
leave with their rows (ON DELETE CASCADE); a changed file is re-embedded. Embeddings are keyed by
the model's content hash (which covers its preprocessing), so another model re-embeds everything
and the manifest check makes searching an index of another model impossible. All SQL lives in
:mod:`sane_desktop.store.items` and :mod:`sane_desktop.store.embeddings`.
"""

from sane_desktop.retrieval.indexing.build import BuiltIndexes, build_indexes
from sane_desktop.retrieval.indexing.embed import EmbeddedChunk, IndexFailure, embed_items
from sane_desktop.retrieval.indexing.model import DEMO_NOTE, IndexModel, load_index_model
from sane_desktop.retrieval.indexing.pipeline import IndexSummary, index_catalogue, index_store
from sane_desktop.retrieval.indexing.scan import IndexItem, file_hash, items_to_embed, scan_items
from sane_desktop.retrieval.indexing.shard import embed_claimed
from sane_desktop.retrieval.indexing.store import StoredEmbeddings, store_embeddings

__all__ = [
    "DEMO_NOTE", "BuiltIndexes", "EmbeddedChunk", "IndexFailure", "IndexItem", "IndexModel",
    "IndexSummary", "StoredEmbeddings", "build_indexes", "embed_claimed", "embed_items", "file_hash", "index_catalogue",
    "index_store", "items_to_embed", "load_index_model", "scan_items", "store_embeddings",
]
