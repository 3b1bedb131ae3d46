"""Issue 17 (4): the third drawn style, ``studio``, kept out of all tuning: the same world, drawn
unlike classic and alt (no outlines, leaning and flared silhouettes, a shaded backdrop, motifs from
smaller to larger), with title-only attributes available as for the others."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sane_desktop.cli import main as cli_main
from sane_desktop.demo import generate_demo
from sane_desktop.demo.garments import IMAGE_SIZE, MOTIF_SIDE, RenderJob, draw_item, item_seed
from sane_desktop.demo.styles import CLASSIC, STUDIO, get_style

ITEMS = 90


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("styles")
    generate_demo(root / "classic", seed=7, items=ITEMS, workers=1)
    generate_demo(root / "studio", seed=7, items=ITEMS, style="studio", workers=1, text_attributes_only=True)
    return root / "classic", root / "studio"


def test_studio_draws_the_same_world_with_title_only_attributes(pair: tuple[Path, Path]) -> None:
    classic, studio = pair
    classic_truth = json.loads((classic / "ground_truth.json").read_text())
    studio_truth = json.loads((studio / "ground_truth.json").read_text())
    assert studio_truth["outfits"] == classic_truth["outfits"] and studio_truth["style"] == "studio"
    meta = json.loads((studio / "polyvore_item_metadata.json").read_text())
    assert all("attributes" not in entry for entry in meta.values())
    item_id, item = next((i, t) for i, t in studio_truth["items"].items() if t["motif"])
    assert item["motif"] in (meta[item_id]["title"] + " " + meta[item_id]["description"]).lower()


def test_studio_looks_unlike_classic_and_alt(pair: tuple[Path, Path]) -> None:
    classic, studio = pair
    truth = json.loads((studio / "ground_truth.json").read_text())
    top, bottom, differences = [], [], []
    for item_id in sorted(truth["items"])[:20]:
        s = np.asarray(Image.open(studio / "images" / f"{item_id}.jpg"), dtype=float)
        c = np.asarray(Image.open(classic / "images" / f"{item_id}.jpg"), dtype=float)
        top.append(s[:6, :6].mean())
        bottom.append(s[-6:, :6].mean())
        differences.append(np.abs(s - c).mean())
        assert c[:6, :6].mean() > 240  # classic: a near-white backdrop
    assert np.mean(top) < 235 and np.mean(top) - np.mean(bottom) > 15  # a shaded, not white, backdrop
    assert np.mean(differences) > 10


def test_studio_motifs_span_smaller_and_larger_boxes_than_classic(pair: tuple[Path, Path]) -> None:
    _, studio = pair
    truth = json.loads((studio / "ground_truth.json").read_text())
    sides = [max(x1 - x0, y1 - y0) / IMAGE_SIZE for t in truth["items"].values() if t["motif"]
             for x0, y0, x1, y1 in [t["regions"]["motif"]]]
    assert len(sides) >= 10
    assert min(sides) < MOTIF_SIDE[0] - 0.005 or max(sides) > MOTIF_SIDE[1] + 0.005
    assert all(STUDIO.motif_side[0] - 0.02 <= s <= STUDIO.motif_side[1] + 0.02 for s in sides)


def test_classic_pictures_are_unchanged_by_the_studio_options() -> None:
    """The new style options default to off, and classic draws no extra random numbers: the same
    item gives the same picture as when its style had no such options."""
    assert CLASSIC.taper == CLASSIC.shear == CLASSIC.backdrop_shade == 0.0 and CLASSIC.motif_side == MOTIF_SIDE
    job = RenderJob("42", "tee", "red", "dotted", "star", "classic", item_seed(0, "classic", "42"), "")
    image, _, _, motif = draw_item(job)
    again, _, _, motif_again = draw_item(job)
    assert np.array_equal(np.asarray(image), np.asarray(again)) and motif == motif_again
    studio = draw_item(RenderJob("42", "tee", "red", "dotted", "star", "studio", item_seed(0, "studio", "42"), ""))[0]
    assert np.abs(np.asarray(studio, dtype=float) - np.asarray(image, dtype=float)).mean() > 10
    assert get_style("studio") is STUDIO


def test_cli_accepts_the_studio_style(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli_main(["demo", str(tmp_path / "s"), "--style", "studio", "--items", "40", "--no-masks", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["style"] == "studio"
