"""Image validation and loading: every awkward file a catalogue can hold."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from catalogue_fixtures import write_bomb_png, write_image

from sane_desktop.catalogue.images import ImageRejected, inspect_image, load_rgb, validate_items
from sane_desktop.catalogue.types import ItemRecord
from sane_desktop.progress import Cancelled


@pytest.mark.parametrize(
    ("mode", "image_format", "suffix"),
    [("RGB", "JPEG", "jpg"), ("CMYK", "JPEG", "jpg"), ("L", "JPEG", "jpg"), ("L", "PNG", "png"),
     ("P", "PNG", "png"), ("RGBA", "PNG", "png"), ("LA", "PNG", "png"), ("I;16", "PNG", "png")],
)
def test_accepted_modes_load_as_rgb(tmp_path: Path, mode: str, image_format: str, suffix: str) -> None:
    path = write_image(tmp_path / f"x.{suffix}", mode=mode, size=(20, 10), image_format=image_format)
    facts = inspect_image(path)
    assert (facts.width, facts.height, facts.image_format) == (20, 10, image_format)
    image = load_rgb(path)
    assert image.mode == "RGB" and image.size == (20, 10)


def test_alpha_is_composited_on_white(tmp_path: Path) -> None:
    path = write_image(tmp_path / "clear.png", mode="RGBA", colour=(255, 0, 0, 0))
    assert load_rgb(path).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = write_image(tmp_path / "grey16.png", mode="I;16", colour=32896)  # 50% of 65535
    assert load_rgb(path).getpixel((0, 0)) == (128, 128, 128)


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    path = write_image(tmp_path / "rotated.jpg", size=(30, 10), exif_orientation=6)
    facts = inspect_image(path)
    assert (facts.width, facts.height) == (10, 30)
    assert load_rgb(path).size == (10, 30)


def test_reduced_decode_respects_max_side(tmp_path: Path) -> None:
    path = write_image(tmp_path / "big.jpg", size=(400, 200))
    image = load_rgb(path, max_side=50)
    assert max(image.size) == 50 and image.mode == "RGB"


def test_content_hash_is_sha256_of_bytes(tmp_path: Path) -> None:
    import hashlib

    path = write_image(tmp_path / "a.jpg")
    assert inspect_image(path).content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def _reason(path: Path, **kwargs: int) -> str:
    with pytest.raises(ImageRejected) as caught:
        inspect_image(path, **kwargs)
    return str(caught.value)


def test_truncated_jpeg_is_rejected(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    from PIL import Image

    full = tmp_path / "full.jpg"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(full, quality=95)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert "truncated" in _reason(truncated)


def _noisy_jpeg(path: Path) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (96, 64, 3), dtype=np.uint8)).save(path, quality=90)
    return path.read_bytes()


def test_jpeg_with_zeroed_middle_is_rejected_not_decoded_grey(tmp_path: Path) -> None:
    # Pillow decodes this without an error (the lost blocks come out grey); libjpeg-turbo warns
    data = bytearray(_noisy_jpeg(tmp_path / "full.jpg"))
    third = len(data) // 3
    data[third : 2 * third] = bytes(third)
    damaged = tmp_path / "zeroed.jpg"
    damaged.write_bytes(bytes(data))
    from PIL import Image

    with Image.open(damaged) as image:
        image.load()  # the silent decode this check exists for
    assert "corrupt JPEG data" in _reason(damaged)
    with pytest.raises(ImageRejected, match=r"zeroed\.jpg: corrupt JPEG data"):
        load_rgb(damaged)
    with pytest.raises(ImageRejected, match="corrupt JPEG data"):
        load_rgb(damaged, max_side=32)  # the thumbnail and embedding path too


def test_jpeg_padded_before_its_end_marker_is_kept(tmp_path: Path) -> None:
    # some cameras pad before EOI: libjpeg warns, yet every pixel is decoded
    data = _noisy_jpeg(tmp_path / "full.jpg")
    assert data.endswith(b"\xff\xd9")
    padded = tmp_path / "padded.jpg"
    padded.write_bytes(data[:-2] + b"\x00\x00\x00" + b"\xff\xd9")
    assert inspect_image(padded).image_format == "JPEG"
    assert load_rgb(padded).size == (64, 96)


def test_truncated_png_is_rejected(tmp_path: Path) -> None:
    full = write_image(tmp_path / "full.png", size=(64, 64))
    cut = tmp_path / "cut.png"
    cut.write_bytes(full.read_bytes()[:-20])
    assert "truncated or corrupt" in _reason(cut)


def test_empty_text_missing_and_folder_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("this is not an image")
    (tmp_path / "folder.jpg").mkdir()
    assert "empty" in _reason(tmp_path / "empty.jpg")
    assert "not an image" in _reason(tmp_path / "text.jpg")
    assert "missing" in _reason(tmp_path / "nothing.jpg")
    # a Windows-style path from a table: the backslash is part of a file name here
    assert _reason(tmp_path / "images\\t000.png").endswith(
        "a backslash is no folder separator here: write the path with / (images/t000.png)")
    assert _reason(tmp_path / "fotos\\b.jpg").endswith("(fotos/b.jpg)")  # its own path, not an example's (trial T)
    (tmp_path / "summer dress.jpg").write_bytes(b"x")  # trial V's table wrote the space as %20
    assert _reason(tmp_path / "summer%20dress.jpg").endswith(
        "; summer dress.jpg is there: the path is written URL-encoded (%20 for a space): write the name as the file has it")
    assert "backslash" not in _reason(tmp_path / "nothing.jpg")
    assert "folder" in _reason(tmp_path / "folder.jpg")


def test_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    # Would need 30 GB to decode; refused from the header alone (the test finishing proves no decode).
    huge = write_bomb_png(tmp_path / "bomb.png", 100_000, 100_000)
    assert "decompression bomb" in _reason(huge)
    # the image's own size, not Pillow's threshold (a trial read "more than 178,956,970 pixels")
    assert "image too large: 10,000,000,000 pixels exceeds the" in _reason(huge)
    # Under Pillow's own limits but over ours: our header check catches it.
    moderate = write_bomb_png(tmp_path / "moderate.png", 5_000, 5_000)
    assert "exceeds the 1,000,000-pixel limit" in _reason(moderate, max_pixels=1_000_000)


def test_validate_items_skips_bad_items_and_keeps_order(tmp_path: Path) -> None:
    write_image(tmp_path / "a.jpg")
    write_image(tmp_path / "c.png", mode="P", image_format="PNG")
    (tmp_path / "b.jpg").write_bytes(b"")
    items = [ItemRecord(name, f"{name}.{ext}", "tops") for name, ext in [("a", "jpg"), ("b", "jpg"), ("c", "png"), ("d", "jpg")]]
    items.append(ItemRecord("e", "../outside.jpg", "tops"))
    calls: list[tuple[int, int]] = []
    kept, skips = validate_items(tmp_path, items, progress=lambda d, t, m="": calls.append((d, t)))
    assert [item.item_id for item in kept] == ["a", "c"]
    assert kept[1].image_mode == "P" and kept[0].width == 16 and kept[0].content_hash
    assert [(s.item_id, s.kind) for s in skips] == [("b", "item"), ("d", "item"), ("e", "item")]
    assert "escapes" in skips[2].reason
    assert calls[-1] == (5, 5)


def test_validate_items_cancels(tmp_path: Path) -> None:
    items = [ItemRecord(str(i), f"{i}.jpg", "tops") for i in range(20)]
    for item in items:
        write_image(tmp_path / item.image_path)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        validate_items(tmp_path, items, should_stop=stop.is_set)
