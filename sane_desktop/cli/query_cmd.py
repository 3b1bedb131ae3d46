"""``sane-desktop query NAME --outfit ID,...``: the items of a category that best complete an outfit;
``--similar ID``: the items that look most like one item."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from sane_desktop.catalogue.types import spelled_as
from sane_desktop.cli import (
    MAX_LISTED, CliError, add_json_flag, blank, display_width, folder_arg, folder_gone_note, padded, path_arg, printable,
    count_arg, say, say_metadata_changed,
)
from sane_desktop.service.titles import did_you_mean, tied_scores_words, unsearched_words
from sane_desktop.service.values import GENERAL_CATEGORY as GENERAL
from sane_desktop.service.values import best_compared

COMPATIBILITY = "compatibility"  # a category's JSON "space" when ranked by the model, else GENERAL (visual similarity)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "query",
        help="rank catalogue items by compatibility with an outfit",
        description="Exact type-aware outfit search: score(x) = sum over outfit items of their type-space "
        "cosine with x (the general space for a category the model does not know: its list is labelled 'looks "
        "alike', and its JSON \"space\" is \"general\" instead of \"compatibility\"). Leaves the outfit's own items "
        "out; one list per category unless --category is given. With --similar: the items that look most like one "
        "item, of its own category unless --category is given (cosine of the general embeddings).",
    )
    parser.add_argument("name", help="indexed catalogue name")
    parser.add_argument("--outfit", action="append", default=[],
                        help="comma-separated catalogue item ids (repeatable: the outfit is every one given)")
    parser.add_argument("--similar", metavar="ID", help="rank by visual similarity to this catalogue item instead")
    parser.add_argument("--category", help="target category, one of the catalogue's (default: every indexed "
                        "category; with --similar, the item's own)")
    parser.add_argument("-k", "-n", type=count_arg, default=10, dest="k",
                        help="results per category (default 10; -n as for 'items')")
    parser.add_argument("--image", type=path_arg, action="append", default=[], help="an outside image as an outfit item")
    parser.add_argument("--image-category", action="append", default=[], help="category of each --image")
    parser.add_argument("--db", help="SQLAlchemy database URL (default: sqlite under <index home>/<name>/)")
    parser.add_argument("--index-dir", type=folder_arg, help="folder of the FAISS files (default: <index home>/<name>/)")
    parser.add_argument("--vector-backend", choices=("faiss", "pgvector"),
                        help="require the index to be searched in this store (the index records the store it was "
                        "built in, by 'index --vector-backend'; a mismatch is refused). The memory budget is an "
                        "'index' setting: the compressed index it chose is what query opens")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def _photo_hash(path: Path) -> str:
    """SHA-256 of the file's bytes ("" when it cannot be read: embedding it then says why)."""
    from sane_desktop.catalogue.content_hash import file_hash

    try:
        return file_hash(path)
    except OSError:
        return ""


def _framing_note(path: Path) -> str:
    """What the model will not see of an outside image (it sees the centre square of the image with
    its short side resized, as the catalogue's photos): "" when the framing is ordinary."""
    from sane_desktop.catalogue.framing import framing_problem
    from sane_desktop.catalogue.images import open_bounded

    with open_bounded(path) as image:
        width, height = image.size
    problem = framing_problem(width, height)
    return f"{path.name} {problem}" if problem else ""


def _catalogue_framing_note(path: Path) -> str:
    """:func:`_framing_note` of a catalogue photo; "" when it cannot be read now (the photo check
    says so in its own line)."""
    from sane_desktop.errors import SaneError

    try:
        return _framing_note(path)
    except (OSError, SaneError):
        return ""


def _outfit_changed_note(changed: list[dict[str, str]], *, similar: bool) -> str:
    """One line: which outfit items' photos (``--similar``'s item's, when ``similar``) are gone or
    replaced since indexing (``changed``, from :func:`~sane_desktop.service.items.photos_changed`),
    and that the scores use them as indexed."""
    # a replaced photo is read again by a plain re-index (its size, mtime or ctime moved); a deleted one too
    replaced = any(entry["why"] != "gone" for entry in changed)
    again = "re-index" if replaced else "put it back, or re-index"
    if len(changed) == 1:
        entry = changed[0]
        verb = {"gone": "is gone", "replaced": "was replaced"}.get(entry["why"], f"was {entry['why']}"
                                                                   if entry["why"].startswith("emptied")
                                                                   else f"changed ({entry['why']})")
        who = entry["item_id"] if similar else f"outfit item {entry['item_id']}"
        return f"the photo of {who} {verb} since indexing: the scores use its photo as indexed; {again}"
    listed = ", ".join(f"{entry['item_id']} ({entry['why']})" for entry in changed)
    return f"the photos of outfit items {listed} changed since indexing: the scores use them as indexed; {again}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.service import Catalogues
    from sane_desktop.service.items import listed_ids, photos_changed

    item_ids = [part.strip() for entry in args.outfit for part in entry.split(",") if part.strip()]  # read again once open (split_ids)
    if len(args.image) != len(args.image_category):
        raise CliError("give one --image-category per --image")
    if args.similar is not None and (item_ids or args.image):
        raise CliError("--similar ranks by one item: give it without --outfit or --image")
    if args.similar is None and not item_ids and not args.image:
        raise CliError("give an outfit: --outfit ID[,ID...] and/or --image PATH --image-category CAT")
    if args.k <= 0:
        raise CliError("-k must be positive")
    if args.category is not None and not args.category.strip():  # read as "every category" (a trial)
        raise CliError(f"--category {blank(args.category)}: give one of the catalogue's categories, or leave "
                       "--category out for every indexed category")
    args.k = min(args.k, MAX_LISTED)  # "at most": more than any catalogue holds lists them all
    own_category = ""  # --similar's default target: its item's category
    if args.similar is not None:
        item_ids = [args.similar]  # as given, then without spaces around it (by_item_id)
    catalogue = Catalogues().open(args.name, db_url=args.db, index_dir=args.index_dir)
    try:
        if args.similar is None:  # an id may hold a comma: the catalogue says which entry is one
            item_ids = catalogue.items.split_ids(args.outfit)
        repeated = sorted({item_id for item_id in item_ids if item_ids.count(item_id) > 1})
        if repeated:
            raise CliError(f"--outfit names {listed_ids(repeated)} more than once (an outfit holds an item once)")
        if args.vector_backend is not None:
            catalogue.search.check_backend(args.vector_backend)
        known = catalogue.search.searcher().categories
        if args.category:  # 'earrings' for 'Earrings': one spelling, not a typo (case, spaces, Unicode form)
            args.category = spelled_as(args.category, known)
        if args.category and args.category not in known:  # a typo would print an empty list
            raise CliError(f"no indexed category {args.category!r}; the catalogue's are: {', '.join(known)}"
                           f"{did_you_mean(args.category, known)}")
        outfit = catalogue.items.by_item_id(item_ids) if item_ids else []
        for path, category in zip(args.image, args.image_category):
            if not path.exists():
                raise CliError(f"image not found: {path}")
            if not path.is_file():
                raise CliError(f"not an image file: {path} (a folder or a special file)")
            digest = _photo_hash(path)
            # the very photo of an outfit item already given (its id, or an --image before): counted twice in every
            # score otherwise, whatever category it is given (trial CI; the window refuses it the same way)
            twin = next((item for item in outfit if digest and item.content_hash == digest), None)
            if twin is not None:
                held = str(twin.image_path) if twin.from_disk else twin.item_id
                raise CliError(f"--image {path} is the photo of {held}, which the outfit holds already (an outfit "
                               "holds a photo once)")
            added = catalogue.search.add_image(path, category, digest)
            if not added.from_disk:  # the catalogue's own photo: that item, its labels and stored vectors
                say(f"note: {path} is the photo of {added.item_id} in this catalogue: searched as that item")
            elif own := catalogue.items.with_photo(digest):  # filed under another category: searched as asked
                say(f"note: {path} is the photo of {own[0].item_id} in this catalogue, filed under {own[0].category}: "
                    f"searched as {added.category}, as asked")
            outfit.append(added)
            note = _framing_note(path) if added.from_disk else ""
            if note:
                say(f"note: {note}")
        for item in outfit:  # the catalogue's own outfit items are framed as the model sees them too (a trial)
            if not item.from_disk and (note := _catalogue_framing_note(item.image_path)):
                say(f"note: {item.item_id}: {note}")
        if args.similar is not None:
            if not args.category and outfit[0].category in known:
                # the item's own category, as the window's Find visually similar lists (trial DH: every category
                # here, shoes and bags "alike" to a top, where the window listed tops)
                args.category = own_category = outfit[0].category
            results = catalogue.search.similar(outfit[0].pk, args.category or "", args.k)
        else:
            results = catalogue.search.search([item.pk for item in outfit], args.category or "", args.k)
        # "similar" ranks every category by look; an outfit search only the categories the model lacks
        spaces = {category: GENERAL if args.similar is not None or catalogue.search.is_general(category)
                  else COMPATIBILITY for category in results}
        # an outfit item of such a category adds its look-alike cosine to every score (issue 16's mixed outfits)
        # "similar" compares its item by looks with every category: its space is the general one too
        outfit_spaces = {item.pk: GENERAL if args.similar is not None or catalogue.search.is_general(item.category)
                         else COMPATIBILITY for item in outfit}
        changed = photos_changed([r.item for ranked in results.values() for r in ranked])
        # the outfit's (or --similar's) own items drive every score: their photos are checked too
        # (an image from disk was embedded just now, from the file as it is)
        outfit_changed = photos_changed([item for item in outfit if not item.from_disk])
        # …and every other photo of the categories searched: one changed since indexing is ranked as it was, so
        # it may be missing from a list it now belongs in (trial CM), or in one it no longer does
        others_changed = catalogue.items.photos_changed_in(  # (a category listed empty ranks nothing to miss)
            [category for category, ranked in results.items() if ranked],
            skip={entry["item_id"] for entry in [*changed, *outfit_changed]})
        metadata = catalogue.items.metadata_changed()
        gone = catalogue.items.metadata_gone(metadata)
        # empty because the model learnt no matches for them with any outfit item (unlearnt type spaces)
        # mapped to the general space by the user's choice: said as theirs, not as the model's lack
        by_choice = sorted({category for category in [*results, *(item.category for item in outfit)]
                            if catalogue.search.general_by_choice(category)})
        not_ranked = [] if args.similar is not None else catalogue.search.not_ranked(
            [item.pk for item in outfit], [category for category, ranked in results.items() if not ranked])
        # of those, the outfit's own kind (a top alone, tops asked): alternatives, not an unlearnt pair
        own_kind = catalogue.search.own_kind([item.pk for item in outfit], not_ranked)
        # items no list here can hold (trial Z: a row added by hand was never ranked, without a word)
        unsearched = catalogue.search.unsearched([args.category] if args.category else None)
        model_hash = catalogue.model.bundle().content_hash  # the model the index was checked against
        index_written = catalogue.search.searcher().manifest.created_at or None  # of the index searched, as recorded
    finally:
        catalogue.close()
    say_metadata_changed(metadata, catalogue.items.root, catalogue.info.name, db_url=args.db,
                         index_dir=args.index_dir, on_server=catalogue.index_on_server(), gone=gone)  # ranked and titled as imported
    folder_gone = not Path(catalogue.items.root).is_dir()
    if folder_gone:  # every photo is gone with it: one line, not one per photo (the JSON still lists them)
        say("note: " + folder_gone_note(catalogue.items.root, catalogue.info.name, db_url=args.db,
                                        index_dir=args.index_dir, on_server=catalogue.index_on_server()))
    if outfit_changed and not folder_gone:
        say(f"note: {_outfit_changed_note(outfit_changed, similar=args.similar is not None)}")
    if changed and not folder_gone:  # ranked by the photos as indexed: say which are no longer what the folder holds
        shown = ", ".join(f"{entry['item_id']} ({entry['why']})" for entry in changed[:5])
        more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        one = len(changed) == 1
        say(f"note: {len(changed)} result photo{'' if one else 's'} changed since indexing: {shown}{more}; "
            f"{'it is' if one else 'they are'} ranked as indexed: re-index")
    if others_changed and not folder_gone:
        shown = ", ".join(f"{entry['item_id']} ({entry['why']})" for entry in others_changed[:5])
        more = f" and {len(others_changed) - 5} more" if len(others_changed) > 5 else ""
        one = len(others_changed) == 1
        say(f"note: {len(others_changed)} other photo{'' if one else 's'} of the categories searched changed since "
            f"indexing: {shown}{more}; {'it is' if one else 'they are'} ranked as indexed, so a list may miss "
            f"{'it' if one else 'them'} or hold {'it' if one else 'them'} wrongly: re-index")
    if unsearched:
        say(f"note: {unsearched_words(unsearched)}: re-index to include them")
    for category, ranked in results.items():
        if tied := tied_scores_words([result.score for result in ranked]):
            say(f"note: {category}: {tied}")
    if own_category:  # said once the list is made (a refusal stays one line), after what concerns the scores
        say(f"note: listing {own_category!r}, the category of {outfit[0].item_id} (--category CAT for another)")
    labels = {item.pk: str(item.image_path) if item.from_disk else item.item_id for item in outfit}
    return {
        "catalogue": catalogue.info.name,
        # what the list was derived from (trial AK: a saved list named no model or catalogue state)
        "catalogue_revision": catalogue.info.revision, "model_hash": model_hash,
        # which catalogue: a revision starts again at 1 in one made anew under the same name (trial CZ's two
        # "shop"s read alike); its database's token, its folder and when its index was written tell them apart
        "catalogue_uid": catalogue.info.uid, "source_folder": str(catalogue.items.root),
        "index_written_at": index_written,
        "mode": "similar" if args.similar is not None else "outfit",
        "outfit": [{"item": labels[item.pk], "category": item.category, "space": outfit_spaces[item.pk]}
                   for item in outfit],
        "spaces": spaces,
        "photos_changed": changed,
        "outfit_photos_changed": outfit_changed,
        "other_photos_changed": others_changed,  # of the categories searched, not among the results
        "metadata_changed": metadata,
        "not_ranked": not_ranked,
        "not_ranked_own_kind": own_kind,
        "general_by_choice": by_choice,
        "unsearched": {entry.category: {"count": entry.count, "item_ids": list(entry.without_embedding),
                                        "embedded_after_index": entry.not_in_index} for entry in unsearched},
        "results": {category: [{"item_pk": r.item.pk, "item_id": r.item.item_id, "category": r.item.category,
                                "title": r.item.title,
                                **({"catalogue_title": r.item.catalogue_title} if r.item.catalogue_title else {}),
                                "score": round(r.score, 6), "space": spaces[category],
                                "contributions": {labels[pk]: round(c, 6) for pk, c in r.contributions.items()},
                                # outfit items in a space the model never learnt for this pair: their 0 is no part
                                "not_compared": [labels[pk] for pk in r.contributions if pk in r.not_compared],
                                # those of them in its own model category: an alternative, not an unlearnt pair
                                "alternatives": [labels[pk] for pk in r.contributions if pk in r.alternatives]}
                               for r in ranked] for category, ranked in results.items()},
    }


TITLE_WIDTH = 36  # characters of a result's title in the text output (the JSON has it whole), at the least
TITLE_MAX = 90  # ... and at the most, however wide the terminal
WHY_ROOM = 40  # characters left after the title for "(most from …)"


def render(result: dict[str, Any]) -> str:
    members = printable(", ".join(q["item"] + " (" + q["category"] + ")" for q in result["outfit"]))
    lines = [f"Visually similar to {members}" if result.get("mode") == "similar" else f"Outfit: {members}"]
    by_look_items = [q["item"] for q in result["outfit"] if q.get("space") == GENERAL]
    if result.get("mode") != "similar" and by_look_items:
        one = len(by_look_items) == 1
        chosen = {q["item"] for q in result["outfit"] if q["category"] in result.get("general_by_choice", [])}
        why = ("mapped there by your category map" if chosen >= set(by_look_items) else
               f"the model has no matches learnt for {'its category' if one else 'their categories'}")
        lines.append(f"note: {', '.join(by_look_items)} {'counts' if one else 'count'} by visual similarity ({why}): "
                     f"{'its' if one else 'their'} share of each score is how alike the items look")
    # the ids' column as wide as the longest listed (a trial's "Jewellery/blue ellipse Nr 5 é" pushed
    # its score out of line), within bounds
    id_width = min(max([20, *(display_width(printable(row["item_id"])) for ranked in result["results"].values()
                              for row in ranked)]), 48)
    # titles as wide as the terminal leaves room for, beside the "(most from …)" note (trial CN read 36
    # characters of each at any width); at least TITLE_WIDTH, at most TITLE_MAX
    columns = shutil.get_terminal_size((80, 24)).columns
    longest = max([1, *(len(" ".join(str(row.get("title") or "").split())) for ranked in result["results"].values()
                        for row in ranked)])  # no wider than the titles shown (trial CT: 70 spaces after short ones)
    title_width = min(longest, max(TITLE_WIDTH, min(TITLE_MAX, columns - id_width - 18 - WHY_ROOM)))
    said_why: set[str] = set()  # the look-alike reasons said in full already
    for category, ranked in result["results"].items():
        by_look = result.get("mode") != "similar" and result.get("spaces", {}).get(category) == GENERAL
        # an outfit's list for a category the model lacks is "looks alike", not "goes with": say so
        if category in result.get("not_ranked_own_kind", []):
            held = sorted({q["category"] for q in result["outfit"]})
            # the outfit's own folder, or folders the model counts as one kind with it (trial BB read "the
            # outfit's items are Shirts themselves" of an outfit of Tees mapped, with Shirts, to tops)
            kind = (f"the outfit's items are {category} themselves" if held == [category] else
                    f"the model counts {category} and the outfit's {', '.join(held)} as one kind")
            lines.append(f"{category} — not ranked: {kind}, and a match pairs different kinds of item (its items are "
                         "alternatives: query --similar ID lists look-alikes)")
            continue
        if category in result.get("not_ranked", []):
            lines.append(f"{category} — not ranked: the model learnt no matches between {category} and the outfit's "
                         "items (no training outfit paired them)")
            continue
        if category in result.get("general_by_choice", []):
            why, again = "mapped to visual similarity by your category map", "mapped so by your category map too"
        else:
            why, again = f"the model has no matches learnt for {category!r}", "no matches learnt for it either"
        if not by_look:
            lines.append(f"{category}:")
        elif again in said_why:  # said once in full: 300 folders repeated it 300 times (trial CS)
            lines.append(f"{category} — looks alike (as above: {again})")
        else:
            lines.append(f"{category} — looks alike ({why}: compared by visual similarity, not compatibility)")
            said_why.add(again)
        if not ranked:  # an empty heading read as a broken search (a trial): say why it is empty
            own = "the item itself and copies of its photo" if result.get("mode") == "similar" else \
                "the outfit's own items and copies of their photos"
            lines.append(f"  (nothing to list: no indexed {category} item besides {own})")
        for rank, row in enumerate(ranked, 1):
            driver = best_compared(row.get("contributions", {}), set(row.get("not_compared", [])))
            skipped = [printable(label) for label in row.get("not_compared", [])]
            # the outfit items it was not compared with, as the window's tooltip says (trial AZ: the JSON alone did)
            left = f"; not compared with {', '.join(skipped)}" if skipped else ""
            why = "" if result.get("mode") == "similar" or driver is None else f"  (most from {printable(driver)}{left})"
            title = printable(" ".join(str(row.get("title") or "").split()))  # the catalogue's text: one line
            title = title if len(title) <= title_width else title[: title_width - 1] + "…"
            lines.append(f"  {rank:3d}. {padded(printable(row['item_id']), id_width)} {row['score']:+.4f}  "
                         f"{padded(title, title_width)}{why}".rstrip())
    return "\n".join(lines)
