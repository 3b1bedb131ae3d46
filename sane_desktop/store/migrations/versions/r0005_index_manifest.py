"""Shared index manifests (issue 19, point 2): a pgvector catalogue's index manifest lives on its
server, so that every machine opening the catalogue by URL searches it without copying files.

``shared_manifests``: one row a catalogue (the ``manifest.json`` text, its SHA-256, the content hash
of the model that built it), removed with its catalogue. ``model_checkpoints``: checkpoint bytes
keyed by the content hash they record (and the attribute selection shipped beside them), so a
machine without the model file still searches and explains.

Two new tables and nothing else: builds before this revision ignore them, so ``SCHEMA_VERSION``
stays.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_manifests",
        sa.Column("catalogue_id", sa.Integer(), nullable=False),
        sa.Column("model_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["catalogue_id"], ["catalogues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("catalogue_id"),
    )
    op.create_table(
        "model_checkpoints",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("selection", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )


def downgrade() -> None:
    op.drop_table("model_checkpoints")
    op.drop_table("shared_manifests")
