"""The demo catalogue generator: Polyvore layout, the hidden theme rule, questions, determinism."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sane_desktop.cli import main as cli_main
from sane_desktop.demo import generate_demo
from sane_desktop.errors import InputError
from sane_desktop.demo.garments import IMAGE_SIZE
from sane_desktop.progress import Cancelled

SPLITS = ("train", "valid", "test")
SMALL = 120


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "catalogue"
    generate_demo(out, seed=3, items=SMALL, workers=1)
    return out


def _load(out: Path) -> dict:
    folder = out / "nondisjoint"
    return {
        "meta": json.loads((out / "polyvore_item_metadata.json").read_text()),
        "titles": json.loads((out / "polyvore_outfit_titles.json").read_text()),
        "truth": json.loads((out / "ground_truth.json").read_text()),
        "splits": {s: json.loads((folder / f"{s}.json").read_text()) for s in SPLITS},
        "fitb": {s: json.loads((folder / f"fill_in_blank_{s}.json").read_text()) for s in ("valid", "test")},
        "compat": {s: [line.split() for line in (folder / f"compatibility_{s}.txt").read_text().splitlines()]
                   for s in ("valid", "test")},
    }


def _refs(outfits: list[dict]) -> dict[str, tuple[str, str]]:
    """setid_index -> (item_id, set_id) for one split."""
    return {f"{o['set_id']}_{entry['index']}": (entry["item_id"], o["set_id"])
            for o in outfits for entry in o["items"]}


def _has(truth_item: dict, theme: str) -> bool:
    return theme in truth_item["attributes"]


def test_layout_files_exist_and_agree(demo: Path) -> None:
    data = _load(demo)
    meta, truth = data["meta"], data["truth"]
    assert len(meta) == SMALL and set(meta) == set(truth["items"])
    rows = list(csv.reader((demo / "categories.csv").read_text().splitlines()))
    fine_ids = {row[0]: (row[1], row[2]) for row in rows}
    assert {semantic for _, semantic in fine_ids.values()} == {
        "tops", "bottoms", "all-body", "outerwear", "shoes", "bags", "hats"}
    for item_id, record in meta.items():
        assert item_id.isdigit()
        assert record["title"] and record["description"] and record["url_name"]
        assert fine_ids[record["category_id"]][1] == record["semantic_category"]
        assert record["semantic_category"] == truth["items"][item_id]["category"]
        with Image.open(demo / "images" / f"{item_id}.jpg") as image:
            assert image.format == "JPEG" and image.size == (IMAGE_SIZE, IMAGE_SIZE)
    all_sets = [o["set_id"] for s in SPLITS for o in data["splits"][s]]
    assert len(all_sets) == len(set(all_sets)) == len(truth["outfits"]) == len(data["titles"])
    used = {e["item_id"] for s in SPLITS for o in data["splits"][s] for e in o["items"]}
    assert used == set(meta)  # every item is in some outfit, and only known items are
    assert len(data["splits"]["train"]) > 6 * len(data["splits"]["test"])


def test_every_outfit_shares_exactly_its_theme(demo: Path) -> None:
    data = _load(demo)
    truth = data["truth"]
    kinds = set()
    for split in SPLITS:
        for outfit in data["splits"][split]:
            expected = truth["outfits"][outfit["set_id"]]
            assert expected["split"] == split
            members = [truth["items"][e["item_id"]] for e in outfit["items"]]
            assert [e["index"] for e in outfit["items"]] == list(range(1, len(members) + 1))
            assert 3 <= len(members) <= 5
            assert len({m["category"] for m in members}) == len(members)
            theme = expected["theme"]
            kinds.add(expected["theme_kind"])
            assert all(_has(m, theme) for m in members)
            # any two items share the theme and nothing else: one explanation per pair
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    assert set(a["attributes"]) & set(b["attributes"]) == {theme}
    assert kinds == {"colour", "pattern", "motif"}


def test_fitb_questions_follow_the_rule(demo: Path) -> None:
    data = _load(demo)
    truth = data["truth"]["items"]
    for split in ("valid", "test"):
        refs = _refs(data["splits"][split])
        questions = data["fitb"][split]
        assert len(questions) >= 0.8 * len(data["splits"][split])
        for question in questions:
            set_ids = {refs[r][1] for r in question["question"]}
            assert len(set_ids) == 1
            (set_id,) = set_ids
            theme = data["truth"]["outfits"][set_id]["theme"]
            answers = [refs[r] for r in question["answers"]]  # every reference resolves
            right = [a for a in answers if a[1] == set_id]
            assert len(answers) == 4 and len(right) == 1
            assert question["answers"][[a[1] for a in answers].index(set_id)] == \
                f"{set_id}_{question['blank_position']}"
            category = truth[right[0][0]]["category"]
            assert len({a[0] for a in answers}) == 4
            for item_id, _ in (a for a in answers if a[1] != set_id):
                assert truth[item_id]["category"] == category
                assert not _has(truth[item_id], theme)


def test_compatibility_negatives_break_the_theme(demo: Path) -> None:
    data = _load(demo)
    truth = data["truth"]["items"]
    for split in ("valid", "test"):
        refs = _refs(data["splits"][split])
        labels = [line[0] for line in data["compat"][split]]
        assert labels.count("1") == len(data["splits"][split])
        assert labels.count("0") >= 0.8 * labels.count("1")
        for label, *items in data["compat"][split]:
            members = [truth[refs[r][0]] for r in items]
            shared = set.intersection(*(set(m["attributes"]) for m in members))
            if label == "1":
                assert len(shared) == 1
            else:
                assert shared == set()


def test_regions_are_real(demo: Path) -> None:
    truth = json.loads((demo / "ground_truth.json").read_text())
    with_motif = [(i, t) for i, t in truth["items"].items() if t["motif"]]
    assert with_motif
    for item_id, item in truth["items"].items():
        x0, y0, x1, y1 = item["regions"]["garment"]
        assert 0 <= x0 < x1 <= IMAGE_SIZE and 0 <= y0 < y1 <= IMAGE_SIZE
        mask = np.asarray(Image.open(demo / item["mask"]).convert("L")) > 0
        assert mask[y0:y1, x0:x1].mean() > 0.3 and not mask[:y0].any() and not mask[y1:].any()
    for item_id, item in with_motif:
        x0, y0, x1, y1 = item["regions"]["motif"]
        gx0, gy0, gx1, gy1 = item["regions"]["garment"]
        assert gx0 <= x0 < x1 <= gx1 and gy0 <= y0 < y1 <= gy1
        assert 0.08 * IMAGE_SIZE <= max(x1 - x0, y1 - y0) <= 0.21 * IMAGE_SIZE
        pixels = np.asarray(Image.open(demo / "images" / f"{item_id}.jpg").convert("RGB")).astype(int)
        mask = np.asarray(Image.open(demo / item["mask"]).convert("L")) > 0
        # classic motifs are near-white with a dark outline: such pixels on the fabric (away from
        # its anti-aliased edge) are many inside the motif box and rare outside it
        inner = mask.copy()
        for shift in (-2, 2):
            inner &= np.roll(mask, shift, axis=0) & np.roll(mask, shift, axis=1)
        white = (pixels.min(axis=2) > 215) & inner
        inside = int(white[y0:y1, x0:x1].sum())
        assert inside >= 20 and inside >= 0.9 * white.sum(), item_id


def _digest(out: Path, names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in names}


def test_same_seed_same_bytes_other_seed_differs(demo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_demo(again, seed=3, items=SMALL, workers=1)
    truth = json.loads((demo / "ground_truth.json").read_text())
    sample = [f"images/{i}.jpg" for i in sorted(truth["items"])[:10]]
    names = sample + ["ground_truth.json", "polyvore_item_metadata.json", "categories.csv",
                      "nondisjoint/train.json", "nondisjoint/fill_in_blank_test.json",
                      "nondisjoint/compatibility_valid.txt"]
    assert _digest(demo, names) == _digest(again, names)
    other = tmp_path / "other"
    generate_demo(other, seed=4, items=SMALL, workers=1)
    assert (other / "ground_truth.json").read_bytes() != (demo / "ground_truth.json").read_bytes()


def test_alt_style_draws_the_same_world_differently(demo: Path, tmp_path: Path) -> None:
    alt = tmp_path / "alt"
    generate_demo(alt, seed=3, items=SMALL, style="alt", workers=1, masks=False)
    classic_truth = json.loads((demo / "ground_truth.json").read_text())
    alt_truth = json.loads((alt / "ground_truth.json").read_text())
    assert alt_truth["outfits"] == classic_truth["outfits"]
    item_id = sorted(alt_truth["items"])[0]
    a = np.asarray(Image.open(alt / "images" / f"{item_id}.jpg"), dtype=float)
    c = np.asarray(Image.open(demo / "images" / f"{item_id}.jpg"), dtype=float)
    assert a[:8, :8].std() > c[:8, :8].std()  # textured backdrop
    assert np.abs(a - c).mean() > 10


def test_worker_processes_give_identical_files(tmp_path: Path) -> None:
    single, pooled = tmp_path / "single", tmp_path / "pooled"
    generate_demo(single, seed=1, items=60, workers=1, masks=False)
    generate_demo(pooled, seed=1, items=60, workers=2, masks=False)
    names = sorted(p.relative_to(single).as_posix() for p in single.rglob("*") if p.is_file())
    assert _digest(single, names) == _digest(pooled, names)


def test_cancel_stops_rendering(tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        generate_demo(tmp_path / "cancelled", items=60, workers=1, should_stop=lambda: True)


def test_cli_writes_summary_and_refuses_foreign_folders(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cli"
    assert cli_main(["demo", str(out), "--items", "40", "--seed", "2", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["items"] == 40 and summary["outfits"] == sum(summary["outfits_per_split"].values())
    assert cli_main(["demo", str(out), "--items", "40"]) == 1  # not empty, no --force
    assert "not empty" in capsys.readouterr().err
    assert cli_main(["demo", str(out), "--items", "40", "--seed", "5", "--force"]) == 0
    assert len(list((out / "images").iterdir())) == 40
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert cli_main(["demo", str(foreign), "--items", "40", "--force"]) == 1
    assert (foreign / "notes.txt").exists()
    # a dataset of the user's with a ground_truth.json of its own is no demo (trial EC: --force deleted its images/)
    dataset = tmp_path / "userds"
    (dataset / "images").mkdir(parents=True)
    (dataset / "images" / "holiday.jpg").write_bytes(b"mine")
    (dataset / "ground_truth.json").write_text('{"boxes": []}')
    (dataset / "categories.csv").write_text("mine")
    capsys.readouterr()
    assert cli_main(["demo", str(dataset), "--items", "40", "--force"]) == 1
    assert "does not hold a demo catalogue" in capsys.readouterr().err
    assert (dataset / "images" / "holiday.jpg").read_bytes() == b"mine"
    assert (dataset / "ground_truth.json").read_text() == '{"boxes": []}' and (dataset / "categories.csv").read_text() == "mine"
    # a demo from before the marker file (its ground truth says who wrote it) is still replaced
    (out / ".sane-demo").unlink()
    assert cli_main(["demo", str(out), "--items", "40", "--seed", "6", "--force"]) == 0


def test_catalogue_reader_takes_the_demo_as_is(demo: Path) -> None:
    from sane_desktop.catalogue import read_catalogue

    data = _load(demo)
    catalogue = read_catalogue(demo)
    assert catalogue.format == "polyvore" and catalogue.skipped == []
    assert len(catalogue.items) == SMALL
    assert len(catalogue.outfits) == sum(len(data["splits"][s]) for s in SPLITS)
    assert len(catalogue.fitb) == sum(len(q) for q in data["fitb"].values())
    assert len(catalogue.compatibility) == sum(len(lines) for lines in data["compat"].values())


def test_an_interrupted_demo_can_be_replaced(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    with pytest.raises(Cancelled):
        generate_demo(out, items=40, workers=1, should_stop=lambda: True)
    assert not out.exists()  # the folder it made, taken away again (trial DI: the next run asked for --force)
    generate_demo(out, items=40, workers=1)
    with pytest.raises(Cancelled):  # over a finished demo, with --force: what it wrote stays its own ...
        generate_demo(out, items=40, workers=1, overwrite=True, should_stop=lambda: True)
    with pytest.raises(InputError):
        generate_demo(out, items=40, workers=1)
    generate_demo(out, items=40, workers=1, overwrite=True)  # ... and --force replaces it
    assert (out / "ground_truth.json").is_file()
