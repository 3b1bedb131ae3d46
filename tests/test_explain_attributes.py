"""Attribute choice (confidence, match, prior, tuned weights) and the saliency-agreement loss."""

from __future__ import annotations

import numpy as np
import torch

from sane_desktop.explain.attribute_choice import (
    RULES,
    PairParts,
    PlattCalibration,
    SelectionWeights,
    candidate_attributes,
    explanation_accuracy,
    map_match,
    oracle_prior,
    rank_attributes,
    saliency_agreement_loss,
    tune_weights,
)

NAMES = ["red", "striped", "floral", "denim"]


def _blob(row: int, col: int, size: int = 7) -> torch.Tensor:
    """A 2×2 block of activation with its top-left cell at (row, col)."""
    grid = torch.zeros(size, size)
    grid[row : row + 2, col : col + 2] = 4.0
    return grid


def test_map_match_prefers_the_map_that_overlaps_the_saliency():
    saliency = torch.zeros(112, 112)
    saliency[0:32, 0:32] = 1.0  # top-left
    aam = torch.stack([_blob(0, 0), _blob(5, 5), torch.zeros(7, 7)])
    match = map_match(aam, saliency)
    assert match.shape == (3,)
    assert match[0] > match[2] > match[1]
    assert float(match.max()) <= 1.0 + 1e-6 and float(match.min()) > 0
    # invariant to the saliency map's scale and offset (it is standardised)
    assert torch.allclose(map_match(aam, 10 * saliency + 3), match, atol=1e-5)


def test_saliency_agreement_loss_uses_the_best_true_attribute():
    saliency = torch.zeros(2, 7, 7)
    saliency[:, 0, 0] = 1.0
    aam = torch.stack([torch.stack([_blob(0, 0), _blob(5, 5)])] * 2).requires_grad_(True)
    good = saliency_agreement_loss(aam, saliency, torch.tensor([[True, True], [True, False]]))
    bad = saliency_agreement_loss(aam, saliency, torch.tensor([[False, True], [False, True]]))
    assert -1e-6 <= float(good.detach()) < float(bad.detach()) <= 1
    bad.backward()
    assert aam.grad is not None and float(aam.grad[:, 1].abs().sum()) > 0
    assert float(aam.grad[:, 0].abs().sum()) == 0  # only true attributes are pulled
    none = saliency_agreement_loss(aam, saliency, torch.zeros(2, 2, dtype=torch.bool))
    assert float(none.detach()) == 0.0


def test_platt_calibration_improves_log_loss_of_overconfident_logits():
    torch.manual_seed(0)
    truth = torch.rand(2000, 2)
    labels = (torch.rand(2000, 2) < truth).float()
    logits = 5 * torch.logit(truth.clamp(0.01, 0.99))  # five times too confident
    calibration = PlattCalibration.fit(logits, labels)
    bce = torch.nn.functional.binary_cross_entropy
    assert bce(calibration.probabilities(logits), labels) < bce(torch.sigmoid(logits), labels) - 0.05
    assert all(0.1 < s < 0.35 for s in calibration.scale)  # recovers ≈ 1/5
    assert torch.allclose(PlattCalibration.identity(2).probabilities(logits), torch.sigmoid(logits))


def test_prior_and_candidates():
    prior = oracle_prior([1, 1, 1, 2], 4, smoothing=1.0)
    assert np.allclose(prior, [1 / 8, 4 / 8, 2 / 8, 1 / 8])
    assert candidate_attributes(np.array([0.9, 0.2, 0.6, 0.7])) == [0, 3, 2]
    assert candidate_attributes(np.array([0.9, 0.2, 0.1, 0.3])) == [0, 3, 1]  # at least three
    assert candidate_attributes(np.array([0.9, 0.8, 0.6, 0.7]), minimum=1) == [0, 1, 3, 2]


def _constructed_pairs():
    """Validation pairs where the oracle answer is the attribute whose map matches the saliency;
    confidence is uninformative (all present, ordered wrongly), the prior mildly misleading."""
    rng = np.random.default_rng(0)
    pairs, oracle = [], []
    prior = np.array([0.4, 0.3, 0.2, 0.1])
    for _ in range(40):
        answer = int(rng.integers(4))
        match = rng.uniform(0.2, 0.5, 4)
        match[answer] = 0.8
        confidence = rng.uniform(0.6, 0.9, 4)
        pairs.append(PairParts(confidence, match, prior, candidates=[0, 1, 2, 3]))
        oracle.append(answer)
    return pairs, oracle


def test_rank_attributes_reports_every_part_and_orders_by_combination():
    parts = PairParts(np.array([0.9, 0.6, 0.7, 0.1]), np.array([0.2, 0.9, 0.3, 0.9]),
                      np.array([0.25, 0.25, 0.25, 0.25]))
    ranked = rank_attributes(parts, SelectionWeights(1, 1, 1), NAMES)
    assert [s.name for s in ranked] == ["striped", "floral", "red"]  # denim is not present
    assert ranked[0].as_dict().keys() == {"name", "score", "confidence", "match", "prior", "partner", "base_rate"}
    assert ranked[0].partner == 1.0 and ranked[0].base_rate == 1.0  # no partner, no base rates: neutral
    expected = np.log(0.6) + np.log(0.9) + np.log(0.25)
    assert abs(ranked[0].score - expected) < 1e-9
    assert [s.name for s in rank_attributes(parts, RULES["confidence"], NAMES)] == ["red", "floral", "striped"]


def test_tuned_weights_beat_single_rules_on_constructed_case():
    pairs, oracle = _constructed_pairs()
    weights, accuracy = tune_weights(pairs, oracle, NAMES)
    assert accuracy["top1"] == 1.0
    assert weights.match > 0
    assert explanation_accuracy(pairs, oracle, RULES["confidence"], NAMES)["top1"] < 0.6
    assert explanation_accuracy(pairs, oracle, RULES["prior"], NAMES)["top1"] < 0.6
    assert explanation_accuracy(pairs, oracle, RULES["match"], NAMES)["top1"] == 1.0


def test_partner_part_prefers_the_attribute_both_items_have():
    """q is red and striped; r is red only: with the partner weight on, red explains the match."""
    parts = PairParts(np.array([0.9, 0.95, 0.05, 0.05]), np.array([0.5, 0.5, 0.5, 0.5]),
                      np.full(4, 0.25), candidates=[0, 1], partner=np.array([0.9, 0.05, 0.1, 0.1]))
    assert rank_attributes(parts, RULES["paper"], NAMES)[0].name == "striped"  # the paper's rule ignores r
    ranked = rank_attributes(parts, SelectionWeights(1, 1, 1, 1), NAMES)
    assert ranked[0].name == "red" and abs(ranked[0].partner - 0.9) < 1e-12
    assert abs(ranked[0].score - (np.log(0.9) + np.log(0.5) + np.log(0.25) + np.log(0.9))) < 1e-9


def test_tuning_turns_the_partner_part_on_only_when_it_helps():
    rng = np.random.default_rng(1)
    pairs, oracle = [], []
    for _ in range(30):
        answer = int(rng.integers(4))
        partner = rng.uniform(0.05, 0.3, 4)
        partner[answer] = 0.9
        pairs.append(PairParts(rng.uniform(0.6, 0.9, 4), rng.uniform(0.3, 0.6, 4), np.full(4, 0.25),
                               candidates=[0, 1, 2, 3], partner=partner))
        oracle.append(answer)
    weights, accuracy = tune_weights(pairs, oracle, NAMES)
    assert weights.partner > 0 and accuracy["top1"] == 1.0
    plain, _ = _constructed_pairs()  # no partner probabilities at all: the grid leaves it at 0
    assert tune_weights(plain, _constructed_pairs()[1], NAMES)[0].partner == 0.0


def test_map_match_on_a_one_cell_grid_is_one_not_nan() -> None:
    """A model whose attribute maps are 1×1 (a small --image-size): the sample std of one value is
    NaN, which made every map match NaN and the attribute choice compare NaNs (found by a fresh
    new-user check). One cell carries no spatial evidence: every attribute agrees fully."""
    import torch

    from sane_desktop.explain.attribute_choice import map_match

    match = map_match(torch.rand(3, 1, 1), torch.rand(8, 8))
    assert torch.equal(match, torch.ones(3))
    assert not torch.isnan(map_match(torch.rand(2, 3, 2, 2), torch.rand(2, 8, 8))).any()
