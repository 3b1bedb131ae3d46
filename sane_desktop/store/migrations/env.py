"""Alembic's environment for the catalogue store: runs the revisions on

- the connection ``open_store`` puts in ``config.attributes["connection"]``: that connection is
  already inside the transaction that also stamps the revision (and, on SQLite, holds the write
  lock with foreign keys off), so Alembic neither begins nor commits anything; or
- the URL ``sqlalchemy.url`` (the command line, :mod:`sane_desktop.store.migrations.__main__`).

SQLite alters tables by rebuilding them, hence ``render_as_batch`` there; the same batch operations
run as plain ``ALTER TABLE`` on PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from sane_desktop.store.migrations import VERSION_TABLE
from sane_desktop.store.schema import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: pass a connection in config.attributes or set sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, version_table=VERSION_TABLE,
                          render_as_batch=url.startswith("sqlite"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


# Alembic executes this file; imported as a module (a test importing every module, a type checker)
# it only defines.
if __name__ != "sane_desktop.store.migrations.env":
    run_migrations()
