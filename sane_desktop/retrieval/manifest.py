"""The manifest beside a catalogue's FAISS files: what they were built from (DESIGN.md).

``manifest.json`` is written atomically after every index file it names; the same facts go into
the store's ``index_manifests`` table. :func:`check` says why an index cannot answer for a model and
database any more — a reason means rebuild, never a silently wrong answer.

A catalogue whose indexes are pgvector tables on its PostgreSQL server keeps its manifest there too
(:func:`share_manifest`, table ``shared_manifests``), with the bytes of the model that built it
(``model_checkpoints``, keyed by the content hash the checkpoint records): every machine that opens
the catalogue by URL mirrors the server's copy into its own index folder before each use
(:func:`sync_shared_manifest`), so every check here applies to it unchanged, and a machine that
lacks the model file loads the server's copy (cached in ``<index folder>/checkpoints/``).

Format 3 records the category mapping (``category_map``: catalogue category -> model category or
``general``, and ``category_how``: exact / auto / user / general, :mod:`.category_map`); the indexes
are keyed by the catalogue's own category names. Older manifests still read (their new fields
empty) and :func:`check` answers "re-run sane-desktop index" for them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sane_desktop import __version__
from sane_desktop.errors import ModelError, StaleIndexError, without_passwords
from sane_desktop.paths import temporary_sibling
from sane_desktop.retrieval.category_map import GENERAL, USER

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sane_desktop.store.manifests import StoredCheckpoint

FORMAT_VERSION = 3  # 2: every index file's SHA-256; 3: the category mapping (older manifests mean rebuild)
MANIFEST_NAME = "manifest.json"
METRIC = "inner_product"
NO_INDEX = "no index yet"  # check()'s reason when there is no manifest at all
CHECKPOINT_FOLDER = "checkpoints"  # in an index folder: server copies of the models of shared catalogues
_PGVECTOR = "pgvector"  # an index's spec kind when it is a table on the catalogue's server (backends.PGVECTOR)


@dataclass
class CategoryIndex:
    category: str  # the catalogue's own category name
    category_index: int  # position in the model's category list (the type); C (after them) for general
    file: str  # relative to the manifest's folder
    index_type: str
    spec: dict[str, Any]
    vector_count: int
    sha256: str = ""  # of the file as written; loading verifies it (format 1 manifests lack it)
    model_category: str = ""  # the model category it is searched as, or "general" (format 3)
    dimension: int = 0  # of its vectors; 0: the manifest's (format 2)
    # a compressed index's re-rank store (stored vectors, sorted ids), as written: loading verifies them
    rerank_sha256: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    catalogue: str
    model_hash: str
    model_path: str
    model_categories: list[str]
    preprocessing: dict[str, Any]
    embed_dim: int
    dimension: int
    db_revision: int
    metric: str = METRIC
    format_version: int = FORMAT_VERSION
    indexes: dict[str, CategoryIndex] = field(default_factory=dict)
    # catalogue category -> model category or "general", and how each was decided (exact/auto/user/general)
    category_map: dict[str, str] = field(default_factory=dict)
    category_how: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    # the catalogue row's token (catalogues.uid) and where its database is (a URL without password):
    # an index is read only against the database it was built from ("" : built before they were kept)
    db_uid: str = ""
    db_location: str = ""
    # where the model comes from (indexing.model.model_origin: builtin / trained_on / adapted_to), for
    # the catalogue manager's words; a fact about the model, never checked against ({}: not known)
    model_origin: dict[str, str] = field(default_factory=dict)
    # the program that wrote it ("sane-desktop 0.1.0"): named when a newer one's index is refused here
    app_version: str = field(default_factory=lambda: f"sane-desktop {__version__}")
    # the fingerprint of the code that computed its vectors (code_version.embedding_code; "": written
    # before it was kept): search refuses another one's, and a re-index embeds every photo again
    embedding_code: str = ""
    # the user's category choices this index could not apply, its model lacking their target (one trained on the
    # catalogue knows no "bottoms"), kept for a later index with a model that has it: trial ER's "Trousers →
    # bottoms" was lost after Train then Built-in model, the index between them having recorded no choice
    set_aside_choices: dict[str, str] = field(default_factory=dict)

    @property
    def vector_count(self) -> int:
        return sum(entry.vector_count for entry in self.indexes.values())

    @property
    def user_map(self) -> dict[str, str]:
        """The categories the user mapped, with their targets (what a re-index keeps)."""
        return {name: target for name, target in self.category_map.items() if self.category_how.get(name) == USER}

    @property
    def earlier_choices(self) -> dict[str, str]:
        """Every category choice of the user a re-index without a new map starts from: those applied
        (:attr:`user_map`) and those set aside (:attr:`set_aside_choices`)."""
        return {**self.set_aside_choices, **self.user_map}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """A manifest from its JSON; TypeError naming the first field of the wrong JSON type (trial V's
        ``"indexes": 5`` reached the search as an AttributeError, and blocked the re-index that mends it)."""
        data = dict(data)
        # a manifest that recorded no time says none: the field's default ("now") is for one being written, and
        # read back it passed an old index off as just written (the catalogue list, query, items and explain)
        data.setdefault("created_at", "")
        _check_fields(data, _MANIFEST_TYPES, "")
        unknown = sorted(set(data) - set(_MANIFEST_TYPES))
        if unknown:  # a newer program's field: said so, not "unexpected keyword argument"
            raise TypeError(f"unknown field {unknown[0]!r}{written_by(data)}")
        indexes = {}
        for name, entry in data.get("indexes", {}).items():
            if not isinstance(entry, dict):
                raise TypeError(f"indexes.{name} is {type(entry).__name__}, not an object")
            _check_fields(entry, _INDEX_TYPES, f"indexes.{name}.")
            if unknown := sorted(set(entry) - set(_INDEX_TYPES)):
                raise TypeError(f"unknown field 'indexes.{name}.{unknown[0]}'{written_by(data)}")
            indexes[name] = CategoryIndex(**entry)
        data["indexes"] = indexes
        location = data.get("db_location")
        if isinstance(location, str) and not location.startswith("sqlite"):  # a file's path is its own, as written
            # a server's, as an earlier build may have recorded it: without a ?password= (trial DW), equal to this
            # build's database_location, which masks it the same way
            data["db_location"] = without_passwords(location)
        manifest = cls(**data)
        manifest.check_entries()
        return manifest

    def check_entries(self) -> None:
        """ValueError when the category map and the index entries disagree on where a category is
        searched (trial Z edited "bags": "general" into the map: a search read "cannot reshape array
        of size 64 into shape (1,512)", an explanation another space's score, without a word)."""
        for name, entry in self.indexes.items():
            mapped = self.category_map.get(entry.category)
            if mapped is not None and entry.model_category and mapped != entry.model_category:
                raise ValueError(f"its category map searches {entry.category!r} as {mapped!r}, but that index was "
                                 f"built as {entry.model_category!r}")
            if not entry.model_category:  # format 2: no target recorded
                continue
            position = (len(self.model_categories) if entry.model_category == GENERAL
                        else self.model_categories.index(entry.model_category)
                        if entry.model_category in self.model_categories else -1)
            if position < 0:
                raise ValueError(f"index {name!r} is searched as {entry.model_category!r}, which its model categories "
                                 "do not hold")
            if entry.category_index != position:
                raise ValueError(f"index {name!r} is searched as {entry.model_category!r} at position "
                                 f"{entry.category_index}, not that category's {position}")


def written_by(data: Mapping[str, Any]) -> str:
    """", written by sane-desktop 0.2.0 (index format 4; this one reads 3)" for a manifest's JSON
    from another program version, else "" (a manifest from before versions were recorded)."""
    version = data.get("app_version")
    if not isinstance(version, str) or not version or version == f"sane-desktop {__version__}":
        return ""
    form = data.get("format_version")
    return f", written by {version}" + (f" (index format {form}; this one reads {FORMAT_VERSION})"
                                        if isinstance(form, int) and form != FORMAT_VERSION else "")


# each field's JSON type (an int is no bool; a text map's values are text)
_TEXT_MAP = "text map"
_MANIFEST_TYPES: dict[str, Any] = {
    "catalogue": str, "model_hash": str, "model_path": str, "model_categories": list, "preprocessing": dict,
    "embed_dim": int, "dimension": int, "db_revision": int, "metric": str, "format_version": int, "indexes": dict,
    "category_map": _TEXT_MAP, "category_how": _TEXT_MAP, "created_at": str, "db_uid": str, "db_location": str,
    "model_origin": _TEXT_MAP, "app_version": str, "embedding_code": str, "set_aside_choices": _TEXT_MAP,
}
_INDEX_TYPES: dict[str, Any] = {
    "category": str, "category_index": int, "file": str, "index_type": str, "spec": dict, "vector_count": int,
    "sha256": str, "model_category": str, "dimension": int, "rerank_sha256": list,
}


def _check_fields(data: dict[str, Any], types: dict[str, Any], prefix: str) -> None:
    """TypeError for a field of ``data`` that is not of its type in ``types`` (an unknown field is left
    to the dataclass, which refuses it)."""
    for name, expected in types.items():
        if name not in data:
            continue
        value = data[name]
        if expected == _TEXT_MAP:
            good = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        elif expected is int:
            good = isinstance(value, int) and not isinstance(value, bool)
        else:
            good = isinstance(value, expected)
        if not good:
            raise TypeError(f"{prefix}{name} is {type(value).__name__}, not "
                            f"{'an object of texts' if expected == _TEXT_MAP else expected.__name__}")


# the app's own models by file name, as a stylist tells them apart (trial M read "Built into the app"
# for both, one fitted on the drawn demo garments)
BUILTIN_WORDS = {"general.pt": "built into the app (its model for real photos)",
                 "demo.pt": "built into the app (its model of the drawn demo garments)"}


def origin_words(origin: dict[str, str], source: str | Path | None, named: Mapping[str, str] | None = None) -> str:
    """What a stylist reads of a catalogue's model (``origin``: :attr:`Manifest.model_origin`;
    ``source``: the catalogue's photo folder, resolved as imported; ``named``: the catalogues there
    are, source folder -> name): "built into the app", "trained on this catalogue", "trained on
    “<the catalogue of that folder>”" (trial K read a folder's name that no catalogue had, after a
    rename), else "trained on the photos in <folder>", "adapted to “<name>”"; "" when nothing is
    known. No file is touched (the source may be on a share that stops answering)."""
    if origin.get("builtin"):
        return BUILTIN_WORDS.get(origin["builtin"], "built into the app")
    words = ""
    folder = origin.get("trained_on", "")
    if folder:
        here = source is not None and str(source) != "" and Path(folder) == Path(source)
        other = {str(Path(root)): name for root, name in (named or {}).items()}.get(str(Path(folder)))
        words = ("trained on this catalogue" if here else f"trained on “{other}”" if other
                 else f"trained on the photos in {folder}")
    adapted = origin.get("adapted_to", "")
    if adapted:
        words = f"{words}, adapted to “{adapted}”" if words else f"adapted to “{adapted}”"
    return words


def write_index_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``folder/manifest.json`` atomically (temporary file, fsync, rename); returns its path."""
    path = folder / MANIFEST_NAME
    _write_atomically(path, manifest_text(manifest).encode("utf-8"))
    return path


def manifest_text(manifest: Manifest) -> str:
    """The JSON text of ``manifest``, byte for byte what ``manifest.json`` and the server's row hold."""
    return json.dumps(manifest.as_dict(), indent=2)


def _write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` or what it held before, never part (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_index_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder``, None when there is none; raises StaleIndexError when unreadable."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, AttributeError) as error:  # not JSON, not an object, a field of the wrong type
        newer = str(error).startswith("unknown field") and ", written by " in str(error)
        # trial AD; trial BA read no way out at all for a hand-edited one
        way = ": open it with that version, or index the catalogue again with this one" if newer \
            else ": re-run sane-desktop index"
        raise StaleIndexError(f"{path} is not a readable index manifest ({error}){way}") from error
    return manifest


def manifest_stamp(folder: Path) -> tuple[int, int, int] | None:
    """A cheap identity of ``folder``'s manifest: (inode, mtime_ns, size), None when there is none.

    Every build writes a new manifest by rename, so a re-index from anywhere changes it; an open
    catalogue compares it with what it loaded before each search (never a stale answer)."""
    try:
        stat = (folder / MANIFEST_NAME).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def check(manifest: Manifest | None, *, model_hash: str, preprocessing: dict[str, Any],
          db_revision: int | None = None, user_map: dict[str, str] | None = None,
          db_uid: str | None = None) -> str | None:
    """The reason ``manifest`` does not describe an index for this model/database (and, when given,
    the user's category choices ``user_map``: catalogue category -> model category or general), or None.
    ``db_uid``: the catalogue row's token; an index recording another was built from another
    database's catalogue (or one made anew since: emptied, deleted), whatever its revision."""
    if manifest is None:
        return NO_INDEX
    if manifest.format_version > FORMAT_VERSION:  # trial AD read "out of date" for a newer index
        ours = f"sane-desktop {__version__}"
        by = f" ({manifest.app_version})" if manifest.app_version and manifest.app_version != ours else ""
        return (f"written by a newer version of SANE Desktop{by} in index format {manifest.format_version}; this "
                f"one reads {FORMAT_VERSION}")
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} (this program writes {FORMAT_VERSION})"
    if manifest.model_hash != model_hash:
        return f"built with another model ({manifest.model_hash[:12]}, now {model_hash[:12]})"
    if manifest.preprocessing != preprocessing:
        return f"built with other preprocessing ({manifest.preprocessing}, now {preprocessing})"
    if manifest.metric != METRIC:
        return f"built for metric {manifest.metric}"
    if db_uid and (other := other_catalogue_row(manifest, db_uid)):
        return other
    if db_revision is not None and manifest.db_revision > db_revision:  # not a re-import: an older database
        return (f"the index is of a later revision of the catalogue ({manifest.db_revision}) than its database holds "
                f"({db_revision}): the database was restored from a copy, or edited")
    if db_revision is not None and manifest.db_revision != db_revision:
        return f"catalogue re-imported since indexing (revision {manifest.db_revision}, now {db_revision})"
    if user_map is not None and dict(user_map) != manifest.user_map:
        return f"category mapping changed ({_describe(manifest.user_map)}, now {_describe(user_map)})"
    return None


def newer_index(manifest: Manifest, name: str) -> StaleIndexError | None:
    """The refusal of an index a newer version wrote (its format beyond :data:`FORMAT_VERSION`), in the
    words search and explanation both say, or None: this version cannot tell what its fields mean, so
    nothing is read from it (trial AE: ``explain`` still used its category map while ``query`` refused)."""
    if manifest.format_version <= FORMAT_VERSION:
        return None
    reason = check(manifest, model_hash=manifest.model_hash, preprocessing=manifest.preprocessing)
    return StaleIndexError(f"the index of {name!r} was {reason}: open it with that version, or index the catalogue "
                           "again with this one (which replaces that index)")


def other_catalogue_row(manifest: Manifest, db_uid: str) -> str | None:
    """Why ``manifest``'s index is not of the catalogue row whose token is ``db_uid``, or None (also
    when either recorded none: built or imported before tokens were kept). Where it is raised, the
    way out is :attr:`~sane_desktop.errors.WayOut.REPLACE_OR_KEEP_BOTH`: indexing this one again under
    the folder may need a replace (a trial followed a bare "re-index" into the refusal of
    :func:`other_database`)."""
    if not db_uid or not manifest.db_uid or manifest.db_uid == db_uid:
        return None
    where = f" ({manifest.db_location})" if manifest.db_location else ""
    return f"built from another database's catalogue{where}, or one made anew since"


def database_location(url: Any) -> str:
    """Where the database at ``url`` (a SQLAlchemy URL or its string) is, as a manifest records it: the
    URL without its password, a SQLite file by its resolved path (two spellings of one file agree)."""
    from sqlalchemy.engine import make_url

    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            url = url.set(database=str(Path(url.database).expanduser().resolve()))
        return url.render_as_string(hide_password=True)
    # a password given in the query (libpq's ``?password=``) too: trial DW found it in the manifest, file and server
    return without_passwords(url.render_as_string(hide_password=True))


def other_database(manifest: Manifest | None, location: str) -> str | None:
    """The database ``manifest``'s index was built from when it is not the one at ``location`` and
    still there (a SQLite file that exists, any server), else None: overwriting that index would leave
    the other database's catalogue without one, so ``index`` asks for ``--replace`` first."""
    from sqlalchemy.engine import make_url

    if manifest is None or not manifest.db_location or manifest.db_location == location:
        return None
    try:
        url = make_url(manifest.db_location)
    except Exception:  # noqa: BLE001 - a location this program did not write: nothing to protect
        return None
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return None
    return manifest.db_location


def _describe(user_map: dict[str, str]) -> str:
    return ", ".join(f"{name}={target}" for name, target in sorted(user_map.items())) or "automatic"


# --- a shared catalogue's manifest on its server (issue 19, point 2) ----------------------------
_HEX64 = re.compile(r"[0-9a-f]{64}")


def other_build_words(manifest: Manifest) -> str:
    """Why an index whose ``embedding_code`` is not this build's is out of date, in words."""
    if not manifest.embedding_code:
        return (f"built before SANE Desktop recorded the code that computes its vectors"
                f"{f' ({manifest.app_version})' if manifest.app_version else ''}")
    if manifest.app_version == f"sane-desktop {__version__}":  # (trial EW read its own version as "another build")
        return (f"built by another build of SANE Desktop of this same version ({manifest.app_version}), whose code "
                "that turns photos into vectors differs from this one's (a development build, or one patched since)")
    return (f"built by another build of SANE Desktop{f' ({manifest.app_version})' if manifest.app_version else ''}, "
            "whose code that turns photos into vectors differs from this one's")


def stored_model_path(model_path: Path | str, index_dir: Path | str) -> str:
    """How a manifest in ``index_dir`` records the model file ``model_path``: relative to the folder
    when the model lies inside it (the catalogue's own, trained or adapted there), so that a copied,
    moved or renamed index home reads its own copy (trials AS and AT: an absolute path tied a copy to the
    original home's model, trained again since); else the absolute path."""
    path, folder = Path(model_path), Path(index_dir)
    for inside in (path, path.resolve()):
        for base in (folder, folder.resolve()):
            if inside.is_absolute() and inside.is_relative_to(base):
                return inside.relative_to(base).as_posix()
    return str(path)


def recorded_model_file(manifest: Manifest, index_dir: Path | str) -> Path:
    """The model file ``manifest`` names, as this install and this index folder see it: a relative path
    is inside the folder (:func:`stored_model_path`). An absolute one (the model outside the folder, or a
    manifest written before paths inside it were kept relative): a model shipped with another install of the app is this install's
    file of that name (:func:`~sane_desktop.models.checkpoint.installed_copy`); a file inside another
    folder of this catalogue's name (``<other home>/<name>/model.pt``: an index home copied or moved,
    trial AS) is this folder's file at the same place, when there is one — the copy's own model, not
    the original's, which may have been trained again since. Otherwise the path as recorded."""
    from sane_desktop.models.checkpoint import installed_copy, stored_content_hash

    path = Path(manifest.model_path)
    if not path.is_absolute():  # inside the index folder (stored_model_path)
        return Path(index_dir) / path
    bundled = installed_copy(path)
    if bundled != path:
        return bundled
    here = Path(index_dir)
    if path.is_relative_to(here) or path.is_relative_to(here.resolve()):
        return path
    for ancestor in list(path.parents)[:2]:  # <name>/model.pt and <name>/models/latest.pt
        if ancestor.name == here.name:
            local = here / path.relative_to(ancestor)
            # the copy's file when it is the model the index was built with, or when the recorded one is
            # gone; a model kept in some folder that merely shares the catalogue's name stays as recorded
            if local.is_file() and (stored_content_hash(local) == manifest.model_hash or not path.is_file()):
                return local
            return path
    return path


def is_shared(manifest: Manifest) -> bool:
    """Whether ``manifest`` names pgvector tables (its indexes live on the catalogue's server)."""
    return any(entry.spec.get("kind") == _PGVECTOR for entry in manifest.indexes.values())


def _on_server(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "postgresql"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shared_checkpoint_path(folder: Path, model_hash: str) -> Path:
    """Where the server's copy of model ``model_hash`` is cached in index folder ``folder``."""
    return folder / CHECKPOINT_FOLDER / f"{model_hash}.pt"


def share_manifest(engine: Engine, catalogue_pk: int, manifest: Manifest, model_path: Path | str) -> None:
    """Put ``manifest`` on the catalogue's server when its indexes are pgvector tables there, with
    the bytes of the model file ``model_path`` that built it (one transaction, after the tables and
    before the previous build's tables are dropped: a reader sees the old manifest with the old
    tables or the new with the new). A FAISS build (files on one machine; the server's tables and
    row stay as they were, still valid) and a SQLite catalogue put nothing on a server: no-op.

    Raises ModelError when ``model_path`` no longer holds the model ``manifest`` names (replaced
    while indexing), StoreError on a database fault."""
    from sane_desktop.store.manifests import StoredManifest, write_shared_manifest

    if not _on_server(engine) or not is_shared(manifest):
        return
    text = manifest_text(manifest)
    row = StoredManifest(manifest.model_hash, text, _sha256(text.encode("utf-8")))
    write_shared_manifest(engine, catalogue_pk, row, _checkpoint_of(Path(model_path), manifest.model_hash))


def _checkpoint_of(path: Path, model_hash: str) -> StoredCheckpoint:
    from sane_desktop.models.checkpoint import recorded_content_hash
    from sane_desktop.store.manifests import StoredCheckpoint

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelError(f"the model {path} cannot be read to share it ({error.strerror or error}): "
                         "re-run sane-desktop index") from None
    recorded = recorded_content_hash(data)
    if recorded != model_hash:
        raise ModelError(f"the model file {path} changed while indexing (it holds {str(recorded)[:12]}, the index "
                         f"was built with {model_hash[:12]}): re-run sane-desktop index")
    beside = path.with_suffix(".selection.json")  # the fitted attribute selection shipped with it
    selection = beside.read_text(encoding="utf-8") if beside.is_file() else None
    return StoredCheckpoint(model_hash, _sha256(data), path.name, data, selection)


def sync_shared_manifest(engine: Engine, catalogue: str, folder: Path) -> bool:
    """Make ``folder/manifest.json`` the server's manifest of ``catalogue`` (a PostgreSQL catalogue
    whose indexes are pgvector tables), fetching the model that built it into
    ``folder/checkpoints/`` when this machine has no copy; True when it wrote a new copy. One
    small query when nothing changed: called before each search and explanation, so a re-index
    from any machine is seen (the next search reloads; the model a catalogue opened with is
    checked against the new manifest, never silently mixed).

    No-op (False) for a SQLite catalogue, and for a folder whose manifest is a FAISS one (this
    machine's own index files of the catalogue; the server's pgvector index is another index of
    it, and stays untouched). Raises StaleIndexError,
    one line, when the server's manifest is missing (and this folder holds a copy of an earlier
    one), does not match its recorded SHA-256, is not readable, or names another catalogue, model
    or tables; and when the server's model bytes do not match theirs."""
    from sane_desktop.store.items import find_catalogue
    from sane_desktop.store.manifests import read_shared_manifest, shared_manifest_sha256

    if not _on_server(engine):
        return False
    pk = find_catalogue(engine, catalogue).pk
    digests = shared_manifest_sha256(engine, pk)
    local = folder / MANIFEST_NAME
    missing = (f"catalogue {catalogue!r} has no index manifest on its server (removed, or indexed by an older "
               "version of SANE Desktop): re-run sane-desktop index")
    tampered = (f"the index manifest of {catalogue!r} on the server does not match what it records "
                "(changed outside SANE Desktop): re-run sane-desktop index")
    try:
        previous = read_index_manifest(folder)
    except StaleIndexError:  # unreadable: replaced by the server's when it has one
        previous = None
    if previous is not None and not is_shared(previous):  # this machine's own FAISS files
        return False
    if digests is None:
        if previous is not None:  # a copy of a manifest the server no longer has
            raise StaleIndexError(missing)
        return False
    recorded, actual = digests
    if actual != recorded:  # refused even where this folder holds a good copy: the server's is what is shared
        raise StaleIndexError(tampered)
    try:
        if _sha256(local.read_bytes()) == recorded:
            return False
    except FileNotFoundError:
        pass
    row = read_shared_manifest(engine, pk)
    if row is None:  # removed since the query above
        raise StaleIndexError(missing)
    if _sha256(row.text.encode("utf-8")) != row.sha256:
        raise StaleIndexError(tampered)
    try:
        manifest = Manifest.from_dict(json.loads(row.text))
    except (ValueError, TypeError, AttributeError) as error:
        raise StaleIndexError(f"the index manifest of {catalogue!r} on the server is not readable ({error}): "
                              "re-run sane-desktop index") from None
    prefix = f"vec_{int(pk)}_"  # backends.pg_table_prefix: this catalogue's tables, and only on the server
    if (manifest.catalogue != catalogue or manifest.model_hash != row.model_hash
            or not _HEX64.fullmatch(manifest.model_hash)
            or not all(entry.spec.get("kind") == _PGVECTOR and entry.file.startswith(prefix)
                       for entry in manifest.indexes.values())):
        raise StaleIndexError(tampered)
    try:
        fetch_shared_checkpoint(engine, manifest.model_hash, folder)
        _write_atomically(local, row.text.encode("utf-8"))
    except OSError as error:  # a read-only or full index folder: said in one line, not a traceback
        raise StaleIndexError(f"cannot keep the copy of {catalogue!r}'s server manifest in {folder} "
                              f"({error.strerror or error}): choose a writable index folder") from None
    return True


def fetch_shared_checkpoint(engine: Engine, model_hash: str, folder: Path) -> Path | None:
    """The server's copy of model ``model_hash`` in ``folder/checkpoints/`` (fetched when not there
    yet, with the attribute selection shipped beside it), None when the server holds none (a model
    file on this machine with that content hash is then used, or loading names the missing one).
    Copies of other models there are removed. Raises StaleIndexError (one line) when the stored
    bytes do not match their SHA-256 or do not record ``model_hash``."""
    from sane_desktop.models.checkpoint import recorded_content_hash
    from sane_desktop.store.manifests import read_checkpoint

    if not _HEX64.fullmatch(model_hash):
        raise StaleIndexError(f"{model_hash[:20]!r} is not a model content hash: re-run sane-desktop index")
    target = shared_checkpoint_path(folder, model_hash)
    if not target.is_file():
        stored = read_checkpoint(engine, model_hash)
        if stored is None:
            return None
        if _sha256(stored.data) != stored.file_sha256 or recorded_content_hash(stored.data) != model_hash:
            raise StaleIndexError(f"the model {stored.name} ({model_hash[:12]}) stored on the server does not match "
                                  "its checksum (changed outside SANE Desktop): re-run sane-desktop index")
        if stored.selection is not None:  # first: a checkpoint in place has its selection beside it
            _write_atomically(target.with_suffix(".selection.json"), stored.selection.encode("utf-8"))
        _write_atomically(target, stored.data)
    for other in target.parent.glob("*.pt"):  # a model the catalogue moved away from
        if other.name != target.name:
            other.unlink(missing_ok=True)
            other.with_suffix(".selection.json").unlink(missing_ok=True)
    return target
