"""The Filters panel has room to be read at every window size, through Qt's real event paths (the
toolbar's Filters button, Ctrl+Shift+F, a window resize):

- at 800 × 600 the panel was squeezed to ~92 px (the central panels and the explanation panel at
  their smallest widths take the rest), so nearly every value read "… (4)"; now each value shows at
  least its first ten characters (or all of it) and its count, nothing scrolls sideways, the window
  stays 800 px wide and the central panels and the explanation keep their controls whole;
- at larger sizes the panel keeps its place on the left, at least as wide as before;
- a narrow panel remembered from an older session, or a window narrowed with the panel open,
  does not bring the squeezed panel back.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, filter_counts, settle  # noqa: E402
from PySide6.QtCore import QPoint, QRect, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QLayout, QScrollArea, QToolBar, QWidget  # noqa: E402

from sane_desktop.gui.settings import Settings  # noqa: E402
from sane_desktop.gui.text import ElidedLabel  # noqa: E402

pytestmark = pytest.mark.slow
LEFT = Qt.MouseButton.LeftButton
READABLE = 160  # px: "all-body (4)", ten characters and a count, beside the tick
SHOWN_CHARACTERS = 10


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("filters-width"))


def click_filters(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The toolbar's Filters button, as a person clicks it."""
    toolbar = window.findChild(QToolBar, "main-toolbar")
    qtbot.mouseClick(toolbar.widgetForAction(window.filters_toggle), LEFT)


def wait_counts(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.filters_dock.isVisible() and window.filters.counts is not None
                    and not window.filters.channel.busy, timeout=20000)
    settle(300)


def laid_out(layout: QLayout | None, widget: QWidget) -> bool:
    """Whether ``layout`` or one of its nested layouts holds ``widget``."""
    if layout is None:
        return False
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is widget or laid_out(item.layout(), widget):
            return True
    return False


def clipped(parent: QWidget) -> list[str]:
    """``parent``'s shown widgets narrower than their smallest width (their controls cut off) or
    reaching past ``parent``'s edges."""
    cut = []
    for widget in parent.findChildren(QWidget):
        holder = widget.parentWidget()
        if widget.isWindow() or not widget.isVisible() or holder is None:
            continue
        if not laid_out(holder.layout(), widget):
            continue  # not laid out: a control's own parts (a line edit's buttons, a scroll area's viewport)
        rect = QRect(widget.mapTo(parent, QPoint(0, 0)), widget.size())
        # an elided label shows at least its "…" (the results' "Hide matches below" is one at 800 px)
        least = widget.fontMetrics().horizontalAdvance("…") if isinstance(widget, ElidedLabel) \
            else widget.minimumSizeHint().width()
        if widget.width() < least or rect.left() < 0 or rect.right() >= parent.width():
            cut.append(f"{type(widget).__name__} {widget.objectName()!r} {rect.getRect()}, "
                       f"at least {least} px, in {parent.width()} px")
    return cut


def assert_readable(window) -> None:  # type: ignore[no-untyped-def]
    """Every value shows its first ten characters (or all of it) and its whole count; nothing scrolls sideways."""
    dock = window.filters_dock
    assert dock.width() >= READABLE, f"the Filters panel is {dock.width()} px wide"
    scroll = window.filters.findChild(QScrollArea)
    assert scroll.horizontalScrollBar().maximum() == 0, \
        f"the filters scroll sideways: {scroll.widget().width()} px in a {scroll.viewport().width()}-pixel viewport"
    for (group, value), count in filter_counts(window).items():
        box = window.filters.box(group, value)
        assert box is not None and box.isVisible()
        text = box.shown_text()
        start = value[:min(SHOWN_CHARACTERS, len(value))]
        assert text.startswith(start) and text.endswith(f"({count})"), \
            f"{group} {value!r} reads {text!r} in a {box.width()}-pixel box"


def assert_whole_window(window, size) -> None:  # type: ignore[no-untyped-def]
    """The window kept its size; the central panels and the explanation kept their controls."""
    assert (window.width(), window.height()) == size
    assert clipped(window.main_splitter) == []
    explanation = window.explanation_dock
    assert explanation.isVisible() and explanation.width() >= window.explanation.minimumSizeHint().width()


def test_the_filters_are_read_at_800_by_600(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(800, 600))
    click_filters(window, qtbot)
    wait_counts(window, qtbot)
    assert_readable(window)
    assert_whole_window(window, (800, 600))
    # closed and opened again with Ctrl+Shift+F: the same room
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.filters_dock.isVisible(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_counts(window, qtbot)
    assert_readable(window)
    assert_whole_window(window, (800, 600))


@pytest.mark.parametrize("size", [(1200, 800), (1600, 1000)])
def test_larger_windows_keep_the_filters_on_the_left(world, qtbot, make_window, size) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=size)
    click_filters(window, qtbot)
    wait_counts(window, qtbot)
    assert window.dockWidgetArea(window.filters_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.filters_dock.width() >= 170  # as wide as before (its size hint)
    # a column of its own, left of the catalogue, as tall as the window's middle
    assert window.filters_dock.geometry().right() < window.centralWidget().geometry().left()
    assert window.filters_dock.height() >= window.centralWidget().height()
    assert_readable(window)
    assert_whole_window(window, size)


def test_a_narrowed_window_keeps_the_filters_readable(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(1200, 800))
    click_filters(window, qtbot)
    wait_counts(window, qtbot)
    window.resize(800, 600)
    settle(400)
    assert_readable(window)
    assert_whole_window(window, (800, 600))


def test_a_squeezed_panel_remembered_from_an_older_session_is_not_restored(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(800, 600))
    click_filters(window, qtbot)
    wait_counts(window, qtbot)
    # the layout an older version left: the panel in the left column, at its smallest
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.filters_dock)
    window.filters.setMaximumWidth(92)
    settle(300)
    assert window.filters_dock.width() < 120
    settings_file = tmp_path / "squeezed.ini"
    squeezed = Settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    squeezed.set("geometry", window.saveGeometry())
    squeezed.set("window_state", window.saveState())
    squeezed.sync()
    window.close()

    again = make_window(world, size=(800, 600), settings_file=settings_file)
    wait_counts(again, qtbot)  # open, as it was left
    assert_readable(again)
    assert_whole_window(again, (800, 600))


def test_remembered_settings_of_the_wrong_type_are_the_defaults_not_a_crash(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial U: a settings.ini edited by hand, "geometry=hello" (or "window_state=42"), was handed to
    restoreGeometry, whose TypeError stopped every start until the file was found and deleted. A value of
    the wrong type reads as none: the window opens at its first-run size, the other settings kept."""
    from sane_desktop.gui.settings import DEFAULTS

    settings_file = tmp_path / "hand-edited.ini"
    settings_file.write_text("[General]\ngeometry=hello\nwindow_state=42\ntheme=a, b\ncolour_map=@Invalid()\n"
                             "tile_size=big\nexport_folder=/somewhere/kept\n")
    window = make_window(world, settings_file=settings_file)
    assert window.isVisible()
    settings = window.settings
    assert settings.get_bytes("geometry") is None and settings.get_bytes("window_state") is None
    assert settings.get("theme") == "a, b"  # a text, as written (the theme menu falls back on an unknown one)
    assert settings.get("tile_size") == DEFAULTS["tile_size"]
    assert settings.get("export_folder") == "/somewhere/kept"
    assert isinstance(settings.get("colour_map"), str)
    # … and said, once the window is on screen (trial W: dropped without a word)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Remembered settings"), timeout=10000)
    said = window.statusBar().currentMessage()
    assert said.startswith("Remembered settings that could not be read were left at their defaults: ")
    named = said.split(": ", 1)[1].split(", ")
    assert {"geometry", "window_state", "tile_size"} <= set(named) and "export_folder" not in named, said


def test_a_window_that_cannot_be_made_stops_its_worker_first(qtbot, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial U: the window's constructor failed while the worker thread ran, and Qt aborted the process
    ("QThread: Destroyed while thread 'sane-worker' is still running", exit code 134) over the error's
    line. The worker is stopped before the error goes on, so the command line says it and exits 1."""
    from sane_desktop.gui import startup

    made = []

    class Recorded(startup.TaskRunner):  # type: ignore[misc, type-arg]
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            made.append(self)

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the window could not be made")

    monkeypatch.setattr(startup, "TaskRunner", Recorded)
    monkeypatch.setattr(startup, "MainWindow", broken)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    with pytest.raises(RuntimeError, match="could not be made"):
        startup.create_window(settings=settings, make_service=lambda: None)  # type: ignore[arg-type, return-value]
    assert len(made) == 1 and not made[0]._thread.isRunning()  # noqa: SLF001 - the thread Qt would abort over


def test_a_settings_file_that_is_no_text_is_set_aside_and_said(world, qtbot, make_window, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial U: 3 kB of random bytes in settings.ini were read as nothing and written over, without a
    word. The file is kept beside it as ``settings.ini.unreadable`` and the window says so at start."""
    from sane_desktop.gui.settings import SETTINGS_FILE
    from sane_desktop.gui.startup import create_window
    from sane_desktop.service import CatalogueService

    monkeypatch.setenv("SANE_CONFIG_HOME", str(tmp_path / "config"))
    garbage = bytes(range(256)) * 12
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / SETTINGS_FILE).write_bytes(garbage)
    settings = Settings()
    aside = tmp_path / "config" / f"{SETTINGS_FILE}.unreadable"
    assert settings.problem == ("The remembered settings could not be read: the window starts with its defaults "
                                f"(the file is kept as {aside})")
    assert aside.read_bytes() == garbage
    window, client = create_window(CatalogueService(world["index"], model=world["model"]), settings,
                                   cache_dir=tmp_path / "thumbs")
    make_window.clients.append(client)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == settings.problem, timeout=5000)
    # read alone: the activity ("Ready", "Loading models…") is not painted over it (trial W)
    assert not window.activity.isVisible()
    settings.set("theme", "dark")
    settings.sync()
    assert Settings().problem == ""  # the new file reads


def test_a_catalogue_whose_folder_is_gone_says_so_when_it_opens(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial W renamed a catalogue's folder: the window opened it with every tile "photo missing" and
    "Ready" below. It says, as it opens, that the folder is gone and how to index it where it is now."""
    import shutil

    from sane_desktop.gui.screenshots import open_first_catalogue
    from sane_desktop.gui.startup import create_window
    from sane_desktop.service import CatalogueService

    service = CatalogueService(tmp_path / "index", model=world["model"])
    source = Path(shutil.copytree(world["source"], tmp_path / "shop")).resolve()
    service.index_folder(source, "shop")
    source.rename(tmp_path / "shop-moved")
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window, client = create_window(service, settings, cache_dir=tmp_path / "thumbs")
    make_window.clients.append(client)
    qtbot.addWidget(window)
    window.show()
    open_first_catalogue(window, build_demo=False, demo_items=40, timeout_s=60)
    qtbot.waitUntil(lambda: "is no longer there" in window.statusBar().currentMessage(), timeout=30000)
    assert window.statusBar().currentMessage() == (
        f"The folder of “shop”, {source}, is no longer there (moved or renamed?): its photos cannot be shown or "
        "explained. Index the folder where it is now (File → Index catalogue folder…) under this name, and let it "
        "replace this one.")


def test_the_catalogue_columns_width_comes_back_after_a_restart(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BE dragged the catalogue column wider, quit and started again: it was back at its first width
    (the window state holds the docks, not the central splitter)."""
    settings_file = tmp_path / "splitter.ini"
    window = make_window(world, size=(1440, 900), settings_file=settings_file)
    splitter = window.main_splitter
    before = splitter.sizes()
    handle = splitter.handle(1)  # dragged with the mouse, as the trial did
    grip = handle.rect().center()
    QTest.mousePress(handle, LEFT, pos=grip)
    QTest.mouseMove(handle, grip + QPoint(95, 0))
    QTest.mouseRelease(handle, LEFT, pos=grip + QPoint(95, 0))
    settle(200)
    wanted = splitter.sizes()
    assert wanted[0] > before[0] + 50, (before, wanted)
    window.close()  # saves the settings
    again = make_window(world, size=(1440, 900), settings_file=settings_file)
    settle(200)
    assert again.main_splitter.sizes() == wanted


def test_an_unknown_colour_map_is_named_and_the_start_line_stays_beside_the_outfits(world, qtbot, make_window,
                                                                                      tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BE: "colour_map=notacmap" was dropped without a word, and the line naming the settings read as
    their defaults was replaced at once by the restored outfit's ("1 item(s) … left out"): log only."""
    settings_file = tmp_path / "unknown-map.ini"
    settings_file.write_text("[General]\ncolour_map=notacmap\nopacity=banana\n")
    window = make_window(world, settings_file=settings_file)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Remembered settings"), timeout=10000)
    said = window.statusBar().currentMessage()
    assert set(said.split(": ", 1)[1].split(", ")) == {"colour_map", "opacity"}, said
    assert window.explanation.colour_map.currentText() == "inferno" and window.start_note == said
    window._say_beside_start_note("1 item of the last outfit is no longer in the catalogue: left out", 15000)
    both = window.statusBar().currentMessage()
    assert both.startswith(said) and both.endswith("1 item of the last outfit is no longer in the catalogue: left out")


def test_an_outfit_item_gone_since_the_last_run_is_named_in_a_box(world, qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BP: the outfit remembered at the last quit came back without an item a re-index had removed,
    said for 15 s in the status bar only (an item of this run's outfit gets a box naming it)."""
    import json

    from PySide6.QtWidgets import QMessageBox

    from sane_desktop.gui.screenshots import build_outfit

    settings_file = tmp_path / "gone-item.ini"
    window = make_window(world, settings_file=settings_file)
    kept = build_outfit(window, 1)
    kept_id = window.outfit_model.items()[0].item_id
    uid = window.catalogue.uid
    window.close()
    stored = Settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    stored.set(f"outfit/{uid}", json.dumps([{"id": kept_id}, {"id": "gone/sandal 7"}]))
    stored.sync()
    again = make_window(world, settings_file=settings_file)
    qtbot.waitUntil(lambda: any(box.isVisible() for box in again.findChildren(QMessageBox)), timeout=30000)
    box = next(box for box in again.findChildren(QMessageBox) if box.isVisible())
    assert "1 item of your outfit is no longer in the catalogue" in box.text() and "“gone/sandal 7”" in box.text(), \
        box.text()
    assert again.outfit_model.pks() == kept
    box.close()
