"""The manifest reader: a product table plus a JSON mapping."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from catalogue_fixtures import write_image, write_manifest_catalogue

from sane_desktop.catalogue import CatalogueError, read_catalogue
from sane_desktop.catalogue.types import Catalogue


@pytest.mark.parametrize("table_format", ["csv", "json"])
def test_reads_items_and_outfits(tmp_path: Path, table_format: str) -> None:
    written = write_manifest_catalogue(tmp_path, n_items=9, n_outfits=3, table_format=table_format)
    catalogue = read_catalogue(tmp_path)
    assert catalogue.format == "manifest" and catalogue.name == "test-manifest" and not catalogue.skipped
    assert [item.item_id for item in catalogue.items] == [row["article_id"] for row in written["rows"]]
    first = catalogue.items[0]
    assert first.item_id == "0000000001" and first.image_path == "images/000/0000000001.jpg"
    assert (first.category, first.fine_category, first.group) == ("tops", "type 0", "2019")
    assert first.attributes == {"colour": "Red", "pattern": "striped"}
    assert first.title == "Striped jersey 0" and first.width == 16
    assert {o.outfit_id: o.item_ids for o in catalogue.outfits} == written["outfits"]


def test_explicit_mapping_path_and_image_column(tmp_path: Path) -> None:
    root = tmp_path / "catalogue"
    written = write_manifest_catalogue(root, n_items=4, n_outfits=1)
    mapping = written["mapping"]
    del mapping["items"]["image_template"]
    mapping["items"]["image"] = "path"
    (root / "sane-mapping.json").unlink()
    rows = [{**row, "path": f"images/{row['article_id'][:3]}/{row['article_id']}.jpg"} for row in written["rows"]]
    with (root / "products.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping_path = tmp_path / "my-mapping.json"
    mapping_path.write_text(json.dumps(mapping))
    catalogue = read_catalogue(root, mapping_path)
    assert len(catalogue.items) == 4 and catalogue.items[1].image_path == "images/000/0000000002.jpg"


def test_id_width_pads_ids_in_both_tables(tmp_path: Path) -> None:
    written = write_manifest_catalogue(tmp_path, n_items=4, n_outfits=2, table_format="json", mapping_overrides={"id_width": 10})
    rows = [{**row, "article_id": int(row["article_id"])} for row in written["rows"]]  # ids lost their zeros
    (tmp_path / "products.json").write_text(json.dumps(rows))
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items][:2] == ["0000000001", "0000000002"]
    assert not catalogue.skipped


def test_excluded_categories_and_missing_image_policies(tmp_path: Path) -> None:
    written = write_manifest_catalogue(tmp_path, n_items=9, n_outfits=0, mapping_overrides={"exclude_categories": ["shoes"]})
    missing = written["rows"][0]["article_id"]
    (tmp_path / "images" / missing[:3] / f"{missing}.jpg").unlink()
    catalogue = read_catalogue(tmp_path)
    assert len(catalogue.items) == 5 and {i.category for i in catalogue.items} == {"tops", "bottoms"}
    reasons = [(s.kind, s.item_id, s.reason) for s in catalogue.skipped]
    assert ("item", missing, "image file is missing") in reasons
    assert any(kind == "metadata" and "3 row(s) in excluded categories" in reason for kind, _, reason in reasons)
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    mapping["items"]["missing_images"] = "count"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    counted = read_catalogue(tmp_path)
    assert len(counted.items) == 5 and not [s for s in counted.skipped if s.kind == "item"]
    assert any("1 row(s) without an image file" in s.reason for s in counted.skipped)


def test_outfit_with_unknown_items_keeps_the_rest(tmp_path: Path) -> None:
    """Unknown items leave their outfit; one left with fewer than 2 distinct items is dropped (a trial:
    kept, it became compatibility questions that score as perfect), and an item listed twice is
    counted once and reported (it was merged without a word)."""
    write_manifest_catalogue(tmp_path, n_items=6, n_outfits=0)
    (tmp_path / "outfits.csv").write_text(
        "outfit,article\nA,0000000001\nA,0000000002\nA,0000009999\nB,0000000003\nB,0000008888\nC,0000007777\n"
        "D,0000000004\nD,0000000004\nE,0000000005\nE,0000000006\nE,0000000005\n"
    )
    catalogue = read_catalogue(tmp_path)
    assert [(o.outfit_id, o.item_ids) for o in catalogue.outfits] == [
        ("A", ["0000000001", "0000000002"]), ("E", ["0000000005", "0000000006"])
    ]
    reasons = {s.item_id: s.reason for s in catalogue.skipped if s.kind == "outfit"}
    assert "0000009999 (unknown item)" in reasons["A"] and reasons["A"].startswith("kept")
    assert reasons["B"].startswith("outfit dropped: 1 distinct item(s), an outfit needs 2") and "0000008888" in reasons["B"]
    assert "dropped" in reasons["C"]
    assert reasons["D"].startswith("outfit dropped") and "0000000004 listed 2 times: counted once" in reasons["D"]
    assert reasons["E"] == "kept 0000000005 listed 2 times: counted once"
    # no question is made from what is left: every generated one compares 2 distinct items or more
    assert all(len(set(q.item_ids)) >= 2 for q in catalogue.compatibility)
    assert all(q.outfit_id in {"A", "E"} for q in catalogue.fitb)


def test_escaping_ids_and_absolute_paths_are_skipped(tmp_path: Path) -> None:
    outside = write_image(tmp_path / "secret.jpg")
    root = tmp_path / "catalogue"
    write_manifest_catalogue(root, n_items=2, n_outfits=0, mapping_overrides={"image_template": "", "image": "path"})
    rows = [
        {"article_id": "a1", "group_name": "Shoes", "path": str(outside)},
        {"article_id": "a2", "group_name": "Shoes", "path": "../secret.jpg"},
        {"article_id": "a3", "group_name": "Shoes", "path": "images/000/0000000001.jpg"},
    ]
    (root / "products.json").write_text(json.dumps(rows))
    mapping = json.loads((root / "sane-mapping.json").read_text())
    mapping["items"] = {"table": "products.json", "id": "article_id", "image": "path", "category": "group_name"}
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    catalogue = read_catalogue(root)
    assert [item.item_id for item in catalogue.items] == ["a3"]
    reasons = {s.item_id: s.reason for s in catalogue.skipped}
    assert "absolute" in reasons["a1"] and "escapes" in reasons["a2"]


def test_template_with_dotdot_id_is_skipped(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0, mapping_overrides={"image_template": "images/{article_id}.jpg"})
    header = (tmp_path / "products.csv").read_text().splitlines()[0]
    (tmp_path / "products.csv").write_text(header + "\n../../etc/x,Shoes,t,n,d,Red,Solid,2019_x.jpg\n")
    with pytest.raises(CatalogueError, match=r"no item of .* could be read: 1 item was left out .*escapes"):
        read_catalogue(tmp_path)  # its only row: nothing else to read (no empty catalogue is imported)


def test_template_attribute_access_is_refused(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0, mapping_overrides={"image_template": "{article_id.__class__}.jpg"})
    with pytest.raises(CatalogueError, match="plain column names"):
        read_catalogue(tmp_path)


@pytest.mark.parametrize(
    ("where", "key", "message"),
    [
        ((), "itmes", r"sane-mapping.json: unknown key 'itmes' \(did you mean 'items'\?\)"),
        (("items",), "catgory_map", r"items: unknown key 'catgory_map' \(did you mean 'category_map'\?\)"),
        (("items",), "colour", r"items: unknown key 'colour' \(known keys: table, id, "),
        (("outfits",), "outfit", r"outfits: unknown key 'outfit' \(did you mean 'outfit_id'\?\)"),
    ],
)
def test_unknown_mapping_key_stops_the_import_naming_it(tmp_path: Path, where: tuple[str, ...], key: str,
                                                        message: str) -> None:
    # a typo'd key used to be ignored: "catgory_map" left every category unmapped without a word
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=2)
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    section = mapping
    for name in where:
        section = section[name]
    section[key] = "x"
    section["_comment"] = "a key starting with an underscore is the writer's note"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    with pytest.raises(CatalogueError, match=message):
        read_catalogue(tmp_path)
    del section[key]  # the comment alone is fine
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    assert len(read_catalogue(tmp_path).items) == 2


def test_mapping_format_other_than_version_one_is_refused(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0)
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    mapping["format"] = "sane-mapping/2"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    with pytest.raises(CatalogueError, match="format 'sane-mapping/2' is not 'sane-mapping/1'"):
        read_catalogue(tmp_path)
    mapping["format"] = "sane-mapping/1"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    assert len(read_catalogue(tmp_path).items) == 2


@pytest.mark.parametrize(
    ("mapping_text", "message"),
    [
        ("{broken", "sane-mapping.json: invalid JSON"),
        ('{"items": {"table": "products.csv", "id": "article_id", "category": "group_name"}}', "exactly one of"),
        ('{"items": {"table": "products.csv", "image": "p", "category": "group_name"}}', "'id' is missing"),
        ('{"items": {"table": "products.csv", "id": "nope", "image": "p", "category": "group_name"}}', "missing column"),
        ('{"items": {"table": "../products.csv", "id": "a", "image": "p", "category": "c"}}', "escapes"),
        ('{"items": {"table": "absent.csv", "id": "a", "image": "p", "category": "c"}}', "absent.csv: table file not found"),
    ],
)
def test_malformed_mapping_is_a_clear_error(tmp_path: Path, mapping_text: str, message: str) -> None:
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0)
    (tmp_path / "sane-mapping.json").write_text(mapping_text)
    with pytest.raises(CatalogueError, match=message):
        read_catalogue(tmp_path)


def test_malformed_tables_are_clear_errors(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=1, table_format="json")
    (tmp_path / "products.json").write_text('{"rows": []}')
    with pytest.raises(CatalogueError, match="products.json: expected a JSON list of objects"):
        read_catalogue(tmp_path)
    (tmp_path / "products.json").write_text("[{]")
    with pytest.raises(CatalogueError, match="products.json: invalid JSON"):
        read_catalogue(tmp_path)
    (tmp_path / "products.json").write_text('[{"article_id": "unterminated')  # cut short (a trial: "at at")
    with pytest.raises(CatalogueError, match=r"^products.json: invalid JSON \(Unterminated string starting at: "
                                             r"line 1, column 17\)$"):
        read_catalogue(tmp_path)
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=1, table_format="json")
    (tmp_path / "outfits.csv").write_text("outfit_code,item\n1,2\n")
    with pytest.raises(CatalogueError, match=r"outfits.csv: missing column\(s\) 'article'"):
        read_catalogue(tmp_path)


def test_bad_rows_are_skipped_not_fatal(tmp_path: Path) -> None:
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0)
    with (tmp_path / "products.csv").open("a") as handle:
        handle.write("0000000001,Shoes,t,n,d,Red,Solid,2019_x.jpg\n,Shoes,t,n,d,Red,Solid,x\n0000000077,,t,n,d,Red,Solid,x\n")
    catalogue = read_catalogue(tmp_path)
    assert len(catalogue.items) == 3
    # the left-out row says how it differs (trial EV read a row of other data as a plain duplicate)
    assert sorted(s.reason for s in catalogue.skipped) == [
        "duplicate id 0000000001 (products.csv line 2 is used); the row left out differs: category 'shoes', title 'n', "
        "pattern 'Solid'", "empty category", "empty id"]


def test_a_csv_row_with_more_or_fewer_cells_than_its_header_is_left_out_saying_why(tmp_path: Path) -> None:
    """An unquoted comma in a title moves every later cell one column on (the category became
    "type 0", the colour a pattern) and csv.DictReader drops the extra cell without a word; a short
    row read "empty category" (a trial). Such rows are left out, named, with the cell counts."""
    write_manifest_catalogue(tmp_path, n_items=4, n_outfits=1)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    lines[1] = lines[1].replace("Striped jersey 0", "Striped jersey, navy")  # 9 cells under 8 columns
    lines[2] = "0000000002,Garment Lower"  # 2 cells
    table.write_text("\n".join(lines) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == ["0000000003", "0000000004"]
    reasons = {skip.item_id: skip.reason for skip in catalogue.skipped if skip.kind == "item"}
    assert reasons["0000000001"].startswith("the row has 9 cell(s) and the header 8: a ',' missing or one too many")
    assert reasons["0000000002"].startswith("the row has 2 cell(s) and the header 8")
    assert "quote a cell" in reasons["0000000001"]


def test_a_column_the_mapping_reads_named_twice_in_the_header_is_refused(tmp_path: Path) -> None:
    """Trial T: a table with two "Color" columns (a code, then a name) had the colour attribute read
    the last one without a word. A column the mapping reads that the header names twice is refused,
    naming both places; a repeated column it does not read is no matter."""
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=1)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0] + ",colour,notes,notes",
                                 *(line + f",C-0{n},first,second" for n, line in enumerate(lines[1:]))]) + "\n")
    with pytest.raises(CatalogueError) as error:
        read_catalogue(tmp_path)
    assert str(error.value) == ("products.csv: column 'colour' (for items.attributes.colour) is in the header 2 times "
                                "(columns 6, 9): rename all but the one to read")
    table.write_text("\n".join([lines[0] + ",notes,notes", *(line + ",first,second" for line in lines[1:])]) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert [item.attributes["colour"] for item in catalogue.items] == ["Red", "Light Blue", "Black"]
    assert not catalogue.skipped


def test_a_spreadsheets_empty_columns_and_rows_are_no_cells_and_no_items(tmp_path: Path) -> None:
    """Trial T: Excel's export ends the header with empty names and the table with rows of empty
    cells (";;;;"). A short row's count was off (two empty names made one key: "4 cell(s)" for 3), and
    each empty row was an item skipped for "empty id"."""
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=1)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    body = [line + ",," for line in lines[1:]]
    body[1] = "0000000002,Garment Lower,type 1"  # 3 cells under 10 columns
    table.write_text("\n".join([lines[0] + ",,", *body, ",,,,,,,,,", ",,,,,,,,,", ""]) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == ["0000000001", "0000000003"]
    assert [(skip.item_id, skip.reason.split(":")[0]) for skip in catalogue.skipped if skip.kind != "outfit"] == [
        ("0000000002", "the row has 3 cell(s) and the header 10")]


def test_a_value_map_matches_values_as_a_spreadsheet_writes_them(tmp_path: Path) -> None:
    """Trial T: with {"Blusas": "tops"}, a "BLUSAS" row became a category of its own, searched by looks
    alone, while " Blusas " was mapped. Letter case, runs of spaces and Unicode normalisation (a Mac's
    decomposed "é") are no difference to category_map, an attribute's map or exclude_categories."""
    import unicodedata

    write_manifest_catalogue(tmp_path, n_items=6, n_outfits=0, mapping_overrides={
        "category_map": {"Garment  Upper": "tops", "garment lower": "bottoms", "Calçado": "shoes", "Shoes": "shoes"},
        "exclude_categories": ["SOCKS"],
        "attributes": {"colour": "colour", "pattern": {"column": "pattern", "map": {"stripe": "striped"}}}})
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    decomposed = unicodedata.normalize("NFD", "CALÇADO")
    lines[1] = lines[1].replace("Garment Upper", "GARMENT UPPER")
    lines[2] = lines[2].replace("Garment Lower", " Garment   Lower ")
    lines[3] = lines[3].replace("Shoes", decomposed)
    lines[4] = lines[4].replace("Garment Upper", "Socks")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = read_catalogue(tmp_path)
    assert [item.category for item in catalogue.items] == ["tops", "bottoms", "shoes", "bottoms", "shoes"]
    patterns = {row.split(",")[6] for row in lines[1:]}
    assert "Stripe" in patterns and all(item.attributes.get("pattern") != "Stripe" for item in catalogue.items)
    assert not [note for note in catalogue.notes if "category_map" in note.reason]
    assert [skip.reason for skip in catalogue.skipped] == [
        "1 row(s) in excluded categories left out (items.exclude_categories)"]
    # two keys that are one value, mapped apart: which was meant is a guess, so the mapping is refused
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0,
                             mapping_overrides={"category_map": {"Shoes": "shoes", "SHOES": "bags"}})
    with pytest.raises(CatalogueError, match=r"'Shoes' and 'SHOES' are one value .* mapped to 'shoes' and 'bags'"):
        read_catalogue(tmp_path)


def test_a_value_mapped_to_nothing_is_no_value(tmp_path: Path) -> None:
    """Trial CC: MANGO's fabric column holds the accessories department's code on 2,569 items (handbags and socks
    alike), read as "fabric: accessory". A value the map sends to "" is no value of that kind."""
    write_manifest_catalogue(tmp_path, n_items=6, n_outfits=0, mapping_overrides={
        "attributes": {"colour": "colour", "pattern": {"column": "pattern", "map": {"stripe": "", "plain": "solid"}}}})
    catalogue = read_catalogue(tmp_path)
    patterns = [row.split(",")[6].lower() for row in (tmp_path / "products.csv").read_text().splitlines()[1:]]
    assert "stripe" in patterns
    for item, raw in zip(catalogue.items, patterns):
        assert item.attributes.get("pattern") == (None if raw == "stripe" else "solid" if raw == "plain" else
                                                  item.attributes.get("pattern"))
        assert item.attributes.get("pattern") != ""
    assert any(item.attributes.get("pattern") is None for item in catalogue.items)


def test_a_photo_path_in_the_other_unicode_form_is_the_file_and_letter_case_is_hinted(tmp_path: Path) -> None:
    """Trial T: a table written on a Mac names "fotos/café.jpg" with a decomposed "é", the file has the
    composed one; it read "image file is missing" beside "café.jpg named by none of its rows". The file
    is found in either Unicode form; a name differing in letter case is a hint (case matters here)."""
    import unicodedata

    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0,
                             mapping_overrides={"image": "path", "image_template": None})
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    del mapping["items"]["image_template"]
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    images = sorted((tmp_path / "images").rglob("*.jpg"))
    composed = tmp_path / "fotos" / "café.jpg"
    composed.parent.mkdir()
    images[0].rename(composed)
    images[1].rename(tmp_path / "fotos" / "img_1.jpg")
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    paths = [unicodedata.normalize("NFD", "fotos/café.jpg"), "FOTOS/IMG_1.JPG", images[2].relative_to(tmp_path).as_posix()]
    table.write_text("\n".join([lines[0] + ",path", *(line + "," + path for line, path in zip(lines[1:], paths))]) + "\n",
                     encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=True)
    assert [item.image_path for item in catalogue.items] == ["fotos/café.jpg", images[2].relative_to(tmp_path).as_posix()]
    # café.jpg is named (no note on it); img_1.jpg is named otherwise (trial EV: not "named by none of its rows"),
    # and the row naming it says what is there
    assert sorted((skip.item_id, skip.reason) for skip in catalogue.skipped) == [
        ("", "1 row(s) name their photo by a path where it is not (products.csv line 3 names 'FOTOS/IMG_1.JPG', "
             "fotos/img_1.jpg is the photo): write each as the photo's path from the catalogue folder"),
        ("0000000002", "image file is missing; fotos/img_1.jpg is there, a name that differs only in letter case: "
                       "write the name as the file has it")]


def test_a_csv_skip_names_the_line_an_editor_shows(tmp_path: Path) -> None:
    """A skip named the count of data rows ("row 3"), one less than the file's line and further off
    after a blank line or a title quoted over two lines: it names the file line the row starts on."""
    write_manifest_catalogue(tmp_path, n_items=5, n_outfits=1)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    # line 2: a title quoted over two lines (lines 2-3); then a blank line (4); the duplicate id on line 6
    lines[1] = lines[1].replace("Striped jersey 0", '"Striped jersey\nin two lines"')
    lines.insert(2, "")
    lines[4] = lines[4].replace("0000000003", "0000000001", 1)  # products row 4 -> a duplicate id
    table.write_text("\n".join(lines) + "\n")
    catalogue = read_catalogue(tmp_path)
    duplicate = [skip for skip in catalogue.skipped if skip.reason.startswith("duplicate id")]
    assert [skip.path for skip in duplicate] == ["products.csv line 6"]
    assert "0000000003" not in {item.item_id for item in catalogue.items}


def test_a_duplicate_id_keeps_the_row_whose_photo_is_there(tmp_path: Path) -> None:
    """Trial P: an id's first row named a missing photo, its second a valid one; the second was refused
    as "duplicate id (first row kept)" and the first then failed on its photo, so the item was lost
    whole under a message saying a row was kept. The row with its photo is used, and the line says
    which row is."""
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0)
    with (tmp_path / "products.csv").open("a") as handle:  # id 1's photo is there; a row naming it again
        handle.write("0000000001,Shoes,t,n,d,Red,Solid,2019_x.jpg\n")
    rows = (tmp_path / "products.csv").read_text().splitlines()
    (tmp_path / "images" / "000" / "0000000001.jpg").rename(tmp_path / "images" / "000" / "gone.jpg")
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    mapping["items"].pop("image_template")
    mapping["items"]["image"] = "photo_file"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    header, first, *others = rows
    rows = [header + ",photo_file", first + ",images/000/missing.jpg",
            *(row + f",images/000/{row.split(',')[0]}.jpg" for row in others[:-1]), others[-1] + ",images/000/gone.jpg"]
    (tmp_path / "products.csv").write_text("\n".join(rows) + "\n")
    catalogue = read_catalogue(tmp_path)
    by_id = catalogue.item_by_id()
    assert len(catalogue.items) == 3 and by_id["0000000001"].image_path == "images/000/gone.jpg"
    assert [(s.path, s.reason) for s in catalogue.skipped] == [
        ("products.csv line 2", "duplicate id 0000000001 (products.csv line 5 is used: this row's photo "
                                "images/000/missing.jpg is missing); the row left out differs: category 'tops', "
                                "title 'Striped jersey 0', pattern 'striped'")]
    # a row left out, not an item: the item is in the catalogue (trial S read it among the items skipped)
    assert {s.kind for s in catalogue.skipped} == {"metadata"} and not any(s.item_id for s in catalogue.skipped)
    # both photos there: the first row is used, the later one named as the duplicate
    (tmp_path / "images" / "000" / "missing.jpg").write_bytes((tmp_path / "images" / "000" / "gone.jpg").read_bytes())
    catalogue = read_catalogue(tmp_path)
    assert catalogue.item_by_id()["0000000001"].image_path == "images/000/missing.jpg"
    assert [(s.path, s.reason) for s in catalogue.skipped] == [
        ("products.csv line 5", "duplicate id 0000000001 (products.csv line 2 is used); the row left out differs: "
                                "category 'shoes', title 'n', pattern 'Solid'")]


def test_a_photo_no_row_names_is_said_once(tmp_path: Path) -> None:
    """Trial P: ``images/121954250.jpg``, in the folder but in no row of products.csv, was not indexed
    and named nowhere. One note counts such photos (a refused or excluded row's photo is named by
    its row, so it is not among them) and names the first."""
    write_manifest_catalogue(tmp_path, n_items=4, n_outfits=0)
    assert not [s for s in read_catalogue(tmp_path).skipped if "photo(s) in the folder" in s.reason]
    with (tmp_path / "products.csv").open("a") as handle:  # a refused row: its photo is named all the same
        handle.write("0000000077,,t,n,d,Red,Solid,2019_x.jpg\n")
    write_image(tmp_path / "images" / "000" / "0000000077.jpg")
    for number in range(5):
        write_image(tmp_path / "images" / "121" / f"12195425{number}.jpg")
    write_image(tmp_path / "extra" / ".hidden.jpg")
    notes = [s for s in read_catalogue(tmp_path).skipped if "photo(s) in the folder" in s.reason]
    assert [(s.path, s.reason, s.kind) for s in notes] == [
        ("products.csv", "5 photo(s) in the folder named by none of its rows: not indexed (images/121/121954250.jpg, "
                         "images/121/121954251.jpg, images/121/121954252.jpg and 2 more)", "metadata")]


def test_an_outfit_whose_rows_come_back_after_another_outfits_is_left_out_and_said(tmp_path: Path) -> None:
    """Trial V joined two exports: outfit 283's rows, then others, then another 283's rows, read as one
    outfit of 8 items without a word. Which rows go together is a guess: that outfit is left out, said
    with its places; rows of one outfit together stay one outfit."""
    write_manifest_catalogue(tmp_path, n_items=9, n_outfits=3)
    table = tmp_path / "outfits.csv"
    lines = table.read_text().splitlines()
    first = [line for line in lines[1:] if line.startswith("1,")]
    table.write_text("\n".join([*lines, *first]) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert sorted(outfit.outfit_id for outfit in catalogue.outfits) == ["2", "3"]
    dropped = [skip for skip in catalogue.skipped if skip.kind == "outfit"]
    assert [(skip.item_id, skip.reason) for skip in dropped] == [
        ("1", "outfit dropped: its rows are in 2 places (outfits.csv line 2 to 4, outfits.csv line 11 to 13), another "
              "outfit's between them — two outfits with one id? give each its own id, or put its rows together")]


def _with_looks(root: Path, looks: list[str]) -> Catalogue:
    """A catalogue of ``len(looks)`` products whose product sheet's "look" column holds ``looks``, read."""
    written = write_manifest_catalogue(root, n_items=len(looks), n_outfits=0)
    table = root / "products.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0] + ",look", *(f"{line},{look}" for line, look in zip(lines[1:], looks))])
                     + "\n")
    mapping = dict(written["mapping"], outfits={"table": "products.csv", "outfit_id": "look", "item_id": "article_id"})
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    return read_catalogue(root)


def test_a_look_columns_marker_for_no_look_makes_no_outfit(tmp_path: Path) -> None:
    """Trial EW marked the products in no look "-", "n/a" or "0" in the product sheet's look column: each marker became
    an outfit of unrelated products, unsaid, and fed training and the questions. A placeholder is no look; a "look"
    holding more items than any outfit is said and left out."""
    catalogue = _with_looks(tmp_path, ["L1", "L1", "-", "n/a", "NONE", "L2", "L2", "L2"] + ["0"] * 32)
    assert sorted(o.outfit_id for o in catalogue.outfits) == ["L1", "L2"]
    said = [(skip.item_id, skip.reason) for skip in catalogue.skipped if skip.kind == "outfit"]
    assert said == [("0", "outfit dropped: its id '0' reads as a marker for items in no outfit (32 item(s)), not an "
                          "outfit's id: leave their cell empty")]


def test_every_marker_for_no_look_a_sheet_writes_makes_no_outfit(tmp_path: Path) -> None:
    """Trial EX: "0", "#N/A" (a lookup's error), "—", "x", "no" and "TBD" in a look column each made an outfit of
    two to four strangers, unsaid. A placeholder or a mark alone is no look; a marker word, or a zero among looks
    that are no numbers, drops its "outfit" and says so; a table numbering its outfits from 0 keeps outfit 0."""
    catalogue = _with_looks(tmp_path, ["L1", "L1", "#N/A", "#N/A", "—", "—", "TBD", "TBD", "x", "x", "no",
                                       "No", "0", "0", "L2", "L2", "L2", "#VALUE!", "#VALUE!", "...", "..."])
    assert sorted(o.outfit_id for o in catalogue.outfits) == ["L1", "L2"]
    dropped = sorted(skip.item_id for skip in catalogue.skipped if skip.kind == "outfit")
    assert dropped == ["0", "No", "no", "x"], dropped  # ("No" and "no": two ids, as written)
    # an outfits table of its own, numbered from 0: its outfit 0 is an outfit; beside looks named L…, a marker
    numbered = tmp_path / "numbered"
    write_manifest_catalogue(numbered, n_items=9, n_outfits=0)
    ids = [line.split(",")[0] for line in (numbered / "products.csv").read_text().splitlines()[1:]]
    for outfit_ids, kept in ((["0", "1"], ["0", "1"]), (["L0", "L1", "0"], ["L0", "L1"]),
                             (["0", "1", "L9", "x"], ["0", "1", "L9"])):  # (trial EY: a stray "L9" dropped outfit 0)
        rows = [f"{outfit_id},{item_id}" for n, outfit_id in enumerate(outfit_ids) for item_id in ids[2 * n:2 * n + 2]]
        (numbered / "outfits.csv").write_text("\n".join(["outfit,article", *rows]) + "\n")
        assert sorted(o.outfit_id for o in read_catalogue(numbered).outfits) == kept, outfit_ids


def test_placeholder_categories_are_one_category_of_items_without_one(tmp_path: Path) -> None:
    """Trial EX: category cells "N/A", "-", "Unknown", "none" and "#N/A" each became a category of their own ("#n/a"
    offered as "n/a" written another way). They are the one category "unknown" of the items without one, as H&M's
    "Unknown" was already, said in one note; a category_map entry for one of them still files it elsewhere."""
    written = write_manifest_catalogue(tmp_path, n_items=12, n_outfits=0)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    marks = {1: "N/A", 2: "-", 3: "Unknown", 4: "none", 5: "#N/A", 6: "n/a"}
    rows = [",".join([cells[0], marks.get(number, cells[1]), *cells[2:]])
            for number, cells in enumerate((line.split(",") for line in lines[1:]), start=1)]
    table.write_text("\n".join([lines[0], *rows]) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert sorted(catalogue.categories()) == ["bottoms", "shoes", "tops", "unknown"], catalogue.categories()
    assert not [note for note in catalogue.notes if "letter case" in note.reason]  # no "'Unknown' and 'unknown'"
    assert sum(item.category == "unknown" for item in catalogue.items) == 6
    said = [note.reason for note in catalogue.notes if "mean no category" in note.reason]
    assert said == ["category cells 'N/A' (1), '-' (1), 'none' (1), '#N/A' (1), 'n/a' (1) mean no category: those 5 "
                    "row(s) are the category 'unknown' (items.category_map files them elsewhere)"], said
    mapping = written["mapping"]
    mapping["items"]["category_map"] = {"n/a": "Shoes"}
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    catalogue = read_catalogue(tmp_path)
    assert sum(item.category == "unknown" for item in catalogue.items) == 4  # "N/A" and "n/a" filed as shoes


def test_an_outfits_table_sorted_by_another_column_keeps_its_outfits(tmp_path: Path) -> None:
    """Trial EV sorted MANGO's outfits table by item, as a spreadsheet's sort leaves it: every outfit's rows were
    scattered and all 7,842 were dropped as "two outfits with one id?". A table whose outfits are mostly scattered is
    read by outfit id, and one note says so; a few scattered ids in a grouped table are still left out (trial V)."""
    written = write_manifest_catalogue(tmp_path, n_items=9, n_outfits=4)
    table = tmp_path / "outfits.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0], *sorted(lines[1:], key=lambda line: line.split(",")[1])]) + "\n")
    catalogue = read_catalogue(tmp_path)
    assert {o.outfit_id: sorted(o.item_ids) for o in catalogue.outfits} == \
        {outfit_id: sorted(ids) for outfit_id, ids in written["outfits"].items()}
    assert not [skip for skip in catalogue.skipped if skip.kind == "outfit"]
    assert [note.reason for note in catalogue.notes if note.path == "outfits.csv"] == [
        "not grouped by outfit (4 outfit(s) with rows in several places, as a table sorted by another column): "
        "each outfit read by its id"]


def test_a_look_column_on_the_product_sheet_reads_its_looks(tmp_path: Path) -> None:
    """Trial EV gave the looks as a column of the product sheet, sorted by family: every look was dropped, and each
    product in no look was said as a row "left out: column 'look' is empty". Products in no look are no half rows."""
    written = write_manifest_catalogue(tmp_path, n_items=9, n_outfits=0)
    looks = {"0000000001": "L1", "0000000004": "L1", "0000000007": "L1", "0000000002": "L2", "0000000009": "L2"}
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    rows = [f"{line},{looks.get(line.split(',')[0], '')}" for line in lines[1:]]
    table.write_text("\n".join([lines[0] + ",look", *rows]) + "\n")
    mapping = dict(written["mapping"], outfits={"table": "products.csv", "outfit_id": "look", "item_id": "article_id"})
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    catalogue = read_catalogue(tmp_path)
    assert {o.outfit_id: sorted(o.item_ids) for o in catalogue.outfits} == {
        "L1": ["0000000001", "0000000004", "0000000007"], "L2": ["0000000002", "0000000009"]}
    assert not [skip for skip in catalogue.skipped if skip.kind == "outfit"]


def test_outfit_ids_written_otherwise_than_the_items_are_named(tmp_path: Path) -> None:
    """Trial EV: outfits naming 300024058 for the item 0300024058 (a number column), "...-or" for "...-OR" or pandas'
    "300024058.0" lost every outfit, each id an "unknown item" with no hint. Ids are still matched as written, but
    each such id names the item it likely is, and one line says what to do."""
    written = write_manifest_catalogue(tmp_path, n_items=9, n_outfits=3)
    table = tmp_path / "outfits.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0], *(f"{line.split(',')[0]},{int(line.split(',')[1])}.0" for line in lines[1:])])
                     + "\n")
    catalogue = read_catalogue(tmp_path)
    assert catalogue.outfits == []
    first = sorted(written["outfits"]["1"])[0]
    dropped = next(skip.reason for skip in catalogue.skipped if skip.kind == "outfit" and skip.item_id == "1")
    assert f"{int(first)}.0 (unknown item; the catalogue has {first})" in dropped
    said = [skip for skip in catalogue.skipped if "written another way" in skip.reason]
    count = len({item_id for ids in written["outfits"].values() for item_id in ids})
    assert len(said) == 1 and said[0].path == "outfits.csv" and said[0].reason.startswith(
        f"{count} item id(s) in the outfits are the items' ids written another way")
    assert "items.id_width" in said[0].reason  # the zeros a number column dropped: the padding that puts them back
    assert f"written another way (a '.0', leading zeros: '{int(first)}.0' is '{first}' among the items)" \
        in said[0].reason
    # other spellings a sheet or a word processor makes (trial EW): each names the item it likely is
    from sane_desktop.catalogue import id_written_alike, ways_written

    for written, ways in (("43063724\u2011OR", ["invisible characters or a typographic hyphen"]),
                          ("43063724-OR\u200b", ["invisible characters or a typographic hyphen"]),
                          ("43063724_or", ["letter case", "an underscore for a hyphen"]),
                          ("043063724-or", ["letter case", "leading zeros"])):
        assert id_written_alike(written) == id_written_alike("43063724-OR"), written
        assert ways_written(written, "43063724-OR") == ways, written  # the note names the ways seen, no others
    assert id_written_alike("0378447003.00") == id_written_alike("378447003")


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_a_json_lines_table_reads_as_its_json_list_does(tmp_path: Path, suffix: str) -> None:
    """Trial EV's ``products.jsonl`` (an object a line, as many exports write) was split on commas as a CSV: a
    "missing column" error quoting JSON fragments as its header, and draft-mapping drafted them as columns. It
    reads as the same table written as a JSON list; a line that is not JSON is named."""
    listed, lines = tmp_path / "listed", tmp_path / "lines"
    write_manifest_catalogue(listed, n_items=6, n_outfits=2, table_format="json")
    write_manifest_catalogue(lines, n_items=6, n_outfits=2, table_format="json")
    rows = json.loads((lines / "products.json").read_text())
    (lines / "products.json").unlink()
    table = lines / f"products{suffix}"
    table.write_text("\n".join(json.dumps(row) for row in rows[:3]) + "\n\n"
                     + "\n".join(json.dumps(row) for row in rows[3:]) + "\n")
    mapping = json.loads((lines / "sane-mapping.json").read_text())
    mapping["items"]["table"] = table.name
    (lines / "sane-mapping.json").write_text(json.dumps(mapping))
    expected, read = read_catalogue(listed), read_catalogue(lines)
    assert [(i.item_id, i.category, i.title, i.attributes) for i in read.items] == \
        [(i.item_id, i.category, i.title, i.attributes) for i in expected.items] and len(read.items) == 6
    assert sorted(o.outfit_id for o in read.outfits) == ["1", "2"]
    table.write_text(table.read_text() + '{"article_id": "0000000099", "group_name": \n')
    with pytest.raises(CatalogueError, match=rf"products{suffix}: line 8 is not JSON .*one object a line"):
        read_catalogue(lines)
    # keys written otherwise than the mapping's are read as a CSV header's are (trial EW), each said
    table.write_text("\n".join(json.dumps({("Article_ID" if k == "article_id" else "group_name " if k == "group_name"
                                            else k): v for k, v in row.items()}) for row in rows) + "\n")
    again = read_catalogue(lines)
    assert [(i.item_id, i.category) for i in again.items] == [(i.item_id, i.category) for i in expected.items]
    assert any("column 'Article_ID' read as 'article_id'" in note.reason for note in again.notes)
    # an object a line under a .json name: said what it is
    table.rename(lines / "products.json")
    mapping["items"]["table"] = "products.json"
    (lines / "sane-mapping.json").write_text(json.dumps(mapping))
    with pytest.raises(CatalogueError, match=r"it holds one JSON object a line \(JSON Lines\): name it .jsonl"):
        read_catalogue(lines)


def test_a_header_written_otherwise_or_under_a_title_reads_and_says_so(tmp_path: Path) -> None:
    """Trial EV: last month's mapping refused this month's export for a header cell "group_name " (a trailing space),
    "PROD_NAME", a no-break space, or a report's title line above the header. Each is read as the mapping means it,
    said in one line; two cells that are one column written otherwise are still refused."""
    expected_root = tmp_path / "expected"
    write_manifest_catalogue(expected_root, n_items=6, n_outfits=2)
    expected = read_catalogue(expected_root)
    root = tmp_path / "export"
    write_manifest_catalogue(root, n_items=6, n_outfits=2)
    table = root / "products.csv"
    lines = table.read_text().splitlines()
    header = lines[0].replace("group_name", "group_name ").replace("prod_name", "PROD_NAME") \
        .replace("colour", "colour\u00a0")
    table.write_text("\n".join(["Product export 2024-05-01 (Shop XY),,,", "", header, *lines[1:]]) + "\n")
    catalogue = read_catalogue(root)
    assert [(i.item_id, i.category, i.title, i.attributes) for i in catalogue.items] == \
        [(i.item_id, i.category, i.title, i.attributes) for i in expected.items]
    assert sorted(note.reason for note in catalogue.notes if note.path == "products.csv") == [
        "column 'PROD_NAME' read as 'prod_name' (items.title): they differ only in spaces, letter case or Unicode form",
        "column 'colour\\xa0' read as 'colour' (items.attributes.colour): they differ only in spaces, letter case or "
        "Unicode form",
        "column 'group_name ' read as 'group_name' (items.category): they differ only in spaces, letter case or Unicode "
        "form",
        "the header is line 3: the line(s) above it read as a title, not as rows"]
    assert [s.path for s in catalogue.skipped if s.kind == "item"] == []
    table.write_text("\n".join([header.replace("PROD_NAME", "PROD_NAME,prod_name  "),
                                *(line + ",x" for line in lines[1:])]) + "\n")
    with pytest.raises(CatalogueError, match=r"missing column\(s\) 'prod_name' \(for items.title\)"):
        read_catalogue(root)


def test_photo_paths_a_user_writes_read_or_name_their_photo(tmp_path: Path) -> None:
    """Trial EV: "images/../images/x.jpg" was refused as leaving the folder, a whole path inside the folder as
    absolute, and every photo of a refused or missing row was also said "named by none of its rows" (10 of 10), which
    would have a user add rows the table has. A path inside the folder reads; a row naming its photo where it is not
    says which photo it likely is, once, and that photo is not said unnamed."""
    root = tmp_path / "shop"
    write_manifest_catalogue(root, n_items=7, n_outfits=0)
    photo = [f"images/000/{number:010d}.jpg" for number in range(1, 8)]
    (root / photo[6]).rename(root / photo[6].replace(".jpg", ".JPG"))
    paths = [f"images/../{photo[0]}", str(root / photo[1]), photo[2], f"{photo[3].rsplit('/', 1)[1]}",
             photo[4][:-4], "C:\\Shop\\" + photo[5].replace("/", "\\"), photo[6]]
    table = root / "products.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0] + ",path", *(f'{line},"{path}"' for line, path in zip(lines[1:], paths))])
                     + "\n")
    mapping = json.loads((root / "sane-mapping.json").read_text())
    del mapping["items"]["image_template"]
    mapping["items"]["image"] = "path"
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    catalogue = read_catalogue(root)
    assert {item.item_id: item.image_path for item in catalogue.items} == {
        "0000000001": photo[0], "0000000002": photo[1], "0000000003": photo[2]}
    said = [skip.reason for skip in catalogue.skipped if skip.kind == "metadata"]
    assert not [reason for reason in said if "named by none" in reason], said
    assert [reason for reason in said if "name their photo" in reason] == [
        f"3 row(s) name their photo by a path where it is not (products.csv line 5 names '{paths[3]}', {photo[3]} is the "
        f"photo; products.csv line 6 names '{paths[4]}', {photo[4]} is the photo; products.csv line 8 names "
        f"'{photo[6]}', {photo[6][:-4]}.JPG is the photo): write each as the photo's path from the catalogue folder"]
    # a photo no row names is still said
    write_image(root / "images" / "999" / "9999999999.jpg")
    said = [skip.reason for skip in read_catalogue(root).skipped if "named by none" in skip.reason]
    assert said == ["1 photo(s) in the folder named by none of its rows: not indexed (images/999/9999999999.jpg)"]


def test_photos_filed_under_another_category_than_their_row_are_said(tmp_path: Path) -> None:
    """Trial EV filed photos by category (Shoes/, Tops/, …) and a table whose category disagreed for some: a sneaker
    in Shoes/ was read as "Tops" and searched as a top, unsaid. The table's category is still used, and said."""
    root = tmp_path / "shop"
    write_manifest_catalogue(root, n_items=9, n_outfits=0)
    table = root / "products.csv"
    rows = list(csv.DictReader(table.open()))
    for number, row in enumerate(rows):  # each photo in a folder named as its category; the last three not
        folder = row["group_name"] if number < 6 else {"Shoes": "Garment Upper"}.get(row["group_name"], "Shoes")
        source = root / "images" / row["article_id"][:3] / f"{row['article_id']}.jpg"
        (root / folder).mkdir(exist_ok=True)
        source.rename(root / folder / f"{row['article_id']}.jpg")
        row["path"] = f"{folder}/{row['article_id']}.jpg"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = json.loads((root / "sane-mapping.json").read_text())
    del mapping["items"]["image_template"]
    mapping["items"]["image"] = "path"
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    catalogue = read_catalogue(root)
    assert len(catalogue.items) == 9
    [note] = [n.reason for n in catalogue.notes if "filed in a folder" in n.reason]
    assert note.startswith("3 photo(s) filed in a folder named as another category than their row's (Shoes/0000000007.jpg "
                           "is 'Garment Upper' on line 8;") and note.endswith("): the table's category is used")
    assert {i.item_id: i.category for i in catalogue.items}["0000000007"] == "tops"  # as the table says


def test_one_category_written_two_ways_is_said(tmp_path: Path) -> None:
    """Trial EV: "KLEIDER" and "Kleider" in a table became one category unsaid (a folder tree says it), and
    "tshirts" beside "T-shirts" stayed two, a one-item category searched alone, unsaid. Both are said; the look-alikes
    stay apart, with the way to join them."""
    root = tmp_path / "shop"
    write_manifest_catalogue(root, n_items=6, n_outfits=0, mapping_overrides={"category_map": {}})
    table = root / "products.csv"
    rows = list(csv.DictReader(table.open()))
    for row, value in zip(rows, ["KLEIDER", "Kleider", "T-shirts", "tshirts", "T-shirts", "Shoes"]):
        row["group_name"] = value
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    catalogue = read_catalogue(root)
    assert sorted({i.category for i in catalogue.items}) == ["kleider", "shoes", "t-shirts", "tshirts"]
    said = [note.reason for note in catalogue.notes]
    assert "category values 'KLEIDER' and 'Kleider' differ only in letter case, spaces or invisible characters: one " \
           "category, 'kleider'" in said
    assert "categories 't-shirts' (2 items) and 'tshirts' (1 item) look like one written two ways: kept apart; to " \
           "search them as one, map one onto the other (the index's category choices, or the mapping's " \
           "items.category_map)" in said


def test_a_refused_absolute_path_names_the_photo_in_the_folder(tmp_path: Path) -> None:
    """Trial V: "C:\\shop\\images\\x.jpg" read "absolute path not allowed" with images/x.jpg in the folder."""
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0)
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    del mapping["items"]["image_template"]
    mapping["items"]["image"] = "path"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    paths = ["C:\\\\shop\\\\images\\\\000\\\\0000000001.jpg", "/elsewhere/nothing.jpg"]
    table.write_text("\n".join([lines[0] + ",path", *(f'{line},"{path}"' for line, path in zip(lines[1:], paths))]) + "\n")
    with pytest.raises(CatalogueError) as refused:  # no row left: nothing is imported, each row's reason said
        read_catalogue(tmp_path, validate_images=False)
    said = str(refused.value)
    assert "; images/000/0000000001.jpg is in the catalogue folder: write the path from there; " in said, said
    assert said.count("is in the catalogue folder") == 1


def test_a_category_is_found_whatever_its_case_turkish_dotted_capital_i_included() -> None:
    """Trial CN: ``--category "iç giyim"`` and ``"İÇ GİYİM"`` missed a folder named "İç giyim" (Python folds the
    capital İ to "i" and a combining dot), where "röcke" found "Röcke"."""
    from sane_desktop.catalogue.types import spelled_as

    names = ["İç giyim", "Röcke", "Oberteile"]
    assert spelled_as("iç giyim", names) == spelled_as("İÇ GİYİM", names) == "İç giyim"
    assert spelled_as("röcke", names) == "Röcke" and spelled_as("hosen", names) == "hosen"
    assert spelled_as("AYAKKABI", ["Ayakkabı", "Çanta"]) == "Ayakkabı"  # its dotless ı is I in capitals (trial CO)
    # …and only in capitals: "kir" and "kır" are two words, two folders (a review)
    assert spelled_as("kir", ["Kır", "Kir"]) == "Kir" and spelled_as("kır", ["Kır", "Kir"]) == "Kır"
    assert spelled_as("kir", ["Kır"]) == "kir"
    assert spelled_as("KIR", ["Kır", "Kir"]) == "KIR" and spelled_as("KIR", ["Kir"]) == "Kir"  # either, or the one


def test_a_category_is_found_as_the_text_output_printed_it() -> None:
    """Trial DQ: ``items --category`` and ``query --category`` refused the names the command line prints — a
    category holding a zero-width joiner (printed ``\\u200d``), or any non-ASCII one under an ASCII-only terminal
    (``PYTHONIOENCODING=ascii``: "Caf\\xe9", "\\u978b\\u5b50") — listing the very name typed among the catalogue's.
    ``--category-map`` reads its names the same way."""
    from sane_desktop.catalogue.types import spelled_as
    from sane_desktop.retrieval.category_map import resolve

    family = "👩\u200d👩\u200d👧 bags"
    names = [family, "Café", "鞋子", "Tops\\x41"]
    for name in names[:3]:
        for printed in (name.encode("ascii", "backslashreplace").decode(), repr(name)[1:-1]):
            assert spelled_as(printed, names) == name, printed
    assert spelled_as("caf\\xe9", names) == "Café"  # its case as well
    assert spelled_as("Tops\\x41", names) == "Tops\\x41" and spelled_as("TopsA", names) == "TopsA"  # as written
    assert resolve(names, ["bags", "shoes"], {"Caf\\xe9": "general", "\\u978b\\u5b50": "shoes"})["鞋子"].target == "shoes"


def test_a_category_map_writes_the_categories_it_maps_to_as_categories_are(tmp_path: Path) -> None:
    """Trial DR: a mapping file's ``"Bottoms": "bottoms\\u200b"`` made a second "bottoms", and ``"Bags": "\\u200b"``
    a category shown as a blank row in every list. The first is "bottoms"; the second is refused, naming the
    value, before anything is read."""
    write_manifest_catalogue(tmp_path / "ok", n_items=6, n_outfits=0,
                             mapping_overrides={"category_map": {"Garment Upper": "tops\u200b",
                                                                 "Garment Lower": " bottoms\u200e"}})
    assert {item.category for item in read_catalogue(tmp_path / "ok").items} == {"tops", "bottoms", "shoes"}
    write_manifest_catalogue(tmp_path / "blank", n_items=6, n_outfits=0,
                             mapping_overrides={"category_map": {"Shoes": "\u200b"}})
    with pytest.raises(CatalogueError, match="'shoes' is mapped to a name that shows nothing"):
        read_catalogue(tmp_path / "blank")


def test_a_value_with_a_word_processors_hyphen_matches_its_map_key() -> None:
    """Trial EV: "T\u2011shirt" (a non-breaking hyphen) was "not in items.category_map" beside the map's "T-shirt",
    in text that looks the same."""
    from sane_desktop.catalogue.types import value_key

    from sane_desktop.catalogue.types import category_name

    assert value_key("T\u2011shirt") == value_key("T-shirt") == value_key("t\u2010SHIRT") == "t-shirt"
    assert value_key("T\u2014shirt") != value_key("T-shirt")  # a dash is no hyphen
    # and one category (trial EW: "T‑shirt", "T\u00adshirt" and "T-shirt" were three that print alike)
    assert category_name("T\u2011shirt") == category_name("T-shirt") == "T-shirt"
    assert category_name("T\u00adshirt") == category_name("T\u200bshirt") == "Tshirt"  # (a soft hyphen shows nothing)
    assert category_name("👩\u200d👧 looks") == "👩\u200d👧 looks"  # a joiner inside an emoji stays


def test_an_id_a_spreadsheet_wrote_in_scientific_notation_is_named_as_such(tmp_path: Path) -> None:
    """Trial EV: Excel's "3.00024E+08" for two ids read as one plain duplicate."""
    write_manifest_catalogue(tmp_path, n_items=2, n_outfits=0)
    table = tmp_path / "products.csv"
    lines = table.read_text().splitlines()
    lines[1:] = [line.replace(line.split(",")[0], "3.00024E+08", 1) for line in lines[1:]]
    table.write_text("\n".join(lines) + "\n")
    (tmp_path / "sane-mapping.json").write_text((tmp_path / "sane-mapping.json").read_text().replace(
        '"image_template": "images/{article_id:.3}/{article_id}.jpg"', '"image_template": "images/000/0000000001.jpg"'))
    [said] = [skip.reason for skip in read_catalogue(tmp_path).skipped if skip.reason.startswith("duplicate id")]
    assert said.endswith("; the id is a number a spreadsheet wrote in scientific notation, its last digits lost: format "
                         "the id column as text and export it again")



def test_a_row_naming_its_photo_with_another_image_suffix_names_the_photo() -> None:
    """Trial EW: a row's "photos/x.jpg" for photos/x.jpeg (or ".png" for ".jpg") got no hint, and the photo was said
    "named by none of its rows"."""
    from sane_desktop.catalogue.unlisted import meant_photos

    assert meant_photos(["photos/x.jpeg", "photos/y.jpg", "other/y.jpeg"], ["photos/x.jpg", "photos/y.png"]) == {
        "photos/x.jpeg": "photos/x.jpg", "photos/y.jpg": "photos/y.png"}


def test_categories_compare_by_their_singular() -> None:
    """Trial EW: folders "dresses/" beside rows "Dress" hid a misfiled photo; "tshirts" and "T-Shirt" are one word."""
    from sane_desktop.catalogue.types import singular_key

    assert singular_key("Dresses") == singular_key("dress") == "dress"
    assert singular_key("T-Shirts") == singular_key("tshirt") == "tshirt"
    assert singular_key("Accessories") == "accessory" and singular_key("Bags") == singular_key("bag")
    assert singular_key("Trousers") == singular_key("Trouser") and singular_key("Glass") == "glass"


def test_a_value_outside_the_category_map_in_two_unicode_forms_is_said_once(tmp_path: Path) -> None:
    """Trial EW read two lines "category 'Pantalón' on 1 row(s) is not in items.category_map", printed alike (its
    composed and decomposed forms), for one category."""
    import unicodedata

    write_manifest_catalogue(tmp_path, n_items=4, n_outfits=0)
    table = tmp_path / "products.csv"
    rows = list(csv.DictReader(table.open()))
    for row, value in zip(rows, [unicodedata.normalize("NFC", "Pantalón"), unicodedata.normalize("NFD", "Pantalón")]):
        row["group_name"] = value
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    said = [n.reason for n in read_catalogue(tmp_path).notes if "is not in items.category_map" in n.reason]
    assert len(said) == 1 and "on 2 row(s)" in said[0], said



def test_an_empty_product_table_is_said_empty(tmp_path: Path) -> None:
    """Trial EX read "the header, split on ',', has 0 column(s): " of an empty products.csv."""
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0)
    (tmp_path / "products.csv").write_text("")
    with pytest.raises(CatalogueError, match=r"the file is empty \(no header, no rows\)$"):
        read_catalogue(tmp_path)
