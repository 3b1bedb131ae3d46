"""A photo replaced keeping its size and modification time (a fresh-user trial: a copy with its mtime
restored) was taken as unchanged by ``index`` ("index is current") while ``query`` saw the new
photo. ``items.file_ctime_ns`` records the file's ctime (nanoseconds) as the import last read it:
any write, rename over it or copy moves the ctime, and user space cannot set it back, so a file
whose size, mtime or ctime moved is read again.

Nullable and empty for the items already stored: the next import compares size and mtime as before
and records the ctime. Builds before this revision ignore the column, so ``SCHEMA_VERSION`` stays.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild)
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("file_ctime_ns", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("file_ctime_ns")
