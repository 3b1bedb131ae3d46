"""Folded text for ORDER BY: :class:`folded`.

SQLite's ``lower()`` folds ASCII letters only, so sorting titles or outfit names by it put "Écharpe"
after "zebra", and a list cut at its first 5,000 items cut the wrong ones (trial CP). On SQLite the
expression compiles to ``sane_fold()``, a Python function (:func:`fold`: accents set aside, case folded)
every connection registers (:func:`register`); on a server to ``lower()``, whose order is then the
database's collation (a server set up with the C collation still sorts accented letters after z)."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQLITE_NAME = "sane_fold"


def fold(text: str | None) -> str | None:
    """``text`` as a catalogue's lists sort it: the accents that decompose set aside (the marks dropped) and
    case folded, so "Écharpe" sorts among the e's and "İpek" among the i's (code points put every accented
    letter after z; a letter of its own, ø, æ, ł or ı, still sorts there); None stays None."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def register(dbapi_connection: Any) -> None:
    """Give a SQLite connection ``sane_fold(text)`` (deterministic: usable in indexes and ORDER BY)."""
    dbapi_connection.create_function(SQLITE_NAME, 1, fold, deterministic=True)


class folded(FunctionElement[str]):  # noqa: N801 - a SQL function's name, as SQLAlchemy's own are written
    """``folded(expression)``: the expression's text case-folded, for sorting (see the module's note)."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _lower(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _sqlite_fold(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_NAME}({compiler.process(element.clauses, **kw)})"
