"""``sane-desktop cache``: the caches' disk use, and removing what this build never reads (``--clean``) or
everything (``--clear``). Deleting a catalogue left its photos' features (1.2 GB for MANGO) and each build
whose embedding code differs wrote a folder of its own, with no way to free it but deleting folders by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.retrieval.feature_cache import LABEL, FeatureCache, TrunkIdentity, folder_label
from sane_desktop.service.caches import (
    CURRENT, EVERYTHING, EXPLAIN_MAPS, FEATURES, OLDER_FORMAT, OTHER_BUILD, THUMBNAILS, UNLABELLED, UNUSED, cache_report,
    remove_caches, size_words,
)

HASHES = ["a" * 64, "b" * 64, "c" * 64]


def _identity() -> TrunkIdentity:
    return TrunkIdentity("test-trunk", "0" * 64, {"size": 224})


def _features(value: float = 1.0) -> np.ndarray:
    return np.full((len(HASHES), 4, 8), value, np.float16)


def _filled(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A cache folder with every kind of part: this build's features, another build's, a folder written
    before labels, thumbnails of this format and an older one, a read-only catalogue's maps."""
    import sane_desktop.code_version as code_version

    current = FeatureCache(_identity(), root)
    current.add(HASHES, _features())
    with monkeypatch.context() as patched:  # another build: another embedding code
        patched.setattr(code_version, "embedding_code", lambda: "feedfacefeedface")
        other = FeatureCache(_identity(), root)
        other.add(HASHES, _features(2.0))
        label = folder_label(other.folder)
        assert label is not None and label["code"] == "feedfacefeedface"
    assert other.folder != current.folder
    unlabelled = root / "features" / "test-trunk-0123456789abcdef"
    unlabelled.mkdir()
    (unlabelled / "x.npy").write_bytes(b"\0" * 100)
    thumbnails = root / paths.THUMBNAILS_FOLDER / "ab"
    thumbnails.mkdir(parents=True)
    (thumbnails / f"{'a' * 40}_128_{paths.THUMBNAILS_VERSION}.png").write_bytes(b"p" * 300)
    (thumbnails / f"{'a' * 40}_128_v2.png").write_bytes(b"p" * 200)
    (thumbnails / f".{'a' * 40}_128_v3.png.1-2.tmp.png").write_bytes(b"p" * 10)  # a window writing it
    maps = root / paths.EXPLAIN_MAPS_FOLDER / "0123456789abcdef"
    maps.mkdir(parents=True)
    (maps / "pair.npy").write_bytes(b"m" * 50)
    return {"current": current.folder, "other": other.folder, "unlabelled": unlabelled, "maps": maps}


def _states(root: Path) -> dict[tuple[str, str], int]:
    return {(part.kind, part.state): part.files for part in cache_report(root).parts}


def test_the_report_tells_this_builds_parts_from_those_it_never_reads(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    folders = _filled(root, monkeypatch)
    report = cache_report(root)
    by_folder = {(part.kind, part.state): part for part in report.parts}
    assert set(by_folder) == {(FEATURES, CURRENT), (FEATURES, OTHER_BUILD), (FEATURES, UNLABELLED),
                              (THUMBNAILS, CURRENT), (THUMBNAILS, OLDER_FORMAT), (EXPLAIN_MAPS, CURRENT)}
    assert by_folder[FEATURES, CURRENT].folder == folders["current"] and by_folder[FEATURES, CURRENT].photos == 3
    # the data, its hash list and the label
    assert by_folder[FEATURES, CURRENT].files == 3
    assert by_folder[FEATURES, CURRENT].bytes == sum(f.stat().st_size for f in folders["current"].iterdir())
    # the hidden temporary a window is writing is neither listed nor removed
    assert (by_folder[THUMBNAILS, CURRENT].bytes, by_folder[THUMBNAILS, OLDER_FORMAT].bytes) == (300, 200)
    assert report.bytes == sum(part.bytes for part in report.parts)
    assert report.removable(UNUSED) == by_folder[FEATURES, OTHER_BUILD].bytes + 200
    assert report.removable(EVERYTHING) == report.bytes


def test_clean_removes_only_what_this_build_never_reads_and_clear_removes_everything(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    root = tmp_path / "cache"
    folders = _filled(root, monkeypatch)
    before = cache_report(root)
    removal = remove_caches(UNUSED, root)
    assert (removal.files, removal.bytes) == (3 + 1, before.removable(UNUSED))
    assert not folders["other"].exists()  # the folder went with its files
    assert _states(root) == {(FEATURES, CURRENT): 3, (FEATURES, UNLABELLED): 1, (THUMBNAILS, CURRENT): 1,
                             (EXPLAIN_MAPS, CURRENT): 1}
    assert FeatureCache(_identity(), root).missing(HASHES) == []  # this build's features are still served
    assert remove_caches(UNUSED, root).files == 0  # nothing more to clean

    removal = remove_caches(EVERYTHING, root)
    assert removal.after.parts == () and removal.failed == () and removal.foreign == 0
    assert [path.name for path in root.rglob("*") if path.is_file()] == [f".{'a' * 40}_128_v3.png.1-2.tmp.png"]
    assert FeatureCache(_identity(), root).missing(HASHES) == HASHES  # a miss, computed again


def test_removal_leaves_files_it_did_not_write_and_never_follows_a_link(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    _filled(root, monkeypatch)
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "holiday.npy").write_bytes(b"keep")
    (root / "features" / "linked").symlink_to(outside, target_is_directory=True)
    (root / paths.EXPLAIN_MAPS_FOLDER / "notes.txt").write_text("the user's own file")
    (root / paths.THUMBNAILS_FOLDER / "ab" / "link.png").symlink_to(outside / "holiday.npy")
    removal = remove_caches(EVERYTHING, root)
    assert removal.foreign == 1 and (root / paths.EXPLAIN_MAPS_FOLDER / "notes.txt").is_file()
    assert (outside / "holiday.npy").read_bytes() == b"keep"
    assert (root / "features" / "linked").is_symlink() and (root / paths.THUMBNAILS_FOLDER / "ab" / "link.png").is_symlink()


def test_a_process_keeps_the_features_it_added_or_read_when_the_cache_is_cleared_under_it(tmp_path: Path) -> None:
    """`cache --clear` while an index or a training runs: what it added (not scanned yet) and what it read stay
    served from its memory maps; what it adds next goes to a folder made and labelled again."""
    root = tmp_path / "cache"
    writer = FeatureCache(_identity(), root)
    writer.add(HASHES[:2], _features()[:2])
    reader = FeatureCache(_identity(), root)
    assert reader.missing(HASHES) == HASHES[2:]
    remove_caches(EVERYTHING, root)
    assert not writer.folder.exists()
    assert writer.get(HASHES[:2]).shape == (2, 4, 8) and reader.get(HASHES[:2]).shape == (2, 4, 8)
    writer.add(HASHES[2:], _features(3.0)[2:])
    assert float(writer.get(HASHES[2:])[0, 0, 0]) == 3.0
    assert folder_label(writer.folder) == _identity().label() and (writer.folder / LABEL).is_file()
    assert _states(root) == {(FEATURES, CURRENT): 3}


def test_a_file_that_cannot_be_removed_is_said_and_the_rest_goes(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    folders = _filled(root, monkeypatch)
    unlink = os.unlink

    def refused(path: str) -> None:  # as a folder without write permission (or Windows, a mapped file) refuses
        if Path(path).parent == folders["maps"]:
            raise PermissionError(13, "Permission denied", path)
        unlink(path)

    monkeypatch.setattr(os, "unlink", refused)
    removal = remove_caches(EVERYTHING, root)
    assert len(removal.failed) == 1 and "pair.npy" in removal.failed[0] and "Permission denied" in removal.failed[0]
    assert {(part.kind, part.state) for part in removal.after.parts} == {(EXPLAIN_MAPS, CURRENT)}


def test_the_command_lists_cleans_and_clears(tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("SANE_CACHE_HOME", str(root))
    _filled(root, monkeypatch)
    capsys.readouterr()
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Caches in {root}: ") and "3 photos, used by this build" in out
    assert "another build's: never read by this one" in out and "an older format" in out
    assert "--clean frees" in out and "--clear frees" in out
    assert main(["cache", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["action"] is None and listed["root"] == str(root)
    assert {(part["kind"], part["state"]) for part in listed["parts"]} >= {(FEATURES, OTHER_BUILD), (THUMBNAILS, OLDER_FORMAT)}
    assert main(["cache", "--clean", "--json"]) == 0
    cleaned = json.loads(capsys.readouterr().out)
    assert cleaned["action"] == "clean" and cleaned["removed"]["files"] == 4
    assert cleaned["removed"]["bytes"] == listed["removable"]["unused"]
    assert not {(part["kind"], part["state"]) for part in cleaned["parts"]} & {(FEATURES, OTHER_BUILD),
                                                                               (THUMBNAILS, OLDER_FORMAT)}
    assert main(["cache", "--clear"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Removed 6 files (1.2 kB) from the caches.") and f"The caches in {root} are empty." in out
    with pytest.raises(SystemExit) as usage:
        main(["cache", "--clean", "--clear"])
    assert usage.value.code == 1  # the command line's usage errors (tests/test_cli.py)
    assert "argument --clear: not allowed with argument --clean" in capsys.readouterr().err


def test_an_index_after_clear_computes_the_features_again_and_the_search_is_unchanged(
        tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.models.checkpoint import general_model_path
    from sane_desktop.service import building
    from tests.retrieval_world import make_catalogue

    def similar(item: str, name: str = "shop") -> list[tuple[str, float]]:
        capsys.readouterr()
        assert main(["--index-home", str(home), "query", name, "--similar", item, "-k", "5", "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        return [(r["item_id"], round(r["score"], 4)) for results in found["results"].values() for r in results]

    monkeypatch.setenv("SANE_CACHE_HOME", str(tmp_path / "cache"))
    home = tmp_path / "home"
    paths.use_index_home(home)
    try:
        root = make_catalogue(tmp_path / "shop", items=30, seed=3)
        building.index_folder(root, "shop", general_model_path(), workers=0, device="cpu")
    finally:
        paths.use_index_home(None)
    (features,) = [part for part in cache_report().parts if part.kind == FEATURES]
    assert (features.state, features.photos) == (CURRENT, 30)
    capsys.readouterr()
    assert main(["--index-home", str(home), "items", "shop", "-n", "1", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]["item_id"]
    before = similar(item)
    assert before
    assert remove_caches(EVERYTHING).files >= 3 and cache_report().parts == ()
    assert similar(item) == before  # the index never reads the cache
    paths.use_index_home(home)
    try:
        # the same photos as another catalogue: each embedded again, its trunk features computed and cached again
        building.index_folder(root, "again", general_model_path(), workers=0, device="cpu")
    finally:
        paths.use_index_home(None)
    assert [(part.kind, part.state, part.photos) for part in cache_report().parts] == [(FEATURES, CURRENT, 30)]
    assert similar(item, "again") == before


def test_sizes_are_said_as_a_file_manager_says_them() -> None:
    assert [size_words(n) for n in (0, 1, 999, 1000, 99_949, 99_950, 999_499, 999_500, 1_234_567_890)] == [
        "0 bytes", "1 byte", "999 bytes", "1.0 kB", "99.9 kB", "100 kB", "999 kB", "1.0 MB", "1.2 GB"]
