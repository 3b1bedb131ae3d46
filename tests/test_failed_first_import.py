"""A first import or index that fails leaves no empty catalogue behind (found by a new-user trial:
the name looked taken and ``query`` said "the store holds no catalogue"); a catalogue that exists
is never removed by a failed re-index."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.demo import generate_demo
from sane_desktop.catalogue.types import CatalogueError
from sane_desktop.paths import catalogue_dir
from sane_desktop.service import building


def break_metadata(source: Path) -> None:
    path = source / "polyvore_item_metadata.json"
    path.write_bytes(b"\xff" + path.read_bytes())  # not UTF-8: the reader refuses the catalogue


@pytest.mark.parametrize("step", ["import", "index"])
def test_a_failed_first_run_leaves_no_catalogue_folder(tmp_path: Path, step: str) -> None:
    generate_demo(tmp_path / "source", seed=0, items=30, masks=False)
    break_metadata(tmp_path / "source")
    with pytest.raises(CatalogueError, match="not UTF-8"):
        if step == "import":
            building.import_folder(tmp_path / "source", "broken")
        else:
            building.index_folder(tmp_path / "source", "broken", None, device="cpu", workers=1)
    assert not catalogue_dir("broken").exists()


def test_a_failed_reindex_keeps_the_catalogue(tmp_path: Path) -> None:
    generate_demo(tmp_path / "source", seed=0, items=30, masks=False)
    building.import_folder(tmp_path / "source", "kept")
    database = catalogue_dir("kept") / "catalogue.db"
    assert database.is_file()
    break_metadata(tmp_path / "source")
    with pytest.raises(CatalogueError):
        building.import_folder(tmp_path / "source", "kept")
    assert database.is_file()  # the catalogue it held is still there


def test_a_table_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    """A Windows-1252 CSV was refused with "(byte 61)", read by a trial as a byte's value: the line and
    what to do are named."""
    from sane_desktop.catalogue.manifest import read_table

    (tmp_path / "products.csv").write_bytes("id,title\n1,Plain tee\n2,Caf\u00e9 dress\n".encode("cp1252"))
    with pytest.raises(CatalogueError, match=r"products.csv: not UTF-8 text \(line 3: byte 0xe9 at offset 26\); "
                                             r"save it as UTF-8"):
        read_table(tmp_path, "products.csv", {"id": "items.id"})
    (tmp_path / "outfits.json").write_bytes('[\n{"outfit": "A",\n "item": "caf\u00e9"}]'.encode("cp1252"))
    from sane_desktop.catalogue.jsonfile import read_json

    with pytest.raises(CatalogueError, match=r"not UTF-8 text \(line 3: byte 0xe9"):
        read_json(tmp_path / "outfits.json", "outfits.json")


def test_a_workbook_or_utf16_export_given_as_the_table_is_named_for_what_it_is(tmp_path: Path) -> None:
    """Trial T: an .xlsx and a UTF-16 "Unicode Text" export were both "not UTF-8 text (… byte 0x99 …)".
    A workbook is named as one, with the way to export it; UTF-16 text with its byte-order mark is read."""
    import zipfile

    from sane_desktop.catalogue.jsonfile import read_json
    from sane_desktop.catalogue.manifest import read_table

    with zipfile.ZipFile(tmp_path / "products.xlsx", "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CatalogueError) as error:
        read_table(tmp_path, "products.xlsx", {"id": "items.id"})
    assert str(error.value) == ("products.xlsx: a workbook or other zip archive (Excel .xlsx, OpenDocument .ods), "
                                "which is not read: export the sheet as CSV UTF-8")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(128, 256)))
    with pytest.raises(CatalogueError, match=r"old.xls: an old Excel workbook \(.xls\), which is not read"):
        read_table(tmp_path, "old.xls", {"id": "items.id"})
    # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated
    (tmp_path / "productos.txt").write_bytes("id\ttítulo\n1\tBlusa crepé\n".encode("utf-16"))
    rows = read_table(tmp_path, "productos.txt", {"id": "items.id"})
    assert [(row["id"], row["título"]) for row in rows] == [("1", "Blusa crepé")]
    # and without its byte-order mark, either byte order (trial EO: "missing column(s) 'A\x00r\x00t…'", or "not
    # UTF-8 text (line 2 …)" at the first accent), ASCII-only or not
    for codec in ("utf-16-le", "utf-16-be"):
        for text in ("Art.-Nr.;Titel\n7;Pullover\n", "Art.-Nr.;Titel\n7;Pullöver in Größe 36\n"):
            (tmp_path / "produkte.csv").write_bytes(text.encode(codec))
            rows = read_table(tmp_path, "produkte.csv", {"Art.-Nr.": "items.id"})
            assert [(row["Art.-Nr."], row["Titel"]) for row in rows] == [("7", text.split(";")[-1].strip())], codec
    (tmp_path / "m.json").write_bytes('{"a": "é"}'.encode("utf-16"))  # JSON is UTF-8: named, not read
    with pytest.raises(CatalogueError, match=r"m.json: UTF-16 text .*: save it as UTF-8"):
        read_json(tmp_path / "m.json", "m.json")
    (tmp_path / "m.json").write_bytes('{"a": "e"}'.encode("utf-16-le"))  # no BOM, ASCII: "invalid JSON" it read
    with pytest.raises(CatalogueError, match=r"m.json: UTF-16 text or a binary file .*: save it as UTF-8"):
        read_json(tmp_path / "m.json", "m.json")


def test_a_cell_longer_than_the_csv_modules_limit_is_read(tmp_path: Path) -> None:
    """A 200,000-character title failed a trial's whole import ("field larger than field limit")."""
    from sane_desktop.catalogue.manifest import read_table

    (tmp_path / "products.csv").write_text("id,title\n1," + "x" * 200_000 + "\n2,Plain tee\n", encoding="utf-8")
    rows = read_table(tmp_path, "products.csv", {"id": "items.id"})
    assert [len(row["title"]) for row in rows] == [200_000, 9]


def test_a_failed_first_index_from_the_window_leaves_no_catalogue(tmp_path: Path) -> None:
    """Trial DV: the window's Index catalogue folder… on a folder of no photos failed rightly, and left a catalogue
    listed as "its first import never finished (the app was closed or stopped …)": the window names the database
    and index folder of the default layout, which the clean-up took for a layout of the user's."""
    from sane_desktop.errors import SaneError
    from sane_desktop.service import CatalogueService

    source = tmp_path / "notimages"
    source.mkdir()
    for name in ("readme.txt", "list.csv", "README.md"):
        (source / name).write_text("a list of products")
    (source / "fake.jpg").write_text("not a jpeg")
    from sane_desktop.paths import index_home

    home = index_home()  # the window's
    service = CatalogueService(home)
    with pytest.raises(SaneError, match="could be read") as refused:
        service.index_folder(source, "notimg")
    assert "were left out when it was read (fake.jpg: " in str(refused.value), str(refused.value)  # the photo first
    assert not (home / "notimg").exists()
    listing = service.scan_catalogues()
    assert not listing.unreadable and not listing.catalogues
    # the same with a metadata file that is refused
    generate_demo(tmp_path / "source", seed=0, items=30, masks=False)
    break_metadata(tmp_path / "source")
    with pytest.raises(CatalogueError, match="not UTF-8"):
        service.index_folder(tmp_path / "source", "broken")
    assert not (home / "broken").exists()
