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

An error whose way out differs by front end carries it as a :class:`WayOut`: its ``problem`` says what
went wrong, ``str()`` adds the command line's words, and a window says the way through its menus
instead (``gui/text.window_message``): a trial read ``--replace`` in a window that has no such option.
"""

from __future__ import annotations

import re
from enum import Enum

# a database URL's password: from the colon after the user to the last "@" before the host, so that an
# unencoded "@" in it (p@ss) is covered too (a trial read "…:p@***@host" with "ss:w/rd" left in clear)
_URL_PASSWORD = re.compile(r"(://[^:/@\s'\"]*:)\S*@")
# ... and with the scheme mistyped or left out ("postgresql:/bob:pw@host", "bob:pw@host": trial BB), any
# token of the shape name:secret@host that the pattern above left
_BARE_PASSWORD = re.compile(r"((?:^|(?<=[\s'\"(/]))[^:/@\s'\"(]+:)(?!/)(?!\*\*\*@)\S*@(?=[\w.\[\]-])")
# ... and inside quotes (an error line's repr of the URL given), up to the last "@" before the closing quote: a
# password with an unencoded space ("pa ss") was said whole (trial DW)
_QUOTED_URL_PASSWORD = tuple(re.compile(rf"""({quote}[a-z][\w+.-]*:/{{0,2}}[^:/@\s'"]*:)[^{quote}\n]*@(?=[^{quote}\n@]*{quote})""",
                                        re.I) for quote in "'\"")
# a password given as a parameter: a URL's query (``?password=…``, libpq's, which the drivers take) or a libpq
# key=value string (``host=h user=u password=…``); trial DW found the first in the index manifest and both in
# error lines
# (a quoted value with its escapes, libpq's; an unquoted one up to "&", a space or a quote: a ";" or ")" in it
# left the rest of one said, trial DX)
_PARAMETER_PASSWORD = re.compile(
    r"""(?i)((?:^|(?<=[?&\s;'"(]))(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^&\s'"]+)""")


def without_passwords(text: str) -> str:
    """``text`` with every database URL's password written ``***`` (``postgresql://user:secret@host/db``
    → ``postgresql://user:***@host/db``; ``?password=secret`` and libpq's ``password=secret`` → ``password=***``):
    no error line, log line or suggested command carries one."""
    for quoted in _QUOTED_URL_PASSWORD:
        text = quoted.sub(r"\1***@", text)
    text = _BARE_PASSWORD.sub(r"\1***@", _URL_PASSWORD.sub(r"\1***@", text))
    return _PARAMETER_PASSWORD.sub(r"\1***", text)


_QUERY_PASSWORD = re.compile(r"(?i)([?&](?:ssl)?password=)[^&]*")


def url_without_password(url: str) -> str:
    """``url``, a database URL as a person typed it (a ``--db`` value), with its password written ``***`` however
    it is written: all from the user's ":" to the last "@", spaces, quotes and "@" included (trial DX's
    ``bob:Zq9 pa@x'y"w@host`` was said whole), and a ``?password=`` to the next "&"; then what
    :func:`without_passwords` masks."""
    # a ?password= first, to the next "&": an "@" typed raw in it was taken for the userinfo's end (trial DZ)
    url = _QUERY_PASSWORD.sub(r"\1***", url)
    head, at, host = url.rpartition("@")
    scheme, slashes, userinfo = head.partition("://")
    if at and slashes and ":" in userinfo:
        head = f"{scheme}://{userinfo.partition(':')[0]}:***"
    return without_passwords(f"{head}{at}{host}")


class WayOut(Enum):
    """What a person does about a failure, where each front end words it its own way. The value is
    the command line's words (the core's messages are the command line's); the window's are in
    ``gui/text.WINDOW_WAYS``, one for each member (a test holds it to that)."""

    REPLACE_DAMAGED = ("index the catalogue's folder again with --replace (the damaged file is set aside), "
                       "or delete the catalogue")
    OTHER_NAME_OR_REPLACE = "give this folder another name (--name), or replace that catalogue (--replace)"
    # trial X: the old folder was gone, and nothing said --replace was the way for a moved catalogue
    MOVED_OR_OTHER_NAME = ("if this is that folder moved or renamed, replace that catalogue (--replace): its category "
                           "choices are kept; if not, give this folder another name (--name)")
    MAPPING_OR_REPLACE = ("give its mapping with --mapping FILE, or replace the catalogue on purpose "
                          "(--replace; its items get new ids)")
    # a folder indexed as photos, given its table's sane-mapping.json since (draft-mapping --write): its mapping is
    # there already (trial EI was told to give it with --mapping)
    READ_ANEW = "index it with --replace to read it as it is laid out now (its items get new ids)"
    REPLACE_MAPPING = "give --force to replace it"  # a mapping file there already (draft-mapping --write)
    WRITE_MAPPING_ELSEWHERE = "write it elsewhere (--out FILE) and index the folder with --mapping FILE"
    PUT_MAPPING_BACK = "put it back, or give the mapping with --mapping FILE"
    OTHER_INDEX_OR_REPLACE = "give this one another name or index folder, or replace that index (--replace)"
    OTHER_INDEX_FOLDER = "choose another index folder, or replace it (--replace)"
    REPLACE_OR_KEEP_BOTH = "index this one with --replace to rebuild it here, or with --index-dir to keep both"
    MODEL_GONE = "put it back, or give --model FILE to index it with another"
    # the manifest that names the model cannot be read (trial BA: a re-index swapped in the bundled model)
    NAME_MODEL = "index it again naming its model: --model FILE"
    OTHER_MODEL = "--model chooses another"  # a note's, not a failure's: the model kept is the catalogue's own
    OTHER_INDEX_HOME = "choose another index home: --index-home or SANE_INDEX_HOME"
    # --index-dir named another catalogue's own folder (its database beside its index): --replace there
    # would rebuild that catalogue's index over it (trial BO was advised just that)
    OTHERS_OWN_FOLDER = "give this catalogue's own index folder with --index-dir, or leave --index-dir out"
    REBUILD = "re-index (index --rebuild when a plain re-index does not see it: it reads every photo again)"
    # a catalogue whose database is on a server, asked for by its name alone (trial AW: "did you mean …?")
    ON_SERVER = "give its database's URL with --db"
    # a catalogue whose database records an index built in another folder than the one it was opened with
    RECORDED_INDEX_FOLDER = "open it with that folder as --index-dir, or run sane-desktop index"
    # a catalogue's own folder moved or renamed after indexing (trial T: "not found", and no next step)
    FOLDER_MOVED = ("if it was moved or renamed, index the folder where it is now with --name (this catalogue's) "
                    "and --replace: its category choices are kept")


def with_way_out(problem: str, way_out: WayOut | None) -> str:
    """``problem`` followed by ``way_out`` in the command line's words (the problem alone for None)."""
    return f"{problem}: {way_out.value}" if way_out is not None else problem


def with_way_out_clause(note: str | None, way_out: WayOut | None) -> str | None:
    """A note (clauses joined by "; ") followed by ``way_out`` in the command line's words as its last clause."""
    return note if note is None or way_out is None else f"{note}; {way_out.value}"


class SaneError(Exception):
    """Root of every error the app reports to a person: its message is the one line they see.
    ``way_out``: what to do, when each front end says it its own way (:class:`WayOut`); the message is
    then ``problem`` followed by the command line's words, and ``problem`` stays readable alone."""

    def __init__(self, *args: object, way_out: WayOut | None = None) -> None:
        self.problem = str(args[0]) if args else ""
        self.way_out = way_out
        if way_out is not None:
            args = (with_way_out(self.problem, way_out), *args[1:])
        super().__init__(*args)  # pickled with its __dict__, so the problem and the way out cross processes


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

    def __init__(self, message: str, *, reindex_helps: bool = True, way_out: WayOut | None = None) -> None:
        super().__init__(message, way_out=way_out)
        self.reindex_helps = reindex_helps

    def __reduce__(self) -> tuple[object, ...]:  # kept across processes (Exception pickles args only)
        return _stale_index_error, (type(self), self.problem, self.reindex_helps, self.way_out)


def _stale_index_error(kind: type[StaleIndexError], problem: str, reindex_helps: bool,
                       way_out: WayOut | None) -> StaleIndexError:
    # a subclass may take no way out (explain_tasks.ResultsOutdated): passed only when there is one
    return kind(problem, reindex_helps=reindex_helps, way_out=way_out) if way_out is not None else \
        kind(problem, reindex_helps=reindex_helps)


class NotIndexed(StaleIndexError):
    """A catalogue whose index was never written (an index stopped before its end): typed so that
    a window words it for a stylist instead of the command line's instruction."""


class IndexBeingWritten(StaleIndexError):
    """The catalogue's index is being written by another run now (an ``index`` in a terminal, another
    window): search it again once that run has ended. Typed so that a window waits for that end and
    searches again by itself (trial BD read "being indexed now" with a dead run's pid long after it ended)."""

    def __init__(self, message: str, *, reindex_helps: bool = False, way_out: WayOut | None = None) -> None:
        super().__init__(message, reindex_helps=reindex_helps, way_out=way_out)


class CatalogueRemade(StaleIndexError, NotFound):
    """The open catalogue's database was made anew under its name since it was opened (deleted and
    indexed again from a terminal or another window, or another database copied over it): its item
    keys name other items now, and the catalogue as opened is not found any more. Opening it again
    mends it; a re-index of its old folder would not (``reindex_helps`` False)."""

    def __init__(self, message: str, *, reindex_helps: bool = False, way_out: WayOut | None = None) -> None:
        super().__init__(message, reindex_helps=reindex_helps, way_out=way_out)


class PhotoChanged(StaleIndexError):
    """An indexed item's photo at ``path`` changed since indexing (its content hash differs): a
    window says whose photo by it."""

    def __init__(self, message: str, *, reindex_helps: bool = True, path: str = "",
                 way_out: WayOut | None = None) -> None:
        super().__init__(message, reindex_helps=reindex_helps, way_out=way_out)
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:  # kept across processes, its path too
        return _photo_changed, (self.problem, self.reindex_helps, self.path, self.way_out)


def _photo_changed(problem: str, reindex_helps: bool, path: str, way_out: WayOut | None) -> PhotoChanged:
    return PhotoChanged(problem, reindex_helps=reindex_helps, path=path, way_out=way_out)


class ModelError(SaneError, ValueError):
    """A checkpoint or weights file that is missing, foreign, corrupt or incompatible."""


class StoreError(SaneError):
    """The database cannot be used (newer schema, unreachable server, bad URL, locked)."""


# the words of a damaged database's refusal (store.db)
DAMAGED_WORDS = "is not a catalogue database, or it is damaged"


class DamagedStoreError(StoreError):
    """The database file is not a database or is damaged (SQLite's NOTADB/CORRUPT): ``index
    --replace`` sets it aside and builds the catalogue anew."""


class StoreUnavailable(StoreError):
    """The database cannot be used *now*, for a reason outside its file: its disk is full or failing, another
    program holds its lock, or it may not be read. Nothing suggests damage: it opens as it is once that
    passes (a trial's full disk listed a whole catalogue as "damaged", its Delete button beside it)."""


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
