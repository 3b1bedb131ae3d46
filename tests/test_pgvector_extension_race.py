"""CI once failed when two shard workers started on a fresh database at the same moment: both ran
``CREATE EXTENSION IF NOT EXISTS vector`` and the second died on the extension catalogue's unique key
("duplicate key value violates unique constraint pg_extension_name_index"), as IF NOT EXISTS does not
guard against a concurrent creation. Here a first worker's creation is held open while a second
worker checks the backend or creates its table: the second must wait for it and go on, every time
(the fault showed only when the two happened to overlap, so the overlap is made certain)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pg_helpers import pg_server

psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")

DEADLINE_S = 60.0


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with pg_server("sane-extension-") as pg:
        yield pg


def _fresh(server: Any, name: str) -> tuple[str, str]:
    """(SQLAlchemy URL, libpq URI) of a new database without the vector extension."""
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        user, host = admin.info.user, admin.info.host
    return f"postgresql+psycopg://{user}@/{name}?host={host}", f"postgresql://{user}@/{name}?host={host}"


def _waiting(uri: str, name: str) -> int:
    """How many sessions of database ``name`` wait on a lock."""
    with psycopg.connect(uri, autocommit=True) as watcher:
        row = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                              (name,)).fetchone()
    return int(row[0]) if row else 0


def _second_while_first_creates(server: Any, name: str, second: Callable[[str, Any], None]) -> None:
    """Hold a first worker's creation of the extension open (uncommitted), run ``second(url, uri)`` in a
    thread until it waits on the first, then commit the first; ``second`` must end without an error."""
    from sane_desktop.retrieval.pgvector_store import create_extension

    url, uri = _fresh(server, name)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            second(url, uri)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    with psycopg.connect(uri, autocommit=True) as first:
        with first.transaction():
            create_extension(first)
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            give_up = time.monotonic() + DEADLINE_S
            while _waiting(uri, name) < 1 and thread.is_alive():
                assert time.monotonic() < give_up, "the second worker never waited for the first"
                time.sleep(0.05)
        thread.join(DEADLINE_S)
    assert not thread.is_alive(), "the second worker did not finish after the first committed"
    assert not errors, f"the second worker failed: {errors[0]!r}"
    with psycopg.connect(uri, autocommit=True) as check:
        assert check.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (1,)


def test_backend_check_waits_for_a_concurrent_creation(server: Any) -> None:
    from sane_desktop.retrieval.backends import require_usable_backend

    _second_while_first_creates(server, "backend_check", lambda url, uri: require_usable_backend(url, "pgvector"))


def test_table_creation_waits_for_a_concurrent_creation(server: Any) -> None:
    import numpy as np

    from sane_desktop.retrieval.pgvector_store import PgVectorStore

    def build(url: str, uri: str) -> None:
        with psycopg.connect(uri, autocommit=True) as connection:
            store = PgVectorStore.build(connection, "t_race", np.eye(4, dtype=np.float32), np.arange(1, 5))
            assert sorted(store.ids().tolist()) == [1, 2, 3, 4]

    _second_while_first_creates(server, "table_build", build)


def test_an_existing_extension_takes_no_lock(server: Any) -> None:
    """Once the extension is there, creating it again is a lookup: no transaction, no advisory lock
    that a long-running worker could hold up."""
    from sane_desktop.retrieval.pgvector_store import create_extension

    _, uri = _fresh(server, "existing")
    with psycopg.connect(uri, autocommit=True) as connection:
        create_extension(connection)
        connection.execute("SET lock_timeout = '5s'")  # a lock taken would fail here rather than hang
        with psycopg.connect(uri, autocommit=True) as other, other.transaction():
            other.execute("SELECT pg_advisory_xact_lock(%s)", (_key(),))
            create_extension(connection)
        assert connection.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (1,)


def _key() -> int:
    from sane_desktop.store.work_queue import lock_key

    return lock_key("create extension vector")
