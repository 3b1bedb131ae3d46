"""``sane-desktop cache [--clean | --clear]``: what the per-user caches hold, and freeing their space
(a user found no way to it but deleting folders by hand: MANGO's features alone take 1.2 GB, and every
build whose embedding code differs writes a folder of its own)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.cli import add_json_flag, say
from sane_desktop.service.caches import KIND_WORDS, STATE_WORDS, size_words

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="list the caches' disk use; remove what this build never reads, or everything",
        description="List what the per-user caches hold: the pretrained trunk's features of every photo indexed "
        "or trained with it, the window's thumbnails and explain's maps of read-only catalogues. Everything "
        "there is computed again when needed, so removing it costs time, never data. --clean removes what "
        "this build never reads (other builds' features, thumbnails of an older format); --clear removes "
        "everything. Both are safe while an index, a training or the window runs.",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--clean", action="store_true", help="remove what this build never reads")
    what.add_argument("--clear", action="store_true", help="remove everything in the caches")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def _part(part: Any) -> dict[str, Any]:
    return {"kind": part.kind, "state": part.state, "folder": str(part.folder), "files": part.files,
            "bytes": part.bytes, "photos": part.photos}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.service.caches import EVERYTHING, UNUSED, cache_report, remove_caches

    before = cache_report()
    result: dict[str, Any] = {"root": str(before.root), "bytes": before.bytes,
                              "parts": [_part(part) for part in before.parts],
                              "removable": {UNUSED: before.removable(UNUSED), EVERYTHING: before.removable(EVERYTHING)},
                              "action": None}
    if not (args.clean or args.clear):
        return result
    removal = remove_caches(EVERYTHING if args.clear else UNUSED, before.root)
    for line in removal.failed:  # one line each; the rest went
        say(f"note: {line}")
    return {**result, "action": "clear" if args.clear else "clean",
            "removed": {"files": removal.files, "bytes": removal.bytes, "not_removed": len(removal.failed),
                        "foreign_files_left": removal.foreign},
            "bytes": removal.after.bytes, "parts": [_part(part) for part in removal.after.parts]}


def render(result: dict[str, Any]) -> str:
    root = Path(result["root"])
    lines = []
    if result["action"] is not None:
        removed = result["removed"]
        lines.append(f"Removed {removed['files']:,} file{'s' if removed['files'] != 1 else ''} "
                     f"({size_words(removed['bytes'])}) from the caches"
                     + (f"; {removed['not_removed']:,} could not be removed (each named above)"
                        if removed["not_removed"] else "")
                     + (f"; {removed['foreign_files_left']:,} file(s) the caches do not write were left"
                        if removed["foreign_files_left"] else "") + ".")
    if not result["parts"]:
        lines.append(f"The caches in {root} are empty.")
        return "\n".join(lines)
    lines.append(f"Caches in {root}: {size_words(result['bytes'])}")
    for part in result["parts"]:
        where = Path(part["folder"]).relative_to(root) if Path(part["folder"]).is_relative_to(root) else part["folder"]
        count, noun = (part["photos"], "photo") if part["photos"] is not None else (part["files"], "file")
        what = f"{count:,} {noun}{'' if count == 1 else 's'}"
        lines.append(f"  {KIND_WORDS[part['kind']]:<17} {size_words(part['bytes']):>8}  {what}, {STATE_WORDS[part['state']]} "
                     f"({where})")
    if result["action"] is None:
        unused, everything = result["removable"]["unused"], result["removable"]["everything"]
        lines.append(("--clean frees " + size_words(unused) + " (what this build never reads); " if unused
                      else "Nothing here is unused by this build; ")
                     + f"--clear frees {size_words(everything)} (what is needed again is computed again).")
    return "\n".join(lines)
