"""Build a running GUI: the QApplication, the theme, the one worker thread (a :class:`TaskRunner`
owning the service) and the main window. The entry point (:mod:`.app`) and the screenshot walk
(:mod:`.screenshots`) both start from here, so neither imports the other.

The window comes first (issue 18 point 10): nothing imported here loads torch, FAISS, SQLAlchemy,
Alembic, numpy or PIL. The app's worker makes the service itself before its first task
(:func:`create_window`'s ``make_service``: those imports happen off the GUI thread, after the first
paint), lists and opens the catalogue and shows its items (browsing needs no model), then loads the
models (:func:`load_models`: the core's C extensions, with progress in the status bar, "Loading
models… 3/23", and the device once known); a search queued before that loads what it needs itself."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from sane_desktop.errors import Cancelled
from sane_desktop.gui.collector import collect_on_gui_thread
from sane_desktop.gui.main_window import MainWindow
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.tasks import TaskRunner, TaskState
from sane_desktop.gui.theme import apply_theme
from sane_desktop.gui.thumbnails import ThumbnailLoader, thumbnail_side
from sane_desktop.paths import DEMO_CATALOGUE

if TYPE_CHECKING:  # importing the service loads SQLAlchemy and Alembic: the worker does, after the first paint
    from sane_desktop.service import CatalogueService
    from sane_desktop.service.values import CatalogueListing

SHUTDOWN_WAIT_MS = 5000  # quitting waits at most this long for the running task to check should_stop
# then, once the event loop has ended, at most this long more: a shared library being loaded (torch)
# cannot be interrupted, and a QThread destroyed while it runs aborts the process
LATE_SHUTDOWN_WAIT_MS = 60000
DEMO = DEMO_CATALOGUE  # the name CatalogueService.ensure_demo indexes the built-in demo catalogue under
# the models load once the catalogue shows its items, or this long after the first paint at the latest
MODELS_AFTER_PAINT_MS = 4000
MODELS_RETRY_MS = 250  # … checked again this often while the worker still lists or opens the catalogue
LOADING = "Loading models…"
# everything the worker imports lazily: a first import (or .pyc compile) there mid-session would stall
# the GUI for as long as loading a shared library holds the GIL
CORE_MODULES = (
    "faiss", "torch", "sklearn.metrics",
    "sane_desktop.catalogue", "sane_desktop.demo", "sane_desktop.store.importer",
    "sane_desktop.models.checkpoint", "sane_desktop.models.preprocess", "sane_desktop.models.adapt",
    "sane_desktop.explain", "sane_desktop.explain.attribute_choice", "sane_desktop.explain.fast",
    "sane_desktop.explain.overlay",
    "sane_desktop.explain.rise", "sane_desktop.explain.sliding", "sane_desktop.explain.random_baseline",
    "sane_desktop.retrieval.embedding", "sane_desktop.retrieval.indexer",
    "sane_desktop.retrieval.search", "sane_desktop.service.explanation", "sane_desktop.service.model",
    "sane_desktop.service.search", "sane_desktop.training.presets", "sane_desktop.training.trainer",
)


def application(argv: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "sane-desktop", *argv])
    if existing is not app:  # once per application
        from sane_desktop.gui.focus_return import return_focus_after_dialogs

        return_focus_after_dialogs(app)
    app.setApplicationName("sane-desktop")
    app.setOrganizationName("SANE Desktop")
    QApplication.setApplicationDisplayName("SANE Desktop")
    return app


@contextlib.contextmanager
def without_feature_scan() -> Iterator[None]:
    """While in the block, PySide6 does not read the source of each module imported.

    PySide6 replaces ``__import__`` and, after every import, asks ``shibokensupport.feature.
    _mod_uses_pyside`` whether the module uses ``from __feature__ import …``, by reading its whole
    source (``inspect.getsource``): for the core's 2,775 modules that reads every ``.py`` beside its
    ``.pyc`` (measured: :func:`preload_core` 6.4–7.2 s → 5.0–5.3 s warm, 13.7 → 10.0 s after the page
    cache was dropped; napari/napari#8584 found the same tax). No module of this app uses
    ``__feature__``, so the answer is "no" without the read. A PySide6 without that hook (or with
    another name for it) is left as it is."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        yield
        return
    feature._mod_uses_pyside = lambda _module: False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        feature._mod_uses_pyside = original  # type: ignore[attr-defined]


def preload_core(progress: Callable[[int, int, str], None] | None = None,
                 should_stop: Callable[[], bool] = lambda: False) -> None:
    """Import the core's C-extension modules (FAISS, torch kernels; :data:`CORE_MODULES`) at the
    start of the session, on the worker thread once the window shows the catalogue: loading a shared library
    holds the GIL for hundreds of milliseconds, which would freeze the GUI if the worker did it
    mid-session. ``progress(done, total, message)`` before each module; between two modules
    ``should_stop()`` True (the app is quitting) raises Cancelled."""
    import importlib

    for done, module in enumerate(CORE_MODULES):
        if should_stop():
            raise Cancelled("quitting while the models load")
        if progress is not None:
            progress(done, len(CORE_MODULES), LOADING)
        with without_feature_scan():
            importlib.import_module(module)
    if progress is not None:
        progress(len(CORE_MODULES), len(CORE_MODULES), LOADING)


class FirstPaint(QObject):
    """Calls each of ``callbacks`` once, right after ``window``'s first paint has been handled
    (the top-level widget's first Paint event: the QWindow's Expose is not sent to the widget);
    ``painted`` is set then (the launch probe and the model loading's fallback timer start from it)."""

    def __init__(self, window: QObject, callbacks: Sequence[Callable[[], None]] = ()) -> None:
        super().__init__(window)
        self.painted = threading.Event()
        self._callbacks = list(callbacks)
        window.installEventFilter(self)

    def add(self, callback: Callable[[], None]) -> None:
        if self.painted.is_set():
            callback()
        else:
            self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and not self.painted.is_set():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._fire)  # after Qt has painted the window
        return False

    def _fire(self) -> None:
        self.painted.set()
        for callback in self._callbacks:
            callback()
        self._callbacks.clear()


def load_models(state: TaskState[None]) -> str:
    """The worker's model loading: import the core with progress, freeze the start-up objects out
    of the garbage collector's sight, keep a core for the GUI; returns the device's name for the
    status bar."""
    from sane_desktop.service import device_name

    preload_core(state.progress, state.should_stop)
    # A full garbage collection walks every live object with the GIL held (~300 ms with torch, Qt
    # and the core loaded) and froze the window whenever the worker triggered one. Objects alive now
    # live for the session: move them out of the collector's sight. No gc.collect() first: with
    # the window up, that pause is what the freeze is there to avoid.
    gc.freeze()
    leave_a_core_for_the_gui()
    return device_name()


def core_loaded() -> bool:
    """Whether this process has imported torch already (then there is no launch cost to defer)."""
    return "torch" in sys.modules


def schedule_model_loading(window: MainWindow, runner: TaskRunner[CatalogueService]) -> None:
    """Queue :func:`load_models` once the catalogue grid first shows items (browsing needs no torch,
    so the catalogue opens first), or :data:`MODELS_AFTER_PAINT_MS` after the window's first paint
    when nothing has opened by then and the worker is idle (an empty home, a failed open; a first
    run's demo build loads what it needs itself)."""
    queued: list[bool] = []

    def queue() -> None:
        if queued:
            return
        queued.append(True)
        window._show_device("loading…")
        runner.start(lambda _owner, state: load_models(state), LOADING) \
            .on_progress(window._show_progress).on_done(window._show_device) \
            .on_failed(window._report_error).on_finished(window._hide_progress)

    def items_shown() -> None:
        if window.browser_model.rowCount() > 0:
            queue()

    if core_loaded():
        # The process has the core already (tests, benchmarks, a host program): nothing to defer, so
        # finish the loading here, before the window's tasks, as the app did before the window came
        # first; its pauses (imports, a full collection) then never land in the middle of a session.
        preload_core()
        gc.collect()
        queue()
        return

    def fallback() -> None:
        # the catalogue still being looked for, listed or opened shows its items first (browsing needs
        # no model): a trial's listing outlasted the timer and its first items waited 40 s behind the
        # models on the one worker. Once the worker is idle with nothing shown (an empty home, an
        # empty catalogue, a failure), the models load.
        if not queued and not runner.idle():
            QTimer.singleShot(MODELS_RETRY_MS, fallback)
            return
        queue()

    window.browser_model.modelReset.connect(items_shown)
    window.browser_model.rowsInserted.connect(items_shown)
    first_paint = window.findChild(FirstPaint)
    assert first_paint is not None
    first_paint.add(lambda: QTimer.singleShot(MODELS_AFTER_PAINT_MS, fallback))


def leave_a_core_for_the_gui() -> None:
    """CPU inference uses every core by default, and the GUI thread then waits for the scheduler:
    keep one core free for it (a GPU does the heavy work where there is one)."""
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))


def create_window(service: CatalogueService | None = None, settings: Settings | None = None,
                  cache_dir: Path | None = None, *, make_service: Callable[[], CatalogueService] | None = None
                  ) -> tuple[MainWindow, TaskRunner[CatalogueService]]:
    """The main window wired to the worker thread that owns ``service``, or that makes it with
    ``make_service`` before its first task (the app does: the service's imports then happen on the
    worker, after the window is on screen); :func:`start` says what it opens first."""
    settings = settings or Settings()
    app = QApplication.instance()
    collect_on_gui_thread()  # Qt objects in Python's cycles are freed on this thread, not on the worker
    apply_theme(app, settings.get("theme"))  # type: ignore[arg-type]
    runner: TaskRunner[CatalogueService] = TaskRunner(service, make_owner=make_service)
    thumbnails = ThumbnailLoader(cache_dir, side=thumbnail_side(app))
    try:
        window = MainWindow(runner, settings, thumbnails)
    except BaseException:
        # the worker thread is running: left to the interpreter's exit, Qt aborts the process ("QThread:
        # Destroyed while thread is still running", exit code 134) over the error's own line (trial U)
        runner.shutdown(SHUTDOWN_WAIT_MS)
        raise
    first_paint = FirstPaint(window)  # owned by the window (its parent); window.findChild finds it
    # said, not silently reset (trials U, W): a file that is no text, or values of the wrong kind
    problem = settings.problem or settings.ignored_words()
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
        # once on screen: a message shown before hid the status bar's other widgets too early, and they were
        # painted over it when the window showed ("Ready" over its first words: trial W)
        first_paint.add(lambda: window.say_start_note(problem))
    window.browser_empty.setText("Opening the catalogue…")
    window.browser_empty.setVisible(True)
    schedule_model_loading(window, runner)
    app.aboutToQuit.connect(lambda: stop_worker(runner, SHUTDOWN_WAIT_MS))  # type: ignore[union-attr]
    return window, runner


def stop_worker(runner: TaskRunner[CatalogueService], wait_ms: int) -> bool:
    """Stop the worker thread, then close the open catalogue (its store engine, and a shared one's
    pgvector connection: the server's sessions end now, not when the process dies). Only once the
    worker has ended, so nothing uses the catalogue while it closes; True when it ended in time."""
    stopped = runner.shutdown(wait_ms)
    service = runner.owner  # None: the worker never made it (quit before its first task)
    if stopped and service is not None:
        service.close()
    return stopped


def demo_at_start(service: CatalogueService, asked: bool = False) -> tuple[bool, bool]:
    """(:func:`demo_needed`, whether the index home lists a "demo" now): what the start opens when no catalogue
    is remembered — the demo when there is one, else the first listed, and nothing said of a "demo" the user
    never had (trial EU read "“demo” is not among the catalogues that open any more: deleted, or …")."""
    listing = service.scan_catalogues()  # one look at the index home (it opens every catalogue's database)
    needed = _demo_needed(listing, asked)
    return needed, not needed and any(info.name == DEMO for info in listing.catalogues)


def demo_needed(service: CatalogueService, asked: bool = False) -> bool:
    """True when the start builds the demo (:meth:`CatalogueService.ensure_demo`): the index home holds no
    catalogue named "demo" and either none at all (the first run, or every catalogue removed since) or the demo
    was ``asked`` for (the screenshot walk). A demo deleted or renamed beside other catalogues is not drawn again
    unasked: it was, at every start, and opened instead of the catalogue open at quit (trial ER); Help → Build
    the demo catalogue brings it back."""
    return _demo_needed(service.scan_catalogues(), asked)


def _demo_needed(listing: CatalogueListing, asked: bool) -> bool:
    # one that cannot be opened *now* (locked, its disk full) is there and whole: not drawn again (a review)
    there = [info.name for info in listing.catalogues] + [entry.name for entry in listing.unreadable if entry.passing]
    return DEMO not in there and (asked or not there)


def start(window: MainWindow, demo_items: int, *, demo: bool = False) -> None:
    """What the window shows first: the demo catalogue, built when missing; otherwise (a later run,
    ``demo`` False) the remembered catalogue, or the demo when none is remembered. The look at the
    index home runs on the worker, with the service it owns (it opens every catalogue's database)."""

    window.demo_items = demo_items  # what Help → Build the demo catalogue draws

    def decide(found: tuple[bool, bool]) -> None:
        needed, listed = found
        if needed:
            window.browser_empty.setText("Preparing the demo catalogue: its pictures are drawn and indexed once, "
                                         "on the first run (progress below).")
            window.start_demo(items=demo_items)  # selects the demo once built
        elif (demo or not window.settings.get("catalogue")) and listed:
            window.refresh_catalogues(select=DEMO)
        else:
            window.refresh_catalogues()  # the remembered one, else the first listed

    window.tasks.start(lambda service, _state: demo_at_start(service, asked=demo), "Looking for catalogues…") \
        .on_done(decide).on_failed(window._report_error)
