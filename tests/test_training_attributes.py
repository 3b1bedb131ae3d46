"""Attribute-only training and evaluation for catalogues without outfits (H&M articles): the item
split, train() dispatching to the attribute network alone, evaluate() reporting attribute mAP only,
and both CLI commands end to end, on a tiny generated manifest catalogue."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
import torch
from catalogue_fixtures import write_folder_catalogue, write_image

from sane_desktop.catalogue import read_catalogue
from sane_desktop.models import load_checkpoint, save_checkpoint
from sane_desktop.catalogue.splits import item_split, item_split_ids
from sane_desktop.training.presets import preset
from sane_desktop.training.report import evaluate
from sane_desktop.training.synthetic import make_synthetic_catalogue
from sane_desktop.training.trainer import train

COLOURS = {"red": (210, 30, 30), "green": (30, 180, 40), "blue": (30, 50, 210)}
TINY = {"image_size": 32, "width": 4, "epochs": 2, "outfits_per_step": 4, "seed": 0}  # 16 items a step


def write_attribute_catalogue(root: Path, n_items: int = 60) -> Path:
    """A manifest catalogue without an outfits table: each item's PNG is filled with its colour."""
    rows = []
    for number in range(n_items):
        colour = list(COLOURS)[number % len(COLOURS)]
        item_id = f"a{number:03d}"
        path = write_image(root / "images" / f"{item_id}.png", size=(24, 24), colour=COLOURS[colour])
        from PIL import Image

        with Image.open(path) as image:  # one pixel of its own: byte-identical photos would be one garment,
            own = image.convert("RGB")  # and one garment falls in one split
        own.putpixel((0, 0), (number, number, number))
        own.save(path)
        rows.append({"id": item_id, "group": ("Tops", "Shoes")[number % 2], "colour": colour})
    with (root / "articles.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = {"name": "tiny-articles", "items": {"table": "articles.csv", "id": "id",
               "image_template": "images/{id}.png", "category": "group", "attributes": {"colour": "colour"}}}
    (root / "sane-mapping.json").write_text(json.dumps(mapping))
    return root


def test_item_split_is_deterministic_and_about_80_10_10():
    ids = [f"{number:010d}" for number in range(1000)]
    first = [item_split(i) for i in ids]
    assert first == [item_split(i) for i in ids]
    counts = Counter(first)
    assert set(counts) == {"train", "valid", "test"}
    assert 740 <= counts["train"] <= 860 and 60 <= counts["valid"] <= 140 and 60 <= counts["test"] <= 140
    assert item_split("0108775015") == item_split("0108775015")  # a pure function of the id


def test_attribute_only_training_and_evaluation(tmp_path):
    catalogue = read_catalogue(write_attribute_catalogue(tmp_path / "cat"))
    assert not catalogue.outfits and not catalogue.splits
    assert item_split_ids(catalogue, "test")  # the tiny catalogue has test items to score
    logged: list[str] = []
    epochs_seen: list[dict] = []
    result = train(catalogue, preset("cpu", **TINY), log=logged.append, on_epoch=epochs_seen.append)
    assert len(result.history) == 2 and result.best_epoch in (1, 2)
    assert epochs_seen == result.history and "valid_map" in epochs_seen[0]
    assert result.bundle.config["mode"] == "attributes" and result.bundle.config["protocol"] == "items"
    assert all(h["valid_fitb"] is None for h in result.history)
    best = max(h["valid_map"] for h in result.history)
    assert result.history[result.best_epoch - 1]["valid_map"] == best
    assert "valid mAP" in logged[0]

    path = tmp_path / "model.pt"
    save_checkpoint(path, result.bundle)
    bundle = load_checkpoint(path)
    assert bundle.config["mode"] == "attributes" and bundle.attributes is not None
    assert bundle.attributes.trunk is bundle.compatibility.trunk  # the usual shared-trunk format
    assert set(bundle.attributes.attributes) == {"colour:red", "colour:green", "colour:blue"}

    report = evaluate(catalogue, bundle, "test")
    assert set(report["methods"]) == {"model", "untrained", "random"}
    for figures in report["methods"].values():
        assert figures["fitb"] is None and figures["auc"] is None
        assert isinstance(figures["attribute_map"], float) and 0.0 <= figures["attribute_map"] <= 1.0
    assert report["counts"]["attribute_items"] == len(item_split_ids(catalogue, "test"))
    assert report["counts"]["attributes"] == 3


def test_attribute_only_training_repeats_by_seed(tmp_path):
    catalogue = read_catalogue(write_attribute_catalogue(tmp_path / "cat", n_items=30))
    config = preset("cpu", **{**TINY, "epochs": 1})
    first, second = train(catalogue, config), train(catalogue, config)
    assert [h["loss"] for h in first.history] == [h["loss"] for h in second.history]
    for key, value in first.bundle.attributes.state_dict().items():
        assert torch.equal(value, second.bundle.attributes.state_dict()[key]), key


def test_neither_outfits_nor_attributes_is_a_clear_error(tmp_path):
    write_folder_catalogue(tmp_path / "plain", {"tops": 4, "shoes": 4})
    catalogue = read_catalogue(tmp_path / "plain")
    with pytest.raises(ValueError, match="neither training outfits nor attributes"):
        train(catalogue, preset("cpu", **TINY))


def test_outfit_training_records_compatibility_mode(tmp_path):
    catalogue = make_synthetic_catalogue(tmp_path, n_outfits=8, size=32, seed=0)
    result = train(catalogue, preset("cpu", **{**TINY, "epochs": 1}))
    assert result.bundle.config["mode"] == "compatibility"


def test_train_and_evaluate_commands_without_outfits(tmp_path, capsys):
    from sane_desktop.cli import main

    root = write_attribute_catalogue(tmp_path / "cat")
    model = tmp_path / "model.pt"
    args = ["train", str(root), "--out", str(model), "--epochs", "1", "--image-size", "32", "--width", "4"]
    assert main([*args, "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["mode"] == "attributes" and trained["valid_fitb"] is None
    assert isinstance(trained["valid_map"], float)
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "valid attribute mAP" in said and "no outfits to learn matches from" in said  # and how it will search
    assert "attribute choice for explanations: " in said  # fitted on what, or not fitted and why
    assert main(["evaluate", str(root), "--model", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["protocol"] == "items" and report["methods"]["model"]["fitb"] is None
    counts = report["counts"]
    assert counts["attributes_known_to_model"] == counts["attributes"] > 0  # trained here: it knows them all
    assert isinstance(report["methods"]["model"]["attribute_map"], float)
    assert main(["evaluate", str(root), "--model", str(model)]) == 0
    text = capsys.readouterr().out
    assert "attribute_map" in text and "fitb" not in text.splitlines()[1] and "{" not in text  # words, not a dict
    assert f"{counts['attributes']} attributes, {counts['attributes']} of them known to the model" in text

    # a model that learnt its attributes elsewhere (the bundled demo model's, renamed so that none is
    # this catalogue's) scores none of these: no mAP, rather than its base rate passed off as the model's
    from sane_desktop.models.checkpoint import demo_model_path, load_checkpoint, save_checkpoint

    bundle = load_checkpoint(demo_model_path())
    assert bundle.attributes is not None
    bundle.attributes.attributes = [f"elsewhere:{name}" for name in bundle.attributes.attributes]
    other = tmp_path / "elsewhere.pt"
    save_checkpoint(other, bundle)
    assert main(["evaluate", str(root), "--model", str(other), "--json"]) == 0
    foreign = json.loads(capsys.readouterr().out)
    assert foreign["counts"]["attributes_known_to_model"] == 0
    assert {m["attribute_map"] for m in foreign["methods"].values()} == {None}
    assert main(["evaluate", str(root), "--model", str(other)]) == 0
    assert "no attribute mAP: the model learnt its attributes on another catalogue" in capsys.readouterr().out


def test_train_text_says_whether_the_attribute_choice_was_fitted() -> None:
    from sane_desktop.cli.train_cmd import render

    base = {"out": "m.pt", "best_epoch": 1, "valid_fitb": 0.5, "seconds": 1.0, "device": "cpu"}
    assert "fitted on ground truth (themes)" in render({**base, "selection": "ground truth (themes)"})
    said = render({**base, "selection": None})
    assert "not fitted (too few labelled validation pairs, or no attribute network): explanations use the default weights" in said


def test_train_text_names_the_model_it_made_and_every_option_it_could_not_use() -> None:
    """The text says which preset, trunk and pooling the model has, the time in all beside the
    heads' seconds, and a typed --pooling the model could not take (a trial found it dropped)."""
    import argparse

    from sane_desktop.cli.train_cmd import _dropped_options, render

    config = {"trunk": "efficientnet_lite0_colour", "freeze_trunk": True, "pooling": "mean"}
    result = {"out": "m.pt", "best_epoch": 1, "valid_map": 0.5, "seconds": 4.8, "wall_seconds": 174.0,
              "device": "cpu", "preset": "pretrained", "mode": "attributes", "selection": None, "config": config,
              "notes": _dropped_options(argparse.Namespace(pooling="attention"), config)}
    said = render(result)
    assert "in 4.8 s on cpu (174.0 s in all, with image features and the explanation's attribute choice)" in said
    assert "model: pretrained preset, efficientnet_lite0_colour trunk (frozen), mean pooling of its cells" in said
    assert "--pooling attention not used: without outfits the model's embedding is the mean of its cells" in said
    assert _dropped_options(argparse.Namespace(pooling=None), config) == []
    assert _dropped_options(argparse.Namespace(pooling="mean"), config) == []
