"""Training data on the torch side: a uint8 image cache (every image decoded once) and attribute
target matrices. Which outfits, questions and items belong to a split, and the attribute vocabulary,
are catalogue-level and live in :mod:`sane_desktop.catalogue.splits`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sane_desktop.catalogue.types import Catalogue
from sane_desktop.errors import Cancelled
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress


@dataclass
class ImageCache:
    """Every item's image as uint8 (N, 3, S, S); ``row[item_id]`` is its index."""

    images: torch.Tensor
    row: dict[str, int]

    @classmethod
    def build(cls, catalogue: Catalogue, item_ids: list[str], prep: Preprocessing,
              progress: Progress = no_progress, should_stop: CancelCheck = never_cancel) -> ImageCache:
        """Decode ``item_ids``' images at ``prep.size``; raises ``Cancelled`` when ``should_stop()``."""
        by_id = catalogue.item_by_id()
        images = torch.empty(len(item_ids), 3, prep.size, prep.size, dtype=torch.uint8)
        for index, item_id in enumerate(item_ids):
            if should_stop():
                raise Cancelled()
            images[index] = load_image_uint8(catalogue.root / by_id[item_id].image_path, prep)
            if index % 50 == 0 or index == len(item_ids) - 1:
                progress(index + 1, len(item_ids), "decoding images")
        return cls(images, {item_id: i for i, item_id in enumerate(item_ids)})

    def rows(self, item_ids: list[str]) -> torch.Tensor:
        """(len(item_ids),) long indices into :attr:`images`."""
        return torch.tensor([self.row[i] for i in item_ids], dtype=torch.long)


def attribute_targets(item_ids: list[str], names: list[str], labels: dict[str, list[str]]) -> torch.Tensor:
    """(N, A) float 0/1 target matrix: row i marks item i's ``labels`` among the A ``names`` (a label
    outside ``names``, e.g. one a model evaluated here never learnt, marks nothing)."""
    column = {name: j for j, name in enumerate(names)}
    targets = torch.zeros(len(item_ids), len(names))
    for i, item_id in enumerate(item_ids):
        for name in labels.get(item_id, []):
            if name in column:
                targets[i, column[name]] = 1.0
    return targets
