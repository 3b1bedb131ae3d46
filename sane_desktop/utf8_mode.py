"""Python's UTF-8 mode for the app's own process (PEP 540), whatever the system's locale says.

Catalogue names, photo paths, ids and titles are UTF-8 in every file and database the app writes
(SQLite, JSON, Qt). Under a locale whose encoding is not UTF-8 (an ASCII or ISO-8859 locale, with
Python's own coercion of the C locale turned off), Python decodes file names with that encoding: a
folder called "Frühjahr" became a string with surrogates, which no UTF-8 file or database can hold,
and trial BN could open no catalogue at all, in the window or with ``catalogues``, once one name was
not ASCII. UTF-8 mode reads and writes file names, and the standard streams, as UTF-8; it is set at
interpreter start only, so the process starts itself again once with ``PYTHONUTF8=1``.

The restart passes on the arguments' own bytes (Linux: ``/proc/self/cmdline``; trial EO's EUC-JP locale decoded
UTF-8 bytes into characters its codec could not encode back, and the restart died in a traceback), and the
terminal's encoding from before it (:data:`TERMINAL`): output is written in it, and a text typed in it (an id
"Café" typed in a Latin-1 terminal) is read in it (:func:`typed_text`); under ISO-8859-1 and EUC-JP trial EO read
UTF-8 bytes as "CafÃ©" and had every typed accent refused.

Also: a terminal whose encoding cannot show a character (``PYTHONIOENCODING=ascii``, "Café" in a Latin-1
terminal) gets its escape (``\\xfc``) rather than a ``UnicodeEncodeError`` traceback instead of the whole output.
"""

from __future__ import annotations

import codecs
import locale
import os
import sys
from pathlib import Path

RESTARTED = "SANE_UTF8_RESTARTED"  # set in the restarted process: never restarted twice
TERMINAL = "SANE_TERMINAL_ENCODING"  # the terminal's encoding before the restart (a codec's name)
ASCII_NAMES = {"ascii", "us-ascii", "ansi_x3.4-1968"}  # a C locale's: the terminal itself is most often UTF-8


def utf8_file_names() -> bool:
    """Whether this process reads file names as UTF-8 (UTF-8 mode, or a UTF-8 locale)."""
    return bool(sys.flags.utf8_mode) or codecs.lookup(sys.getfilesystemencoding()).name == "utf-8"


def restart_in_utf8_mode() -> None:
    """Start this process again in UTF-8 mode (``os.execve``, same arguments) where it does not read
    file names as UTF-8; returns where it does, or where the restart already happened or cannot be
    made (no interpreter path, an embedded Python). Only for the process's own entry points (the
    console script, ``python -m sane_desktop``, ``main.py``), never for a caller's ``main(argv)``."""
    if utf8_file_names() or os.environ.get(RESTARTED) or not sys.executable:
        return
    env = dict(os.environ, PYTHONUTF8="1", **{RESTARTED: "1", TERMINAL: _terminal_encoding()})
    own = _own_argument_bytes()
    argv: list[str] | list[bytes] = ([os.fsencode(sys.executable), *own[1:]] if own is not None
                                     else [sys.executable, *sys.orig_argv[1:]])
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, argv, env)
    except (OSError, UnicodeError):  # run on as is: names outside the locale's encoding may fail, said per name
        return


def _terminal_encoding() -> str:
    """The codec the terminal's text is in, as this process (not yet in UTF-8 mode) reads it."""
    encoding = getattr(sys.stdout, "encoding", None) or locale.getpreferredencoding(False) or "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return "utf-8"


def _own_argument_bytes() -> list[bytes] | None:
    """This process's command line as the kernel holds it (Linux), one entry per ``sys.orig_argv`` entry; None
    where there is no such file or it does not match."""
    try:
        parts = Path("/proc/self/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    if parts and parts[-1] == b"":
        parts.pop()
    return parts if len(parts) == len(sys.orig_argv) else None


def terminal_encoding() -> str | None:
    """The terminal's encoding where it is neither UTF-8 nor ASCII and this process was restarted away from it
    (the text it reads and writes then differs from the file names'); None otherwise."""
    name = os.environ.get(TERMINAL, "") if os.environ.get(RESTARTED) else ""
    try:
        name = codecs.lookup(name).name if name else ""
    except LookupError:
        return None
    return name if name and name != "utf-8" and name not in ASCII_NAMES else None


def typed_text(text: str) -> str | None:
    """``text``, an argument whose bytes are not UTF-8, read in the terminal's encoding (Latin-1's "Caf\\xe9" is
    "Café"); None where there is no other encoding or the bytes are not text in it either."""
    encoding = terminal_encoding()
    if encoding is None:
        return None
    try:
        read = os.fsencode(text).decode(encoding)
    except (UnicodeError, ValueError):
        return None
    return read


def escape_unshowable_output() -> None:
    """Write stdout and stderr in the terminal's encoding (:func:`terminal_encoding`, unless ``PYTHONIOENCODING``
    says otherwise), what it cannot show as escapes (``\\xfc``)."""
    back_to = None if os.environ.get("PYTHONIOENCODING") else terminal_encoding()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = getattr(stream, "encoding", None) or "utf-8"
        if reconfigure is not None and back_to is not None:
            stream.flush()
            reconfigure(encoding=back_to, errors="backslashreplace")
        elif reconfigure is not None and codecs.lookup(encoding).name != "utf-8":
            reconfigure(errors="backslashreplace")
