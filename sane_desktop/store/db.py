"""Opening a store: any SQLAlchemy URL (SQLite by default, PostgreSQL for scale), schema checks.

SQLite gets foreign keys on (so deletes cascade) and WAL journaling (readers never block the
writer, and a crash mid-import leaves the last committed state intact).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sane_desktop.errors import StoreError
from sane_desktop.store.schema import SCHEMA_VERSION, Base, SchemaVersion




# version -> function upgrading a database at that version to version + 1
UPGRADES: dict[int, Callable[[Engine], None]] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file."""
    try:
        parsed = make_url(url)
    except Exception as error:
        raise StoreError(f"not a database URL: {url!r} ({error})") from error
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_store(url: str) -> Engine:
    """Open (creating or upgrading as needed) the store at ``url``."""
    engine = create_store_engine(url)
    try:
        existing = set(inspect(engine).get_table_names())
    except Exception as error:
        raise StoreError(f"cannot open database {make_url(url).render_as_string(hide_password=True)}: {error}") from error
    if "schema_version" not in existing:
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            session.add(SchemaVersion(version=SCHEMA_VERSION))
        return engine
    upgrade(engine)
    Base.metadata.create_all(engine)  # tables added in this version without a migration step
    return engine


def schema_version(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(SchemaVersion.version).order_by(SchemaVersion.version.desc())) or 0


def upgrade(engine: Engine) -> int:
    """Apply the upgrade steps from the database's version to :data:`SCHEMA_VERSION`."""
    version = schema_version(engine)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database schema version {version} is newer than this program's ({SCHEMA_VERSION}); "
            "upgrade sane-desktop"
        )
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise StoreError(f"no upgrade from schema version {version}")
        step(engine)
        version += 1
        with Session(engine) as session, session.begin():
            session.add(SchemaVersion(version=version))
    return version
