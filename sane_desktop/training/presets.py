"""Training presets. ``pretrained`` (the default for real catalogues): the ImageNet EfficientNet-Lite0
trunk with per-cell colour cells (``efficientnet_lite0_colour``) frozen at 224 px, only the heads
trained, on cached features. ``cpu``: a narrow trunk (width 16, a quarter of ResNet-18's channels up to
layer3, still 7×7 maps at 112 px; bench/bench_training.py measures the speed-up) and a from-scratch
learning rate. ``gpu``: full width at 224 px, bf16 autocast, channels_last, large batches."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from sane_desktop.errors import InputError


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "cpu"
    image_size: int = 112
    width: int = 16
    embed_dim: int = 64
    outfits_per_step: int = 16
    max_pairs_per_outfit: int = 12
    epochs: int = 200
    learning_rate: float = 3e-3
    lr_decay: float = 0.985  # per epoch, as in the paper
    margin: float = 0.3
    embed_weight: float = 5e-4
    mask_weight: float = 5e-4
    attribute_weight: float = 1.0
    attribute_trunk: str = "shared"  # "shared" (one trunk for both nets), "separate" or "none"
    bf16: bool = False
    channels_last: bool = False
    flip: bool = True
    saliency_agreement: bool = False  # SANE's saliency-agreement term on the attribute maps (weight 5e-3)
    augment: bool = True  # random affine warps + mild photometric jitter per image (training/augment.py)
    palette_steps: float = 0.0  # share of steps whose whole batch gets one palette change (augment.py)
    time_budget_s: float | None = 540.0  # stop early (keeping the best epoch) past this
    seed: int = 0
    weights: str | None = None
    trunk: str = "resnet18"  # sane_desktop.models.backbone.TRUNKS
    freeze_trunk: bool = False  # heads only, on cached trunk features (training/head_trainer.py)
    feature_dropout: float = 0.5  # on the standardised pooled features (heads on a frozen trunk only)
    pooling: str = "mean"  # of the cells into E(x): "mean" or "attention" (models/compatibility.py)
    weight_decay: float = 0.0  # Adam's L2 penalty

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS = {
    # real catalogues on a laptop: the ImageNet EfficientNet-Lite0 frozen, its features computed
    # once (and cached), then the heads fitted in seconds per epoch (training/head_trainer.py). With
    # colour cells: on MANGO's valid questions FITB ties the plain trunk (paired difference -0.010,
    # 95 % interval [-0.059, 0.036]) and AUC gains (0.694 -> 0.728); colour is recognised far better
    # (H&M valid colour group 0.558 -> 0.653, MANGO 0.692 -> 0.773); the demo's valid FITB 0.604 -> 0.671
    # Mean pooling of the cells, not attention (`--pooling attention`, opt-in): attention gains on
    # the drawn demo's *valid* questions (FITB 0.671 -> 0.689, the motif's cell from 19 cells below
    # the top to 16.5) but on MANGO, the real photos this preset is for, `train`'s valid disjoint
    # FITB is 0.436 with the mean and 0.421 with attention (test, taken after: 0.451 vs 0.407)
    "pretrained": TrainConfig(preset="pretrained", trunk="efficientnet_lite0_colour", freeze_trunk=True,
                              weights="imagenet",
                              image_size=224, outfits_per_step=128, epochs=30, learning_rate=3e-4, lr_decay=0.97,
                              weight_decay=1e-4, augment=False, flip=False, time_budget_s=240.0),
    "cpu": TrainConfig(),
    "gpu": TrainConfig(preset="gpu", image_size=224, width=64, outfits_per_step=256, epochs=20,
                       learning_rate=5e-4, bf16=True, channels_last=True, time_budget_s=None),
}


def preset(name: str, **overrides: Any) -> TrainConfig:
    """The preset ``name`` with ``overrides`` (None: the preset's value). Raises InputError (one line)
    for an unknown preset or a value out of its range (trial H: ``--time-budget -5`` started training)."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    config = replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
    check_config(config)
    return config


# field -> (its option on the command line, the lowest value, the highest, whether the lowest is allowed)
RANGES: dict[str, tuple[str, float, float, bool]] = {
    "epochs": ("--epochs", 1, math.inf, True),
    "time_budget_s": ("--time-budget", 0, math.inf, True),  # 0: no budget
    "image_size": ("--image-size", 32, 1024, True),
    "width": ("--width", 1, 512, True),
    "learning_rate": ("--lr", 0, 1, False),
    "palette_steps": ("--palette-steps", 0, 1, True),
}


def check_config(config: TrainConfig) -> None:
    """Raise InputError naming the first value of ``config`` out of its range (:data:`RANGES`)."""
    for field, (option, lowest, highest, closed) in RANGES.items():
        value = getattr(config, field)
        if value is None:
            continue
        number = float(value)
        low_ok = number >= lowest if closed else number > lowest
        if not math.isfinite(number) or not low_ok or number > highest:
            bound = f"at least {lowest:g}" if closed else f"more than {lowest:g}"
            above = "" if highest == math.inf else f" and at most {highest:g}"
            finite = "a finite number, " if not math.isfinite(number) else ""  # "inf" is at least 0 (trial Y)
            raise InputError(f"{option} must be {finite}{bound}{above} (got {value})")
