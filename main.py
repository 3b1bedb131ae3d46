"""Launch SANE Desktop: ``python main.py`` (``--screenshot DIR`` writes screenshots and quits)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from sane_desktop.cli import CommandParser, path_arg  # one error line and code 1 for a wrong argument, as the CLI

    parser = CommandParser(prog="main.py", description="SANE Desktop: why do these match?")
    parser.add_argument("--screenshot", type=path_arg, metavar="DIR",
                        help="start on the demo catalogue, walk through the main path, save PNGs to DIR and quit")
    parser.add_argument("--index-home", type=path_arg, metavar="DIR",
                        help="folder of indexed catalogues (default: $SANE_INDEX_HOME, else the per-user data folder; "
                             "`make run` uses the checkout's index/)")
    parser.add_argument("--model", type=path_arg, help="model checkpoint (default: the catalogue's own, else the demo model)")
    parser.add_argument("--demo-items", type=int, default=600, help="size of the demo catalogue built on first run")
    parser.add_argument("--launch-probe", action="store_true",
                        help="print when the window is first painted and when the catalogue first shows items "
                             "(epoch seconds on stdout), then quit: what bench/bench_launch.py times")
    args = parser.parse_args(argv)
    from sane_desktop.errors import SaneError
    from sane_desktop.gui.app import run

    try:
        return run(args.index_home, args.model, args.demo_items, args.screenshot, probe=args.launch_probe)
    except SaneError as error:  # one line, as the CLI prints it (a failed --screenshot walk, ...)
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
