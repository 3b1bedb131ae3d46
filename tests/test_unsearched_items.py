"""Trial Z: an item the index cannot list (a row added to the database by hand, a photo that could
not be read when indexed, an embedding written after the index was built) was silently never
ranked. A search now says which items of its categories it could not list — the command line
(a note and ``unsearched`` in ``--json``) and the service the window calls — and a re-index that
can include them makes the note go away."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.service import Catalogues, building
from sane_desktop.service.titles import unsearched_words
from tests.retrieval_world import make_catalogue, make_model
from tests.test_embedding_rows_identity import sql


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("unsearched")
    return {"shop": make_catalogue(base / "shop", items=30, seed=5), "model": make_model(base / "model.pt")}


def index(world: dict[str, Path], root: Path) -> None:
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")


def add_copy(db: Path, pk: int, suffix: str) -> int:
    """A copy of item ``pk``'s row under its id + ``suffix``, inserted by hand (no embedding); its key."""
    columns = [row[1] for row in sql(db, "PRAGMA table_info(items)") if row[1] != "id"]
    sql(db, f"INSERT INTO items ({', '.join(columns)}) SELECT "
            f"{', '.join('item_id || ' + repr(suffix) if c == 'item_id' else c for c in columns)} "
            f"FROM items WHERE id = {pk}")
    return int(sql(db, "SELECT max(id) FROM items")[0][0])


def first_items(db: Path) -> list[tuple[int, str, str]]:
    """(pk, item id, category) of the first item of each category, by category name."""
    rows = sql(db, "SELECT i.id, i.item_id, c.name FROM items i JOIN categories c ON c.id = i.category_id "
                   "ORDER BY c.name, i.id")
    seen: dict[str, tuple[int, str, str]] = {}
    for pk, item_id, category in rows:
        seen.setdefault(category, (pk, item_id, category))
    return list(seen.values())


def query(capsys: pytest.CaptureFixture[str], outfit: str, category: str) -> tuple[dict[str, Any], str]:
    capsys.readouterr()
    assert main(["query", "shop", "--outfit", outfit, "--category", category, "-k", "100", "--json"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def indexed(world: dict[str, Path], tmp_path: Path) -> tuple[Path, Path, tuple[int, str, str]]:
    """The shop copied and indexed: its folder, its database, and (an item's key, its category, the id
    of an item of another category to search with)."""
    root = Path(shutil.copytree(world["shop"], tmp_path / "shop"))
    index(world, root)
    db = paths.catalogue_dir("shop") / "catalogue.db"
    (pk, _, category), (_, outfit_id, _) = first_items(db)[:2]
    return root, db, (pk, category, outfit_id)


def test_a_row_added_by_hand_is_named_not_silently_left_out(
        world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, db, (pk, category, outfit_id) = indexed(world, tmp_path)
    found, err = query(capsys, outfit_id, category)
    assert found["unsearched"] == {} and "not searched" not in err
    add_copy(db, pk, "-added")

    found, err = query(capsys, outfit_id, category)
    added = [entry for entry in found["unsearched"].values()]
    assert len(added) == 1 and added[0]["count"] == 1 and added[0]["item_ids"][0].endswith("-added"), found
    assert all(not row["item_id"].endswith("-added") for row in found["results"][category])
    note = [line for line in err.splitlines() if "not searched" in line]
    assert len(note) == 1 and "-added" in note[0] and "re-index" in note[0], err
    # the window's service says the same, and follows a row added while its index is open (trial AE)
    catalogue = Catalogues(device="cpu").open("shop")
    try:
        assert [entry.without_embedding for entry in catalogue.search.unsearched([category])] == \
            [tuple(added[0]["item_ids"])]
        add_copy(db, pk, "-later")
        from sane_desktop.retrieval import search as searching

        searching_again = catalogue.search.searcher()
        searching_again._unsearched_checked -= searching.UNSEARCHED_RECHECK_S  # noqa: SLF001 - a few seconds later
        (entry,) = catalogue.search.unsearched([category])
        assert entry.count == 2 and any(item_id.endswith("-later") for item_id in entry.without_embedding)
    finally:
        catalogue.close()

    index(world, root)  # the folder does not hold it: the re-import removes the row
    found, err = query(capsys, outfit_id, category)
    assert found["unsearched"] == {} and "not searched" not in err


def test_an_embedding_written_after_the_build_is_counted(
        world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run stopped between embedding and building leaves rows the index does not hold."""
    root, db, (pk, category, outfit_id) = indexed(world, tmp_path)
    late = add_copy(db, pk, "-late")
    embedding_columns = [row[1] for row in sql(db, "PRAGMA table_info(item_embeddings)") if row[1] != "item_pk"]
    sql(db, f"INSERT INTO item_embeddings (item_pk, {', '.join(embedding_columns)}) SELECT {late}, "
            f"{', '.join(embedding_columns)} FROM item_embeddings WHERE item_pk = {pk}")

    found, err = query(capsys, outfit_id, category)
    assert found["unsearched"] == {category: {"count": 1, "item_ids": [], "embedded_after_index": 1}}, found
    note = [line for line in err.splitlines() if "not searched" in line]
    assert len(note) == 1 and "has not built the index" in note[0], err


def test_the_words_name_a_few_and_count_the_rest() -> None:
    from sane_desktop.retrieval.search import Unsearched

    words = unsearched_words([Unsearched("Bags", ("b1", "b2", "b3", "b4", "b5")), Unsearched("Hats", (), 2)])
    assert words.startswith("5 Bags items are not searched: b1, b2, b3 and 2 more; 2 Hats items are not searched")
    assert "could not be read" in words and "has not built the index" in words
    assert unsearched_words([]) == ""


def test_the_window_says_it_under_the_results_with_a_way_to_reindex(tmp_path: Path, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pytest.importorskip("pytestqt")
    from gui_helpers import demo_world

    from sane_desktop.gui.screenshots import build_outfit, wait_results

    world = demo_world(tmp_path / "world", 40)
    db = world["index"] / "demo" / "catalogue.db"
    pk, item_id, category = first_items(db)[-1]
    add_copy(db, pk, "-added")
    window = make_window(world, size=(1200, 800))
    build_outfit(window, 2)
    wait_results(window, 120)
    note = window.results.filter_note
    qtbot.waitUntil(lambda: "not searched" in note.text(), timeout=30000)
    assert f"{item_id}-added" in note.text() and "href='reindex'" in note.text() and note.isVisible()

