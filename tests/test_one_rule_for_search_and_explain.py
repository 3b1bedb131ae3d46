"""One set of rules says whether an index may answer, for search and for explain alike
(:mod:`sane_desktop.retrieval.index_state`). Two copies of them had drifted: ``explain`` answered
where ``query`` refused (an index whose FAISS file was deleted or changed, another catalogue's index
files restored into the folder). Each stale state below is made on a real index, then both commands
are asked: both refuse, with the same reason, on one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet


def _manifest(home: Path) -> dict:
    return json.loads((home / "closet" / "manifest.json").read_text())


def _index_file(home: Path) -> Path:
    entry = next(iter(_manifest(home)["indexes"].values()))
    return home / "closet" / entry["file"]


def _delete_file(home: Path) -> str:
    _index_file(home).unlink()
    return "is missing"


def _change_file(home: Path) -> str:
    path = _index_file(home)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one byte: FAISS may still read it, with one vector's value changed
    path.write_bytes(bytes(data))
    return "does not match its manifest"


def _other_catalogues_files(home: Path) -> str:
    data = _manifest(home)
    data["catalogue"] = "shop"
    (home / "closet" / "manifest.json").write_text(json.dumps(data))
    return "holds the index of catalogue 'shop', not 'closet'"


def _other_build(home: Path) -> str:
    data = _manifest(home)
    data["embedding_code"] = "fedcba9876543210"
    (home / "closet" / "manifest.json").write_text(json.dumps(data))
    return "built by another build of SANE Desktop"


def _other_database(home: Path) -> str:
    data = _manifest(home)
    data["db_uid"] = "0" * 32  # built from a catalogue of this name in another database (or one made anew)
    (home / "closet" / "manifest.json").write_text(json.dumps(data))
    return "built from another database's catalogue"


@pytest.mark.parametrize("make_stale", [_delete_file, _change_file, _other_catalogues_files, _other_build,
                                        _other_database],
                         ids=["file deleted", "file changed", "another catalogue's files", "another build",
                              "another database"])
def test_explain_refuses_what_query_refuses_in_its_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], make_stale: Callable[[Path], str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--model", str(demo_model_path())]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["--index-home", str(home), "items", "closet", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["items"]
    item, other = listed[0]["item_id"], listed[-1]["item_id"]
    query = ["--index-home", str(home), "query", "closet", "--outfit", item, "-k", "3"]
    explain = ["--index-home", str(home), "explain", "closet", "--query", item, "--candidate", other, "--no-cache"]
    assert main(query) == 0 and main(explain) == 0, capsys.readouterr().err  # answered while in date
    capsys.readouterr()

    says = make_stale(home)
    searched = main(query)
    query_err = capsys.readouterr().err.strip()
    explained = main(explain)
    explain_out = capsys.readouterr()
    assert searched != 0 and says in query_err and "\n" not in query_err, query_err
    assert explained == searched, explain_out.out  # no explanation of a ranking no search can give now
    assert explain_out.err.strip() == query_err  # the same reason and the same way out
    # … and the catalogue list does not call it usable (trial BF: a changed file was listed as in date)
    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["catalogues"][0]
    assert listed["out_of_date"] or listed["index_problem"], listed
    if make_stale is _other_database:  # said with its reason, not a bare "re-index it"
        assert says in listed["index_problem"], listed


def test_a_database_opened_without_its_index_folder_names_the_folder_it_was_indexed_into(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial opened a catalogue with ``--db`` but without the ``--index-dir`` it was indexed into, and
    was told to index it again (a second index in the home); its database records where it was built."""
    root, home, folder = make_closet(tmp_path / "closet"), tmp_path / "home", tmp_path / "indexes" / "closet"
    db = ["--db", f"sqlite:///{(tmp_path / 'shop.db').as_posix()}"]
    monkeypatch.chdir(tmp_path)  # given relative: recorded where it is (trial BF read "indexes/closet" elsewhere)
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", *db, "--index-dir",
                 "indexes/closet", "--workers", "0", "--device", "cpu", "--model", str(demo_model_path())]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    monkeypatch.chdir(root)
    assert main(["--index-home", str(home), "items", "closet", *db, "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]["item_id"]
    query = ["--index-home", str(home), "query", "closet", *db, "--outfit", item, "-k", "3"]
    assert main([*query, "--index-dir", str(folder)]) == 0
    capsys.readouterr()

    for command in (query, ["--index-home", str(home), "explain", "closet", *db, "--query", item,
                            "--candidate", item, "--no-cache"]):
        assert main(command) != 0
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and f"its database records one built in {folder}: open it with that folder as " \
            "--index-dir" in err, err
        assert "or index it (sane-desktop index" in err, err  # still the way to a first index here
    # a folder that no longer holds it (a home moved since) is not named
    (folder / "manifest.json").unlink()
    assert main(query) != 0
    err = capsys.readouterr().err.strip()
    assert "records one built" not in err and "has no index in" in err, err


def test_the_catalogue_list_says_how_to_index_one_never_indexed_to_its_end(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BD: an index stopped before its end was listed "not indexed, indexed not recorded"."""
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "import", str(root), "--name", "closet"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["--index-home", str(home), "catalogues"]) == 0
    listed = capsys.readouterr().out
    assert "not indexed: index it (sane-desktop index " in listed and f"{root} --name closet)" in listed, listed
    assert "not recorded" not in listed


def test_the_reindex_command_of_a_refusal_keeps_a_pgvector_index_on_its_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial BK ran the command a refusal spelt out for a pgvector catalogue: without --vector-backend
    pgvector it built FAISS files, and left the server's tables behind."""
    import argparse

    from sane_desktop.cli import with_index_command
    from sane_desktop.errors import StaleIndexError

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    monkeypatch.setenv("SANE_INDEX_HOME", str(home))
    assert main(["index", str(root), "--name", "closet", "--workers", "0", "--device", "cpu",
                 "--model", str(demo_model_path())]) == 0, capsys.readouterr().err
    refusal = StaleIndexError("index of 'closet' is out of date (catalogue re-imported since indexing): "
                              "re-run sane-desktop index")
    args = argparse.Namespace(name="closet", db=None, index_dir=None)
    assert "--vector-backend" not in with_index_command(refusal, args)  # FAISS files: as it is
    data = _manifest(home)
    for entry in data["indexes"].values():  # as a pgvector build records its tables
        entry["spec"] = {**entry["spec"], "kind": "pgvector"}
    (home / "closet" / "manifest.json").write_text(json.dumps(data))
    said = with_index_command(refusal, args)
    assert said.endswith("--vector-backend pgvector)") and f"sane-desktop index {root} --name closet" in said, said


def test_another_catalogues_own_folder_as_index_dir_is_said_without_advising_a_replace_there(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``query shop --index-dir <index home>/other`` (a wrong folder) was a stale index (exit 3) with
    the advice "index this one with --replace to rebuild it here", which rebuilds over catalogue other's index."""
    home, root = tmp_path / "home", make_closet(tmp_path / "closet")
    for name in ("shop", "other"):
        assert main(["--index-home", str(home), "index", str(root), "--name", name, "--workers", "0", "--device", "cpu",
                     "--model", str(demo_model_path()), "--json"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "items", "shop", "--json"]) == 0
    ids = [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]]
    for argv in (["query", "shop", "--outfit", ids[0]], ["explain", "shop", "--query", ids[0], "--candidate", ids[1]]):
        code = main(["--index-home", str(home), *argv, "--index-dir", str(home / "other")])
        err = capsys.readouterr().err.strip()
        assert code == 1 and "is the index folder of catalogue 'other', not 'shop'" in err, err
        assert "--replace" not in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("make_stale", [_delete_file, _change_file], ids=["file deleted", "file changed"])
def test_an_open_catalogue_refuses_a_search_once_its_loaded_files_changed_on_disk(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        make_stale: Callable[[Path], str]) -> None:
    """Trial DI overwrote an open catalogue's FAISS files: the window went on ranking from the index in memory,
    unsaid, while its explanations (and any next start) refused. A search from an open catalogue checks the
    files it loaded, as an explanation does (a stat while they are unchanged)."""
    from sane_desktop.errors import StaleIndexError
    from sane_desktop.service import Catalogues

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--model", str(demo_model_path())]) == 0, capsys.readouterr().err
    monkeypatch.setenv("SANE_INDEX_HOME", str(home))
    catalogue = Catalogues(device="cpu").open("closet")
    try:
        assert catalogue.search.searcher().categories  # loaded while in date
        says = make_stale(home)
        with pytest.raises(StaleIndexError, match=says):
            catalogue.search.searcher()
    finally:
        catalogue.close()


def test_an_index_time_is_read_as_recorded_never_now(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``Manifest``'s ``created_at`` defaults to "now" for a manifest being written; read back from one that
    recorded no time it called an old index just written in `query`, `items` and `explain`. Read, it is ""."""
    from sane_desktop.retrieval.manifest import MANIFEST_NAME, read_index_manifest
    from sane_desktop.service import Catalogues

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--model", str(demo_model_path())]) == 0, capsys.readouterr().err
    recorded = _manifest(home)["created_at"]
    manifest = read_index_manifest(home / "closet")
    assert recorded and manifest is not None and manifest.created_at == recorded
    old = _manifest(home)
    del old["created_at"]
    (home / "closet" / MANIFEST_NAME).write_text(json.dumps(old))
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.created_at == ""
    monkeypatch.setenv("SANE_INDEX_HOME", str(home))
    catalogue = Catalogues(device="cpu").open("closet")
    try:
        assert catalogue.search.written_at() == "" and catalogue.search.searcher().manifest.created_at == ""
    finally:
        catalogue.close()
