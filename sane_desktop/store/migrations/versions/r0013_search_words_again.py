"""Search words split again (trials AC and AE): the vowel signs and other marks written inside words
stay in them (a Hindi "लाल" was stored as "ल ल", and a search for it found blue jeans), and "œ", "æ",
"ø", "ł", "đ", "ð", "þ", "ı" are folded to plain Latin letters ("Œuvre" is stored as "oeuvre", the
word its search is now asked as). ``items.search_text`` is filled again here for the items already
stored, only where the words differ: without it, a catalogue not imported since would be asked
in words it was not stored in ("grøn" found nothing), as derived data must be redone when the rule
that derives it changes.

Frozen: the word rule is copied here as :func:`sane_desktop.store.browse.search_tokens` has it now; a
later change to it is one more revision. Builds before this revision refuse a database at it (an
unknown revision).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000
_FOLDED_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def _tokens(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDED_LETTERS))
    folded = unicodedata.normalize("NFKC", "".join(char for char in decomposed if not unicodedata.combining(char)))
    words: list[str] = []
    word: list[str] = []
    for char in folded:
        if char != "_" and unicodedata.category(char)[0] in "LMN":
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def _words(*texts: str | None) -> str:
    words = [word for text in texts if text for word in _tokens(text)]
    return f" {' '.join(words)} " if words else ""


def upgrade() -> None:
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
    updates = []
    for pk, title, description, fine, item_id, stored in connection.execute(
            sa.select(items.c.id, items.c.title, items.c.description, items.c.fine_category, items.c.item_id,
                      items.c.search_text).order_by(items.c.id)):
        words = _words(title, description, fine, item_id, *sorted(names.get(int(pk), ())))
        if words != stored:  # a Latin catalogue without those letters keeps every row as it is
            updates.append({"pk": int(pk), "words": words})
    statement = items.update().where(items.c.id == sa.bindparam("pk")).values(search_text=sa.bindparam("words"))
    for start in range(0, len(updates), _BATCH):
        connection.execute(statement, updates[start:start + _BATCH])


def downgrade() -> None:
    # the words as the next older build splits them come back with its next import (a bookkeeping column)
    pass
