"""A trial explained a pair whose result was a 1×800 photo: the panel showed a blank map and said
nothing. The import and ``query`` already name such photos; the explanation panel now says it under
the photos (and so in an exported PNG), from the photo's own size, and a next pair clears it."""

from __future__ import annotations

import hashlib

import os

import numpy as np
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sane_desktop.gui.explain_tasks import ColouredUpdate  # noqa: E402
from sane_desktop.gui.explanation_view import ExplanationView  # noqa: E402
from sane_desktop.service.values import ExplanationUpdate, ItemInfo  # noqa: E402

MAP = np.arange(16, dtype=np.float32).reshape(4, 4)
CROP = np.full((32, 32, 3), 200, np.uint8)
OVERLAY = np.zeros((32, 32, 4), np.uint8)


def item(tmp_path, pk: int, size: tuple[int, int]) -> ItemInfo:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{pk}.png"
    Image.new("RGB", size, (120, 60, 30)).save(path)
    # the photo's own hash: only the recorded photo is shown under an item's name
    return ItemInfo(pk, str(pk), "tops", f"Item {pk}", path, hashlib.sha256(path.read_bytes()).hexdigest())


def show(view: ExplanationView, candidate: ItemInfo, outfit: ItemInfo) -> None:
    update = ExplanationUpdate(candidate.pk, outfit.pk, "fast", MAP, MAP, CROP, CROP, 0.5, 0.01, True)
    view.show_update(ColouredUpdate(update, OVERLAY, OVERLAY, "inferno"), candidate, outfit)


def test_a_strip_photo_is_said_under_the_photos_and_a_next_pair_clears_it(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    view = ExplanationView()
    qtbot.addWidget(view)
    show(view, item(tmp_path, 1, (1, 800)), item(tmp_path, 2, (200, 240)))
    qtbot.waitUntil(lambda: not view.framing_note.isHidden(), timeout=10000)
    view.loader.wait()
    qtbot.wait(50)  # the second photo's signal
    text = view.framing_note.text()
    assert text.startswith("This item's photo is 1×800 pixels: the model sees its centre square, under 1 % of it")
    assert "outfit item" not in text  # the ordinary photo is not named

    show(view, item(tmp_path, 3, (200, 240)), item(tmp_path, 4, (20, 20)))
    qtbot.waitUntil(lambda: "outfit item" in view.framing_note.text(), timeout=10000)
    assert view.framing_note.text() == ("The outfit item's photo is only 20×20 pixels: the model sees it enlarged, "
                                        "with little detail, so its highlight says little.")

    show(view, item(tmp_path, 5, (200, 240)), item(tmp_path, 6, (240, 200)))
    view.loader.wait()
    qtbot.wait(50)
    assert view.framing_note.isHidden() and view.framing_note.text() == ""


def test_a_pair_the_window_no_longer_lists_is_captioned_by_its_own_titles(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trial's panel kept an earlier catalogue's "Trainers - plus-sign detail" over another
    catalogue's triangle: the result explained had left the list (searched again meanwhile), so
    the window passed no item and the caption stayed. The update carries the titles the worker
    read with the maps; a cleared panel keeps no caption or headline."""
    view = ExplanationView()
    qtbot.addWidget(view)
    show(view, item(tmp_path, 1, (200, 240)), item(tmp_path, 2, (200, 240)))
    assert view.candidate_caption.text() == "Item 1" and "Item 2" in view.outfit_caption.text()
    update = ExplanationUpdate(7, 8, "fast", MAP, MAP, CROP, CROP, 0.5, 0.01, True,
                               candidate_title="black tri", outfit_title="black ellipse")
    view.show_update(ColouredUpdate(update, OVERLAY, OVERLAY, "inferno"))  # neither item listed
    assert view.candidate_caption.text() == "black tri"
    assert view.outfit_caption.text() == "matches best with black ellipse"
    view.clear()
    assert view.candidate_caption.text() == view.outfit_caption.text() == view.headline.text() == ""
