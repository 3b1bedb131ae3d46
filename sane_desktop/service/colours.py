"""Colour maps for saliency overlays: numpy only, so that overlays are built on the worker thread."""

from __future__ import annotations

import numpy as np

_ANCHORS = {
    "inferno": [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)],
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
    "jet": [(0, 0, 143), (0, 128, 255), (128, 255, 128), (255, 128, 0), (128, 0, 0)],
    "coolwarm": [(59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38)],
}
COLOUR_MAPS = tuple(_ANCHORS)


def colour_lut(name: str) -> np.ndarray:
    anchors = np.array(_ANCHORS.get(name, _ANCHORS["inferno"]), dtype=np.float32)
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, 256)
    return np.stack([np.interp(steps, positions, anchors[:, c]) for c in range(3)], 1).astype(np.uint8)


def colourise(saliency: np.ndarray, cmap: str = "inferno") -> np.ndarray:
    """(H, W) map -> (H, W, 4) uint8 RGBA heat map, min-max normalised; alpha grows with saliency
    so that the photo stays visible where the map is low."""
    values = np.asarray(saliency, dtype=np.float32)
    # robust range: one extreme pixel must not wash the whole overlay out
    low, high = (float(v) for v in np.percentile(values, [1, 99])) if values.size else (0.0, 0.0)
    norm = np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)
    index = np.clip((norm * 255).round(), 0, 255).astype(np.uint8)
    rgba = np.empty((*values.shape, 4), dtype=np.uint8)
    rgba[..., :3] = colour_lut(cmap)[index]
    rgba[..., 3] = np.clip(80 + norm * 175, 0, 255).astype(np.uint8)
    return rgba
