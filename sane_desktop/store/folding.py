"""Folded text for ORDER BY: :class:`folded`.

SQLite's ``lower()`` folds ASCII letters only, so sorting titles or outfit names by it put "Écharpe"
after "zebra", and a list cut at its first 5,000 items cut the wrong ones (trial CP). On SQLite the
expression compiles to ``sane_fold()``, a Python function (:func:`fold`: the lists' sort key) every
connection registers (:func:`register`); on a server to ``lower()``, whose order is then the
database's collation (a server set up with the C collation still sorts accented letters after z)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from sane_desktop.store.words import sort_key

SQLITE_NAME = "sane_fold"


def fold(text: str | None) -> str | None:
    """:func:`~sane_desktop.store.words.sort_key` of ``text``; None stays None (SQL's NULL)."""
    return None if text is None else sort_key(text)


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
