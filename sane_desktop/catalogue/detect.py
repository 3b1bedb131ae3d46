"""Which reader a catalogue folder needs, and the error every reader raises when it cannot read one.

- ``polyvore``: ``polyvore_item_metadata.json`` at the root (Polyvore Outfits layout);
- ``manifest``: an explicit mapping file, or ``sane-mapping.json`` at the root, or a folder holding
  the items table of a mapping shipped in ``sane_desktop/resources/mappings`` (MANGO, H&M: these folders cannot
  be given a ``sane-mapping.json`` of their own when they are read-only);
- ``folder``: anything else that holds images (category = first folder level).
"""

from __future__ import annotations

import json
from pathlib import Path

from sane_desktop.catalogue.types import CatalogueError
from sane_desktop.paths import resource

__all__ = ["CatalogueError", "detect_format"]

POLYVORE_METADATA = "polyvore_item_metadata.json"
MAPPING_FILE_NAME = "sane-mapping.json"
# Names taken for images without a look inside (validation decodes them, and names the plugin a
# HEIC/AVIF file needs); a file with any other name, or none, is identified by its content.
IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",
    ".avif", ".heic", ".heif",
})


def detect_format(root: Path, mapping: Path | None = None) -> str:
    """Return ``"polyvore"``, ``"manifest"`` or ``"folder"`` for ``root``."""
    if not root.exists():
        raise CatalogueError(f"{root}: catalogue folder does not exist")
    if not root.is_dir():
        raise CatalogueError(f"{root}: not a folder")
    for marker in (MAPPING_FILE_NAME, POLYVORE_METADATA):
        # a format's own file that is there but no regular file (a pipe, a folder): the catalogue was read
        # as a plain folder of photos, its masks imported as items, without a word (trial BR)
        path = root / marker
        if (path.exists() or path.is_symlink()) and not path.is_file() and not (marker == MAPPING_FILE_NAME and mapping):
            raise CatalogueError(f"{marker} is not a regular file (a folder, pipe, socket, device or broken link): "
                                 "it tells how the catalogue is laid out, so nothing was imported")
    if mapping is not None or (root / MAPPING_FILE_NAME).is_file():
        return "manifest"
    if (root / POLYVORE_METADATA).is_file():
        return "polyvore"
    if shipped_mapping(root) is not None:
        return "manifest"
    return "folder"


def shipped_mapping(root: Path) -> Path | None:
    """The mapping shipped in ``sane_desktop/resources/mappings`` (package data) whose items table
    ``root`` holds, if any."""
    for path in sorted(resource("mappings").glob("*.json")):
        try:
            table = json.loads(path.read_text(encoding="utf-8"))["items"]["table"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(table, str) and table and (root / table).is_file():
            return path
    return None
