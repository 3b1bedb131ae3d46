"""How many of each category a search lists (trial BY: the window's lists stopped at 24 per category
without a word, and a user who scrolled to the end took them for every item of the catalogue). A tile
of a category whose list was cut says so, and View ▸ Results per category changes the cut, remembered."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from demo_world import build_demo_world  # noqa: E402
from gui_helpers import open_window  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, open_first_catalogue, wait_results  # noqa: E402

pytestmark = pytest.mark.slow
ITEMS = 220  # about 31 per category: more than the 24 listed by default


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("per-category")
    build_demo_world(root, ITEMS)
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


def listed(window) -> Counter[str]:  # type: ignore[no-untyped-def]
    model = window.results_model
    return Counter(str(model.index(row).data(Role.Category)) for row in range(model.rowCount()))


def test_a_cut_list_says_so_and_the_cut_is_the_users_choice(world, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings_file = tmp_path / "settings.ini"
    window, client = open_window(world, qtbot, size=(1300, 820), settings_file=settings_file)
    try:
        open_first_catalogue(window, build_demo=False, demo_items=ITEMS, timeout_s=60)
        build_outfit(window, 2)
        wait_results(window, 60)
        counts = listed(window)
        assert max(counts.values()) == 24 and window.per_category_actions[24].isChecked()
        model, delegate = window.results_model, window.results.delegate
        cut = next(row for row in range(model.rowCount()) if counts[str(model.index(row).data(Role.Category))] == 24)
        category = str(model.index(cut).data(Role.Category))
        assert model.capped >= {category}
        assert (f"The 24 best of each category are shown: {category} may have more (View ▸ Results per category)"
                in delegate.score_summary(model.index(cut)))
        uncut = [row for row in range(model.rowCount()) if counts[str(model.index(row).data(Role.Category))] < 24]
        for row in uncut:  # a category listed whole says nothing of a cut
            assert "best of each category" not in delegate.score_summary(model.index(row))
        started = window.channels.search.started
        window.per_category_actions[12].trigger()  # the menu's choice searches again with it
        qtbot.waitUntil(lambda: window.channels.search.started > started and not window.channels.search.busy
                        and model.rowCount() > 0, timeout=60000)
        assert max(listed(window).values()) == 12 and window.per_category_actions[12].isChecked()
        assert not window.per_category_actions[24].isChecked()
        assert "The 12 best of each category" in delegate.score_summary(model.index(0))
        window.close()
    finally:
        client.shutdown()
    assert QSettings(str(settings_file), QSettings.Format.IniFormat).value("results_per_category") in (12, "12")
    # a category of exactly as many items as listed is not "cut" (trial CB read "may have more" of 12 shoes of 12)
    from sane_desktop.gui.main_window import _trimmed

    twelve, thirteen = [object()] * 12, [object()] * 13
    shown, more = _trimmed({"shoes": twelve, "bags": thirteen}, 12)  # type: ignore[dict-item]
    assert more == ("bags",) and len(shown["shoes"]) == len(shown["bags"]) == 12
    # a value edited by hand is read as the nearest offered choice, never a whole catalogue per search
    edited = QSettings(str(settings_file), QSettings.Format.IniFormat)
    edited.setValue("results_per_category", 100000)
    edited.sync()
    again, client = open_window(world, qtbot, size=(1300, 820), settings_file=settings_file)
    try:
        assert again.results_per_category() == 96 and again.per_category_actions[96].isChecked()
    finally:
        client.shutdown()
