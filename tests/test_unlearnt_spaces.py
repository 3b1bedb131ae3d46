"""A type space no training outfit reached is never compared in (a trial: "All categories" ranked a
second skirt first for a skirt, match 99, in the demo model's untrained bottoms-with-bottoms space).
Training records the spaces its outfits reach; a model from before that record treats its
same-category spaces as unlearnt; the search and the outfit's reason leave such pairs out alike."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import ModelBundle, demo_model_path, general_model_path, load_checkpoint
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.service import Catalogues
from sane_desktop.type_spaces import learnt_spaces, pair_table, same_category_spaces
from tests.closet_world import make_closet

REPO = Path(__file__).resolve().parents[1]


def test_the_spaces_an_outfit_list_trains() -> None:
    table = pair_table(3)
    # outfits of categories (0, 1, 2) and (0, 0): pairs 0-1, 0-2, 1-2 and 0-0; never 1-1, 2-2
    assert learnt_spaces([[0, 1, 2], [0, 0]], 3) == sorted({int(table[0, 1]), int(table[0, 2]), int(table[1, 2]),
                                                           int(table[0, 0])})
    assert learnt_spaces([[1]], 3) == []  # one item: no pair
    net = CompatibilityNet(["a", "b", "c"], embed_dim=4, width=4)
    recorded = ModelBundle(net, None, Preprocessing(), config={"learnt_spaces": learnt_spaces([[0, 1, 2], [0, 0]], 3)})
    assert recorded.unlearnt_spaces == {int(table[1, 1]), int(table[2, 2])}
    unrecorded = ModelBundle(net, None, Preprocessing())  # trained before the record: its same-category spaces
    assert unrecorded.unlearnt_spaces == set(same_category_spaces(3))
    # the bundled demo model (the demo's outfits hold 3-5 distinct categories): every same-category space
    assert load_checkpoint(demo_model_path()).unlearnt_spaces >= set(same_category_spaces(7))


@pytest.mark.parametrize("model", [demo_model_path(), general_model_path()], ids=["demo", "general"])
def test_a_bundled_model_knows_the_pairs_its_world_never_made(model: Path) -> None:
    """Trial EU: both bundled models ranked skirts, trousers and tops first for a dress (a skirt "81" for the
    checked dress), in spaces no training outfit reached — the demo world dresses a look as a dress or as a top with
    a bottom, never both — but neither checkpoint predates nothing: they predate ``learnt_spaces``. Their training
    records give the spaces the world's training outfits reach, replayed (``tools/record_learnt_spaces.py``, which
    finds the records current), and the model leaves the others out."""
    bundle = load_checkpoint(model)
    categories = list(bundle.compatibility.categories)
    table = pair_table(len(categories))
    unlearnt = {tuple(sorted((categories[a], categories[b]))) for a in range(len(categories))
                for b in range(a, len(categories)) if int(table[a, b]) in bundle.unlearnt_spaces}
    assert unlearnt == {("all-body", "bottoms"), ("all-body", "tops"),
                        *((category, category) for category in categories)}
    assert "learnt_spaces" not in bundle.config  # (from the record, by the model's content hash)
    done = subprocess.run([sys.executable, str(REPO / "tools" / "record_learnt_spaces.py"), "--check"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_dress_gets_no_top_or_bottom_from_the_demo_model(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(make_closet(tmp_path / "closet")), "--name", "closet",
                 "--model", str(demo_model_path()), "--workers", "0", "--device", "cpu",
                 "--category-map", "Dresses=all-body"]) == 0
    catalogue = Catalogues(home, device="cpu").open("closet")
    try:
        dress = next(item for item in catalogue.items.search() if item.category == "Dresses")
        found = catalogue.search.search([dress.pk], "", k=5)
        assert found["Tops"] == [] and found["Bottoms"] == [] and found["Shoes"]
    finally:
        catalogue.close()


def top_and_shoe(catalogue):  # type: ignore[no-untyped-def]
    """The closet's first top and first shoe (an outfit whose top no Tops result is compared with)."""
    everything = catalogue.items.search()
    return tuple(next(i for i in everything if i.category == name) for name in ("Tops", "Shoes"))


@pytest.fixture(scope="module")
def closet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("unlearnt")
    home = base / "home"
    code = main(["--index-home", str(home), "index", str(make_closet(base / "closet")), "--name", "closet",
                 "--model", str(demo_model_path()), "--workers", "0", "--device", "cpu"])
    assert code == 0
    return home


def test_a_pair_in_an_unlearnt_space_adds_nothing_to_a_score_or_its_reason(closet: Path) -> None:
    catalogue = Catalogues(closet, device="cpu").open("closet")
    try:
        top, shoe = top_and_shoe(catalogue)
        # a top alone, tops asked: no pair the model learnt, so no list scored as matches
        assert catalogue.search.search([top.pk], "Tops", k=5) == {"Tops": []}
        everywhere = catalogue.search.search([top.pk], "", k=5)
        assert everywhere["Tops"] == [] and everywhere["Shoes"]  # "All categories": no second top
        # a top and a shoe, tops asked: ranked by the shoe alone, the top's part 0
        ranked = catalogue.search.search([top.pk, shoe.pk], "Tops", k=5)["Tops"]
        assert ranked
        for result in ranked:
            assert result.contributions[top.pk] == 0.0
            assert result.score == pytest.approx(result.contributions[shoe.pk], abs=1e-5)
        # the outfit's reason splits the same score: the top's share 0
        reason = catalogue.explanations.explain_outfit(ranked[0].item.pk, [top.pk, shoe.pk])
        assert reason is not None
        shares = {share.outfit_pk: share.share for share in reason.shares}
        assert shares[top.pk] == pytest.approx(0.0, abs=1e-6)
        assert sum(shares.values()) == pytest.approx(ranked[0].score, abs=1e-4)
        # the pair itself, asked for, is explained as a likeness (the general space), not as a match
        pair = catalogue.explanations.explain_pair(ranked[0].item, top, "fast", use_cache=False)
        assert pair.space == catalogue.model.bundle().compatibility.general_space
    finally:
        catalogue.close()


def test_query_says_which_lists_the_model_cannot_rank(closet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-home", str(closet), "items", "closet", "--category", "Tops", "-n", "1", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["items"][0]["item_id"]
    assert main(["--index-home", str(closet), "query", "closet", "--outfit", top, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["results"]["Tops"] == [] and result["not_ranked"] == ["Tops"]
    assert result["not_ranked_own_kind"] == ["Tops"]
    assert main(["--index-home", str(closet), "query", "closet", "--outfit", top]) == 0
    text = capsys.readouterr().out
    # a top alone, tops asked: the outfit's own kind, not a pair no training outfit reached (it said so)
    assert "Tops — not ranked: the outfit's items are Tops themselves, and a match pairs different kinds" in text
    assert "learnt no matches" not in text
    # the outfit's reason says such a pair was not compared, with no attribute of its own (a trial read one)
    assert main(["--index-home", str(closet), "items", "closet", "--json"]) == 0
    by_category = {}
    for row in json.loads(capsys.readouterr().out)["items"]:
        by_category.setdefault(row["category"], []).append(row["item_id"])
    candidate, shoe = by_category["Tops"][1], by_category["Shoes"][0]
    assert main(["--index-home", str(closet), "explain", "closet", "--candidate", candidate,
                 "--outfit", f"{top},{shoe}", "--json"]) == 0
    shares = {share["item"]: share for share in json.loads(capsys.readouterr().out)["outfit_reason"]["shares"]}
    assert shares[top]["compared_by"] == "not compared" and shares[top]["pair_attribute"] is None
    assert shares[top]["share"] == pytest.approx(0.0, abs=1e-6) and shares[shoe]["compared_by"] == "compatibility"
    assert main(["--index-home", str(closet), "explain", "closet", "--candidate", candidate,
                 "--outfit", f"{top},{shoe}"]) == 0
    # two tops: the same category, an alternative (it read "learnt no matches for this pair of categories")
    assert shares[top]["alternative"] and not shares[shoe]["alternative"]
    text = capsys.readouterr().out
    assert "not compared (the same category, an alternative to it)" in text
    # an item not compared adds nothing whatever it shows: no "shows it" figure on its line (trial BT read 1.00)
    [line] = [line for line in text.splitlines() if line.strip().startswith(top)]
    assert "shows it" not in line


def test_an_item_not_compared_is_never_the_one_a_match_comes_most_from(closet: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A result's "most from" outfit item, the pair its tile explains and the outfit reason's leading
    item are among the items compared with it: an uncompared item's 0 beat every compared part that was
    negative (a trial saw the driver name an item not compared)."""
    from sane_desktop.service.values import SearchResult, best_compared

    catalogue = Catalogues(closet, device="cpu").open("closet")
    try:
        top, shoe = top_and_shoe(catalogue)
        ranked = catalogue.search.search([top.pk, shoe.pk], "Tops", k=200)["Tops"]
        assert len(ranked) > 1
        for result in ranked:
            assert result.not_compared == frozenset({top.pk})
            assert result.best_outfit_item() == shoe.pk
        # the worst-ranked result's shoe part is the lowest: as a negative part it still drives
        negative = SearchResult(ranked[-1].item, -0.4, {top.pk: 0.0, shoe.pk: -0.4}, not_compared=frozenset({top.pk}))
        assert negative.best_outfit_item() == shoe.pk
        assert best_compared({"a": 0.0, "b": -0.4}, {"a"}) == "b" and best_compared({"a": 0.0}, {"a"}) is None
        reason = catalogue.explanations.explain_outfit(ranked[-1].item.pk, [top.pk, shoe.pk])
        assert reason is not None
        assert {s.outfit_pk: s.compared for s in reason.shares} == {top.pk: False, shoe.pk: True}
        assert reason.leading().outfit_pk == shoe.pk
        assert [s["compared"] for s in reason.as_dict()["shares"]] == [False, True]
    finally:
        catalogue.close()
    assert main(["--index-home", str(closet), "query", "closet", "--outfit", f"{top.item_id},{shoe.item_id}",
                 "--category", "Tops", "-k", "200", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]["Tops"]
    assert rows and all(row["not_compared"] == [top.item_id] for row in rows)
    assert main(["--index-home", str(closet), "query", "closet", "--outfit", f"{top.item_id},{shoe.item_id}",
                 "--category", "Tops", "-k", "200"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert listed and all(line.endswith(f"(most from {shoe.item_id}; not compared with {top.item_id})") for line in listed)


def test_ids_and_searches_as_typed(closet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trial's ``--candidate " ID"`` was refused while ``--outfit " ID"`` was read; a search of a lone
    backslash was echoed as Python writes it ('\\\\')."""
    assert main(["--index-home", str(closet), "items", "closet", "--json"]) == 0
    by_category: dict[str, list[str]] = {}
    for row in json.loads(capsys.readouterr().out)["items"]:
        by_category.setdefault(row["category"], []).append(row["item_id"])
    top, shoe = by_category["Tops"][0], by_category["Shoes"][0]
    assert main(["--index-home", str(closet), "explain", "closet", "--candidate", f" {top} ", "--outfit", shoe,
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outfit_reason"]["candidate"] == top
    assert main(["--index-home", str(closet), "explain", "closet", "--query", f"{shoe} ", "--candidate", f" {top}",
                 "--json"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(closet), "items", "closet", "--search", "\\"]) != 0
    assert "--search “\\” has no words" in capsys.readouterr().err


def test_a_match_is_the_mean_over_the_outfit_items_compared_and_so_is_its_bound(closet: Path) -> None:
    """Trial J: a result compared with one of two outfit items (the other's pair in a space never
    learnt) read 67/100 for a cosine of 0.68, the uncompared 0 counted in the mean; "hide matches
    below" must then keep what reads above it, whatever the number compared."""
    from sane_desktop.service.filters import ItemFilter
    from sane_desktop.service.match_score import compared_count, match_percent, mean_bound
    from sane_desktop.service.outfits import outfit_csv_rows

    catalogue = Catalogues(closet, device="cpu").open("closet")
    try:
        top, shoe = top_and_shoe(catalogue)
        ranked = catalogue.search.search([top.pk, shoe.pk], "Tops", k=20)["Tops"]
        assert len(ranked) > 2
        for result in ranked:
            assert result.not_compared == {top.pk} and compared_count(result.contributions, result.not_compared) == 1
            shown = match_percent(result.score, compared_count(result.contributions, result.not_compared))
            assert shown == round(50 * (result.contributions[shoe.pk] + 1))  # the shoe's cosine alone
        matches = [match_percent(r.score, 1) for r in ranked]
        wanted = matches[len(matches) // 2]
        kept = catalogue.search.search([top.pk, shoe.pk], "Tops", k=20,
                                       item_filter=ItemFilter(min_mean=mean_bound(wanted)))["Tops"]
        assert [r.item.pk for r in kept] == [r.item.pk for r, m in zip(ranked, matches) if m >= wanted]
        rows = outfit_csv_rows([top, shoe], {"Tops": ranked})
        match_column = rows[0].index("match")
        assert [row[match_column] for row in rows if row[0] == "result"] == [str(m) for m in matches]
    finally:
        catalogue.close()


def test_query_text_tells_an_unlearnt_pair_from_the_outfits_own_kind() -> None:
    """Two reasons a list is not ranked: a pair of categories no training outfit reached, or the outfit's
    own kind (a top alone, tops asked: alternatives). The first words were said of both."""
    from sane_desktop.cli.query_cmd import render

    result = {"outfit": [{"item": "t1", "category": "Tops"}], "results": {"Shoes": [], "Tops": []},
              "not_ranked": ["Shoes", "Tops"], "not_ranked_own_kind": ["Tops"]}
    lines = render(result).splitlines()
    assert ("Shoes — not ranked: the model learnt no matches between Shoes and the outfit's items "
            "(no training outfit paired them)") in lines
    assert any(line.startswith("Tops — not ranked: the outfit's items are Tops themselves") for line in lines)
    # a result not compared with an outfit item says so in the text too (trial AZ: the JSON alone did)
    ranked = {"outfit": [{"item": "t1", "category": "Tops"}, {"item": "s1", "category": "Shoes"}],
              "results": {"Shoes": [{"item_id": "s2", "score": 0.4, "title": "Boot", "contributions": {"t1": 0.4, "s1": 0.0},
                                     "not_compared": ["s1"]}]}}
    assert "(most from t1; not compared with s1)" in render(ranked)


def test_a_saved_explanation_knows_which_spaces_were_left_out(closet: Path) -> None:
    """The spaces a bundled model never learnt come from its training record, which can change without the code or
    the model's hash: a saved explanation made under the old record would be served under the new one, silently.
    The record's spaces are part of what a saved explanation is keyed by."""
    catalogue = Catalogues(closet, device="cpu").open("closet")
    try:
        explanations = catalogue.explanations
        before = explanations._options("fast", 0, 3)
        bundle = catalogue.model.bundle()
        n = len(bundle.compatibility.categories)
        bundle.config["learnt_spaces"] = list(range(n * (n + 1) // 2))  # another record: every space learnt
        try:
            assert explanations._options("fast", 0, 3) != before
        finally:
            del bundle.config["learnt_spaces"]  # (a bundle may be shared)
    finally:
        catalogue.close()
