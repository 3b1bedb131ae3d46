"""Photos in a catalogue folder that its metadata never names.

A product table (or Polyvore's item metadata) lists the items; a photo in the folder that no row or
entry names is not an item and is not indexed. Left unsaid, a stylist who added a photo without its
row sees it missing from the catalogue with no reason (trial P: ``images/121954250.jpg`` and a
``notes.txt`` beside it were named nowhere). One note says how many there are and names the first.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES
from sane_desktop.catalogue.types import Skip

SHOWN = 3  # photos named in the note; the count says how many more
# hidden folders that are other programs' caches, not photos set aside: never mentioned
QUIET_HIDDEN_FOLDERS = frozenset({".thumbnails", ".thumbs", ".cache", ".git", ".svn", ".hg", ".trash", ".trashes",
                                  ".spotlight-v100", ".fseventsd", ".appledouble", ".@__thumb", ".picasaoriginals"})
HIDDEN_COUNT_LIMIT = 10_000  # entries looked at in one hidden folder before the count says "at least"


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


def meant_photos(unnamed: Collection[str], written: Collection[str]) -> dict[str, str]:
    """The photos of ``unnamed`` (relative POSIX paths no row names) that a row's ``written`` path (one naming no
    file) surely means, photo -> that path: the same path but for letter case or Unicode form, the same file name in
    another folder, the name without its suffix or with another image suffix (".jpg" for ".jpeg"), where one photo
    alone fits. A refused or missing row's photo
    was also said "named by none of its rows" (trial EV: 10 of 10), which would have a user add rows it has."""
    def fold(text: str) -> str:  # (a web address's "%20" for a space too)
        return unicodedata.normalize("NFC", unquote(text)).casefold()

    by_path: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    by_path_stem: dict[str, list[str]] = {}  # "photos/x" for photos/x.jpeg: a row's "photos/x.jpg" (trial EW)
    for photo in unnamed:
        by_path.setdefault(fold(photo), []).append(photo)
        by_name.setdefault(fold(PurePosixPath(photo).name), []).append(photo)
        by_stem.setdefault(fold(PurePosixPath(photo).stem), []).append(photo)
        by_path_stem.setdefault(fold(PurePosixPath(photo).with_suffix("").as_posix()), []).append(photo)
    meant: dict[str, str] = {}
    for path in written:
        name = PurePosixPath(path).name
        suffixed = PurePosixPath(path).suffix.lower() in IMAGE_SUFFIXES
        for found in (by_path.get(fold(path)), by_name.get(fold(name)),
                      by_path_stem.get(fold(PurePosixPath(path).with_suffix("").as_posix())) if suffixed else None,
                      None if suffixed else by_stem.get(fold(name))):
            if found is not None:
                if len(found) == 1:
                    meant.setdefault(found[0], path)
                break
    return meant


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


def _photos_in_hidden(folder: Path) -> tuple[int, bool]:
    """Files with an image suffix under ``folder`` (links not followed), and whether the count
    stopped at :data:`HIDDEN_COUNT_LIMIT` entries."""
    photos = seen = 0
    for _directory, _folders, files in os.walk(folder, onerror=lambda _error: None):
        for name in files:
            seen += 1
            photos += Path(name).suffix.lower() in IMAGE_SUFFIXES and not name.startswith(".")
            if seen >= HIDDEN_COUNT_LIMIT:
                return photos, True
    return photos, False


def hidden_folder_note(folder: Path, shown: str) -> Skip | None:
    """The note for a hidden ``folder`` (its name starts with a dot; ``shown``: its path as the note
    names it) that holds photos, else None (no photos, a link, or another program's cache)."""
    name = folder.name.casefold()
    if name in QUIET_HIDDEN_FOLDERS or name.startswith(".trash") or os.path.islink(folder):
        return None
    photos, capped = _photos_in_hidden(folder)
    if not photos:
        return None
    count = f"{'at least ' if capped else ''}{photos} photos in it were" if photos != 1 or capped else "1 photo in it was"
    return Skip("", shown, f"hidden folder (its name starts with a dot): {count} not read; rename it without the dot "
                           "to import them", "metadata")


def hidden_folder_notes(root: Path) -> list[Skip]:
    """:func:`hidden_folder_note` for every hidden folder under ``root`` (not inside another hidden
    one): a catalogue read from its metadata says them as a folder tree does (trial Y found a
    Polyvore-layout catalogue's hidden folder of photos named nowhere)."""
    notes = []
    for directory, folders, _files in os.walk(root, onerror=lambda _error: None):
        for name in sorted(folders):
            if name.startswith("."):
                relative = (Path(directory) / name).relative_to(root).as_posix()
                note = hidden_folder_note(Path(directory) / name, relative)
                if note is not None:
                    notes.append(note)
        folders[:] = sorted(name for name in folders if not name.startswith("."))
    return notes
