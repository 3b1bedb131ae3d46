"""A re-index without ``--model`` keeps the model the catalogue was indexed with (a trial lost a
catalogue's trained model: a plain re-index rebuilt it with the bundled model, the window then
refused to search, and "Adapt model" started from the bundled model and overwrote the trained one).
When that model file is gone, the re-index refuses in one line (a second trial saw the bundled model
replace a catalogue's own model without a word when its drive was not mounted) — unless it was a
model shipped with an earlier install of the app, for which today's bundled model stands in."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.manifest import read_index_manifest
from sane_desktop.retrieval.indexing.model import DEMO_NOTE
from tests.closet_world import make_closet


def index(capsys: pytest.CaptureFixture[str], home: Path, root: Path, *extra: str) -> dict:
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--json", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_a_reindex_keeps_the_catalogues_own_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    own = tmp_path / "models" / "closet.pt"  # the catalogue's own model (a copy: any checkpoint will do)
    own.parent.mkdir()
    shutil.copyfile(demo_model_path(), own)
    first = index(capsys, home, root, "--model", str(own))
    assert Path(first["model"]) == own.resolve() and not first["note"]

    again = index(capsys, home, root, "--rebuild")  # no --model: the catalogue's own, not the bundled one
    assert Path(again["model"]) == own.resolve()
    assert "re-indexed with the model this catalogue was built with" in again["note"] and str(own) in again["note"]
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and Path(manifest.model_path) == own.resolve()

    own.unlink()  # gone: refused, naming it; nothing rebuilt with another model
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 4 and "\n" not in err, err
    assert err == (f"error: the model this catalogue was indexed with, {own.resolve()}, is missing: put it back, or "
                   "give --model FILE to index it with another")
    assert Path(read_index_manifest(home / "closet").model_path) == own.resolve()  # type: ignore[union-attr]
    own.mkdir()  # a folder in its place: named as one, not "missing" (trial BV)
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu"]) == 4
    assert f"{own.resolve()}, is a folder now, not a model file: put it back" in capsys.readouterr().err
    own.rmdir()
    with_another = index(capsys, home, root, "--model", str(demo_model_path()))  # the way out it names
    assert Path(with_another["model"]) == demo_model_path().resolve()


def test_a_bundled_model_of_an_earlier_install_is_replaced_by_todays(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    index(capsys, home, root, "--model", str(demo_model_path()))
    manifest_file = home / "closet" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    data["model_path"] = "/old/venv/lib/python3.11/site-packages/sane_desktop/resources/models/demo.pt"
    manifest_file.write_text(json.dumps(data))
    fallback = index(capsys, home, root)  # an upgrade moved the app: today's bundled model, said in the note
    assert Path(fallback["model"]) != Path(data["model_path"]) and DEMO_NOTE in fallback["note"]


def test_another_installs_bundled_model_is_never_loaded_in_place_of_this_installs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AR: two installs on one machine. An index names its model by absolute path, so an index
    built by install A went on loading A's ``demo.pt`` from install B — after A's file had changed,
    B's plain re-index rebuilt it with A's model and still called it built into the app. Search and
    re-index read this install's file of that name; the index is checked against it (its hash)."""
    from sane_desktop.models.checkpoint import general_model_path, installed_copy
    from sane_desktop.service import Catalogues

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    index(capsys, home, root, "--model", str(demo_model_path()))
    other = tmp_path / "other" / "site-packages" / "sane_desktop" / "resources" / "models" / "demo.pt"
    other.parent.mkdir(parents=True)
    shutil.copyfile(general_model_path(), other)  # install A's demo.pt holds another model now
    manifest_file = home / "closet" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    data["model_path"] = str(other)
    manifest_file.write_text(json.dumps(data))
    assert installed_copy(other) == demo_model_path() and installed_copy(demo_model_path()) == demo_model_path()

    # search reads this install's demo.pt, the model the index was built with: no refusal, no A
    assert Catalogues(home).model_path("closet") == demo_model_path()
    assert main(["--index-home", str(home), "items", "closet", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    first = listed["items"][0]["item_id"]
    code = main(["--index-home", str(home), "query", "closet", "--outfit", first, "-k", "3", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err

    # a plain re-index uses this install's bundled model, and says so
    again = index(capsys, home, root)
    assert Path(again["model"]) == demo_model_path().resolve() and DEMO_NOTE in again["note"]


def test_rebuild_reads_a_photo_edited_in_place_that_kept_its_size_and_time(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # a trial: an in-place metadata edit (size and mtime kept) was never re-embedded, and explain's
    # "changed since the catalogue was indexed: re-index" could not be satisfied by a re-index
    import os

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    index(capsys, home, root, "--model", str(demo_model_path()))
    photo = sorted(root.rglob("*.jpg"))[0]
    before = photo.stat()
    data = bytearray(photo.read_bytes())
    assert data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\0"
    data[15] ^= 0x01  # the JFIF pixel density: another file, the same size, still a sound JPEG
    photo.write_bytes(bytes(data))
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))

    # (size, mtime) put back, but the ctime moved (user space cannot set it): read again, embedded
    # again (a later trial: index said "current" while query saw the new photo)
    plain = index(capsys, home, root)
    assert plain["embedded"] == 1
    again = index(capsys, home, root)
    assert again["embedded"] == 0
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu"]) == 0
    assert "  not rebuilt: index is current" in capsys.readouterr().out.splitlines()
    rebuilt = index(capsys, home, root, "--rebuild")  # reads every photo again: nothing new to embed
    assert rebuilt["embedded"] == 0
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--rebuild"]) == 0  # the text says the photos were read (trial BT read "read nothing")
    assert any(line.startswith("  every photo was read and hashed again: ") for line in capsys.readouterr().out.splitlines())


def test_a_damaged_database_is_set_aside_by_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a trial: a damaged catalogue.db was a dead end (every command, --replace too, refused)
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    first = index(capsys, home, root, "--model", str(demo_model_path()))
    database = home / "closet" / "catalogue.db"
    with database.open("r+b") as handle:
        handle.truncate(4096)  # the header page alone: "database disk image is malformed"
    argv = ["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0", "--device", "cpu"]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and "is damaged" in err and "again with --replace" in err, err
    code = main([*argv, "--replace"])
    out = capsys.readouterr()
    assert code == 0, out.err
    [aside] = list((home / "closet").glob("catalogue.damaged-*.db"))
    assert f"the damaged catalogue database was set aside as {aside}" in out.out
    assert aside.stat().st_size == 4096  # kept as it was, never deleted
    again = index(capsys, home, root)
    assert again["items"] == first["items"] and again["embedded"] == 0
    # import --replace says it too (a trial found it in --json only), and the index built from the
    # database set aside is not read against the new one
    with database.open("r+b") as handle:
        handle.truncate(4096)
    assert main(["--index-home", str(home), "import", str(root), "--name", "closet", "--replace"]) == 0
    said = capsys.readouterr().out
    assert "the damaged catalogue database was set aside as" in said
    assert len(list((home / "closet").glob("catalogue.damaged-*.db"))) == 2
    assert main(["--index-home", str(home), "query", "closet", "--image", str(next((root / "Tops").iterdir())),
                 "--image-category", "Tops"]) == 3
    assert "made anew since" in capsys.readouterr().err


def indexed_closet_items(capsys: pytest.CaptureFixture[str], home: Path, root: Path) -> list:
    """The closet indexed as "closet" with the bundled demo model under ``home``, and its items."""
    from sane_desktop.service import CatalogueService

    index(capsys, home, root, "--model", str(demo_model_path()))
    service = CatalogueService(home, device="cpu")
    try:
        service.open_catalogue("closet")
        return list(service.items())
    finally:
        service.close()


def closet_query(tmp_path: Path, capsys: pytest.CaptureFixture[str], k: int):  # type: ignore[no-untyped-def]
    """An indexed closet, its items by id, a query's argv (a top as the outfit, ``k`` per category, JSON) and
    that query's first answer."""
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    items = {item.item_id: item for item in indexed_closet_items(capsys, home, root)}
    outfit = next(i for i in items.values() if i.category == "Tops")
    argv = ["--index-home", str(home), "query", "closet", "--outfit", outfit.item_id, "-k", str(k), "--json"]
    assert main(argv) == 0
    return items, outfit, argv, json.loads(capsys.readouterr().out)


def test_query_says_which_result_photos_changed_since_indexing(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # a trial: query ranked a deleted photo first without a word, while explain refused it
    items, _outfit, argv, before = closet_query(tmp_path, capsys, 50)
    assert before["photos_changed"] == []
    ranked = [r["item_id"] for found in before["results"].values() for r in found]
    gone, replaced = items[ranked[0]], items[ranked[1]]
    gone.image_path.unlink()
    replaced.image_path.write_bytes(replaced.image_path.read_bytes() + b"\0")  # other bytes, same picture
    assert main(argv) == 0
    out = capsys.readouterr()
    assert {(e["item_id"], e["why"]) for e in json.loads(out.out)["photos_changed"]} == \
        {(gone.item_id, "gone"), (replaced.item_id, "replaced")}
    assert out.err.startswith("note: 2 result photos changed since indexing: ") and "re-index" in out.err


def test_query_says_when_a_photo_of_the_categories_searched_changed_outside_the_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # trial CM: boots whose photo was put back after an index ranked first on disk, and a top 3 without them
    # said nothing; a photo touched but unchanged is no change
    items, outfit, argv, before = closet_query(tmp_path, capsys, 1)
    assert before["other_photos_changed"] == []
    shown = {r["item_id"] for found in before["results"].values() for r in found}
    category, listed = next((c, found) for c, found in before["results"].items() if found)
    unlisted = [i for i in items.values() if i.category == category and i.item_id not in shown
                and i.item_id != outfit.item_id]
    touched, replaced = unlisted[0], unlisted[1]
    os.utime(touched.image_path, ns=(1, 1))  # touched, the same bytes
    # other bytes of the same size, its modification time put back (trial CO: only the change time tells)
    stat, data = replaced.image_path.stat(), bytearray(replaced.image_path.read_bytes())
    data[-3] ^= 0xFF
    replaced.image_path.write_bytes(bytes(data))
    os.utime(replaced.image_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main(argv) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert [(e["item_id"], e["why"]) for e in result["other_photos_changed"]] == [(replaced.item_id, "replaced")]
    assert result["photos_changed"] == [] and result["results"] == before["results"]
    assert out.err.strip() == (f"note: 1 other photo of the categories searched changed since indexing: "
                               f"{replaced.item_id} (replaced); it is ranked as indexed, so a list may miss it or "
                               "hold it wrongly: re-index")


def test_a_model_file_retrained_in_place_is_said_to_have_changed(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # a trial: another catalogue trained into the same file; the re-index then said "re-indexed
    # with the model this catalogue was built with" and, on the next line, "built with another model"
    from tests.retrieval_world import make_model

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    own = make_model(tmp_path / "models" / "closet.pt", seed=0)
    first = index(capsys, home, root, "--model", str(own))
    make_model(own, seed=1)  # `train OTHER --out closet.pt`: the same path, another model
    # query refuses, saying the file itself changed (as the window and index do)
    assert main(["--index-home", str(home), "query", "closet", "--outfit", "Tops/tops_0"]) == 3
    assert "the model file closet.pt holds another model now; built with another model" in capsys.readouterr().err
    again = index(capsys, home, root)
    old, new = first["model_hash"][:12], again["model_hash"][:12]
    assert old != new and Path(again["model"]) == own.resolve()
    assert again["note"] == (f"the model file {own.resolve()} changed since this catalogue was indexed ({old}, now "
                             f"{new}): re-indexed with the file as it is now; --model chooses another")
    same = index(capsys, home, root)  # indexed with it now: the catalogue's own model again
    assert same["note"].startswith(f"re-indexed with the model this catalogue was built with ({own.resolve()})")
    # a manifest that records no model hash (trial CC: a file replaced, the hash gone) cannot vouch for the file
    import json

    manifest = home / "closet" / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw.pop("model_hash")
    manifest.write_text(json.dumps(raw))
    make_model(own, seed=2)
    unknown = index(capsys, home, root)
    assert "built with" not in unknown["note"].split(";")[0] and "recorded no model hash" in unknown["note"], unknown


def test_query_says_when_an_outfit_items_own_photo_changed(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # a trial: an outfit item's photo replaced (or deleted) since indexing gave the same list without
    # a word, while result photos were flagged; the outfit's items drive every score
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    items = indexed_closet_items(capsys, home, root)
    top = next(i for i in items if i.category == "Tops" and i.image_path.suffix == ".jpg")
    other = next(i for i in items if i.pk != top.pk and i.image_path.suffix == ".jpg")
    argv = ["--index-home", str(home), "query", "closet", "--outfit", top.item_id, "-k", "5", "--json"]
    assert main(argv) == 0
    before = capsys.readouterr()
    assert json.loads(before.out)["outfit_photos_changed"] == [] and "note:" not in before.err

    shutil.copyfile(other.image_path, top.image_path)  # another photo in its place
    assert main(argv) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert [(e["item_id"], e["why"]) for e in result["outfit_photos_changed"]] == [(top.item_id, "replaced")]
    assert result["photos_changed"] == [] and result["results"] == json.loads(before.out)["results"]
    assert out.err.strip() == (f"note: the photo of outfit item {top.item_id} was replaced since indexing: the scores "
                               "use its photo as indexed; re-index")

    top.image_path.unlink()
    assert main(argv) == 0
    out = capsys.readouterr()
    assert [(e["item_id"], e["why"]) for e in json.loads(out.out)["outfit_photos_changed"]] == [(top.item_id, "gone")]
    assert out.err.startswith(f"note: the photo of outfit item {top.item_id} is gone since indexing: ")
    assert len(out.err.strip().splitlines()) == 1
    assert "put it back, or re-index" in out.err and "--rebuild" not in out.err  # --rebuild is for a replaced file

    similar = ["--index-home", str(home), "query", "closet", "--similar", top.item_id, "-k", "3"]
    assert main(similar) == 0  # --similar ranks by that one item's photo: the same note
    assert capsys.readouterr().err.startswith(f"note: the photo of {top.item_id} is gone since indexing: ")
    assert main([*similar, "--json"]) == 0  # its item is compared by looks, as its lists are
    assert {o["space"] for o in json.loads(capsys.readouterr().out)["outfit"]} == {"general"}


def test_a_copied_index_home_uses_its_own_copy_of_the_catalogues_model(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AS: the manifest names the catalogue's own model by absolute path, so an index home copied
    elsewhere kept loading the original home's model.pt — refused when the original was trained again,
    "missing" when it was deleted, and re-indexed with the original's new model when it was back."""
    from sane_desktop.models.checkpoint import general_model_path, stored_content_hash
    from sane_desktop.service import Catalogues

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    home.mkdir()
    (home / "closet").mkdir()
    own = home / "closet" / "model.pt"
    shutil.copyfile(demo_model_path(), own)
    index(capsys, home, root, "--model", str(own))
    copied = tmp_path / "copied"
    shutil.copytree(home, copied)
    shutil.copyfile(general_model_path(), own)  # the original home's model trained again

    mine = copied / "closet" / "model.pt"
    assert Catalogues(copied).model_path("closet") == mine
    assert main(["--index-home", str(copied), "items", "closet", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]["item_id"]
    code = main(["--index-home", str(copied), "query", "closet", "--outfit", item, "-k", "3", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err

    own.unlink()  # the original gone: the copy re-indexes with its own model, and names it
    again = index(capsys, copied, root)
    assert Path(again["model"]) == mine.resolve() and again["model_hash"] == stored_content_hash(mine)
    # a model inside the index folder is recorded relative to it (trial AT: the absolute path tied a copy
    # to the original home)
    assert read_index_manifest(copied / "closet").model_path == "model.pt"  # type: ignore[union-attr]
    shutil.copyfile(general_model_path(), own)  # and back, trained again: still the copy's own
    assert Path(index(capsys, copied, root)["model"]) == mine.resolve()

    # trial AT: the copy's own model trained again while the original is there: the copy's, as in any home
    shutil.copyfile(demo_model_path(), own)
    again_copied = tmp_path / "again"
    shutil.copytree(copied, again_copied)
    theirs = again_copied / "closet" / "model.pt"
    shutil.copyfile(general_model_path(), theirs)
    retrained = index(capsys, again_copied, root)
    assert Path(retrained["model"]) == theirs.resolve() and retrained["model_hash"] == stored_content_hash(theirs)

    # ... and renamed in the copy: its own model and database still (trial AT: the original's, or refused as
    # "another database")
    assert main(["--index-home", str(again_copied), "catalogues", "rename", "closet", "wardrobe"]) == 0
    capsys.readouterr()
    shutil.copyfile(demo_model_path(), theirs.parent.parent / "wardrobe" / "model.pt")  # trained again there
    code = main(["--index-home", str(again_copied), "index", str(root), "--name", "wardrobe", "--workers", "0",
                 "--device", "cpu", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    renamed = json.loads(out.out)
    assert Path(renamed["model"]) == (again_copied / "wardrobe" / "model.pt").resolve()


def test_a_model_kept_in_a_folder_that_merely_shares_the_catalogues_name_stays_as_recorded(tmp_path: Path) -> None:
    from dataclasses import replace

    from sane_desktop.models.checkpoint import general_model_path, stored_content_hash
    from sane_desktop.retrieval.manifest import Manifest, recorded_model_file

    kept = tmp_path / "data" / "closet" / "model.pt"  # the user's own folder of models
    kept.parent.mkdir(parents=True)
    shutil.copyfile(demo_model_path(), kept)
    here = tmp_path / "home" / "closet"
    here.mkdir(parents=True)
    shutil.copyfile(general_model_path(), here / "model.pt")  # the catalogue's own, another model
    manifest = Manifest("closet", str(stored_content_hash(kept)), str(kept), [], {}, 64, 64, 1)
    assert recorded_model_file(manifest, here) == kept
    # the index folder's file is the very model the index names (a copied home): that one
    assert recorded_model_file(replace(manifest, model_hash=str(stored_content_hash(here / "model.pt"))),
                               here) == here / "model.pt"
    kept.unlink()  # the recorded one gone: the index folder's own
    assert recorded_model_file(manifest, here) == here / "model.pt"


@pytest.mark.parametrize("style, advised", [("classic", False), ("alt", True)])
def test_the_demo_model_over_its_own_drawn_style_is_not_said_to_want_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str, advised: bool) -> None:
    """A trial was told "a model trained on this catalogue will do better" of the demo, whose bundled model
    is that training on a larger catalogue of its style; a drawn world of another style still is."""
    from sane_desktop.demo import generate_demo
    from sane_desktop.retrieval.indexing.model import DEMO_STYLE_NOTE

    root = tmp_path / style
    generate_demo(root, seed=0, items=40, masks=False, style=style)
    summary = index(capsys, tmp_path / "home", root)  # no --model: the bundled model for a drawn world
    assert Path(summary["model"]) == demo_model_path().resolve()
    assert (DEMO_NOTE in summary["note"]) is advised and (DEMO_STYLE_NOTE in summary["note"]) is not advised
