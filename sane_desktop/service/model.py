"""The open catalogue's model (its own trained one, else the demo model) and per-item model inputs:
image tensors, centre crops, and the per-cell outputs stored by the indexer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from sane_desktop.service.catalogues import CatalogueBrowsing
from sane_desktop.service.values import CoreMissing, ItemInfo, ServiceError


class ModelAccess(CatalogueBrowsing):
    def model_path(self) -> Path:
        """The catalogue's own trained model when there is one, else the bundled demo model."""
        from sane_desktop.models.checkpoint import demo_model_path

        if self._model_override is not None:
            return self._model_override
        if self.name:
            for candidate in ("model.pt", "models/latest.pt"):
                own = self.index_home / self.name / candidate
                if own.is_file():
                    return own
        return demo_model_path()

    def bundle(self) -> Any:
        if self._bundle is None:
            from sane_desktop.models import load_checkpoint, pick_device

            path = self.model_path()
            if not path.is_file():
                raise CoreMissing(f"no model found ({path}); train one on this catalogue first")
            bundle = load_checkpoint(path, map_location="cpu")
            device = self._device or str(pick_device())
            bundle.compatibility.to(device).eval()
            if bundle.attributes is not None:
                bundle.attributes.to(device).eval()
            self._bundle = bundle
        return self._bundle

    def _image(self, item: ItemInfo) -> Any:
        """Normalised (3, S, S) tensor of an item, cached per session."""
        if item.pk not in self._images:
            from sane_desktop.models import load_image_tensor

            self._images[item.pk] = load_image_tensor(item.image_path, self.bundle().preprocessing)
        return self._images[item.pk]

    def _crop_rgb(self, item: ItemInfo) -> np.ndarray:
        from sane_desktop.models.preprocess import load_image_uint8

        return load_image_uint8(item.image_path, self.bundle().preprocessing).permute(1, 2, 0).numpy().copy()

    def _category_index(self, category: str) -> int:
        try:
            return self.bundle().compatibility.categories.index(category)
        except ValueError:
            raise ServiceError(f"the model does not know category {category!r}") from None

    def _space(self, a: ItemInfo, b: ItemInfo) -> int:
        return self.bundle().compatibility.space_index(self._category_index(a.category), self._category_index(b.category))

    def _cells(self, items: Sequence[ItemInfo]) -> np.ndarray:
        """(N, K, D) float32 per-cell outputs u_k: stored by the indexer (float16) for catalogue
        items, computed at embedding time for images from disk, else computed now in one batch."""
        import torch

        from sane_desktop.store import schema as S

        net = self.bundle().compatibility
        stored: dict[int, np.ndarray] = {pk: image.cells for pk, image in self._from_disk.items()}
        wanted = [item.pk for item in items if item.pk not in stored]
        if wanted and self._engine is not None:
            with self._session() as session:
                for pk, blob in session.execute(select(S.ItemEmbedding.item_pk, S.ItemEmbedding.cells).where(
                        S.ItemEmbedding.model_hash == self.bundle().content_hash, S.ItemEmbedding.item_pk.in_(wanted))):
                    if blob:
                        stored[int(pk)] = np.frombuffer(blob, dtype=np.float16).reshape(-1, net.embed_dim)
        missing = [item for item in items if item.pk not in stored]
        if missing:
            device = next(net.parameters()).device
            with torch.inference_mode():
                batch = torch.stack([self._image(item) for item in missing]).to(device)
                computed = net.cells(batch).float().cpu().numpy()
            stored.update({item.pk: cells for item, cells in zip(missing, computed)})
        return np.stack([np.asarray(stored[item.pk], dtype=np.float32) for item in items])
