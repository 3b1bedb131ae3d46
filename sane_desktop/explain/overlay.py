"""Colour-mapped saliency overlays as numpy arrays, written as PNG with PIL (no Qt: the GUI turns
the arrays into QImages on its own thread)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

# anchors of a perceptually ordered dark-blue → cyan → yellow → red map (turbo-like)
_ANCHORS = np.array([
    [48, 18, 59], [70, 107, 227], [40, 188, 235], [50, 242, 152],
    [164, 252, 60], [239, 205, 58], [251, 128, 34], [204, 45, 4], [122, 4, 3],
], dtype=np.float64)


def scale_unit(saliency: np.ndarray) -> np.ndarray:
    """Min–max scale a map to [0, 1] (a flat map becomes zeros)."""
    saliency = np.asarray(saliency, dtype=np.float64)
    low, high = float(saliency.min()), float(saliency.max())
    if high - low < 1e-12:
        return np.zeros_like(saliency)
    return (saliency - low) / (high - low)


def colourise(saliency: np.ndarray) -> np.ndarray:
    """(H, W) map -> (H, W, 3) uint8 colours, low = dark blue, high = dark red."""
    unit = scale_unit(saliency)
    positions = np.linspace(0.0, 1.0, len(_ANCHORS))
    channels = [np.interp(unit, positions, _ANCHORS[:, c]) for c in range(3)]
    return np.clip(np.stack(channels, -1).round(), 0, 255).astype(np.uint8)


def denormalise(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """Normalised (3, H, W) array -> (H, W, 3) uint8 picture."""
    image = np.asarray(image, dtype=np.float64)
    rgb = image * np.asarray(std).reshape(3, 1, 1) + np.asarray(mean).reshape(3, 1, 1)
    return np.clip(rgb.transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def blend(picture: np.ndarray, saliency: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """Heat map over a (H, W, 3) uint8 picture of the same size."""
    heat = colourise(saliency).astype(np.float64)
    mixed = (1.0 - opacity) * picture.astype(np.float64) + opacity * heat
    return np.clip(mixed.round(), 0, 255).astype(np.uint8)


def save_png(array: np.ndarray, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array)).save(path, format="PNG")
    return path
