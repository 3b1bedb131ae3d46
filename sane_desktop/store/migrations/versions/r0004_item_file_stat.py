"""Incremental re-index (issue 19, point 5): ``items.file_size`` (bytes) and ``items.file_mtime_ns``
(nanoseconds since the epoch) record the image file as the import last read it, so that a re-import
skips every file whose (size, mtime) is unchanged before reading or hashing a byte of it.

Both nullable and empty for the items already stored: their files are read once more at the next
import, which fills them. Builds before this revision ignore the columns, so ``SCHEMA_VERSION``
stays.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild)
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("file_mtime_ns", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("file_mtime_ns")
        batch.drop_column("file_size")
