"""A catalogue records the metadata files it was imported from (a fresh-user trial's edited CSV
went unnoticed): ``catalogues.sources`` is {path: [size, mtime_ns]} of the folder's tables and JSON
files and of a mapping file outside it (:mod:`sane_desktop.catalogue.sources`), so that ``query``,
``explain`` and the window can say when one changed since the import.

Nullable and empty for the catalogues already stored (nothing to compare with until their next
import). Builds before this revision ignore the column, so ``SCHEMA_VERSION`` stays.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild)
    with op.batch_alter_table("catalogues") as batch:
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogues") as batch:
        batch.drop_column("sources")
