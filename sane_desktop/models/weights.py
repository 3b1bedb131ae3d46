"""Initial trunk weights: none (seeded init), ImageNet through torchvision's weights API, or a local
state dict loaded safely (``weights_only=True``, strict about the trunk's keys)."""

from __future__ import annotations

from pathlib import Path

import torch

from sane_desktop.errors import ModelError
from sane_desktop.models.backbone import ResNetTrunk


class WeightsError(ModelError):
    """Initial weights that cannot be obtained or do not fit the trunk."""


def _trunk_subset(state: dict[str, torch.Tensor], trunk: ResNetTrunk) -> dict[str, torch.Tensor]:
    # Accept a full ResNet-18 (fc, layer4 ignored) or a bare trunk, with or without a "trunk."
    # prefix; every trunk key must be present with the right shape.
    wanted = trunk.state_dict()
    for prefix in ("", "trunk.", "module.", "backbone."):
        picked = {key: state[prefix + key] for key in wanted if prefix + key in state}
        if len(picked) == len(wanted):
            break
    missing = sorted(set(wanted) - set(picked))
    if missing:
        raise WeightsError(
            f"weights do not fit a ResNet-18 trunk of width {trunk.width}: "
            f"{len(missing)} missing keys (first: {missing[0]})"
        )
    for key, value in picked.items():
        if value.shape != wanted[key].shape:
            raise WeightsError(
                f"weights do not fit the trunk: {key} has shape {tuple(value.shape)}, "
                f"expected {tuple(wanted[key].shape)}"
            )
    return picked


def load_trunk_weights(trunk: ResNetTrunk, spec: str | Path | None) -> str:
    """Initialise ``trunk`` from ``spec`` (None/"none", "imagenet" or a file); returns a label."""
    if spec is None or str(spec) == "none":
        return "none"
    if str(spec) == "imagenet":
        from torchvision.models import ResNet18_Weights

        if trunk.width != 64:
            raise WeightsError("ImageNet weights need the standard width 64 (use --preset gpu)")
        try:
            state = ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
        except Exception as error:  # URLError, socket errors, SSL errors: all mean "no download"
            raise WeightsError(
                "could not download ImageNet weights (offline?); pass --weights FILE"
            ) from error
        trunk.load_state_dict(_trunk_subset(state, trunk))
        return "imagenet"
    path = Path(spec)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise WeightsError(f"cannot load weights from {path} safely: {error}") from error
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path} is not a state dict of tensors")
    trunk.load_state_dict(_trunk_subset(state, trunk))
    return f"file:{path.name}"
