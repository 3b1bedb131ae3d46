"""The overlay colour maps' names and anchors, without numpy (:mod:`.overlay` turns them into
tables): the window lists the names before it is on screen, when numpy has not loaded yet (issue 18
point 10)."""

from __future__ import annotations

# a few anchors of each map (RGB), interpolated linearly to a 256-entry table
ANCHORS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "inferno": ((0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)),
    "viridis": ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)),
    "jet": ((0, 0, 143), (0, 128, 255), (128, 255, 128), (255, 128, 0), (128, 0, 0)),
    "coolwarm": ((59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38)),
}
COLOUR_MAPS: tuple[str, ...] = tuple(ANCHORS)
DEFAULT_COLOUR_MAP = "inferno"  # the GUI's default too (gui/settings.py)
