"""``sane-desktop cache [--clean | --clear]``: what the per-user caches hold, and freeing their space
(a user found no way to it but deleting folders by hand: MANGO's features alone take 1.2 GB, and every
build whose embedding code differs writes a folder of its own)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.cli import add_json_flag, printable, say
from sane_desktop.service.caches import KIND_WORDS, STATE_WORDS, size_words

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="list the caches' disk use; remove what this build never reads, or everything",
        description="List what the per-user caches hold: the pretrained trunk's features of every photo indexed "
        "or trained with it, the window's thumbnails, explain's maps of read-only catalogues and each catalogue's saved "
        "explanations (in its index folder), and the space "
        "they take on disk. Everything there is computed again when needed, so removing it costs time, never data. "
        "--clean removes what this version never reads (other versions' features and thumbnails); --clear "
        "removes everything. Both are safe while an index, a training or the window runs. Exit code 1 when some "
        "file could not be removed (the rest is).",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--clean", action="store_true", help="remove what this version never reads")
    what.add_argument("--clear", action="store_true", help="remove everything in the caches")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def _part(part: Any) -> dict[str, Any]:
    return {"kind": part.kind, "state": part.state, "folder": str(part.folder), "files": part.files,
            "bytes": part.bytes, "photos": part.photos, "holds": part.holds_words(), "what": part.kind_words()}


NOTES_SAID = 10  # files that could not be removed, named one line each on stderr (the JSON names them all)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.errors import InputError
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service.caches import EVERYTHING, UNUSED, CacheFolderError, cache_report, remove_caches

    try:
        before = cache_report()
    except CacheFolderError as error:  # not "the caches are empty" (trial EB)
        raise InputError(str(error)) from None
    result: dict[str, Any] = {"root": str(before.root), "where": before.where_words(), "bytes": before.bytes,
                              "parts": [_part(part) for part in before.parts],
                              "removable": {UNUSED: before.removable(UNUSED), EVERYTHING: before.removable(EVERYTHING)},
                              "foreign_files": before.foreign, "action": None}
    if not (args.clean or args.clear):
        return result
    bar = TqdmProgress()
    try:
        removal = remove_caches(EVERYTHING if args.clear else UNUSED, before.root, index_home=before.index_home,
                                progress=lambda done, total: bar(done, total, "removing cached files"))
    finally:
        bar.close()
    for line in removal.failed[:NOTES_SAID]:  # one line each, a few: the rest went, and the JSON has them all
        say(f"note: {line}")
    if len(removal.failed) > NOTES_SAID:
        say(f"note: … and {len(removal.failed) - NOTES_SAID:,} more files that could not be removed (--json lists them)")
    if removal.failed:  # asked to free the space and some is not freed: a failure for a script (trial EB)
        args.exit_status = 1
    return {**result, "action": "clear" if args.clear else "clean",
            "removed": {"files": removal.files, "bytes": removal.bytes, "not_removed": list(removal.failed)},
            "bytes": removal.after.bytes, "parts": [_part(part) for part in removal.after.parts],
            "where": removal.after.where_words(),
            "foreign_files": removal.after.foreign}


def render(result: dict[str, Any]) -> str:
    root = Path(result["root"])
    shown_root = printable(str(root))  # a newline in the path stays on this line (trial EB)
    lines = []
    if result["action"] is not None:
        removed = result["removed"]
        lines.append(f"Removed {removed['files']:,} file{'s' if removed['files'] != 1 else ''} "
                     f"({size_words(removed['bytes'])}) from the caches"
                     + (f"; {len(removed['not_removed']):,} could not be removed (named above)"
                        if removed["not_removed"] else "") + ".")
    foreign = (f" ({result['foreign_files']:,} file{'s' if result['foreign_files'] != 1 else ''} there that the caches "
               "did not write are left alone)") if result["foreign_files"] else ""
    if not result["parts"]:
        lines.append(f"The caches in {shown_root} are empty.{foreign}")
        return "\n".join(lines)
    lines.append(f"Caches in {printable(result['where'])}: {size_words(result['bytes'])} on disk{foreign}")
    # one column for the parts' names, as wide as the widest ("saved explanations of “…”": trial EQ)
    width = max([17, *(len(printable(part.get("what") or KIND_WORDS[part["kind"]])) for part in result["parts"])])
    for part in result["parts"]:
        folder = Path(part["folder"])
        where = printable(str(folder.relative_to(root) if folder.is_relative_to(root) else folder))
        what = part["holds"]
        # the folder where it says more than the part's name (a feature folder's trunk and version)
        named = f" ({where})" if where != folder.name or part["kind"] == "features" else ""
        lines.append(f"  {printable(part.get('what') or KIND_WORDS[part['kind']]):<{width}} {size_words(part['bytes']):>8}  "
                     f"{what}, {STATE_WORDS[part['state']]}{named}")
    if result["action"] is None:
        unused, everything = result["removable"]["unused"], result["removable"]["everything"]
        lines.append(("--clean frees " + size_words(unused) + " (what this version never reads); " if unused
                      else "Everything here is in use by this version; ")
                     + f"--clear frees {size_words(everything)} (what is needed again is computed again).")
    return "\n".join(lines)
