"""``sane-desktop import CATALOGUE``: read, validate and store a catalogue's metadata."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from sane_desktop.cli import add_json_flag, printable, say
from sane_desktop.service.titles import counted, saved_outfit_words
from sane_desktop.service.values import SkippedFile


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import a catalogue folder's metadata into the database",
        description="Detects the catalogue format (Polyvore layout, manifest + mapping, plain folder), validates "
        "every image and writes items, attributes, outfits, splits and questions to the database. Re-importing "
        "the same folder changes nothing; bad items are skipped and reported.",
    )
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--name", help="catalogue name (default: the folder's name); one plain folder name")
    parser.add_argument("--replace", action="store_true",
                        help="replace a catalogue of that name built from another folder (default: refuse)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default: sqlite under <index home>/<name>/)")
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue (default: the one this catalogue was "
                        "imported with, else <folder>/sane-mapping.json)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service import building

    if args.name is None and args.db is None:  # (trial EW: index said it, import did not)
        say_second_catalogue(args.catalogue)
    progress = TqdmProgress()
    try:
        return building.import_folder(args.catalogue, args.name, args.db, args.mapping, progress=progress,
                                      replace=args.replace)
    finally:
        progress.close()


def say_second_catalogue(root: Any) -> None:
    """A note when the folder, named by its own name, is the source of catalogues of other names only: this run
    makes another catalogue of it (trial EU renamed one, then indexed its folder again and had two)."""
    from pathlib import Path

    from sane_desktop.service.catalogues import Catalogues

    folder = Path(root).expanduser()
    others = Catalogues().built_from(folder)
    if others and folder.resolve().name not in others:
        names = " and ".join(f"“{name}”" for name in others)
        say(f"note: this folder is indexed already as {names}: this run makes another catalogue of it, "
            f"“{folder.resolve().name}” (--name {shlex.quote(others[0])} updates “{others[0]}” instead)")


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Imported {result['name']!r} ({result['format']}) into {result['db']}",
        f"  items {result['items']}, outfits {result['outfits']}, attributes {result['attributes']}, "
        f"FITB questions {result['questions']['fitb']}, compatibility questions {result['questions']['compatibility']}",
        f"  revision {result['revision']} in {result['seconds']:.1f} s",
    ]
    if result.get("damaged_set_aside"):  # said as index says it (a trial found it in --json only)
        lines.append(f"  the damaged catalogue database was set aside as {result['damaged_set_aside']}; "
                     "the catalogue was built anew")
    # counted as index counts them: the items left out, the notes apart, the outfits and questions on their
    # own (trial Y read "skipped 40" from import and "5 skipped" from index for one catalogue)
    lines += skipped_lines(result["skipped"], "not imported")
    # a photo under two ids is information, not a skip: both items are imported
    copies = result.get("duplicates", [])
    if copies:
        lines.append(f"  same photo as another item {len(copies)} (both imported; a search leaves out copies "
                     "of the outfit's own photos):")
        lines += [f"    {entry_line(s)}" for s in copies[:20]]
        if len(copies) > 20:
            lines.append(f"    ... and {len(copies) - 20} more (use --json for all)")
    lines += value_lines(result.get("values", []))
    lines += framing_lines(result.get("framing", []), "imported")
    lines += saved_outfit_lines(result.get("saved_outfits", []))
    return "\n".join(lines)


def saved_outfit_lines(entries: list[dict[str, Any]]) -> list[str]:
    """The summary's lines for the saved outfits an import took items from or gave items back to
    (trial AD's outfit lost an item to a photo moved away, and nothing said so)."""
    return [printable(f"  saved outfit {saved_outfit_words(entry)}") for entry in entries]


def is_file_skip(skip: dict[str, str]) -> bool:
    """Whether a skip left a file out, not an outfit or a question that lost one (:attr:`SkippedFile.is_file`)."""
    return _skip(skip).is_file


def skipped_lines(skipped: list[dict[str, str]], done: str) -> list[str]:
    """The summary's lines for what an import left out, as ``import`` and ``index`` both print them
    (``done``: what did not happen to the files, "not imported" or "not indexed"). The files, each
    listed but at most 20 (a curator fixes those); then the outfits and questions dropped or cut for a
    missing item, the first 20 (many on a big catalogue): a trial's index summary said nothing of three
    outfits dropped for ids that are in no item."""
    files = [skip for skip in skipped if is_file_skip(skip)]
    others = [skip for skip in skipped if not is_file_skip(skip)]
    lines: list[str] = []
    if files:
        # counted as the headline counts them: items, then the notes on other rows or files
        # (trial T read "9 skipped (1 more note below)" over "skipped 10")
        notes = sum(1 for skip in files if skip.get("kind") != "item")
        apart = f", {counted(notes, 'note')}" if notes else ""
        lines.append(f"  skipped {len(files) - notes} ({done}){apart}:")
        lines += [f"    {skip_line(s)}" for s in files[:20]]
        if len(files) > 20:
            lines.append(f"    ... and {len(files) - 20} more (use --json for all)")
    if others:
        lines.append(f"  outfits and questions dropped or cut (each line says why): {len(others)}")
        lines += [f"    {skip_line(s)}" for s in others[:20]]
        if len(others) > 20:
            lines.append(f"    ... and {len(others) - 20} more (use --json for all)")
    return lines


def skip_line(skip: dict[str, str]) -> str:
    """One skipped entry as the summaries list it (:meth:`SkippedFile.line`: ``kind ID (PATH): reason``;
    a file or folder that is no item, kind ``metadata``, by its path alone), on one line."""
    return printable(_skip(skip).line())


def _skip(skip: dict[str, str]) -> SkippedFile:
    return SkippedFile(skip.get("id", ""), skip.get("path", ""), skip.get("reason", ""), skip.get("kind", ""))


def entry_line(entry: dict[str, str]) -> str:
    """A photo's note as the summaries list it, ``ID (PATH): reason``, on one line whatever its names
    hold (a file name with a newline split a trial's list in two)."""
    return printable(f"{entry['id']} ({entry['path']}): {entry['reason']}")


def value_note(note: dict[str, str]) -> str:
    """A table value's note on one line (:func:`~sane_desktop.service.values.value_note_line`), printable."""
    from sane_desktop.service.values import value_note_line

    return printable(value_note_line(note))


def value_lines(notes: list[dict[str, str]]) -> list[str]:
    """The summary's lines for table values read otherwise than written (``values`` notes: a
    category outside the mapping's category_map, a placeholder read as no value); the items are kept."""
    if not notes:
        return []
    lines = [f"  values read otherwise than written: {len(notes)} (the items are kept):"]
    lines += [f"    {value_note(s)}" for s in notes[:20]]
    if len(notes) > 20:
        lines.append(f"    ... and {len(notes) - 20} more (use --json for all)")
    return lines


def framing_lines(notes: list[dict[str, str]], done: str) -> list[str]:
    """The summary's lines for photos the model sees little of (``framing`` notes; ``done``: what
    happened to them, "imported" or "indexed"), the first 20 listed."""
    if not notes:
        return []
    lines = [f"  photos the model sees little of: {len(notes)} ({done} as they are; a larger, squarer photo "
             "is explained better):"]
    lines += [f"    {entry_line(s)}" for s in notes[:20]]
    if len(notes) > 20:
        lines.append(f"    ... and {len(notes) - 20} more (use --json for all)")
    return lines
