"""``sane-desktop explain NAME --query ID --candidate ID``: why do these two items match?

Saliency maps of both images (fast, rise or sliding) and the explaining attribute of the query
with each part of its score. Maps are saved as ``.npy`` at the model's 112×112 resolution, aligned
with the centre crop of the short-side-resized image, plus PNG overlays. A thin client of the
service: the explanation is ``Explanations.explain_pair`` (the window's first view runs the same),
cached by model hash, both images' content hashes, method and settings under
``<index home>/<NAME>/explanations/``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sane_desktop.cli import (
    MAX_RISE_MASKS, CliError, add_json_flag, folder_arg, folder_gone_note, os_error_line, path_arg, print_result,
    printable, right_aligned, say, say_metadata_changed, whole_number,
)
from sane_desktop.catalogue.jsonfile import JsonObject
from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.errors import InputError, SaneError
from sane_desktop.paths import EXPLANATIONS_FOLDER

if TYPE_CHECKING:
    from sane_desktop.service import OpenCatalogue, PairExplanation

MANY_PASSES = 500  # a method passing this many images per pair is said before it starts
# fast_detail: finer maps for small regions; auto: the exact map the window ends on for this model
METHOD_CHOICES = ("auto", "fast", "fast_detail", "rise", "sliding")
ALIGNMENT = "model input: short side resized to {size} px, centre crop {size}x{size}"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="explain why two catalogue items match (saliency + attribute)",
        description="SANE explanation of a match: saliency maps of both images in the pair's type space and "
        "the query's explaining attribute (confidence, map match, prior, partner, base rate).")
    parser.add_argument("name", help="indexed catalogue name (<index home>/<NAME>/)")
    parser.add_argument("--query", help="catalogue item id of the query: the item whose attributes are ranked (SANE "
                        "explains the query; the window's query is the result you click)")
    parser.add_argument("--candidate", help="catalogue item id of the item it is matched with (the window's outfit item); "
                        "with --outfit: the result whose match with the outfit is explained")
    parser.add_argument("--method", choices=METHOD_CHOICES, default="auto",
                        help="saliency method (default auto: the window's exact map for this model — fast_detail "
                        "for a pretrained trunk, whose finer map enlarges the pictures, else fast; the attribute is "
                        "ranked on the exact fast map whichever method draws, as the window's chip)")
    parser.add_argument("--pairs", type=path_arg, help='JSON list of {"query": ID, "candidate": ID}: one JSON line each')
    parser.add_argument("--outfit", action="append", metavar="ID[,ID...]",
                        help="with --candidate: explain the candidate's summed score against this outfit (the score "
                        "outfit search ranks by), split over its items, with the outfit-level attribute (repeatable)")
    parser.add_argument("--save-maps", type=folder_arg, help="folder for .npy maps and PNG overlays "
                        "(default: the cache folder)")
    parser.add_argument("--model", type=path_arg, help="checkpoint (default: the one the index was built with)")
    parser.add_argument("--selection", type=path_arg, help="fitted attribute selection (default: <index home>/<NAME>/explain_selection.json"
                        " written by evaluate-explanations --save-selection, else <model>.selection.json beside the model)")
    parser.add_argument("--rise-masks", type=whole_number(1, MAX_RISE_MASKS), default=2000,
                        help=f"RISE masks (default 2000; at most {MAX_RISE_MASKS:,})")
    parser.add_argument("--no-cache", action="store_true", help="recompute even when cached")
    # as query and items take them: a catalogue indexed with --db is explained from that database
    parser.add_argument("--db", help="SQLAlchemy database URL (default: sqlite under <index home>/<name>/)")
    parser.add_argument("--index-dir", type=folder_arg, help="folder of the index (default: <index home>/<name>/)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


PAIR_SHAPE = '{"query": ID, "candidate": ID}'


def _read_pairs(path: Path) -> list[tuple[str, str] | str]:
    """The pairs of a ``--pairs`` file, in order: a (query, candidate) per good entry, and for a
    malformed entry the reason, so that one bad line is reported and the others still run.
    Raises InputError when the file itself cannot be read or is not a JSON list."""
    try:
        # objects keep each key's first value and list the repeated ones: such an entry is refused below
        data = json.loads(read_regular_file(path).decode("utf-8"), object_pairs_hook=JsonObject)  # a pipe blocked (trial BO)
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise CliError(f"{path}: not JSON ({error})") from error
    if not isinstance(data, list) or not data:
        raise CliError(f"{path}: expected a non-empty JSON list of {PAIR_SHAPE}")
    pairs: list[tuple[str, str] | str] = []
    for entry in data:
        if isinstance(entry, JsonObject) and entry.duplicates:  # which "query" was meant is not ours to guess
            pairs.append(f"key {entry.duplicates[0]!r} is given twice in {json.dumps(entry)[:80]}: give it once")
            continue
        ok = isinstance(entry, dict) and all(isinstance(entry.get(key), (str, int)) for key in ("query", "candidate"))
        pairs.append((str(entry["query"]), str(entry["candidate"])) if ok else f"expected {PAIR_SHAPE}, got "
                     f"{json.dumps(entry)[:80]}")
    return pairs


def _default_maps_dir(folder: Path) -> Path:
    """``<catalogue>/explanations/maps``, or, when the catalogue is read-only (a finished catalogue
    on read-only media can still be explained), one folder per catalogue in the user's cache folder,
    reused by every run (maps are named by their content: nothing piles up, as temporary folders did)."""
    import hashlib
    import os

    from sane_desktop.paths import EXPLAIN_MAPS_FOLDER, user_cache_dir

    maps = folder / EXPLANATIONS_FOLDER / "maps"
    existing = next((p for p in (maps, maps.parent, folder) if p.exists()), folder)
    if os.access(existing, os.W_OK):
        return maps
    return user_cache_dir() / EXPLAIN_MAPS_FOLDER / hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]


def _file_word(item_id: str) -> str:
    """An item id as part of a file name: letters, digits, ``.``, ``-`` kept (accents too), any other
    run as ``-``, at most 40 characters and :data:`FILE_WORD_BYTES` bytes (two of them, the digest, the map's name
    and a temporary's suffix stay under a file system's 255 bytes: trial EO's Japanese ids did not)."""
    from sane_desktop.paths import cut_to_bytes

    return cut_to_bytes(re.sub(r"[^\w.-]+", "-", item_id).strip("-.")[:40], FILE_WORD_BYTES).rstrip("-.") or "item"


FILE_WORD_BYTES = 60


def _summary(catalogue: OpenCatalogue, result: PairExplanation, save_dir: Path | None,
             rise_masks: int | None = None) -> dict[str, Any]:
    """The JSON of one explanation, with its maps saved as .npy and PNG overlays. ``rise_masks``: the masks
    of a RISE run (its maps' names and record keep it: trial CH's 200- and 300-mask maps overwrote each other)."""
    import hashlib

    import numpy as np

    from sane_desktop.explain.overlay import blend, denormalise, save_png
    from sane_desktop.paths import (
        check_outside_package, check_writable_folder, disk_full_or, folder_problem, write_atomically,
    )

    prep = catalogue.model.bundle().preprocessing
    out_dir = check_outside_package(save_dir or _default_maps_dir(catalogue.folder), "--save-maps")
    if save_dir is None:  # --save-maps was checked before the work (run); the default folder is checked here
        try:
            check_writable_folder(out_dir, "the maps' folder", make=True)
        except InputError as error:
            # the explanation is said all the same, its maps not written (trial CG: a read-only cache home
            # gave one error line and no explanation, though nothing of the text needed writing)
            return {**_text_of(catalogue, result), "maps": None,
                    "maps_not_saved": f"{error}: give a folder with --save-maps DIR"}
    masks = rise_masks if result.method == "rise" else None
    # everything the explanation was derived from (its cache key: the model, both photos and their labels, the
    # method and its settings, the attribute selection, the type space, the code): trial CZ's new selection
    # wrote another attribute over the same files, the record naming no selection
    digest = hashlib.sha256(json.dumps([result.model_hash, result.query.item_id, result.query.content_hash,
                                        result.candidate.item_id, result.candidate.content_hash,
                                        result.method, *([masks] if masks else []),
                                        *([result.derived_from] if result.derived_from else [])]).encode()).hexdigest()
    # the pair's ids first, so a folder of several pairs reads by name (trial U saw only hashes); the
    # digest's head keeps another model's, method's, photo's or selection's maps of that pair apart
    stem = f"{_file_word(result.query.item_id)}~{_file_word(result.candidate.item_id)}_{digest[:10]}"
    pictures = {role: denormalise(catalogue.model.image(item).numpy(), prep.mean, prep.std)
                for role, item in (("query", result.query), ("candidate", result.candidate))}

    failures: list[OSError] = []

    def not_written() -> MapsNotWritten:
        """Why the maps could not be written, in words (a full disk read "pass --save-maps DIR", the option
        just given: trial CR); the way to another folder only when the folder was not chosen. It carries the
        explanation's text, which needs no disk (trial CT lost it to the error line)."""
        why = os_error_line(failures[-1]) if failures else folder_problem(out_dir) or "the folder cannot be written"
        words = (f"cannot write the maps to {out_dir} ({why})"
                 + (": give another folder with --save-maps DIR" if save_dir is None else ""))
        return MapsNotWritten(words, {**_text_of(catalogue, result), "maps": None, "maps_not_saved": words})

    def writing(write: Callable[[Path], object]) -> Callable[[Path], bool]:
        def attempt(file: Path) -> bool:
            try:
                write(file)
            except OSError as error:  # kept for the words; write_atomically removes the partial file
                failures.append(disk_full_or(error, out_dir))
                return False
            return True
        return attempt

    made: list[Path] = []  # files this call wrote where none was: taken away when the set cannot be finished

    def save(name: str, role: str, picture_map: Any, target: dict[str, Any]) -> None:
        path = out_dir / f"{stem}_{name}"
        values = np.asarray(picture_map, np.float32)
        made.extend(file for file in (path.with_suffix(".npy"), path.with_suffix(".png")) if not file.exists())
        if not write_atomically(path.with_suffix(".npy"), writing(lambda file: np.save(file, values))):
            raise not_written()
        try:  # the overlay as the values: a failed write says why, the explanation's text kept (a review)
            save_png(blend(pictures[role], picture_map), path.with_suffix(".png"))
        except OSError as error:
            failures.append(disk_full_or(error, out_dir))
            raise not_written() from None
        target[role], target[f"{role}_overlay"] = str(path.with_suffix(".npy")), str(path.with_suffix(".png"))

    try:
        return _save_maps(catalogue, result, out_dir, stem, masks, save, writing, not_written, made)
    except MapsNotWritten:
        # a set without its record says nothing of what it came from (trial DI found two maps and no record
        # after a full disk): what this call began is taken away; a set written before is left as it was
        for file in made:
            file.unlink(missing_ok=True)
        raise


def _save_maps(catalogue: OpenCatalogue, result: PairExplanation, out_dir: Path, stem: str, masks: int | None,
               save: Callable[[str, str, Any, dict[str, Any]], None],
               writing: Callable[[Callable[[Path], object]], Callable[[Path], bool]],
               not_written: Callable[[], MapsNotWritten], made: list[Path]) -> dict[str, Any]:
    """The maps of ``result`` saved under ``stem`` in ``out_dir``, then their record (see :func:`_summary`)."""
    from sane_desktop.paths import write_atomically

    prep = catalogue.model.bundle().preprocessing
    paths: dict[str, Any] = {"resolution": [prep.size, prep.size], "alignment": ALIGNMENT.format(size=prep.size)}
    save("query", "query", result.query_map, paths)
    save("candidate", "candidate", result.candidate_map, paths)
    if result.attribute and result.attribute in result.attribute_maps:
        # where the attribute net sees the explaining attribute (its activation map, logits)
        paths["attribute"] = {"name": result.attribute}
        q_map, c_map = result.attribute_maps[result.attribute]
        save("attribute_query", "query", q_map, paths["attribute"])
        save("attribute_candidate", "candidate", c_map, paths["attribute"])
    # what the maps were derived from, beside them (trial AK: a folder of .npy files named by a digest
    # said nothing of the model, the method or the photos behind them)
    record = {"format": "sane-maps/1", "catalogue": catalogue.info.name, "catalogue_uid": catalogue.info.uid,
              "model_hash": result.model_hash, "method": result.method, **({"rise_masks": masks} if masks else {}),
              # the attribute choice's inputs too: the fitted selection (null: the untuned defaults), the pair's
              # type space, and the key of everything the explanation was derived from
              "selection": catalogue.explanations.selection().source or None, "space": result.space,
              "derived_from": result.derived_from or None,
              "similarity": result.similarity, "attribute": result.attribute,
              "query": {"item_id": result.query.item_id, "content_hash": result.query.content_hash},
              "candidate": {"item_id": result.candidate.item_id, "content_hash": result.candidate.content_hash},
              # file names beside the record (trial AP: paths relative to where the command ran pointed nowhere
              # once read from elsewhere)
              "maps": _names_only({k: v for k, v in paths.items() if k not in ("resolution", "alignment")}),
              "resolution": paths["resolution"], "alignment": paths["alignment"]}
    record_path = out_dir / f"{stem}.json"
    if not record_path.exists():
        made.append(record_path)
    if not write_atomically(record_path, writing(lambda file: file.write_text(json.dumps(record, indent=1), "utf-8"))):
        raise not_written()
    paths["record"] = str(record_path)
    return {**_text_of(catalogue, result), "maps": paths}


def _provenance(catalogue: OpenCatalogue) -> dict[str, Any]:
    """Which catalogue an answer came from, under ``query --json``'s names: a catalogue made anew under the
    same name restarts its revisions at 1 and a demo its ids (trial DI could not tell two explanations apart)."""
    return {"catalogue": catalogue.info.name, "catalogue_uid": catalogue.info.uid,
            "catalogue_revision": catalogue.info.revision, "source_folder": str(catalogue.items.root),
            "index_written_at": catalogue.search.written_at() or None}


def _text_of(catalogue: OpenCatalogue, result: PairExplanation) -> dict[str, Any]:
    """The JSON of one explanation but its maps' files."""
    from sane_desktop.explain.abstain import ranking_withheld

    # a ranking by attributes learnt on another world (the bundled general model's drawn garments) is
    # withheld here as in the window's Details: listed, "motif:moon 1.00" read as a reason all the same
    foreign = ranking_withheld(result.abstained)
    return {
        "query": result.query.item_id, "candidate": result.candidate.item_id, "method": result.method,
        "attribute": result.attribute, "abstained": result.abstained,
        "attributes": [] if foreign else [a.as_dict() for a in result.attributes],
        "similarity": result.similarity, "space": result.space,
        # in words, as query's "space": the pair's learnt type space, or the general one (how alike they look)
        "compared_by": "general" if result.space == catalogue.model.bundle().compatibility.general_space
        else "compatibility",
        "seconds": round(result.seconds, 5),
        "forward_passes": result.forward_passes, "selection_tuned": result.selection_tuned,
        # a fitted selection passed over (fitted for another model or vocabulary): why the choice is untuned
        "selection_passed_over": list(catalogue.explanations.selection().passed_over),
        # the fitted selection file behind the attribute choice (null: the untuned defaults; trial CH)
        "selection": catalogue.explanations.selection().source or None,
        "model_hash": result.model_hash, "cached": result.cached,
        # the photos explained, and the key of everything the explanation was derived from (as the maps' record)
        "query_content_hash": result.query.content_hash, "candidate_content_hash": result.candidate.content_hash,
        "derived_from": result.derived_from or None, **_provenance(catalogue),
    }


def _names_only(maps: dict[str, Any]) -> dict[str, Any]:
    """``maps`` with each file path as its name alone (the files lie beside the record), nested too."""
    return {k: _names_only(v) if isinstance(v, dict) else Path(v).name if k != "name" else v for k, v in maps.items()}


def run(args: argparse.Namespace) -> dict[str, Any] | None:
    from sane_desktop.service import Catalogues

    # an id as typed, "  ID" or "ID " (quoted from a list), is looked up as given, then without the
    # spaces (by_item_id: a folder's file name may end in spaces); a blank one is refused before (cli.main)
    if args.outfit:
        return _run_outfit(args)
    if args.pairs is None and bool(args.query) != bool(args.candidate):  # one half of a pair: name the other
        given, missing = ("--query", "--candidate") if args.query else ("--candidate", "--query")
        raise CliError(f"{given} needs {missing} ID too (the other item of the pair)"
                       + ("" if args.query else ", or --outfit ID,ID... for the outfit's reason"))
    if args.pairs is None and not (args.query and args.candidate):
        raise CliError("give --query ID --candidate ID, --candidate ID --outfit ID,ID..., or --pairs FILE")
    if args.pairs is not None and (args.query or args.candidate):
        raise CliError("give either --query/--candidate or --pairs, not both")
    pairs = _read_pairs(args.pairs) if args.pairs is not None else [(args.query, args.candidate)]
    if all(isinstance(pair, str) for pair in pairs):
        raise CliError(f"{args.pairs}: no entry is a pair ({pairs[0]})")
    made_folder = False  # --save-maps' folder made by this run: taken away again, empty, when no map could be saved
    if args.save_maps is not None:  # before the maps are computed: a RISE run takes minutes (trial V)
        from sane_desktop.paths import check_outside_package, check_writable_folder

        made_folder = not Path(args.save_maps).exists()
        check_writable_folder(check_outside_package(args.save_maps, "--save-maps"), f"--save-maps {args.save_maps}",
                              make=True)
    catalogue = Catalogues(model=given_model(args)).open(args.name, selection=args.selection, db_url=args.db,
                                                   index_dir=args.index_dir)
    try:
        _say_model(catalogue, args.model)
        _say_metadata(catalogue, args)
        catalogue.explanations.check_index()  # before the ids: a stale index is said as query says it

        # a method of many passes says so before it starts (a trial's sliding window ran 2 minutes
        # without a word on a CPU), and draws a bar at a terminal
        if args.method == "auto":  # a trial drew the coarse map here beside the window's finer one
            args.method = catalogue.explanations.exact_method()
        passes = catalogue.explanations.pair_passes(args.method, args.rise_masks)
        if passes >= MANY_PASSES:
            say(f"note: {args.method} passes {passes:,} images through the model for each pair; on a CPU "
                "this can take minutes (the fast method takes a few)")
        from sane_desktop.progress import TqdmProgress

        progress = TqdmProgress(enabled=not args.json)

        def explain(query_id: str, candidate_id: str) -> dict[str, Any]:
            query, candidate = catalogue.items.by_item_id([query_id, candidate_id])
            if query.pk == candidate.pk:  # a perfect match by definition, with an attribute "explaining" it
                raise CliError(f"{candidate.item_id!r} explained against itself: give two different items")
            try:
                result = catalogue.explanations.explain_pair(query, candidate, args.method, n_masks=args.rise_masks,
                                                             use_cache=not args.no_cache, progress=progress)
            finally:
                progress.close()
            try:
                summary = _summary(catalogue, result, args.save_maps, args.rise_masks)
            except MapsNotWritten as unwritten:
                if args.save_maps is None:  # the default folder, not asked for: the text, its maps said not saved
                    return unwritten.summary  # (as when that folder cannot be written at all)
                if args.pairs is not None:  # the pair's line, then its error line; the pair counted as failed
                    raise
                if made_folder:  # trial DL found the empty folder left behind (rmdir: only when empty)
                    with contextlib.suppress(OSError):
                        Path(args.save_maps).rmdir()
                # the explanation, then the one error line (its note would say the same: trial DL read both)
                shown = unwritten.summary if args.json else {**unwritten.summary, "maps_not_saved": ""}
                with contextlib.suppress(OSError):  # stdout itself failing: the error line below still says it
                    print_result(args, shown)
                raise CliError(str(unwritten)) from None
            if result.method == "rise":  # what a researcher needs to compare runs: passes alone do not say
                summary["rise_masks"] = args.rise_masks
            return summary

        if args.pairs is None:
            return explain(args.query, args.candidate)
        failed = 0
        for number, pair in enumerate(pairs, 1):  # one JSON object per line, as each finishes
            if isinstance(pair, str):  # a malformed entry: reported on its own line, the others go on
                failed += 1
                say(f"error: pair {number}: {pair}")
                continue
            query_id, candidate_id = pair
            try:
                line = json.dumps(explain(query_id, candidate_id), default=str)
            except MapsNotWritten as unwritten:  # its explanation's line all the same, then the error (a review)
                sys.stdout.write(json.dumps(unwritten.summary, default=str) + "\n")
                sys.stdout.flush()
                if len(pairs) == 1:
                    raise CliError(str(unwritten)) from None
                failed += 1
                say(f"error: pair {number} ({query_id!r}, {candidate_id!r}): {unwritten}")
                continue
            except SaneError as error:  # a bad pair is reported on its own line; the others go on
                if len(pairs) == 1:  # the one pair: its error is the one line (not it and "1 of 1 pairs …")
                    raise
                failed += 1
                say(f"error: pair {number} ({query_id!r}, {candidate_id!r}): {error}")
                continue
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    finally:
        catalogue.close()
    if failed:
        raise InputError(f"{failed} of {len(pairs)} pairs could not be explained (see above)")
    return None


class MapsNotWritten(InputError):
    """The maps could not be written; ``summary`` is the explanation without them."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message)
        self.summary = summary


def _say_model(catalogue: Any, model: Path | None) -> None:
    """A ``note:`` line (stderr) when ``--model`` is not the model the catalogue's index was built
    with: its similarities and scores are not the ones ``query`` ranked by (a trial saw 0.70 become
    0.998 for one pair without a word)."""
    from sane_desktop.service.catalogues import index_model

    if model is None:
        return
    indexed = index_model(catalogue.folder)
    if indexed is not None and indexed[1] != catalogue.model.bundle().content_hash:
        same_file = bool(indexed[0]) and Path(indexed[0]).resolve() == Path(model).resolve()
        # the very file the index names, replaced since (trial AT read the one path twice)
        say(f"note: explained with --model {model}, which holds another model now than the one the index was "
            f"built with ({indexed[1][:12]}): its scores are not the ones query ranks by" if same_file else
            f"note: explained with --model {model}, not the model the index was built with "
            f"({indexed[0] or indexed[1][:12]}): its scores are not the ones query ranks by")


def _say_metadata(catalogue: Any, args: argparse.Namespace) -> None:
    """The catalogue's metadata note; a catalogue whose folder is gone is refused here, in one line with
    the way to index it where it is now: an explanation reads the photos (trial V read one photo "gone …
    re-index", and that re-index failed for the folder)."""
    if not Path(catalogue.items.root).is_dir():
        raise CliError(folder_gone_note(catalogue.items.root, catalogue.info.name, db_url=args.db,
                                        index_dir=args.index_dir, on_server=catalogue.index_on_server(),
                                        then="its photos cannot be read to explain them"))
    changed = catalogue.items.metadata_changed()
    say_metadata_changed(changed, catalogue.items.root, catalogue.info.name, gone=catalogue.items.metadata_gone(changed),
                         db_url=args.db, index_dir=args.index_dir, on_server=catalogue.index_on_server())


def _run_outfit(args: argparse.Namespace) -> dict[str, Any]:
    """``--candidate ID --outfit ID,...``: the outfit's reason (issue 17) and each item's pair view."""
    from sane_desktop.service import Catalogues

    if not args.candidate or args.query or args.pairs is not None:
        raise CliError("--outfit takes --candidate ID (not --query or --pairs)")
    # options a pair explanation reads and this one does not: refused, never silently ignored (a trial's
    # --save-maps wrote nothing and said nothing)
    unused = [flag for flag, given in (("--save-maps", args.save_maps is not None), ("--method", args.method not in ("auto", "fast")),
                                       ("--rise-masks", args.rise_masks != 2000)) if given]
    if unused:
        raise CliError(f"--outfit explains with the exact fast maps and saves none: {', '.join(unused)} "
                       f"{'does' if len(unused) == 1 else 'do'} not apply (explain one pair, --query ID --candidate ID, "
                       "for its maps)")
    if not any(i.strip() for entry in args.outfit for i in entry.split(",")):
        raise CliError("--outfit: give at least one item id")
    catalogue = Catalogues(model=given_model(args)).open(args.name, selection=args.selection, db_url=args.db,
                                                   index_dir=args.index_dir)
    try:
        # an id may hold a comma: the catalogue says which entry is one
        from sane_desktop.service.items import listed_ids

        outfit_ids = catalogue.items.split_ids(args.outfit)
        # refused as query refuses them (a trial's outfit was changed without a word: a repeat dropped,
        # the candidate left out of the shares while the header still listed it)
        repeated = sorted({item_id for item_id in outfit_ids if outfit_ids.count(item_id) > 1})
        if repeated:
            raise CliError(f"--outfit names {listed_ids(repeated)} more than once (an outfit holds an item once)")
        _say_model(catalogue, args.model)
        _say_metadata(catalogue, args)
        catalogue.explanations.check_index()  # before the ids: a stale index is said as query says it
        candidate, *members = catalogue.items.by_item_id([args.candidate, *outfit_ids])
        if any(member.pk == candidate.pk for member in members):
            raise CliError(f"--candidate {candidate.item_id!r} is in its own --outfit: a result is an item that "
                           "is not in the outfit yet")
        reason = catalogue.explanations.explain_outfit(candidate.pk, [m.pk for m in members])
        assert reason is not None  # never stopped here
        summary = reason.as_dict()
        from sane_desktop.explain.abstain import ranking_withheld

        if ranking_withheld(reason.abstained):  # as the pair's JSON: withheld, not listed
            summary["attributes"] = []
        bundle = catalogue.model.bundle()
        general = bundle.compatibility.general_space
        for share in summary["shares"]:  # the drill-down: each pair's own explaining attribute
            # the space as words, as a pair's explanation says it: a type space, or the general one
            # (a pair compared by looks: a category the model learnt no matches for), or none (a
            # space no training outfit reached: its share is 0, and it has no attribute of its own)
            if share["space"] in bundle.unlearnt_spaces:
                share["compared_by"], share["pair_attribute"], share["pair_abstained"] = "not compared", None, ""
                continue
            share["compared_by"] = "general" if share["space"] == general else "compatibility"
            pair = catalogue.explanations.explain_pair(candidate, next(m for m in members if m.item_id == share["item"]),
                                                       "fast", use_cache=not args.no_cache)
            share["pair_attribute"], share["pair_abstained"] = pair.attribute, pair.abstained
        summary["selection_passed_over"] = list(catalogue.explanations.selection().passed_over)
        summary["selection"] = catalogue.explanations.selection().source or None
        summary["model_hash"] = bundle.content_hash  # what it was derived from, as the pair's JSON says it
        provenance = _provenance(catalogue)
    finally:
        catalogue.close()
    summary["outfit"] = outfit_ids
    return {"outfit_reason": summary, **provenance}


# said under an explanation whose attribute was chosen by the untuned default weights: a choice
# nobody fitted for this model reads as confidently as a fitted one otherwise
UNTUNED_NOTE = ("note: the attribute was chosen by untuned default weights, not a selection fitted for this model "
                "(evaluate-explanations CATALOGUE --model CKPT --save-selection <index home>/NAME/explain_selection.json "
                "fits one)")


def _render_outfit(result: dict[str, Any]) -> str:
    from sane_desktop.service.match_score import points_text

    reason = result["outfit_reason"]
    by_looks = [share["item"] for share in reason["shares"] if share.get("compared_by") == "general"]
    which = "every pair compared by looks: a likeness, not a match" if len(by_looks) == len(reason["shares"]) \
        else f"{len(by_looks)} of {len(reason['shares'])} pairs compared by looks" if by_looks else ""
    lines = [f"{printable(reason['candidate'])} with outfit {printable(', '.join(reason['outfit']))}: outfit score {reason['score']:.3f} "
             f"(Σ of its cosines; the cells sum to {reason['cells_sum']:.3f}{'; ' + which if which else ''})"]
    if reason["attribute"]:
        first = reason["attributes"][0] if reason.get("attributes") else {}
        hardly = (f" (nearest reason: {printable(reason['candidate'])} hardly shows it, confidence "
                  f"{first['confidence']:.3f})" if first.get("name") == reason["attribute"]
                  and first.get("confidence", 1.0) < 0.5 else "")
        lines.append(f"explaining attribute (whole outfit): {reason['attribute']}{hardly}")
    elif reason["abstained"]:
        lines.append(f"no explaining attribute: {reason['abstained']}")
    for share in reason["shares"]:
        # the same reason for every pair is said once, above, not repeated on each line
        why = share["pair_abstained"] or "no attribute net"
        pair = share["pair_attribute"] or ("none (as above)" if why == reason["abstained"] else f"none ({why})")
        if share.get("compared_by") == "not compared":
            kin = share.get("category") != reason.get("candidate_category", share.get("category"))
            pair = ("none: not compared (the model counts its category and the result's as one kind: an alternative)"
                    if share.get("alternative") and kin else
                    "none: not compared (the same category, an alternative to it)" if share.get("alternative") else
                    "none: not compared (the model learnt no matches for this pair of categories)")
        # points of the 0–100 match where the window gives them (an item pulls the match down), else percent
        percent = (f"{points_text(share['points'], share['share']):>8s}" if share.get("points") is not None
                   else f"{share['percent']:6.1f} %" if share.get("percent") is not None else "   n/a  ")
        # how much the item shows the outfit's attribute: meaningless when none was named
        # (and for an item not compared, which adds nothing to the match whatever it shows: blank, not a figure)
        shows = ("" if not reason["attribute"] else "              " if share.get("compared_by") == "not compared"
                 else f"  shows it {share['shows_attribute']:.2f}")
        looks = "  (by looks)" if share.get("compared_by") == "general" else ""
        lines.append(f"  {right_aligned(printable(share['item']), 12)}  share {share['share']:+.3f} ({percent}){shows}  "
                     f"pair's own attribute: {pair}{looks}")
    if reason["attribute"] and not reason.get("selection_tuned", True):
        lines.append(UNTUNED_NOTE)
    lines += [f"note: {said}" for said in reason.get("selection_passed_over", ())]
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    if "outfit_reason" in result:
        return _render_outfit(result)
    looks = " (visual similarity: how alike they look)" if result.get("compared_by") == "general" else ""
    lines = [f"{printable(result['query'])} ~ {printable(result['candidate'])}: similarity {result['similarity']:.3f}{looks} "
             f"({result['method']}, " + (f"{result['rise_masks']} masks, " if result.get("rise_masks") else "")
             + (f"from the cache; computed in {result['seconds'] * 1000:.1f} ms then)"
                                         if result.get('cached') else f"{result['seconds'] * 1000:.1f} ms)")]
    if result.get("abstained"):
        lines.append(f"no explaining attribute: {result['abstained']}")
    if result["attribute"]:
        # the roles as the window has them: a trial ran --query OUTFIT_ITEM --candidate RESULT, got another
        # ranking (SANE ranks the query's attributes) and read it as the window disagreeing
        first = result["attributes"][0] if result["attributes"] else {}
        # as the window says it: the item explained hardly shows it (trial DL read motif:heart at 0.016 unhedged)
        hardly = (f" (nearest reason: {printable(result['query'])} hardly shows it, confidence "
                  f"{first['confidence']:.3f})" if first.get("name") == result["attribute"]
                  and first.get("confidence", 1.0) < 0.5 else "")
        lines.append(f"explaining attribute (of {printable(result['query'])}, as the window's clicked result beside "
                     f"outfit item {printable(result['candidate'])}): {result['attribute']}{hardly}")
        for entry in result["attributes"][:5]:
            # every part the choice weighs (trial Y: "partner" decided, and only --json showed it)
            partner = f"  partner {entry['partner']:.3f}" if entry.get("partner") is not None else ""
            # 1 stands for "not known" (a selection fitted before base rates): not "on every item" (trial AA)
            rate = f"  base rate {entry['base_rate']:.3f}" if entry.get("base_rate") is not None \
                and entry["base_rate"] < 1 else ""
            lines.append(f"  {entry['name']:16s} score {entry['score']:8.3f}  confidence {entry['confidence']:.3f}  "
                         f"match {entry['match']:.3f}  prior {entry['prior']:.3f}{partner}{rate}")
        if not result.get("selection_tuned", True):
            lines.append(UNTUNED_NOTE)
    lines += [f"note: {said}" for said in result.get("selection_passed_over", ())]
    maps = result["maps"]
    if maps is None:  # the default maps' folder could not be written: said, the text above stands
        if result.get("maps_not_saved"):  # (a --save-maps folder's failure is the error line's to say)
            lines.append(f"note: no maps were saved: {result['maps_not_saved']}")
        return "\n".join(lines)
    pictures = [maps["query_overlay"], maps["candidate_overlay"]]
    if isinstance(maps.get("attribute"), dict):
        pictures += [maps["attribute"]["query_overlay"], maps["attribute"]["candidate_overlay"]]
    # every picture written, each with its .npy values beside it (trial U found 2 of the 8 files named)
    folder = Path(pictures[0]).parent
    lines.append(f"maps in {folder} (each .png with its values as .npy): "
                 + ", ".join(Path(picture).name for picture in pictures))
    return "\n".join(lines)


def given_model(args: argparse.Namespace) -> Path | None:
    """``--model`` as given, refused in :func:`load_checkpoint`'s words when it is no file (trial BG: a
    missing file read "the model demo.pt is missing: restore it, or re-index the catalogue", the words for
    a catalogue's own model gone); asked once the options are known to go together."""
    if args.model is None:
        return None
    from sane_desktop.service.model_names import named_model

    return named_model(Path(args.model))
