"""Issue 19, point 3: indexing across machines with ``index --shard i/n`` workers that claim batches
from the shared PostgreSQL catalogue (``FOR UPDATE SKIP LOCKED``), against a real server (PyPI's
``pgserver``; skipped, with the reason, where it cannot run). The workers are real CLI processes
(``python -m sane_desktop index … --shard i/n``).

- two workers at once finish a catalogue (into pgvector tables): every item has exactly one
  embedding row, the workers' own counts of committed embeddings add up to the item count (no item
  embedded twice), and the embeddings and query answers equal a single-worker FAISS index of the
  same folder on SQLite;
- a worker SIGKILLed while it holds a batch: the batch is rolled back, the next worker embeds
  exactly what was not committed (nothing lost, nothing twice);
- a worker that runs out of work waits for a batch another worker holds and takes it over when that
  worker's connection dies;
- ``--shard`` on SQLite is refused with one line, before anything is written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pg_helpers import pg_server
from sane_desktop.cli import main
from tests.retrieval_world import make_catalogue, make_model

psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")

ITEMS = 40  # small: every worker is a process that loads torch on a shared CPU
BATCH = 4
REPO = Path(__file__).resolve().parents[1]
DEADLINE_S = 300  # a hung worker fails the test instead of hanging it (not a speed assertion)


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with pg_server("sane-shards-") as pg:
        yield pg


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo catalogue, a tiny model, and the single-worker reference index on SQLite."""
    from sane_desktop.retrieval.indexing import index_catalogue

    base = tmp_path_factory.mktemp("shards")
    root, model = make_catalogue(base / "shop", items=ITEMS), make_model(base / "model.pt")
    reference = index_catalogue(root, "shop", model, db_url=f"sqlite:///{base / 'ref.db'}", workers=0,
                                index_dir=base / "ref", device="cpu")
    embeddings = _embeddings(f"sqlite:///{base / 'ref.db'}")
    assert len(embeddings) == ITEMS and reference.embedded == ITEMS
    return {"root": root, "model": model, "reference": reference, "embeddings": embeddings, "base": base}


def _database(server: Any, name: str) -> tuple[str, str]:
    """(SQLAlchemy URL, libpq URI) of a fresh database on the module's server."""
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        user, host = connection.info.user, connection.info.host
    return (f"postgresql+psycopg://{user}@/{name}?host={host}", f"postgresql://{user}@/{name}?host={host}")


def _embeddings(url: str) -> dict[str, list[np.ndarray]]:
    """item_id -> every stored embedding row of the item (a list, to see duplicates)."""
    from sqlalchemy import text

    from sane_desktop.store.db import open_store

    engine = open_store(url)
    found: dict[str, list[np.ndarray]] = {}
    with engine.connect() as connection:
        for item_id, blob in connection.execute(text(
                "SELECT i.item_id, e.embedding FROM item_embeddings e JOIN items i ON i.id = e.item_pk")):
            found.setdefault(str(item_id), []).append(np.frombuffer(blob, dtype=np.float32))
    engine.dispose()
    return found


def _worker(world: dict[str, Any], url: str, shard: str, index_dir: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sane_desktop", "index", str(world["root"]), "--name", "shop",
               "--model", str(world["model"]), "--db", url, "--index-dir", str(index_dir), "--shard", shard,
               "--batch-size", str(BATCH), "--workers", "0", "--device", "cpu", "--json", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=DEADLINE_S)
    assert process.returncode == 0, err[-3000:]
    result: dict[str, Any] = json.loads(out)
    return result


def _count(uri: str) -> int:
    """Embedding rows committed in the database (0 before the first worker created the schema)."""
    with psycopg.connect(uri) as connection:
        if connection.execute("SELECT to_regclass('item_embeddings')").fetchone()[0] is None:
            return 0
        return int(connection.execute("SELECT count(*) FROM item_embeddings").fetchone()[0])


def _wait_for(condition: Any, what: str, *processes: subprocess.Popen[str]) -> None:
    """Wait for ``condition``; fail, with its words, when one of ``processes`` ended first (a make test under
    load once waited its whole deadline for two workers, one of which had perhaps ended unseen)."""
    give_up = time.monotonic() + DEADLINE_S
    while not condition():
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"a worker ended (code {process.returncode}) before {what}: "
                            f"{process.stderr.read()[-2000:] if process.stderr else ''}")
        if time.monotonic() > give_up:
            pytest.fail(f"waited {DEADLINE_S} s for {what}")
        time.sleep(0.02)


def _same_as_reference(world: dict[str, Any], url: str) -> None:
    stored = _embeddings(url)
    assert sorted(stored) == sorted(world["embeddings"])
    assert all(len(rows) == 1 for rows in stored.values()), {k: len(v) for k, v in stored.items() if len(v) != 1}
    for item_id, rows in stored.items():  # batches of 4 here, one batch of 40 there: same vectors
        np.testing.assert_allclose(rows[0], world["embeddings"][item_id][0], atol=1e-5)


def test_two_workers_embed_every_item_exactly_once(server: Any, world: dict[str, Any], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Two CLI workers at once, each with its own index folder (two machines), into pgvector tables:
    every item embedded once, the workers' own counts add up to the catalogue, and the embeddings
    and answers equal the single-worker FAISS index on SQLite. So that both really run side by side
    (one would otherwise finish the small catalogue before the other has loaded torch), the test
    holds every item until both wait for them, then lets go: each then takes an item of its slice."""
    url, uri = _database(server, "two_workers")
    with _holding(world, url, ITEMS) as holder:
        first = _worker(world, url, "1/2", tmp_path / "ix1", "--vector-backend", "pgvector")
        second = _worker(world, url, "2/2", tmp_path / "ix2", "--vector-backend", "pgvector")
        _wait_for(lambda: _row_lock_waiters(uri, "two_workers") == 2, "both workers to wait for the held items", first,
                  second)
        holder.rollback()  # released, as a worker's commit releases its batch
    one, two = _finish(first), _finish(second)
    assert one["embedded"] >= 1 and two["embedded"] >= 1  # both worked ...
    assert one["embedded"] + two["embedded"] == ITEMS  # ... and an item embedded twice would count twice
    assert one["failed"] == two["failed"] == []
    assert one["items"] == two["items"] == ITEMS and one["shard"] == "1/2" and two["shard"] == "2/2"
    _same_as_reference(world, url)
    assert one["vectors"] == two["vectors"] == world["reference"].vectors
    assert set(one["index_types"].values()) == set(two["index_types"].values()) == {"pgvector,HNSW,ef_search200"}
    assert _count(uri) == ITEMS
    with capsys.disabled():  # the split, for the record (any split adding up to ITEMS is right)
        print(f"\nworker 1/2 embedded {one['embedded']}, worker 2/2 embedded {two['embedded']}")

    # query (--vector-backend pgvector) from either folder answers as the single-worker FAISS index
    item = sorted(world["embeddings"])[0]
    base = world["base"]
    # an outfit search lists every category's index; --similar its item's own category's
    for asked, categories in ((["--outfit", item], len(one["vectors"])), (["--similar", item], 1)):
        assert main(["query", "shop", "--db", f"sqlite:///{base / 'ref.db'}", "--index-dir", str(base / "ref"),
                     *asked, "-k", "5", "--json"]) == 0
        single = _ranked(capsys.readouterr().out)
        assert len(single) == categories
        for folder in ("ix1", "ix2"):
            assert main(["query", "shop", "--db", url, "--index-dir", str(tmp_path / folder), *asked,
                         "-k", "5", "--vector-backend", "pgvector", "--json"]) == 0
            assert _ranked(capsys.readouterr().out) == single
    assert main(["query", "shop", "--db", url, "--index-dir", str(tmp_path / "ix1"), "--similar", item,
                 "--vector-backend", "faiss"]) != 0  # the index is in pgvector: refused, not answered
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not faiss" in err, err


def _ranked(out: str) -> dict[str, list[str]]:
    return {category: [row["item_id"] for row in rows] for category, rows in json.loads(out)["results"].items()}


def test_a_killed_worker_loses_nothing_and_nothing_is_done_twice(server: Any, world: dict[str, Any],
                                                                tmp_path: Path) -> None:
    """SIGKILL while the worker holds a batch (its second, the first committed): the open batch is
    rolled back, and the next worker embeds exactly the items not committed.

    To kill it at that point without racing it, a trigger makes the worker's second batch wait, in
    the middle of its transaction, for an advisory lock the test holds (as a slow disk would)."""
    url, uri = _database(server, "killed_worker")
    engine, _ = _import(world, url)
    engine.dispose()
    with psycopg.connect(uri, autocommit=True) as test:
        test.execute("""
            CREATE FUNCTION hold_second_batch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT count(*) FROM item_embeddings) >= %d THEN
                    PERFORM set_config('lock_timeout', '0', true);
                    PERFORM pg_advisory_xact_lock_shared(4242);
                END IF;
                RETURN NEW;
            END $$""" % BATCH)
        test.execute("CREATE TRIGGER hold BEFORE INSERT ON item_embeddings FOR EACH ROW EXECUTE FUNCTION "
                     "hold_second_batch()")
        test.execute("SELECT pg_advisory_lock(4242)")
        doomed = _worker(world, url, "1/2", tmp_path / "ix1")
        _wait_for(lambda: _advisory_waiters(uri, "killed_worker") == 1, "the second batch to be in hand", doomed)
        assert _count(uri) == BATCH and _holding_rows(uri) == BATCH  # one batch committed, one held
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=DEADLINE_S)
        test.execute("DROP TRIGGER hold ON item_embeddings")
        test.execute("SELECT pg_advisory_unlock(4242)")
    survivor = _finish(_worker(world, url, "2/2", tmp_path / "ix2"))
    assert survivor["embedded"] == ITEMS - BATCH  # the killed batch taken over, the committed one not redone
    assert survivor["reused"] == BATCH
    _same_as_reference(world, url)
    assert survivor["vectors"] == world["reference"].vectors


def _import(world: dict[str, Any], url: str) -> Any:
    from sane_desktop.store.importer import import_folder

    return import_folder(world["root"], "shop", url)


def _advisory_waiters(uri: str, database: str) -> int:
    with psycopg.connect(uri) as connection:
        row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
                                 "'Lock' AND wait_event = 'advisory'", (database,)).fetchone()
    return int(row[0]) if row else 0


def _holding_rows(uri: str) -> int:
    """Items whose rows another transaction holds (the rows this probe's SKIP LOCKED passes over)."""
    with psycopg.connect(uri) as connection:
        total = connection.execute("SELECT count(*) FROM items").fetchone()
        free = connection.execute("SELECT count(*) FROM (SELECT id FROM items FOR UPDATE SKIP LOCKED) f").fetchone()
        connection.rollback()
    return int(total[0]) - int(free[0]) if total and free else 0


def test_an_idle_worker_takes_over_a_dead_workers_batch(server: Any, world: dict[str, Any], tmp_path: Path) -> None:
    """A batch claimed (row locks held) by a worker that then dies: another worker embeds the rest,
    waits for that batch instead of ending, and embeds it once the holder's connection is gone."""
    url, uri = _database(server, "takeover")
    with _holding(world, url, BATCH) as holder:
        survivor = _worker(world, url, "2/2", tmp_path / "ix")
        _wait_for(lambda: _count(uri) == ITEMS - BATCH, "every unheld item embedded", survivor)
        _wait_for(lambda: _row_lock_waiters(uri, "takeover") == 1, "the survivor to wait for the held batch", survivor)
        with psycopg.connect(uri, autocommit=True) as probe:  # the holder dies, as a crash looks to the server
            probe.execute("SELECT pg_terminate_backend(%s)", (_backend_pid(holder),))
    result = _finish(survivor)
    assert result["embedded"] == ITEMS
    _same_as_reference(world, url)


@contextmanager
def _holding(world: dict[str, Any], url: str, size: int) -> Iterator[Any]:
    """The catalogue imported into ``url``, and a connection whose open transaction has claimed
    ``size`` items the way a worker does (:func:`claim_batch`)."""
    from sane_desktop.store.db import open_store
    from sane_desktop.store.items import find_catalogue
    from sane_desktop.store.work_queue import Shard, claim_batch

    engine, _ = _import(world, url)
    engine.dispose()
    holder = open_store(url)
    connection = holder.connect()
    try:
        connection.begin()
        held = claim_batch(connection, find_catalogue(holder, "shop").pk, world["reference"].model_hash, size,
                           Shard(1, 1))
        assert len(held) == size
        yield connection
    finally:
        connection.invalidate()  # it may have been terminated
        holder.dispose()


def _backend_pid(connection: Any) -> int:
    from sqlalchemy import text

    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _row_lock_waiters(uri: str, database: str) -> int:
    """Backends of ``database`` waiting for a row another transaction holds."""
    with psycopg.connect(uri) as connection:
        row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
                                 "'Lock' AND wait_event IN ('transactionid', 'tuple')", (database,)).fetchone()
    return int(row[0]) if row else 0


def test_shard_on_sqlite_is_refused_in_one_line(world: dict[str, Any], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "c.db"
    code = main(["index", str(world["root"]), "--model", str(world["model"]), "--db", f"sqlite:///{db}",
                 "--shard", "1/2", "--workers", "0"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "SKIP LOCKED" in err and "PostgreSQL" in err, err
    assert not db.exists()  # refused before anything was written


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused_in_one_line(text: str, world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["index", str(world["root"]), "--model", str(world["model"]), "--db", "postgresql+psycopg:///x",
                 "--shard", text, "--workers", "0"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "--shard" in err, err
