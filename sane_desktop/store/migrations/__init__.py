"""Alembic migrations of the catalogue store, shipped inside the package and configured in code
(no ``alembic.ini``): :mod:`sane_desktop.store.db` applies them when it opens a writable database.

- ``versions/`` holds the revisions; :data:`BASELINE` is the schema as it was when migrations came
  (``schema_version`` 1), and every later change to :mod:`sane_desktop.store.schema` is one more
  file there, written with batch operations so that it runs on SQLite (which rebuilds a table to
  alter it) and on PostgreSQL alike;
- ``env.py`` is Alembic's environment: it runs the revisions on the connection that
  :func:`~sane_desktop.store.db.open_store` hands it, inside that function's transaction, or on a
  URL for the command line;
- ``python -m sane_desktop.store.migrations revision -m "what changed"`` writes the next revision
  from the difference between the models and the newest revision (``check`` says whether there is
  any): see :mod:`sane_desktop.store.migrations.__main__`.

This module must not import :mod:`sane_desktop.store.db` (db imports it).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

# Alembic (~0.1-0.3 s to import, with Mako) loads when a database is first opened, not with this
# package: the constants below are read without it (issue 18 point 10, the window comes first)
if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "versions"
# the revision equal to the schema before migrations (databases with schema_version 1 and no
# alembic_version table are stamped with it, then upgraded)
BASELINE = "0001"
# Alembic's table of applied revisions
VERSION_TABLE = "alembic_version"
# the newest revision each release of sane-desktop writes. A database upgraded to a newer revision is
# refused by an older program ("upgrade SANE Desktop"), and pip can only do that for a higher version
# number: trial AR met two builds, both "0.1.0", the newer one upgrading the older one's databases out
# of its reach. ``tests/test_migrations.py`` fails until a new revision comes with a new version here.
RELEASE_SCHEMA = {"0.2.0": "0013"}
# revision files are named r<number>_<slug>.py: a module name may not start with a digit
FILE_TEMPLATE = "r%(rev)s_%(slug)s"


def alembic_config(*, url: str | None = None) -> Config:
    """Alembic's configuration for the package's revisions, without any file; ``url`` is the
    database the command line works on (``open_store`` passes its connection instead)."""
    from alembic.config import Config  # see the note at the imports

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("file_template", FILE_TEMPLATE.replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory(version_locations: Sequence[Path] = ()) -> ScriptDirectory:
    """The revisions: the package's own, or those in ``version_locations`` (tests add a folder of
    throwaway revisions on top of the package's this way)."""
    from alembic.script import ScriptDirectory  # see the note at the imports

    if not version_locations:
        return _package_scripts()
    return ScriptDirectory(str(HERE), version_locations=[str(path) for path in version_locations])


@lru_cache(maxsize=1)
def _package_scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory  # see the note at the imports

    return ScriptDirectory(str(HERE), version_locations=[str(VERSIONS)])
