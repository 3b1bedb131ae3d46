"""Python's cyclic garbage collection runs on the GUI thread once a window is up (``gui/collector.py``): a Qt
object owned by a Python cycle was freed on whichever thread allocated past the threshold, the model worker most
often, racing the GUI thread (stop 69's CI segfault)."""

from __future__ import annotations

import gc
import os
import threading
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer  # noqa: E402

from sane_desktop.gui.collector import collect_due, collect_on_gui_thread  # noqa: E402


class _Cycle:
    def __init__(self) -> None:
        self.me = self
        self.timer = QTimer()  # a parentless Qt object a Python object owns


def test_a_cycle_holding_a_qt_object_is_freed_on_the_gui_thread_not_where_memory_was_allocated(qtbot) -> None:  # type: ignore[no-untyped-def]
    collector = collect_on_gui_thread()
    assert collector is not None and collect_on_gui_thread() is collector  # one for the application
    assert not gc.isenabled()
    freed_on: list[str] = []
    cycle = _Cycle()
    weakref.finalize(cycle, lambda: freed_on.append(threading.current_thread().name))
    del cycle

    held: list[list[list[int]]] = []

    def allocate() -> None:  # as the worker does (a batch of results held): far past every threshold
        held.append([[index] for index in range(200_000)])

    worker = threading.Thread(target=allocate, name="allocating")
    worker.start()
    worker.join()
    assert freed_on == []  # no collection ran there
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)  # the GUI thread's timer collected it
    assert freed_on == [threading.current_thread().name]


def test_only_the_generations_that_are_due_are_collected() -> None:
    gc.collect()
    assert collect_due() == ()  # nothing due right after a full collection
    threshold = gc.get_threshold()[0]
    kept = [[index] for index in range(threshold + 50)]  # containers allocated past gen 0's threshold
    assert collect_due()[:1] == (0,)
    del kept
