"""A trial swapped two ``item_embeddings`` rows' ``cells`` blobs by hand (and, in another run, flipped
8 bytes inside one; SQLite's integrity_check stayed "ok"): the window's tile explanations drew one
item's map on another's tile with no error. ``item_embeddings.cells_sha256`` records the SHA-256 over
the cells bytes, the item's image content hash and the model hash, written with the cells and checked
wherever they are read; a blob that does not match is not used (the cells are computed again from the
verified photo).

Nullable and empty for the rows already stored: their cells are not trusted (computed from the photo
when needed, as for a catalogue indexed ``--cells on-demand``) and the next ``index`` embeds them again
with their digest. ``item_embeddings.embedding_sha256`` does the same for the pooled vector (a search
refuses a row whose vector does not match; rows from before it are taken as they are). Builds before
this revision ignore the columns, so ``SCHEMA_VERSION`` stays.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild); no digest is computed here: one
    # made from the rows as they stand would vouch for a blob already swapped
    with op.batch_alter_table("item_embeddings") as batch:
        batch.add_column(sa.Column("cells_sha256", sa.String(length=64), nullable=True))
        # and the pooled vector's own (trial AA copied one row's embedding blob onto another's)
        batch.add_column(sa.Column("embedding_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("item_embeddings") as batch:
        batch.drop_column("embedding_sha256")
        batch.drop_column("cells_sha256")
