"""Models: the type-aware compatibility network, the attribute network, checkpoints."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.backbone import ResNetTrunk
from sane_desktop.models.checkpoint import (
    CheckpointError,
    ModelBundle,
    demo_model_path,
    load_checkpoint,
    save_checkpoint,
)
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing, load_image_tensor
from sane_desktop.models.weights import WeightsError, load_trunk_weights


def pick_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@torch.no_grad()
def embed_images(
    model: Callable[[Tensor], Tensor] | torch.nn.Module,
    tensors: Tensor,
    batch_size: int = 64,
    device: torch.device | str | None = None,
    prep: Preprocessing | None = None,
) -> Tensor:
    """Run ``model`` over ``tensors`` (N, 3, H, W) in batches, returning CPU float results.

    Float tensors are taken as normalised; uint8 tensors are normalised with ``prep`` (default
    ImageNet) on the device, so a uint8 image cache can be passed directly."""
    device = torch.device(device) if device is not None else pick_device()
    prep = prep or Preprocessing()
    if isinstance(model, torch.nn.Module):
        model.eval()
    outputs = []
    for start in range(0, len(tensors), batch_size):
        batch = tensors[start : start + batch_size].to(device)
        if batch.dtype == torch.uint8:
            batch = prep.normalise(batch)
        outputs.append(model(batch).float().cpu())
    if not outputs:
        return torch.empty(0)
    return torch.cat(outputs)


__all__ = [
    "AttributeNet", "CheckpointError", "CompatibilityNet", "ModelBundle", "Preprocessing",
    "ResNetTrunk", "WeightsError", "demo_model_path", "embed_images", "load_checkpoint",
    "load_image_tensor", "load_trunk_weights", "pick_device", "save_checkpoint",
]
