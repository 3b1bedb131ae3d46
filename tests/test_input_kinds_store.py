"""Issue 14, the store and model kinds: environment faults are one StoreError line (kind 4), a kill
never leaves a database that refuses to open (kind 5), an untrusted checkpoint is checked before
anything is built from it (kind 6). Each instance of the issue is a test; each kind has a test that
catches a new instance."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from sqlalchemy import create_engine, text

from sane_desktop.errors import StoreError
from sane_desktop.models import checkpoint as ckpt
from sane_desktop.models import AttributeNet, CheckpointError, CompatibilityNet, ModelBundle, Preprocessing
from sane_desktop.store import db, migrations
from sane_desktop.store import schema as S
from sane_desktop.store.db import is_read_only, open_store, schema_version, sqlite_access, sqlite_read_only_url

REPO = Path(__file__).resolve().parents[1]
SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "[SQL", "Background on this error")

(HEAD,) = set(migrations.script_directory().get_heads())  # throwaway test revisions go on top of it



def one_clean_line(message: str, where: str) -> None:
    assert "\n" not in message and where in message, message
    assert not any(word in message for word in SQL_WORDS), message


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- kind 4: environment faults ---------------------------------------------------------------------

@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop" / "catalogue.db"
    open_store(sqlite_url(path)).dispose()
    return path


def test_default_busy_timeout_suits_a_desktop_app() -> None:
    assert 1 <= db.BUSY_TIMEOUT_S <= 10  # was 30 s


def test_locked_database_waits_briefly_then_one_store_line(store_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.3)  # the default is what open_store waits
    other = sqlite3.connect(store_file, isolation_level=None)  # "another program"
    other.execute("PRAGMA locking_mode=EXCLUSIVE")  # like a tool that keeps the whole file locked
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO catalogues(name, root, format, revision) VALUES ('x', '/', 'polyvore', 0)")
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="is locked by another program") as caught:
            engine = open_store(sqlite_url(store_file))
            with engine.connect() as connection:
                connection.execute(text("SELECT count(*) FROM items"))
        assert time.monotonic() - started < 5
        one_clean_line(str(caught.value), str(store_file))
        assert "waited 0.3 s" in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_writer_lock_blocks_a_write_for_busy_timeout_only(store_file: Path) -> None:
    other = sqlite3.connect(store_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a running import elsewhere: readers go on, writers wait
    try:
        engine = open_store(sqlite_url(store_file), busy_timeout=0.2)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM items")) == 0
        with pytest.raises(StoreError, match="locked by another program"), engine.begin() as connection:
            connection.execute(S.CatalogueRow.__table__.insert().values(name="a", root="/", format="x"))
        engine.dispose()
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_not_a_database_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "catalogue.db"
    junk.write_bytes(b"this is no SQLite file" * 300)
    with pytest.raises(StoreError, match="not a catalogue database") as caught:
        open_store(sqlite_url(junk))
    one_clean_line(str(caught.value), str(junk))
    assert "file is not a database" in str(caught.value)


def test_table_from_another_version_is_one_line(store_file: Path) -> None:
    engine = open_store(sqlite_url(store_file))
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE item_embeddings"))
        with pytest.raises(StoreError, match="made by another version") as caught:
            connection.execute(text("SELECT item_pk FROM item_embeddings"))
    one_clean_line(str(caught.value), str(store_file))


def test_disk_full_is_one_line(store_file: Path) -> None:
    engine = open_store(sqlite_url(store_file))
    with pytest.raises(StoreError, match="is full") as caught, engine.begin() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        connection.exec_driver_sql(f"PRAGMA max_page_count={pages}")  # the disk fills up now
        connection.execute(S.CatalogueRow.__table__.insert().values(name="big", root="x" * 200_000, format="x"))
    one_clean_line(str(caught.value), str(store_file))
    engine.dispose()


def test_unreachable_server_is_one_line() -> None:
    pytest.importorskip("psycopg", reason="psycopg not installed")
    with pytest.raises(StoreError, match="cannot reach the catalogue database server") as caught:
        open_store("postgresql+psycopg://someone:secret@127.0.0.1:1/shop")
    one_clean_line(str(caught.value), "127.0.0.1:1/shop")
    assert "secret" not in str(caught.value)
    # where, as the shared-catalogue dialog says it: user@host:port/database (trial R read the
    # driver's "postgresql+psycopg://someone:***@…")
    assert "server someone@127.0.0.1:1/shop: " in str(caught.value) and "://" not in str(caught.value)
    # what to do first, the driver's words after it (trial CX read no way out)
    assert "is it running, and are the host and port right? (" in str(caught.value)


def test_a_database_or_user_the_server_does_not_have_is_said_as_such() -> None:
    """Trial CX dropped the database: "cannot reach the … server" was said of a server that answered."""
    from sane_desktop.store.db import describe_database_error

    class OperationalError(Exception):  # psycopg's, at connection time: libpq's words, no SQLSTATE
        pass

    where = "alice@127.0.0.1:5499/shared"
    dropped = OperationalError('connection failed: connection to server at "127.0.0.1", port 5499 failed: '
                               'FATAL:  database "shared" does not exist')
    said = describe_database_error(dropped, where)
    assert said.startswith(f"the catalogue database {where} does not exist on its server (check the database name")
    nobody = OperationalError('connection failed: connection to server at "127.0.0.1", port 5499 failed: '
                              'FATAL:  role "bob" does not exist')
    assert describe_database_error(nobody, where) == f"the catalogue database server {where} has no such user " \
                                                     "(check the user name)"


def test_a_row_another_run_added_meanwhile_is_said_as_such(tmp_path: Path) -> None:
    """Trial DT: two first imports of one name at once; the second read "refused a change that breaks its rules
    (UNIQUE constraint failed: catalogues.name)". A unique key's refusal says another run may be writing the
    catalogue, and to run again; other broken rules keep their words."""
    import sqlite3

    from sane_desktop.store.db import describe_database_error

    with sqlite3.connect(tmp_path / "t.db") as connection:
        connection.execute("CREATE TABLE catalogues (name TEXT UNIQUE, root TEXT NOT NULL)")
        connection.execute("INSERT INTO catalogues VALUES ('shop', '/photos')")
        with pytest.raises(sqlite3.IntegrityError) as twice:
            connection.execute("INSERT INTO catalogues VALUES ('shop', '/photos')")
        with pytest.raises(sqlite3.IntegrityError) as no_root:
            connection.execute("INSERT INTO catalogues VALUES ('other', NULL)")
    connection.close()
    said = describe_database_error(twice.value, "/x/t.db")
    assert said == ("the catalogue database /x/t.db already holds what this run was adding (UNIQUE constraint failed: "
                    "catalogues.name): another run may be writing the same catalogue now; run this again once it has "
                    "ended")
    assert "breaks its rules" in describe_database_error(no_root.value, "/x/t.db")

    class UniqueViolation(Exception):  # psycopg's, with its SQLSTATE
        sqlstate = "23505"

    server = UniqueViolation('duplicate key value violates unique constraint "catalogues_name_key"')
    assert "already holds what this run was adding" in describe_database_error(server, "postgres@db/shop")

    class DeadlockDetected(Exception):  # the server broke a deadlock: no wait ran out (trial DU read "waited 5 s")
        sqlstate = "40P01"

    said = describe_database_error(DeadlockDetected("deadlock detected"), "postgres@db/shop")
    assert "waited" not in said and "being written by another run at the same time" in said


def test_missing_driver_is_one_line() -> None:
    from sane_desktop.errors import InputError

    with pytest.raises(InputError, match="not a usable database URL"):  # bad input: exit 1, not a store fault
        open_store("nosuchdb+nodriver://host/x")


@pytest.mark.parametrize("statement", [
    "SELEC 1",                                              # a syntax error
    "SELECT nothing FROM items",                            # a column from another version
    "INSERT INTO schema_version(version, applied_at) VALUES (1, '2020-01-01')",  # a constraint
    "INSERT INTO items(catalogue_id) VALUES (1)",          # NOT NULL
    "SELECT * FROM no_such_table",
])
def test_every_driver_error_becomes_one_store_line(store_file: Path, statement: str) -> None:
    """The kind: whatever the database driver raises leaves the store as one StoreError line that
    names the database, keeps the driver's error as its cause and quotes no SQL."""
    engine = open_store(sqlite_url(store_file))
    with pytest.raises(StoreError) as caught, engine.begin() as connection:
        connection.execute(text(statement))
    one_clean_line(str(caught.value), str(store_file))
    assert statement not in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    engine.dispose()


@pytest.mark.parametrize("error, expected", [
    (sqlite3.OperationalError("database is locked"), "locked by another program"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
    (sqlite3.OperationalError("database or disk is full"), "is full"),
    (sqlite3.DatabaseError("file is not a database"), "not a catalogue database"),
    (sqlite3.DatabaseError("database disk image is malformed"), "damaged"),
    (sqlite3.OperationalError("no such table: items"), "another version"),
    (sqlite3.OperationalError("unable to open database file"), "cannot open"),
    (sqlite3.OperationalError("disk I/O error"), "a full disk gives this too: check its free space"),
    (sqlite3.OperationalError('near "x": syntax error\nLINE 1: SELECT x'), "failed"),
    # a server reached that refused the login (trial AW read "cannot reach the … server" first): the
    # driver's words, as psycopg gives them, on the class SQLAlchemy wraps them in
    (sqlite3.OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
                              'password authentication failed for user "aw"'), "refused the login"),
])
def test_database_errors_are_described_in_one_line(error: Exception, expected: str) -> None:
    message = db.describe_database_error(error, "/data/shop/catalogue.db")
    assert expected in message
    one_clean_line(message, "/data/shop/catalogue.db")


# --- kind 4: read-only use --------------------------------------------------------------------------

def fake_access(writable: set[Path]) -> Callable[[Path, int], bool]:
    return lambda path, mode: mode != os.W_OK or Path(path) in writable


def test_read_only_url_choice(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.db"
    path.write_bytes(b"")
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    assert sqlite_access(path, fake_access({path, tmp_path})).mode == "rw"
    assert sqlite_access(path, fake_access({tmp_path})).mode == "ro"  # the folder takes the side files
    assert sqlite_access(path, fake_access({path})).mode == "immutable"  # nothing may be created
    assert sqlite_access(path, fake_access(set())).mode == "immutable"
    wal.write_bytes(b""), shm.write_bytes(b"")
    assert sqlite_access(path, fake_access(set())).mode == "ro"  # side files there: SQLite reads them
    shm.unlink()
    wal.write_bytes(b"pending frames")
    with pytest.raises(StoreError, match="catalogue.db-wal"):  # immutable would skip them: stale answers
        sqlite_access(path, fake_access(set()))
    with pytest.raises(StoreError, match="folder is read-only"):
        sqlite_access(tmp_path / "new.db", fake_access(set()))
    odd = Path("/data/my shop#1/cat?.db")
    url = sqlite_read_only_url(odd, "ro")
    assert url.database == "file:/data/my%20shop%231/cat%3F.db"
    assert dict(url.query) == {"mode": "ro", "uri": "true"}
    assert dict(sqlite_read_only_url(odd, "immutable").query) == {"mode": "ro", "uri": "true", "immutable": "1"}


def test_read_only_open_through_the_url_reads_and_refuses_writes(store_file: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Without another user, the same path: os.access says no, SQLite opens with mode=ro/immutable."""
    for writable, mode in (({store_file.parent}, "ro"), (set(), "immutable")):
        for side in ("-wal", "-shm"):  # a read-only reader cannot remove the (empty) side files it made
            Path(f"{store_file}{side}").unlink(missing_ok=True)
        monkeypatch.setattr(db, "sqlite_access", lambda path, w=writable: sqlite_access(path, fake_access(w)))
        engine = open_store(sqlite_url(store_file))
        assert is_read_only(engine) and dict(engine.url.query)["mode"] == "ro"
        assert ("immutable" in engine.url.query) == (mode == "immutable")
        assert schema_version(engine) == S.SCHEMA_VERSION
        with pytest.raises(StoreError, match="is read-only") as caught, engine.begin() as connection:
            connection.execute(S.CatalogueRow.__table__.insert().values(name="a", root="/", format="x"))
        one_clean_line(str(caught.value), str(store_file))
        engine.dispose()


NOBODY_SCRIPT = textwrap.dedent("""
    import os, sys, tempfile
    from sqlalchemy import text
    from sane_desktop.errors import StoreError
    from sane_desktop.store.db import is_read_only, open_store
    warm = tempfile.mkdtemp()
    open_store(f"sqlite:///{warm}/warm.db").dispose()  # every lazy import while root can read them
    os.setgid(65534); os.setuid(65534)
    engine = open_store("sqlite:///" + sys.argv[1])
    with engine.connect() as connection:
        print("items", connection.scalar(text("SELECT count(*) FROM items")), is_read_only(engine))
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM items"))
    except StoreError as error:
        print("refused", error)
""")


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp root is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="sane-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o700)
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.mark.parametrize("folder_mode, expect_files", [(0o555, False), (0o777, True)])
def test_finished_index_in_read_only_place_can_be_queried(shared_folder: Path, folder_mode: int,
                                                         expect_files: bool) -> None:
    """The instance, with SQLite really denied writing: a finished store (WAL mode, side files gone)
    owned by root, read by the unprivileged user 'nobody' — in a read-only folder (immutable), and
    in a writable folder with a read-only file (mode=ro, SQLite makes its side files)."""
    if os.geteuid() != 0 or not hasattr(os, "setuid"):
        pytest.skip("needs root to run the reader as the user 'nobody' (chmod does not stop root)")
    path = shared_folder / "shop" / "catalogue.db"
    engine = open_store(sqlite_url(path))
    with engine.begin() as connection:
        connection.execute(S.CatalogueRow.__table__.insert().values(name="shop", root="/", format="x"))
        connection.execute(S.Category.__table__.insert().values(catalogue_id=1, name="tops"))
        connection.execute(S.Item.__table__.insert().values(catalogue_id=1, item_id="1", category_id=1,
                                                            image_path="1.jpg", extra={}))
    engine.dispose()
    assert sorted(p.name for p in path.parent.iterdir()) == ["catalogue.db"]  # a finished index
    path.chmod(0o444)
    path.parent.chmod(folder_mode)
    result = subprocess.run([sys.executable, "-c", NOBODY_SCRIPT, str(path)], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "items 1 True"
    assert lines[1].startswith(f"refused the catalogue database {path} is read-only"), lines
    if not expect_files:  # immutable: not even the -shm file was made
        assert sorted(p.name for p in path.parent.iterdir()) == ["catalogue.db"]
    with sqlite3.connect(path) as check:  # nothing was deleted
        assert check.execute("SELECT count(*) FROM items").fetchone()[0] == 1


# --- kind 5: crash windows --------------------------------------------------------------------------

def test_tables_without_schema_version_are_stamped_not_refused(tmp_path: Path) -> None:
    """The instance: killed between creating the tables and writing the version (older builds)."""
    path = tmp_path / "catalogue.db"
    engine = create_engine(sqlite_url(path))
    S.Base.metadata.create_all(engine)  # schema_version exists, empty: "version 0"
    engine.dispose()
    engine = open_store(sqlite_url(path))
    assert schema_version(engine) == S.SCHEMA_VERSION
    assert db.schema_revisions(engine) == set(migrations.script_directory().get_heads())
    engine.dispose()


def test_some_tables_without_version_are_completed(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.db"
    engine = create_engine(sqlite_url(path))
    S.Base.metadata.create_all(engine, tables=[S.CatalogueRow.__table__, S.Category.__table__])
    engine.dispose()
    engine = open_store(sqlite_url(path))
    assert schema_version(engine) == S.SCHEMA_VERSION
    assert db.schema_revisions(engine) == set(migrations.script_directory().get_heads())
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM item_embeddings")) == 0
    engine.dispose()


def test_unversioned_tables_that_differ_are_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, colour TEXT)")
    with pytest.raises(StoreError, match="no schema version and its tables differ") as caught:
        open_store(sqlite_url(path))
    one_clean_line(str(caught.value), str(path))


KILL_SCRIPT = textwrap.dedent("""
    import os, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sane_desktop.store import schema as S
    from sane_desktop.store.db import open_store
    point = sys.argv[2]
    def die(*args, **kwargs):
        os._exit(9)
    if point in ("version", "revision"):
        table = "schema_version" if point == "version" else "alembic_version"
        @event.listens_for(Engine, "after_cursor_execute")
        def after(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO " + table):
                os._exit(9)
    else:
        event.listen(S.Base.metadata.tables[point], "after_create", die)
    open_store("sqlite:///" + sys.argv[1])
    print("not killed")
""")


@pytest.mark.parametrize("point", ["catalogues", "items", "item_embeddings", "version", "revision"])
def test_kill_at_any_point_of_creation_leaves_an_openable_store(tmp_path: Path, point: str) -> None:
    """The kind: ``kill -9`` after any table is created, or after the version or revision row, before
    the commit."""
    path = tmp_path / "catalogue.db"
    killed = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(path), point], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert killed.returncode == 9, killed.stdout + killed.stderr[-2000:]
    with sqlite3.connect(path) as check:  # the creation was one transaction: nothing of it is left
        assert check.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] == 0
    engine = open_store(sqlite_url(path))
    assert schema_version(engine) == S.SCHEMA_VERSION
    assert db.schema_revisions(engine) == set(migrations.script_directory().get_heads())
    engine.dispose()


def write_revision(folder: Path, revision: str, down_revision: str, body: str) -> Path:
    """A throwaway Alembic revision in ``folder`` (tests only), after ``down_revision``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"r{revision}_throwaway.py"
    path.write_text(textwrap.dedent(f"""
        import os
        import sqlalchemy as sa
        from alembic import op
        revision = {revision!r}
        down_revision = {down_revision!r}
        branch_labels = None
        depends_on = None
        def upgrade():
        """) + textwrap.indent(textwrap.dedent(body), "    ") + "\n")
    return path


def test_upgrade_step_and_its_revision_are_one_transaction(store_file: Path, tmp_path: Path) -> None:
    """A revision that fails half-way leaves neither its changes nor its revision; fixed, it applies."""
    versions = tmp_path / "versions"
    write_revision(versions, "9001", HEAD, """
        op.create_table("added_in_2", sa.Column("id", sa.Integer, primary_key=True))
        raise RuntimeError("killed mid-upgrade")
    """)
    engine = create_engine(sqlite_url(store_file))
    with pytest.raises(RuntimeError):
        db.upgrade(engine, version_locations=[migrations.VERSIONS, versions])
    engine.dispose()
    with sqlite3.connect(store_file) as check:
        assert check.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert check.execute("SELECT count(*) FROM sqlite_master WHERE name='added_in_2'").fetchone()[0] == 0
    write_revision(versions, "9001", HEAD,
                   'op.create_table("added_in_2", sa.Column("id", sa.Integer, primary_key=True))')
    engine = open_store(sqlite_url(store_file))
    db.upgrade(engine, version_locations=[migrations.VERSIONS, versions])
    assert db.schema_revisions(engine) == {"9001"}
    with engine.connect() as connection:  # the pooled connection has its foreign keys back on
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


MIGRATION_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sane_desktop.store import db, migrations
    engine = db.create_store_engine("sqlite:///" + sys.argv[1])
    db.upgrade(engine, version_locations=[migrations.VERSIONS, Path(sys.argv[2])])
    print("not killed")
""")


def test_kill_during_a_migration_leaves_the_database_as_it_was(store_file: Path, tmp_path: Path) -> None:
    """The kind, for upgrades: ``kill -9`` after SQLite rebuilt ``items`` (batch mode), before the commit."""
    with sqlite3.connect(store_file) as connection:
        connection.execute("INSERT INTO catalogues(name, root, format, revision) VALUES ('shop', '/', 'x', 0)")
        connection.execute("INSERT INTO categories(catalogue_id, name) VALUES (1, 'tops')")
        connection.execute("INSERT INTO items(catalogue_id, item_id, category_id, fine_category, title, description,"
                           " image_path, item_group, width, height, image_format, image_mode, content_hash, extra)"
                           " VALUES (1, 'a', 1, '', 't', '', 'a.jpg', '', 1, 1, '', '', '', '{}')")
    versions = tmp_path / "versions"
    write_revision(versions, "9001", HEAD, """
        with op.batch_alter_table("items", recreate="always") as batch:
            batch.add_column(sa.Column("colour", sa.String(40), nullable=True))
        os._exit(9)
    """)
    killed = subprocess.run([sys.executable, "-c", MIGRATION_KILL_SCRIPT, str(store_file), str(versions)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert killed.returncode == 9, killed.stdout + killed.stderr[-2000:]
    with sqlite3.connect(store_file) as check:
        assert check.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert "colour" not in {row[1] for row in check.execute("PRAGMA table_info(items)")}
        assert check.execute("SELECT item_id FROM items").fetchall() == [("a",)]
    engine = open_store(sqlite_url(store_file))
    assert db.schema_revisions(engine) == {HEAD}
    engine.dispose()


# --- kind 6: untrusted checkpoints ------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    compat = CompatibilityNet(["bottoms", "shoes", "tops"], embed_dim=8, width=4)
    attr = AttributeNet(["a", "b"], trunk=compat.trunk)
    path = tmp_path / "m.pt"
    ckpt.save_checkpoint(path, ModelBundle(compat, attr, Preprocessing(size=64)))
    return path


def rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The checkpoint with ``change`` applied and a fresh content hash (the hash is no signature:
    anyone can write a self-consistent file)."""
    data = torch.load(path, weights_only=True)
    change(data)
    meta = {key: data[key] for key in ("format", "version", "config", "categories", "attributes", "preprocessing")}
    data["content_hash"] = ckpt._hash(meta, {"compatibility": data["compatibility"],
                                             "attribute_net": data["attribute_net"]})
    out = path.with_name("changed.pt")
    torch.save(data, out)
    return out


def test_missing_attribute_head_is_refused(saved: Path) -> None:
    """The instance: a shared-trunk checkpoint without its head loaded with a random head."""
    def drop_head(data: dict[str, Any]) -> None:
        del data["attribute_net"]["head.weight"], data["attribute_net"]["head.bias"]
    with pytest.raises(CheckpointError, match="missing head.bias, head.weight") as caught:
        ckpt.load_checkpoint(rewrite(saved, drop_head))
    assert "\n" not in str(caught.value)


def test_every_missing_extra_or_reshaped_tensor_of_every_network_is_refused(saved: Path) -> None:
    """The kind: strict loading for each network the checkpoint holds, key by key."""
    data = torch.load(saved, weights_only=True)
    for group in ("compatibility", "attribute_net"):
        for key in data[group]:
            with pytest.raises(CheckpointError, match=f"missing {key}"):
                ckpt.load_checkpoint(rewrite(saved, lambda d, g=group, k=key: d[g].pop(k)))
        stray = rewrite(saved, lambda d, g=group: d[g].__setitem__("stray.weight", torch.zeros(1)))
        with pytest.raises(CheckpointError, match="unexpected stray.weight"):
            ckpt.load_checkpoint(stray)
        first = next(k for k, v in data[group].items() if v.dim() > 0)
        grown = rewrite(saved, lambda d, g=group, k=first: d[g].__setitem__(k, torch.zeros(*d[g][k].shape, 2)))
        with pytest.raises(CheckpointError, match=f"{first} has shape"):
            ckpt.load_checkpoint(grown)
    no_net = rewrite(saved, lambda d: d["config"].__setitem__("attribute_trunk", None))
    with pytest.raises(CheckpointError, match="unexpected head.bias"):  # weights its config disowns
        ckpt.load_checkpoint(no_net)


@pytest.fixture
def no_real_build(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every network built outside the meta device (where validation builds cost nothing)."""
    built: list[str] = []
    for name in ("CompatibilityNet", "AttributeNet"):
        original = getattr(ckpt, name)

        def build(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            if torch.empty(0).device.type != "meta":
                built.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(ckpt, name, build)
    return built


def test_huge_width_is_refused_before_allocation(saved: Path, no_real_build: list[str]) -> None:
    """The instance: width=10**6 would allocate ~10 GB before any check."""
    huge = rewrite(saved, lambda d: d["config"].__setitem__("width", 1_000_000))
    started = time.monotonic()
    with pytest.raises(CheckpointError, match="width=1000000") as caught:
        ckpt.load_checkpoint(huge)
    assert time.monotonic() - started < 5 and no_real_build == []
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["config"].__setitem__("width", 0), "width=0"),
    (lambda d: d["config"].__setitem__("width", 4.5), "width=4.5"),
    (lambda d: d["config"].__setitem__("width", "4"), "width='4'"),
    (lambda d: d["config"].__setitem__("width", True), "width=True"),
    (lambda d: d["config"].__setitem__("embed_dim", 10**9), "embed_dim"),
    (lambda d: d["config"].pop("embed_dim"), "embed_dim=None"),
    (lambda d: d["config"].__setitem__("attribute_trunk", "borrowed"), "attribute_trunk"),
    (lambda d: d.__setitem__("categories", [f"c{n}" for n in range(ckpt.MAX_CATEGORIES + 1)]), "categories"),
    (lambda d: d.__setitem__("attributes", [f"a{n}" for n in range(ckpt.MAX_ATTRIBUTES + 1)]), "attributes"),
    (lambda d: d.__setitem__("categories", "tops"), "categories"),
    (lambda d: d["preprocessing"].__setitem__("size", 100_000), "size=100000"),
    (lambda d: d["preprocessing"].__setitem__("std", [0.0, 1.0, 1.0]), "std"),
    # in bounds, but not what the tensors hold: caught by shape, on the meta device
    (lambda d: d["config"].__setitem__("width", 256), "has shape"),
    (lambda d: d["config"].__setitem__("embed_dim", 4096), "has shape"),
    (lambda d: d.__setitem__("categories", [f"c{n}" for n in range(900)]), "masks has shape"),
    (lambda d: d.__setitem__("attributes", [f"a{n}" for n in range(50_000)]), "head.weight has shape"),
])
def test_every_size_field_is_checked_before_building(saved: Path, no_real_build: list[str],
                                                     change: Callable[[dict[str, Any]], None],
                                                     expected: str) -> None:
    """The kind: any size the configuration asks for is bounded and must match the tensors, and no
    network is built (outside the meta device) until it does."""
    with pytest.raises(CheckpointError, match=expected.replace("(", r"\(")) as caught:
        ckpt.load_checkpoint(rewrite(saved, change))
    assert no_real_build == [] and "\n" not in str(caught.value)


def test_sound_checkpoint_still_loads_and_uses_weights_only(saved: Path, no_real_build: list[str]) -> None:
    bundle = ckpt.load_checkpoint(saved)
    assert bundle.attributes is not None and bundle.attributes.trunk is bundle.compatibility.trunk
    assert no_real_build == ["CompatibilityNet", "AttributeNet"]
    assert "weights_only=True" in Path(ckpt.__file__).read_text()
