"""Python's cyclic garbage collector, run on the GUI thread only.

A Qt object that a Python object owns (a parentless ``QTimer`` or ``QSettings``, a task's handle) is
destroyed wherever the collector happens to free the cycle it is in: in whichever thread allocated past the
threshold, most often the model worker or a thumbnail thread. A ``QObject`` destroyed off its own thread
races the GUI thread's event dispatcher and PySide's bookkeeping of connections (a CI run segfaulted with
the worker beside the GUI thread, stop 69). As pyqtgraph's ``GarbageCollector`` does, automatic
collection is turned off while a window is up, and a timer on the GUI thread collects each generation
when its count has passed Python's own threshold (``gc.get_threshold``).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread

from sane_desktop.gui.timers import timer

INTERVAL_MS = 500  # how often the counts are looked at; a collection runs only when one is due
OBJECT_NAME = "sane-gui-thread-collector"


def collect_due() -> tuple[int, ...]:
    """Collect the generations whose counts passed their thresholds, youngest first, as the interpreter's
    automatic collection would (gen 1 after ``threshold[1]`` gen-0 collections, gen 2 after ``threshold[2]``
    gen-1 ones); returns the generations collected (empty: none was due). Call it on the GUI thread."""
    thresholds, counts = gc.get_threshold(), gc.get_count()
    done: list[int] = []
    for generation, (count, threshold) in enumerate(zip(counts, thresholds)):
        if threshold <= 0 or count <= threshold:
            break
        done.append(generation)
    if done:
        gc.collect(done[-1])  # (a collection of a generation collects the younger ones with it)
    return tuple(done)


class GuiThreadCollector(QObject):
    """The application's one collector (its child, found by :data:`OBJECT_NAME`): automatic collection off,
    :func:`collect_due` every :data:`INTERVAL_MS` on the GUI thread. :meth:`stop` turns automatic collection
    back on (the application quitting; tests that close every window)."""

    def __init__(self, app: QObject) -> None:
        super().__init__(app)
        self.setObjectName(OBJECT_NAME)
        self._timer = timer(self, INTERVAL_MS, single_shot=False)
        self._timer.timeout.connect(collect_due)
        self._timer.start()
        gc.disable()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()


def collect_on_gui_thread() -> GuiThreadCollector | None:
    """Start the application's :class:`GuiThreadCollector` (once; the same one after). None, and nothing
    changed, without an application or off its thread."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return None
    found = app.findChild(GuiThreadCollector, OBJECT_NAME)
    if found is None:
        found = GuiThreadCollector(app)
        app.aboutToQuit.connect(found.stop)
    gc.disable()  # (again: something may have turned it back on)
    return found
