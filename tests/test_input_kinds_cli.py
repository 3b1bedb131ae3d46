"""Issue 14, the kinds a new user met through the command line after the first fixes: every one a
single ``error:`` line with the exit code of its kind, nothing half-written, no other model used."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.service import Catalogues, building
from tests.retrieval_world import make_catalogue, make_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cli-kinds")
    return {"catalogue": make_catalogue(base / "shop", items=30), "model": make_model(base / "model.pt")}


@pytest.fixture
def shop(world: dict[str, Path], tmp_path: Path) -> dict[str, object]:
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    catalogue = Catalogues().open("shop")
    by_category: dict[str, str] = {}
    for item in catalogue.items.search():
        by_category.setdefault(item.category, item.item_id)
    catalogue.close()
    return {"root": root, "ids": sorted(by_category.values())}


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Error:" not in lines[0] and "Traceback" not in lines[0]  # no Python class names for a person
    return lines[0]


def test_explain_pairs_reports_each_malformed_entry_and_explains_the_rest(shop, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    a, b, c = shop["ids"][:3]  # type: ignore[index]
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps([{"query": a, "candidate": b}, {"query": a}, 42, ["x", "y"],
                                 {"query": "nope", "candidate": b}, {"query": a, "candidate": c}]))
    assert main(["explain", "shop", "--pairs", str(pairs), "--save-maps", str(tmp_path / "maps")]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["candidate"] for line in out.splitlines()] == [b, c]
    errors = err.strip().splitlines()
    assert [line.split(":")[1].strip() for line in errors[:4]] == ["pair 2", "pair 3", "pair 4", "pair 5 ('nope', '"
                                                                  + b + "')"]
    assert errors[-1] == "error: 4 of 6 pairs could not be explained (see above)"
    assert main(["explain", "shop", "--pairs", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in one_line(capsys)
    assert main(["explain", "shop", "--pairs", str(pairs), "--query", a, "--candidate", b]) == 1
    assert "not both" in one_line(capsys)
    pairs.write_text(json.dumps([{"query": "nope", "candidate": b}]))  # one bad pair: one line, not two
    assert main(["explain", "shop", "--pairs", str(pairs)]) == 1
    assert "nope" in one_line(capsys)
    for given, missing in (("--query", "--candidate"), ("--candidate", "--query")):  # half a pair: the other named
        assert main(["explain", "shop", given, a]) == 1
        assert f"{given} needs {missing} ID too" in one_line(capsys)


def test_query_refuses_what_is_not_an_outfit_or_an_image(shop, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    a = shop["ids"][0]  # type: ignore[index]
    assert main(["query", "shop", "--outfit", f"{a},{a}"]) == 1
    assert "more than once" in one_line(capsys)
    assert main(["query", "shop", "--image", str(tmp_path), "--image-category", "tops"]) == 1
    assert "not an image file" in one_line(capsys)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert main(["query", "shop", "--image", str(empty), "--image-category", "tops"]) == 1
    assert "image file is empty (0 bytes)" in one_line(capsys)  # in the import's words
    from PIL import Image

    strip, tiny = tmp_path / "strip.png", tmp_path / "tiny.png"
    Image.new("RGB", (400, 20), (200, 40, 40)).save(strip)
    Image.new("RGB", (1, 1), (200, 40, 40)).save(tiny)
    for image, said in ((strip, "strip.png is 400×20 pixels: the model sees its centre square, 5 % of it"),
                        (tiny, "tiny.png is only 1×1 pixels: the model sees it enlarged")):
        assert main(["query", "shop", "--image", str(image), "--image-category", "tops", "--category", "shoes"]) == 0
        assert said in capsys.readouterr().err  # ranked all the same, with a line that says what it saw
    for category in ("TOPS", "Tops"):  # a category's case is not a typo worth refusing
        assert main(["query", "shop", "--outfit", a, "--category", category]) == 0
        capsys.readouterr()
    missing = tmp_path / "nowhere" / "x.db"
    assert main(["query", "shop", "--outfit", a, "--db", f"sqlite:///{missing}"]) == 1
    assert "no catalogue database" in one_line(capsys)
    assert not missing.parent.exists()  # a query creates nothing


def test_a_folder_where_an_index_file_belongs(shop, world, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = paths.catalogue_dir("shop")
    manifest = json.loads((folder / "manifest.json").read_text())
    target = folder / next(iter(manifest["indexes"].values()))["file"]
    target.unlink()
    target.mkdir()  # empty: the next index puts the file back
    assert main(["index", str(shop["root"]), "--model", str(world["model"]), "--workers", "0", "--json"]) == 0
    capsys.readouterr()
    assert target.is_file()
    target.unlink()
    target.mkdir()
    (target / "keep.txt").write_text("not ours")  # not empty: not ours to delete, the user is told
    assert main(["index", str(shop["root"]), "--model", str(world["model"]), "--workers", "0"]) == 5
    assert "is a folder where an index file belongs" in one_line(capsys)
    assert (target / "keep.txt").is_file()


def test_indexing_a_folder_that_holds_the_index_home_is_refused(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "inside" / "home"))
    assert main(["index", str(tmp_path)]) == 1
    assert "holds the catalogues' index home" in one_line(capsys)


def test_an_index_home_that_is_a_file_is_one_plain_line(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.write_text("a file, not a folder")
    monkeypatch.setenv("SANE_INDEX_HOME", str(home))
    root = make_catalogue(tmp_path / "c", items=30)
    assert main(["import", str(root)]) in (1, 5)
    line = one_line(capsys)
    assert str(home) in line
    # said as what it is: a trial's index read "it is read-only here", a query "no catalogue named …"
    assert main(["index", str(root), "--workers", "0"]) == 5
    line = one_line(capsys)
    assert f"{home} is a file, not a folder" in line and "read-only" not in line, line
    assert main(["query", "c", "--outfit", "x"]) != 0
    line = one_line(capsys)
    assert f"the index home {home} is a file, not a folder" in line, line


def test_a_full_disk_while_indexing_is_one_line_that_names_the_folder(shop, world, capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trial filled the disk: `index` said Python's bare "No space left on device" (the lock's
    note about its holder was the first write) with exit code 1. Now one line names the folder and
    the catalogue stays as it was, searchable."""
    import errno
    from pathlib import Path

    before = main(["query", "shop", "--outfit", shop["ids"][0], "-k", "3", "--json"])
    assert before == 0
    answer = capsys.readouterr().out
    real_write = Path.write_text

    def full(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.name == ".sane-writer.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["index", str(shop["root"]), "--model", str(world["model"]), "--workers", "0"]) == 5
    line = one_line(capsys)
    folder = paths.catalogue_dir("shop")
    assert line == (f"error: the disk holding the catalogue's index folder {folder} is full (No space left on device): "
                    "free some space, then try again; the catalogue is as it was"), line
    monkeypatch.setattr(Path, "write_text", real_write)
    assert main(["query", "shop", "--outfit", shop["ids"][0], "-k", "3", "--json"]) == 0
    assert capsys.readouterr().out == answer
    assert main(["index", str(shop["root"]), "--model", str(world["model"]), "--workers", "0"]) == 0  # not left locked
    # an import into a --db file's folder: that folder, in the import's words (trial CR read "index folder" and
    # "nothing was indexed" of it)
    monkeypatch.setattr(Path, "write_text", full)
    database = tmp_path / "elsewhere" / "shop.db"
    database.parent.mkdir()
    assert main(["import", str(shop["root"]), "--name", "other", "--db", f"sqlite:///{database}"]) == 5
    assert one_line(capsys) == (f"error: the disk holding the folder {database.parent} of the catalogue database is "
                                "full (No space left on device): free some space, then try again; nothing was imported")


@pytest.mark.skipif(os.geteuid() != 0 and not hasattr(os, "chmod"), reason="needs chmod")
def test_indexing_in_a_read_only_folder_is_a_store_error(shop, world, capsys) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.service.locking import catalogue_lock

    folder = paths.catalogue_dir("shop")

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(folder / ".sane-writer.lock"))

    import filelock

    original = filelock.FileLock.acquire
    filelock.FileLock.acquire = refuse  # type: ignore[method-assign]  # root ignores chmod: fake the refusal
    try:
        with pytest.raises(Exception, match="read-only here; it can be searched and explained, not indexed"):
            with catalogue_lock(folder, "index"):
                pass
        # a rename or a delete says what it could not do (trial AD read "not indexed" for a rename)
        with pytest.raises(Exception, match="read-only here; it can be searched and explained, not renamed"):
            with catalogue_lock(folder, "rename shop"):
                pass
        with pytest.raises(Exception, match="read-only here; it can be searched and explained, not deleted"):
            with catalogue_lock(folder, "delete shop"):
                pass
        # a catalogue folder with no index in it: nothing there to search, and the line says so
        with pytest.raises(Exception, match="read-only here; nothing can be indexed there") as refused:
            with catalogue_lock(folder.parent / "newcat", "index"):
                pass
        # the way out is another index home, in each front end's words: the window's has no option to give
        # (trial EO's window was told to "choose another index home")
        from sane_desktop.errors import WayOut
        from sane_desktop.gui.text import window_message

        assert refused.value.way_out is WayOut.OTHER_INDEX_HOME  # type: ignore[attr-defined]
        assert str(refused.value).endswith("there: choose another index home: --index-home or SANE_INDEX_HOME")
        assert window_message(refused.value).endswith(  # type: ignore[arg-type]
            "there: start the app with another index home (the SANE_INDEX_HOME setting)")
        assert main(["index", str(shop["root"]), "--model", str(world["model"]), "--workers", "0"]) == 5
        assert "read-only" in one_line(capsys)
    finally:
        filelock.FileLock.acquire = original  # type: ignore[method-assign]


def test_a_checkpoint_with_non_finite_weights_is_refused(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A diverged training run saves NaNs (with a valid content hash): every score would be NaN."""
    import torch

    from sane_desktop.errors import ModelError
    from sane_desktop.models import checkpoint
    from sane_desktop.models.checkpoint import load_checkpoint, save_checkpoint

    bundle = load_checkpoint(make_model(tmp_path / "good.pt"))
    with torch.no_grad():
        bundle.compatibility.embed.weight[0, 0] = float("nan")
    # the app never writes one (trial AL: train saved a 1-item catalogue's "loss nan" model, exit 0)
    with pytest.raises(ModelError, match="compatibility weights are not finite .* not saved"):
        save_checkpoint(tmp_path / "nan.pt", bundle)
    assert not (tmp_path / "nan.pt").exists()
    # one written elsewhere, with a valid content hash, is refused when loaded
    data = torch.load(tmp_path / "good.pt", weights_only=True)
    data["compatibility"]["embed.weight"][0, 0] = float("nan")
    meta = {key: data[key] for key in ("format", "version", "config", "categories", "attributes", "preprocessing")}
    data["content_hash"] = checkpoint._hash(meta, {"compatibility": data["compatibility"],
                                                   "attribute_net": data["attribute_net"]})
    torch.save(data, tmp_path / "nan.pt")
    with pytest.raises(Exception, match="non-finite compatibility weights"):
        load_checkpoint(tmp_path / "nan.pt")
    root = make_catalogue(tmp_path / "c", items=30)
    assert main(["index", str(root), "--model", str(tmp_path / "nan.pt"), "--workers", "0"]) == 4
    assert "non-finite" in one_line(capsys)


def test_train_refuses_an_output_that_is_a_folder_before_training(world, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``train --out FOLDER`` is one line at once (a trial saw it train to the end, then fail and
    leave a ``.tmp`` file beside the folder)."""
    out = tmp_path / "models"
    out.mkdir()
    assert main(["train", str(world["catalogue"]), "--out", str(out), "--epochs", "1"]) == 1
    assert "is a folder" in one_line(capsys)
    assert not (tmp_path / "models.tmp").exists() and list(out.iterdir()) == []
    assert main(["train", str(world["catalogue"]), "--out", str(tmp_path / "nowhere" / "m.pt"), "--epochs", "1"]) == 1
    assert "does not exist" in one_line(capsys)


def test_index_with_a_model_that_cannot_load_imports_nothing(world, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A refused checkpoint leaves no catalogue behind: a trial found one listed, browsable and
    unsearchable after ``index --model BROKEN``."""
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    assert main(["index", str(world["catalogue"]), "--name", "halfmade", "--model", str(broken)]) == 4
    assert "broken.pt" in one_line(capsys)
    assert not paths.catalogue_dir("halfmade").exists()
    assert "halfmade" not in [info.name for info in Catalogues().list()]


def test_an_os_error_is_said_with_what_to_do_when_the_disk_is_full() -> None:
    import errno

    from sane_desktop.cli import os_error_line

    assert os_error_line(OSError(errno.ENOSPC, "No space left on device", "/x/faiss/tops.index")) == (
        "the disk is full (No space left on device: /x/faiss/tops.index): free some space, then try again")
    assert os_error_line(OSError(errno.ENOENT, "No such file or directory", "/x/y")) == "No such file or directory: /x/y"



def test_a_query_while_the_catalogue_is_being_indexed_says_so(shop, world, capsys) -> None:  # type: ignore[no-untyped-def]
    """Trial R queried while an `index` with another model ran: refused (rightly: the catalogue was
    re-imported, its index not yet rebuilt), but told to "re-run sane-desktop index", which the
    running one's lock would then refuse. While a writer holds the catalogue, the line says who, and
    to search again once it has ended; without one, the re-index advice stays."""
    from sane_desktop.service.locking import catalogue_lock
    from sane_desktop.store.importer import import_folder

    root = Path(str(shop["root"]))
    photo = sorted((root / "images").glob("*.jpg"))[0]
    photo.write_bytes(sorted((root / "images").glob("*.jpg"))[1].read_bytes())  # another photo: a new revision
    import_folder(root, "shop")[0].dispose()  # the import an index starts with, the index not yet rebuilt
    query = ["query", "shop", "--outfit", str(shop["ids"][0]), "-k", "2"]
    with catalogue_lock(paths.catalogue_dir("shop"), "index shop"):
        assert main(query) == 3
        line = one_line(capsys)
        assert "'shop' is being indexed now (pid " in line and "search it again once that run has ended" in line, line
        assert "re-run" not in line
    # another process holding it (as a terminal's `index` does)
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
                               "from sane_desktop.service.locking import catalogue_lock\n"
                               "with catalogue_lock(Path(sys.argv[1]), 'index shop'):\n"
                               "    print('held', flush=True)\n    time.sleep(60)",
                               str(paths.catalogue_dir("shop"))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(query) == 3
        assert "is being indexed now" in one_line(capsys)
    finally:
        holder.kill()
        holder.wait()
    assert main(query) == 3
    line = one_line(capsys)
    assert "out of date" in line and "re-index it (sane-desktop index " in line, line


def test_explain_pairs_refuses_an_entry_naming_a_key_twice(shop, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """json keeps the last value of a repeated key without a word: ``{"query": A, "query": B, …}``
    explained B. Such an entry is reported on its own line; the others run."""
    a, b, c = shop["ids"][:3]  # type: ignore[index]
    pairs = tmp_path / "pairs.json"
    pairs.write_text(f'[{{"query": "{a}", "query": "{c}", "candidate": "{b}"}}, {{"query": "{a}", "candidate": "{c}"}}]')
    assert main(["explain", "shop", "--pairs", str(pairs)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["candidate"] for line in out.splitlines()] == [c]
    assert "pair 1: key 'query' is given twice" in err.splitlines()[0], err
