"""Colour maps for saliency overlays: the one implementation lives in the Qt-free core
(:mod:`sane_desktop.explain.overlay`), shared with the CLI's PNGs; re-exported for the GUI."""

from sane_desktop.explain.overlay import COLOUR_MAPS, colour_lut, colourise

__all__ = ["COLOUR_MAPS", "colour_lut", "colourise"]
