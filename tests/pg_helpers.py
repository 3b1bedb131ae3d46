"""A real PostgreSQL 16 + pgvector for the tests, from PyPI's ``pgserver`` (Qt-free):
``from pg_helpers import pg_server, vector_database`` (``tests/`` is on pytest's path)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def pg_server(prefix: str) -> Iterator[Any]:
    """A fresh pgserver instance in a temporary folder (``prefix`` names it), removed afterwards.
    Skips the test, with the reason, when pgserver is not installed or cannot start here."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver not installed (pip install -e '.[test]')")
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        server = pgserver.get_server(folder, cleanup_mode="delete")
    except Exception as error:  # noqa: BLE001 - any start failure is a reason to skip, shown
        pytest.skip(f"pgserver could not start PostgreSQL here: {type(error).__name__}: {error}")
    try:
        yield server
    finally:
        server.cleanup()


def vector_database(server: Any, name: str) -> tuple[str, str]:
    """Create database ``name`` on ``server`` with the vector extension; returns its SQLAlchemy
    (``postgresql+psycopg``) and libpq URLs, as the server's superuser over its local socket."""
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        user, host = admin.info.user, admin.info.host
    libpq = f"postgresql://{user}@/{name}?host={host}"
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return f"postgresql+psycopg://{user}@/{name}?host={host}", libpq


class _Listener:
    """The answering port's listening socket and its thread: ``close()`` stops both (a plain close
    leaves a thread blocked in accept() on Linux, one more stack in every fault dump after it)."""

    def __init__(self, listener: Any, thread: Any) -> None:
        self._listener, self._thread = listener, thread

    def close(self) -> None:
        import socket

        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)


def answering_port(reply: bytes) -> tuple[int, _Listener]:
    """A local port whose server answers each connection's first message with ``reply`` (``b"N"``: "no TLS
    here", as a PostgreSQL server without TLS answers a request for it; an HTTP line: not PostgreSQL at all).
    Returns (port, its listener: close it). No PostgreSQL needed."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def answer() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(1024)
                connection.sendall(reply)

    thread = threading.Thread(target=answer, daemon=True, name="answering-port")
    thread.start()
    return listener.getsockname()[1], _Listener(listener, thread)
