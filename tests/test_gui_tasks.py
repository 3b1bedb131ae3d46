"""The typed task runner alone (no catalogue, no model): one worker thread for every task, a new task
on a channel cancels and disconnects the old one, errors and values arrive typed on the GUI thread."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")

from sane_desktop.errors import Cancelled, InputError, PhotoGone, StaleIndexError  # noqa: E402
from sane_desktop.gui.tasks import Failure, TaskRunner, TaskState  # noqa: E402


@dataclass(frozen=True)
class Owner:
    """Stands in for the service: the one object the worker thread owns."""

    name: str = "service"


@dataclass(frozen=True)
class Step:
    number: int


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner[Owner]]:  # type: ignore[no-untyped-def]
    runner: TaskRunner[Owner] = TaskRunner(Owner())
    yield runner
    assert runner.shutdown(5000)


def test_every_task_runs_on_the_one_worker_thread(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    threads: list[int] = []
    owners: list[str] = []

    def where(owner: Owner, _state: TaskState[None]) -> int:
        owners.append(owner.name)
        return threading.get_ident()

    tasks = [runner.start(where, f"task {n}").on_done(threads.append) for n in range(6)]
    with qtbot.waitSignal(tasks[-1].finished, timeout=5000):
        pass
    assert len(threads) == 6 and len(set(threads)) == 1
    assert threads[0] != threading.get_ident()  # not the GUI thread
    assert owners == ["service"] * 6  # each task got the owned object
    later = runner.start(where, "later").on_done(threads.append)
    with qtbot.waitSignal(later.done, timeout=5000):
        pass
    assert threads[-1] == threads[0]  # still the same thread after idling


def test_a_new_task_on_a_channel_cancels_and_disconnects_the_old_one(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    channel = runner.channel()
    running, release, old_returned = threading.Event(), threading.Event(), threading.Event()
    saw_stop: list[bool] = []

    def stubborn(_owner: Owner, state: TaskState[Step]) -> str:
        """Ignores should_stop until it has finished: its answer must still go nowhere."""
        running.set()
        release.wait(5)
        saw_stop.append(state.should_stop())
        state.progress(1, 2, "late")
        state.partial(Step(1))
        old_returned.set()
        return "old"

    received: list[object] = []
    old = channel.start(stubborn, "old")
    old.on_done(received.append).on_partial(received.append).on_failed(received.append)
    old.on_cancelled(lambda: received.append("cancelled")).on_finished(lambda: received.append("finished"))
    old.on_progress(lambda done, total, message: received.append(message))
    qtbot.waitUntil(running.is_set, timeout=5000)

    new = channel.start(lambda _owner, _state: "new", "new")
    assert channel.current is new and old.stop_requested and not old.live
    answers: list[str] = []
    new.on_done(answers.append)
    release.set()
    with qtbot.waitSignal(new.finished, timeout=5000):
        pass
    assert old_returned.is_set() and saw_stop == [True]  # the old function did finish, told to stop
    qtbot.wait(100)  # anything still queued from the old task would arrive now
    assert answers == ["new"] and received == []
    assert channel.current is None and not channel.busy and channel.started == 2


def test_a_task_discarded_while_queued_never_runs(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    ran: list[str] = []
    blocker = runner.start(lambda _o, _s: release.wait(5), "blocker")
    channel = runner.channel()
    channel.start(lambda _o, _s: ran.append("first"), "first")
    second = channel.start(lambda _o, _s: ran.append("second"), "second")
    release.set()
    with qtbot.waitSignal(second.done, timeout=5000):
        pass
    assert ran == ["second"] and blocker.ended


def test_failed_carries_the_sane_error_message(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    def refuse(_owner: Owner, _state: TaskState[None]) -> int:
        raise InputError("no catalogue in /tmp/nowhere: choose a folder with images")

    results: list[int] = []
    task = runner.start(refuse, "refusing").on_done(results.append)
    with qtbot.waitSignal(task.failed, timeout=5000) as failed:
        pass
    assert failed.args == ["no catalogue in /tmp/nowhere: choose a folder with images"] and results == []


def test_a_failure_carries_the_error_kind_beside_its_words(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    """The window once told a gone photo, a changed one and outdated results by their words: a
    reworded message fell through to the raw one. Handlers now get the error itself."""
    def gone(_owner: Owner, _state: TaskState[None]) -> int:
        raise PhotoGone("the image of A1 is gone from /cat/a1.jpg (moved or deleted since indexing)", path="/cat/a1.jpg")

    def bug(_owner: Owner, _state: TaskState[None]) -> int:
        return 1 // 0

    failures: list[Failure] = []
    messages: list[str] = []
    task = runner.start(gone, "explaining").on_failure(failures.append).on_failed(messages.append)
    qtbot.waitUntil(lambda: task.ended, timeout=5000)
    assert isinstance(failures[0].error, PhotoGone) and failures[0].error.path == "/cat/a1.jpg"
    assert failures[0].message == messages[0] == str(failures[0].error)
    task = runner.start(bug, "buggy").on_failure(failures.append)
    qtbot.waitUntil(lambda: task.ended, timeout=5000)
    assert failures[1].error is None and failures[1].message.startswith("Something went wrong")


def test_error_kinds_survive_a_process_boundary() -> None:
    """What a window or a dialog decides by (a path, whether a re-index helps) stays after pickling."""
    import pickle

    from sane_desktop.gui.explain_tasks import RESULTS_OUTDATED, ResultsOutdated

    stale = pickle.loads(pickle.dumps(StaleIndexError("open it again", reindex_helps=False)))
    assert str(stale) == "open it again" and stale.reindex_helps is False
    outdated = pickle.loads(pickle.dumps(ResultsOutdated()))
    assert type(outdated) is ResultsOutdated and str(outdated) == RESULTS_OUTDATED and not outdated.reindex_helps
    photo = pickle.loads(pickle.dumps(PhotoGone("gone", path="/cat/a1.jpg")))
    assert type(photo) is PhotoGone and photo.path == "/cat/a1.jpg" and str(photo) == "gone"


def test_a_bug_is_logged_with_its_traceback_and_shown_short(runner: TaskRunner[Owner], qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    def buggy(_owner: Owner, _state: TaskState[None]) -> int:
        return {}["missing"]  # type: ignore[no-any-return]

    with caplog.at_level(logging.ERROR, logger="sane_desktop.gui.tasks"):
        task = runner.start(buggy, "buggy")
        with qtbot.waitSignal(task.failed, timeout=5000) as failed:
            pass
    message = failed.args[0]
    # a person reads what went wrong and where the details are, never a class name or a traceback
    assert message == "Something went wrong: 'missing' (details in the log)"
    assert "KeyError" not in message and "Traceback" not in message
    assert any(record.exc_info and "buggy" in record.getMessage() for record in caplog.records)


def test_a_bug_message_is_one_line(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    def silent(_owner: Owner, _state: TaskState[None]) -> int:
        raise RuntimeError()

    def chatty(_owner: Owner, _state: TaskState[None]) -> int:
        raise RuntimeError("the index went away\nline two of a long story")

    messages = []
    for fn in (silent, chatty):
        task = runner.start(fn, "buggy")
        with qtbot.waitSignal(task.failed, timeout=5000) as failed:
            pass
        messages.append(failed.args[0])
    assert messages == ["Something went wrong (details in the log)",
                        "Something went wrong: the index went away (details in the log)"]


def test_cancelled_ends_silently_and_a_cancelled_handle_says_so(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()

    def patient(_owner: Owner, state: TaskState[None]) -> str:
        started.set()
        while not state.should_stop():
            time.sleep(0.005)
        raise Cancelled("stopped")

    outcomes: list[str] = []
    task = runner.start(patient, "patient")
    task.on_done(outcomes.append).on_failed(outcomes.append).on_cancelled(lambda: outcomes.append("cancelled"))
    qtbot.waitUntil(started.is_set, timeout=5000)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()  # the Cancel button: stop, but keep listening
    assert outcomes == ["cancelled"]


def test_progress_and_partial_arrive_typed_on_the_gui_thread(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    gui = threading.get_ident()

    def steps(_owner: Owner, state: TaskState[Step]) -> int:
        for number in range(3):
            state.partial(Step(number))
        for done in range(1, 2001):  # far faster than anyone reads: throttled
            state.progress(done, 2000, "counting")
        return 3

    progress: list[tuple[int, int, str, int]] = []
    partials: list[tuple[Step, int]] = []
    task = runner.start(steps, "steps")
    task.on_progress(lambda done, total, message: progress.append((done, total, message, threading.get_ident())))
    task.on_partial(lambda step: partials.append((step, threading.get_ident())))
    with qtbot.waitSignal(task.done, timeout=5000) as done:
        pass
    assert done.args == [3]
    assert [step for step, _ in partials] == [Step(0), Step(1), Step(2)]
    assert all(isinstance(step, Step) and thread == gui for step, thread in partials)
    assert all(thread == gui for *_, thread in progress)
    assert progress[-1][:3] == (2000, 2000, "counting")  # the last step always arrives
    assert len(progress) <= 5  # at most 20 a second, and this took well under a second


def test_the_status_bar_text_comes_with_the_task(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    texts: list[str] = []
    runner.activity.connect(texts.append)
    task = runner.start(lambda _o, _s: None, "Searching compatible items…")
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: texts[-1:] == ["Ready"], timeout=5000)
    assert texts == ["Searching compatible items…", "Ready"]


def test_shutdown_stops_the_thread_and_silences_every_task(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[Owner] = TaskRunner(Owner())
    started = threading.Event()

    def long(_owner: Owner, state: TaskState[None]) -> str:
        started.set()
        while not state.should_stop():
            time.sleep(0.01)
        return "late"

    heard: list[object] = []
    running = runner.start(long, "long").on_done(heard.append).on_cancelled(lambda: heard.append("cancelled"))
    queued = runner.start(long, "queued").on_done(heard.append)
    qtbot.waitUntil(started.is_set, timeout=5000)
    begin = time.monotonic()
    assert runner.shutdown(3000) and time.monotonic() - begin < 3
    assert not runner.worker_thread.isRunning()
    qtbot.wait(50)
    assert heard == [] and running.stop_requested and queued.stop_requested
    after = runner.start(long, "after shutdown")  # e.g. a debounce timer firing late: never runs
    assert after.stop_requested and not after.live
    assert runner.shutdown(100)  # twice is fine (aboutToQuit, then the test fixture)


def test_emitting_signals_leaves_true_alone() -> None:
    """PySide6 6.12.0's emit takes a reference from True each time (CPython 3.11 aborts after some
    hundreds of emits): pyproject.toml keeps that release out; this fails if it comes back."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(1000):
        probe.ping.emit()
    assert abs(sys.getrefcount(True) - before) < 50


def test_a_signal_connected_to_a_signal_still_relays(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject, Signal

    class Relay(QObject):
        first = Signal(list)
        second = Signal(list)

    relay = Relay()
    relay.first.connect(relay.second)
    with qtbot.waitSignal(relay.second, timeout=1000) as relayed:
        relay.first.emit(["a.png"])
    assert relayed.args == [["a.png"]]


def test_a_task_handle_is_freed_on_the_gui_thread_never_on_the_worker(runner: TaskRunner[Owner], qtbot) -> None:  # type: ignore[no-untyped-def]
    """A task's handle is a QObject of the GUI thread. It was in a cycle with its state, freed by the collector
    wherever it ran (the worker, which allocates most), and the worker held the last job while it waited for the
    next: a QObject destroyed off its thread races the GUI thread (stop 69's CI segfault). Handles the window let
    go of are freed on the GUI thread, even when the worker collects garbage right after their ends."""
    import gc
    import weakref

    freed_on: list[str] = []
    for number in range(40):  # the window keeps no handle: as `channel.start(...).on_done(...)` does
        task = runner.start(lambda _owner, _state, n=number: n, "a step")
        task.on_done(lambda _value: None)
        weakref.finalize(task, lambda: freed_on.append(threading.current_thread().name))
        del task
    collected = runner.start(lambda _owner, _state: gc.collect(), "collecting on the worker")
    with qtbot.waitSignal(collected.finished, timeout=10000):
        pass
    del collected
    here = threading.current_thread().name
    qtbot.waitUntil(lambda: len(freed_on) >= 40 or any(name != here for name in freed_on), timeout=10000)
    assert set(freed_on) == {here} and len(freed_on) == 40, freed_on
