"""The baseline: the catalogue schema as it was when migrations came (``schema_version`` 1).

Databases written before then (a ``schema_version`` row 1, no ``alembic_version`` table) are stamped
with this revision, not run through it. Frozen: never edit it to follow the models; add a revision.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('catalogues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('root', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=40), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('schema_version',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    # what the code before migrations wrote with its tables (older builds read it)
    op.bulk_insert(sa.table("schema_version", sa.column("version", sa.Integer()),
                            sa.column("applied_at", sa.DateTime(timezone=True))),
                   [{"version": 1, "applied_at": datetime.now(timezone.utc)}])
    op.create_table('attributes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'name')
    )
    op.create_index('ix_attributes_catalogue_id', 'attributes', ['catalogue_id'], unique=False)
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'name')
    )
    op.create_index('ix_categories_catalogue_id', 'categories', ['catalogue_id'], unique=False)
    op.create_table('compatibility_questions',
    sa.Column('label', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.String(length=40), nullable=False),
    sa.Column('split', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'protocol', 'split', 'number')
    )
    op.create_index('ix_compatibility_questions_catalogue_id', 'compatibility_questions', ['catalogue_id'], unique=False)
    op.create_table('fitb_questions',
    sa.Column('outfit_id', sa.String(length=200), nullable=False),
    sa.Column('question_item_ids', sa.JSON(), nullable=False),
    sa.Column('answer_item_ids', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('blank_position', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.String(length=40), nullable=False),
    sa.Column('split', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'protocol', 'split', 'number')
    )
    op.create_index('ix_fitb_questions_catalogue_id', 'fitb_questions', ['catalogue_id'], unique=False)
    op.create_table('import_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'kind', 'item_id', 'path', 'reason')
    )
    op.create_index('ix_import_issues_catalogue_id', 'import_issues', ['catalogue_id'], unique=False)
    op.create_table('index_manifests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('model_hash', sa.String(length=64), nullable=False),
    sa.Column('preprocessing', sa.JSON(), nullable=False),
    sa.Column('dimension', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('index_type', sa.String(length=60), nullable=False),
    sa.Column('vector_count', sa.Integer(), nullable=False),
    sa.Column('db_revision', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_index_manifests_catalogue_id', 'index_manifests', ['catalogue_id'], unique=False)
    op.create_table('outfits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('outfit_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'outfit_id')
    )
    op.create_index('ix_outfits_catalogue_id', 'outfits', ['catalogue_id'], unique=False)
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('fine_category', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('image_path', sa.Text(), nullable=False),
    sa.Column('item_group', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('image_format', sa.String(length=20), nullable=False),
    sa.Column('image_mode', sa.String(length=20), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogues.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalogue_id', 'item_id')
    )
    op.create_index('ix_items_catalogue_id', 'items', ['catalogue_id'], unique=False)
    op.create_index('ix_items_category_id', 'items', ['category_id'], unique=False)
    op.create_table('splits',
    sa.Column('outfit_pk', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.String(length=40), nullable=False),
    sa.Column('split', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['outfit_pk'], ['outfits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outfit_pk', 'protocol')
    )
    op.create_table('item_attributes',
    sa.Column('item_pk', sa.Integer(), nullable=False),
    sa.Column('attribute_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attribute_pk'], ['attributes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_pk'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_pk', 'attribute_pk')
    )
    op.create_index('ix_item_attributes_attribute_pk', 'item_attributes', ['attribute_pk'], unique=False)
    op.create_table('item_embeddings',
    sa.Column('item_pk', sa.Integer(), nullable=False),
    sa.Column('model_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('embedding', sa.LargeBinary(), nullable=False),
    sa.Column('cells', sa.LargeBinary(), nullable=True),
    sa.Column('attribute_scores', sa.LargeBinary(), nullable=True),
    sa.Column('norm', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_pk'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_pk', 'model_hash')
    )
    op.create_table('outfit_items',
    sa.Column('outfit_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_pk'], ['items.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outfit_pk'], ['outfits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outfit_pk', 'position')
    )
    op.create_index('ix_outfit_items_item_pk', 'outfit_items', ['item_pk'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_outfit_items_item_pk', table_name='outfit_items')
    op.drop_table('outfit_items')
    op.drop_table('item_embeddings')
    op.drop_index('ix_item_attributes_attribute_pk', table_name='item_attributes')
    op.drop_table('item_attributes')
    op.drop_table('splits')
    op.drop_index('ix_items_category_id', table_name='items')
    op.drop_index('ix_items_catalogue_id', table_name='items')
    op.drop_table('items')
    op.drop_index('ix_outfits_catalogue_id', table_name='outfits')
    op.drop_table('outfits')
    op.drop_index('ix_index_manifests_catalogue_id', table_name='index_manifests')
    op.drop_table('index_manifests')
    op.drop_index('ix_import_issues_catalogue_id', table_name='import_issues')
    op.drop_table('import_issues')
    op.drop_index('ix_fitb_questions_catalogue_id', table_name='fitb_questions')
    op.drop_table('fitb_questions')
    op.drop_index('ix_compatibility_questions_catalogue_id', table_name='compatibility_questions')
    op.drop_table('compatibility_questions')
    op.drop_index('ix_categories_catalogue_id', table_name='categories')
    op.drop_table('categories')
    op.drop_index('ix_attributes_catalogue_id', table_name='attributes')
    op.drop_table('attributes')
    op.drop_table('schema_version')
    op.drop_table('catalogues')
