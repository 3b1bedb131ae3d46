"""Which vector store a catalogue's indexes live in, chosen by its URL and configuration (issue 19,
point 1): FAISS files beside the catalogue (the embedded default), or pgvector tables on the
catalogue's own PostgreSQL server (the scale-out path, :mod:`.pgvector_store`).

The choice is ``vector_backend`` when a caller passes one, else the ``SANE_VECTOR_BACKEND``
environment variable, else FAISS; pgvector needs a ``postgresql`` catalogue URL (its vectors live
next to its rows). What was chosen is recorded per index in the manifest (``spec.kind``), so a
search opens each index with the store that built it.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from sqlalchemy import Engine

from sane_desktop.errors import InputError

FAISS = "faiss"
PGVECTOR = "pgvector"
BACKENDS = (FAISS, PGVECTOR)
BACKEND_VARIABLE = "SANE_VECTOR_BACKEND"


def choose_backend(engine: Engine, requested: str | None = None) -> str:
    """``requested``, else ``$SANE_VECTOR_BACKEND``, else ``faiss``; InputError (one line) for an
    unknown name, or pgvector for a catalogue that is not on PostgreSQL."""
    name = (requested or os.environ.get(BACKEND_VARIABLE) or FAISS).strip().lower()
    if name not in BACKENDS:
        raise InputError(f"unknown vector backend {name!r}: choose {' or '.join(BACKENDS)}")
    if name == PGVECTOR and engine.url.get_backend_name() != "postgresql":
        raise InputError("the pgvector backend keeps vectors on the catalogue's PostgreSQL server: "
                         "open the catalogue by a postgresql+psycopg:// URL, or use faiss")
    return name


def pg_connection(engine: Engine) -> Any:
    """A new autocommit psycopg connection to the server and database of ``engine`` (the
    credentials stay in memory: they come from the engine's URL)."""
    import psycopg  # the postgres extra; only a PostgreSQL catalogue gets here

    url = engine.url.set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def pg_table_name(catalogue_pk: int, model_hash: str, category: str) -> str:
    """The table of one catalogue category's vectors: catalogue key, model hash prefix and a digest
    of the category name (any name, a valid SQL identifier)."""
    digest = hashlib.sha256(category.encode("utf-8")).hexdigest()[:12]
    return f"vec_{int(catalogue_pk)}_{model_hash[:12].lower()}_{digest}"


def pg_table_prefix(catalogue_pk: int) -> str:
    """The prefix every vector table of catalogue ``catalogue_pk`` starts with."""
    return f"vec_{int(catalogue_pk)}_"
