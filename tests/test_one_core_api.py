"""Issue 13's checks on the house as a whole: the CLI and the window answer from the same code.

The CLI's ``explain`` and the window's first (fast) explanation of the same pair go through
``Explanations.explain_pair``: same similarity, same ranked attributes, same maps. The CLI's
``query`` and the window's search go through ``OutfitSearch.search``: same ranking and scores.
(That neither front end reaches past the service is import-linter's "front-ends-are-clients"
contract in pyproject.toml, run by ``make test``.)
"""

from __future__ import annotations

import json
import numpy as np
import pytest

from demo_world import build_demo_world
from sane_desktop.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("one-api")
    service = build_demo_world(root, 40, device="cpu")
    service.open_catalogue("demo")
    return root, service


def test_cli_and_window_explain_a_pair_with_the_same_numbers(world, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root, service = world
    monkeypatch.setenv("SANE_INDEX_HOME", str(root / "index"))
    items = service.items()
    results = service.search([items[0].pk], "", 3)
    candidate = next(r.item for ranked in results.values() for r in ranked)
    outfit_item = items[0]
    window = next(iter(service.explain(candidate.pk, outfit_item.pk, refine=False)))
    assert main(["explain", "demo", "--query", candidate.item_id, "--candidate", outfit_item.item_id,
                 "--model", str(root / "model.pt"), "--json", "--save-maps", str(root / "maps")]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["similarity"] == pytest.approx(window.similarity, abs=1e-7)
    assert [a["name"] for a in cli["attributes"]] == [a.name for a in window.attributes]
    assert [a["score"] for a in cli["attributes"]] == pytest.approx([a.total for a in window.attributes], abs=1e-5)
    assert np.array_equal(np.load(cli["maps"]["query"]), window.candidate_map)  # the result is the CLI's query
    assert np.array_equal(np.load(cli["maps"]["candidate"]), window.outfit_map)
    # and one cache: the CLI is served the entry the window's view of the pair wrote
    assert cli["cached"] is True
    assert len(list((root / "index" / "demo" / "explanations").glob("*.json"))) == 1


def test_cli_query_and_window_search_rank_alike(world, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root, service = world
    monkeypatch.setenv("SANE_INDEX_HOME", str(root / "index"))
    outfit = service.items()[:2]
    window = service.search([item.pk for item in outfit], "", 5)
    assert main(["query", "demo", "--outfit", ",".join(item.item_id for item in outfit), "-k", "5", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)["results"]
    assert set(cli) == set(window)
    for category, ranked in window.items():
        assert [r["item_id"] for r in cli[category]] == [r.item.item_id for r in ranked]
        assert [r["score"] for r in cli[category]] == pytest.approx([r.score for r in ranked], abs=1e-5)
