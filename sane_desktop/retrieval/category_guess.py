"""Which of a catalogue's categories a photo from disk shows: the nearest category centre in the
pooled features of the ImageNet-pretrained EfficientNet-Lite0 trunk (the pretrained trunk of issue 16).

Not the compatibility embedding: it is trained to bring items of *different* categories that go together
close (Vasileva et al., ECCV 2018), so its category centres are near one another. Trial BS's pink boot
was guessed "tops — 67 %" with shoes second to last. Held out one at a time on a 600-item demo (7
categories, chance 0.14), the bundled demo model's embedding put an item nearest its own category's
centre for 0.13 of items; Lite0's pooled features for all of them. On real photos (centres from 12
photos per category, 15 others per category held out; 224 px): MANGO's 30 product families 0.72 top-1 /
0.86 top-3 (chance 0.03), H&M's 34 product types 0.61 / 0.83; about 50 photos/s on 2 cores
(`bench/experiments/category_guess.py`, `results/category_guess.json`).

Centres come from a sample of each category's items (:data:`SAMPLE_PER_CATEGORY`, the first by content
hash: the same sample until the items change), so a first guess costs seconds, not an index of the
whole catalogue. The sample also measures how far the guess can be trusted in *this* catalogue: each
sample photo held out in turn (leave-one-out top-1, :attr:`CategoryCentres.reliability`), and the
softmax temperature that turns cosines into shares is the one that fits those held-out guesses best
(lowest negative log-likelihood), so "80 %" means about 80 % here. Shares among the catalogue's categories
cannot say "none of them": a photo less alike to its closest centre than 95 % of the held-out sample photos
are to their own (:attr:`CategoryCentres.least_alike`) is said to look unlike every category.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress

SAMPLE_PER_CATEGORY = 12  # photos per category for its centre (MANGO: 12 → 0.72 top-1, as above)
IMAGE_SIDE = 224  # Lite0's own input size (160 px: 0.68 against 0.72 on MANGO's families)
BATCH = 16
TEMPERATURES = (0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3)
DEFAULT_TEMPERATURE = 0.05  # when the sample cannot fit one (a category of one photo each)
TYPICAL = 0.95  # share of held-out sample photos at least as close to their own category's centre as a kept guess


@dataclass(frozen=True)
class CategoryCentres:
    """Unit category centres of a sample, with what they were derived from and how reliable they are."""

    names: tuple[str, ...]
    centres: np.ndarray  # (C, D) float32, unit rows
    temperature: float  # softmax temperature for cosines -> shares (fitted on the held-out sample)
    reliability: float | None  # leave-one-out top-1 on the sample, in [0, 1]; None: nothing could be held out
    sample: int  # photos the centres were computed from
    derived_from: str  # SHA-256 hex over the sample's (category, content hash) pairs and the trunk
    # the cosine with its own category's centre that 95 % of the held-out sample photos reach: a photo
    # whose best cosine is under it looks unlike every category (a necklace in a shop of bags and dresses,
    # trial BU, read "Bags — 80 %": shares among the catalogue's categories cannot say "none of them")
    least_alike: float | None = None


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def sample_key(sample: Sequence[tuple[str, str]]) -> str:
    """SHA-256 hex of a sample's (category, content hash) pairs, in order, and the trunk it is read with."""
    digest = hashlib.sha256(f"efficientnet_lite0/imagenet/{IMAGE_SIDE}".encode())
    for category, content_hash in sample:
        digest.update(category.encode("utf-8", "surrogatepass") + b"\0" + content_hash.encode() + b"\n")
    return digest.hexdigest()


def choose_sample(items: Sequence[tuple[str, str, Path]], per_category: int = SAMPLE_PER_CATEGORY
                  ) -> list[tuple[str, str, Path]]:
    """Up to ``per_category`` of ``items`` — (category, content hash, image path) — per category: those
    with the smallest content hashes (a fixed pseudo-random draw that moves only when the items do)."""
    by_category: dict[str, list[tuple[str, str, Path]]] = {}
    for item in sorted(items, key=lambda row: (row[0], row[1], str(row[2]))):
        chosen = by_category.setdefault(item[0], [])
        if len(chosen) < per_category and (not chosen or chosen[-1][1] != item[1]):  # one photo counted once
            chosen.append(item)
    return [item for category in sorted(by_category) for item in by_category[category]]


class PhotoFeatures:
    """Pooled, unit-length features (1280,) of the frozen ImageNet Lite0 trunk, loaded on first use.

    Raises :class:`~sane_desktop.models.weights.WeightsError` when the weights package cannot be read."""

    def __init__(self, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.preprocessing = Preprocessing.for_trunk("efficientnet_lite0", IMAGE_SIDE)
        self._trunk: torch.nn.Module | None = None

    def _net(self) -> torch.nn.Module:
        if self._trunk is None:
            from sane_desktop.models.backbone import EfficientNetLiteTrunk
            from sane_desktop.models.weights import load_trunk_weights

            trunk = EfficientNetLiteTrunk()
            load_trunk_weights(trunk, "imagenet")  # from the installed package: nothing downloaded
            self._trunk = trunk.eval().to(self.device).to(memory_format=torch.channels_last)  # oneDNN's fastest layout
        return self._trunk

    @torch.inference_mode()
    def of_images(self, images: torch.Tensor) -> np.ndarray:
        """uint8 (B, 3, S, S) at :data:`IMAGE_SIDE` -> (B, 1280) float32 unit rows."""
        batch = self.preprocessing.normalise(images.to(self.device)).contiguous(memory_format=torch.channels_last)
        pooled = self._net()(batch).float().mean((2, 3))
        return torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()

    def of_file(self, path: Path, data: bytes | None = None) -> np.ndarray:
        """(1280,) for one image file (``data``: its bytes, already read). OSError/ValueError: not an image."""
        return self.of_images(load_image_uint8(path, self.preprocessing, data)[None])[0]

    def of_files(self, paths: Sequence[Path], *, progress: Progress = no_progress,
                 should_stop: CancelCheck = never_cancel) -> tuple[np.ndarray, list[int]]:
        """(N', 1280) for the files that could be read, and their positions in ``paths``; an unreadable
        file is left out (a sample is a sample). Raises :class:`Cancelled` when ``should_stop``."""
        rows: list[np.ndarray] = []
        kept: list[int] = []
        for start in range(0, len(paths), BATCH):
            if should_stop():
                raise Cancelled("stopped while learning the catalogue's categories")
            images, positions = [], []
            for position in range(start, min(start + BATCH, len(paths))):
                try:  # regular files only: a photo swapped for a pipe would block (trial BO)
                    data = read_regular_file(paths[position])
                    images.append(load_image_uint8(paths[position], self.preprocessing, data))
                    positions.append(position)
                except (OSError, ValueError):
                    continue
            if images:
                rows.append(self.of_images(torch.stack(images)))
                kept += positions
            progress(min(start + BATCH, len(paths)), len(paths), "Learning the catalogue's categories")
        return (np.concatenate(rows) if rows else np.empty((0, 1280), np.float32)), kept


def fit_centres(features: np.ndarray, labels: Sequence[str], derived_from: str) -> CategoryCentres:
    """Category centres of ``features`` (N, D unit rows) labelled ``labels``, with the leave-one-out
    top-1 accuracy and the softmax temperature of lowest held-out negative log-likelihood. A photo whose
    category has no other sample photo is not held out (its category would have no centre)."""
    names = tuple(sorted(set(labels)))
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    sums = np.zeros((len(names), features.shape[1]), np.float64)
    np.add.at(sums, y, features.astype(np.float64))
    counts = np.bincount(y, minlength=len(names)).astype(np.float64)
    centres = sums / np.linalg.norm(sums, axis=1, keepdims=True).clip(1e-12)
    held = np.flatnonzero(counts[y] >= 2)
    if len(names) < 2 or held.size == 0:
        return CategoryCentres(names, centres.astype(np.float32), DEFAULT_TEMPERATURE, None, len(labels), derived_from)
    # each held-out photo against the centres, its own computed without it
    cosines = np.empty((held.size, len(names)))
    for row, i in enumerate(held):
        own = sums[y[i]] - features[i]
        adjusted = centres.copy()
        adjusted[y[i]] = own / max(float(np.linalg.norm(own)), 1e-12)
        cosines[row] = adjusted @ features[i]
    truth = y[held]
    reliability = float(np.mean(np.argmax(cosines, axis=1) == truth))
    least_alike = float(np.percentile(cosines[np.arange(held.size), truth], 100 * (1 - TYPICAL)))
    best = min(TEMPERATURES, key=lambda t: -float(np.mean(np.log(
        _softmax(cosines / t)[np.arange(held.size), truth].clip(1e-12)))))
    return CategoryCentres(names, centres.astype(np.float32), float(best), reliability, len(labels), derived_from,
                           least_alike)


def ranked(centres: CategoryCentres, feature: np.ndarray) -> tuple[tuple[str, float], ...]:
    """(category, cosine) for every category, most likely first (ties: by name)."""
    cosines = centres.centres @ np.asarray(feature, np.float32)
    order = sorted(range(len(centres.names)), key=lambda i: (-float(cosines[i]), centres.names[i]))
    return tuple((centres.names[i], float(cosines[i])) for i in order)

