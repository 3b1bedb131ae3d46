"""${message}

Write it with batch operations (``with op.batch_alter_table("items") as batch:``): SQLite rebuilds
the table, PostgreSQL runs plain ALTER TABLE. It runs inside the transaction that opens the store;
a revision that older builds cannot read also adds a ``schema_version`` row and raises
``SCHEMA_VERSION`` in schema.py (see the README, "Schema migrations").

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
