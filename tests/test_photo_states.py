"""How a photo that is no photo is said (trial CG): a file emptied to 0 bytes since indexing read "replaced",
and a dangling symbolic link "image file is missing" or "resolves outside the catalogue folder"."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PIL import Image

from sane_desktop.service.items import photo_state
from sane_desktop.service.sources import read_source


def test_an_emptied_photo_is_said_emptied_not_replaced(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (20, 20), (200, 30, 30)).save(photo)
    recorded = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert photo_state(photo, recorded) == ""
    photo.write_bytes(b"")
    assert photo_state(photo, recorded) == "emptied (0 bytes)"
    Image.new("RGB", (20, 20), (30, 30, 200)).save(photo)
    assert photo_state(photo, recorded) == "replaced"
    photo.unlink()
    assert photo_state(photo, recorded) == "gone"


def test_a_dangling_link_is_said_as_a_broken_link(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    (root / "Tops").mkdir(parents=True)
    Image.new("RGB", (20, 20), (200, 30, 30)).save(root / "Tops" / "red.jpg")
    try:
        os.symlink("gone_inside.jpg", root / "Tops" / "inside.jpg")
        os.symlink(tmp_path / "nowhere" / "x.jpg", root / "Tops" / "outside.jpg")
    except OSError:
        pytest.skip("no symbolic links here")
    catalogue = read_source(root)
    reasons = {skip.path: skip.reason for skip in catalogue.skipped}
    assert reasons.get("Tops/inside.jpg") == "the photo is a broken link: it leads to gone_inside.jpg, which is not there"
    assert reasons.get("Tops/outside.jpg") == (f"the photo is a broken link: it leads to {tmp_path / 'nowhere' / 'x.jpg'}, "
                                               "which is not there"), reasons
    assert [item.item_id for item in catalogue.items_with_photo()] == ["Tops/red"]
