"""The catalogue open at the last quit, renamed from a terminal since (``sane-desktop catalogues rename``),
opens under its new name at the next start, with its outfit, and the status bar says so. Trial BE: the
window built a new demo catalogue in its place and opened that, with an empty outfit, saying "Ready"."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_last_catalogue_renamed_since_opens_under_its_new_name_with_its_outfit(
        qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = demo_world(tmp_path / "world")
    settings_file = tmp_path / "settings.ini"
    window = make_window(world, settings_file=settings_file)
    outfit = build_outfit(window, 2)
    qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit, timeout=10000)
    window.close()

    CatalogueService(world["index"], model=world["model"]).rename_catalogue("demo", "lookbook")
    edited = QSettings(str(settings_file), QSettings.Format.IniFormat)  # and a setting of no use (trial BF)
    edited.setValue("colour_map", "rainbowz")
    edited.sync()
    again = make_window(world, settings_file=settings_file)
    qtbot.waitUntil(lambda: again.catalogue is not None and again.catalogue.name == "lookbook", timeout=60000)
    # both lines, whichever came first: the settings' line had replaced the rename's, or the other way round
    qtbot.waitUntil(lambda: "colour_map" in again.statusBar().currentMessage(), timeout=10000)
    said = again.statusBar().currentMessage()
    assert "“demo”, open when you last quit, is called “lookbook” now: it is open" in said, said
    qtbot.waitUntil(lambda: again.outfit_model.pks() == outfit, timeout=60000)  # its outfit with it
