"""The item-disjoint ``generated-disjoint`` protocol (issue 16): its invariants on a small catalogue that
reuses items the way MANGO does, the protocol choice, the leakage figures, and ``evaluate``'s report
of every protocol. Polyvore Outfits' disjoint protocol: Vasileva et al., ECCV 2018, section 5."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from catalogue_fixtures import write_manifest_catalogue

from sane_desktop.catalogue.questions import (
    DISJOINT_PROTOCOL, HELD_OUT_FRACTION, PROTOCOL, assign_disjoint_splits, generate_questions,
)
from sane_desktop.catalogue.splits import (
    DISJOINT_MEANING, outfit_protocols, outfits_in_split, pick_protocol, protocol_counts, protocol_leakage,
    questions_in_split,
)
from sane_desktop.catalogue.types import Catalogue, ItemRecord, OutfitRecord, SplitRecord

SEASONS = ("2019", "2023")
# items per season: few shoes and bags, reused by many outfits (MANGO's earrings are in up to 637)
SIZES = {"tops": 40, "bottoms": 30, "shoes": 6, "bags": 8}


def _world(n_outfits: int = 160, seed: int = 0) -> Catalogue:
    """Outfits of one season each: a top, a bottom, one of a few shoes and, every other time, a bag."""
    rng = random.Random(seed)
    items = [ItemRecord(f"{season}-{category}-{n}", f"{season}/{category}/{n}.jpg", category, group=season)
             for season in SEASONS for category, size in SIZES.items() for n in range(size)]
    outfits = []
    for number in range(n_outfits):
        season = SEASONS[number % 2]
        categories = ["tops", "bottoms", "shoes", *(["bags"] if number % 4 < 2 else [])]
        ids = [f"{season}-{category}-{rng.randrange(SIZES[category])}" for category in categories]
        outfits.append(OutfitRecord(f"o{number}", ids, list(range(len(ids)))))
    return Catalogue(root=Path("."), format="manifest", items=items, outfits=outfits)


def _protocol(catalogue: Catalogue, protocol: str) -> tuple[list[SplitRecord], list, list]:
    return ([s for s in catalogue.splits if s.protocol == protocol],
            [q for q in catalogue.fitb if q.protocol == protocol],
            [q for q in catalogue.compatibility if q.protocol == protocol])


def _items(catalogue: Catalogue, split: str, protocol: str = DISJOINT_PROTOCOL) -> set[str]:
    return {i for outfit in outfits_in_split(catalogue, split, protocol) for i in outfit.item_ids}


def test_no_valid_or_test_item_is_in_a_train_outfit() -> None:
    catalogue = _world()
    disjoint = generate_questions(catalogue, seed=0)
    train, valid, test = (_items(catalogue, split) for split in ("train", "valid", "test"))
    assert train and valid and test
    assert not train & (valid | test) and not valid & test
    # every outfit is in exactly one split or dropped, and a dropped one really conflicts
    named = disjoint.train + disjoint.valid + disjoint.test + disjoint.dropped
    assert sorted(named) == sorted(o.outfit_id for o in catalogue.outfits) and len(set(named)) == len(named)
    outfits = {o.outfit_id: o for o in catalogue.outfits}
    assert all(set(outfits[o].item_ids) & (valid | test) for o in disjoint.dropped)
    # drawn per season, each in proportion: 5% of each season's 80 outfits
    target = sum(round(HELD_OUT_FRACTION * len(catalogue.outfits) / len(SEASONS)) for _ in SEASONS)
    assert len(disjoint.test) == len(disjoint.valid) == target
    for held_out in (disjoint.test, disjoint.valid):
        by_season = {season: sum(1 for o in held_out if outfits[o].item_ids[0].startswith(season)) for season in SEASONS}
        assert set(by_season.values()) == {target // len(SEASONS)}
    assert {(s.split, len(s.outfit_ids)) for s in _protocol(catalogue, DISJOINT_PROTOCOL)[0]} == {
        ("train", len(disjoint.train)), ("valid", target), ("test", target)}
    assert protocol_counts(catalogue, DISJOINT_PROTOCOL)["outfits"] == {
        "train": len(disjoint.train), "valid": target, "test": target, "unassigned": len(disjoint.dropped)}
    # the greedy draw keeps far more than a random one would: half the outfits still train here
    assert len(disjoint.train) > 0.4 * len(catalogue.outfits)


def test_questions_are_season_matched_and_held_out() -> None:
    catalogue = _world(n_outfits=320)  # enough unseen items for every wrong answer
    generate_questions(catalogue, seed=0)
    items = catalogue.item_by_id()
    outfits = {o.outfit_id: o for o in catalogue.outfits}
    train = _items(catalogue, "train")
    _, fitb, compatibility = _protocol(catalogue, DISJOINT_PROTOCOL)
    counts = protocol_counts(catalogue, DISJOINT_PROTOCOL)
    assert counts["fitb"] == {"valid": 16, "test": 16} and counts["compatibility"] == {"valid": 32, "test": 32}
    for question in fitb:
        outfit = outfits[question.outfit_id]
        assert outfit.outfit_id in {o.outfit_id for o in outfits_in_split(catalogue, question.split, DISJOINT_PROTOCOL)}
        right = question.answer_item_ids[question.correct]
        assert sorted([*question.question_item_ids, right]) == sorted(outfit.item_ids)
        assert len(set(question.answer_item_ids)) == 4
        for answer in question.answer_item_ids:
            assert (items[answer].category, items[answer].group) == (items[right].category, items[right].group)
            assert answer == right or answer not in outfit.item_ids
    for split in ("valid", "test"):
        pairs = [q for q in compatibility if q.split == split]
        assert [q.number for q in pairs] == list(range(len(pairs)))
        for positive, negative in zip(pairs[::2], pairs[1::2]):
            assert (positive.label, negative.label) == (1, 0) and not set(positive.item_ids) & set(negative.item_ids)
            for a, b in zip(positive.item_ids, negative.item_ids):
                assert (items[a].category, items[a].group) == (items[b].category, items[b].group)
    # wrong answers come from items no train outfit holds while there are enough of them: here, always
    wrong = [a for q in fitb for k, a in enumerate(q.answer_item_ids) if k != q.correct]
    negatives = [i for q in compatibility if q.label == 0 for i in q.item_ids]
    # from items no train outfit holds where the pools have enough (this small world runs short)
    assert len(set(wrong) - train) > 0.5 * len(set(wrong)) and len(set(negatives) - train) > 0.5 * len(set(negatives))


def test_seeded_and_independent_of_file_order() -> None:
    first, again, other = _world(), _world(), _world()
    shuffled = _world()
    rng = random.Random(7)
    rng.shuffle(shuffled.items)
    rng.shuffle(shuffled.outfits)
    for catalogue, seed in ((first, 3), (again, 3), (other, 4), (shuffled, 3)):
        generate_questions(catalogue, seed=seed)
    reference = _protocol(first, DISJOINT_PROTOCOL)
    assert _protocol(again, DISJOINT_PROTOCOL) == reference
    assert _protocol(shuffled, DISJOINT_PROTOCOL) == reference
    assert _protocol(other, DISJOINT_PROTOCOL) != reference
    mapping = {o.outfit_id: o.item_ids for o in first.outfits}
    assert assign_disjoint_splits(dict(reversed(list(mapping.items()))), seed=3) == assign_disjoint_splits(mapping, 3)


def test_generated_protocol_is_unchanged() -> None:
    """The plain protocol gives exactly the questions it gave before the disjoint one existed (the
    fingerprint was taken with that code), so earlier figures stay comparable."""
    catalogue = _world()
    generate_questions(catalogue, seed=1)
    splits, fitb, compatibility = _protocol(catalogue, PROTOCOL)
    assert catalogue.splits[:3] == splits and catalogue.fitb[: len(fitb)] == fitb  # generated comes first
    fingerprint = hashlib.sha256(repr((splits, fitb, compatibility)).encode()).hexdigest()
    assert fingerprint == GENERATED_FINGERPRINT


# sha256 of repr((splits, fitb, compatibility)) of `generated`, seed 1, taken with the code before
# `generated-disjoint` existed (git HEAD at issue 16); a new field in a question type changes it too
GENERATED_FINGERPRINT = "e5d8d71ec0e617d6bc0fe2fc924e629cd5a1d6a87f54663d9f3c21008360f4ae"


def test_leakage_and_protocol_choice() -> None:
    catalogue = _world()
    generate_questions(catalogue, seed=0)
    assert outfit_protocols(catalogue) == [DISJOINT_PROTOCOL, PROTOCOL]
    assert pick_protocol(catalogue) == DISJOINT_PROTOCOL  # training and the default evaluation use it
    assert questions_in_split(catalogue, "test")[0] == _protocol(catalogue, DISJOINT_PROTOCOL)[1][8:]
    for split in ("valid", "test"):
        assert protocol_leakage(catalogue, DISJOINT_PROTOCOL, split) == {
            "fitb_answer_with_question_item_in_train": 0.0, "items_in_train": 0.0}
    leak = protocol_leakage(catalogue, PROTOCOL)
    assert leak["fitb_answer_with_question_item_in_train"] > 0.3 and leak["items_in_train"] > 0.5
    # Polyvore keeps its own published split first
    polyvore = Catalogue(root=Path("."), format="polyvore", outfits=catalogue.outfits,
                         splits=[SplitRecord(p, "train", ["o0"]) for p in ("disjoint", "nondisjoint")])
    assert pick_protocol(polyvore) == "nondisjoint" and outfit_protocols(polyvore) == ["nondisjoint", "disjoint"]


def test_too_entangled_catalogue_gets_no_disjoint_protocol() -> None:
    """Every outfit holds the same bag: no item-disjoint split can keep a train outfit."""
    catalogue = _world(n_outfits=30)
    for outfit in catalogue.outfits:
        outfit.item_ids = [*outfit.item_ids, "2019-bags-0"] if "2019-bags-0" not in outfit.item_ids else outfit.item_ids
        outfit.positions = list(range(len(outfit.item_ids)))
    disjoint = generate_questions(catalogue, seed=0)
    assert not disjoint.complete() and outfit_protocols(catalogue) == [PROTOCOL]
    assert pick_protocol(catalogue) == PROTOCOL


def test_mango_sized_catalogues_split_completely() -> None:
    """MANGO has 7,842 outfits over 9,222 items: both protocols take ~0.5 s there. This world of 8,000
    outfits reuses its few shoes far more (~670 outfits each), the slow case (~0.8 s measured; the
    test's timeout catches a slow-down by orders of magnitude, no timed assert)."""
    catalogue = _world(n_outfits=8000)
    assert generate_questions(catalogue, seed=0).complete()


@pytest.mark.shared_data
@pytest.mark.slow
def test_mango_disjoint_split(shared_data: Path) -> None:
    root = shared_data / "mango-outfits"
    if not root.is_dir():
        pytest.skip("mango-outfits not in shared data")
    from sane_desktop.catalogue import read_catalogue

    catalogue = read_catalogue(root, validate_images=False)
    catalogue.splits, catalogue.fitb, catalogue.compatibility = [], [], []
    generate_questions(catalogue, seed=0)
    counts = protocol_counts(catalogue, DISJOINT_PROTOCOL)
    # seed 0: 3,570 train / 392 valid / 393 test outfits (5% of each season), 3,487 dropped
    assert 350 < counts["outfits"]["valid"] < 450 and 350 < counts["outfits"]["test"] < 450
    assert counts["outfits"]["train"] > 3000
    assert counts["fitb"]["test"] > 300 and counts["compatibility"]["test"] > 700
    assert protocol_leakage(catalogue, DISJOINT_PROTOCOL)["items_in_train"] == 0.0
    leak = protocol_leakage(catalogue, PROTOCOL)["fitb_answer_with_question_item_in_train"]
    assert leak is not None and 0.6 < leak < 0.75  # 0.67: the leak this protocol exists to remove


def test_evaluate_reports_every_protocol(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Train on a small manifest catalogue (it uses the disjoint protocol), then evaluate: JSON keyed
    by protocol with the disjoint one as the headline, and the text report leads with it."""
    from sane_desktop.cli import main
    from sane_desktop.models import load_checkpoint

    root = tmp_path / "cat"
    write_manifest_catalogue(root, n_items=60, n_outfits=40, seed=2)
    model = tmp_path / "model.pt"
    assert main(["train", str(root), "--out", str(model), "--epochs", "1", "--image-size", "32", "--width", "4",
                 "--json"]) == 0
    capsys.readouterr()
    assert load_checkpoint(model).config["protocol"] == DISJOINT_PROTOCOL
    assert main(["evaluate", str(root), "--model", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["headline"] == report["protocol"] == DISJOINT_PROTOCOL
    assert report["trained_protocol"] == DISJOINT_PROTOCOL
    assert list(report["protocols"]) == [DISJOINT_PROTOCOL, PROTOCOL]
    assert report["methods"] == report["protocols"][DISJOINT_PROTOCOL]["methods"]
    for name, entry in report["protocols"].items():
        assert set(entry) == {"counts", "methods", "leakage", "disjoint", "notes", "warnings"}
        assert entry["disjoint"] == (name == DISJOINT_PROTOCOL)
        assert set(entry["methods"]) == {"model", "random_features", "untrained", "colour_histogram", "random"}
        for figures in entry["methods"].values():
            assert {"fitb", "fitb_group_unmatched", "auc", "attribute_map"} <= set(figures)  # items have seasons
        assert set(entry["counts"]["outfits"]) == {"train", "valid", "test", "unassigned"}
        assert set(entry["counts"]["questions"]) == {"fitb", "compatibility"}
        assert entry["counts"]["fitb"] <= entry["counts"]["questions"]["fitb"]["test"]
        assert set(entry["leakage"]) == {"fitb_answer_with_question_item_in_train", "items_in_train",
                                         "items_in_model_training", "outfits_in_model_training"}
    digests = {entry["counts"]["questions_digest"] for entry in report["protocols"].values()}
    assert len(digests) == 2  # each protocol's own questions, named
    disjoint = report["protocols"][DISJOINT_PROTOCOL]
    assert disjoint["leakage"]["items_in_train"] == 0.0 and disjoint["leakage"]["items_in_model_training"] == 0.0
    assert disjoint["leakage"]["outfits_in_model_training"] == 0.0
    # the other protocol's test outfits the model trained on (its record), said in a note when any
    other = report["protocols"][PROTOCOL]
    share = other["leakage"]["outfits_in_model_training"]
    assert share is not None and 0.0 <= share <= 1.0
    assert ("were training or validation outfits of the model (protocol 'generated-disjoint')" in other["notes"]) == \
        (share > 0)
    assert DISJOINT_MEANING in disjoint["notes"]
    assert main(["evaluate", str(root), "--model", str(model)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{DISJOINT_PROTOCOL} test: model FITB") and lines[1] == DISJOINT_MEANING
    headers = [line for line in lines if line.startswith("== ")]
    assert headers == [f"== {DISJOINT_PROTOCOL} (headline) - disjoint ==", f"== {PROTOCOL} =="]
    # keep_answers (bench/experiments/trunk_choice.py's paired comparison): one answer per question,
    # keyed by outfit and question items, whose mean is the model's FITB
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.training.report import evaluate

    kept = evaluate(read_catalogue(root), load_checkpoint(model), "test", keep_answers=True)
    for name, entry in kept["protocols"].items():
        answers = entry["fitb_answers"]
        assert len(answers) == entry["counts"]["fitb"] == report["protocols"][name]["counts"]["fitb"]
        assert abs(sum(answers.values()) / len(answers) - entry["methods"]["model"]["fitb"]) < 1e-12
