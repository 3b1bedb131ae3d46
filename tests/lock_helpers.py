"""A writer lock held by another thread of this process for a block: how the tests stand for another run (an
index, a rename, another window) writing a folder at the same time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sane_desktop.service.locking import catalogue_lock


@contextmanager
def held_in_another_thread(folder: Path, what: str, *, wait_s: float = 30) -> Iterator[None]:
    """The writer lock of ``folder`` (:func:`~sane_desktop.service.locking.catalogue_lock`) held by another thread
    of this process for the block, said to do ``what``; released, and the thread joined, when the block ends."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with catalogue_lock(folder, what):
            held.set()
            done.wait(wait_s)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        yield
    finally:
        done.set()
        holder.join()
