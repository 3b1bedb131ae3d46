"""The round trip every revision that adds a nullable ``catalogues`` column is tested by."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from sane_desktop.store import migrations


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("catalogues")}
    finally:
        engine.dispose()


def catalogue_column_round_trip(url: str, before: str, after: str, column: str) -> None:
    """Upgrade the store at ``url`` to revision ``before``, store a catalogue, upgrade to ``after``:
    the column is there and the catalogue kept with it empty (NULL: nothing recorded yet); downgrade:
    the column is gone and the catalogue kept; then upgrade to the head again."""
    config = migrations.alembic_config(url=url)
    command.upgrade(config, before)
    assert column not in _columns(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO catalogues(id, name, root, format, revision) VALUES (1, 's', '/s', 'p', 1)"))
    engine.dispose()
    command.upgrade(config, after)
    assert column in _columns(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT name, {column} FROM catalogues")).all() == [("s", None)]
    engine.dispose()
    command.downgrade(config, before)
    assert column not in _columns(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, revision FROM catalogues")).all() == [("s", 1)]
    engine.dispose()
    command.upgrade(config, "heads")
