"""The one background worker: a QObject living on a long-lived QThread that owns the service (and so
the models, the FAISS index and the GPU). The GUI talks to it only through signals.

Requests carry ids. For "latest wins" kinds (explain, search, items) a newer request makes every older
one of that kind stop at its next cancel check; cancellable work checks between batches. Every request
ends with exactly one ``finished`` or ``errored`` signal.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from sane_desktop.progress import Cancelled
from sane_desktop.service import CatalogueService, ExplanationUpdate, ServiceError, colourise

LATEST_WINS = frozenset({"explain", "search", "items", "tiles"})
TILE_CHUNK = 8  # tiles per batched pass: the first chips land fast, cancellation is checked between passes
PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second: the GUI stays responsive


class Worker(QObject):
    """Runs on the worker thread. Slots are invoked through queued signals from :class:`WorkerClient`."""

    progress = Signal(int, int, int, str)  # request id, done, total, message
    partial = Signal(int, str, object)  # request id, kind, partial result (explanation steps, epochs)
    finished = Signal(int, str, object)  # request id, kind, result (None when cancelled)
    errored = Signal(int, str, str)  # request id, kind, message
    activity = Signal(str)  # what the worker is doing, for the status bar

    def __init__(self, service: CatalogueService, latest: dict[str, int], cancelled: set[int]) -> None:
        super().__init__()
        self.service = service
        self._latest = latest  # shared with the client; plain dict writes are atomic under the GIL
        self._cancelled = cancelled
        self.colour_map = "inferno"

    def _should_stop(self, request_id: int, kind: str) -> Callable[[], bool]:
        def check() -> bool:
            if request_id in self._cancelled:
                return True
            return kind in LATEST_WINS and self._latest.get(kind, request_id) != request_id

        return check

    def _progress(self, request_id: int) -> Callable[..., None]:
        last = [0.0]

        def report(done: int, total: int, message: str = "") -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
                last[0] = now
                self.progress.emit(request_id, int(done), int(total), message)

        return report

    @Slot(int, str, object)
    def run(self, request_id: int, kind: str, args: dict[str, Any]) -> None:
        should_stop = self._should_stop(request_id, kind)
        if should_stop():
            self.finished.emit(request_id, kind, None)
            return
        self.activity.emit(ACTIVITY.get(kind, kind))
        try:
            body = getattr(self, f"_do_{kind}")
            result = body(request_id, should_stop, **args)
        except Cancelled:
            result = None
        except ServiceError as error:
            self.errored.emit(request_id, kind, str(error))
            return
        except Exception as error:  # any failure reaches the user as a message
            traceback.print_exc()
            self.errored.emit(request_id, kind, f"{type(error).__name__}: {error}")
            return
        finally:
            self.activity.emit("Ready")
            self._cancelled.discard(request_id)
        self.finished.emit(request_id, kind, None if should_stop() else result)

    # --- request bodies (worker thread) ------------------------------------------------------
    def _do_catalogues(self, _id: int, _stop: Callable[[], bool]) -> Any:
        return self.service.list_catalogues()

    def _do_open(self, _id: int, _stop: Callable[[], bool], name: str) -> Any:
        info = self.service.open_catalogue(name)
        return {"info": info, "categories": self.service.categories(), "has_outfits": self.service.has_outfits()}

    def _do_items(self, _id: int, _stop: Callable[[], bool], category: str, text: str) -> Any:
        return self.service.items(category, text)

    def _do_search(self, _id: int, stop: Callable[[], bool], outfit: list[int], target: str, k: int) -> Any:
        return self.service.search(outfit, target, k, should_stop=stop)

    def _do_explain(self, request_id: int, stop: Callable[[], bool], candidate: int, outfit_item: int,
                    refine: bool = True, n_masks: int | None = None) -> Any:
        last: ExplanationUpdate | None = None
        for update in self.service.explain(candidate, outfit_item, refine=refine, n_masks=n_masks, should_stop=stop):
            if stop():
                raise Cancelled()
            last = update
            # overlays are built here, off the GUI thread; the GUI only wraps them in a QPixmap
            payload = {"update": update, "candidate_overlay": colourise(update.candidate_map, self.colour_map),
                       "outfit_overlay": colourise(update.outfit_map, self.colour_map), "colour_map": self.colour_map}
            self.partial.emit(request_id, "explain", payload)
        return last

    def _do_tiles(self, request_id: int, stop: Callable[[], bool], pairs: list[tuple[int, int]]) -> Any:
        """Fast explanations of the visible tiles, batched, one partial signal per batch."""
        done = 0
        for start in range(0, len(pairs), TILE_CHUNK):
            if stop():
                raise Cancelled()
            tiles = self.service.explain_tiles(pairs[start:start + TILE_CHUNK], should_stop=stop)
            if stop():
                raise Cancelled()
            # overlays are coloured here, off the GUI thread
            payload = [(tile, colourise(tile.candidate_map, self.colour_map)) for tile in tiles]
            self.partial.emit(request_id, "tiles", payload)
            done += len(tiles)
        return done

    def _do_guess(self, _id: int, _stop: Callable[[], bool], path: str) -> Any:
        return self.service.guess_category(path)

    def _do_add_image(self, _id: int, _stop: Callable[[], bool], path: str, category: str) -> Any:
        return self.service.add_image(path, category)

    def _do_inspect(self, _id: int, _stop: Callable[[], bool], root: str) -> Any:
        return self.service.inspect_folder(root)

    def _do_index(self, request_id: int, stop: Callable[[], bool], root: str, name: str | None = None) -> Any:
        return self.service.index_folder(root, name, progress=self._progress(request_id), should_stop=stop)

    def _do_demo(self, request_id: int, stop: Callable[[], bool], items: int = 120) -> Any:
        return self.service.ensure_demo(items=items, progress=self._progress(request_id), should_stop=stop)

    def _do_train(self, request_id: int, stop: Callable[[], bool], epochs: int = 5) -> Any:
        def epoch_done(entry: dict[str, Any]) -> None:  # the dialog's learning curve
            self.partial.emit(request_id, "train", entry)

        return self.service.train(progress=self._progress(request_id), should_stop=stop, epochs=epochs,
                                  on_epoch=epoch_done)

    def _do_reindex(self, request_id: int, stop: Callable[[], bool]) -> Any:
        return self.service.reindex(progress=self._progress(request_id), should_stop=stop)

    def _do_adapt(self, request_id: int, stop: Callable[[], bool]) -> Any:
        return self.service.adapt(progress=self._progress(request_id), should_stop=stop)

    def _do_device(self, _id: int, _stop: Callable[[], bool]) -> Any:
        from sane_desktop.service import device_name

        return device_name()


ACTIVITY = {
    "catalogues": "Listing catalogues…", "open": "Opening catalogue…", "items": "Loading items…",
    "search": "Searching compatible items…", "explain": "Explaining…", "inspect": "Inspecting folder…",
    "index": "Indexing catalogue…", "demo": "Preparing the demo catalogue…", "train": "Training…",
    "adapt": "Adapting the model…", "reindex": "Re-indexing the catalogue…",
    "device": "Checking device…", "tiles": "Explaining visible results…", "guess": "Reading the image…",
    "add_image": "Embedding the image…",
}


class WorkerClient(QObject):
    """GUI-thread handle: starts the worker thread, submits requests, cancels them."""

    _submit = Signal(int, str, object)

    def __init__(self, service: CatalogueService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        self.thread = QThread()
        self.thread.setObjectName("sane-worker")
        self.worker = Worker(service, self._latest, self._cancelled)
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self.thread.start()
        _leave_a_core_for_the_gui()

    def submit(self, kind: str, **args: Any) -> int:
        with self._lock:
            request_id = next(self._ids)
        if kind in LATEST_WINS:
            self._latest[kind] = request_id  # older requests of this kind stop at their next check
        self._submit.emit(request_id, kind, args)
        return request_id

    def is_latest(self, kind: str, request_id: int) -> bool:
        return self._latest.get(kind) == request_id

    def cancel(self, request_id: int) -> None:
        self._cancelled.add(request_id)

    def set_colour_map(self, name: str) -> None:
        self.worker.colour_map = name  # read by the worker when it builds the next overlay

    def shutdown(self, wait_ms: int = 10000) -> None:
        for request_id in range(1, next(self._ids)):
            self._cancelled.add(request_id)
        self.thread.quit()
        self.thread.wait(wait_ms)


def _leave_a_core_for_the_gui() -> None:
    """CPU inference uses every core by default, and the GUI thread then waits for the scheduler:
    keep one core free for it (a GPU does the heavy work where there is one)."""
    import os

    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
