"""Trial DT: two runs importing one catalogue into one database at the same moment.

- PostgreSQL: a ``--shard`` worker and a plain ``index`` started together on a new database; the shard worker
  died on ``duplicate key value violates unique constraint "catalogues_name_key"``, as only shard workers
  took the import's advisory lock. Every import on a server takes it now: a second waits for the first, then
  finds the files unchanged.
- SQLite: two runs with their own index folders and one database file; the second died on "UNIQUE constraint
  failed: catalogues.name". Both hold the database folder's writer lock now: the second is refused at once,
  naming the first (``tests/test_identity_and_provenance.py`` has the lock's own test)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.retrieval_world import make_catalogue

DEADLINE_S = 60.0


def _waiting_on_an_advisory_lock(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar_one())
    finally:
        engine.dispose()


def test_a_plain_import_waits_for_another_import_of_the_catalogue_on_a_server(postgres_url: str,
                                                                            tmp_path: Path) -> None:
    from sane_desktop.store.db import open_store
    from sane_desktop.store.importer import import_folder
    from sane_desktop.store.work_queue import advisory_lock

    root = make_catalogue(tmp_path / "shop", items=30)
    holder = open_store(postgres_url)
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            engine, summary = import_folder(root, "shop", postgres_url)
            outcome["items"] = summary.items
            engine.dispose()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = error

    try:
        with advisory_lock(holder, "import:shop"):  # a shard worker importing the catalogue now
            thread = threading.Thread(target=second, daemon=True)
            thread.start()
            give_up = time.monotonic() + DEADLINE_S
            while _waiting_on_an_advisory_lock(postgres_url) < 1:
                assert thread.is_alive(), f"the plain import did not wait for the other: {outcome}"
                assert time.monotonic() < give_up, "the plain import never waited"
                time.sleep(0.05)
            assert "items" not in outcome
        thread.join(DEADLINE_S)
    finally:
        holder.dispose()
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["items"] == 30
