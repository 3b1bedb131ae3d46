"""PostgreSQL + pgvector behind the vector-store boundary (issue 19, point 2): the scale-out path.

One table per search block (a catalogue category's index) holds ``(id bigint primary key, embedding
vector(d))`` with an HNSW index for inner product (``vector_ip_ops``). Several GUIs and indexing
workers share the server; ids are the catalogue's stable item keys, as in FAISS.

Two ways to search, both answering the :class:`~sane_desktop.retrieval.vector_store.VectorStore`
protocol:

- ``exact=True``: the planner is told not to use the index, so the top ``k`` comes from a full scan
  ordered by inner product (ties by smaller id): the same ids and scores as FAISS flat;
- ``exact=False`` (default): the HNSW index with ``hnsw.ef_search`` = ``ef_search``
  (:data:`DEFAULT_EF_SEARCH`; tests/test_pgvector_store.py measures recall@10 against exact).

A filter (ids allowed, lowest score) is applied in SQL. pgvector 0.6 filters HNSW results *after*
the index scan (at most ``ef_search`` candidates), so a filtered search scans exactly: the best
``k`` of the allowed items, never fewer because the filter was selective.

Needs ``psycopg`` (the ``postgres`` extra) and a server with the ``vector`` extension: PyPI's
``pgserver`` wheel ships PostgreSQL 16 with pgvector 0.6 and starts it on a local socket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from sane_desktop.errors import InputError, StaleIndexError
from sane_desktop.retrieval.vector_store import NO_FILTER, Hits, SearchFilter
from sane_desktop.store.work_queue import lock_key

DEFAULT_EF_SEARCH = 200  # recall@10: 0.99 at 100, 1.0 at 200 (tests, 6000 clustered 64-d); pgvector default 40
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form ``[x1,x2,...]`` of a 1-d float vector (float32 round-trips exactly)."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def parse_vector(text: str) -> np.ndarray:
    return np.asarray([float(x) for x in text.strip("[]").split(",")], dtype=np.float32)



def create_extension(connection: Any) -> None:
    """Create pgvector's ``vector`` extension in the database of ``connection`` (a psycopg connection)
    unless it is there. Two workers starting on a fresh database both ran CREATE EXTENSION IF NOT
    EXISTS and one failed on the catalogue's unique key (IF NOT EXISTS is not safe against a
    concurrent creation): the creation waits on a transaction advisory lock, so the second finds the
    first's extension. Raises psycopg.Error when this user may not create it."""
    if connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is not None:
        return
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("create extension vector"),))
        connection.execute("CREATE EXTENSION IF NOT EXISTS vector")


class PgVectorStore:
    """A :class:`~sane_desktop.retrieval.vector_store.VectorStore` in one PostgreSQL table.

    ``connection``: an open psycopg 3 connection (autocommit, or committed by the caller: every
    write here commits its own transaction). ``table``: a lower-case SQL identifier.
    """

    def __init__(self, connection: Any, table: str, dimension: int, *, exact: bool = False,
                 ef_search: int = DEFAULT_EF_SEARCH) -> None:
        if not _NAME.match(table):
            raise InputError(f"{table!r} is not a usable table name (lower-case letters, digits, _)")
        self.connection = connection
        self.table = table
        self._dimension = dimension
        self.exact = exact
        self.ef_search = ef_search

    # --- build / open ----------------------------------------------------------------------------
    @classmethod
    def create(cls, connection: Any, table: str, dimension: int, **options: Any) -> PgVectorStore:
        """An empty store: the extension, the table and its HNSW index (replacing any old table)."""
        store = cls(connection, table, dimension, **options)
        create_extension(connection)
        with connection.transaction():
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, embedding vector({int(dimension)}) NOT NULL)")
            connection.execute(f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding vector_ip_ops) "
                               f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
        return store

    @classmethod
    def build(cls, connection: Any, table: str, vectors: np.ndarray, ids: np.ndarray, **options: Any) -> PgVectorStore:
        """A store holding ``vectors`` (n, d) keyed by ``ids`` (n,): table filled first, HNSW index
        built after (pgvector builds it much faster over existing rows than row by row)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        store = cls(connection, table, int(vectors.shape[1]), **options)
        create_extension(connection)
        with connection.transaction():
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, embedding vector({store.dimension}) NOT NULL)")
            store._copy(np.asarray(ids, dtype=np.int64), vectors)
            connection.execute(f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding vector_ip_ops) "
                               f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
        return store

    @classmethod
    def open(cls, connection: Any, table: str, dimension: int, vector_count: int | None = None,
             **options: Any) -> PgVectorStore:
        """The existing table ``table``, checked: its vectors must have ``dimension`` (and, when
        given, there must be ``vector_count`` rows); StaleIndexError otherwise or when it is missing."""
        store = cls(connection, table, dimension, **options)
        row = connection.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attname = 'embedding'", (table,)).fetchone()
        if row is None:
            raise StaleIndexError(f"vector table {table} is missing on the server: re-run sane-desktop index")
        if row[0] != f"vector({dimension})":
            raise StaleIndexError(f"vector table {table} holds {row[0]}, not vector({dimension}): re-run sane-desktop index")
        if vector_count is not None and len(store) != vector_count:
            raise StaleIndexError(f"vector table {table} holds {len(store)} vectors, not {vector_count}: "
                                  "re-run sane-desktop index")
        return store

    def save(self) -> None:
        """Nothing to write: every change is committed on the server when it is made."""

    def close(self) -> None:
        """Close the connection (the server's session ends). One searcher's stores share one
        connection: closing it again is harmless (psycopg ignores a second close)."""
        self.connection.close()

    def _copy(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self.connection.cursor() as cursor, cursor.copy(f"COPY {self.table} (id, embedding) FROM STDIN") as copy:
            for item, vector in zip(ids.tolist(), vectors):
                copy.write_row((item, vector_literal(vector)))

    # --- the VectorStore protocol ----------------------------------------------------------------
    @property
    def dimension(self) -> int:
        return self._dimension

    def __len__(self) -> int:
        return int(self.connection.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace (an id present gets the new vector), in one transaction."""
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (id, embedding) VALUES (%s, %s::vector) "
                "ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding",
                [(item, vector_literal(vector)) for item, vector in zip(ids.tolist(), vectors)])

    def remove(self, ids: Iterable[int]) -> int:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        with self.connection.transaction():
            return int(self.connection.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", (wanted,)).rowcount)

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = (),
               blocks: Sequence[slice] | None = None, where: SearchFilter = NO_FILTER) -> Hits:
        """Top ``k`` by inner product (``<#>`` is its negative), ``exclude`` left out, ``where``
        applied in SQL; exact (a full scan) when ``exact`` or when filtering by ids, else HNSW with
        ``ef_search``. ``blocks`` unused (the index covers every column)."""
        if k <= 0:
            return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
        sql, parameters, exact = self._query(query, k, exclude, where)
        with self.connection.transaction():
            if exact:
                self.connection.execute("SET LOCAL enable_indexscan = off")
            else:
                self.connection.execute(f"SET LOCAL hnsw.ef_search = {int(self.ef_search)}")
            rows = self.connection.execute(sql, parameters).fetchall()
        rows.sort(key=lambda row: (-row[1], row[0]))  # ties by smaller id (the HNSW order has none)
        return Hits(np.asarray([row[0] for row in rows], dtype=np.int64),
                    np.asarray([row[1] for row in rows], dtype=np.float32))

    def plan(self, query: np.ndarray, k: int, exclude: Iterable[int] = (), where: SearchFilter = NO_FILTER) -> str:
        """PostgreSQL's plan for :meth:`search` with these arguments (EXPLAIN), to see whether the
        HNSW index answers."""
        sql, parameters, exact = self._query(query, k, exclude, where)
        with self.connection.transaction():
            if exact:
                self.connection.execute("SET LOCAL enable_indexscan = off")
            rows = self.connection.execute("EXPLAIN " + sql, parameters).fetchall()
        return "\n".join(str(row[0]) for row in rows)

    def _query(self, query: np.ndarray, k: int, exclude: Iterable[int],
               where: SearchFilter) -> tuple[str, tuple[Any, ...], bool]:
        literal = vector_literal(np.asarray(query, dtype=np.float32).reshape(self.dimension))
        conditions: list[str] = []
        parameters: list[Any] = []
        excluded = [int(i) for i in exclude]
        if excluded:
            conditions.append("id <> ALL(%s)")
            parameters.append(excluded)
        if where.allowed is not None:
            conditions.append("id = ANY(%s)")
            parameters.append([int(i) for i in where.allowed])
        if where.min_score is not None:
            conditions.append("(embedding <#> %s::vector) <= %s")
            parameters.extend([literal, -float(where.min_score)])
        clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        exact = self.exact or where.allowed is not None
        # the HNSW index serves only ORDER BY <distance> LIMIT k: a second sort key would make
        # PostgreSQL scan and sort every row; exact search breaks ties by id in SQL
        order = "embedding <#> %s::vector, id" if exact else "embedding <#> %s::vector"
        sql = f"SELECT id, -(embedding <#> %s::vector) FROM {self.table} {clause} ORDER BY {order} LIMIT %s"
        return sql, (literal, *parameters, literal, int(k)), exact

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        wanted = [int(i) for i in ids]
        if not wanted:
            return np.empty((0, self.dimension), np.float32)
        rows = dict(self.connection.execute(f"SELECT id, embedding::text FROM {self.table} WHERE id = ANY(%s)",
                                            (wanted,)).fetchall())
        missing = [i for i in wanted if i not in rows]
        if missing:
            raise KeyError(f"ids not in the store: {missing}")
        return np.stack([parse_vector(rows[i]) for i in wanted])

    def ids(self) -> np.ndarray:
        rows = self.connection.execute(f"SELECT id FROM {self.table} ORDER BY id").fetchall()
        return np.asarray([row[0] for row in rows], dtype=np.int64)
