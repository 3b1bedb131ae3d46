"""A catalogue remembers its mapping (new-user trial): ``catalogues.mapping`` is the absolute path
of the mapping file a manifest catalogue was imported with when the folder would not find it by
itself, so that a re-import given no mapping (Re-sync, "Re-index now", a plain ``index``) reads the
catalogue as before instead of as a plain folder of photos.

Nullable and empty for the catalogues already stored: they re-import as before, and a re-import
that would read one in another format is refused (``store.importer``). Builds before this revision
ignore the column, so ``SCHEMA_VERSION`` stays.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild)
    with op.batch_alter_table("catalogues") as batch:
        batch.add_column(sa.Column("mapping", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogues") as batch:
        batch.drop_column("mapping")
