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
