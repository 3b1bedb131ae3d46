"""A shared catalogue on a PostgreSQL server (issue 19, point 2): the address a person types, the
URL it makes, the catalogues that server holds, one clear line for each way connecting fails, and
the password kept only in the system keyring.

Qt-free: the window's "Open shared catalogue…" dialog calls these on the worker thread (through
:class:`~sane_desktop.service.app.CatalogueService`), and a CLI could too.

Credentials:

- the URL is built with SQLAlchemy's ``URL.create`` (the password is escaped, never pasted into a
  string) and lives in memory only; everything shown or logged is :meth:`ServerAddress.display`,
  which has no password;
- a password is stored only in a *secure* keyring backend (:func:`keyring_status`: the OS keychain,
  Secret Service, Windows Credential Locker) and only when the person asks; never in settings,
  never in a plaintext or "fail" backend;
- left empty, libpq's own ways apply: ``PGPASSWORD``, ``~/.pgpass`` or ``PGPASSFILE``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sane_desktop.errors import InputError, NotFound, StoreError
from sane_desktop.paths import check_catalogue_name

if TYPE_CHECKING:
    from sane_desktop.service.catalogues import Catalogues, OpenCatalogue

log = logging.getLogger(__name__)

DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432
KEYRING_SERVICE = "sane-desktop"  # the keyring entry's service name; its user name is ServerAddress.key


@dataclass(frozen=True)
class ServerAddress:
    """Where a shared catalogue lives: ``host`` (a name, an IP address, or a folder holding the
    server's Unix socket, as libpq takes it), ``port``, ``database`` and ``user``. No password."""

    host: str
    port: int
    database: str
    user: str

    def check(self) -> ServerAddress:
        """This address with surrounding blanks removed; InputError (one line) for an empty field, a URL
        pasted as the host, or a port outside 1–65535."""
        address = ServerAddress(self.host.strip(), int(self.port), self.database.strip(), self.user.strip())
        for label, value in (("host", address.host), ("database name", address.database), ("user", address.user)):
            if not value:  # "the server's database is empty" read as a server holding no data (a new-user trial)
                raise InputError(f"no {label} is given: fill it in")
        # a database URL pasted whole: said as such, not "an '@' in its password …" of the URL made from it (trial EA)
        if "://" in address.host or (("@" in address.host or "/" in address.host) and not address.host.startswith("/")):
            raise InputError("the host is a server's name or address (or the folder of its socket), not a URL: put "
                             "the URL's parts in the fields (host, port, database, user, password)")
        if not 0 < address.port < 65536:
            raise InputError(f"port {address.port} is not a port number (1–65535)")
        return address

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL (``postgresql+psycopg``) with ``password`` escaped; None or "" leaves
        it out, so libpq looks in ``PGPASSWORD``, ``~/.pgpass`` or ``PGPASSFILE``. A host that is
        a folder (a Unix socket) goes in the query, as libpq's ``host`` parameter.

        Holds the password: never log or show it (:meth:`display` is for that)."""
        from sqlalchemy import URL

        address = self.check()
        socket = address.host.startswith("/")
        url = URL.create(DRIVER, username=address.user, password=password or None,
                         host=None if socket else address.host, port=address.port, database=address.database,
                         query={"host": address.host} if socket else {})
        return url.render_as_string(hide_password=False)

    def display(self) -> str:
        """``user@host:port/database``, what a person reads (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def key(self) -> str:
        """The keyring entry's user name for this address (one password per user, server, database)."""
        return self.display()


@dataclass(frozen=True)
class SharedCatalogue:
    """One catalogue a server's database holds: its name, item count, and whether the server holds an index of it
    (its shared manifest: a catalogue only imported there, or whose first index failed, has none; trial DX saw one
    listed as if it could be searched)."""

    name: str
    items: int
    indexed: bool = True


# --- one clear line per failure ----------------------------------------------------------------
def _server_text(error: BaseException) -> str:
    """The driver's own message behind a StoreError (libpq's, for a failed connection), lower case."""
    cause = error.__cause__ if error.__cause__ is not None else error
    return str(cause).lower()


def connection_message(error: BaseException, address: ServerAddress, password: str | None = None) -> str:
    """What went wrong connecting to ``address``, in one line a person acts on (no class name, no
    password): wrong password, a password needed, no such user or database, the server not
    reachable, not allowed from here; else the store's own line, with ``password`` (plain or
    URL-escaped) blotted out should it quote it."""
    # (loaded already: the failure came through it)
    from sane_desktop.store.db import not_postgresql, tls_refused, unknown_host_name

    text = _server_text(error)
    where = f"{address.host}:{address.port}"
    if "password authentication failed" in text:
        return f"wrong password for user {address.user!r} on {where} (or no such user): check the password"
    if "no password supplied" in text or "fe_sendauth" in text:
        return (f"the server at {where} asks for user {address.user!r}'s password: type it (or put it in "
                "~/.pgpass or PGPASSWORD)")
    if "role" in text and "does not exist" in text:
        return f"there is no user {address.user!r} on the server at {where}"
    if "database" in text and "does not exist" in text:
        return f"there is no database {address.database!r} on the server at {where}"
    if "no pg_hba.conf entry" in text:
        return f"the server at {where} does not let user {address.user!r} in from this computer (pg_hba.conf)"
    if tls_refused(text):
        return (f"the server at {where} was reached, but a secure (TLS) connection could not be made: check "
                "PGSSLMODE and the server's TLS setup")
    if unknown_host_name(text) is not None:  # not "is it running?": no server of that name was found at all
        return (f"no computer named {address.host!r} is known here: check the host name (or this computer's "
                "network)")
    if any(reason in text for reason in ("connection refused", "no such file or directory", "could not translate",
                                         "timeout expired", "could not connect", "network is unreachable",
                                         "no route to host", "name or service not known")):
        return f"cannot reach a PostgreSQL server at {where}: is it running, and are the host and port right?"
    if not_postgresql(text) or any(reason in text for reason in ("ssl negotiation", "server closed the connection "
                                                                 "unexpectedly", "invalid response",
                                                                 "unexpected response")):
        # something answered, but not PostgreSQL (a web server on that port, say): libpq's own words help nobody
        return (f"something answers at {where}, but it is not a PostgreSQL server: check the port "
                "(PostgreSQL's is usually 5432)")
    first = str(error).strip().splitlines()
    line = first[0] if first else f"cannot use the database {address.display()}"
    if password:
        from urllib.parse import quote, quote_plus

        for form in {password, quote(password, safe=""), quote_plus(password)}:
            if len(form) >= 4:
                line = line.replace(form, "***")
            else:  # a very short one only where it stands alone: trial EC's one-letter password read "***ort"
                line = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", "***", line)
    return line


def _store_error(error: BaseException, address: ServerAddress, password: str | None) -> StoreError:
    return StoreError(connection_message(error, address, password))


def _driver_installed() -> None:
    """InputError when psycopg (the ``postgres`` extra) is missing: said plainly, before any URL
    (which holds the password) reaches an error message."""
    import importlib.util

    if importlib.util.find_spec("psycopg") is None:
        raise InputError("PostgreSQL support is not installed: pip install 'sane-desktop[postgres]' (psycopg)")


# --- what a server holds ------------------------------------------------------------------------
def list_on_server(address: ServerAddress, password: str | None = None) -> list[SharedCatalogue]:
    """The catalogues in ``address``'s database, sorted by name (read only: nothing is created on
    the server). Raises StoreError with one clear line (:func:`connection_message`) when it cannot
    be reached or read, NotFound when the database holds no SANE Desktop catalogue, StoreError
    when it lacks the pgvector extension (a shared catalogue keeps its vectors there)."""
    from sqlalchemy import inspect, select, text

    from sane_desktop.store import browse
    from sane_desktop.store import schema as S
    from sane_desktop.store.db import create_store_engine
    from sane_desktop.store.manifests import shared_manifest_sha256

    address = address.check()
    _driver_installed()
    try:
        engine = create_store_engine(address.url(password))
    except StoreError as error:
        raise _store_error(error, address, password) from None
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            if S.CatalogueRow.__tablename__ not in tables:
                raise NotFound(f"the database {address.database!r} on {address.host}:{address.port} holds no "
                               "SANE Desktop catalogue (index one into it first: sane-desktop index --db URL)")
            vector = connection.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).first()
            if vector is None:
                raise StoreError(f"the database {address.database!r} on {address.host}:{address.port} has no "
                                 "pgvector extension: its owner runs CREATE EXTENSION vector (pgvector 0.6 or "
                                 "later) before catalogues are indexed into it")
            names = sorted(str(name) for name in connection.execute(select(S.CatalogueRow.name)).scalars())
        shared = S.SharedManifest.__tablename__ in tables
        records = [browse.catalogue_record(engine, name) for name in names]
        found = [SharedCatalogue(record.name, record.items,
                                 shared and shared_manifest_sha256(engine, record.pk) is not None) for record in records]
    except (NotFound, InputError):
        raise
    except StoreError as error:
        if error.__cause__ is None:  # ours (no pgvector): already the line to show
            raise
        raise _store_error(error, address, password) from None
    finally:
        engine.dispose()
    log.info("shared catalogues on %s: %d", address.display(), len(found))
    return found


def check_name(name: str) -> str:
    """A catalogue name as chosen in the dialog; InputError when empty or not one plain name."""
    name = name.strip()
    if not name:
        raise InputError("choose a catalogue (Connect lists the ones on the server)")
    check_catalogue_name(name)
    return name


def open_shared(catalogues: Catalogues, address: ServerAddress, password: str | None, name: str) -> OpenCatalogue:
    """Open catalogue ``name`` in ``address``'s database: its rows (and pgvector tables) on the
    server, its index manifest and explanation cache in ``<index home>/<name>/`` on this computer,
    as ``sane-desktop query --db URL`` does. Raises StoreError (one clear line, no password) when the
    server cannot be used, NotFound when it holds no such catalogue, InputError for a bad name."""
    address, name = address.check(), check_name(name)
    _driver_installed()
    try:
        return catalogues.open(name, db_url=address.url(password))
    except NotFound:
        raise NotFound(f"there is no catalogue {name!r} in {address.display()} (Connect lists the ones there)") from None
    except StoreError as error:
        if error.__cause__ is None:
            raise
        raise _store_error(error, address, password) from None


# --- the system keyring -------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyringStatus:
    """Whether passwords can be remembered here: ``secure`` (an OS keyring: the keychain, Secret
    Service, Windows Credential Locker), and ``note``, one line saying which, or why not."""

    secure: bool
    note: str


def _insecure(backend: Any) -> str:
    """Why ``backend`` must not hold a password ("" when it may)."""
    module, name = type(backend).__module__, type(backend).__name__
    if module.endswith(".fail") or module.endswith(".null"):
        return "no system keyring"
    if "plaintext" in name.lower() or "plaintext" in module.lower() or module.startswith("keyrings.alt"):
        return f"{name} keeps them in plain text"
    priority = getattr(backend, "priority", 0)
    if not isinstance(priority, (int, float)) or priority < 1:
        return f"{name} is not recommended for secrets"
    return ""


def keyring_status() -> KeyringStatus:
    """Whether :func:`remember_password` may store a password on this machine, and one line for the
    dialog. Never raises (no keyring library, or a broken one, is "not secure")."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        backend = keyring.get_keyring()
        parts = list(backend.backends) if isinstance(backend, ChainerBackend) else [backend]
    except Exception as error:  # noqa: BLE001 - any failure to find one means: do not store
        return KeyringStatus(False, f"Passwords are not remembered here (no usable keyring: {str(error)[:60]})")
    reasons = [reason for reason in map(_insecure, parts) if reason] if parts else ["no system keyring"]
    if reasons:
        return KeyringStatus(False, f"Passwords are not remembered here ({reasons[0]}); an empty field uses PGPASSWORD or ~/.pgpass")
    return KeyringStatus(True, f"Remembered passwords go to the system keyring ({type(parts[0]).__name__})")


def remember_password(address: ServerAddress, password: str) -> bool:
    """Store ``password`` for ``address`` in the system keyring when :func:`keyring_status` says it
    is secure; True when stored. Never raises: a keyring that refuses leaves it unstored (logged,
    without the password)."""
    if not password or not keyring_status().secure:
        return False
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, address.check().key, password)
    except Exception as error:  # noqa: BLE001 - a locked or refusing keyring: not remembered, said in the log
        log.warning("the keyring did not store the password for %s: %s", address.display(), type(error).__name__)
        return False
    return True


def stored_password(address: ServerAddress) -> str | None:
    """The password remembered for ``address`` in a secure keyring, None when there is none (or the
    keyring is not secure, or it refuses)."""
    if not keyring_status().secure:
        return None
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, address.check().key)
    except Exception:  # noqa: BLE001 - an unreadable keyring entry is no password
        return None


def password_for(address: ServerAddress, typed: str, use_keyring: bool) -> str | None:
    """The password to connect with: the one typed, else (``use_keyring``) the keyring's for
    ``address``, else None (libpq's ``PGPASSWORD``/``~/.pgpass`` then)."""
    if typed:
        return typed
    return stored_password(address) if use_keyring else None


def forget_password(address: ServerAddress) -> None:
    """Remove any password remembered for ``address`` (the box was unticked). Never raises."""
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, address.check().key)
        except PasswordDeleteError:
            pass
    except Exception:  # noqa: BLE001 - nothing stored, or no keyring: nothing to forget
        pass
