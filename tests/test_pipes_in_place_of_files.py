"""Trial BO put a named pipe (and a symbolic link loop) where a file goes. Reading a pipe blocks until
something writes into it: ``train --out PIPE`` and ``evaluate-explanations --save-selection PIPE`` hung
for good, checking whether it held a model or a selection; ``explain --selection``/``--pairs`` would
have too; ``--category-map PIPE`` was parsed as an inline map; a pipe in place of ``nondisjoint/train.json``
imported the catalogue without its training outfits, unsaid; a link loop was "RuntimeError: Symlink loop".
Each is now refused or noted in one line, at once."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.errors import InputError
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
PATIENCE_S = 10.0  # a refusal is at once; past this, a reader was blocked on the pipe


def pipe(path: Path) -> Path:
    """A named pipe at ``path``, opened for writing (and closed) after :data:`PATIENCE_S`, so that a reader
    blocked on it ends (with nothing read) and the test fails on its time instead of hanging."""
    os.mkfifo(path)

    def release() -> None:
        deadline = time.monotonic() + PATIENCE_S + 60
        time.sleep(PATIENCE_S)
        while time.monotonic() < deadline:
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:  # no reader (yet, or any more)
                time.sleep(0.2)

    threading.Thread(target=release, daemon=True).start()
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err.strip(), time.monotonic() - started


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pipes")
    root, home = make_closet(folder / "closet"), folder / "home"
    assert main(["--index-home", str(home), "index", str(root), "--name", "shop", "--workers", "0", "--device",
                 "cpu", "--model", str(demo_model_path()), "--json"]) == 0
    return {"root": root, "home": home, "folder": folder}


def test_a_pipe_as_a_file_option_is_refused_at_once(shop: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.demo import generate_demo

    demo = generate_demo(tmp_path / "demo", items=30, masks=False).out  # (a catalogue with outfits and splits)
    capsys.readouterr()
    home, root = str(shop["home"]), str(shop["root"])
    assert main(["--index-home", home, "items", "shop", "--json"]) == 0
    ids = [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]]
    cases = [
        (["train", root, "--out", "P", "--preset", "cpu", "--epochs", "1"], "is not a SANE Desktop model"),
        (["adapt", root, "--model", str(demo_model_path()), "--out", "P"], "is not a SANE Desktop model"),
        (["evaluate-explanations", str(demo), "--model", str(demo_model_path()), "--pairs", "1", "--method", "fast",
          "--save-selection", "P"], "is not an explanation selection file"),
        (["explain", "shop", "--query", ids[0], "--candidate", ids[1], "--selection", "P"], "not a regular file"),
        (["explain", "shop", "--pairs", "P"], "not a regular file"),
        (["index", root, "--name", "shop", "--category-map", "P"], "cannot read the category map"),
        # there, so not "not found" (a leftover of trial BO)
        (["index", root, "--name", "shop", "--model", "P"], "is a pipe, device or socket, not a checkpoint file"),
        (["import", root, "--name", "shop2", "--mapping", "P"], "a pipe, device or socket, not a mapping file"),
        (["train", str(demo), "--out", str(tmp_path / "m.pt"), "--preset", "cpu", "--epochs", "1", "--weights", "P"],
         "is a pipe, device or socket, not a weights file"),
    ]
    for n, (argv, said) in enumerate(cases):
        fifo = pipe(tmp_path / f"pipe{n}")
        code, err, seconds = _run(capsys, "--index-home", home, *[str(fifo) if a == "P" else a for a in argv])
        assert seconds < PATIENCE_S and code != 0 and said in err and len(err.splitlines()) == 1, (argv, err, seconds)


def test_a_link_loop_as_a_path_option_is_refused_in_words(shop: dict[str, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.symlink_to(two)
    two.symlink_to(one)
    for argv in (["index", str(one), "--name", "x"], ["index", str(shop["root"]), "--name", "shop", "--mapping", str(one)],
                 ["--index-home", str(one), "catalogues"]):
        code, err, _ = _run(capsys, *argv)
        assert code == 1 and "is a symbolic link that leads back to itself" in err and "RuntimeError" not in err, err


def test_an_index_home_that_loops_is_said_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial BR: ``SANE_INDEX_HOME`` on a link loop gave the window "[Errno 40] Too many levels of symbolic
    links" over an empty list, and ``main.py --index-home`` on one a traceback."""
    from sane_desktop import paths

    one, two = tmp_path / "one", tmp_path / "two"
    one.symlink_to(two)
    two.symlink_to(one)
    monkeypatch.setenv("SANE_INDEX_HOME", str(one))
    code, err, _ = _run(capsys, "catalogues")
    assert code == 1 and err.startswith(f"error: SANE_INDEX_HOME {one} is a symbolic link that leads back"), err
    with pytest.raises(InputError, match="--index-home .* leads back to itself"):
        paths.use_index_home(one)  # what main.py's --index-home and the window's start call


def test_a_pipe_in_place_of_a_catalogue_metadata_file_is_noted_not_passed_over(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.demo import generate_demo

    root = tmp_path / "demo"
    generate_demo(root, items=30, masks=False)
    for relative in ("nondisjoint/train.json", "categories.csv"):
        (root / relative).unlink(missing_ok=True)
        pipe(root / relative)
    capsys.readouterr()
    started = time.monotonic()
    assert main(["--index-home", str(tmp_path / "home"), "import", str(root), "--name", "d", "--json"]) == 0
    assert time.monotonic() - started < PATIENCE_S
    noted = {skip["path"]: skip["reason"] for skip in json.loads(capsys.readouterr().out)["skipped"]}
    for relative in ("nondisjoint/train.json", "categories.csv"):
        assert noted.get(relative, "").startswith("not a regular file"), noted
    # the file that says the layout: refused, not read as a plain folder of photos (trial BR)
    (root / "polyvore_item_metadata.json").unlink()
    pipe(root / "polyvore_item_metadata.json")
    code, err, seconds = _run(capsys, "--index-home", str(tmp_path / "home"), "import", str(root), "--name", "e")
    assert code == 1 and "polyvore_item_metadata.json is not a regular file" in err and seconds < PATIENCE_S, err


def test_weights_that_are_no_tensors_are_refused_in_one_short_line(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``train --weights`` of a JSON file quoted torch's paragraph (it suggests ``weights_only=False``,
    which would run the file's code): a leftover of trial BO."""
    from sane_desktop.demo import generate_demo

    demo = generate_demo(tmp_path / "demo", items=30, masks=False).out
    weights = tmp_path / "w.json"
    weights.write_text('{"a": 1}')
    capsys.readouterr()
    code, err, _ = _run(capsys, "--index-home", str(tmp_path / "home"), "train", str(demo), "--out",
                        str(tmp_path / "m.pt"), "--preset", "cpu", "--epochs", "1", "--weights", str(weights))
    assert code != 0 and len(err.splitlines()) == 1 and "weights_only" not in err and len(err) < 200 + len(str(weights)), err
    assert "not a PyTorch file" in err


def test_more_pairs_than_a_split_holds_end_and_a_file_in_the_selections_place_is_refused_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``evaluate-explanations --pairs`` of 20 digits drew pairs without end (20 draws per pair
    asked); ``--save-selection`` naming a file that is no selection was refused after the evaluation it
    said could take hours."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.explain.pairs import sample_pairs

    root = generate_demo(tmp_path / "demo", items=30, masks=False).out
    catalogue = read_catalogue(root)
    started = time.monotonic()
    pairs = sample_pairs(catalogue, "test", 10**20, 0, sorted(catalogue.categories()))
    assert pairs and time.monotonic() - started < PATIENCE_S
    victim = tmp_path / "notes.json"
    victim.write_text("[1, 2]")
    code, err, seconds = _run(capsys, "evaluate-explanations", str(root), "--model", str(demo_model_path()),
                              "--method", "rise", "--pairs", "5", "--save-selection", str(victim))
    assert code == 1 and "is not an explanation selection file" in err and seconds < PATIENCE_S, (err, seconds)
    assert victim.read_text() == "[1, 2]"
