"""The ``index`` command's work, one stage after another: import → scan → embed → store → build.

Each stage is its own module and hands the next one typed values (:class:`IndexItem`,
:class:`EmbeddedChunk`, :class:`StoredEmbeddings`, :class:`BuiltIndexes`); the model is loaded once
(:class:`IndexModel`) and passed down.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from sqlalchemy import Engine

from sane_desktop.errors import InputError, StaleIndexError, WayOut, with_way_out_clause
from sane_desktop.paths import catalogue_dir, check_catalogue_name, default_db_url, is_folder
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.indexing.build import BuiltIndexes, build_indexes, stored_suggestions
from sane_desktop.retrieval.indexing.current import CURRENT, rebuild_reason
from sane_desktop.retrieval.indexing.embed import IndexFailure, embed_items, store_cells_for
from sane_desktop.retrieval.indexing.embedded_by import mark_embedding, stored_by_other_code
from sane_desktop.retrieval.indexing.model import IndexModel, load_index_model, recorded_model
from sane_desktop.retrieval.indexing.scan import items_to_embed, scan_items
from sane_desktop.retrieval.indexing.shard import embed_claimed
from sane_desktop.retrieval.indexing.store import store_embeddings
from sane_desktop.retrieval.backends import choose_backend, require_usable_backend
from sane_desktop.retrieval.category_map import AUTO, EXACT, GENERAL, USER, automatic, kept_choices, resolve
from sane_desktop.retrieval.indexing.carry import carried_choices, carried_words
from sane_desktop.retrieval.manifest import (
    NO_INDEX,
    Manifest,
    check,
    database_location,
    other_database,
    read_index_manifest,
    sync_shared_manifest,
)
from sane_desktop.store.browse import category_photos
from sane_desktop.store.embeddings import delete_other_models, drop_cells, drop_embeddings, embedding_counts
from sane_desktop.store.items import find_catalogue
from sane_desktop.store.work_queue import Shard, advisory_lock, require_server, require_server_url

if TYPE_CHECKING:  # the importer (and the catalogue readers) load only when importing
    from sane_desktop.store.importer import ImportSummary

FORCED = "forced (--rebuild)"  # IndexSummary.rebuild_reason when the caller asked for a rebuild

# what an index --shard worker holds while it builds the index folder (the caller's file lock on it)
BuildGuard = Callable[[], AbstractContextManager[None]]


@dataclass(frozen=True)
class IndexSummary:
    """What an indexing run did; :meth:`as_dict` is the ``index --json`` output."""

    name: str
    items: int
    embedded: int  # embeddings computed and stored by this run
    reused: int  # items whose stored embedding was still valid
    failed: list[IndexFailure]
    mapped: dict[str, str]  # catalogue category -> the model category it is searched as, or "general"
    mapped_how: dict[str, str]  # catalogue category -> how that was decided: exact, auto, user or general
    vectors: dict[str, int]  # category -> vectors in its index
    index_types: dict[str, str]
    rebuilt_because: str | None  # why an existing index was replaced (another model, ...)
    model: str  # checkpoint path
    model_hash: str
    device: str
    index_dir: str
    seconds: float  # index_store's own: scan, embed, build (the benchmarks' index stage)
    images_per_second: float
    note: str | None = None
    note_way_out: WayOut | None = None  # said after the note, in each front end's words
    cells_stored: bool = True  # per-cell outputs stored (else computed on demand: ``index --cells``)
    # general fallbacks worth mapping: category -> {"category": model category, "reason": why}
    suggestions: dict[str, dict[str, str]] = field(default_factory=dict)
    import_summary: ImportSummary | None = None  # set by index_catalogue, which imports first
    # whether the build stage rebuilt the indexes, and why ("index is current" when it kept them:
    # retrieval.indexing.current; "forced (--rebuild)"; else the first reason found)
    rebuilt: bool = True
    rebuild_reason: str = ""
    # the whole run, what the user waited: model load, import and index_store (index_catalogue sets it;
    # 0: index_store ran alone). A trial read "in 0.0 s" after seconds of reading new photos
    total_seconds: float = 0.0
    # a category renamed since the last import that kept the user's choice: new name -> {"from": old name,
    # "searched_as": model category} (retrieval.indexing.carry; also said in ``note``)
    carried_choices: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["note"] = with_way_out_clause(self.note, data.pop("note_way_out"))
        data["import_summary"] = self.import_summary.as_dict() if self.import_summary is not None else {}
        return data


def index_catalogue(
    root: Path | str,
    name: str | None = None,
    model_path: Path | str | None = None,
    db_url: str | None = None,
    mapping: Path | str | None = None,
    *,
    index_dir: Path | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    device: str | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    replace: bool = False,
    category_map: Mapping[str, str] | None = None,
    memory_budget: int | None = None,
    vector_backend: str | None = None,
    shard: Shard | None = None,
    build_guard: BuildGuard = nullcontext,
    cells: str = "auto",
    rebuild: bool = False,
) -> IndexSummary:
    """Import the catalogue folder ``root`` (under ``name``, default the folder's name) into
    ``db_url`` (default ``index/<name>/catalogue.db``), then :func:`index_store` it (with
    ``category_map``, ``memory_budget`` and ``vector_backend``, see there).

    ``replace``: a catalogue of that name built from another folder is replaced (else InputError
    naming both folders, before anything is written). Raises what the import raises (InputError,
    CatalogueError, StoreError, Cancelled) and what :func:`index_store` raises.

    ``shard``: this run is one ``index --shard i/n`` worker of a catalogue on a shared PostgreSQL
    server (InputError on SQLite, before anything is written): the workers import one after another
    under an advisory lock (the first syncs, the later ones find nothing changed), then claim batches
    (:func:`index_store`).
    """
    from sane_desktop.store.importer import import_folder, photos_if_there  # the readers load only when importing

    started = time.perf_counter()
    root = Path(root).expanduser().resolve()
    name = check_catalogue_name(name if name is not None else root.name)
    url = db_url or default_db_url(name)
    require_usable_backend(url, vector_backend)  # before anything is imported or embedded (trial AW)
    if not replace:  # before the import writes anything to ``url``
        _refuse_other_database(Path(index_dir) if index_dir else catalogue_dir(name), name, database_location(url))
    # the model first: one that cannot load is refused before a catalogue is imported (a trial found
    # a half-made catalogue listed, browsable and unsearchable, after a refused checkpoint)
    model = load_index_model(model_path, device, root=root, recorded=None if model_path is not None else
                             recorded_model(Path(index_dir) if index_dir else catalogue_dir(name), name))
    if shard is not None:
        require_server_url(url)  # before the import opens the store, which would create a SQLite file
    # --rebuild reads every photo again (a plain import reads those whose size, mtime or ctime moved: a file
    # system without a ctime would hide an in-place write keeping size and mtime). On a server the import
    # takes its turn under an advisory lock, a shard worker's as every other run's (the first syncs, the
    # later ones find nothing changed)
    folder = Path(index_dir) if index_dir else catalogue_dir(name)
    chosen, known, by_name = _previous_choices(folder, name) if category_map is None and not replace and shard is None \
        else ({}, frozenset(), {})
    # a category matched by its name passes its match on too (trial EK's "Bags" renamed "Bolsos" fell to looks alone)
    passed_on = {**by_name, **chosen}
    before = photos_if_there(url, name, sorted(passed_on)) if passed_on else {}  # those categories' photos
    engine, imported = import_folder(root, name, url, mapping, progress=progress, should_stop=should_stop,
                                     replace=replace, reread=rebuild)
    carried: dict[str, tuple[str, str]] = {}
    earlier: dict[str, str] | None = None  # None: the previous manifest's choices, as they are
    if before:  # a chosen category renamed (its folder): its choice goes on under the new name
        after = category_photos(engine, name)
        carried = carried_choices(before, {category: photos for category, photos in after.items()
                                           if category not in known or category in before}, passed_on)
        # a match by name passes on only where the new name matches nothing itself ("Shoes" to "Schuhe" and back)
        carried = {new: why for new, why in carried.items() if why[0] in chosen
                   or automatic(new, model.bundle.matched_categories).target == GENERAL}
        if carried:  # the choices go on under their new names, applied where this model can, else set aside
            earlier = {**chosen, **{new: target for new, (_old, target) in carried.items()}}
            applied = kept_choices(earlier, after, model.bundle.matched_categories)
            carried = {new: why for new, why in carried.items() if new in applied}
    try:
        summary = index_store(engine, name, model_path, index_dir=index_dir, batch_size=batch_size,
                              workers=workers, device=device, progress=progress, should_stop=should_stop,
                              replace=replace, category_map=category_map, memory_budget=memory_budget,
                              vector_backend=vector_backend, shard=shard, build_guard=build_guard, cells=cells,
                              rebuild=rebuild, loaded=model, earlier_choices=earlier)
    finally:
        engine.dispose()
    note = "; ".join(part for part in (summary.note, carried_words(carried, set(chosen))) if part) or None
    return dataclasses.replace(summary, import_summary=imported, note=note,
                               total_seconds=round(time.perf_counter() - started, 3),
                               carried_choices={new: {"from": old, "searched_as": target,
                                                      "how": "your choice" if old in chosen else "by name"}
                                                for new, (old, target) in carried.items()})


def _set_aside_words(set_aside: Mapping[str, str]) -> str:
    """The note on the user's choices this model could not apply ("" for none): kept, not lost."""
    if not set_aside:
        return ""
    pairs = ", ".join(f"{name} → {target}" for name, target in sorted(set_aside.items()))
    return f"your category choice{'s' if len(set_aside) > 1 else ''} {pairs} kept for a model that has " \
           f"{'those categories' if len(set_aside) > 1 else 'that category'} (this one has not)"


def _previous_choices(folder: Path, name: str) -> tuple[dict[str, str], frozenset[str], dict[str, str]]:
    """The user's category choices the last index of ``name`` in ``folder`` recorded (applied or set aside), every category it had
    (none without a readable one): a category it had is no renamed one (photos moved into "Tops" from a folder
    gone are not a rename of it), and the categories it matched to a model category by their names."""
    try:
        previous = read_index_manifest(folder)
    except StaleIndexError:
        return {}, frozenset(), {}
    if previous is None or previous.catalogue != name:
        return {}, frozenset(), {}
    by_name = {category: target for category, target in previous.category_map.items()
               if previous.category_how.get(category) in (EXACT, AUTO) and target != GENERAL}
    return previous.earlier_choices, frozenset(previous.category_map), by_name


def _indexed_elsewhere(location: str, name: str, index_dir: Path) -> bool:
    """Whether the SQLite database at ``location`` has an index folder of its own, other than
    ``index_dir``: the folder it lies in holds a manifest of catalogue ``name`` built from it (an index
    home's layout). Then ``index_dir``'s manifest naming it is a copy (an index home copied or moved,
    the old one kept: trial AD), and rebuilding ``index_dir`` leaves that database its index."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(location)
    except Exception:  # noqa: BLE001 - a location this program did not write
        return False
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    folder = Path(url.database).parent
    if folder.resolve() == Path(index_dir).resolve():
        return False
    try:
        own = read_index_manifest(folder)
    except StaleIndexError:
        return False
    return own is not None and own.catalogue == name and own.db_location == location


def _refuse_other_database(index_dir: Path, name: str, location: str, previous: Manifest | None = None) -> None:
    """InputError when ``index_dir`` holds catalogue ``name``'s index built from a database other than
    the one at ``location`` that is still there: a trial's ``index --db other.db`` under a used name
    overwrote it, and the first database's searches then read the second's index."""
    try:
        previous = previous if previous is not None else read_index_manifest(index_dir)
    except StaleIndexError:  # unreadable: nothing a rebuild would lose
        return
    other = other_database(previous, location) if previous is not None and previous.catalogue == name else None
    if other is not None and _indexed_elsewhere(other, name, index_dir):
        return  # a copy of an index home (trial AD): that database keeps its own index, this one is rebuilt
    if other is not None:
        raise InputError(f"{index_dir} holds the index of catalogue {name!r} in another database ({other})",
                         way_out=WayOut.OTHER_INDEX_OR_REPLACE)


def index_store(
    engine: Engine,
    name: str,
    model_path: Path | str | None = None,
    *,
    index_dir: Path | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    device: str | torch.device | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    replace: bool = False,
    category_map: Mapping[str, str] | None = None,
    memory_budget: int | None = None,
    vector_backend: str | None = None,
    shard: Shard | None = None,
    build_guard: BuildGuard = nullcontext,
    cells: str = "auto",
    rebuild: bool = False,
    loaded: IndexModel | None = None,
    earlier_choices: Mapping[str, str] | None = None,
) -> IndexSummary:
    """Embed the items of catalogue ``name`` that need it, then rebuild its FAISS indexes unless
    they are provably current (:func:`~sane_desktop.retrieval.indexing.current.rebuild_reason`:
    same model, preprocessing, import revision, mapping and plan, nothing embedded or failed, the
    database's vector counts, every index verified); ``rebuild`` forces the build. The summary's
    ``rebuilt`` and ``rebuild_reason`` say which and why.

    ``memory_budget``: bytes the indexes may hold in memory; over it a category gets a compressed
    index with exact re-ranking (:func:`~sane_desktop.retrieval.indexing.build.build_indexes`;
    default ``SANE_INDEX_MEMORY_BUDGET``, else none). ``vector_backend``: ``faiss`` or ``pgvector``
    (:func:`~sane_desktop.retrieval.backends.choose_backend`; default ``SANE_VECTOR_BACKEND``, else faiss).

    ``category_map``: the user's choices, catalogue category -> model category or ``general``
    (:mod:`~sane_desktop.retrieval.category_map`); every other category is mapped automatically.
    None keeps the choices the previous index recorded (those still valid; the others are set aside for a
    later model, :attr:`~sane_desktop.retrieval.manifest.Manifest.set_aside_choices`); a map, even empty,
    replaces them. Checked before anything is embedded (InputError). ``earlier_choices``, with no
    ``category_map``: the choices to keep or set aside in place of the previous index's (those of renamed
    categories under their new names: :func:`index_catalogue`).

    ``model_path`` None means the model the catalogue's last index was built with, when its file is
    still there (:func:`~sane_desktop.retrieval.indexing.model.recorded_model`), else the bundled model
    (the summary's ``note`` says which); ``index_dir``
    defaults to ``index/<name>/``; an unreadable manifest is rebuilt. An index folder holding
    another catalogue's index is not overwritten unless ``replace`` (InputError). Raises NotFound
    (no such catalogue), InputError, CheckpointError (model), Cancelled (between batches;
    finished batches stay).

    ``shard``: one of several workers on a shared PostgreSQL catalogue (InputError on SQLite): the
    embed stage claims batches (:func:`~sane_desktop.retrieval.indexing.shard.embed_claimed`) until
    no item is left, waiting for the other workers' batches; then, once everything is embedded, each
    worker rebuilds its ``index_dir`` in turn under an advisory lock and ``build_guard()`` (the
    service's file lock on the folder), so workers sharing a folder or a pgvector table never build
    at once. ``embedded`` then counts this worker's rows only.

    ``cells``: ``stored`` keeps every item's per-cell outputs in the database (the tiles' fast
    explanations read them), ``on-demand`` stores none (they are computed for the items on screen),
    ``auto`` stores them up to :data:`~sane_desktop.retrieval.indexing.embed.CELLS_STORED_LIMIT` items
    (InputError for another word).
    """
    started = time.perf_counter()
    if shard is not None:
        require_server(engine)
    choose_backend(engine, vector_backend)  # an unusable backend is refused before anything is embedded
    catalogue = find_catalogue(engine, name)
    # ``loaded``: ``model_path`` already loaded by the caller (index_catalogue checks it before importing)
    index_dir = Path(index_dir) if index_dir else catalogue_dir(catalogue.name)
    model = loaded if loaded is not None else load_index_model(
        model_path, device, root=catalogue.root,
        recorded=None if model_path is not None else recorded_model(index_dir, catalogue.name))
    try:
        sync_shared_manifest(engine, catalogue.name, index_dir)  # pgvector: the server's (its category choices)
        previous = read_index_manifest(index_dir)
        stale = check(previous, model_hash=model.content_hash, preprocessing=model.bundle.preprocessing.as_dict())
    except StaleIndexError as error:  # an unreadable manifest is what a re-index repairs
        previous, stale = None, str(error)
    if previous is not None and previous.catalogue != catalogue.name and not replace:
        raise InputError(f"{index_dir} holds the index of catalogue {previous.catalogue!r}, not {catalogue.name!r}",
                         way_out=WayOut.OTHER_INDEX_FOLDER)
    if not replace:
        _refuse_other_database(index_dir, catalogue.name, database_location(engine.url), previous)

    items = scan_items(engine, catalogue)
    model_categories = model.bundle.matched_categories  # none for a model trained without outfits
    present = {item.category for item in items}
    set_aside: dict[str, str] = {}
    if category_map is None:  # the user's earlier choices, those this model cannot apply kept for a later one
        earlier = dict(earlier_choices) if earlier_choices is not None \
            else previous.earlier_choices if previous is not None else {}
        category_map = kept_choices(earlier, present, model_categories)
        set_aside = {name: target for name, target in earlier.items() if name in present and name not in category_map}
    mapping = resolve(present, model_categories, category_map)
    user_map = {name: m.target for name, m in mapping.items() if m.how == USER}
    if stale is None and previous is not None:
        stale = check(previous, model_hash=model.content_hash, preprocessing=model.bundle.preprocessing.as_dict(),
                      user_map=user_map)
    try:
        store_cells = store_cells_for(cells, len(items))
    except ValueError as error:
        raise InputError(str(error)) from error
    vectors_note = None
    # vectors stored by other code (trial AR's kind), also by a run of another build stopped before its
    # manifest (trial AU's leftover): every photo embedded again, since no sample of them can vouch for the
    # rest (trial AU: a decoding change, and one to wide photos only, passed)
    other_code = stored_by_other_code(index_dir, previous, unknown_is_other=shard is None) \
        if embedding_counts(engine, catalogue.pk, model.content_hash) else None
    if other_code is not None:
        if shard is not None:  # other workers' rows of this run would go too
            raise InputError(f"the index of {catalogue.name!r}: {other_code}; index it once with a single worker "
                             "first (every photo is embedded again), then start the workers")
        dropped = drop_embeddings(engine, catalogue.pk, model.content_hash)
        vectors_note = f"{other_code}: every photo embedded again ({dropped} vectors)"
    mark_embedding(index_dir)  # before the first vector: a stopped run's rows say whose they are
    embed_started = time.perf_counter()
    if shard is None:
        todo = items_to_embed(engine, model.content_hash, items, need_cells=store_cells)
        chunks = embed_items(model.bundle, todo, batch_size=batch_size, workers=workers, should_stop=should_stop,
                             store_cells=store_cells)
        stored = store_embeddings(engine, chunks, len(todo), progress)
        reused = len(items) - len(todo)
    else:
        stored = embed_claimed(engine, model, catalogue, shard, batch_size=batch_size, workers=workers,
                               should_stop=should_stop, progress=progress, store_cells=store_cells)
        reused = len(items) - stored.embedded - len(stored.failed)  # stored before, or by another worker
    embed_seconds = time.perf_counter() - embed_started
    if stored.failed and not is_folder(catalogue.root):
        # the whole folder went during the run: an index of what was read before would list the rest as searchable
        # photos of a catalogue that is not there (trial EK: "Indexed … 1116 failed", exit 0). The vectors stored
        # stay: a run once the folder is back resumes from them
        raise InputError(f"the catalogue's folder {catalogue.root} went away while it was indexed: "
                         f"{len(stored.failed)} of its photos could not be read, so no index was written (the one "
                         "before, if any, stays); index it again once the folder is back")
    with advisory_lock(engine, f"build:{catalogue.pk}") if shard is not None else nullcontext(), build_guard():
        # decided under the build lock: a shard worker sees what the others built and embedded
        current = None if rebuild else _manifest_now(engine, catalogue.name, index_dir)
        why = FORCED if rebuild else rebuild_reason(
            engine, model, catalogue, items, index_dir, current, mapping, embedded=stored.embedded,
            failed=len(stored.failed), memory_budget=memory_budget, vector_backend=vector_backend)
        if why is None and current is not None:  # provably what a build would write: kept as it is
            built = BuiltIndexes(current, dict(mapping), stored_suggestions(engine, model, items, mapping))
        else:
            built = build_indexes(engine, model, catalogue, items, index_dir, progress, mapping, memory_budget,
                                  vector_backend, set_aside)
        delete_other_models(engine, catalogue.pk, model.content_hash)  # the new index is in place: old rows go
        if not store_cells:
            drop_cells(engine, catalogue.pk, model.content_hash)

    return IndexSummary(
        name=catalogue.name, items=len(items), embedded=stored.embedded, reused=reused,
        failed=list(stored.failed), mapped={name: m.target for name, m in sorted(built.mapping.items())},
        mapped_how={name: m.how for name, m in sorted(built.mapping.items())}, vectors=built.vectors,
        # the reason without its advice: this run is the re-index it advised (trial Z read "re-run sane-desktop
        # index" in the summary of the re-run that mended it)
        index_types=built.index_types,
        rebuilt_because=stale.replace(": re-run sane-desktop index", "") if stale and stale != NO_INDEX else None,
        rebuilt=why is not None,
        rebuild_reason=why.replace(": re-run sane-desktop index", "") if why is not None else CURRENT,
        model=str(model.path), model_hash=model.content_hash, device=str(model.device), index_dir=str(index_dir),
        seconds=round(time.perf_counter() - started, 3),
        images_per_second=round(stored.embedded / embed_seconds, 1) if stored.embedded and embed_seconds > 0 else 0.0,
        note="; ".join(part for part in (model.note, vectors_note, _set_aside_words(set_aside)) if part) or None,
        note_way_out=model.note_way_out,
        suggestions={name: {"category": s.target, "reason": s.reason} for name, s in built.suggestions.items()},
        cells_stored=store_cells,
    )


def _manifest_now(engine: Engine, catalogue: str, index_dir: Path) -> Manifest | None:
    """The index folder's manifest as it is now (re-read under the build lock: another ``--shard``
    worker may have built since this run started), None when there is none or it is unreadable."""
    try:
        sync_shared_manifest(engine, catalogue, index_dir)
        return read_index_manifest(index_dir)
    except StaleIndexError:
        return None
