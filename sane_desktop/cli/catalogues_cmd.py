"""``sane-desktop catalogues [list | rename OLD NEW | delete NAME --yes | builtin-model NAME | earlier-model NAME]``:
the catalogues an index home holds, as the window's Manage catalogues lists them, and the same rename, delete
and ways back to a model (trial AD found no way to list, rename or delete a catalogue but the window)."""

from __future__ import annotations

import argparse
from typing import Any

from sane_desktop import paths
from sane_desktop.cli import CliError, add_json_flag, display_width, index_command, padded, printable, say
from sane_desktop.service.titles import local_time

NAME_WIDTH = 32  # the name column's widest (the JSON has every name whole)
MODEL_ACTIONS = ("builtin-model", "earlier-model")  # the window's Built-in model… and Earlier model…


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "catalogues",
        help="list the indexed catalogues; rename or delete one",
        description="List the catalogues of the index home (name, items, source folder, model, when indexed), "
        "as the window's File → Manage catalogues does; 'rename OLD NEW' renames one (its index stays "
        "searchable); 'delete NAME --yes' deletes its folder in the index home (database, index, saved "
        "outfits, explanation cache) — never the source photos, unless they are kept inside that folder; "
        "'builtin-model NAME' indexes it again with the model built into the app, its own kept as the earlier one; "
        "'earlier-model NAME' indexes it again with the model it used before its last Train, Adapt or "
        "builtin-model, the two swapping places.",
    )
    parser.add_argument("action", nargs="?", choices=("list", "rename", "delete", *MODEL_ACTIONS), default="list")
    parser.add_argument("names", nargs="*", metavar="NAME", help="rename: OLD NEW; delete, builtin-model, "
                                                                  "earlier-model: NAME")
    parser.add_argument("--yes", action="store_true", help="delete without asking (the command line cannot ask)")
    parser.add_argument("--db", metavar="URL",
                        help="list the catalogues this database holds instead (SQLAlchemy URL: a server's "
                             "database, as index --db wrote it); rename and delete act on the index home only")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.errors import NotFound, WayOut
    from sane_desktop.service import Catalogues
    from sane_desktop.service.catalogues import (
        catalogue_details, deletable_folder, delete_catalogue, photos_inside, rename_catalogue,
    )

    if args.db is not None:
        return _in_database(args)
    catalogues = Catalogues()
    if catalogues.home.exists() and not catalogues.home.is_dir():  # "no catalogue yet: index one" would fail (trial AF)
        raise NotFound(f"the index home {catalogues.home} is a file, not a folder, so no catalogue can be there",
                       way_out=WayOut.OTHER_INDEX_HOME)
    wanted = {"list": 0, "rename": 2, "delete": 1, **dict.fromkeys(MODEL_ACTIONS, 1)}[args.action]
    if len(args.names) != wanted:
        usage = {"list": "catalogues", "rename": "catalogues rename OLD NEW", "delete": "catalogues delete NAME --yes",
                 **{action: f"catalogues {action} NAME" for action in MODEL_ACTIONS}}
        raise CliError(f"{args.action} takes {wanted or 'no'} name{'s' if wanted != 1 else ''}: {usage[args.action]}")
    if args.action == "rename":
        old, new = args.names
        old = catalogues.spelled(old)  # as the home holds it: typed with escapes, or in another Unicode form (trial DR)
        info = rename_catalogue(catalogues, old, new)
        return {"action": "rename", "old": old, "name": info.name, "home": str(catalogues.home)}
    if args.action in MODEL_ACTIONS:
        return _model_back(args.action, catalogues.spelled(args.names[0]), catalogues.home, not args.json)
    if args.action == "delete":
        (name,) = args.names
        name = catalogues.spelled(name)
        # said before "this deletes …" (trial AE); an index left without its database, or of a server's, counts
        _, server = deletable_folder(catalogues, name)
        inside = photos_inside(catalogues, name)
        if not args.yes:  # nothing is deleted without being asked for: the command line cannot ask
            what = " and its photos, which are kept inside its folder" if inside else " (its source photos stay)"
            held = ("its index on this computer (its database on the server stays)" if server else
                    "its database, index, saved outfits and explanation cache")
            raise CliError(f"this deletes catalogue {name!r}{what}: {held}; add --yes to delete it")
        folder = delete_catalogue(catalogues, name)
        from sane_desktop.service.catalogues import left_by_delete

        left = left_by_delete(catalogues.home, name)
        if left:  # gone from every listing, its space not freed: said, and a failure for a script (trial EC)
            say(f"note: the catalogue is deleted, but some of its files could not be removed: they are in {left[0]} "
                "(the log says why; each listing of the index home tries again, or remove the folder yourself)")
            args.exit_status = 1
        return {"action": "delete", "name": name, "folder": str(folder), "photos_deleted": inside,
                "home": str(catalogues.home)}
    return {"action": "list", "home": str(catalogues.home), "catalogues": [
        # not opened (its database is on a server): no count, rather than a 0 read as "empty" (trial AY)
        # not opened (its database on a server, or unreadable): no count, rather than a 0 read as "empty" (trial CT)
        {"name": entry.name, "items": None if entry.on_server or entry.damaged else entry.items, "source": entry.source,
         "source_found": entry.source_found,
         "model": entry.model_name, "model_hash": entry.model_hash, "model_origin": entry.model_origin,
         "vectors": None if entry.on_server or entry.damaged else entry.vectors, "indexed_at": entry.indexed_at,
         "out_of_date": entry.out_of_date,
         "index_problem": entry.index_problem, "stale_reason": entry.stale_reason,
         # why it cannot be opened: damage, or a reason outside its file that passes (a lock, a full disk)
         "builtin": entry.builtin, "damaged": "" if entry.passing else entry.damaged,
         "unavailable": entry.damaged if entry.passing else "", "on_server": entry.on_server,
         "model_unknown": entry.model_unknown,
         # which database, as `query --json` names it (trial DE could not match the two)
         "catalogue_uid": entry.uid or None, "catalogue_revision": entry.revision or None,
         # and under query --json's names too (trial DE matched "source" to "source_folder" by eye); "source" and
         # "indexed_at" stay for the scripts that read them
         "source_folder": entry.source, "index_written_at": entry.indexed_at,
         # when the model earlier-model goes back to was written (None: none kept)
         "earlier_model_at": entry.earlier_model_at or None}
        for entry in catalogue_details(catalogues)]}


def _model_back(action: str, name: str, home: Any, show_progress: bool) -> dict[str, Any]:
    """``builtin-model`` / ``earlier-model``: catalogue ``name`` indexed again with the model built into the app, or
    with its earlier one (CatalogueService.use_builtin_model / use_earlier_model: Ctrl+C puts the files back)."""
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service import CatalogueService

    service = CatalogueService(home)
    progress = TqdmProgress(enabled=show_progress)
    try:
        report = (service.use_builtin_model if action == "builtin-model" else service.use_earlier_model)(name, progress)
    finally:
        progress.close()
    summary = report.indexed.indexed.as_dict()
    if summary.get("note"):  # as `index` says it: another folder's model, … (trial EL: dropped here)
        say(f"note: {summary['note']}")
    return {"action": action, "name": name, "model": report.model_name, "items": report.indexed.items,
            "vectors": sum(report.indexed.vectors.values()), "kept": list(report.set_aside),
            "earlier_set_aside": list(report.earlier_set_aside), "home": str(home),
            "note": summary.get("note"), "by_looks": report.indexed.by_looks}


def _in_database(args: argparse.Namespace) -> dict[str, Any]:
    """``catalogues --db URL``: the catalogues that database holds, by name, items, outfits and source."""
    from sane_desktop.service.catalogues import catalogues_in_database

    if args.action != "list" or args.names:
        raise CliError(f"--db lists a database's catalogues; {args.action} acts on the index home's: "
                       f"catalogues {args.action} {' '.join(args.names) or 'NAME'} without --db"
                       if args.action != "list" else "catalogues --db URL takes no name")
    where, records, indexes = catalogues_in_database(args.db)
    return {"action": "list", "database": where, "catalogues": [
        {"name": record.name, "items": record.items, "outfits": record.outfits, "source": record.root,
         "source_folder": record.root, "source_found": paths.is_folder(record.root),
         "index": indexes[record.name] or None} for record in records]}


def _model(entry: dict[str, Any]) -> str:
    """The model column as the window's manager says it: where the model comes from, else its file."""
    if not entry["model"]:
        return "model not known" if entry.get("stale_reason") else "not indexed"
    origin = entry["model_origin"]
    return origin[0].upper() + origin[1:] if origin else f"{entry['model']} ({entry['model_hash'][:12]})"


def render(result: dict[str, Any]) -> str:
    if result["action"] == "rename":
        return f"Renamed {result['old']!r} to {result['name']!r} in {result['home']}"
    if result["action"] in MODEL_ACTIONS:
        which = "the model built into the app" if result["action"] == "builtin-model" else "its earlier model"
        kept = (f"; the model it replaced is kept as {', '.join(result['kept'])}" if result["kept"] else
                "; the model it replaced was not its own file, so none is kept" if result["action"] == "earlier-model"
                else "") + (f"; the earlier model kept before is set aside as {', '.join(result['earlier_set_aside'])}"
                            if result.get("earlier_set_aside") else "")
        looks = result.get("by_looks") or []
        compared = (f"\n  compared by visual similarity, the model having no matches learnt for them: "
                    f"{', '.join(printable(c) for c in looks)}" if looks else "")
        return f"Indexed {result['name']!r} again with {which} ({result['model']}): {result['items']} items{kept}{compared}"
    if result["action"] == "delete":
        photos = " and its photos kept inside it" if result["photos_deleted"] else "; its source photos stay"
        # the caches are shared by catalogues and keyed by content: said, with the way to free them (a trial looked)
        return (f"Deleted catalogue {result['name']!r} ({result['folder']}){photos}. Its photos' cached features and "
                "thumbnails stay in the per-user caches: 'sane-desktop cache' says what they take and frees them")
    entries = result["catalogues"]
    if "database" in result:  # catalogues --db URL
        if not entries:  # a store whose catalogues were all deleted
            return f"No catalogue in the database {printable(result['database'])}"
        width = min(max(display_width(printable(entry["name"])) for entry in entries), NAME_WIDTH)
        lines = [f"Catalogues in the database {printable(result['database'])} (commands reach them with --db):"]
        for entry in entries:
            source = printable(entry["source"] or "source unknown") + ("" if entry["source_found"] or not entry["source"]
                                                                     else " (not found)")
            # a catalogue only imported there (its first index failed) is no searchable one (trial DX)
            unindexed = "" if entry["index"] else "  (no index found, here or on the server)"
            lines.append(f"  {padded(printable(entry['name']), width)}  {entry['items']:>7} items  "
                         f"{entry['outfits']:>6} outfits  {source}{unindexed}")
        return "\n".join(lines)
    if not entries:
        return f"No catalogue in {result['home']} yet: sane-desktop index FOLDER adds one"
    width = min(max(display_width(printable(entry["name"])) for entry in entries), NAME_WIDTH)
    lines = [f"Catalogues in {result['home']}:"]
    for entry in entries:
        if entry.get("on_server"):  # not opened here: no count, no model, nothing "damaged" (trial AW)
            where = "in a file outside the index home" if entry["on_server"].startswith("sqlite") else "on a server"
            lines.append(f"  {padded(printable(entry['name']), width)}  database {where} ({entry['on_server']}): "
                         "commands reach it with --db URL")
            continue
        if entry["damaged"] or entry.get("unavailable"):  # why, in words: a full disk read "0 items  database cannot
            # be read" (trial CR)
            now = " now (nothing suggests damage: it opens once that passes)" if entry.get("unavailable") else ""
            lines.append(f"  {padded(printable(entry['name']), width)}  database cannot be read{now}: "
                         f"{printable(entry['damaged'] or entry['unavailable'])}")
            continue
        state = (f" — its index folder {entry['index_problem']}: index it again with --replace" if entry["index_problem"]
                 else f" — out of date ({entry['stale_reason']}): re-index it naming its model (--model FILE)"
                 if entry.get("model_unknown")
                 else f" — out of date ({entry['stale_reason']}): re-index it" if entry["stale_reason"]
                 else " — out of date: re-index it" if entry["out_of_date"] else "")
        source = entry["source"] or "source unknown"
        if entry["source"] and not entry["source_found"]:
            source += " (not found)"
        indexed = f", indexed {local_time(entry['indexed_at'])}"
        if not entry["model"] and not entry["stale_reason"]:
            # imported, or an index stopped before its end: no "indexed not recorded" (trial BD), the way on
            way = f" ({index_command(entry['source'], entry['name'])})" if entry["source"] else ""
            indexed, state = "", f": index it{way}"
        lines.append(f"  {padded(printable(entry['name']), width)}  {entry['items']:>7} items  {_model(entry)}"
                     f"{indexed}{state}")
        lines.append(f"  {padded('', width)}  {printable(source)}")
    return "\n".join(lines)
