"""Launch SANE Desktop: ``python main.py`` (``--screenshot DIR`` writes screenshots and quits)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SANE Desktop: why do these match?")
    parser.add_argument("--screenshot", type=Path, metavar="DIR",
                        help="start on the demo catalogue, walk through the main path, save PNGs to DIR and quit")
    parser.add_argument("--index-home", type=Path, help="folder of indexed catalogues (default: index/)")
    parser.add_argument("--model", type=Path, help="model checkpoint (default: the catalogue's own, else the demo model)")
    parser.add_argument("--demo-items", type=int, default=600, help="size of the demo catalogue built on first run")
    args = parser.parse_args(argv)
    from sane_desktop.gui.app import run

    return run(args.index_home, args.model, args.demo_items, args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
