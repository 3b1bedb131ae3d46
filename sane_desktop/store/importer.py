"""Write a read :class:`~sane_desktop.catalogue.types.Catalogue` into the store, idempotently.

Everything happens in one transaction: a crash or an error mid-import leaves the database exactly
as the previous import left it.

A catalogue remembers the mapping file it was imported with when the folder would not find it by
itself (``catalogues.mapping``): a re-import given no mapping reads it again, and one that would read
the folder in another format than the stored catalogue's is refused before anything is written
unless a mapping is given or the catalogue replaced (a trial found a manifest catalogue silently
re-imported as a plain folder of photos, its items renumbered and its saved outfits emptied).

Besides what the reader skipped, the summary lists in ``duplicates`` every item whose photo has the
same bytes as an earlier item's ("same photo as <id>"): information, not a skip (both are imported,
since a catalogue may list one photo under two products); searches leave such copies of an outfit
item out. ``framing`` lists the items whose photo the model sees little of by its size alone (a
strip, a tiny photo): information too, both are imported and indexed as they are.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from dataclasses import replace as replace_field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.exc import SQLAlchemyError

from sane_desktop.errors import DamagedStoreError, InputError, NotFound, SaneError, StoreError, WayOut
from sane_desktop.catalogue.detect import MAPPING_FILE_NAME
from sane_desktop.catalogue.framing import framing_problem
from sane_desktop.catalogue.images import IMAGE_CHECK, KnownImage
from sane_desktop.catalogue.sources import metadata_sources
from sane_desktop.catalogue.types import Catalogue, ItemRecord, Skip
from sane_desktop.catalogue.vocabulary import build_vocabulary, is_placeholder, item_attributes
from sane_desktop.paths import check_catalogue_name, default_db_url, same_path
from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from sane_desktop.store import schema as S
from sane_desktop.store.browse import search_words
from sane_desktop.store.db import open_store
from sane_desktop.store.sync import CHUNK, SyncCounts, id_map, sync_table
from sane_desktop.store.outfits import before_import, relink_outfits


@dataclass
class ImportSummary:
    name: str
    format: str
    root: str
    items: int
    outfits: int
    attributes: int
    questions: dict[str, int]
    splits: dict[str, dict[str, int]]
    skipped: list[dict[str, str]]
    # items whose photo is an earlier item's, shaped as skipped entries (kind "duplicate"); both imported
    duplicates: list[dict[str, str]] = field(default_factory=list)
    # items whose photo the model sees little of (a strip, a tiny photo), shaped as skipped entries
    # (kind "framing"); imported and indexed as they are
    framing: list[dict[str, str]] = field(default_factory=list)
    # table values read otherwise than written, shaped as skipped entries (kind "value"): a category
    # outside the mapping's category_map, a placeholder read as no value; the items are imported
    values: list[dict[str, str]] = field(default_factory=list)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    revision: int = 0
    seconds: float = 0.0
    # the mapping file recorded for the catalogue (None: none, or one the folder finds by itself)
    mapping: str | None = None
    # the one recorded before when this import changed it (a mapping given by the user), else None
    mapping_before: str | None = None
    mapping_changed: bool = False
    # where a damaged database was set aside by this import (--replace), else None
    damaged_set_aside: str | None = None
    # the saved outfits this import took items from or gave items back to (store.outfits.OutfitLinks)
    saved_outfits: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "root": self.root,
            "items": self.items,
            "outfits": self.outfits,
            "attributes": self.attributes,
            "questions": self.questions,
            "splits": self.splits,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "framing": self.framing,
            "values": self.values,
            "changes": self.changes,
            "revision": self.revision,
            "seconds": round(self.seconds, 3),
            "mapping": self.mapping,
            "mapping_changed": self.mapping_changed,
            "mapping_before": self.mapping_before,
            "damaged_set_aside": self.damaged_set_aside,
            "saved_outfits": self.saved_outfits,
        }


DUPLICATE = "duplicate"  # the kind of a same-photo note in ``duplicates``
FRAMING = "framing"  # the kind of a note in ``framing``: a photo the model sees little of
VALUE = "value"  # the kind of a note in ``values``: a table value read otherwise than written, its item kept
T = TypeVar("T")
# how the import last read an item's photo, not what the item is: a change of them alone (a touch, a
# copy without times) is written but changes no item and no revision
FILE_STAT_COLUMNS = ("file_size", "file_mtime_ns", "file_ctime_ns")
# ``search_text`` is made from the other columns: it changes alone only when the words are split
# another way (a new version of browse.search_tokens), which is no change of the item: no revision


def same_photo_notes(items: Iterable[ItemRecord]) -> list[Skip]:
    """One note per item whose image bytes (content hash) equal an earlier item's, naming that item.
    Items without a hash (images not validated) are not compared."""
    first: dict[str, ItemRecord] = {}
    notes = []
    for item in items:
        if not item.content_hash:
            continue
        original = first.setdefault(item.content_hash, item)
        if original is not item:
            notes.append(Skip(item.item_id, item.image_path, f"same photo as {original.item_id} (both kept)", DUPLICATE))
    return notes


def placeholder_notes(items: Iterable[ItemRecord], source: str = "") -> list[Skip]:
    """One note per attribute kind and placeholder value ("Unknown", "N/A": :func:`is_placeholder`)
    read as no value, with how many items carry it: the label is missing for them, not an attribute
    (trial O: the value was dropped without a word). ``source``: the file the labels were read from,
    which the note names (trial P: "colour 'Unknown' on 1 item(s)" named no table)."""
    counts: Counter[tuple[str, str]] = Counter()
    for item in items:
        counts.update((kind, value.strip()) for kind, value in item.attributes.items() if value and is_placeholder(value))
    return [Skip("", source, f"{kind} {value!r} on {count} item(s) read as no value (a missing label)", VALUE)
            for (kind, value), count in sorted(counts.items(), key=lambda kc: (-kc[1], kc[0]))]


def framing_notes(items: Iterable[ItemRecord]) -> list[Skip]:
    """One note per item whose photo the model sees poorly by its size alone (a strip, a tiny
    photo: :func:`~sane_desktop.catalogue.framing.framing_problem`); both are imported and indexed
    as they are. Items of unknown size (images not validated) are not judged."""
    notes = []
    for item in items:
        problem = framing_problem(item.width, item.height)
        if problem:
            notes.append(Skip(item.item_id, item.image_path, f"the photo {problem}", FRAMING))
    return notes


def import_catalogue(
    catalogue: Catalogue, engine: Engine, name: str, should_stop: CancelCheck = never_cancel, *,
    replace: bool = False, mapping: str | None = None, keep_format: bool = False,
) -> ImportSummary:
    """Sync ``catalogue`` into ``engine`` under ``name``; returns counts and what was skipped.

    A name already imported from another folder is that catalogue: syncing this one into it would
    delete its rows (and strand what was derived from them), so it raises :class:`InputError`
    naming both folders unless ``replace`` says to. ``should_stop`` is checked between tables;
    cancelling rolls the whole import back. Raises InputError for an invalid name.

    ``mapping``: the mapping file to record for the catalogue (:func:`recorded_mapping`; None: the
    catalogue was read without one from outside its folder). ``keep_format``: a stored catalogue
    of that name in another format than ``catalogue.format`` is an InputError naming both.
    """
    check_catalogue_name(name)
    started = time.perf_counter()
    # the metadata files as read (stat before the transaction): an edit after this is seen as a change
    sources = metadata_sources(catalogue.root, [Path(mapping)] if mapping else [])
    vocabulary = build_vocabulary(catalogue)
    attributes_of = item_attributes(catalogue, vocabulary)
    changes: dict[str, SyncCounts] = {}
    with engine.begin() as connection:
        catalogue_pk, mapping_before = _catalogue_row(connection, name, catalogue, replace, mapping, keep_format,
                                                      sources)
        mine = lambda table: table.c.catalogue_id == catalogue_pk  # noqa: E731

        def sync(name: str, table: Table, key: list[str], rows: Iterable[dict[str, Any]], scope: Any,
                 delete_missing: bool = True, bookkeeping: tuple[str, ...] = (), track: bool = False) -> None:
            if should_stop():  # raising inside the transaction rolls the whole import back
                raise Cancelled("import cancelled; the database is unchanged")
            changes[name] = sync_table(connection, table, key, rows, scope, delete_missing, bookkeeping, track)

        categories = S.Category.__table__
        sync("categories", categories, ["catalogue_id", "name"],
            [{"catalogue_id": catalogue_pk, "name": c} for c in catalogue.categories()],
            mine(categories), delete_missing=False,
        )
        category_ids = id_map(connection, categories, "name", mine(categories))

        saved_before = before_import(connection, catalogue_pk)  # the saved outfits' items, before any goes
        items = S.Item.__table__
        sync("items", items, ["catalogue_id", "item_id"], (  # a generator: the sync streams it
            {
                "catalogue_id": catalogue_pk, "item_id": item.item_id, "category_id": category_ids[item.category],
                "fine_category": item.fine_category, "title": item.title, "description": item.description,
                "image_path": item.image_path, "item_group": item.group, "width": item.width,
                "height": item.height, "image_format": item.image_format, "image_mode": item.image_mode,
                "content_hash": item.content_hash, "extra": item.extra,
                "file_size": item.file_size, "file_mtime_ns": item.file_mtime_ns, "file_ctime_ns": item.file_ctime_ns,
                # the words text search matches, attribute names included (see browse.search_items)
                "search_text": search_words(item.title, item.description, item.fine_category, item.item_id,
                                            *sorted(attributes_of.get(item.item_id, ()))),
            }
            for item in catalogue.items
        ), mine(items), bookkeeping=(*FILE_STAT_COLUMNS, "search_text"), track=True)
        item_ids = id_map(connection, items, "item_id", mine(items))
        # saved outfits get back the items that returned (trial AD lost them for good to a photo moved and back)
        saved_outfits = relink_outfits(connection, catalogue_pk, saved_before)
        item_scope = lambda column: column.in_(select(items.c.id).where(mine(items)))  # noqa: E731

        attributes = S.Attribute.__table__
        # the items whose labels go with their attribute (its last item lost it): their links go by cascade, unseen
        # by the links' sync below
        losing = _items_of_vanishing(connection, catalogue_pk, {entry.name for entry in vocabulary})
        sync("attributes", attributes, ["catalogue_id", "name"], [
            {"catalogue_id": catalogue_pk, "name": entry.name, "kind": entry.kind, "item_count": entry.count}
            for entry in vocabulary
        ], mine(attributes))
        attribute_ids = id_map(connection, attributes, "name", mine(attributes))
        item_attributes_table = S.ItemAttribute.__table__
        sync("item_attributes", item_attributes_table, ["item_pk", "attribute_pk"], [
            {"item_pk": item_ids[item_id], "attribute_pk": attribute_ids[attribute]}
            for item_id, names in attributes_of.items() if item_id in item_ids
            for attribute in names if attribute in attribute_ids
        ], item_scope(item_attributes_table.c.item_pk), track=True)
        # an item whose labels alone changed (trial EV edited a colour: "items since the last import" said nothing):
        # from the links the sync wrote or removed, never a copy of every item's labels (issue 19's streaming)
        kept = set(item_ids.values())
        rewritten = {item_ids[key[-1]] for key in changes["items"].touched or () if key[-1] in item_ids}
        relabelled = {key[0] for key in changes["item_attributes"].touched or ()} | losing
        changes["items"].updated += len((relabelled & kept) - rewritten)

        outfits = S.Outfit.__table__
        sync("outfits", outfits, ["catalogue_id", "outfit_id"], [
            {"catalogue_id": catalogue_pk, "outfit_id": outfit.outfit_id, "title": outfit.title}
            for outfit in catalogue.outfits
        ], mine(outfits))
        outfit_ids = id_map(connection, outfits, "outfit_id", mine(outfits))
        outfit_scope = lambda column: column.in_(select(outfits.c.id).where(mine(outfits)))  # noqa: E731
        outfit_items = S.OutfitItem.__table__
        sync("outfit_items", outfit_items, ["outfit_pk", "position"], [
            {"outfit_pk": outfit_ids[outfit.outfit_id], "position": position, "item_pk": item_ids[item_id]}
            for outfit in catalogue.outfits
            for position, item_id in zip(outfit.positions or range(1, len(outfit.item_ids) + 1), outfit.item_ids)
            if item_id in item_ids
        ], outfit_scope(outfit_items.c.outfit_pk))
        splits = S.SplitAssignment.__table__
        sync("splits", splits, ["outfit_pk", "protocol"], [
            {"outfit_pk": outfit_ids[outfit_id], "protocol": record.protocol, "split": record.split}
            for record in catalogue.splits for outfit_id in record.outfit_ids if outfit_id in outfit_ids
        ], outfit_scope(splits.c.outfit_pk))

        question_key = ["catalogue_id", "protocol", "split", "number"]
        fitb = S.FitbQuestion.__table__
        sync("fitb_questions", fitb, question_key, [
            {"catalogue_id": catalogue_pk, "protocol": q.protocol, "split": q.split, "number": q.number,
             "outfit_id": q.outfit_id, "question_item_ids": list(q.question_item_ids),
             "answer_item_ids": list(q.answer_item_ids), "correct": q.correct, "blank_position": q.blank_position}
            for q in catalogue.fitb
        ], mine(fitb))
        compatibility = S.CompatibilityQuestion.__table__
        sync("compatibility_questions", compatibility, question_key, [
            {"catalogue_id": catalogue_pk, "protocol": q.protocol, "split": q.split, "number": q.number,
             "label": q.label, "item_ids": list(q.item_ids)}
            for q in catalogue.compatibility
        ], mine(compatibility))

        issues = S.ImportIssue.__table__
        sync("import_issues", issues, ["catalogue_id", "kind", "item_id", "path", "reason"], [
            {"catalogue_id": catalogue_pk, "kind": skip.kind, "item_id": skip.item_id, "path": skip.path,
             "reason": skip.reason}
            for skip in catalogue.skipped
        ], mine(issues))

        # categories no item uses any more go last, once no item points at them
        used = set(category_ids[item.category] for item in catalogue.items)
        stale = [pk for pk in category_ids.values() if pk not in used]
        if stale:
            connection.execute(categories.delete().where(categories.c.id.in_(stale)))
            changes["categories"].deleted += len(stale)

        revision = _bump_revision(connection, catalogue_pk, any(c.changed for c in changes.values()))

    changed_mapping = mapping_before is not _NEW and mapping_before != mapping
    split_counts: dict[str, dict[str, int]] = defaultdict(dict)
    for record in catalogue.splits:
        split_counts[record.protocol][record.split] = len(record.outfit_ids)
    return ImportSummary(
        name=name,
        format=catalogue.format,
        root=str(catalogue.root),
        items=len(catalogue.items),
        outfits=len(catalogue.outfits),
        attributes=len(vocabulary),
        questions={"fitb": len(catalogue.fitb), "compatibility": len(catalogue.compatibility)},
        splits=dict(split_counts),
        skipped=[skip.as_dict() for skip in catalogue.skipped],
        duplicates=[note.as_dict() for note in same_photo_notes(catalogue.items)],
        framing=[note.as_dict() for note in framing_notes(catalogue.items)],
        values=[note.as_dict() for note in [*catalogue.notes, *placeholder_notes(catalogue.items, catalogue.metadata_file)]],
        changes={table: counts.as_dict() for table, counts in changes.items()},
        revision=revision,
        seconds=time.perf_counter() - started,
        mapping=mapping,
        mapping_before=mapping_before if changed_mapping else None,
        mapping_changed=changed_mapping,
        saved_outfits=[entry.as_dict() for entry in saved_outfits],
    )


def source_conflict(name: str, stored_root: str | None, root: Path | str) -> InputError | None:
    """The error for importing ``root`` as ``name`` when ``name`` was imported from
    ``stored_root`` (None: a new name, no conflict)."""
    if stored_root is None or same_path(stored_root, root):
        return None
    if not Path(stored_root).is_dir():  # the clue that this may be that folder, moved
        return InputError(f"catalogue {name!r} was built from {stored_root}, which is no longer there, not from "
                          f"{Path(root)}", way_out=WayOut.MOVED_OR_OTHER_NAME)
    return InputError(f"catalogue {name!r} was built from {stored_root}, not {Path(root)}",
                      way_out=WayOut.OTHER_NAME_OR_REPLACE)


def format_conflict(name: str, stored_format: str, root: Path | str, now: str) -> InputError:
    """The error for re-importing catalogue ``name``, stored as ``stored_format``, from ``root``
    that now reads as ``now``."""
    if stored_format == "folder" and (Path(root) / MAPPING_FILE_NAME).is_file():  # its own mapping, since
        return InputError(f"catalogue {name!r} was imported as a folder catalogue, but {Path(root)} now reads as a "
                          f"{now} catalogue (its {MAPPING_FILE_NAME})", way_out=WayOut.READ_ANEW)
    return InputError(f"catalogue {name!r} was imported as a {stored_format} catalogue, but {Path(root)} now reads "
                      f"as a {now} catalogue", way_out=WayOut.MAPPING_OR_REPLACE)


class _New:
    """The previous mapping of a catalogue that did not exist before this import."""


_NEW: Any = _New()


def _catalogue_row(connection: Connection, name: str, catalogue: Catalogue, replace: bool, mapping: str | None,
                   keep_format: bool, sources: dict[str, list[int]] | None = None) -> tuple[int, Any]:
    """The catalogue's primary key (its row written) and the mapping recorded before (``_NEW``
    for a new catalogue)."""
    table = S.CatalogueRow.__table__
    row = connection.execute(select(table.c.id, table.c.root, table.c.format, table.c.mapping)
                             .where(table.c.name == name)).first()
    # both checked inside the transaction too: another run may have imported since
    conflict = None if row is None or replace else source_conflict(name, row.root, catalogue.root)
    if conflict is not None:
        raise conflict
    if row is not None and keep_format and not replace and row.format != catalogue.format:
        raise format_conflict(name, row.format, catalogue.root, catalogue.format)
    values = {"root": str(catalogue.root), "format": catalogue.format, "mapping": mapping, "image_check": IMAGE_CHECK,
              "sources": sources}
    if row is None:
        # its uid comes from the column's default (schema.CatalogueRow.uid): a new token per row
        inserted = connection.execute(table.insert().values(name=name, revision=0, **values)).inserted_primary_key
        assert inserted is not None  # None only for executemany; this inserts one row
        return int(inserted[0]), _NEW
    connection.execute(update(table).where(table.c.id == row.id).values(**values))
    return int(row.id), row.mapping


def _bump_revision(connection: Connection, catalogue_pk: int, changed: bool) -> int:
    table = S.CatalogueRow.__table__
    values: dict[str, Any] = {"imported_at": datetime.now(timezone.utc)} if changed else {}
    if changed:
        values["revision"] = table.c.revision + 1
        connection.execute(update(table).where(table.c.id == catalogue_pk).values(**values))
    return int(connection.execute(select(table.c.revision).where(table.c.id == catalogue_pk)).scalar_one())


@dataclass(frozen=True)
class StoredCatalogue:
    """What the store records of a catalogue's source: folder, format, mapping file (or None)."""

    root: str
    format: str
    mapping: str | None
    image_check: int | None = None


def _built_from(url: str, name: str, root: Path) -> bool:
    """Whether catalogue ``name`` in the store at ``url`` was built from ``root`` (False when there is
    no such store, no such catalogue, or it cannot be read: nothing is created to find out)."""
    stored = _stored_if_there(url, name)
    return stored is not None and same_path(stored.root, root)


def photos_if_there(url: str, name: str, categories: Sequence[str]) -> dict[str, frozenset[str]]:
    """:func:`~sane_desktop.store.browse.category_photos` of ``categories`` of catalogue ``name`` in the store at
    ``url``, before an import changes them; {} when there is no store to read."""
    from sane_desktop.store.browse import category_photos

    found = _read_if_there(url, lambda engine: category_photos(engine, name, categories))
    return found if found is not None else {}


def _stored_if_there(url: str, name: str) -> StoredCatalogue | None:
    """:func:`stored_catalogue` of the store at ``url`` when there is one that can be read, else None."""
    return _read_if_there(url, lambda engine: stored_catalogue(engine, name))


def _read_if_there(url: str, read: Callable[[Engine], T]) -> T | None:
    """``read`` of the store at ``url`` when there is one that can be read (nothing is created to find out),
    else None."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None
    try:
        engine = open_store(url)
    except SaneError:
        return None
    try:
        return read(engine)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def stored_catalogue(engine: Engine, name: str) -> StoredCatalogue | None:
    """The stored catalogue ``name``'s source, None when the store has no such catalogue."""
    table = S.CatalogueRow.__table__
    with engine.connect() as connection:
        row = connection.execute(select(table.c.root, table.c.format, table.c.mapping, table.c.image_check)
                                 .where(table.c.name == name)).first()
    return None if row is None else StoredCatalogue(str(row.root), str(row.format), row.mapping, row.image_check)


def checked_known_images(engine: Engine, name: str, image_check: int | None) -> dict[str, KnownImage]:
    """What the last import recorded of catalogue ``name``'s image files (they are not read again
    while their size and mtime hold), less the JPEGs when that import's check (``image_check``)
    predates the strict JPEG decode: those are read again, once."""
    from sane_desktop.store.items import known_images

    known = known_images(engine, name)
    if (image_check or 0) < IMAGE_CHECK:
        known = {path: facts for path, facts in known.items() if facts.image_format != "JPEG"}
    return known


def recorded_mapping(root: Path, mapping: Path | None) -> str | None:
    """What a catalogue read from ``root`` with ``mapping`` records: the mapping's absolute path, or
    None when there is none or the folder finds that very file by itself (its own
    ``sane-mapping.json``, or a mapping shipped with the app for the table it holds), found again
    at every import wherever the folder or the app moves."""
    from sane_desktop.catalogue.detect import MAPPING_FILE_NAME, POLYVORE_METADATA, shipped_mapping

    if mapping is None:
        return None
    given = mapping.expanduser().resolve()
    if (root / MAPPING_FILE_NAME).is_file():
        found: Path | None = root / MAPPING_FILE_NAME
    elif (root / POLYVORE_METADATA).is_file():
        found = None  # a Polyvore folder given a mapping is read with it: that mapping is needed
    else:
        found = shipped_mapping(root)
    return None if found is not None and found.resolve() == given else str(given)


def _recorded_mapping_file(name: str, recorded: str) -> Path:
    """The mapping file catalogue ``name`` was imported with, once it can be read; InputError
    (one line, nothing written) when it is gone or cannot be read."""
    path = Path(recorded)
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        why = "which is gone" if not path.exists() else f"which cannot be read ({error.strerror or error})"
        raise InputError(f"catalogue {name!r} was imported with the mapping {path}, {why}",
                         way_out=WayOut.PUT_MAPPING_BACK) from None
    return path


def _sqlite_header(path: Path) -> bool:
    """Whether ``path`` begins as every SQLite 3 database file does (its 16-byte header string), or is
    empty (SQLite's own new file)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return head in (b"", b"SQLite format 3\x00")


def set_damaged_aside(database: Path) -> Path:
    """Rename a damaged SQLite ``database`` (and its ``-wal``/``-shm``/``-journal`` files) to
    ``<name>.damaged-<UTC time>.db`` beside it; returns the new path. Raises StoreError when it
    cannot be renamed."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.stem}.damaged-{stamp}{database.suffix}")
    number = 1
    while aside.exists():  # a second one within the second would be renamed over the first (lost)
        number += 1
        aside = database.with_name(f"{database.stem}.damaged-{stamp}-{number}{database.suffix}")
    try:
        for suffix in ("-wal", "-shm", "-journal"):
            companion = database.with_name(database.name + suffix)
            if companion.exists():
                companion.rename(aside.with_name(aside.name + suffix))
        database.rename(aside)
    except OSError as error:
        raise StoreError(f"cannot set the damaged catalogue database {database} aside ({error.strerror or error})") \
            from None
    return aside


def import_folder(
    root: Path | str,
    name: str | None = None,
    db_url: str | None = None,
    mapping: Path | str | None = None,
    progress: Progress = no_progress,
    should_stop: CancelCheck = never_cancel,
    *,
    replace: bool = False,
    reread: bool = False,
) -> tuple[Engine, ImportSummary]:
    """Read, validate and import the catalogue folder ``root`` (the ``import`` command's work).

    ``reread``: read and hash every image file again, also those whose size and modification time
    are what the last import recorded (an edit that kept both is otherwise not seen).

    ``name`` defaults to the folder's name; ``db_url`` to ``index/<name>/catalogue.db``. Raises
    InputError for an invalid name and (before reading a single image) for a name already built
    from another folder unless ``replace``; NotFound for a missing folder; what reading raises.

    ``mapping``: the mapping file of a manifest catalogue. Without one, a re-import of a stored
    catalogue (same name, same folder) reads the mapping it was imported with, and InputError (one
    line, before anything is written) says when that file is gone or unreadable, or when the folder
    now reads in another format than the stored catalogue (say a manifest catalogue now read as a
    plain folder) — unless ``replace``, which reads the folder as it is now. A mapping given
    replaces the recorded one (the summary's ``mapping_changed``).
    """
    root = Path(root).expanduser().resolve()
    if root.exists() and not root.is_dir():  # trial P read "not found" for a file that is there
        from sane_desktop.catalogue.safepath import not_a_file

        raise NotFound(f"{root} is {not_a_file(root) or 'a file'}, not a folder: give the folder that holds the "
                       "catalogue's photos")
    if not root.is_dir():  # "moved or renamed?" only for a catalogue built from it (trial Y typed a wrong name)
        try:
            named = check_catalogue_name(name if name is not None else root.name)
            moved = _built_from(db_url or default_db_url(named), named, root)
            # a catalogue's name where its folder goes (trial BU: `index demo --rebuild`): its folder named
            own = None if moved else _stored_if_there(db_url or default_db_url(root.name), root.name)
        except SaneError:
            moved, own = False, None
        seen = f" (“{root.name}” is an indexed catalogue, indexed from {own.root}: give that folder)" if own else ""
        raise NotFound(f"catalogue folder not found: {root}{seen}", way_out=WayOut.FOLDER_MOVED if moved else None)
    name = check_catalogue_name(name if name is not None else root.name)
    url = db_url or default_db_url(name)
    set_aside = None
    try:
        engine = open_store(url)
    except DamagedStoreError:
        if not replace or not url.startswith("sqlite:///"):
            raise
        # --replace on a damaged file: kept beside, never deleted, and the catalogue built anew (a
        # trial found no way out but deleting the folder by hand)
        database = Path(url.removeprefix("sqlite:///"))
        if db_url is not None and not _sqlite_header(database):
            # a file of the user's own that --db named, no SQLite database at all: not the app's to rename
            # (trial BO's JSON file was set aside as a "damaged catalogue database" and replaced)
            raise InputError(f"the database file {database} is not a SQLite database (its first bytes are not one's): "
                             "it is left as it is; name a new file, or the catalogue database it should be") from None
        set_aside = set_damaged_aside(database)
        engine = open_store(url)
    try:
        # on a server, imports of one catalogue take turns (the later ones find the files unchanged): a shard
        # worker and a plain index started together on a new database collided on catalogues_name_key (trial DT)
        with _one_import_at_a_time(engine, name):
            return _import_into(engine, name, root, mapping, progress, should_stop, replace, reread, set_aside)
    except BaseException:
        engine.dispose()
        raise


def _one_import_at_a_time(engine: Engine, name: str) -> AbstractContextManager[None]:
    """PostgreSQL's advisory lock for importing catalogue ``name`` (waited for), nothing on SQLite: there the
    index's writer locks of its folders order the runs."""
    from sane_desktop.store.work_queue import advisory_lock

    return advisory_lock(engine, f"import:{name}") if engine.url.get_backend_name() == "postgresql" else nullcontext()


def _import_into(engine: Engine, name: str, root: Path, mapping: Path | str | None, progress: Progress,
                 should_stop: CancelCheck, replace: bool, reread: bool,
                 set_aside: Path | None) -> tuple[Engine, ImportSummary]:
    """:func:`import_folder`'s work once the store is open."""
    from sane_desktop.catalogue import detect_format, read_catalogue

    stored = None if replace else stored_catalogue(engine, name)
    conflict = None if stored is None else source_conflict(name, stored.root, root)
    if conflict is not None:
        raise conflict
    given = Path(mapping).expanduser().resolve() if mapping else None
    if given is None and stored is not None and stored.mapping:  # read as it was imported
        given = _recorded_mapping_file(name, stored.mapping)
    # an import never silently changes how a catalogue is read: a new format needs the user's word
    keep_format = stored is not None and not mapping
    if keep_format and stored is not None and (now := detect_format(root, given)) != stored.format:
        raise format_conflict(name, stored.format, root, now)
    # files unchanged since the last import of this folder are not read again (issue 19, point 5);
    # passed inline so that the records are freed before the sync
    catalogue = read_catalogue(
        root, given, progress=progress, should_stop=should_stop,
        known={} if stored is None or reread else checked_known_images(engine, name, stored.image_check),
    )
    summary = import_catalogue(catalogue, engine, name, should_stop, replace=replace,
                               mapping=recorded_mapping(root, given), keep_format=keep_format)
    return engine, replace_field(summary, damaged_set_aside=None if set_aside is None else str(set_aside))


def _items_of_vanishing(connection: Connection, catalogue_pk: int, vocabulary: set[str]) -> set[int]:
    """The keys of the items labelled with a stored attribute of the catalogue that ``vocabulary`` no longer
    names (its links are deleted with it, by cascade)."""
    names = S.Attribute.__table__
    stored = connection.execute(select(names.c.id, names.c.name).where(names.c.catalogue_id == catalogue_pk))
    gone = [pk for pk, name in stored if name not in vocabulary]
    links = S.ItemAttribute.__table__
    found: set[int] = set()
    for start in range(0, len(gone), CHUNK):
        found.update(pk for (pk,) in connection.execute(
            select(links.c.item_pk).where(links.c.attribute_pk.in_(gone[start:start + CHUNK]))))
    return found
