"""Trial AD found no way to list, rename or delete a catalogue but the window: ``catalogues`` lists
them as Manage catalogues does, and renames and deletes them the same way (delete only with --yes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.service import building
from tests.retrieval_world import make_catalogue, make_model


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--index-home", str(home), "catalogues", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def shop_indexed(tmp_path: Path) -> tuple[Path, Path]:
    """An index home holding "shop", 30 demo items indexed with a tiny seeded model: (home, its folder)."""
    from sane_desktop import paths

    home = tmp_path / "home"
    paths.use_index_home(home)
    try:
        root = make_catalogue(tmp_path / "shop", items=30, seed=1)
        building.index_folder(root, "shop", make_model(tmp_path / "model.pt"), workers=0, device="cpu")
    finally:
        paths.use_index_home(None)
    return home, root


def test_list_rename_and_delete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, root = shop_indexed(tmp_path)
    code, out, _ = run(capsys, home, "--json")
    (listed,) = json.loads(out)["catalogues"]
    assert code == 0 and (listed["name"], listed["items"], listed["source"]) == ("shop", 30, str(root.resolve()))
    assert listed["model"] == "model.pt" and listed["vectors"] == 30 and not listed["out_of_date"]
    code, out, _ = run(capsys, home)
    assert "shop" in out and "30 items" in out and str(root.resolve()) in out
    # an index no search can use as it is says so (trial AE: listed as usable)
    manifest = home / "shop" / "manifest.json"
    kept = manifest.read_text()
    manifest.write_text(json.dumps({**json.loads(kept), "format_version": 99, "app_version": "sane-desktop 9.0"}))
    code, out, _ = run(capsys, home, "--json")
    assert json.loads(out)["catalogues"][0]["index_problem"] == "written by a newer version (sane-desktop 9.0)"
    manifest.write_text(json.dumps({**json.loads(kept), "catalogue": "other"}))
    code, out, _ = run(capsys, home)
    assert "its index folder holds the index of catalogue 'other': index it again with --replace" in out, out
    manifest.write_text(kept)

    assert run(capsys, home, "rename", "shop", "boutique")[0] == 0
    assert main(["--index-home", str(home), "items", "boutique", "-n", "1"]) == 0  # searchable under its new name
    # a new catalogue under the old name, then the renamed one indexed again: its own database, no refusal
    # (trial AE: "holds the index of catalogue 'boutique' in another database (…/shop/catalogue.db)")
    model = str(tmp_path / "model.pt")
    for name in ("shop", "boutique"):
        assert main(["--index-home", str(home), "index", str(root), "--name", name, "--model", model,
                     "--workers", "0", "--device", "cpu", *(["--replace"] if name == "shop" else [])]) == 0, \
            capsys.readouterr().err
    code, _, err = run(capsys, home, "delete", "boutique")  # not without --yes
    assert code != 0 and "add --yes" in err and "its source photos stay" in err and (home / "boutique").is_dir()
    code, out, _ = run(capsys, home, "delete", "boutique", "--yes")
    assert code == 0 and not (home / "boutique").exists() and root.is_dir()  # the photos stay
    # and so do its photos' cached features, said with the way to free them
    assert out.rstrip().endswith("stay in the per-user caches: 'sane-desktop cache' says what they take and frees them")
    assert run(capsys, home, "delete", "shop", "--yes")[0] == 0
    code, out, _ = run(capsys, home)
    assert "No catalogue in" in out
    code, _, err = run(capsys, home, "delete", "boutiqe")  # a catalogue that is not there: no "this deletes …"
    assert code != 0 and "no catalogue named 'boutiqe'" in err and "add --yes" not in err, err
    code, _, err = run(capsys, home, "rename", "only-one")
    assert code != 0 and "rename takes 2 names" in err


def test_delete_says_when_the_photos_go_with_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Photos kept inside the catalogue's own folder (the built-in demo's) are deleted with it: asked
    and said so."""
    from sane_desktop import paths

    home = tmp_path / "home"
    paths.use_index_home(home)
    try:
        root = make_catalogue(home / "inside" / "source", items=30, seed=2)
        building.index_folder(root, "inside", make_model(tmp_path / "model.pt"), workers=0, device="cpu")
    finally:
        paths.use_index_home(None)
    code, _, err = run(capsys, home, "delete", "inside")
    assert code != 0 and "and its photos, which are kept inside its folder" in err, err
    code, out, _ = run(capsys, home, "delete", "inside", "--yes")
    assert code == 0 and "and its photos kept inside it" in out and not root.exists()


def test_an_index_home_that_is_a_file_is_said_not_listed_as_empty(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AF: "No catalogue in …/afile yet: sane-desktop index FOLDER adds one", exit 0; that index failed."""
    home = tmp_path / "afile"
    home.write_text("")
    code, _, err = run(capsys, home)
    assert code != 0 and "is a file, not a folder" in err, err


def test_an_option_of_one_value_given_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AF: ``query --category hats --category bags`` listed bags alone, without a word."""
    def code_of(*argv: str) -> int:
        capsys.readouterr()
        try:
            return main(["--index-home", str(tmp_path), *argv])
        except SystemExit as exit_:  # argparse's refusal
            return int(exit_.code or 0)

    assert code_of("query", "x", "--outfit", "a", "--category", "hats", "--category", "bags") == 1
    err = capsys.readouterr().err.strip()
    assert "--category given 2 times (hats, bags): give it once" in err and len(err.splitlines()) == 1, err
    # the same value twice, and an option meant to be repeated, are no such refusal (the catalogue is missing)
    code_of("query", "x", "--outfit", "a", "--outfit", "b", "--category=bags", "--category", "bags")
    assert "given" not in capsys.readouterr().err
    # an empty path is refused, not read as the current folder (trial AN: --index-home= listed the working
    # folder, --save-maps= wrote maps into it)
    for argv in (["--index-home=", "catalogues"], ["explain", "x", "--query", "a", "--candidate", "b", "--save-maps="],
                 ["train", "x", "--out="], ["adapt", "x", "--model", "m.pt", "--out", ""]):
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        err = capsys.readouterr().err.strip()
        assert code == 1 and "is empty: give a path" in err and len(err.splitlines()) == 1, (argv, err)
    # a seed out of every generator's range: one line, not torch's "Overflow when unpacking long long" (trial AN)
    for seed in ("99999999999999999999999", "-1", "1.5"):
        capsys.readouterr()
        assert code_of("train", "x", "--out", "m.pt", "--seed", seed) == 1
        err = capsys.readouterr().err.strip()
        assert "argument --seed" in err and len(err.splitlines()) == 1, err
    # an option of one value last on the line without it: argparse's one line, not an IndexError (trial AL)
    for tail in (["--similar"], ["-k"], ["--outfit", "1", "--category"]):
        assert code_of("query", "x", *tail) == 1
        err = capsys.readouterr().err.strip()
        assert "expected one argument" in err and len(err.splitlines()) == 1, err


def test_a_second_value_after_a_repeatable_option_says_how_to_give_it(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BM: ``query shop --outfit A B`` said only "unrecognized arguments: B"; the line now says to
    give B its own ``--outfit``. A stray word after an option of one value gets no such advice."""
    def err_of(*argv: str) -> str:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main(["--index-home", str(tmp_path), *argv])
        assert exit_.value.code == 1
        return capsys.readouterr().err.strip()

    for argv in (["query", "x", "--outfit", "a1", "b2", "--category", "shoes"], ["query", "x", "--outfit=a1", "b2"]):
        err = err_of(*argv)
        assert "b2 follows --outfit a1: give each value its own --outfit (--outfit a1 --outfit b2)" in err, err
        assert len(err.splitlines()) == 1, err
    err = err_of("query", "x", "--outfit", "a1", "--category", "shoes", "bags")
    assert "unrecognized arguments: bags" in err and "follows" not in err, err
    # the catalogue named after the ids (trial BP): the second id was taken as the name, the name is the stray
    err = err_of("query", "--outfit", "a1", "b2", "x")
    assert "if b2 is another --outfit value, give it its own --outfit (--outfit a1 --outfit b2)" in err, err
    capsys.readouterr()
    # ids only: the second id is taken as the catalogue's name, which is not found
    assert main(["--index-home", str(tmp_path), "query", "--outfit", "a1", "b2", "-k", "2"]) == 1
    err = capsys.readouterr().err.strip()
    assert "no indexed catalogue named 'b2'" in err and "if b2 is another --outfit value" in err, err
    assert len(err.splitlines()) == 1, err


def test_no_command_is_bad_input_with_an_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BQ: ``sane-desktop`` alone exited 2, a code the README's list of exit codes does not have."""
    assert main(["--index-home", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "COMMAND" in err and err.splitlines()[-1].startswith("error: give a command"), err


def test_a_catalogue_whose_database_is_locked_is_listed_unavailable_not_damaged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CR: on a full disk the listing said "0 items  database cannot be read" and the window's manager
    "damaged", its Delete button beside a whole catalogue. A reason outside the file (here a lock another
    program holds; a full disk reads the same) is said as such, with the reason."""
    import sqlite3

    from sane_desktop.service.catalogues import Catalogues, catalogue_details
    from sane_desktop.store.db import is_passing

    home, _ = shop_indexed(tmp_path)
    holder = sqlite3.connect(home / "shop" / "catalogue.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # in WAL mode with exclusive locking: no other connection gets in
        (entry,) = catalogue_details(Catalogues(home))
        assert entry.passing and "is locked by another program" in entry.damaged
        code, out, _ = run(capsys, home)
        assert code == 0 and "shop  database cannot be read now (nothing suggests damage: it opens once that " \
            "passes): the catalogue database" in out and "0 items" not in out, out
        code, out, _ = run(capsys, home, "--json")
        (listed,) = json.loads(out)["catalogues"]
        # no count read as "empty", no reason under "damaged" (trial CT)
        assert "locked" in listed["unavailable"] and listed["damaged"] == "" and listed["items"] is None
        assert listed["vectors"] is None  # not "0 vectors" either
    finally:
        holder.close()
    assert not catalogue_details(Catalogues(home))[0].damaged  # the lock gone: listed as it is
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    broken = sqlite3.DatabaseError("file is not a database")
    broken.sqlite_errorcode = 26  # type: ignore[attr-defined]
    assert is_passing(full) and not is_passing(broken)


@pytest.mark.parametrize("files", [
    {"manifest.json": '{"manifest_version": 3, "name": "My extension"}', "background.js": "chrome.runtime"},
    {"faiss/notes.txt": "my own faiss experiments", "faiss/run.py": "import faiss"},
    {"manifest.json": "{not json", "README": "mine"},
])
def test_a_folder_of_the_users_under_the_index_home_is_no_catalogue_to_delete(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
    """Trial EC: with --index-home pointing at a project folder, a browser extension's folder (its own
    manifest.json) was "deleted", whole, by `catalogues delete myext --yes`, exit 0."""
    home = tmp_path / "proj"
    for name, text in files.items():
        (home / "myext" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "myext" / name).write_text(text)
    code, out, err = run(capsys, home, "delete", "myext", "--yes")
    assert code == 1 and "no catalogue" in err.lower(), err
    assert all((home / "myext" / name).read_text() == text for name, text in files.items())
    code, out, _ = run(capsys, home, "--json")
    assert code == 0 and json.loads(out)["catalogues"] == []


def test_index_into_a_folder_with_a_manifest_no_index_wrote_is_refused_and_leaves_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EC: `index --index-dir` into a web app's folder was told to give --model, and that replaced the
    user's manifest.json with the index's."""
    root = make_catalogue(tmp_path / "shop", items=30, seed=1)
    app = tmp_path / "webapp"
    app.mkdir()
    (app / "manifest.json").write_text('{"name": "My PWA", "start_url": "/"}')
    model = make_model(tmp_path / "model.pt")
    capsys.readouterr()
    code = main(["--index-home", str(tmp_path / "home"), "index", str(root), "--name", "shop", "--index-dir", str(app),
                 "--model", str(model), "--workers", "0"])
    assert code == 1
    assert f"the index folder {app} holds a manifest.json that no index wrote" in capsys.readouterr().err
    assert (app / "manifest.json").read_text() == '{"name": "My PWA", "start_url": "/"}'
    assert sorted(path.name for path in app.iterdir()) == ["manifest.json"]


def test_a_delete_that_cannot_remove_every_file_says_so_and_fails_and_the_rest_is_no_catalogue(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial EC: a file that could not be removed (chattr +i) left 880 kB, "Deleted …" and exit 0; the next
    listing showed `.deleting-…` as a damaged catalogue whose delete was refused as an invalid name."""
    import os

    home, _root = shop_indexed(tmp_path)
    unlink = os.unlink

    def refused(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("catalogue.db"):
            raise PermissionError(1, "Operation not permitted", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refused)
    code, out, err = run(capsys, home, "delete", "shop", "--yes")
    assert code == 1 and out.startswith("Deleted catalogue 'shop'")
    assert "note: the catalogue is deleted, but some of its files could not be removed: they are in " \
           f"{home}/.deleting-shop-" in err
    code, out, _ = run(capsys, home, "--json")
    assert code == 0 and json.loads(out)["catalogues"] == [] and "deleting" not in out
    monkeypatch.setattr(os, "unlink", unlink)
    run(capsys, home)  # each listing tries again
    assert not list(home.glob(".deleting-*"))
