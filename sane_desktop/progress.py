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


class TqdmProgress:
    """Progress callback drawing one tqdm bar per message phase on stderr — only for a person at a
    terminal: redirected or captured stderr gets no carriage-return redraws, so it holds just the
    messages and the one-line error."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr is not None and sys.stderr.isatty()
        self._bar: Any = None  # a tqdm bar (tqdm is imported lazily, and untyped) or None
        self._phase = ""

    def __call__(self, done: int, total: int, message: str = "") -> None:
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
