"""A file or folder given on the command line as a URL (trial D: ``file:///…`` was read as the folder
``file:/…`` in the working folder, and a web address as "catalogue folder not found:
/work/https:/example.com/shop"): a ``file://`` URL is its path, a web address is refused in one line
naming it as written, before any work."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from sane_desktop.cli import local_path, main
from sane_desktop.errors import InputError
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet


def test_local_path_reads_file_urls_and_refuses_web_addresses() -> None:
    assert local_path("file:///tmp/shop") == "/tmp/shop"
    assert local_path("file://localhost/tmp/my%20shop/") == "/tmp/my shop/"
    for kept in ("shop", "/tmp/shop", "C:/shop", "photos/a:b.jpg", "./https"):
        assert local_path(kept) == kept
    for address in ("https://example.com/shop", "HTTP://x/y.jpg", "s3://bucket/shop"):
        with pytest.raises(InputError, match=r"is a web address: .*nothing is downloaded"):
            local_path(address)
    with pytest.raises(InputError, match=r"file://server/share is a file on another computer \(server\)"):
        local_path("file://server/share")


def test_a_leading_tilde_the_shell_left_is_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A leftover of trial BO: ``--out '~/m.pt'`` (quoted, or ``--out=~/m.pt``, which the shell leaves) made a
    folder named ``~`` in the working folder, while the catalogue folder and the index home read ``~``
    as the home folder. Every path option reads it so now."""
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    monkeypatch.chdir(tmp_path)
    assert local_path("~/m.pt") == str(tmp_path / "me" / "m.pt") and local_path("~") == str(tmp_path / "me")
    assert local_path("a/~b") == "a/~b"  # only a leading one
    from sane_desktop.demo import generate_demo

    generate_demo(tmp_path / "me" / "demo", items=30, masks=False)
    capsys.readouterr()
    assert main(["--index-home=~/home", "import", "~/demo", "--name=d", "--json"]) == 0
    assert (tmp_path / "me" / "home" / "d").is_dir() and not (tmp_path / "~").exists()
    # in a SQLite URL too (trial BU: `--db sqlite:///~/tiny.db` wrote ./~/tiny.db and recorded $HOME/tiny.db)
    assert main(["--index-home=~/home", "import", "~/demo", "--name=e", "--db", "sqlite:///~/e.db", "--json"]) == 0
    assert (tmp_path / "me" / "e.db").is_file() and not (tmp_path / "~").exists()
    capsys.readouterr()
    assert main(["--index-home=~/home", "items", "e", "--db", "sqlite:///~/e.db", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 30


def test_commands_take_file_urls_and_refuse_web_addresses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_closet(tmp_path / "closet")
    home = ["--index-home", (tmp_path / "home").as_uri()]  # a URL for the global option too
    assert main([*home, "index", root.as_uri(), "--name", "closet", "--model", demo_model_path().as_uri(),
                 "--workers", "0", "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] > 0
    assert (tmp_path / "home" / "closet" / "catalogue.db").is_file()
    image = next(path for path in root.rglob("*.jpg") if path.parent != root)
    assert main([*home, "query", "closet", "--image", image.as_uri(), "--image-category", image.parent.name,
                 "--json"]) == 0
    capsys.readouterr()

    for args in (["index", "https://example.com/shop"], ["train", "https://example.com/shop", "--out", "m.pt"],
                 [*home, "query", "closet", "--image", "http://example.com/a.jpg", "--image-category", "tops"]):
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's own error line
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        assert code != 0 and captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "is a web address" in lines[0], lines
        assert "http://example.com/a.jpg" in lines[0] or "https://example.com/shop" in lines[0]  # as written
    assert not Path("https:").exists() and not (tmp_path / "m.pt").exists()


def test_a_file_given_as_the_catalogue_folder_is_named_a_file(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Trial P: `index notes.txt` said "catalogue folder not found" for a file that is there."""
    given = tmp_path / "notes.txt"
    given.write_text("not a catalogue")
    for command in (["import", str(given)], ["index", str(given), "--name", "n3"]):
        assert main(["--index-home", str(tmp_path / "home"), *command]) != 0
        err = capsys.readouterr().err
        assert f"{given} is a file, not a folder" in err and "not found" not in err, err
        assert len(err.strip().splitlines()) == 1, err


def test_a_folder_given_as_the_model_is_named_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same kind as a file given as the catalogue folder: `--model FOLDER` said "checkpoint not found"."""
    from sane_desktop.errors import ModelError
    from sane_desktop.models.checkpoint import load_checkpoint

    with pytest.raises(ModelError, match=rf"^{tmp_path} is a folder, not a checkpoint file"):
        load_checkpoint(tmp_path)
    shop = make_closet(tmp_path / "closet")
    assert main(["--index-home", str(tmp_path / "home"), "index", str(shop), "--model", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "is a folder, not a checkpoint file" in err and "not found" not in err, err


def test_the_bundled_models_are_found_by_their_names_and_a_missing_model_is_said_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial BG followed the README's ``--model general.pt`` and ``--model demo.pt`` from an installed
    wheel: "checkpoint not found" from every folder but a checkout's; and ``explain --model`` of a file
    that is not there said "the model demo.pt is missing: restore it, or re-index the catalogue"."""
    from sane_desktop.cli import _bundled_model
    from sane_desktop.models.checkpoint import demo_model_path, general_model_path
    from tests.closet_world import make_closet

    monkeypatch.chdir(tmp_path)  # no such files here
    for name, shipped in (("demo.pt", demo_model_path()), ("general.pt", general_model_path())):
        for given in (name, Path(name)):
            args = argparse.Namespace(model=given)
            _bundled_model(args)
            assert Path(args.model) == shipped and type(args.model) is type(given)
    (tmp_path / "demo.pt").write_bytes(b"a file of the user's, by that name")
    args = argparse.Namespace(model="demo.pt")
    _bundled_model(args)
    assert args.model == "demo.pt"  # a file of that name in the working folder is the one meant

    root = make_closet(tmp_path / "closet")
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--name", "closet", "--workers", "0", "--device", "cpu",
                 "--model", "general.pt"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    code = main([*home, "explain", "closet", "--query", "a", "--candidate", "b", "--model", "nowhere.pt"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and err == f"error: checkpoint not found: {Path('nowhere.pt')}", err
    # a command that reads a folder, given an indexed catalogue's name: the folder it was imported from
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    code = main([*home, "evaluate", "closet", "--model", "general.pt"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and f"the indexed catalogue 'closet' was imported from {root}" in err and "\n" not in err, err


def test_query_image_of_a_catalogue_photo_is_searched_as_that_item(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The last stop's leftover: ``query --image`` of a copy of one of the catalogue's own photos was
    embedded as an outside photo, unsaid. It is that item now (a ``note:`` line says which), and with the
    item in ``--outfit`` too it is refused as an item named twice."""
    import shutil

    root = make_closet(tmp_path / "closet")
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--name", "closet", "--model", str(demo_model_path()),
                 "--workers", "0", "--device", "cpu", "--json"]) == 0
    capsys.readouterr()
    image = next(path for path in sorted(root.rglob("*.jpg")) if path.parent != root)
    copy = tmp_path / "IMG_0001.jpg"
    shutil.copyfile(image, copy)
    item_id = f"{image.parent.name}/{image.stem}"
    assert main([*home, "query", "closet", "--image", str(copy), "--image-category", image.parent.name,
                 "--json"]) == 0
    captured = capsys.readouterr()
    assert f"note: {copy} is the photo of {item_id} in this catalogue: searched as that item" in captured.err
    as_image = json.loads(captured.out)
    assert main([*home, "query", "closet", "--outfit", item_id, "--json"]) == 0
    as_item = json.loads(capsys.readouterr().out)
    assert as_image["results"] == as_item["results"]  # the same search, the item's stored vectors
    assert main([*home, "query", "closet", "--outfit", item_id, "--image", str(copy), "--image-category",
                 image.parent.name]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"error: --image {copy} is the photo of {item_id}, which the outfit holds already "
                   "(an outfit holds a photo once)"), err
    # trial CI: under another category it joined beside the item, and a photo given twice was taken twice
    other = next(name for name in ("Bottoms", "Shoes", "bags") if name != image.parent.name)
    assert main([*home, "query", "closet", "--outfit", item_id, "--image", str(copy), "--image-category", other]) == 1
    assert "is the photo of " + item_id + ", which the outfit holds already" in capsys.readouterr().err
    assert main([*home, "query", "closet", "--image", str(copy), "--image-category", other]) == 0
    assert (f"note: {copy} is the photo of {item_id} in this catalogue, filed under {image.parent.name}: searched as "
            f"{other}, as asked") in capsys.readouterr().err
    mine = tmp_path / "mine.png"
    from PIL import Image

    Image.open(image).convert("RGB").rotate(90).save(mine)
    assert main([*home, "query", "closet", "--image", str(mine), "--image-category", other, "--image", str(mine),
                 "--image-category", other]) == 1
    assert f"error: --image {mine} is the photo of {mine}, which the outfit holds already" in capsys.readouterr().err


def test_a_path_of_bytes_that_are_not_utf8_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CG: a catalogue folder (and an index home) named with a byte that is not UTF-8 gave a 19-line
    logging traceback, then "error: UnicodeEncodeError: … surrogates not allowed". One line each now, from the
    command line and from the service the window calls; the log writes such a path with an escape."""
    import logging
    import os

    from sane_desktop import logs
    from sane_desktop.errors import InputError
    from sane_desktop.service import CatalogueService

    folder = os.fsdecode(os.fsencode(str(tmp_path)) + b"/c\xffat")
    try:
        os.makedirs(folder)
    except OSError:  # a file system that takes UTF-8 names only: nothing to try
        pytest.skip("this file system refuses names that are not UTF-8")
    shown = f"{tmp_path}/c\\xffat"
    home = ["--index-home", str(tmp_path / "home")]
    for argv, what in (([*home, "index", folder, "--name", "c"], f"CATALOGUE {shown}"),
                       (["--index-home", folder, "catalogues"], f"--index-home {shown}")):
        assert main(argv) == 1
        captured = capsys.readouterr()
        assert captured.err == (f"error: {what}: its path holds bytes that are not UTF-8 text (shown as \\xNN): "
                                "rename the folder or file whose name holds them\n"), captured.err
    monkeypatch.setenv("SANE_INDEX_HOME", folder)
    assert main(["catalogues"]) == 1
    assert capsys.readouterr().err.startswith(f"error: SANE_INDEX_HOME {shown}: its path holds bytes")
    monkeypatch.delenv("SANE_INDEX_HOME")
    with pytest.raises(InputError, match="the catalogue folder .*not UTF-8 text"):
        CatalogueService(tmp_path / "home").inspect_folder(folder)
    logs.configure("cli", folder=tmp_path / "log")
    try:
        logging.getLogger("sane_desktop.test").warning("a folder %s", folder)
    finally:
        logs.unconfigure()
    assert f"a folder {tmp_path}/c\\udcffat" in (tmp_path / "log" / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Logging error" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, named", [
    (["index", "{root}", "--name", "c\udcff"], "--name"),
    (["items", "c\udcff"], "NAME"),
    (["query", "shop", "--outfit", "Tops/\udcff"], "--outfit"),
    (["items", "shop", "--category", "\udcff"], "--category"),
])
def test_any_text_of_bytes_that_are_not_utf8_is_refused_in_one_line(argv: list[str], named: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CG's kind, beyond paths: ``index --name $'c\\xff'`` ended in "UnicodeEncodeError"."""
    from sane_desktop.errors import InputError
    from sane_desktop.paths import check_catalogue_name

    root = make_closet(tmp_path / "closet")
    given = [part.replace("{root}", str(root)) for part in argv]
    assert main(["--index-home", str(tmp_path / "home"), *given]) == 1
    shown = next(part for part in given if "\udcff" in part).replace("\udcff", "\\xff")
    assert capsys.readouterr().err == (f"error: {named} {shown}: holds bytes that are not UTF-8 text (shown as \\xNN): "
                                       "give it as UTF-8 text\n")
    with pytest.raises(InputError, match=r"invalid catalogue name 'c\\\\xff': it holds bytes that are not UTF-8"):
        check_catalogue_name("c\udcff")


@pytest.mark.parametrize("variable", ["SANE_CACHE_HOME", "SANE_CONFIG_HOME", "SANE_LOG_HOME"])
def test_a_home_variable_of_bytes_that_are_not_utf8_is_refused(variable: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CI: such a SANE_CONFIG_HOME made the window save its settings in another folder (Qt read the byte
    as U+FFFD) than the one checked, and SANE_CACHE_HOME cached no thumbnail, unsaid."""
    from sane_desktop import logs

    monkeypatch.setenv(variable, f"{tmp_path}/h\udcff")
    try:
        assert main(["--index-home", str(tmp_path / "home"), "catalogues"]) == 1
    finally:
        logs.unconfigure()
    assert capsys.readouterr().err == (f"error: {variable} {tmp_path}/h\\xff: its path holds bytes that are not UTF-8 "
                                       "text (shown as \\xNN): rename the folder or file whose name holds them\n")


def test_argparse_s_own_refusals_show_such_bytes_as_the_others_do(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CJ: `-k $'\\xff'` and a mistyped option of such bytes printed \\udcff, where every other line says
    \\xff."""
    for argv, said in ((["query", "shop", "--outfit", "a", "-k", "\udcff"], "'\\xff' is not a whole number"),
                       (["query", "shop", "--bogus\udcff"], "unrecognized arguments: --bogus\\xff")):
        try:
            code = main(["--index-home", str(tmp_path), *argv])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        err = capsys.readouterr().err
        assert code == 1 and said in err and "udc" not in err, err


@pytest.mark.parametrize("argv", [["gui", "--screenshot", "{tmp}/shot.png"], ["demo", "{tmp}/world.JSON"],
                                  ["explain", "{tmp}/shop", "a", "b", "--model", "m.pt", "--save-maps", "{tmp}/maps.png"],
                                  # the index's folders too (trial CU: `--index-dir out.json` made such a folder)
                                  ["index", "{tmp}/shop", "--index-dir", "{tmp}/out.json"],
                                  ["--index-home", "{tmp}/home.db", "catalogues"],
                                  ["gui", "--index-home", "{tmp}/home.sqlite"],
                                  # the index's own kinds and archives too (trial CT)
                                  ["index", "{tmp}/shop", "--index-dir", "{tmp}/x.faiss"], ["demo", "{tmp}/out.tar.gz"]])
def test_a_folder_option_given_a_file_name_is_refused_before_it_makes_that_folder(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`gui --screenshot shot.png` made a folder called shot.png and wrote the PNGs into it, unsaid."""
    assert "a folder is wanted here, not a" in _refused_before_any_work(argv, tmp_path, capsys)


def _refused_before_any_work(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line argparse refused ``argv`` with (``{tmp}`` read as ``tmp_path``), nothing written."""
    with pytest.raises(SystemExit) as exited:
        main([part.replace("{tmp}", str(tmp_path)) for part in argv])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and sorted(path.name for path in tmp_path.iterdir()) == [], err
    return err


def test_a_folder_option_takes_an_existing_folder_whatever_its_name(tmp_path: Path) -> None:
    from sane_desktop.cli import folder_arg

    (tmp_path / "shots.png").mkdir()
    assert folder_arg(str(tmp_path / "shots.png")) == tmp_path / "shots.png"
    assert folder_arg(str(tmp_path / "shots.v2")) == tmp_path / "shots.v2"  # a dot is not a file suffix we know
    assert folder_arg(f"{tmp_path / 'maps.png'}/") == tmp_path / "maps.png"  # its separator typed: meant as a folder
    with pytest.raises(argparse.ArgumentTypeError, match="not a .pt file"):
        folder_arg(str(tmp_path / "weights.pt"))


@pytest.mark.parametrize("argv", [["train", "{tmp}/shop", "--out", "{tmp}/mdir/"],
                                  ["train", "{tmp}/shop", "--out", "{tmp}/mdir/."],  # pathlib's "mdir" too
                                  ["adapt", "{tmp}/shop", "--model", "m.pt", "--out", "{tmp}/mdir/"],
                                  ["evaluate-explanations", "{tmp}/shop", "--model", "m.pt", "--save-selection",
                                   "{tmp}/sel/"]])
def test_a_file_option_given_a_folder_name_is_refused_before_any_work(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CU: `train --out mdir/` trained, then wrote a file called mdir (pathlib drops the slash)."""
    assert "this names a folder; give the file to write, e.g. " in _refused_before_any_work(argv, tmp_path, capsys)


def test_a_relative_index_home_is_said_as_the_folder_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial EO: ``SANE_INDEX_HOME=relidx`` printed "Catalogues in relidx:", and from another folder "no indexed
    catalogue named 'rel' under relidx", never where that was. A relative home is read once, from the working
    folder, and said in full."""
    from sane_desktop import paths

    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    for given in (["--index-home", "relidx"], []):
        if not given:
            paths.use_index_home(None)  # the option's home, kept by this process, given back
            monkeypatch.setenv("SANE_INDEX_HOME", "relidx")
        assert main([*given, "catalogues"]) == 0
        assert f"{tmp_path / 'work' / 'relidx'}" in capsys.readouterr().out
        monkeypatch.chdir(tmp_path)
        assert main([*given, "query", "rel", "--outfit", "x"]) != 0
        assert f"under {tmp_path / 'relidx'}" in capsys.readouterr().err
        monkeypatch.chdir(tmp_path / "work")
