"""Claiming embedding work on a shared PostgreSQL catalogue (issue 19, point 3): the SQL behind
``index --shard i/n`` workers on one or several machines.

No scheduler and no extra table: the work list *is* the set of the catalogue's ``items`` rows that
lack an embedding for the model of their current image content, and a claim is PostgreSQL's own row
lock on them. A worker opens a transaction, takes up to a batch of those rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (rows another worker holds are skipped, not waited for), embeds
them, writes their embeddings and commits — the rows' locks and the vectors end in one commit:

- **nothing twice**: a row is locked by one transaction at a time, and after locking the claim is
  re-checked with a fresh statement (a worker that committed those items just before sees them
  done), so an item's embedding is written by one worker once;
- **nothing lost**: a killed worker's connection closes, the server rolls its transaction back and
  releases its rows, and the next claim (or a worker waiting on them) takes them again. A machine
  that vanishes without closing its socket is noticed only when the server's TCP keepalive gives up
  on it (the system default is hours: lower ``tcp_keepalives_idle`` on a server shared this way).

When every remaining row is held by another worker, :func:`claim_batch` with ``wait=True`` blocks on
one of them (``FOR UPDATE`` without ``SKIP LOCKED``, ``LIMIT 1``) instead of polling, so a worker that
runs out of work stays until the others' batches are committed or taken over. It waits for a single
row in a transaction that holds nothing else, so waiting workers can never deadlock one another
(two waiting for batches in different orders would, were each to lock several rows while waiting).
Everything here is PostgreSQL-only: :func:`require_server` refuses SQLite with one line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from sane_desktop.errors import InputError

SHARD_NEEDS_SERVER = ("index --shard needs a catalogue on a shared PostgreSQL server (--db postgresql+psycopg://…): "
                      "workers claim batches with SELECT … FOR UPDATE SKIP LOCKED, which SQLite has not; "
                      "on SQLite run one 'index' without --shard")


@dataclass(frozen=True)
class Shard:
    """Worker ``index`` of ``count`` (1-based). A worker first claims the items whose primary key
    falls in its slice (``pk % count == index - 1``), then helps with any other unclaimed item, so a
    slow or dead worker's slice is finished by the others; the slice only spreads the workers over
    the catalogue, correctness comes from the row locks."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise InputError(f"--shard {self.index}/{self.count}: the worker number must be 1..{self.count}")

    @classmethod
    def parse(cls, text_value: str) -> Shard:
        """``"i/n"`` -> Shard(i, n); InputError (one line) for anything else."""
        head, slash, tail = text_value.strip().partition("/")
        try:
            if not slash:
                raise ValueError
            return cls(int(head), int(tail))
        except ValueError:
            raise InputError(f"--shard {text_value!r}: give the worker as i/n, e.g. 1/2 (worker 1 of 2)") from None

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class ClaimedItem:
    """One item row locked by this worker's open transaction (``image_path`` relative to the
    catalogue root; ``content_hash`` "" when the import did not hash the file)."""

    pk: int
    item_id: str
    category: str
    image_path: str
    content_hash: str


def require_server(engine: Engine) -> None:
    """InputError (:data:`SHARD_NEEDS_SERVER`) unless ``engine`` is a PostgreSQL database."""
    if engine.url.get_backend_name() != "postgresql":
        raise InputError(SHARD_NEEDS_SERVER)


def require_server_url(url: str) -> None:
    """:func:`require_server` by URL, before anything is opened (no SQLite file gets created); a URL
    that does not parse is left to the store to report."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return
    if backend != "postgresql":
        raise InputError(SHARD_NEEDS_SERVER)


def lock_key(purpose: str) -> int:
    """A signed 64-bit advisory-lock key for ``purpose`` (e.g. ``"import:shop"``)."""
    return int.from_bytes(hashlib.sha256(f"sane-desktop:{purpose}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, purpose: str) -> Iterator[None]:
    """Hold PostgreSQL's transaction advisory lock for ``purpose`` for the block, waiting as long as
    another worker holds it (the store's ``lock_timeout`` is lifted for this transaction: an import
    or an index build may take minutes). Released at the end of the block, or by the server when this
    process dies."""
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(purpose)})
        yield


# an item needs embedding when no row of this model holds the vectors of its current image content;
# an item the import did not hash ("") counts as done once any row of the model exists
_TODO = """
FROM items i JOIN categories c ON c.id = i.category_id
WHERE i.catalogue_id = :catalogue
  AND NOT EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_pk = i.id AND e.model_hash = :model
                  AND (e.content_hash = i.content_hash OR i.content_hash = ''))
  AND NOT (i.id = ANY(CAST(:skip AS BIGINT[])))
"""


def claim_batch(connection: Connection, catalogue_pk: int, model_hash: str, size: int, shard: Shard,
                skip: Sequence[int] = (), *, wait: bool = False) -> list[ClaimedItem]:
    """Lock and return up to ``size`` items of ``catalogue_pk`` still to embed with ``model_hash``,
    the worker's own slice first, then by primary key; ``skip``: pks this worker already gave up on
    (their image failed to decode).

    Runs inside the caller's open transaction, which then holds the rows until it ends. ``wait``
    False skips rows other workers hold (``SKIP LOCKED``); True waits for them (no lock timeout) and
    returns one of them (not a batch: see the module's note on deadlocks) once its holder commits or
    dies. Either way the rows are re-checked after locking
    and only those still without an embedding are returned (an empty list when nothing is left).
    """
    params = {"catalogue": catalogue_pk, "model": model_hash, "skip": [int(pk) for pk in skip],
              "count": shard.count, "slot": shard.index - 1, "size": 1 if wait else int(size)}
    if wait:
        connection.execute(text("SET LOCAL lock_timeout = 0"))
    rows = connection.execute(text(
        "SELECT i.id, i.item_id, c.name, i.image_path, i.content_hash " + _TODO
        + " ORDER BY (i.id % :count = :slot) DESC, i.id LIMIT :size FOR UPDATE OF i"
        + ("" if wait else " SKIP LOCKED")), params).all()
    claimed = [ClaimedItem(int(pk), str(item_id), str(category), str(path), str(content_hash or ""))
               for pk, item_id, category, path, content_hash in rows]
    if not claimed:
        return []
    # a fresh statement sees what committed while this one waited or was planned: a worker that
    # finished these rows just before they were locked here has its embeddings counted as done
    stored: dict[int, str] = {int(pk): str(content_hash) for pk, content_hash in connection.execute(text(
        "SELECT item_pk, content_hash FROM item_embeddings WHERE model_hash = :model "
        "AND item_pk = ANY(CAST(:pks AS BIGINT[]))"), {"model": model_hash, "pks": [item.pk for item in claimed]})}
    return [item for item in claimed
            if item.pk not in stored or (item.content_hash and stored[item.pk] != item.content_hash)]


def remaining(connection: Connection, catalogue_pk: int, model_hash: str, skip: Sequence[int] = ()) -> int:
    """How many items of ``catalogue_pk`` still lack an embedding for ``model_hash`` (claimed by a
    worker or not), ``skip`` left out."""
    return int(connection.execute(text("SELECT count(*) " + _TODO), {
        "catalogue": catalogue_pk, "model": model_hash, "skip": [int(pk) for pk in skip]}).scalar_one())
