"""Word-aware text search (issue 18, point 3): ``items.search_text`` holds each item's words (title,
description, fine category, id, attribute names), lower-cased with accents folded, each between
spaces, so that search matches whole words (and the start of the last one) with a plain ``LIKE`` on
SQLite and PostgreSQL alike. Filled here for the items already stored; the importer writes it since.

Frozen: the word rule is copied here as it was (the importer's lives in
:func:`sane_desktop.store.browse.search_words`); a later change to it is one more revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WORD = re.compile(r"[^\W_]+")
_BATCH = 2000


def _tokens(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WORD.findall(unicodedata.normalize("NFKC", folded))


def _words(*texts: str | None) -> str:
    words = [word for text in texts if text for word in _tokens(text)]
    return f" {' '.join(words)} " if words else ""


def upgrade() -> None:
    # ADD COLUMN in place on both backends (no table rebuild: nothing else about items changes)
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    items = sa.table("items", sa.column("id", sa.Integer()), sa.column("title", sa.Text()),
                     sa.column("description", sa.Text()), sa.column("fine_category", sa.String()),
                     sa.column("item_id", sa.String()), sa.column("search_text", sa.Text()))
    item_attributes = sa.table("item_attributes", sa.column("item_pk", sa.Integer()),
                               sa.column("attribute_pk", sa.Integer()))
    attributes = sa.table("attributes", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
    names: dict[int, list[str]] = {}
    for item_pk, name in connection.execute(
            sa.select(item_attributes.c.item_pk, attributes.c.name)
            .join(attributes, attributes.c.id == item_attributes.c.attribute_pk)):
        names.setdefault(int(item_pk), []).append(str(name))
    rows = connection.execute(sa.select(items.c.id, items.c.title, items.c.description, items.c.fine_category,
                                        items.c.item_id).order_by(items.c.id)).all()
    updates = [{"pk": int(pk), "words": _words(title, description, fine, item_id, *sorted(names.get(int(pk), ())))}
               for pk, title, description, fine, item_id in rows]
    statement = items.update().where(items.c.id == sa.bindparam("pk")).values(search_text=sa.bindparam("words"))
    for start in range(0, len(updates), _BATCH):
        connection.execute(statement, updates[start:start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("search_text")
