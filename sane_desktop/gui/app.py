"""Start the GUI: QApplication, theme, the worker thread, the main window; first run builds the demo."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.theme import apply_theme
from sane_desktop.gui.thumbnails import ThumbnailLoader
from sane_desktop.gui.worker import WorkerClient
from sane_desktop.service import CatalogueService


def application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sane-desktop", *argv])
    app.setApplicationName("sane-desktop")
    app.setOrganizationName("SANE Desktop")
    app.setApplicationDisplayName("SANE Desktop")
    return app  # type: ignore[return-value]


def preload_core() -> None:
    """Import the core's C-extension modules (FAISS, torch kernels) now, at start-up: loading a
    shared library holds the GIL for hundreds of milliseconds, which would freeze the GUI if the
    worker did it mid-session."""
    import importlib

    # everything the worker imports lazily: a first import (or .pyc compile) there would stall the GUI
    for module in (
        "faiss", "torch", "sklearn.metrics",
        "sane_desktop.catalogue", "sane_desktop.demo", "sane_desktop.store.importer",
        "sane_desktop.models.checkpoint", "sane_desktop.models.preprocess", "sane_desktop.models.adapt",
        "sane_desktop.explain", "sane_desktop.explain.attribute_choice", "sane_desktop.explain.fast",
        "sane_desktop.explain.rise", "sane_desktop.retrieval.embedding", "sane_desktop.retrieval.indexer",
        "sane_desktop.retrieval.search", "sane_desktop.training.presets", "sane_desktop.training.trainer",
    ):
        importlib.import_module(module)


def create_window(service: CatalogueService, settings: Settings | None = None,
                  cache_dir: Path | None = None) -> tuple[MainWindow, WorkerClient]:
    """The main window wired to a worker that owns ``service``; catalogues are listed (or the demo
    built when there are none) once the event loop runs."""
    settings = settings or Settings()
    preload_core()
    # A full garbage collection walks every live object with the GIL held: with torch, Qt and the
    # core loaded that took ~300 ms and froze the window whenever the worker triggered one. Objects
    # alive now live for the session, so move them out of the collector's sight.
    gc.collect()
    gc.freeze()
    app = QApplication.instance()
    apply_theme(app, settings.get("theme"))  # type: ignore[arg-type]
    client = WorkerClient(service)
    thumbnails = ThumbnailLoader(cache_dir)
    window = MainWindow(client, settings, thumbnails)
    app.aboutToQuit.connect(client.shutdown)  # type: ignore[union-attr]
    return window, client


def first_run_needed(service: CatalogueService) -> bool:
    home = service.index_home
    return not any((folder / "catalogue.db").is_file() for folder in home.iterdir()) if home.is_dir() else True


def run(index_home: Path | None = None, model: Path | None = None, demo_items: int = 120,
        screenshot_dir: Path | None = None) -> int:
    app = application()
    service = CatalogueService(index_home, model=model)
    if screenshot_dir is not None:
        from sane_desktop.gui.screenshots import take_screenshots

        return take_screenshots(service, Path(screenshot_dir), demo_items=demo_items)
    window, _client = create_window(service)
    window.show()
    if first_run_needed(service):
        window.start_demo(items=demo_items)
    else:
        window.refresh_catalogues()
    return app.exec()
