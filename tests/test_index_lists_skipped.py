"""``index`` names the files it could not index, as ``import`` does (found by the trial run: a folder
with an empty, a corrupt and a truncated JPEG printed "18 items, … 0 failed" and nothing about the
three photos left out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.cli import main
from tests.retrieval_world import make_catalogue, make_model


def test_index_summary_lists_the_skipped_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_catalogue(tmp_path / "shop", items=30)
    images = sorted((root / "images").glob("*.jpg"))
    images[0].write_bytes(b"")  # an empty file
    images[1].write_bytes(b"not a picture at all")  # a non-image named .jpg
    model = make_model(tmp_path / "model.pt")
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix")])
    out = capsys.readouterr().out
    assert code == 0, out
    headline = out.splitlines()[0]  # the count beside "failed", not only further down
    assert ", 28 embedded, 0 unchanged, 2 skipped, 0 failed (" in headline, out
    assert "skipped 2 (not indexed):" in out, out
    for image in images[:2]:
        line = next((line for line in out.splitlines() if image.stem in line), "")
        assert f"images/{image.name}" in line and ("empty" in line or "not an image" in line), out
    assert "images/s)" in headline and "nothing new to embed" not in headline
    # the outfits that lost those photos are said too, as import says them (a trial's index summary
    # said nothing of outfits dropped for ids in no item)
    lines = out.splitlines()
    notes = next((i for i, line in enumerate(lines) if line.startswith("  outfits and questions dropped or cut")), None)
    assert notes is not None, out
    assert lines[notes + 1].startswith("    outfit ") and "(): " not in lines[notes + 1], out
    assert any(image.stem in lines[notes + 1] for image in images[:2]), out
    # a re-index with nothing new says so, rather than "0.0 images/s"
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix")])
    again = capsys.readouterr().out.splitlines()[0]
    assert code == 0 and ", 0 embedded, 28 unchanged," in again and again.endswith("nothing new to embed)"), again
    # a photo removed: the re-index says what changed since the last import (the item is left out)
    images[5].unlink()
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix")])
    out = capsys.readouterr().out
    assert code == 0 and "  items since the last import: 0 new, 0 changed, 1 removed" in out.splitlines(), out


def test_index_headline_counts_refused_rows_as_items_and_other_notes_apart(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Trial O: refused table rows and a note on rows the mapping excludes were all one "skipped" count
    (the window said "photos"). The headline counts the items left out and the notes apart."""
    import json

    from catalogue_fixtures import write_manifest_catalogue

    root = tmp_path / "table-shop"
    write_manifest_catalogue(root, n_items=9, n_outfits=0)
    with (root / "products.csv").open("a") as handle:
        handle.write("0000000001,Garment Upper,t,n,d,Red,Solid,2019_x.jpg\n0000000077,,t,n,d,Red,Solid,x\n")
    mapping = json.loads((root / "sane-mapping.json").read_text())
    mapping["items"]["exclude_categories"] = ["Shoes"]
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    model = make_model(tmp_path / "model.pt")
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix")])
    out = capsys.readouterr().out
    assert code == 0, out
    headline = out.splitlines()[0]
    assert "6 items, 6 embedded, 0 unchanged, 1 skipped (2 more notes below), 0 failed (" in headline, out
    assert "  skipped 1 (not indexed), 2 notes:" in out.splitlines(), out  # the list counts as the headline
    assert "duplicate id 0000000001 (products.csv line 2 is used)" in out and "empty category" in out and "excluded categories" in out, out


def test_index_says_which_table_values_it_read_otherwise_than_written(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Trial O: a category value the mapping's category_map lacked became a category of its own, and a
    placeholder colour ("Unknown") was dropped, neither said. Both are notes now; the items are kept."""
    from catalogue_fixtures import write_image, write_manifest_catalogue

    root = tmp_path / "table-shop"
    write_manifest_catalogue(root, n_items=6, n_outfits=0)
    with (root / "products.csv").open("a") as handle:
        for number in (77, 78):
            handle.write(f"00000000{number},Garment Full body,t,n,d,Unknown,Solid,2019_x.jpg\n")
            write_image(root / "images" / "000" / f"00000000{number}.jpg")
    model = make_model(tmp_path / "model.pt")
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix")])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Indexed 'table-shop': 8 items,") and ", 0 skipped, " in lines[0], out
    at = lines.index("  values read otherwise than written: 2 (the items are kept):")
    assert lines[at + 1] == ("    products.csv: category 'Garment Full body' on 2 row(s) is not in items.category_map: "
                             "kept as a category of its own, 'garment full body'"), out
    assert lines[at + 2] == "    products.csv: colour 'Unknown' on 2 item(s) read as no value (a missing label)", out


def test_a_catalogue_whose_every_photo_is_unreadable_is_refused_and_its_index_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CU: every photo of an indexed catalogue overwritten with junk, `index` re-imported it as 0 items,
    rebuilt the index empty and exited 0; `import` of a folder of junk alone made a 0-item catalogue, exit 0."""
    import json

    root = make_catalogue(tmp_path / "shop", items=30)
    model = make_model(tmp_path / "model.pt")
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main([*home, "items", "shop", "--json"]) == 0
    before = capsys.readouterr().out
    for image in (root / "images").glob("*.jpg"):
        image.write_bytes(b"not a picture at all")
    assert main([*home, "index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: no item of {root} could be read: 30 items were left out when it was read (") \
        and len(err.strip().splitlines()) == 1, err
    assert main([*home, "items", "shop", "--json"]) == 0
    assert capsys.readouterr().out == before  # the catalogue and its index as they were
    junk = tmp_path / "junk" / "tops"
    junk.mkdir(parents=True)
    (junk / "a.jpg").write_bytes(b"junk")
    assert main([*home, "import", str(junk.parent), "--json"]) == 1
    assert "no item of" in capsys.readouterr().err
    assert not (tmp_path / "home" / "junk").exists()
    assert main([*home, "catalogues", "--json"]) == 0
    assert [entry["name"] for entry in json.loads(capsys.readouterr().out)["catalogues"]] == ["shop"]


def test_an_item_the_import_left_out_is_named_so_not_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CU: `query --outfit ID` of an item the import had listed as skipped ("not an image file") said
    "unknown item ids", as of a typo."""
    root = make_catalogue(tmp_path / "shop", items=30)
    images = sorted((root / "images").glob("*.jpg"))
    images[0].write_bytes(b"not a picture at all")
    model = make_model(tmp_path / "model.pt")
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu"]) == 0
    capsys.readouterr()
    left_out = images[0].stem
    assert main([*home, "query", "shop", "--outfit", left_out]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: this item was left out at the last import of catalogue 'shop' ({left_out}: not an "
                          "image file") and err.endswith("): mend its photo and import it again"), err
    assert main([*home, "query", "shop", "--outfit", f"{left_out},no-such-id"]) == 1  # with a typo: both said
    err = capsys.readouterr().err.strip()
    assert "unknown item ids: no-such-id (catalogue 'shop')" in err, err  # the left-out one said apart, not unknown
    assert f"left out at the last import: {left_out} (not an image file" in err, err


def test_a_first_index_into_a_new_index_folder_says_whose_vectors_it_embeds_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CT: `index --index-dir NEW` of a catalogue indexed before said "the photos read before were embedded by
    a run that did not record its code" of vectors this very build had stored for its other index folder."""
    import json

    root = make_catalogue(tmp_path / "shop", items=30)
    model = make_model(tmp_path / "model.pt")
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu"]) == 0
    capsys.readouterr()
    fresh = tmp_path / "elsewhere"
    assert main([*home, "index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--index-dir", str(fresh), "--json"]) == 0
    note = json.loads(capsys.readouterr().out)["note"]
    assert f"embedded by a run whose code this index folder ({fresh.resolve()}) does not record" in note \
        or f"embedded by a run whose code this index folder ({fresh}) does not record" in note, note
    assert "did not record its code" not in note
