"""Whether a catalogue's index is current: the build stage skipped when an ``index`` run changed nothing.

Issue 19, point 5: a no-op re-index must not rebuild every index. Skipping is allowed only when it
is provably safe — a silently wrong answer is the worst bug, so any doubt means rebuild. The index is
current when all of these hold (:func:`rebuild_reason` returns None):

- the manifest describes this catalogue, model, preprocessing, import revision and database location (the revision moves
  with every import that changed a row, and only then: :func:`~sane_desktop.store.importer`), and the
  category mapping (the user's choices and the automatic ones) this run resolved;
- this run embedded nothing and nothing failed;
- the database holds, per category, exactly as many embedding rows of this model as the index
  (what a build would load; catches rows written or removed since, e.g. by a run killed before its
  build);
- the index kind each category would get now (backend, memory budget, flat-vs-IVF size rule:
  :func:`~sane_desktop.retrieval.indexing.build.plan_spec`, the build's own choice) is the recorded one;
- every index verifies as a search would load it (:func:`~sane_desktop.retrieval.indexing.verify.load_verified`:
  a FAISS file's SHA-256, FAISS's read, vector count and dimension; a pgvector table's presence,
  dimension and row count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Engine

from sane_desktop.code_version import embedding_code
from sane_desktop.errors import StaleIndexError
from sane_desktop.retrieval.backends import PGVECTOR, choose_backend, pg_connection
from sane_desktop.retrieval.category_map import GENERAL, USER, Mapped
from sane_desktop.retrieval.indexing.build import effective_budget, plan_spec
from sane_desktop.retrieval.indexing.model import IndexModel
from sane_desktop.retrieval.indexing.scan import IndexItem
from sane_desktop.retrieval.indexing.verify import load_verified
from sane_desktop.retrieval.manifest import Manifest, check, database_location, other_build_words, stored_model_path
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.store.embeddings import embedding_counts
from sane_desktop.store.items import CatalogueRef

CURRENT = "index is current"  # what the summary says when the build was skipped


def rebuild_reason(engine: Engine, model: IndexModel, catalogue: CatalogueRef, items: Sequence[IndexItem],
                   index_dir: Path, manifest: Manifest | None, mapping: Mapping[str, Mapped], *,
                   embedded: int, failed: int, memory_budget: int | None = None,
                   vector_backend: str | None = None) -> str | None:
    """Why the indexes in ``index_dir`` (described by ``manifest``) must be rebuilt after a run that
    embedded ``embedded`` items and failed ``failed``, or None when they are exactly what a build
    would write now (see the module). Cheap: one COUNT query, the plan, and reading each index
    once to verify it. ValueError from the plan (a budget too small) is a reason: the build says why."""
    if manifest is None:
        return "no index yet"
    user_map = {name: m.target for name, m in mapping.items() if m.how == USER}
    stale = check(manifest, model_hash=model.content_hash, preprocessing=model.bundle.preprocessing.as_dict(),
                  db_revision=catalogue.revision, user_map=user_map, db_uid=catalogue.uid)
    if stale is not None:
        return stale
    if manifest.embedding_code != embedding_code():  # its vectors were embedded again by this run
        return other_build_words(manifest)
    if manifest.db_location.startswith("sqlite") and manifest.model_path != stored_model_path(model.path, index_dir):
        # another install's bundled model, or the original's in a copied index home (trial AS): the
        # manifest names the file this run used (a server's catalogue is named as each machine caches it)
        return f"its model file was at {manifest.model_path}"
    if manifest.catalogue != catalogue.name:
        return f"the index folder held catalogue {manifest.catalogue!r}"
    if manifest.db_location.startswith("sqlite") and manifest.db_location != database_location(engine.url):
        # copied or moved with its index home (trial AD): rebuilt, the manifest names where it is now (a
        # server is named as each machine spells it: no rebuild for that)
        return f"its database was at {manifest.db_location}"
    if embedded or failed:
        return f"{embedded} items embedded and {failed} failed in this run"
    if (manifest.category_map != {name: m.target for name, m in mapping.items()}
            or manifest.category_how != {name: m.how for name, m in mapping.items()}):
        return "category mapping changed"
    counts = embedding_counts(engine, catalogue.pk, model.content_hash)
    recorded = {name: entry.vector_count for name, entry in manifest.indexes.items()}
    if counts != recorded:
        return "embeddings added or removed since the index was built"
    spaces = TypeSpaces.from_model(model.bundle.compatibility)
    budget = effective_budget(memory_budget)
    pgvector = choose_backend(engine, vector_backend) == PGVECTOR
    for name, entry in sorted(manifest.indexes.items()):
        target = mapping[name].target if name in mapping else None
        position = spaces.general_category if target == GENERAL else (
            spaces.categories.index(target) if target in spaces.categories else -1)
        if target is None or entry.model_category != target or entry.category_index != position:
            return f"category {name!r} is searched differently now"
        try:
            spec = plan_spec(entry.vector_count, spaces.dimension_for(position), max(len(items), 1), budget,
                             pgvector=pgvector)
        except ValueError as error:
            return str(error)
        if spec.as_dict() != entry.spec or spec.label != entry.index_type:
            return f"category {name!r} would now get the index {spec.label}, not {entry.index_type}"
    return _unverified(engine, manifest, index_dir, spaces, pgvector)


def _unverified(engine: Engine, manifest: Manifest, index_dir: Path, spaces: TypeSpaces, pgvector: bool) -> str | None:
    """The first index that does not verify as a search would load it (its one-line reason), else None."""
    connection = pg_connection(engine) if pgvector else None
    try:
        for entry in manifest.indexes.values():
            dimension = entry.dimension or manifest.dimension
            try:
                store = load_verified(index_dir, entry, dimension, use_gpu=False, connection=connection)
            except StaleIndexError as error:
                return str(error)
            del store  # a pgvector store shares the connection closed below
    finally:
        if connection is not None:
            connection.close()
    return None
