"""Where things live by default: the repository's ``index/`` and ``resources/`` folders, and the
one check every catalogue name passes before it becomes a folder under the index home."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from sane_desktop.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
RESOURCES_DIR = PROJECT_DIR / "resources"

MAX_NAME_BYTES = 200  # below every file system's 255-byte limit on one path component
# a name is a database key *and* a folder under the index home: anything that could make the
# folder land elsewhere (or be the same folder as another name) is refused
_FORBIDDEN = frozenset('/\\:*?"<>|')


def check_catalogue_name(name: str) -> str:
    """``name`` unchanged when it can name a catalogue (one plain folder under the index home).

    Raises :class:`InputError` (one line saying why) for an empty name, ``.`` or ``..``, a path
    separator or absolute path (``/``, ``\\``, a drive ``C:``), characters Windows forbids in file
    names, control characters, leading/trailing spaces or a trailing dot, or a name over
    :data:`MAX_NAME_BYTES` bytes. Every entry that turns a name into a folder calls this.
    """
    why = None
    if not isinstance(name, str) or not name:
        why = "it is empty"
    elif name in (".", ".."):
        why = "it is '.' or '..'"
    elif any(char in _FORBIDDEN for char in name):
        why = "it contains / \\ : * ? \" < > or | (a catalogue name is a single folder name, not a path)"
    elif any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        why = "it contains control characters"
    elif name != name.strip() or name.endswith("."):
        why = "it starts or ends with a space, or ends with a dot"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        why = f"it is longer than {MAX_NAME_BYTES} bytes"
    if why:
        raise InputError(f"invalid catalogue name {name!r}: {why}")
    return name


def index_home() -> Path:
    """Folder holding one sub-folder per indexed catalogue (``SANE_INDEX_HOME`` overrides)."""
    return Path(os.environ.get("SANE_INDEX_HOME", PROJECT_DIR / "index"))


def catalogue_dir(name: str, home: Path | None = None) -> Path:
    """Folder of one indexed catalogue (database, FAISS files, manifest) under ``home`` (default
    :func:`index_home`); raises InputError for an invalid name (:func:`check_catalogue_name`)."""
    return (home if home is not None else index_home()) / check_catalogue_name(name)


def default_db_url(name: str) -> str:
    """SQLite database of a catalogue, ``index/<name>/catalogue.db`` (InputError for a bad name)."""
    return f"sqlite:///{(catalogue_dir(name) / 'catalogue.db').as_posix()}"
