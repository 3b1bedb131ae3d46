"""Issue 14, the catalogue-reading kinds: every reported instance as a test with its right value,
and per kind a test that a new instance would fail.

- kind 3: files passed over in silence (names that are not UTF-8, backslashes in POSIX names, image
  formats known by content only, duplicate JSON keys, unreadable sub-folders);
- kind 4 (readers): a CSV's delimiter is detected; a missing column shows what the header looks like;
- kind 6 (readers): an untrusted mapping cannot hang or exhaust an import; a user's image is opened
  with the same pixel bound as an imported one, without Pillow's warning.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from catalogue_fixtures import (
    write_bomb_png,
    write_folder_catalogue,
    write_image,
    write_manifest_catalogue,
    write_polyvore_catalogue,
)
from PIL import features

from sane_desktop.catalogue import CatalogueError, read_catalogue
from sane_desktop.catalogue.ground_truth import read_ground_truth
from sane_desktop.catalogue.images import ImageRejected, load_rgb
from sane_desktop.catalogue.manifest import load_mapping
from sane_desktop.catalogue.safepath import UnsafePath, check_relative
from sane_desktop.catalogue.types import Catalogue, is_text
from sane_desktop.errors import InputError
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.paths import resource

POSIX = os.name != "nt"
NOT_UTF8 = os.fsdecode(b"caf\xe9.jpg")  # what os.listdir gives for Latin-1 bytes on a UTF-8 system
HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
HAS_PILLOW_HEIF = any(Path(p, "pillow_heif").is_dir() for p in sys.path if p)


def skipped_paths(catalogue: Catalogue) -> dict[str, str]:
    return {skip.path: skip.reason for skip in catalogue.skipped}


def every_text(catalogue: Catalogue) -> list[str]:
    texts = [catalogue.name]
    for item in catalogue.items:
        texts += [item.item_id, item.image_path, item.category, item.fine_category, item.title, item.description,
                  item.group, *item.attributes, *item.attributes.values()]
    for skip in catalogue.skipped:
        texts += list(skip.as_dict().values())
    for outfit in catalogue.outfits:
        texts += [outfit.outfit_id, outfit.title, *outfit.item_ids]
    return texts


# ---------------------------------------------------------------- kind 3: names that are not UTF-8

@pytest.mark.skipif(not POSIX, reason="POSIX file names are bytes")
def test_non_utf8_file_name_is_skipped_naming_it_and_the_import_goes_on(tmp_path: Path) -> None:
    expected = write_folder_catalogue(tmp_path, {"tops": 2})
    write_image(tmp_path / "tops" / NOT_UTF8)
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == expected
    reasons = skipped_paths(catalogue)
    assert "not valid UTF-8" in reasons["tops/caf\\xe9.jpg"]  # the bytes shown escaped


@pytest.mark.skipif(not POSIX, reason="POSIX file names are bytes")
def test_non_utf8_folder_name_is_skipped_once(tmp_path: Path) -> None:
    expected = write_folder_catalogue(tmp_path, {"tops": 1})
    write_image(tmp_path / os.fsdecode(b"sch\xfche") / "a.jpg")
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == expected
    assert "folder name is not valid UTF-8" in skipped_paths(catalogue)["sch\\xfche"]


@pytest.mark.skipif(not POSIX, reason="POSIX file names are bytes")
def test_non_utf8_name_in_polyvore_images_is_listed(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    write_image(tmp_path / "images" / NOT_UTF8)
    catalogue = read_catalogue(tmp_path)
    assert len(catalogue.items) == len(written["items"])
    assert "not valid UTF-8" in skipped_paths(catalogue)["images/caf\\xe9.jpg"]


@pytest.mark.skipif(not POSIX, reason="POSIX file names are bytes")
def test_non_utf8_name_imports_through_the_command_line_into_the_database(tmp_path: Path) -> None:
    """Downstream of the reader (database insert, the JSON report, hashing): nothing meets a surrogate."""
    root = tmp_path / "catalogue"
    write_folder_catalogue(root, {"tops": 2})
    write_image(root / "tops" / NOT_UTF8)
    db = tmp_path / "c.db"
    done = subprocess.run(
        [sys.executable, "-m", "sane_desktop", "import", str(root), "--name", "names", "--db", f"sqlite:///{db}", "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["items"] == 2
    assert any(skip["path"] == "tops/caf\\xe9.jpg" for skip in result["skipped"])
    with sqlite3.connect(db) as connection:
        paths = [row[0] for row in connection.execute("SELECT path FROM import_issues")]
    assert "tops/caf\\xe9.jpg" in paths


# ---------------------------------------------------------------- kind 3: a backslash in a POSIX name

@pytest.mark.skipif(not POSIX, reason="a backslash separates folders on Windows")
def test_backslash_in_a_posix_file_name_is_an_ordinary_character(tmp_path: Path) -> None:
    expected = write_folder_catalogue(tmp_path, {"tops": 1})
    write_image(tmp_path / "tops" / "a\\b.jpg")
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == sorted([*expected, "tops/a\\b"])
    assert not catalogue.skipped


@pytest.mark.skipif(not POSIX, reason="a backslash separates folders on Windows")
def test_backslash_in_a_polyvore_item_id_finds_its_image(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=4, n_outfits=0)
    metadata = json.loads((tmp_path / "polyvore_item_metadata.json").read_text())
    metadata["x\\y"] = dict(metadata["100"])
    (tmp_path / "polyvore_item_metadata.json").write_text(json.dumps(metadata))
    write_image(tmp_path / "images" / "x\\y.jpg")
    catalogue = read_catalogue(tmp_path)
    assert "x\\y" in {item.item_id for item in catalogue.items}


@pytest.mark.parametrize("bad", ["../x.jpg", "a/../../x.jpg", "/etc/passwd", "C:\\x.jpg", "\\\\server\\share\\x"])
def test_real_traversal_is_still_refused_on_posix(bad: str) -> None:
    with pytest.raises(UnsafePath):
        check_relative(bad, windows=False)


def test_backslash_traversal_is_refused_on_windows() -> None:
    assert check_relative("..\\x.jpg", windows=False) == "..\\x.jpg"  # one file named so, inside the folder
    with pytest.raises(UnsafePath):
        check_relative("..\\x.jpg", windows=True)
    with pytest.raises(UnsafePath):
        check_relative("\\x.jpg", windows=True)


# ---------------------------------------------------------------- kind 3: image formats by content

@pytest.mark.parametrize("name", ["a.jfif", "a.jpe", "a", "a.photo", "a.JPG.bak"])
def test_jpeg_under_any_name_is_imported(tmp_path: Path, name: str) -> None:
    write_image(tmp_path / "tops" / "seed.jpg")
    path = tmp_path / "tops" / name
    write_image(tmp_path / "scratch.jpg").rename(path)
    catalogue = read_catalogue(tmp_path)
    assert f"tops/{name}" in {item.image_path for item in catalogue.items}, catalogue.skipped


@pytest.mark.parametrize("name", ["a.heic", "a", "a.bin"])
def test_heic_is_skipped_naming_the_plugin(tmp_path: Path, name: str) -> None:
    if HAS_PILLOW_HEIF:
        pytest.skip("pillow-heif is installed here: HEIC would be decoded")
    write_image(tmp_path / "tops" / "seed.jpg")
    (tmp_path / "tops" / name).write_bytes(HEIC_HEADER)
    catalogue = read_catalogue(tmp_path)
    assert "format not supported (install pillow-heif)" in skipped_paths(catalogue)[f"tops/{name}"]


def test_avif_is_imported_or_skipped_naming_the_plugin(tmp_path: Path) -> None:
    write_image(tmp_path / "tops" / "seed.jpg")
    if features.check("avif"):
        write_image(tmp_path / "scratch.avif", image_format="AVIF").rename(tmp_path / "tops" / "a.avif")
        catalogue = read_catalogue(tmp_path)
        assert "tops/a.avif" in {item.image_path for item in catalogue.items}
    else:
        (tmp_path / "tops" / "a.avif").write_bytes(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1" + b"\x00" * 40)
        catalogue = read_catalogue(tmp_path)
        assert "AVIF format not supported" in skipped_paths(catalogue)["tops/a.avif"]


def test_non_image_files_are_listed_and_hidden_or_own_files_ignored(tmp_path: Path) -> None:
    write_image(tmp_path / "tops" / "seed.jpg")
    (tmp_path / "tops" / "notes.txt").write_text("not an image")
    (tmp_path / "tops" / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "ground_truth.json").write_text("{}")
    catalogue = read_catalogue(tmp_path)
    reasons = skipped_paths(catalogue)
    assert "not an image" in reasons["tops/notes.txt"]
    assert set(reasons) == {"tops/notes.txt"}


def test_a_hidden_folder_of_photos_is_named_with_its_count_and_caches_stay_quiet(tmp_path: Path) -> None:
    """A trial's photos in ``tops/.new/`` vanished from the import without a word: a hidden folder
    is still not read, but one holding photos is a line saying how many; the caches other programs
    keep (``.thumbnails``, ``.git``, a trash folder) are not."""
    write_image(tmp_path / "tops" / "seed.jpg")
    write_image(tmp_path / "tops" / ".new" / "a.jpg")
    write_image(tmp_path / "tops" / ".new" / "deeper" / "b.png")
    (tmp_path / "tops" / ".new" / "notes.txt").write_text("not a photo")
    write_image(tmp_path / ".thumbnails" / "normal" / "c.png")
    write_image(tmp_path / ".Trash-1000" / "files" / "d.jpg")
    (tmp_path / ".empty").mkdir()
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == ["tops/seed"]
    reasons = skipped_paths(catalogue)
    assert set(reasons) == {"tops/.new"}
    assert "2 photos in it were not read" in reasons["tops/.new"] and "rename it without the dot" in reasons["tops/.new"]
    write_image(tmp_path / ".one" / "e.jpg")
    assert "1 photo in it was not read" in skipped_paths(read_catalogue(tmp_path))[".one"]



def test_a_hidden_folder_of_photos_in_a_catalogue_read_from_metadata_is_named_too(tmp_path: Path) -> None:
    """Trial Y: a Polyvore-layout catalogue's hidden folder of photos was named nowhere (a folder tree
    says it); the same note now, caches still quiet."""
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=0)
    write_image(tmp_path / "images" / ".new" / "a.jpg")
    write_image(tmp_path / ".spare" / "b.jpg")
    write_image(tmp_path / ".thumbnails" / "c.png")
    reasons = skipped_paths(read_catalogue(tmp_path))
    assert "1 photo in it was not read" in reasons["images/.new"] and "rename it without the dot" in reasons[".spare"]
    assert ".thumbnails" not in reasons


# ---------------------------------------------------------------- kind 3: duplicate JSON keys

def _duplicate_first_key(text: str, key: str, replacement: str) -> str:
    """``text`` with ``"key": <replacement>`` written again right after the object's opening brace."""
    start = text.index(f'"{key}"')
    brace = text.rindex("{", 0, start)
    return text[: brace + 1] + f'"{key}": {replacement}, ' + text[brace + 1:]


def test_duplicate_item_id_in_polyvore_metadata_keeps_the_first_and_reports(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=0)
    path = tmp_path / "polyvore_item_metadata.json"
    entries = json.loads(path.read_text())
    first = entries["100"]["semantic_category"]
    other = next(c for c in written["items"].values() if c != first)
    moved = json.dumps({**entries["100"], "semantic_category": other})
    path.write_text(path.read_text()[:-1] + f', "100": {moved}}}')
    catalogue = read_catalogue(tmp_path)
    assert catalogue.item_by_id()["100"].category == first  # a top stays a top
    reasons = {skip.path: skip.reason for skip in catalogue.skipped}
    assert reasons["polyvore_item_metadata.json"] == "duplicate id 100 (first entry kept)"


def test_duplicate_key_inside_a_polyvore_entry_skips_that_item(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=0)
    path = tmp_path / "polyvore_item_metadata.json"
    path.write_text(_duplicate_first_key(path.read_text(), "semantic_category", '"shoes"'))
    catalogue = read_catalogue(tmp_path)
    assert "100" not in catalogue.item_by_id()
    assert "semantic_category" in {skip.item_id: skip.reason for skip in catalogue.skipped}["100"]


# every other JSON file a reader loads, where a repeated key would change meaning: an error naming
# the file and the key (malformed metadata stops the import)
STRICT_JSON_FILES = [
    ("polyvore", "nondisjoint/train.json", "set_id"),
    ("polyvore", "nondisjoint/fill_in_blank_valid.json", "answers"),
    ("polyvore", "polyvore_outfit_titles.json", "title"),
    ("manifest", "sane-mapping.json", "table"),
    ("manifest-json", "products.json", "group_name"),
]


@pytest.mark.parametrize(("layout", "relative", "key"), STRICT_JSON_FILES)
def test_duplicate_key_in_any_metadata_json_is_a_one_line_error(tmp_path: Path, layout: str, relative: str, key: str) -> None:
    if layout == "polyvore":
        write_polyvore_catalogue(tmp_path, n_items=12, n_outfits=8)
    else:
        write_manifest_catalogue(tmp_path, table_format="json" if layout == "manifest-json" else "csv")
    path = tmp_path / relative
    path.write_text(_duplicate_first_key(path.read_text(), key, '"0"'))
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(tmp_path)
    message = str(caught.value)
    assert Path(relative).name in message and f"duplicate key {key!r}" in message and "\n" not in message


def test_duplicate_key_in_ground_truth_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "ground_truth.json").write_text('{"outfits": {"1": {"theme_kind": "colour", "theme_kind": "motif"}}}')
    with pytest.raises(CatalogueError, match="ground_truth.json: duplicate key 'theme_kind'"):
        read_ground_truth(tmp_path)


# ---------------------------------------------------------------- kind 3: unreadable sub-folders

def test_unreadable_sub_folder_is_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = write_folder_catalogue(tmp_path, {"tops": 2})
    write_image(tmp_path / "locked" / "a.jpg")
    locked = str(tmp_path / "locked")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # root can read a chmod-000 folder: refuse it here instead
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == expected
    assert "cannot read folder: Permission denied" in skipped_paths(catalogue)["locked"]


# ---------------------------------------------------------------- kind 3, per kind: nothing silent

@pytest.mark.skipif(not POSIX, reason="POSIX file names are bytes")
def test_every_file_the_folder_scan_meets_is_imported_or_skipped(tmp_path: Path) -> None:
    """Any new kind of file must end up an item or a reason: a silently dropped one fails here."""
    write_folder_catalogue(tmp_path, {"tops": 2, "shoes": 1})
    write_image(tmp_path / "loose.png", image_format="PNG")
    write_image(tmp_path / "tops" / "x.jfif")
    write_image(tmp_path / "tops" / "no_suffix", image_format="JPEG")
    write_image(tmp_path / "tops" / "a\\b.jpg")
    write_image(tmp_path / "tops" / NOT_UTF8)
    write_image(tmp_path / "tops" / "dup.png", image_format="PNG")
    write_image(tmp_path / "tops" / "dup.jpg")
    (tmp_path / "tops" / "h.heic").write_bytes(HEIC_HEADER)
    (tmp_path / "tops" / "notes.txt").write_text("text")
    (tmp_path / "tops" / "empty.jpg").write_bytes(b"")
    write_bomb_png(tmp_path / "tops" / "bomb.png", 20_000, 20_000)
    os.mkfifo(tmp_path / "tops" / "pipe")
    os.symlink(write_image(tmp_path.parent / f"{tmp_path.name}-secret.jpg"), tmp_path / "tops" / "escape.jpg")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    write_image(outside / "o.jpg")
    os.symlink(outside, tmp_path / "linked-category")  # a category folder that is a link: not followed
    os.symlink(tmp_path / "tops", tmp_path / "shoes" / "loop")  # a link back inside
    catalogue = read_catalogue(tmp_path)
    accounted = {item.image_path for item in catalogue.items} | set(skipped_paths(catalogue))
    for directory, folders, files in os.walk(tmp_path):
        for name in folders:  # a folder the walk does not enter must be named with its reason
            relative = Path(directory, name).relative_to(tmp_path).as_posix()
            if os.path.islink(Path(directory, name)):
                assert relative in accounted, f"linked folder {relative!r} passed over in silence"
        for name in files:
            relative = Path(directory, name).relative_to(tmp_path).as_posix()
            if not name.startswith("."):
                shown = os.fsencode(relative).decode("utf-8", "backslashreplace")
                assert shown in accounted, f"{relative!r} passed over in silence"
    assert all(is_text(text) for text in every_text(catalogue))


def test_every_text_a_reader_returns_is_storable(tmp_path: Path) -> None:
    """A JSON escape for a lone surrogate is text no database can store: reported, not passed on."""
    write_polyvore_catalogue(tmp_path, n_items=6, n_outfits=2)
    path = tmp_path / "polyvore_item_metadata.json"
    path.write_text(path.read_text().replace('"101"', '"1\\ud8001"', 1).replace('"title": "striped', '"title": "\\udc00 striped', 1))
    catalogue = read_catalogue(tmp_path)
    assert all(is_text(text) for text in every_text(catalogue))
    assert len(catalogue.items) == 4
    assert {skip.item_id for skip in catalogue.skipped if skip.kind == "item"} == {"1\\ud8001", "100"}


# ---------------------------------------------------------------- kind 4: CSV delimiters

def _rewrite_csv(path: Path, delimiter: str) -> None:
    import csv
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def test_semicolon_csv_finds_its_columns(tmp_path: Path) -> None:
    written = write_manifest_catalogue(tmp_path)
    _rewrite_csv(tmp_path / "products.csv", ";")
    catalogue = read_catalogue(tmp_path)
    assert len(catalogue.items) == len(written["rows"])
    assert catalogue.items[0].title == written["rows"][0]["prod_name"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_any_common_delimiter_reads_the_same_catalogue(tmp_path: Path, delimiter: str) -> None:
    written = write_manifest_catalogue(tmp_path)
    _rewrite_csv(tmp_path / "products.csv", delimiter)
    _rewrite_csv(tmp_path / "outfits.csv", delimiter)
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == [row["article_id"] for row in written["rows"]]
    assert {item.attributes["pattern"] for item in catalogue.items} == {"striped", "Solid"}
    assert len(catalogue.outfits) == len(written["outfits"])


def test_missing_column_shows_the_header(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, mapping_overrides={"id": "sku"})
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(tmp_path)
    message = str(caught.value)
    assert "missing column(s) 'sku'" in message and "'article_id'" in message and "split on ','" in message


# ---------------------------------------------------------------- kind 6: untrusted mapping content

def _set_first_row(root: Path, values: dict[str, str]) -> None:
    import csv
    path = root / "products.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(values)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(("pattern", "value"), [
    ("(a+)+$", "a" * 40 + "!"),  # the issue's: the regex engine may avoid the blow-up, or time out
    ("(x+x+)+y", "x" * 3000),  # exponential in any backtracking engine
    ("(.*a){25}", "a" * 60),
])
def test_catastrophic_group_regex_cannot_hang_an_import(tmp_path: Path, pattern: str, value: str) -> None:
    write_manifest_catalogue(tmp_path, mapping_overrides={"group": {"column": "photo", "regex": pattern}})
    _set_first_row(tmp_path, {"photo": value})
    started = time.perf_counter()
    try:
        read_catalogue(tmp_path, validate_images=False)
    except CatalogueError as error:
        message = str(error)
        assert message.startswith("sane-mapping.json: items.group.regex took over") and "\n" not in message
    assert time.perf_counter() - started < 5


def test_regex_time_bound_stops_the_import_naming_file_and_field(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, mapping_overrides={"group": {"column": "photo", "regex": "(x+x+)+y"}})
    _set_first_row(tmp_path, {"photo": "x" * 3000})
    with pytest.raises(CatalogueError, match=r"^sane-mapping.json: items.group.regex took over"):
        read_catalogue(tmp_path, validate_images=False)


HOSTILE_MAPPINGS = [
    ({"group": {"column": "photo", "regex": "a" * 5000}}, "items.group.regex", None),
    ({"image_template": "{article_id:>200000000}"}, "items.image_template", None),
    ({"image_template": "{article_id:.999999999}"}, "items.image_template", None),
    ({"image_template": "{article_id:{article_id}}"}, "items.image_template", None),
    ({"image_template": "{article_id!r}.jpg"}, "items.image_template", None),
    ({"image_template": "{article_id.__class__}.jpg"}, "items.image_template", None),
    ({"image_template": "x" * 5000}, "items.image_template", None),
    ({"id_width": 200000000}, "items.id_width", None),
    ({"id_width": "wide"}, "items.id_width", None),
]


@pytest.mark.parametrize(("overrides", "field", "column_values"), HOSTILE_MAPPINGS)
def test_hostile_mapping_fails_fast_with_one_line(tmp_path: Path, overrides: dict[str, Any], field: str,
                                                  column_values: dict[str, str] | None) -> None:
    write_manifest_catalogue(tmp_path, mapping_overrides=overrides)
    if column_values:
        _set_first_row(tmp_path, column_values)
    started = time.perf_counter()
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(tmp_path, validate_images=False)
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert message.startswith("sane-mapping.json: ") and field in message and "\n" not in message


def test_shipped_mappings_still_parse() -> None:
    for path in sorted(resource("mappings").glob("*.json")):
        load_mapping(path)


# ---------------------------------------------------------------- kind 6: a user's image is bounded

def test_query_image_over_the_pixel_limit_is_one_line_input_error_without_warning(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = write_bomb_png(tmp_path / "huge.png", 12_000, 12_000)  # 144 MP: over ours, under Pillow's error
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError) as error:
            load_image_uint8(path, Preprocessing())
    assert not caught, [str(w.message) for w in caught]
    message = str(error.value)
    assert "huge.png" in message and "144,000,000 pixels" in message and "\n" not in message
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("giant.png", None, "pixel limit"),
    ("notes.jpg", b"<html>", "not an image"),
    ("photo.heic", HEIC_HEADER, "install pillow-heif"),
    ("gone.jpg", b"", "not found"),
])
def test_every_user_image_path_refuses_with_one_line(tmp_path: Path, name: str, content: bytes | None, expected: str) -> None:
    """load_rgb (thumbnails, the GUI's image from disk) and the model's loaders share one bounded open."""
    if name == "photo.heic" and HAS_PILLOW_HEIF:
        pytest.skip("pillow-heif is installed here")
    path = tmp_path / name
    if content is None:
        write_bomb_png(path, 30_000, 30_000)  # 900 MP: over Pillow's own error threshold too
    elif name != "gone.jpg":
        path.write_bytes(content)
    for load in (lambda: load_rgb(path), lambda: load_rgb(path, max_side=64), lambda: load_image_uint8(path, Preprocessing())):
        with pytest.raises(ImageRejected) as error:
            load()
        assert expected in str(error.value) and name in str(error.value)


def test_no_module_opens_images_around_the_bounded_open() -> None:
    """Per kind: a new path that decodes a user's image with Pillow directly fails here."""
    package = Path(__file__).resolve().parents[1] / "sane_desktop"
    offenders = [
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if path.name != "images.py" and "Image.open(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
    # nor does the GUI decode a file itself (Qt's readers have no pixel bound): it shows arrays
    # the worker decoded through the bounded open (thumbnails, the image-from-disk preview)
    qt_loads = ("QPixmap(str(", "QImage(str(", "QImageReader", ".load(str(", "QPixmap(path", "QImage(path")
    gui = [f"{path.relative_to(package)}: {line.strip()}" for path in (package / "gui").rglob("*.py")
           for line in path.read_text(encoding="utf-8").splitlines()
           if any(call in line for call in qt_loads) and "self.cache_file" not in line]  # the app's own PNGs
    assert gui == []


def test_an_outfit_listed_twice_in_a_protocol_is_reported_not_merged(tmp_path: Path) -> None:
    """Kind 3: a repeated set_id in a split file (or in two splits of one protocol) used to drop
    or double-count an outfit in silence."""
    import json

    write_polyvore_catalogue(tmp_path, n_items=12, n_outfits=4)
    train = tmp_path / "nondisjoint" / "train.json"
    outfits = json.loads(train.read_text())
    repeat = dict(outfits[0], items=list(reversed(outfits[0]["items"])))  # same set_id, other items
    train.write_text(json.dumps([*outfits, repeat]))
    catalogue = read_catalogue(tmp_path)
    split = next(s for s in catalogue.splits if (s.protocol, s.split) == ("nondisjoint", "train"))
    assert split.outfit_ids.count(str(outfits[0]["set_id"])) == 1
    assert [(s.item_id, s.kind) for s in catalogue.skipped if "listed again" in s.reason] == [
        (str(outfits[0]["set_id"]), "outfit")]


def test_a_link_to_a_folder_is_listed_by_its_path_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trial's summary read ``metadata  (Tops/loop): a link to a folder: …``: a file or folder
    that is no item has no id, so the line names its path alone, without the internal kind."""
    from sane_desktop.cli import main

    root = tmp_path / "shop"
    write_image(root / "tops" / "seed.jpg")
    (root / "tops" / "loop").symlink_to(root / "tops", target_is_directory=True)
    assert main(["import", str(root), "--db", f"sqlite:///{tmp_path / 'c.db'}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    link = [line for line in lines if "a link to a folder" in line]
    assert len(link) == 1 and link[0].strip().startswith("tops/loop: a link to a folder"), lines
    assert not any("metadata" in line or "  (" in line for line in lines), lines
