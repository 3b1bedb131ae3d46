"""Batched embedding of item images: a torch DataLoader decodes whole batches in worker processes
(one tensor per batch crosses the process boundary, not one per image) while the model runs in
inference mode with its batch norms folded into the convolutions, in channels-last layout (and bf16
autocast on CUDA). One forward pass of the shared trunk gives the general embedding E(x), the per-cell outputs
u_k and, where the attribute net shares the trunk, the attribute probabilities."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from sane_desktop import precision
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.models.inference import inference_bundle
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.progress import CancelCheck, Cancelled, never_cancel


class ImageFiles(Dataset):
    """uint8 (3, S, S) tensors of image files; an unreadable file yields ``ok = False``."""

    def __init__(self, paths: Sequence[Path], preprocessing: Preprocessing) -> None:
        self.paths = list(paths)
        self.preprocessing = preprocessing

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, bool]:
        try:
            return load_image_uint8(self.paths[index], self.preprocessing), index, True
        except Exception:  # noqa: BLE001 - a bad file is reported by the indexer, not fatal
            size = self.preprocessing.size
            return torch.zeros(3, size, size, dtype=torch.uint8), index, False


class ImageBatches(Dataset):
    """Batch ``i`` of ``paths`` decoded as one uint8 (B, 3, S, S) tensor, its positions and an ok mask."""

    def __init__(self, paths: Sequence[Path], preprocessing: Preprocessing, batch_size: int) -> None:
        self.files = ImageFiles(paths, preprocessing)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self.files) // self.batch_size)

    def __getitem__(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        start = batch * self.batch_size
        decoded = [self.files[i] for i in range(start, min(start + self.batch_size, len(self.files)))]
        return (torch.stack([image for image, _, _ in decoded]), torch.tensor([i for _, i, _ in decoded]),
                torch.tensor([ok for _, _, ok in decoded]))


@dataclass
class EmbeddedBatch:
    indices: np.ndarray  # positions in the input sequence of the images that decoded
    failed: list[int]  # positions that could not be decoded
    embeddings: np.ndarray  # (B, D) float32, E(x)
    cells: np.ndarray  # (B, K, D) float16, u_k(x)
    attribute_scores: np.ndarray | None  # (B, A) float32 probabilities


@torch.inference_mode()
def embed_tensor_batch(bundle: ModelBundle, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """uint8 (B, 3, S, S) on the model's device -> (embeddings, cells, attribute probabilities)."""
    compat, attributes = bundle.compatibility, bundle.attributes
    device = next(compat.parameters()).device
    batch = bundle.preprocessing.normalise(images.to(device, non_blocking=True))
    if device.type == "cuda" or compat.trunk.conv1.weight.is_contiguous(memory_format=torch.channels_last):
        batch = batch.contiguous(memory_format=torch.channels_last)  # the layout oneDNN/cuDNN run fastest
    with precision.autocast(device):
        fmap = compat.feature_map(batch)
        cells = compat.embed(fmap.flatten(2).transpose(1, 2)).float()
        scores = None
        if attributes is not None:
            maps = attributes.maps_from_features(fmap) if attributes.trunk is compat.trunk else attributes(batch)[1]
            scores = torch.sigmoid(maps.float().mean((2, 3))).cpu().numpy()
    return cells.mean(1).cpu().numpy(), cells.half().cpu().numpy(), scores


def embed_images(
    bundle: ModelBundle,
    paths: Sequence[Path],
    *,
    batch_size: int = 64,
    workers: int | None = None,
    should_stop: CancelCheck = never_cancel,
) -> Iterator[EmbeddedBatch]:
    """Embed ``paths`` batch by batch; raises :class:`Cancelled` between batches on request.

    ``workers`` decoding processes (default: half the cores, at least one) and, on a CPU, the
    model's threads on the remaining cores: on 2 cores one decoder and one model thread run side
    by side 25 % faster than two of each fighting over both cores (bench/bench_index.py)."""
    if not paths:
        return
    device = next(bundle.compatibility.parameters()).device
    cores = os.cpu_count() or 1
    workers = max(1, cores // 2) if workers is None else workers
    workers = workers if len(paths) > batch_size else 0  # worker start-up costs more than it saves
    loader = DataLoader(ImageBatches(paths, bundle.preprocessing, batch_size), batch_size=None, shuffle=False,
                        num_workers=workers, pin_memory=device.type == "cuda",
                        prefetch_factor=2 if workers else None)
    bundle = inference_bundle(bundle)
    threads = torch.get_num_threads()
    if device.type == "cpu" and workers:
        torch.set_num_threads(max(1, cores - workers))
    try:
        yield from _embed_batches(bundle, loader, should_stop)
    finally:
        torch.set_num_threads(threads)


def _embed_batches(bundle: ModelBundle, loader: DataLoader, should_stop: CancelCheck) -> Iterator[EmbeddedBatch]:
    for images, indices, ok in loader:
        if should_stop():
            raise Cancelled("indexing cancelled")
        ok = ok.bool()
        failed = indices[~ok].tolist()
        if not ok.any():
            yield EmbeddedBatch(np.empty(0, np.int64), failed, np.empty((0, bundle.compatibility.embed_dim), np.float32),
                                np.empty((0, 0, bundle.compatibility.embed_dim), np.float16), None)
            continue
        embeddings, cells, scores = embed_tensor_batch(bundle, images[ok])
        yield EmbeddedBatch(indices[ok].numpy().astype(np.int64), failed, embeddings, cells, scores)


def embed_one(bundle: ModelBundle, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One image, no DataLoader (outside images in queries; the naive baseline of the bench)."""
    image = load_image_uint8(path, bundle.preprocessing).unsqueeze(0)
    embeddings, cells, scores = embed_tensor_batch(bundle, image)
    return embeddings[0], cells[0], None if scores is None else scores[0]
