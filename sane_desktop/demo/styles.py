"""Two renderings of the same world: ``classic`` (the training look) and ``alt`` (an unseen look for
generalisation checks: other shades, rounded wobbly outlines, cartoon strokes, textured paper)."""

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

STYLES = {style.name: style for style in (CLASSIC, ALT)}


def get_style(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise NotFound(f"unknown demo style {name!r} (choose from {', '.join(STYLES)})") from None
