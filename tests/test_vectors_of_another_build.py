"""An index's vectors made by another build (trial AR's kind: an artefact of one build used by
another). The manifest records the fingerprint of the code that turned photos into vectors; when it
is not this build's, a few stored vectors are computed again from their photos: equal, the index
stands (most upgrades change no vector); different, search refuses in one line and a re-index embeds
every photo again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sane_desktop.cli import main
from sane_desktop.code_version import embedding_code
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.manifest import read_index_manifest
from tests.closet_world import make_closet


def _index(capsys: pytest.CaptureFixture[str], home: Path, root: Path) -> dict:
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--workers", "0",
                 "--device", "cpu", "--json", "--model", str(demo_model_path())])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def _query(capsys: pytest.CaptureFixture[str], home: Path, item: str) -> tuple[int, str, str]:
    code = main(["--index-home", str(home), "query", "closet", "--outfit", item, "-k", "3", "--json"])
    out = capsys.readouterr()
    return code, out.out, out.err.strip()


def _rewrite_code(home: Path, value: str) -> None:
    manifest_file = home / "closet" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    data["embedding_code"] = value
    manifest_file.write_text(json.dumps(data))


def test_another_builds_vectors_are_checked_then_used_or_refused_and_embedded_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sane_desktop.retrieval import embedding

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    first = _index(capsys, home, root)
    assert read_index_manifest(home / "closet").embedding_code == embedding_code()  # type: ignore[union-attr]
    assert main(["--index-home", str(home), "items", "closet", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]["item_id"]
    code, before, err = _query(capsys, home, item)
    assert code == 0, err

    # written by a build whose code differs, but which computes the same vectors: used as it is
    _rewrite_code(home, "0123456789abcdef")
    code, same, err = _query(capsys, home, item)
    assert code == 0, err
    assert json.loads(same)["results"] == json.loads(before)["results"]

    # ... and by one whose vectors differ (this build's pipeline made to compute others): refused
    _rewrite_code(home, "fedcba9876543210")
    real = embedding.embed_one

    def other_vectors(bundle, path, data=None):  # type: ignore[no-untyped-def]
        vector, cells, scores = real(bundle, path, data)
        return np.roll(vector, 7), cells, scores

    monkeypatch.setattr(embedding, "embed_one", other_vectors)
    code, _, err = _query(capsys, home, item)
    assert code == 3 and "\n" not in err, err
    assert "built by another build of SANE Desktop" in err and "whose vectors differ from this one's" in err
    assert err.endswith("re-run sane-desktop index")

    # the re-index it asks for embeds every photo again and records this build's code
    again = _index(capsys, home, root)
    assert again["embedded"] == first["embedded"] > 0
    assert "computes other vectors than the one that built the index" in again["note"]
    assert read_index_manifest(home / "closet").embedding_code == embedding_code()  # type: ignore[union-attr]
    code, _, err = _query(capsys, home, item)
    assert code == 0, err  # this build's own vectors: not checked again


def test_a_plain_reindex_after_an_upgrade_that_changed_no_vector_keeps_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    _index(capsys, home, root)
    _rewrite_code(home, "")  # an index written before the fingerprint was kept
    again = _index(capsys, home, root)
    assert again["embedded"] == 0 and again["rebuilt"] is True
    assert "computes other vectors" not in (again["note"] or "")
    assert read_index_manifest(home / "closet").embedding_code == embedding_code()  # type: ignore[union-attr]
