"""Issue 14 in the GUI: catalogue text is data, never markup, on every surface it reaches (tiles,
tooltips, explanation view and its exported card, category dialog, catalogue names, message boxes,
dialogs' error lines); reusing a catalogue name asks before replacing; errors are the message a
person acts on, in full.

The catalogue (:func:`gui_helpers.build_hostile_world`) has titles starting with
``<img src="file:///etc/hostname"><h1>FAKE</h1>``, ids ``<s>…``, a category ``<i>tops</i>``,
attribute names ``<u>…</u>`` and is named ``<h1>FAKE<img src="x.png">``. Everything runs through the
real widgets on the offscreen platform: the worker answers, the handlers set the text."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import (  # noqa: E402
    HOSTILE, HOSTILE_CATEGORY, HOSTILE_NAME, assert_not_markup, assert_shows_literally, build_hostile_world,
    displayed, open_window, painted_texts, tooltip_format,
)
from PySide6.QtCore import QEvent, QPoint, QRect, Qt  # noqa: E402
from PySide6.QtGui import QHelpEvent, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractItemView, QApplication, QLabel, QListView, QMessageBox, QStyleOptionViewItem, QToolTip, QWidget,
)

from sane_desktop.errors import SaneError, StaleIndexError  # noqa: E402
from sane_desktop.gui.screenshots import (  # noqa: E402
    build_outfit, explain_first_result, open_first_catalogue, wait_results, wait_tiles,
)
from sane_desktop.gui.tasks import Failure, TaskRunner  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402
from sane_desktop.service.titles import attribute_words  # noqa: E402

HAS_EXISTING_SOURCE = hasattr(CatalogueService, "existing_source")
needs_existing_source = pytest.mark.skipif(
    not HAS_EXISTING_SOURCE, reason="CatalogueService.existing_source / index_folder(replace=) not there yet")
CLASS_NAMES = ("CatalogueError", "InputError", "NotFound", "SaneError", "Traceback", "Exception")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    return build_hostile_world(tmp_path_factory.mktemp("gui-untrusted"))


@pytest.fixture
def window(world, qtbot):  # type: ignore[no-untyped-def]
    window, client = open_window(world, qtbot, rise_masks=16, size=(1100, 760))
    open_first_catalogue(window, build_demo=False, demo_items=40, timeout_s=60)
    yield window
    for box in message_boxes():
        box.close()
    client.shutdown()


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def session(window) -> None:  # type: ignore[no-untyped-def]
    """An outfit, its results with their background explanations, one explanation."""
    build_outfit(window, 2)
    wait_results(window, 60)
    wait_tiles(window, 60)
    explain_first_result(window, 120)


# --- tiles: browser grid, outfit strip, results -------------------------------------------------
def test_tiles_draw_titles_and_attributes_as_plain_text(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    build_outfit(window, 2)
    wait_results(window, 60)
    wait_tiles(window, 60)
    for view in (window.grid, window.outfit_panel.view, window.results.view):
        texts = painted_texts(view, 0)
        # drawText shows the characters: the title's tag is on the tile as "<img src=…" (elided)
        assert any(text.startswith("<img src=") for text in texts), (view, texts)
    chips = [text for row in window.results.visible_rows() for text in painted_texts(window.results.view, row)]
    assert any(text.startswith("<u>") for text in chips), chips  # the explaining attribute's chip
    assert not window.grab().isNull()  # the real views paint the same tiles


# --- tooltips -------------------------------------------------------------------------------
def test_tooltips_show_catalogue_text_literally(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    build_outfit(window, 2)
    wait_results(window, 60)
    wait_tiles(window, 60)
    for model in (window.browser_model, window.outfit_model, window.results_model):
        for row in range(model.rowCount()):
            item = model.row(row).item
            tip = model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
            where = f"tooltip of {item.item_id}"
            assert_shows_literally(tip, tooltip_format(), item.title, where)
            assert_shows_literally(tip, tooltip_format(), f"{item.category} · id {item.item_id}", where)
    explained = window.results_model.data(window.results_model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "<u>" in displayed(explained, tooltip_format())  # the attribute, as written
    assert f"top contributing outfit item: {HOSTILE}" in displayed(explained, tooltip_format())

    # the real path: a help event on the results view shows the tooltip Qt renders
    view = window.results.view
    point = view.visualRect(window.results_model.index(0)).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    assert_shows_literally(QToolTip.text(), tooltip_format(), HOSTILE, "shown tooltip")
    tip_labels = [w for w in QApplication.topLevelWidgets() if w.objectName() == "qtooltip_label" and w.isVisible()]
    assert tip_labels and isinstance(tip_labels[0], QLabel)
    assert_shows_literally(tip_labels[0].text(), tip_labels[0].textFormat(), HOSTILE, "tooltip label")
    QToolTip.hideText()


# --- explanation view and its exported card --------------------------------------------------
def test_explanation_view_and_exported_card_show_catalogue_text_literally(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    session(window)
    view = window.explanation
    update = view.update_data
    assert update is not None and update.attribute.startswith("<u>")
    for label in (view.candidate_caption, view.outfit_caption):
        assert_shows_literally(label.text(), label.textFormat(), HOSTILE, "explanation caption")
    assert_shows_literally(view.attribute_label.text(), view.attribute_label.textFormat(),
                           attribute_words(update.attribute), "explaining attribute (in words)")
    first = view.bars.grid.itemAtPosition(1, 0).widget()
    assert_shows_literally(first.text(), first.textFormat(), update.attribute, "attribute bars")
    view.show_attribute(update.attribute)
    assert_shows_literally(view.overlay_label.text(), view.overlay_label.textFormat(), update.attribute, "overlay")
    assert view.layer.currentData() == update.attribute  # the hostile name reaches the map as it is
    assert view.layer.currentText() == f"Where: {attribute_words(update.attribute)}"  # combo items: plain text
    exported = view.export(tmp_path / "card.png")
    assert exported is not None and exported.stat().st_size > 1000
    for label in view.card.findChildren(QLabel):  # what the exported PNG shows
        assert_not_markup(label.text(), label.textFormat(), f"exported card label {label.text()!r}")
    view.show_pending(f"{HOSTILE} next")
    assert_shows_literally(view.status.text(), view.status.textFormat(), f"{HOSTILE} next", "pending")
    view.show_error(f"cannot read {HOSTILE}.jpg")
    assert_shows_literally(view.status.text(), view.status.textFormat(), f"cannot read {HOSTILE}.jpg", "error")


# --- catalogue, category and file names --------------------------------------------------------
def test_catalogue_and_category_names_stay_text(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.adapt_dialog import AdaptDialog

    assert window.catalogue_switcher.itemText(0).startswith(HOSTILE_NAME)  # combo items: plain text
    assert window.catalogue_switcher.itemData(0) == HOSTILE_NAME
    assert HOSTILE_CATEGORY in [window.category_filter.itemText(i) for i in range(window.category_filter.count())]
    assert HOSTILE_CATEGORY in [window.results.target.itemText(i) for i in range(window.results.target.count())]
    assert window.windowTitle() == HOSTILE_NAME  # window titles are plain text (the platform adds the app name)
    dialog = AdaptDialog(window.tasks, HOSTILE_NAME, window)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"Adapt model to {HOSTILE_NAME}"
    # a stale index offers a link to re-index: our markup around the escaped name
    stale = "the index is out of date: run sane-desktop index"
    window._search_failed(Failure(stale, StaleIndexError(stale)))
    empty = window.results.empty
    assert empty.textFormat() == Qt.TextFormat.RichText and "href='reindex'" in empty.text()
    assert_shows_literally(empty.text(), empty.textFormat(), f"Re-index “{HOSTILE_NAME}” now", "re-index link")


def _category_dialog_texts(window, qtbot, path: Path):  # type: ignore[no-untyped-def]
    """The category dialog for an image dropped from ``path``, and what its labels show (each checked to
    show no markup)."""
    window.category_dialog = None
    window._files_dropped([str(path)])
    qtbot.waitUntil(lambda: window.category_dialog is not None and window.category_dialog.isVisible(), timeout=60000)
    dialog = window.category_dialog
    labels = [label for label in dialog.findChildren(QLabel) if label.text()]
    for label in labels:
        assert_not_markup(label.text(), label.textFormat(), f"category dialog label {label.text()!r}")
    return dialog, [displayed(label.text(), label.textFormat()) for label in labels]


def test_image_from_disk_names_and_categories_stay_text(window, qtbot, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    image = tmp_path / "<h1>FAKE.jpg"
    shutil.copy(next(Path(world["source"], "images").glob("*.jpg")), image)
    dialog, shown = _category_dialog_texts(window, qtbot, image)
    assert "<h1>FAKE.jpg" in shown  # the file's name, as it is
    # a copy of the catalogue's own photo: the item it is, named by its (hostile) title and category, as text
    own = dialog.guess.same_photo[0]
    assert any(f"This is the photo of {own.title} in this catalogue, filed under {own.category}" in text
               for text in shown), shown
    assert HOSTILE_CATEGORY in [dialog.category.itemData(i) for i in range(dialog.category.count())]
    dialog.reject()
    # a photo of its own (other bytes): the guess, its category names as text too
    from PIL import Image

    other = tmp_path / "<b>mine.png"
    Image.open(image).convert("RGB").save(other)
    dialog, shown = _category_dialog_texts(window, qtbot, other)
    assert "<b>mine.png" in shown and not dialog.guess.same_photo
    assert any(f"this is {dialog.guess.best}." in text or "Choose its category" in text for text in shown), shown
    dialog.reject()


# --- errors: the message a person can act on, in full, as plain text ------------------------------
def test_main_window_error_is_the_full_message_as_plain_text(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    missing = f"{HOSTILE_NAME} gone"
    window.open_catalogue(missing)  # the worker answers NotFound; the handler shows it
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=30000)
    box = message_boxes()[0]
    assert box.textFormat() == Qt.TextFormat.PlainText and missing in box.text()
    assert not any(name in box.text() for name in CLASS_NAMES)
    assert box.windowModality() == Qt.WindowModality.WindowModal  # opened, not exec'd: no nested event loop


def test_index_dialog_inspection_error_is_full_and_plain(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.index_dialog import IndexDialog

    folder = tmp_path / "<h1>FAKE folder"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a catalogue")
    dialog = IndexDialog(window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(folder))
    dialog.inspect(str(folder))
    qtbot.waitUntil(lambda: "no images" in dialog.detected.text(), timeout=30000)
    detected = dialog.detected
    shown = displayed(detected.text(), detected.textFormat())
    assert_shows_literally(detected.text(), detected.textFormat(), str(folder), "inspection failure")
    with pytest.raises(SaneError) as error:
        CatalogueService(tmp_path / "home").inspect_folder(folder)
    assert shown == f"Failed: {error.value}"  # the service's message, whole
    assert detected.wordWrap() and not any(name in shown for name in CLASS_NAMES)
    assert not dialog.start_button.isEnabled()


@needs_existing_source
def test_index_dialog_indexing_error_is_full_and_plain(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.index_dialog import IndexDialog

    folder = tmp_path / "<h1>FAKE folder"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a catalogue")
    dialog = IndexDialog(window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(folder))
    dialog.name.setText("not-a-catalogue")
    dialog.start()  # the real path: the name check, then the indexing task, fails in the service
    qtbot.waitUntil(lambda: dialog.task is None and "Failed" in dialog.phase.text(), timeout=60000)
    phase = dialog.phase
    shown = displayed(phase.text(), phase.textFormat())
    assert_shows_literally(phase.text(), phase.textFormat(), f"Failed: {folder}: no images found", "index failure")
    assert phase.wordWrap() and not any(name in shown for name in CLASS_NAMES)
    assert "Something went wrong" not in shown  # a condition the person caused, not a bug


def test_model_dialog_error_is_full_and_plain(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.adapt_dialog import AdaptDialog

    runner: TaskRunner[CatalogueService] = TaskRunner(CatalogueService(tmp_path / "home"))
    try:
        dialog = AdaptDialog(runner, HOSTILE_NAME, None)
        qtbot.addWidget(dialog)
        dialog.start()  # nothing is open: the service says so
        qtbot.waitUntil(lambda: dialog.task is None, timeout=30000)
        phase = dialog.phase
        assert_shows_literally(phase.text(), phase.textFormat(), "Failed: no catalogue is open", "adapt failure")
        assert phase.wordWrap()
    finally:
        runner.shutdown()


# --- the generic walk ---------------------------------------------------------------------------
def all_item_views(root: QWidget) -> list[QAbstractItemView]:
    return root.findChildren(QAbstractItemView)  # type: ignore[return-value]


def test_no_widget_renders_catalogue_markup_after_a_session(window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every label, message box, tooltip and item tooltip of every window after a session on the
    hostile catalogue: where Qt renders rich text, the catalogue's tags are escaped. A new label that
    shows catalogue text in AutoText (the default) or RichText without escaping fails here."""
    from sane_desktop.gui.index_dialog import IndexDialog

    session(window)
    window.show_index_dialog()  # with a failed inspection quoting a hostile folder
    folder = tmp_path / "<h1>FAKE folder"
    folder.mkdir()
    dialog = window.index_dialog
    assert dialog is not None and isinstance(dialog, IndexDialog)
    dialog.inspect(str(folder))
    window.open_catalogue(f"{HOSTILE_NAME} gone")  # an error box quoting a hostile name
    qtbot.waitUntil(lambda: "no images" in dialog.detected.text() and bool(message_boxes()), timeout=30000)

    showing_catalogue_text = 0
    for widget in QApplication.allWidgets():
        where = f"{type(widget).__name__} {widget.objectName()!r}"
        if isinstance(widget, QLabel):
            assert_not_markup(widget.text(), widget.textFormat(), where)
            showing_catalogue_text += "FAKE" in displayed(widget.text(), widget.textFormat())
        if isinstance(widget, QMessageBox):
            assert_not_markup(widget.text(), widget.textFormat(), where)
            showing_catalogue_text += "FAKE" in widget.text()
        if widget.toolTip():
            assert_not_markup(widget.toolTip(), tooltip_format(), f"tooltip of {where}")
    for view in all_item_views(window):
        model = view.model()
        for row in range(model.rowCount()):
            tip = model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
            if tip:
                assert_not_markup(tip, tooltip_format(), f"item tooltip in {type(view).__name__}")
    # the walk did see catalogue text: captions, attribute names, status, the failure, the box
    assert showing_catalogue_text >= 5
    dialog.close()


# --- issue 14 part 2: re-using a catalogue name asks --------------------------------------------
@needs_existing_source
def test_reusing_a_name_asks_before_replacing(world, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.gui.index_dialog import IndexDialog

    first = Path(shutil.copytree(world["source"], tmp_path / "first")).resolve()
    second = Path(shutil.copytree(world["source"], tmp_path / "<h1>second")).resolve()
    service = CatalogueService(tmp_path / "home", model=Path(world["model"]))
    service.index_folder(first, "shop")
    runner: TaskRunner[CatalogueService] = TaskRunner(service)
    try:
        dialog = IndexDialog(runner, None)
        qtbot.addWidget(dialog)
        dialog.folder.setText(str(second))
        dialog.name.setText("shop")

        def question() -> QMessageBox:
            qtbot.waitUntil(lambda: dialog.replace_question is not None and dialog.replace_question.isVisible(),
                            timeout=30000)
            box = dialog.replace_question
            assert box is not None
            return box

        dialog.start()
        box = question()
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert box.text() == (f"A catalogue named “shop” already holds {first}. Replace it with {second}? "
                              "Its items are read from that folder and its search index rebuilt; its category "
                              "choices are kept.")
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.No).click()
        qtbot.waitUntil(lambda: "Not indexed" in dialog.phase.text(), timeout=10000)
        assert dialog.start_button.isEnabled() and dialog.task is None
        assert Path(service.existing_source("shop")).resolve() == first  # unchanged
        # its folder renamed away: that is said, the reason a person is here (trial W)
        first.rename(tmp_path / "first-moved")
        dialog.start()
        box = question()
        assert box.text().startswith(f"A catalogue named “shop” was indexed from {first}, which is no longer there "
                                     f"(moved or renamed?). Replace it with {second}?"), box.text()
        box.button(QMessageBox.StandardButton.No).click()
        qtbot.waitUntil(lambda: "Not indexed" in dialog.phase.text(), timeout=10000)
        (tmp_path / "first-moved").rename(first)

        dialog.start()
        with qtbot.waitSignal(dialog.indexed, timeout=120000) as indexed:
            question().button(QMessageBox.StandardButton.Yes).click()
        assert indexed.args == ["shop"]
        assert Path(service.existing_source("shop")).resolve() == second

        # the same folder again: re-synced without a question (one would wait for a click forever)
        with qtbot.waitSignal(dialog.indexed, timeout=120000):
            dialog.start()
        assert dialog.replace_question is None and "Indexed 40 items" in dialog.phase.text()
    finally:
        runner.shutdown()
