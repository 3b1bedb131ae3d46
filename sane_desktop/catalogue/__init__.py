"""Reading catalogue folders into one internal representation (:class:`Catalogue`).

``read_catalogue`` detects the format (Polyvore layout, manifest + mapping, plain folder), reads it,
validates every image (one bad item never stops the import), drops what lost its items, and gives
catalogues with outfits but no splits seeded splits with generated questions (protocols ``generated``
and the item-disjoint ``generated-disjoint``, :mod:`sane_desktop.catalogue.questions`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from sane_desktop.catalogue.detect import MAPPING_FILE_NAME, CatalogueError, detect_format, shipped_mapping
from sane_desktop.catalogue.folder import read_folder
from sane_desktop.catalogue.images import DEFAULT_MAX_PIXELS, KnownImage, load_rgb, validate_items
from sane_desktop.catalogue.manifest import load_mapping, read_manifest_catalogue
from sane_desktop.catalogue.metadata_stamp import first_change, metadata_stamp
from sane_desktop.catalogue.polyvore import read_polyvore
from sane_desktop.catalogue.questions import generate_questions
from sane_desktop.catalogue.storable import make_storable
from sane_desktop.catalogue.types import Catalogue, ItemRecord, Skip, category_name, is_text, shown, singular_key
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress

__all__ = ["Catalogue", "CatalogueError", "detect_format", "load_rgb", "prune_missing_items", "read_catalogue"]

# Outfits naming unknown items are kept without them; one left with fewer than 2 distinct items has
# no pair to learn from or ask about (an item counted twice is still one item) and is dropped.
MIN_OUTFIT_ITEMS = 2


# How a spreadsheet or a script may have rewritten an id, each with the fold that undoes it, in the order they
# are undone (invisible characters and a word processor's hyphens as a category's; "_" for "-": trial EW's)
_ID_REWRITES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("invisible characters or a typographic hyphen", category_name),
    ("letter case", str.casefold),
    ("an underscore for a hyphen", lambda text: text.replace("_", "-")),
    ("a '.0'", lambda text: re.sub(r"(?<=[0-9])\.0+$", "", text)),  # pandas' "123.0", a sheet's "123.00"
    ("leading zeros", lambda text: text.lstrip("0") or text),  # a number column drops them
)


def id_written_alike(item_id: str) -> str:
    """An id as a spreadsheet or a script may have rewritten it, folded: letter case, a float's ``.0``
    (pandas writes an int column with a blank as floats), leading zeros (a number column drops them), invisible
    characters, a word processor's hyphen or an underscore for a hyphen.
    Only to say which known id an unknown one likely is: ids are matched as written."""
    for _, fold in _ID_REWRITES:
        item_id = fold(item_id)
    return item_id


def ways_written(written: str, known: str) -> list[str]:
    """The rewrites (see :func:`id_written_alike`) that tell ``written`` from ``known``, in words: what the
    note about an outfits table's ids says, rather than every rewrite there is."""
    ways = []
    for way, fold in _ID_REWRITES:
        if written == known:
            break
        folded = fold(written), fold(known)
        if folded != (written, known):
            ways.append(way)
        written, known = folded
    return ways


def _alike_index(known: set[str]) -> dict[str, str]:
    """Folded id -> the known id, for folds only one known id has."""
    by_fold: dict[str, list[str]] = {}
    for item_id in known:
        by_fold.setdefault(id_written_alike(item_id), []).append(item_id)
    return {fold: ids[0] for fold, ids in by_fold.items() if len(ids) == 1}


def _why_missing(item_id: str, skipped: dict[str, str], alike: Mapping[str, str]) -> str:
    if item_id in skipped:
        return f"{item_id} ({skipped[item_id]})"
    other = alike.get(id_written_alike(item_id))
    return f"{item_id} (unknown item; the catalogue has {other})" if other else f"{item_id} (unknown item)"


def _repeats(item_ids: list[str]) -> str:
    return ", ".join(f"{item_id} listed {n} times" for item_id, n in Counter(item_ids).items() if n > 1)


def prune_missing_items(catalogue: Catalogue) -> None:
    """Remove references to items the catalogue does not hold (unknown ids, or items skipped at
    validation) and repeats of an item within an outfit (counted once, reported): outfits keep their
    other items and are dropped when fewer than :data:`MIN_OUTFIT_ITEMS` distinct ones are left;
    questions needing a missing item, or comparing fewer than 2 distinct items, are skipped. A trial
    found one-item outfits kept and made into compatibility questions that score as perfect matches."""
    known = {item.item_id for item in catalogue.items}
    skipped = {skip.item_id: skip.reason for skip in catalogue.skipped if skip.kind == "item"}
    skipped.update((item_id, "its category is excluded") for item_id in catalogue.excluded)
    dropped: set[str] = set()
    kept_outfits = []
    # an outfit table's ids written otherwise than the items' (trial EV: "0300024058" for 300024058, "43063724-or"
    # for "43063724-OR", pandas' "300024058.0") emptied the outfits, each id "unknown item", with no hint
    alike = _alike_index(known)
    written_otherwise: dict[str, str] = {}
    for outfit in catalogue.outfits:
        missing = [i for i in outfit.item_ids if i not in known]
        written_otherwise.update((i, alike[id_written_alike(i)]) for i in missing
                                 if i not in skipped and id_written_alike(i) in alike)
        repeats = _repeats([i for i in outfit.item_ids if i in known])
        positions = outfit.positions or list(range(len(outfit.item_ids)))
        seen: set[str] = set()
        pairs = []
        for item_id, position in zip(outfit.item_ids, positions):
            if item_id in known and item_id not in seen:
                seen.add(item_id)
                pairs.append((item_id, position))
        outfit.item_ids, outfit.positions = [i for i, _ in pairs], [p for _, p in pairs]
        left_out = ", ".join(_why_missing(i, skipped, alike) for i in missing)
        notes = [f"without {len(missing)} item(s): {left_out}"] if missing else []
        notes += [f"{repeats}: counted once"] if repeats else []
        if len(pairs) < MIN_OUTFIT_ITEMS:
            if not pairs and missing:
                reason = f"outfit dropped: no item left without {left_out}"
            else:
                reason = (f"outfit dropped: {len(pairs)} distinct item(s), an outfit needs {MIN_OUTFIT_ITEMS}"
                          + "".join(f"; {note}" for note in notes))
            dropped.add(outfit.outfit_id)
        elif notes:
            reason = "kept " + "; ".join(notes)
        else:
            kept_outfits.append(outfit)
            continue
        catalogue.skipped.append(Skip(outfit.outfit_id, "", reason, "outfit"))
        if outfit.outfit_id not in dropped:
            kept_outfits.append(outfit)
    catalogue.outfits = kept_outfits
    if written_otherwise:
        example, known_as = next(iter(sorted(written_otherwise.items())))
        ways = list(dict.fromkeys(way for one, other in written_otherwise.items() for way in ways_written(one, other)))
        padding = " (zeros a number column dropped: items.id_width in the mapping pads them)" \
            if "leading zeros" in ways else ""
        catalogue.skipped.append(Skip("", catalogue.outfits_file or catalogue.metadata_file, (
            f"{len(written_otherwise)} item id(s) in the outfits are the items' ids written another way "
            f"({', '.join(ways)}: {example!r} is {known_as!r} among the items): ids are matched as written; write "
            f"them alike in both tables{padding}"),
            "metadata"))
    for split in catalogue.splits:
        split.outfit_ids = [i for i in split.outfit_ids if i not in dropped]

    def usable(kind: str, question, item_ids: list[str]) -> bool:  # noqa: ANN001 - either question type
        missing = [i for i in item_ids if i not in known]
        reason = None
        if missing:
            reason = "question skipped: needs " + ", ".join(_why_missing(i, skipped, alike) for i in missing)
        elif kind == "compatibility" and len(set(item_ids)) < MIN_OUTFIT_ITEMS:
            reason = f"question skipped: {len(set(item_ids))} distinct item(s) to compare, it needs {MIN_OUTFIT_ITEMS}"
        elif kind == "fill_in_blank" and not question.question_item_ids:
            reason = "question skipped: no outfit item to fill the blank of"
        if reason is not None:
            name = f"{question.protocol}/{question.split}/{kind}#{question.number}"
            catalogue.skipped.append(Skip(name, "", reason, "question"))
        return reason is None

    catalogue.fitb = [q for q in catalogue.fitb if usable("fill_in_blank", q, q.question_item_ids + q.answer_item_ids)]
    catalogue.compatibility = [q for q in catalogue.compatibility if usable("compatibility", q, q.item_ids)]


def look_alike_categories(catalogue: Catalogue) -> list[Skip]:
    """A note for each group of categories that look like one written two ways ("tshirts" and "t-shirts", "Dress"
    and "Dresses"): kept apart — which way is meant is the person's call — and said, with the way to join them (a
    category map), since each is searched and mapped on its own (trial EV's "tshirts" item searched a one-item
    category, unsaid)."""
    groups: dict[str, Counter[str]] = {}
    for item in catalogue.items:
        groups.setdefault(singular_key(item.category), Counter())[item.category] += 1
    notes = []
    for names in groups.values():
        if len(names) > 1:
            listed = " and ".join(f"{name!r} ({count} item{'s' if count > 1 else ''})"
                                  for name, count in sorted(names.items()))
            notes.append(Skip("", catalogue.metadata_file, f"categories {listed} look like one written two ways: "
                                                           "kept apart; to search them as one, map one onto the other "
                                                           "(the index's category choices, or the mapping's "
                                                           "items.category_map)", "value"))
    return notes


def _bad_text_field(item: ItemRecord) -> str | None:
    fields = {
        "id": item.item_id, "image path": item.image_path, "category": item.category,
        "fine category": item.fine_category, "title": item.title, "description": item.description,
        "group": item.group,
        **{f"attribute {shown(name)}": f"{name}{value}" for name, value in item.attributes.items()},
        **{f"column {shown(name)}": f"{name}{value}" for name, value in item.extra.items() if isinstance(value, str)},
    }
    return next((name for name, text in fields.items() if not is_text(text)), None)


def drop_unstorable_text(catalogue: Catalogue) -> None:
    """Skip items and outfits whose text no database can store (a lone surrogate: a JSON
    ``\\ud800`` escape, a file name that was not UTF-8), so nothing downstream meets one."""
    kept = []
    for item in catalogue.items:
        field = _bad_text_field(item)
        if field is None:
            kept.append(item)
        else:
            reason = f"{field} is not valid Unicode text (lone surrogate)"
            catalogue.skipped.append(Skip(item.item_id, item.image_path, reason, "item"))
    catalogue.items = kept
    outfits = []
    for outfit in catalogue.outfits:
        if is_text(outfit.outfit_id):
            outfit.title = shown(outfit.title)
            outfits.append(outfit)  # item ids that are not text name no item: pruned with a reason
        else:
            catalogue.skipped.append(Skip(outfit.outfit_id, "", "outfit id is not valid Unicode text", "outfit"))
    catalogue.outfits = outfits
    catalogue.name = shown(catalogue.name)


def _mapping_tables(root: Path, mapping: Path | None) -> tuple[str, ...]:
    """The tables (paths relative to ``root``) the mapping file names; () when it cannot be read (the reader then
    says why)."""
    try:
        loaded = load_mapping(mapping or root / MAPPING_FILE_NAME)
    except CatalogueError:
        return ()
    return tuple(table for table in (loaded.table, loaded.outfits_table) if table)


def read_catalogue(
    root: Path,
    mapping: Path | None = None,
    *,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    validate_images: bool = True,
    seed: int = 0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    known: Mapping[str, KnownImage] | None = None,
) -> Catalogue:
    """Detect, read and validate the catalogue at ``root`` (``mapping``: an explicit mapping file).

    ``known``: image path -> what the previous import recorded of it; files whose (size, mtime, ctime) are
    unchanged are not opened (:func:`~sane_desktop.catalogue.images.validate_items`)."""
    root = Path(root)
    kind = detect_format(root, mapping)
    progress(0, 0, "Reading catalogue")
    if kind == "manifest" and mapping is None and not (root / MAPPING_FILE_NAME).is_file():
        mapping = shipped_mapping(root)
    # the tables as they are before they are read: a table saved again while the photos are read pairs its old
    # rows with new photos (metadata_stamp); a mapping's own tables whatever their names and folders (trial EF: a
    # "products.dat", a ".meta/products.csv")
    explicit = Path(mapping) if mapping is not None else None
    tables = _mapping_tables(root, explicit) if kind == "manifest" else ()
    stamp = metadata_stamp(root, explicit, tables) if kind != "folder" else {}
    if kind == "polyvore":
        catalogue = read_polyvore(root)
    elif kind == "manifest":
        catalogue = read_manifest_catalogue(root, explicit)
    else:
        catalogue = read_folder(root)
    drop_unstorable_text(catalogue)
    make_storable(catalogue)  # before the outfits are pruned: one losing an item says so (trial AY)
    if should_stop():
        raise Cancelled("catalogue reading cancelled")
    if validate_images:
        kept, skips = validate_items(root, catalogue.items, max_pixels=max_pixels, progress=progress,
                                     should_stop=should_stop, known=known)
        catalogue.items = kept
        catalogue.skipped.extend(skips)
    if kind != "folder":
        changed = first_change(stamp, metadata_stamp(root, explicit, tables))
        if changed is not None:
            raise CatalogueError(f"{root}: its metadata changed while it was being read ({changed}), so its rows may "
                                 "not match its photos; nothing was imported: import it again once it is saved")
    prune_missing_items(catalogue)
    catalogue.notes += look_alike_categories(catalogue)
    if not catalogue.items:  # every photo unreadable: an import emptied a good catalogue, index rebuilt its index
        # empty, both with exit 0 (trial CU); nothing is written from such a reading
        raise CatalogueError(f"no item of {root} could be read{catalogue.left_out_words()}")
    if catalogue.outfits and not catalogue.splits:
        generate_questions(catalogue, seed)
    return catalogue
