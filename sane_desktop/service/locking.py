"""One writer per catalogue folder, across processes: the CLI's ``index`` and the window's
"Index catalogue folder…" must not rebuild one catalogue at once (the second would delete the
first one's temporary FAISS files, and both would write the manifest).

:func:`catalogue_lock` holds an OS file lock (the ``filelock`` package: ``flock`` on POSIX,
``LockFileEx`` on Windows; released by the OS when a process dies) on ``<folder>/.sane-writer.lock``
while import, index, train or adapt write the folder, and writes who holds it (PID, command, since
when) beside it, so the run that finds it busy fails at once with one line naming the holder. The
same thread may take the lock again (train → re-index with the new model is one piece of work).
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from sane_desktop.errors import IndexBeingWritten, StaleIndexError, StoreError, WayOut, url_without_password

LOCK_NAME = ".sane-writer.lock"
HOLDER_NAME = ".sane-writer.json"


@dataclass
class _Held:
    lock: FileLock
    thread: int
    depth: int


_guard = threading.Lock()
_held: dict[str, _Held] = {}  # resolved folder -> the lock this process holds on it


_FILE_LOCK = ".{}.writer"  # the lock folder of one file: a SQLite database outside the home, a model being trained
DATABASE_FILE = "the catalogue database"  # what a file's lock folder stands for unless its taker says another


def file_lock_folder(path: Path) -> Path:
    """The folder whose writer lock stands for the file ``path`` (a ``--db`` SQLite file outside the index home,
    a ``train --out`` model): ``.<name>.writer`` beside it, made for the lock and removed after. The file's own,
    not the folder it is in: trial DT could not index two catalogues whose databases shared a folder, and read
    "the index folder … is busy"."""
    return path.with_name(_FILE_LOCK.format(path.name))


def locked_file(folder: Path) -> Path | None:
    """The file :func:`file_lock_folder` made ``folder`` for; None for any other folder."""
    prefix, suffix = _FILE_LOCK.split("{}")
    name = folder.name
    if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix):
        return folder.with_name(name[len(prefix):len(name) - len(suffix)])
    return None


def holder(folder: Path) -> str:
    """Who holds ``folder``'s lock, as a person reads it ("pid 123 (sane-desktop index shop) since
    12:01:02"); a placeholder when the side file is gone or unreadable."""
    try:
        data = json.loads((Path(folder) / HOLDER_NAME).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(data["since"])))
        return f"pid {int(data['pid'])} ({data['command']}) since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another run"


def writer_running(folder: Path) -> str | None:
    """Who is writing catalogue ``folder`` now (:func:`holder`), None when nobody holds its writer
    lock (tried without waiting, released at once, and only when a holder's note is there; never
    created where it is missing)."""
    folder = Path(folder).expanduser().resolve()
    # a writer writes its note as soon as it holds the lock and removes it before letting go: without
    # one nobody writes, and the lock is not taken even for an instant (a writer starting then would
    # find it busy); a note left by a killed run is told from a live one by the lock itself
    if not (folder / LOCK_NAME).is_file() or not (folder / HOLDER_NAME).is_file():
        return None
    with _guard:
        if str(folder) in _held:  # this process writes it (a thread of the window)
            return holder(folder)
    lock = FileLock(str(folder / LOCK_NAME), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return holder(folder)
    except OSError:
        return None
    lock.release()
    return None


def first_index_running(folder: Path) -> str | None:
    """The run (as :func:`writer_running` says it) indexing catalogue ``folder`` for the first time now: it
    writes the folder, which holds no index yet (no ``manifest.json``); None otherwise. Its database then
    holds no catalogue, or one not indexed yet: "being indexed", not "never finished" or "no catalogue"."""
    if (Path(folder) / "manifest.json").is_file():
        return None
    return writer_running(folder)


def while_written(name: str, folder: Path, error: StaleIndexError) -> StaleIndexError:
    """``error`` (catalogue ``name``'s index does not match), or when a run is writing ``folder``
    now, one that says so: its index is being rebuilt, and a re-index, which the run's lock would
    refuse, is no way out (trial R was told "re-run sane-desktop index" during an index)."""
    running = writer_running(folder) if error.reindex_helps else None
    if running is None:
        return error
    return IndexBeingWritten(f"catalogue {name!r} is being indexed now ({running}): search it again once that "
                             "run has ended")


COMMAND_CHARS = 400  # the holder's command line as recorded: whole unless absurdly long


def command_line(argv: Sequence[str] | None = None) -> str:
    """This process's command line (``sys.argv``) as a shell would take it back, every argument
    kept (a trial saw ``index hk --name`` for ``index hk --name hk``: the argv was cut after four
    words); only a line over :data:`COMMAND_CHARS` is shortened, in the middle, so that both the
    program and its last arguments stay."""
    # each argument masked as given (not for another process's message), before the shell's quoting hides a quoted
    # password's ends (trial DX)
    line = shlex.join(url_without_password(argument) for argument in (sys.argv if argv is None else argv))
    # the busy message is one line: a newline in an argument is shown as \n
    line = "".join(char if char.isprintable() else repr(char)[1:-1] for char in line)
    if len(line) <= COMMAND_CHARS:
        return line
    half = (COMMAND_CHARS - 1) // 2
    return f"{line[:half]}…{line[-half:]}"


def folder_write_error(folder: Path, error: OSError, existed: bool, what: str = "index",
                       noun: str = DATABASE_FILE) -> StoreError:
    """One line for a catalogue's index folder that cannot be written, by what the system said (``existed``:
    an index is there to be searched). A trial's index home that was a file read "it is read-only
    here", and a full disk gave Python's bare "No space left on device". "Index folder", not "catalogue
    folder": that is the photos' folder everywhere else (trial T). ``what``: the run's own words
    (:func:`catalogue_lock`'s), for what it cannot do there; ``noun``: what ``folder`` stands for when it is a
    file's lock folder (:func:`file_lock_folder`). Where nothing can be done in that index home, the way out is
    another one (:attr:`WayOut.OTHER_INDEX_HOME`: trial EO's window was told to "choose another index home", which
    only a start can)."""
    # what the run was to do: a rename read "not indexed" (trial AD)
    verbs = (("rename", "renamed"), ("delete", "deleted"), ("import", "imported"), ("train", "trained"),
             ("adapt", "adapted"), ("demo", "drawn"))
    verb = next((done for start, done in verbs if what.startswith(start)), "indexed")
    usable = f"it can be searched and explained, not {verb}" if existed else f"nothing can be {verb} there"
    locked = locked_file(folder)
    if locked is not None:
        named = f"the folder {locked.parent} of {noun}"
    elif what.startswith("import"):  # a --db file's folder, no index folder (trial CR)
        named = f"the folder {folder} of the catalogue database"
    else:
        named = f"the catalogue's index folder {folder}"
    if error.errno in (errno.ENOTDIR, errno.EEXIST):  # a file where a folder of the path should be
        blocker = next((str(part) for part in (folder, *folder.parents) if part.exists() and not part.is_dir()), "")
        elsewhere = None if what.startswith("import") or locked is not None else WayOut.OTHER_INDEX_HOME
        return StoreError(f"cannot make {named}: {blocker or 'part of that path'} is a file, not a folder",
                          way_out=elsewhere)
    if error.errno == errno.ENOSPC or error.errno == getattr(errno, "EDQUOT", -1):
        return StoreError(f"the disk holding {named} is full ({error.strerror}): free some space, then try again; "
                          + ("the catalogue is as it was" if existed else f"nothing was {verb}"))
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):  # an index there can be searched, not rebuilt
        return StoreError(f"cannot write {named} ({error.strerror}): it is read-only here; {usable}",
                          way_out=None if existed else WayOut.OTHER_INDEX_HOME)
    return StoreError(f"cannot write {named} ({error.strerror or error}); {usable}")


def held_here(folder: Path) -> bool:
    """Whether this thread holds catalogue ``folder``'s writer lock already (:func:`catalogue_lock` is re-entrant:
    an inner block is part of the run that took it)."""
    key = str(Path(folder).expanduser().resolve())
    with _guard:
        mine = _held.get(key)
        return mine is not None and mine.thread == threading.get_ident()


@contextmanager
def catalogue_lock(folder: Path, what: str, *, wait: float = 0.0, noun: str = DATABASE_FILE) -> Iterator[None]:
    """Hold the writer lock of catalogue ``folder`` (created when missing) for the block.

    ``what`` says what this run does (written into the side file for whoever finds it busy);
    ``wait``: seconds to wait for a busy lock (0: fail at once); ``noun``: what ``folder`` stands for when it
    is a file's lock folder (:func:`file_lock_folder`), as messages name it. Re-entrant for the thread that
    holds it. Raises :class:`StoreError` ("… is busy: pid … is writing it …") when another
    process or thread holds it."""
    folder = Path(folder).expanduser().resolve()
    key, me = str(folder), threading.get_ident()
    with _guard:
        mine = _held.get(key)
        if mine is not None and mine.thread == me:
            mine.depth += 1
    if mine is not None and mine.thread == me:
        try:
            yield
        finally:
            with _guard:
                mine.depth -= 1
        return

    # thread_local=False: another thread of this process must be refused like another process
    lock = FileLock(str(folder / LOCK_NAME), thread_local=False)
    existed = (folder / "manifest.json").is_file()  # an index is there to be searched
    made = False  # this lock makes the folder: it goes again when nothing else was put in it
    for _ in range(_TRIES):
        made = made or not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise folder_write_error(folder, error, existed, what, noun) from None
        try:
            # made first, here: a lock file the folder cannot hold (/proc) made filelock wait and time out,
            # read as "busy: another run is writing it" (trial BO)
            os.close(os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644))
            lock.acquire(timeout=wait)
        except Timeout:
            locked = locked_file(folder)
            subject = f"{noun} {locked}" if locked else f"the catalogue's index folder {folder}"
            raise StoreError(f"{subject} is busy: {holder(folder)} is writing it; "
                             "wait for it to finish (or stop it) and try again") from None
        except FileNotFoundError:  # the last holder removed the folder it had made, meanwhile: made again
            continue
        except OSError as error:
            raise folder_write_error(folder, error, existed, what, noun) from None
        if _locks_the_file_there(lock, folder / LOCK_NAME):
            break
        lock.release()  # a lock on a file the last holder removed while this run waited: taken again, there
    else:
        raise StoreError(f"the catalogue's index folder {folder} kept being removed while this run took its lock: "
                         "try again")
    side = folder / HOLDER_NAME
    try:
        side.write_text(json.dumps({"pid": os.getpid(), "command": f"{what} [{command_line()}]",
                                    "since": time.time()}), encoding="utf-8")
    except OSError as error:  # a full disk: the lock file is empty, its note is not
        side.unlink(missing_ok=True)
        lock.release()
        raise folder_write_error(folder, error, existed, what, noun) from None
    with _guard:
        _held[key] = _Held(lock, me, 1)
    _clear_dead_file_locks(folder)
    try:
        yield
    finally:
        with _guard:
            _held.pop(key, None)
        side.unlink(missing_ok=True)  # before releasing: the next holder writes its own
        lock.release()
        if made or locked_file(folder) is not None:  # a file's lock folder a killed run left goes too (trial EQ)
            _remove_if_only_the_lock(folder)


_TRIES = 5  # a lock file removed under a waiting run is made and taken again, this many times at most


def _locks_the_file_there(lock: FileLock, path: Path) -> bool:
    """Whether ``lock``, just taken, holds the file now at ``path``: a run that waited on the file may take it after
    the last holder, whose lock had made the folder, removed both (:func:`_remove_if_only_the_lock`), and would
    then lock nothing another run could see (a test's second window said "cannot write … No such file"). By
    the open file's identity where filelock shows its descriptor, else by the path being there."""
    try:
        there = os.stat(path)
    except OSError:
        return False
    descriptor = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if not isinstance(descriptor, int):
        return True
    try:
        return os.path.samestat(os.fstat(descriptor), there)
    except OSError:
        return False


def _clear_dead_file_locks(folder: Path) -> None:
    """Remove the lock folders of files in catalogue ``folder`` (:func:`file_lock_folder`: a model being trained)
    that a killed run left, holding only its lock and its note: trial EP found ``.model.pt.writer/`` naming a dead
    Train after later index runs. One a live run holds is left (:func:`_remove_if_only_the_lock`)."""
    try:
        found = [entry for entry in folder.glob(_FILE_LOCK.format("*")) if entry.is_dir()]
    except OSError:
        return
    for stale in found:
        _remove_if_only_the_lock(stale)


def _remove_if_only_the_lock(folder: Path) -> None:
    """Remove ``folder``, made for its lock alone, when the run left nothing else in it (an import into a
    server's database, a refused index: trial AY found ``.sane-writer.lock`` folders no command could list
    or delete). Only while no one else holds or waits for the lock: taken again at once, or left."""
    again = FileLock(str(folder / LOCK_NAME), thread_local=False)
    try:
        again.acquire(timeout=0)
    except (Timeout, OSError):
        return
    try:
        if {entry.name for entry in folder.iterdir()} <= {LOCK_NAME, HOLDER_NAME}:
            (folder / HOLDER_NAME).unlink(missing_ok=True)  # a killed holder's note: its lock is free now
            (folder / LOCK_NAME).unlink(missing_ok=True)
            folder.rmdir()
    except OSError:  # another run put something in it meanwhile: it stays
        pass
    finally:
        again.release()
