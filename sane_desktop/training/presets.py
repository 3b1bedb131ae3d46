"""Training presets. ``cpu``: a narrow trunk (width 16, a quarter of ResNet-18's channels up to
layer3, still 7×7 maps at 112 px; bench/bench_training.py measures the speed-up) and a from-scratch
learning rate. ``gpu``: full width at 224 px, bf16 autocast, channels_last, large batches."""

from __future__ import annotations

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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS = {
    "cpu": TrainConfig(),
    "gpu": TrainConfig(preset="gpu", image_size=224, width=64, outfits_per_step=256, epochs=20,
                       learning_rate=5e-4, bf16=True, channels_last=True, time_budget_s=None),
}


def preset(name: str, **overrides: Any) -> TrainConfig:
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    return replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
