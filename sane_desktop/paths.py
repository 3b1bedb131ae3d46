"""Where things live: the per-user folders (``platformdirs``: data, cache, logs, config), the
resources shipped inside the package, and the one check every catalogue name passes before it
becomes a folder under the index home.

Nothing is ever written inside the installed package. ``SANE_INDEX_HOME`` (or the CLI's
``--index-home``, through :func:`use_index_home`) moves the index home; ``make run`` points it at
the checkout's ``index/``.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
import unicodedata
from importlib import resources as _resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sane_desktop.errors import InputError

# the built-in demo catalogue's size on a first start, one number for `python main.py`, `sane-desktop gui`
# and the app (a trial found the two launchers building 600 and 120 items)
DEMO_ITEMS = 600
DEMO_CATALOGUE = "demo"  # the name the built-in demo catalogue is indexed under

if TYPE_CHECKING:
    from importlib.abc import Traversable

MAX_NAME_BYTES = 200  # below every file system's 255-byte limit on one path component
# a name is a database key *and* a folder under the index home: anything that could make the
# folder land elsewhere (or be the same folder as another name) is refused
_FORBIDDEN = frozenset('/\\:*?"<>|')
# names Windows keeps for devices, with or without an extension: a catalogue folder must be portable
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))})
# a catalogue folder being deleted is first renamed to this prefix + name + pid + a random tag, and
# what a listing finds under it is swept: no catalogue may be called so
TOMBSTONE = ".deleting-"


# what shows nothing on its own: spaces, and the format characters (zero-width space and joiners, bidi marks, BOM)
_INVISIBLE = ("Zs", "Zl", "Zp", "Cc", "Cf")
# characters Unicode draws as nothing though they are no format character: the Hangul fillers (trial DQ titled an
# item with U+3164), the combining grapheme joiner, the Khmer inherent vowels and the braille blank (trial DR)
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def visible(text: str) -> str:
    """``text`` without the spaces and invisible format characters at its ends: "" when nothing in it shows (a
    title or an outfit name made of a zero-width space read as a title "\\u200b" and an outfit “”: trial DP);
    the joiners inside an emoji sequence or a word stay."""
    def blank(char: str) -> bool:
        return unicodedata.category(char) in _INVISIBLE or char in _FILLERS

    start, end = 0, len(text)
    while start < end and blank(text[start]):
        start += 1
    while end > start and blank(text[end - 1]):
        end -= 1
    return text[start:end]


def cut_to_bytes(text: str, max_bytes: int) -> str:
    """``text``'s start whose UTF-8 takes at most ``max_bytes`` bytes, cut between characters and never between
    a letter and its marks: a file name part made of an id or a title. File systems count a name's bytes
    (255), not its characters: 40 Japanese characters are 120 (trial EO's maps could not be saved)."""
    import unicodedata

    cut = text
    while len(cut.encode("utf-8", "surrogatepass")) > max_bytes:
        cut = cut[:-1]
    while cut and len(cut) < len(text) and unicodedata.category(text[len(cut)])[0] == "M":
        cut = cut[:-1]  # the letter goes with its mark
    return cut


def written_form(text: str) -> str:
    """A name as typed, in one form: Unicode NFC, runs of spaces as one, no spaces or invisible characters at its
    ends (:func:`visible`); "" when nothing in it shows. Categories (a Mac's decomposed "é" made a second "Faldas
    café": trial T) and saved outfits' names ("Summer" and "Summer" + a zero-width space: trial DQ) are kept so."""
    return " ".join(unicodedata.normalize("NFC", visible(text)).split())


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
    elif not visible(name):  # a Hangul filler, say: listed as a blank row (trial DR)
        why = "nothing in it shows"
    elif any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        why = "it contains invisible or control characters"
    elif not is_text(name):  # a folder's name in bytes that are not UTF-8 (trial CG): stored and printed as text
        why = "it holds bytes that are not UTF-8 text (shown as \\xNN): give another name"
    elif name.split(".")[0].upper() in _RESERVED:
        why = "it is a device name on Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9)"
    elif name != name.strip() or name.endswith("."):
        why = "it starts or ends with a space, or ends with a dot"
    elif name.startswith(TOMBSTONE):
        why = f"names starting with {TOMBSTONE!r} are kept for catalogues being deleted"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        why = f"it is longer than {MAX_NAME_BYTES} bytes"
    if why:
        raise InputError(f"invalid catalogue name {shown(name)!r}: {why}")
    return name


def name_key(name: str) -> str:
    """``name`` as a folder name is told apart on the desktop's usual file systems: its composed Unicode
    form (NFC), letter case folded (macOS and Windows keep a case, but "Demo" and "demo" are one folder
    there); Turkish's capital İ folds to i + a combining dot, which is "i" in capitals."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold().replace("i\u0307", "i"))


def refuse_look_alike_name(name: str, home: Path, what: str = "a catalogue", besides: str = "") -> None:
    """InputError when ``home`` holds a folder named like ``name`` in the other Unicode form (a composed and a
    decomposed "é": two catalogues that print alike, so a delete could take the other one; trial CI) or in
    another letter case ("DEMO" beside "demo": one folder on macOS and Windows, so an index written under one
    would mix into the other's; trial DP), other than ``besides`` (the one being renamed)."""
    wanted = name_key(name)
    try:
        entries = os.listdir(home)
    except OSError:  # no home yet: nothing to be confused with
        return
    twin = next((entry for entry in entries if entry not in (name, besides) and name_key(entry) == wanted), None)
    if twin is None:
        return
    if unicodedata.normalize("NFC", twin) == unicodedata.normalize("NFC", name):
        raise InputError(f"{what} named {ascii(twin)} is there already, its letters the same as {ascii(name)}'s "
                         f"in another Unicode form: the two would print alike; use {ascii(twin)}, or another name")
    raise InputError(f"{what} named {shown(twin)!r} is there already, the same name as {shown(name)!r} but for letter "
                     f"case: on macOS and Windows the two would be one folder; use {shown(twin)!r}, or another name")


APP_NAME = "sane-desktop"
_index_home_override: Path | None = None
_extracted_resources: Path | None = None


def resource(*parts: str) -> Path:
    """A real file-system path to ``sane_desktop/resources/<parts...>`` (the demo model
    ``resource("models", "demo.pt")``, the shipped mappings ``resource("mappings")``), read through
    :mod:`importlib.resources`, so it works from a checkout, an installed wheel or any importer.

    An installed package is a plain folder and the path points into it (read only: nothing is ever
    written there). Where the package is not on the file system (a zip), the whole ``resources``
    tree is copied once into a temporary folder removed at exit, so files that sit side by side
    (``demo.pt`` and ``demo.selection.json``) still do. The path may not exist (a missing file)."""
    root = _resources.files("sane_desktop").joinpath("resources")
    if isinstance(root, Path):
        return root.joinpath(*parts)
    global _extracted_resources
    if _extracted_resources is None:
        folder = Path(tempfile.mkdtemp(prefix="sane-desktop-resources-"))
        atexit.register(shutil.rmtree, folder, True)
        _copy_tree(root, folder)
        _extracted_resources = folder
    return _extracted_resources.joinpath(*parts)


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        if child.is_dir():
            _copy_tree(child, target / child.name)
        elif child.is_file():
            (target / child.name).write_bytes(child.read_bytes())


def no_link_loop(path: Path | str, what: str = "") -> Path:
    """``path`` resolved (``~`` expanded, links followed); InputError (one line, starting with ``what``)
    when it, or a folder on its way, is a symbolic link that leads back to itself: Python's resolve()
    raised "RuntimeError: Symlink loop from …" wherever it was first resolved (trials BO, BR)."""
    import errno

    target = Path(path).expanduser()
    try:
        return target.resolve()
    except RuntimeError:  # Python 3.11-3.12's word for a loop
        pass
    except OSError as error:  # 3.13's
        if error.errno != errno.ELOOP:
            raise
    raise InputError(f"{what + ' ' if what else ''}{path} is a symbolic link that leads back to itself (a loop): give "
                     "the file or folder it should lead to")


def use_index_home(folder: Path | str | None) -> None:
    """Make ``folder`` the index home of this process (the CLI's ``--index-home``); None: back to
    ``SANE_INDEX_HOME`` or the per-user default. InputError for a link loop (:func:`no_link_loop`)."""
    global _index_home_override
    # absolute once: a relative one read "Catalogues in relidx" and, from another folder, "no catalogue under
    # relidx" without saying where that was (trial EO)
    _index_home_override = no_link_loop(Path(folder).expanduser().absolute(), "--index-home") \
        if folder is not None else None


def index_home() -> Path:
    """Folder holding one sub-folder per indexed catalogue: :func:`use_index_home`, else
    ``SANE_INDEX_HOME``, else the per-user data folder's ``catalogues/``."""
    if _index_home_override is not None:
        refuse_undecodable(_index_home_override, "--index-home")
        return check_outside_package(_index_home_override, "--index-home")
    if os.environ.get("SANE_INDEX_HOME"):
        home = Path(os.environ["SANE_INDEX_HOME"]).expanduser().absolute()  # relative: said as where it is
        refuse_undecodable(home, "SANE_INDEX_HOME")
        no_link_loop(home, "SANE_INDEX_HOME")  # (the window showed "[Errno 40] Too many levels…": trial BR)
        return check_outside_package(home, "SANE_INDEX_HOME")
    return user_data_dir() / "catalogues"


_SQLITE_HOME = re.compile(r"^(sqlite(?:\+\w+)?:///)(~[^?]*)(.*)$", re.DOTALL)


def expand_sqlite_home(url: str) -> str:
    """``url`` with a SQLite file path that starts with ``~`` read as under the home folder
    (``sqlite:///~/shop.db``); any other URL as it is. SQLite itself takes ``~`` as a folder's name: trial BU's
    ``--db sqlite:///~/tiny.db`` made ``./~/tiny.db`` while the index recorded ``$HOME/tiny.db``."""
    found = _SQLITE_HOME.match(url)
    return f"{found.group(1)}{os.path.expanduser(found.group(2))}{found.group(3)}" if found else url


def _home_from_environment(variable: str) -> Path | None:
    """The folder an environment variable names, a leading ``~`` read as the home folder (as
    ``SANE_INDEX_HOME`` always was: ``SANE_LOG_HOME='~/logs'`` made ``./~/logs``, trial BV); None when unset.
    InputError for one in bytes that are not UTF-8: Qt read it otherwise than Python, so the window saved its
    settings in another folder than the one checked, and cached no thumbnail (trial CI)."""
    value = os.environ.get(variable)
    if not value:
        return None
    refuse_undecodable(value, variable)
    return Path(value).expanduser().absolute()


HOME_VARIABLES = ("SANE_CACHE_HOME", "SANE_CONFIG_HOME", "SANE_LOG_HOME")


def check_homes() -> None:
    """InputError when a home's environment variable cannot be read as a folder (:func:`_home_from_environment`)."""
    for variable in HOME_VARIABLES:
        _home_from_environment(variable)


def user_data_dir() -> Path:
    """Per-user data folder (``~/.local/share/sane-desktop`` on Linux; platformdirs elsewhere)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def user_cache_dir() -> Path:
    """Per-user cache folder (thumbnails, trunk features, explanation maps): ``SANE_CACHE_HOME`` overrides."""
    import platformdirs

    return _home_from_environment("SANE_CACHE_HOME") or platformdirs.user_cache_path(APP_NAME, appauthor=False)


# the cache folder's parts besides the trunk features (retrieval.feature_cache.FOLDER), named here for the
# window, which writes them, and `sane-desktop cache`, which lists and removes them (service.caches)
THUMBNAILS_FOLDER = "thumbnails"
# bumped when a cached thumbnail may not be its key's photo: thumbnails cached before the content
# check (a replaced file's pixels stored under the recorded hash) are never read again
THUMBNAILS_VERSION = "v3"  # v3: each file names its key and the digest of its pixels (checked on read)
EXPLAIN_MAPS_FOLDER = "explain-maps"  # `explain`'s maps of a catalogue whose own folder is read-only
EXPLANATIONS_FOLDER = "explanations"  # a catalogue's saved explanations, in its index folder (explain/cache.py)


def user_log_dir() -> Path:
    """Per-user log folder: ``SANE_LOG_HOME`` overrides."""
    import platformdirs

    return _home_from_environment("SANE_LOG_HOME") or platformdirs.user_log_path(APP_NAME, appauthor=False)


def user_config_dir() -> Path:
    """Per-user settings folder (the window's remembered settings): ``SANE_CONFIG_HOME`` overrides."""
    import platformdirs

    return _home_from_environment("SANE_CONFIG_HOME") or platformdirs.user_config_path(APP_NAME, appauthor=False)


def catalogue_dir(name: str, home: Path | None = None) -> Path:
    """Folder of one indexed catalogue (database, FAISS files, manifest) under ``home`` (default
    :func:`index_home`); raises InputError for an invalid name (:func:`check_catalogue_name`)."""
    return (home if home is not None else index_home()) / check_catalogue_name(name)


CATALOGUE_DB = "catalogue.db"
"""The file name of a catalogue's SQLite database in its index folder (``<index home>/<name>/``)."""
OWN_MODEL = "model.pt"  # a catalogue's own model in its folder, trained or adapted in the app


def is_folder(path: str | Path) -> bool:
    """Whether ``path`` names a folder there now (False for "" and for a share that does not answer)."""
    try:
        return bool(str(path)) and Path(path).is_dir()
    except OSError:
        return False


def same_path(one: Path | str, other: Path | str) -> bool:
    """Whether two paths name one place (``~`` and links followed; one that cannot be resolved, a loop of
    links or a share that does not answer, is that place only when written the same)."""
    try:
        first, second = Path(one).expanduser(), Path(other).expanduser()
    except (RuntimeError, ValueError):  # "~nobody/…"
        return str(one) == str(other)
    try:
        return first.resolve() == second.resolve()
    except (OSError, RuntimeError, ValueError):
        return first == second


def sqlite_url(database: Path) -> str:
    """The SQLAlchemy URL of the SQLite file ``database``: ``sqlite:///`` and its POSIX path."""
    return f"sqlite:///{database.as_posix()}"


def default_db_url(name: str) -> str:
    """SQLite database of a catalogue, ``<index home>/<name>/catalogue.db`` (InputError for a bad name)."""
    return sqlite_url(catalogue_dir(name) / CATALOGUE_DB)


@functools.cache  # asked on every atomic write (thumbnails too): the package does not move
def installed_package() -> Path | None:
    """The folder of the ``sane_desktop`` package when it was installed, None when it runs from a
    source checkout (the project's ``pyproject.toml`` beside the package folder), where the README's
    developer commands write the bundled models on purpose. Trial AR: a wheel installed with
    ``pip install --target`` lies under no ``site-packages`` folder, and ``train --out`` overwrote its
    bundled ``demo.pt`` there; so an install is told by what it lacks, not by where it lies."""
    folder = Path(__file__).resolve().parent
    project = folder.parent / "pyproject.toml"
    try:
        checkout = project.is_file() and 'name = "sane-desktop"' in project.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        checkout = False
    return None if checkout else folder


def is_text(value: str) -> bool:
    """Whether ``value`` is real Unicode text: no lone surrogate, so UTF-8 (the database, JSON, a
    terminal) can encode it. A file name that was not valid UTF-8 on disk arrives from ``os`` as a
    str with surrogate escapes, and a JSON ``"\\ud800"`` escape gives a lone surrogate too."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(value: str) -> str:
    """``value`` safe to store and print: undecodable file-name bytes as ``\\xNN`` escapes (the bytes
    ``os.fsencode`` gives back), any other lone surrogate as ``\\udNNN``."""
    if is_text(value):
        return value
    try:
        raw = os.fsencode(value)
    except UnicodeEncodeError:  # a surrogate that no file-name byte produced
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def refuse_undecodable(path: Path | str, what: str) -> None:
    """InputError when ``path`` holds bytes that are not UTF-8 text (a folder named on an old share or in
    a zip): nothing built from it could be stored or logged (trial CG: a catalogue folder and an index home
    so named gave a 19-line traceback, then "UnicodeEncodeError"). ``what``: how the path is named."""
    text = str(path)
    if not is_text(text):
        raise InputError(f"{what} {shown(text)}: its path holds bytes that are not UTF-8 text (shown as \\xNN): "
                         "rename the folder or file whose name holds them")


def check_outside_package(path: Path | str, what: str = "") -> Path:
    """``path`` unchanged unless it lies inside the installed package (:func:`installed_package`):
    there a write would change the bundled models or mappings every catalogue was checked against,
    and the next upgrade would delete it. Raises :class:`InputError` (one line, starting with ``what``:
    the option or folder asked for) naming the package folder."""
    package = installed_package()
    target = Path(path)
    if package is not None:
        try:
            inside = target.expanduser().resolve().is_relative_to(package)
        except OSError:
            inside = False
        if inside:
            raise InputError(f"{what or 'writing'} {target}: that is inside the installed sane-desktop package "
                             f"({package}); its bundled files stay as shipped and an upgrade would delete "
                             "anything written there: choose a folder of your own")
    return target


ORPHAN_AGE_S = 60.0  # a temporary of a writer no longer running is litter once this old (seconds)
LEGACY_ORPHAN_AGE_S = 3600.0  # one named before the writer's pid was in the name: only its age tells


def temporary_sibling(path: Path) -> Path:
    """A fresh hidden name beside ``path`` to write to before ``os.replace`` onto it. Unique per call
    (the process id and a random token): two writers of one file, in two threads or two processes,
    each rename their own complete file and never each other's (CI saw a shared name fail). Temporaries
    of ``path`` that a killed writer left are removed first (:func:`remove_orphan_temporaries`). Raises
    InputError inside the installed package (:func:`check_outside_package`)."""
    import uuid

    check_outside_package(path)
    remove_orphan_temporaries(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")


def remove_orphan_temporaries(path: Path) -> list[Path]:
    """Delete the temporaries of ``path`` (:func:`temporary_sibling`'s names, any suffix after ``.tmp``)
    whose writer is no process of this machine any more and that are :data:`ORPHAN_AGE_S` old, or, named
    before the pid was in the name, :data:`LEGACY_ORPHAN_AGE_S` old; returns those deleted. A live
    writer's temporary, a young one (another machine's writer on a shared folder) and anything that
    cannot be read or deleted are left. Trial BD: a ``train`` killed while saving left an 821 kB
    ``.m1.pt.<token>.tmp`` beside the model that nothing removed."""
    import re
    import time

    # a temporary of a temporary too (a model staged beside its file is itself saved through one: trial BF
    # found "..model.pt.<pid>-<token>.tmp.<pid>-<token>.tmp" left for good)
    segment = r"\.(?:\d+-)?[0-9a-f]{32}\.tmp"
    pattern = re.compile(rf"\.+{re.escape(path.name)}((?:{segment})+)(?:\.[^.]+)?")
    removed: list[Path] = []
    try:
        siblings = list(path.parent.glob(f".*{glob_escape(path.name)}.*.tmp*"))
    except OSError:
        return removed
    now = time.time()
    for sibling in siblings:
        match = pattern.fullmatch(sibling.name)
        if match is None:
            continue
        pids = [int(pid) for pid in re.findall(r"\.(\d+)-[0-9a-f]{32}\.tmp", match.group(1))]
        try:
            age = now - sibling.stat().st_mtime
            if age < (ORPHAN_AGE_S if pids else LEGACY_ORPHAN_AGE_S) or any(process_alive(pid) for pid in pids):
                continue
            sibling.unlink()
        except OSError:
            continue
        removed.append(sibling)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (signal 0; one of another user counts as running)."""
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill ends the process whatever the signal
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def disk_full_or(error: OSError, folder: Path | str) -> OSError:
    """``error``, or ENOSPC naming its file when ``folder``'s disk has under 1 MiB left and ``error`` carries
    no errno: a short write says so in a writer's own words (numpy's "12544 requested and 7136 written",
    torch's "unexpected pos"), where a person needs "the disk is full" (trials CR and CT)."""
    import errno
    import shutil

    if error.errno is not None:
        return error
    try:
        full = shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return error
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), error.filename or str(folder)) if full else error


def write_atomically(path: Path | str, write: Callable[[Path], bool]) -> bool:
    """Have ``write`` write a file of the user's (an export) under :func:`temporary_sibling`'s name,
    which keeps ``path``'s suffix so that writers choosing the format by it (Qt's image and PDF
    writers) still do, then rename it onto ``path``: a write that fails half-way leaves the file that
    was there whole and no partial file beside it. True when ``path`` was written; False when
    ``write`` said it failed or an OSError was raised (the folder cannot be written). Raises
    InputError for a file inside the installed package; any other error of ``write`` passes through
    (the temporary is removed either way)."""
    target = Path(path)
    temporary = temporary_sibling(target)
    temporary = temporary.with_name(temporary.name + target.suffix)
    try:
        if not write(temporary):
            return False
        os.replace(temporary, target)
        return True
    except OSError:
        return False
    finally:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:  # its folder is no folder (a file in the path): nothing was made to remove (trial W)
            pass


def folder_problem(folder: Path | str) -> str:
    """What stops a file being written into ``folder``, in words: a file where it or a folder above it
    should be, the folder missing, or a probe file that cannot be made there (read-only, no permission,
    a full disk); "" when nothing does. One reading for the checks before work and the words after a
    failed write (trials U, V, W)."""
    target = Path(folder)
    blocker = next((part for part in (target, *target.parents) if part.exists() and not part.is_dir()), None)
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    if not target.is_dir():
        return f"its folder {target} does not exist"
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".sane-write-check-"):
            pass
    except OSError as error:
        return f"cannot write into {target} ({error.strerror or error})"
    return ""


def why_not_written(path: Path | str) -> str:
    """Why a file of the user's could not be written at ``path`` (:func:`folder_problem`), else "the
    folder cannot be written" (a name the folder refuses, a disk that filled meanwhile). Trial U typed a
    folder that did not exist and read "the folder cannot be written"."""
    return folder_problem(Path(path).parent) or name_problem(path) or "the folder cannot be written (is the disk full?)"


NAME_LIMIT_BYTES = 255  # a file name's longest on the usual file systems (ext4, APFS, NTFS: 255 units)


def name_problem(path: Path | str) -> str:
    """What is wrong with ``path``'s own name for a file system ("" when nothing known): one longer than
    :data:`NAME_LIMIT_BYTES` bytes (trial EQ typed 90 Japanese characters and was asked "is the disk full?")."""
    size = len(Path(path).name.encode("utf-8", "surrogateescape"))
    return f"its name is {size} bytes long, over the {NAME_LIMIT_BYTES} a file name may take: shorten it" \
        if size > NAME_LIMIT_BYTES else ""


def check_writable_folder(folder: Path | str, what: str, *, make: bool = False) -> Path:
    """``folder`` as one a file can be written into, checked before any work (trial V trained a model,
    then lost it to a read-only folder named by a hidden temporary file). ``what`` starts each message
    ("--out /x/m.pt"); ``make``: a missing folder is made (with its parents), as ``--save-maps`` does.

    Raises:
        InputError: :func:`folder_problem`'s words, after ``what``.
    """
    from sane_desktop.errors import InputError

    target = Path(folder)
    if make and not target.exists() and not folder_problem(target).endswith("is a file, not a folder"):
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"{what}: cannot make the folder {target} ({error.strerror or error})") from None
    problem = folder_problem(target)
    if problem:
        raise InputError(f"{what}: {problem}")
    return target
