"""The indexed catalogues under an index home, and one opened catalogue composed of small typed
parts: its items (store access), its model, its outfit search and its explanations.

``Catalogues(home).open(name)`` is what the CLI's ``query``/``explain`` and the window's worker
both call, so the two front ends answer from the same code.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from sane_desktop import paths
from sane_desktop.errors import (IndexBeingWritten, InputError, NotFound, SaneError, StaleIndexError, StoreError,
                                 StoreUnavailable, WayOut, without_passwords)
from sane_desktop.service.model_swap import PREVIOUS, tagged
from sane_desktop.service.locking import HOLDER_NAME, catalogue_lock, first_index_running, while_written
from sane_desktop.service.renaming import INTENT_FILE, finish_interrupted_renames, finish_rename, write_intent
from sane_desktop.service.titles import closest_name
from sane_desktop.service.items import CatalogueItems
from sane_desktop.service.values import REIMPORTED, CatalogueInfo, CatalogueListing, UnreadableCatalogue
from sane_desktop.store import browse

if TYPE_CHECKING:  # these load torch/FAISS: imported when an open catalogue first needs its model (worker)
    from sqlalchemy import Engine

    from sane_desktop.service.explanation import Explanations
    from sane_desktop.service.model import ModelContext
    from sane_desktop.service.search import OutfitSearch

log = logging.getLogger(__name__)

# a catalogue folder whose database holds no catalogue and no run is writing: an import stopped part-way
FIRST_IMPORT_UNFINISHED = ("its first import never finished (the app was closed or stopped while it read the folder): "
                           "index the folder again under this name, or delete it")
OWN_MODELS = (paths.OWN_MODEL, "models/latest.pt")  # a catalogue's own model, trained or adapted in the app
# the own model a Train, Adapt or Built-in model… replaced (SavedModel.keep_as_previous)
EARLIER_MODEL = tagged(Path(paths.OWN_MODEL), PREVIOUS).name


class OpenCatalogue:
    """One catalogue ready to browse, search and explain; every part is typed and owned here.

    ``info``, ``folder`` (index/<name>/: its database, FAISS files, manifest, explanation cache) and
    ``items`` are there from the start; ``model``, ``search`` and ``explanations`` are made on first
    use, so that browsing a catalogue needs neither torch nor FAISS (the window shows its items while
    the worker is still loading the models: issue 18 point 10)."""

    def __init__(self, info: CatalogueInfo, folder: Path, items: CatalogueItems, model_path: Callable[[], Path],
                 device: str | None, *, selection: Path | None = None, verify_index: bool = True) -> None:
        self.info, self.folder, self.items = info, folder, items
        self._model_path, self._device = model_path, device
        self._selection, self._verify_index = selection, verify_index

    @cached_property
    def model(self) -> ModelContext:
        from sane_desktop.service.model import ModelContext

        model = ModelContext(self._model_path(), self._device)
        log.info("catalogue %r: model %s on %s", self.info.name, model.path, model.device)
        return model

    @cached_property
    def search(self) -> OutfitSearch:
        from sane_desktop.service.search import OutfitSearch

        return OutfitSearch(self.items, self.model, self.folder)

    @cached_property
    def explanations(self) -> Explanations:
        from sane_desktop.service.explanation import Explanations

        check = index_check(self.info.name, self.folder, self.model, self.items.engine) if self._verify_index else None
        # a model the caller chose (verify_index False) is explained as asked
        return Explanations(self.items, self.model, self.folder, cache_dir=self.folder / paths.EXPLANATIONS_FOLDER,
                            selection_file=self._selection, verify_index=check)

    def index_on_server(self) -> bool:
        """Whether its vectors live on its database server (a pgvector index), as its manifest says:
        re-indexing it names that backend again. False without a readable manifest."""
        return index_on_server(self.folder)

    def close(self) -> None:
        """Release the searcher (a pgvector one's server connection) and the store's engine."""
        search = self.__dict__.get("search")  # only when it was made (cached_property)
        if search is not None:
            search.close()
        self.items.close()


def index_on_server(folder: Path) -> bool:
    """Whether the index whose manifest is in ``folder`` keeps its vectors on its database server (pgvector
    tables): its re-index names that backend again. False without a readable manifest."""
    from sane_desktop.retrieval.manifest import is_shared, read_index_manifest

    try:
        manifest = read_index_manifest(folder)
    except SaneError:
        return False
    return manifest is not None and is_shared(manifest)


def index_check(name: str, folder: Path, model: ModelContext, engine: Engine | None = None) -> Callable[[], None]:
    """A check that catalogue ``name``'s index in ``folder`` was built with ``model``: what is
    explained must be what the search ranked. Raises StaleIndexError (no index, an unreadable
    manifest, another model, another database's catalogue) with what to do; ModelError when the model itself is missing.
    ``engine``: the catalogue's store; a pgvector catalogue's manifest is first brought up to date
    from its server (:func:`~sane_desktop.retrieval.manifest.sync_shared_manifest`)."""
    from sane_desktop.retrieval.index_state import not_indexed, refuse_changed_files, refuse_stale
    from sane_desktop.retrieval.manifest import read_index_manifest, recorded_model_file, sync_shared_manifest
    from sane_desktop.store.items import find_catalogue

    def check() -> None:
        try:
            checked()
        except StaleIndexError as error:  # an index run under way says so, not "re-index it"
            said = while_written(name, folder, error)
            if said is error:
                raise
            raise said from error

    def checked() -> None:
        if engine is not None:
            sync_shared_manifest(engine, name, folder)
        manifest = read_index_manifest(folder)
        # another database's catalogue compares the pairs in other spaces; rows re-imported since (trial AY:
        # `explain --db` answered after an import `query` refused): search's rules, in its words
        found = find_catalogue(engine, name) if engine is not None else None
        if manifest is None:
            raise not_indexed(name, folder, engine, found.pk if found is not None else None)
        refuse_stale(manifest, model.bundle(), name=name, index_dir=folder,
                     recorded=recorded_model_file(manifest, folder),
                     revision=found.revision if found is not None else None,
                     uid=found.uid if found is not None else None)
        refuse_changed_files(manifest, folder)  # a result no search could rank now is not explained

    return check


class Catalogues:
    """The catalogues indexed under ``home`` (one folder each); ``model``/``device`` override
    the model a catalogue opens with and the torch device."""

    def __init__(self, home: Path | None = None, *, model: Path | None = None, device: str | None = None) -> None:
        self.home = paths.check_outside_package(home, "index home") if home else paths.index_home()
        self.model_override = Path(model) if model else None
        self.device = device

    def folder(self, name: str) -> Path:
        """``home/<name>``; raises InputError for a name that is not one plain folder name
        (:func:`sane_desktop.paths.check_catalogue_name`: nothing may land outside the home)."""
        return paths.catalogue_dir(name, self.home)

    def spelled(self, name: str) -> str:
        """The name the home holds catalogue ``name`` under: ``name`` itself when its folder is there, else the
        one form of it that is — its escapes read back (an ASCII-only terminal prints "מלאי" as
        ``\\u05de\\u05dc\\u05d0\\u05d9``), or its letters in the other Unicode form (a name made on a Mac,
        typed on a keyboard); trial DQ was told "no catalogue named 'Café': did you mean 'Café'?". A new name
        of those forms is refused (:func:`sane_desktop.paths.refuse_look_alike_name`), so at most one is there."""
        import unicodedata

        from sane_desktop.catalogue.types import unescaped

        forms = dict.fromkeys(form for written in (name, unescaped(name))
                              for form in (written, *(unicodedata.normalize(f, written) for f in ("NFC", "NFD"))))
        for form in forms:
            try:
                if paths.catalogue_dir(form, self.home).is_dir():
                    return form
            except InputError:  # not a name a folder can have ("\\u05de…" holds a backslash)
                continue
        return name

    def built_from(self, root: Path | str) -> tuple[str, ...]:
        """The catalogues (sorted names) whose recorded source folder is ``root`` (both resolved): indexing it
        again under another name makes a second catalogue of it (trial EU, after a rename)."""
        # (the listing read each one's source folder: no database opened twice)
        return tuple(info.name for info in self.scan().catalogues if info.root and paths.same_path(info.root, root))

    def source(self, name: str, db_url: str | None = None) -> str | None:
        """The folder the catalogue called ``name`` was built from, None when there is none (or its
        database cannot be read: then opening it says why). InputError for an invalid name.
        ``db_url``: its database is that one (a server's), not the home's file."""
        from sane_desktop.store import open_store
        from sane_desktop.store.items import catalogue_source

        db = self.folder(name) / paths.CATALOGUE_DB
        if db_url is None and not db.is_file():
            return None
        try:
            engine = open_store(db_url or paths.sqlite_url(db), create=False)
        except (SaneError, SQLAlchemyError, OSError):
            return None
        try:
            return catalogue_source(engine, name)
        except (SQLAlchemyError, OSError):
            return None
        finally:
            engine.dispose()

    def demo_source(self) -> Path:
        """Where the built-in demo catalogue is generated (it is indexed as "demo")."""
        return self.home / "demo" / "source"

    def model_path(self, name: str | None, index_dir: Path | None = None, root: Path | None = None) -> Path:
        """The override, else the model the catalogue was indexed with (its index manifest names
        it; a file moved since — a bundled model after an update of the app — is found by its
        content hash among the catalogue's own and the bundled models), else the catalogue's own
        trained/adapted model, else the bundled model for its folder ``root`` (the demo model for
        the drawn demo world, the general pretrained-trunk model for real photos).

        Never another model in place of the indexed one: when that file is gone, its path is
        returned all the same and loading it says it is missing."""
        from sane_desktop.models.checkpoint import bundled_model_path, bundled_model_paths, stored_content_hash
        from sane_desktop.retrieval.manifest import read_index_manifest, recorded_model_file, shared_checkpoint_path

        if self.model_override is not None:
            return self.model_override
        own = [self.folder(name) / candidate for candidate in OWN_MODELS] if name else []
        if name:
            try:
                manifest = read_index_manifest(index_dir or self.folder(name))
            except SaneError:  # an unreadable manifest: explaining and searching refuse (re-index)
                manifest = None
            if manifest is not None and manifest.model_path:
                # another install's bundled model, or a copied index home's own: this one's
                recorded = recorded_model_file(manifest, index_dir or self.folder(name))
                # a shared catalogue's model as fetched from its server (sync_shared_manifest): used
                # unless the recorded file here is that very model
                fetched = shared_checkpoint_path(index_dir or self.folder(name), manifest.model_hash)
                if fetched.is_file() and not (recorded.is_file()
                                              and stored_content_hash(recorded) == manifest.model_hash):
                    return fetched
                if recorded.is_file():
                    return recorded
                for candidate in [*own, *bundled_model_paths()]:
                    if candidate.is_file() and stored_content_hash(candidate) == manifest.model_hash:
                        return candidate
                return recorded
        return next((path for path in own if path.is_file()), bundled_model_path(root if root is not None
                                                                                  else self._root_of(name)))

    def _root_of(self, name: str | None) -> Path | None:
        """The source folder of an imported catalogue (None when unknown or unreadable)."""
        if not name:
            return None
        try:
            source = self.source(name)
        except SaneError:
            return None
        return Path(source) if source else None

    def list(self) -> list[CatalogueInfo]:
        """Every catalogue under the home that can be read, sorted by name (see :meth:`scan`)."""
        return list(self.scan().catalogues)

    def scan(self) -> CatalogueListing:
        """Every folder under the home with a database, sorted by name: those that open, and those
        that do not with the reason (an unreadable or foreign database is skipped and reported,
        never allowed to stop the listing)."""
        from sane_desktop.store import open_store
        from sane_desktop.store.items import sqlite_holds_a_catalogue

        found: list[CatalogueInfo] = []
        broken: list[UnreadableCatalogue] = []
        if not self.home.is_dir():
            return CatalogueListing((), ())
        sweep_tombstones(self.home)
        finish_interrupted_renames(self.home)  # a rename stopped part-way is finished before it is listed
        for folder in sorted(self.home.iterdir()):
            if folder.name.startswith(TOMBSTONE):  # what a delete could not remove yet: no catalogue (trial EC)
                continue
            db = folder / paths.CATALOGUE_DB
            if not db.is_file():
                server = _server_database(folder) if folder.is_dir() and not folder.name.startswith(".") else ""
                # read only where no server is named: each of these reads the folder's manifest
                elsewhere = "" if server or not folder.is_dir() or folder.name.startswith(".") else _file_database(folder)
                if server:
                    broken.append(UnreadableCatalogue(folder.name, db, f"its database is on a server ({server}), "
                                                      "which this list of local databases does not open",
                                                      on_server=server))
                elif elsewhere:  # indexed with a SQLite file of its own: not gone (trial DU read "gone … delete it")
                    broken.append(UnreadableCatalogue(folder.name, db, f"its database is a file outside the index home "
                                                      f"({elsewhere}), which this list does not open",
                                                      on_server=elsewhere))
                elif folder.is_dir() and not folder.name.startswith(".") and _left_without_database(folder):
                    # its database deleted or moved: listed with why, never gone from the list unsaid
                    broken.append(UnreadableCatalogue(folder.name, db, f"its database {paths.CATALOGUE_DB} is gone (deleted or "
                                                      "moved); its search index is left: index its folder again "
                                                      "under this name, or delete it"))
                continue
            running = first_index_running(folder)
            if running is not None:  # not "its first import never finished" of one under way (trial DT)
                broken.append(UnreadableCatalogue(folder.name, db, f"it is being indexed for the first time now "
                                                  f"({running})", passing=True))
                continue
            try:
                paths.check_catalogue_name(folder.name)
                engine = open_store(paths.sqlite_url(db))
                try:
                    record = browse.catalogue_record(engine, folder.name)
                finally:
                    engine.dispose()
                if record.name != folder.name:  # a database that is another catalogue's is not this one
                    raise NotFound(f"{db} holds catalogue {record.name!r}, not {folder.name!r}")
            except (SaneError, SQLAlchemyError, OSError) as error:
                # what is wrong, without the way out: the manager, its one reader, says its own (trial N read
                # the command line's --replace there)
                problem = error.problem if isinstance(error, SaneError) else str(error)
                reason = problem.splitlines()[0] if problem else type(error).__name__
                if isinstance(error, NotFound) and not sqlite_holds_a_catalogue(db):  # tables, no row: an import
                    reason = FIRST_IMPORT_UNFINISHED
                broken.append(UnreadableCatalogue(folder.name, db, reason, passing=isinstance(error, StoreUnavailable)))
                continue
            found.append(CatalogueInfo(record.name, db, record.items, record.format, record.root, record.outfits,
                                       self._builtin(record.root), record.uid, record.revision,
                                       indexed=(folder / "manifest.json").is_file()))
        return CatalogueListing(tuple(found), tuple(broken))

    def _builtin(self, root: str) -> bool:
        return Path(root).resolve() == self.demo_source().resolve()

    def not_found(self, name: str, what: str = "indexed catalogue") -> NotFound:
        """The refusal of a catalogue name the home lacks, naming those it holds (trial AD's ``items
        nosuch`` named none, and no command listed them): the closest when one is close, else all (at
        most 12); a catalogue's own folder given as the home, or a home that does not exist, said as
        such. Folder names only: no database is opened."""
        said = f"no {what} named {name!r} under {self.home}"
        try:
            server = _server_database(self.folder(name))
        except SaneError:  # not a name a folder can have: said below like any other
            server = ""
        if server:  # its folder holds the index of a database on a server (trial AW: "did you mean …?")
            return NotFound(f"catalogue {name!r} keeps its database on a server ({server})", way_out=WayOut.ON_SERVER)
        if (self.home / paths.CATALOGUE_DB).is_file():  # a catalogue's own folder given as the home (trial AD)
            return NotFound(f"{said}: that folder is catalogue {self.home.name!r} itself; its index home is "
                            f"{self.home.parent}", way_out=WayOut.OTHER_INDEX_HOME)
        if not self.home.exists():
            return NotFound(f"{said} (that folder does not exist)", way_out=WayOut.OTHER_INDEX_HOME)
        try:
            names = sorted(entry.name for entry in self.home.iterdir() if (entry / paths.CATALOGUE_DB).is_file())
        except OSError:
            names = []
        if not names:
            return NotFound(f"{said} (run `sane-desktop index` first)")
        meant = closest_name(name, names)
        if meant is not None:
            return NotFound(f"{said}: did you mean {meant!r}?")
        shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        return NotFound(f"{said}; it holds {shown}")

    def open(self, name: str, *, db_url: str | None = None, index_dir: Path | None = None,
             selection: Path | None = None) -> OpenCatalogue:
        """Open catalogue ``name``: its SQLite database under the home (or ``db_url``), its index
        files in its folder (or ``index_dir``); ``selection``: a fitted attribute selection file
        (default: the catalogue's own, else the model's).

        Raises InputError for an invalid name, :class:`NotFound` when there is no such catalogue
        (also when the database holds only another one); the index itself is checked
        against the model and database when first searched (StaleIndexError)."""
        from sane_desktop.store import open_store

        if db_url is None:  # as the home holds it (another Unicode form, or printed with escapes)
            finish_interrupted_renames(self.home)
            name = self.spelled(name)
        folder = Path(index_dir) if index_dir else self.folder(name)  # FAISS files, manifest, cache
        db = self.folder(name) / paths.CATALOGUE_DB
        if db_url is None and not db.is_file():
            if self.home.exists() and not self.home.is_dir():  # said, not "no catalogue named …" (a trial)
                raise NotFound(f"the index home {self.home} is a file, not a folder, so no catalogue can be there",
                               way_out=WayOut.OTHER_INDEX_HOME)
            raise self.not_found(name)
        if db_url is not None:
            refuse_missing_sqlite(db_url)
        # opened to read: a database with no store in it (empty, mistyped) is refused, never given tables
        engine = open_store(db_url or paths.sqlite_url(db), create=False)
        try:
            record = browse.catalogue_record(engine, name)
            held = browse.catalogue_names(engine) if record.name != name else []
        except NotFound:
            engine.dispose()
            running = first_index_running(folder) if db_url is None else None
            if running is not None:  # trial DT read "the store holds no catalogue" of one being imported
                raise IndexBeingWritten(f"catalogue {name!r} is being indexed for the first time now ({running}): "
                                        "use it once that run has ended") from None
            if db_url is None:  # the listing's words for it, not "the store holds no catalogue" (trial DU)
                from sane_desktop.store.items import sqlite_holds_a_catalogue

                if not sqlite_holds_a_catalogue(db):
                    raise NotFound(f"catalogue {name!r}: {FIRST_IMPORT_UNFINISHED}") from None
            raise
        if record.name != name:  # catalogue_record falls back to the store's first catalogue: not this one
            engine.dispose()
            # every name it holds (a trial read only the first of two), and never the URL's password
            raise NotFound(f"no catalogue named {name!r} in {without_passwords(db_url) if db_url else db} "
                           f"(it holds {', '.join(repr(other) for other in held)})")
        info = CatalogueInfo(record.name, db, record.items, record.format, record.root, record.outfits,
                             self._builtin(record.root), record.uid, record.revision)
        if db_url is not None:  # a shared (pgvector) catalogue: its manifest and model come from the server
            _sync_manifest(engine, name, folder)
        items = CatalogueItems(engine, record)
        return OpenCatalogue(info, folder, items, lambda: self.model_path(name, folder), self.device,
                             selection=selection, verify_index=self.model_override is None)


def _sync_manifest(engine: Engine, name: str, folder: Path) -> None:
    """Bring ``folder``'s copy of a shared catalogue's manifest (and its model) up to date from the
    server before the model is chosen. A manifest that cannot be used leaves the catalogue
    browsable: searching and explaining check again and refuse with the reason."""
    from sane_desktop.retrieval.manifest import sync_shared_manifest

    try:
        sync_shared_manifest(engine, name, folder)
    except StaleIndexError as error:
        log.warning("catalogue %r: %s", name, error)


# --- catalogue management (issue 18 point 15): details, rename, delete -----------------------------
TOMBSTONE = paths.TOMBSTONE  # a catalogue folder being deleted is first renamed to this prefix + name + pid


@dataclass(frozen=True)
class CatalogueDetails:
    """What the catalogue manager shows for one catalogue. ``source``: the folder it was imported
    from ("" when unknown; the user's photos, never touched by rename/delete); ``items``: rows in
    its database; ``model_name``/``model_hash``: file name and the SHA-256 (whole, as every
    ``--json`` names a model; a view shows its first 12 hex digits) of the model its index was built with, ``vectors``: vectors in that index and
    ``indexed_at``: when it was written (ISO 8601, UTC) — all three from ``<folder>/manifest.json``,
    empty/0 when it was imported and never indexed (an index written before the manifest recorded
    the time gives "")."""

    name: str
    folder: Path
    source: str
    items: int
    model_name: str
    model_hash: str
    vectors: int
    indexed_at: str
    builtin: bool
    damaged: str = ""  # why its database cannot be read ("" when it can): it can only be deleted here
    passing: bool = False  # ... for a reason outside its file (a full disk, a lock): no damage, it opens later
    # looked at when listed (on the worker: the source may be on a share that stops answering)
    photos_inside: bool = False  # its photos are kept inside its own folder (deleted with it)
    source_found: bool = False  # its source folder was there
    # where its model comes from in a stylist's words ("trained on this catalogue", "built into the
    # app", …; indexing.model.origin_words), "" when not known: a trial read only a file name and a hash
    model_origin: str = ""
    out_of_date: bool = False  # its index was built from another import than its database's (IndexFacts.out_of_date)
    index_problem: str = ""  # why no search can use its index as it is (IndexFacts.problem), "" when none
    # why a re-index is needed though the database did not move ("" when none; IndexFacts.stale_reason): its
    # vectors computed by another build's code, its model file holding another model now, an unreadable
    # manifest (trials AT and BA found such indexes listed as usable while every search refused them)
    stale_reason: str = ""
    # its index was built with a model built into the app (its manifest's origin says so): nothing to go back to
    model_builtin: bool = False
    # where its database is when that is a server ("" for a local one): listed, not opened (no item count)
    on_server: str = ""
    # its manifest names no model any more: a re-index must be given it (trial BR followed "re-index it"
    # and was refused: the model is never guessed)
    model_unknown: bool = False
    # its database's token (catalogues.uid) and import revision: what `query --json` names, to be matched ("": unread)
    uid: str = ""
    revision: int = 0
    # when the model it used before its last Train, Adapt or Built-in model… was written (ISO 8601, UTC; the file
    # kept as model.previous.pt: CatalogueService.use_earlier_model), "" when none is kept
    earlier_model_at: str = ""
    own_model: bool = False  # its index's model is its own file (model.pt in its folder), kept when it is replaced


def photos_inside(catalogues: Catalogues, name: str) -> bool:
    """Whether catalogue ``name``'s photos lie inside its own folder (deleted with it): one catalogue's
    database read, not every catalogue's (:func:`catalogue_details`)."""
    return _photos_inside(catalogues.source(name) or "", catalogues.folder(name))


def _photos_inside(source: str, folder: Path) -> bool:
    """Whether the photos of ``source`` lie inside the catalogue ``folder`` (the built-in demo's
    generated ones), so that deleting the catalogue deletes them."""
    if not source:
        return False
    try:
        return Path(source).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def left_by_an_index(folder: Path) -> bool:
    """Whether ``folder`` holds what an index of this app writes: a manifest that reads as one (its
    ``format_version`` and ``catalogue``), FAISS files in ``faiss/``, the writer's lock or ``embedded_by.json``.
    A folder of the user's under the index home with a ``manifest.json`` of its own (a browser extension's) or a
    ``faiss/`` folder was listed as a catalogue and deleted whole by ``catalogues delete`` (trial EC)."""
    import json

    from sane_desktop.retrieval.indexing.embedded_by import MARK_NAME
    from sane_desktop.service.locking import LOCK_NAME

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if isinstance(manifest, dict) and "format_version" in manifest and "catalogue" in manifest:
            return True
    except (OSError, ValueError):
        pass  # none, or damaged: the other signs say whether it was ours
    return (any((folder / "faiss").glob("*.faiss")) or (folder / LOCK_NAME).is_file()
            or (folder / MARK_NAME).is_file())


def _left_without_database(folder: Path) -> bool:
    """Whether ``folder`` holds what an index leaves (its manifest, FAISS files) without a database.
    A shared catalogue's local copy (the server's manifest, kept when it was opened from this
    computer), or any index built from a server's database, has its database on the server: no damage
    (trials R and AW read "its database is gone")."""
    from sane_desktop.retrieval.manifest import is_shared, read_index_manifest

    if not left_by_an_index(folder):
        return False
    try:
        manifest = read_index_manifest(folder)
    except SaneError:
        return True  # unreadable: what is left of a local index
    return manifest is None or not (is_shared(manifest) or _server_location(manifest.db_location))


def _server_location(location: str) -> bool:
    """Whether a manifest's ``db_location`` is a database server's URL (not a SQLite file, not unknown)."""
    return "://" in location and not location.startswith("sqlite")


def _server_database(folder: Path) -> str:
    """Where the database of the index in ``folder`` is when that is a server (its manifest's location,
    without a password), "" otherwise or without a readable manifest."""
    from sane_desktop.retrieval.manifest import read_index_manifest

    if not (folder / "manifest.json").is_file():
        return ""
    try:
        manifest = read_index_manifest(folder)
    except SaneError:
        return ""
    return manifest.db_location if manifest is not None and _server_location(manifest.db_location) else ""


def _file_database(folder: Path) -> str:
    """The location of the SQLite file the index in ``folder`` was built from, when that is a file of its own
    outside ``folder`` that is there (``index --db sqlite:///…``); "" otherwise or without a readable manifest."""
    from sqlalchemy.engine import make_url

    from sane_desktop.retrieval.manifest import read_index_manifest

    if not (folder / "manifest.json").is_file():
        return ""
    try:
        manifest = read_index_manifest(folder)
        database = make_url(manifest.db_location).database if manifest is not None else None
    except Exception:  # noqa: BLE001 - an unreadable manifest or location: not this case
        return ""
    if manifest is None or not manifest.db_location.startswith("sqlite") or not database:
        return ""
    path = Path(database)
    # another catalogue of this home's database: this folder is a copy of its index, left without its own
    home_layout = path.name == paths.CATALOGUE_DB and path.resolve().parent.parent == folder.resolve().parent
    return manifest.db_location if path.is_file() and not home_layout else ""


def indexed_model_unknown(folder: Path) -> bool:
    """Whether ``folder`` holds an index manifest that names no model any more (not JSON, or no
    ``model_path``): a re-index then refuses to guess the model, and must be given it (``--model``)."""
    import json

    from sane_desktop.retrieval.manifest import MANIFEST_NAME

    path = folder / MANIFEST_NAME
    if not path.is_file():
        return False
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return not (isinstance(raw, dict) and isinstance(raw.get("model_path"), str) and raw["model_path"])


def index_model(folder: Path) -> tuple[str, str] | None:
    """(model path, model content hash) the index in ``folder`` was built with, as its manifest
    records them; None without a readable manifest."""
    from sane_desktop.retrieval.manifest import read_index_manifest, recorded_model_file

    try:
        manifest = read_index_manifest(folder)
    except SaneError:
        return None
    return None if manifest is None else (str(recorded_model_file(manifest, folder)), manifest.model_hash)


@dataclass(frozen=True)
class IndexFacts:
    """What a catalogue's index manifest says for the manager (all empty without one): the model's
    file name and its hash (whole), the vectors, when it was written (ISO 8601),
    where the model comes from, and the import revision and database token it was built from."""

    model_name: str = ""
    model_hash: str = ""
    vectors: int = 0
    indexed_at: str = ""
    origin: dict[str, str] = field(default_factory=dict)
    db_revision: int = 0
    db_uid: str = ""
    # why a search would refuse this index whatever the database says ("" when nothing): written by a
    # newer version, or another catalogue's index files in this folder (trial AE: listed as usable)
    problem: str = ""
    # why search refuses the index though the database did not move ("" when it does not): its vectors from
    # another build's code, its model file holding another model now, its manifest unreadable
    stale_reason: str = ""
    own_model: bool = False  # its model is the catalogue's own file (model.pt in its folder: trained or adapted here)

    def out_of_date(self, info: CatalogueInfo) -> bool:
        """Whether the index was built from another import of the catalogue than the one listed (its
        folder re-synced or re-imported since, or that run stopped before its index: trial K's manager
        listed a catalogue no search could use with its last "Indexed" time and no word), or its
        vectors by another build's code, its model changed, its manifest unreadable (:attr:`stale_reason`)."""
        if self.stale_reason:
            return True
        if not self.model_name:
            return False
        return self.db_revision != info.revision or bool(self.db_uid and info.uid and self.db_uid != info.uid)


def matches_learnt(folder: Path) -> bool:
    """Whether the model of the index in ``folder`` learnt matches for some of the catalogue's
    categories: False when its manifest maps every one to the general space and none by the user's
    choice (a model trained without outfits, or on other kinds of garment); True without a readable
    manifest (nothing known: the window says nothing of it)."""
    from sane_desktop.retrieval.category_map import GENERAL
    from sane_desktop.retrieval.manifest import read_index_manifest

    try:
        manifest = read_index_manifest(folder)
    except SaneError:
        return True
    if manifest is None or not manifest.category_map:
        return True
    return any(target != GENERAL for target in manifest.category_map.values()) or bool(manifest.user_map)


def index_facts(folder: Path, *, model_check: bool = True) -> IndexFacts:
    """:class:`IndexFacts` from ``folder``'s index manifest (empty without one); without ``model_check``, a
    model file holding another model now is not looked for (reading its hash needs torch). Raises
    StaleIndexError for an unreadable manifest."""
    from sane_desktop.code_version import embedding_code
    from sane_desktop.retrieval.manifest import FORMAT_VERSION, other_build_words, read_index_manifest

    manifest = read_index_manifest(folder)
    if manifest is None:
        return IndexFacts()
    problem = ""
    if manifest.format_version > FORMAT_VERSION:
        problem = f"written by a newer version{f' ({manifest.app_version})' if manifest.app_version else ''}"
    elif manifest.catalogue != folder.name:
        problem = f"holds the index of catalogue {manifest.catalogue!r}"
    stale = (other_build_words(manifest) if manifest.embedding_code != embedding_code()
             else _files_problem(manifest, folder) or (_model_changed(manifest, folder) if model_check else ""))
    recorded = Path(manifest.model_path) if Path(manifest.model_path).is_absolute() else folder / manifest.model_path
    own = bool(manifest.model_path) and paths.same_path(recorded, folder / paths.OWN_MODEL)
    return IndexFacts(Path(manifest.model_path).name, manifest.model_hash, manifest.vector_count, manifest.created_at,
                      dict(manifest.model_origin), manifest.db_revision, manifest.db_uid, problem, stale, own)



def _files_problem(manifest: Any, folder: Path) -> str:
    """Which of the index's files are gone, or not the files it was built with (their SHA-256 against the
    manifest's: a stat each while unchanged, :func:`~sane_desktop.retrieval.indexing.verify.verify_file`;
    a pgvector table is the server's to check), "" when none: search and explain refuse such an index, and
    the list called it usable (trials BB, BF)."""
    from sane_desktop.retrieval.indexing.verify import verify_file

    gone: list[str] = []
    changed: list[str] = []
    for entry in manifest.indexes.values():
        try:
            verify_file(folder, entry)  # (a pgvector table is not a file: passed over)
        except StaleIndexError:
            (changed if (folder / entry.file).is_file() else gone).append(entry.category)
    if gone:
        return f"the index files of {_some(sorted(gone))} are missing"
    return f"the index files of {_some(sorted(changed))} are not the ones it was built with" if changed else ""


def _some(names: list[str]) -> str:
    return f"{', '.join(repr(name) for name in names[:3])}{' and more' if len(names) > 3 else ''}"


def _model_changed(manifest: Any, folder: Path) -> str:
    """Why the index's model file no longer holds the model it was built with ("" when it does, or it is
    gone: a search then finds a file of that hash elsewhere, or says it is missing)."""
    from sane_desktop.retrieval.manifest import recorded_model_file

    recorded = recorded_model_file(manifest, folder)
    try:
        stat = recorded.stat()
    except OSError:
        return ""
    # by the file's identity, as index digests are (digests.file_identity): a copy kept its size and time
    held = _held_hash(str(recorded), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if held is None or held == manifest.model_hash:
        return ""
    from sane_desktop.retrieval.kept_models import kept_copy_words

    # where the indexed model is kept, as a search says it (trial EM: the listing named no model.replaced.pt)
    return (f"the model file {recorded.name} holds another model now ({manifest.model_hash[:12]}, now {held[:12]})"
            + kept_copy_words(recorded.parent, manifest.model_hash, recorded))


@functools.lru_cache(maxsize=64)
def _held_hash(path: str, *_identity: int) -> str | None:
    """The content hash the checkpoint at ``path`` records, read once per version of the file (its inode,
    size and times: ``_identity``; a listing of many catalogues sharing one model reads it once). It needs torch: `catalogues` takes about 4 s on 2 cores
    where it took 0.7 s (measured this stop), the price of not listing a changed model as usable."""
    from sane_desktop.models.checkpoint import stored_content_hash

    return stored_content_hash(path)


def checked_index_facts(folder: Path, info: CatalogueInfo, *, model_check: bool = True) -> IndexFacts:
    """:func:`index_facts` of the index in ``folder``, checked against the catalogue ``info`` its database
    holds now: another database's or an earlier import's index says why, as a search would."""
    try:
        facts = index_facts(folder, model_check=model_check)
    except (SaneError, OSError, ValueError):  # an unreadable manifest: said, not "not indexed" (trial BA)
        return IndexFacts(stale_reason="its index manifest cannot be read") \
            if (folder / "manifest.json").is_file() else IndexFacts()
    if not facts.problem and facts.db_uid and info.uid and facts.db_uid != info.uid:
        # said as search says it, with its way out (trial BF read only "out of date: re-index it")
        facts = replace(facts, problem="was built from another database's catalogue of this name, or one made "
                                       "anew since")
    if not facts.stale_reason and facts.model_name and facts.db_revision != info.revision:
        # said as search says it (trial BQ: "out of date" alone, `stale_reason` "", where `query` said why)
        facts = replace(facts, stale_reason=f"{REIMPORTED}, revision {facts.db_revision} now {info.revision}")
    return facts


def index_refusal(folder: Path, info: CatalogueInfo) -> str:
    """Why a search of catalogue ``info`` would refuse the index in ``folder`` as it is, or that there is none, in a
    line ("" when a search would use it): said when the catalogue opens, before an
    outfit is built (a user learnt it only from the first search). Its model file is not read (that needs
    torch, which browsing never waits for): a model changed since is said by the first search."""
    if not (folder / "manifest.json").is_file():  # (no index written to its end)
        return "it has no search index yet (it was only imported, or an index was stopped before it finished)"
    facts = checked_index_facts(folder, info, model_check=False)
    if facts.problem:
        return f"its index {facts.problem}"
    return f"its index is out of date: {facts.stale_reason}" if facts.out_of_date(info) and facts.stale_reason \
        else ""


def catalogue_details(catalogues: Catalogues) -> list[CatalogueDetails]:
    """Every catalogue :meth:`Catalogues.scan` finds, with its source, model and indexing time
    (sorted by name). A catalogue whose manifest cannot be read shows no model ("", re-index it);
    one whose database cannot be read is listed too, with ``damaged`` saying why (a trial found no
    way to delete it from the window)."""
    from sane_desktop.retrieval.manifest import origin_words

    found = []
    listing = catalogues.scan()
    for broken in listing.unreadable:
        found.append(CatalogueDetails(broken.name, broken.db_path.parent, "", 0, "", "", 0, "", False,
                                      damaged="" if broken.on_server else broken.reason, on_server=broken.on_server,
                                      passing=broken.passing))
    named = {info.root: info.name for info in listing.catalogues if info.root}  # "trained on “<catalogue>”"
    for info in listing.catalogues:
        folder = catalogues.folder(info.name)
        facts = checked_index_facts(folder, info)
        found.append(CatalogueDetails(info.name, folder, info.root, info.items, facts.model_name, facts.model_hash,
                                      facts.vectors, facts.indexed_at, info.builtin,
                                      photos_inside=_photos_inside(info.root, folder),
                                      source_found=paths.is_folder(info.root),
                                      model_origin=origin_words(facts.origin, info.root or None, named),
                                      out_of_date=facts.out_of_date(info), index_problem=facts.problem,
                                      stale_reason=facts.stale_reason,
                                      model_builtin=bool(facts.origin.get("builtin")),
                                      # (the manifest read again only when it could not be read as one)
                                      model_unknown=bool(facts.stale_reason) and indexed_model_unknown(folder),
                                      uid=info.uid, revision=info.revision, earlier_model_at=_written_at(
                                          folder / EARLIER_MODEL), own_model=facts.own_model))
    return sorted(found, key=lambda entry: entry.name)


def _written_at(path: Path) -> str:
    """When the file at ``path`` was last written (ISO 8601, UTC, to the second), "" when there is none."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds") \
            if path.is_file() else ""
    except OSError:
        return ""


def refuse_missing_sqlite(db_url: str) -> None:
    """NotFound for a SQLite URL whose file does not exist: opening it would create an empty database
    (and its folders), where a search or a listing only reads one."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db_url)
    except Exception:  # SQLAlchemy's own parse error: open_store says it in one line
        return
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not Path(database).is_file():
        raise NotFound(f"no catalogue database at {database}")


def catalogues_in_database(db_url: str) -> tuple[str, list[browse.CatalogueRecord], dict[str, str]]:
    """Where the database at ``db_url`` is (as messages say it, no password), the catalogues it holds, sorted by
    name, and where an index of each was found (:func:`_index_found`, by name): what ``catalogues --db URL``
    lists (a catalogue indexed into a server's database is reached with ``--db``; trial BK found no command that
    listed what that database held). Read only as every search is: a database holding no catalogue is refused
    (NotFound), never given the schema. Raises StoreError (one line) when it cannot be reached or read,
    InputError for a URL that is not one."""
    from sane_desktop.store.db import display_location, open_store

    refuse_missing_sqlite(db_url)
    engine = open_store(db_url, create=False)
    try:
        records = [browse.catalogue_record(engine, name) for name in browse.catalogue_names(engine)]
        return display_location(db_url), records, {record.name: _index_found(engine, db_url, record)
                                                   for record in records}
    finally:
        engine.dispose()


def _index_found(engine: Engine, db_url: str, record: browse.CatalogueRecord) -> str:
    """Where an index of ``record``, a catalogue of the database at ``db_url``, is: ``server`` (the database holds
    its shared pgvector index), ``index home`` (the index home's folder of that name holds one built from this
    database), else "" — none found: only imported there (a first index that failed), or indexed into another
    index home or folder. Trial DX's catalogue with no index was listed with its counts alone, as if searchable."""
    from sane_desktop.retrieval.manifest import database_location, read_index_manifest
    from sane_desktop.store.manifests import shared_manifest_sha256

    try:
        if engine.url.get_backend_name() == "postgresql" and shared_manifest_sha256(engine, record.pk) is not None:
            return "server"
    except SQLAlchemyError:  # a database from before shared manifests: none there
        pass
    try:
        manifest = read_index_manifest(paths.catalogue_dir(record.name))
    except (SaneError, OSError):  # a name no folder can have, an unreadable manifest: no index found here
        return ""
    if manifest is not None and manifest.db_location == database_location(db_url) \
            and manifest.db_uid in ("", record.uid):
        return "index home"
    return ""


def _existing(catalogues: Catalogues, name: str, *, left: bool = False) -> Path:
    """The folder of catalogue ``name`` (InputError for a bad name, NotFound when it has no database).
    ``left``: an index folder whose database is on a server, or gone, counts too (the listing offers to
    delete it: trial AW was told "no catalogue named" when it did). ``name`` as typed or printed (:meth:`Catalogues.spelled`)."""
    folder = catalogues.folder(catalogues.spelled(name))
    if not (folder / paths.CATALOGUE_DB).is_file() and not (left and folder.is_dir() and (
            _server_database(folder) or _file_database(folder) or _left_without_database(folder))):
        raise catalogues.not_found(name, "catalogue")
    return folder


def deletable_folder(catalogues: Catalogues, name: str) -> tuple[Path, str]:
    """The folder :func:`delete_catalogue` would delete for ``name``, and where its database is when that
    is a server ("": here, or gone); the errors of :func:`delete_catalogue` for a name it would refuse."""
    folder = _existing(catalogues, name, left=True)
    return folder, _server_database(folder)


def _not_busy(folder: Path, what: str) -> None:
    """StoreError when another run (an index, a training) is writing ``folder`` right now."""
    with catalogue_lock(folder, what):
        pass


def rename_catalogue(catalogues: Catalogues, old: str, new: str) -> CatalogueInfo:
    """Rename catalogue ``old`` to ``new``: its folder under the home, the name in its database and
    in its index manifest (so the index stays searchable; nothing is rebuilt). The source photos are
    not touched; photos kept inside the catalogue's own folder (the built-in demo's) move with it,
    and the recorded source folder follows them. Raises InputError for an invalid name or a ``new`` already
    taken, NotFound when ``old`` does not exist, StoreError when a run is writing it. The caller closes it
    first when it has it open (:meth:`~sane_desktop.service.app.CatalogueService.rename_catalogue`). A rename
    stopped part-way is finished by the next listing or opening of the home (:mod:`.renaming`)."""
    from sane_desktop.retrieval.manifest import read_index_manifest

    finish_interrupted_renames(catalogues.home)
    old = catalogues.spelled(old)
    if server := _server_database(catalogues.folder(old)):  # its database row would keep the old name
        raise InputError(f"catalogue {old!r} keeps its database on a server ({server}): renaming is for catalogues "
                         "with a database here; index it again under the new name")
    source = _existing(catalogues, old)
    target = catalogues.folder(new)
    if new == old:
        raise InputError(f"the catalogue is already called {new!r}")
    if target.exists():
        raise InputError(f"a catalogue called {new!r} already exists under {catalogues.home}: choose another name")
    paths.refuse_look_alike_name(new, catalogues.home, besides=old)
    read_index_manifest(source)  # StaleIndexError before anything moved
    intent, was = source / INTENT_FILE, source.resolve()  # recorded paths are resolved ones
    # held throughout (the lock file's descriptor moves with the folder): an index starting meanwhile is refused
    with catalogue_lock(source, f"rename {old}"):
        write_intent(intent, {"from": old, "to": new, "was": str(was)})
        try:
            source.rename(target)
        except BaseException as error:
            intent.unlink(missing_ok=True)
            if isinstance(error, OSError) and target.exists():  # made meanwhile by another run (trial DU)
                raise InputError(f"a catalogue called {new!r} appeared under {catalogues.home} meanwhile (another "
                                 "run): choose another name") from None
            raise
        try:
            finish_rename(target, old, new, was)
        except BaseException:
            target.rename(source)  # all or nothing: the database still says the old name
            (source / INTENT_FILE).unlink(missing_ok=True)
            raise
        (target / INTENT_FILE).unlink(missing_ok=True)
    (target / HOLDER_NAME).unlink(missing_ok=True)  # the lock's note, moved with the folder
    found = next((info for info in catalogues.list() if info.name == new), None)
    if found is None:  # never StopIteration (trial DT): the folder moved, yet its database does not read as it
        raise StoreError(f"catalogue {old!r} was renamed {new!r}, but its database does not read as {new!r} now: "
                         "list the catalogues to see why")
    return found


def delete_catalogue(catalogues: Catalogues, name: str) -> Path:
    """Delete catalogue ``name``'s folder under the home (database, index, manifest, explanation
    cache, its own trained model); returns the folder deleted. Never touches anything outside the
    home: the source photos stay, unless they are kept inside that folder (the built-in demo's). Raises InputError for an invalid name (a path, ``..``), NotFound
    when there is no such catalogue, StoreError when a run is writing it."""
    import os

    name = catalogues.spelled(name)
    folder = _existing(catalogues, name, left=True)  # its local index alone: a server's database stays
    home = catalogues.home.resolve()
    if folder.is_symlink() or folder.resolve().parent != home:  # a link would lead rmtree elsewhere
        raise InputError(f"{folder} is not a folder of the index home {home}: not deleted")
    _not_busy(folder, f"delete {name}")
    # renamed first (atomic): a half-deleted folder is never listed as a catalogue; a name of its
    # own, since one left over from an earlier delete (see below) would refuse the rename
    doomed = folder.with_name(f"{TOMBSTONE}{name}-{os.getpid()}-{os.urandom(4).hex()}")
    folder.rename(doomed)
    sweep_tombstones(catalogues.home)
    return folder


def left_by_delete(home: Path, name: str) -> list[Path]:
    """The folders a delete of ``name`` renamed and could not remove (a file it may not delete, a disk that
    failed): the catalogue is gone, its space not freed (:func:`sweep_tombstones` tries again at each listing)."""
    return sorted(path for path in home.glob(f"{paths.glob_escape(TOMBSTONE + name)}-*")
                  if path.is_dir() and not path.is_symlink())


def sweep_tombstones(home: Path) -> None:
    """Remove what deletes left under ``home``. A process that still had the catalogue's database
    open (``sane-desktop query`` in a terminal) can write its SQLite ``-wal``/``-shm`` files into
    the renamed folder while it is removed, and the removal then fails with "Directory not empty"
    after the catalogue is already gone from every listing: tried again here, else left for the
    next listing to sweep (a warning in the log), never an error for a delete that happened."""
    import shutil
    import time

    for doomed in home.glob(f"{TOMBSTONE}*"):
        if doomed.is_symlink() or not doomed.is_dir():  # never made by a delete: left alone
            continue
        for attempt in range(3):
            try:
                shutil.rmtree(doomed)
                break
            except FileNotFoundError:  # another process swept it
                break
            except OSError as error:
                if attempt == 2:
                    log.warning("could not remove %s yet (%s): the next listing tries again", doomed, error)
                else:
                    time.sleep(0.05)
