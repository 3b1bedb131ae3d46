"""Issue 14: a catalogue name is checked before it becomes a folder, a catalogue remembers the folder
it was built from, and everything derived (FAISS files, the open searcher, image tensors, the
explanation cache) is checked against its source: refuse with one line, never a silently wrong answer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.errors import InputError, StaleIndexError, StoreError, WayOut
from sane_desktop.retrieval.indexing import file_hash, index_catalogue
from sane_desktop.retrieval.manifest import FORMAT_VERSION, read_index_manifest, write_index_manifest
from sane_desktop.retrieval.search import OutfitSearcher
from sane_desktop.service import Catalogues, CatalogueService, building
from sane_desktop.service.locking import HOLDER_NAME, catalogue_lock
from sane_desktop.store.importer import import_folder
from tests.lock_helpers import held_in_another_thread
from tests.retrieval_world import make_catalogue, make_model

PACKAGE = Path(paths.__file__).resolve().parent
BAD_NAMES = ["../escaped", "/elsewhere/abs", "a/b", "./demo", "a\\b", ".", "..", "", "tab\there", "nul\x00x",
             "C:evil", " padded", "dot.", "CON", "nul.txt", "lpt1",
             "\u3164", "\u2800\u034f", "zero\u200bwidth"]  # nothing shows, or an invisible character (trial DR)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("identity")
    return {"a": make_catalogue(base / "a" / "shop", items=30, seed=0),
            "b": make_catalogue(base / "b" / "shop", items=30, seed=1),
            "model": make_model(base / "model.pt"), "other_model": make_model(base / "other.pt", seed=1), "base": base}


def copy_of(world: dict[str, Path], which: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(world[which], tmp_path / which / "shop"))


def index(root: Path, model: Path, *extra: str) -> int:
    return main(["index", str(root), "--model", str(model), "--workers", "0", "--json", *extra])


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def outfit_and_target(catalogue: Any) -> tuple[list[int], str]:
    by_category: dict[str, int] = {}
    for item in catalogue.items.search():
        by_category.setdefault(item.category, item.pk)
    categories = sorted(by_category)
    return [by_category[categories[0]], by_category[categories[1]]], categories[2]


def ranked(catalogue: Any, outfit: list[int], target: str) -> list[tuple[int, float]]:
    return [(r.item.pk, round(r.score, 5)) for r in catalogue.search.search(outfit, target, 5)[target]]


# --- kind 1: a catalogue name is a key and a path ----------------------------------------------------
@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused_in_one_place_with_one_line(name: str) -> None:
    with pytest.raises(InputError, match=r"^invalid catalogue name .*: "):
        paths.check_catalogue_name(name)
    for good in ("demo", "shop 2024", "Été-collection_1", ".hidden"):
        assert paths.check_catalogue_name(good) == good


@pytest.mark.parametrize("name", ["../escaped", "/elsewhere/abs", "a/b", "./demo", ".."])
def test_cli_import_and_index_refuse_names_that_escape_the_home(world: dict[str, Path], tmp_path: Path, name: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    home = paths.index_home()
    logs = paths.user_log_dir()  # the app's log (the refusal is logged) is the one thing allowed

    def written() -> list[Path]:
        return sorted(p for p in tmp_path.parent.rglob("*") if logs not in (p, *p.parents))

    before = written()
    for command in (["import", str(world["a"]), "--name", name],
                    ["index", str(world["a"]), "--name", name, "--model", str(world["model"]), "--workers", "0"]):
        assert main(command) == 1
        assert "invalid catalogue name" in one_line(capsys.readouterr().err)
    assert not home.exists() or not any(home.iterdir())
    # nothing written anywhere else (files of earlier tests may go: SQLite drops its -shm sidecar when a
    # garbage-collected engine of another test closes)
    assert not set(written()) - set(before)
    assert not Path("/elsewhere").exists()


def test_every_entry_that_takes_a_name_checks_it(world: dict[str, Path], tmp_path: Path) -> None:
    """The kind: each public way in refuses an escaping name before touching the disk."""
    home = tmp_path / "home"
    service = CatalogueService(home, model=world["model"], device="cpu")
    entries: list[Callable[[str], object]] = [
        paths.catalogue_dir, paths.default_db_url,
        lambda n: import_folder(world["a"], n),
        lambda n: index_catalogue(world["a"], n, world["model"]),
        lambda n: building.import_folder(world["a"], n),
        lambda n: building.index_folder(world["a"], n, world["model"]),
        lambda n: Catalogues(home).folder(n), lambda n: Catalogues(home).open(n), lambda n: Catalogues(home).source(n),
        lambda n: service.index_folder(world["a"], n), service.existing_source, service.open_catalogue,
        lambda n: OutfitSearcher.open(n),
    ]
    for entry in entries:
        for name in ("../escaped", "a/b", ""):
            with pytest.raises(InputError, match="invalid catalogue name"):
                entry(name)
    assert not home.exists() and not (tmp_path / "escaped").exists()


def test_names_become_folders_only_through_paths() -> None:
    """A new ``home / name`` join anywhere in the package would bypass the check: there is none."""
    join = re.compile(r"(home|index_home\(\))\s*/\s*(name|[a-z_.]*\.name)\b")
    offenders = [f"{path.relative_to(PACKAGE)}:{n}" for path in PACKAGE.rglob("*.py") if path.name != "paths.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if join.search(line)]
    assert offenders == []


def test_a_second_folder_with_the_same_name_is_refused_until_replace(world: dict[str, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    a, b = copy_of(world, "a", tmp_path), copy_of(world, "b", tmp_path)
    assert index(a, world["model"]) == 0
    capsys.readouterr()
    manifest = (paths.catalogue_dir("shop") / "manifest.json").read_bytes()
    catalogue = Catalogues().open("shop")
    outfit, target = outfit_and_target(catalogue)
    before = ranked(catalogue, outfit, target)
    catalogue.close()

    for command in (["import", str(b)], ["index", str(b), "--model", str(world["model"]), "--workers", "0"]):
        assert main(command) == 1
        line = one_line(capsys.readouterr().err)
        assert str(a) in line and str(b) in line and "--replace" in line
    # the first catalogue is untouched: its rows, its index, its answers
    assert (paths.catalogue_dir("shop") / "manifest.json").read_bytes() == manifest
    assert Catalogues().source("shop") == str(a)
    catalogue = Catalogues().open("shop")
    assert ranked(catalogue, outfit, target) == before
    catalogue.close()

    assert index(b, world["model"], "--replace") == 0
    assert Catalogues().source("shop") == str(b)
    assert index(b, world["model"]) == 0  # the same folder again needs no --replace


def test_index_other_as_dot_demo_leaves_demo_alone(world: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    a = copy_of(world, "a", tmp_path)
    assert index(a, world["model"], "--name", "demo") == 0
    ids = [item.item_id for item in Catalogues().open("demo").items.search()[:2]]
    assert index(copy_of(world, "b", tmp_path), world["model"], "--name", "./demo") == 1
    capsys.readouterr()
    assert main(["query", "demo", "--outfit", ",".join(ids), "-k", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["catalogue"] == "demo"


def test_service_reports_the_existing_source_and_replaces_only_when_asked(world: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    a, b = copy_of(world, "a", tmp_path), copy_of(world, "b", tmp_path)
    service = CatalogueService(tmp_path / "home", model=world["model"], device="cpu")
    assert service.existing_source("shop") is None
    service.index_folder(a)
    assert service.existing_source("shop") == str(a)
    with pytest.raises(InputError, match="was built from") as refused:
        service.index_folder(b)
    assert str(a) in str(refused.value) and str(b) in str(refused.value)
    assert service.existing_source("shop") == str(a)
    service.index_folder(b, replace=True)
    assert service.existing_source("shop") == str(b)
    service.open_catalogue("shop")
    assert all(item.image_path.is_relative_to(b) for item in service.items())


def test_a_conflict_with_a_folder_that_is_gone_says_so_and_offers_replace_first(world: dict[str, Path],
                                                                                tmp_path: Path) -> None:
    """Trial X moved a catalogue's folder and indexed the new place under the old name: the refusal
    was right but did not say the old folder was gone, the clue that --replace is the way."""
    a = copy_of(world, "a", tmp_path)
    service = CatalogueService(tmp_path / "home", model=world["model"], device="cpu")
    service.index_folder(a)
    (tmp_path / "elsewhere").mkdir()
    moved = a.rename(tmp_path / "elsewhere" / a.name)  # the same folder name: the same catalogue name
    with pytest.raises(InputError) as refused:
        service.index_folder(moved)
    assert refused.value.problem == f"catalogue 'shop' was built from {a}, which is no longer there, not from {moved}"
    assert refused.value.way_out is WayOut.MOVED_OR_OTHER_NAME and "--replace" in str(refused.value)
    assert service.existing_source("shop") == str(a)  # nothing replaced without the word


def test_open_refuses_a_database_that_holds_another_catalogue(world: dict[str, Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    building.import_folder(world["a"], "shop", f"sqlite:///{home / 'other' / 'catalogue.db'}")
    with pytest.raises(InputError, match="holds 'shop'"):
        Catalogues(home).open("other")
    listing = Catalogues(home).scan()
    assert listing.catalogues == () and [u.name for u in listing.unreadable] == ["other"]


# --- kind 2: derived data knows what it was derived from ---------------------------------------------
@pytest.fixture
def indexed(world: dict[str, Path], tmp_path: Path) -> Path:
    root = copy_of(world, "a", tmp_path)
    building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    return root


def test_manifest_records_and_loading_verifies_each_faiss_file(world: dict[str, Path], indexed: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = paths.catalogue_dir("shop")
    manifest = read_index_manifest(folder)
    assert manifest is not None and manifest.format_version == FORMAT_VERSION == 3
    for entry in manifest.indexes.values():
        assert entry.sha256 == file_hash(folder / entry.file)
    entry = next(iter(manifest.indexes.values()))
    path = folder / entry.file
    data = bytearray(path.read_bytes())

    data[-1] ^= 0xFF  # one flipped byte: same size, FAISS would load it
    path.write_bytes(bytes(data))
    with pytest.raises(StaleIndexError, match=re.escape(f"index file {path} does not match its manifest")):
        OutfitSearcher.open("shop")

    path.write_bytes(b"not a faiss index at all")  # corrupt, and the manifest made to agree with it
    entry.sha256 = file_hash(path)
    write_index_manifest(folder, manifest)
    with pytest.raises(StaleIndexError, match=re.escape(f"index file {path} does not match its manifest")):
        OutfitSearcher.open("shop")
    item_id = Catalogues().open("shop").items.search()[0].item_id
    assert main(["query", "shop", "--outfit", item_id]) == 3
    assert "does not match its manifest" in one_line(capsys.readouterr().err)


def test_an_index_file_that_cannot_be_read_now_is_not_called_changed(indexed: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial CU: a whole index file FAISS could not open now (permission, too many open files, no memory) read
    "does not match its manifest: re-run sane-desktop index" — hours of re-indexing that fail the same way."""
    import errno

    from sane_desktop.retrieval.indexing import verify

    folder = paths.catalogue_dir("shop")
    entry = next(iter(read_index_manifest(folder).indexes.values()))
    path = folder / entry.file

    def too_many(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"Error in faiss::FileIOReader: could not open {path} for reading: Too many open files")

    monkeypatch.setattr(verify, "load_store", too_many)
    with pytest.raises(StaleIndexError) as raised:
        verify.load_verified(folder, entry, 64)
    assert str(raised.value) == (f"index file {path} cannot be read now (Too many open files); nothing suggests it "
                                 "changed since indexing: once that is mended, search again")
    assert not raised.value.reindex_helps

    def no_permission(_path):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(verify, "verified_hash", no_permission)
    with pytest.raises(StaleIndexError, match=r"cannot be read now \(Permission denied\)") as raised:
        verify.verify_file(folder, entry)
    assert not raised.value.reindex_helps


def test_a_format_1_manifest_means_rebuild(indexed: Path) -> None:
    folder = paths.catalogue_dir("shop")
    data = json.loads((folder / "manifest.json").read_text())
    data["format_version"] = 1
    for entry in data["indexes"].values():
        del entry["sha256"]
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(StaleIndexError, match="index format 1"):
        OutfitSearcher.open("shop")


def test_explaining_an_image_changed_since_indexing_is_refused(indexed: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = Catalogues(device="cpu").open("shop")
    outfit, target = outfit_and_target(catalogue)
    query, candidate = catalogue.items.get(outfit[0]), catalogue.items.get(outfit[1])
    read: list[Path] = []
    from sane_desktop.service.model import ModelContext

    real_read = ModelContext._read_verified
    monkeypatch.setattr(ModelContext, "_read_verified", lambda self, item: read.append(item.image_path)
                        or real_read(self, item))
    catalogue.model.image(query)
    catalogue.model.image(query)
    catalogue.model.crop_rgb(query)
    # the tensor is kept for the session; each picture decoded is checked on the bytes it decodes
    # (a check remembered from an earlier read let a replaced file be drawn as the indexed photo)
    assert read == [query.image_path, query.image_path]

    shutil.copyfile(query.image_path, candidate.image_path)  # the file now shows another picture
    assert ranked(catalogue, outfit[:1], target)  # search still ranks the indexed pictures
    with pytest.raises(StaleIndexError, match=re.escape(f"{candidate.image_path} changed since the catalogue was "
                                                        "indexed: re-index")):
        catalogue.explanations.explain_pair(query, candidate)
    catalogue.close()


def test_an_image_replaced_by_a_fifo_is_refused_not_waited_on(indexed: Path) -> None:
    """Kind 2 again: hashing a FIFO would block forever; the check looks at the file type first."""
    catalogue = Catalogues(device="cpu").open("shop")
    outfit, _ = outfit_and_target(catalogue)
    query, candidate = catalogue.items.get(outfit[0]), catalogue.items.get(outfit[1])
    candidate.image_path.unlink()
    os.mkfifo(candidate.image_path)
    with pytest.raises(StaleIndexError, match="no longer a regular file"):
        catalogue.explanations.explain_pair(query, candidate)
    catalogue.close()


def test_explain_never_substitutes_another_model_for_the_indexed_one(world: dict[str, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Kind 2: the model a catalogue was indexed with moved away, or its manifest is unreadable:
    explain refuses (search does too) instead of explaining with the bundled demo model."""
    moved = Path(shutil.copyfile(world["other_model"], tmp_path / "trained.pt"))
    root = copy_of(world, "a", tmp_path)
    building.index_folder(root, "shop", moved, workers=0, device="cpu")
    catalogue = Catalogues(device="cpu").open("shop")
    outfit, _ = outfit_and_target(catalogue)
    query, candidate = (catalogue.items.get(pk).item_id for pk in outfit)
    catalogue.close()
    argv = ["explain", "shop", "--query", query, "--candidate", candidate, "--no-cache", "--json",
            "--save-maps", str(tmp_path / "maps")]
    assert main(argv) == 0
    capsys.readouterr()

    moved.rename(tmp_path / "elsewhere.pt")
    assert main(argv) == 4  # a model error: not an answer from another model
    assert f"the model {moved} is missing" in one_line(capsys.readouterr().err)
    (tmp_path / "elsewhere.pt").rename(moved)

    (paths.catalogue_dir("shop") / "manifest.json").write_text("{not json")
    assert main(argv) == 3  # the index cannot say which model it was built with: re-index
    assert "manifest" in one_line(capsys.readouterr().err)


def test_a_moved_bundled_model_is_found_by_its_content_hash(world: dict[str, Path], tmp_path: Path) -> None:
    """An update of the app moves the bundled demo model: the catalogue indexed with it still
    explains with the same weights (found by content hash), never with a different model."""
    from sane_desktop.models.checkpoint import demo_model_path, stored_content_hash

    root = copy_of(world, "a", tmp_path)
    (tmp_path / "old-install").mkdir()
    old_place = Path(shutil.copyfile(demo_model_path(), tmp_path / "old-install" / "demo.pt"))
    building.index_folder(root, "shop", old_place, workers=0, device="cpu")
    shutil.rmtree(tmp_path / "old-install")
    found = Catalogues().model_path("shop")
    assert found == demo_model_path() and stored_content_hash(found) == read_index_manifest(
        paths.catalogue_dir("shop")).model_hash


def test_reindexing_a_replaced_image_misses_the_explanation_cache(world: dict[str, Path], indexed: Path) -> None:
    catalogue = Catalogues(device="cpu").open("shop")
    outfit, _ = outfit_and_target(catalogue)
    query, candidate = catalogue.items.get(outfit[0]), catalogue.items.get(outfit[1])
    first = catalogue.explanations.explain_pair(query, candidate)
    assert not first.cached and catalogue.explanations.explain_pair(query, candidate).cached
    other = next(i for i in catalogue.items.search(candidate.category) if i.content_hash != candidate.content_hash)
    catalogue.close()

    shutil.copyfile(other.image_path, candidate.image_path)
    building.index_folder(indexed, "shop", world["model"], workers=0, device="cpu")
    catalogue = Catalogues(device="cpu").open("shop")
    query, candidate = catalogue.items.get(outfit[0]), catalogue.items.get(outfit[1])
    again = catalogue.explanations.explain_pair(query, candidate)
    assert not again.cached and again.similarity != pytest.approx(first.similarity, abs=1e-6)
    fresh = catalogue.explanations.explain_pair(query, catalogue.items.get(other.pk), use_cache=False)
    assert again.similarity == pytest.approx(fresh.similarity, abs=1e-5)  # the new picture's similarity
    catalogue.close()


def test_an_open_catalogue_notices_a_reindex_from_elsewhere(world: dict[str, Path], indexed: Path) -> None:
    opened = Catalogues(device="cpu").open("shop")
    outfit, target = outfit_and_target(opened)
    before = ranked(opened, outfit, target)
    changed = opened.items.get(outfit[0])
    other = next(i for i in opened.items.search() if i.category == changed.category and i.pk != changed.pk)
    shutil.copyfile(other.image_path, changed.image_path)

    building.index_folder(indexed, "shop", world["model"], workers=0, device="cpu")  # "from the CLI"
    fresh = Catalogues(device="cpu").open("shop")
    expected = ranked(fresh, outfit, target)
    assert expected != before
    assert ranked(opened, outfit, target) == expected  # the open one reloaded, not the old answer
    assert opened.items.get(outfit[0]).content_hash == file_hash(changed.image_path)
    opened.close()
    fresh.close()


def test_the_model_a_catalogue_was_indexed_with_stays_its_model(world: dict[str, Path], tmp_path: Path) -> None:
    root = copy_of(world, "a", tmp_path)
    service = CatalogueService(tmp_path / "home", device="cpu")  # no override: each catalogue's own model
    service.index_folder(root, model=world["other_model"])
    service.open_catalogue("shop")
    assert service.model_path() == world["other_model"].resolve()
    outfit, target = outfit_and_target(service.current())
    assert service.search(outfit, target, 3)[target]
    report = service.reindex()
    assert report.indexed.model == str(world["other_model"].resolve())
    manifest = read_index_manifest(tmp_path / "home" / "shop")
    assert manifest is not None and manifest.model_path == str(world["other_model"].resolve())
    assert service.search(outfit, target, 3)[target]


# --- kind 5 (parts): one broken catalogue, two writers ------------------------------------------------
def test_an_unreadable_database_is_skipped_and_reported(world: dict[str, Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    service = CatalogueService(home, model=world["model"], device="cpu")
    service.index_folder(copy_of(world, "a", tmp_path))
    (home / "broken").mkdir()
    (home / "broken" / "catalogue.db").write_bytes(b"this is not a database" * 100)
    assert [info.name for info in service.list_catalogues()] == ["shop"]
    listing = service.scan_catalogues()
    assert [info.name for info in listing.catalogues] == ["shop"]
    [broken] = listing.unreadable
    assert broken.name == "broken" and broken.db_path == home / "broken" / "catalogue.db" and broken.reason
    assert "\n" not in broken.reason
    service.open_catalogue("shop")  # the others still open


def test_a_second_writer_in_this_process_fails_at_once(world: dict[str, Path], tmp_path: Path) -> None:
    root = copy_of(world, "a", tmp_path)
    folder = paths.catalogue_dir("shop")
    with held_in_another_thread(folder, "index elsewhere"):
        info = json.loads((folder / HOLDER_NAME).read_text())
        assert info["pid"] == os.getpid() and "index elsewhere" in info["command"]
        with pytest.raises(StoreError, match=rf"is busy: pid {os.getpid()} \(index elsewhere"):
            building.index_folder(root, "shop", world["model"], workers=0, device="cpu")
    assert not (folder / HOLDER_NAME).exists()
    with catalogue_lock(folder, "outer"), catalogue_lock(folder, "inner"):  # the holder may nest
        building.index_folder(root, "shop", world["model"], workers=0, device="cpu")


def test_an_index_into_another_database_locks_the_index_folder_it_writes(world: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    """Trial DT: ``index --name xx`` and ``index --name xx --db other/xx.db`` at once both said "Indexed"; the
    second held only ``other/``'s lock, wrote ``index/xx/`` over the first's index, and the first catalogue then
    refused every search. Every folder a run writes is locked: the index folder and the database's."""
    root = copy_of(world, "a", tmp_path)
    other = tmp_path / "other" / "xx.db"
    from sane_desktop.service.locking import file_lock_folder

    lock = file_lock_folder(other)
    assert lock == other.parent / ".xx.db.writer"
    assert building.writer_folders("xx", f"sqlite:///{other}") == tuple(sorted(
        (paths.catalogue_dir("xx").resolve(), lock), key=str))
    # a run writing index/xx (the default layout) is under way: the other database's run is refused at once
    with held_in_another_thread(paths.catalogue_dir("xx"), "index /photos"):
        with pytest.raises(StoreError, match=r"is busy: pid \d+ \(index /photos"):
            building.index_folder(root, "xx", world["model"], db_url=f"sqlite:///{other}", workers=0, device="cpu")
    assert not other.exists()  # refused before anything was written
    # and the other way round: its database is being written (said as the database, not a folder)
    with held_in_another_thread(lock, "import elsewhere"):
        with pytest.raises(StoreError, match=rf"the catalogue database {re.escape(str(other))} is busy: pid "):
            building.index_folder(root, "xx", world["model"], db_url=f"sqlite:///{other}", workers=0, device="cpu")
    # another catalogue's database in the same folder is not this one's: indexed meanwhile (trial DT could not)
    with held_in_another_thread(lock, "index elsewhere"):
        building.index_folder(copy_of(world, "b", tmp_path), "yy", world["model"], db_url=f"sqlite:///{other.parent / 'yy.db'}",
                              workers=0, device="cpu")
    # nothing but the catalogues' files is left beside the databases (the lock folders go once let go)
    assert sorted(path.name for path in other.parent.iterdir() if not path.name.startswith("yy.db-")) == ["yy.db"]
    # an --index-dir run with the default database writes both folders too
    assert set(building.writer_folders("xx", None, tmp_path / "ix")) == {paths.catalogue_dir("xx").resolve(),
                                                                        (tmp_path / "ix").resolve()}
    building.index_folder(root, "xx", world["model"], db_url=f"sqlite:///{other}", workers=0, device="cpu")


def test_a_model_file_being_trained_into_is_not_written_by_another_run(world: dict[str, Path], tmp_path: Path) -> None:
    """Trial DT: two ``train --out same.pt`` at once both said they saved their model; the file held the last.
    A second run is refused at once, naming the first, before it reads a photo."""
    from sane_desktop.service.locking import file_lock_folder

    out = tmp_path / "models" / "same.pt"
    out.parent.mkdir()
    with held_in_another_thread(file_lock_folder(out), f"train → {out}"):
        with pytest.raises(StoreError, match=rf"the model file {re.escape(str(out))} is busy: pid \d+ \(train → "):
            building.train_model(world["a"], out)
        with pytest.raises(StoreError, match=rf"the model file {re.escape(str(out))} is busy: pid \d+ \(train → "):
            building.adapt_model(world["a"], world["model"], out)  # adapting into it too
    assert sorted(path.name for path in out.parent.iterdir()) == []  # nothing written, no lock folder left


def test_a_catalogue_being_indexed_for_the_first_time_is_said_so(tmp_path: Path) -> None:
    """Trial DT: during a first index, ``catalogues`` listed it as "its first import never finished … index
    again, or delete it" and ``query`` said "the store holds no catalogue". With its run under way, both say
    it is being indexed for the first time; once the run is gone, the listing's own words come back."""
    from sane_desktop.errors import IndexBeingWritten, NotFound
    from sane_desktop.store.db import open_store

    folder = paths.catalogue_dir("live")
    open_store(f"sqlite:///{folder / 'catalogue.db'}").dispose()  # the schema, no catalogue yet: as an import starts
    with held_in_another_thread(folder, "index /photos --name live"):
        listing = Catalogues().scan()
        [entry] = [broken for broken in listing.unreadable if broken.name == "live"]
        assert entry.reason.startswith("it is being indexed for the first time now (pid ") and entry.passing
        assert "index /photos --name live" in entry.reason and "never finished" not in entry.reason
        with pytest.raises(IndexBeingWritten, match=r"catalogue 'live' is being indexed for the first time now \(pid "):
            Catalogues().open("live")
    [entry] = [broken for broken in Catalogues().scan().unreadable if broken.name == "live"]
    assert entry.reason.startswith("its first import never finished")
    # opening it says what the listing says (trial DU read "the store holds no catalogue")
    with pytest.raises(NotFound, match="catalogue 'live': its first import never finished .*index the folder again"):
        Catalogues().open("live")


def test_the_busy_message_names_the_holders_whole_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a trial: "(index /tmp/hk [/venv/bin/sane-desktop index hk --name])", its last argument cut off
    folder = tmp_path / "hk"
    argv = ["/venv/bin/sane-desktop", "index", "my photos", "--name", "hk", "--device", "cpu"]
    monkeypatch.setattr(sys, "argv", argv)
    with held_in_another_thread(folder, "index /tmp/hk"):
        command = "index /tmp/hk [/venv/bin/sane-desktop index 'my photos' --name hk --device cpu]"
        assert json.loads((folder / HOLDER_NAME).read_text())["command"] == command
        with pytest.raises(StoreError) as refused:
            with catalogue_lock(folder, "index again"):
                pass
        assert f"is busy: pid {os.getpid()} ({command}) since " in str(refused.value)
    from sane_desktop.service.locking import command_line

    # a shared catalogue's URL keeps its password out of the record another process reads
    line = command_line(["sane-desktop", "index", "shop", "--db", "postgresql://ann:s3cret@db.example/shop"])
    assert "s3cret" not in line and "postgresql://ann:***@db.example/shop" in line


def test_a_second_index_process_fails_at_once_naming_the_holder(world: dict[str, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_of(world, "a", tmp_path)
    folder = paths.catalogue_dir("shop")
    script = ("import sys; from sane_desktop.service.locking import catalogue_lock\n"
              f"with catalogue_lock({str(folder)!r}, 'index other-run'):\n"
              "    print('held', flush=True); sys.stdin.read()\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert index(root, world["model"]) == 5
        line = one_line(capsys.readouterr().err)
        assert f"pid {child.pid} (index other-run" in line and "busy" in line
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(30)
    assert index(root, world["model"]) == 0


def test_an_index_is_read_only_against_the_database_it_was_built_from(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A trial: every database starts at import revision 1, the only tie between an index and its
    database. ``index OTHER --name shop --db b.db`` overwrote shop's index (built from a.db) unasked,
    and ``query shop --db a.db`` then listed b.db's items, wrong categories, exit 0; a database deleted
    (or emptied) and imported again from another folder answered ``--image`` searches with empty lists."""
    from PIL import Image

    from sane_desktop.models.checkpoint import demo_model_path
    from tests.closet_world import make_closet

    model = str(demo_model_path())

    home = tmp_path / "home"
    first = make_closet(tmp_path / "closet")
    second = tmp_path / "other"
    shutil.copytree(first, second)
    shutil.rmtree(second / "Tops")  # other items: another catalogue's primary keys mean other photos
    a, b = f"sqlite:///{(tmp_path / 'a.db').as_posix()}", f"sqlite:///{(tmp_path / 'b.db').as_posix()}"
    base = ["--index-home", str(home)]
    photo = tmp_path / "ring.png"
    Image.new("RGB", (48, 48), (235, 205, 50)).save(photo)

    def index(root: Path, *extra: str) -> int:
        return main([*base, "index", str(root), "--name", "shop", "--model", model, "--workers", "0",
                     "--device", "cpu", *extra])

    def query(*extra: str) -> int:
        return main([*base, "query", "shop", "--image", str(photo), "--image-category", "Shoes", "--json", *extra])

    assert index(first, "--db", a) == 0
    assert query("--db", a) == 0
    capsys.readouterr()
    # its items are listed from that database, as query reads it (items had no --db)
    assert main([*base, "items", "shop", "--db", a, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["items"]) == 20
    # another database under the same name and index folder: refused, a.db's index kept
    assert index(second, "--db", b) != 0
    err = capsys.readouterr().err
    assert "in another database" in err and "a.db" in err and "--replace" in err
    assert query("--db", a) == 0
    capsys.readouterr()
    assert not (tmp_path / "b.db").exists()  # refused before the import wrote anything
    # asked for: a.db's catalogue is then left without an index, and says so
    assert index(second, "--db", b, "--replace") == 0
    capsys.readouterr()
    assert query("--db", a) == 3
    err = capsys.readouterr().err
    assert "another database's catalogue" in err and "--replace" in err and "--index-dir" in err  # how to go on
    # explain reads the index's category map: refused the same way (a trial: it answered), and takes --db
    top = "Tops/tops_0"
    shoe = "Shoes/shoes_0"
    assert main([*base, "explain", "shop", "--db", a, "--query", top, "--candidate", shoe]) == 3
    assert "another database's catalogue" in capsys.readouterr().err
    assert main([*base, "explain", "shop", "--db", a, "--index-dir", str(tmp_path / "own"), "--query", top,
                 "--candidate", shoe]) == 3  # an index folder of its own holds no index yet
    assert "has no index" in capsys.readouterr().err
    assert query("--db", b) == 0
    capsys.readouterr()

    # the default layout: its database deleted and another folder imported under the name
    assert main([*base, "index", str(first), "--name", "mine", "--model", model, "--workers", "0",
                 "--device", "cpu"]) == 0
    (home / "mine" / "catalogue.db").unlink()
    assert main([*base, "import", str(second), "--name", "mine"]) == 0
    capsys.readouterr()
    assert main([*base, "query", "mine", "--image", str(photo), "--image-category", "Shoes", "--json"]) == 3
    assert "made anew since" in capsys.readouterr().err
    # and re-indexing mends it (the same database, so no --replace)
    assert main([*base, "index", str(second), "--name", "mine", "--model", model, "--workers", "0",
                 "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main([*base, "query", "mine", "--image", str(photo), "--image-category", "Shoes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["Bottoms"]  # (shoes with a shoe: not ranked)


def test_an_item_removed_from_the_database_by_hand_is_not_a_shorter_answer(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A trial deleted an item's row with sqlite3 (the revision stays): ``query -k 3`` listed two
    results, exit 0, no note, while the category held 20 more. The index and the database disagree:
    refused (exit 3, one line) until a re-index, which mends it."""
    import sqlite3

    from sane_desktop.models.checkpoint import demo_model_path
    from tests.closet_world import make_closet

    home = tmp_path / "home"
    root = make_closet(tmp_path / "closet")
    base = ["--index-home", str(home)]
    index = [*base, "index", str(root), "--name", "shop", "--model", str(demo_model_path()), "--workers", "0",
             "--device", "cpu"]
    assert main(index) == 0
    capsys.readouterr()
    assert main([*base, "items", "shop", "--category", "Tops", "--json"]) == 0
    tops = [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]]
    query = [*base, "query", "shop", "--outfit", tops[0], "--category", "Shoes", "-k", "3", "--json"]
    assert main(query) == 0
    first = json.loads(capsys.readouterr().out)["results"]["Shoes"]
    assert len(first) == 3
    with sqlite3.connect(home / "shop" / "catalogue.db") as connection:
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("DELETE FROM items WHERE item_id = ?", (first[0]["item_id"],))
    assert main(query) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no longer in the catalogue's database" in err and "index" in err
    assert main(index) == 0  # the photo is still in the folder: imported again, and the index rebuilt
    capsys.readouterr()
    assert main(query) == 0
    again = json.loads(capsys.readouterr().out)["results"]["Shoes"]
    assert sorted(row["item_id"] for row in again) == sorted(row["item_id"] for row in first)


def test_an_open_catalogue_whose_database_is_copied_over_refuses(world: dict[str, Path], indexed: Path,
                                                                  tmp_path: Path) -> None:
    """Another database copied over the open catalogue's (another catalogue of the same name, also at
    import revision 1): the item keys held since (the outfit's) name other items now. The open
    catalogue compared the revision alone, saw no change and answered with them; now the row's token
    differs and it refuses until opened again."""
    from sane_desktop.errors import NotFound

    opened = Catalogues(device="cpu").open("shop")
    try:
        assert opened.items.refresh() is False
        engine, _summary = import_folder(copy_of(world, "b", tmp_path), "shop", f"sqlite:///{tmp_path / 'b.db'}")
        engine.dispose()
        database = paths.catalogue_dir("shop") / "catalogue.db"
        for path in database.parent.glob("catalogue.db*"):  # the file and its WAL: a database made anew
            path.unlink()
        shutil.copyfile(tmp_path / "b.db", database)
        opened.items.engine.dispose()  # a connection opened from now on (the pool's next) reads the new file
        with pytest.raises(NotFound, match="was made anew .*since it was opened"):
            opened.items.refresh()
    finally:
        opened.close()


def test_a_photo_turned_into_a_pipe_or_a_device_is_refused_at_once(tmp_path: Path) -> None:
    """Kind 2 at every reader of a photo's bytes: the window's photo loader and thumbnails, the index's
    decoder. A named pipe put in a photo's place blocked the reader for good, and a device never ends;
    each read now refuses a file that is not a regular one without waiting (a thread that blocked
    would make this test time out, not hang the suite)."""
    from PIL import Image

    from sane_desktop.catalogue.safepath import read_regular_file
    from sane_desktop.errors import PhotoChanged
    from sane_desktop.service.items import photo_pixels

    photo = tmp_path / "top.jpg"
    Image.new("RGB", (8, 8), "red").save(photo)
    recorded = file_hash(photo)
    assert read_regular_file(photo) == photo.read_bytes()
    photo.unlink()
    os.mkfifo(photo)
    outcome: dict[str, Any] = {}

    def read_all() -> None:
        for name, read in (("helper", lambda: read_regular_file(photo)),
                           ("pixels", lambda: photo_pixels(photo, 64, recorded)),
                           ("device", lambda: read_regular_file("/dev/zero"))):
            try:
                read()
                outcome[name] = "read"
            except (OSError, PhotoChanged, InputError) as error:
                outcome[name] = error

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(20)
    assert not reader.is_alive(), "a read blocked on the pipe or never ended"
    assert isinstance(outcome["helper"], OSError) and "not a regular file" in str(outcome["helper"])
    assert isinstance(outcome["pixels"], InputError)  # said in load_rgb's words, one line
    assert isinstance(outcome["device"], OSError)


def test_a_copied_index_home_is_indexed_in_place_not_refused_as_another_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AD copied its index home elsewhere (keeping the old one as a backup) and indexed the copy:
    refused, "holds the index of catalogue 'hm' in another database (…/old home/hm/catalogue.db)" —
    the old database has its own index in its own folder, so rebuilding the copy strands nothing. A
    database without an index folder of its own (``--db elsewhere.db``) is still protected."""
    from sane_desktop.models.checkpoint import demo_model_path
    from sane_desktop.retrieval.manifest import read_index_manifest
    from tests.closet_world import make_closet

    model = str(demo_model_path())
    closet = make_closet(tmp_path / "closet")
    old, new = tmp_path / "home", tmp_path / "copy"

    def index(home: Path, *extra: str) -> int:
        return main(["--index-home", str(home), "index", str(closet), "--name", "shop", "--model", model,
                     "--workers", "0", "--device", "cpu", *extra])

    assert index(old) == 0
    shutil.copytree(old, new)
    capsys.readouterr()
    assert index(new) == 0, capsys.readouterr().err
    copied = read_index_manifest(new / "shop")
    assert copied is not None and copied.db_location.endswith(str(new / "shop" / "catalogue.db"))
    assert read_index_manifest(old / "shop").db_location.endswith(str(old / "shop" / "catalogue.db"))  # untouched
    for home in (old, new):  # each answers from its own database and index
        assert main(["--index-home", str(home), "query", "shop", "--outfit", "Tops/tops_0", "--json"]) == 0
    # a database with no index folder of its own is still another database's to protect
    elsewhere = f"sqlite:///{(tmp_path / 'elsewhere.db').as_posix()}"
    assert index(new, "--db", elsewhere) != 0
    assert "in another database" in capsys.readouterr().err


def test_a_demo_being_drawn_into_a_folder_is_not_drawn_into_twice(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DT: two ``demo --force`` into one folder failed on each other's masks and left a stray photo. The
    second is refused at once, in one line naming the first."""
    from sane_desktop.service.locking import file_lock_folder

    out = tmp_path / "shop"
    with held_in_another_thread(file_lock_folder(out), f"demo → {out}"):
        assert main(["demo", str(out), "--items", "30", "--force"]) != 0
    err = capsys.readouterr().err
    assert one_line(err).startswith(f"error: the demo catalogue {out} is busy: pid "), err
    assert not out.exists()
    assert main(["demo", str(out), "--items", "30", "--force", "--no-masks"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shop"]  # no lock folder left beside it


def test_a_second_window_waits_for_the_first_runs_demo(tmp_path: Path) -> None:
    """Two windows started at once on a new index home both drew the demo into one folder. The second waits for
    the first (saying so, and stopping when asked), then finds the demo drawn and indexed."""
    from sane_desktop.errors import Cancelled

    service = CatalogueService(tmp_path / "home", device="cpu")
    folder = service.demo_source().parent
    said: list[str] = []
    with held_in_another_thread(folder, "draw and index the demo catalogue"):
        with pytest.raises(Cancelled, match="another window built the demo catalogue"):
            service.ensure_demo(items=30, progress=lambda _d, _t, message="": said.append(message),
                                should_stop=lambda: bool(said))
    assert said == ["Waiting for another window to build the demo catalogue…"]
    assert not (service.demo_source() / "ground_truth.json").exists()
    report = service.ensure_demo(items=30)  # once the other has let go: drawn and indexed here
    assert report.items == 30 and (service.demo_source() / "ground_truth.json").is_file()


def test_a_run_waiting_on_a_lock_whose_folder_goes_takes_it_again_there(tmp_path: Path) -> None:
    """Found by a test of the demo's wait: the last holder of a lock that had made its folder removed folder and
    lock file when it let go, and the run waiting on that file then said "cannot write … No such file" (or would
    hold a lock on a removed file, refusing no one). The waiting run takes the lock again, on the file there."""
    folder = tmp_path / ".shop.db.writer"
    taken, release = threading.Event(), threading.Event()
    waited: list[BaseException | str] = []

    def first() -> None:
        with catalogue_lock(folder, "index first"):  # made the folder: removed when let go, as it holds nothing
            taken.set()
            release.wait(30)

    def second() -> None:
        try:
            with catalogue_lock(folder, "index second", wait=20):
                third: list[BaseException] = []
                other = threading.Thread(target=_enter, args=(folder, third))
                other.start()
                other.join(30)
                # a third is refused: this lock is on the file there, not on one removed
                waited.append("held" if len(third) == 1 and "is busy" in str(third[0]) else f"third: {third}")
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            waited.append(error)

    one = threading.Thread(target=first)
    one.start()
    assert taken.wait(30)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # the second waits on the first's lock file
    release.set()
    one.join(30)
    two.join(60)
    assert waited == ["held"], waited


def _enter(folder: Path, errors: list[BaseException]) -> None:
    try:
        with catalogue_lock(folder, "index third"):
            pass
    except BaseException as error:  # noqa: BLE001 - handed to the caller
        errors.append(error)


def test_a_catalogue_indexed_with_a_database_file_elsewhere_is_listed_as_such(world: dict[str, Path], tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DU: ``index --db sqlite:///…/a.db`` keeps its index in the home and its database elsewhere; the
    listing said "its database catalogue.db is gone (deleted or moved) … delete it". It says where it is."""
    database = tmp_path / "dbs" / "a.db"
    building.index_folder(copy_of(world, "a", tmp_path), "a", world["model"], db_url=f"sqlite:///{database}",
                          workers=0, device="cpu")
    [entry] = [e for e in Catalogues().scan().unreadable if e.name == "a"]
    assert entry.reason.startswith("its database is a file outside the index home (sqlite:///") and "gone" not in entry.reason
    assert main(["catalogues"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("a "))
    assert "database in a file outside the index home (sqlite:///" in line and "commands reach it with --db" in line
    database.unlink()  # gone now: said gone, as before
    [entry] = [e for e in Catalogues().scan().unreadable if e.name == "a"]
    assert "is gone (deleted or moved)" in entry.reason
