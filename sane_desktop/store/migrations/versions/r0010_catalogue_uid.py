"""A trial indexed a second folder under an existing name into another database (``index --db``): the
index folder was overwritten, and ``query`` on the first database then answered from the second's
index: both databases were at import revision 1, the only tie between an index and its database. A
database emptied and imported again, or deleted and made anew, started at revision 1 too.

``catalogues.uid`` is a random token given to a catalogue row when it is made (this revision gives
each existing row its own): an index manifest records it, and an index whose token is not the
catalogue's is refused. Builds before this revision ignore the column, so ``SCHEMA_VERSION`` stays.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalogues") as batch:
        batch.add_column(sa.Column("uid", sa.String(32), nullable=True))
    connection = op.get_bind()
    catalogues = sa.table("catalogues", sa.column("id", sa.Integer), sa.column("uid", sa.String(32)))
    for (pk,) in connection.execute(sa.select(catalogues.c.id)).all():
        connection.execute(sa.update(catalogues).where(catalogues.c.id == pk).values(uid=uuid.uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table("catalogues") as batch:
        batch.drop_column("uid")
