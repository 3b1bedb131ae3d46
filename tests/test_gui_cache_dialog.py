"""Help → Caches and disk space…: the caches' parts as ``sane-desktop cache`` lists them, Remove unused and
Remove all… (asked first), Refresh, with real clicks; listing and removing on a thread of their own, never on the
worker that searches (trial EB: a Remove all held a search for 26 s)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402
from test_cache_command import OLD_THUMBNAIL, THUMBNAIL, _filled  # noqa: E402

from sane_desktop.service.caches import cache_report  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("caches"))


def click(button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_dialog_lists_the_caches_and_frees_them(world, make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("SANE_CACHE_HOME", str(root))
    _filled(root, monkeypatch)
    # a catalogue's saved explanations, in the index home (trial EP: listed nowhere)
    import numpy as np

    from sane_desktop import paths
    from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity

    ExplanationCache(paths.index_home() / "demo" / "explanations").put(
        ExplanationIdentity("m" * 64, "q", "c", "fast"), {"score": 1.0}, {"map": np.ones((7, 7), np.float32)})
    window = make_window(world, (1280, 800), open_catalogue=False)
    help_menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Help")
    assert window.caches_action in help_menu.actions()
    window.caches_action.trigger()
    dialog = window.cache_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 7, timeout=60000)
    texts = [dialog.table.item(row, 3).text() for row in range(7)]
    assert texts.count("not needed: made by another version of SANE Desktop") == 2 and "in use" in texts
    assert "Saved explanations of “demo”" in [dialog.table.item(row, 0).text() for row in range(7)]
    assert dialog.total.text().endswith(f" on disk in {root} and the catalogues' index folders")
    unused = cache_report(root).removable("unused")
    qtbot.waitUntil(lambda: dialog.unused_button.isEnabled(), timeout=10000)
    assert dialog.unused_button.text().startswith("Remove unused (")

    click(dialog.unused_button)
    assert window.tasks.idle()  # not queued behind (or ahead of) a search or an explanation
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5 and dialog.status.text().startswith("Removed"), timeout=60000)
    assert dialog.status.text().startswith("Removed 4 files (") and cache_report(root).removable("unused") == 0
    qtbot.waitUntil(lambda: dialog.all_button.isEnabled(), timeout=10000)
    assert not dialog.unused_button.isEnabled() and unused > 0

    click(dialog.all_button)  # asked first: Cancel keeps everything
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible(), timeout=10000)
    assert "Nothing is lost" in dialog.question.text() and "photo features again" in dialog.question.text()
    assert "an explanation asked for again is computed again" in dialog.question.text()
    click(dialog.question.button(QMessageBox.StandardButton.Cancel))
    QTest.qWait(200)
    assert dialog.table.rowCount() == 5
    click(dialog.all_button)
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible(), timeout=10000)
    click(dialog.question.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0 and not dialog.side.busy, timeout=60000)
    assert dialog.total.text() == f"The caches in {root} are empty." and cache_report(root).parts == ()
    qtbot.waitUntil(lambda: dialog.folder_button.isEnabled(), timeout=10000)
    assert not dialog.all_button.isEnabled() and not dialog.unused_button.isEnabled()
    assert not dialog.progress.isVisible() and not dialog.stop_button.isVisible()

    # a search remakes a thumbnail meanwhile: the dialog, back in front, measures again by itself (trial ED read
    # "…are empty." until Refresh), keeping the removal's line
    from sane_desktop.gui import cache_dialog

    monkeypatch.setattr(cache_dialog, "STALE_AFTER_S", 0.0)
    remade = root / "thumbnails" / "ab" / THUMBNAIL
    remade.parent.mkdir(parents=True, exist_ok=True)
    remade.write_bytes(b"png")
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=10000)
    import threading

    held = threading.Event()  # the measure the activation starts waits until the test has clicked
    real_report = cache_dialog.cache_report
    monkeypatch.setattr(cache_dialog, "cache_report", lambda *args: held.wait(30) and real_report(*args))
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.side.busy, timeout=10000)
    # the click that brought it back finds its button as it was (trial EE: Remove all… was disabled between the
    # press and the release by the measure the activation started)
    assert dialog.refresh_button.isEnabled() and dialog.folder_button.isEnabled()
    monkeypatch.setattr(cache_dialog, "cache_report", real_report)
    held.set()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1 and not dialog.side.busy, timeout=60000)
    assert dialog.status.text().startswith("Removed") and dialog.total.text().endswith(f" on disk in {root}")
    assert dialog.all_button.isEnabled()
    remade.unlink()
    remade.parent.rmdir()

    # changed elsewhere (a terminal's `cache`, another window): Refresh measures again; so does reopening, and the
    # last visit's figures are not shown meanwhile
    _filled(root, monkeypatch)
    click(dialog.refresh_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 6 and not dialog.side.busy, timeout=60000)
    dialog.close()
    (root / "thumbnails" / "ab" / OLD_THUMBNAIL).unlink()
    window.caches_action.trigger()
    assert dialog.table.rowCount() == 0 and dialog.total.text() == "Measuring the caches…"
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5 and not dialog.side.busy, timeout=60000)
    dialog.close()


def test_a_removal_shows_its_progress_and_stop_ends_it(world, make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch) -> None:
    import threading

    from sane_desktop.service import caches

    root = tmp_path / "cache"
    monkeypatch.setenv("SANE_CACHE_HOME", str(root))
    folder = root / "thumbnails" / "cd"
    folder.mkdir(parents=True)
    for n in range(1500):
        (folder / f"{n:040x}_128_v2.png").write_bytes(b"p")
    held = threading.Event()  # the removal waits at its first progress until the test has looked
    real = caches.remove_caches

    def slowed(scope, root=None, *, index_home=None, progress=None, should_stop=None):  # type: ignore[no-untyped-def]
        def said(done: int, total: int) -> None:
            progress(done, total)
            held.wait(30)
        return real(scope, root, index_home=index_home, progress=said, should_stop=should_stop)

    monkeypatch.setattr("sane_desktop.gui.cache_dialog.remove_caches", slowed)
    window = make_window(world, (1280, 800), open_catalogue=False)
    window.caches_action.trigger()
    dialog = window.cache_dialog
    qtbot.waitUntil(lambda: dialog.unused_button.isEnabled(), timeout=60000)
    click(dialog.unused_button)
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.value() == 500, timeout=30000)
    assert dialog.stop_button.isVisible() and dialog.status.text() == "Removing cached files… 500 of 1,500"
    assert not dialog.unused_button.isEnabled() and not dialog.refresh_button.isEnabled()
    click(dialog.stop_button)
    held.set()
    qtbot.waitUntil(lambda: not dialog.side.busy, timeout=30000)
    assert dialog.status.text().startswith("Stopped. Removed 500 files (") and "not removed yet stays" in \
        dialog.status.text()
    assert sum(1 for _ in folder.iterdir()) == 1000 and dialog.table.rowCount() == 1
    dialog.close()
