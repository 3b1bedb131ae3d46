"""An unknown item id that names an item by its photo's file name alone gets the id it may mean: a
folder catalogue's ids are ``category/name`` (trial AC's ``query --outfit 赤いシャツ`` was refused with
no word of ``トップス/赤いシャツ``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    tmp = tmp_path_factory.mktemp("suggest")
    root = make_closet(tmp / "closet")
    (root / "トップス").mkdir()
    shutil.copy(root / "Tops" / "tops_0.jpg", root / "トップス" / "赤いシャツ.jpg")
    shutil.copy(root / "Shoes" / "shoes_1.png", root / "Shoes" / "tops_0.png")  # two items named tops_0
    home = ["--index-home", str(tmp / "home")]
    assert main([*home, "index", str(root), "--name", "closet", "--model", str(demo_model_path()), "--workers", "0",
                 "--device", "cpu"]) == 0
    return home


@pytest.mark.parametrize(("typed", "meant"), [
    ("赤いシャツ", "did you mean トップス/赤いシャツ?"),
    ("赤いシャツ.jpg", "did you mean トップス/赤いシャツ?"),  # the photo's file name
    ("tops_0", "did you mean Shoes/tops_0 or Tops/tops_0?"),  # both, never one picked for you
    ("TOPS/TOPS_1", "did you mean Tops/tops_1?"),  # another case
])
def test_a_file_name_alone_is_answered_with_the_ids_it_may_mean(home: list[str], typed: str, meant: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main([*home, "query", "closet", "--outfit", typed]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"unknown item ids: {typed} (catalogue 'closet'); {meant}" in err


def test_several_unknown_ids_each_get_theirs_and_an_id_like_none_gets_no_guess(
        home: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main([*home, "query", "closet", "--outfit", "赤いシャツ,tops_1,nothing_like_it"]) != 0
    err = capsys.readouterr().err.strip()
    assert "did you mean トップス/赤いシャツ for 赤いシャツ, Tops/tops_1 for tops_1?" in err
    assert main([*home, "query", "closet", "--outfit", "nothing_like_it"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.endswith("unknown item ids: nothing_like_it (catalogue 'closet')") and "did you mean" not in err
    assert main([*home, "query", "closet", "--outfit", "%"]) != 0  # a LIKE wildcard is a character here
    assert "did you mean" not in capsys.readouterr().err


def test_a_typo_in_an_id_or_a_category_gets_the_nearest(home: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AI: ``79814333`` for ``79814335`` and ``--category top`` for ``tops`` were refused with
    no word of what was near."""
    capsys.readouterr()
    assert main([*home, "query", "closet", "--outfit", "Tops/tops_l"]) != 0  # an l for a 1: as near to each
    assert "did you mean Tops/tops_0 or Tops/tops_1 or Tops/tops_2?" in capsys.readouterr().err  # by id
    assert main([*home, "query", "closet", "--outfit", "Tops/top_1"]) != 0
    assert "did you mean Tops/tops_1 or " in capsys.readouterr().err  # the nearest first
    assert main([*home, "explain", "closet", "--candidate", "Shoes/shoes_O", "--outfit", "Tops/tops_1"]) != 0
    assert "did you mean Shoes/shoes_0" in capsys.readouterr().err
    for command in (["items", "closet", "--category", "Top"], ["query", "closet", "--outfit", "Shoes/shoes_0",
                                                                  "--category", "Top"]):
        assert main([*home, *command]) != 0
        err = capsys.readouterr().err
        assert "did you mean 'Tops'?" in err and len(err.strip().splitlines()) == 1, err
