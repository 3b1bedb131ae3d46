"""The catalogue store: SQLAlchemy models, opening databases, importing catalogues.

Importing this package is cheap: each name below loads its module on first use (PEP 562), so a
light submodule (:mod:`.facet_names`) can be imported without SQLAlchemy and Alembic, which load
on the worker thread after the window is on screen (issue 18 point 10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sane_desktop.lazy import lazy_getattr

if TYPE_CHECKING:
    from sane_desktop.store.db import StoreError, open_store, schema_version
    from sane_desktop.store.importer import ImportSummary, import_catalogue

# name -> the module that defines it; the TYPE_CHECKING block above says the same for type checkers
_LAZY = {"StoreError": "db", "open_store": "db", "schema_version": "db",
         "ImportSummary": "importer", "import_catalogue": "importer"}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = ["ImportSummary", "StoreError", "import_catalogue", "open_store", "schema_version"]
