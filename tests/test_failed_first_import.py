"""A first import or index that fails leaves no empty catalogue behind (found by a new-user trial:
the name looked taken and ``query`` said "the store holds no catalogue"); a catalogue that exists
is never removed by a failed re-index."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.demo import generate_demo
from sane_desktop.catalogue.types import CatalogueError
from sane_desktop.paths import catalogue_dir
from sane_desktop.service import building


def break_metadata(source: Path) -> None:
    path = source / "polyvore_item_metadata.json"
    path.write_bytes(b"\xff" + path.read_bytes())  # not UTF-8: the reader refuses the catalogue


@pytest.mark.parametrize("step", ["import", "index"])
def test_a_failed_first_run_leaves_no_catalogue_folder(tmp_path: Path, step: str) -> None:
    generate_demo(tmp_path / "source", seed=0, items=30, masks=False)
    break_metadata(tmp_path / "source")
    with pytest.raises(CatalogueError, match="not UTF-8"):
        if step == "import":
            building.import_folder(tmp_path / "source", "broken")
        else:
            building.index_folder(tmp_path / "source", "broken", None, device="cpu", workers=1)
    assert not catalogue_dir("broken").exists()


def test_a_failed_reindex_keeps_the_catalogue(tmp_path: Path) -> None:
    generate_demo(tmp_path / "source", seed=0, items=30, masks=False)
    building.import_folder(tmp_path / "source", "kept")
    database = catalogue_dir("kept") / "catalogue.db"
    assert database.is_file()
    break_metadata(tmp_path / "source")
    with pytest.raises(CatalogueError):
        building.import_folder(tmp_path / "source", "kept")
    assert database.is_file()  # the catalogue it held is still there
