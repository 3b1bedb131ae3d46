"""Models: the type-aware compatibility network, the attribute network, checkpoints."""

from __future__ import annotations

import torch

from sane_desktop.errors import InputError
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


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as a torch device when given, else CUDA when available, else CPU.

    The one device choice of the app (training, indexing, the service). Raises
    :class:`~sane_desktop.errors.InputError` for a string torch does not read as a device.
    """
    if isinstance(device, torch.device):
        return device
    if device is not None:
        try:
            return torch.device(device)
        except RuntimeError as error:  # "--device gpu" is a user's typo, not a crash
            raise InputError(f"not a torch device: {device!r} (try cpu, cuda or cuda:0)") from error
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


__all__ = [
    "AttributeNet", "CheckpointError", "CompatibilityNet", "ModelBundle", "Preprocessing",
    "ResNetTrunk", "WeightsError", "demo_model_path", "load_checkpoint",
    "load_image_tensor", "load_trunk_weights", "pick_device", "save_checkpoint",
]
