"""Training data: a uint8 image cache (every image decoded once), split lookup, attribute labels."""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass

import torch

from sane_desktop.catalogue.types import Catalogue, FitbQuestion, CompatibilityQuestion, OutfitRecord
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.progress import Cancelled, CancelCheck, Progress, never_cancel, no_progress

PROTOCOL_PREFERENCE = ("nondisjoint", "generated", "disjoint")
ITEM_PROTOCOL = "items"  # the protocol name reported for the item split of outfit-less catalogues


@dataclass
class ImageCache:
    """Every item's image as uint8 (N, 3, S, S); ``row[item_id]`` is its index."""

    images: torch.Tensor
    row: dict[str, int]

    @classmethod
    def build(cls, catalogue: Catalogue, item_ids: list[str], prep: Preprocessing,
              progress: Progress = no_progress, should_stop: CancelCheck = never_cancel) -> ImageCache:
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
        return torch.tensor([self.row[i] for i in item_ids], dtype=torch.long)


def pick_protocol(catalogue: Catalogue) -> str:
    present = {s.protocol for s in catalogue.splits}
    for protocol in PROTOCOL_PREFERENCE:
        if protocol in present:
            return protocol
    if present:
        return sorted(present)[0]
    raise ValueError("the catalogue has no train/valid/test split (no outfits?)")


def item_split(item_id: str) -> str:
    """The split of one item of a catalogue WITHOUT outfits (attribute-only training and evaluation).

    ``zlib.crc32`` of the UTF-8 id, modulo 100: buckets 0-79 are ``train``, 80-89 ``valid`` and 90-99
    ``test`` (80/10/10). It is a pure function of the id — stable across runs, machines and Python
    versions (unlike ``hash()``) — so ``train`` and ``evaluate`` agree without storing anything, and
    adding or removing items never moves the others."""
    bucket = zlib.crc32(item_id.encode("utf-8")) % 100
    return "train" if bucket < 80 else "valid" if bucket < 90 else "test"


def item_split_ids(catalogue: Catalogue, split: str) -> list[str]:
    """The ids of the catalogue's items in ``split`` under :func:`item_split`, in catalogue order."""
    return [item.item_id for item in catalogue.items if item_split(item.item_id) == split]


def split_outfits(catalogue: Catalogue, split: str, protocol: str | None = None) -> list[OutfitRecord]:
    protocol = protocol or pick_protocol(catalogue)
    wanted: set[str] = set()
    for record in catalogue.splits:
        if record.protocol == protocol and record.split == split:
            wanted.update(record.outfit_ids)
    return [outfit for outfit in catalogue.outfits if outfit.outfit_id in wanted]


def split_questions(catalogue: Catalogue, split: str, protocol: str | None = None
                    ) -> tuple[list[FitbQuestion], list[CompatibilityQuestion]]:
    protocol = protocol or pick_protocol(catalogue)
    fitb = [q for q in catalogue.fitb if q.protocol == protocol and q.split == split]
    compat = [q for q in catalogue.compatibility if q.protocol == protocol and q.split == split]
    return fitb, compat


def attribute_vocabulary(catalogue: Catalogue, min_count: int = 2) -> tuple[list[str], dict[str, list[str]]]:
    """(attribute names, item_id -> its attribute names). Uses the catalogue package's vocabulary when
    present; otherwise the categorical attribute columns, namespaced ``key:value``."""
    try:
        from sane_desktop.catalogue.vocabulary import build_vocabulary, item_attributes
    except ImportError:
        labels = {item.item_id: [f"{k}:{v}" for k, v in sorted(item.attributes.items()) if v]
                  for item in catalogue.items}
        counts = Counter(name for names in labels.values() for name in names)
        names = sorted(name for name, count in counts.items() if count >= min_count)
    else:
        vocabulary = build_vocabulary(catalogue)
        names = [entry.name for entry in vocabulary]
        labels = item_attributes(catalogue, vocabulary)
    keep = set(names)
    return names, {item_id: [n for n in values if n in keep] for item_id, values in labels.items()}


def attribute_targets(item_ids: list[str], names: list[str], labels: dict[str, list[str]]) -> torch.Tensor:
    """(N, A) float 0/1 target matrix."""
    column = {name: j for j, name in enumerate(names)}
    targets = torch.zeros(len(item_ids), len(names))
    for i, item_id in enumerate(item_ids):
        for name in labels.get(item_id, []):
            targets[i, column[name]] = 1.0
    return targets
