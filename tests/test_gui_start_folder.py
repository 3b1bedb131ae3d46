"""Where the window's file dialogs open (pytest-qt, offscreen; the dialogs' static calls are replaced by
a chooser that records the folder asked for and picks one, as a user would):

1. the index dialog's Choose… opens in the user's Pictures folder or home the first time (trial DN's
   "Add image from disk" opened in the project's source folder, the working directory), then beside the
   folder last chosen, in this window and the next (the settings file), and beside a folder half-typed;
2. ``start_folder`` skips a remembered folder that is gone.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QPushButton  # noqa: E402

from sane_desktop.gui.start_folder import start_folder  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("start-folder"))


def choose(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Choose…")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_choose_opens_beside_the_folder_last_chosen(world, qtbot, make_window, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shop = tmp_path / "photos" / "shop"
    other = tmp_path / "photos" / "market"
    for folder in (shop, other):
        folder.mkdir(parents=True)
    picks = [str(shop), str(other), ""]  # the last: the user cancels
    asked: list[str] = []

    def chooser(_parent, _title, folder):  # type: ignore[no-untyped-def]
        asked.append(folder)
        return picks.pop(0)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(chooser))
    settings_file = tmp_path / "settings.ini"
    window = make_window(world, settings_file=settings_file, open_catalogue=False)
    window.show_index_dialog()
    dialog = window.index_dialog
    choose(qtbot, dialog)
    assert asked[0] == start_folder() and Path(asked[0]) != Path.cwd()  # Pictures or home, the first time
    assert dialog.folder.text() == str(shop)
    choose(qtbot, dialog)
    assert asked[1] == str(shop)  # the folder typed (here: chosen) itself
    dialog.close()
    window.close()

    again = make_window(world, settings_file=settings_file, open_catalogue=False)
    again.show_index_dialog()
    choose(qtbot, again.index_dialog)  # a new window: beside the folder chosen last (the settings file)
    assert asked[2] == str(other.parent)
    assert again.index_dialog.folder.text() == ""  # cancelled: nothing typed for the user
    again.index_dialog.folder.setText(str(shop / "half"))  # half-typed: its parent
    picks.append("")
    choose(qtbot, again.index_dialog)
    assert asked[3] == str(shop)


def test_a_remembered_folder_that_is_gone_is_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    here = tmp_path / "here"
    here.mkdir()
    assert start_folder(str(tmp_path / "gone"), "", str(here)) == str(here)
    assert start_folder(str(tmp_path / "gone")) == start_folder()
    assert Path(start_folder()).is_dir()
