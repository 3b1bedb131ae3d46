"""Saved outfits (issue 18, point 12): ``saved_outfits`` (a name unique per catalogue, how many items
were saved, when) and ``saved_outfit_items`` (the outfit's catalogue items in order). An item that a
re-import removes takes its ``saved_outfit_items`` row with it (ON DELETE CASCADE); the outfit keeps
its other items, and ``item_count`` tells that one went missing.

Two new tables and nothing else: builds before this revision ignore them, so ``SCHEMA_VERSION``
stays.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_outfits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["catalogue_id"], ["catalogues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("catalogue_id", "name"),
    )
    op.create_index("ix_saved_outfits_catalogue_id", "saved_outfits", ["catalogue_id"], unique=False)
    op.create_table(
        "saved_outfit_items",
        sa.Column("outfit_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_pk"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outfit_pk"], ["saved_outfits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outfit_pk", "position"),
    )
    op.create_index("ix_saved_outfit_items_item_pk", "saved_outfit_items", ["item_pk"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_saved_outfit_items_item_pk", table_name="saved_outfit_items")
    op.drop_table("saved_outfit_items")
    op.drop_index("ix_saved_outfits_catalogue_id", table_name="saved_outfits")
    op.drop_table("saved_outfits")
