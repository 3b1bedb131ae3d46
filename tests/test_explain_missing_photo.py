"""A photo moved away after indexing: explain refuses in one line that says what happened and
what to do (put it back or re-index), never a traceback or an explanation of nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.service import Catalogues
from tests.closet_world import make_closet


def test_explain_says_the_photo_is_gone_and_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    base = ["--index-home", str(home)]
    assert main([*base, "index", str(root), "--name", "closet", "--model", str(demo_model_path()),
                 "--workers", "0", "--device", "cpu"]) == 0
    items = [i for i in Catalogues(home).open("closet").items.search() if i.category in ("Tops", "Shoes")]
    top, shoe = next(i for i in items if i.category == "Tops"), next(i for i in items if i.category == "Shoes")
    Path(shoe.image_path).rename(tmp_path / "moved.png")
    capsys.readouterr()
    assert main([*base, "explain", "closet", "--query", top.item_id, "--candidate", shoe.item_id]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "moved or deleted since indexing" in err[0] and "re-index" in err[0], err
