"""The View menu's themes are one choice of three (pytest-qt, offscreen): trial DN saw three checkboxes,
as if themes could be combined; a click on the checked one unchecked it and left none checked."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("theme-menu"))


def test_the_themes_are_one_choice(world, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, settings_file=tmp_path / "settings.ini", open_catalogue=False)
    actions = window.theme_actions
    group = actions["system"].actionGroup()
    assert group is not None and group.isExclusive()  # drawn as radio buttons in the menu
    assert all(action.actionGroup() is group for action in actions.values())
    actions["dark"].trigger()
    assert [name for name, action in actions.items() if action.isChecked()] == ["dark"]
    assert window.settings.get("theme") == "dark"
    actions["dark"].trigger()  # the checked one again: still the one chosen
    assert [name for name, action in actions.items() if action.isChecked()] == ["dark"]
    actions["system"].trigger()
    assert [name for name, action in actions.items() if action.isChecked()] == ["system"]
    assert window.settings.get("theme") == "system"


def _row(menu, action):  # type: ignore[no-untyped-def]
    """The pixels of ``action``'s row in the shown ``menu``."""
    rect = menu.actionGeometry(action)
    image = menu.grab(rect).toImage()
    return [image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())]


def test_an_on_off_entry_shows_its_tick_in_the_menu(world, make_window, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial ER: View → Panels → Filters panel showed its toolbar icon where the tick goes, on or off alike. Every
    checkable entry of the menus shows its tick there (the toolbar keeps the icon), and the row looks different
    on and off."""
    from sane_desktop.gui.main_window import menu_actions

    window = make_window(world, settings_file=tmp_path / "settings.ini", open_catalogue=False)
    shown_icons = [action.text() for action in menu_actions(window.menuBar())
                   if action.isCheckable() and not action.icon().isNull() and action.isIconVisibleInMenu()]
    assert not shown_icons, shown_icons
    view = next(action.menu() for action in window.menuBar().actions() if action.text() == "&View")
    panels = next(action.menu() for action in view.actions() if action.text() == "&Panels")
    toggle = window.filters_toggle
    assert toggle in panels.actions() and not toggle.icon().isNull()
    panels.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(panels.isVisible, timeout=5000)
    try:
        window.filters_dock.setVisible(False)
        off = _row(panels, toggle)
        window.filters_dock.setVisible(True)
        qtbot.waitUntil(toggle.isChecked, timeout=5000)
        panels.update()
        on = _row(panels, toggle)
        assert sum(a != b for a, b in zip(on, off)) > 20  # a tick drawn, not the same icon either way
    finally:
        panels.hide()
