"""Sync a table's rows in place: insert what is new, update what changed, delete what is gone.

Rows are matched on a natural key, so re-importing the same catalogue changes nothing and
surrogate primary keys (the FAISS ids of items) stay stable across imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, ColumnElement, Table, delete, insert, select, tuple_, update

CHUNK = 500


@dataclass
class SyncCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "deleted": self.deleted}


def sync_table(
    connection: Connection,
    table: Table,
    key: Sequence[str],
    rows: Sequence[dict[str, Any]],
    scope: ColumnElement[bool],
    delete_missing: bool = True,
) -> SyncCounts:
    """Make the rows of ``table`` matching ``scope`` equal to ``rows`` (matched on ``key``)."""
    counts = SyncCounts()
    desired: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:  # later duplicates of a key lose: the first occurrence wins, deterministically
        desired.setdefault(tuple(row[column] for column in key), row)
    compared = sorted({column for row in desired.values() for column in row} - set(key))
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    selected = [table.c[column] for column in (*key, *compared)]
    primary = [column.name for column in table.primary_key.columns]
    selected += [table.c[name] for name in primary if name not in key and name not in compared]
    for record in connection.execute(select(*selected).where(scope)).mappings():
        existing[tuple(record[column] for column in key)] = dict(record)

    new_rows = [row for row_key, row in desired.items() if row_key not in existing]
    for start in range(0, len(new_rows), CHUNK):
        connection.execute(insert(table), new_rows[start : start + CHUNK])
    counts.inserted = len(new_rows)

    key_columns = [table.c[column] for column in key]
    for row_key, row in desired.items():
        old = existing.get(row_key)
        if old is None:
            continue
        changes = {column: row[column] for column in compared if column in row and old.get(column) != row[column]}
        if changes:
            connection.execute(
                update(table).where(*[column == value for column, value in zip(key_columns, row_key)]).values(**changes)
            )
            counts.updated += 1

    if delete_missing:
        gone = [row_key for row_key in existing if row_key not in desired]
        for start in range(0, len(gone), CHUNK):
            chunk = gone[start : start + CHUNK]
            if len(key_columns) == 1:
                condition = key_columns[0].in_([row_key[0] for row_key in chunk])
            else:
                condition = tuple_(*key_columns).in_(chunk)
            connection.execute(delete(table).where(scope, condition))
        counts.deleted = len(gone)
    return counts


def id_map(connection: Connection, table: Table, key: str, scope: ColumnElement[bool]) -> dict[Any, int]:
    """Natural key -> surrogate ``id`` for the rows of ``table`` in ``scope``."""
    return {row[0]: row[1] for row in connection.execute(select(table.c[key], table.c.id).where(scope))}
