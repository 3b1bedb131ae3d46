"""Start the GUI (``python main.py``, ``sane-desktop gui``): the main window, or with
``screenshot_dir`` the screenshot walk; first run builds the demo catalogue."""

from __future__ import annotations

from pathlib import Path

from sane_desktop.gui.screenshots import take_screenshots
from sane_desktop.gui.startup import application, create_window, first_run_needed
from sane_desktop.service import CatalogueService

__all__ = ["application", "create_window", "first_run_needed", "run"]


def run(index_home: Path | None = None, model: Path | None = None, demo_items: int = 120,
        screenshot_dir: Path | None = None) -> int:
    app = application()
    service = CatalogueService(index_home, model=model)
    if screenshot_dir is not None:
        return take_screenshots(service, Path(screenshot_dir), demo_items=demo_items)
    window, _runner = create_window(service)
    window.show()
    if first_run_needed(service):
        window.start_demo(items=demo_items)
    else:
        window.refresh_catalogues()
    return app.exec()
