"""The open catalogue's items: its database (through :mod:`sane_desktop.store.browse`) plus the
images added from disk in this session, which live only here under negative keys. A stored item
whose title is a code gets a readable one (:func:`sane_desktop.service.titles.readable_title`).

Also the two things a front end needs to show an item's own photo under its explanation maps:
:func:`photo_pixels` (the photo, decoded bounded) and :func:`model_crop_box` (the part of it the
model saw, which the maps cover)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine

from sane_desktop.catalogue.framing import framing_problem as framing_problem  # the window's words for a photo
from sane_desktop.catalogue.images import load_rgb
from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.catalogue.types import unescaped
from sane_desktop.errors import CatalogueRemade, InputError, NotFound, PhotoChanged
from sane_desktop.service.titles import readable_title
from sane_desktop.service.values import ALL_CATEGORIES, ItemInfo, ItemText
from sane_desktop.store import browse
from sane_desktop.store.browse import CatalogueRecord
from sane_desktop.store.items import ids_like, ids_named, item_pks, left_out_at_import

if TYPE_CHECKING:  # retrieval.search loads FAISS: the worker imports it, not the window
    from sane_desktop.retrieval.search import QueryItem


PHOTO_SIDE = 2048  # an item's photo as the explanation shows it: its own pixels, up to this side


def photo_pixels(path: Path | str, max_side: int = PHOTO_SIDE, content_hash: str = "") -> np.ndarray:
    """(h, w, 3) uint8: the item's photo, whole (not the model's crop), EXIF-oriented like the
    model's input, its longer side bounded by ``max_side`` (decoded at reduced size when larger).
    ``content_hash``: the SHA-256 the catalogue recorded for the photo, checked on the very bytes
    decoded (a trial's item details and explanation showed a photo replaced on disk under the
    indexed item's name, with the indexed photo's map on it).

    Raises ImageRejected (an InputError): a missing, unreadable or oversized file, one line;
    :class:`PhotoChanged` when the file is no longer the recorded photo."""
    import hashlib

    try:
        data = read_regular_file(path)  # a pipe put in a photo's place would block for good
    except OSError:
        data = None  # load_rgb says why, in its words
    if data is not None and content_hash and hashlib.sha256(data).hexdigest() != content_hash:
        raise PhotoChanged(f"{path} was replaced since the catalogue was indexed: re-index to see the new photo",
                           path=str(path))
    return np.asarray(load_rgb(path, max_side=max_side, data=data), dtype=np.uint8)


def model_crop_box(width: int, height: int, input_side: int) -> tuple[float, float, float, float]:
    """(left, top, width, height), in the pixels of a ``width`` × ``height`` photo, of what the model
    saw of it: ``models.preprocess.resize_crop`` scales the short side to ``input_side`` and takes
    the centre square, so an explanation map (over that square) covers exactly this box."""
    if width <= 0 or height <= 0 or input_side <= 0:
        return (0.0, 0.0, float(max(width, 0)), float(max(height, 0)))
    scale = input_side / min(width, height)
    new_w, new_h = max(input_side, round(width * scale)), max(input_side, round(height * scale))
    left, top = (new_w - input_side) // 2, (new_h - input_side) // 2
    fx, fy = new_w / width, new_h / height  # the resize's own factors (rounded sizes)
    return (left / fx, top / fy, input_side / fx, input_side / fy)


@dataclass(frozen=True)
class DiskImage:
    """An image from outside the catalogue, embedded for this session's outfits."""

    info: ItemInfo
    query: QueryItem  # its type-space embeddings as an outfit member
    cells: np.ndarray  # (K, D) float32 per-cell outputs, for its explanations


SPLIT_PARTS = 40  # comma-separated parts of one --outfit value searched for ids holding commas


def listed_ids(ids: Sequence[str]) -> str:
    """Item ids for a message, comma-separated; one that holds a comma or edge spaces is quoted,
    so that it cannot be read as two (``'Jeans/a,b'``)."""
    return ", ".join(repr(i) if "," in i or i != i.strip() or not i else i for i in ids)  # '' shown too


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database engine (None for another database, or one in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database
    if database.startswith("file:"):  # a URI filename ("file:/x.db?mode=ro&uri=true")
        database = database[len("file:"):].split("?")[0]
    return Path(database)


def file_identity(path: Path | None) -> tuple[int, int] | None:
    """(device, inode) of ``path``, None when there is none or it cannot be read: a file deleted and
    written anew under its name is another file, while a pooled SQLite connection goes on reading
    the old one (whose inode stays taken while it is open)."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class CatalogueItems:
    """Items of one catalogue by key: stored ones (pk ≥ 0) and images from disk (pk < 0)."""

    def __init__(self, engine: Engine, record: CatalogueRecord) -> None:
        self.engine = engine
        self.record = record
        self._file = file_identity(sqlite_file(engine))  # the database file as opened
        self._from_disk: dict[int, DiskImage] = {}
        # images from disk embedded by a previous model of this catalogue (a re-index or a new
        # model reopened it): kept in the outfit, embedded again with this model on first search
        self._carried: dict[int, ItemInfo] = {}
        # item key -> its text's words, read once per import revision (every tile's explanation asks for both items)
        self._words: dict[int, frozenset[str]] = {}
        self._words_revision = record.revision
        # photo file (path, size, mtime, ctime, recorded hash) -> what photo_state found: a file that moved on
        # unchanged (touched, chmod-ed, copied back) is hashed once, not at every search (a review)
        self._states: dict[tuple[str, int, int, int, str], str] = {}

    @property
    def root(self) -> Path:
        """The folder the catalogue's images are in (as of the last :meth:`refresh`)."""
        return Path(self.record.root)

    def refresh(self) -> bool:
        """Re-read the catalogue's row when another import changed it since (its revision moved:
        a re-index from the CLI, a replaced source folder); True when it did. One small query.

        Raises NotFound when the catalogue is gone from its database, its SQLite file is gone (a
        trial deleted it under the open window, which went on answering from the file it still had
        open, then lost the catalogue from its list without a word), or its row there is another
        catalogue's now (its token differs: the database was made anew or copied over, and an item
        key held since, the outfit's, may name another item)."""
        database = sqlite_file(self.engine)
        if database is not None and not database.is_file():
            raise NotFound(f"the database of catalogue {self.record.name!r} ({database}) was deleted or moved since "
                           "it was opened: index its folder again, or open another catalogue")
        if database is not None and file_identity(database) != self._file:
            # another file under its name, while the pooled connections still read the old one (a
            # trial deleted the catalogue and indexed another folder under its name from a terminal;
            # the window's next search offered to re-index the old folder into it): read the file
            # there now, and its catalogue row's token says whether it is still this catalogue
            self.engine.dispose()
            self._file = file_identity(database)
        found = browse.catalogue_stamp(self.engine, self.record.pk)
        if found is None:
            raise CatalogueRemade(f"catalogue {self.record.name!r} is no longer in its database (made anew by another "
                                  "window or command since it was opened); open it again")
        revision, uid = found
        if uid != self.record.uid:
            raise CatalogueRemade(f"catalogue {self.record.name!r} was made anew (by another window or command) since "
                                  "it was opened: its items are others now; open it again")
        if revision == self.record.revision:
            return False
        self.record = browse.catalogue_record(self.engine, self.record.name)
        return True

    # --- stored items ----------------------------------------------------------------------
    def metadata_changed(self) -> list[str]:
        """The catalogue's metadata files (tables, JSON) that changed or went since its last import,
        as recorded then (:func:`~sane_desktop.catalogue.sources.sources_changed`): its labels,
        titles and categories are still the imported ones. [] when none changed, or none was
        recorded (imported before this check), or the folder is not on this machine."""
        from sane_desktop.catalogue.sources import sources_changed

        return sources_changed(self.root, browse.catalogue_sources(self.engine, self.record.pk))

    def metadata_gone(self, changed: Sequence[str]) -> list[str]:
        """Those of ``changed`` (:meth:`metadata_changed`) no longer there at all: a re-import needs them back."""
        return [key for key in changed if not (Path(key) if Path(key).is_absolute() else self.root / key).exists()]

    def categories(self) -> list[str]:
        return browse.category_names(self.engine, self.record.pk)

    def search(self, category: str = ALL_CATEGORIES, text: str = "", limit: int = 5000) -> list[ItemInfo]:
        """Items of ``category`` (all when empty) matching every word of ``text`` (see store.browse)."""
        return self.infos(browse.search_items(self.engine, self.record.pk, category, text, limit))

    def count(self, category: str = ALL_CATEGORIES, text: str = "") -> int:
        """How many items :meth:`search` finds with no limit."""
        return browse.count_items(self.engine, self.record.pk, category, text)

    def text_words(self, pk: int) -> frozenset[str]:
        """The words of item ``pk``'s own text (:func:`sane_desktop.store.browse.item_text_words`), empty for an
        image from disk or an unknown key; read once per import revision as of the last :meth:`refresh`."""
        if pk < 0:
            return frozenset()
        if self._words_revision != self.record.revision or len(self._words) > 20000:  # re-imported (as of refresh)
            self._words, self._words_revision = {}, self.record.revision
        if pk not in self._words:
            self._words[pk] = browse.item_text_words(self.engine, pk) or frozenset()
        return self._words[pk]

    def photos_changed_in(self, categories: Sequence[str] | None = None, skip: Collection[str] = (),
                          should_stop: Callable[[], bool] = lambda: False) -> list[dict[str, str]]:
        """The items of ``categories`` (None: every category) whose photo file is gone or holds other bytes than
        the indexed photo, as :func:`photos_changed` gives them, ``skip`` (item ids) left out: a search ranks
        them as indexed, so a photo changed since lifts or drops an item unseen (trial CM: boots whose photo
        was put back ranked first on disk and were missing from a top 3, unsaid). Each file is statted; only
        one whose size, modification or change time is not the recorded one is hashed, so a photo touched
        but unchanged costs one read, and a catalogue of 9,000 photos a few tens of milliseconds; what a read
        found is kept for the file as it is. Nothing when the catalogue's folder is gone (the front ends say
        that instead of every photo); ``should_stop()`` ends the look early (the window's search was superseded)."""
        import os

        self.refresh()
        if not self.root.is_dir():
            return []
        if len(self._states) > 50_000:
            self._states.clear()
        found = []
        for row in browse.item_files(self.engine, self.record.pk, categories):
            if row.item_id in skip or not row.content_hash:
                continue
            if should_stop():
                break
            path = self.root / row.image_path
            state: tuple[str, int, int, int, str] | None
            try:
                now = os.stat(path)
                # the change time too, as index checks it: bytes changed with their size and time put back (trial CO)
                if now.st_size == row.file_size and now.st_mtime_ns == row.file_mtime_ns \
                        and row.file_ctime_ns in (None, now.st_ctime_ns):
                    continue
                state = (str(path), now.st_size, now.st_mtime_ns, now.st_ctime_ns, row.content_hash)
            except OSError:
                state = None  # gone or unreadable: photo_state says which
            why = self._states.get(state) if state is not None else None
            if why is None:
                why = photo_state(path, row.content_hash)
                if state is not None:
                    self._states[state] = why
            if why:
                found.append({"item_id": row.item_id, "path": str(path), "why": why})
        return found

    def with_photo(self, content_hash: str) -> list[ItemInfo]:
        """The catalogue's items whose photo has ``content_hash`` (SHA-256 of the file's bytes), in key order."""
        return self.infos(browse.items_with_content(self.engine, self.record.pk, content_hash))

    def infos(self, pks: Sequence[int]) -> list[ItemInfo]:
        """Items by primary key, in the order given (unknown keys are left out)."""
        self.refresh()  # paths are relative to the root, which a replacing import may have moved
        rows = browse.item_rows(self.engine, [pk for pk in pks if pk >= 0])
        found: dict[int, ItemInfo] = {pk: self._carried[pk] for pk in pks if pk in self._carried}
        found.update({pk: self._from_disk[pk].info for pk in pks if pk in self._from_disk})
        for pk, row in rows.items():
            # on one line: a table's quoted line break drew a tile's title as two lines in a one-line slot, its top
            # half cut (trial EK); the catalogue's own, as written, stays in catalogue_title
            title = readable_title(" ".join(row.title.split()) if row.title.strip() else row.title, row.category,
                                   row.attributes, row.item_id, row.fine_category)
            found[pk] = ItemInfo(pk, row.item_id, row.category, title, self.root / row.image_path, row.content_hash,
                                 row.attributes, catalogue_title="" if title == row.title else row.title)
        return [found[pk] for pk in pks if pk in found]

    def get(self, pk: int) -> ItemInfo:
        """One item; raises :class:`NotFound` for an unknown key."""
        found = self.infos([pk])
        if not found:
            raise NotFound(f"unknown item {pk}")
        return found[0]

    def text(self, pk: int) -> ItemText:
        """Item ``pk``'s product type and description (empty for an image from disk); raises
        :class:`NotFound` for an unknown key."""
        if pk < 0:
            if pk in self._from_disk or pk in self._carried:
                return ItemText()
            raise NotFound(f"unknown item {pk}")
        found = browse.item_text(self.engine, pk)
        if found is None:
            raise NotFound(f"unknown item {pk}")
        return ItemText(*found)

    def by_item_id(self, item_ids: Sequence[str]) -> list[ItemInfo]:
        """Items by the catalogue's own ids, in the order given: an id as given when the catalogue
        has it (a folder's file name may end in spaces: ``tops/  spaced  ``), else without the spaces
        around it (an id pasted with them), else with its escapes read back (:func:`unescaped`: an id
        copied from the text output, where a line break in a file name is written ``\\n``), else in
        the other Unicode form (NFC or NFD); raises
        :class:`NotFound` naming the unknown ones."""
        def forms(item_id: str) -> list[str]:
            # as given, without the spaces around it, its escapes read back, then in either Unicode form:
            # a Mac names "café.jpg" with a decomposed "é", a keyboard types the composed one (trial T)
            plain = item_id.strip()
            return [item_id, plain, unescaped(item_id), *(unicodedata.normalize(form, plain) for form in ("NFC", "NFD"))]

        wanted = {form for item_id in item_ids for form in forms(item_id)}
        pks = item_pks(self.engine, self.record.pk, sorted(wanted))
        found: dict[str, int] = {}
        missing: list[str] = []
        for item_id in item_ids:
            # an id that names one item as typed and another with its escapes read back (trial CG: files
            # "new⏎line.jpg" and "new\nline.jpg" both print as Tops/new\nline), or in the other Unicode form
            # (trial CI: "café" composed and decomposed, two files that print alike): refused, never a guess
            alike = {pks[form]: form for form in (item_id, unescaped(item_id),
                                                  *(unicodedata.normalize(f, item_id) for f in ("NFC", "NFD")))
                     if form in pks}
            if len(alike) > 1:
                # each spelt out in ASCII escapes: a composed and a decomposed "é" print alike otherwise
                raise InputError(f"the id {item_id!r} names {len(alike)} items whose ids print alike: "
                                 f"{' and '.join(ascii(form) for form in alike.values())} (catalogue "
                                 f"{self.record.name!r}); rename one of their photo files")
            pk = next((pks[form] for form in forms(item_id) if form in pks), None)
            if pk is None:
                missing.append(item_id.strip())
            else:
                found[item_id] = pk
        if missing:
            left = left_out_at_import(self.engine, self.record.pk, missing)
            if left and len(left) == len(missing):  # not a typo: the import named them as left out
                said = "; ".join(f"{listed_ids([item_id])}: {reason}" for item_id, reason in list(left.items())[:5])
                more = f"; and {len(left) - 5} more" if len(left) > 5 else ""
                raise NotFound(f"{'these items were' if len(left) > 1 else 'this item was'} left out at the last "
                               f"import of catalogue {self.record.name!r} ({said}{more}): mend "
                               f"{'their photos' if len(left) > 1 else 'its photo'} and import it again")
            unknown = [item_id for item_id in missing if item_id not in left]  # the others said apart, below
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""  # never cut without a word
            shown_left = "; ".join(f"{listed_ids([i])} ({r})" for i, r in list(left.items())[:5])
            left_words = (f"; left out at the last import: {shown_left}{' and more' if len(left) > 5 else ''}"
                          if left else "")
            raise NotFound(f"unknown item ids: {listed_ids(unknown[:5])}{more} (catalogue {self.record.name!r})"
                           f"{self._meant(unknown[:5])}{left_words}")
        return self.infos([found[item_id] for item_id in item_ids])

    def _meant(self, missing: Sequence[str]) -> str:
        """"; did you mean …?" for unknown ids that name an item by its file name alone (a folder
        catalogue's ids are ``category/name``: trial AC's ``--outfit 赤いシャツ`` was refused without
        a word of ``トップス/赤いシャツ``) or are a typo of one (trial AI's ``79814333``), "" when none does."""
        meant = {item_id: ids_named(self.engine, self.record.pk, item_id)
                 or ids_like(self.engine, self.record.pk, item_id) for item_id in missing}  # a file name, or a typo
        meant = {item_id: found for item_id, found in meant.items() if found}
        if not meant:
            return ""
        if len(missing) == 1:
            return f"; did you mean {' or '.join(listed_ids([f]) for f in meant[missing[0]])}?"
        return "; did you mean " + ", ".join(f"{' or '.join(listed_ids([f]) for f in found)} for {listed_ids([item_id])}"
                                             for item_id, found in meant.items()) + "?"

    def split_ids(self, entries: Sequence[str]) -> list[str]:
        """Item ids from comma-separated ``entries`` (a command line's ``--outfit A,B``), in order,
        blanks dropped. A catalogue may use commas in its ids (a trial's ``COMMA,ID-01`` imported
        but could not be named): from the left, the longest run of comma-separated parts that is one
        of the catalogue's ids is taken whole, else one part (entries of more than
        :data:`SPLIT_PARTS` parts are only split)."""
        pieces = [entry.split(",") for entry in entries]
        joins = {",".join(parts[i:j]) for parts in pieces if 1 < len(parts) <= SPLIT_PARTS
                 for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)}
        # an id as typed when the catalogue has it (a folder's file name may end in spaces), else without
        # the spaces around it: the single parts are asked for as they are too
        # with its escapes read back too (an id as an ASCII-only terminal printed it: trial DP's "\\u978b\\u5b50/a,b")
        wanted = {*joins, *(part for parts in pieces for part in parts if part != part.strip())}
        wanted |= {unescaped(w) for w in wanted}
        known = item_pks(self.engine, self.record.pk, sorted({*wanted, *(w.strip() for w in wanted)})) if wanted else {}

        def resolved(raw: str) -> str | None:
            return raw if raw in known else raw.strip() if raw.strip() in known else \
                raw if unescaped(raw.strip()) in known else None

        ids: list[str] = []
        for parts in pieces:
            start = 0
            while start < len(parts):
                end = next((j for j in range(len(parts), start + 1, -1) if resolved(",".join(parts[start:j]))),
                           start + 1)
                raw = ",".join(parts[start:end])
                ids += [found] if (found := resolved(raw) or raw.strip()) else []
                start = end
        return ids

    def has_outfits(self) -> bool:
        self.refresh()
        return self.record.outfits > 0

    def has_attributes(self) -> bool:
        """Whether any item has a labelled attribute (a colour, a pattern…) that a search can find it by."""
        from sane_desktop.store.browse import has_attributes

        return has_attributes(self.engine, self.record.pk)

    def can_train(self) -> bool:
        """Whether ``train`` has something to learn here: outfits (compatibility and attributes) or,
        without outfits, labelled attributes (the attribute network alone)."""
        from sane_desktop.store.browse import has_attributes

        return self.has_outfits() or has_attributes(self.engine, self.record.pk)

    # --- images from disk ------------------------------------------------------------------
    def add_disk_image(self, path: Path, category: str, content_hash: str, query: QueryItem,
                       cells: np.ndarray, pk: int | None = None) -> ItemInfo:
        """Keep an embedded image from disk under the next free negative key (or ``pk``, a carried
        image's own: the outfit on screen holds it); returns its item."""
        if pk is None:
            pk = min([0, *self._from_disk, *self._carried]) - 1
        self._carried.pop(pk, None)
        # titled by its file name with its extension: a bare stem ("562520712") read as a catalogue id (trial BU)
        info = ItemInfo(pk, path.name, category, path.name, path, content_hash, ())
        self._from_disk[pk] = DiskImage(info, query, cells.astype(np.float32))
        return info

    def disk_image(self, pk: int) -> DiskImage:
        if pk not in self._from_disk:
            # no key in the words: "-1" named nothing a person knows (trial CJ)
            raise NotFound("an image from disk in the outfit is no longer loaded: take it out of the outfit, then add "
                           "it again")
        return self._from_disk[pk]

    def disk_infos(self) -> list[ItemInfo]:
        """Every image from disk this catalogue holds, embedded or carried, newest last."""
        return sorted([*(image.info for image in self._from_disk.values()), *self._carried.values()],
                      key=lambda info: -info.pk)

    def carry_disk_images(self, infos: Sequence[ItemInfo]) -> None:
        """Keep a previous model's images from disk under their keys, to be embedded again
        (:meth:`carried`) with this catalogue's model: a reopen must not empty the user's outfit."""
        self._carried.update({info.pk: info for info in infos if info.pk < 0 and info.pk not in self._from_disk})

    def carried(self, pk: int) -> ItemInfo | None:
        """A carried image from disk not yet embedded with this model, else None."""
        return self._carried.get(pk)

    def disk_cells(self) -> dict[int, np.ndarray]:
        return {pk: image.cells for pk, image in self._from_disk.items()}

    def close(self) -> None:
        self._from_disk.clear()
        self._carried.clear()
        self.engine.dispose()


def has_search_words(text: str) -> bool:
    """Whether ``text`` holds a word a catalogue search looks for (letters or digits): punctuation
    alone searches for nothing and would list every item (:func:`sane_desktop.store.browse.search_tokens`)."""
    return bool(browse.search_tokens(text))


def photo_state(path: Path, content_hash: str) -> str:
    """"" while the file at ``path`` is still the photo recorded by ``content_hash`` (SHA-256 of its
    bytes; without one, while a file is there), else why not: "gone", "replaced", "emptied (0 bytes)" or
    "unreadable: …".
    The one check of a photo against what was derived from it (``query``'s note, the thumbnails'
    cache, an image from disk carried to a new model). Never raises."""
    import os
    import stat

    from sane_desktop.catalogue.content_hash import file_hash  # never through retrieval.indexing: torch

    try:
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode):  # a FIFO would block the read forever
            return "unreadable: not a regular file"
        if not content_hash:
            return ""
        if file_hash(path) == content_hash:
            return ""
        # no photo at all now: "replaced" read as another picture (trial CG)
        return "emptied (0 bytes)" if found.st_size == 0 else "replaced"
    except FileNotFoundError:
        return "gone"
    except OSError as error:
        return f"unreadable: {error.strerror or error}"


def metadata_note(changed: Sequence[str], gone: Sequence[str] = ()) -> str:
    """The words for metadata files changed since the import (:meth:`CatalogueItems.metadata_changed`),
    those of them ``gone`` (:meth:`CatalogueItems.metadata_gone`) said as gone, a front end adding how
    to re-import — or, for a file gone, that a re-import needs it back; "" for none."""
    if not changed:
        return ""

    def listed(names: Sequence[str]) -> str:
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    kept = "its labels, titles and categories are still the imported ones"
    if gone:  # trial V: a deleted mapping and table were "changed", and the re-index offered failed twice
        others = [name for name in changed if name not in gone]
        also = f"; {listed(others)} changed" if others else ""
        return f"the catalogue's metadata ({listed(gone)}) is gone since it was imported{also}: {kept}"
    return f"the catalogue's metadata ({listed(changed)}) changed since it was imported: {kept}"


def photos_changed(items: Sequence[ItemInfo]) -> list[dict[str, str]]:
    """The items among ``items`` whose photo file is gone or holds other bytes than the indexed
    photo (its content hash, :func:`photo_state`): a trial saw ``query`` rank a deleted photo first
    without a word, while ``explain`` refused it. Each file is hashed once (a few ms for a list of results)."""
    found, seen = [], set()
    for item in items:
        if item.pk in seen or not item.content_hash:
            continue
        seen.add(item.pk)
        why = photo_state(item.image_path, item.content_hash)
        if why:
            found.append({"item_id": item.item_id, "path": str(item.image_path), "why": why})
    return found
