"""Trial AD: an index written by a newer version was called "out of date" ("re-run sane-desktop index"), in
nested parentheses that, with the version left as this one's, contradicted themselves; a newer manifest with
a field this version does not know gave no way out. Both now say a newer version wrote it, and the two ways on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.retrieval.manifest import FORMAT_VERSION, MANIFEST_NAME
from sane_desktop.service import building
from tests.retrieval_world import make_catalogue, make_model


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    root = make_catalogue(tmp_path / "shop", items=30, seed=4)
    building.index_folder(root, "shop", make_model(tmp_path / "model.pt"), workers=0, device="cpu")
    return paths.catalogue_dir("shop") / MANIFEST_NAME


def _two_items(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Ids of two items of different categories."""
    capsys.readouterr()
    assert main(["items", "shop", "--json", "-n", "100"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    first = items[0]
    second = next(item for item in items if item["category"] != first["category"])
    return first["item_id"], second["item_id"]


def refusal(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["items", "shop", "-n", "1"]) == 0  # the database is readable whatever the index
    first = capsys.readouterr().out.splitlines()[0].split()[0]
    assert main(["query", "shop", "--outfit", first]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_a_newer_format_is_said_to_be_newer_not_out_of_date(manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format_version": FORMAT_VERSION + 1, "app_version": "sane-desktop 9.0.0"}))
    err = refusal(capsys)
    assert "was written by a newer version of SANE Desktop (sane-desktop 9.0.0)" in err, err
    assert "out of date" not in err and "open it with that version, or index the catalogue again" in err, err
    # explain reads the index's category map: refused the same way, not answered from it (trial AE)
    first, second = _two_items(capsys)
    assert main(["explain", "shop", "--query", first, "--candidate", second]) == 3
    err = capsys.readouterr().err.strip()
    assert "was written by a newer version of SANE Desktop (sane-desktop 9.0.0)" in err and len(err.splitlines()) == 1


def test_a_newer_manifests_unknown_field_gives_the_way_on(manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "future_field": 1, "app_version": "sane-desktop 9.0.0"}))
    err = refusal(capsys)
    assert "unknown field 'future_field', written by sane-desktop 9.0.0" in err
    assert "open it with that version, or index the catalogue again with this one" in err, err


def test_another_catalogues_index_restored_here_is_named(manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AD restored a backup of an index from before a rename: "no catalogue named 'hm' in the
    store", exit 1, no way on."""
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "catalogue": "shop-before-rename"}))
    err = refusal(capsys)
    assert "holds the index of catalogue 'shop-before-rename', not 'shop'" in err and "--replace" in err, err
