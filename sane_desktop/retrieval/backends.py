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

from sqlalchemy import URL, Engine

from sane_desktop.errors import InputError

FAISS = "faiss"
PGVECTOR = "pgvector"
BACKENDS = (FAISS, PGVECTOR)
BACKEND_VARIABLE = "SANE_VECTOR_BACKEND"


def choose_backend(engine: Engine, requested: str | None = None) -> str:
    """``requested``, else ``$SANE_VECTOR_BACKEND``, else ``faiss``; InputError (one line) for an
    unknown name, or pgvector for a catalogue that is not on PostgreSQL."""
    return _chosen(engine.url.get_backend_name(), requested)


def _chosen(database_backend: str, requested: str | None) -> str:
    name = (requested or os.environ.get(BACKEND_VARIABLE) or FAISS).strip().lower()
    if name not in BACKENDS:
        raise InputError(f"unknown vector backend {name!r}: choose {' or '.join(BACKENDS)}")
    if name == PGVECTOR and database_backend != "postgresql":
        raise InputError("the pgvector backend keeps vectors on the catalogue's PostgreSQL server: "
                         "open the catalogue by a postgresql+psycopg:// URL, or use faiss")
    return name


def require_usable_backend(url: str, requested: str | None = None) -> None:
    """Refuse, before a catalogue is imported or embedded, a backend the database at ``url`` cannot
    hold: :func:`choose_backend`'s refusals, and pgvector on a server without the ``vector`` extension
    (a trial's index imported and embedded every photo, then ended in the driver's three-line
    "extension "vector" is not available"). Creates the extension when the server offers it and
    this user may. A server that cannot be reached is left to the import to say."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # the store says it in its own words
        return
    if _chosen(parsed.get_backend_name(), requested) != PGVECTOR:
        return
    import psycopg

    from sane_desktop.retrieval.pgvector_store import create_extension
    from sane_desktop.store.db import display_location

    where = display_location(parsed)
    try:
        connection = psycopg.connect(conninfo(parsed), autocommit=True, connect_timeout=10)
    except psycopg.Error:
        return
    try:
        row = connection.execute("SELECT installed_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if row is None:
            raise InputError(f"the PostgreSQL server of {where} has no pgvector extension to install: install "
                             "pgvector (0.6 or later) on the server, or use the faiss backend")
        if row[0] is None:
            try:
                create_extension(connection)
            except psycopg.Error as error:
                raise InputError(f"the database {where} has no pgvector extension and this user cannot create it "
                                 f"({str(error).splitlines()[0]}): its owner runs CREATE EXTENSION vector") from None
    finally:
        connection.close()


def pg_connection(engine: Engine) -> Any:
    """A new autocommit psycopg connection to the server and database of ``engine`` (the
    credentials stay in memory: they come from the engine's URL)."""
    import psycopg  # the postgres extra; only a PostgreSQL catalogue gets here

    return psycopg.connect(conninfo(engine.url), autocommit=True)


def conninfo(url: URL) -> str:
    """libpq's connection string for the server and database of ``url``, each part quoted as libpq reads it
    (``psycopg.conninfo.make_conninfo``). Not the URL rendered back to text: a password with a space left
    the space unencoded there, which libpq refused, printing the password (trial DX), and one in the query
    became a "+"; the parts are the URL's, decoded, and libpq's query parameters (a socket's ``host``) too.
    Holds the password: never log or show it."""
    from psycopg.conninfo import make_conninfo

    parts: dict[str, Any] = {key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}
    parts.update({key: value for key, value in (("host", url.host), ("port", url.port), ("user", url.username),
                                                 ("password", url.password), ("dbname", url.database))
                  if value is not None})
    return make_conninfo("", **parts)


def pg_table_name(catalogue_pk: int, model_hash: str, category: str) -> str:
    """The table of one catalogue category's vectors: catalogue key, model hash prefix and a digest
    of the category name (any name, a valid SQL identifier)."""
    digest = hashlib.sha256(category.encode("utf-8")).hexdigest()[:12]
    return f"vec_{int(catalogue_pk)}_{model_hash[:12].lower()}_{digest}"


def pg_table_prefix(catalogue_pk: int) -> str:
    """The prefix every vector table of catalogue ``catalogue_pk`` starts with."""
    return f"vec_{int(catalogue_pk)}_"
