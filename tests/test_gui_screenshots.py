"""The README's screenshot walk (issue 18: screenshots retaken with the filters, a saved outfit, the
detail view and the plain-spoken explanation) on a small demo world: every picture is written at its
size, the walk's own saved outfit is deleted again and one of the user's with the same name is never
touched. What the pictures show is looked at by a person (the README's images), not asserted here."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from sane_desktop.gui import screenshots  # noqa: E402
from sane_desktop.gui.startup import application  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402

WINDOW_SHOTS = ("01-catalogue", "02-results-chips", "03-overlays-contributions", "04-results-explanation",
                "07-dark-theme", "10-filters", "11-saved-outfit")
PANEL_SHOTS = ("05-explanation-export", "06-index-dialog", "08-attribute-map", "09-explanation", "12-detail-view")


def test_the_walk_writes_every_picture_and_leaves_the_saved_outfits_as_they_were(tmp_path: Path) -> None:
    application()
    build_demo_world(tmp_path, 60, device="cpu")
    service = CatalogueService(tmp_path / "index", model=tmp_path / "model.pt", rise_masks=64)
    service.open_catalogue("demo")
    # the user's own outfit, under the name the walk would use
    service.save_outfit(screenshots.SAVED_OUTFIT_NAME, [item.pk for item in service.items()[:2]])
    before = [(outfit.name, outfit.items) for outfit in service.list_saved_outfits()]
    service.close()

    out = tmp_path / "shots"
    assert screenshots.take_screenshots(service, out, demo_items=60, deadline_s=600) == 0

    written = sorted(path.stem for path in out.glob("*.png"))
    assert written == sorted(WINDOW_SHOTS + PANEL_SHOTS)
    for name in WINDOW_SHOTS:
        image = QImage(str(out / f"{name}.png"))
        assert (image.width(), image.height()) == screenshots.WINDOW_SIZE, name
    for name in PANEL_SHOTS:
        image = QImage(str(out / f"{name}.png"))
        assert not image.isNull() and image.width() >= 300 and image.height() >= 150, name
    # the walk saved its outfit under another name, then deleted it: the user's list is as it was
    service.open_catalogue("demo")
    assert [(outfit.name, outfit.items) for outfit in service.list_saved_outfits()] == before
    service.close()
