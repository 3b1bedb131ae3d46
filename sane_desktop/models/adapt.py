"""Unsupervised adaptation of a model to a catalogue: every BatchNorm's running statistics are
recomputed on the catalogue's own images (AdaBN; Li et al., "Revisiting Batch Normalization for
Practical Domain Adaptation", 2016). No labels and no gradients: the learned weights stay as they
are; only the per-channel means and variances the trunk normalises with change, so photographs from
another studio (or garments drawn by another renderer) are normalised the way the training images
were. Measured on the demo's renderings in bench/experiments/results/demo_adapt_evaluation.json (README).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

import torch
from torch import Tensor, nn

from sane_desktop.errors import ModelError
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.models.preprocess import Preprocessing, load_image_tensor
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress


def _trunks(bundle: ModelBundle) -> list[nn.Module]:
    trunks: list[nn.Module] = [bundle.compatibility.trunk]
    if bundle.attributes is not None and bundle.attributes.trunk is not bundle.compatibility.trunk:
        trunks.append(bundle.attributes.trunk)
    return trunks


def batchnorm_layers(bundle: ModelBundle) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for trunk in _trunks(bundle) for m in trunk.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def _running_stats(m: nn.modules.batchnorm._BatchNorm) -> tuple[Tensor, Tensor, Tensor]:
    """The running mean, variance and batch count of ``m`` (every BatchNorm the models build keeps them)."""
    mean, var, count = m.running_mean, m.running_var, m.num_batches_tracked
    if mean is None or var is None or count is None:
        raise ModelError(f"{m} keeps no running statistics to adapt (track_running_stats=False)")
    return mean, var, count


def adapt_batchnorm(bundle: ModelBundle, batches: Iterable[Tensor], should_stop: CancelCheck = never_cancel) -> int:
    """Replace the running statistics of every BatchNorm in the bundle's trunk(s) (a shared trunk
    once) by the average of their batch statistics over ``batches`` of normalised images
    (B, 3, H, W). Returns the number of images seen; the bundle is back in eval mode either way,
    and untouched if no image came or the run was cancelled. Raises ModelError for a frozen
    pretrained trunk (stored by reference to its package: new statistics would be another trunk)."""
    if bundle.config.get("trunk_frozen"):
        raise ModelError("this model keeps the pretrained trunk frozen: adapting its batch norms would change it; "
                         "train its heads on the catalogue instead (sane-desktop train)")
    layers = batchnorm_layers(bundle)
    saved = [(m.momentum, [stat.clone() for stat in _running_stats(m)]) for m in layers]
    device = next(bundle.compatibility.parameters()).device
    seen, completed = 0, False
    try:
        for m in layers:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: every batch counts the same
            m.train()
        with torch.no_grad():
            for batch in batches:
                if should_stop():
                    raise Cancelled()
                for trunk in _trunks(bundle):
                    trunk(batch.to(device))
                seen += batch.shape[0]
        completed = seen > 0
    finally:
        for m, (momentum, stats) in zip(layers, saved):
            m.momentum = momentum
            if not completed:  # cancelled, failed or no image: put the old statistics back
                for stat, old in zip(_running_stats(m), stats):
                    stat.copy_(old)
        bundle.compatibility.eval()
        if bundle.attributes is not None:
            bundle.attributes.eval()
    return seen


def catalogue_batches(catalogue: Any, preprocessing: Preprocessing, batch_size: int = 64, max_images: int = 10000,
                      seed: int = 0, skipped: list[str] | None = None,
                      progress: Progress = no_progress) -> Iterator[Tensor]:
    """Batches of a catalogue's images (at most ``max_images``, a seeded sample), preprocessed as the
    model's inputs; unreadable or unsafe images are left out and described in ``skipped``."""
    from sane_desktop.catalogue.images import ImageRejected
    from sane_desktop.catalogue.safepath import UnsafePath, resolve_inside

    items = list(catalogue.items)
    if len(items) > max_images:
        items = random.Random(seed).sample(items, max_images)
    batch: list[Tensor] = []
    for done, item in enumerate(items, 1):
        try:
            batch.append(load_image_tensor(resolve_inside(catalogue.root, item.image_path), preprocessing))
        except (UnsafePath, ImageRejected, OSError, ValueError, SyntaxError) as error:
            if skipped is not None:
                skipped.append(f"{item.item_id}: {error}")
        if batch and (len(batch) == batch_size or done == len(items)):
            yield torch.stack(batch)
            batch = []
        progress(done, len(items), "adapting BatchNorm statistics")


def adapted_config(config: dict[str, Any], catalogue_name: str, images: int, from_model: str) -> dict[str, Any]:
    """The checkpoint configuration of an adapted model: where its statistics come from."""
    return {**config, "adapted_to": {"catalogue": catalogue_name, "images": images, "from_model": from_model}}
