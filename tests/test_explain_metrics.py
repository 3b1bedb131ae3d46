"""Insertion/deletion harness, pointing game, box mapping, removal oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from test_explain_toys import RegionNet, random_images
from sane_desktop.explain.metrics import (
    auc,
    box_to_crop,
    normalise_curve,
    paired_difference,
    perturbation_curves,
    perturbed_images,
    pixel_counts,
    pointing_hit,
    summarise_curves,
    white_background,
)
from sane_desktop.explain.oracle import oracle_attribute, removal_images, similarity_drops
from sane_desktop.models.preprocess import IMAGENET_MEAN, IMAGENET_STD


def test_pixel_counts_and_perturbed_images_hand_case():
    counts = pixel_counts(4)
    assert len(counts) == 101
    assert counts[0] == 1 and counts[12] == 0 + 1 and counts[13] == 1 and counts[50] == 2 and counts[100] == 4
    assert counts[38] == 2 and counts[88] == 4 and counts[87] == 3  # round(4·0.38)=2, round(3.52)=4, round(3.48)=3
    image = torch.arange(1.0, 5.0).view(1, 2, 2).repeat(3, 1, 1)  # pixels 1 2 / 3 4
    saliency = np.array([[0.1, 0.9], [0.5, 0.2]])  # order: (0,1), (1,0), (1,1), (0,0)
    background = torch.full((3, 1, 1), -1.0)
    insertion, deletion = perturbed_images(image, saliency, background)
    assert insertion.shape == (101, 3, 2, 2)
    assert insertion[0, 0].tolist() == [[-1, 2], [-1, -1]]
    assert insertion[50, 0].tolist() == [[-1, 2], [3, -1]]
    assert deletion[50, 0].tolist() == [[1, -1], [-1, 4]]
    assert deletion[100, 0].tolist() == [[-1, -1], [-1, -1]]
    assert insertion[100, 0].tolist() == image[0].tolist()


def test_normalised_auc_hand_values():
    linear = np.linspace(0.2, 0.6, 101)
    assert abs(auc(normalise_curve(linear)) - 0.5) < 1e-9
    assert abs(auc(np.ones(101)) - 1.0) < 1e-9
    step = np.r_[np.zeros(50), np.ones(51)]
    assert abs(auc(step) - 0.505) < 1e-9  # 50 full intervals + half of the rising one
    summary = summarise_curves([linear, 2 * linear])
    assert abs(summary.auc - 0.5) < 1e-9 and abs(summary.raw_auc - 0.6) < 1e-9
    assert normalise_curve(np.full(5, 0.3)).tolist() == [0.0] * 5


def test_paired_difference_hand_case():
    linear = np.linspace(0.0, 1.0, 101)  # normalised AUC 0.5
    step = np.r_[np.zeros(50), np.ones(51)]  # 0.505
    early = np.r_[np.zeros(10), np.ones(91)]  # 0.905
    same = paired_difference([linear, step], [linear, step])
    assert same["mean"] == 0.0 and same["ci95"] == [0.0, 0.0] and same["pairs"] == 2
    better = paired_difference([early, early], [linear, step])
    assert abs(better["mean"] - (0.905 - 0.5025)) < 1e-9
    assert 0.39 < better["ci95"][0] <= better["mean"] <= better["ci95"][1] < 0.41
    mixed = paired_difference([early, linear], [linear, early], resamples=4000)
    assert abs(mixed["mean"]) < 1e-9 and mixed["ci95"][0] < 0 < mixed["ci95"][1]


def test_white_background_is_white_after_normalisation():
    bg = white_background(IMAGENET_MEAN, IMAGENET_STD)
    restored = bg.view(3) * torch.tensor(IMAGENET_STD) + torch.tensor(IMAGENET_MEAN)
    assert torch.allclose(restored, torch.ones(3))


def test_good_map_beats_inverted_map_on_insertion_and_deletion():
    torch.manual_seed(0)
    model = RegionNet(region=(slice(0, 3), slice(0, 3)))  # top-left block of cells
    images = random_images(2, seed=1)
    reference = model(images[1:]).detach()[0]
    good = np.zeros((112, 112), np.float32)
    good[:48, :48] = 1.0
    good += np.linspace(0, 1e-3, 112 * 112).reshape(112, 112)  # break ties deterministically
    bg = white_background(IMAGENET_MEAN, IMAGENET_STD)
    ins_good, del_good = perturbation_curves(model, images[0], good, reference, 0, bg)
    ins_bad, del_bad = perturbation_curves(model, images[0], -good, reference, 0, bg)
    assert ins_good.shape == (101,)
    # inserting the seen region first reaches the intact similarity early
    assert auc(normalise_curve(ins_good)) > auc(normalise_curve(ins_bad)) + 0.3
    assert auc(normalise_curve(del_good)) < auc(normalise_curve(del_bad)) - 0.3
    # both full insertions end at the intact image
    assert abs(ins_good[-1] - ins_bad[-1]) < 1e-6


def test_pointing_game_and_box_mapping():
    saliency = np.zeros((112, 112))
    saliency[30, 70] = 1.0
    assert pointing_hit(saliency, (20, 60, 40, 80))
    assert not pointing_hit(saliency, (0, 0, 30, 112))  # bottom is exclusive
    # 224×448 portrait: scale 0.5 → 112×224, crop rows 56..168
    assert box_to_crop((0, 112, 224, 336), (224, 448)) == (0, 0, 112, 112)
    assert box_to_crop((20, 140, 60, 180), (224, 448)) == (14, 10, 34, 30)
    assert box_to_crop((0, 0, 224, 50), (224, 448)) == (0, 0, 0, 112)  # outside the crop


def test_removal_oracle_picks_the_map_over_the_seen_region():
    torch.manual_seed(0)
    model = RegionNet(region=(slice(0, 3), slice(0, 3)))
    images = random_images(2, seed=2)
    reference = model(images[0:1]).detach()[0]  # same image: intact similarity 1
    maps = torch.zeros(3, 7, 7)
    maps[0, 3:, 3:] = 1.0  # bottom-right, larger than 20% of the image: not seen by the model
    maps[1, :4, :4] = 1.0  # top-left: seen
    maps[2, 4:, :] = 1.0  # the bottom rows
    bg = white_background(IMAGENET_MEAN, IMAGENET_STD)
    removed = removal_images(images[0], maps, bg)
    assert removed.shape == (3, 3, 112, 112)
    assert int((removed[1] != images[0]).any(0).sum()) == round(0.2 * 112 * 112)
    drops = similarity_drops(model, images[0], maps, reference, 0, bg)
    assert abs(drops[0]) < 1e-6 and drops[1] > 1e-4
    answer, cand_drops = oracle_attribute(model, images[0], maps, [0, 1, 2], reference, 0, bg)
    assert answer == 1 and np.allclose(cand_drops, drops, atol=1e-6)
    with pytest.raises(ValueError, match="at least one candidate"):  # not numpy's "argmax of an empty sequence"
        oracle_attribute(model, images[0], maps, [], reference, 0, bg)
