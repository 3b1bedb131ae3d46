"""Issue 19, point 5: an incremental, streaming re-index.

- a re-index of an unchanged catalogue opens no image file: each file's (size, mtime) is compared
  with what the last import recorded, before any byte is read or hashed;
- a file rewritten with new content is read and hashed again (and re-embedded); one merely touched
  (same bytes, new mtime) is read again and keeps its hash and its embedding;
- the sync streams: a catalogue larger than one sync chunk imports, re-imports as a no-op, and
  drops what left the folder;
- a store written before revision 0004 (no stat recorded) reads every file once, then skips them.

The spy is Python's own audit hook for ``open`` (every open of a file by Python or Pillow raises it),
counting opens of image files under the catalogue folder; nothing of the import is replaced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from sane_desktop.retrieval.indexing import index_catalogue
from sane_desktop.store import schema as S
from sane_desktop.store import sync
from sane_desktop.store.importer import import_folder
from tests.retrieval_world import make_catalogue, make_model

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class OpenSpy:
    """Counts the image files under ``root`` that Python opens while ``active``."""

    def __init__(self) -> None:
        self.root: str | None = None
        self.opened: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.root is None or event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path = os.fsdecode(args[0])
        if path.startswith(self.root) and path.lower().endswith(IMAGE_SUFFIXES):
            self.opened.append(path)


_SPY = OpenSpy()
sys.addaudithook(_SPY)  # audit hooks cannot be removed: this one does nothing unless a test arms it


@pytest.fixture
def spy() -> Iterator[OpenSpy]:
    _SPY.opened = []
    yield _SPY
    _SPY.root = None


def watching(spy: OpenSpy, root: Path) -> OpenSpy:
    spy.root, spy.opened = str(root.resolve()), []
    return spy


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("incremental")
    return {"catalogue": make_catalogue(base / "shop", items=30), "model": make_model(base / "model.pt")}


def stored_items(engine: Any) -> dict[str, tuple[str, int | None, int | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(S.Item.image_path, S.Item.content_hash, S.Item.file_size,
                                         S.Item.file_mtime_ns))
        return {str(path): (str(digest), size, mtime) for path, digest, size, mtime in rows}


def test_noop_reindex_opens_no_image_and_a_changed_file_is_rehashed(world: dict[str, Path], tmp_path: Path,
                                                                    spy: OpenSpy) -> None:
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    images = sorted((root / "images").glob("*.jpg"))
    watching(spy, root)
    first = index_catalogue(root, "shop", world["model"], workers=0)
    assert first.embedded == first.items == len(images)
    assert len(set(spy.opened)) == len(images)  # the first run reads every image (the spy sees them)

    engine = import_folder(root, "shop")[0]
    before = stored_items(engine)
    engine.dispose()
    assert all(size is not None and mtime is not None for _, size, mtime in before.values())

    watching(spy, root)
    again = index_catalogue(root, "shop", world["model"], workers=0)
    assert spy.opened == []
    assert again.embedded == 0 and again.reused == again.items == len(images)

    changed, touched = images[0], images[1]
    Image.new("RGB", (64, 96), (200, 30, 30)).save(changed)  # new content
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # same bytes, new mtime
    watching(spy, root)
    third = index_catalogue(root, "shop", world["model"], workers=0)
    opened = {Path(p).name for p in spy.opened}
    # validation reads both; embedding decodes only the one whose content changed
    assert opened == {changed.name, touched.name}
    assert third.embedded == 1 and third.reused == len(images) - 1

    engine = import_folder(root, "shop")[0]
    after = stored_items(engine)
    engine.dispose()
    changed_key, touched_key = f"images/{changed.name}", f"images/{touched.name}"
    assert after[changed_key][0] != before[changed_key][0]
    assert after[changed_key][1] == changed.stat().st_size
    assert after[touched_key][0] == before[touched_key][0]
    assert after[touched_key][2] == touched.stat().st_mtime_ns != before[touched_key][2]
    unchanged = set(before) - {changed_key, touched_key}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


def test_same_size_and_mtime_is_trusted_but_either_moving_is_not(world: dict[str, Path], tmp_path: Path,
                                                                 spy: OpenSpy) -> None:
    """The (size, mtime, ctime) rule exactly: a file whose bytes changed but whose size and mtime were
    put back is read again (its ctime moved: a trial's replaced photo was "current" to index while
    query saw it), as one whose size changed; a row without a recorded ctime (before revision 0009)
    is compared by size and mtime alone, rsync's rule, and gets its ctime recorded."""
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    import_folder(root, "shop")[0].dispose()
    image = sorted((root / "images").glob("*.jpg"))[2]
    stat = image.stat()
    data = bytearray(image.read_bytes())
    # same size, other hash, still a sound JPEG (damaged data would be skipped when it is read):
    # the JFIF header's horizontal pixel density
    assert data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\0"
    data[15] ^= 0x01
    image.write_bytes(bytes(data))
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    watching(spy, root)
    engine = import_folder(root, "shop")[0]
    assert [Path(p).name for p in spy.opened] == [image.name]  # size and mtime put back: the ctime moved
    assert stored_items(engine)[f"images/{image.name}"][0] == hashlib.sha256(bytes(data)).hexdigest()
    with engine.begin() as connection:  # as a row recorded before revision 0009
        connection.execute(update(S.Item).values(file_ctime_ns=None))
    engine.dispose()
    data[15] ^= 0x01  # back to the first bytes, size and mtime put back again
    image.write_bytes(bytes(data))
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    watching(spy, root)
    engine = import_folder(root, "shop")[0]
    assert spy.opened == []  # no ctime to compare: size and mtime alone
    with engine.connect() as connection:  # … and the ctime is recorded from now on
        assert None not in connection.scalars(select(S.Item.file_ctime_ns)).all()
    engine.dispose()

    image.write_bytes(bytes(data) + b"\0")  # one byte longer: read again
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    watching(spy, root)
    engine = import_folder(root, "shop")[0]
    assert [Path(p).name for p in spy.opened] == [image.name]
    assert stored_items(engine)[f"images/{image.name}"][1] == stat.st_size + 1
    engine.dispose()


def test_store_without_recorded_stat_reads_once_then_skips(world: dict[str, Path], tmp_path: Path,
                                                           spy: OpenSpy) -> None:
    """Rows from before revision 0004 have no stat: the next import reads each file, records it,
    and the one after reads none."""
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    engine = import_folder(root, "shop")[0]
    with engine.begin() as connection:
        connection.execute(update(S.Item).values(file_size=None, file_mtime_ns=None))
    engine.dispose()
    watching(spy, root)
    import_folder(root, "shop")[0].dispose()
    assert len(set(spy.opened)) == len(list((root / "images").glob("*.jpg")))
    watching(spy, root)
    import_folder(root, "shop")[0].dispose()
    assert spy.opened == []


def photo_folder(root: Path, count: int, shade: int) -> Path:
    """``count`` small PNGs of distinct sizes and colours, alternately in ``shoes/`` and ``tops/``."""
    for number in range(count):
        folder = root / ("tops" if number % 2 else "shoes")
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8 + number, 8), (number * shade, 10, 10)).save(folder / f"p{number:02d}.png")
    return root


def test_sync_streams_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: OpenSpy) -> None:
    """With a sync chunk of 4 rows, a plain folder of 11 images imports, re-imports without a change
    (revision kept, no image opened), and a removed image and an added one sync exactly."""
    monkeypatch.setattr(sync, "CHUNK", 4)
    root = photo_folder(tmp_path / "folder", 11, 20)
    engine, first = import_folder(root, "folder")
    engine.dispose()
    assert first.items == 11 and first.changes["items"] == {"inserted": 11, "updated": 0, "deleted": 0}
    watching(spy, root)
    engine, second = import_folder(root, "folder")
    engine.dispose()
    assert spy.opened == [] and second.revision == first.revision
    assert second.changes["items"] == {"inserted": 0, "updated": 0, "deleted": 0}

    (root / "tops" / "p01.png").unlink()
    Image.new("RGB", (30, 8), (1, 2, 3)).save(root / "shoes" / "p99.png")
    engine, third = import_folder(root, "folder")
    assert third.changes["items"] == {"inserted": 1, "updated": 0, "deleted": 1}
    assert third.revision == first.revision + 1
    paths = set(stored_items(engine))
    engine.dispose()
    assert "tops/p01.png" not in paths and "shoes/p99.png" in paths and len(paths) == 11


def test_a_photo_touched_but_not_changed_is_no_changed_item(tmp_path: Path, spy: OpenSpy) -> None:
    """Trial Q touched 6 of 12 photos (as a copy without -p, a chmod or rsync without -t does): the
    re-index said "12 unchanged" and "6 changed", and re-imported the catalogue (a new revision, the
    index rebuilt). The photos are read again and found the same: no item changed, the revision
    stays, and the new file times are recorded, so the import after that reads no photo at all."""
    root = photo_folder(tmp_path / "folder", 6, 30)
    engine, first = import_folder(root, "folder")
    engine.dispose()
    touched = sorted((root / "tops").glob("*.png"))
    for path in touched:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    watching(spy, root)
    engine, second = import_folder(root, "folder")
    engine.dispose()
    assert sorted(set(spy.opened)) == [str(path.resolve()) for path in touched]  # read again: their stat moved
    assert second.changes["items"] == {"inserted": 0, "updated": 0, "deleted": 0}
    assert second.revision == first.revision
    watching(spy, root)
    engine, third = import_folder(root, "folder")
    assert spy.opened == [] and third.revision == first.revision  # the new times were recorded
    recorded = {path: mtime for path, (_, _, mtime) in stored_items(engine).items()}
    engine.dispose()
    assert all(recorded[f"tops/{path.name}"] == path.stat().st_mtime_ns for path in touched)
    # a real change among touched ones is still one
    Image.new("RGB", (30, 8), (1, 2, 3)).save(touched[0])
    engine, fourth = import_folder(root, "folder")
    engine.dispose()
    assert fourth.changes["items"]["updated"] == 1 and fourth.revision == first.revision + 1


def test_folder_swapped_for_a_link_outside_is_not_trusted(world: dict[str, Path], tmp_path: Path,
                                                          spy: OpenSpy) -> None:
    """Same files, same stats, but the images folder now a link to a copy outside the catalogue:
    the skip never bypasses the inside-the-folder rule, so every item is rejected as before."""
    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    import_folder(root, "shop")[0].dispose()
    outside = tmp_path / "elsewhere"
    (root / "images").rename(outside)
    (root / "images").symlink_to(outside, target_is_directory=True)
    from sane_desktop.catalogue import CatalogueError

    with pytest.raises(CatalogueError, match="resolves outside the catalogue folder"):  # no item left: refused
        import_folder(root, "shop")


def test_moving_to_a_new_model_removes_the_old_models_rows(world: dict[str, Path], tmp_path: Path) -> None:
    """Issue 19, point 4: after indexing with another model, the store holds that model's rows only
    (no full copy per retrained model); the index answers from the new model."""
    from sqlalchemy import func

    root = Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))
    first = index_catalogue(root, "shop", world["model"], workers=0)
    other = make_model(tmp_path / "other.pt", seed=1)
    second = index_catalogue(root, "shop", other, workers=0)
    assert second.embedded == second.items and second.model_hash != first.model_hash
    engine = import_folder(root, "shop")[0]
    with engine.connect() as connection:
        by_model = dict(connection.execute(select(S.ItemEmbedding.model_hash, func.count())
                                           .group_by(S.ItemEmbedding.model_hash)).all())
    engine.dispose()
    assert by_model == {second.model_hash: second.items}
