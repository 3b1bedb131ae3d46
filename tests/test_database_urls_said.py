"""A ``--db`` URL as the command line says it back (trial AW, on the PostgreSQL path): never its
password — in an error line, in the log, for an unencoded "@" in it too; a mistyped URL is bad input
(exit 1), not a database fault (5); a read-only command never writes the schema into a database that
holds no store; a catalogue not found names every one the database holds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.errors import without_passwords
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet
from tests.pg_helpers import answering_port


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://aw:awpw@127.0.0.1:5432/aw", "postgresql+psycopg://aw:***@127.0.0.1:5432/aw"),
    ("postgresql+psycopg://aws:p@ss:w/rd@127.0.0.1:5432/aw7", "postgresql+psycopg://aws:***@127.0.0.1:5432/aw7"),
    ("'postgres://u:s3cr3t@h/db' (it holds 'a')", "'postgres://u:***@h/db' (it holds 'a')"),
    ("postgresql://host:5432/db and user@example.org", "postgresql://host:5432/db and user@example.org"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    # the scheme mistyped or left out (trial BB)
    ("'postgresql+psycopg:/bob:PW@127.0.0.1:1/x'", "'postgresql+psycopg:/bob:***@127.0.0.1:1/x'"),
    ("'postgresql+psycopg//bob:PW@127.0.0.1:1/x'", "'postgresql+psycopg//bob:***@127.0.0.1:1/x'"),
    ("'bob:PW@127.0.0.1/x'", "'bob:***@127.0.0.1/x'"),
    ("at 10:30:05 user@host, item a:b", "at 10:30:05 user@host, item a:b"),
    # a password as a parameter, and one with a space in a quoted URL (trial DW)
    ("'postgresql://al@h:xx/db?password=Se-5&sslmode=x'", "'postgresql://al@h:xx/db?password=***&sslmode=x'"),
    ("postgresql://al@/db?host=/run/pg&PassWord=Se-5", "postgresql://al@/db?host=/run/pg&PassWord=***"),
    ("'host=/run/pg dbname=db user=al password=Se-5'", "'host=/run/pg dbname=db user=al password=***'"),
    ("host=h password = 'a b c' user=x", "host=h password = *** user=x"),
    ("'postgresql://al:Se 5@h:xx/db' (bad)", "'postgresql://al:***@h:xx/db' (bad)"),
    ("x \"postgresql://al:it's 5@h/db\" y", "x \"postgresql://al:***@h/db\" y"),
    ("password authentication failed for user al", "password authentication failed for user al"),
])
def test_a_urls_password_is_never_said(url: str, shown: str) -> None:
    assert without_passwords(url) == shown


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("url", [
    "postgresql+pyscopg://aws:p@ss:w/rd@127.0.0.1:5432/aw",  # the driver's name mistyped, an "@" in the password
    "postgres://aw:awpw@127.0.0.1:54x32/aw",                 # a port that is no number
    "postgresql+psycopg:/aw:awpw@127.0.0.1:1/x",             # one slash (trial BB)
    "aw:awpw@127.0.0.1/x",                                    # no scheme
    "postgresql+psycopg://aw:p@ss:w/rd@127.0.0.1:1/x",       # an unencoded "@": its tail read as the host
    "mysql://aw:awpw@127.0.0.1/x",                            # a server SANE Desktop does not write for
    # trial DW: a password as a parameter, or with a space
    "postgresql+psycopg://aw@127.0.0.1:xx/aw?password=awpw",
    "host=/tmp dbname=aw user=aw password=awpw",
    "postgresql+psycopg://aw:awpw yy@127.0.0.1:xx/aw",
    "postgresql+psycopg://aw@127.0.0.1:5432/aw?password=awpw@Wawpw",  # trial DZ: "@" raw in a ?password=
])
def test_a_mistyped_url_is_bad_input_said_without_its_password(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "logs"))
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "query", "shop", "--db", url, "--similar", "1")
    assert code == 1, err
    assert "\n" not in err and "awpw" not in err and "ss:w/rd" not in err and "***" in err, err
    from sane_desktop import logs

    written = logs.log_file()
    assert written is not None and written.parent == tmp_path / "logs"
    text = written.read_text(encoding="utf-8")
    assert "not a usable database URL" in text and "awpw" not in text and "ss:w/rd" not in text
    assert "command query: sane-desktop --index-home " in text  # the command's arguments, said as a shell takes them


def test_a_read_only_command_leaves_a_database_without_a_store_as_it_was(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:  # another program's database, or an empty one mistyped
        connection.execute("CREATE TABLE notes (body TEXT)")
    for command in (["query", "shop", "--similar", "1"], ["items", "shop"]):
        code, err = _run(capsys, "--index-home", str(tmp_path / "home"), command[0], *command[1:],
                         "--db", f"sqlite:///{other}")
        assert code != 0 and "holds no SANE Desktop catalogue" in err and "\n" not in err, err
    with sqlite3.connect(other) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"notes"}  # no schema written into it


def test_a_catalogue_not_found_names_every_one_the_database_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_closet(tmp_path / "closet")
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    for name in ("autumn", "spring"):
        assert main(["--index-home", str(tmp_path / "home"), "index", str(root), "--name", name, "--db", db,
                     "--workers", "0", "--device", "cpu", "--json", "--model", str(demo_model_path())]) == 0
        json.loads(capsys.readouterr().out)
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "items", "winter", "--db", db)
    assert code != 0 and "(it holds 'autumn', 'spring')" in err, err


def test_a_catalogue_whose_database_is_on_a_server_is_listed_as_such_not_as_damaged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AW: every catalogue indexed with ``--db postgresql…`` was listed "0 items, database cannot be
    read … its database catalogue.db is gone", and ``delete`` (which that line offered) and ``items NAME``
    answered "no catalogue named …: did you mean …?". Its index folder names the server's database."""
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    for name in ("local", "remote"):
        assert main(["--index-home", str(home), "index", str(root), "--name", name, "--workers", "0", "--device", "cpu",
                     "--json", "--model", str(demo_model_path())]) == 0
        capsys.readouterr()
    # as an index built from a server's database leaves it: a manifest naming the server, no catalogue.db
    (home / "remote" / "catalogue.db").unlink()
    manifest_file = home / "remote" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    data["db_location"] = "postgresql+psycopg://aw:***@127.0.0.1:5432/aw"
    manifest_file.write_text(json.dumps(data))

    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)["catalogues"]}
    assert listed["remote"]["on_server"] == "postgresql+psycopg://aw:***@127.0.0.1:5432/aw"
    assert listed["remote"]["damaged"] == "" and listed["local"]["on_server"] == "" and listed["local"]["items"] > 0
    assert listed["remote"]["items"] is None and listed["remote"]["vectors"] is None  # not opened: not "0 items"
    assert main(["--index-home", str(home), "catalogues"]) == 0
    text = capsys.readouterr().out
    assert "remote  database on a server (postgresql+psycopg://aw:***@127.0.0.1:5432/aw): commands reach it with --db URL" \
        in text and "cannot be read" not in text

    code, err = _run(capsys, "--index-home", str(home), "items", "remote")
    assert code != 0 and "catalogue 'remote' keeps its database on a server" in err and "--db" in err, err
    assert "did you mean" not in err
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "rename", "remote", "faraway")
    assert code == 1 and "keeps its database on a server" in err and (home / "remote").is_dir(), err
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "delete", "remote", "--yes")
    assert code == 0, err
    assert not (home / "remote").exists() and (home / "local" / "catalogue.db").is_file()


def test_a_catalogue_left_without_its_database_can_be_deleted_as_the_listing_offers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(root), "--name", "shop", "--workers", "0", "--device", "cpu",
                 "--json", "--model", str(demo_model_path())]) == 0
    capsys.readouterr()
    (home / "shop" / "catalogue.db").unlink()
    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    assert "index its folder again under this name, or delete it" in json.loads(capsys.readouterr().out)["catalogues"][0]["damaged"]
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "delete", "shop", "--yes")
    assert code == 0 and not (home / "shop").exists(), err


def test_a_refusal_with_db_spells_out_the_index_command_with_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AW: refusals for a catalogue opened with --db ended in the bare "run sane-desktop index" (an
    index killed before its build) and "re-run sane-desktop index": the command is spelt out with the
    folder, the name and the database it was opened with."""
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    db = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert main(["--index-home", str(home), "index", str(root), "--name", "shop", "--db", db, "--workers", "0",
                 "--device", "cpu", "--json", "--model", str(demo_model_path())]) == 0
    capsys.readouterr()
    manifest_file = home / "shop" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps({**data, "embedding_code": "0123456789abcdef"}))
    code, err = _run(capsys, "--index-home", str(home), "query", "shop", "--db", db, "--similar", "x")
    assert code == 3 and err.endswith(f"re-index it (sane-desktop index {root} --name shop --db {db})"), err
    manifest_file.unlink()  # as an index killed before its build leaves it
    code, err = _run(capsys, "--index-home", str(home), "query", "shop", "--db", db, "--similar", "x")
    assert code == 3 and err.endswith(f"index it (sane-desktop index {root} --name shop --db {db})"), err


def test_pgvector_on_a_server_without_it_is_refused_before_anything_is_imported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_url: str) -> None:
    """Trial AW: `index --vector-backend pgvector` on a server with no pgvector extension imported and
    embedded every photo, then printed the driver's three lines. The session's test server (the system's
    PostgreSQL) has no such extension; the refusal is one line, and the database is left empty."""
    import psycopg

    from sane_desktop.retrieval.backends import require_usable_backend

    with psycopg.connect(postgres_url.replace("+psycopg", "")) as connection:
        if connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
            pytest.skip("this server offers pgvector")
    root = make_closet(tmp_path / "closet")
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "index", str(root), "--name", "pv", "--db",
                     postgres_url, "--vector-backend", "pgvector", "--workers", "0", "--device", "cpu")
    assert code == 1 and "has no pgvector extension to install" in err and "\n" not in err, err
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as connection:
        tables = connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        assert tables.fetchone()[0] == 0  # nothing imported
    require_usable_backend(postgres_url, "faiss")  # the default backend needs nothing of the server
    # nor is a folder left in the index home for its lock (trial AY: one no command could list or delete)
    assert not (tmp_path / "home" / "pv").exists()
    # an import into the server's database writes nothing under the index home either
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "import", str(root), "--name", "pv",
                     "--db", postgres_url)
    assert code == 0, err
    assert not (tmp_path / "home" / "pv").exists()


@pytest.mark.parametrize("argv", [
    ["evaluate", "demo", "--model", "m.pt", "--db", "postgresql+psycopg://ay:Secr3tQ%40%3A%2F%27%22x@localhost/ay"],
    ["--db", "postgresql+psycopg://ay:Secr3tQ%40%3A%2F%27%22x@localhost/ay", "items", "demo"],     # before the command
    ["query", "demo", "--db", "postgresql+psycopg://ay:Secr3tQ%40%3A%2F%27%22x@localhost/ay",
     "--db", "postgresql+psycopg://ay:Secr3tQ%40%3A%2F%27%22x@localhost/other", "--similar", "x"],  # twice
    ["index", "postgresql+psycopg://ay:Secr3tQ%40%3A%2F%27%22x@localhost/ay", "--name", "x"],     # as a folder
])
def test_an_argument_error_never_says_a_urls_password(argv: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AY: argparse's own errors echoed a --db URL whole ("unrecognized arguments: --db postgresql://
    ay:Secr3t…@…")."""
    with pytest.raises(SystemExit) as caught:
        main(["--index-home", str(tmp_path / "home"), *argv])
    err = capsys.readouterr().err
    assert caught.value.code == 1 and "Secr3t" not in err and "***" in err, err


def test_explain_refuses_an_index_older_than_its_catalogues_rows_as_query_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AY: after an `import` moved the catalogue to revision 2, `query` refused its index ("revision
    1, now 2") and `explain` still answered from it."""
    from PIL import Image

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    base = ["--index-home", str(home)]
    assert main([*base, "index", str(root), "--name", "shop", "--workers", "0", "--device", "cpu", "--json",
                 "--model", str(demo_model_path())]) == 0
    capsys.readouterr()
    assert main([*base, "items", "shop", "--json"]) == 0
    listed = [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]]
    Image.new("RGB", (40, 60), (10, 220, 10)).save(root / "Tops" / "green_new.jpg")
    assert main([*base, "import", str(root), "--name", "shop"]) == 0  # rows at revision 2, the index at 1
    capsys.readouterr()
    code, err = _run(capsys, *base, "query", "shop", "--outfit", listed[0])
    assert code == 3 and "revision 1, now 2" in err, err
    code, err = _run(capsys, *base, "explain", "shop", "--query", listed[0], "--candidate", listed[-1])
    assert code == 3 and "revision 1, now 2" in err and "\n" not in err, err


def test_a_database_other_than_sqlite_or_postgresql_is_refused_as_such(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A MySQL URL read "cannot use the database … (No module named 'MySQLdb')", exit 5 (a database fault):
    the schema and its queries are SQLite's and PostgreSQL's, and the line says so."""
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "query", "shop", "--db",
                     "mysql+pymysql://aw:awpw@127.0.0.1/x", "--similar", "1")
    assert code == 1 and "SQLite" in err and "PostgreSQL" in err and "not mysql" in err and "awpw" not in err, err


def test_catalogues_with_db_lists_what_that_database_holds_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BK: no command listed the catalogues of a ``--db`` database (``catalogues`` lists the index
    home). ``catalogues --db URL`` does, reading only: a database without a store, or a SQLite file that
    does not exist, is refused in one line and left as it was."""
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    for name in ("spring", "autumn"):
        assert main(["--index-home", str(home), "import", str(root), "--name", name, "--db", db, "--json"]) == 0
        capsys.readouterr()
    assert main(["--index-home", str(home), "catalogues", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["database"] == str(tmp_path / "shared.db")
    assert [entry["name"] for entry in listed["catalogues"]] == ["autumn", "spring"]
    assert all(entry["items"] > 0 and entry["source"] == str(root) for entry in listed["catalogues"]), listed
    assert [entry["index"] for entry in listed["catalogues"]] == [None, None]  # imported only (trial DX)
    assert main(["--index-home", str(home), "catalogues", "--db", db]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Catalogues in the database {tmp_path / 'shared.db'}") and "autumn" in text, text
    assert text.count("(no index found, here or on the server)") == 2, text
    assert main(["--index-home", str(home), "index", str(root), "--name", "spring", "--db", db, "--model",
                 str(demo_model_path()), "--workers", "0", "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "catalogues", "--db", db, "--json"]) == 0
    assert {entry["name"]: entry["index"] for entry in json.loads(capsys.readouterr().out)["catalogues"]} == {
        "autumn": None, "spring": "index home"}

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "--db", f"sqlite:///{other}")
    assert code == 1 and "holds no SANE Desktop catalogue" in err and "\n" not in err, err
    with sqlite3.connect(other) as connection:
        assert {row[0] for row in connection.execute("SELECT name FROM sqlite_master")} == {"notes"}
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "--db", f"sqlite:///{tmp_path / 'no' / 'x.db'}")
    assert code == 1 and "no catalogue database at" in err and not (tmp_path / "no").exists(), err
    # a file that is no database: the way out speaks of --db, not of a catalogue of the index home (trial BP)
    junk = tmp_path / "junk.db"
    junk.write_bytes(bytes(range(256)) * 4)
    for command in (["catalogues"], ["items", "shop"]):
        code, err = _run(capsys, "--index-home", str(home), *command, "--db", f"sqlite:///{junk}")
        assert code != 0 and "check that --db names a SANE Desktop catalogue database" in err, err
        assert "or delete the catalogue" not in err and "\n" not in err, err
    assert junk.read_bytes() == bytes(range(256)) * 4
    # rename and delete act on the index home: with --db they are refused, nothing done
    code, err = _run(capsys, "--index-home", str(home), "catalogues", "delete", "spring", "--yes", "--db", db)
    assert code == 1 and "without --db" in err, err
    assert main(["--index-home", str(home), "catalogues", "--db", db, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["catalogues"]) == 2


def test_catalogues_with_db_lists_a_servers_database(postgres_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    assert main(["--index-home", str(home), "import", str(root), "--name", "shop", "--db", postgres_url, "--json"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "catalogues", "--db", postgres_url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listed["catalogues"]] == ["shop"] and listed["catalogues"][0]["items"] > 0
    assert listed["database"].startswith("postgres@127.0.0.1:"), listed


def test_replace_never_sets_aside_a_file_of_the_users_that_is_no_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``import FOLDER --replace --db sqlite:///victim.json`` renamed an ordinary JSON file to
    ``victim.damaged-<time>.json`` as a "damaged catalogue database" and wrote a database in its place."""
    root = make_closet(tmp_path / "closet")
    victim = tmp_path / "victim.json"
    victim.write_text('{"mine": true}')
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "import", str(root), "--name", "shop",
                     "--replace", "--db", f"sqlite:///{victim}")
    assert code == 1 and "is not a SQLite database" in err and "left as it is" in err, err
    assert victim.read_text() == '{"mine": true}' and not list(tmp_path.glob("victim.damaged*"))


@pytest.mark.skipif(not Path("/dev/null").exists() or not Path("/proc/self").is_dir(), reason="Linux's /dev and /proc")
def test_a_database_path_that_holds_no_file_is_named_as_what_it_is(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A leftover of trial BO: ``--db sqlite:////dev/null`` read "the disk failed", and a database in
    ``/proc`` (no lock file can be made there) "the index folder is busy: another run is writing it"."""
    root = make_closet(tmp_path / "closet")
    home = ["--index-home", str(tmp_path / "home")]
    for url, said in (("sqlite:////dev/null", "/dev/null is a device, pipe or socket, not a database file"),
                      (f"sqlite:///{tmp_path}", "is a folder, not a database file"),
                      ("sqlite:////proc/sane.db", "cannot write the folder /proc of the catalogue database")):
        code, err = _run(capsys, *home, "index", str(root), "--name", "shop", "--db", url, "--model",
                         str(demo_model_path()), "--workers", "0", "--device", "cpu")
        assert code != 0 and said in err and "busy" not in err and "disk" not in err and len(err.splitlines()) == 1, err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="Linux's /proc")
def test_a_model_or_demo_that_cannot_be_written_names_what_it_is(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The lock of a file outside any catalogue folder says what the file is, as its taker names it: a model
    file for ``train --out``, the demo catalogue for ``demo`` (it was guessed from the run's words before)."""
    from sane_desktop.errors import StoreError
    from sane_desktop.service.building import _writing_model

    with pytest.raises(StoreError, match=r"^cannot write the folder /proc of the model file \(.*nothing can be trained"):
        with _writing_model("/proc/sane.pt", "train"):
            pass
    code, err = _run(capsys, "demo", "/proc/sane-demo", "--items", "10")
    assert code != 0 and err.startswith("error: cannot write the folder /proc of the demo catalogue ("), err
    assert len(err.splitlines()) == 1, err


def test_a_server_location_is_recorded_without_a_password_in_its_query() -> None:
    """Trial DW indexed with ``--db 'postgresql+psycopg://alice@/shared?host=…&password=…'``: the index manifest
    (on disk and on the server, where colleagues read it) and ``catalogues`` held the password in clear. The
    location is recorded without it, and one an earlier build recorded with it is read without it, equal to
    this build's."""
    from sane_desktop.retrieval.manifest import Manifest, database_location

    url = "postgresql+psycopg://alice@/shared?host=/run/pg&password=Se-5&sslpassword=k3y"
    location = database_location(url)
    assert "Se-5" not in location and "k3y" not in location, location
    assert location == "postgresql+psycopg://alice@/shared?host=%2Frun%2Fpg&password=***&sslpassword=***"
    assert database_location("postgresql+psycopg://alice:Se-5@h/db") == "postgresql+psycopg://alice:***@h/db"
    older = Manifest(catalogue="shop", model_hash="h", model_path="m.pt", model_categories=["tops"], preprocessing={},
                     embed_dim=8, dimension=8, db_revision=1, db_location="postgresql+psycopg://alice@/shared?host=%2Frun%2Fpg&password=Se-5"
                     "&sslpassword=k3y").as_dict()
    assert Manifest.from_dict(older).db_location == location
    # a SQLite file's path is its location, whatever it holds
    assert Manifest.from_dict({**older, "db_location": "sqlite:////tmp/a:b@c/x.db"}).db_location == "sqlite:////tmp/a:b@c/x.db"


def test_a_servers_address_takes_its_parts_from_libpq_parameters() -> None:
    """Trial DW: a user or port given as a query parameter (libpq's, which the drivers take) was left out of
    the address every message says ("server /run/pg:5432/shared refused the login" for ``?user=al&port=6000``)."""
    from sane_desktop.store.db import display_location

    assert display_location("postgresql+psycopg://@/shared?host=/run/pg&user=al&port=6000") == "al@/run/pg:6000/shared"
    assert display_location("postgresql+psycopg://al:pw@h:7000/db?user=other&port=1") == "al@h:7000/db"
    assert display_location("postgresql+psycopg://h/db?port=xx") == "h:xx/db"


def test_psycopgs_own_connection_takes_any_password_as_written() -> None:
    """Trial DX: a password with a space, quotes and "@" worked for the store and failed pgvector's search, which
    handed libpq the URL rendered back to text, and libpq's refusal printed the password. The connection string
    is built from the URL's decoded parts, which libpq's own parser reads back as they were."""
    pytest.importorskip("psycopg")
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import make_url

    from sane_desktop.retrieval.backends import conninfo

    for url, password in (("postgresql+psycopg://bob:Zq9%20pa%40x%27y%22w@127.0.0.1:5/bobdb", "Zq9 pa@x'y\"w"),
                          ("postgresql+psycopg://al@/db?host=/run/pg&password=a%20b%26c%3Bd", "a b&c;d"),
                          ("postgresql+psycopg://c:%5Cq%27@h/db", "\\q'")):
        parts = conninfo_to_dict(conninfo(make_url(url)))
        assert parts["password"] == password, (url, parts)
    parts = conninfo_to_dict(conninfo(make_url("postgresql+psycopg://al@/db?host=/run/pg&port=6000")))
    assert parts == {"host": "/run/pg", "port": "6000", "user": "al", "dbname": "db"}


@pytest.mark.parametrize("given, secret", [
    ("host=h dbname=d user=bob password='Zq9 pa@x\\'y\"w'", "Zq9"),                  # libpq's quoted value, escaped
    ("postgresql+psycopg://c@h/d?password=Kx7%26b;c)password=d%2541", "d%2541"),  # ";" and ")" in the value
    ("postgresql+psycopg://bob:Zq9 pa@x'y\"w@127.0.0.1:5/db", "Zq9"),            # written raw: space, quotes, "@"
])
def test_a_password_written_any_way_is_masked_in_the_log_and_the_error(
        given: str, secret: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial DX: these three left the password, or its tail, in the log's command line or the error line."""
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "logs"))
    code, err = _run(capsys, "--index-home", str(tmp_path / "home"), "items", "shop", "--db", given)
    assert code != 0 and secret not in err, err
    log = (tmp_path / "logs" / "sane-desktop.log").read_text(encoding="utf-8")
    assert secret not in log and "pa@x" not in log, log


@pytest.mark.parametrize("command", ["index", "import"])
def test_a_db_that_is_no_url_is_said_as_such_by_index_and_import(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DX: ``index --db 'host=… password=…'`` said "ArgumentError: Could not parse SQLAlchemy URL", and a port
    that is no number "ValueError: invalid literal …", as unexpected errors; every other command says it is no
    usable database URL."""
    root = make_closet(tmp_path / "closet")
    for url in ("host=/tmp dbname=aw user=aw password=awpw", "postgresql+psycopg://aw:awpw@127.0.0.1:notaport/aw"):
        code, err = _run(capsys, "--index-home", str(tmp_path / "home"), command, str(root), "--name", "shop",
                         "--db", url)
        assert code == 1 and err.startswith("error: not a usable database URL: '"), err
        assert "awpw" not in err and "Error:" not in err, err


def test_a_url_pasted_as_the_shared_catalogues_host_is_said_as_such() -> None:
    """A new-user trial pasted ``postgresql://stylist:Wv7Qp secret@db…/cat`` into Open shared catalogue's Host and
    read "… (an '@' in its password must be written %40)" of a URL made from it, with an empty password; and an
    empty Database field read "the server's database is empty", as if the server held no data."""
    from sane_desktop.errors import InputError
    from sane_desktop.service.shared import ServerAddress

    for host in ("postgresql://stylist:Wv7Qp secret@db.nowhere.invalid:5432/cat", "stylist@db.example.org",
                 "db.example.org/cat"):
        with pytest.raises(InputError, match=r"^the host is a server's name or address .*, not a URL") as refused:
            ServerAddress(host, 5432, "cat", "stylist").check()
        assert "Wv7Qp" not in str(refused.value)
    assert ServerAddress("/run/postgresql", 5432, "cat", "stylist").check().host == "/run/postgresql"  # a socket
    assert ServerAddress(" db.example.org ", 5432, "cat", "stylist").check().host == "db.example.org"
    with pytest.raises(InputError, match=r"^no database name is given: fill it in$"):
        ServerAddress("db.example.org", 5432, " ", "stylist").check()


@pytest.mark.parametrize("url, said", [
    # no server of that name: not "is it running, and are the host and port right?" (a trial went looking at the port)
    ("postgresql+psycopg://u@nosuchhost.invalid/db",
     "cannot find the catalogue database server u@nosuchhost.invalid:5432/db: no computer named 'nosuchhost.invalid' "
     "is known here (check the host name, or this computer's network)"),
    # a raw "&" in a ?password= ends it, and the rest reads as an unknown option (trial DZ)
    ("postgresql+psycopg://u@127.0.0.1:1/db?password=a&Bc=d",
     "the database URL u@127.0.0.1:1/db holds an option the driver does not know, 'Bc': options after '?' are "
     "separated by '&', so an '&' inside a password or another value must be written %26"),
])
def test_an_unknown_host_and_a_split_password_are_said_as_what_they_are(url: str, said: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["catalogues", "--db", url]) == 5
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said}"), err
    assert "is it running" not in err and "password=a" not in err


def test_the_shared_catalogue_dialog_says_an_unknown_host_as_such() -> None:
    from sane_desktop.errors import StoreError
    from sane_desktop.service.shared import ServerAddress, list_on_server

    with pytest.raises(StoreError) as refused:
        list_on_server(ServerAddress("nosuchhost.invalid", 5432, "db", "u"), "pw")
    assert str(refused.value) == ("no computer named 'nosuchhost.invalid' is known here: check the host name (or this "
                                  "computer's network)")


@pytest.mark.parametrize("query, reply, said", [
    ("?sslmode=bogus", b"", "gives the option sslmode a value the driver does not accept: 'bogus'"),
    ("?sslmode=require", b"N", "was reached, but a secure (TLS) connection could not be made"),
    ("?sslmode=disable", b"HTTP/1.0 400 Bad Request\r\n\r\n", "but it is not a PostgreSQL server: check the port"),
])
def test_a_tls_failure_a_bad_option_value_and_not_postgresql_are_said_as_such(
        query: str, reply: bytes, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EC: each read "is it running, and are the host and port right?" on every --db path."""
    port, listener = answering_port(reply)
    try:
        capsys.readouterr()
        assert main(["catalogues", "--db", f"postgresql+psycopg://u@127.0.0.1:{port}/db{query}"]) == 5
        err = capsys.readouterr().err
    finally:
        listener.close()
    assert said in err and "is it running" not in err, err


def test_the_shared_dialog_says_a_tls_failure_and_masks_a_short_password_only_where_it_stands(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sane_desktop.errors import StoreError
    from sane_desktop.service.shared import ServerAddress, list_on_server

    monkeypatch.setenv("PGSSLMODE", "require")
    port, listener = answering_port(b"N")
    try:
        with pytest.raises(StoreError) as refused:
            list_on_server(ServerAddress("127.0.0.1", port, "db", "u"), "pw")
    finally:
        listener.close()
    assert str(refused.value) == (f"the server at 127.0.0.1:{port} was reached, but a secure (TLS) connection "
                                  "could not be made: check PGSSLMODE and the server's TLS setup")
    from sane_desktop.service.shared import connection_message

    unforeseen = StoreError("cannot use the port o on the server")
    unforeseen.__cause__ = RuntimeError("something unforeseen")
    assert connection_message(unforeseen, ServerAddress("h", 5432, "db", "u"), "o") == \
        "cannot use the port *** on the server"
