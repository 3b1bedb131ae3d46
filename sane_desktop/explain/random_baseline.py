"""The random baseline: seeded uniform noise in [0, 1), the floor every saliency method must beat
on insertion/deletion and the pointing game (as pytorch-grad-cam's ``RandomCAM``; seeded here).

The file is not named ``random.py`` so that it never shadows the standard library's module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from sane_desktop.explain.base import Explainer, MethodSettings, SimilarityModel
from sane_desktop.explain.registry import register_method
from sane_desktop.explain.targets import Target


@dataclass(frozen=True)
class RandomSettings(MethodSettings):
    seed: int = 0  # the n-th map an explainer draws uses seed + n


@register_method("random")
class RandomExplainer(Explainer[RandomSettings]):
    """Maps that ignore the image and the target: the n-th map this instance draws (n = 0, 1, …)
    is ``numpy.random.default_rng(seed + n).random((H, W))``, so a run is reproducible and two
    instances never share a stream. No forward pass."""

    def __init__(self, model: SimilarityModel, seed: int = 0, batch_size: int = 64) -> None:
        super().__init__(model, RandomSettings(batch_size=batch_size, seed=seed))
        self._drawn = 0
        self._lock = threading.Lock()

    def explain_target(self, image: Tensor, target: Target) -> tuple[Tensor, int]:
        with self._lock:
            n, self._drawn = self._drawn, self._drawn + 1
        noise = np.random.default_rng(self.settings.seed + n).random(tuple(image.shape[-2:]))
        return torch.from_numpy(noise.astype(np.float32)), 0
