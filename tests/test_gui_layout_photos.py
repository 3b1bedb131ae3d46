"""Full product photos, sharp, with the map where the model looked (issue 18, point 7): the composed
picture of a portrait keeps its aspect ratio, and a map with one hot cell lands on the part of the
photo that cell covers in the model's centre crop; outside that crop there is no heat. The crop box
the service gives is the one ``models.preprocess.resize_crop`` takes."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PIL import Image  # noqa: E402
from PySide6.QtCore import QRectF, QSize  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402

from sane_desktop.gui.explanation_view import PhotoView, compose, rgba_image  # noqa: E402
from sane_desktop.service import colourise  # noqa: E402
from sane_desktop.service.items import model_crop_box, photo_pixels  # noqa: E402

SIDE = 112  # the model's input side
GREY = QColor(128, 128, 128)


def grey_photo(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB888)
    image.fill(GREY)
    return image


def one_hot_cell(row: int, column: int, cells: int = 7) -> np.ndarray:
    """A SIDE × SIDE map, zero but for one cell of a ``cells`` × ``cells`` grid."""
    saliency = np.zeros((SIDE, SIDE), np.float32)
    step = SIDE // cells
    saliency[row * step:(row + 1) * step, column * step:(column + 1) * step] = 1.0
    return saliency


@pytest.mark.parametrize(("width", "height"), [(300, 600), (600, 300), (313, 517), (400, 400)])
def test_the_crop_box_is_what_resize_crop_takes(width: int, height: int) -> None:
    from sane_desktop.models.preprocess import resize_crop

    rng = np.random.default_rng(0)
    # smooth content (a few big blocks), so that resampling differences stay small
    blocks = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
    photo = Image.fromarray(blocks).resize((width, height), Image.Resampling.NEAREST)
    left, top, w, h = model_crop_box(width, height, SIDE)
    assert w == pytest.approx(h, rel=0.02) and min(width, height) == pytest.approx(w, rel=0.02)
    ours = np.asarray(photo.resize((SIDE, SIDE), Image.Resampling.BILINEAR,
                                   box=(left, top, left + w, top + h)), dtype=np.float32)
    model = np.asarray(resize_crop(photo, SIDE), dtype=np.float32)
    assert np.abs(ours - model).mean() < 6.0  # the same pixels (edges of blocks aside)


def test_a_portrait_keeps_its_aspect_ratio(qapp) -> None:  # type: ignore[no-untyped-def]
    photo = grey_photo(300, 600)
    crop = QRectF(*model_crop_box(300, 600, SIDE))
    assert (crop.left(), crop.top(), crop.width(), crop.height()) == (0, 150, 300, 300)
    overlay = rgba_image(colourise(one_hot_cell(3, 3)))
    for bound in (QSize(200, 200), QSize(400, 300), QSize(1000, 1000)):
        pixmap = compose(photo, crop, overlay, 0.8, bound)
        assert pixmap.width() / pixmap.height() == pytest.approx(0.5, abs=0.01), bound
        assert pixmap.width() <= bound.width() and pixmap.height() <= bound.height()
        assert pixmap.width() == bound.width() or pixmap.height() == bound.height()  # as big as it fits


def test_one_hot_cell_lands_on_its_place_of_the_photo(qapp) -> None:  # type: ignore[no-untyped-def]
    photo = grey_photo(300, 600)
    crop = QRectF(*model_crop_box(300, 600, SIDE))
    saliency = one_hot_cell(1, 5)  # row 1, column 5 of 7: rows 16–32, columns 80–96 of the crop
    image = compose(photo, crop, rgba_image(colourise(saliency)), 1.0, QSize(300, 600)).toImage()
    assert (image.width(), image.height()) == (300, 600)  # the photo at its own resolution
    scale = 300 / SIDE
    hot_x, hot_y = round(88 * scale), round(150 + 24 * scale)  # the cell's centre, in the photo
    hot = image.pixelColor(hot_x, hot_y)
    cold = image.pixelColor(round(20 * scale), round(150 + 90 * scale))  # a cold cell of the crop
    # inferno: pale yellow where hot; a cold cell is only tinted towards black (low alpha)
    assert hot.lightness() > 200 and cold.lightness() < GREY.lightness() - 20
    # the hottest spot of the whole picture is that cell
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), np.uint8)
    rows = pixels.reshape(rgb.height(), rgb.bytesPerLine())[:, :rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    brightness = rows.astype(np.int32).sum(axis=2)
    y, x = np.unravel_index(int(np.argmax(brightness)), brightness.shape)
    assert abs(x - hot_x) <= 16 * scale / 2 + 2 and abs(y - hot_y) <= 16 * scale / 2 + 2
    # above and below the model's view: the photo untouched
    for y in (0, 75, 149, 451, 525, 599):
        assert image.pixelColor(150, y) == GREY, y


def test_the_photo_view_letterboxes_in_any_room(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = PhotoView("result")
    qtbot.addWidget(view)
    photo = grey_photo(300, 600)
    view.set_photo(photo, QRectF(*model_crop_box(300, 600, SIDE)), True)
    view.set_overlay(rgba_image(colourise(one_hot_cell(0, 0))), 0.5)
    for size in ((300, 300), (200, 500), (500, 250)):
        view.resize(*size)
        pixmap = view.pixmap()
        ratio = pixmap.devicePixelRatio()
        assert pixmap.width() / pixmap.height() == pytest.approx(0.5, abs=0.02)
        assert pixmap.width() / ratio <= size[0] and pixmap.height() / ratio <= size[1]
    hint = view.sizeHint()
    view.set_photo(grey_photo(2000, 300), QRectF(0, 0, 300, 300), True)
    assert view.sizeHint() == hint  # the panel's size never depends on the photo
    assert view.heightForWidth(200) == view.heightForWidth(200)


def test_photo_pixels_are_the_whole_photo_bounded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tall.png"
    Image.new("RGB", (300, 600), (10, 20, 30)).save(path)
    pixels = photo_pixels(path)
    assert pixels.shape == (600, 300, 3) and tuple(pixels[0, 0]) == (10, 20, 30)
    assert photo_pixels(path, max_side=200).shape == (200, 100, 3)
    # with the hash the catalogue recorded: that photo, or a refusal for another one in its place
    import hashlib

    from sane_desktop.errors import PhotoChanged

    recorded = hashlib.sha256(path.read_bytes()).hexdigest()
    assert photo_pixels(path, content_hash=recorded).shape == (600, 300, 3)
    Image.new("RGB", (300, 600), (0, 160, 0)).save(path)
    with pytest.raises(PhotoChanged, match="was replaced since the catalogue was indexed") as refused:
        photo_pixels(path, content_hash=recorded)
    assert refused.value.path == str(path)
