"""Typed background tasks on the one worker thread (Orange's ``TaskState``/``ConcurrentMixin`` and
superqt's typed workers are the models).

A task is a plain function ``fn(owner, state) -> R``. ``owner`` is the one object the worker thread
owns (the app's ``CatalogueService``, and through it the models, the FAISS index and the GPU): the GUI
never holds it, so it can only be used where it is safe. ``state`` is a :class:`TaskState`:
``progress(done, total, message)`` (throttled to 20 signals a second), ``partial(value)`` and
``should_stop()``. :meth:`TaskRunner.start` queues the function with the status-bar text saying what it
does (a *quiet* task, a check the person did not ask for, says so only once it has run
:data:`QUIET_MS`) and returns a :class:`Task` handle whose own signals carry its values to the GUI thread:
``progress``, ``partial``, then exactly one of ``done(result)``, ``failed(message)`` (with
``failure(Failure)`` beside it: the message and the error's kind, for a handler that acts on what went
wrong, never on its words) or ``cancelled``, then ``finished``. A :class:`Channel` (search, explain, tiles, …) holds at most one live task: starting
another cancels the old one *and disconnects it*, so a stale answer never reaches a handler and no
handler compares ids.

Errors are caught once, here: :class:`~sane_desktop.errors.Cancelled` ends a task as cancelled
(silently), any other :class:`~sane_desktop.errors.SaneError` fails it with its message in the
window's words (:func:`~sane_desktop.gui.text.window_message`: the one line a person acts on); any other exception is a bug: its traceback goes to the log and the
handle fails with "Something went wrong: … (details in the log)" (:func:`bug_message`).

Why one dedicated ``QThread`` reading a queue, and not superqt: FAISS GPU resources and a CUDA model
must stay on one thread for the whole session. superqt's ``create_worker`` starts each worker on the
*global* ``QThreadPool`` (any of its threads) and its ``FunctionWorker`` cannot be asked to stop. A
private ``QThreadPool`` of one thread would do, but a queue of our own also lets a task cancelled while
still queued be skipped without running, and shutdown drop whatever waits and join one named thread.
Every signal from the worker crosses to the GUI thread through one queued connection, so the handles
(``QObject``s of the GUI thread) emit only there, in the order the worker reported.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeAlias, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, SignalInstance

from sane_desktop.errors import Cancelled, SaneError
from sane_desktop.gui.text import window_message

log = logging.getLogger(__name__)

S = TypeVar("S")  # what the worker thread owns (the service)
P = TypeVar("P")  # a task's partial results
R = TypeVar("R")  # a task's result

TaskFn: TypeAlias = Callable[[S, "TaskState[P]"], R]

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second: the GUI stays responsive
READY = "Ready"
STOPPING = "Stopping…"  # a discarded task that still runs until its next check
QUIET_MS = 500  # a quiet task's status-bar text shows only once it has run this long (a quick one is silent)


class TaskState(Generic[P]):
    """What a task function gets to talk to its handle (used on the worker thread). ``progress`` and
    ``should_stop`` fit the core's ``progress=`` and ``should_stop=`` parameters as they are."""

    def __init__(self, post: Callable[[Callable[[], None]], None], task: Task[Any, P]) -> None:
        self._post, self._task = post, task
        self._stop = threading.Event()
        self._last_progress = 0.0

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def progress(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or done >= total:
            self._last_progress = now
            self._post(partial(self._task._report_progress, int(done), int(total), message))

    def partial(self, value: P) -> None:
        self._post(partial(self._task._report_partial, value))

    def request_stop(self) -> None:
        self._stop.set()

    def _let_go(self) -> None:
        """The task has ended and the worker is done with it (GUI thread): break the cycle task -> state ->
        task, so that the handle is freed when the GUI lets go of it, never by the collector elsewhere."""
        self._task = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Failure:
    """How a task failed: ``message``, the one line a person reads, and ``error``, the
    :class:`~sane_desktop.errors.SaneError` raised (None for a bug). A handler that words a failure
    its own way, or offers a way out, decides by the error's type: the words may change."""

    message: str
    error: SaneError | None = None


class Task(QObject, Generic[R, P]):
    """The GUI-thread handle of one task: its signals are emitted on the GUI thread only. The
    ``on_*`` methods connect a handler whose signature mypy checks against ``R`` and ``P``."""

    progress = Signal(int, int, str)  # done, total, message
    partial = Signal(object)  # P
    done = Signal(object)  # R
    failed = Signal(str)  # a message for a person
    failure = Signal(object)  # the same failure as a Failure (its error's kind too), right after
    cancelled = Signal()  # stopped (Cancel button, shutdown) without being discarded
    finished = Signal()  # always last, after done, failed or cancelled

    def __init__(self, activity: str, post: Callable[[Callable[[], None]], None],
                 forget: Callable[[Task[Any, Any]], None] = lambda _task: None, quiet: bool = False) -> None:
        super().__init__()
        self.activity = activity
        self.quiet = quiet  # ``activity`` shows only once the task has run QUIET_MS
        self.state: TaskState[P] = TaskState(post, self)
        self.ended = False
        self.began = False  # the worker started it (set on the GUI thread when its activity is said)
        self._live = True  # False once discarded: nothing more is emitted
        self._forget = forget  # the runner's bookkeeping, called once the task has ended

    # --- typed connections -------------------------------------------------------------------
    def on_done(self, handler: Callable[[R], None]) -> Task[R, P]:
        self.done.connect(handler)
        return self

    def on_partial(self, handler: Callable[[P], None]) -> Task[R, P]:
        self.partial.connect(handler)
        return self

    def on_progress(self, handler: Callable[[int, int, str], None]) -> Task[R, P]:
        self.progress.connect(handler)
        return self

    def on_failed(self, handler: Callable[[str], None]) -> Task[R, P]:
        self.failed.connect(handler)
        return self

    def on_failure(self, handler: Callable[[Failure], None]) -> Task[R, P]:
        self.failure.connect(handler)
        return self

    def on_cancelled(self, handler: Callable[[], None]) -> Task[R, P]:
        self.cancelled.connect(handler)
        return self

    def on_finished(self, handler: Callable[[], None]) -> Task[R, P]:
        self.finished.connect(handler)
        return self

    # --- control (GUI thread) ------------------------------------------------------------------
    @property
    def stop_requested(self) -> bool:
        return self.state.should_stop()

    @property
    def live(self) -> bool:
        return self._live

    def cancel(self) -> None:
        """Ask the function to stop at its next check; the handle still says how it ended."""
        self.state.request_stop()

    def discard(self) -> None:
        """Cancel and disconnect every handler: whatever the function still reports goes nowhere."""
        self.cancel()
        self._live = False
        self._disconnect()

    def _disconnect(self) -> None:
        # also breaks the cycles handler -> task -> connection that Python's collector cannot see
        for signal in (self.progress, self.partial, self.done, self.failed, self.failure, self.cancelled,
                       self.finished):
            _disconnect_all(signal)

    # --- delivery (GUI thread, posted by the worker) ---------------------------------------------
    def _report_progress(self, done: int, total: int, message: str) -> None:
        if self._live:
            self.progress.emit(done, total, message)

    def _report_partial(self, value: P) -> None:
        if self._live:
            self.partial.emit(value)

    def _fail(self, failure: Failure) -> None:
        self.failed.emit(failure.message)
        self.failure.emit(failure)

    def _end(self, outcome: Callable[[], None]) -> None:
        self.ended = True
        self._forget(self)
        if self._live:
            outcome()
            self.finished.emit()
            self._disconnect()  # nothing more will come


def _disconnect_all(signal: SignalInstance) -> None:
    with warnings.catch_warnings():  # PySide warns when there was nothing to disconnect
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            signal.disconnect()
        except (RuntimeError, TypeError):
            pass


@dataclass
class _Job(Generic[S]):
    task: Task[Any, Any]
    fn: Callable[[S, TaskState[Any]], Any]


class _WorkerThread(QThread, Generic[S]):
    """The one long-lived thread: runs queued jobs one after the other until it reads ``None``."""

    def __init__(self, make_owner: Callable[[], S], jobs: queue.SimpleQueue[_Job[S] | None],
                 post: Callable[[Callable[[], None]], None], activity: Callable[[str], None],
                 began: Callable[[Task[Any, Any]], None], done_with: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("sane-worker")
        self._make_owner, self._jobs, self._post, self._activity = make_owner, jobs, post, activity
        self._began = began  # says (on the GUI thread) what the task now running does
        self._done_with = done_with  # tells the GUI thread this thread holds no task any more
        self.owner: S | None = None  # given, or made before the first task runs (see TaskRunner)

    def run(self) -> None:
        # its name in the log's lines, not Python's "Dummy-1" for a thread it did not start (trial DX)
        threading.current_thread().name = self.objectName()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._run(job)
            # A task's handle is a QObject of the GUI thread: this thread never drops its last reference (its
            # destructor would run here, racing the GUI thread's; stop 69's segfault). The runner keeps an ended
            # task until told, after this thread let go of it (a job waiting in get() held the last one before).
            del job
            self._done_with()

    def _run(self, job: _Job[S]) -> None:
        task, state = job.task, job.task.state
        if state.should_stop():  # cancelled while queued: never started
            self._post(partial(task._end, task.cancelled.emit))
            return
        self._began(task)
        outcome: Callable[[], None]
        try:
            if self.owner is None:  # a failure fails this task; the next one tries again
                self.owner = self._make_owner()
            result = job.fn(self.owner, state)
        except Cancelled:
            outcome = task.cancelled.emit
        except SaneError as error:
            # logged as the command line logs a command's failure (trial DV's failed index left no line)
            log.warning("%s failed: %s", task.activity.rstrip("…. ") or "a background task", error)
            outcome = partial(task._fail, Failure(window_message(error), error))  # in the window's words
        except Exception as error:  # a bug, not a condition a person caused: keep the traceback
            log.exception("background task %r failed", task.activity)
            outcome = partial(task._fail, Failure(bug_message(error)))
        else:
            # stop was asked for: the person (or a newer task) no longer wants this answer
            outcome = task.cancelled.emit if state.should_stop() else partial(task.done.emit, result)
        self._post(partial(task._end, outcome))
        if self._jobs.empty():
            self._activity(READY)


def _never_called() -> Any:
    raise AssertionError("the worker was given its owner")  # a TaskRunner(owner) never makes one


def bug_message(error: BaseException) -> str:
    """What a person reads when a task hit a bug: no class name or traceback (those are in the log),
    just the first line of what went wrong."""
    lines = str(error).strip().splitlines()
    return f"Something went wrong: {lines[0]} (details in the log)" if lines else \
        "Something went wrong (details in the log)"


class TaskRunner(QObject, Generic[S]):
    """Starts tasks on the one worker thread that owns ``owner``; lives on the GUI thread.

    ``make_owner`` instead of ``owner``: the worker thread makes its owner itself, before running its
    first task (a failure fails that task with the same messages as a task's own error, and the next
    task tries again). The window's service is made so: importing it loads the database layer, which
    then happens off the GUI thread, after the window is on screen (issue 18 point 10)."""

    activity = Signal(str)  # what the worker is doing, for the status bar ("Ready" when idle)
    _posted = Signal(object)  # a zero-argument callable to run on the GUI thread

    def __init__(self, owner: S | None = None, parent: QObject | None = None, *,
                 make_owner: Callable[[], S] | None = None) -> None:
        if (owner is None) == (make_owner is None):
            raise ValueError("TaskRunner needs exactly one of owner and make_owner")
        super().__init__(parent)
        self._posted.connect(self._call, Qt.ConnectionType.QueuedConnection)
        self._jobs: queue.SimpleQueue[_Job[S] | None] = queue.SimpleQueue()
        self._tasks: set[Task[Any, Any]] = set()  # started and not yet ended
        # ended, and kept until the worker has let go of them (its "done with" posted after their ends)
        self._retired: list[Task[Any, Any]] = []
        self._abandoned: list[Task[Any, Any]] = []  # discarded by shutdown, queued still: never let go of here
        self._thread: _WorkerThread[S] = _WorkerThread(
            make_owner or _never_called, self._jobs, self._posted.emit,
            lambda text: self._posted.emit(partial(self.activity.emit, text)),
            lambda task: self._posted.emit(partial(self._began, task)),
            lambda: self._posted.emit(self._release))
        self._thread.owner = owner
        self._stopped = False
        self._thread.start()

    def start(self, fn: Callable[[S, TaskState[P]], R], activity: str, quiet: bool = False) -> Task[R, P]:
        """Queue ``fn`` on the worker thread; ``activity`` is the status-bar text while it runs (with
        ``quiet``, only once it has run :data:`QUIET_MS`: a quick background check says nothing)."""
        task: Task[R, P] = Task(activity, self._posted.emit, self._retire, quiet)
        if self._stopped:  # e.g. a debounce timer firing during shutdown: the task never runs
            task.discard()
            return task
        self._tasks.add(task)
        self._jobs.put(_Job(task, fn))
        return task

    def idle(self) -> bool:
        """No task started and not yet ended (queued or running)."""
        return not self._tasks

    def running_activity(self) -> str:
        """What the worker is doing now (the activity of the task it runs), "" when nothing runs: a
        task queued behind it can say what it waits for."""
        return next((task.activity for task in self._tasks if task.began and not task.ended), "")

    def channel(self) -> Channel[S]:
        return Channel(self)

    @property
    def worker_thread(self) -> QThread:
        return self._thread

    @property
    def owner(self) -> S | None:
        """The worker's owner; None until the worker has made it (``make_owner``). Use it on the
        GUI thread only once the worker has ended (:meth:`shutdown` returned True)."""
        return self._thread.owner

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Discard every task, stop the worker thread once its current task checks should_stop; True
        when the thread ended within ``wait_ms``. Safe to call twice (aboutToQuit, then tests)."""
        self._stopped = True
        for task in list(self._tasks):
            task.discard()
        self._abandoned.extend(self._tasks)  # queued still: the worker reads them on its way to the end
        self._tasks.clear()
        self._jobs.put(None)
        stopped = self._thread.wait(wait_ms)
        if not stopped:
            log.warning("the worker thread did not stop within %d ms", wait_ms)
        return bool(stopped)

    def _call(self, fn: Callable[[], None]) -> None:
        fn()

    def _retire(self, task: Task[Any, Any]) -> None:
        """``task`` has ended (GUI thread): kept until :meth:`_release`, the worker may hold it still."""
        self._tasks.discard(task)
        self._retired.append(task)

    def _release(self) -> None:
        """The worker holds no task (posted by it after every job, so after that job's end): the tasks
        that ended are let go of here, on the GUI thread, where their QObjects are then freed."""
        retired, self._retired = self._retired, []
        for task in retired:
            task.state._let_go()

    def _began(self, task: Task[Any, Any]) -> None:
        """The worker started ``task`` (GUI thread): say what it does, a quiet one only if it still
        runs after QUIET_MS."""
        task.began = True
        if not task.quiet:
            self.activity.emit(task.activity)
        else:
            QTimer.singleShot(QUIET_MS, self, partial(self._still_running, task))

    def _still_running(self, task: Task[Any, Any]) -> None:
        if not task.ended and task.live:  # ended: the worker's "Ready" (or the next task) was said
            self.activity.emit(task.activity)


class Channel(Generic[S]):
    """At most one live task: starting one cancels and disconnects the one before."""

    def __init__(self, runner: TaskRunner[S]) -> None:
        self._runner = runner
        self.current: Task[Any, Any] | None = None
        self.started = 0  # tasks started on this channel (tests and benchmarks count them)

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, fn: Callable[[S, TaskState[P]], R], activity: str, quiet: bool = False) -> Task[R, P]:
        """Start ``fn`` (see :meth:`TaskRunner.start`); the task before is cancelled and disconnected."""
        self.discard()
        task = self._runner.start(fn, activity, quiet)
        self.current = task
        self.started += 1
        task.finished.connect(partial(self._ended, task))
        return task

    def discard(self) -> None:
        """Stop the current task, if any; nothing it reports reaches a handler any more. A task
        that was running says "Stopping…" in the status bar until the worker reaches its next check
        (a trial read "Explaining…" for 1.5 s after Escape, and after the outfit was cleared)."""
        task, self.current = self.current, None
        if task is None:
            return
        running = task.began and not task.ended and task.live and not task.quiet
        task.discard()
        if running:
            self._runner.activity.emit(STOPPING)

    def _ended(self, task: Task[Any, Any]) -> None:
        if self.current is task:
            self.current = None
