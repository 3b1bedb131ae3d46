"""The indexed catalogues under an index home, and one opened catalogue composed of small typed
parts: its items (store access), its model, its outfit search and its explanations.

``Catalogues(home).open(name)`` is what the CLI's ``query``/``explain`` and the window's worker
both call, so the two front ends answer from the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from sane_desktop import paths
from sane_desktop.errors import NotFound, SaneError, StaleIndexError
from sane_desktop.service.explanation import Explanations
from sane_desktop.service.items import CatalogueItems
from sane_desktop.service.model import ModelContext
from sane_desktop.service.search import OutfitSearch
from sane_desktop.service.values import CatalogueInfo, CatalogueListing, UnreadableCatalogue
from sane_desktop.store import browse

DB_FILE = "catalogue.db"
OWN_MODELS = ("model.pt", "models/latest.pt")  # a catalogue's own model, trained or adapted in the app


@dataclass(frozen=True)
class OpenCatalogue:
    """One catalogue ready to browse, search and explain; every part is typed and owned here."""

    info: CatalogueInfo
    folder: Path  # index/<name>/: its database, FAISS files, manifest, explanation cache
    items: CatalogueItems
    model: ModelContext
    search: OutfitSearch
    explanations: Explanations

    def close(self) -> None:
        self.items.close()


def index_check(name: str, folder: Path, model: ModelContext) -> Callable[[], None]:
    """A check that catalogue ``name``'s index in ``folder`` was built with ``model``: what is
    explained must be what the search ranked. Raises StaleIndexError (no index, an unreadable
    manifest, another model) with what to do; ModelError when the model itself is missing."""
    from sane_desktop.retrieval.manifest import read_index_manifest

    def check() -> None:
        manifest = read_index_manifest(folder)
        if manifest is None:
            raise StaleIndexError(f"catalogue {name!r} has no index in {folder}: run sane-desktop index")
        loaded = model.bundle().content_hash
        if manifest.model_hash != loaded:
            raise StaleIndexError(f"the index of {name!r} was built with another model ({manifest.model_hash[:12]}, "
                                  f"now {loaded[:12]}): re-index it")

    return check


class Catalogues:
    """The catalogues indexed under ``home`` (one folder each); ``model``/``device`` override
    the model a catalogue opens with and the torch device."""

    def __init__(self, home: Path | None = None, *, model: Path | None = None, device: str | None = None) -> None:
        self.home = Path(home) if home else paths.index_home()
        self.model_override = Path(model) if model else None
        self.device = device

    def folder(self, name: str) -> Path:
        """``home/<name>``; raises InputError for a name that is not one plain folder name
        (:func:`sane_desktop.paths.check_catalogue_name`: nothing may land outside the home)."""
        return paths.catalogue_dir(name, self.home)

    def source(self, name: str) -> str | None:
        """The folder the catalogue called ``name`` was built from, None when there is none (or its
        database cannot be read: then opening it says why). InputError for an invalid name."""
        from sane_desktop.store import open_store
        from sane_desktop.store.items import catalogue_source

        db = self.folder(name) / DB_FILE
        if not db.is_file():
            return None
        try:
            engine = open_store(f"sqlite:///{db.as_posix()}")
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
        from sane_desktop.retrieval.manifest import read_index_manifest

        if self.model_override is not None:
            return self.model_override
        own = [self.folder(name) / candidate for candidate in OWN_MODELS] if name else []
        if name:
            try:
                manifest = read_index_manifest(index_dir or self.folder(name))
            except SaneError:  # an unreadable manifest: explaining and searching refuse (re-index)
                manifest = None
            if manifest is not None and manifest.model_path:
                recorded = Path(manifest.model_path)
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

        found: list[CatalogueInfo] = []
        broken: list[UnreadableCatalogue] = []
        if not self.home.is_dir():
            return CatalogueListing((), ())
        for folder in sorted(self.home.iterdir()):
            db = folder / DB_FILE
            if not db.is_file():
                continue
            try:
                paths.check_catalogue_name(folder.name)
                engine = open_store(f"sqlite:///{db.as_posix()}")
                try:
                    record = browse.catalogue_record(engine, folder.name)
                finally:
                    engine.dispose()
                if record.name != folder.name:  # a database that is another catalogue's is not this one
                    raise NotFound(f"{db} holds catalogue {record.name!r}, not {folder.name!r}")
            except (SaneError, SQLAlchemyError, OSError) as error:
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                broken.append(UnreadableCatalogue(folder.name, db, reason))
                continue
            found.append(CatalogueInfo(record.name, db, record.items, record.format, record.root, record.outfits,
                                       self._builtin(record.root)))
        return CatalogueListing(tuple(found), tuple(broken))

    def _builtin(self, root: str) -> bool:
        return Path(root).resolve() == self.demo_source().resolve()

    def open(self, name: str, *, db_url: str | None = None, index_dir: Path | None = None,
             selection: Path | None = None) -> OpenCatalogue:
        """Open catalogue ``name``: its SQLite database under the home (or ``db_url``), its index
        files in its folder (or ``index_dir``); ``selection``: a fitted attribute selection file
        (default: the catalogue's own, else the model's).

        Raises InputError for an invalid name, :class:`NotFound` when there is no such catalogue
        (also when the database holds only another one); the index itself is checked
        against the model and database when first searched (StaleIndexError)."""
        from sane_desktop.store import open_store

        folder = Path(index_dir) if index_dir else self.folder(name)  # FAISS files, manifest, cache
        db = self.folder(name) / DB_FILE
        if db_url is None and not db.is_file():
            raise NotFound(f"no indexed catalogue named {name!r} under {self.home} (run `sane-desktop index` first)")
        if db_url is not None:
            from sqlalchemy.engine import make_url

            try:
                url = make_url(db_url)
            except Exception:  # SQLAlchemy's own parse error: open_store says it in one line
                url = None
            database = url.database if url is not None and url.get_backend_name() == "sqlite" else None
            if database and database != ":memory:" and not Path(database).is_file():
                # opening would create an empty database (and its folders): searching needs one
                raise NotFound(f"no catalogue database at {database}")
        engine = open_store(db_url or f"sqlite:///{db.as_posix()}")
        try:
            record = browse.catalogue_record(engine, name)
        except NotFound:
            engine.dispose()
            raise
        if record.name != name:  # catalogue_record falls back to the store's first catalogue: not this one
            engine.dispose()
            raise NotFound(f"no catalogue named {name!r} in {db_url or db} (it holds {record.name!r})")
        info = CatalogueInfo(record.name, db, record.items, record.format, record.root, record.outfits,
                             self._builtin(record.root))
        items = CatalogueItems(engine, record)
        model = ModelContext(self.model_path(name, folder), self.device)
        return OpenCatalogue(info, folder, items, model, OutfitSearch(items, model, folder),
                             Explanations(items, model, folder, cache_dir=folder / "explanations",
                                          selection_file=selection,  # a model the caller chose is explained as asked
                                          verify_index=None if self.model_override else index_check(name, folder,
                                                                                                    model)))
