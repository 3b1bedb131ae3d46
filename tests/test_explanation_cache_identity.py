"""Trial Z: an explanation cache entry knows what it was derived from — the pair it explains, the
digest of its maps, the digest of its own summary — and is checked against it on every read. Files
swapped between two pairs, a hand-edited value, a damaged npz or an entry of the old format are each
a miss: recomputed (the baseline answer), rewritten, one warning; never another pair's answer, never
an error."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.service import Catalogues, building
from sane_desktop.service.values import ItemInfo, PairExplanation
from tests.retrieval_world import make_catalogue, make_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cache-identity")
    return {"shop": make_catalogue(base / "shop", items=30, seed=0), "model": make_model(base / "model.pt")}


@pytest.fixture
def catalogue(world: dict[str, Path], tmp_path: Path) -> Iterator[Any]:
    root = Path(shutil.copytree(world["shop"], tmp_path / "shop"))
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    opened = Catalogues(device="cpu").open("shop")
    yield opened
    opened.close()


def cache_folder() -> Path:
    return paths.catalogue_dir("shop") / "explanations"


def two_pairs(catalogue: Any) -> list[tuple[ItemInfo, ItemInfo]]:
    """Two pairs of four different items of different categories."""
    by_category: dict[str, ItemInfo] = {}
    for item in catalogue.items.search():
        by_category.setdefault(item.category, item)
    first, second, third, fourth = list(by_category.values())[:4]
    return [(first, second), (third, fourth)]


def baseline(catalogue: Any, pair: tuple[ItemInfo, ItemInfo]) -> tuple[PairExplanation, Path]:
    """The pair's freshly computed explanation and the record file the cache wrote for it."""
    before = set(cache_folder().glob("*.json")) if cache_folder().exists() else set()
    result = catalogue.explanations.explain_pair(*pair, use_cache=False)
    (record,) = set(cache_folder().glob("*.json")) - before
    assert catalogue.explanations.explain_pair(*pair).cached  # the entry serves it as written
    return result, record


def npz(record: Path) -> Path:
    return record.with_suffix(".npz")


def swap(a: Path, b: Path) -> None:
    temporary = a.with_name("swap.tmp")
    a.rename(temporary)
    b.rename(a)
    temporary.rename(b)


def same_answer(got: PairExplanation, want: PairExplanation) -> None:
    assert got.similarity == pytest.approx(want.similarity, abs=1e-6)
    assert [a.name for a in got.attributes] == [a.name for a in want.attributes]
    assert np.allclose(got.query_map, want.query_map, atol=1e-6)
    assert np.allclose(got.candidate_map, want.candidate_map, atol=1e-6)
    assert got.attribute_maps.keys() == want.attribute_maps.keys()
    for name, (q_map, c_map) in got.attribute_maps.items():
        assert np.allclose(q_map, want.attribute_maps[name][0], atol=1e-6)
        assert np.allclose(c_map, want.attribute_maps[name][1], atol=1e-6)


def rewritten(catalogue: Any, pair: tuple[ItemInfo, ItemInfo], want: PairExplanation) -> None:
    """The entry was overwritten with the pair's own answer: the next call is a checked hit."""
    again = catalogue.explanations.explain_pair(*pair)
    assert again.cached
    same_answer(again, want)


def warned(caplog: pytest.LogCaptureFixture, record: Path) -> None:
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and str(record) in r.getMessage()]
    assert len(lines) == 1, caplog.text


def recomputed(catalogue: Any, pair: tuple[ItemInfo, ItemInfo], want: PairExplanation, record: Path,
               caplog: pytest.LogCaptureFixture) -> PairExplanation:
    """Explain ``pair`` again: not from the cache, the baseline answer, one warning naming ``record``,
    and the entry rewritten so that the next call is a right hit."""
    with caplog.at_level(logging.WARNING):
        got = catalogue.explanations.explain_pair(*pair)
    assert not got.cached
    same_answer(got, want)
    warned(caplog, record)
    rewritten(catalogue, pair, want)
    return got


def test_swapped_pairs_files_give_each_pair_its_own_answer(catalogue: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """(a) Both files of two pairs swapped: each pair's ``explain`` is its own baseline again (trial Z
    printed the other pair's similarity "from the cache"), and the entries are rewritten."""
    pairs = two_pairs(catalogue)
    (first, first_record), (second, second_record) = (baseline(catalogue, pair) for pair in pairs)
    assert first.similarity != pytest.approx(second.similarity, abs=1e-4)  # else a swap would not show
    def explain(pair: tuple[ItemInfo, ItemInfo]) -> dict[str, Any]:
        assert main(["explain", "shop", "--query", pair[0].item_id, "--candidate", pair[1].item_id, "--json"]) == 0
        return dict(json.loads(capsys.readouterr().out))

    before = [explain(pair) for pair in pairs]
    assert all(said["cached"] for said in before)
    swap(first_record, second_record)
    swap(npz(first_record), npz(second_record))
    for pair, want, said_before in zip(pairs, (first, second), before):
        said = explain(pair)
        assert said["cached"] is False
        assert said["similarity"] == pytest.approx(want.similarity, abs=1e-6)
        assert said["attribute"] == said_before["attribute"] and said["abstained"] == said_before["abstained"]
    for pair, want in zip(pairs, (first, second)):
        rewritten(catalogue, pair, want)


def test_swapped_maps_alone_are_not_served(catalogue: Any, caplog: pytest.LogCaptureFixture) -> None:
    """(b) Only the npz files swapped: the maps are the pair's own, not the other pair's."""
    pairs = two_pairs(catalogue)
    (first, first_record), (second, second_record) = (baseline(catalogue, pair) for pair in pairs)
    assert not np.allclose(first.query_map, second.query_map, atol=1e-4)
    swap(npz(first_record), npz(second_record))
    for pair, want, record in zip(pairs, (first, second), (first_record, second_record)):
        recomputed(catalogue, pair, want, record, caplog)


def test_a_hand_edited_similarity_is_not_served(catalogue: Any, caplog: pytest.LogCaptureFixture) -> None:
    """(c) The record's similarity edited by hand: the baseline value, not the edited one."""
    pair = two_pairs(catalogue)[0]
    want, record = baseline(catalogue, pair)
    data = json.loads(record.read_text())
    summary = data.get("summary", data)  # wherever the entry keeps it
    summary["similarity"] = 0.123
    record.write_text(json.dumps(data))
    assert recomputed(catalogue, pair, want, record, caplog).similarity != 0.123


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_a_damaged_npz_is_recomputed_not_an_error(catalogue: Any, damage: str, capsys: pytest.CaptureFixture[str],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """(d) A truncated npz, or one with 8 bytes flipped: ``explain`` succeeds with the baseline answer
    (trial Z: ``error: BadZipFile`` on every later run) and the entry is rewritten."""
    pair = two_pairs(catalogue)[0]
    want, record = baseline(catalogue, pair)
    data = bytearray(npz(record).read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        middle = len(data) // 2
        data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    npz(record).write_bytes(bytes(data))
    recomputed(catalogue, pair, want, record, caplog)
    npz(record).write_bytes(bytes(data))  # and through the CLI, as the trial ran it
    query, candidate = pair
    assert main(["explain", "shop", "--query", query.item_id, "--candidate", candidate.item_id, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["cached"] is False and said["similarity"] == pytest.approx(want.similarity, abs=1e-6)
    rewritten(catalogue, pair, want)


def test_an_entry_without_digests_is_recomputed(catalogue: Any, caplog: pytest.LogCaptureFixture) -> None:
    """(e) An entry in the format written before records carried their source and digests (the bare
    summary beside its npz): a miss, recomputed, never served and never an error."""
    pair = two_pairs(catalogue)[0]
    want, record = baseline(catalogue, pair)
    data = json.loads(record.read_text())
    old = dict(data.get("summary", data))  # the old format: the summary alone
    old["similarity"] = 0.123  # so that serving it would show
    record.write_text(json.dumps(old))
    recomputed(catalogue, pair, want, record, caplog)


def test_a_crash_between_the_maps_and_the_record_never_pairs_new_maps_with_an_old_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The npz is renamed into place before its record: a crash in between leaves the old record
    beside the new maps, which its npz digest refuses (a miss), never a mixed entry."""
    from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity

    cache = ExplanationCache(tmp_path / "explanations")
    identity = ExplanationIdentity("model", "q@1", "c@2", "fast", "{}")
    rng = np.random.default_rng(0)
    cache.put(identity, {"similarity": 0.25}, {"query": rng.random((8, 8)).astype(np.float32)})
    assert cache.get(identity) is not None
    real = ExplanationCache._atomic

    def crash_on_the_record(self: ExplanationCache, path: Path, write: Any) -> None:
        if path.suffix == ".json":
            raise KeyboardInterrupt  # the process dies between the two renames
        real(self, path, write)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(ExplanationCache, "_atomic", crash_on_the_record)
        cache.put(identity, {"similarity": 0.75}, {"query": rng.random((8, 8)).astype(np.float32)})
    assert ExplanationCache._atomic is real
    with caplog.at_level(logging.WARNING):
        assert cache.get(identity) is None
    warned(caplog, tmp_path / "explanations" / f"{identity.key}.json")
    assert not list((tmp_path / "explanations").glob(".tmp-*"))


def test_the_cache_is_bounded_and_keeps_what_was_used_last(tmp_path: Path) -> None:
    """Trial CA: records of earlier versions and models are never read again and were never removed; a
    cache without bound grows with every click. Past its size the least recently used entries go (a read
    counts as a use), never the one just written; a removed entry is a plain miss."""
    import os

    from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity

    rng = np.random.default_rng(0)
    cache = ExplanationCache(tmp_path / "cache", max_bytes=1)  # measured below, then set
    maps = {"candidate": rng.random((64, 64)).astype(np.float32)}

    def pair(n: int) -> ExplanationIdentity:
        return ExplanationIdentity("m" * 64, f"q{n}", f"c{n}", "fast")

    cache.max_bytes = 10**9
    cache.put(pair(0), {"n": 0}, maps)
    one = sum(path.stat().st_size for path in (tmp_path / "cache").iterdir())
    for n in range(1, 6):
        cache.put(pair(n), {"n": n}, maps)
    for n in range(6):  # ages: entry 0 the oldest, 5 the newest
        for path in (tmp_path / "cache").glob(f"{pair(n).key}.*"):
            os.utime(path, (1000.0 + n, 1000.0 + n))
    assert cache.get(pair(0)) is not None  # read now: used last
    cache.max_bytes = int(5.5 * one)  # 6 entries are too many; 80 % of it holds 4
    assert cache.prune(keep=pair(1).key) == 2
    left = {n for n in range(6) if cache.get(pair(n)) is not None}
    assert left == {0, 1, 4, 5}  # 2 and 3 were the least recently used; 1 kept as asked, 0 just read
    assert not list((tmp_path / "cache").glob(f"{pair(2).key}.*"))  # record and maps both gone
    cache.max_bytes = 10**9
    assert cache.prune() == 0  # under the bound: nothing goes


def test_pruning_never_removes_a_file_the_cache_did_not_write(tmp_path: Path) -> None:
    """Trial EC linked a catalogue's explanations/ to a folder of its own: the first explanation of the session
    pruned it, and the user's 700 MB disk image and notes went. Only entries (<32 hex>.npz|.json) are counted
    and removed."""
    import os

    from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity

    mine = tmp_path / "bigdisk"
    mine.mkdir()
    (mine / "vm-disk.img").write_bytes(b"\0" * 200_000)
    (mine / "notes.txt").write_text("n")
    (mine / "old.json").write_text("{}")
    for path in mine.iterdir():
        os.utime(path, (1000.0, 1000.0))
    (tmp_path / "explanations").symlink_to(mine, target_is_directory=True)
    cache = ExplanationCache(tmp_path / "explanations", max_bytes=50_000)
    rng = np.random.default_rng(0)
    for n in range(4):
        cache.put(ExplanationIdentity("m" * 64, f"q{n}", f"c{n}", "fast"), {"n": n},
                  {"candidate": rng.random((64, 64)).astype(np.float32)})
    cache.prune()
    assert sorted(path.name for path in mine.iterdir() if not _is_entry(path.name)) == [
        "notes.txt", "old.json", "vm-disk.img"]


def _is_entry(name: str) -> bool:
    from sane_desktop.explain.cache import ENTRY_NAME

    return ENTRY_NAME.fullmatch(name) is not None
