"""Trial DT and DU: two runs importing or indexing one catalogue into one database at the same moment.

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


def _count(url: str, sql: str) -> int:
    """The one number ``sql`` selects on the server at ``url`` (its views of locks and sessions)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _waiting_on_an_advisory_lock(url: str) -> int:
    return _count(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")


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


def test_two_runs_writing_a_catalogues_shared_manifest_at_once_both_end(postgres_url: str, tmp_path: Path) -> None:
    """Trial DU: two plain indexes of one catalogue on a server, with their own index folders, at once; the
    second failed on ``shared_manifests_pkey`` (each deleted the row, then inserted). The row is written in one
    statement now: the second waits for the first and its row stays."""
    from sqlalchemy import select, text

    from sane_desktop.store import schema as S
    from sane_desktop.store.db import open_store
    from sane_desktop.store.importer import import_folder
    from sane_desktop.store.manifests import StoredManifest, write_shared_manifest

    engine, _summary = import_folder(make_catalogue(tmp_path / "shop", items=30), "shop", postgres_url)
    with engine.connect() as connection:
        pk = connection.execute(select(S.CatalogueRow.id)).scalar_one()
    first = StoredManifest("a" * 64, '{"first": 1}', "1" * 64)
    second = StoredManifest("b" * 64, '{"second": 2}', "2" * 64)
    outcome: dict[str, Any] = {}
    other = open_store(postgres_url)

    def second_run() -> None:
        try:
            write_shared_manifest(other, pk, second, None)
            outcome["done"] = True
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = error

    try:
        with engine.begin() as connection:  # the first run's write, not yet committed
            connection.execute(text("INSERT INTO shared_manifests (catalogue_id, model_hash, manifest, sha256, "
                                    "updated_at) VALUES (:pk, :h, :m, :s, now())"),
                               {"pk": pk, "h": first.model_hash, "m": first.text, "s": first.sha256})
            thread = threading.Thread(target=second_run, daemon=True)
            thread.start()
            give_up = time.monotonic() + DEADLINE_S
            while not _waiting_on_a_row(postgres_url) and thread.is_alive():
                assert time.monotonic() < give_up, "the second write never waited"
                time.sleep(0.05)
        thread.join(DEADLINE_S)
        assert "error" not in outcome, repr(outcome.get("error"))
        with engine.connect() as connection:
            assert connection.execute(select(S.SharedManifest.manifest)).scalars().all() == ['{"second": 2}']
    finally:
        other.dispose()
        engine.dispose()


def _waiting_on_a_row(url: str) -> bool:
    return bool(_count(url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
