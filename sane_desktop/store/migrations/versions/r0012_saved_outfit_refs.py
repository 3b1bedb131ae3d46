"""Saved outfits remember what they held (trial AD): ``saved_outfit_refs`` keeps, per position of a
saved outfit, the item's catalogue id and its photo's content hash, with no foreign key to ``items``.
An item a re-import removes still takes its ``saved_outfit_items`` row with it, but the reference stays,
and an import that finds the item again (its id, or the same photo under another id: a category
folder renamed) links it back. Filled here from the outfits saved so far.

A new table: builds before this revision refuse a database at it (an unknown revision), so none of
them saves an outfit without its references.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_outfit_refs",
        sa.Column("outfit_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["outfit_pk"], ["saved_outfits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outfit_pk", "position"),
    )
    # the items saved outfits hold now; those a re-import already removed are gone for good
    op.execute("INSERT INTO saved_outfit_refs (outfit_pk, position, item_id, content_hash) "
               "SELECT s.outfit_pk, s.position, i.item_id, COALESCE(i.content_hash, '') "
               "FROM saved_outfit_items s JOIN items i ON i.id = s.item_pk")


def downgrade() -> None:
    op.drop_table("saved_outfit_refs")
