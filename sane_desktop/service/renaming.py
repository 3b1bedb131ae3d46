"""A catalogue's rename (:func:`~sane_desktop.service.catalogues.rename_catalogue`: its folder under the index
home, the name in its database and in its index manifest) as one step that a kill cannot leave half done.

The folder's move and the database's change cannot be one transaction. Trial DT killed a rename between them:
every command then refused the catalogue ("… holds catalogue 'dr', not 'drk'") without a way out, and renaming
it on said ``StopIteration``. So a rename writes its intent first (``.renaming.json`` in the folder, moved with
it), and whoever next lists or opens the home finishes what the intent says (:func:`finish_interrupted_renames`):
a folder already under the new name gets the new name in its database and manifest too; a folder still under
the old one loses the intent, the rename never having happened. The same roll-forward as a journalling file
system's, for one small record."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from sane_desktop.paths import CATALOGUE_DB, sqlite_url

__all__ = ["INTENT_FILE", "finish_interrupted_renames", "finish_rename", "write_intent"]

log = logging.getLogger(__name__)

INTENT_FILE = ".renaming.json"  # {"from": old name, "to": new name, "was": the old folder, resolved}


def finish_interrupted_renames(home: Path) -> None:
    """Finish, or forget, every rename under ``home`` that was stopped part-way (see the module). A folder
    under neither name of its intent (moved by hand since) is left as it is, intent and all, and said in the
    log. Never raises: what cannot be finished now is tried again at the next listing."""
    try:
        intents = [folder / INTENT_FILE for folder in Path(home).iterdir() if (folder / INTENT_FILE).is_file()]
    except OSError:
        return
    from sane_desktop.service.locking import writer_running

    for intent in intents:
        folder = intent.parent
        if writer_running(folder) is not None:  # the rename is under way (it holds the lock throughout): its own
            continue  # (trial DU: a listing meanwhile removed the intent of a rename not yet moved, then killed)
        try:
            said = json.loads(intent.read_text(encoding="utf-8"))
            old, new, was = str(said["from"]), str(said["to"]), Path(str(said["was"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("the rename record %s cannot be read (%s): left as it is", intent, error)
            continue
        if folder.name == old:  # stopped before the folder moved: nothing else changed
            intent.unlink(missing_ok=True)
            continue
        if folder.name != new:
            log.warning("the rename record %s is for %r → %r, but its folder is %r now: left as it is", intent, old,
                        new, folder.name)
            continue
        try:
            finish_rename(folder, old, new, was)
        except Exception as error:  # noqa: BLE001 - tried again at the next listing, said now
            log.warning("could not finish renaming catalogue %r to %r (%s): tried again later", old, new, error)
            continue
        intent.unlink(missing_ok=True)
        log.warning("finished renaming catalogue %r to %r, which had been stopped part-way", old, new)


def write_intent(path: Path, said: dict[str, str]) -> None:
    """Write the rename's intent whole or not at all (a temporary beside it, flushed, then renamed)."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(said, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def finish_rename(folder: Path, old: str, new: str, was: Path) -> None:
    """Give the catalogue moved from ``was`` to ``folder`` its new name in its database and manifest. Done
    again after a kill, it changes nothing more: the database row is found by either name."""
    from sqlalchemy import select, update

    from sane_desktop.retrieval.manifest import database_location, read_index_manifest, write_index_manifest
    from sane_desktop.store import open_store
    from sane_desktop.store import schema as S

    engine = open_store(sqlite_url(folder / CATALOGUE_DB))
    try:
        with engine.begin() as connection:
            named = S.CatalogueRow.name.in_((old, new))
            row = connection.execute(select(S.CatalogueRow.root, S.CatalogueRow.mapping).where(named)).first()
            moved: dict[str, Any] = {}
            # photos kept inside the catalogue's own folder (the built-in demo's source/) moved with it: the
            # recorded folder follows, or every photo reads as gone (a trial)
            for column, value in zip(("root", "mapping"), row or ()):
                if value and Path(value).is_relative_to(was):
                    moved[column] = str(folder.resolve() / Path(value).relative_to(was))
            connection.execute(update(S.CatalogueRow).where(named).values(name=new, **moved))
    finally:
        engine.dispose()
    manifest = read_index_manifest(folder)
    if manifest is None:
        return
    manifest.catalogue = new
    own = Path(manifest.model_path)
    if own.is_relative_to(was):  # the catalogue's own model moved with its folder
        manifest.model_path = str(folder.resolve() / own.relative_to(was))
    old_db = database_location(sqlite_url(was / CATALOGUE_DB))
    # and its database: the index names where it is now (trial AE's next index under the new name was refused
    # as "another database" at the old path); also when the manifest came with a copied index home and named
    # the original's database of this name (trial AT)
    if manifest.db_location == old_db or _home_database_of(manifest.db_location, old):
        manifest.db_location = database_location(sqlite_url(folder / CATALOGUE_DB))
    write_index_manifest(folder, manifest)


def _home_database_of(location: str, name: str) -> bool:
    """Whether ``location`` is a SQLite database laid out as an index home's catalogue ``name``
    (``<home>/<name>/catalogue.db``), wherever that home is."""
    if not location.startswith("sqlite"):
        return False
    from sqlalchemy.engine import make_url

    try:
        database = make_url(location).database
    except Exception:  # noqa: BLE001 - a location this program did not write
        return False
    return bool(database) and Path(str(database)).name == CATALOGUE_DB and Path(str(database)).parent.name == name
