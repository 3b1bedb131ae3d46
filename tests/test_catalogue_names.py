"""Trial AD: ``items nosuch`` said only that no such catalogue was there, and no command lists the
catalogues an index home holds. The refusal now names them (or the closest, for a typo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.cli import main


def home_with(tmp_path: Path, *names: str) -> Path:
    home = tmp_path / "home"
    for name in names:
        (home / name).mkdir(parents=True)
        (home / name / "catalogue.db").write_bytes(b"")  # a folder's database makes it a catalogue's
    return home


@pytest.mark.parametrize(("asked", "said"), [
    ("nosuch", "; it holds autumn, demo, spring"),
    ("dmeo", ": did you mean 'demo'?"),
])
def test_an_unknown_name_is_answered_with_the_names_there(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            asked: str, said: str) -> None:
    home = home_with(tmp_path, "demo", "spring", "autumn")
    assert main(["--index-home", str(home), "items", asked]) != 0
    err = capsys.readouterr().err.strip()
    assert err.endswith(said) and len(err.splitlines()) == 1, err


def test_an_empty_home_says_how_to_add_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = home_with(tmp_path)
    home.mkdir()
    assert main(["--index-home", str(home), "items", "demo"]) != 0
    assert capsys.readouterr().err.strip().endswith("(run `sane-desktop index` first)")


def test_a_catalogue_folder_given_as_the_home_and_a_missing_home_are_said(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    home = home_with(tmp_path, "demo")
    assert main(["--index-home", str(home / "demo"), "items", "demo"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"that folder is catalogue 'demo' itself; its index home is {home}: choose another index "
                        "home: --index-home or SANE_INDEX_HOME"), err
    assert main(["--index-home", str(tmp_path / "nowhere"), "items", "demo"]) != 0
    assert "that folder does not exist" in capsys.readouterr().err
