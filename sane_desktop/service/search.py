"""Outfit search: compatible items per category for an outfit of catalogue items and images from
disk (a disk image is embedded once, its category guessed by the nearest category centre in ImageNet
features: :mod:`sane_desktop.retrieval.category_guess`), and
"visually similar" items to one item (the general space). Categories are the catalogue's own names.

Both leave out the outfit's own items and every item whose photo has the same bytes (content hash)
as an outfit item's: a copy of a photo under another id is not a match, it is the same picture."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from sane_desktop.errors import InputError, NotFound, StaleIndexError
from sane_desktop.service.locking import while_written
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.category_guess import (CategoryCentres, PhotoFeatures, choose_sample, fit_centres,
                                                   ranked, sample_key)
from sane_desktop.retrieval.category_map import FALLBACK, GENERAL, USER, automatic
from sane_desktop.retrieval.index_state import refuse_changed_files
from sane_desktop.retrieval.manifest import manifest_stamp, sync_shared_manifest
from sane_desktop.retrieval.search import OutfitSearcher, QueryItem, Result, Unsearched
from sane_desktop.retrieval.vector_store import NO_FILTER, SearchFilter
from sane_desktop.service.filters import ItemFilter
from sane_desktop.service.items import CatalogueItems
from sane_desktop.service.model import ModelContext
from sane_desktop.service.titles import did_you_mean
from sane_desktop.service.values import ALL_CATEGORIES, CategoryGuess, ItemInfo, SearchResult

log = logging.getLogger(__name__)


PREVIEW_SIDE = 160  # the category dialog's picture of an image from disk


def _unreadable(path: Path, error: Exception) -> InputError:
    """One sentence for a file that is no readable image: the reader's words name the path already (trial BU
    read "cannot read bad.jpg as an image (/…/bad.jpg: not an image file (unrecognised format))")."""
    detail = str(error).removeprefix(f"{path}: ")
    return InputError(f"{path.name} cannot be read as an image: {detail}")


def _refuse_no_image_file(path: Path) -> None:
    """InputError naming what ``path`` is when it is a folder, pipe or device (trial BV: a folder dropped on
    the outfit read "no image file at …"), NotFound when nothing is there."""
    from sane_desktop.catalogue.safepath import not_a_file

    found = not_a_file(path)
    if found:
        raise InputError(f"{path} is {found}, not an image file")
    if not path.is_file():
        raise NotFound(f"no image file at {path}")


class OutfitSearch:
    """Exact type-aware outfit search over one catalogue's FAISS indexes (opened on first use;
    :class:`~sane_desktop.errors.StaleIndexError` when they do not match the model or database).

    What it loads is derived from the index folder's manifest and the catalogue's import revision;
    before every use it compares both with what it loaded (a stat and one small query) and reloads
    the searcher and the category centres when another process re-indexed or re-imported the
    catalogue since: a window left open never serves the old index's answers."""

    def __init__(self, items: CatalogueItems, model: ModelContext, index_dir: Path) -> None:
        self.items = items
        self.model = model
        self.index_dir = index_dir
        self._searcher: OutfitSearcher | None = None
        self._centres: CategoryCentres | None = None  # the category guess's (retrieval/category_guess.py)
        # the guess's sample and its key, for the stamp they were read at (one read of every item per import)
        self._sample: tuple[tuple[object, ...], list[tuple[str, str, Path]], str] | None = None
        self._features: PhotoFeatures | None = None
        self._loaded: tuple[object, ...] | None = None  # the stamp the loaded parts were derived from

    def _stamp(self) -> tuple[object, ...]:
        self.items.refresh()
        sync_shared_manifest(self.items.engine, self.items.record.name, self.index_dir)  # pgvector: the server's
        return manifest_stamp(self.index_dir), self.items.record.revision

    def refresh(self) -> tuple[object, ...]:
        """Drop what was loaded from an older index or import (the next use reloads it); returns
        the current stamp."""
        stamp = self._stamp()
        if stamp != self._loaded:
            self.close()
            self._searcher, self._loaded = None, stamp  # the guess's centres are keyed by their sample: kept
        return stamp

    def close(self) -> None:
        """Release the loaded searcher (a pgvector searcher's server connection); the next use loads it again."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def written_at(self) -> str:
        """When the index folder's manifest says it was written (ISO 8601, UTC), "" when it records none or
        cannot be read. Read as recorded, unchecked: an explanation with another model than the index's is no
        search, and still names the index beside it."""
        from sane_desktop.retrieval.manifest import read_index_manifest

        try:
            manifest = read_index_manifest(self.index_dir)
        except (OSError, ValueError, StaleIndexError):
            return ""
        return manifest.created_at if manifest is not None else ""

    def searcher(self) -> OutfitSearcher:
        """The loaded index, reloaded when it is stale; raises StaleIndexError when the index on
        disk does not match the model or the database."""
        stamp = self.refresh()
        if self._searcher is None:
            try:
                self._searcher = self._open_searcher()
            except StaleIndexError as error:
                if self._stamp() == stamp:
                    said = while_written(self.items.record.name, self.index_dir, error)
                    if said is error:
                        raise
                    raise said from error
                # a build replaced files while we read them (its manifest is written last): read the new one
                self._loaded = self._stamp()
                self._searcher = self._open_searcher()
        else:
            # the files loaded are still on disk as their manifest records them (a stat each while unchanged, as
            # every explanation checks them): trial DI overwrote them and the grid still ranked from memory, unsaid,
            # where the explanation and the next start refused
            try:
                refuse_changed_files(self._searcher.manifest, self.index_dir)
            except StaleIndexError as error:
                if self._stamp() != stamp:  # a build replacing them now: the next search reads the new index
                    self.close()
                    self._loaded = None
                    return self.searcher()
                said = while_written(self.items.record.name, self.index_dir, error)
                if said is error:
                    raise
                raise said from error
        return self._searcher

    def is_general(self, category: str) -> bool:
        """Whether an outfit search ranks ``category`` (a catalogue category) in the general space,
        by visual similarity rather than compatibility: the index maps it to no model category."""
        return self.searcher().model_category(category) == GENERAL

    def general_by_choice(self, category: str) -> bool:
        """Whether ``category`` is searched in the general space because the user mapped it there
        (``--category-map``, the index dialog), not because the model lacks it (trial Y read "the model
        has no matches learnt for 'tops'" for a model that knows tops)."""
        return self.is_general(category) and self.searcher().manifest.category_how.get(category) == USER

    def _open_searcher(self) -> OutfitSearcher:
        return OutfitSearcher.open(self.items.engine, name=self.items.record.name, index_dir=self.index_dir,
                                   bundle=self.model.bundle())

    def search(self, outfit: Sequence[int], target: str = ALL_CATEGORIES, k: int = 24,
               should_stop: CancelCheck = never_cancel,
               item_filter: ItemFilter | None = None) -> dict[str, list[SearchResult]]:
        """Compatible items per target category (every indexed category when ``target`` is empty),
        best first, outfit items and copies of their photos left out; each with its per-outfit-item
        score parts. Categories are the catalogue's: one the model lacks is compared in the general
        space (never an error).

        ``item_filter`` (issue 18, point 13): only items passing its ticks, with a mean cosine of at
        least its ``min_mean`` over the outfit items compared: the best ``k`` of those, filtered inside the vector search
        (:meth:`OutfitSearcher.filter_for`), not the passing part of the unfiltered ``k``."""
        if not outfit:
            return {}
        searcher = self.searcher()
        query = searcher.as_query([self._member(searcher, pk) for pk in outfit])  # embeddings once for every target
        return self._collect(searcher, outfit, target, should_stop,
                             lambda category, n, where: searcher.search(query, category, n, where), k, item_filter, general=False)

    def not_ranked(self, outfit: Sequence[int], categories: Sequence[str]) -> list[str]:
        """Those of ``categories`` no item of ``outfit`` is compared with (every pair in a type space
        no training outfit reached: a top alone, tops asked), whose list is empty for that reason."""
        if not outfit or not categories:
            return []
        searcher = self.searcher()
        query = searcher.as_query([self._member(searcher, pk) for pk in outfit])
        return [category for category in categories if category in searcher.stores and not searcher.ranks(query, category)]

    def own_kind(self, outfit: Sequence[int], categories: Sequence[str]) -> list[str]:
        """Those of ``categories`` every item of ``outfit`` belongs to, as the model counts categories
        (two folders mapped to one count as one): their items are alternatives to the outfit's, so a
        list of them is not ranked (:meth:`not_ranked`) for that reason, not for a pair never learnt."""
        if not outfit or not categories:
            return []
        searcher = self.searcher()
        query = searcher.as_query([self._member(searcher, pk) for pk in outfit])
        return [category for category in categories if searcher.own_kind(query, category)]

    def unsearched(self, categories: Sequence[str] | None = None) -> list[Unsearched]:
        """Of ``categories`` (a search's targets; None: every category, those without an index
        too), the items their indexes cannot list, in that order (:meth:`OutfitSearcher.unsearched`):
        a list that leaves items out says so."""
        found = self.searcher().unsearched()
        return [found[category] for category in (sorted(found) if categories is None else categories)
                if category in found]

    def similar(self, item_pk: int, target: str = ALL_CATEGORIES, k: int = 24,
                should_stop: CancelCheck = never_cancel,
                item_filter: ItemFilter | None = None) -> dict[str, list[SearchResult]]:
        """Items that look like ``item_pk`` (a catalogue item or an image from disk) per target
        category (every indexed category when ``target`` is empty), best first by the cosine of
        their general embeddings, the item itself and copies of its photo left out. Each result has
        that cosine as its one contribution and ``general`` set: it is explained in the general space too.
        ``item_filter``: as for :meth:`search`."""
        searcher = self.searcher()
        member = searcher.as_query([self._member(searcher, item_pk)])[0]
        return self._collect(searcher, [item_pk], target, should_stop,
                             lambda category, n, where: searcher.similar(member, category, n, where), k, item_filter,
                             general=True)

    def _member(self, searcher: OutfitSearcher, pk: int) -> int | QueryItem:
        """An outfit member for the searcher: a catalogue item's key, or a disk image's query with
        its category resolved by the index now open (its mapping may have changed since it was added)."""
        if pk >= 0:
            return int(pk)
        carried = self.items.carried(pk)
        if carried is not None:
            self._embed_again(carried)
        image = self.items.disk_image(pk)
        return dataclasses.replace(image.query, category=searcher.category_index(image.info.category))

    def _collect(self, searcher: OutfitSearcher, outfit: Sequence[int], target: str, should_stop: CancelCheck,
                 ranked: Callable[[str, int, SearchFilter], list[Result]], k: int, item_filter: ItemFilter | None,
                 general: bool) -> dict[str, list[SearchResult]]:
        targets = [target] if target else searcher.categories
        where = NO_FILTER
        if item_filter is not None and item_filter.active:  # the ticks resolved to item keys once per search
            where = searcher.filter_for(item_filter.values, item_filter.categories, min_mean=item_filter.min_mean)
        # the outfit's photos: an item with the same bytes under another id scores as the item itself
        members = self.items.infos(list(outfit))
        photos = {info.content_hash for info in members if info.content_hash}
        model_category = {info.pk: searcher.category_index(info.category) for info in members}
        results: dict[str, list[SearchResult]] = {}
        for category in targets:
            if should_stop():
                break
            if item_filter is not None and item_filter.categories and category not in item_filter.categories:
                continue  # a category the filter leaves out is not searched at all
            hits, infos = self._without_copies(ranked, category, k, where, photos)
            # outfit items of the same model category (two folders the user mapped to one): no type space
            # pairs a category with itself, so they are alternatives, not pairs it never learnt (trial AU)
            own = searcher.category_index(category)
            alike = frozenset(int(q) for q in outfit if own != searcher.spaces.general_category
                              and model_category.get(int(q)) == own)
            results[category] = []
            for hit in hits:
                skipped = frozenset(int(q) for j, q in enumerate(outfit) if not hit.was_compared(j))
                results[category].append(SearchResult(
                    infos[hit.item_pk], float(hit.score), {int(q): float(c) for q, c in zip(outfit, hit.contributions)},
                    general, skipped, alternatives=skipped & alike))
        return results

    def _without_copies(self, ranked: Callable[[str, int, SearchFilter], list[Result]], category: str, k: int,
                        where: SearchFilter, photos: set[str]) -> tuple[list[Result], dict[int, ItemInfo]]:
        """The best ``k`` hits of ``category`` whose photo is none of ``photos`` nor a better hit's
        (the same bytes under two ids is one picture: a trial saw ranks 10 and 11 hold one photo),
        with their items: asks the index for more (twice as many each time) while copies took places
        and it has more."""
        wanted = k
        while True:
            hits = ranked(category, wanted, where)
            infos = {info.pk: info for info in self.items.infos([hit.item_pk for hit in hits])}
            gone = [hit.item_pk for hit in hits if hit.item_pk not in infos]
            if gone:  # the index and the database disagree: a shorter list would look like the answer
                raise StaleIndexError(f"the index of {category!r} lists {len(gone)} item(s) no longer in the catalogue's "
                                      "database (removed outside SANE Desktop): re-run sane-desktop index")
            seen, kept = set(photos), []
            for hit in hits:
                photo = infos[hit.item_pk].content_hash
                if photo in seen:
                    continue
                kept.append(hit)
                seen.update({photo} if photo else set())  # an unhashed photo is nobody's copy
            if len(kept) >= k or len(hits) < wanted:
                return kept[:k], infos
            wanted *= 2

    def check_backend(self, backend: str) -> None:
        """InputError (one line) unless the catalogue's indexes live in ``backend`` (``faiss`` or
        ``pgvector``). The index folder's manifest decides which store answers a search, so a query
        that asks for the other store is refused rather than answered from the one it did not ask
        for. No index yet: nothing to check (searching reports it)."""
        from sane_desktop.retrieval.manifest import read_index_manifest

        manifest = read_index_manifest(self.index_dir)
        kinds = {"pgvector" if entry.spec.get("kind") == "pgvector" else "faiss"
                 for entry in (manifest.indexes.values() if manifest is not None else ())}
        if kinds and kinds != {backend}:
            raise InputError(f"the index in {self.index_dir} is searched with {' and '.join(sorted(kinds))}, not "
                             f"{backend}: re-index with --vector-backend {backend}, or leave the flag out")

    # --- images from disk ------------------------------------------------------------------
    def guess_category(self, path: Path | str, *, progress: Progress = no_progress,
                       should_stop: CancelCheck = never_cancel) -> CategoryGuess:
        """The catalogue's categories ranked for an image from disk by the cosine of its ImageNet
        features with each category's centre (:mod:`sane_desktop.retrieval.category_guess`: not the
        compatibility embedding, which cannot tell categories apart), with how often such a guess was
        right on the catalogue's own photos. The first guess in a catalogue reads a sample of its
        photos (``progress``); later ones reuse it until the items change. NotFound without a file,
        InputError for one that is no readable image, Cancelled when ``should_stop``."""
        import hashlib

        from sane_desktop.catalogue.images import load_rgb
        from sane_desktop.catalogue.safepath import read_regular_file

        path = Path(path).expanduser().resolve()
        _refuse_no_image_file(path)
        try:
            data = read_regular_file(path)
            feature = self._photo_features().of_file(path, data)
        except FileNotFoundError as error:
            raise NotFound(f"no image file at {path}") from error
        except (OSError, ValueError) as error:
            raise _unreadable(path, error) from error
        # the preview the user confirms is the picture guessed: the same bytes, not a second read
        preview = np.asarray(load_rgb(path, max_side=PREVIEW_SIDE, data=data), dtype=np.uint8)
        digest = hashlib.sha256(data).hexdigest()
        centres = self._category_centres(progress, should_stop)
        same_photo = tuple(self.items.with_photo(digest))  # one of the catalogue's own photos: its category is known
        if centres is None:
            return CategoryGuess(path, (), preview, digest, same_photo=same_photo)
        return CategoryGuess(path, ranked(centres, feature), preview, digest, centres.temperature,
                             centres.reliability, centres.sample, centres.least_alike, same_photo)

    def _photo_features(self) -> PhotoFeatures:
        if self._features is None:
            self._features = PhotoFeatures(self.model.device)
        return self._features

    def _category_centres(self, progress: Progress, should_stop: CancelCheck) -> CategoryCentres | None:
        """The centres of a sample of the catalogue's items (None without items), derived from the
        sample's (category, content hash) pairs and kept while those are the same."""
        stamp = self.refresh()
        if self._sample is None or self._sample[0] != stamp:  # the items as imported now: read once per stamp
            items = self.items.search(ALL_CATEGORIES, "", max(self.items.count(), 1))
            sample = choose_sample([(item.category, item.content_hash, Path(item.image_path)) for item in items])
            self._sample = (stamp, sample, sample_key([(category, digest) for category, digest, _path in sample]))
        _stamp, sample, key = self._sample
        if not sample:
            return None
        if self._centres is not None and self._centres.derived_from == key:  # a re-index of the same photos: kept
            return self._centres
        features, kept = self._photo_features().of_files([row[2] for row in sample], progress=progress,
                                                         should_stop=should_stop)
        if not kept:
            return None
        # a sample photo unreadable now is left out of its category's centre (``sample`` counts those read)
        self._centres = fit_centres(features, [sample[i][0] for i in kept], key)
        return self._centres

    def add_image(self, path: Path | str, category: str, content_hash: str = "") -> ItemInfo:
        """Embed an image from disk as an outfit member of the catalogue's ``category`` (a spelling
        of one, ``tops`` for ``Tops``, is taken as it); returns its (negative-key) item, or the catalogue's
        own item of that category when the photo is its photo (``content_hash`` given). NotFound
        for a name that is none of the catalogue's categories. ``content_hash``: the photo as it was
        added before (an outfit brought back): InputError when the file holds another photo now, and
        NotFound when it is gone, rather than the new picture under the old name (a trial)."""
        from sane_desktop.service.items import photo_state

        path = Path(path).expanduser().resolve()
        why = photo_state(path, content_hash) if content_hash else ""
        if why == "gone":
            raise NotFound(f"the photo {path.name} added from disk is gone ({path})")
        if why:
            raise InputError(f"the photo {path.name} added from disk was {why} since it was added ({path}): "
                             "add it again to use the picture it holds now")
        searcher = self.searcher()
        category = self._catalogue_category(searcher, category)
        own = self._own_item(content_hash, category) if content_hash else None
        if own is not None:
            return own
        position = searcher.category_index(category)
        embedding, cells, digest = self._embed_file(path)
        if content_hash and digest != content_hash:  # replaced between the check above and the read
            raise InputError(f"the photo {path.name} added from disk was replaced since it was added ({path}): "
                             "add it again to use the picture it holds now")
        query = QueryItem(embedding.astype(np.float32), position, None, str(path))
        # the hash of the very bytes embedded: a file replaced during the read cannot pair its new
        # hash with the old picture's embedding (a second read to hash it could)
        return self.items.add_disk_image(path, category, digest, query, cells)

    def _own_item(self, content_hash: str, category: str) -> ItemInfo | None:
        """The catalogue's item of ``category`` whose photo is the one added (the same bytes, still on disk
        as indexed), or None. Such a photo is that item: added as itself it keeps its title, labels and
        stored vectors (a trial's copy of a catalogue photo joined the outfit titled by its file name, its
        labels unknown to the explanation). An item whose own file is gone or changed is not used: the
        photo from disk is, so its explanation has pixels to read."""
        from sane_desktop.service.items import photo_state

        return next((item for item in self.items.with_photo(content_hash)
                     if item.category == category and not photo_state(item.image_path, content_hash)), None)

    def _embed_again(self, info: ItemInfo) -> None:
        """Embed a carried image from disk (added under a previous model) with this one, under its
        own key. NotFound when its file is gone, InputError when it holds other bytes than the
        photo the user added: its old embedding is not used for the new model."""
        from sane_desktop.service.items import photo_state

        path = info.image_path
        why = photo_state(path, info.content_hash)
        if why == "gone":
            raise NotFound(f"the photo {path.name} added from disk is gone ({path}): remove it from the outfit")
        if why:
            raise InputError(f"the photo {path.name} added from disk has changed since it was added ({path}: {why}): "
                             f"remove it from the outfit and add it again")
        searcher = self.searcher()
        embedding, cells, digest = self._embed_file(path)
        if digest != info.content_hash:  # replaced between the check above and the read
            raise InputError(f"the photo {path.name} added from disk has changed since it was added ({path}: "
                             "replaced): remove it from the outfit and add it again")
        query = QueryItem(embedding.astype(np.float32), searcher.category_index(info.category), None, str(path))
        self.items.add_disk_image(path, info.category, info.content_hash, query, cells, pk=info.pk)
        log.info("image from disk %s embedded again with the catalogue's new model", path.name)

    def _catalogue_category(self, searcher: OutfitSearcher, category: str) -> str:
        names = sorted(set(searcher.categories) | set(self.items.categories()))
        if category in names:
            return category
        match = automatic(category, names)
        if match.how != FALLBACK:
            return match.target
        raise NotFound(f"the catalogue has no category {category!r} (it has {', '.join(names)})"
                       f"{did_you_mean(category, names)}")

    def _embed_file(self, path: Path) -> tuple[np.ndarray, np.ndarray, str]:
        """(E(x) (D,), cells (K, D), SHA-256 hex of the bytes embedded) of one image: the same
        single-image path the searcher's embed_image takes, keeping the cells for the image's
        explanations. The file is read once, and its hash and its picture come from those bytes."""
        embedding, cells, digest, _ = self._read_and_embed(path)
        return embedding, cells, digest

    def _read_and_embed(self, path: Path) -> tuple[np.ndarray, np.ndarray, str, bytes]:
        """:meth:`_embed_file` and the bytes read. NotFound without a file, InputError for one that
        is not a readable image."""
        import hashlib

        from sane_desktop.catalogue.safepath import read_regular_file
        from sane_desktop.retrieval.embedding import embed_one

        _refuse_no_image_file(path)
        try:
            data = read_regular_file(path)  # a pipe swapped in after the check would block
            embedding, cells, _ = embed_one(self.model.bundle(), path, data)
        except FileNotFoundError as error:
            raise NotFound(f"no image file at {path}") from error
        except (OSError, ValueError) as error:
            raise _unreadable(path, error) from error
        return (np.asarray(embedding, np.float32), np.asarray(cells, np.float32), hashlib.sha256(data).hexdigest(),
                data)

