"""Opening a store: any SQLAlchemy URL (SQLite by default, PostgreSQL for scale), schema checks.

SQLite gets foreign keys on (so deletes cascade) and WAL journaling (readers never block the
writer, and a crash mid-import leaves the last committed state intact).

The store boundary is here, once, for every engine :func:`open_store` makes:

- **errors** — a ``handle_error`` engine event turns every DBAPI error (locked, read-only, disk
  full, not a database, a table from another version, an unreachable server, ...) into one
  :class:`StoreError` line that names the database and carries no SQL text;
- **waiting** — another program holding the write lock is waited for :data:`BUSY_TIMEOUT_S`
  seconds (a person is watching a desktop app), then reported as locked;
- **read-only use** — a database this process cannot write (read-only file or folder, read-only
  medium) is opened read-only (``mode=ro``, or ``immutable=1`` when SQLite could not even create
  its WAL side files), without migrations; writing through it is a "read-only" StoreError;
- **migrations** — a writable database is brought to the newest Alembic revision on open
  (:mod:`sane_desktop.store.migrations`); one written before migrations (``schema_version`` 1, no
  ``alembic_version``) is stamped with the baseline first; one at a revision this program does not
  know was written by a newer version and is refused;
- **crash windows** — creating the tables and stamping the schema version and revision is one
  transaction, and so is every upgrade; a database with our tables but no version (a crash of an
  older build) is stamped when its tables match, never refused forever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from sane_desktop.errors import (
    DAMAGED_WORDS, DamagedStoreError, InputError, NotFound, SaneError, StoreError, StoreUnavailable, WayOut,
    url_without_password, without_passwords,
)
from sane_desktop.logs import TELL_USER
from sane_desktop.paths import expand_sqlite_home
from sane_desktop.store import folding, migrations
from sane_desktop.store.schema import SCHEMA_VERSION, Base, CatalogueRow, SchemaVersion

log = logging.getLogger(__name__)

# Alembic is imported where a migration runs (and by migrations.script_directory), not at this
# module's top: importing the store stays free of it (issue 18 point 10, the window comes first)
if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

# how long to wait for another program's lock before saying so: long enough for a commit of a
# running import to pass, short enough that a person does not think the app hung (was 30 s)
BUSY_TIMEOUT_S = 5.0
# a PostgreSQL server that does not answer within this many seconds is reported unreachable
CONNECT_TIMEOUT_S = 10

AccessMode = Literal["rw", "ro", "immutable"]

# engines opened read-only (an Engine has no spare attribute for it; weak, so disposal frees them)
_READ_ONLY: weakref.WeakSet[Engine] = weakref.WeakSet()


@dataclass(frozen=True)
class SqliteAccess:
    """How a SQLite file can be opened: ``rw``; ``ro`` (SQLite may still create or use the WAL
    side files); ``immutable`` (nothing at all may be written, not even ``-shm``)."""

    mode: AccessMode
    reason: str = ""  # why not read-write, for the person reading the messages


def is_read_only(engine: Engine) -> bool:
    """Whether :func:`open_store` opened ``engine`` read-only (callers skip caches and writes)."""
    return engine in _READ_ONLY


# --- read-only detection ---------------------------------------------------------------------------

def sqlite_access(path: Path, access: Callable[[Path, int], bool] = os.access) -> SqliteAccess:
    """How to open the existing or new SQLite database ``path``, judged by ``access`` (``os.access``).

    WAL needs ``<db>-wal`` and ``<db>-shm`` beside the file: without write permission on the file
    SQLite can only read (``mode=ro``), which still needs those side files to exist or be creatable
    (a writable folder); when neither holds, ``immutable=1`` reads the main file alone — correct only
    when no committed changes wait in a ``-wal`` file.

    Raises :class:`StoreError` when ``path`` is no regular file (a folder, ``/dev/null``), when the file
    cannot be created (its folder is read-only) or when it
    can only be read without a ``-wal`` file that holds changes (reading it would be silently stale).
    """
    folder = path.parent
    if path.exists() and not path.is_file():  # /dev/null read "the disk failed" (trial BO): no disk was at fault
        kind = "a folder" if path.is_dir() else "a device, pipe or socket"
        raise StoreError(f"the catalogue database {path} is {kind}, not a database file: give a file's path")
    if not path.exists():
        if folder.is_dir() and not access(folder, os.W_OK):
            raise StoreError(f"cannot create the catalogue database {path}: its folder is read-only")
        return SqliteAccess("rw")
    file_writable = access(path, os.W_OK)
    folder_writable = access(folder, os.W_OK)
    if file_writable and folder_writable:
        return SqliteAccess("rw")
    reason = ("the file and its folder are read-only" if not (file_writable or folder_writable)
              else "the file is read-only" if not file_writable else "its folder is read-only")
    if folder_writable:
        return SqliteAccess("ro", reason)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if wal.exists() and shm.exists() and access(wal, os.R_OK) and access(shm, os.R_OK):
        return SqliteAccess("ro", reason)
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(f"the catalogue database {path} cannot be read: {reason} and its changes still wait in "
                         f"{wal.name} (open it once with write access, or copy the folder somewhere writable)")
    return SqliteAccess("immutable", reason)


def sqlite_read_only_url(path: Path, mode: AccessMode) -> URL:
    """The SQLAlchemy URL opening ``path`` read-only through a SQLite URI (``mode`` ``ro`` or
    ``immutable``); the path is percent-encoded, since ``?``, ``#`` and ``%`` are URI syntax."""
    if mode == "rw":
        raise ValueError("sqlite_read_only_url is for read-only modes")
    query = {"mode": "ro", "uri": "true"}
    if mode == "immutable":
        query["immutable"] = "1"
    return URL.create("sqlite", database="file:" + quote(str(path.absolute())), query=query)


# --- one-line errors -------------------------------------------------------------------------------

def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# SQLite primary result codes (sqlite3.h) that a person can act on
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 5, 6, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB, _SQLITE_PERM, _SQLITE_AUTH = 13, 14, 26, 3, 23


def is_damage(error: BaseException) -> bool:
    """Whether a driver error says the file is no database or a damaged one (SQLite NOTADB/CORRUPT)."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    lowered = _first_line(error).lower()
    return primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT) or "not a database" in lowered or "malformed" in lowered


def is_passing(error: BaseException) -> bool:
    """Whether the DBAPI ``error`` says the database cannot be used now for a reason outside its file (a
    full or failing disk, a lock, a permission): :class:`~sane_desktop.errors.StoreUnavailable`."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    sqlstate = str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")
    lowered = _first_line(error).lower()
    return (primary in (_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL, _SQLITE_IOERR, _SQLITE_PERM, _SQLITE_AUTH)
            or sqlstate in ("55P03", "40P01") or sqlstate.startswith("53")
            or any(words in lowered for words in ("database is locked", "disk is full", "disk i/o error")))


# what the resolver says of a host name it cannot find: psycopg's, libpq's, and the systems' own words
_UNKNOWN_HOST = re.compile(r"""failed to resolve host '([^']*)'|could not translate host name "([^"]*)"|"""
                           r"(name or service not known|nodename nor servname provided|no such host is known|"
                           r"temporary failure in name resolution)", re.IGNORECASE)


def unknown_host_name(detail: str) -> str | None:
    """The host name a driver's message says could not be resolved ("" when it names none), or None when the
    message says no such thing."""
    found = _UNKNOWN_HOST.search(detail)
    if found is None:
        return None
    return found.group(1) or found.group(2) or ""


# a driver's words (lower case) for a port where something other than PostgreSQL answers (a web server, say)
_NOT_POSTGRESQL = ("received invalid response to ssl negotiation", "unsupported frontend protocol",
                   "expected authentication request from server")
_TLS_REFUSED = ("does not support ssl", "ssl error", "ssl syscall", "certificate")


def not_postgresql(lowered: str) -> bool:
    """Whether a driver's message (lower case) says something answered at the address that is not PostgreSQL."""
    return any(words in lowered for words in _NOT_POSTGRESQL)


def tls_refused(lowered: str) -> bool:
    """Whether a driver's message (lower case) says the server was reached but no TLS connection could be made."""
    return "ssl" in lowered and any(words in lowered for words in _TLS_REFUSED)


def describe_database_error(error: BaseException, where: str, *, read_only_reason: str = "",
                            busy_timeout: float = BUSY_TIMEOUT_S) -> str:
    """One line, without SQL, saying what went wrong with the database ``where`` and what to do.

    ``error`` is the DBAPI's exception (``sqlite3``'s or ``psycopg``'s); its first line at most is
    quoted, since the following lines of a server's message may repeat the statement."""
    detail = _first_line(error)
    lowered = detail.lower()
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    sqlstate = str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")
    if sqlstate == "40P01" or "deadlock detected" in lowered:  # no wait ran out: the server chose this run to stop
        # (trial DU read "locked by another program (waited 5 s …)" of a plain index beside --shard workers)
        return (f"the catalogue database {where} is being written by another run at the same time, and the server "
                "stopped this one to let the other go on: run this again once the other has ended")
    if (primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in lowered
            or sqlstate == "55P03" or "lock timeout" in lowered):
        return (f"the catalogue database {where} is locked by another program (waited {busy_timeout:g} s: "
                "close the other program or wait for it to finish, then try again)")
    if primary == _SQLITE_READONLY or "readonly database" in lowered or sqlstate == "25006":
        why = read_only_reason or "no write permission"
        return f"the catalogue database {where} is read-only ({why}): it can be searched but not changed"
    if primary == _SQLITE_FULL or "disk is full" in lowered or sqlstate.startswith("53"):
        return f"the disk holding the catalogue database {where} is full (free some space, then try again)"
    if is_damage(error):  # the way out is the front end's to say (WayOut.REPLACE_DAMAGED)
        return f"{where} {DAMAGED_WORDS} ({detail})"
    if ("no such table" in lowered or "no such column" in lowered or "has no column named" in lowered
            or sqlstate in ("42P01", "42703")):
        return (f"the catalogue database {where} was made by another version of sane-desktop ({detail}): "
                "use that version, or index the catalogue again")
    if primary == _SQLITE_CANTOPEN or "unable to open database" in lowered:
        return f"cannot open the catalogue database {where} (does its folder exist, and may it be read?)"
    if primary == _SQLITE_IOERR or "disk i/o error" in lowered:
        # SQLite says "disk I/O error" too when a full disk stops it growing its journal (a trial)
        return (f"the disk failed while using the catalogue database {where} ({detail}; a full disk "
                "gives this too: check its free space)")
    if primary in (_SQLITE_PERM, _SQLITE_AUTH) or sqlstate.startswith("28") or sqlstate == "42501":
        return f"no permission to use the catalogue database {where} ({detail})"
    # at connection time libpq's words are all there is (no SQLSTATE): the server was reached, and said which
    # (trial CX read "cannot reach the … server" of a database dropped, and no way out of a server stopped)
    if sqlstate == "3D000" or re.search(r'database "[^"]*" does not exist', lowered):
        return (f"the catalogue database {where} does not exist on its server (check the database name; a new one "
                "is created on the server, then the catalogue indexed into it)")
    if re.search(r'role "[^"]*" does not exist', lowered):
        return f"the catalogue database server {where} has no such user (check the user name)"
    if "authentication failed" in lowered or "no password supplied" in lowered:
        # reached, and the login refused (trial AW read "cannot reach the … server" before the server's words)
        return f"the catalogue database server {where} refused the login ({detail}): check the user name and password"
    unknown_host = unknown_host_name(detail)
    if unknown_host is not None:  # no server to reach: "is it running?" sent a trial looking at the wrong thing
        named = f"named {unknown_host!r} " if unknown_host else "of that name "
        return (f"cannot find the catalogue database server {where}: no computer {named}is known here "
                f"(check the host name, or this computer's network) ({detail})")
    value = re.search(r'invalid (\w+) value: "([^"]*)"', detail)
    if value:  # ?sslmode=bogus: the URL's, not the server's (trial EC read "is it running?")
        return (f"the database URL {where} gives the option {value.group(1)} a value the driver does not accept: "
                f"{value.group(2)!r} ({detail})")
    if not_postgresql(lowered):
        return (f"something answers at the catalogue database server's address {where}, but it is not a PostgreSQL "
                f"server: check the port (PostgreSQL's is usually 5432) ({detail})")
    if tls_refused(lowered):
        return (f"the catalogue database server {where} was reached, but a secure (TLS) connection could not be made "
                f"({detail}): check the URL's sslmode and the server's TLS setup")
    option = re.search(r'invalid (?:connection option|uri query parameter:?) "([^"]*)"', detail, re.IGNORECASE)
    if option:  # a raw "&" in a ?password= value ends it there, and the rest reads as an option (trial DZ)
        return (f"the database URL {where} holds an option the driver does not know, {option.group(1)!r}: options after "
                "'?' are separated by '&', so an '&' inside a password or another value must be written %26")
    if sqlstate.startswith("08") or (not sqlstate and type(error).__name__ == "OperationalError"
                                     and code is None and "connect" in lowered):
        return f"cannot reach the catalogue database server {where}: is it running, and are the host and port right? ({detail})"
    if type(error).__name__ in ("IntegrityError", "UniqueViolation") and (
            sqlstate == "23505" or "unique constraint" in lowered):
        # two runs adding the same row at once (trial DT: two first imports of one name) more often than damage
        return (f"the catalogue database {where} already holds what this run was adding ({detail}): another run "
                "may be writing the same catalogue now; run this again once it has ended")
    if type(error).__name__ == "IntegrityError":
        return f"the catalogue database {where} refused a change that breaks its rules ({detail})"
    return f"the catalogue database {where} failed ({detail})"


def _error_handler(where: str, read_only_reason: str, busy_timeout: float) -> Callable[[ExceptionContext], None]:
    def handle_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool reconnects on its own after a failed ping
            return
        original = context.original_exception
        # only the driver's errors are environment faults; anything else is a bug, and its traceback
        # must stay (a KeyboardInterrupt or our own Cancelled pass untouched too)
        if not isinstance(original, Exception) or context.sqlalchemy_exception is None:
            return
        damaged = is_damage(original)
        kind = DamagedStoreError if damaged else StoreUnavailable if is_passing(original) else StoreError
        raise kind(describe_database_error(original, where, read_only_reason=read_only_reason,
                                           busy_timeout=busy_timeout),
                   way_out=WayOut.REPLACE_DAMAGED if damaged else None) from original
    return handle_error


# --- engines ---------------------------------------------------------------------------------------

def _sqlite_pragmas(read_only: bool) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        folding.register(dbapi_connection)  # sorting by folded text (store/folding.py)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not read_only:  # switching the journal mode writes the file header
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    return connect


def _display(url: URL) -> str:
    """Where a database is, as a person reads it: a SQLite file's path, a server's
    ``user@host:port/database`` (the form the window's shared-catalogue dialog uses; never the
    password, nor the driver's URL form a trial read in a "cannot reach" line)."""
    if url.get_backend_name() == "sqlite":
        database = url.database or ":memory:"
        return database if database == ":memory:" else os.path.abspath(database)
    def parameter(key: str) -> str:  # libpq's query parameters stand for the URL's parts (trial DW: user, port)
        value = url.query.get(key)
        return value if isinstance(value, str) else ""

    host = url.host or parameter("host") or "localhost"  # a Unix socket's folder: libpq's host parameter
    username = url.username or parameter("user")
    user = f"{username}@" if username else ""
    # the server's own default port: PostgreSQL's 5432 was said of a mysql:// URL too (trial AY)
    port = url.port or parameter("port") or {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(url.get_backend_name())
    return f"{user}{host}{f':{port}' if port else ''}/{url.database or ''}"


def display_location(url: URL | str) -> str:
    """Where the database at ``url`` is, as every message says it (:func:`_display`), never its password."""
    return _display(make_url(url))


def usable_url(url: str | URL) -> URL:
    """``url`` parsed (SQLAlchemy's ``make_url``), once it is a URL of a database the store keeps catalogues in
    (SQLite, PostgreSQL) with its driver installed; InputError, one line without the password, otherwise
    ("not a usable database URL: …"). Called before any other part reads the URL: trial DX's libpq key=value
    string reached ``index`` as "ArgumentError: Could not parse SQLAlchemy URL"."""
    shown = repr(url_without_password(url if isinstance(url, str) else str(url)))  # str(): its password hidden
    try:
        parsed = make_url(url)
        parsed.get_dialect()  # a missing driver (psycopg not installed) shows here, not at first use
    except Exception as error:
        # a typo in what the user gave is bad input (exit 1), said without its password
        raise InputError(f"not a usable database URL: {shown} ({without_passwords(_first_line(error))})") from error
    # an unencoded "@" in the password: its tail read as the host (trial BB); one in a ?password= after a port made
    # all before it the user and password, and the tail the host, said in clear (trial DZ)
    if (parsed.host and "@" in parsed.host) or "@" in (parsed.username or ""):
        raise InputError(f"not a usable database URL: {shown} (an '@' in its password must be written %40)")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:  # its SQL is SQLite's and PostgreSQL's only: another
        # server failed later in its own words ("No module named 'MySQLdb'", exit 5), or worse, half-way
        raise InputError(f"not a usable database URL: {shown} (SANE Desktop keeps catalogues in SQLite, "
                         f"sqlite:///FILE, or PostgreSQL, postgresql+psycopg://…; not {parsed.get_backend_name()})")
    return parsed


def create_store_engine(url: str, *, busy_timeout: float | None = None, read_only: bool = False) -> Engine:
    """An engine for ``url`` with the store's error boundary; creates the folder of a SQLite file and
    opens a SQLite file this process cannot write read-only (see :func:`is_read_only`).
    ``read_only``: open an existing SQLite file read-only even when it could be written (a look that
    must change nothing, not even the journal mode).

    Raises :class:`StoreError` for a URL that is not one, a missing driver, a folder that cannot be
    created, or a file that cannot be read as it is (:func:`sqlite_access`)."""
    timeout = BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout
    if isinstance(url, str):
        url = expand_sqlite_home(url)  # "sqlite:///~/x.db": the home folder, never a folder named "~"
    parsed = usable_url(url)
    where = _display(parsed)
    access = SqliteAccess("rw")
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                path = Path(database)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreError(f"cannot create the folder of the catalogue database {where} "
                                     f"({error.strerror or error})") from error
                access = sqlite_access(path)
                if read_only and access.mode == "rw":
                    access = SqliteAccess("ro", "opened to read only")
                if access.mode != "rw":
                    parsed = sqlite_read_only_url(path, access.mode)
            engine = create_engine(parsed, connect_args={"timeout": timeout})
            event.listen(engine, "connect", _sqlite_pragmas(access.mode != "rw"))
        elif parsed.get_backend_name() == "postgresql":
            _require_driver(parsed.get_driver_name())
            # libpq waits forever for a silent server and a lock: a desktop app must not
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S, "options": f"-c lock_timeout={int(timeout * 1000)}"})
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except SaneError:
        raise
    except Exception as error:  # bad arguments for this dialect
        raise StoreError(f"cannot use the database {where} ({_first_line(error)})") from error
    event.listen(engine, "handle_error", _error_handler(where, access.reason, timeout))
    if access.mode != "rw":
        _READ_ONLY.add(engine)
    return engine


# --- schema ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _State:
    tables: frozenset[str]
    version: int  # the highest schema_version row (0: none)
    revisions: frozenset[str]  # Alembic's applied revisions (empty: none recorded)


def _version(connection: Connection, tables: set[str] | frozenset[str]) -> int:
    if SchemaVersion.__tablename__ not in tables:
        return 0
    return connection.scalar(select(SchemaVersion.version).order_by(SchemaVersion.version.desc())) or 0


def _state(connection: Connection) -> _State:
    """What the database holds, read without Alembic (whose context logs on every configure)."""
    tables = frozenset(inspect(connection).get_table_names())
    revisions: frozenset[str] = frozenset()
    if migrations.VERSION_TABLE in tables:
        revisions = frozenset(connection.execute(text(f"SELECT version_num FROM {migrations.VERSION_TABLE}")).scalars())
    return _State(tables, _version(connection, tables), revisions)


def _differences(connection: Connection, tables: frozenset[str]) -> list[str]:
    """How the existing tables of ours differ from this version's columns (missing tables are fine:
    creating them is what a crash interrupted)."""
    inspector = inspect(connection)
    found = []
    for name, table in Base.metadata.tables.items():
        if name not in tables:
            continue
        have = {column["name"] for column in inspector.get_columns(name)}
        want = {column.name for column in table.columns}
        found += [f"{name} lacks {column}" for column in sorted(want - have)]
        found += [f"{name} has an unknown column {column}" for column in sorted(have - want)]
    return found


def _refuse_missing_tables(state: _State, where: str) -> None:
    """A database at this version's revision lacking one of its tables was changed by hand: said so, not
    "made by another version of sane-desktop (no such table: …)" at its first use (trial Z)."""
    missing = sorted(set(Base.metadata.tables) - state.tables)
    if missing:
        raise DamagedStoreError(f"the catalogue database {where} records this version's schema but lacks its table"
                         f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}: it was changed outside SANE Desktop",
                         way_out=WayOut.REPLACE_DAMAGED)


def _newer(where: str, detail: str) -> StoreError:
    return StoreError(f"the catalogue database {where} was written by a newer version of SANE Desktop ({detail}): "
                      "upgrade SANE Desktop to use it")


def _refuse_newer(state: _State, script: ScriptDirectory, where: str) -> None:
    if state.version > SCHEMA_VERSION:
        raise _newer(where, f"schema version {state.version}, this program knows {SCHEMA_VERSION}")
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(state.revisions - known)
    if unknown:
        raise _newer(where, f"schema revision {', '.join(unknown)}, unknown to this program")


def _at_head(state: _State, script: ScriptDirectory, *, unstamped_is_baseline: bool = False) -> bool:
    """Whether the database needs nothing: at the newest revision, with all of this version's tables.
    ``unstamped_is_baseline``: one written before migrations (``schema_version`` 1, no revision) counts
    as the baseline (for reading; a writable one is stamped)."""
    revisions = state.revisions
    if not revisions and unstamped_is_baseline and state.version >= 1:
        revisions = frozenset({migrations.BASELINE})
    return (revisions == set(script.get_heads()) and set(Base.metadata.tables) <= state.tables
            and state.version <= SCHEMA_VERSION)


def _run_revisions(connection: Connection, script: ScriptDirectory, destination: str) -> None:
    """Alembic's ``upgrade destination`` through the package's ``env.py``, on ``connection`` and in
    its transaction (Alembic sees one already begun: it neither begins nor commits)."""
    from alembic.runtime.environment import EnvironmentContext  # see the note at the imports

    config = migrations.alembic_config()
    config.attributes["connection"] = connection

    def steps(revision: Any, _context: MigrationContext) -> Any:
        return script._upgrade_revs(destination, revision)

    with EnvironmentContext(config, script, fn=steps, destination_rev=destination):
        script.run_env()


def _migrate(connection: Connection, where: str, script: ScriptDirectory, kept: Path | str | None = None) -> None:
    """Create, stamp or upgrade the schema inside the caller's transaction (``kept``: the copy of the file
    as it was, made before, said with the upgrade)."""
    from alembic.runtime.migration import MigrationContext  # see the note at the imports

    state = _state(connection)
    _refuse_newer(state, script, where)
    if state.revisions and state.revisions == set(script.get_heads()):  # at the newest revision, yet not all there
        _refuse_missing_tables(state, where)
    if _at_head(state, script):
        # another program made or upgraded it while this one waited for the lock: nothing to do, nothing to say
        # (trial DT: two shard workers on a new database, one said "upgraded … from revision 0013 to 0013")
        return
    if not state.revisions:
        if state.version == 0:
            # new, or tables without any version: a crash between creating them and stamping (builds
            # before 2 did that in two transactions). Tables that match are this version's: complete
            # and stamp them. A new database is made from the models, not by replaying revisions.
            differences = _differences(connection, state.tables)
            if differences:
                raise StoreError(f"the catalogue database {where} has no schema version and its tables differ "
                                 f"from this version's ({'; '.join(differences[:3])}): it was made by another "
                                 "version of sane-desktop")
            Base.metadata.create_all(connection)
            connection.execute(SchemaVersion.__table__.insert().values(version=SCHEMA_VERSION))
            MigrationContext.configure(connection, opts={"version_table": migrations.VERSION_TABLE}).stamp(
                script, "heads")
            return
        if set(Base.metadata.tables) <= state.tables and not _differences(connection, state.tables):
            # every table this version's, column for column: its record of the revision is what went (trial Z
            # dropped alembic_version, and replaying the revisions said "duplicate column name: search_text")
            log.warning("the catalogue database %s had lost its record of the schema revision; its tables are "
                        "this version's: recorded again", where)
            MigrationContext.configure(connection, opts={"version_table": migrations.VERSION_TABLE}).stamp(
                script, "heads")
            return
        # written before migrations came: its schema is the baseline's
        MigrationContext.configure(connection, opts={"version_table": migrations.VERSION_TABLE}).stamp(
            script, migrations.BASELINE)
        _replay(connection, script, where, "has no record of its schema revision, and its tables are neither this "
                "version's nor the first one's")
        return
    older = ", ".join(sorted(state.revisions))
    _replay(connection, script, where, f"records revision {older}, older than its tables")
    # said in the log and, by the command line, on the terminal (trial AR: a plain query moved a database past an
    # older build's reach, no word anywhere; trial CA: `catalogues` did, said only in the log, with no way back)
    log.warning("upgraded the catalogue database %s from schema revision %s to %s: earlier versions of SANE Desktop "
                "no longer open it%s", where, older, ", ".join(sorted(script.get_heads())),
                f" (the file as it was is kept as {kept}: put it back in its place to go back to one)"
                if isinstance(kept, Path) else
                # said, not left out: the user reads "no copy" where the copy failed (trial CI)
                f" (no copy of the file as it was could be kept: {kept})" if kept else "",
                extra={TELL_USER: True})


def _keep_before_upgrade(connection: Connection, revision: str) -> Path | str | None:
    """A copy of a SQLite catalogue file as it is, before its schema is upgraded, beside it as
    ``<name>.rev<revision>.bak`` (an earlier version of the app opens that copy); None for another
    database; why not, in words, when the copy cannot be made (the upgrade goes on, and its note says no
    copy was kept). An earlier copy of
    that revision is kept: this one is numbered (``.rev0012-2.bak``). ``connection`` must be outside a transaction (the copy is
    taken before the schema lock, with SQLite's backup API)."""
    import sqlite3

    if connection.dialect.name != "sqlite":
        return None
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    source = Path(database)
    target = source.with_name(f"{source.name}.rev{revision}.bak")
    copies = 1
    while target.exists():  # an earlier copy of that revision is another state of the file: both kept (trial CB)
        copies += 1
        target = source.with_name(f"{source.name}.rev{revision}-{copies}.bak")
    raw = connection.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        return None
    partial = target.with_name(target.name + ".partial")
    try:
        with sqlite3.connect(partial) as copy:  # the backup API: a consistent copy, write-ahead log included
            raw.backup(copy)
        copy.close()
        partial.replace(target)
    except (OSError, sqlite3.Error) as error:
        with contextlib.suppress(OSError):  # (a folder of that name: the copy's failure is what is said)
            partial.unlink(missing_ok=True)
        log.warning("could not keep a copy of %s before upgrading it: %s", source, error)
        return str(getattr(error, "strerror", None) or error)
    return target


def _replay(connection: Connection, script: ScriptDirectory, where: str, said: str) -> None:
    """The revisions the database lacks; one that meets a column or table already there (its record
    of the revision does not match its tables: changed by hand, trial Z and AA) is damage, said in one
    line with the way out, not "failed (duplicate column name: uid)"."""
    try:
        _run_revisions(connection, script, "heads")
    except StoreError as error:
        detail = str(error.__cause__ or error)
        if "duplicate column" not in detail and "already exists" not in detail:
            raise
        raise DamagedStoreError(f"the catalogue database {where} {said} ({detail}): it was changed outside SANE "
                                "Desktop", way_out=WayOut.REPLACE_DAMAGED) from None


def _lock_for_schema_change(connection: Connection) -> None:
    """Start the write transaction now and hold the lock until it ends, so a second program opening the
    same database waits, then sees the finished schema.

    SQLite: Python's sqlite3 would otherwise run CREATE TABLE outside any transaction (it only opens
    one before INSERT/UPDATE/DELETE), so a kill between creating the tables and stamping the version
    would leave them unstamped. PostgreSQL: its DDL is transactional already; an advisory lock makes
    two programs creating one new database take turns instead of one failing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


# pg_advisory_xact_lock's key for schema changes (any constant other programs are unlikely to use)
_ADVISORY_LOCK_KEY = 0x5A4E_E5C4


def _check_foreign_keys(connection: Connection, where: str) -> None:
    """After a migration ran with SQLite's foreign keys off (a batch rebuild drops and recreates a
    table: with them on, dropping ``items`` would cascade-delete every row that points at it), refuse
    to commit rows that point nowhere."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise StoreError(f"upgrading the catalogue database {where} would leave rows of {', '.join(tables)} "
                         "pointing at nothing: nothing was changed (report this to the SANE Desktop developers)")


def _foreign_keys_on(connection: Connection) -> None:
    """End whatever transaction is left and turn SQLite's foreign keys back on, before the connection
    goes back to the pool; a connection that cannot be restored is discarded instead."""
    try:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    except Exception:
        connection.invalidate()


SUPPORTED_BACKENDS = ("sqlite", "postgresql")  # the databases the schema and its queries are written for


def _require_driver(driver: str) -> None:
    """InputError (the setup, one line, the extra to install) when a PostgreSQL URL's driver is not
    installed: trial AR read "cannot use the database … (No module named psycopg)", a database fault's
    exit code, for a package left out of the install."""
    import importlib
    import importlib.util

    module = {"psycopg": "psycopg", "psycopg2": "psycopg2", "asyncpg": "asyncpg", "pg8000": "pg8000"}.get(driver)
    if module is not None and importlib.util.find_spec(module) is None:
        raise InputError(f"PostgreSQL support is not installed: pip install 'sane-desktop[postgres]' ({module})"
                         if module == "psycopg" else
                         f"the database URL asks for the {module} driver, which is not installed: use "
                         "postgresql+psycopg:// with pip install 'sane-desktop[postgres]'")
    if module == "psycopg":
        try:
            importlib.import_module("psycopg")
        except ImportError as error:  # installed without a libpq (trial AS: "no pq wrapper available.", exit 5)
            raise InputError(f"PostgreSQL support is incomplete: psycopg finds no libpq ({_first_line(error)}): "
                             "pip install 'sane-desktop[postgres]', which brings psycopg[binary], or install "
                             "the system's libpq") from None


def upgrade(engine: Engine, *, version_locations: Sequence[Path] = ()) -> None:
    """Bring the database to the newest revision in one transaction: create it (and stamp it), stamp a
    database written before migrations with the baseline, and apply the revisions it lacks.

    ``version_locations``: the folders of revisions (default: the package's ``migrations/versions``).

    A kill at any point leaves the database as it was: everything happens in one transaction, which
    on SQLite holds the write lock from the first statement (and runs with foreign keys off, as
    SQLite's table rebuilds need, checked before the commit).

    Raises :class:`StoreError` for a database written by a newer version, unversioned tables that
    differ, or any database fault (locked, read-only, ...)."""
    where = _display(engine.url)
    script = migrations.script_directory(version_locations)
    with engine.connect() as connection:
        state = _state(connection)
        _refuse_newer(state, script, where)
        if _at_head(state, script):  # the usual case takes no write lock
            return
        connection.rollback()
        # an older revision: the file as it is, kept beside it for the earlier version that wrote it (trial CA)
        kept = _keep_before_upgrade(connection, "+".join(sorted(state.revisions))) if state.revisions else None
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # only outside a transaction does this pragma take effect
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            _lock_for_schema_change(connection)
            _migrate(connection, where, script, kept)  # re-checked under the lock: another program may have won
            if sqlite:
                _check_foreign_keys(connection, where)
            connection.commit()
        finally:
            if sqlite:
                _foreign_keys_on(connection)


def _check_read_only(engine: Engine, where: str) -> None:
    """A read-only database is used as it is: only at the newest revision (one written before
    migrations counts as the baseline). An older one is refused, since whether this version can read
    it without the revisions it lacks is not known."""
    script = migrations.script_directory()
    with engine.connect() as connection:
        state = _state(connection)
        _refuse_newer(state, script, where)
        if not _at_head(state, script, unstamped_is_baseline=True):
            raise StoreError(f"the catalogue database {where} is read-only and was left unfinished or written by an "
                             "older version of SANE Desktop (it needs changes before use): open it once with "
                             "write access")


def open_store(url: str, *, busy_timeout: float | None = None, create: bool = True) -> Engine:
    """Open (creating or upgrading as needed) the store at ``url``; a SQLite file this process cannot
    write is opened read-only, without any migration (:func:`is_read_only` tells).

    ``busy_timeout``: seconds to wait for another program's lock (default :data:`BUSY_TIMEOUT_S`).
    ``create`` False: a database holding no store (an empty one, another program's) is refused with
    NotFound and left as it was — a search never writes the schema into a database it was pointed at
    (a trial's read-only ``query --db`` on a mistyped, existing database created twenty tables in it).

    Raises :class:`StoreError` (one line, naming the database) when it cannot be used."""
    engine = create_store_engine(url, busy_timeout=busy_timeout)
    try:
        if not create:
            with engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
            if CatalogueRow.__tablename__ not in tables:
                raise NotFound(f"the database {_display(make_url(url))} holds no SANE Desktop catalogue: "
                               "index a catalogue into it first, or check its name")
        if is_read_only(engine):
            _check_read_only(engine, _display(make_url(url)))
        else:
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def schema_version(engine: Engine) -> int:
    """The database's ``schema_version`` (0: none recorded): the level that builds before migrations
    check. Raises :class:`StoreError` on a fault."""
    with engine.connect() as connection:
        return _version(connection, set(inspect(connection).get_table_names()))


def schema_revisions(engine: Engine) -> frozenset[str]:
    """The Alembic revisions the database is at (empty: none recorded, e.g. written before
    migrations). Raises :class:`StoreError` on a fault."""
    with engine.connect() as connection:
        return _state(connection).revisions
