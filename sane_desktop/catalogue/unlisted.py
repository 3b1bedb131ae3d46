"""Photos in a catalogue folder that its metadata never names.

A product table (or Polyvore's item metadata) lists the items; a photo in the folder that no row or
entry names is not an item and is not indexed. Left unsaid, a stylist who added a photo without its
row sees it missing from the catalogue with no reason (trial P: ``images/121954250.jpg`` and a
``notes.txt`` beside it were named nowhere). One note says how many there are and names the first.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES
from sane_desktop.catalogue.types import Skip

SHOWN = 3  # photos named in the note; the count says how many more


def photo_files(root: Path) -> list[str]:
    """The image files under ``root`` (a known image suffix, any case), as sorted POSIX paths relative
    to it; hidden files and folders left out, links to folders not followed, unreadable folders skipped."""
    found = []
    for directory, folders, files in os.walk(root, onerror=lambda _error: None):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        relative = Path(directory).relative_to(root)
        found += [(relative / name).as_posix() for name in files
                  if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES]
    return sorted(found)


def unlisted_photos(photos: Collection[str], listed: Collection[str], source: str,
                    entries: str = "rows") -> Skip | None:
    """One note (kind ``metadata``: files that are no item) for the ``photos`` (relative POSIX paths)
    that are not ``listed`` by any of the ``entries`` of ``source`` (a table's name: the note's path),
    or None when every photo is named."""
    named = set(listed)
    missing = [photo for photo in photos if photo not in named]
    if not missing:
        return None
    shown = ", ".join(missing[:SHOWN]) + (f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else "")
    reason = f"{len(missing)} photo(s) in the folder named by none of its {entries}: not indexed ({shown})"
    return Skip("", source, reason, "metadata")
