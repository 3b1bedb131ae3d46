"""The explanation panel is stable and plain-spoken (issue 18, points 6, 7 and 8), driven through
Qt's real event paths (mouse clicks on the results' viewport and on the panel's buttons):

- clicking through results with long titles never re-lays the window: the splitters, the panel's
  width and the grids' column counts stay as they are; the window can be 800 × 600;
- a portrait product photo is shown whole, at its own resolution, letterboxed, with the map only
  over the part the model saw;
- the default view says what matched in a sentence, with a legend; the method's terms are behind
  "Details", whose state the settings keep.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import settle  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QLabel, QListView  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.gui.settings import Settings  # noqa: E402
from sane_desktop.gui.text import ElidedLabel  # noqa: E402
from sane_desktop.service.titles import attribute_words  # noqa: E402

pytestmark = pytest.mark.slow
SIZE = (1280, 800)  # the windows' size unless a test says

LONG = " — a very long product title that goes on and on about the cut, the fabric and the care label"
JARGON = ("type-space cosine", "map match", "prior", "exact cell decomposition")


def build_long_title_world(root: Path, items: int = 40) -> dict[str, Path]:
    """A demo catalogue whose titles are long and whose even items are portrait photos (224 × 448,
    the garment in the middle, white above and below), indexed with a tiny seeded model."""
    import torch
    from PIL import Image

    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from sane_desktop.service import CatalogueService

    source = root / "source"
    generate_demo(source, seed=0, items=items, masks=False)
    metadata_file = source / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_file.read_text())
    for number, (item_id, entry) in enumerate(metadata.items()):
        entry["title"] = f"{entry['title']}{LONG} {number}"
        if number % 2 == 0:
            path = source / "images" / f"{item_id}.jpg"
            with Image.open(path) as image:
                picture = image.convert("RGB")
            canvas = Image.new("RGB", (picture.width, 2 * picture.height), "white")
            canvas.paste(picture, (0, picture.height // 2))
            canvas.save(path, quality=95)
    metadata_file.write_text(json.dumps(metadata))
    catalogue = read_catalogue(source, validate_images=False)
    torch.manual_seed(0)
    net = CompatibilityNet(catalogue.categories(), width=16)
    attributes = AttributeNet(["motif:bolt", "colour:green", "pattern:dotted", "pattern:striped", "floral"], width=16)
    save_checkpoint(root / "model.pt", ModelBundle(net, attributes, Preprocessing()))
    CatalogueService(root / "index", model=root / "model.pt").index_folder(source, "demo")
    return {"root": root, "index": root / "index", "model": root / "model.pt", "source": source}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_long_title_world(tmp_path_factory.mktemp("layout"))


def columns(view: QListView) -> int:
    model = view.model()
    return len({view.visualRect(model.index(row)).x() for row in range(min(model.rowCount(), 24))})


def layout_state(window) -> dict[str, object]:  # type: ignore[no-untyped-def]
    centre = window.main_splitter
    return {"window": (window.width(), window.height()), "splitter": centre.sizes(),
            "centre": centre.widget(1).sizes(), "panel": window.explanation_dock.width(),
            "catalogue columns": columns(window.grid), "result columns": columns(window.results.view),
            "grid width": window.grid.viewport().width()}


def fully_compared_row(window) -> int:  # type: ignore[no-untyped-def]
    """The first result compared with every outfit item (one ranked by part of the outfit explains
    itself with fewer candidates)."""
    model = window.results_model
    return next(r for r in range(model.rowCount()) if not model.row(r).not_compared)


def click_result(window, qtbot, row: int) -> int:  # type: ignore[no-untyped-def]
    view = window.results.view
    index = window.results_model.index(row)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    return window.results_model.row(row).item.pk


def wait_explained(window, qtbot, pk: int, final: bool = False) -> None:  # type: ignore[no-untyped-def]
    def shown() -> bool:
        data = window.explanation.update_data
        return data is not None and data.candidate_pk == pk and (data.final or not final)

    qtbot.waitUntil(shown, timeout=120000)


def test_clicking_through_results_never_relays_the_window(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=SIZE)
    build_outfit(window, 2)
    wait_results(window, 60)
    settle(300)
    before = layout_state(window)
    assert before["catalogue columns"] >= 2 and before["result columns"] >= 2
    for row in range(6):  # every title is long: each would have widened the panel before
        pk = click_result(window, qtbot, row)
        wait_explained(window, qtbot, pk)
        settle()
        assert window.explanation.candidate_caption.is_elided()  # elided, not widening
        assert window.explanation.candidate_caption.plain_text() == window.results_model.row(row).item.title
        assert layout_state(window) == before, f"after clicking result {row}"
    wait_explained(window, qtbot, pk, final=True)
    settle()
    assert layout_state(window) == before
    # the full title is in the caption's tooltip
    assert LONG.strip()[:20] in window.explanation.candidate_caption.toolTip()


def test_the_window_can_be_800_by_600_with_an_explanation_and_its_details(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(1280, 800))
    build_outfit(window, 3)
    wait_results(window, 60)
    pk = click_result(window, qtbot, 0)
    wait_explained(window, qtbot, pk, final=True)
    qtbot.mouseClick(window.explanation.details_button, Qt.MouseButton.LeftButton)
    assert window.explanation.details.isVisible()
    settle()
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600, hint
    window.resize(800, 600)
    settle(300)
    assert (window.width(), window.height()) == (800, 600)
    pk = click_result(window, qtbot, 1)  # another long title, in the small window
    wait_explained(window, qtbot, pk)
    settle()
    assert (window.width(), window.height()) == (800, 600)
    assert window.minimumSizeHint().width() <= 800


def test_a_portrait_photo_is_shown_whole_with_the_map_over_what_the_model_saw(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=SIZE)
    build_outfit(window, 2)
    wait_results(window, 60)
    row = next(r for r in range(window.results_model.rowCount())
               if _is_portrait(window.results_model.row(r).item.image_path))
    pk = click_result(window, qtbot, row)
    wait_explained(window, qtbot, pk, final=True)
    view = window.explanation
    qtbot.waitUntil(lambda: view.candidate_panel.full, timeout=30000)  # the item's own photo, decoded off-thread
    settle()
    photo = view.candidate_panel.photo
    assert (photo.width(), photo.height()) == (224, 448)  # its own pixels, not the 112-px model crop
    pixmap = view.candidate_panel.pixmap()
    ratio = pixmap.devicePixelRatio()
    assert abs(pixmap.width() / pixmap.height() - 0.5) < 0.02  # whole: not cropped to a square
    assert pixmap.height() / ratio <= view.candidate_panel.height()  # letterboxed inside its panel
    image = pixmap.toImage()
    w, h = image.width(), image.height()
    view.overlay_toggle.click()  # the same photo without its overlay
    plain = view.candidate_panel.pixmap().toImage()
    view.overlay_toggle.click()
    assert (plain.width(), plain.height()) == (w, h)
    top, bottom = round(h * 0.25), round(h * 0.75)  # the model saw the centre square: 224 of 448 rows
    # above and below the model's view: the photo as it is, no heat
    for y in list(range(0, top - 2, 3)) + list(range(bottom + 2, h, 3)):
        for x in range(0, w, 5):
            assert image.pixelColor(x, y) == plain.pixelColor(x, y), (x, y)
    # inside it the overlay covers every pixel
    changed = [image.pixelColor(x, y) != plain.pixelColor(x, y)
               for y in range(top + 2, bottom - 2, 4) for x in range(1, w - 1, 4)]
    assert all(changed)


def _is_portrait(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        return image.height > image.width


def test_the_default_view_says_what_matched_and_details_are_remembered(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=SIZE)
    build_outfit(window, 2)
    wait_results(window, 60)
    pk = click_result(window, qtbot, fully_compared_row(window))
    wait_explained(window, qtbot, pk, final=True)
    view = window.explanation
    assert not view.details.isVisible()  # collapsed by default
    sentence = view.headline.plain_text()
    assert sentence.endswith("the highlighted areas drove the match.") and view.update_data.attribute
    shown = [label.text() for label in view.card.findChildren(QLabel) if label.isVisible()]
    shown += [view.status.text()]
    for word in JARGON:
        assert not any(word in text for text in shown), (word, shown)
    assert view.legend.isVisible() and view.legend.low == "less" and view.legend.high == "more influence"
    # the legend is drawn from the overlay's colour map, and follows it
    view.colour_map.setCurrentText("viridis")
    assert view.legend.colour_map == "viridis"

    qtbot.mouseClick(view.details_button, Qt.MouseButton.LeftButton)  # open Details
    assert view.details.isVisible()
    details = [label.text() for label in view.details.findChildren(QLabel)]
    assert any("type-space cosine" in text for text in details)
    assert any("map match" in text for text in details) and any("prior" in text for text in details)
    # a click on an attribute's name (a link) shows where the model sees it
    runner_up = view.bars.grid.itemAtPosition(2, 0).widget()
    qtbot.mouseClick(runner_up, Qt.MouseButton.LeftButton)
    assert view.layer.currentData() == view.update_data.attributes[1].name
    # in a stylist's words, as the overlay's menu says it (a trial read "sees pattern:checked")
    assert view.overlay_label.text() == f"Highlighted: where the model sees {attribute_words(view.layer.currentData())}"
    qtbot.mouseClick(view.attribute_label, Qt.MouseButton.LeftButton)  # "See where:" in the default view
    assert view.layer.currentData() == view.update_data.attribute
    # another result is another pair: its own highlight, not the last pair's attribute map (a trial saw
    # "Where: checked pattern" stay over a plain skirt whose headline named no attribute)
    other = next(row for row in range(window.results_model.rowCount()) if window.results_model.row(row).item.pk != pk)
    wait_explained(window, qtbot, click_result(window, qtbot, other), final=True)
    assert view.layer.currentData() is None and view.overlay_label.text() != "" \
        and "where the model sees" not in view.overlay_label.text()

    settings_file = Path(window.settings.qsettings.fileName())
    window.settings.sync()
    assert Settings(QSettings(str(settings_file), QSettings.Format.IniFormat)).get("explanation_details") == 1
    window.close()
    from sane_desktop.gui.app import create_window
    from sane_desktop.service import CatalogueService

    again, client = create_window(CatalogueService(world["index"], model=world["model"]),
                                  Settings(QSettings(str(settings_file), QSettings.Format.IniFormat)),
                                  cache_dir=world["root"] / "thumbs")
    make_window.clients.append(client)  # shut down with the test's other windows
    qtbot.addWidget(again)
    assert again.explanation.details_button.isChecked()  # remembered: open again
    again.explanation.details_button.click()
    assert not again.explanation.details_button.isChecked()
    assert again.settings.get("explanation_details") == 0


def test_elided_labels_never_ask_for_the_width_of_their_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = ElidedLabel("short")
    qtbot.addWidget(label)
    hint, minimum = label.sizeHint(), label.minimumSizeHint()
    label.setText("x" * 500)
    assert label.sizeHint() == hint and label.minimumSizeHint() == minimum
    label.resize(120, hint.height())
    assert label.is_elided() and "x" * 40 in label.toolTip().replace("\u200b", "")  # (places to wrap: invisible)
    assert label.shown_lines()[0].endswith("…")
    two = ElidedLabel("word " * 80, lines=2)
    qtbot.addWidget(two)
    two.resize(150, two.sizeHint().height())
    assert len(two.shown_lines()) == 2 and two.shown_lines()[1].endswith("…")
