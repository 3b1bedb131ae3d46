"""Sync a table's rows in place: insert what is new, update what changed, delete what is gone.

Rows are matched on a natural key, so re-importing the same catalogue changes nothing and
surrogate primary keys (the FAISS ids of items) stay stable across imports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, ColumnElement, Table, delete, insert, select, tuple_, update

CHUNK = 500


@dataclass
class SyncCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    # rows whose only differences were bookkeeping columns (written, but no change of the data:
    # a photo touched or copied without its times is not a changed item)
    refreshed: int = 0
    # the keys of the rows inserted, updated (their data changed) or deleted, when the caller asked (``track``)
    touched: set[tuple[Any, ...]] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "deleted": self.deleted}


def sync_table(
    connection: Connection,
    table: Table,
    key: Sequence[str],
    rows: Iterable[dict[str, Any]],
    scope: ColumnElement[bool],
    delete_missing: bool = True,
    bookkeeping: Collection[str] = (),
    track: bool = False,
) -> SyncCounts:
    """Make the rows of ``table`` matching ``scope`` equal to ``rows`` (matched on ``key``).

    ``bookkeeping``: columns that record how a row was read rather than what it says (a photo's
    file times): written when they differ, but a row differing in them alone counts as
    ``refreshed``, not ``updated``, so it changes nothing a caller derives from the data (trial Q: a
    ``touch`` of 6 photos read "6 changed" beside "12 unchanged", and re-imported the catalogue).
    ``track``: the counts keep the keys of the rows inserted, updated or deleted (``touched``).

    Streams (issue 19, point 5): ``rows`` is consumed ``CHUNK`` at a time and only the stored rows
    of that chunk's keys are read back, so besides the caller's rows it holds one chunk and the set
    of keys (to drop duplicates and find what is gone), never a copy of the table. Every row of one
    call must carry the same columns.
    """
    counts = SyncCounts(touched=set() if track else None)
    seen: set[tuple[Any, ...]] = set()
    key_columns = [table.c[column] for column in key]
    chunk: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:  # later duplicates of a key lose: the first occurrence wins, deterministically
        row_key = tuple(row[column] for column in key)
        if row_key in seen:
            continue
        seen.add(row_key)
        chunk[row_key] = row
        if len(chunk) >= CHUNK:
            _sync_chunk(connection, table, key, key_columns, chunk, scope, counts, bookkeeping)
            chunk = {}
    if chunk:
        _sync_chunk(connection, table, key, key_columns, chunk, scope, counts, bookkeeping)

    if delete_missing:
        gone = [tuple(record) for record in connection.execute(select(*key_columns).where(scope))
                if tuple(record) not in seen]
        for start in range(0, len(gone), CHUNK):
            part = gone[start : start + CHUNK]
            if len(key_columns) == 1:
                condition = key_columns[0].in_([row_key[0] for row_key in part])
            else:
                condition = tuple_(*key_columns).in_(part)
            connection.execute(delete(table).where(scope, condition))
        counts.deleted = len(gone)
        if counts.touched is not None:
            counts.touched.update(gone)
    return counts


def _key_conditions(key_columns: list[Any], keys: list[tuple[Any, ...]]) -> list[ColumnElement[bool]]:
    """WHERE terms selecting the rows of ``keys`` that an index can serve: a key column with one
    value in the chunk (the catalogue) is an equality, one varying column an ``IN``; with several
    varying, the first one's ``IN`` (a primary key's leading column) narrows a row-value ``IN``,
    which SQLite would otherwise answer by scanning the whole table once per chunk."""
    varying = [i for i in range(len(key_columns)) if len({key[i] for key in keys}) > 1]
    terms: list[ColumnElement[bool]] = [key_columns[i] == keys[0][i] for i in range(len(key_columns)) if i not in varying]
    if len(varying) == 1:
        terms.append(key_columns[varying[0]].in_([key[varying[0]] for key in keys]))
    elif varying:
        terms.append(key_columns[varying[0]].in_(sorted({key[varying[0]] for key in keys}, key=repr)))
        terms.append(tuple_(*key_columns).in_(keys))
    return terms


def _sync_chunk(connection: Connection, table: Table, key: Sequence[str], key_columns: list[Any],
                desired: dict[tuple[Any, ...], dict[str, Any]], scope: ColumnElement[bool],
                counts: SyncCounts, bookkeeping: Collection[str] = ()) -> None:
    """Insert the new rows of one chunk and update the changed ones (their stored rows read here)."""
    compared = sorted({column for row in desired.values() for column in row} - set(key))
    keys = list(desired)
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in connection.execute(select(*key_columns, *[table.c[c] for c in compared]).where(scope, *_key_conditions(key_columns, keys))).mappings():
        existing[tuple(record[column] for column in key)] = dict(record)
    new_rows = [row for row_key, row in desired.items() if row_key not in existing]
    if new_rows:
        connection.execute(insert(table), new_rows)
    counts.inserted += len(new_rows)
    if counts.touched is not None:
        counts.touched.update(row_key for row_key in desired if row_key not in existing)
    for row_key, row in desired.items():
        old = existing.get(row_key)
        if old is None:
            continue
        changes = {column: row[column] for column in compared if column in row and old.get(column) != row[column]}
        if changes:
            connection.execute(
                update(table).where(*[column == value for column, value in zip(key_columns, row_key)]).values(**changes)
            )
            if set(changes) <= set(bookkeeping):
                counts.refreshed += 1
            else:
                counts.updated += 1
                if counts.touched is not None:
                    counts.touched.add(row_key)


def id_map(connection: Connection, table: Table, key: str, scope: ColumnElement[bool]) -> dict[Any, int]:
    """Natural key -> surrogate ``id`` for the rows of ``table`` in ``scope``."""
    return {row[0]: row[1] for row in connection.execute(select(table.c[key], table.c.id).where(scope))}
