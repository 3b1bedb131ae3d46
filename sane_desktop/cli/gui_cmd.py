"""``sane-desktop gui``: open the desktop application."""

from __future__ import annotations

import argparse
from typing import Any

from sane_desktop.cli import MAX_COUNT, folder_arg, path_arg, whole_number
from sane_desktop.paths import DEMO_ITEMS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gui", help="open the desktop application",
                                   description="Opens SANE Desktop; on the first run (an index home with no catalogue) it builds and "
                                               "indexes the demo catalogue.")
    parser.add_argument("--index-home", type=folder_arg, metavar="DIR",
                        help="folder of indexed catalogues (as `sane-desktop --index-home DIR gui`; default: "
                             "$SANE_INDEX_HOME, else the per-user data folder)")
    parser.add_argument("--model", type=path_arg, help="model checkpoint (default: the catalogue's own, else the demo model)")
    parser.add_argument("--screenshot", type=folder_arg, metavar="DIR", help="save screenshots of the main path to DIR and quit")
    parser.add_argument("--demo-items", type=whole_number(1, MAX_COUNT), default=DEMO_ITEMS,
                        help=f"size of the demo catalogue built on the first run (default {DEMO_ITEMS}, as main.py; "
                             "no demo is built while the index home holds a catalogue)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> dict[str, Any] | None:
    from sane_desktop import paths
    from sane_desktop.cli import CliError
    from sane_desktop.gui.app import run as run_gui

    if args.index_home is not None:  # refused before a window opens on it (the global one: cli.main)
        paths.check_outside_package(args.index_home, "--index-home")
    # None: the global --index-home, else SANE_INDEX_HOME, else the per-user folder (paths.index_home)
    code = run_gui(args.index_home, args.model, args.demo_items, args.screenshot)
    if code:
        raise CliError(f"the application exited with code {code}")
    return None
