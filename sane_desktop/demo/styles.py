"""Renderings of the same world: ``classic`` (the training look), ``alt`` (an unseen look for
generalisation checks: other shades, rounded wobbly outlines, cartoon strokes, textured paper) and
``studio`` (issue 17: a third look kept out of all tuning, for final figures only — flared or
narrowed and sheared silhouettes without outlines on a shaded grey-beige studio backdrop, motifs
from much smaller to larger than the others', drawn in an ink colour)."""

from __future__ import annotations

from dataclasses import dataclass

from sane_desktop.errors import NotFound

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Style:
    name: str
    palette: dict[str, RGB]
    background: RGB
    textured_background: bool
    outline_colour: RGB | None  # None: a darker shade of the garment colour
    outline_width: int  # at render scale
    smooth: bool  # round the silhouettes' corners and wobble them like a hand drawing
    aspect: float  # widen (>1) or narrow garments
    diagonal_patterns: bool
    motif_fill: RGB
    motif_outline: RGB
    rotation: float  # max garment rotation, degrees
    # issue 17's third style; the defaults draw classic and alt exactly as before (same bytes)
    motif_side: tuple[float, float] = (0.12, 0.20)  # motif box side as a fraction of the image side
    backdrop_shade: float = 0.0  # > 0: the backdrop darkens by this share from top to bottom
    taper: float = 0.0  # > 0: garments flare or narrow downwards by up to this share of their width
    shear: float = 0.0  # > 0: garments lean sideways by up to this share of their height


CLASSIC = Style(
    name="classic",
    palette={
        "red": (205, 35, 40), "orange": (240, 125, 30), "yellow": (245, 205, 40),
        "green": (50, 150, 60), "teal": (20, 150, 150), "blue": (40, 90, 200),
        "purple": (120, 60, 170), "pink": (240, 130, 180), "brown": (125, 80, 45),
        "black": (35, 35, 38),
    },
    background=(250, 250, 250),
    textured_background=False,
    outline_colour=None,
    outline_width=3,
    smooth=False,
    aspect=1.0,
    diagonal_patterns=False,
    motif_fill=(252, 252, 252),
    motif_outline=(30, 30, 30),
    rotation=8.0,
)

ALT = Style(
    name="alt",
    palette={
        "red": (175, 20, 55), "orange": (250, 150, 75), "yellow": (225, 190, 10),
        "green": (105, 170, 80), "teal": (0, 118, 128), "blue": (75, 135, 230),
        "purple": (150, 95, 200), "pink": (220, 95, 150), "brown": (150, 102, 62),
        "black": (58, 52, 62),
    },
    background=(238, 232, 220),
    textured_background=True,
    outline_colour=(25, 25, 30),
    outline_width=7,
    smooth=True,
    aspect=1.12,
    diagonal_patterns=True,
    motif_fill=(28, 28, 34),
    motif_outline=(245, 245, 245),
    rotation=12.0,
)

STUDIO = Style(
    name="studio",
    palette={
        "red": (215, 55, 30), "orange": (225, 110, 10), "yellow": (235, 215, 70),
        "green": (30, 120, 80), "teal": (40, 170, 165), "blue": (25, 60, 150),
        "purple": (95, 40, 120), "pink": (250, 160, 200), "brown": (100, 60, 35),
        "black": (20, 22, 30),
    },
    background=(222, 214, 204),
    textured_background=False,
    outline_colour=None,
    outline_width=0,
    smooth=False,
    aspect=0.9,
    diagonal_patterns=True,
    motif_fill=(250, 236, 150),
    motif_outline=(60, 30, 90),
    rotation=5.0,
    motif_side=(0.09, 0.26),
    backdrop_shade=0.18,
    taper=0.22,
    shear=0.12,
)

STYLES = {style.name: style for style in (CLASSIC, ALT, STUDIO)}


def get_style(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise NotFound(f"unknown demo style {name!r} (choose from {', '.join(STYLES)})") from None
