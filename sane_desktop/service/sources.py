"""Reading a catalogue folder the way it was imported: every service path that reads a source folder
(train, adapt, evaluate, evaluate-explanations, the index dialog's preview and category plan) goes
through :func:`read_source`, so a manifest catalogue whose mapping lives outside its folder is never
read as a plain folder of photos because a command was given no ``--mapping`` (a trial found Train
and Adapt in the window, and a re-sync, doing exactly that)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sane_desktop.errors import SaneError
from sane_desktop.paths import CATALOGUE_DB, catalogue_dir, sqlite_url

if TYPE_CHECKING:
    from sane_desktop.catalogue.types import Catalogue

log = logging.getLogger(__name__)


def source_mapping(root: Path | str, mapping: Path | str | None = None, name: str | None = None,
                   index_dir: Path | None = None) -> Path | None:
    """The mapping to read the folder ``root`` with: ``mapping`` when given; else the one recorded
    when the catalogue ``name`` (default: the folder's name) was imported from this very folder into
    the index home (``index_dir``, default ``<index home>/<name>/``;
    ``store.importer.stored_catalogue``); else None (the folder's own
    ``sane-mapping.json`` or a shipped mapping is found by the reader itself). Never raises: a store
    that cannot be read is no mapping (the reader then detects the format as it always did)."""
    if mapping:
        return Path(mapping)
    root = Path(root).expanduser().resolve()
    try:  # a folder whose name is no valid catalogue name ("<h1>x", "..") was never imported under it
        database = (index_dir or catalogue_dir(name or root.name)) / CATALOGUE_DB
    except SaneError:
        return None
    if not database.is_file():
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from sane_desktop.store.db import create_store_engine
    from sane_desktop.store.importer import stored_catalogue

    try:  # read-only: a command that only reads the folder (evaluate, train) never migrates its store
        engine = create_store_engine(sqlite_url(database), read_only=True)
    except (SaneError, SQLAlchemyError, OSError) as error:
        log.info("no recorded mapping for %s (%s)", root, error)
        return None
    try:
        stored = stored_catalogue(engine, name or root.name)
    except (SaneError, SQLAlchemyError) as error:
        log.info("no recorded mapping for %s (%s)", root, error)
        return None
    finally:
        engine.dispose()
    if stored is None or not stored.mapping or Path(stored.root).resolve() != root:
        return None
    return Path(stored.mapping)


def read_source(root: Path | str, mapping: Path | str | None = None, *, name: str | None = None,
                index_dir: Path | None = None, **options: Any) -> Catalogue:
    """``read_catalogue(root, source_mapping(root, mapping, name, index_dir), **options)``: the folder
    read as its import read it. Raises what :func:`~sane_desktop.catalogue.read_catalogue` raises, and
    InputError for a folder whose path is not UTF-8 text."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.paths import refuse_undecodable

    refuse_undecodable(root, "the catalogue folder")  # its path is stored, logged and printed as text
    return read_catalogue(Path(root), source_mapping(root, mapping, name, index_dir), **options)
