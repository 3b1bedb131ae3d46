"""``sane-desktop`` command line: one module per sub-command, each with ``register(subparsers)``.

A command's handler returns a JSON-able dict (printed with ``--json``) or raises an error of the
one tree (:mod:`sane_desktop.errors`), caught here once: the process exits 0 only on success and
otherwise prints one line, ``error: <message>``, with an exit code by the error's kind.
Progress bars go to stderr so that stdout stays clean for ``--json``. The log
(:mod:`sane_desktop.logs`) gets each command and the traceback of an unexpected error; ``--verbose``
also prints it on stderr.
"""

from __future__ import annotations

import argparse
import math
import re
import contextlib
import errno
import importlib
import json
import logging
import os
import shlex
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sane_desktop import __version__, logs, paths
from sane_desktop.errors import InputError, SaneError, exit_code
from sane_desktop.utf8_mode import typed_text

log = logging.getLogger(__name__)

# Each entry is a module in this package exposing ``register(subparsers) -> None``; the parser it
# adds sets ``handler`` (args -> dict) and optionally ``render`` (dict -> str, the human summary).
COMMAND_MODULES = [
    "demo_cmd",
    "import_cmd",
    "train_cmd",
    "evaluate_cmd",
    "adapt_cmd",
    "index_cmd",
    "query_cmd",
    "items_cmd",
    "catalogues_cmd",
    "cache_cmd",
    "draft_mapping_cmd",
    "gui_cmd",
    "explain_cmd",
    "evaluate_explanations_cmd",
]


class CliError(InputError):
    """Arguments that cannot be used together or as given (the CLI's own input error)."""


class CommandParser(argparse.ArgumentParser):
    """The command line's parser (``sane-desktop`` and ``main.py``): a wrong argument is one error
    line, and options are taken only as written: argparse's prefix matching read ``explain --out
    DIR`` as ``--outfit DIR`` (a trial), and any new option could change what an old prefix means."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        """argparse's, but a write that fails is not passed over: ``--help > /dev/full`` ended with exit 0, the
        help unwritten. Said in one line on stderr, exit code 1."""
        if not message:
            return
        out = file or sys.stderr
        try:
            out.write(message)
            if hasattr(out, "flush"):
                out.flush()
        except BrokenPipeError:  # the reader left early (`--help | head`): no failure, as a command's output
            with contextlib.suppress(OSError, ValueError):  # nothing more goes there, at exit either
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        except OSError as error:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            if out is sys.stderr:
                raise SystemExit(1) from None  # nowhere left to say it
            say(f"error: {self.prog}: what it printed could not be written ({os_error_line(error)})")
            raise SystemExit(1) from None

    def error(self, message: str) -> NoReturn:
        """A wrong argument as every other error: one ``error:`` line and exit code 1 (bad input),
        not argparse's usage block and code 2 (a trial's ``--method bogus``)."""
        from sane_desktop.errors import without_passwords

        # argparse echoes what it refused, a --db URL too (trial AY: "unrecognized arguments: --db postgresql://u:pw@…")
        hint = self._repeat_hint(message) or self._option_hint(message)
        # the help of the command given, where the stray came after one (a new user was sent to the top's)
        commands = self._command_parsers(getattr(self, "_argv", []))
        helped = commands[-1].prog if len(commands) > 1 and message.startswith("unrecognized arguments: ") else self.prog
        # a value of bytes that are not UTF-8 as \xNN, as every other line says it (trial CJ read \udcff)
        line = paths.shown(f"error: {self.prog}: {without_passwords(message)}"
                           f"{f'; {hint}' if hint else ''} (see {helped} --help)\n")
        self.exit(1, re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", line))  # argparse's repr() of such a byte too

    def _repeat_hint(self, message: str) -> str:
        """How to give a repeatable option several values, where an unrecognised argument is a second
        value after one (``query shop --outfit A B`` read B as a stray argument: the line alone did not
        say what to write instead); where the token after the value was taken as the catalogue's name
        and the one after it is the stray (``query --outfit A B shop``), said as a question of it."""
        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return ""
        stray = set(message[len(prefix):].split())
        follows = self.values_followed(getattr(self, "_argv", []))
        for option, value, after, then in follows:
            if after in stray:
                return f"{after} follows {option} {value}: give each value its own {option} ({option} {value} {option} {after})"
        for option, value, after, then in follows:
            if then in stray:
                return repeat_question(option, value, after)
        return ""

    def _option_hint(self, message: str) -> str:
        """"did you mean --category?" for an unrecognised option close to one of the command's (a new user's
        ``--categroy``: other refusals offer the fix, this one did not)."""
        import difflib

        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return ""
        known = [option for parser in self._command_parsers(getattr(self, "_argv", [])) for action in parser._actions
                 for option in action.option_strings if option.startswith("--")]
        for token in message[len(prefix):].split():
            if token.startswith("--"):
                close = difflib.get_close_matches(token.partition("=")[0], known, n=1, cutoff=0.75)
                if close:
                    return f"did you mean {close[0]}?"
        return ""

    def values_followed(self, argv: Sequence[str]) -> list[tuple[str, str, str, str]]:
        """Each repeatable option's value in ``argv`` with the two tokens after it, when the first of them
        is no option: (option, value, next, the one after it or "")."""
        repeatable = {option for parser in self._command_parsers(argv) for action in parser._actions
                      if isinstance(action, argparse._AppendAction) for option in action.option_strings}
        found = []
        for n, token in enumerate(argv):
            option, _, value = token.partition("=")  # ``--outfit A`` and ``--outfit=A``
            rest = list(argv[n + 1:] if value else argv[n + 2:])
            value = value or (argv[n + 1] if n + 1 < len(argv) else "")
            if option in repeatable and rest and not rest[0].startswith("-"):
                found.append((option, value, rest[0], rest[1] if len(rest) > 1 else ""))
        return found

    def _command_parsers(self, argv: Sequence[str]) -> list[argparse.ArgumentParser]:
        """This parser and the sub-command parser ``argv`` names, if any."""
        parsers: list[argparse.ArgumentParser] = [self]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers += [action.choices[token] for token in argv if token in action.choices][:1]
        return parsers

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        """Also refuses an option of one value given twice with two values: argparse keeps the last
        without a word (trial AF's ``query --category hats --category bags`` listed bags alone). An
        option meant to be repeated (``--outfit``, ``--image``) appends and is left alone."""
        argv = list(sys.argv[1:] if args is None else args)
        self._argv = argv  # for the error line's hint (a sub-command's parser sees its own part)
        for action in self._actions:
            if type(action) is not argparse._StoreAction or not action.option_strings:
                continue
            # ``--opt value`` and ``--opt=value``; ``--opt`` last, without its value, is argparse's to refuse
            # (trial AL: ``query two2 --similar`` ended in an IndexError here)
            given = [argv[n + 1] if token in action.option_strings else token.split("=", 1)[1]
                     for n, token in enumerate(argv)
                     if token in action.option_strings and n + 1 < len(argv)
                     or token.split("=", 1)[0] in action.option_strings and "=" in token]
            if len(set(given)) > 1:  # named as typed (trial BO's `items -n 1 -n 2` read "-k given 2 times")
                typed = next((token.split("=", 1)[0] for token in argv if token.split("=", 1)[0] in action.option_strings),
                             action.option_strings[-1])
                self.error(f"{typed} given {len(given)} times ({', '.join(given)}): give it once")
        return super().parse_known_args(args, namespace)


def build_parser() -> CommandParser:
    parser = CommandParser(
        prog="sane-desktop",
        description="Why do these match? Outfit compatibility search with SANE explanations.",
    )
    parser.add_argument("--version", action="version", version=f"sane-desktop {__version__}")
    # before the sub-command (`sane-desktop --index-home D query ...`); its own dest, so that a
    # sub-command's option of the same name (gui) cannot overwrite it with its default
    parser.add_argument("--index-home", dest="global_index_home", type=folder_arg, metavar="DIR",
                        help="folder of indexed catalogues (default: $SANE_INDEX_HOME, else the per-user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the log (INFO and above) on stderr; it always goes to the log file")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


# "at most N" counts (items -n, query -k) above this list everything there is: a trial's -n of 20
# digits reached SQLite's LIMIT and came back as "OverflowError: Python int too large"
MAX_LISTED = 1_000_000


def printable(text: str) -> str:
    """``text`` for one cell of a text table: a control character (a newline or tab in a file name,
    an escape) written as its escape, so a row stays one line (a trial's ``new⏎line.jpg`` split its
    row in two); ``--json`` keeps the text as it is."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def display_width(text: str) -> int:
    """The columns ``text`` takes in a terminal: a combining mark none (a Mac's decomposed "é" is two
    code points, one column), a wide character (Chinese, Japanese, Korean, most emoji) two."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
               for char in text)


def padded(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (:func:`display_width`; trial T's ``items``
    columns slid under CJK names and emoji, each counted as one column)."""
    return text + " " * max(0, width - display_width(text))


def right_aligned(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (:func:`display_width`): ``format``'s ``>12s``
    counts code points, and a Chinese id stood two columns per character out of its column."""
    return " " * max(0, width - display_width(text)) + text


def terminal_text(text: str) -> str:
    """A command's text output for a terminal: every control character but the line breaks the
    output is made of written as its escape (a trial's file name with ``ESC[31m`` turned the
    index summary red, one with a zero-width space printed it invisibly); ``--json`` is left as is."""
    return "\n".join(printable(line) for line in text.split("\n"))


def say(line: str) -> None:
    """One ``error:``/``note:`` line on stderr, a name inside it (a file's, an id) unable to break it in
    two or to send the terminal an escape (:func:`printable`)."""
    from sane_desktop.errors import without_passwords

    # a --db URL's password, echoed in an error, left out; a path of bytes that are not UTF-8 as \xNN (trial CJ)
    print(printable(paths.shown(without_passwords(line))), file=sys.stderr)


def say_metadata_changed(changed: Sequence[str], root: Path | str, name: str, *, db_url: str | None = None,
                         index_dir: Path | str | None = None, on_server: bool = False,
                         gone: Sequence[str] = ()) -> None:
    """The ``note:`` line for metadata files changed since the import (``CatalogueItems.metadata_changed``),
    with the ``index`` command that reads them — the database, index folder and vector backend the
    catalogue was opened with (``on_server``: a pgvector index), its password left out; nothing for
    none. ``query``, ``explain`` and ``items`` all say it: their titles, categories and labels are the
    imported ones. Trial R followed the note for a PostgreSQL catalogue and was refused. ``gone``: those
    of ``changed`` no longer there, which a re-index needs back (trial V's command failed for them)."""
    if changed:
        from sane_desktop.service.items import metadata_note

        if gone:  # a re-index reads them: it needs them back first
            say(f"note: {metadata_note(changed, gone)}; put {'it' if len(gone) == 1 else 'them'} back to re-index "
                "this catalogue")
            return
        say(f"note: {metadata_note(changed)}; re-index to use the new ones "
            f"({index_command(root, name, db_url=db_url, index_dir=index_dir, on_server=on_server)})")


def index_command(root: Path | str, name: str, *, db_url: str | None = None, index_dir: Path | str | None = None,
                  on_server: bool = False, replace: bool = False) -> str:
    """The ``sane-desktop index`` command that re-indexes catalogue ``name`` from ``root`` with the
    database, index folder and vector backend it was opened with (its password as ***), quoted for a shell."""
    from sane_desktop.errors import without_passwords

    options = [str(root), "--name", name]
    if db_url:
        options += ["--db", without_passwords(db_url)]  # as given, its password as ***
    if index_dir:
        options += ["--index-dir", str(index_dir)]
    if on_server:
        options += ["--vector-backend", "pgvector"]
    if replace:
        options.append("--replace")
    return f"sane-desktop index {shlex.join(options)}"


REINDEX = "re-run sane-desktop index"
FIRST_INDEX = "run sane-desktop index"  # an index never finished (a run killed before its build)


def with_index_command(error: SaneError, args: argparse.Namespace) -> str:
    """``error``'s line, its closing "re-run sane-desktop index" spelt out as the command that re-indexes
    the catalogue ``args.name`` from the folder it was imported from (a catalogue of the index home's
    own database). A trial followed the bare words for the built-in demo, whose photos lie inside the
    index home: ``index demo`` found no such folder, and ``index …/demo/source`` made a second catalogue
    "source" while "demo" stayed refused."""
    from sane_desktop.errors import StaleIndexError

    text = str(with_db_way_out(error, args))
    name = getattr(args, "name", None)
    ending = next((words for words in (REINDEX, FIRST_INDEX) if text.endswith(words)), None)
    if not isinstance(error, StaleIndexError) or ending is None or not isinstance(name, str) or not name:
        return text
    from sane_desktop.service import Catalogues

    db_url = getattr(args, "db", None)  # a server's catalogue too (trial AW read the bare words there)
    try:
        root = Catalogues().source(name, db_url)
    except SaneError:
        return text
    if not root:
        return text
    index_dir = getattr(args, "index_dir", None)
    # a pgvector catalogue re-indexed as printed must stay one (trial BK: the command, without
    # --vector-backend pgvector, built FAISS files and left the server's tables behind)
    from sane_desktop.service.catalogues import index_on_server, indexed_model_unknown

    try:
        folder = Path(index_dir) if index_dir else Catalogues().folder(name)
        on_server = index_on_server(folder)
    except SaneError:  # (a name no folder can have: the refusal's own words stand)
        return text
    command = index_command(root, name, db_url=db_url, index_dir=index_dir, on_server=on_server)
    if indexed_model_unknown(folder):  # the re-index refuses to guess it (trial BQ followed the command and was refused)
        return (f"{text[: -len(ending)]}re-index it naming the model it was indexed with ({command} --model FILE): "
                "its manifest no longer says which")
    return f"{text[: -len(ending)]}{'re-index it' if ending == REINDEX else 'index it'} ({command})"


# a damaged database named by --db: the user's own file, maybe none of the app's (trial BP's junk file was told
# to "index the catalogue's folder again with --replace … or delete the catalogue", of no catalogue)
DB_DAMAGED = ("check that --db names a SANE Desktop catalogue database; if it is one and it was damaged, index its "
              "catalogue's folder again with this --db and --replace")


def with_db_way_out(error: SaneError, args: argparse.Namespace) -> SaneError | str:
    """``error``, or its line with the way out for a database given with ``--db`` where it names the
    index home's own (:data:`DB_DAMAGED`)."""
    from sane_desktop.errors import WayOut

    if getattr(args, "db", None) and error.way_out is WayOut.REPLACE_DAMAGED:
        return f"{error.problem}: {DB_DAMAGED}"
    return error


def repeat_question(option: str, value: str, after: str) -> str:
    """The hint for ``after``, taken as something else, that may be a second value of ``option``."""
    return f"if {after} is another {option} value, give it its own {option} ({option} {value} {option} {after})"


def with_repeat_hint(line: str, error: SaneError, args: argparse.Namespace, parser: CommandParser,
                     argv: Sequence[str]) -> str:
    """``line``, and where the catalogue ``args.name`` was not found and that name is the token right after a
    repeatable option's value, the question whether it is a second value (trial BP: ``query --outfit A B -k 2``
    answered "no indexed catalogue named 'B'")."""
    from sane_desktop.errors import NotFound

    name = getattr(args, "name", None)
    if not isinstance(error, NotFound) or not isinstance(name, str) or "did you mean" in line:
        return line  # (a name close to one the home holds reads as a typo of it)
    for option, value, after, _then in parser.values_followed(argv):
        if after == name:
            return f"{line}; {repeat_question(option, value, after)}"
    return line


FOLDER_MISSING = ": catalogue folder does not exist"


def with_catalogue_folder(line: str, args: argparse.Namespace) -> str:
    """``line``, and when it says a catalogue folder given as a bare name does not exist while an indexed
    catalogue has that name, the folder that catalogue was imported from: ``train``, ``evaluate`` and
    ``adapt`` read a folder where ``query`` and ``explain`` take a name (trial BH ran ``adapt shop``)."""
    given = getattr(args, "catalogue", None)
    if not isinstance(given, str) or not line.endswith(FOLDER_MISSING) or Path(given).name != given:
        return line
    from sane_desktop.service import Catalogues

    try:
        source = Catalogues().source(given, getattr(args, "db", None))
    except SaneError:
        return line
    if not source:
        return line
    return f"{line}; the indexed catalogue {given!r} was imported from {source}: this command takes that folder"


def folder_gone_note(root: Path | str, name: str, *, db_url: str | None = None, index_dir: Path | str | None = None,
                     on_server: bool = False, then: str = "the results use the photos as indexed") -> str:
    """The one line for a catalogue whose own folder is gone (trial T: a renamed folder read as every
    photo "gone since indexing", one note per photo, and the advice "re-index" then failed); ``then``:
    what follows for the command saying it."""
    command = index_command("NEW_FOLDER", name, db_url=db_url, index_dir=index_dir, on_server=on_server, replace=True)
    return (f"the catalogue folder {root} is no longer there (moved or renamed?): {then}; index the folder "
            f"where it is now under this name, its category choices kept ({command})")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def os_error_line(error: OSError) -> str:
    """An OSError as a person reads it: what failed, on which file ("No space left on device:
    /x/y"), without Python's class name and errno."""
    reason = error.strerror or str(error) or type(error).__name__
    names = [name for name in (error.filename, getattr(error, "filename2", None)) if name]
    line = f"{reason}: {' -> '.join(str(name) for name in names)}" if names else reason
    if error.errno == errno.ENOSPC:  # what to do, beside what the system said
        return f"the disk is full ({line}): free some space, then try again"
    return line


# the options that name a file or folder on this computer (argparse dests)
PATH_OPTIONS = ("catalogue", "out", "model", "mapping", "image", "index_dir", "index_home", "global_index_home",
                "save_maps", "save_selection", "selection", "screenshot", "weights")


def local_path(value: str) -> str:
    """``value`` as a path on this computer: a ``file://`` URL (what a file manager pastes into a
    terminal) as its path; InputError for a web address (nothing is downloaded). ``pathlib`` alone
    read ``file:///shop`` as the folder ``file:/shop`` in the working folder, and a trial was told
    "catalogue folder not found: /work/https:/example.com/shop". A leading ``~`` is the home folder."""
    from sane_desktop.catalogue.safepath import url_scheme

    scheme = url_scheme(value)
    if not scheme:
        # "~/x" that the shell left as typed (quoted, or after "--out="): the home folder, as the index
        # folder and the index home already read it, not a folder named "~" in the working folder
        return os.path.expanduser(value) if value.startswith("~") else value
    if scheme == "file":
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(value)
        if parts.netloc not in ("", "localhost"):
            raise InputError(f"{value} is a file on another computer ({parts.netloc}): give a path on this one")
        return unquote(parts.path)
    raise InputError(f"{value} is a web address: sane-desktop reads files on this computer only (nothing is "
                     "downloaded); save it and give its path")


def path_arg(text: str) -> Path:
    """argparse ``type`` of an option naming a file or folder: :func:`local_path` before pathlib
    normalises the text (a web address: argparse's one error line). An empty value is refused:
    ``Path("")`` is the current folder, where ``--index-home=`` listed and ``--save-maps=`` wrote
    without a word (trial AN)."""
    if not text.strip():
        # "a path": "a file or folder" did not fit --model (a folder is refused) nor --out (trial CB)
        raise argparse.ArgumentTypeError(f"{blank(text)}: give a path (\".\" is the current folder)")
    try:
        return Path(local_path(text))
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# Suffixes of files this program or its users write: a folder option given such a name is a slip
# (``gui --screenshot shot.png`` made a folder called shot.png, unsaid).
FILE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".svg", ".pdf",
                           ".heic", ".avif", ".json", ".jsonl", ".csv", ".tsv", ".txt", ".html", ".xml", ".yaml",
                           ".yml", ".npy", ".npz", ".pt", ".pth", ".pkl", ".pickle", ".onnx", ".safetensors", ".h5",
                           ".parquet", ".faiss", ".index", ".db", ".sqlite", ".ini", ".log", ".zip", ".gz", ".tgz",
                           ".tar", ".bz2", ".xz", ".7z"})


def folder_arg(text: str) -> Path:
    """argparse ``type`` of an option naming a folder (one the command makes, or reads): :func:`path_arg`, and
    a name that reads as a file (``shot.png``) is refused unless that folder exists or its separator is typed."""
    path = path_arg(text)
    # "shots.png/", its separator typed, is meant as a folder (a review)
    if path.suffix.lower() in FILE_SUFFIXES and not path.is_dir() and not text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{text}: a folder is wanted here, not a {path.suffix} file "
                                         f"(give a folder, e.g. {path.with_suffix('')})")
    return path


def file_arg(example: str) -> Callable[[str], Path]:
    """argparse ``type`` of an option naming a file the command writes (``example``: a name for one, as
    "model.pt"): :func:`path_arg`, and a name ending in a path separator is refused (``--out mdir/``: pathlib
    dropped the slash, and a file called ``mdir`` was written; trial CU)."""
    def parse(text: str) -> Path:
        last = text.rstrip("/" + os.sep).rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]
        # "mdir/", and "mdir/." or "mdir/..", which pathlib reads as the folder itself (a review)
        if text.strip("/" + os.sep) and (text.endswith(("/", os.sep)) or last in (".", "..")):
            raise argparse.ArgumentTypeError(f"{text}: this names a folder; give the file to write, e.g. "
                                             f"{Path(text) / example}")
        return path_arg(text)
    return parse


MAX_SEED = 2**32 - 1  # every generator seeded from it (random, NumPy, torch, seed + k) takes it


def seed_arg(text: str) -> int:
    """argparse ``type`` of ``--seed``: a whole number from 0 to :data:`MAX_SEED` (trial AN's 23-digit
    seed ended in torch's "ValueError: Overflow when unpacking long long"; NumPy refuses negatives)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text} is out of range: a seed is a whole number from 0 to {MAX_SEED}")
    return value


MAX_COUNT = 1_000_000_000  # no count option is this large: past it, a typo (and a C int's overflow)
MAX_BATCH = 4096  # images per forward pass: more is no batch a machine holds
MAX_WORKERS = 64  # decoding or rendering processes
MAX_RISE_MASKS = 100_000  # 50 times the paper's 2,000 (torch's size overflowed past 2**63: trial BO)


def whole_number(least: int | None, most: int) -> Callable[[str], int]:
    """argparse ``type`` of a count option: a whole number from ``least`` to ``most``, refused in words
    otherwise (trial BO: ``demo --outfits 99999999999999999999`` grew to 18.8 GB before it was killed,
    ``--workers`` of 20 digits ended in "OverflowError", and ``--items ''`` was "invalid _positive value")."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if least is None and value > most:  # (the command says its own least, in its words)
            raise argparse.ArgumentTypeError(f"{text} is out of range: at most {most:,}")
        if least is not None and not least <= value <= most:
            raise argparse.ArgumentTypeError(f"{text} is out of range: from {least:,} to {most:,}")
        return value

    return whole


def count_arg(text: str) -> int:
    """argparse ``type`` of a list's length (``-k``, ``-n``): any whole number (one beyond any catalogue lists
    everything; the command says its own least), refused in :func:`whole_number`'s words otherwise (trial EQ read
    argparse's "invalid int value: '1,5'")."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def device_arg(text: str) -> str:
    """argparse ``type`` of ``--device``: a torch device this computer has. A GPU asked for where torch finds
    none failed mid-run in torch's words ("RuntimeError: Found no NVIDIA driver…", trial BO)."""
    import torch

    try:
        chosen = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a torch device (try cpu, cuda or cuda:0)") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"{text!r}: this computer has no CUDA GPU that torch can use (try cpu)")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise argparse.ArgumentTypeError(f"{text!r}: this computer has {torch.cuda.device_count()} CUDA GPU(s)")
    return text


def dot_hint(text: str) -> str:
    """The way to write ``text``, a number with a decimal comma ("1,5": German, French…), as the command line reads
    it; "" for any other text. Never read as 1.5: "1,000" is a thousand in English (trial EO)."""
    return f": write the decimal point as a dot ({text.replace(',', '.')})" if _DECIMAL_COMMA.match(text.strip()) else ""


_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?[a-zA-Z]*$")


def number_arg(text: str) -> float:
    """argparse ``type`` of a decimal option: ``float``, refusing a value too small for a float that
    would read as 0 (trial Y's ``--lr 1e-400`` was refused as "(got 0.0)", a value nobody typed)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number{dot_hint(text)}") from None
    if value == 0.0 and any(digit in "123456789" for digit in text.lower().split("e")[0]):
        raise argparse.ArgumentTypeError(f"{text} is too small to tell from 0 (the smallest is about 1e-308)")
    if math.isinf(value) and "inf" not in text.lower():  # "1e400" read as inf: said as typed (trial AE)
        raise argparse.ArgumentTypeError(f"{text} is too large for a number (the largest is about 1.8e308)")
    return value


def _local_paths(args: argparse.Namespace) -> None:
    """The options of :data:`PATH_OPTIONS` given as text (not through :func:`path_arg`) through
    :func:`local_path`, in place; each, given either way, refused when it is a symbolic link that leads
    back to itself (:func:`sane_desktop.paths.no_link_loop`)."""
    for dest in PATH_OPTIONS:
        value = getattr(args, dest, None)
        if isinstance(value, list):
            setattr(args, dest, [local_path(v) if isinstance(v, str) else v for v in value])
        elif isinstance(value, str):
            setattr(args, dest, local_path(value))
        value = getattr(args, dest, None)
        for given in value if isinstance(value, list) else [value]:
            if isinstance(given, str) and not given.strip():  # read as "." otherwise (trial BO: `evaluate --model ''`)
                shown = _option_name(args, dest)
                raise InputError(f"{shown} {blank(given)}: give a path (\".\" is the current folder)")
            if isinstance(given, (str, Path)) and str(given):  # a link loop: said in words, not "RuntimeError"
                paths.no_link_loop(given)


# options of text that an empty value would turn into "not given" (trial BO's `--db ''` opened the index home's
# own database); `--category-map ""` is no such option: it drops the last index's choices, as documented
# (trial BV: `--outfit "$A" --outfit "$B"` with B unset answered for another outfit, unsaid; a blank
# `--query` read as not given, so `--pairs` ran instead of "not both"; `--weak-truth ""` was refused for
# another reason)
IDS_NEEDED = {"outfit", "query", "candidate"}  # given at all, the command needs them: no "leave it out"
TEXT_OPTIONS = {"db": "a database URL", "memory_budget": "a size (e.g. 4GiB)", "outfit": "item ids (ID,ID…)",
                "query": "an item id", "candidate": "an item id", "weak_truth": "attribute kinds (e.g. colour,pattern)"}


def blank(given: str) -> str:
    """How an option's value that names nothing is said: "is empty", or "is only spaces" for one of spaces
    alone (a trial read "--search is empty" of a value it had typed)."""
    return "is empty" if given == "" else "is only spaces"


def _refuse_undecodable_texts(args: argparse.Namespace) -> None:
    """Any text an option or argument was given in bytes that are not UTF-8 (a terminal in Latin-1, a name
    copied off an old share): one line naming it, never a UnicodeEncodeError from the database or the log
    (trial CG's kind: ``--name $'c\\xff'``). An outside photo's path (``--image``) is only read: it may."""
    for dest, value in list(vars(args).items()):
        if dest in ("image", "handler", "command"):
            continue
        read = []
        for given in value if isinstance(value, list) else [value]:
            if isinstance(given, (str, Path)) and not paths.is_text(str(given)):
                # typed in a terminal that is not UTF-8 (Latin-1's "Café"): read in its encoding (trials EO, EQ)
                typed = typed_text(str(given))
                known = typed is not None and paths.is_text(typed)
                if dest in PATH_OPTIONS and os.path.lexists(str(given)):  # so named on disk: renamed, not retyped
                    paths.refuse_undecodable(given, _option_name(args, dest))
                if not known and dest in PATH_OPTIONS:  # nothing so named: not "rename the folder" (trial EQ)
                    raise InputError(f"{_option_name(args, dest)} {paths.shown(str(given))}: no such file or "
                                     "folder (its name, as given, holds bytes that are not UTF-8 text)")
                if not known:
                    raise InputError(f"{_option_name(args, dest)} {paths.shown(str(given))}: holds bytes that are "
                                     "not UTF-8 text (shown as \\xNN): give it as UTF-8 text")
                given = Path(str(typed)) if isinstance(given, Path) else str(typed)
            read.append(given)
        setattr(args, dest, read if isinstance(value, list) else read[0])


def _option_name(args: argparse.Namespace, dest: str) -> str:
    """How an argument is named in a message: ``CATALOGUE``/``NAME`` for a positional one, else ``--its-name``."""
    positional = dest == "catalogue" or (dest == "name" and args.command not in ("index", "import"))
    return dest.upper() if positional else f"--{dest.removeprefix('global_').replace('_', '-')}"


def _refuse_empty_texts(args: argparse.Namespace) -> None:
    for dest, what in TEXT_OPTIONS.items():
        value = getattr(args, dest, None)
        for given in value if isinstance(value, list) else [value]:  # a repeatable option: each value
            if isinstance(given, str) and not given.strip():
                # "or leave the option out" only where that is a way: an id a command needs is not (trial CB)
                out = "" if dest in IDS_NEEDED else ", or leave the option out"
                raise InputError(f"--{dest.replace('_', '-')} {blank(given)}: give {what}{out}")
            if dest == "outfit" and isinstance(given, str) and any(not part.strip() for part in given.split(",")):
                # `--outfit "$A,$B,$C"` with B unset answered for the outfit of A and C, unsaid, as a blank
                # `--outfit` entry did (trial BV); an id is never blank, so a blank part is a slip
                raise InputError(f"--outfit \"{given}\" has an empty id between its commas: give {what}")


def _bundled_model(args: argparse.Namespace) -> None:
    """``--model demo.pt`` / ``general.pt`` where no such file is here: the shipped model, in place
    (:func:`~sane_desktop.service.model_names.shipped_model`). A file that is not there is said by the
    command, once its options are known to go together."""
    value = getattr(args, "model", None)
    if not isinstance(value, (str, Path)) or not str(value):
        return
    from sane_desktop.service.model_names import shipped_model

    shipped = shipped_model(Path(value))
    if shipped is not None:
        args.model = shipped if isinstance(value, Path) else str(shipped)


def _file_state(path: Any) -> tuple[int, int] | None:
    """(size, mtime in ns) of ``path``, None when there is no such file."""
    try:
        found = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return found.st_size, found.st_mtime_ns


READ_ONLY_COMMANDS = ("query", "items", "evaluate")  # they write nothing a Ctrl-C could leave half done


def interrupted_line(args: argparse.Namespace, out_before: tuple[int, int] | None) -> str:
    """What Ctrl-C left, for the commands that write (trial U read a bare "interrupted" after ``index``
    and ``train``, where the window says what is kept and how to go on). ``out_before``: the state of
    ``--out`` when the command started (:func:`_file_state`), to say whether it was written."""
    if args.command == "index":  # before its first photo nothing is kept (trial BD: the line said otherwise)
        return ("interrupted: the photos read so far, if any, are kept; run the same index command again to go on "
                "from there")
    if args.command in READ_ONLY_COMMANDS:  # trial BD read a bare "interrupted" after evaluate
        return "interrupted: nothing was changed"
    out = getattr(args, "out", None)
    if args.command in ("train", "adapt") and out is not None:
        if _file_state(out) == out_before:  # a model is written whole, at the end: none, or the old one
            return f"interrupted: nothing was written to {out}" + (" (the model there is as it was)"
                                                                  if out_before is not None else "")
        return f"interrupted after {out} was written"
    return "interrupted"


_ARGPARSE_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$")  # the negative numbers argparse takes as values


def joined_negative_values(argv: Sequence[str]) -> list[str]:
    """``argv`` with a long option's negative value that argparse would read as an option ("-inf",
    "-1e5") joined to it ("--time-budget=-inf"): then the option's own check says what is wrong with
    the value, not "expected one argument" (trial Y)."""
    out: list[str] = []
    for token in argv:
        previous = out[-1] if out else ""
        if (token.startswith("-") and not _ARGPARSE_NEGATIVE.match(token) and previous.startswith("--")
                and "=" not in previous and previous != "--" and _is_number(token)):
            out[-1] = f"{previous}={token}"
        else:
            out.append(token)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: the exit code of the command ``argv`` names (the process's own arguments when None).
    Ctrl-C before the command's work begins (its arguments read, its log opened) or after it ended is one line
    too, exit code 130 (trial DB read a traceback from the log's setup)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _terminate_as_interrupt() -> None:
    """SIGTERM (a ``kill``, a logout) ends the command as Ctrl+C does, its clean-up run and "error: interrupted"
    said: trial EQ's ``train --out`` stopped by a ``kill`` left its lock folder beside the model for good. The
    window sets its own (:mod:`sane_desktop.gui.termination`)."""
    import signal

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupt)


def _main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the process's own command line: file names and output as UTF-8 (trial BN)
        from sane_desktop.utf8_mode import escape_unshowable_output, restart_in_utf8_mode

        restart_in_utf8_mode()
        escape_unshowable_output()
        _terminate_as_interrupt()
    parser = build_parser()
    given = joined_negative_values(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(given)
    try:
        _local_paths(args)
        _refuse_undecodable_texts(args)
        _refuse_empty_texts(args)
        if isinstance(getattr(args, "db", None), str):  # every later use (the index's record, the lock) sees one path
            args.db = paths.expand_sqlite_home(args.db)
        _bundled_model(args)
    except SaneError as error:
        say(f"error: {error}")
        return exit_code(error)
    if args.global_index_home is not None:
        paths.use_index_home(args.global_index_home)
    handler: Callable[[argparse.Namespace], dict[str, Any]] | None = getattr(args, "handler", None)
    if handler is None:  # no command: the help, then the error line every refusal ends in (code 1: bad input)
        parser.print_help(sys.stderr)
        say("error: give a command (sane-desktop COMMAND --help for one's options)")
        return 1
    try:  # --index-home or SANE_INDEX_HOME inside the installed package: refused before the log names it
        paths.index_home()
        paths.check_homes()  # the other homes' variables, read as text (trial CI), before the log opens one
    except SaneError as error:
        say(f"error: {error}")
        return exit_code(error)
    # the window's start line says so when `sane-desktop gui` opens it (trial DX read "(cli) started")
    logs.configure("gui" if args.command == "gui" else "cli", verbose=args.verbose)
    from sane_desktop.service.locking import command_line

    # its arguments (passwords masked) too: which catalogue, which options (trial DW read "command index" twice)
    log.info("command %s: %s", args.command, command_line(None if argv is None else ["sane-desktop", *argv]))
    out_before = _file_state(getattr(args, "out", None))
    try:
        result = handler(args)
    except SaneError as error:
        log.warning("command %s failed: %s", args.command, error, extra={logs.SAID: True})
        line = with_catalogue_folder(with_index_command(error, args), args)
        say(f"error: {with_repeat_hint(line, error, args, parser, given)}")
        return exit_code(error)
    except KeyboardInterrupt:
        log.warning("command %s interrupted", args.command, extra={logs.SAID: True})
        print(f"error: {interrupted_line(args, out_before)}", file=sys.stderr)
        return 130
    except OSError as error:  # the file system said no (a folder that is a file, no space, no access)
        log.warning("command %s failed: %s", args.command, error, extra={logs.SAID: True})
        if os.environ.get("SANE_DEBUG"):
            raise
        say(f"error: {os_error_line(error)}")
        return 1
    except Exception as error:  # one line for the user, the traceback in the log; SANE_DEBUG=1 shows it too
        log.exception("command %s failed with an unexpected error", args.command)
        if os.environ.get("SANE_DEBUG"):
            raise
        say(f"error: {type(error).__name__}: {error}")
        return 1
    if result is None:
        return 0
    # the process's own command line (the console script, ``python -m``): the process ends next, and
    # an interrupt in its shutdown (torch and FAISS are freed after Python's handler is gone) killed
    # a finished index with 130 and no word (trial F), so it stays ignored; a caller's (tests) is restored
    with _interrupts_held(until_exit=argv is None):
        try:
            print_result(args, result)
        except BrokenPipeError:  # the reader left early (`| head`): the work is done, so not a failure
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError as error:  # output sent to a full disk: one line, not a traceback (trial CR), and a
            # failure, since what was written is cut short (a --json file left that way is not JSON)
            log.warning("command %s could not write its output: %s", args.command, error)
            with contextlib.suppress(OSError):  # nothing more goes there, at exit either
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            say(f"error: the work is done, but its output could not be written in full ({os_error_line(error)})")
            return 1
    # a command that did part of its work says so by its exit code, after its result (cache: files not removed)
    return int(getattr(args, "exit_status", 0) or 0)


def print_result(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """A command's result on stdout: its JSON with ``--json``, else its ``render``'s text (else JSON)."""
    if getattr(args, "json", False):
        json.dump(result, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        render: Callable[[dict[str, Any]], str] | None = getattr(args, "render", None)
        print(terminal_text(render(result)) if render else json.dumps(result, indent=2, default=str))
    sys.stdout.flush()


@contextlib.contextmanager
def _interrupts_held(until_exit: bool = False) -> Iterator[None]:
    """Ctrl+C ignored while a finished command prints what it did: a trial's ``index`` printed its
    whole summary and exited 130 with no word (an interrupt that landed after the work was done
    turned a success into a failure for a script). ``until_exit``: not restored, for the process's
    own command, whose exit follows (an ignored SIGINT stays ignored through Python's finalisation).
    Main thread only (signals are its)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        if not until_exit:
            signal.signal(signal.SIGINT, previous)
