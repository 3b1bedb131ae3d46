"""Paths that try to leave the catalogue, format detection, and the plain-folder reader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from catalogue_fixtures import write_folder_catalogue, write_image, write_manifest_catalogue, write_polyvore_catalogue

from sane_desktop.catalogue import CatalogueError, detect_format, read_catalogue
from sane_desktop.catalogue.safepath import UnsafePath, check_relative, resolve_inside


@pytest.mark.parametrize("bad", ["", "../x.jpg", "images/../../x.jpg", "/etc/passwd", "C:\\x.jpg", "\\\\server\\x.jpg", "a\x00b"])
def test_unsafe_relative_paths_are_rejected(bad: str) -> None:
    with pytest.raises(UnsafePath):
        check_relative(bad)


@pytest.mark.parametrize(("url", "said"), [
    ("file:///tmp/shop/a.jpg", "a file: URL, not a path in the catalogue folder (file:///tmp/shop/a.jpg)"),
    ("https://example.com/a.jpg", "a web address, not a path in the catalogue folder (https://example.com/a.jpg): "
                                  "photos are read from the catalogue folder, never downloaded"),
    ("HTTP://x/a.jpg", "a web address"), ("s3://bucket/a.jpg", "a web address")])
def test_a_url_is_no_path_and_is_quoted_as_written(url: str, said: str) -> None:
    """Trial D: ``file:///…`` was read as a folder ``file:`` in the catalogue and quoted ``file:/…``."""
    with pytest.raises(UnsafePath) as raised:
        check_relative(url)
    assert str(raised.value).startswith(said)
    assert check_relative("photos/a:b.jpg") == "photos/a:b.jpg"  # a colon alone is part of a name


def test_safe_relative_paths_are_normalised() -> None:
    assert check_relative("./images//a.jpg") == "images/a.jpg"
    # a ".." that stays inside is taken away with the folder before it (trial EV: refused as leaving)
    assert check_relative("photos/../photos/x.jpg") == "photos/x.jpg" and check_relative("a/b/../../c.jpg") == "c.jpg"
    # a backslash separates folders on Windows only; on POSIX it is part of the name (issue 14)
    assert check_relative("images\\b.jpg", windows=True) == "images/b.jpg"
    assert check_relative("images\\b.jpg", windows=False) == "images\\b.jpg"


def test_symlink_escaping_root_is_rejected(tmp_path: Path) -> None:
    outside = write_image(tmp_path / "outside.jpg")
    root = tmp_path / "catalogue"
    root.mkdir()
    os.symlink(outside, root / "link.jpg")
    os.symlink(root, root / "inner")  # a link that stays inside is fine
    with pytest.raises(UnsafePath, match="outside"):
        resolve_inside(root, "link.jpg")
    assert resolve_inside(root, "inner/x.jpg") == (root / "x.jpg").resolve()


def test_folder_reader(tmp_path: Path) -> None:
    expected = write_folder_catalogue(tmp_path, {"tops": 3, "shoes": 2})
    write_image(tmp_path / "loose.png", image_format="PNG")
    (tmp_path / "tops" / "notes.txt").write_text("not an image")
    catalogue = read_catalogue(tmp_path)
    assert catalogue.format == "folder" and not catalogue.outfits
    assert [item.item_id for item in catalogue.items] == ["loose", *expected]
    assert {item.item_id: item.category for item in catalogue.items}["tops/item_0"] == "tops"
    assert catalogue.items[0].category == "uncategorised"


def test_folder_reader_skips_symlink_escape_and_bad_files(tmp_path: Path) -> None:
    root = tmp_path / "catalogue"
    write_folder_catalogue(root, {"tops": 2})
    outside = write_image(tmp_path / "secret.jpg")
    os.symlink(outside, root / "tops" / "escape.jpg")
    (root / "tops" / "broken.jpg").write_text("text")
    catalogue = read_catalogue(root)
    assert [item.item_id for item in catalogue.items] == ["tops/item_0", "tops/item_1"]
    reasons = {skip.item_id: skip.reason for skip in catalogue.skipped}
    assert "outside" in reasons["tops/escape"] and "not an image" in reasons["tops/broken"]


def test_a_table_in_a_folder_read_without_a_mapping_is_said_not_read(tmp_path: Path) -> None:
    """A merchandiser's products.csv (their categories and titles) beside category folders, with no mapping: the
    folder is read by its folders, and the table was listed as "not an image file (unrecognised format)", as if a
    photo had failed. It is said as a table not read, and how to read it; a spreadsheet likewise."""
    write_folder_catalogue(tmp_path, {"tops": 2})
    (tmp_path / "products.csv").write_text("id,image,category\np1,tops/item_0.jpg,Oberteile\n", encoding="utf-8")
    (tmp_path / "tops" / "sizes.json").write_text("{}", encoding="utf-8")
    (tmp_path / "stock.xlsx").write_bytes(b"PK\x03\x04 a spreadsheet")
    (tmp_path / "tops" / "notes.txt").write_text("not an image")  # any other file: as before
    catalogue = read_catalogue(tmp_path)
    assert catalogue.format == "folder" and [item.item_id for item in catalogue.items] == ["tops/item_0", "tops/item_1"]
    said = {skip.path: skip for skip in catalogue.skipped}
    for table in ("products.csv", "tops/sizes.json"):
        assert said[table].kind == "metadata" and said[table].item_id == ""
        assert said[table].reason.startswith("a table, not read:") and "sane-mapping.json" in said[table].reason
    assert said["stock.xlsx"].reason.startswith("a spreadsheet, not read: save it as CSV")
    assert "not an image" in said["tops/notes.txt"].reason and said["tops/notes.txt"].kind == "item"


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no images"):
        read_catalogue(tmp_path)
    with pytest.raises(CatalogueError, match="does not exist"):
        read_catalogue(tmp_path / "absent")


def test_detection(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path / "p", n_items=8, n_outfits=2)
    write_manifest_catalogue(tmp_path / "m", n_items=3, n_outfits=1)
    write_folder_catalogue(tmp_path / "f")
    assert detect_format(tmp_path / "p") == "polyvore"
    assert detect_format(tmp_path / "m") == "manifest"
    assert detect_format(tmp_path / "f") == "folder"
    assert detect_format(tmp_path / "f", mapping=tmp_path / "m" / "sane-mapping.json") == "manifest"


def test_a_title_from_a_file_name_keeps_its_hyphens_unless_they_stand_for_spaces() -> None:
    # trial M: "Printed CF Sweatshirt 19.99:- 0903316013" read "… 19.99:  0903316013"
    from sane_desktop.catalogue.folder import title_from_file_name

    assert title_from_file_name("Printed CF Sweatshirt 19.99:- 0903316013") == "Printed CF Sweatshirt 19.99:- 0903316013"
    assert title_from_file_name("Basic T-shirt 0123") == "Basic T-shirt 0123"
    assert title_from_file_name("red-summer-dress") == "red summer dress"  # a slug: its hyphens are spaces
    assert title_from_file_name("red_summer_dress") == "red summer dress"
    assert title_from_file_name("blue_T-shirt_2") == "blue T-shirt 2"
    assert title_from_file_name("---") == "---"


def test_folders_of_one_name_written_two_ways_are_one_category_and_said(tmp_path: Path) -> None:
    """Trial DP: "Café" typed on a keyboard and "Café" named on a Mac (its accent a mark of its own) were merged
    into one category without a word, where folders differing in letter case are said."""
    import unicodedata

    from catalogue_fixtures import write_image

    from sane_desktop.catalogue import read_catalogue

    composed, decomposed = (unicodedata.normalize(form, "Café") for form in ("NFC", "NFD"))
    for folder in (composed, decomposed, "Tops"):
        write_image(tmp_path / folder / f"{len(folder)}.jpg")
    catalogue = read_catalogue(tmp_path)
    assert sorted({item.category for item in catalogue.items}) == [composed, "Tops"]
    assert [note.reason for note in catalogue.notes] == [
        "folders 'Cafe\\u0301' and 'Caf\\xe9' are one name written two ways (accents encoded otherwise, spaces or invisible "
        "characters): one category, 'Café'"]


def test_a_category_that_shows_nothing_is_no_category(tmp_path: Path) -> None:
    """Trial DP's kind (a name of zero-width spaces taken as a name): a folder "\\u200b" made a category shown
    blank in every list, and a table row whose category is one was a category of its own. The folder's photos
    are uncategorised (said in a note), the row is left out as one with an empty category; invisible characters
    around a name are no part of it."""
    from catalogue_fixtures import write_image

    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.types import category_name

    write_image(tmp_path / "folder" / "\u200b\u200b" / "a.jpg")
    write_image(tmp_path / "folder" / "\u2800\u034f" / "d.jpg")  # a braille blank and a grapheme joiner (trial DR)
    write_image(tmp_path / "folder" / "\u200bTops\u200e" / "b.jpg")
    write_image(tmp_path / "folder" / "Tops" / "c.jpg")
    catalogue = read_catalogue(tmp_path / "folder")
    assert {item.item_id: item.category for item in catalogue.items} == {
        "\u200b\u200b/a": "uncategorised", "\u2800\u034f/d": "uncategorised", "\u200bTops\u200e/b": "Tops",
        "Tops/c": "Tops"}
    assert sorted(note.reason for note in catalogue.notes) == [
        "folders 'Tops' and '\\u200bTops\\u200e' are one name written two ways (accents encoded otherwise, "
        "spaces or invisible characters): one category, 'Tops'",
        "folders '\\u200b\\u200b' and '\\u2800\\u034f': a name that shows nothing; their photos are 'uncategorised'"]
    assert category_name(" \u200b\ufeff ") == "" and category_name("\u200bCafé\u200e ") == "Café"

    table = write_manifest_catalogue(tmp_path / "table", n_items=6, n_outfits=0,
                                     categories=("Garment Upper", "\u200b", "Shoes"))
    catalogue = read_catalogue(tmp_path / "table")
    assert len(catalogue.items) == 4 and "\u200b" not in {item.category for item in catalogue.items}, table
    assert sorted(skip.reason for skip in catalogue.skipped if skip.kind == "item") == ["empty category"] * 2


def test_folders_differing_only_in_letter_case_are_one_category_and_said(tmp_path: Path) -> None:
    """Trial V: "Faldas/" and "faldas/" were two categories without a word; a category map and a
    search reached half the skirts. They are one, under the spelling most photos have, and a note says so."""
    from catalogue_fixtures import write_image

    from sane_desktop.catalogue import read_catalogue

    for folder, count in (("Faldas", 2), ("faldas", 1), ("Tops", 1)):
        for n in range(count):
            write_image(tmp_path / folder / f"{folder}-{n}.jpg")
    catalogue = read_catalogue(tmp_path)
    assert sorted({item.category for item in catalogue.items}) == ["Faldas", "Tops"]
    assert [note.reason for note in catalogue.notes] == [
        "folders 'Faldas' and 'faldas' differ only in letter case: one category, 'Faldas'"]
    assert {item.item_id for item in catalogue.items} == {"Faldas/Faldas-0", "Faldas/Faldas-1", "faldas/faldas-0",
                                                          "Tops/Tops-0"}  # ids stay the paths


def test_a_category_folder_with_no_photo_is_said(tmp_path: Path) -> None:
    """An empty "shoes/" (or one whose every file was skipped) made no category, unsaid."""
    from catalogue_fixtures import write_image

    from sane_desktop.catalogue import read_catalogue

    write_image(tmp_path / "tops" / "a.jpg")
    (tmp_path / "shoes").mkdir()
    (tmp_path / "bags").mkdir()
    (tmp_path / "bags" / "notes.txt").write_text("not a photo")
    (tmp_path / "tops" / "inner").mkdir()  # a folder inside a category is no category of its own: unsaid
    catalogue = read_catalogue(tmp_path)
    assert [item.category for item in catalogue.items] == ["tops"]
    said = [(skip.path, skip.reason) for skip in catalogue.skipped if skip.kind == "metadata"]
    assert said == [("bags/", "holds no photo: no category made of it"), ("shoes/", "holds no photo: no category made of it")]
    (tmp_path / "bags" / "notes.txt").unlink()
    (tmp_path / "bags").rmdir()
    assert [skip.path for skip in read_catalogue(tmp_path).skipped if skip.kind == "metadata"] == ["shoes/"]


def test_a_category_folder_that_cannot_be_read_is_not_also_said_empty(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A review: "shoes: cannot read folder" was followed by "shoes/: holds no photo", which it may well hold."""
    from catalogue_fixtures import write_image

    import sane_desktop.catalogue.folder as folder
    from sane_desktop.catalogue import read_catalogue

    write_image(tmp_path / "tops" / "a.jpg")
    write_image(tmp_path / "shoes" / "deep" / "b.jpg")
    real_walk = os.walk

    def walk(top, onerror=None, **options):  # type: ignore[no-untyped-def]
        for entry in real_walk(top, onerror=onerror, **options):
            if Path(entry[0]).name == "deep":  # as os.walk does with a folder it cannot list
                onerror(PermissionError(13, "Permission denied", entry[0]))
                continue
            yield entry

    monkeypatch.setattr(folder.os, "walk", walk)
    said = [(skip.path, skip.reason) for skip in read_catalogue(tmp_path).skipped if skip.kind == "metadata"]
    assert said == [("shoes/deep", "cannot read folder: Permission denied")], said


def test_a_missing_photos_near_name_hint_reads_turkish_capital_i(tmp_path: Path) -> None:
    """Trial CP: "did you mean" found "Straße.jpg" for "STRASSE.jpg" but not "İpek.jpg" for "ipek.jpg"."""
    from sane_desktop.catalogue.safepath import near_name

    (tmp_path / "İpek.jpg").write_bytes(b"x")
    assert near_name(tmp_path / "ipek.jpg") == ("İpek.jpg", "letter case")


@pytest.mark.parametrize("name", ["a:b\\c “q” …/Café crème.jpg", "a:", "C:x.jpg", "ab:/x.jpg"])
def test_a_letter_and_a_colon_is_an_ordinary_name_on_posix(name: str) -> None:
    """Trial DP: every photo of a folder named ``a:b\\c "q" …`` was skipped as an "absolute path" on Linux,
    its "a:" read as a Windows drive. A drive with its root (``C:\\x``, ``C:/x``) stays refused everywhere:
    a table written on Windows names photos so."""
    assert check_relative(name, windows=False) == name
    for absolute in ("C:/x.jpg", "c:\\x.jpg", "\\\\server\\share\\x.jpg", "//server/share/x.jpg"):
        with pytest.raises(UnsafePath, match="absolute path"):
            check_relative(absolute, windows=False)
    for on_windows in ("a:b\\c.jpg", "C:x.jpg"):  # a drive there, with or without its root
        with pytest.raises(UnsafePath, match="absolute path"):
            check_relative(on_windows, windows=True)


def test_a_folder_named_with_a_drive_like_start_is_indexed(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    write_image(root / "a:b\\c" / "x.jpg")
    write_image(root / "tops" / "y.jpg")
    catalogue = read_catalogue(root)
    assert sorted(item.image_path for item in catalogue.items) == ["a:b\\c/x.jpg", "tops/y.jpg"]
