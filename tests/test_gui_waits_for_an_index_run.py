"""A search refused because another run is writing the catalogue's index ("being indexed now") is
searched again by the window itself once that run ends. Trial BD read the refusal, with the finished
run's pid, long after the terminal's ``index`` had ended; only a change of the outfit searched again."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402

from sane_desktop.gui.screenshots import build_outfit, wait_results  # noqa: E402
from sane_desktop.service.locking import catalogue_lock  # noqa: E402

pytestmark = pytest.mark.slow


def test_a_search_refused_during_another_runs_index_is_made_again_when_it_ends(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = demo_world(tmp_path / "world")
    window = make_window(world)
    build_outfit(window, 2)
    wait_results(window, 60)
    folder = world["index"] / "demo"
    manifest, aside = folder / "manifest.json", folder / "manifest.json.aside"
    with catalogue_lock(folder, "index (a test standing in for a terminal's run)"):
        manifest.replace(aside)  # mid-build: the old manifest gone, the new one not written yet
        window.request_search()
        qtbot.waitUntil(lambda: "being indexed now" in window.results.empty.text(), timeout=30000)
        assert "searched again when that run ends" in window.results.empty.text()
        assert window.results.stack.currentWidget() is window.results.empty
        aside.replace(manifest)
    # the run has ended: the list comes back without a click
    qtbot.waitUntil(lambda: window.results.stack.currentWidget() is not window.results.empty
                    and window.results_model.rowCount() > 0, timeout=30000)
    assert window.statusBar().currentMessage().startswith("The other run's index is done")


def test_searching_again_is_not_said_once_the_outfit_is_cleared(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Trial BJ: "… searching again…" (the list of a re-indexed catalogue asked anew) stayed in the status bar
    20 s after the outfit was cleared, whose empty list dropped that search."""
    from sane_desktop.gui.main_window import OUTDATED_SEARCHING

    world = demo_world(tmp_path / "world")
    window = make_window(world)
    build_outfit(window, 2)
    wait_results(window, 60)
    window._results_outdated()  # what a re-index from a terminal brings about
    assert window.statusBar().currentMessage() == OUTDATED_SEARCHING
    window.outfit_panel.clear_with_undo()
    assert window.statusBar().currentMessage() != OUTDATED_SEARCHING
