"""An exact copy of a photo under another id: the import and the index report it in one line per
copy ("same photo as <id>", both items kept), and an outfit search or "visually similar" leaves out
every result whose photo has the same bytes as an outfit item's or a better result's, still returning
k results where the catalogue has enough (a copy is the same picture, never the best match)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sane_desktop.catalogue.types import ItemRecord
from catalogue_fixtures import draw_garment as draw
from sane_desktop.cli import main
from sane_desktop.cli.import_cmd import render
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.service import Catalogues
from sane_desktop.store.importer import same_photo_notes

MODEL = demo_model_path()
COPY_NOTE = {"id": "Tops/z_copy", "path": "Tops/z_copy.jpg", "reason": "same photo as Tops/a (both kept)",
             "kind": "duplicate"}



@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tops a, b, c, d and z_copy (the bytes of a), Bottoms x and y."""
    root = tmp_path_factory.mktemp("same-photo") / "shop"
    draw(root / "Tops" / "a.jpg", (200, 40, 40), False)
    draw(root / "Tops" / "b.jpg", (60, 160, 60), True)
    draw(root / "Tops" / "c.jpg", (40, 40, 200), False)
    draw(root / "Tops" / "d.jpg", (230, 200, 40), True)
    shutil.copyfile(root / "Tops" / "a.jpg", root / "Tops" / "z_copy.jpg")
    draw(root / "Bottoms" / "x.jpg", (30, 30, 30), False)
    draw(root / "Bottoms" / "y.jpg", (150, 100, 40), True)
    return root


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    data: dict[str, Any] = json.loads(out.out)
    return data


@pytest.fixture()
def indexed(shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, dict[str, Any]]:
    home = str(tmp_path / "home")
    data = run_json(capsys, "--index-home", home, "index", str(shop), "--name", "shop", "--model", str(MODEL),
                    "--workers", "0", "--device", "cpu")
    return home, data


def query(capsys: pytest.CaptureFixture[str], home: str, *args: str) -> list[str]:
    data = run_json(capsys, "--index-home", home, "query", "shop", "--category", "Tops", *args)
    return [result["item_id"] for result in data["results"]["Tops"]]


def test_import_reports_each_copy_in_one_line_and_keeps_both(shop: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    summary = run_json(capsys, "--index-home", home, "import", str(shop))
    assert summary["items"] == 7
    assert summary["duplicates"] == [COPY_NOTE] and summary["skipped"] == []  # information, not a skip
    assert main(["--index-home", home, "import", str(shop)]) == 0
    text = capsys.readouterr().out
    assert "  same photo as another item 1 (both imported;" in text
    assert "    Tops/z_copy (Tops/z_copy.jpg): same photo as Tops/a (both kept)" in text
    assert "skipped" not in text  # a copy is not a skip


def test_index_reports_the_copy_and_indexes_both(indexed: tuple[str, dict[str, Any]]) -> None:
    _, data = indexed
    assert data["import_summary"]["duplicates"] == [COPY_NOTE]
    assert data["vectors"]["Tops"] == 5  # both kept: a catalogue may list one photo under two products
    from sane_desktop.cli.index_cmd import render

    text = render(data)
    assert "  same photo as another item: 1 (both indexed;" in text
    assert "    Tops/z_copy (Tops/z_copy.jpg): same photo as Tops/a (both kept)" in text


def test_similar_leaves_out_copies_of_the_item_and_keeps_k(indexed: tuple[str, dict[str, Any]],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = indexed
    ranked = query(capsys, home, "--similar", "Tops/a", "-k", "3")
    assert sorted(ranked) == ["Tops/b", "Tops/c", "Tops/d"]  # z_copy would score 1.0 and rank first
    assert query(capsys, home, "--similar", "Tops/z_copy", "-k", "2") == query(capsys, home, "--similar", "Tops/a",
                                                                               "-k", "2")


def test_outfit_search_leaves_out_copies_of_outfit_photos(indexed: tuple[str, dict[str, Any]],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = indexed
    # a top alone asks tops in a space no outfit of the model trained: not ranked (test_unlearnt_spaces.py);
    # with a bottom, the tops are ranked by it, and the copy of the outfit's own photo is left out
    assert query(capsys, home, "--outfit", "Tops/a", "-k", "3") == []
    assert sorted(query(capsys, home, "--outfit", "Tops/a,Bottoms/x", "-k", "3")) == ["Tops/b", "Tops/c", "Tops/d"]
    assert sorted(query(capsys, home, "--outfit", "Tops/a,Bottoms/x", "-k", "10")) == ["Tops/b", "Tops/c", "Tops/d"]
    # no outfit photo among the tops: every top is a candidate, but a photo once (a trial saw ranks
    # 10 and 11 hold one photo under two ids): the better ranked of the two copies stays
    listed = query(capsys, home, "--outfit", "Bottoms/x", "-k", "10")
    assert len(listed) == 4 and {"Tops/b", "Tops/c", "Tops/d"} < set(listed)
    assert len({"Tops/a", "Tops/z_copy"} & set(listed)) == 1
    assert len(query(capsys, home, "--outfit", "Bottoms/x", "-k", "4")) == 4  # k kept: the copy made room


def test_image_from_disk_with_a_catalogue_photo_leaves_out_both_copies(shop: Path, indexed: tuple[str, dict[str, Any]],
                                                                       tmp_path: Path) -> None:
    home, _ = indexed
    outside = tmp_path / "from-my-disk.jpg"
    shutil.copyfile(shop / "Tops" / "a.jpg", outside)
    catalogue = Catalogues(Path(home), device="cpu").open("shop")
    try:
        added = catalogue.search.add_image(outside, "Tops")
        bottom = catalogue.items.by_item_id(["Bottoms/x"])[0]
        # with a bottom in the outfit (a top alone ranks no tops: an unlearnt same-category space)
        for results in (catalogue.search.search([added.pk, bottom.pk], "Tops", k=3),
                        catalogue.search.similar(added.pk, "Tops", k=3)):
            assert sorted(r.item.item_id for r in results["Tops"]) == ["Tops/b", "Tops/c", "Tops/d"]
    finally:
        catalogue.close()


def test_one_photo_listed_under_two_products_is_one_note_per_copy() -> None:
    items = [ItemRecord("p1", "img/a.jpg", "tops", content_hash="h1"),
             ItemRecord("p2", "img/a.jpg", "tops", content_hash="h1"),  # one photo file, two products
             ItemRecord("p3", "img/b.jpg", "tops", content_hash="h2"),
             ItemRecord("p4", "img/c.jpg", "tops", content_hash="h1"),
             ItemRecord("p5", "img/d.jpg", "tops")]  # not validated: no hash, nothing compared
    assert [note.as_dict() for note in same_photo_notes(items)] == [
        {"id": "p2", "path": "img/a.jpg", "reason": "same photo as p1 (both kept)", "kind": "duplicate"},
        {"id": "p4", "path": "img/c.jpg", "reason": "same photo as p1 (both kept)", "kind": "duplicate"},
    ]


def test_the_import_summary_lists_the_first_copies_and_counts_the_rest() -> None:
    copies = [{"id": f"p{n}", "path": f"img/{n}.jpg", "reason": "same photo as p0 (both kept)", "kind": "duplicate"}
              for n in range(1, 26)]
    text = render({"name": "shop", "format": "folder", "db": "sqlite://", "items": 26, "outfits": 0,
                   "attributes": 0, "questions": {"fitb": 0, "compatibility": 0}, "revision": 1, "seconds": 0.1,
                   "skipped": [], "duplicates": copies})
    lines = text.splitlines()
    assert lines[3].startswith("  same photo as another item 25 (both imported;")
    assert lines[4:24] == [f"    p{n} (img/{n}.jpg): same photo as p0 (both kept)" for n in range(1, 21)]
    assert lines[24:] == ["    ... and 5 more (use --json for all)"]


def test_an_image_from_disk_replaced_while_it_is_read_is_never_paired_with_another_picture(
        shop: Path, indexed: tuple[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The photo's hash and its embedding come from one read of the file. Hashing it in a second read
    let a file replaced in between record the new photo's hash beside the old photo's embedding, so
    every later check of the photo passed for a picture that was never embedded."""
    import hashlib

    from sane_desktop.errors import InputError
    from sane_desktop.retrieval import embedding
    from sane_desktop.service import items

    home, _ = indexed
    from PIL import Image

    mine = tmp_path / "mine.jpg"  # a photo of its own (a catalogue's photo joins as its item, unembedded)
    Image.open(shop / "Tops" / "b.jpg").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mine)
    outside = tmp_path / "from-my-disk.jpg"
    shutil.copyfile(mine, outside)
    embedded = hashlib.sha256(outside.read_bytes()).hexdigest()
    real_embed, real_state = embedding.embed_one, items.photo_state

    def replaced_after_the_read(*args: Any, **kwargs: Any) -> Any:
        result = real_embed(*args, **kwargs)
        shutil.copyfile(shop / "Tops" / "c.jpg", outside)  # another photo lands while it is embedded
        return result

    catalogue = Catalogues(Path(home), device="cpu").open("shop")
    try:
        monkeypatch.setattr(embedding, "embed_one", replaced_after_the_read)
        added = catalogue.search.add_image(outside, "Tops")
        assert added.content_hash == embedded  # the picture embedded, not the one there now
        monkeypatch.undo()
        shutil.copyfile(mine, outside)

        def replaced_after_the_check(path: Path, content_hash: str) -> str:
            why = real_state(path, content_hash)
            shutil.copyfile(shop / "Tops" / "d.jpg", outside)  # replaced between the check and the read
            return why

        monkeypatch.setattr(items, "photo_state", replaced_after_the_check)
        with pytest.raises(InputError, match="replaced since it was added"):
            catalogue.search.add_image(outside, "Tops", content_hash=embedded)
    finally:
        catalogue.close()


def test_the_index_summary_of_many_categories_stays_readable(indexed: tuple[str, dict[str, Any]]) -> None:
    """Trial CS: 300 folders of 1–2 photos made lines of 7,200 and 16,800 characters (each category's vectors,
    and "cNNN -> general (no model category: visual similarity)" 300 times)."""
    from sane_desktop.cli.index_cmd import render

    _, data = indexed
    names = [f"c{n:03d}" for n in range(300)]
    many = {**data, "vectors": {name: 1 + n % 2 for n, name in enumerate(names)},
            "index_types": {name: "IDMap2,FlatIP" for name in names},
            "mapped": {name: "general" for name in names}, "mapped_how": {name: "general" for name in names}}
    text = render(many)
    assert max(len(line) for line in text.splitlines()) < 400, max(len(line) for line in text.splitlines())
    assert "  300 categories, 450 vectors (IDMap2,FlatIP); the largest: c001 2, c003 2," in text
    assert "… and 288 more (--json lists all)" in text
    assert ("  categories: c000, c001, c002, c003, c004, c005, c006, c007, c008, c009, c010, c011, … and 288 more "
            "(--json lists all) -> general (no model category of that name: visual similarity)") in text
    few = render(data)  # a handful: each one said, as before
    assert "Tops 5 (" in few
