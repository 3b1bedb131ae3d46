"""The revisions of the catalogue schema, oldest first by ``down_revision`` (Alembic skips this file)."""
