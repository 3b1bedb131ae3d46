"""An index's vectors made by another build (trial AR's kind: an artefact of one build used by
another). The manifest records the fingerprint of the code that turns photo files into vectors
(decoding, preprocessing, the networks); search refuses an index whose fingerprint is not this
build's, and a re-index embeds every photo again. A sample of photos computed again is no proof:
trial AU's decoding change and its change to wide photos only passed a three-photo check, and a
plain re-index then stamped this build's fingerprint on the other build's vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.code_version import EMBEDDING_CODE, PACKAGE, embedding_code, fingerprint_of
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


def _rewrite_code(home: Path, value: str | None) -> None:
    manifest_file = home / "closet" / "manifest.json"
    data = json.loads(manifest_file.read_text())
    if value is None:
        del data["embedding_code"]
    else:
        data["embedding_code"] = value
    manifest_file.write_text(json.dumps(data))


@pytest.mark.parametrize("recorded, says", [
    ("fedcba9876543210", "built by another build of SANE Desktop of this same version (sane-desktop"),
    (None, "built before SANE Desktop recorded the code that computes its vectors"),
])
def test_another_builds_index_is_refused_then_embedded_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], recorded: str | None, says: str) -> None:
    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    first = _index(capsys, home, root)
    assert read_index_manifest(home / "closet").embedding_code == embedding_code()  # type: ignore[union-attr]
    assert main(["--index-home", str(home), "items", "closet", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["items"]
    item, other = listed[0]["item_id"], listed[-1]["item_id"]
    code, before, err = _query(capsys, home, item)
    assert code == 0, err
    explain = ["--index-home", str(home), "explain", "closet", "--query", item, "--candidate", other, "--no-cache"]
    assert main(explain) == 0, capsys.readouterr().err
    capsys.readouterr()

    _rewrite_code(home, recorded)  # written by other code, or before the fingerprint was kept
    code, _, err = _query(capsys, home, item)
    assert code == 3 and "\n" not in err, err
    assert says in err
    # the command spelt out, with the folder it was imported from (trial AV: the bare words sent a user to
    # "index demo", no such folder, then to a second catalogue named after the folder)
    assert err.endswith(f"re-index it (sane-desktop index {root} --name closet)"), err
    # the catalogue list says so too (it listed the index as usable)
    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["catalogues"][0]
    assert listed["out_of_date"] and says in listed["stale_reason"], listed
    assert main(["--index-home", str(home), "catalogues"]) == 0
    assert f"out of date ({listed['stale_reason']}): re-index it" in capsys.readouterr().out
    # nor is a match explained with other code than the vectors that ranked it (trial AT: `explain` answered)
    assert main(explain) == 3
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err and err.endswith(f"(sane-desktop index {root} --name closet)"), err

    # the re-index it asks for embeds every photo again (no sample vouches for the rest) and records this build
    again = _index(capsys, home, root)
    assert again["embedded"] == first["embedded"] > 0 and again["rebuilt"] is True
    assert "every photo embedded again" in again["note"]
    assert read_index_manifest(home / "closet").embedding_code == embedding_code()  # type: ignore[union-attr]
    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["catalogues"][0]
    assert not listed["out_of_date"] and listed["stale_reason"] == ""
    code, after, err = _query(capsys, home, item)
    assert code == 0, err
    assert json.loads(after)["results"] == json.loads(before)["results"]
    assert _index(capsys, home, root)["embedded"] == 0  # this build's own: nothing again


def test_the_fingerprint_covers_decoding_as_well_as_the_networks(tmp_path: Path) -> None:
    """Trial AU changed the resampling filter of catalogue/images.load_rgb's pre-shrink: the fingerprint
    of models/ and retrieval/embedding.py alone stayed the same."""
    import shutil

    assert "catalogue/images.py" in EMBEDDING_CODE
    copy = tmp_path / "sane_desktop"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    assert fingerprint_of(copy, EMBEDDING_CODE) == embedding_code()
    decoding = copy / "catalogue" / "images.py"
    decoding.write_text(decoding.read_text(encoding="utf-8").replace("BILINEAR", "BICUBIC"), encoding="utf-8")
    assert fingerprint_of(copy, EMBEDDING_CODE) != embedding_code()


@pytest.mark.parametrize("recorded, reused", [
    ("fedcba9876543210", False),  # a run of another build stopped before its build (trial AU's leftover)
    (None, False),                # one of a version that did not record its code: not known to be this build's
    ("this build", True),         # this build's own stopped run: it goes on from there
])
def test_a_stopped_runs_vectors_are_kept_only_when_this_build_computed_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], recorded: str | None, reused: bool) -> None:
    """A first index stopped before its build leaves vectors and no manifest; the next run kept them as
    "unchanged" whatever build computed them. Each run now records its code before embedding."""
    from sane_desktop.retrieval.indexing.embedded_by import MARK_NAME

    root, home = make_closet(tmp_path / "closet"), tmp_path / "home"
    first = _index(capsys, home, root)
    (home / "closet" / "manifest.json").unlink()  # as a stopped first run leaves it: vectors, no manifest
    mark = home / "closet" / MARK_NAME
    assert json.loads(mark.read_text()) == {"embedding_code": embedding_code()}
    if recorded is None:
        mark.unlink()
    elif recorded != "this build":
        mark.write_text(json.dumps({"embedding_code": recorded}))
    again = _index(capsys, home, root)
    if reused:
        assert again["embedded"] == 0 and "embedded again" not in (again["note"] or "")
    else:
        assert again["embedded"] == first["embedded"] > 0 and "every photo embedded again" in again["note"], again
    assert json.loads(mark.read_text()) == {"embedding_code": embedding_code()}

