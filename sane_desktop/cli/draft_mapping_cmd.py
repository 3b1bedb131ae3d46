"""``sane-desktop draft-mapping FOLDER``: a first ``sane-mapping.json`` for a folder's own product table, each
column choice with its reason, tried on the folder; ``--write`` saves it where every import of the folder reads
it."""

from __future__ import annotations

import argparse
from typing import Any

from sane_desktop.cli import add_json_flag, file_arg, path_arg, printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "draft-mapping",
        help="draft the sane-mapping.json that reads a folder's own product table",
        description="Guess which columns of FOLDER's product table (CSV, TSV or JSON) are the id, the photo, the "
        "category, the title, the description, the colour, pattern and fabric, and which other table lists "
        "outfits, from the columns' names (English, German, Spanish, French, Italian, Dutch, Swedish) and values "
        "(a column whose values name the folder's photos); try the draft on the folder (photos looked up, not "
        "opened) and print both. Nothing is written without --write. Exit code 1 when --write is given and the "
        "draft lacks the id, photo or category (name it with --id, --image or --category).",
    )
    parser.add_argument("catalogue", type=path_arg, metavar="FOLDER", help="catalogue folder")
    parser.add_argument("--table", default=None, help="the product table, relative to FOLDER (default: its one "
                        "table at the top, or the one named like products)")
    for key, what in (("id", "the id column"), ("image", "the column holding each photo's path"),
                      ("image-template", "a template naming each photo, e.g. 'photos/{sku}.jpg'"),
                      ("category", "the category column"), ("title", "the title column")):
        parser.add_argument(f"--{key}", default=None, metavar="COLUMN" if key != "image-template" else "TEMPLATE",
                            help=f"{what} (instead of the guess)")
    outfits = parser.add_mutually_exclusive_group()
    outfits.add_argument("--outfits", default=None, metavar="TABLE",
                         help="the table of outfits, one row per outfit and item (instead of the guess)")
    outfits.add_argument("--no-outfits", action="store_true", help="read no outfits table")
    parser.add_argument("--write", action="store_true", help="write the draft as FOLDER/sane-mapping.json (or --out)")
    parser.add_argument("--out", type=file_arg("mapping.json"), default=None,
                        help="write it here instead (then index with --mapping FILE)")
    parser.add_argument("--force", action="store_true", help="replace a mapping file already there")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.catalogue import CatalogueError
    from sane_desktop.errors import InputError
    from sane_desktop.service.column_mapping import draft_mapping, write_mapping

    given = {key: value for key, value in (("id", args.id), ("image", args.image),
                                           ("image_template", args.image_template), ("category", args.category),
                                           ("title", args.title), ("outfits", args.outfits)) if value}
    if args.no_outfits:
        given["outfits"] = ""
    if args.out is not None:
        args.write = True
    try:
        draft = draft_mapping(args.catalogue, args.table, given)
    except CatalogueError as error:
        raise InputError(str(error)) from None
    if args.write and draft.missing:  # the options that name what the draft lacks
        flags = {"image": "--image COLUMN or --image-template TEMPLATE"}
        named = "; ".join(f"{key}: {flags.get(key, f'--{key} COLUMN')}" for key in draft.missing)
        raise InputError(f"the draft of {draft.table} has no {' or '.join(draft.missing)} column: nothing written "
                         f"(name it: {named})")
    written = str(write_mapping(draft, args.out, replace=args.force)) if args.write else None
    trial = draft.trial
    return {
        "folder": str(draft.folder), "table": draft.table, "rows": draft.rows, "columns": list(draft.columns),
        "choices": [{"key": key, "column": column, "why": why} for key, column, why in draft.choices],
        "missing": list(draft.missing), "notes": list(draft.notes), "other_tables": list(draft.others),
        "mapping": draft.document, "written": written,
        "trial": None if trial is None else {"items": trial.items, "rows_without_photo": trial.no_photo,
                                             "outfits": trial.outfits, "skipped": trial.skipped,
                                             "reasons": list(trial.reasons), "categories": dict(trial.categories)},
    }


SHOWN_CATEGORIES = 20  # categories the text names (the JSON has them all)
KEY_WORDS = {"id": "id", "image": "photo", "image_template": "photo", "category": "category", "title": "title",
             "description": "description", "outfits": "outfits"}


def render(result: dict[str, Any]) -> str:
    columns = ", ".join(printable(column) for column in result["columns"])
    lines = [f"Drafted from {printable(result['table'])} ({result['rows']} rows; columns: {columns}):"]
    for choice in result["choices"]:
        key = KEY_WORDS.get(choice["key"], choice["key"].removeprefix("attributes."))
        lines.append(f"  {key:<12} {printable(choice['column'])}  ({printable(choice['why'])})")
    for key in result["missing"]:
        flag = "--image COLUMN or --image-template TEMPLATE" if key == "image" else f"--{key} COLUMN"
        lines.append(f"  {KEY_WORDS[key]:<12} not found: name it with {flag}")
    lines += [f"  note: {printable(note)}" for note in result["notes"]]
    trial = result["trial"]
    if trial is not None:
        categories = list(trial["categories"].items())
        kinds = ", ".join(f"{printable(name)} {count}" for name, count in categories[:SHOWN_CATEGORIES])
        more = f" and {len(categories) - SHOWN_CATEGORIES} more" if len(categories) > SHOWN_CATEGORIES else ""
        missing = f" ({trial['rows_without_photo']} rows name no photo in the folder)" if trial["rows_without_photo"] \
            else ""
        lines.append(f"Read with it: {trial['items']} items{missing}, {trial['outfits']} outfits, {trial['skipped']} "
                     f"skipped{f' ({len(categories)} categories: {kinds}{more})' if kinds else ''}")
        lines += [f"  skipped: {printable(reason)}" for reason in trial["reasons"]]
    if result["other_tables"]:
        lines.append(f"Not read: {', '.join(printable(table) for table in result['other_tables'])} (an outfits table "
                     "is one whose name or a column's says outfit or look, and whose rows name the items by their id)")
    if result["written"]:
        lines.append(f"Written to {printable(result['written'])}: the next index of the folder reads it "
                     f"(sane-desktop index {printable(result['folder'])}).")
    elif not result["missing"]:
        lines.append("Not written: check each choice (--category COLUMN and the like change one), then run again "
                     "with --write.")
    import json

    lines += ["", json.dumps(result["mapping"], indent=2, ensure_ascii=False)]
    return "\n".join(lines)
