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
    CURRENT, EVERYTHING, EXPLAIN_MAPS, FEATURES, OTHER_VERSION, THUMBNAILS, UNLABELLED, UNUSED, CacheFolderError,
    cache_report, remove_caches, size_words,
)

OLD_THUMBNAIL = f"{'a' * 40}_128_v2.png"
THUMBNAIL = f"{'a' * 40}_128_{paths.THUMBNAILS_VERSION}.png"
TEMPORARY = f".{THUMBNAIL}.1-{'0' * 32}.tmp.png"  # paths.temporary_sibling's name: a window writing it

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
    (unlabelled / f"{'1' * 32}.npy").write_bytes(b"\0" * 100)
    thumbnails = root / paths.THUMBNAILS_FOLDER / "ab"
    thumbnails.mkdir(parents=True)
    (thumbnails / THUMBNAIL).write_bytes(b"p" * 300)
    (thumbnails / OLD_THUMBNAIL).write_bytes(b"p" * 200)
    (thumbnails / TEMPORARY).write_bytes(b"p" * 10)
    maps = root / paths.EXPLAIN_MAPS_FOLDER / "0123456789abcdef"
    maps.mkdir(parents=True)
    (maps / "pair.npy").write_bytes(b"m" * 50)
    return {"current": current.folder, "other": other.folder, "unlabelled": unlabelled, "maps": maps}


def _states(root: Path) -> dict[tuple[str, str], int]:
    return {(part.kind, part.state): part.files for part in cache_report(root).parts}


def on_disk(*files: Path) -> int:
    """The space files take on disk, as a file manager's "size on disk" says it (st_blocks)."""
    return sum(file.stat().st_blocks * 512 for file in files)


def test_the_report_tells_this_versions_parts_from_those_it_never_reads(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    folders = _filled(root, monkeypatch)
    report = cache_report(root)
    by_state = {(part.kind, part.state): part for part in report.parts}
    assert set(by_state) == {(FEATURES, CURRENT), (FEATURES, OTHER_VERSION), (FEATURES, UNLABELLED),
                             (THUMBNAILS, CURRENT), (THUMBNAILS, OTHER_VERSION), (EXPLAIN_MAPS, CURRENT)}
    current = by_state[FEATURES, CURRENT]
    assert current.folder == folders["current"] and current.photos == 3
    assert current.files == 3  # the data, its hash list and the label
    # sizes are space on disk (trial EB: 50,000 tiny files said 3.5 MB against 210 MB)
    assert current.bytes == on_disk(*folders["current"].iterdir())
    thumbnails = root / paths.THUMBNAILS_FOLDER / "ab"
    assert by_state[THUMBNAILS, CURRENT].files == 2  # the thumbnail and a window's temporary
    assert by_state[THUMBNAILS, CURRENT].bytes == on_disk(thumbnails / THUMBNAIL, thumbnails / TEMPORARY)
    assert by_state[THUMBNAILS, OTHER_VERSION].bytes == on_disk(thumbnails / OLD_THUMBNAIL)
    assert report.bytes == sum(part.bytes for part in report.parts) and report.foreign == 0
    assert report.removable(UNUSED) == by_state[FEATURES, OTHER_VERSION].bytes + on_disk(thumbnails / OLD_THUMBNAIL)
    assert report.removable(EVERYTHING) == report.bytes


def test_clean_removes_only_what_this_version_never_reads_and_clear_removes_everything(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    root = tmp_path / "cache"
    folders = _filled(root, monkeypatch)
    before = cache_report(root)
    removal = remove_caches(UNUSED, root)
    assert (removal.files, removal.bytes) == (3 + 1, before.removable(UNUSED))
    assert not folders["other"].exists()  # the folder went with its files
    assert _states(root) == {(FEATURES, CURRENT): 3, (FEATURES, UNLABELLED): 1, (THUMBNAILS, CURRENT): 2,
                             (EXPLAIN_MAPS, CURRENT): 1}
    assert FeatureCache(_identity(), root).missing(HASHES) == []  # this version's features are still served
    assert remove_caches(UNUSED, root).files == 0  # nothing more to clean

    removal = remove_caches(EVERYTHING, root)
    assert removal.after.parts == () and removal.failed == () and removal.after.foreign == 0
    assert [path for path in root.rglob("*") if path.is_file()] == []  # "empty" is empty (trial EB: temporaries)
    assert FeatureCache(_identity(), root).missing(HASHES) == HASHES  # a miss, computed again


def _users_files(folder: Path) -> list[Path]:
    """A folder of the user's own, with names the caches also use (.npy, .png, .json, .hashes, .tmp)."""
    made = []
    for where in (folder, folder / "sub", folder / "ab"):
        where.mkdir(parents=True, exist_ok=True)
        for name in ("keep.npy", "keep.hashes", "keep.json", "keep.png", "keep.tmp", "keep.txt", "holiday.png"):
            (where / name).write_bytes(b"mine")
            made.append(where / name)
    return made


def test_removal_leaves_files_it_did_not_write_and_never_follows_a_link_inside(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    _filled(root, monkeypatch)
    outside = tmp_path / "mine"
    mine = _users_files(outside)
    (root / "features" / "linked-0123456789abcdef").symlink_to(outside, target_is_directory=True)
    (root / paths.EXPLAIN_MAPS_FOLDER / "notes.txt").write_text("the user's own file")
    (root / paths.THUMBNAILS_FOLDER / "ab" / "my_holiday.png").write_text("a picture of the user's")
    (root / paths.THUMBNAILS_FOLDER / "ab" / f"{'c' * 40}_128_v3.png").symlink_to(outside / "keep.png")
    assert cache_report(root).foreign == 2  # the two files the caches did not write; links are no files
    removal = remove_caches(EVERYTHING, root)
    assert removal.after.foreign == 2 and (root / paths.EXPLAIN_MAPS_FOLDER / "notes.txt").is_file()
    assert (root / paths.THUMBNAILS_FOLDER / "ab" / "my_holiday.png").is_file()
    assert all(file.read_bytes() == b"mine" for file in mine)
    assert (root / "features" / "linked-0123456789abcdef").is_symlink()


@pytest.mark.parametrize("part", ["features", paths.THUMBNAILS_FOLDER, paths.EXPLAIN_MAPS_FOLDER])
def test_a_part_that_is_a_link_is_followed_for_the_caches_own_files_only(tmp_path: Path, part: str) -> None:
    """Trial EB linked thumbnails/ and explain-maps/ to a folder of its own: --clear removed every .npy, .png,
    .json, .hashes and .tmp there. A part moved to another disk and linked back is cleaned; the user's files and
    folders in it are left."""
    root = tmp_path / "cache"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    mine = _users_files(outside)
    (root / part).symlink_to(outside, target_is_directory=True)
    if part == "features":
        cache = FeatureCache(_identity(), root)
        cache.add(HASHES, _features())
        own = [cache.folder]
    elif part == paths.THUMBNAILS_FOLDER:
        (outside / "ab" / THUMBNAIL).write_bytes(b"p")
        own = [outside / "ab" / THUMBNAIL]
    else:
        (outside / "0123456789abcdef").mkdir()
        (outside / "0123456789abcdef" / "pair.npy").write_bytes(b"m")
        own = [outside / "0123456789abcdef" / "pair.npy"]
    assert [part.files for part in cache_report(root).parts] == [3 if part == "features" else 1]
    removal = remove_caches(EVERYTHING, root)
    assert removal.files == (3 if part == "features" else 1) and removal.after.parts == ()
    assert not any(path.exists() for path in own if path.is_file())
    assert all(file.read_bytes() == b"mine" for file in mine) and (outside / "sub").is_dir()
    assert (root / part).is_symlink()


def test_a_cache_folder_that_is_a_file_is_said_as_such(tmp_path: Path, monkeypatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EB: "The caches in /tmp/file are empty.", exit 0."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheFolderError, match="is a file"):
        cache_report(blocker / "cache")
    monkeypatch.setenv("SANE_CACHE_HOME", str(blocker))
    capsys.readouterr()
    assert main(["cache"]) == 1
    assert capsys.readouterr().err.startswith(f"error: the cache folder {blocker} cannot be a folder: {blocker} is a file")


def test_removal_says_its_progress_and_stops_when_asked(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "cache"
    _filled(root, monkeypatch)
    thumbnails = root / paths.THUMBNAILS_FOLDER / "cd"
    thumbnails.mkdir()
    for n in range(1200):
        (thumbnails / f"{n:040x}_128_v2.png").write_bytes(b"p")
    said: list[tuple[int, int]] = []
    removal = remove_caches(UNUSED, root, progress=lambda done, total: said.append((done, total)))
    assert said == [(500, 1204), (1000, 1204), (1204, 1204)] and removal.files == 1204 and not removal.stopped
    thumbnails.mkdir()  # removed with its last file
    for n in range(1200):
        (thumbnails / f"{n:040x}_128_v2.png").write_bytes(b"p")
    asked = iter(range(10_000))
    removal = remove_caches(UNUSED, root, should_stop=lambda: next(asked) >= 700)
    assert removal.stopped and removal.files == 700
    assert sum(part.files for part in removal.after.parts if part.state == OTHER_VERSION) == 500


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
    assert removal.failed == (f"cannot remove {folders['maps'] / 'pair.npy'}: Permission denied",)
    assert {(part.kind, part.state) for part in removal.after.parts} == {(EXPLAIN_MAPS, CURRENT)}


def test_the_command_lists_cleans_and_clears(tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("SANE_CACHE_HOME", str(root))
    _filled(root, monkeypatch)
    capsys.readouterr()
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Caches in {root}: ") and " on disk\n" in out and "3 photos, in use" in out
    assert out.count("not needed: made by another version of SANE Desktop") == 2
    assert "--clean frees" in out and "--clear frees" in out
    assert "in use (thumbnails)" not in out  # the folder only where it says more than the part's name (trial ED)
    assert main(["cache", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["action"] is None and listed["root"] == str(root) and listed["foreign_files"] == 0
    assert {(part["kind"], part["state"]) for part in listed["parts"]} >= {(FEATURES, OTHER_VERSION),
                                                                           (THUMBNAILS, OTHER_VERSION)}
    assert main(["cache", "--clean", "--json"]) == 0
    cleaned = json.loads(capsys.readouterr().out)
    assert cleaned["action"] == "clean" and cleaned["removed"]["files"] == 4 and cleaned["removed"]["not_removed"] == []
    assert cleaned["removed"]["bytes"] == listed["removable"]["unused"]
    assert OTHER_VERSION not in {part["state"] for part in cleaned["parts"]}
    assert main(["cache", "--clear"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Removed 7 files (") and f"The caches in {root} are empty." in out
    with pytest.raises(SystemExit) as usage:
        main(["cache", "--clean", "--clear"])
    assert usage.value.code == 1  # the command line's usage errors (tests/test_cli.py)
    assert "argument --clear: not allowed with argument --clean" in capsys.readouterr().err


def test_files_that_cannot_be_removed_are_a_failure_named_in_a_few_lines_and_all_in_the_json(
        tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EB: 2,000 files that could not be removed gave 2,000 note lines, exit 0, and a count in the JSON."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SANE_CACHE_HOME", str(root))
    thumbnails = root / paths.THUMBNAILS_FOLDER / "ab"
    thumbnails.mkdir(parents=True)
    for n in range(30):
        (thumbnails / f"{n:040x}_128_v3.png").write_bytes(b"p")
    unlink = os.unlink

    def refused(path: str) -> None:
        if Path(path).name < f"{25:040x}":
            raise PermissionError(1, "Operation not permitted", path)
        unlink(path)

    monkeypatch.setattr(os, "unlink", refused)
    capsys.readouterr()
    assert main(["cache", "--clear"]) == 1
    captured = capsys.readouterr()
    notes = captured.err.splitlines()
    assert len(notes) == 11 and notes[0].startswith(f"note: cannot remove {thumbnails}/") and \
        notes[0].endswith(": Operation not permitted")
    assert notes[-1] == "note: … and 15 more files that could not be removed (--json lists them)"
    assert captured.out.startswith("Removed 5 files (") and "; 25 could not be removed (named above)." in captured.out
    for n in range(25, 30):
        (thumbnails / f"{n:040x}_128_v3.png").write_bytes(b"p")
    assert main(["cache", "--clear", "--json"]) == 1
    not_removed = json.loads(capsys.readouterr().out)["removed"]["not_removed"]
    assert len(not_removed) == 25 and all(line.endswith(": Operation not permitted") for line in not_removed)


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


def test_each_catalogue_s_saved_explanations_are_listed_and_cleared(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EP: 440 explanations left 66 MB in the catalogues' index folders (up to 512 MB each), which neither
    `cache` nor Help → Caches and disk space listed. They are a part each now, removed by --clear; the explain
    command's maps beside them (explanations/maps/, asked for) and other files stay."""
    from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity
    from sane_desktop.service.caches import EXPLANATIONS

    home = tmp_path / "index"
    for name in ("demo", "shop"):
        cache = ExplanationCache(home / name / "explanations")
        cache.put(ExplanationIdentity("m" * 64, "q", "c", "fast"), {"score": 1.0}, {"map": np.ones((7, 7), np.float32)})
    (home / "demo" / "explanations" / "maps").mkdir()
    (home / "demo" / "explanations" / "maps" / "pair_query.npy").write_bytes(b"kept")
    (home / "demo" / "explanations" / "notes.txt").write_text("the user's")
    report = cache_report(tmp_path / "cache", index_home=home)
    parts = [part for part in report.parts if part.kind == EXPLANATIONS]
    assert [(part.folder, part.files, part.kind_words()) for part in parts] == [
        (home / "demo" / "explanations", 2, "saved explanations of “demo”"),
        (home / "shop" / "explanations", 2, "saved explanations of “shop”")]
    assert report.removable(UNUSED) == 0 and report.removable(EVERYTHING) == sum(part.bytes for part in parts) > 0
    removal = remove_caches(EVERYTHING, tmp_path / "cache", index_home=home)
    assert removal.files == 4 and not [part for part in removal.after.parts if part.kind == EXPLANATIONS]
    assert (home / "demo" / "explanations" / "maps" / "pair_query.npy").read_bytes() == b"kept"
    assert (home / "demo" / "explanations" / "notes.txt").is_file()
    # the command line: the app's index home by default, each catalogue's part named
    assert main(["--index-home", str(home), "cache", "--json"]) == 0
    assert not [part for part in json.loads(capsys.readouterr().out)["parts"] if part["kind"] == EXPLANATIONS]
    cache = ExplanationCache(home / "shop" / "explanations")
    cache.put(ExplanationIdentity("m" * 64, "q", "c", "fast"), {"score": 1.0}, {"map": np.ones((7, 7), np.float32)})
    assert main(["--index-home", str(home), "cache"]) == 0
    out = capsys.readouterr().out
    assert "and the catalogues' index folders" in out and "saved explanations of “shop”" in out, out
    assert main(["--index-home", str(home), "cache", "--clear"]) == 0
    assert not list((home / "shop" / "explanations").glob("*.npz"))
