"""``python main.py --screenshot DIR``: start on the demo catalogue, walk the main path (outfit,
results with their chips, tile overlays and contribution highlight, explanation, indexing dialog,
dark theme), save PNGs and quit. The tests drive the same path."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from sane_desktop.errors import SaneError
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.models import Role
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.startup import create_window, first_run_needed
from sane_desktop.service import CatalogueService


class PathTimeout(SaneError):
    pass


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition`` holds (the worker answers through queued signals)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise PathTimeout(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.005)


def open_first_catalogue(window: MainWindow, build_demo: bool, demo_items: int, timeout_s: float = 600) -> None:
    if build_demo:
        window.start_demo(items=demo_items)
    else:
        window.refresh_catalogues()
    wait_until(lambda: window.browser_model.rowCount() > 0, timeout_s, "the catalogue's items")


def build_outfit(window: MainWindow, size: int = 2) -> list[int]:
    """Outfit of the first items of ``size`` different categories."""
    chosen, seen = [], set()
    for item in window.browser_model.items():
        if item.category not in seen:
            seen.add(item.category)
            chosen.append(item.pk)
        if len(chosen) == size:
            break
    window.add_to_outfit(chosen)
    return chosen


def wait_results(window: MainWindow, timeout_s: float = 120) -> None:
    """Results shown, or a message once no search (or re-index before one) is under way."""
    def settled() -> bool:
        busy = window.channels.search.busy or window.channels.build.busy
        return window.results_model.rowCount() > 0 or not busy and window.results.stack.currentWidget() is window.results.empty \
            and window.results.empty.text() not in ("Searching…", "")

    wait_until(settled, timeout_s, "search results")
    wait_until(lambda: window.results_model.rowCount() > 0, 1, f"results ({window.results.empty.text()})")


def wait_tiles(window: MainWindow, timeout_s: float = 120) -> None:
    """Every visible result tile has its background explanation (chip, overlay, tooltip)."""

    def explained() -> bool:
        rows = window.results.visible_rows()
        return bool(rows) and all(window.results_model.data(window.results_model.index(r), Role.Tile) is not None
                                  for r in rows)

    wait_until(explained, timeout_s, "the visible tiles' explanations")


def explain_first_result(window: MainWindow, timeout_s: float = 300) -> None:
    window.results.step(1)
    wait_until(lambda: window.explanation.update_data is not None and window.explanation.update_data.final
               or "Could not explain" in window.explanation.status.text(), timeout_s, "the explanation")
    if window.explanation.update_data is None:
        raise PathTimeout(window.explanation.status.text())


def settle(window: MainWindow, ms: int = 300) -> None:
    window.thumbnails.wait(10000)
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def take_screenshots(service: CatalogueService, out: Path, demo_items: int = 120) -> int:
    out.mkdir(parents=True, exist_ok=True)
    # a private settings file: screenshots never change the user's remembered settings
    scratch = Path(tempfile.mkdtemp(prefix="sane-shots-"))
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("theme", "light")
    window, runner = create_window(service, settings, cache_dir=scratch / "thumbnails")
    window.resize(1500, 940)
    window.show()
    try:
        open_first_catalogue(window, first_run_needed(service), demo_items)
        settle(window)
        window.grab().save(str(out / "01-catalogue.png"))
        build_outfit(window, 3)
        wait_results(window)
        wait_tiles(window)
        settle(window)
        window.grab().save(str(out / "02-results-chips.png"))
        window.set_tile_overlays(True)
        window._result_hovered(window.results_model.row(0).item.pk)  # as when the mouse is on it
        settle(window)
        window.grab().save(str(out / "03-overlays-contributions.png"))
        explain_first_result(window)
        settle(window)
        window.grab().save(str(out / "04-results-explanation.png"))
        window.explanation.export(out / "05-explanation-export.png")
        shown = window.explanation.update_data
        assert shown is not None, "the explanation view shows no explanation"
        window.explanation.show_attribute(shown.attribute)  # its activation map
        settle(window)
        window.explanation.export(out / "08-attribute-map.png")
        window.explanation.show_attribute("")  # back to the saliency
        window.show_index_dialog()
        dialog = window.index_dialog
        assert dialog is not None, "File → Index catalogue folder… opened no dialog"
        source = service.index_home / "demo" / "source"
        dialog.folder.setText(str(source))
        dialog.inspect(str(source))
        wait_until(lambda: "catalogue" in dialog.detected.text() or "color" in dialog.detected.text(), 60, "folder inspection")
        settle(window, 200)
        dialog.grab().save(str(out / "06-index-dialog.png"))
        dialog.close()
        window.set_tile_overlays(False)
        window.set_theme("dark")
        settle(window)
        window.grab().save(str(out / "07-dark-theme.png"))
    finally:
        window.close()
        runner.shutdown()
    print(f"screenshots written to {out}")
    return 0
