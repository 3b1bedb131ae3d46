"""``sane-desktop index CATALOGUE``: import, embed (incrementally) and build the FAISS indexes."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from sane_desktop.cli import (
    MAX_BATCH, MAX_WORKERS, add_json_flag, device_arg, folder_arg, path_arg, printable, say, whole_number,
)
from sane_desktop.cli.import_cmd import (entry_line, framing_lines, is_file_skip, saved_outfit_lines,
                                         say_second_catalogue, skipped_lines, value_lines)
from sane_desktop.service.titles import counted, sort_key


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index",
        help="import a catalogue folder, embed its images and build its search index",
        description="Imports the catalogue (like 'import'), embeds every valid item not embedded yet with this "
        "model (changed images again; removed ones leave), stores embeddings, per-cell outputs and attribute "
        "scores, and rebuilds one FAISS index per category. Safe to interrupt and re-run. Each catalogue category is "
        "searched as the model category of its name (exact, or up to case and plural: Tops -> tops), as the one "
        "--category-map names, or else by visual similarity (the general space).",
    )
    parser.add_argument("catalogue", type=path_arg, help="catalogue folder")
    parser.add_argument("--name", help="catalogue name (default: the folder's name); one plain folder name")
    parser.add_argument("--replace", action="store_true",
                        help="replace a catalogue of that name built from another folder (default: refuse)")
    parser.add_argument("--model", type=path_arg, help="model checkpoint (default: the model the catalogue was last indexed "
                        "with, when its file is still there; else a bundled model: the demo model for the drawn demo "
                        "catalogue, else general.pt, the pretrained-trunk model for real photos)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default: sqlite under <index home>/<name>/)")
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue (default: the one this catalogue was "
                        "imported with, else <folder>/sane-mapping.json)")
    parser.add_argument("--category-map", metavar="MAP",
                        help="catalogue category -> model category or 'general', for categories the model does not "
                        "know by name: a JSON file, or inline 'Tops=tops,Jewellery=general' (default: the choices "
                        "of the last index; categories not named are mapped by name, else 'general')")
    parser.add_argument("--index-dir", type=folder_arg, help="folder for FAISS files and manifest (default: <index home>/<name>/)")
    parser.add_argument("--batch-size", type=whole_number(1, MAX_BATCH), default=64,
                        help=f"images per forward pass (default 64; 1 to {MAX_BATCH})")
    parser.add_argument("--workers", type=whole_number(0, MAX_WORKERS), default=None,
                        help="image decoding processes (default: half the CPU cores, at least 1; the model "
                        f"gets the other cores; 0 decodes in this process; at most {MAX_WORKERS})")
    parser.add_argument("--device", type=device_arg, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--memory-budget", metavar="SIZE",
                        help="memory all the catalogue's indexes may hold, e.g. 4GiB or 512M: a category over its "
                        "share gets a compressed index re-ranked exactly from stored vectors (default: "
                        "$SANE_INDEX_MEMORY_BUDGET, else no budget)")
    parser.add_argument("--vector-backend", choices=("faiss", "pgvector"),
                        help="where the vectors are searched: FAISS files in the index folder, or pgvector tables "
                        "on the catalogue's PostgreSQL server (default: $SANE_VECTOR_BACKEND, else faiss)")
    parser.add_argument("--shard", metavar="I/N",
                        help="run as worker I of N on a catalogue shared on PostgreSQL (--db postgresql+psycopg://"
                        "...), on this or other machines: workers claim batches of items with FOR UPDATE SKIP "
                        "LOCKED (worker I first takes the items with id %% N == I-1, then helps with the rest), "
                        "take over a dead worker's batch, and each builds its index folder once every item is "
                        "embedded. Refused on SQLite")
    parser.add_argument("--cells", choices=("auto", "stored", "on-demand"), default="auto",
                        help="keep each item's per-cell outputs (what the tiles' explanations read: ~6 KB an item) "
                        "in the database, or compute them for the items on screen when asked (default auto: "
                        "stored up to 1,000,000 items)")
    parser.add_argument("--rebuild", action="store_true",
                        help="read every photo again (also those whose size and modification time did not move) "
                        "and rebuild the indexes even when nothing changed (default: a run that changed nothing, "
                        "with every index file verified against its checksum, keeps them)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service import building

    from sane_desktop.service.mapping import read_category_map

    category_map = read_category_map(args.category_map) if args.category_map is not None else None
    budget = building.memory_budget_bytes(args.memory_budget) if args.memory_budget is not None else None
    if args.name is None and args.index_dir is None and args.db is None:
        say_second_catalogue(args.catalogue)
    progress = TqdmProgress(enabled=not args.json)
    try:
        report = building.index_folder(args.catalogue, args.name, args.model, db_url=args.db,
                                       index_dir=args.index_dir, mapping=args.mapping, batch_size=args.batch_size,
                                       workers=args.workers, device=args.device, progress=progress,
                                       replace=args.replace, category_map=category_map, memory_budget=budget,
                                       vector_backend=args.vector_backend, shard=args.shard, cells=args.cells,
                                       rebuild=args.rebuild)
    finally:
        progress.close()
    summary = report.indexed.as_dict()
    summary["shard"] = args.shard
    # which database, under query --json's names (trial DI: a script could not match its index to its queries)
    summary["catalogue_uid"], summary["catalogue_revision"] = report.uid or None, report.revision
    if summary.get("note"):
        say(f"note: {summary['note']}")
    return summary


LISTED = 12  # names a summary line lists before "… and N more"


def _some(names: list[str]) -> str:
    """``names`` (printable), the first :data:`LISTED` of a longer list and how many more."""
    shown = ", ".join(printable(name) for name in names[:LISTED])
    return f"{shown}, … and {len(names) - LISTED} more (--json lists all)" if len(names) > LISTED else shown


def _vector_counts(vectors: dict[str, int], index_types: dict[str, str]) -> str:
    """Each category's vectors and FAISS index type; past :data:`LISTED` categories, the totals by index
    type and the largest categories (trial CS: 300 folders made a 7,200-character line)."""
    if len(vectors) <= LISTED:  # in the window's order ("Bikini, Jacken ü, JEANS": trial EO read code points' order)
        return ", ".join(f"{printable(c)} {vectors[c]} ({index_types[c]})" for c in sorted(vectors, key=sort_key))
    kinds: dict[str, int] = {}
    for category, count in vectors.items():
        kinds[index_types[category]] = kinds.get(index_types[category], 0) + count
    largest = sorted(vectors, key=lambda category: -vectors[category])
    return (f"{len(vectors)} categories, " + ", ".join(f"{n} vectors ({kind})" for kind, n in kinds.items())
            + "; the largest: " + _some([f"{c} {vectors[c]}" for c in largest]))


def render(result: dict[str, Any]) -> str:
    # the files left out, as `import` lists them: counted in the headline too, so that "0 failed"
    # never reads as "everything went in"
    every_skip = (result.get("import_summary") or {}).get("skipped", [])
    skipped = [skip for skip in every_skip if is_file_skip(skip)]
    # the items left out (a photo unread, a table row refused) apart from notes on other files or rows
    # the mapping left out, as the window counts them (trial O)
    notes = sum(1 for skip in skipped if skip.get("kind") != "item")
    apart = f" ({counted(notes, 'more note')} below)" if notes else ""
    lines = [
        f"Indexed {result['name']!r}: {counted(result['items'], 'item')}, {result['embedded']} embedded, "
        f"{result['reused']} unchanged{' or by other workers' if result.get('shard') else ''}, "
        f"{len(skipped) - notes} skipped{apart}, {len(result['failed'])} failed"
        f"{' (not read while indexing: listed below)' if result['failed'] else ''} "
        f"({result.get('total_seconds') or result['seconds']} s on {result['device']}, "
        + (f"{result['images_per_second']} images/s)" if result["embedded"] else "nothing new to embed)"),
        "  " + _vector_counts(result["vectors"], result["index_types"]),
    ]
    forced = str(result.get("rebuilt_because") or result.get("rebuild_reason") or "").startswith("forced")
    if forced and result["reused"]:  # "0 embedded, 300 unchanged" read as "--rebuild read nothing" (trial BT)
        lines.append(f"  every photo was read and hashed again: {result['reused']} hold the bytes they held, so their "
                     "stored vectors (this model's) were kept")
    if result.get("rebuilt") is False:
        lines.append(f"  not rebuilt: {result.get('rebuild_reason')}")
    elif result["rebuilt_because"]:
        lines.append(f"  rebuilt: {result['rebuilt_because']}")
    elif result.get("rebuild_reason"):
        lines.append(f"  rebuilt: {result['rebuild_reason']}")
    how = {"auto": "by name", "user": "your choice", "general": "no model category of that name: visual similarity"}
    unmatched = {c: t for c, t in result["mapped"].items() if result["mapped_how"].get(c) != "exact"}
    carried = result.get("carried_choices") or {}
    if unmatched:  # grouped by where they went: 300 folders read "cNNN -> general (…)" 300 times (trial CS)
        groups: dict[tuple[str, str], list[str]] = {}
        for c, t in sorted(unmatched.items(), key=lambda pair: sort_key(pair[0])):  # the window's order
            said = how.get(result["mapped_how"].get(c, ""), result["mapped_how"].get(c))
            if (carried.get(c) or {}).get("how") == "by name":  # passed on from a renamed folder: nobody chose it
                said = f"as “{carried[c]['from']}” was, by its name"  # (trial EM read "your choice")
            groups.setdefault((t, said), []).append(c)
        lines.append("  categories: " + "; ".join(
            f"{_some(names)} -> {printable(target)} ({said})" for (target, said), names in groups.items()))
    from sane_desktop.service.mapping import inline_map  # loaded already: the index ran

    for category, suggestion in sorted(result.get("suggestions", {}).items(), key=lambda pair: sort_key(pair[0])):
        # quoted as a shell needs it, so a suggestion for "Ankle Boots" can be pasted as it is
        choice = shlex.quote(inline_map(category, suggestion["category"]))
        lines.append(printable(f"  {category}: try --category-map {choice} ({suggestion['reason']})"))
    items = ((result.get("import_summary") or {}).get("changes") or {}).get("items") or {}
    if any(items.get(key) for key in ("inserted", "updated", "deleted")):  # what the re-import found changed
        lines.append(f"  items since the last import: {items.get('inserted', 0)} new, {items.get('updated', 0)} "
                     f"changed, {items.get('deleted', 0)} removed")
    aside = (result.get("import_summary") or {}).get("damaged_set_aside")
    if aside:
        lines.append(f"  the damaged catalogue database was set aside as {aside}; the catalogue was built anew")
    copies = (result.get("import_summary") or {}).get("duplicates", [])
    if copies:  # information, not errors: both are indexed, and a search leaves out copies of the outfit's photos
        lines.append(f"  same photo as another item: {len(copies)} (both indexed; a search leaves out copies of the "
                     "outfit's own photos):")
        lines += [f"    {entry_line(s)}" for s in copies[:20]]
        if len(copies) > 20:
            lines.append(f"    ... and {len(copies) - 20} more (use --json for all)")
    lines += value_lines((result.get("import_summary") or {}).get("values", []))
    poorly = (result.get("import_summary") or {}).get("framing", [])
    lines += framing_lines(poorly, "indexed")
    lines += skipped_lines(every_skip, "not indexed")
    failed = result.get("failed") or []
    if failed:  # read by the import, unread by the embedding: in the catalogue, in no index (trial EK: a count only)
        lines.append(f"  not read while indexing: {len(failed)} (in the catalogue, not searchable until it is indexed "
                     "again):")
        lines += [f"    {entry_line(entry)}" for entry in failed[:20]]
        if len(failed) > 20:
            lines.append(f"    ... and {len(failed) - 20} more (use --json for all)")
    lines += saved_outfit_lines((result.get("import_summary") or {}).get("saved_outfits", []))
    lines.append(f"  index: {result['index_dir']}")
    return "\n".join(lines)
