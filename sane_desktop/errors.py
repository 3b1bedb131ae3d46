"""One exception tree for the whole application (the shape of httpx's ``_exceptions.py``).

Callers catch :class:`SaneError` once (the CLI in ``cli.main``, the GUI in its task runner) and
branch only on the few kinds below, each of which a person acts on differently::

    SaneError                 anything the app reports as one line: what failed and what to do
    ├── InputError            bad input: a catalogue folder, a metadata file, an argument, a file
    │   │                     (also a ValueError, so generic code that validates values still works)
    │   └── NotFound          a named thing does not exist: catalogue, item, category, file
    │                         (also a LookupError)
    ├── StaleIndexError       a derived artefact no longer matches its source: re-index
    ├── ModelError            a checkpoint or weights file is missing, foreign or corrupt
    │                         (also a ValueError)
    ├── StoreError            the database cannot be used: newer schema, unreachable, locked
    └── Cancelled             the user (or a newer request) stopped the work

Every module raises one of these (or a subclass that names its own domain, such as
``catalogue.types.CatalogueError``), never a bare built-in, for a condition a user can cause.
The exit codes of the CLI follow the kind (:data:`EXIT_CODES`).
"""

from __future__ import annotations


class SaneError(Exception):
    """Root of every error the app reports to a person: its message is the one line they see."""


class InputError(SaneError, ValueError):
    """The input cannot be used as given: a catalogue folder, a metadata file, an argument."""


class NotFound(InputError, LookupError):
    """A named catalogue, item, category, model or file does not exist."""

    def __str__(self) -> str:  # LookupError/KeyError would quote the message; a person reads it plain
        return str(self.args[0]) if self.args else ""


class PhotoGone(NotFound):
    """An indexed item's photo is no longer at ``path`` (moved or deleted since indexing). Typed so
    that a window words it for a stylist without reading the command line's message."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path

    def __reduce__(self) -> tuple[type[PhotoGone], tuple[str, str]]:  # kept across processes
        return type(self), (str(self), self.path)


class StaleIndexError(SaneError):
    """A derived artefact (FAISS index, cache) does not match the model or the database: re-index.
    ``reindex_helps`` is False where a re-index cannot mend it (the catalogue must be opened
    again, or the items are gone from it): a window offers its Re-index link by this, not by words."""

    def __init__(self, message: str, *, reindex_helps: bool = True) -> None:
        super().__init__(message)
        self.reindex_helps = reindex_helps

    def __reduce__(self) -> tuple[object, ...]:  # kept across processes (Exception pickles args only)
        return _stale_index_error, (type(self), str(self), self.reindex_helps)


def _stale_index_error(kind: type[StaleIndexError], message: str, reindex_helps: bool) -> StaleIndexError:
    return kind(message, reindex_helps=reindex_helps)


class NotIndexed(StaleIndexError):
    """A catalogue whose index was never written (an index stopped before its end): typed so that
    a window words it for a stylist instead of the command line's instruction."""


class CatalogueRemade(StaleIndexError, NotFound):
    """The open catalogue's database was made anew under its name since it was opened (deleted and
    indexed again from a terminal or another window, or another database copied over it): its item
    keys name other items now, and the catalogue as opened is not found any more. Opening it again
    mends it; a re-index of its old folder would not (``reindex_helps`` False)."""

    def __init__(self, message: str, *, reindex_helps: bool = False) -> None:
        super().__init__(message, reindex_helps=reindex_helps)


class PhotoChanged(StaleIndexError):
    """An indexed item's photo at ``path`` changed since indexing (its content hash differs): a
    window says whose photo by it."""

    def __init__(self, message: str, *, reindex_helps: bool = True, path: str = "") -> None:
        super().__init__(message, reindex_helps=reindex_helps)
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:  # kept across processes, its path too
        return _photo_changed, (str(self), self.reindex_helps, self.path)


def _photo_changed(message: str, reindex_helps: bool, path: str) -> PhotoChanged:
    return PhotoChanged(message, reindex_helps=reindex_helps, path=path)


class ModelError(SaneError, ValueError):
    """A checkpoint or weights file that is missing, foreign, corrupt or incompatible."""


class StoreError(SaneError):
    """The database cannot be used (newer schema, unreachable server, bad URL, locked)."""


# the words of a damaged database's refusal (store.db)
DAMAGED_WORDS = "is not a catalogue database, or it is damaged"


class DamagedStoreError(StoreError):
    """The database file is not a database or is damaged (SQLite's NOTADB/CORRUPT): ``index
    --replace`` sets it aside and builds the catalogue anew."""


class Cancelled(SaneError):
    """Long-running work stopped because its cancel check said so."""


# kind -> CLI exit code: 1 for bad input and any other SaneError, 2 is argparse's usage error,
# 130 an interrupt (as a shell reports Ctrl+C)
EXIT_CODES: dict[type[SaneError], int] = {
    InputError: 1,
    StaleIndexError: 3,
    ModelError: 4,
    StoreError: 5,
    Cancelled: 130,
}


def exit_code(error: SaneError) -> int:
    """The CLI exit code of ``error``: its kind's (most specific first), else 1."""
    for kind in type(error).__mro__:
        if kind in EXIT_CODES:
            return EXIT_CODES[kind]
    return 1
