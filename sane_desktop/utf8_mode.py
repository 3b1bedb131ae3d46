"""Python's UTF-8 mode for the app's own process (PEP 540), whatever the system's locale says.

Catalogue names, photo paths, ids and titles are UTF-8 in every file and database the app writes
(SQLite, JSON, Qt). Under a locale whose encoding is not UTF-8 (an ASCII or ISO-8859 locale, with
Python's own coercion of the C locale turned off), Python decodes file names with that encoding: a
folder called "Frühjahr" became a string with surrogates, which no UTF-8 file or database can hold,
and trial BN could open no catalogue at all, in the window or with ``catalogues``, once one name was
not ASCII. UTF-8 mode reads and writes file names, and the standard streams, as UTF-8; it is set at
interpreter start only, so the process starts itself again once with ``PYTHONUTF8=1``.

Also: a terminal whose encoding cannot show a character (``PYTHONIOENCODING=ascii``) gets its escape
(``\\xfc``) rather than a ``UnicodeEncodeError`` traceback instead of the whole output.
"""

from __future__ import annotations

import codecs
import os
import sys

RESTARTED = "SANE_UTF8_RESTARTED"  # set in the restarted process: never restarted twice


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
    env = dict(os.environ, PYTHONUTF8="1", **{RESTARTED: "1"})
    argv = [sys.executable, *sys.orig_argv[1:]]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, argv, env)
    except OSError:  # run on as is: file names outside the locale's encoding may still fail, said per name
        return


def escape_unshowable_output() -> None:
    """Write what the terminal's encoding cannot show as escapes (``\\xfc``), on stdout and stderr."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = getattr(stream, "encoding", None) or "utf-8"
        if reconfigure is not None and codecs.lookup(encoding).name != "utf-8":
            reconfigure(errors="backslashreplace")
