"""The names of the catalogue's facets, without the SQL (:mod:`.facets` holds that): how an
attribute name splits into key and value, and the sort keys. The window imports these before it is
on screen, when SQLAlchemy has not loaded yet (issue 18 point 10)."""

from __future__ import annotations

from typing import Literal

# the attribute keys that name a colour (``colour:red``, a shop's ``colour_group:dark blue``): what the explanations
# word as colours, and what a palette change falsifies in training
COLOUR_KINDS = ("colour", "color", "colour_group", "color_group", "colour_family", "color_family")
SortKey = Literal["title", "category", "newest", "colour", "key"]
SORT_KEYS: tuple[SortKey, ...] = ("title", "category", "newest", "colour")


def split_attribute(name: str) -> tuple[str, str] | None:
    """``"colour:light blue"`` → ``("colour", "light blue")``; None for a mined word (no key). The
    key is what precedes the first colon (a key is a column name; a value may hold colons)."""
    key, colon, value = name.partition(":")
    return (key, value) if colon and key and value else None
