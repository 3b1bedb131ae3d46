"""Reader for a plain folder tree of images: category = first folder level, id = the relative path
without its extension (POSIX). Images directly at the root get the category ``uncategorised``.
Symlinked folders are not followed (they could lead outside the catalogue)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES, CatalogueError
from sane_desktop.catalogue.types import Catalogue, ItemRecord, Skip

ROOT_CATEGORY = "uncategorised"


def read_folder(root: Path) -> Catalogue:
    catalogue = Catalogue(root=root, format="folder", name=root.name)
    paths: list[str] = []
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        relative_dir = Path(directory).relative_to(root).as_posix()
        for name in files:
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            paths.append(name if relative_dir == "." else f"{relative_dir}/{name}")
    if not paths:
        raise CatalogueError(f"{root}: no images found (and no polyvore_item_metadata.json or sane-mapping.json)")
    seen: set[str] = set()
    for relative in sorted(paths):
        path = PurePosixPath(relative)
        item_id = path.with_suffix("").as_posix()
        if item_id in seen:  # "a/x.jpg" and "a/x.png" would share an id
            catalogue.skipped.append(Skip(item_id, relative, "another image has the same id (path without extension)"))
            continue
        seen.add(item_id)
        category = path.parts[0] if len(path.parts) > 1 else ROOT_CATEGORY
        catalogue.items.append(
            ItemRecord(
                item_id=item_id,
                image_path=relative,
                category=category,
                title=path.stem.replace("_", " ").replace("-", " "),
            )
        )
    return catalogue
