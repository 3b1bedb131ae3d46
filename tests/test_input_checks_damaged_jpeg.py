"""Fresh-user trial: a JPEG whose middle bytes were zeroed was imported and indexed as a photo
(Pillow decodes it without an error, the lost blocks grey). The import now decodes JPEG data
strictly (libjpeg-turbo's corrupt-data warnings, through simplejpeg) and skips such a file with one
line; a catalogue stored under the older check (``catalogues.image_check``, revision 0007) has its
JPEGs read again once, even unchanged ones.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, select, update

from migration_helpers import catalogue_column_round_trip

from sane_desktop.catalogue.images import IMAGE_CHECK
from sane_desktop.store import schema as S
from sane_desktop.store.importer import import_folder, stored_catalogue


def _photo(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (96, 64, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, quality=90)
    return path


def _zero_middle(path: Path, keep_stat: bool = False) -> None:
    """Zero the middle third of the file's bytes in place (same size); ``keep_stat``: same mtime too."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = bytes(third)
    path.write_bytes(bytes(data))
    if keep_stat:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    for n in range(3):
        _photo(root / "Tops" / f"top{n}.jpg", n)
        _photo(root / "Skirts" / f"skirt{n}.jpg", 10 + n)
    return root


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'catalogue.db'}"


def test_zeroed_jpeg_is_skipped_with_one_line(folder: Path, tmp_path: Path) -> None:
    _zero_middle(folder / "Tops" / "top1.jpg")
    engine, summary = import_folder(folder, db_url=_url(tmp_path))
    try:
        assert summary.items == 5
        [skip] = summary.skipped
        assert skip["path"].endswith("top1.jpg") and "corrupt JPEG data" in skip["reason"]
        assert "\n" not in skip["reason"]
        assert stored_catalogue(engine, "shop").image_check == IMAGE_CHECK  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_files_passed_by_an_older_check_are_read_again_once(folder: Path, tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine, first = import_folder(folder, db_url=url)
    engine.dispose()
    assert first.items == 6 and not first.skipped
    # damaged behind the import's back, size and mtime kept, and no ctime recorded (a row from before
    # r0009, which is compared by size and mtime alone): an unchanged file is not read again...
    _zero_middle(folder / "Skirts" / "skirt2.jpg", keep_stat=True)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(update(S.Item).values(file_ctime_ns=None))
    engine.dispose()
    engine, same = import_folder(folder, db_url=url)
    engine.dispose()
    assert same.items == 6 and not same.skipped
    # ...unless the catalogue's images passed an older check (stored before r0007: no version)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(update(S.CatalogueRow).values(image_check=None))
    engine.dispose()
    engine, again = import_folder(folder, db_url=url)
    try:
        assert again.items == 5
        assert [s["path"].rsplit("/", 1)[-1] for s in again.skipped] == ["skirt2.jpg"]
        with engine.connect() as connection:
            assert connection.scalar(select(S.CatalogueRow.image_check)) == IMAGE_CHECK
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        Path(tmp_path / "store").mkdir()
        return _url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


def test_migration_r0007_up_and_down(url: str) -> None:
    # kept, with no check recorded: its JPEGs are read again at the next import
    catalogue_column_round_trip(url, "0006", "0007", "image_check")
