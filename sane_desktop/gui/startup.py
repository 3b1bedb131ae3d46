"""Build a running GUI: the QApplication, the theme, the one worker thread (a :class:`TaskRunner`
owning the service) and the main window. The entry point (:mod:`.app`) and the screenshot walk
(:mod:`.screenshots`) both start from here, so neither imports the other."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.tasks import TaskRunner
from sane_desktop.gui.theme import apply_theme
from sane_desktop.gui.thumbnails import ThumbnailLoader
from sane_desktop.service import CatalogueService

SHUTDOWN_WAIT_MS = 5000  # quitting waits at most this long for the running task to check should_stop
DEMO = "demo"  # the name CatalogueService.ensure_demo indexes the built-in demo catalogue under


def application(argv: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "sane-desktop", *argv])
    app.setApplicationName("sane-desktop")
    app.setOrganizationName("SANE Desktop")
    QApplication.setApplicationDisplayName("SANE Desktop")
    return app


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
        "sane_desktop.explain.rise", "sane_desktop.explain.sliding", "sane_desktop.explain.random_baseline",
        "sane_desktop.retrieval.embedding", "sane_desktop.retrieval.indexer",
        "sane_desktop.retrieval.search", "sane_desktop.training.presets", "sane_desktop.training.trainer",
    ):
        importlib.import_module(module)


def leave_a_core_for_the_gui() -> None:
    """CPU inference uses every core by default, and the GUI thread then waits for the scheduler:
    keep one core free for it (a GPU does the heavy work where there is one)."""
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))


def create_window(service: CatalogueService, settings: Settings | None = None,
                  cache_dir: Path | None = None) -> tuple[MainWindow, TaskRunner[CatalogueService]]:
    """The main window wired to the worker thread that owns ``service``; :func:`start` says what it
    opens first."""
    settings = settings or Settings()
    preload_core()
    # A full garbage collection walks every live object with the GIL held: with torch, Qt and the
    # core loaded that took ~300 ms and froze the window whenever the worker triggered one. Objects
    # alive now live for the session, so move them out of the collector's sight.
    gc.collect()
    gc.freeze()
    app = QApplication.instance()
    apply_theme(app, settings.get("theme"))  # type: ignore[arg-type]
    runner: TaskRunner[CatalogueService] = TaskRunner(service)
    leave_a_core_for_the_gui()
    thumbnails = ThumbnailLoader(cache_dir)
    window = MainWindow(runner, settings, thumbnails)
    app.aboutToQuit.connect(lambda: runner.shutdown(SHUTDOWN_WAIT_MS))  # type: ignore[union-attr]
    return window, runner


def demo_needed(service: CatalogueService) -> bool:
    """True when the index home holds no catalogue named "demo" (the first run, or the demo was
    removed since): the start builds it (:meth:`CatalogueService.ensure_demo`), whatever other
    catalogues (indexed, or imported and not indexed) are there."""
    return not any(info.name == DEMO for info in service.list_catalogues())


def start(window: MainWindow, service: CatalogueService, demo_items: int, *, demo: bool = False) -> None:
    """What the window shows first: the demo catalogue, built when missing; otherwise (a later run,
    ``demo`` False) the remembered catalogue, or the demo when none is remembered."""
    if demo_needed(service):
        window.start_demo(items=demo_items)  # selects the demo once built
    elif demo or not window.settings.get("catalogue"):
        window.refresh_catalogues(select=DEMO)
    else:
        window.refresh_catalogues()
