"""Every dialog fits its screen when shown (pytest-qt, offscreen; the offscreen screen is 800 × 800):

1. trial DO: the keyboard shortcuts' table opened 820 pixels wide on an 800-pixel screen, its scroll bar and
   Close button out of reach; the catalogue manager and the saved outfits had been fitted one by one;
2. so every dialog class of the window is a ``ScreenFittedDialog`` (fitted at each show), and a new one
   that is not fails here.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtWidgets import QDialog  # noqa: E402

import sane_desktop.gui  # noqa: E402
from sane_desktop.gui.screen_fit import ScreenFittedDialog  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("dialogs-fit"))


def test_the_shortcuts_table_fits_a_small_screen(world, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, (780, 560), open_catalogue=False)
    dialog = window.show_shortcuts()
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    available = dialog.screen().availableGeometry()
    assert available.width() < 820  # the size it asks for: the screen is smaller
    assert available.contains(dialog.frameGeometry()), (dialog.frameGeometry(), available)
    dialog.close()


def test_every_dialog_of_the_window_is_fitted_to_its_screen() -> None:
    dialogs = []
    for module in pkgutil.iter_modules(sane_desktop.gui.__path__, "sane_desktop.gui."):
        loaded = importlib.import_module(module.name)
        dialogs += [cls for _name, cls in inspect.getmembers(loaded, inspect.isclass)
                    if issubclass(cls, QDialog) and cls.__module__ == loaded.__name__ and cls is not ScreenFittedDialog]
    assert len(dialogs) >= 8  # the manager, category, details, index/train/adapt, name, saved outfits, shared, keys
    assert [cls.__qualname__ for cls in dialogs if not issubclass(cls, ScreenFittedDialog)] == []
