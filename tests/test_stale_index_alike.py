"""Trial BA: every command that uses an index, or explains what it ranked, says the same of a stale one,
and the way out it gives works without losing the catalogue's model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.manifest import read_index_manifest
from tests.closet_world import make_closet


@pytest.fixture()
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    root, home, model = make_closet(tmp_path / "closet"), tmp_path / "home", tmp_path / "models" / "m.pt"
    model.parent.mkdir()
    shutil.copyfile(demo_model_path(), model)  # the catalogue's own model, outside its folder (not a bundled file)
    assert main(["--index-home", str(home), "index", str(root), "--name", "shop", "--model", str(model),
                 "--workers", "0", "--device", "cpu", "--json"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "items", "shop", "--json"]) == 0
    ids = [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]]
    return {"root": root, "home": home, "model": model, "ids": ids}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip()


def test_explain_spells_out_the_reindex_of_a_model_changed_under_the_index(
        shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.models.checkpoint import bundled_model_paths

    general = next(path for path in bundled_model_paths() if path.name != demo_model_path().name)
    shutil.copyfile(general, shop["model"])  # another model in the file the index names
    base = ["--index-home", str(shop["home"])]
    command = f"(sane-desktop index {shop['root']} --name shop)"
    code, err = _run(capsys, *base, "query", "shop", "--outfit", shop["ids"][0])
    assert code == 3 and err.endswith(command), err
    code, err = _run(capsys, *base, "explain", "shop", "--query", shop["ids"][0], "--candidate", shop["ids"][-1])
    assert code == 3 and "built with another model" in err and err.endswith(command), err


def test_a_newer_index_is_said_alike_by_query_and_explain(shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    manifest_file = shop["home"] / "shop" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps({**data, "format_version": data["format_version"] + 1}))
    base = ["--index-home", str(shop["home"])]
    said = [_run(capsys, *base, "query", "shop", "--outfit", shop["ids"][0]),
            _run(capsys, *base, "explain", "shop", "--query", shop["ids"][0], "--candidate", shop["ids"][-1])]
    assert [code for code, _ in said] == [3, 3]
    assert all("written by a newer version of SANE Desktop" in err for _, err in said), said


def test_a_hand_edited_manifest_is_mended_by_the_reindex_it_asks_for_with_the_catalogues_own_model(
        shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """A category map edited by hand makes the manifest unreadable; the refusal named no way out, and the
    plain re-index a user would run swapped the catalogue's own model for the bundled one."""
    manifest_file = shop["home"] / "shop" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    category = next(iter(data["indexes"]))
    data["category_map"][category] = next(c for c in data["model_categories"] if c != data["category_map"][category])
    manifest_file.write_text(json.dumps(data))
    base = ["--index-home", str(shop["home"])]
    code, err = _run(capsys, *base, "query", "shop", "--outfit", shop["ids"][0])
    assert code == 3 and "not a readable index manifest" in err
    assert err.endswith(f"(sane-desktop index {shop['root']} --name shop)"), err
    assert main([*base, "index", str(shop["root"]), "--name", "shop", "--workers", "0", "--device", "cpu",
                 "--json"]) == 0
    capsys.readouterr()
    mended = read_index_manifest(shop["home"] / "shop")
    assert mended is not None and Path(mended.model_path) == shop["model"].resolve()  # not the bundled model
    # a manifest that names no model at all: the model is not known, and it is asked for, not guessed
    manifest_file.write_text("{not json")
    # the search's refusal gives the command the re-index takes then: with --model (trial BQ followed the
    # command without it, and the re-index refused)
    code, err = _run(capsys, *base, "query", "shop", "--outfit", shop["ids"][0])
    assert code == 3 and f"(sane-desktop index {shop['root']} --name shop --model FILE)" in err, err
    code, err = _run(capsys, *base, "index", str(shop["root"]), "--name", "shop", "--workers", "0", "--device", "cpu")
    assert code != 0 and "the model this catalogue was indexed with is not known" in err and "--model" in err, err


def test_the_catalogue_list_says_an_index_whose_model_changed_or_whose_manifest_is_unreadable_is_out_of_date(
        shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BA: with the model file retrained (or replaced) under the index, and with a hand-edited
    manifest, every search refused while `catalogues` listed the index as usable, or as "not indexed"."""
    from sane_desktop.models.checkpoint import bundled_model_paths

    base = ["--index-home", str(shop["home"])]

    def listed() -> dict:
        assert main([*base, "catalogues", "--json"]) == 0
        return json.loads(capsys.readouterr().out)["catalogues"][0]

    assert not listed()["out_of_date"] and listed()["stale_reason"] == ""
    general = next(path for path in bundled_model_paths() if path.name != demo_model_path().name)
    original = shop["model"].read_bytes()
    shutil.copyfile(general, shop["model"])
    entry = listed()
    assert entry["out_of_date"] and entry["stale_reason"].startswith("the model file m.pt holds another model now"), entry
    assert main([*base, "catalogues"]) == 0
    assert "out of date (the model file m.pt holds another model now" in capsys.readouterr().out
    shop["model"].write_bytes(original)
    assert not listed()["out_of_date"]
    (shop["home"] / "shop" / "manifest.json").write_text("{not json")
    entry = listed()
    assert entry["out_of_date"] and entry["stale_reason"] == "its index manifest cannot be read", entry
    assert entry["model_unknown"], entry  # the re-index must be given the model (trial BR)
    assert main([*base, "catalogues"]) == 0
    text = capsys.readouterr().out
    assert "model not known" in text and "not indexed" not in text, text
    assert "re-index it naming its model (--model FILE)" in text, text


def test_explain_says_another_databases_catalogue_as_query_does_before_looking_up_ids(
        shop: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BA: with another home's catalogue.db of the same name copied in, `query` said the index was
    built from another database's catalogue (exit 3) and `explain` said "unknown item ids" (exit 1)."""
    other_root = make_closet(tmp_path / "other")
    for photo in [p for p in other_root.rglob("*") if p.is_file()]:
        photo.rename(photo.with_name(f"b_{photo.name}"))
    other_home = tmp_path / "home2"
    assert main(["--index-home", str(other_home), "index", str(other_root), "--name", "shop", "--model",
                 str(shop["model"]), "--workers", "0", "--device", "cpu", "--json"]) == 0
    capsys.readouterr()
    shutil.copyfile(other_home / "shop" / "catalogue.db", shop["home"] / "shop" / "catalogue.db")
    base = ["--index-home", str(shop["home"])]
    code_query, err_query = _run(capsys, *base, "query", "shop", "--outfit", shop["ids"][0])
    code_explain, err_explain = _run(capsys, *base, "explain", "shop", "--query", shop["ids"][0],
                                     "--candidate", shop["ids"][-1])
    assert code_query == code_explain == 3, (err_query, err_explain)
    assert "another database's catalogue" in err_explain and "unknown item ids" not in err_explain, err_explain


def test_the_catalogue_list_says_an_index_whose_files_are_gone_is_out_of_date(
        shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BB: with the index's FAISS folder deleted, `query` refused and the list called it usable."""
    shutil.rmtree(shop["home"] / "shop" / "faiss")
    assert main(["--index-home", str(shop["home"]), "catalogues", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)["catalogues"][0]
    assert entry["out_of_date"] and "are missing" in entry["stale_reason"], entry


def test_the_catalogue_list_says_why_a_reimported_catalogue_is_out_of_date(
        shop: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BQ: after a re-import, `catalogues` said "out of date" alone (`stale_reason` ""), where `query`
    said "re-imported since indexing (revision 1, now 2)"."""
    photo = next(path for path in sorted(Path(shop["root"]).rglob("*")) if path.suffix.lower() in (".jpg", ".png"))
    shutil.copyfile(photo, photo.with_name(f"copy of {photo.name}"))
    base = ["--index-home", str(shop["home"])]
    assert main([*base, "import", str(shop["root"]), "--name", "shop", "--json"]) == 0
    capsys.readouterr()
    assert main([*base, "catalogues", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)["catalogues"][0]
    assert entry["out_of_date"] and entry["stale_reason"].startswith("re-imported since indexing, revision "), entry
    assert main([*base, "catalogues"]) == 0
    assert "out of date (re-imported since indexing, revision" in capsys.readouterr().out
