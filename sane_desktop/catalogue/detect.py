"""Which reader a catalogue folder needs, and the error every reader raises when it cannot read one.

- ``polyvore``: ``polyvore_item_metadata.json`` at the root (Polyvore Outfits layout);
- ``manifest``: an explicit mapping file, or ``sane-mapping.json`` at the root;
- ``folder``: anything else that holds images (category = first folder level).
"""

from __future__ import annotations

from pathlib import Path

from sane_desktop.catalogue.types import CatalogueError

__all__ = ["CatalogueError", "detect_format"]

POLYVORE_METADATA = "polyvore_item_metadata.json"
MAPPING_FILE_NAME = "sane-mapping.json"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})


def detect_format(root: Path, mapping: Path | None = None) -> str:
    """Return ``"polyvore"``, ``"manifest"`` or ``"folder"`` for ``root``."""
    if not root.exists():
        raise CatalogueError(f"{root}: catalogue folder does not exist")
    if not root.is_dir():
        raise CatalogueError(f"{root}: not a folder")
    if mapping is not None or (root / MAPPING_FILE_NAME).is_file():
        return "manifest"
    if (root / POLYVORE_METADATA).is_file():
        return "polyvore"
    return "folder"
