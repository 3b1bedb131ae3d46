"""A first draft of a folder's sane-mapping.json from its own product table (catalogue/column_draft.py): the
columns a merchandiser's table names in their words, each choice with its reason, and the draft read back by the
manifest reader as the catalogue it describes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from catalogue_fixtures import write_image

from sane_desktop.catalogue import CatalogueError, read_catalogue
from sane_desktop.cli import main
from sane_desktop.catalogue.column_draft import _word_rank, draft_columns, ID_WORDS, DESCRIPTION_WORDS
from sane_desktop.catalogue.detect import MAPPING_FILE_NAME

GROUPS = ("Oberteile", "Hosen", "Schuhe", "Taschen")


def write_shop(root: Path, items: int = 24, id_column: str = "Artikelnummer") -> list[str]:
    """A German shop's folder: photos ``Fotos/<id>.jpg``, a ``;``-separated ``artikel.csv`` of its own column names
    (a price column of numbers too) and ``looks.csv`` pairing looks with article numbers."""
    ids = [f"A{1000 + number}" for number in range(items)]
    for number, item_id in enumerate(ids):
        write_image(root / "Fotos" / f"{item_id}.jpg", colour=(10 * number % 255, 80, 120))
    with (root / "artikel.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow([id_column, "Bezeichnung", "Warengruppe", "Farbe", "Preis"])
        for number, item_id in enumerate(ids):
            writer.writerow([item_id, f"Artikel {number} in Blau", GROUPS[number % 4], ("blau", "rot", "grün")[number % 3],
                             f"{19 + number},99"])
    with (root / "looks.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Look", "Artikel"])
        for look in range(items // 4):
            for item_id in ids[4 * look:4 * look + 4]:
                writer.writerow([f"L{look}", item_id])
    return ids


def test_a_shops_own_table_is_drafted_and_read_back_as_its_catalogue(tmp_path: Path) -> None:
    ids = write_shop(tmp_path)
    draft = draft_columns(tmp_path)
    assert draft.complete and draft.table == "artikel.csv" and draft.rows == len(ids)
    items = draft.document["items"]
    assert items == {"table": "artikel.csv", "id": "Artikelnummer", "image_template": "Fotos/{Artikelnummer}.jpg",
                     "category": "Warengruppe", "title": "Bezeichnung", "attributes": {"colour": "Farbe"}}
    assert draft.document["outfits"] == {"table": "looks.csv", "outfit_id": "Look", "item_id": "Artikel"}
    why = {choice.key: choice.why for choice in draft.choices}
    assert why["image_template"] == "24 of 24 sampled values, with .jpg, name a photo in Fotos/"
    assert why["category"] == "named like a category, 4 different values"
    # written where the reader looks, the folder is read as the table says (no longer by its folders)
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(draft.document), encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=False)
    assert catalogue.format == "manifest" and sorted(item.item_id for item in catalogue.items) == ids
    assert {item.category for item in catalogue.items} == {group.casefold() for group in GROUPS}
    assert {item.attributes.get("colour") for item in catalogue.items} == {"blau", "rot", "grün"}
    assert len(catalogue.outfits) == len(ids) // 4


def test_excels_western_csv_is_drafted_in_its_encoding_and_read_with_it(tmp_path: Path) -> None:
    """Trial EV: a table saved as Excel's "CSV (Comma delimited)" on Western Windows (cp1252: "Pantalón", "grün")
    was refused, however it was mapped. The refusal names the mapping key and the words the file reads as; the draft
    names the encoding with those words to check, and the mapping's encoding reads it (a byte it lacks refused)."""
    ids = write_shop(tmp_path)
    for name in ("artikel.csv", "looks.csv"):
        table = tmp_path / name
        table.write_bytes(table.read_text(encoding="utf-8").replace("Look", "Looks für").encode("cp1252"))
    draft = draft_columns(tmp_path)
    assert draft.complete and draft.document["items"]["encoding"] == "cp1252"
    assert draft.document["outfits"] == {"table": "looks.csv", "outfit_id": "Looks für", "item_id": "Artikel",
                                         "encoding": "cp1252"}
    assert draft.notes[0] == ('artikel.csv is not UTF-8: drafted as Excel\'s Western "CSV (Comma delimited)", encoding '
                              '"cp1252" (it gives grün); if those words read wrong, save it as CSV UTF-8 and draft again')
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(draft.document), encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=False)
    assert sorted(item.item_id for item in catalogue.items) == ids and len(catalogue.outfits) == len(ids) // 4
    assert {item.attributes.get("colour") for item in catalogue.items} == {"blau", "rot", "grün"}
    # without it: refused, the key and the words named
    mapping = dict(draft.document, items={k: v for k, v in draft.document["items"].items() if k != "encoding"})
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(mapping), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r'artikel.csv: not UTF-8 text \(line 4: .*; save it as UTF-8 \(spreadsheets: '
                                             r'CSV UTF-8\), or, if it is Excel\'s Western "CSV \(Comma delimited\)" \(read '
                                             r'so, it has grün\), name that encoding in the mapping: items.encoding "cp1252"'):
        read_catalogue(tmp_path, validate_images=False)
    # a byte the named encoding has no character for, and a name that is no text encoding
    (tmp_path / "artikel.csv").write_bytes((tmp_path / "artikel.csv").read_bytes() + b"A9999;x\x81;Hosen;rot;1\n")
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(draft.document), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"artikel.csv: not cp1252 text \(line 26: byte 0x81 .*check the mapping"):
        read_catalogue(tmp_path, validate_images=False)
    # UTF-8 text under "cp1252": refused, not garbled unsaid (trial EW read "PantalÃ³n")
    (tmp_path / "artikel.csv").write_text((tmp_path / "artikel.csv").read_bytes()[:-len(b"A9999;x\x81;Hosen;rot;1\n")]
                                          .decode("cp1252"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"artikel.csv: UTF-8 text \(it has grün\), but the mapping reads it as "
                                             r"cp1252, which would garble those: remove items.encoding from the mapping"):
        read_catalogue(tmp_path, validate_images=False)
    for wrong in ("klingon", "rot13", 7):
        bad = dict(draft.document, items={**draft.document["items"], "encoding": wrong})
        (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(CatalogueError, match=r"items.encoding must name a text encoding"):
            read_catalogue(tmp_path, validate_images=False)


def test_a_column_of_photo_paths_is_the_image_and_codes_are_no_category(tmp_path: Path) -> None:
    """H&M's export: a numeric ``product_type_no`` beside ``product_type_name``, a ``colour_group_code`` beside
    ``colour_group_name``; the photo's path in a column; "des_color_specification_esp" is no description."""
    rows = []
    for number in range(12):
        path = f"img/{number:03d}.png"
        write_image(tmp_path / path, image_format="PNG")
        rows.append({"article_id": str(100 + number), "product_type_no": str(250 + number % 3),
                     "product_type_name": ("Shirt", "Skirt", "Boots")[number % 3], "colour_group_code": str(number % 2),
                     "colour_group_name": ("Black", "White")[number % 2], "des_color_specification_esp": "NEGRO",
                     "image path": path})
    with (tmp_path / "articles.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    draft = draft_columns(tmp_path)
    items = draft.document["items"]
    assert items["image"] == "image path" and items["id"] == "article_id"
    assert items["category"] == "product_type_name" and items["attributes"]["colour"] == "colour_group_name"
    assert "description" not in items and "outfits" not in draft.document
    assert _word_rank("des_color_specification_esp", DESCRIPTION_WORDS) is None
    assert _word_rank("ProductID", ID_WORDS) is not None and _word_rank("Artikelnr.", ID_WORDS) is not None


def test_what_no_column_gives_is_missing_and_a_column_no_template_can_name_is_said(tmp_path: Path) -> None:
    write_shop(tmp_path, id_column="Artikelnr.")  # a dot: no template field can name it
    draft = draft_columns(tmp_path)
    assert not draft.complete and draft.missing == ["image"]
    assert len(draft.notes) == 1 and draft.notes[0].startswith("'Artikelnr.' names the photos (24 of 24 sampled values")
    assert "rename the column" in draft.notes[0]


def test_a_given_column_is_taken_and_an_unknown_one_refused(tmp_path: Path) -> None:
    write_shop(tmp_path)
    draft = draft_columns(tmp_path, given={"category": "Farbe", "title": "Artikelnummer"})
    assert draft.document["items"]["category"] == "Farbe" and draft.document["items"]["title"] == "Artikelnummer"
    assert "colour" not in draft.document["items"].get("attributes", {})  # a column serves one key
    with pytest.raises(CatalogueError, match=r"artikel.csv: no column 'Kategorie' \(for category\); its columns: "
                                             r"'Artikelnummer', 'Bezeichnung'"):
        draft_columns(tmp_path, given={"category": "Kategorie"})


def test_a_folder_without_a_table_is_refused_in_one_line(tmp_path: Path) -> None:
    write_image(tmp_path / "tops" / "a.jpg")
    with pytest.raises(CatalogueError, match="no table .* at the top of the folder to draft a mapping from"):
        draft_columns(tmp_path)


def test_draft_mapping_prints_writes_and_the_next_index_reads_the_table(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The command a merchandiser runs on their folder: the draft and its figures, nothing written until --write,
    then an index reads the folder as its table says (categories, titles, outfits), not by its folders."""
    from sane_desktop.models.checkpoint import demo_model_path

    folder = tmp_path / "shop"
    ids = write_shop(folder)
    assert main(["draft-mapping", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "  photo        Fotos/{Artikelnummer}.jpg  (24 of 24 sampled values, with .jpg, name a photo in Fotos/)" in out
    assert "Read with it: 24 items, 6 outfits, 0 skipped (4 categories: hosen 6, oberteile 6, schuhe 6, taschen 6)" in out
    assert "Not written" in out and not (folder / MAPPING_FILE_NAME).exists()
    assert main(["draft-mapping", str(folder), "--write", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["written"] == str(folder / MAPPING_FILE_NAME) and result["trial"]["outfits"] == 6
    assert json.loads((folder / MAPPING_FILE_NAME).read_text(encoding="utf-8")) == result["mapping"]
    assert main(["draft-mapping", str(folder), "--write"]) == 1  # never over a mapping unasked
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "exists already: nothing written: give --force to replace it" in err
    home = tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(folder), "--name", "shop", "--model", str(demo_model_path()),
                 "--workers", "0", "--device", "cpu", "--json"]) == 0
    indexed = json.loads(capsys.readouterr().out)
    assert indexed["items"] == len(ids) and indexed["import_summary"]["format"] == "manifest"
    assert indexed["import_summary"]["outfits"] == 6 and set(indexed["vectors"]) == {g.casefold() for g in GROUPS}


def test_draft_mapping_refuses_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shop"
    write_shop(folder, id_column="Artikelnr.")
    assert main(["draft-mapping", str(folder)]) == 0  # shown, with what is missing and why
    out = capsys.readouterr().out
    assert "  photo        not found: name it with --image COLUMN or --image-template TEMPLATE" in out
    assert "note: 'Artikelnr.' names the photos" in out
    for argv, said in ((["--write"], "has no image column: nothing written (name it: image: --image COLUMN or "
                                     "--image-template TEMPLATE)"),
                       (["--category", "Kategorie"], "artikel.csv: no column 'Kategorie' (for category)"),
                       (["--table", "nowhere.csv"], "nowhere.csv: table file not found")):
        assert main(["draft-mapping", str(folder), *argv]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and said in err, err
    assert not (folder / MAPPING_FILE_NAME).exists()


def test_photos_in_folders_named_by_the_ids_start_and_a_table_of_more_products(tmp_path: Path) -> None:
    """H&M's layout: ``images/011/0111586001.jpg``, a folder per id's first three characters; its table lists
    more products than the folder has photos: the draft counts the rest in one line (missing_images: count)."""
    rows = []
    for number in range(40):
        article = f"0{111586001 + 10_000_000 * number}"  # 011…, 012…, 013…: folders 011, 012, …
        if number % 3 == 0:  # a third of the rows have a photo
            write_image(tmp_path / "images" / article[:3] / f"{article}.jpg")
        rows.append({"article_id": article, "product_type_name": ("Shirt", "Skirt")[number % 2]})
    with (tmp_path / "articles.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    draft = draft_columns(tmp_path)
    assert draft.document["items"]["image_template"] == "images/{article_id:.3}/{article_id}.jpg"
    assert draft.document["items"]["missing_images"] == "count"
    assert any(note.startswith("only 35 % of the sampled rows have their photo") for note in draft.notes)
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(draft.document), encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=False)
    assert len(catalogue.items) == 14 and all(item.image_path.endswith(f"{item.item_id}.jpg") for item in catalogue.items)


def test_a_price_list_or_a_stock_table_is_no_outfits_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EI: a price list (one price for all) and a stock table (rows per shop) of the same article numbers were
    drafted as outfits tables, "grouped into 1 outfits by 'Preis'"; --write would have imported them as outfits."""
    ids = write_shop(tmp_path)
    (tmp_path / "looks.csv").unlink()
    (tmp_path / "preise.csv").write_text("Artikelnummer;Preis\n" + "".join(f"{i};9,99\n" for i in ids), encoding="utf-8")
    (tmp_path / "bestand.csv").write_text("Filiale;Artikelnummer;Bestand\n" + "".join(
        f"F{n % 8};{i};{n}\n" for n, i in enumerate(ids * 2)), encoding="utf-8")
    draft = draft_columns(tmp_path, "artikel.csv")
    assert "outfits" not in draft.document and not any(choice.key == "outfits" for choice in draft.choices)
    assert main(["draft-mapping", str(tmp_path), "--table", "artikel.csv"]) == 0
    assert "Not read: bestand.csv, preise.csv (an outfits table is one whose name" in capsys.readouterr().out
    # named as looks, the same rows are an outfits table
    (tmp_path / "bestand.csv").rename(tmp_path / "looks.csv")
    assert draft_columns(tmp_path, "artikel.csv").document["outfits"]["table"] == "looks.csv"


def test_a_photo_column_naming_no_photo_promises_no_item_and_writes_nothing(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EI: ``--image Artikelnummer`` (no row names a photo by it) read "160 items", and --write wrote a mapping
    the index then refused in full."""
    write_shop(tmp_path)
    assert main(["draft-mapping", str(tmp_path), "--image", "Artikelnummer"]) == 0
    # no outfit of items an index can read either (trial EJ read "0 items …, 20 outfits")
    assert "Read with it: 0 items (24 rows name no photo in the folder), 0 outfits" in capsys.readouterr().out
    assert main(["draft-mapping", str(tmp_path), "--image", "Artikelnummer", "--write"]) == 1
    assert "no row of artikel.csv names a photo in the folder: nothing written" in capsys.readouterr().err
    assert not (tmp_path / MAPPING_FILE_NAME).exists()


def test_a_repeated_id_a_spreadsheet_alone_an_empty_table_and_a_french_title_are_said(tmp_path: Path) -> None:
    """Trial EI: a repeated article number made the photo column the id, and the outfits went, without a word; a
    folder with only produkte.xlsx read "no table"; an empty table was drafted from ("0 rows; columns: "); the
    French "Libellé" was not taken as the title."""
    ids = write_shop(tmp_path / "dup")
    table = tmp_path / "dup" / "artikel.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(f"{ids[1]};", f"{ids[0]};", 1), encoding="utf-8")
    draft = draft_columns(tmp_path / "dup")
    assert draft.document["items"]["id"] != "Artikelnummer"
    assert any(note.startswith(f"'Artikelnummer' is named like an id but repeats '{ids[0]}'") for note in draft.notes)
    # its looks.csv names items by Artikelnummer: said as such (trial EJ read "its name … would say outfit")
    assert "outfits" not in draft.document and any(
        note.startswith("looks.csv looks like an outfits table, but its rows name few of the items by")
        for note in draft.notes), draft.notes
    write_image(tmp_path / "sheet" / "a.jpg")
    (tmp_path / "sheet" / "produkte.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(CatalogueError, match="produkte.xlsx is a spreadsheet, which is not read: save it as CSV"):
        draft_columns(tmp_path / "sheet")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "produkte.csv").write_text("", encoding="utf-8")
    with pytest.raises(CatalogueError, match="produkte.csv: no rows: nothing to draft a mapping from"):
        draft_columns(tmp_path / "empty")
    (tmp_path / "empty" / "produkte.csv").write_text("id;image\n", encoding="utf-8")  # a header alone
    with pytest.raises(CatalogueError, match="produkte.csv: no rows"):
        draft_columns(tmp_path / "empty")
    french = tmp_path / "fr"
    write_image(french / "photos" / "p1.jpg")
    write_image(french / "photos" / "p2.jpg", colour=(10, 10, 200))
    (french / "produits.csv").write_text("Référence;Libellé;Catégorie;Photo\nR1;Robe rouge;robes;photos/p1.jpg\n"
                                         "R2;Jupe bleue;jupes;photos/p2.jpg\n", encoding="utf-8")
    assert draft_columns(french).document["items"]["title"] == "Libellé"


def test_a_folder_indexed_as_photos_then_given_its_mapping_is_told_to_replace(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EI: after draft-mapping --write on a folder indexed as photos, index said "give its mapping with
    --mapping FILE", the mapping being in the folder already."""
    from sane_desktop.models.checkpoint import demo_model_path

    folder = tmp_path / "shop"
    write_shop(folder)
    index = ["--index-home", str(tmp_path / "home"), "index", str(folder), "--name", "shop", "--model",
             str(demo_model_path()), "--workers", "0", "--device", "cpu"]
    assert main(index) == 0
    capsys.readouterr()
    assert main(["draft-mapping", str(folder), "--write"]) == 0
    capsys.readouterr()
    assert main(index) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "now reads as a manifest catalogue (its sane-mapping.json)" in err
    assert "index it with --replace to read it as it is laid out now (its items get new ids)" in err and \
        "--mapping FILE" not in err
    assert main([*index, "--replace"]) == 0


def test_a_table_written_on_windows_names_its_photos_with_backslashes(tmp_path: Path) -> None:
    """Trial EK: "imagen" held ``img\\prenda_1.jpg``; the draft said "8 of 8 sampled values name a photo", then read
    0 items, and --write sent the person to look for another column. A path whose file is there with folders is
    read so (a file named with the backslash itself, possible on POSIX, still wins)."""
    from sane_desktop.service.column_mapping import draft_mapping

    with (tmp_path / "articulos.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["codigo", "imagen", "categoria", "titulo"])
        for number in range(8):
            write_image(tmp_path / "img" / f"prenda_{number}.jpg", colour=(30 * number, 90, 60))
            writer.writerow([f"P{number}", f"img\\prenda_{number}.jpg", ("vestidos", "bolsos")[number % 2],
                             f"Prenda {number}"])
    write_image(tmp_path / "img\\prenda_0.jpg", colour=(200, 10, 10))  # a POSIX name with a backslash in it
    draft = draft_mapping(tmp_path)
    assert draft.document["items"]["image"] == "imagen" and draft.trial is not None
    assert draft.trial.items == 8 and draft.trial.no_photo == 0
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps(draft.document), encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=False)
    paths = {item.item_id: item.image_path for item in catalogue.items}
    assert paths["P0"] == "img\\prenda_0.jpg" and paths["P1"] == "img/prenda_1.jpg"
    # the photo the backslash name passed over is said, as any photo no row names
    assert [skip.reason for skip in catalogue.skipped] == [
        "1 photo(s) in the folder named by none of its rows: not indexed (img/prenda_0.jpg)"]


def test_a_whole_path_in_a_template_column_is_said_as_such(tmp_path: Path) -> None:
    """Trial EK: a row's ``foto`` held an absolute path under the template ``Fotos/{foto}``, read as "image file is
    missing" under "Fotos//work/…" (the file was there). The row is skipped saying its column holds a whole path."""
    write_image(tmp_path / "Fotos" / "a.jpg")
    write_image(tmp_path / "Fotos" / "b.jpg")
    with (tmp_path / "productos.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["codigo", "foto", "categoria"])
        writer.writerow(["A", "a.jpg", "vestidos"])
        writer.writerow(["B", str(tmp_path / "Fotos" / "b.jpg"), "vestidos"])
    (tmp_path / MAPPING_FILE_NAME).write_text(json.dumps({"items": {
        "table": "productos.csv", "id": "codigo", "image_template": "Fotos/{foto}", "category": "categoria"}}),
        encoding="utf-8")
    catalogue = read_catalogue(tmp_path, validate_images=False)
    assert [item.item_id for item in catalogue.items] == ["A"]
    said = [skip.reason for skip in catalogue.skipped if skip.kind == "item"]
    assert len(said) == 1 and said[0].endswith(
        f"column 'foto' holds '{tmp_path / 'Fotos' / 'b.jpg'}', a whole path, where the image template Fotos/{{foto}} "
        "puts a name inside the folder: write it relative to the folder, or read the column as the photos' paths "
        "(items.image)"), said
