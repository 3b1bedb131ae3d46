"""Issue 17 (2, 4): the specificity part (information content of a shared label, Resnik 1995) and the
curated-first gate — two items sharing "dark blue" are explained by it, not by "dark tone" or
"ladieswear", labels most items carry; and the vectorised grid search ranks exactly as
:func:`rank_attributes` does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import (
    PairParts,
    SelectionWeights,
    _RankingTable,
    base_rates,
    curated,
    explanation_accuracy,
    rank_attributes,
    tune_weights,
)
from sane_desktop.explain.pipeline import SELECTION_FORMAT, SelectionModel, pair_parts

NAMES = ["colour:dark blue", "tone:dark", "index:ladieswear", "waist", "pattern:solid"]
BLUE, DARK, LADIES, WAIST, SOLID = range(5)
# share of training items with each: the fine colour is rare, its coarse tone and the index common
BASE = np.array([0.05, 0.35, 0.60, 0.02, 0.30])


def _blue_pair(rng: np.random.Generator | None = None) -> PairParts:
    """q and r both dark blue (hence dark tone) ladieswear; the word "waist" on q only. The coarse
    labels are the more confident (easier to recognise), as on H&M."""
    jitter = (lambda: rng.uniform(-0.03, 0.03, 5)) if rng is not None else (lambda: np.zeros(5))
    confidence = np.clip(np.array([0.70, 0.90, 0.95, 0.80, 0.30]) + jitter(), 0.01, 0.99)
    partner = np.clip(np.array([0.65, 0.88, 0.93, 0.20, 0.25]) + jitter(), 0.01, 0.99)
    return PairParts(confidence, np.full(5, 0.5) + jitter(), np.full(5, 0.2), [BLUE, DARK, LADIES, WAIST], partner,
                     BASE.copy())


def test_base_rates_are_laplace_smoothed_shares_of_items():
    rates = base_rates([["a", "b"], ["a"], ["a", "a"], []], ["a", "b", "c"])
    assert rates.tolist() == pytest.approx([(3 + 1) / 6, (1 + 1) / 6, (0 + 1) / 6])  # "a" twice on one item: once
    assert ((rates > 0) & (rates < 1)).all()


def test_curated_is_a_labelled_value_not_a_mined_word():
    assert curated("colour:dark blue") and not curated("waist")


def test_specificity_names_the_rare_shared_label_over_the_common_ones():
    partner_only = SelectionWeights(0, 0, 0, 1, True)
    assert rank_attributes(_blue_pair(), partner_only, NAMES)[0].name == "index:ladieswear"
    specific = SelectionWeights(0, 0, 0, 1, True, specificity=1.0)
    ranked = rank_attributes(_blue_pair(), specific, NAMES)
    assert ranked[0].name == "colour:dark blue"
    assert ranked[0].base_rate == pytest.approx(0.05)
    # its score is the log-linear sum, the information content −log b included
    assert ranked[0].score == pytest.approx(np.log(0.65) - np.log(0.05))
    # without base rates the part is neutral: the same as the rule without it
    unknown = _blue_pair()
    unknown.base_rate = None
    assert rank_attributes(unknown, specific, NAMES)[0].name == "index:ladieswear"


def test_curated_first_puts_labelled_values_ahead_of_words():
    parts = _blue_pair()
    parts.partner = None  # r unknown: the shared gate is silent, the word's rarity would win
    weights = SelectionWeights(0, 0, 0, 0, False, specificity=1.0)
    assert rank_attributes(parts, weights, NAMES)[0].name == "waist"
    gated = SelectionWeights(0, 0, 0, 0, False, specificity=1.0, curated_first=True)
    assert [r.name for r in rank_attributes(parts, gated, NAMES)][:2] == ["colour:dark blue", "tone:dark"]
    assert gated.parts_used() == ["specificity", "curated"]
    assert gated.degenerate() == "specificity"  # the gate sorts by label kind, not by evidence


def test_vectorised_ranks_equal_rank_attributes_for_every_rule():
    rng = np.random.default_rng(0)
    pairs, answers = [], []
    for _ in range(60):
        a = 6
        confidence = rng.uniform(0.05, 0.99, a)
        confidence[rng.integers(a)] = confidence[0]  # exact ties are broken the same way
        partner = None if rng.random() < 0.2 else rng.uniform(0.05, 0.99, a)
        base = None if rng.random() < 0.2 else rng.uniform(0.01, 0.9, a)
        candidates = sorted(rng.choice(a, size=int(rng.integers(2, a + 1)), replace=False).tolist())
        pairs.append(PairParts(confidence, rng.uniform(0.1, 1.0, a), np.full(a, 1 / a), candidates, partner, base))
        answers.append(int(rng.integers(a)))  # sometimes not a candidate
    names = ["colour:a", "b", "pattern:c", "d", "e", "tone:f"]
    table = _RankingTable.build(pairs, answers, names)
    for weights in (SelectionWeights(1, 1, 0), SelectionWeights(0, 0, 1), SelectionWeights(0, 0.5, 0, 2, True),
                    SelectionWeights(0, 1, 0, 1, True, 2.0, True), SelectionWeights(0.25, 0, 1, 0, False, 0.5, True)):
        place = table.answer_rank(weights)
        loop = [next((k for k, r in enumerate(rank_attributes(p, weights, names)) if r.index == answer), None)
                for p, answer in zip(pairs, answers)]
        assert [p if p < 10**6 else None for p in place.tolist()] == loop
        accuracy = explanation_accuracy(pairs, answers, weights, names)
        assert accuracy["top1"] == pytest.approx(float((place == 0).mean()))
        assert accuracy["top3"] == pytest.approx(float((place < 3).mean()))


def test_tune_weights_finds_specificity_when_the_rare_shared_label_is_the_answer():
    rng = np.random.default_rng(1)
    pairs = [_blue_pair(rng) for _ in range(30)]
    weights, accuracy = tune_weights(pairs, [BLUE] * 30, NAMES)
    assert weights.specificity > 0 and accuracy["top1"] == 1.0
    # no base rates: the grid has no specificity to try, and cannot name the fine colour
    for p in pairs:
        p.base_rate = None
    weights, accuracy = tune_weights(pairs, [BLUE] * 30, NAMES)
    assert weights.specificity == 0 and accuracy["top1"] < 1.0


def test_selection_file_keeps_the_base_rates(tmp_path):
    selection = SelectionModel.default(NAMES)
    selection.base_rate = BASE.tolist()
    selection.weights = SelectionWeights(0, 0.5, 0, 1, True, 1.0, True)
    path = selection.save(tmp_path / "s.json")
    assert json.loads(path.read_text())["format"] == SELECTION_FORMAT == 5
    loaded = SelectionModel.load(path, NAMES)
    assert loaded.base_rate == pytest.approx(BASE.tolist()) and loaded.weights == selection.weights
    # the parts a pair gets carry them, so the app's ranking uses them
    import torch

    parts = pair_parts(torch.zeros(5), torch.zeros(5, 2, 2), np.zeros((4, 4)), loaded, torch.zeros(5))
    assert parts.base_rate is not None and parts.base_rate.tolist() == pytest.approx(BASE.tolist())
    # a format-2 file (no base rates, no new weights) loads as before: neutral
    data = json.loads(path.read_text())
    del data["base_rate"]
    data["format"] = 2
    data["weights"] = {k: v for k, v in data["weights"].items() if k not in ("specificity", "curated_first")}
    path.write_text(json.dumps(data))
    old = SelectionModel.load(path, NAMES)
    assert old.base_rate is None and old.weights.specificity == 0 and not old.weights.curated_first
    # base rates of another length are refused in one line
    data["base_rate"] = [0.5]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="1 values for 5 attributes"):
        SelectionModel.load(path, NAMES)
