"""Progress reporting that the core can use without knowing who listens.

A :class:`Progress` callback receives ``(done, total, message)``; the CLI turns it into a tqdm bar
on stderr, the GUI's worker into a Qt signal. ``should_stop`` lets long work end early on cancel.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

from sane_desktop.errors import Cancelled

__all__ = ["CancelCheck", "Cancelled", "Progress", "TqdmProgress", "never_cancel", "no_progress"]




class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """A progress callback that ignores everything."""


PLAIN_FIRST_S = 10.0  # redirected stderr: a phase this long gets its first progress line …
PLAIN_EVERY_S = 30.0  # … and one more at most this often (a log file, not a redraw)


class TqdmProgress:
    """Progress callback drawing one tqdm bar per message phase on stderr for a person at a terminal.
    Redirected or captured stderr gets no carriage-return redraws: a phase that runs past
    :data:`PLAIN_FIRST_S` gets a plain ``progress:`` line then, at most one per :data:`PLAIN_EVERY_S`,
    and one when it ends (trial BZ's `index … 2> log` of 9,222 photos said nothing for 8 minutes); short
    work writes none, so such stderr holds just the notes and the one-line error."""

    def __init__(self, enabled: bool = True, clock: Callable[[], float] | None = None) -> None:
        import time

        self.terminal = enabled and sys.stderr is not None and sys.stderr.isatty()
        self.plain = enabled and sys.stderr is not None and not self.terminal
        self.enabled = self.terminal
        self._clock = clock or time.monotonic
        self._bar: Any = None  # a tqdm bar (tqdm is imported lazily, and untyped) or None
        self._phase = ""
        self._plain_phase: str | None = None
        self._started = self._said = 0.0
        self._lines = 0  # plain lines written in this phase

    def _plain_line(self, done: int, total: int, message: str) -> None:
        now = self._clock()
        if message != self._plain_phase:
            self._plain_phase, self._started, self._said, self._lines = message, now, float("-inf"), 0
        ended = total > 0 and done >= total
        due = now - self._started >= PLAIN_FIRST_S and now - self._said >= PLAIN_EVERY_S
        if not due and not (ended and self._lines):
            if ended:
                self._plain_phase = None  # over before it was worth a line: the next call starts afresh
            return
        share = f" ({100 * done // total} %)" if total > 0 else ""
        sys.stderr.write(f"progress: {message or 'working'}: {done:,}/{total:,}{share}\n" if total > 0 else
                         f"progress: {message or 'working'}: {done:,}\n")
        sys.stderr.flush()
        self._said, self._lines = now, self._lines + 1
        if ended:
            self._plain_phase = None  # said once at its end

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if self.plain:
            self._plain_line(done, total, message)
            return
        if not self.enabled:
            return
        from tqdm import tqdm

        if self._bar is None or message != self._phase:
            self.close()
            self._phase = message
            self._bar = tqdm(total=total, desc=message, file=sys.stderr, leave=False, unit="it")
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


CancelCheck = Callable[[], bool]


def never_cancel() -> bool:
    return False
