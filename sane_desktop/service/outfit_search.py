"""Outfit search: compatible items per category for an outfit of catalogue items and images
from disk (a disk image is embedded once, its category predicted by the nearest category centre)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from sane_desktop.errors import NotFound
from sane_desktop.progress import CancelCheck, never_cancel
from sane_desktop.service.model import ModelAccess
from sane_desktop.service.values import (
    ALL_CATEGORIES, CategoryGuess, ItemInfo, SearchResult, ServiceError, optional_module,
)


@dataclass(frozen=True)
class DiskImage:
    """An image from outside the catalogue, embedded for this session's outfits."""

    info: ItemInfo
    query: Any  # retrieval.search.QueryItem
    cells: np.ndarray  # (K, D) float32 per-cell outputs, for its explanations


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


class OutfitSearch(ModelAccess):
    def search(self, outfit: Sequence[int], target: str = ALL_CATEGORIES, k: int = 24,
               should_stop: CancelCheck = never_cancel) -> dict[str, list[SearchResult]]:
        """Compatible items per target category (every indexed category when ``target`` is empty),
        best first, outfit items left out; each with its per-outfit-item score parts."""
        if not outfit:
            return {}
        searcher = self._outfit_searcher()
        members = [self._disk_image(pk).query if pk < 0 else int(pk) for pk in outfit]
        query = searcher.as_query(members)  # embeddings once for every target
        targets = [target] if target else searcher.categories
        results: dict[str, list[SearchResult]] = {}
        for category in targets:
            if should_stop():
                break
            hits = searcher.search(query, category, k)
            infos = {info.pk: info for info in self.item_infos([hit.item_pk for hit in hits])}
            results[category] = [
                SearchResult(infos[hit.item_pk], float(hit.score),
                             {int(q): float(c) for q, c in zip(outfit, hit.contributions)})
                for hit in hits if hit.item_pk in infos
            ]
        return results

    def _outfit_searcher(self) -> Any:
        if self._searcher is None:
            search = optional_module("sane_desktop.retrieval.search", "Outfit search")
            try:
                self._searcher = search.OutfitSearcher.open(
                    self._engine, name=self.name, index_dir=self.index_home / str(self.name),
                    model_path=self.model_path())
            except search.StaleIndexError as error:
                raise ServiceError(str(error)) from error
        return self._searcher

    # --- images from disk ------------------------------------------------------------------
    def guess_category(self, path: Path | str) -> CategoryGuess:
        """Categories of the open catalogue ranked by the cosine between the image's embedding
        and each category's centre (mean unit embedding of its indexed items)."""
        path = Path(path).expanduser().resolve()
        embedding, _ = self._embed_file(path)
        names, centres = self._category_centres()
        if not names:
            return CategoryGuess(path, ())
        cosines = _unit(centres) @ _unit(embedding[None])[0]
        order = np.argsort(-cosines, kind="stable")
        return CategoryGuess(path, tuple((names[i], float(cosines[i])) for i in order))

    def add_image(self, path: Path | str, category: str) -> ItemInfo:
        """Embed an image from disk as an outfit member of ``category``; returns its (negative-key) item."""
        from sane_desktop.retrieval.indexer import file_hash
        from sane_desktop.retrieval.search import QueryItem

        path = Path(path).expanduser().resolve()
        searcher = self._outfit_searcher()
        try:
            position = searcher.category_index(category)
        except NotFound as error:
            raise ServiceError(str(error)) from None
        embedding, cells = self._embed_file(path)
        pk = min([0, *self._from_disk]) - 1
        info = ItemInfo(pk, path.name, category, path.stem, path, file_hash(path), ())
        query = QueryItem(embedding.astype(np.float32), position, None, str(path))
        self._from_disk[pk] = DiskImage(info, query, cells.astype(np.float32))
        return info

    def _disk_image(self, pk: int) -> DiskImage:
        if pk not in self._from_disk:
            raise ServiceError(f"the image from disk {pk} is no longer loaded; add it again")
        return self._from_disk[pk]

    def _embed_file(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        """(E(x), cells) of one image: the same single-image path the searcher's embed_image takes,
        keeping the cells for the image's explanations."""
        from sane_desktop.retrieval.embedding import embed_one

        if not path.is_file():
            raise ServiceError(f"no image file at {path}")
        try:
            embedding, cells, _ = embed_one(self.bundle(), path)
        except (OSError, ValueError) as error:
            raise ServiceError(f"cannot read {path.name} as an image ({error})") from error
        return np.asarray(embedding, np.float32), np.asarray(cells, np.float32)

    def _category_centres(self) -> tuple[list[str], np.ndarray]:
        if self._centroids is None:
            from sane_desktop.store import schema as S

            sums: dict[str, np.ndarray] = {}
            with self._session() as session:
                for name, blob in session.execute(
                    select(S.Category.name, S.ItemEmbedding.embedding)
                    .join(S.Item, S.Item.category_id == S.Category.id)
                    .join(S.ItemEmbedding, S.ItemEmbedding.item_pk == S.Item.id)
                    .where(S.Item.catalogue_id == self._catalogue_pk,
                           S.ItemEmbedding.model_hash == self.bundle().content_hash)
                ):
                    vector = _unit(np.frombuffer(blob, dtype=np.float32))
                    sums[name] = sums[name] + vector if name in sums else vector.copy()
            names = sorted(sums)
            self._centroids = (names, np.stack([sums[n] for n in names]) if names else np.empty((0, 0)))
        return self._centroids
