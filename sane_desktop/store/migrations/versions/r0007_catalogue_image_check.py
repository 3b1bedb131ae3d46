"""A catalogue records which image check its stored images passed (a fresh-user trial's zeroed
JPEG): ``catalogues.image_check`` is the :data:`~sane_desktop.catalogue.images.IMAGE_CHECK`
version of the last import. Version 2 decodes a JPEG's whole data strictly, refusing one Pillow
would silently decode with grey blocks; a file accepted under an older check is read again at the
next import even when its size and modification time are unchanged.

Nullable and empty for the catalogues already stored (checked before versions were recorded).
Builds before this revision ignore the column, so ``SCHEMA_VERSION`` stays.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild)
    with op.batch_alter_table("catalogues") as batch:
        batch.add_column(sa.Column("image_check", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogues") as batch:
        batch.drop_column("image_check")
