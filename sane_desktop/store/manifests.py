"""A shared catalogue's index manifest and model checkpoint on its server (revision 0005; issue 19,
point 2): the rows behind :func:`sane_desktop.retrieval.manifest.share_manifest` and
:func:`~sane_desktop.retrieval.manifest.sync_shared_manifest`.

``shared_manifests`` holds one row a catalogue: the ``manifest.json`` text exactly as written
beside the index, its SHA-256 and the content hash of the model that built it. ``model_checkpoints``
holds checkpoint files by the content hash they record; a checkpoint no manifest names any more is
deleted in the transaction that stops naming it (old models do not pile up on the server).

Plain rows only: what the text means and whether it may be used is decided by the retrieval layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from sane_desktop.store import schema as S
from sane_desktop.store.schema import utc_now


@dataclass(frozen=True)
class StoredManifest:
    """A ``shared_manifests`` row: ``text`` (JSON), ``sha256`` recorded for it (hex, of the UTF-8
    bytes) and the model's content hash."""

    model_hash: str
    text: str
    sha256: str


@dataclass(frozen=True)
class StoredCheckpoint:
    """A ``model_checkpoints`` row: the file's bytes (``data``; ``file_sha256`` recorded for them),
    its file name when stored (for messages), and the selection JSON shipped beside it (or None)."""

    content_hash: str
    file_sha256: str
    name: str
    data: bytes
    selection: str | None = None


def write_shared_manifest(engine: Engine, catalogue_pk: int, manifest: StoredManifest,
                          checkpoint: StoredCheckpoint | None) -> None:
    """Make ``manifest`` catalogue ``catalogue_pk``'s only row and store ``checkpoint`` when the
    server lacks it, then delete checkpoints no manifest names: one transaction (another machine
    sees the old row or the new one with its model, never half). StoreError on a database fault."""
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        row = dict(model_hash=manifest.model_hash, manifest=manifest.text, sha256=manifest.sha256, updated_at=utc_now())
        # one statement, not a delete then an insert: two runs writing it at once both did the delete, and the
        # second insert failed on shared_manifests_pkey (trial DU); the later one's row stays
        connection.execute(dialect.insert(S.SharedManifest).values(catalogue_id=catalogue_pk, **row)
                           .on_conflict_do_update(index_elements=[S.SharedManifest.catalogue_id], set_=row))
        if checkpoint is not None:
            values = dict(content_hash=checkpoint.content_hash, file_sha256=checkpoint.file_sha256,
                          size=len(checkpoint.data), name=checkpoint.name[:255], data=checkpoint.data,
                          selection=checkpoint.selection, created_at=utc_now())
            # two catalogues indexed with one model at once: the second insert is a no-op, not an error
            connection.execute(dialect.insert(S.ModelCheckpoint).values(**values).on_conflict_do_nothing())
        named = select(S.SharedManifest.model_hash)
        connection.execute(delete(S.ModelCheckpoint).where(S.ModelCheckpoint.content_hash.not_in(named)))


def shared_manifest_sha256(engine: Engine, catalogue_pk: int) -> tuple[str, str] | None:
    """(the SHA-256 recorded for catalogue ``catalogue_pk``'s manifest row, the SHA-256 of its text
    as it is now, computed by the server), None when there is no row: one small query, what an open
    catalogue compares before each search (a text changed by hand differs from its record). On a
    database without SQL ``sha256`` (SQLite) the second is the first."""
    table = S.SharedManifest
    with engine.connect() as connection:
        actual: ColumnElement[str] = table.sha256.expression
        if connection.dialect.name == "postgresql":
            actual = func.encode(func.sha256(func.convert_to(table.manifest, "UTF8")), "hex")
        row = connection.execute(select(table.sha256, actual).where(table.catalogue_id == catalogue_pk)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def read_shared_manifest(engine: Engine, catalogue_pk: int) -> StoredManifest | None:
    """Catalogue ``catalogue_pk``'s manifest row, None when there is none."""
    with engine.connect() as connection:
        row = connection.execute(select(S.SharedManifest.model_hash, S.SharedManifest.manifest, S.SharedManifest.sha256)
                                 .where(S.SharedManifest.catalogue_id == catalogue_pk)).first()
    return None if row is None else StoredManifest(str(row[0]), str(row[1]), str(row[2]))


def read_checkpoint(engine: Engine, content_hash: str) -> StoredCheckpoint | None:
    """The checkpoint stored under ``content_hash``, None when the server has none."""
    with engine.connect() as connection:
        row = connection.execute(select(S.ModelCheckpoint.content_hash, S.ModelCheckpoint.file_sha256,
                                        S.ModelCheckpoint.name, S.ModelCheckpoint.data, S.ModelCheckpoint.selection)
                                 .where(S.ModelCheckpoint.content_hash == content_hash)).first()
    if row is None:
        return None
    return StoredCheckpoint(str(row[0]), str(row[1]), str(row[2]), bytes(row[3]),
                            None if row[4] is None else str(row[4]))
