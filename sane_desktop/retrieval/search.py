"""Exact type-aware outfit search (the API the GUI service calls; Qt-free).

    searcher = OutfitSearcher.open("my-catalogue")
    results = searcher.search(searcher.resolve(["123", "456"]), "Shoes", k=20)

Categories are the catalogue's own names. Each has its own index of stacked vectors X, built as the
model category its manifest maps it to, or in the general space (:mod:`.category_map`); the outfit
becomes one query vector Q (:mod:`.vectors`), so one maximum-inner-product search ranks every
candidate by Σ_i cos(q_i, x). The outfit's own items are left out; each result carries its
per-outfit-item contributions, which sum to its score ("which outfit item drives the match").
:meth:`OutfitSearcher.similar` ranks by the general-space cosine with one item ("visually similar").
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from sane_desktop.errors import NotFound, StaleIndexError
from sane_desktop.models.checkpoint import ModelBundle, load_checkpoint
from sane_desktop.paths import catalogue_dir, default_db_url
from sane_desktop.retrieval.category_map import GENERAL, target_of
from sane_desktop.retrieval.embedding import embed_one
from sane_desktop.retrieval.backends import PGVECTOR, pg_connection
from sane_desktop.retrieval.index_state import not_indexed, refuse_foreign, refuse_stale
from sane_desktop.retrieval.indexing.verify import load_verified  # the check a no-op re-index shares
from sane_desktop.retrieval.manifest import (
    Manifest, is_shared, read_index_manifest, recorded_model_file, shared_checkpoint_path, sync_shared_manifest,
)
from sane_desktop.retrieval.vector_store import NO_FILTER, Hits, SearchFilter, VectorStore
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.store.db import open_store
from sane_desktop.store.embeddings import (
    EmbeddedItem, embedding_counts, load_item_embeddings, rows_stamp, unembedded_items,
)
from sane_desktop.store.items import find_catalogue, item_labels, item_pks

UNSEARCHED_RECHECK_S = 3.0  # how often a searcher looks again for rows its index cannot hold
INDEX_SCORE_SLACK = 1e-2  # per outfit item: above any index's error on a unit cosine (fp16 ≈ 1e-3)

__all__ = ["NotFound", "OutfitSearcher", "QueryItem", "Result", "SearchFilter", "StaleIndexError", "Unsearched"]


@dataclass(frozen=True)
class QueryItem:
    """One outfit member: a catalogue item (``item_pk``) or an outside image (``item_pk`` None)."""

    embedding: np.ndarray  # (D,) general embedding E(q)
    category: int  # position in the model's category list; its length (g) for the general space
    item_pk: int | None = None
    label: str = ""  # catalogue item id, or the image path


@dataclass(frozen=True)
class Result:
    item_pk: int
    item_id: str
    category: str  # the catalogue's category name
    score: float
    contributions: list[float] = field(default_factory=list)  # one per query item, in query order
    # one per query item: False where its pair with this category is in a space the model never
    # learnt (its contribution is 0 by construction, not a measured "unrelated"); empty: all compared
    compared: list[bool] = field(default_factory=list)

    def was_compared(self, position: int) -> bool:
        """Whether the query item at ``position`` was compared with this result (an uncompared one's
        0 is no part of a match: it is never the item the match comes "most from")."""
        return not self.compared or bool(self.compared[position])

    def as_dict(self, query: Sequence[QueryItem] = ()) -> dict[str, Any]:
        data: dict[str, Any] = {"item_pk": self.item_pk, "item_id": self.item_id, "category": self.category,
                                "score": round(self.score, 6)}
        if query:
            data["contributions"] = {q.label: round(c, 6) for q, c in zip(query, self.contributions)}
            data["not_compared"] = [q.label for j, q in enumerate(query) if not self.was_compared(j)]
        return data


@dataclass(frozen=True)
class Unsearched:
    """A category's items that no search of this index can list: ``without_embedding`` (their ids:
    a photo that could not be read when indexed, or a row added since) and ``not_in_index`` (how
    many were embedded after the index was built: a run stopped before its build)."""

    category: str
    without_embedding: tuple[str, ...] = ()
    not_in_index: int = 0

    @property
    def count(self) -> int:
        return len(self.without_embedding) + self.not_in_index


class OutfitSearcher:
    def __init__(self, engine: Engine, manifest: Manifest, bundle: ModelBundle,
                 stores: dict[str, VectorStore]) -> None:
        self.engine = engine
        self.manifest = manifest
        self.bundle = bundle
        # pairs in a space no training outfit reached are not compared (ModelBundle.unlearnt_spaces)
        self.spaces = TypeSpaces.from_model(bundle.compatibility, bundle.unlearnt_spaces)
        self.stores = stores
        self._catalogue = find_catalogue(engine, manifest.catalogue).pk
        self._unsearched: tuple[tuple[int, int, int], dict[str, Unsearched]] | None = None
        self._unsearched_checked = 0.0  # time.monotonic() of the last look at the rows' stamp

    @classmethod
    def open(cls, catalogue: str | Engine, *, name: str | None = None, index_dir: Path | None = None,
             model_path: Path | str | None = None, use_gpu: bool | None = None,
             bundle: ModelBundle | None = None) -> OutfitSearcher:
        """Open the index of ``catalogue`` (a name under ``index/``, or an engine plus ``name``/``index_dir``)
        with the model at ``model_path`` (default: the manifest's), or ``bundle`` already loaded (an
        application that holds the model passes it: one load, one copy in memory).

        Raises :class:`StaleIndexError` when the index was built with another model, other
        preprocessing or an older import of the catalogue: never a silently wrong answer.
        """
        engine = open_store(default_db_url(catalogue)) if isinstance(catalogue, str) else catalogue
        name = catalogue if isinstance(catalogue, str) else name
        found = find_catalogue(engine, name)
        name, revision, uid = found.name, found.revision, found.uid
        index_dir = Path(index_dir) if index_dir else catalogue_dir(name)
        sync_shared_manifest(engine, name, index_dir)  # a pgvector catalogue: the server's manifest, and model
        manifest = read_index_manifest(index_dir)
        if manifest is None:
            raise not_indexed(name, index_dir, engine, found.pk)
        refuse_foreign(manifest, name, index_dir)  # before its model is read
        if bundle is None and model_path is None and is_shared(manifest):  # the server's copy when this machine has it
            cached = shared_checkpoint_path(index_dir, manifest.model_hash)
            model_path = cached if cached.is_file() else None
        recorded = recorded_model_file(manifest, index_dir)  # another install's bundled model, a copied home's own
        bundle = bundle if bundle is not None else load_checkpoint(model_path or recorded)
        refuse_stale(manifest, bundle, name=name, index_dir=index_dir, recorded=recorded, revision=revision, uid=uid)
        on_server = any(entry.spec.get("kind") == PGVECTOR for entry in manifest.indexes.values())
        connection = pg_connection(engine) if on_server and engine.url.get_backend_name() == "postgresql" else None
        try:
            stores = {category: load_verified(index_dir, entry, entry.dimension or manifest.dimension, use_gpu,
                                              connection) for category, entry in manifest.indexes.items()}
        except BaseException:  # a stale table: the connection must not outlive the refusal
            if connection is not None:
                connection.close()
            raise
        return cls(engine, manifest, bundle, stores)

    def close(self) -> None:
        """Release what the stores hold outside this process (a pgvector store's server
        connection); FAISS stores have nothing to release. The searcher is unusable afterwards."""
        for store in self.stores.values():
            close = getattr(store, "close", None)
            if callable(close):
                close()

    def unsearched(self) -> dict[str, Unsearched]:
        """Per catalogue category, the items its index cannot list (see :class:`Unsearched`);
        categories whose items are all listed are absent. A search that leaves an item out says so
        (trial Z: a row added to the database was never ranked, without a word). Two grouped
        queries, again whenever the catalogue's rows moved (:func:`rows_stamp`, looked at every
        :data:`UNSEARCHED_RECHECK_S` at most: trial AE added one while the window had the index open,
        and it was never said)."""
        now = time.monotonic()
        if self._unsearched is not None and now - self._unsearched_checked < UNSEARCHED_RECHECK_S:
            return self._unsearched[1]  # a window searching again and again checks the rows every few seconds
        self._unsearched_checked = now
        stamp = rows_stamp(self.engine, self._catalogue, self.manifest.model_hash)
        if self._unsearched is None or self._unsearched[0] != stamp:
            missing = unembedded_items(self.engine, self._catalogue, self.manifest.model_hash)
            stored = embedding_counts(self.engine, self._catalogue, self.manifest.model_hash)
            indexed = {entry.category or name: entry.vector_count for name, entry in self.manifest.indexes.items()}
            found: dict[str, Unsearched] = {}
            for category in sorted(set(missing) | set(stored)):
                later = max(stored.get(category, 0) - indexed.get(category, 0), 0)
                if missing.get(category) or later:
                    found[category] = Unsearched(category, tuple(missing.get(category, ())), later)
            self._unsearched = stamp, found
        return self._unsearched[1]

    # --- building queries -----------------------------------------------------------------------
    @property
    def categories(self) -> list[str]:
        """The catalogue's categories that have an index (searchable targets)."""
        return sorted(self.stores)

    def model_category(self, category: str) -> str:
        """The model category a catalogue category is searched as, or ``general``: the manifest's
        mapping, else (a name it does not hold) the automatic one. Never raises."""
        return target_of(category, self.bundle.matched_categories, self.manifest.category_map)

    def category_index(self, category: str | int) -> int:
        """A catalogue category's position in the model's category list, or the general category
        g (:attr:`TypeSpaces.general_category`); an int is taken as it is. Never raises."""
        if isinstance(category, int):
            return category
        target = self.model_category(category)
        return self.spaces.general_category if target == GENERAL else self.spaces.categories.index(target)

    def resolve(self, item_ids: Sequence[str]) -> list[int]:
        """Catalogue item ids -> item primary keys, in order (NotFound names the unknown ones)."""
        found = item_pks(self.engine, self._catalogue, item_ids)
        missing = [i for i in item_ids if i not in found]
        if missing:
            raise NotFound(f"unknown item ids: {', '.join(missing)}")
        return [int(found[i]) for i in item_ids]

    def query_items(self, item_pks: Sequence[int]) -> list[QueryItem]:
        """The stored embeddings and categories of catalogue items (StaleIndexError for an item
        without an embedding of this model)."""
        pks = [int(pk) for pk in item_pks]
        found_pks, embeddings, sources = load_item_embeddings(self.engine, self.manifest.model_hash, pks)
        by_pk = {pk: embeddings[n] for n, pk in enumerate(found_pks.tolist())}
        meta = item_labels(self.engine, pks)
        missing = [pk for pk in pks if pk not in by_pk or pk not in meta]
        if missing:  # named by the catalogue's ids, never by database keys (they mean nothing to a person)
            unindexed = [meta[pk].item_id for pk in missing if pk in meta]
            gone = len(missing) - len(unindexed)
            parts: list[str] = []
            if unindexed:
                more = f" and {len(unindexed) - 5} more" if len(unindexed) > 5 else ""
                parts.append(f"items without an embedding for this model: {', '.join(unindexed[:5])}{more} "
                             "(re-run sane-desktop index)")
            if gone:
                parts.append(f"{gone} item{' is' if gone == 1 else 's are'} no longer in the catalogue (a re-import "
                             f"removed {'it' if gone == 1 else 'them'}): leave {'it' if gone == 1 else 'them'} out")
            raise StaleIndexError("; ".join(parts), reindex_helps=bool(unindexed))  # gone items: leave them out
        _check_sources(sources)  # an outfit item's vector must be of its own photo
        return [QueryItem(by_pk[pk], self.category_index(meta[pk].category), pk, meta[pk].item_id) for pk in pks]

    def embed_image(self, path: Path | str, category: str | int) -> QueryItem:
        """An image from outside the catalogue as an outfit member of the catalogue's ``category``."""
        embedding, _, _ = embed_one(self.bundle, Path(path))
        return QueryItem(embedding.astype(np.float32), self.category_index(category), None, str(path))

    # --- filtering ---------------------------------------------------------------------------------
    def filter_for(self, values: Mapping[str, Collection[str]] | None = None, categories: Collection[str] = (),
                   min_score: float | None = None, min_mean: float | None = None) -> SearchFilter:
        """The :class:`SearchFilter` of a metadata filter: items holding, for every key of
        ``values``, one of its values (``{"colour": {"red", "blue"}}``: red or blue; OR within a
        key, AND across keys, the rule of :mod:`sane_desktop.store.facets`), in one of
        ``categories`` (none: any), scored at least ``min_score`` (the raw score, a sum of one
        cosine per outfit item) and with a mean of at least ``min_mean`` over the cosines compared
        (what the window's 0–100 match shows). No ticks at all: only the score bounds. The item
        keys are resolved in SQL once here; pass the filter to :meth:`search`, :meth:`similar` or
        :meth:`search_all`."""
        from sane_desktop.store.facets import filtered_item_pks

        selection = {key: list(wanted) for key, wanted in (values or {}).items() if wanted}
        if not selection and not categories:
            return SearchFilter(None, min_score, min_mean)
        pks = filtered_item_pks(self.engine, self._catalogue, selection, list(categories), sort="key",
                                limit=2**62)
        return SearchFilter.of(pks, min_score, min_mean)

    # --- searching --------------------------------------------------------------------------------
    def search(self, outfit: Sequence[int | QueryItem], category: str, k: int = 20,
               where: SearchFilter = NO_FILTER) -> list[Result]:
        """Top ``k`` items of the catalogue's ``category`` for the outfit (item pks and/or
        :class:`QueryItem`) among those ``where`` allows (:meth:`filter_for`); none for a category
        without an index."""
        query = self.as_query(outfit)
        store = self.stores.get(category)
        if store is None or not query:
            return []
        return self._ranked(store, query, category, k, where)

    def ranks(self, outfit: Sequence[int | QueryItem], category: str) -> bool:
        """Whether :meth:`search` can rank ``category`` for the outfit: some outfit item's pair with
        it is in a space the model learnt (``TypeSpaces.compared``); else its list is empty."""
        query = self.as_query(outfit)
        return bool(self.spaces.compared([q.category for q in query], self.category_index(category)).any())

    def own_kind(self, outfit: Sequence[int | QueryItem], category: str) -> bool:
        """Whether every outfit item is of ``category``'s own model category (not the general one): no
        type space pairs a category with itself, so its items are alternatives to the outfit's, not
        matches — why :meth:`ranks` is False, said apart from a pair no training outfit reached."""
        query = self.as_query(outfit)
        target = self.category_index(category)
        return bool(query) and target != self.spaces.general_category and all(q.category == target for q in query)

    def similar(self, item: int | QueryItem, category: str, k: int = 20,
                where: SearchFilter = NO_FILTER) -> list[Result]:
        """Top ``k`` items of the catalogue's ``category`` by the cosine of their general embeddings
        with ``item``'s ("visually similar"): the item asked as one of the general category g, so the
        general block alone; ``item`` itself is left out; ``where`` as for :meth:`search`."""
        query = [dataclasses.replace(member, category=self.spaces.general_category)
                 for member in self.as_query([item])]
        store = self.stores.get(category)
        return self._ranked(store, query, category, k, where) if store is not None else []

    def _ranked(self, store: VectorStore, query: list[QueryItem], category: str, k: int,
                where: SearchFilter = NO_FILTER) -> list[Result]:
        target = self.category_index(category)
        if not self.spaces.compared([q.category for q in query], target).any():
            # every outfit item's pair with this category is one the model never learnt (a skirt
            # outfit, bottoms asked): nothing to rank by, rather than a look-alike list scored as matches
            return []
        embeddings = np.stack([q.embedding for q in query])
        cats = [q.category for q in query]
        compared = [bool(c) for c in self.spaces.compared(cats, target)]
        if where.min_mean is not None:  # a mean over the cosines compared here: as many as this category has
            bound = where.min_mean * sum(compared)
            where = dataclasses.replace(where, min_mean=None,
                                        min_score=bound if where.min_score is None else max(bound, where.min_score))
        vector = self.spaces.outfit_query(embeddings, cats, target)
        exclude = [q.item_pk for q in query if q.item_pk is not None]
        # The index's scores are approximate (fp32 summed in another order, fp16 or PQ codes): it cuts
        # at a bound loosened by INDEX_SCORE_SLACK per outfit item, the exact bound is applied below.
        loose = where if where.min_score is None else \
            dataclasses.replace(where, min_score=where.min_score - INDEX_SCORE_SLACK * len(query))
        hits = store.search(vector, k, exclude=exclude, blocks=self.spaces.query_blocks(cats, target), where=loose)
        # Contributions (and the reported score, their sum) come from the fp32 embeddings in the
        # database: exact whatever the index (IVF and fp16 GPU copies cannot always reconstruct).
        # one query over the hits: their vectors joined with their item rows (an embedding row whose
        # item row is gone counts as gone: a result without an item would be named "")
        pks, found, sources = load_item_embeddings(self.engine, self.manifest.model_hash, hits.ids.tolist())
        gone = len(set(hits.ids.tolist()) - set(pks.tolist()))
        if gone:  # the index and the database disagree: a shorter list would pass for the answer
            raise StaleIndexError(f"the index of {category!r} lists {gone} item(s) no longer in the catalogue's "
                                  "database (removed outside SANE Desktop): re-run sane-desktop index")
        if not len(pks):
            return []
        entry = self.manifest.indexes.get(category)
        _check_sources(sources, category, entry.category if entry is not None and entry.category else category)
        contributions = self.spaces.contributions(embeddings, cats, target, self.spaces.stacked(found, target))
        results = [Result(int(pk), sources[int(pk)].item_id, category, float(row.sum()), [float(c) for c in row],
                          compared)
                   for pk, row in zip(pks.tolist(), contributions)]
        _check_index_scores(hits, results, INDEX_SCORE_SLACK * len(query), category)
        if where.min_score is not None:  # again on the exact scores (a compressed store's are fp16)
            results = [result for result in results if result.score >= where.min_score]
        return sorted(results, key=lambda result: (-result.score, result.item_pk))

    def search_all(self, outfit: Sequence[int | QueryItem], k: int = 20, where: SearchFilter = NO_FILTER,
                   categories: Collection[str] = ()) -> dict[str, list[Result]]:
        """One ranked list per indexed category (of ``categories`` only, when given), ``where``
        applied to each."""
        query = self.as_query(outfit)
        return {category: self.search(query, category, k, where) for category in self.categories
                if not categories or category in categories}

    def as_query(self, outfit: Sequence[int | QueryItem]) -> list[QueryItem]:
        pks = [member for member in outfit if not isinstance(member, QueryItem)]
        stored = iter(self.query_items(pks)) if pks else iter(())
        return [member if isinstance(member, QueryItem) else next(stored) for member in outfit]


def _check_sources(sources: Mapping[int, EmbeddedItem], index: str | None = None, category: str | None = None) -> None:
    """Refuse (StaleIndexError, one line naming the items) when a vector about to be used for an item
    was not computed from that item's photo (its embedding row names another content hash: rows
    swapped or edited by hand), is not the vector its row's digest records (a blob copied or edited),
    or when the index of ``index`` (whose manifest entry holds the
    catalogue's ``category``) returned an item the database now puts in another category. Checked
    for the items an answer uses only: one query's worth, whatever the catalogue's size."""
    other_photo = sorted(source.item_id for source in sources.values() if not source.photo_matches)
    edited = sorted(source.item_id for source in sources.values() if source.photo_matches and not source.vector_ok)
    moved = sorted(f"{source.item_id} (now {source.category})" for source in sources.values()
                   if category is not None and source.category != category)
    if not other_photo and not moved and not edited:
        return
    parts: list[str] = []
    if other_photo:
        parts.append(f"the stored vectors of {_some(other_photo)} were computed from other photos than the items' "
                     "own")
    if edited:  # a blob copied from another row, or edited (trial AA)
        parts.append(f"the stored vectors of {_some(edited)} are not the ones computed for them")
    if moved:
        parts.append(f"the index of {index!r} lists {_some(moved)}, which the database puts in another category")
    raise StaleIndexError(f"the index and the catalogue's database disagree: {'; '.join(parts)} (changed outside "
                          "SANE Desktop): re-run sane-desktop index")


def _check_index_scores(hits: Hits, results: Sequence[Result], slack: float, category: str) -> None:
    """Refuse (StaleIndexError, one line naming the items) when the index scored a hit otherwise than the
    database's embeddings do, by more than an index's rounding (``slack``): its vector was changed outside
    SANE Desktop (trial CX edited a row of a pgvector table by hand, and the forged vector pushed a better
    item out of the list, exit 0). Only the hits can be checked this way, one query's worth: a vector changed
    so that its item is no longer found is caught by the index's checksums (FAISS files), not here."""
    index_score = dict(zip(hits.ids.tolist(), hits.scores.tolist()))
    off = sorted(result.item_id for result in results
                 if abs(float(index_score.get(result.item_pk, result.score)) - result.score) > slack)
    if off:
        raise StaleIndexError(f"the index of {category!r} holds other vectors than the catalogue's database for "
                              f"{_some(off)} (changed outside SANE Desktop): re-run sane-desktop index")


def _some(names: Sequence[str], shown: int = 5) -> str:
    """``names`` joined, the first ``shown`` of them and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
