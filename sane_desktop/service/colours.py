"""Colour maps for saliency overlays: the one implementation lives in the Qt-free core
(:mod:`sane_desktop.explain.overlay`), shared with the CLI's PNGs; re-exported for the GUI.

The names come without numpy (the window lists them before it is on screen); the colouring
functions load numpy on first use (PEP 562), on the worker thread in practice (issue 18 point 10)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sane_desktop.explain.colour_maps import COLOUR_MAPS

if TYPE_CHECKING:
    from sane_desktop.explain.overlay import colour_lut, colourise

__all__ = ["COLOUR_MAPS", "colour_lut", "colourise"]


def __getattr__(name: str) -> Any:
    if name not in ("colour_lut", "colourise"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sane_desktop.explain import overlay

    value = getattr(overlay, name)
    globals()[name] = value  # later look-ups skip this function
    return value
