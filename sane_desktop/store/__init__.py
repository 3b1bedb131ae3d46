"""The catalogue store: SQLAlchemy models, opening databases, importing catalogues."""

from sane_desktop.store.db import StoreError, open_store, schema_version
from sane_desktop.store.importer import ImportSummary, import_catalogue

__all__ = ["ImportSummary", "StoreError", "import_catalogue", "open_store", "schema_version"]
