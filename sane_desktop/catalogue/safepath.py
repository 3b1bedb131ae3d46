"""Keep every catalogue path inside the catalogue folder.

Ids and image paths come from files we do not control: an absolute path, a ``..`` step or a symlink
pointing elsewhere must never make the app read (or later write thumbnails next to) files outside
the catalogue root.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from sane_desktop.errors import InputError


class UnsafePath(InputError):
    """A path that would leave the catalogue folder."""


# On Windows a backslash separates folders; on POSIX it is an ordinary character of a file name
# (``a\\b.jpg`` is one file), so turning it into ``/`` there would look for a file that is not there.
WINDOWS = os.name == "nt"


def separators(windows: bool = WINDOWS) -> str:
    """The characters that separate path components on this platform (or on Windows)."""
    return "/\\" if windows else "/"


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")  # a URL's scheme (two letters at least: "C:/" is a drive)


def url_scheme(text: str) -> str:
    """The scheme of ``text`` when it is a URL (``"file"``, ``"https"``, lower case), else ""."""
    found = _URL.match(text)
    return found.group(1).lower() if found else ""


def windows_absolute(path: str, *, windows: bool = WINDOWS) -> bool:
    """Whether ``path`` is a Windows path outside any folder: a UNC root (``\\\\server\\share``) or a
    drive with its root (``C:\\x.jpg``, ``C:/x.jpg``), refused on every platform (a table written on
    Windows names photos so); on Windows a drive-relative ``C:x.jpg`` and a rooted ``\\x.jpg`` too. On
    POSIX ``a:b`` is an ordinary name: a folder "a:b\\c" of a Linux catalogue lost all its photos to
    "absolute path not allowed" (trial DP)."""
    windows_path = PureWindowsPath(path)
    drive = windows_path.drive
    if windows:
        return bool(drive or windows_path.root)
    return drive.startswith(("\\\\", "//")) or (bool(drive) and path[len(drive):len(drive) + 1] in ("/", "\\"))


def check_relative(relative: str, *, windows: bool = WINDOWS) -> str:
    """Return ``relative`` as a normalised POSIX path, or raise :class:`UnsafePath`.

    Pure string check (no file system): rejects empty paths, absolute paths (POSIX or Windows,
    drive letters and UNC included), a ``..`` that steps above the folder (one that stays inside is taken
    away with the folder before it: the path it names is then checked, links resolved, by
    :func:`resolve_inside`) and NUL bytes. A backslash separates
    components only on Windows (``windows``); on POSIX it is part of a name, and a name such as
    ``..\\x`` is then an ordinary file inside the folder (traversal needs a real ``..`` component).

    Raises:
        UnsafePath: the path is empty, absolute, a URL (``https://…``, ``file:///…``), holds a NUL
        byte or steps out with ``..``.
    """
    if not relative or not relative.strip():
        raise UnsafePath("empty path")
    if "\x00" in relative:
        raise UnsafePath(f"path contains a NUL byte: {relative!r}")
    scheme = url_scheme(relative)
    if scheme:  # "https://…" or "file:///…" read as a path would be a folder "https:" in the catalogue
        if scheme == "file":
            raise UnsafePath(f"a file: URL, not a path in the catalogue folder ({relative}): write the photo's "
                             "path relative to the catalogue folder")
        raise UnsafePath(f"a web address, not a path in the catalogue folder ({relative}): photos are read from "
                         "the catalogue folder, never downloaded: save the photo there and write its path "
                         "relative to the folder")
    text = relative.replace("\\", "/") if windows else relative
    if text.startswith("/") or windows_absolute(relative, windows=windows):
        raise UnsafePath(f"absolute path not allowed: {relative}")
    parts: list[str] = []
    for part in PurePosixPath(text).parts:  # "photos/../photos/x.jpg" is photos/x.jpg (trial EV: refused as leaving)
        if part == "..":
            if not parts:
                raise UnsafePath(f"path escapes the catalogue folder ('..'): {relative}")
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    if not parts:
        raise UnsafePath(f"empty path: {relative!r}")
    return "/".join(parts)


def resolve_inside(root: Path, relative: str) -> Path:
    """The absolute path of ``relative`` under ``root``, symlinks resolved, or :class:`UnsafePath`.

    A symlink inside the catalogue that points outside it is rejected; one pointing elsewhere
    inside it is fine. The target need not exist (missing files are reported by validation).
    """
    clean = check_relative(relative)
    real_root = Path(os.path.realpath(root))
    target = Path(os.path.realpath(real_root / clean))
    if target != real_root and real_root not in target.parents:
        raise UnsafePath(f"path resolves outside the catalogue folder (symlink?): {relative}")
    return target


def unicode_twin(root: Path, relative: str) -> str:
    """``relative`` as the file under ``root`` is named when only its other Unicode form is there, else
    ``relative``: a Mac writes "café.jpg" with a decomposed "é" (NFD), a spreadsheet types the composed
    one (NFC), and on Linux the two are different names (trial T: "image file is missing" beside "café.jpg
    in the folder named by none of its rows", the two looking the same). An ASCII path costs no look."""
    if relative.isascii() or os.path.lexists(root / relative):
        return relative
    for form in ("NFC", "NFD"):
        other = unicodedata.normalize(form, relative)
        if other != relative and os.path.lexists(root / other):
            return other
    return relative


NEAR_NAME_LIMIT = 100_000  # entries of one folder looked through for a near name (a hint, never a slow read)


def near_name(path: Path) -> tuple[str, str] | None:
    """A file named like the missing ``path`` but for letter case or the Unicode form of its accents,
    for a hint: ``(its path from the deepest folder of `path` that is there, what differs)``, what
    differs being ``"letter case"`` or ``"how its accents are encoded"``; None when there is none.

    Looks in at most :data:`NEAR_NAME_LIMIT` entries per folder. Never raises for a folder it cannot read."""
    def key(name: str) -> str:
        # Turkish's capital İ folds to i + a combining dot: "İpek.jpg" is "ipek.jpg" in capitals (trial CP)
        return unicodedata.normalize("NFC", name).casefold().replace("i\u0307", "i")

    there = path
    missing: list[str] = []
    while not os.path.isdir(there) and there.parent != there:
        missing.insert(0, there.name)
        there = there.parent
    if not missing:
        return None
    found = there
    for name in missing:
        try:
            with os.scandir(found) as entries:
                match = None
                for count, entry in enumerate(entries):
                    if count >= NEAR_NAME_LIMIT:
                        break
                    if key(entry.name) == key(name):
                        match = entry.name
                        break
        except OSError:
            return None
        if match is None:
            return None
        found = found / match
    tail = found.relative_to(there).as_posix()
    wanted = "/".join(missing)
    same_case = unicodedata.normalize("NFC", tail) == unicodedata.normalize("NFC", wanted)
    return tail, "how its accents are encoded" if same_case else "letter case"


def not_a_file(path: Path | str) -> str | None:
    """What ``path`` is when it is there but is no regular file — ``"a folder"`` or ``"a pipe, device
    or socket"`` — else None (a regular file, or nothing there). For messages: such a path given as a
    file was said to be "not found" (trial BO's pipe as ``--model`` and ``--mapping``)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    return "a folder" if stat.S_ISDIR(mode) else "a pipe, device or socket"


class NotRegularFile(OSError):
    """A path that is a pipe, a device or a socket, not a file (:func:`read_regular_file`)."""


def read_regular_file(path: Path | str) -> bytes:
    """The bytes of ``path`` when it is a regular file. Raises :class:`NotRegularFile` (an OSError)
    otherwise, at once, and OSError when it cannot be opened or read: a photo
    replaced by a named pipe after indexing blocked the reader for good (the window's photo loader,
    the index's decoder), and a device such as ``/dev/zero`` never ends. The file is opened without
    blocking and checked on that very descriptor, so a swap between a check and the read is caught."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):  # said as what it is (trial BV: "a pipe, device or socket" of a folder)
            raise NotRegularFile(errno.EISDIR, "a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file (a pipe, device or socket)", str(path))
        with os.fdopen(descriptor, "rb", closefd=True) as handle:
            descriptor = -1  # the file object closes it
            return handle.read()
    finally:
        if descriptor >= 0:
            os.close(descriptor)
