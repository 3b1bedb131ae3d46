"""Launch SANE Desktop: ``python main.py`` (``--screenshot DIR`` writes screenshots and quits)."""

from __future__ import annotations

import sys
from pathlib import Path


def _path(text: str) -> Path:
    """A path option's value; an empty one is refused, not read as the current folder (trial AN). Not the
    CLI's ``path_arg``: its URL check loads the catalogue package (NumPy, PIL) before the window shows."""
    import argparse

    if not text.strip():
        said = "is empty" if text == "" else "is only spaces"  # as the CLI's blank() says it
        raise argparse.ArgumentTypeError(f"{said}: give a path (\".\" is the current folder)")
    return Path(text).expanduser()  # "--index-home=~/x" reaches us unexpanded: the home folder, as the CLI reads it


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # this process: file names as UTF-8 whatever the locale (sane_desktop/utf8_mode.py)
        from sane_desktop.utf8_mode import escape_unshowable_output, restart_in_utf8_mode

        restart_in_utf8_mode()
        escape_unshowable_output()
    from sane_desktop.cli import MAX_COUNT, CommandParser, whole_number  # one error line and code 1, as the CLI
    from sane_desktop.paths import DEMO_ITEMS

    parser = CommandParser(prog="main.py", description="SANE Desktop: why do these match?")
    parser.add_argument("--screenshot", type=_path, metavar="DIR",
                        help="start on the demo catalogue, walk through the main path, save PNGs to DIR and quit")
    parser.add_argument("--index-home", type=_path, metavar="DIR",
                        help="folder of indexed catalogues (default: $SANE_INDEX_HOME, else the per-user data folder; "
                             "`make run` uses the checkout's index/)")
    parser.add_argument("--model", type=_path, help="model checkpoint (default: the catalogue's own, else the demo model)")
    parser.add_argument("--demo-items", type=whole_number(1, MAX_COUNT), default=DEMO_ITEMS,  # as `gui`'s
                        help=f"size of the demo catalogue built on the first run (default {DEMO_ITEMS}), none built while the "
                             "index home holds a catalogue")
    parser.add_argument("--launch-probe", action="store_true",
                        help="print when the window is first painted and when the catalogue first shows items "
                             "(epoch seconds on stdout), then quit: what bench/bench_launch.py times")
    args = parser.parse_args(argv)
    from sane_desktop.errors import SaneError, exit_code
    from sane_desktop.gui.app import run

    try:
        return run(args.index_home, args.model, args.demo_items, args.screenshot, probe=args.launch_probe)
    except SaneError as error:  # one line and the exit code by kind, as `sane-desktop gui` (a bad --model: 4)
        print(f"error: {error}", file=sys.stderr)
        return exit_code(error)


if __name__ == "__main__":
    sys.exit(main())
