"""Weak ground truth for the explaining attribute (``evaluate-explanations --weak-truth``): held-out
pairs that share exactly one labelled value, and the chip scored against it (abstentions apart)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import torch

from sane_desktop.cli import main
from sane_desktop.explain.attribute_choice import RankedAttribute
from sane_desktop.explain.weak_truth import WeakPair, held_out_items, labelled_values, sample_weak_pairs, score_choice

KINDS = ["colour", "pattern"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A drawn catalogue (outfits, items labelled colour and pattern), the same items as an
    outfit-less manifest catalogue (H&M's case: items split by id), and an untrained tiny model."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.splits import attribute_vocabulary
    from sane_desktop.demo import generate_demo
    from sane_desktop.models.attributes import AttributeNet
    from sane_desktop.models.checkpoint import ModelBundle, save_checkpoint
    from sane_desktop.models.compatibility import CompatibilityNet
    from sane_desktop.models.preprocess import Preprocessing

    root = tmp_path_factory.mktemp("weak-truth")
    drawn = root / "demo"
    generate_demo(drawn, seed=3, items=400, workers=1, masks=False)
    outfits = read_catalogue(drawn)
    articles = root / "articles"
    (articles / "images").mkdir(parents=True)
    with (articles / "items.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "image", "category", "colour", "pattern"])
        for item in outfits.items:
            image = f"images/{item.item_id}{Path(item.image_path).suffix}"
            shutil.copyfile(drawn / item.image_path, articles / image)
            writer.writerow([item.item_id, image, item.category, item.attributes["colour"], item.attributes["pattern"]])
    (articles / "sane-mapping.json").write_text(json.dumps({
        "format": "sane-mapping/1", "name": "articles",
        "items": {"table": "items.csv", "id": "id", "image": "image", "category": "category",
                  "attributes": {"colour": "colour", "pattern": "pattern"}}}), encoding="utf-8")
    catalogue = read_catalogue(articles)
    assert not catalogue.outfits
    names, _ = attribute_vocabulary(catalogue)
    torch.manual_seed(0)
    compatibility = CompatibilityNet(catalogue.categories(), width=8)
    model = root / "model.pt"
    save_checkpoint(model, ModelBundle(compatibility, AttributeNet(names, trunk=compatibility.trunk), Preprocessing()))
    return {"folder": articles, "catalogue": catalogue, "outfits": outfits, "model": model, "names": names}


def test_held_out_items_of_a_catalogue_with_outfits_are_in_no_training_outfit(world):
    from sane_desktop.catalogue.splits import outfits_in_split

    catalogue = world["outfits"]
    train = {i for o in outfits_in_split(catalogue, "train") for i in o.item_ids}
    test = {i for o in outfits_in_split(catalogue, "test") for i in o.item_ids}
    held_out = held_out_items(catalogue, "test")
    assert held_out and set(held_out) == test - train  # the drawn world reuses items across splits


def test_pairs_share_exactly_one_labelled_value_and_come_from_held_out_items(world):
    from sane_desktop.catalogue.splits import item_split, item_split_keys

    catalogue = world["catalogue"]
    test_items = set(held_out_items(catalogue, "test"))
    keys = item_split_keys(catalogue)
    assert test_items == {i.item_id for i in catalogue.items if item_split(keys[i.item_id]) == "test"}
    values = labelled_values(catalogue, KINDS)
    pairs = sample_weak_pairs(catalogue, KINDS, 12, seed=5, unrelated=4)
    related = [p for p in pairs if p.shared]
    assert len(related) >= 6 and len(pairs) - len(related) >= 2
    assert {p.kind for p in related} == set(KINDS)  # the kinds are taken in turn
    for pair in pairs:
        assert {pair.query, pair.candidate} <= test_items and pair.query != pair.candidate
        shared = [k for k in KINDS if values[pair.query][k] == values[pair.candidate][k]]
        if pair.shared:
            assert shared == [pair.kind] and values[pair.query][pair.kind] == pair.shared
        else:
            assert shared == []
    assert len({frozenset((p.query, p.candidate)) for p in pairs}) == len(pairs)
    assert sample_weak_pairs(catalogue, KINDS, 12, seed=5, unrelated=4) == pairs  # seeded
    # a value outside the model's vocabulary is never asked for
    banned = related[0].shared
    allowed = [n for n in world["names"] if n != banned]
    assert all(p.shared != banned for p in sample_weak_pairs(catalogue, KINDS, 12, seed=5, vocabulary=allowed))


def _ranked(*entries: tuple[str, float, float]) -> list[RankedAttribute]:
    return [RankedAttribute(i, name, 0.0, conf, 0.5, 0.1, partner) for i, (name, conf, partner) in enumerate(entries)]


def test_the_chip_is_scored_with_abstentions_apart():
    pairs = [WeakPair("a", "b", "colour", "colour:black"), WeakPair("c", "d", "pattern", "pattern:dot"),
             WeakPair("e", "f", "colour", "colour:red"), WeakPair("g", "h", "pattern", "pattern:stripe"),
             WeakPair("i", "j", "colour", "colour:blue")]
    rankings = [
        _ranked(("colour:black", 0.9, 0.9), ("pattern:solid", 0.8, 0.8)),  # right
        _ranked(("colour:red", 0.9, 0.9), ("pattern:dot", 0.8, 0.8)),  # wrong, the shared one second
        _ranked(("colour:red", 0.3, 0.2)),  # right but too little evidence: abstains
        _ranked(("pattern:stripe", 0.9, 0.9)),  # right, but the map is flat: abstains
        _ranked(("blue", 0.9, 0.9), ("colour:blue", 0.7, 0.7)),  # the word, not the labelled value
    ]
    flat = [False, False, False, True, False]
    labels = {"c": ["colour:red", "pattern:dot"], "d": ["colour:red", "pattern:dot"]}
    report = score_choice(pairs, rankings, flat, threshold=0.1, labels=labels)
    assert report["pairs"] == 5 and report["abstained"] == 2
    assert report["all"] == pytest.approx(1 / 5) and report["named"] == pytest.approx(1 / 3)
    assert report["abstained_share"] == pytest.approx(2 / 5)
    assert report["top3"] == pytest.approx(1.0)
    # cut to colour and pattern values: pair 5 names colour:blue (pair 2 still colour:red)
    assert report["within_kinds"] == {"all": pytest.approx(2 / 5), "named": pytest.approx(2 / 3)}
    assert report["same_value_any_kind"] == pytest.approx(2 / 5)  # black, and the word "blue"
    assert report["names_a_common_label"] == pytest.approx(1 / 5)  # colour:red is on both c and d
    assert report["named_instead"] == {"colour:red": 1, "blue": 1}
    assert report["named_instead_kind"] == {"colour": 1, "word": 1}
    assert report["by_kind"]["colour"] == {"pairs": 3, "all": pytest.approx(1 / 3), "named": 0.5, "abstained": 1}
    assert report["by_kind"]["pattern"]["named"] == 0.0 and report["by_kind"]["pattern"]["abstained"] == 1
    # nothing named at all: accuracy over the named pairs is undefined, not 0 or 1
    silent = score_choice(pairs[:1], [_ranked(("colour:black", 0.1, 0.1))], [False], threshold=0.5)
    assert silent["named"] is None and silent["all"] == 0.0


@pytest.mark.slow
def test_weak_truth_cli_end_to_end(world, capsys, tmp_path):
    saved = tmp_path / "weak.selection.json"
    code = main(["evaluate-explanations", str(world["folder"]), "--model", str(world["model"]), "--pairs", "6",
                 "--weak-truth", "colour,pattern", "--weak-truth-oracle", "--save-selection", str(saved), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    truth = report["weak_truth"]
    assert truth["kinds"] == KINDS and sum(truth["pairs_by_kind"].values()) == truth["pairs"] > 0
    assert set(truth["selections"]) == {"shipped", "fitted"}
    assert truth["selections"]["shipped"]["source"] == "untuned defaults"
    for fig in truth["selections"].values():
        n, abstained = fig["pairs"], fig["abstained"]
        right = round(fig["all"] * n)
        assert fig["named"] is None or right == round(fig["named"] * (n - abstained))
        assert 0.0 <= fig["oracle"]["oracle_is_shared"] <= 1.0 and set(fig["rules_top1"]) >= {"partner", "combined"}
    fitted = json.loads(saved.read_text())
    assert fitted["tuned"] is True and fitted["weights"] == truth["selections"]["fitted"]["weights"]
    from sane_desktop.models import load_checkpoint

    # it names the model it was fitted for: no other model takes it as its own (trial CA)
    assert fitted["model_hash"] == load_checkpoint(world["model"]).content_hash
    assert truth["selections"]["fitted"]["split"] == "valid"
    # the fitted file is scored as given when passed back
    code = main(["evaluate-explanations", str(world["folder"]), "--model", str(world["model"]), "--pairs", "6",
                 "--weak-truth", "colour,pattern", "--selection", str(saved)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "shipped selection (given:" in out.out


def test_weak_truth_refuses_a_kind_the_model_does_not_know(world, capsys):
    code = main(["evaluate-explanations", str(world["folder"]), "--model", str(world["model"]), "--pairs", "4",
                 "--weak-truth", "fabric"])
    err = capsys.readouterr().err
    assert code == 1 and "fabric" in err and len(err.strip().splitlines()) == 1


def test_hm_pairs_share_one_labelled_colour_or_pattern(shared_data):
    """On the real H&M articles: every drawn pair shares exactly one of colour group and
    graphical appearance in the CSV itself, and both items are in the held-out test split."""
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.splits import item_split, item_split_keys

    folder = shared_data / "hm-articles"
    catalogue = read_catalogue(folder, validate_images=False)
    keys = item_split_keys(catalogue)
    pairs = sample_weak_pairs(catalogue, KINDS, 40, seed=0)
    assert len(pairs) == 40
    with (folder / "articles_train_sample.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["article_id"].zfill(10): row for row in csv.DictReader(handle)}
    columns = {"colour": "colour_group_name", "pattern": "graphical_appearance_name"}
    for pair in pairs:
        assert item_split(keys[pair.query]) == item_split(keys[pair.candidate]) == "test"
        assert keys[pair.query] == f"product:{rows[pair.query]['product_code']}"  # one split per product (trial AG)
        q, r = rows[pair.query], rows[pair.candidate]
        same = [k for k, column in columns.items() if q[column] == r[column]]
        assert same == [pair.kind] and pair.shared == f"{pair.kind}:{' '.join(q[columns[pair.kind]].lower().split())}"


def test_finest_kinds_drop_a_kind_another_determines():
    """colour group -> colour family (as H&M's perceived colour follows its colour group): sharing
    the finer value shares the coarser, so no pair could share exactly one; a kind with one value
    says nothing either."""
    from sane_desktop.catalogue.types import Catalogue, ItemRecord
    from sane_desktop.explain.weak_truth import finest_kinds

    family = {"navy": "blue", "sky": "blue", "wine": "red", "rose": "red", "olive": "green"}
    items = [ItemRecord(f"i{n}", f"{n}.jpg", "tops", attributes={
        "colour": colour, "family": family[colour], "pattern": ("solid", "striped", "dotted")[n % 3], "line": "she"})
        for n, colour in enumerate(list(family) * 6)]
    names = [f"{k}:{v}" for item in items for k, v in item.attributes.items()] + ["waist"]
    catalogue = Catalogue(Path("."), "manifest", items=items)
    assert finest_kinds(catalogue, sorted(set(names))) == ["colour", "pattern"]
    # two kinds that determine each other (renamed copies): the first by name stays
    for item in items:
        item.attributes["hue"] = item.attributes["colour"].upper()
    assert finest_kinds(catalogue, sorted(set(names)) + ["hue:NAVY"]) == ["colour", "pattern"]


def test_train_fits_a_selection_on_weak_truth_without_outfits(world):
    """A catalogue without outfits (H&M's case) gets a fitted selection from ``train`` instead of
    untuned defaults: on validation pairs sharing one value of its finest labelled kinds."""
    from sane_desktop.explain.evaluation import fit_model_selection
    from sane_desktop.models import load_checkpoint

    fitted = fit_model_selection(world["catalogue"], load_checkpoint(world["model"]), n_pairs=6)
    assert fitted is not None
    selection, tuned_on = fitted
    # with what it stood on (trial AL: a fit on 1 pair and 3 items read like any other)
    assert re.fullmatch(r"weak ground truth \(validation pairs sharing one colour, pattern value: \d+ such pairs, "
                        r"calibrated on \d+ items\)", tuned_on), tuned_on
    assert selection.tuned and selection.base_rate is not None and len(selection.base_rate) == len(world["names"])
