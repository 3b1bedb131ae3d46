"""Trial DH: ``query --similar ID`` without ``--category`` listed every category (shoes and bags "alike"
to a top) where the window's Find visually similar lists the item's own category. The command line now
lists the item's own category by default, says so in a note, and ``--category`` still picks another."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.service import building
from tests.retrieval_world import make_catalogue, make_model


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("similar-category")
    return {"shop": make_catalogue(base / "shop", items=30, seed=5), "model": make_model(base / "model.pt")}


def test_similar_lists_the_items_own_category_unless_another_is_asked(
        world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(shutil.copytree(world["shop"], tmp_path / "shop"))
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    capsys.readouterr()
    assert main(["items", "shop", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    item = items[0]
    others = sorted({entry["category"] for entry in items} - {item["category"]})
    assert others, "the world needs more than one category"

    assert main(["query", "shop", "--similar", item["item_id"], "-k", "3", "--json"]) == 0
    captured = capsys.readouterr()
    listed = json.loads(captured.out)["results"]
    assert list(listed) == [item["category"]]
    assert all(result["item_id"] != item["item_id"] for result in listed[item["category"]])
    assert f"note: listing {item['category']!r}, the category of {item['item_id']}" in captured.err

    assert main(["query", "shop", "--similar", item["item_id"], "--category", others[0], "-k", "3", "--json"]) == 0
    captured = capsys.readouterr()
    assert list(json.loads(captured.out)["results"]) == [others[0]]
    assert "note: listing" not in captured.err  # asked for: nothing to say
