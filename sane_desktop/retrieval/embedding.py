"""Batched embedding of item images: a torch DataLoader decodes whole batches in worker processes
(one tensor per batch crosses the process boundary, not one per image) while the model runs in
inference mode with its batch norms folded into the convolutions, in channels-last layout (and bf16
autocast on CUDA). One forward pass of the shared trunk gives the general embedding E(x), the per-cell outputs
u_k and, where the attribute net shares the trunk, the attribute probabilities."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop import precision
from sane_desktop.errors import ModelError
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.models.inference import inference_bundle
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.progress import CancelCheck, Cancelled, never_cancel
from sane_desktop.retrieval.feature_cache import FeatureCache, TrunkIdentity

FeatureSink = Callable[["EmbeddedBatch", np.ndarray], None]
"""Receives each embedded batch with its trunk features float16 (B, K, C) (to cache them)."""


# Decode status of one image file (ImageFiles): embedded, unreadable, or bytes that are no longer
# the photo whose content hash the caller holds (replaced since it was hashed)
DECODED, UNREADABLE, CHANGED = 0, 1, 2


def is_content_hash(key: str) -> bool:
    """Whether ``key`` is a SHA-256 hex digest (64 characters), not a placeholder for an unhashed file."""
    return len(key) == 64


class ImageFiles(Dataset):
    """uint8 (3, S, S) tensors of image files and their decode status (:data:`DECODED`,
    :data:`UNREADABLE`, :data:`CHANGED`). With ``hashes`` (SHA-256 hex per path) the bytes decoded
    are the bytes checked: each file is read once, and one whose bytes no longer match its hash is
    not decoded (what is derived from it would be stored under another photo's hash)."""

    def __init__(self, paths: Sequence[Path], preprocessing: Preprocessing,
                 hashes: Sequence[str] | None = None) -> None:
        self.paths = list(paths)
        self.preprocessing = preprocessing
        self.hashes = None if hashes is None else list(hashes)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int]:
        size = self.preprocessing.size
        try:
            data = read_regular_file(self.paths[index])  # a pipe swapped in since the scan would block
            expected = None if self.hashes is None else self.hashes[index]
            if expected is not None and is_content_hash(expected) and hashlib.sha256(data).hexdigest() != expected:
                return torch.zeros(3, size, size, dtype=torch.uint8), index, CHANGED
            return load_image_uint8(self.paths[index], self.preprocessing, data), index, DECODED
        except Exception:  # noqa: BLE001 - a bad file is reported by the indexer, not fatal
            return torch.zeros(3, size, size, dtype=torch.uint8), index, UNREADABLE


class ImageBatches(Dataset):
    """Batch ``i`` of ``paths`` decoded as one uint8 (B, 3, S, S) tensor, its positions and their
    decode status (:class:`ImageFiles`)."""

    def __init__(self, paths: Sequence[Path], preprocessing: Preprocessing, batch_size: int,
                 hashes: Sequence[str] | None = None) -> None:
        self.files = ImageFiles(paths, preprocessing, hashes)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self.files) // self.batch_size)

    def __getitem__(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        start = batch * self.batch_size
        decoded = [self.files[i] for i in range(start, min(start + self.batch_size, len(self.files)))]
        return (torch.stack([image for image, _, _ in decoded]), torch.tensor([i for _, i, _ in decoded]),
                torch.tensor([status for _, _, status in decoded]))


@dataclass
class EmbeddedBatch:
    indices: np.ndarray  # positions in the input sequence of the images that decoded
    failed: list[int]  # positions that could not be decoded
    embeddings: np.ndarray  # (B, D) float32, E(x)
    cells: np.ndarray  # (B, K, D) float16, u_k(x)
    attribute_scores: np.ndarray | None  # (B, A) float32 probabilities
    changed: list[int] = field(default_factory=list)  # positions whose bytes no longer match their hash


def has_frozen_trunk(bundle: ModelBundle) -> bool:
    """Whether ``bundle``'s trunk is a frozen pretrained one (its features can be cached)."""
    return bool(bundle.config.get("trunk_frozen"))


def trunk_identity(bundle: ModelBundle) -> TrunkIdentity:
    """The identity of a frozen trunk's features (kind, weights digest, preprocessing)."""
    return TrunkIdentity(bundle.compatibility.trunk.kind, str(bundle.config["trunk_sha256"]),
                         bundle.preprocessing.as_dict())


def _heads(bundle: ModelBundle, features: torch.Tensor,
           batch: torch.Tensor | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(E(x), cells u_k, attribute probabilities) from cell features (B, K, C) of the trunk."""
    compat, attributes = bundle.compatibility, bundle.attributes
    cells = compat.cells_from_features(features).float()
    if not bool(torch.isfinite(cells).all()):  # finite weights can still overflow: never store or rank NaN
        raise ModelError(f"the model ({(bundle.content_hash or 'unsaved')[:12]}) gives non-finite embeddings: its "
                         "weights overflow; train it again or choose another model")
    scores = None
    if attributes is not None:
        if attributes.trunk is compat.trunk:  # the 1x1 convolution is a linear map of each cell
            head = attributes.head
            logits = torch.nn.functional.linear(features, head.weight.flatten(1), head.bias).float().mean(1)
        else:
            assert batch is not None, "a separate attribute trunk needs the images"
            logits = attributes(batch)[1].float().mean((2, 3))
        scores = torch.sigmoid(logits).cpu().numpy()
    return cells.mean(1).cpu().numpy(), cells.half().cpu().numpy(), scores


@torch.inference_mode()
def embed_tensor_batch(bundle: ModelBundle, images: torch.Tensor, keep_features: bool = False
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """uint8 (B, 3, S, S) on the model's device -> (embeddings, cells, attribute probabilities,
    the trunk's cell features (B, K, C) float16 when ``keep_features`` else None)."""
    compat = bundle.compatibility
    device = next(compat.parameters()).device
    batch = bundle.preprocessing.normalise(images.to(device, non_blocking=True))
    if device.type == "cuda" or compat.trunk.first_conv.weight.is_contiguous(memory_format=torch.channels_last):
        batch = batch.contiguous(memory_format=torch.channels_last)  # the layout oneDNN/cuDNN run fastest
    with precision.autocast(device):
        fmap = compat.feature_map(batch)
        features = fmap.flatten(2).transpose(1, 2)  # (B, K, C)
        embeddings, cells, scores = _heads(bundle, features, batch)
    kept = features.half().cpu().numpy() if keep_features else None
    return embeddings, cells, scores, kept


@torch.inference_mode()
def embed_features(bundle: ModelBundle, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Cached trunk features float16 (B, K, C) -> (embeddings, cells, attribute probabilities):
    the heads alone, no image decoded (a frozen trunk's re-index after training)."""
    device = next(bundle.compatibility.parameters()).device
    tensor = torch.from_numpy(np.asarray(features)).to(device).float()
    return _heads(bundle, tensor, None)


def embed_images(
    bundle: ModelBundle,
    paths: Sequence[Path],
    *,
    batch_size: int = 64,
    workers: int | None = None,
    should_stop: CancelCheck = never_cancel,
    hashes: Sequence[str] | None = None,
    cache: FeatureCache | None = None,
    on_features: FeatureSink | None = None,
) -> Iterator[EmbeddedBatch]:
    """Embed ``paths`` batch by batch; raises :class:`Cancelled` between batches on request.

    ``workers`` decoding processes (default: half the cores, at least one) and, on a CPU, the
    model's threads on the remaining cores: on 2 cores one decoder and one model thread run side
    by side 25 % faster than two of each fighting over both cores (bench/bench_index.py).

    ``hashes``: the images' content hashes (SHA-256 hex, one per path), as the caller recorded them.
    Each decoded file is checked against its hash on the very bytes decoded; one that no longer
    matches (replaced since it was hashed) is not embedded and is listed in ``changed``. With a
    feature ``cache`` (a frozen trunk) they key it too: images whose trunk features are cached are
    embedded from them without decoding (first, in batches); the others are decoded and their
    features added to the cache, one shard per batch (a cache that cannot be written is skipped:
    the embeddings do not depend on it)."""
    if not paths:
        return
    if hashes is not None and len(hashes) != len(paths):
        raise ValueError("one content hash per path")
    if cache is not None:
        if hashes is None:
            raise ValueError("a feature cache needs one content hash per path")
        yield from _embed_cached(bundle, paths, hashes, cache, batch_size, workers, should_stop)
        return
    device = next(bundle.compatibility.parameters()).device
    cores = os.cpu_count() or 1
    workers = max(1, cores // 2) if workers is None else workers
    workers = workers if len(paths) > batch_size else 0  # worker start-up costs more than it saves
    loader = DataLoader(ImageBatches(paths, bundle.preprocessing, batch_size, hashes), batch_size=None, shuffle=False,
                        num_workers=workers, pin_memory=device.type == "cuda",
                        prefetch_factor=2 if workers else None)
    bundle = inference_bundle(bundle)
    threads = torch.get_num_threads()
    if device.type == "cpu" and workers:
        torch.set_num_threads(max(1, cores - workers))
    try:
        yield from _embed_batches(bundle, loader, should_stop, on_features)
    finally:
        torch.set_num_threads(threads)


def _embed_cached(bundle: ModelBundle, paths: Sequence[Path], hashes: Sequence[str], cache: FeatureCache,
                  batch_size: int, workers: int | None, should_stop: CancelCheck) -> Iterator[EmbeddedBatch]:
    missing = set(cache.missing(hashes))
    cached = [i for i, h in enumerate(hashes) if h not in missing]
    for start in range(0, len(cached), batch_size):
        if should_stop():
            raise Cancelled("indexing cancelled")
        positions = cached[start : start + batch_size]
        embeddings, cells, scores = embed_features(bundle, cache.get([hashes[i] for i in positions]))
        yield EmbeddedBatch(np.asarray(positions, np.int64), [], embeddings, cells, scores)
    todo = [i for i, h in enumerate(hashes) if h in missing]
    if not todo:
        return
    writable = True

    def store(batch: EmbeddedBatch, features: np.ndarray) -> None:
        nonlocal writable
        keys = [hashes[todo[i]] for i in batch.indices.tolist()]
        keep = [n for n, key in enumerate(keys) if is_content_hash(key)]  # not a placeholder
        if writable and keep:
            try:
                cache.add([keys[n] for n in keep], features[keep])
            except OSError:
                writable = False

    inner = embed_images(bundle, [paths[i] for i in todo], batch_size=batch_size, workers=workers,
                         should_stop=should_stop, hashes=[hashes[i] for i in todo], on_features=store)
    for batch in inner:
        yield EmbeddedBatch(np.asarray([todo[i] for i in batch.indices.tolist()], np.int64),
                            [todo[i] for i in batch.failed], batch.embeddings, batch.cells, batch.attribute_scores,
                            [todo[i] for i in batch.changed])


def _embed_batches(bundle: ModelBundle, loader: DataLoader, should_stop: CancelCheck,
                   on_features: FeatureSink | None = None) -> Iterator[EmbeddedBatch]:
    for images, indices, status in loader:
        if should_stop():
            raise Cancelled("indexing cancelled")
        ok = status == DECODED
        failed, changed = indices[status == UNREADABLE].tolist(), indices[status == CHANGED].tolist()
        if not ok.any():
            yield EmbeddedBatch(np.empty(0, np.int64), failed, np.empty((0, bundle.compatibility.embed_dim), np.float32),
                                np.empty((0, 0, bundle.compatibility.embed_dim), np.float16), None, changed)
            continue
        embeddings, cells, scores, features = embed_tensor_batch(bundle, images[ok], keep_features=on_features is not None)
        batch = EmbeddedBatch(indices[ok].numpy().astype(np.int64), failed, embeddings, cells, scores, changed)
        if on_features is not None and features is not None:
            on_features(batch, features)
        yield batch


def embed_one(bundle: ModelBundle, path: Path,
              data: bytes | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One image, no DataLoader (outside images in queries; the naive baseline of the bench):
    (E(x) (D,), cells (K, D), attribute scores or None). ``data``: the file's bytes, already read."""
    image = load_image_uint8(path, bundle.preprocessing, data).unsqueeze(0)
    embeddings, cells, scores, _ = embed_tensor_batch(bundle, image)
    return embeddings[0], cells[0], None if scores is None else scores[0]
