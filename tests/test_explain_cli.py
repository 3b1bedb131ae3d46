"""``explain`` and ``evaluate-explanations`` end to end on a tiny demo catalogue and model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sane_desktop.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.models.attributes import AttributeNet
    from sane_desktop.models.checkpoint import ModelBundle, save_checkpoint
    from sane_desktop.models.compatibility import CompatibilityNet
    from sane_desktop.models.preprocess import Preprocessing
    from sane_desktop.catalogue.splits import attribute_vocabulary

    root = tmp_path_factory.mktemp("explain-world")
    catalogue_dir = root / "demo"
    generate_demo(catalogue_dir, seed=1, items=60, workers=1, masks=False)
    catalogue = read_catalogue(Path(catalogue_dir))
    names, _ = attribute_vocabulary(catalogue)
    torch.manual_seed(0)
    compatibility = CompatibilityNet(catalogue.categories(), width=8)
    attributes = AttributeNet(names, trunk=compatibility.trunk)
    model = save_path = root / "model.pt"
    save_checkpoint(save_path, ModelBundle(compatibility, attributes, Preprocessing()))
    truth = json.loads((Path(catalogue_dir) / "ground_truth.json").read_text())
    outfit = next(o for o in truth["outfits"].values() if len(o["items"]) >= 3)
    return {"catalogue": Path(catalogue_dir), "model": model, "items": outfit["items"], "root": root}


def _run(capsys: pytest.CaptureFixture, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_explain_json_schema_cache_and_pairs(world, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "index"))
    code, _, err = _run(capsys, ["index", str(world["catalogue"]), "--name", "tiny", "--model", str(world["model"]),
                                 "--json"])
    assert code == 0, err
    query, candidate, third = world["items"][:3]
    # this random model's best attribute for the outfit's pair is one the candidate is not labelled with:
    # no attribute is named on no evidence (trial AL) ...
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--json"])
    assert code == 0, err
    unnamed = json.loads(out)
    best = unnamed["attributes"][0]
    assert unnamed["attribute"] is None and best["partner"] == 0.0
    assert unnamed["abstained"].startswith(f"no attribute is likely on both items (best, {best['name']}: 0, one of")
    # ... so the pair below takes as candidate an item labelled with it: that attribute is named
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.catalogue.splits import attribute_vocabulary

    _, labels = attribute_vocabulary(read_catalogue(world["catalogue"]))
    candidate = next(i for i, named in labels.items() if best["name"] in named and i != query)
    argv = ["explain", "tiny", "--query", query, "--candidate", candidate, "--json",
            "--save-maps", str(tmp_path / "maps")]
    code, out, err = _run(capsys, argv)
    assert code == 0, err
    result = json.loads(out)
    assert {"attribute", "attributes", "similarity", "method", "seconds", "maps"} <= result.keys()
    assert result["method"] == "fast" and result["cached"] is False
    assert -1.0 <= result["similarity"] <= 1.0
    assert result["attribute"] == result["attributes"][0]["name"]
    assert set(result["attributes"][0]) == {"name", "score", "confidence", "match", "prior", "partner", "base_rate"}
    assert result["maps"]["resolution"] == [112, 112] and "centre crop" in result["maps"]["alignment"]
    query_map = np.load(result["maps"]["query"])
    assert query_map.shape == (112, 112) and query_map.dtype == np.float32
    assert Path(result["maps"]["query_overlay"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the explaining attribute's activation maps (SANE's "where"), on both images, same crop
    where = result["maps"]["attribute"]
    assert where["name"] == result["attribute"]
    aam = {role: np.load(where[role]) for role in ("query", "candidate")}
    assert all(m.shape == (112, 112) and m.dtype == np.float32 and np.ptp(m) > 0 for m in aam.values())
    assert Path(where["candidate_overlay"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # named by the pair, and every picture said in the text (trial U: hashes, and 2 of 8 files named)
    written = sorted(path.name for path in (tmp_path / "maps").iterdir())
    assert len(written) == 9 and all(name.startswith(f"{query}~{candidate}_") for name in written), written
    # beside them, what they were derived from (trial AK: the files named no model, method or photo)
    record = json.loads(Path(result["maps"]["record"]).read_text())
    assert record["model_hash"] == result["model_hash"] and record["method"] == "fast"
    assert record["query"]["item_id"] == query and record["candidate"]["item_id"] == candidate
    assert len(record["query"]["content_hash"]) == 64
    # the map files by name, beside the record: read from anywhere, they are found (trial AP)
    record_folder = Path(result["maps"]["record"]).parent
    assert record["maps"]["query"] == Path(result["maps"]["query"]).name
    assert (record_folder / record["maps"]["query"]).is_file()
    assert record["maps"]["attribute"]["name"] == result["attribute"]
    assert (record_folder / record["maps"]["attribute"]["candidate_overlay"]).is_file()
    # a saved list names the model and the catalogue's import revision it was ranked with, as explain does
    code, out, err = _run(capsys, ["query", "tiny", "--outfit", query, "-k", "3", "--json"])
    assert code == 0, err
    listed = json.loads(out)
    assert listed["model_hash"] == result["model_hash"] and isinstance(listed["catalogue_revision"], int)
    # ... and which catalogue: a revision starts again at 1 in one made anew under the name (trial CZ)
    assert listed["catalogue_uid"] and listed["source_folder"] == str(world["catalogue"]) and listed["index_written_at"]
    # ... as the listings name it, so the three can be matched (trial DE)
    code, out, _ = _run(capsys, ["catalogues", "--json"])
    entry = next(c for c in json.loads(out)["catalogues"] if c["name"] == "tiny")
    assert (entry["catalogue_uid"], entry["catalogue_revision"]) == (listed["catalogue_uid"], listed["catalogue_revision"])
    # ... under the same names (trial DE read "source" and "indexed_at" beside "source_folder" and "index_written_at")
    assert (entry["source_folder"], entry["index_written_at"]) == (listed["source_folder"], listed["index_written_at"])
    assert entry["model_hash"] == listed["model_hash"]  # whole, as query says it (trial DM read 12 characters)
    code, out, _ = _run(capsys, ["items", "tiny", "--json"])
    items_listed = json.loads(out)
    assert {key: items_listed[key] for key in ("catalogue_uid", "source_folder", "index_written_at")} == \
        {key: listed[key] for key in ("catalogue_uid", "source_folder", "index_written_at")}
    # ... and so do the explanations, pair and outfit forms (trial DI: a catalogue made anew under the name, its
    # demo ids the same, gave explanations nothing told apart)
    named = ("catalogue", "catalogue_uid", "catalogue_revision", "source_folder", "index_written_at")
    assert {key: result[key] for key in named} == {"catalogue": "tiny", **{key: listed[key] for key in named[1:]}}
    assert result["derived_from"] == record["derived_from"] and result["candidate_content_hash"] == \
        record["candidate"]["content_hash"]
    # ... as do the import and the index that made it (a script builds, then queries)
    code, out, err = _run(capsys, ["import", str(world["catalogue"]), "--name", "tiny", "--json"])
    assert code == 0, err
    assert json.loads(out)["catalogue_uid"] == listed["catalogue_uid"]
    code, out, err = _run(capsys, ["index", str(world["catalogue"]), "--name", "tiny", "--json"])
    assert code == 0, err
    indexed = json.loads(out)
    assert (indexed["catalogue_uid"], indexed["catalogue_revision"]) == (listed["catalogue_uid"],
                                                                         listed["catalogue_revision"])
    code, out, err = _run(capsys, ["explain", "tiny", "--candidate", candidate, "--outfit", query, "--json"])
    assert code == 0, err
    outfit_form = json.loads(out)
    assert {key: outfit_form[key] for key in named[1:]} == {key: listed[key] for key in named[1:]}
    assert outfit_form["outfit_reason"]["model_hash"] == listed["model_hash"]
    # the maps' record names the attribute choice's inputs, and another selection writes other files (trial CZ's
    # new selection wrote its attribute over the same files, the record naming no selection)
    assert record["selection"] is None and record["space"] == result["space"] and len(record["derived_from"]) >= 16
    from sane_desktop.explain.pipeline import SelectionModel
    from sane_desktop.models import load_checkpoint

    bundle = load_checkpoint(world["model"])
    chosen = SelectionModel.default(list(bundle.attributes.attributes))
    chosen.tuned, chosen.model_hash = True, bundle.content_hash
    chosen.prior = [1.0 / (1 + i) for i in range(len(chosen.attributes))]
    chosen.save(tmp_path / "chosen.json")
    code, out, err = _run(capsys, [*argv, "--selection", str(tmp_path / "chosen.json")])
    assert code == 0, err
    other = json.loads(out)
    assert Path(other["maps"]["record"]).name != Path(result["maps"]["record"]).name  # not written over
    other_record = json.loads(Path(other["maps"]["record"]).read_text())
    assert other_record["selection"] == str(tmp_path / "chosen.json")
    assert other_record["derived_from"] != record["derived_from"]
    assert json.loads(Path(result["maps"]["record"]).read_text()) == record  # the first one as it was
    for path in Path(other["maps"]["record"]).parent.glob(Path(other["maps"]["record"]).stem + "*"):
        path.unlink()  # the folder as the lines below know it
    code, out, _ = _run(capsys, [arg for arg in argv if arg != "--json"])
    said = out.splitlines()[-1]
    assert said.startswith(f"maps in {tmp_path / 'maps'} (each .png with its values as .npy): ")
    assert sorted(said.split(": ", 1)[1].split(", ")) == sorted(name for name in written if name.endswith(".png"))
    # into a file: said before the maps are computed, as what it is (trial V read the raw "File exists"
    # and "pass --save-maps DIR", the option just passed)
    blocker = tmp_path / "v_file"
    blocker.write_text("a file")
    code, _, err = _run(capsys, [*argv[:-1], str(blocker)])
    assert code != 0 and err.strip() == f"error: --save-maps {blocker}: {blocker} is a file, not a folder"
    # a disk that fills as the maps are written: why, not "pass --save-maps DIR", the option given (trial CR)
    import errno

    def full_disk(file, _values):  # type: ignore[no-untyped-def]
        Path(file).write_bytes(b"\x93NUMPY")  # a partial file, then the disk says no
        raise OSError(errno.ENOSPC, "No space left on device", str(file))

    with monkeypatch.context() as patched:
        patched.setattr(np, "save", full_disk)
        code, _, err = _run(capsys, [*argv[:-1], str(tmp_path / "maps_full")])
    assert code != 0 and err.strip().startswith(f"error: cannot write the maps to {tmp_path / 'maps_full'} (the disk "
                                                "is full (No space left on device: ") and "--save-maps" not in err, err
    assert not (tmp_path / "maps_full").exists()  # nothing partial left, nor the folder this run made (trial DL)
    # the disk fills after the first map was written: the set is taken away, not left without its record (trial DI)
    real_save, saved = np.save, []

    def second_fails(file, values):  # type: ignore[no-untyped-def]
        if saved:
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        saved.append(file)
        real_save(file, values)

    with monkeypatch.context() as patched:
        patched.setattr(np, "save", second_fails)
        code, out, err = _run(capsys, [*argv[:-1], str(tmp_path / "maps_half")])
    assert code != 0 and saved and not (tmp_path / "maps_half").exists(), err
    kept = tmp_path / "maps_kept"  # a folder the person had: kept, whatever happens to the maps
    kept.mkdir()
    with monkeypatch.context() as patched:
        saved.clear()
        patched.setattr(np, "save", second_fails)
        assert _run(capsys, [*argv[:-1], str(kept)])[0] != 0
    assert kept.is_dir() and list(kept.iterdir()) == []
    text_argv = [part for part in argv[:-1] if part != "--json"]
    with monkeypatch.context() as patched:  # in words: the explanation, then one error line, no note saying it again
        saved.clear()
        patched.setattr(np, "save", second_fails)
        code, out, err = _run(capsys, [*text_argv, str(tmp_path / "maps_text")])
    assert code != 0 and "no maps were saved" not in out and len(err.strip().splitlines()) == 1, (out, err)
    assert "cannot write the maps" in err
    # numpy's own words for a short write (no errno) on a disk that filled: the disk-full line, and the
    # explanation itself printed before it (trial CT: "12544 requested and 7136 written", the text lost)
    import shutil
    from collections import namedtuple

    def short_write(file, _values):  # type: ignore[no-untyped-def]
        raise OSError("12544 requested and 7136 written")

    Usage = namedtuple("Usage", "total used free")
    with monkeypatch.context() as patched:
        patched.setattr(np, "save", short_write)
        patched.setattr(shutil, "disk_usage", lambda _path: Usage(1 << 30, 1 << 30, 4096))
        code, out, err = _run(capsys, [*argv[:-1], str(tmp_path / "maps_short")])
    assert code == 1 and err.strip().startswith(f"error: cannot write the maps to {tmp_path / 'maps_short'} (the disk is "
                                                "full (No space left on device"), err
    shown = json.loads(out)
    assert shown["similarity"] == result["similarity"] and shown["maps"] is None and "maps_not_saved" in shown
    # the second call is served from the cache with the same maps
    code, out, _ = _run(capsys, argv)
    again = json.loads(out)
    assert again["cached"] is True and again["similarity"] == result["similarity"]
    assert np.array_equal(np.load(again["maps"]["query"]), query_map)
    assert np.array_equal(np.load(again["maps"]["attribute"]["query"]), aam["query"])
    # in words: a cached answer does not pass its first run's time off as this one's
    code, out, _ = _run(capsys, argv[:-3])
    first = out.splitlines()[0]
    assert "from the cache; computed in" in first and first.endswith(" ms then)"), first
    # this model has no fitted selection: the text says its attribute was chosen by untuned weights
    from sane_desktop.cli.explain_cmd import UNTUNED_NOTE, render

    assert result["selection_tuned"] is False and UNTUNED_NOTE in out.splitlines()
    assert result["selection"] is None  # the untuned defaults: no file behind them (trial CH asked which file)
    assert UNTUNED_NOTE not in render({**result, "selection_tuned": True}).splitlines()
    # the roles as the window has them (trial AX ran them the other way round and read another ranking)
    assert result["attribute"]
    assert (f"explaining attribute (of {result['query']}, as the window's clicked result beside outfit item "
            f"{result['candidate']}): {result['attribute']}") in render(result).splitlines()
    # every part the choice weighs is in the text, partner and base rate too (trial Y saw them in --json only)
    rows = [line for line in render(result).splitlines() if line.startswith("  ") and " score " in line]
    assert rows and all(" partner " in line for line in rows), rows
    # a base rate of 1 stands for "not known": not printed as "on every item" (trial AA)
    known = [a["base_rate"] < 1 for a in result["attributes"][:5]]
    assert [" base rate " in line for line in rows] == known
    unknown = {**result, "attributes": [{**a, "base_rate": 1.0} for a in result["attributes"]]}
    assert " base rate " not in render(unknown)
    rated = {**result, "attributes": [{**a, "base_rate": 0.25} for a in result["attributes"]]}
    assert all(" base rate 0.250" in line for line in render(rated).splitlines() if " score " in line)
    # the window's steps carry it too (its Details say so)
    from sane_desktop.service import CatalogueService

    service = CatalogueService(tmp_path / "index", device="cpu", rise_masks=8)
    try:
        service.open_catalogue("tiny")
        pks = {item.item_id: item.pk for item in service.current().items.search()}
        steps = list(service.explain(pks[candidate], pks[query], refine=True, chunk=8))
        assert steps and not any(step.selection_tuned for step in steps)
    finally:
        service.close()
    # a new version of the method's maps is not served stale maps from the cache
    from sane_desktop.explain.fast import FastExplainer

    monkeypatch.setattr(FastExplainer, "version", FastExplainer.version + "-next")
    code, out, _ = _run(capsys, argv)
    assert json.loads(out)["cached"] is False
    # nor another build's answers (trial AR: an older build's entry served as "cached": true), whatever
    # version numbers say: the entry names the code that computed it
    from sane_desktop import code_version

    code, out, _ = _run(capsys, argv)
    assert json.loads(out)["cached"] is True
    monkeypatch.setattr(code_version, "code_fingerprint", lambda: "another-build")
    code, out, _ = _run(capsys, argv)
    assert json.loads(out)["cached"] is False
    # --pairs: one JSON object per line
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps([{"query": query, "candidate": candidate}, {"query": query, "candidate": third}]))
    code, out, err = _run(capsys, ["explain", "tiny", "--pairs", str(pairs), "--no-cache"])
    assert code == 0, err
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert [line["candidate"] for line in lines] == [candidate, third]
    assert all(line["method"] == "fast" and line["forward_passes"] == 2 and not line["cached"] for line in lines)
    assert not any("rise_masks" in line for line in lines)
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--method", "rise",
                                   "--rise-masks", "8", "--json", "--no-cache"])
    assert code == 0, err
    assert json.loads(out)["rise_masks"] == 8  # the run's setting, beside its forward passes
    eight = json.loads(out)["maps"]
    # another mask count: its own files, and its record and text say it (trial CH: 200- and 300-mask maps
    # overwrote each other, their record naming no count)
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--method", "rise",
                                   "--rise-masks", "12", "--json", "--no-cache"])
    twelve = json.loads(out)["maps"]
    assert code == 0 and twelve["query"] != eight["query"], err
    assert json.loads(Path(twelve["record"]).read_text())["rise_masks"] == 12
    assert json.loads(Path(eight["record"]).read_text())["rise_masks"] == 8
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--method", "rise",
                                   "--rise-masks", "12"])
    assert "(rise, 12 masks, " in out.splitlines()[0], out
    assert "note:" not in err  # 16 passes: nothing to warn of
    # a method of many passes says so before it starts, and reports them as they go (a trial's
    # sliding window ran 2 minutes on a CPU without a word)
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--method", "sliding",
                                   "--json", "--no-cache"])
    assert code == 0 and json.loads(out)["forward_passes"] == 2 + 1250, err
    assert err.startswith("note: sliding passes 1,250 images through the model for each pair; on a CPU"), err
    from sane_desktop.service import Catalogues

    heard: list[tuple[int, int, str]] = []
    opened = Catalogues().open("tiny")
    try:
        ids = {item.item_id: item for item in opened.items.search()}
        opened.explanations.explain_pair(ids[query], ids[candidate], "rise", n_masks=40, use_cache=False,
                                         progress=lambda done, total, message="": heard.append((done, total, message)))
    finally:
        opened.close()
    assert heard[0] == (0, 80, "Explaining (rise, 80 images)") and heard[-1][:2] == (80, 80)
    assert [done for done, _, _ in heard] == sorted(done for done, _, _ in heard) and len(heard) > 2
    # another model than the index's: said on stderr, the JSON on stdout untouched
    from sane_desktop.models.checkpoint import demo_model_path

    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate, "--json",
                                   "--model", str(demo_model_path()), "--no-cache"])
    assert code == 0 and json.loads(out)["model_hash"] != result["model_hash"]
    assert err.startswith(f"note: explained with --model {demo_model_path()}, not the model the index was built "
                          f"with ({world['model'].resolve()})"), err
    code, out, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", candidate,
                                   "--model", str(world["model"])])  # the index's own: nothing to say
    assert code == 0 and "note: explained with" not in err
    # one-line errors
    code, _, err = _run(capsys, ["explain", "tiny", "--query", query, "--candidate", "no-such-item"])
    assert code == 1 and "no-such-item" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, ["explain", "absent", "--query", query, "--candidate", candidate])
    assert code == 1 and "index" in err


def test_evaluate_explanations_json(world, capsys, tmp_path):
    selection = tmp_path / "selection.json"
    code, out, err = _run(capsys, ["evaluate-explanations", str(world["catalogue"]), "--model", str(world["model"]),
                                   "--pairs", "2", "--method", "fast", "--method", "random", "--method", "rise",
                                   "--rise-masks", "16", "--save-selection", str(selection), "--curves", "--json"])
    assert code == 0, err
    report = json.loads(out)
    # named as evaluate names them, whole (trial DM: "catalogue" held the folder as typed)
    assert report["catalogue_folder"] == str(Path(world["catalogue"]).resolve()) and "catalogue" not in report
    assert report["model"] == str(Path(world["model"]).resolve())
    assert set(report["saliency"]) == {"fast", "random", "rise"}
    fast = report["saliency"]["fast"]
    assert 0.0 <= fast["insertion"]["auc"] <= 1.0 and 0.0 <= fast["deletion"]["auc"] <= 1.0
    assert len(fast["insertion"]["mean_curve"]) == 101 and len(fast["deletion"]["raw_mean_curve"]) == 101
    assert fast["forward_passes_per_map"] == 1 and report["saliency"]["rise"]["forward_passes_per_map"] == 16
    gap = fast["minus_rise"]["insertion"]
    assert abs(gap["mean"] - (fast["insertion"]["auc"] - report["saliency"]["rise"]["insertion"]["auc"])) < 1e-9
    assert gap["ci95"][0] <= gap["mean"] <= gap["ci95"][1] and "minus_rise" not in report["saliency"]["rise"]
    assert set(report["attributes"]["oracle_accuracy"]) == {"confidence", "match", "prior", "partner", "paper",
                                                            "shared_match", "combined"}
    assert "abstention" in report["attributes"] and "weights_degenerate" in report["attributes"]
    assert "pointing_game" in report["ground_truth"] and "theme_accuracy" in report["ground_truth"]
    saved = json.loads(selection.read_text())
    assert saved["tuned"] is True and len(saved["prior"]) == len(saved["attributes"])
    assert report["attributes"]["weights_tuned_on"].startswith("ground truth")  # the world has a ground truth
    # a selection fitted elsewhere is scored as it is, not refitted
    code, out, err = _run(capsys, ["evaluate-explanations", str(world["catalogue"]), "--model", str(world["model"]),
                                   "--pairs", "2", "--method", "fast", "--selection", str(selection), "--json"])
    assert code == 0, err
    again = json.loads(out)["attributes"]
    assert again["weights_tuned_on"] == "given (--selection)" and again["weights"] == saved["weights"]
    assert "note:" not in err  # a few passes per map: nothing to warn of


def test_evaluate_explanations_says_a_long_run_before_it_starts(world, capsys, monkeypatch):
    """Trial H: with its defaults (RISE 2000 masks, the sliding window) on the ImageNet trunk it ran 8
    minutes without a word. The images each pair's maps pass are said first, and the bar counts maps."""
    from sane_desktop.explain import evaluation

    heard: list[tuple[int, int, str]] = []
    real = evaluation.evaluate_explanations

    def listened(*args, **kwargs):  # type: ignore[no-untyped-def]
        said = kwargs["progress"] if "progress" in kwargs else args[7]

        def both(done: int, total: int, message: str = "") -> None:
            heard.append((done, total, message))
            said(done, total, message)

        if "progress" in kwargs:
            kwargs["progress"] = both
        else:
            args = (*args[:7], both, *args[8:])
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate_explanations", listened)
    code, out, err = _run(capsys, ["evaluate-explanations", str(world["catalogue"]), "--model", str(world["model"]),
                                   "--pairs", "2", "--method", "fast", "--method", "rise", "--rise-masks", "600",
                                   "--json"])
    assert code == 0, err
    pairs = json.loads(out)["pairs"]["test"]
    assert len(json.loads(out)["pairs"]["digest"]) == 16  # which pairs, not only how many (trial CP)
    assert f"note: the maps of each of the {pairs} test pairs pass 600 images through the model" in err
    maps = [(done, total) for done, total, message in heard if message == "saliency maps"]
    assert maps[0] == (0, 2 * pairs) and maps[-1] == (2 * pairs, 2 * pairs)  # one step per pair and method


def test_a_selection_beside_the_model_is_found_and_the_index_one_wins(tmp_path):
    from sane_desktop.explain.attribute_choice import SelectionWeights
    from sane_desktop.explain.pipeline import SELECTION_FILE, SelectionModel, find_selection

    names = ["colour:red", "pattern:striped"]
    model = tmp_path / "models" / "demo.pt"
    beside = SelectionModel.default(names)
    beside.weights, beside.tuned = SelectionWeights(0, 0, 0, 1), True
    beside.save(model.with_suffix(".selection.json"))
    index_dir = tmp_path / "index" / "shop"
    assert find_selection(names, index_dir, model).weights == SelectionWeights(0, 0, 0, 1)
    assert not find_selection(["other"], index_dir, model).tuned  # fitted for another vocabulary: passed over
    own = SelectionModel.default(names)
    own.weights = SelectionWeights(1, 2, 0, 0)
    own.save(index_dir / SELECTION_FILE)
    assert find_selection(names, index_dir, model).weights == SelectionWeights(1, 2, 0, 0)
    # the file it came from is named (``explain --json``'s ``selection``; trial CH)
    assert find_selection(names, index_dir, model).source == str(index_dir / SELECTION_FILE)
    assert find_selection(names, None, model).source == str(model.with_suffix(".selection.json"))
    assert find_selection(["other"], None, model).source == ""


def test_maps_of_a_read_only_catalogue_go_to_one_cache_folder(tmp_path, monkeypatch):
    """A read-only catalogue's maps: one folder per catalogue in the user's cache, the same every run
    (a trial found a new temporary folder left behind by every explain)."""
    import os

    from sane_desktop.cli.explain_cmd import _default_maps_dir

    monkeypatch.setattr(os, "access", lambda *_args, **_kwargs: False)  # as on read-only media
    monkeypatch.setenv("SANE_CACHE_HOME", str(tmp_path / "cache"))
    first, again = _default_maps_dir(tmp_path / "shop"), _default_maps_dir(tmp_path / "shop")
    assert first == again and first.is_relative_to(tmp_path / "cache")
    assert _default_maps_dir(tmp_path / "other") != first


def test_save_selection_is_refused_for_a_model_without_attributes_and_a_failed_save_keeps_the_figures(
        world, capsys, tmp_path, monkeypatch):
    """Trial CU: `--save-selection FILE` with a model without an attribute network ran the whole evaluation, exit
    0, and wrote nothing; a save failing after the run (a disk filled) lost the figures to "error: …"."""
    import errno

    import torch

    from sane_desktop.explain.pipeline import SelectionModel
    from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from tests.retrieval_world import DEMO_CATEGORIES

    torch.manual_seed(0)
    plain = tmp_path / "plain.pt"
    save_checkpoint(plain, ModelBundle(CompatibilityNet(DEMO_CATEGORIES, width=8), None, Preprocessing(size=64)))
    selection = tmp_path / "selection.json"
    argv = ["evaluate-explanations", str(world["catalogue"]), "--pairs", "2", "--method", "fast", "--method", "random",
            "--save-selection", str(selection)]
    code, out, err = _run(capsys, [*argv[:2], "--model", str(plain), *argv[2:]])
    assert code == 1 and not out and err.strip() == ("error: no selection can be fitted: the model has no attribute "
                                                     "network (a selection chooses among its attributes)"), err
    assert not selection.exists()

    def full_disk(self, path):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(SelectionModel, "save", full_disk)
    code, out, err = _run(capsys, [*argv[:2], "--model", str(world["model"]), *argv[2:], "--json"])
    assert code == 1 and json.loads(out)["saliency"]["fast"]["insertion"]["auc"] >= 0  # the figures, printed
    assert json.loads(out)["selection_not_saved"].startswith("the disk is full")
    assert err.strip().splitlines()[-1].startswith("error: the figures above are whole, but the selection could not "
                                                   f"be written to {selection} (the disk is full"), err


def test_what_an_explanation_was_derived_from_is_keyed_without_the_programs_code() -> None:
    """A review: the maps' file names changed with every build (the code's fingerprint was in their key), and old
    files piled up; a selection or a space changed still gives another key."""
    import json as json_

    from sane_desktop.explain.cache import ExplanationIdentity
    from sane_desktop.service.explanation import _inputs_key

    def identity(**options: object) -> ExplanationIdentity:
        base = {"selection": "s1", "space": 3, "code": "build-1"}
        return ExplanationIdentity("m", "a@h#l", "b@h#l", "fast", json_.dumps({**base, **options}, sort_keys=True))

    assert _inputs_key(identity()) == _inputs_key(identity(code="build-2"))
    assert _inputs_key(identity()) != _inputs_key(identity(selection="s2"))
    assert _inputs_key(identity()) != _inputs_key(identity(space=4))


def test_the_pair_text_hedges_an_attribute_the_explained_item_hardly_shows() -> None:
    """Trial DL: `explain` printed "explaining attribute (of 681722518 …): motif:heart" for an item the model put at
    0.016 for a heart, where the window now says "this item hardly shows it"."""
    from sane_desktop.cli.explain_cmd import render

    entry = {"name": "motif:heart", "score": -1.0, "confidence": 0.016, "match": 0.5, "prior": 0.2, "partner": 0.99,
             "base_rate": 0.1}
    result = {"query": "681722518", "candidate": "212069389", "similarity": 0.4, "method": "fast", "seconds": 0.01,
              "cached": False, "abstained": "", "attribute": "motif:heart", "attributes": [entry], "maps": None,
              "maps_not_saved": ""}
    said = render(result)
    assert "motif:heart (nearest reason: 681722518 hardly shows it, confidence 0.016)" in said, said
    sure = render({**result, "attributes": [{**entry, "confidence": 0.9}]})
    assert "hardly" not in sure
