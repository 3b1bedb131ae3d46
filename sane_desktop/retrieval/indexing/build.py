"""Build stage: the FAISS files and the manifest of a catalogue, rebuilt from the database.

Always a full rebuild from the stored embeddings (cheap next to embedding), so a run killed at any
point leaves either the previous complete index or none: each FAISS file is written to a temporary
name and renamed, and ``manifest.json`` is written last (atomically), naming only files already in
place. Files of an earlier build that the new manifest does not name are deleted afterwards.

Every catalogue category gets an index, under its own name: one the model knows is searched as that
model category, any other in the general space (:mod:`sane_desktop.retrieval.category_map`); the
mapping is recorded in the manifest.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from sane_desktop.code_version import embedding_code
from sane_desktop.errors import InputError, StoreError
from sane_desktop.paths import process_alive
from sane_desktop.progress import Progress, no_progress
from sane_desktop.retrieval.faiss_index import IndexSpec
from sane_desktop.retrieval.category_map import (
    FALLBACK, GENERAL, USER, Mapped, Suggestion, category_centres, model_centres, resolve, suggest,
)
from sane_desktop.retrieval.backends import PGVECTOR, choose_backend, pg_connection, pg_table_name, pg_table_prefix
from sane_desktop.retrieval.compressed import build_store, choose_by_budget, rerank_paths
from sane_desktop.retrieval.pgvector_store import DEFAULT_EF_SEARCH, PgVectorStore
from sane_desktop.retrieval.indexing.model import IndexModel, model_origin
from sane_desktop.retrieval.indexing.digests import verified_hash
from sane_desktop.retrieval.indexing.scan import IndexItem
from sane_desktop.retrieval.manifest import (
    CategoryIndex,
    Manifest,
    database_location,
    share_manifest,
    stored_model_path,
    write_index_manifest,
)
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.store.embeddings import IndexRecord, load_embeddings, replace_index_records
from sane_desktop.store.items import CatalogueRef

PHASE = "building index"
FAISS_FOLDER = "faiss"
# the temporaries an index's writers leave when killed, as they have been named: paths.temporary_sibling's
# ("<pid>-<token>", before it a token alone: manifest, FAISS files, the embedding mark, the compressed store) and
# a process's and thread's numbers (the digests'; earlier writers': "<pid>"). A name with a writer's process number
# is a leftover only when that process has ended: this process's own (a Train's model copy set aside beside
# model.pt, to put back or keep as model.previous.pt) was deleted by the re-index it waited on
LEFTOVER = re.compile(r"\..+?\.(?:(?:(?P<pid>\d+)-)?[0-9a-f]{32}|(?P<writer>\d+)(?:\.\d+)?)\.tmp")


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a temporary an index's writer left when it was killed (:data:`LEFTOVER`, its process
    gone), to delete before a build."""
    match = LEFTOVER.fullmatch(name)
    if match is None:
        return False
    pid = match.group("pid") or match.group("writer")
    return pid is None or not process_alive(int(pid))


@dataclass(frozen=True)
class BuiltIndexes:
    """The manifest just written, the category mapping it records, and suggestions for the
    categories that fell back to the general space."""

    manifest: Manifest
    mapping: dict[str, Mapped]  # catalogue category -> its target and how it was decided
    suggestions: dict[str, Suggestion] = field(default_factory=dict)  # general fallbacks with a model category

    @property
    def vectors(self) -> dict[str, int]:
        """Category -> vectors in its index."""
        return {category: entry.vector_count for category, entry in self.manifest.indexes.items()}

    @property
    def index_types(self) -> dict[str, str]:
        """Category -> FAISS index type label (e.g. ``IDMap2,FlatIP``)."""
        return {category: entry.index_type for category, entry in self.manifest.indexes.items()}


def faiss_file_name(model_hash: str, category: str) -> str:
    """File name of one catalogue category's index: model hash prefix and a digest of the name
    (any name, safe on every file system)."""
    return f"{model_hash[:12]}-{hashlib.sha256(category.encode('utf-8')).hexdigest()[:12]}.faiss"


def build_indexes(engine: Engine, model: IndexModel, catalogue: CatalogueRef, items: Sequence[IndexItem],
                  index_dir: Path, progress: Progress = no_progress,
                  mapping: Mapping[str, Mapped] | None = None, memory_budget: int | None = None,
                  vector_backend: str | None = None, set_aside: Mapping[str, str] | None = None) -> BuiltIndexes:
    """Rebuild one FAISS index per catalogue category of ``items`` from their stored embeddings.

    ``mapping`` (default: :func:`~sane_desktop.retrieval.category_map.resolve` without user
    choices) says which model category each catalogue category is searched as, or the general
    space. Writes ``index_dir/faiss/*.faiss`` and ``index_dir/manifest.json`` and mirrors the
    manifest into the store's ``index_manifests`` rows. Items without a stored embedding (their
    image failed to decode) are simply absent. Raises OSError when ``index_dir`` cannot be written.

    ``memory_budget``: bytes all the catalogue's indexes may hold in memory (default: the
    ``SANE_INDEX_MEMORY_BUDGET`` environment variable, e.g. ``4G``; unset: no budget), shared out by
    vector count; a category over its share gets a compressed index re-ranked from stored vectors
    (:func:`~sane_desktop.retrieval.compressed.choose_by_budget`, ValueError when even IVF-PQ does
    not fit).

    ``vector_backend``: ``faiss`` (files, the default) or ``pgvector`` (one table a category with an
    HNSW index on the catalogue's PostgreSQL server; the manifest names the tables), chosen by
    :func:`~sane_desktop.retrieval.backends.choose_backend` (InputError for pgvector off PostgreSQL).

    ``set_aside``: the user's category choices this model cannot apply, recorded in the manifest for a later
    index (:attr:`~sane_desktop.retrieval.manifest.Manifest.set_aside_choices`).
    """
    backend = choose_backend(engine, vector_backend)
    connection = pg_connection(engine) if backend == PGVECTOR else None
    try:
        return _build(engine, model, catalogue, items, index_dir, progress, mapping, memory_budget, connection,
                      dict(set_aside or {}))
    finally:
        if connection is not None:
            connection.close()


def _build(engine: Engine, model: IndexModel, catalogue: CatalogueRef, items: Sequence[IndexItem],
           index_dir: Path, progress: Progress, mapping: Mapping[str, Mapped] | None, memory_budget: int | None,
           connection: Any, set_aside: dict[str, str]) -> BuiltIndexes:
    memory_budget = effective_budget(memory_budget)
    total_items = max(len(items), 1)
    spaces = TypeSpaces.from_model(model.bundle.compatibility)
    by_category: dict[str, list[int]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item.pk)
    # what nobody chose, among the categories whose compatibility the model learnt (none: a model
    # trained without outfits compares every category by visual similarity) ...
    resolved = resolve(by_category, model.bundle.matched_categories)
    resolved.update({name: m for name, m in (mapping or {}).items() if name in resolved})  # ... then the choices
    manifest = Manifest(catalogue=catalogue.name, model_hash=model.content_hash,
                        model_path=stored_model_path(model.path, index_dir),
                        model_categories=list(spaces.categories), preprocessing=model.bundle.preprocessing.as_dict(),
                        embed_dim=spaces.embed_dim, dimension=spaces.dimension, db_revision=catalogue.revision,
                        db_uid=catalogue.uid, db_location=database_location(engine.url),
                        category_map={name: m.target for name, m in sorted(resolved.items())},
                        category_how={name: m.how for name, m in sorted(resolved.items())},
                        model_origin=model_origin(model.path, model.bundle), embedding_code=embedding_code(),
                        set_aside_choices={name: target for name, target in sorted(set_aside.items())
                                           if name in resolved and resolved[name].how != USER})
    folder = index_dir / FAISS_FOLDER
    for leftover in [*folder.glob(".*.tmp"), *index_dir.glob(".*.tmp")]:  # from a run killed mid-write
        if is_leftover(leftover.name):  # its writers' names only: trial EC lost a .thesis.docx.tmp here
            leftover.unlink(missing_ok=True)
    centres: dict[str, np.ndarray] = {}
    for step, (category, pks) in enumerate(sorted(by_category.items())):
        progress(step, len(by_category), PHASE)
        ids, embeddings = load_embeddings(engine, model.content_hash, pks)
        if not len(ids):
            continue
        target = resolved[category].target
        position = spaces.general_category if target == GENERAL else spaces.categories.index(target)
        centres.update(category_centres((category, row) for row in embeddings))
        vectors = spaces.stacked(embeddings, position)
        spec = plan_spec(len(ids), vectors.shape[1], total_items, memory_budget, pgvector=connection is not None)
        if connection is not None:  # pgvector: the table is replaced in one transaction
            table = pg_table_name(catalogue.pk, model.content_hash, category)
            pg_store = PgVectorStore.build(connection, table, vectors, ids, ef_search=spec.ef_search)
            manifest.indexes[category] = CategoryIndex(category, position, table, spec.label, spec.as_dict(),
                                                       len(ids), "", target, pg_store.dimension)
            continue
        store = build_store(vectors, ids, spec)
        name = faiss_file_name(model.content_hash, category)
        _make_room(folder / name)
        store.save(folder / name)
        manifest.indexes[category] = CategoryIndex(
            category, position, f"{FAISS_FOLDER}/{name}", spec.label, spec.as_dict(), len(store),
            verified_hash(folder / name), target, store.dimension,  # remembered: the first open reads nothing
            [verified_hash(path) for path in rerank_paths(folder / name)] if spec.compressed else [])
    write_index_manifest(index_dir, manifest)  # last: it names only files already in place
    share_manifest(engine, catalogue.pk, manifest, model.path)  # pgvector: the server's copy, with the model
    replace_index_records(engine, catalogue.pk, _records(manifest, index_dir))
    _remove_unnamed(folder, manifest)
    if connection is not None:
        _drop_unnamed_tables(connection, catalogue.pk, manifest)
    progress(len(by_category), len(by_category), PHASE)
    return BuiltIndexes(manifest, resolved, _suggestions(resolved, centres, model.bundle.matched_categories))


def effective_budget(memory_budget: int | None) -> int | None:
    """The memory budget a build uses: ``memory_budget``, else ``SANE_INDEX_MEMORY_BUDGET`` (None: none)."""
    return budget_from_environment() if memory_budget is None else memory_budget


def plan_spec(n_vectors: int, dimension: int, total_items: int, memory_budget: int | None, *,
              pgvector: bool = False) -> IndexSpec:
    """The index one category of ``n_vectors`` stacked vectors of ``dimension`` gets, in a
    catalogue of ``total_items`` items whose indexes share ``memory_budget`` bytes (already
    :func:`effective_budget`; shared out by vector count): a pgvector table, else
    :func:`~sane_desktop.retrieval.compressed.choose_by_budget` (ValueError when even IVF-PQ does
    not fit). The build and the "is the index current" check both ask this, so they cannot disagree."""
    if pgvector:
        return IndexSpec(PGVECTOR, ef_search=DEFAULT_EF_SEARCH)
    share = None if memory_budget is None else memory_budget * n_vectors // max(total_items, 1)
    return choose_by_budget(n_vectors, dimension, share)


def stored_suggestions(engine: Engine, model: IndexModel, items: Sequence[IndexItem],
                       mapping: Mapping[str, Mapped]) -> dict[str, Suggestion]:
    """What a build would suggest for the general fallbacks of ``mapping``, from the stored
    embeddings, without building (an index kept as current); nothing to read when no category fell back."""
    if not any(mapped.how == FALLBACK for mapped in mapping.values()):
        return {}
    spaces = TypeSpaces.from_model(model.bundle.compatibility)
    by_category: dict[str, list[int]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item.pk)
    centres: dict[str, np.ndarray] = {}
    for category, pks in sorted(by_category.items()):
        _, embeddings = load_embeddings(engine, model.content_hash, pks)
        centres.update(category_centres((category, row) for row in embeddings))
    return _suggestions(dict(mapping), centres, model.bundle.matched_categories)


def _suggestions(mapping: dict[str, Mapped], centres: dict[str, np.ndarray],
                 model_categories: Sequence[str]) -> dict[str, Suggestion]:
    """For each category that fell back to the general space, a model category worth trying, when
    one is close by name or by appearance."""
    known = model_centres(centres, mapping)
    found = {}
    for name, mapped in sorted(mapping.items()):
        if mapped.how != FALLBACK:
            continue
        suggestion = suggest(name, model_categories, centres.get(name), known)
        if suggestion.target != GENERAL:
            found[name] = suggestion
    return found


def _make_room(target: Path) -> None:
    """Something that is not a file where an index file goes (a folder, say): an empty folder is
    removed; anything else is not ours to delete, so the user is told (StoreError, one line)."""
    if target.is_dir() and not target.is_symlink():
        try:
            target.rmdir()
        except OSError:
            raise StoreError(f"{target} is a folder where an index file belongs: move it away, then re-index") from None


def _drop_unnamed_tables(connection: Any, catalogue_pk: int, manifest: Manifest) -> None:
    """Drop this catalogue's vector tables of earlier builds (another model, a category now empty)."""
    wanted = {entry.file for entry in manifest.indexes.values()}
    prefix = pg_table_prefix(catalogue_pk)
    rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                              "AND left(tablename, %s) = %s", (len(prefix), prefix)).fetchall()
    for (table,) in rows:
        if table not in wanted:
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')


def _records(manifest: Manifest, index_dir: Path) -> list[IndexRecord]:
    return [IndexRecord(model_hash=manifest.model_hash, preprocessing=manifest.preprocessing,
                        dimension=entry.dimension or manifest.dimension, metric=manifest.metric,
                        index_type=entry.index_type,
                        vector_count=entry.vector_count, db_revision=manifest.db_revision,
                        # absolute: a refusal elsewhere names where it is (trial BF: "ext/R", read from another folder)
                        path=str(Path(index_dir).resolve() / entry.file))
            for entry in manifest.indexes.values()]


def _remove_unnamed(folder: Path, manifest: Manifest) -> None:
    """Delete FAISS files of earlier builds (another model, a category now empty)."""
    wanted = {Path(entry.file).name for entry in manifest.indexes.values()}
    wanted |= {extra.name for entry in manifest.indexes.values() if IndexSpec(**entry.spec).compressed
               for extra in rerank_paths(folder / Path(entry.file).name)}  # a compressed index's stored vectors
    for stale in [*folder.glob("*.faiss"), *folder.glob("*.faiss.*.npy")] if folder.is_dir() else []:
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)


BUDGET_VARIABLE = "SANE_INDEX_MEMORY_BUDGET"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def budget_from_environment() -> int | None:
    """``SANE_INDEX_MEMORY_BUDGET`` in bytes (``4G``, ``512M``, ``1500000000``), None when unset;
    InputError (one line) for a value that is not a size."""
    raw = os.environ.get(BUDGET_VARIABLE, "")
    return parse_size(raw, BUDGET_VARIABLE) if raw.strip() else None


def parse_size(raw: str, what: str) -> int:
    """A size in bytes from ``4G``, ``4GiB``, ``512M``, ``1500000000`` (binary units: K, M, G, T);
    InputError (one line, naming ``what``: the variable or flag it came from) for anything else."""
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1] if text and text[-1] in _UNITS else ""
    try:
        value = float(text[:-1] if unit else text)
    except ValueError:
        dot = f"; write the decimal point as a dot ({raw.strip().replace(',', '.')})" if "," in text else ""
        raise InputError(f"{what}={raw!r} is not a size (e.g. 4G, 512M){dot}") from None
    if not 0 < value < float("inf"):
        raise InputError(f"{what} must be a positive size, not {raw!r}")
    return int(value * _UNITS[unit])
