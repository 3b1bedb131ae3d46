"""``sane-desktop items NAME [--category CAT] [--search WORDS] [-n N]``: a catalogue's items by id,
category and title — the ids ``query --outfit`` and ``explain`` take (a fresh-user trial found no
way to them but reading the catalogue's own files)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.catalogue.types import spelled_as
from sane_desktop.service.titles import did_you_mean
from sane_desktop.cli import (
    MAX_LISTED, CliError, add_json_flag, blank, display_width, folder_arg, folder_gone_note, padded, path_arg, printable,
    count_arg, say, say_metadata_changed,
)

TITLE_WIDTH = 48  # characters of a title in the text output (the JSON has it whole)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "items",
        help="list a catalogue's items: the ids query and explain take",
        description="List an indexed catalogue's items by id, category and title: the ids "
        "'query --outfit' and 'explain' take. --search keeps the items matching every word (in titles, "
        "descriptions, ids and attributes), as the window's catalogue search does.",
    )
    parser.add_argument("name", help="indexed catalogue name")
    # None when not given: an empty value given is refused, not read as "every category" (trial BO's leftover)
    parser.add_argument("--category", help="only this category (one of the catalogue's)")
    parser.add_argument("--search", metavar="WORDS", help="only items matching every word")
    parser.add_argument("-n", "-k", type=count_arg, default=50, dest="n",
                        help="at most this many items (default 50; -k as for 'query')")
    # as query takes them: a catalogue indexed with --db is listed from that database
    parser.add_argument("--db", help="SQLAlchemy database URL (default: sqlite under <index home>/<name>/)")
    parser.add_argument("--index-dir", type=folder_arg, help="folder of the FAISS files (default: <index home>/<name>/)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.service import Catalogues

    if args.n <= 0:
        raise CliError("-n must be positive")
    for option in ("category", "search"):
        given = getattr(args, option)
        if given is not None and not given.strip():
            raise CliError(f"--{option} {blank(given)}: give {'a category' if option == 'category' else 'words'}, "
                           "or leave the option out to list every item")
        setattr(args, option, given or "")
    from sane_desktop.service.items import has_search_words

    if args.search.strip() and not has_search_words(args.search):  # it would list every item, as no search does
        raise CliError(f"--search “{printable(args.search)}” has no words to look for (letters or digits)")
    catalogue = Catalogues().open(args.name, db_url=args.db, index_dir=args.index_dir)
    try:
        known = catalogue.items.categories()
        category = args.category
        if category:  # 'tops' for 'Tops': one spelling, not a typo (case, spaces, Unicode form)
            category = spelled_as(category, known)
        if category and category not in known:
            raise CliError(f"no category {category!r}; the catalogue's are: {', '.join(known)}"
                           f"{did_you_mean(category, known)}")
        wanted = min(args.n, MAX_LISTED)
        found = catalogue.items.search(category, args.search, wanted)
        total = catalogue.items.count(category, args.search) if len(found) == wanted else len(found)
        # titles, categories and labels as imported: a trial checked an edited title here and read the old one
        metadata = catalogue.items.metadata_changed()
        gone = catalogue.items.metadata_gone(metadata)
        written = catalogue.search.written_at() or None
    finally:
        catalogue.close()
    say_metadata_changed(metadata, catalogue.items.root, catalogue.info.name, db_url=args.db,
                         index_dir=args.index_dir, on_server=catalogue.index_on_server(), gone=gone)
    if not Path(catalogue.items.root).is_dir():  # listed as imported; said, as query says it (trial V)
        say("note: " + folder_gone_note(catalogue.items.root, catalogue.info.name, db_url=args.db,
                                        index_dir=args.index_dir, on_server=catalogue.index_on_server(),
                                        then="its items are listed as imported"))
    return {
        "catalogue": catalogue.info.name, "catalogue_uid": catalogue.info.uid,
        "catalogue_revision": catalogue.info.revision,
        # the other two names query --json gives which catalogue by (trial DL)
        "source_folder": str(catalogue.items.root), "index_written_at": written,
        "category": category, "search": args.search, "metadata_changed": metadata,
        "total": total,  # the items that match, listed or not
        # title: as shown (composed for a code); catalogue_title: the catalogue's own, when it differs
        "items": [{"item_id": item.item_id, "category": item.category, "title": item.title,
                   **({"catalogue_title": item.catalogue_title} if item.catalogue_title else {})}
                  for item in found],
    }


def render(result: dict[str, Any]) -> str:
    items = result["items"]
    if not items:
        asked = " and ".join(part for part in (f"category {result['category']!r}" if result["category"] else "",
                                               f"the words {result['search']!r}" if result["search"] else "") if part)
        return f"No items in {result['catalogue']!r}" + (f" match {asked}." if asked else ".")
    width = min(max(display_width(printable(item["item_id"])) for item in items), 40)
    kind = min(max(display_width(printable(item["category"])) for item in items), 24)  # "uncategorised" is 13
    lines = []
    for item in items:
        title = printable(" ".join(str(item["title"]).split()))  # the catalogue's text: one line
        title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
        lines.append(f"{padded(printable(item['item_id']), width)}  {padded(printable(item['category']), kind)}  "
                     f"{title}".rstrip())
    if result["total"] > len(items):  # how many are left, of how many (a trial asked "10 more of 60?")
        lines.append(f"… {result['total'] - len(items)} more of {result['total']}: -n N lists more, "
                     "--category or --search narrows it down")
    return "\n".join(lines)
