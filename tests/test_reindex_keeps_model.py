"""A re-index without ``--model`` keeps the model the catalogue was indexed with (a trial lost a
catalogue's trained model: a plain re-index rebuilt it with the bundled model, the window then
refused to search, and "Adapt model" started from the bundled model and overwrote the trained one).
When that model file is gone, the bundled model stands in, and the note says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.manifest import read_index_manifest
from sane_desktop.retrieval.indexing.model import DEMO_NOTE
from tests.closet_world import make_closet


def index(capsys: pytest.CaptureFixture[str], home: Path, root: Path, *extra: str) -> dict:
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--json", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_a_reindex_keeps_the_catalogues_own_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    own = tmp_path / "models" / "closet.pt"  # the catalogue's own model (a copy: any checkpoint will do)
    own.parent.mkdir()
    shutil.copyfile(demo_model_path(), own)
    first = index(capsys, home, root, "--model", str(own))
    assert Path(first["model"]) == own.resolve() and not first["note"]

    again = index(capsys, home, root, "--rebuild")  # no --model: the catalogue's own, not the bundled one
    assert Path(again["model"]) == own.resolve()
    assert "re-indexed with the model this catalogue was built with" in again["note"] and str(own) in again["note"]
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and Path(manifest.model_path) == own.resolve()

    own.unlink()  # gone: the bundled model stands in, and the note says it is the bundled one
    fallback = index(capsys, home, root)
    assert Path(fallback["model"]) != own.resolve() and DEMO_NOTE in fallback["note"]
