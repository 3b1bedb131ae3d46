"""Reader for a plain folder tree of images: category = first folder level, id = the relative path
without its extension (POSIX). Images directly at the root get the category ``uncategorised``.
Symlinked folders are not followed (they could lead outside the catalogue): each is listed in
``skipped``.

Every file the scan meets is either an item or a line in ``skipped`` with its reason, except:

- hidden files (a name starting with ``.``: ``.DS_Store``, ``._photo.jpg``);
- hidden folders (``.thumbnails/``, ``.git/``) are not read either, but one holding photos (by their
  suffix) gets a line saying how many, since a user may have put photos there on purpose; the
  caches and version-control folders of :data:`~sane_desktop.catalogue.unlisted.QUIET_HIDDEN_FOLDERS` stay unmentioned;
- the app's own files at the root: ``ground_truth.json`` (the demo generator's answer key).

A file is an image by its *content*: a known image suffix is taken on trust here (validation decodes
it later), any other name (``.jfif``, ``.jpe``, ``.avif``, no suffix at all) is identified by Pillow
and imported when it is an image; a HEIC/AVIF file Pillow has no plugin for is skipped with the
plugin to install. A name that is not valid UTF-8 (Samba shares, old zips) is skipped with its bytes
shown escaped, and an unreadable sub-folder is skipped with the reason.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path, PurePosixPath

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES, CatalogueError
from sane_desktop.catalogue.ground_truth import GROUND_TRUTH_FILE
from sane_desktop.catalogue.images import ImageRejected, identify_image
from sane_desktop.catalogue.types import Catalogue, ItemRecord, Skip, category_name, is_text, value_key
from sane_desktop.catalogue.unlisted import hidden_folder_note

ROOT_CATEGORY = "uncategorised"
# files at the root that belong to the app, not to the catalogue's items
IGNORED_ROOT_FILES = frozenset({GROUND_TRUTH_FILE})
NOT_UTF8 = "name is not valid UTF-8 (bytes shown as \\xNN); rename it to import it"
# a product table or a spreadsheet in a folder read without a mapping: said as such, not as "not an image file"
# (a merchandiser's products.csv with their categories and titles was listed as a photo that failed)
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".jsonl", ".ndjson"})
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".numbers"})
TABLE_NOT_READ = ("a table, not read: a folder without a sane-mapping.json is read by its folders and file names; "
                  "add one naming its columns to import its categories, titles and attributes (sane-desktop "
                  "draft-mapping drafts it)")
SPREADSHEET_NOT_READ = ("a spreadsheet, not read: save it as CSV and add a sane-mapping.json naming its columns to "
                        "import its categories, titles and attributes (README: Catalogue formats)")


def _relative(root: Path, path: str) -> str:
    relative = Path(path).relative_to(root).as_posix()
    return "" if relative == "." else relative


def title_from_file_name(stem: str) -> str:
    """A photo's title from its file name: underscores read as spaces; hyphens too in a slug (a name
    with no space, "red-summer-dress"), but a name with spaces keeps them ("T-shirt", trial M's
    "Printed CF Sweatshirt 19.99:-" had read "19.99: ")."""
    spaced = stem.replace("_", " ")
    return " ".join((spaced if " " in spaced.strip() else spaced.replace("-", " ")).split()) or stem


def read_folder(root: Path) -> Catalogue:
    """Read the folder tree at ``root`` (images are validated by the caller).

    Raises:
        CatalogueError: the folder holds no image at all (everything it met is named in the message's
            count of skipped files), or the root itself cannot be listed.
    """
    catalogue = Catalogue(root=root, format="folder", name=root.name)
    paths: list[str] = []
    unreadable_root: list[OSError] = []
    top_folders: list[str] = []  # the category folders
    unreadable: set[str] = set()  # category folders that could not be listed (said as such, not as empty)

    def walk_error(error: OSError) -> None:
        # os.walk drops a folder it cannot list unless told: report it instead of importing less
        where = _relative(root, error.filename) if error.filename else ""
        if not where:
            unreadable_root.append(error)
            return
        catalogue.skipped.append(Skip("", where, f"cannot read folder: {error.strerror or error}", "metadata"))
        unreadable.add(where.split("/", 1)[0])  # its category may hold photos unseen

    for directory, folders, files in os.walk(root, onerror=walk_error):
        relative_dir = _relative(root, directory)
        kept_folders = []
        for name in sorted(folders):
            shown_dir = f"{relative_dir}/{name}" if relative_dir else name
            if name.startswith("."):
                hidden = hidden_folder_note(Path(directory) / name, shown_dir)
                if hidden is not None:
                    catalogue.skipped.append(hidden)
                continue
            if not is_text(name):
                catalogue.skipped.append(Skip("", shown_dir, f"folder {NOT_UTF8}; its files were not read", "metadata"))
                continue
            if os.path.islink(os.path.join(directory, name)):  # os.walk lists it but does not go in
                catalogue.skipped.append(Skip("", shown_dir, "a link to a folder: not followed (it could lead "
                                                             "outside the catalogue); move the folder in to import it",
                                              "metadata"))
                continue
            kept_folders.append(name)
        folders[:] = kept_folders
        if not relative_dir:
            top_folders = list(kept_folders)
        for name in sorted(files):
            relative = f"{relative_dir}/{name}" if relative_dir else name
            if name.startswith(".") or (not relative_dir and name in IGNORED_ROOT_FILES):
                continue
            if not is_text(name):
                catalogue.skipped.append(Skip("", relative, f"file {NOT_UTF8}", "item"))
                continue
            suffix = Path(name).suffix.lower()
            if suffix in TABLE_SUFFIXES or suffix in SPREADSHEET_SUFFIXES:
                catalogue.skipped.append(Skip("", relative, TABLE_NOT_READ if suffix in TABLE_SUFFIXES
                                              else SPREADSHEET_NOT_READ, "metadata"))
                continue
            if suffix not in IMAGE_SUFFIXES:
                try:
                    identify_image(root / relative)
                except ImageRejected as error:
                    catalogue.skipped.append(Skip(PurePosixPath(relative).with_suffix("").as_posix(), relative, str(error), "item"))
                    continue
            paths.append(relative)
    if unreadable_root:
        first_error = unreadable_root[0]
        raise CatalogueError(f"{root}: cannot read catalogue folder ({first_error.strerror or first_error})")
    if not paths:
        first = catalogue.skipped[0] if catalogue.skipped else None
        skipped = f"; {len(catalogue.skipped)} skipped, first {first.path}: {first.reason}" if first else ""
        raise CatalogueError(f"{root}: no images found (and no polyvore_item_metadata.json or sane-mapping.json){skipped}")
    seen: set[str] = set()
    for relative in sorted(paths):
        path = PurePosixPath(relative)
        item_id = path.with_suffix("").as_posix()
        if item_id in seen:  # "a/x.jpg" and "a/x.png" would share an id
            catalogue.skipped.append(Skip(item_id, relative, "another image has the same id (path without extension)"))
            continue
        seen.add(item_id)
        # a folder whose name shows nothing (zero-width spaces) holds uncategorised photos: said below
        category = (category_name(path.parts[0]) or ROOT_CATEGORY) if len(path.parts) > 1 else ROOT_CATEGORY
        catalogue.items.append(
            ItemRecord(
                item_id=item_id,
                image_path=relative,
                category=category,
                title=title_from_file_name(path.stem),
            )
        )
    _one_spelling_per_category(catalogue)
    _one_category_per_written_form(catalogue, paths)
    _empty_category_folders(catalogue, [name for name in top_folders if name not in unreadable], paths)
    return catalogue


def _empty_category_folders(catalogue: Catalogue, top_folders: list[str], paths: list[str]) -> None:
    """A category folder with no photo read (none in it, or every one skipped) makes no category: a note says
    so, or a stylist's "shoes/" was missing from every list without a word (a trial)."""
    holding = {PurePosixPath(path).parts[0] for path in paths if "/" in path}
    for name in top_folders:
        if name not in holding:
            catalogue.skipped.append(Skip("", f"{name}/", "holds no photo: no category made of it", "metadata"))


def _one_category_per_written_form(catalogue: Catalogue, paths: list[str]) -> None:
    """Folders whose names are one name written otherwise — its accents composed or decomposed ("Café" from a
    keyboard, "Café" from a Mac), spaces doubled or at an end — are one category (:func:`category_name`); a note
    says so, each spelling in ASCII escapes, since they print alike (trial DP found them merged unsaid, where
    folders differing in letter case are said)."""
    written: dict[str, set[str]] = {}
    for relative in paths:
        parts = PurePosixPath(relative).parts
        if len(parts) > 1:
            written.setdefault(category_name(parts[0]), set()).add(parts[0])
    for category, names in written.items():
        listed = " and ".join(ascii(name) for name in sorted(names))
        if not category:
            catalogue.notes.append(Skip("", "", f"folder{'s' if len(names) > 1 else ''} {listed}: a name that shows "
                                                f"nothing; {'their' if len(names) > 1 else 'its'} photos are "
                                                f"{ROOT_CATEGORY!r}", "value"))
        elif len(names) > 1:
            catalogue.notes.append(Skip("", "", f"folders {listed} are one name written two ways (accents encoded "
                                                f"otherwise, spaces or invisible characters): one category, {category!r}", "value"))


def _one_spelling_per_category(catalogue: Catalogue) -> None:
    """Folders whose names differ only in letter case ("Faldas" and "faldas") are one category, under
    the spelling most of their photos have (the first in order on a tie), and a note says so: trial V's
    skirts were two categories, a map and a search reaching half of them."""
    spellings: dict[str, Counter[str]] = {}
    for item in catalogue.items:
        spellings.setdefault(value_key(item.category), Counter())[item.category] += 1
    for names in spellings.values():
        if len(names) < 2:
            continue
        kept = min(names, key=lambda name: (-names[name], name))
        for item in catalogue.items:
            if item.category in names:
                item.category = kept
        listed = " and ".join(repr(name) for name in sorted(names))
        catalogue.notes.append(Skip("", "", f"folders {listed} differ only in letter case: one category, {kept!r}",
                                    "value"))
