"""A metadata value of the wrong JSON type (an object or a list where text or a number belongs) is
reported in one line naming the row or entry, the field and the type found, never turned into text
with ``str()`` (``"{'x': 1}"``, ``"['black']"``): manifest tables and mappings, Polyvore metadata,
split, question and title files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from catalogue_fixtures import write_image, write_manifest_catalogue, write_polyvore_catalogue

from sane_desktop.catalogue import CatalogueError, read_catalogue
from sane_desktop.catalogue.jsonfile import read_json
from sane_desktop.cli import main


def json_manifest(root: Path, n_items: int = 6) -> list[dict[str, Any]]:
    """A manifest catalogue whose product table is ``products.json``; returns its rows."""
    rows: list[dict[str, Any]] = write_manifest_catalogue(root, n_items=n_items, n_outfits=0, table_format="json")["rows"]
    return rows


def rewrite(root: Path, rows: list[dict[str, Any]]) -> None:
    (root / "products.json").write_text(json.dumps(rows))


def every_text(catalogue: Any) -> list[str]:
    """Every text an item carries (id, fields, attribute values, extra columns)."""
    texts = []
    for item in catalogue.items:
        texts += [item.item_id, item.image_path, item.category, item.fine_category, item.title, item.description,
                  item.group, *item.attributes.values(), *(str(v) for v in item.extra.values())]
    return texts


def test_manifest_rows_with_an_object_or_a_list_are_skipped_naming_row_field_and_type(tmp_path: Path) -> None:
    rows = json_manifest(tmp_path)
    rows[1]["article_id"] = {"x": 1}
    rows[2]["colour"] = ["black"]
    rows[3]["prod_name"] = {"en": "Tee"}
    rows[4]["group_name"] = True
    rewrite(tmp_path, rows)
    catalogue = read_catalogue(tmp_path)

    assert [item.item_id for item in catalogue.items] == [rows[0]["article_id"], rows[5]["article_id"]]
    assert not any("{" in text or "[" in text or text == "True" for text in every_text(catalogue))
    # the row whose id is an object names no photo: its photo is one no row names (said once, apart)
    unnamed = [s for s in catalogue.skipped if s.kind == "metadata"]
    assert [s.reason.split(":")[0] for s in unnamed] == ["1 photo(s) in the folder named by none of its rows"]
    skips = {s.path: s for s in catalogue.skipped if s.kind != "metadata"}
    assert set(skips) == {"products.json row 2", "products.json row 3", "products.json row 4", "products.json row 5"}
    id_skip = skips["products.json row 2"]
    assert (id_skip.kind, id_skip.item_id) == ("item", "")
    assert id_skip.reason == "column 'article_id' (items.id) is an object, not text or a number"
    colour = skips["products.json row 3"]
    assert (colour.kind, colour.item_id) == ("item", rows[2]["article_id"])
    assert colour.reason.startswith("column 'colour' (items.attributes.colour) is a list, not text or a number")
    assert "a list is not read as several values" in colour.reason
    assert "column 'prod_name' (items.title) is an object" in skips["products.json row 4"].reason
    assert "column 'group_name' (items.category) is true/false" in skips["products.json row 5"].reason
    assert all("\n" not in s.reason for s in catalogue.skipped)


def test_manifest_row_naming_every_wrong_field_in_one_line(tmp_path: Path) -> None:
    rows = json_manifest(tmp_path, n_items=2)
    rows[0].update(colour=["black", "white"], pattern={"name": "Stripe"}, detail_desc=[1, 2])
    rewrite(tmp_path, rows)
    catalogue = read_catalogue(tmp_path)
    [skip] = catalogue.skipped
    assert skip.reason == (
        "column 'detail_desc' (items.description) is a list; column 'colour' (items.attributes.colour) is a list; "
        "column 'pattern' (items.attributes.pattern) is an object, not text or a number "
        "(one value per column: a list is not read as several values)"
    )
    assert [item.item_id for item in catalogue.items] == [rows[1]["article_id"]]


def test_manifest_numbers_are_read_as_written_and_unmapped_columns_are_not_checked(tmp_path: Path) -> None:
    rows = json_manifest(tmp_path, n_items=2)
    rows[0].update(prod_name=1234, colour=0.5, notes={"internal": ["anything"]})  # `notes` is no mapped column
    rows[1].update(prod_name=None)
    rewrite(tmp_path, rows)
    catalogue = read_catalogue(tmp_path)
    assert not catalogue.skipped
    first, second = catalogue.items
    assert (first.title, first.attributes["colour"], second.title) == ("1234", "0.5", "")


def test_manifest_image_template_column_of_the_wrong_type_skips_the_row(tmp_path: Path) -> None:
    rows = json_manifest(tmp_path, n_items=2)
    mapping = json.loads((tmp_path / "sane-mapping.json").read_text())
    mapping["items"]["image_template"] = "images/{folder}/{article_id}.jpg"
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    rows[0]["folder"] = ["000"]
    rows[1]["folder"] = "000"
    rewrite(tmp_path, rows)
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == [rows[1]["article_id"]]
    assert "column 'folder' (items.image_template) is a list" in catalogue.skipped[0].reason


def read_with_outfits(root: Path, rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    """The JSON manifest at ``root`` read with ``rows`` as its outfits table (``outfits.json``)."""
    (root / "outfits.json").write_text(json.dumps(rows))
    mapping = json.loads((root / "sane-mapping.json").read_text())
    mapping["outfits"]["table"] = "outfits.json"
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    return read_catalogue(root)


def test_manifest_outfits_table_row_of_the_wrong_type_is_reported(tmp_path: Path) -> None:
    rows = json_manifest(tmp_path, n_items=4)
    ids = [row["article_id"] for row in rows]
    catalogue = read_with_outfits(tmp_path, [
        {"outfit": "A", "article": ids[0]}, {"outfit": "A", "article": {"id": ids[1]}},
        {"outfit": "A", "article": ids[2]}, {"outfit": ["B"], "article": ids[3]},
    ])
    assert [(o.outfit_id, o.item_ids) for o in catalogue.outfits] == [("A", [ids[0], ids[2]])]
    notes = [(s.kind, s.item_id, s.path, s.reason) for s in catalogue.skipped]
    assert ("outfit", "A", "outfits.json row 2",
            "row left out: column 'article' (outfits.item_id) is an object, not text or a number") in notes
    assert ("outfit", "", "outfits.json row 4",
            "row left out: column 'outfit' (outfits.outfit_id) is a list, not text or a number "
            "(one value per column: a list is not read as several values)") in notes


@pytest.mark.parametrize(("items_key", "value", "message"), [
    ("text", "detail_desc", "items: text must be a list of column names (text), not text"),
    ("exclude_categories", "Shoes", "items: exclude_categories must be a list of category values (text), not text"),
    ("exclude_categories", ["Shoes", 3], "exclude_categories must be a list of category values (text), not a list holding a number"),
    ("fine_category", {"column": "type_name"}, "items: fine_category must be a column name (text), not an object"),
    ("title", ["prod_name"], "items: title must be a column name (text), not a list"),
    ("description", 7, "items: description must be a column name (text), not a number"),
    ("attributes", ["colour"], "items.attributes must be an object of name -> column"),
    ("group", {"column": ["photo"]}, "items.group: column must be a column name (text), not a list"),
    ("id_width", True, "items.id_width must be a whole number, not True"),
    ("id_width", 2.5, "items.id_width must be a whole number, not 2.5"),
])
def test_mapping_key_of_the_wrong_type_is_a_one_line_error(tmp_path: Path, items_key: str, value: Any,
                                                           message: str) -> None:
    write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0, mapping_overrides={items_key: value})
    with pytest.raises(CatalogueError) as error:
        read_catalogue(tmp_path)
    assert str(error.value).startswith("sane-mapping.json: ") and message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("name", {"shop": "x"}, "sane-mapping.json: name must be text, not an object"),
    ("outfits", ["outfits.csv"], "sane-mapping.json: outfits must be an object {table, outfit_id, item_id}"),
])
def test_mapping_top_level_key_of_the_wrong_type_is_a_one_line_error(tmp_path: Path, key: str, value: Any,
                                                                     message: str) -> None:
    written = write_manifest_catalogue(tmp_path, n_items=3, n_outfits=0)
    mapping = {**written["mapping"], key: value}
    (tmp_path / "sane-mapping.json").write_text(json.dumps(mapping))
    with pytest.raises(CatalogueError, match="^" + message.replace("{", r"\{").replace("}", r"\}") + "$"):
        read_catalogue(tmp_path)


def test_manifest_wrong_types_appear_in_the_import_summary_like_other_skips(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "shop"
    rows = json_manifest(root)
    rows[1]["article_id"] = {"x": 1}
    rows[2]["colour"] = ["black"]
    rewrite(root, rows)
    home = str(tmp_path / "home")
    assert main(["--index-home", home, "import", str(root), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["items"] == 4
    assert {"id": "", "path": "products.json row 2", "kind": "item",
            "reason": "column 'article_id' (items.id) is an object, not text or a number"} in summary["skipped"]
    assert any(s["id"] == rows[2]["article_id"] and s["path"] == "products.json row 3"
               and "(items.attributes.colour) is a list" in s["reason"] for s in summary["skipped"])
    assert main(["--index-home", home, "import", str(root)]) == 0
    text = capsys.readouterr().out
    assert "    products.json row 2: column 'article_id' (items.id) is an object, not text or a number" in text
    assert f"    item {rows[2]['article_id']} (products.json row 3): column 'colour' (items.attributes.colour) is a list" in text


# --- Polyvore layout --------------------------------------------------------------------------

def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_polyvore_entry_field_of_the_wrong_type_skips_the_item_naming_it(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    ids = list(written["items"])

    def change(metadata: dict[str, Any]) -> None:
        metadata[ids[0]]["title"] = {"en": "shirt"}
        metadata[ids[1]]["semantic_category"] = ["tops"]
        metadata[ids[2]]["category_id"] = {"id": 1}
        metadata[ids[3]]["attributes"] = {"colour": ["black", "white"]}
        metadata[ids[4]]["attributes"] = {"colour": "red", "size": 38}
        metadata[ids[5]]["url_name"] = False
        metadata[ids[6]]["title"] = 1234

    edit_json(tmp_path / "polyvore_item_metadata.json", change)
    catalogue = read_catalogue(tmp_path)
    reasons = {s.item_id: s.reason for s in catalogue.skipped if s.kind == "item"}
    assert reasons == {
        ids[0]: "polyvore_item_metadata.json: title is an object, not text or a number",
        ids[1]: "polyvore_item_metadata.json: semantic_category is a list, not text or a number",
        ids[2]: "polyvore_item_metadata.json: category_id is an object, not text or a number",
        ids[3]: "polyvore_item_metadata.json: attribute 'colour' is a list, not text or a number "
                "(one value per attribute: a list is not read as several values)",
        ids[5]: "polyvore_item_metadata.json: url_name is true/false, not text or a number",
    }
    items = catalogue.item_by_id()
    assert items[ids[4]].attributes == {"colour": "red", "size": "38"}
    assert items[ids[6]].title == "1234"
    assert not any("{" in text or "[" in text for text in every_text(catalogue))


def test_polyvore_outfit_title_of_the_wrong_type_keeps_the_outfit_untitled(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    first, second = list(written["outfits"])

    def change(titles: dict[str, Any]) -> None:
        titles[first]["title"] = {"en": "Summer"}
        titles[first]["url_name"] = "summer"

    edit_json(tmp_path / "polyvore_outfit_titles.json", change)
    catalogue = read_catalogue(tmp_path)
    outfits = {outfit.outfit_id: outfit.title for outfit in catalogue.outfits}
    assert outfits[first] == "summer" and outfits[second] == f"outfit {second}"
    assert [(s.item_id, s.path, s.reason) for s in catalogue.skipped if s.kind == "outfit"] == [
        (first, "polyvore_outfit_titles.json", "kept without a title: title is an object, not text")]


@pytest.mark.parametrize(("change", "message"), [
    (lambda split: split[0].update(set_id={"id": 1}), "outfit #0: set_id is an object"),
    (lambda split: split[0]["items"][1].update(item_id=["1"]), "outfit #0: item #1 item_id is a list"),
    (lambda split: split[0]["items"][0].update(index=2.5), "outfit #0: item #0 index is 2.5"),
    (lambda split: split[0]["items"][0].update(index=True), "outfit #0: item #0 index is true/false"),
])
def test_polyvore_split_file_id_of_the_wrong_type_is_a_one_line_error(tmp_path: Path, change: Any,
                                                                      message: str) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=4)
    edit_json(tmp_path / "nondisjoint" / "train.json", change)
    with pytest.raises(CatalogueError) as error:
        read_catalogue(tmp_path)
    assert str(error.value).startswith(f"nondisjoint/train.json: {message}") and "\n" not in str(error.value)


def test_polyvore_fitb_question_of_the_wrong_type_is_skipped_with_its_reason(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=12, n_outfits=8)
    path = tmp_path / "nondisjoint" / "fill_in_blank_test.json"
    questions = json.loads(path.read_text())
    assert len(questions) == 2
    questions[0]["question"] = "_".join(questions[0]["question"])  # one text: never read letter by letter
    questions[1]["answers"][2] = {"name": questions[1]["answers"][2]}  # unhashable: must not crash the import
    path.write_text(json.dumps(questions))
    catalogue = read_catalogue(tmp_path)
    assert not [q for q in catalogue.fitb if q.split == "test"]
    reasons = {s.item_id: s.reason for s in catalogue.skipped if s.kind == "question"}
    assert reasons["nondisjoint/test/fill_in_blank#0"] == \
        "malformed question: question is text, not a list of setid_index names"
    assert reasons["nondisjoint/test/fill_in_blank#1"] == \
        "malformed question: answers holds an object, not a setid_index name"


def test_a_number_json_cannot_hold_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"id": ' + "9" * 5000 + "}")
    with pytest.raises(CatalogueError, match="^big.json: invalid JSON"):
        read_json(path, "big.json")


def test_folder_catalogue_is_unaffected(tmp_path: Path) -> None:
    write_image(tmp_path / "tops" / "a.jpg")
    catalogue = read_catalogue(tmp_path)
    assert [item.item_id for item in catalogue.items] == ["tops/a"] and not catalogue.skipped


def test_manifest_outfits_row_with_an_empty_id_is_reported(tmp_path: Path) -> None:
    """A trial's outfit rows with an empty outfit id or item id (``,i5``; ``{"outfit": "o9", "item": null}``)
    vanished without a word; a row with neither is a blank line and stays unsaid."""
    rows = json_manifest(tmp_path, n_items=4)
    ids = [row["article_id"] for row in rows]
    catalogue = read_with_outfits(tmp_path, [
        {"outfit": "A", "article": ids[0]}, {"outfit": "A", "article": ids[1]}, {"outfit": None, "article": ids[2]},
        {"outfit": "B", "article": ""}, {"outfit": "", "article": None},
    ])
    assert [(o.outfit_id, o.item_ids) for o in catalogue.outfits] == [("A", [ids[0], ids[1]])]
    notes = [(s.kind, s.item_id, s.path, s.reason) for s in catalogue.skipped]
    assert notes == [("outfit", "", "outfits.json row 3", "row left out: column 'outfit' (outfits.outfit_id) is empty"),
                     ("outfit", "B", "outfits.json row 4", "row left out: column 'article' (outfits.item_id) is empty")]
