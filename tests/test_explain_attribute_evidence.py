"""Issue 17 (2): an attribute choice that uses the evidence — among the attributes both items show,
the one the saliency points at; degenerate weights reported; "nothing explains this match"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import (
    RULES,
    PairParts,
    SelectionWeights,
    abstention,
    explanation_accuracy,
    fit_abstain_threshold,
    flat_map,
    rank_attributes,
    tune_weights,
)
from sane_desktop.explain.pipeline import SELECTION_FORMAT, SelectionModel, find_selection
from sane_desktop.paths import resource

NAMES = ["colour:red", "pattern:dotted", "motif:bolt", "colour:blue"]
DOTTED, BOLT = 1, 2


def _two_shared() -> PairParts:
    """The demo case of the issue: q and r both show pattern:dotted and motif:bolt (dotted the more
    confident), q is red and r is not; both saliency maps light up the bolt (match 0.86 vs 0.62)."""
    return PairParts(confidence=np.array([0.90, 0.97, 0.82, 0.05]), match=np.array([0.70, 0.62, 0.86, 0.5]),
                     prior=np.full(4, 0.25), candidates=[0, 1, 2],
                     partner=np.array([0.08, 0.93, 0.88, 0.10]))


def test_old_partner_only_rule_names_the_attribute_the_map_does_not_point_at():
    old = SelectionWeights(0.0, 0.0, 0.0, 0.25)  # the shipped weights before issue 17
    assert rank_attributes(_two_shared(), old, NAMES)[0].name == "pattern:dotted"
    assert old.degenerate() == "partner"


def test_shared_first_chooses_among_shared_attributes_by_the_map():
    ranked = rank_attributes(_two_shared(), RULES["shared_match"], NAMES)
    assert [r.name for r in ranked[:2]] == ["motif:bolt", "pattern:dotted"]  # shared ones first, by match
    assert ranked[2].name == "colour:red"  # q-only, although its match beats dotted's
    # without a partner the gate has nothing to say: the plain match ranking
    alone = _two_shared()
    alone.partner = None
    assert rank_attributes(alone, RULES["shared_match"], NAMES)[0].name == "motif:bolt"
    assert [r.name for r in rank_attributes(alone, RULES["shared_match"], NAMES)][1] == "colour:red"


def test_degenerate_weights_are_reported():
    assert SelectionWeights(0, 0, 0, 1).degenerate() == "partner"
    assert SelectionWeights(0, 0, 0, 1, True).degenerate() == "partner"  # gate + partner: one evidence
    assert SelectionWeights(0, 0, 0, 0, True).degenerate() == "partner"  # the gate alone: r has it too
    assert SelectionWeights(0, 1, 0, 0).degenerate() == "match"
    assert SelectionWeights(0, 1, 0, 0, True).degenerate() is None
    assert SelectionWeights(1, 1, 1, 0).degenerate() is None
    assert SelectionWeights(0, 1, 0, 0, True).parts_used() == ["match", "shared"]


def _shared_pairs(n: int = 30, seed: int = 0) -> tuple[list[PairParts], list[int]]:
    """Validation pairs where two attributes are shared (partner ≈ 0.9) and the right one is the one
    the map points at; a third, q-only attribute is the most confident and matches well too."""
    rng = np.random.default_rng(seed)
    pairs, answers = [], []
    for _ in range(n):
        a, b = rng.choice([1, 2, 3], size=2, replace=False)
        confidence = np.array([0.97, 0.0, 0.0, 0.0])
        confidence[[a, b]] = rng.uniform(0.7, 0.95, 2)
        partner = np.array([0.05, 0.0, 0.0, 0.0])
        partner[[a, b]] = rng.uniform(0.85, 0.95, 2)
        match = np.array([0.9, 0.0, 0.0, 0.0])
        match[[a, b]] = (0.85, 0.55)
        pairs.append(PairParts(confidence, match, np.full(4, 0.25), [0, int(a), int(b)], partner))
        answers.append(int(a))
    return pairs, answers


def test_tuning_gives_the_map_weight_when_it_decides():
    pairs, answers = _shared_pairs()
    weights, accuracy = tune_weights(pairs, answers, NAMES)
    assert accuracy["top1"] == 1.0
    assert weights.match > 0 and weights.degenerate() is None
    # the one-part rules the old grid could settle on do not do it
    assert explanation_accuracy(pairs, answers, SelectionWeights(0, 0, 0, 1), NAMES)["top1"] < 0.8
    assert explanation_accuracy(pairs, answers, RULES["match"], NAMES)["top1"] == 0.0  # red matches best


def test_flat_or_zero_maps_and_weak_evidence_abstain():
    ranked = rank_attributes(_two_shared(), RULES["shared_match"], NAMES)
    live = np.zeros((112, 112), np.float32)
    live[40:60, 40:60] = 1.0
    assert abstention(ranked, live, 0.3) == ""
    assert "flat" in abstention(ranked, np.zeros((112, 112)), 0.0)
    assert "flat" in abstention(ranked, np.full((7, 7), 0.4), 0.0)
    assert flat_map(np.full((7, 7), 0.4) + 1e-9 * np.arange(49).reshape(7, 7))
    assert not flat_map(live)
    assert "likely on both" in abstention(ranked, live, 0.9)  # 0.82 · 0.88 < 0.9
    assert abstention([], live, 0.0) != ""


def test_abstain_threshold_fitted_to_separate_explainable_pairs():
    rng = np.random.default_rng(3)
    positive = list(rng.uniform(0.22, 0.95, 40))
    negative = list(rng.uniform(0.02, 0.2, 40))
    threshold, stats = fit_abstain_threshold(positive + negative, [True] * 80, [True] * 40 + [False] * 40)
    assert max(negative) < threshold <= min(positive)
    assert stats["abstain_explainable"] == 0.0 and stats["abstain_other"] == 1.0
    # with no pair that should abstain, never abstain
    assert fit_abstain_threshold(positive, [True] * 40, [True] * 40)[0] == 0.0
    # overlapping evidence: at most 5 % of the rightly named pairs are silenced to catch the others
    overlap = list(rng.uniform(0.1, 0.3, 40))
    threshold, stats = fit_abstain_threshold(positive + overlap, [True] * 80, [True] * 40 + [False] * 40)
    assert stats["right_silenced"] <= 0.05 and float(np.mean(np.array(positive) < threshold)) <= 0.05
    assert 0 < stats["abstain_other"] < 1
    # a confident model's near-certain pairs are never silenced: the threshold stays ≤ 0.25
    high = list(rng.uniform(0.96, 1.0, 40))
    assert fit_abstain_threshold(high + list(rng.uniform(0.9, 0.97, 40)), [True] * 80,
                                 [True] * 40 + [False] * 40)[0] <= 0.25


def test_selection_files_old_format_loads_new_format_round_trips(tmp_path: Path):
    names = ["a", "b"]
    old = {"attributes": names, "calibration": {"scale": [1, 1], "bias": [0, 0]}, "prior": [0.5, 0.5],
           "weights": {"confidence": 0.0, "match": 0.0, "prior": 0.0, "partner": 0.25}, "tuned": True}
    (tmp_path / "old.json").write_text(json.dumps(old))
    loaded = SelectionModel.load(tmp_path / "old.json", names)
    assert loaded.weights.shared_first is False and loaded.abstain_below == 0.0
    loaded.weights = RULES["shared_match"]
    loaded.abstain_below = 0.3
    saved = json.loads(loaded.save(tmp_path / "new.json").read_text())
    assert saved["format"] == SELECTION_FORMAT and saved["degenerate"] is None
    again = SelectionModel.load(tmp_path / "new.json", names)
    assert again.weights == RULES["shared_match"] and again.abstain_below == 0.3
    (tmp_path / "future.json").write_text(json.dumps({**saved, "format": SELECTION_FORMAT + 1}))
    with pytest.raises(InputError, match="newer version"):
        SelectionModel.load(tmp_path / "future.json", names)


def test_shipped_demo_selection_uses_the_evidence_and_follows_the_map():
    """The bundled demo model's fitted selection is not one part alone, and in the issue's case
    (two shared attributes, the map on the bolt) names the bolt, as the maps show."""
    path = resource("models", "demo.selection.json")
    data = json.loads(Path(path).read_text())
    names = data["attributes"]
    selection = find_selection(names, None, Path(path).with_name("demo.pt"))
    assert selection.tuned and selection.weights.degenerate() is None
    assert selection.weights.match > 0
    dotted, bolt, red = names.index("pattern:dotted"), names.index("motif:bolt"), names.index("colour:red")
    confidence, partner, match = np.full(len(names), 0.02), np.full(len(names), 0.02), np.full(len(names), 0.5)
    confidence[[dotted, bolt, red]] = (0.97, 0.82, 0.9)
    partner[[dotted, bolt, red]] = (0.93, 0.88, 0.08)
    match[[dotted, bolt, red]] = (0.62, 0.86, 0.70)
    parts = PairParts(confidence, match, np.asarray(selection.prior), [dotted, red, bolt], partner)
    assert rank_attributes(parts, selection.weights, names)[0].name == "motif:bolt"
