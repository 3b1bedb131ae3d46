"""``sane-desktop`` command line: one module per sub-command, each with ``register(subparsers)``.

A command's handler returns a JSON-able dict (printed with ``--json``) or raises an error of the
one tree (:mod:`sane_desktop.errors`), caught here once: the process exits 0 only on success and
otherwise prints one line, ``error: <message>``, with an exit code by the error's kind.
Progress bars go to stderr so that stdout stays clean for ``--json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sane_desktop import __version__
from sane_desktop.errors import InputError, SaneError, exit_code

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
    "gui_cmd",
    "explain_cmd",
    "evaluate_explanations_cmd",
]


class CliError(InputError):
    """Arguments that cannot be used together or as given (the CLI's own input error)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sane-desktop",
        description="Why do these match? Outfit compatibility search with SANE explanations.",
    )
    parser.add_argument("--version", action="version", version=f"sane-desktop {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], dict[str, Any]] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        result = handler(args)
    except SaneError as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # one line for the user; SANE_DEBUG=1 shows the traceback
        if os.environ.get("SANE_DEBUG"):
            raise
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    try:
        if getattr(args, "json", False):
            json.dump(result, sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            render: Callable[[dict[str, Any]], str] | None = getattr(args, "render", None)
            print(render(result) if render else json.dumps(result, indent=2, default=str))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left early (`| head`): the work is done, so not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
