"""The command line: help, one-line errors, exit codes, JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sane_desktop", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_help_lists_commands() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    assert "import" in done.stdout and "demo" in done.stdout


def test_missing_catalogue_is_a_one_line_error(tmp_path: Path) -> None:
    done = run_cli("import", str(tmp_path / "nowhere"), "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "not found" in lines[0]


def test_import_json_summary_of_a_folder_catalogue(tmp_path: Path) -> None:
    from PIL import Image

    root = tmp_path / "shop"
    for category, colour in [("tops", "red"), ("shoes", "blue")]:
        (root / category).mkdir(parents=True)
        for n in range(3):
            Image.new("RGB", (40, 60), colour).save(root / category / f"{colour}{n}.jpg")
    (root / "tops" / "broken.jpg").write_bytes(b"not an image at all")
    db = tmp_path / "db.sqlite"
    done = run_cli("import", str(root), "--db", f"sqlite:///{db}", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["items"] == 6 and result["outfits"] == 0
    assert result["questions"] == {"fitb": 0, "compatibility": 0}
    assert [s["id"] for s in result["skipped"]] == ["tops/broken"]
    assert result["skipped"][0]["reason"]
    again = json.loads(run_cli("import", str(root), "--db", f"sqlite:///{db}", "--json").stdout)
    assert again["revision"] == result["revision"]


def test_options_are_taken_only_as_written(capsys) -> None:  # type: ignore[no-untyped-def]
    """A prefix is not an option: ``explain --out DIR`` was read as ``--outfit DIR`` (a trial)."""
    import pytest

    from sane_desktop.cli import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["explain", "shop", "--query", "a", "--candidate", "b", "--out", "maps"])
    assert "unrecognized arguments: --out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--index", "home", "demo", "x"])  # --index-home, written short
    capsys.readouterr()


def test_a_wrong_argument_is_one_error_line_and_exit_code_1(capsys) -> None:  # type: ignore[no-untyped-def]
    """A trial's ``explain … --method bogus`` printed argparse's usage block and exited 2; every
    other bad input is one ``error:`` line and code 1 (README), for a sub-command's argument too."""
    import pytest

    from sane_desktop.cli import main

    said = []
    for argv in (["explain", "shop", "--query", "a", "--candidate", "b", "--method", "bogus"],
                 ["query", "shop", "-k", "many"], ["no-such-command"], ["index"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        err = capsys.readouterr().err
        assert exited.value.code == 1, argv
        assert err.count("\n") == 1 and err.startswith("error: sane-desktop") and "usage:" not in err, err
        said.append(err)
    assert "--method: invalid choice: 'bogus'" in said[0] and "sane-desktop explain --help" in said[0]


def test_an_interrupt_says_what_it_left(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Trial U: Ctrl-C of ``index`` and ``train`` said only "error: interrupted", where the window says
    what is kept and how to go on. ``index`` keeps the photos read so far; ``train`` says whether its
    ``--out`` was written."""
    from sane_desktop.cli import main
    from sane_desktop.service import building

    def interrupted(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    folder = tmp_path / "shop"
    folder.mkdir()
    home = ["--index-home", str(tmp_path / "home")]
    monkeypatch.setattr(building, "index_folder", interrupted)
    assert main([*home, "index", str(folder)]) == 130
    assert capsys.readouterr().err.strip() == ("error: interrupted: the photos read so far, if any, are kept; run the "
                                               "same index command again to go on from there")
    from sane_desktop.service import evaluation

    monkeypatch.setattr(evaluation, "evaluate_model", interrupted)  # a read-only command: nothing changed
    assert main([*home, "evaluate", str(folder), "--model", str(tmp_path / "any.pt")]) == 130
    assert capsys.readouterr().err.strip() == "error: interrupted: nothing was changed"
    monkeypatch.setattr(building, "train_model", interrupted)
    out = tmp_path / "model.pt"
    assert main([*home, "train", str(folder), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip() == f"error: interrupted: nothing was written to {out}"
    out.write_bytes(b"an earlier model")
    assert main([*home, "train", str(folder), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().endswith("(the model there is as it was)")

    def written(_root, target, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        Path(target).write_bytes(b"a new model, longer than the old")
        raise KeyboardInterrupt

    monkeypatch.setattr(building, "train_model", written)
    assert main([*home, "train", str(folder), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip() == f"error: interrupted after {out} was written"


def test_a_misspelt_option_is_offered_the_one_meant_and_its_commands_help(capsys) -> None:  # type: ignore[no-untyped-def]
    """A new user's ``query demo --outfit ID --categroy shoes``: "unrecognized arguments", no fix offered (other
    refusals offer one), and the top-level help where the command's has the option."""
    import pytest

    from sane_desktop.cli import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["query", "demo", "--outfit", "1", "--categroy", "shoes"])
    assert capsys.readouterr().err.strip() == ("error: sane-desktop: unrecognized arguments: --categroy shoes; did you "
                                               "mean --category? (see sane-desktop query --help)")
    with pytest.raises(SystemExit):
        parser.parse_args(["query", "demo", "--outfit", "1", "--bogus"])  # nothing close: no guess
    assert capsys.readouterr().err.strip() == ("error: sane-desktop: unrecognized arguments: --bogus (see "
                                               "sane-desktop query --help)")


def test_ctrl_c_before_the_work_begins_is_one_line(monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial DB: Ctrl-C in a command's first half-second (its log being set up) printed a traceback."""
    from sane_desktop import logs
    from sane_desktop.cli import main

    def interrupted(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(logs, "configure", interrupted)
    assert main(["--index-home", str(tmp_path), "catalogues"]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["error: interrupted"]
