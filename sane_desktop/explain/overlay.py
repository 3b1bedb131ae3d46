"""Saliency overlays as numpy arrays: the one colour-map code path of the app. The GUI colours its
overlays with :func:`colourise` (on its worker thread; it turns the arrays into QImages and
composites them with the photo at its opacity slider's value) and the CLI writes the same
composite as PNG with :func:`blend` + :func:`save_png` (PIL, no Qt).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

# the maps' names and anchors live in a numpy-free module (the window lists them before numpy loads)
from sane_desktop.explain.colour_maps import ANCHORS as _ANCHORS
from sane_desktop.explain.colour_maps import COLOUR_MAPS, DEFAULT_COLOUR_MAP
from sane_desktop.paths import write_atomically

__all__ = ["COLOUR_MAPS", "DEFAULT_COLOUR_MAP", "DEFAULT_OPACITY", "MIN_ALPHA", "blend", "colour_lut", "colourise",
           "denormalise", "save_png"]

DEFAULT_OPACITY = 0.5
# overlay alpha grows with saliency from MIN_ALPHA to 255, so the photo shows where the map is low
MIN_ALPHA = 80


@lru_cache(maxsize=len(_ANCHORS))
def colour_lut(name: str) -> np.ndarray:
    """(256, 3) uint8 table of colour map ``name`` (read-only). An unknown name (e.g. a stale saved
    setting) falls back to :data:`DEFAULT_COLOUR_MAP` rather than failing to draw."""
    anchors = np.array(_ANCHORS.get(name, _ANCHORS[DEFAULT_COLOUR_MAP]), dtype=np.float32)
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(steps, positions, anchors[:, c]) for c in range(3)], 1).astype(np.uint8)
    lut.flags.writeable = False  # shared by every caller through the cache
    return lut


def colourise(saliency: np.ndarray, cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """(H, W) map -> (H, W, 4) uint8 RGBA heat map. Values are scaled to [0, 1] between the 1st and
    99th percentiles (one extreme pixel must not wash the overlay out; a flat map is all low), and
    never from below 0: a signed map (the exact per-cell parts of a score, which a cell can lower)
    shows what raises the match, as Grad-CAM's ReLU does (Selvaraju et al., ICCV 2017). Scaled from its
    minimum, trial M's empty backdrop (parts near 0) read mid-way to "more influence" beside jeans whose
    cells lowered the score. Alpha grows with saliency from :data:`MIN_ALPHA` to 255."""
    values = np.asarray(saliency, dtype=np.float32)
    low, high = (float(v) for v in np.percentile(values, [1, 99])) if values.size else (0.0, 0.0)
    low = max(low, 0.0)
    norm = np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)
    index = np.clip((norm * 255).round(), 0, 255).astype(np.uint8)
    rgba = np.empty((*values.shape, 4), dtype=np.uint8)
    rgba[..., :3] = colour_lut(cmap)[index]
    rgba[..., 3] = np.clip(MIN_ALPHA + norm * (255 - MIN_ALPHA), 0, 255).astype(np.uint8)
    return rgba


def denormalise(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """Normalised (3, H, W) array -> (H, W, 3) uint8 picture."""
    image = np.asarray(image, dtype=np.float64)
    rgb = image * np.asarray(std).reshape(3, 1, 1) + np.asarray(mean).reshape(3, 1, 1)
    return np.clip(rgb.transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def blend(picture: np.ndarray, saliency: np.ndarray, opacity: float = DEFAULT_OPACITY,
          cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """The :func:`colourise` overlay drawn over a (H, W, 3) uint8 picture of the same size at
    ``opacity`` ∈ [0, 1], as the GUI composites it (source-over with alpha · opacity): (H, W, 3) uint8."""
    rgba = colourise(saliency, cmap).astype(np.float64)
    alpha = opacity * rgba[..., 3:] / 255.0
    mixed = (1.0 - alpha) * picture.astype(np.float64) + alpha * rgba[..., :3]
    return np.clip(mixed.round(), 0, 255).astype(np.uint8)


def save_png(array: np.ndarray, path: Path | str) -> Path:
    """Write a (H, W, 3) or (H, W, 4) uint8 array as PNG (folders made as needed), atomically
    (:func:`sane_desktop.paths.write_atomically`); the path. Raises OSError when it cannot be
    written, InputError inside the installed package."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image  # only the CLI writes PNGs: the window's overlays never load PIL for this

    picture = Image.fromarray(np.ascontiguousarray(array))

    def write(file: Path) -> bool:
        picture.save(file, format="PNG")
        return True

    if not write_atomically(path, write):
        raise OSError(f"cannot write {path}")
    return path
