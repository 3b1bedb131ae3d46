"""Use cases around a folder's own product table: draft the ``sane-mapping.json`` that reads it
(:mod:`sane_desktop.catalogue.column_draft`), try the draft on the folder, and write it. The CLI's
``draft-mapping`` and the index dialog's "Read its columns…" both call these.

A folder read without a mapping is read by its folders and file names: a merchandiser's ``products.csv`` (their
categories, titles, colours, outfits) was not read at all, and the mapping had to be written by hand in JSON.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.column_draft import ColumnDraft, draft_columns, tables_in
from sane_desktop.catalogue.detect import MAPPING_FILE_NAME
from sane_desktop.errors import InputError, WayOut

__all__ = ["MAPPING_FILE_NAME", "MappingDraft", "MappingFileExists", "MappingTrial", "draft_mapping", "try_mapping",
           "write_mapping"]


class MappingFileExists(InputError):
    """The mapping file to write is there already, and replacing it was not asked for."""

# the keys a person may choose, as the draft names them
CHOSEN_KEYS = ("id", "image", "image_template", "category", "title", "outfits")


@dataclass(frozen=True)
class MappingTrial:
    """What the folder reads as with a draft: ``items`` whose photo file is in the folder (what an index can read),
    ``no_photo`` rows whose photo the draft names but the folder lacks, ``outfits`` read, ``skipped`` (the reader's
    lines on rows and files left out) with its first ``reasons``, and every category of those items with its
    count, largest first."""

    items: int
    no_photo: int
    outfits: int
    skipped: int
    reasons: tuple[str, ...]
    categories: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class MappingDraft:
    """A drafted mapping of ``table`` (``rows`` rows, ``columns`` in order): ``document`` the ``sane-mapping.json``,
    ``choices`` (key, column, why), ``missing`` the required keys no column gave, ``notes`` for the person, and
    ``trial`` what the folder reads as with it (None while incomplete)."""

    folder: Path
    table: str
    columns: tuple[str, ...]
    rows: int
    document: dict[str, Any]
    choices: tuple[tuple[str, str, str], ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]
    trial: MappingTrial | None = None
    others: tuple[str, ...] = field(default_factory=tuple)  # the folder's other tables

    @property
    def complete(self) -> bool:
        return not self.missing

    def text(self) -> str:
        """The document as written (UTF-8 JSON, two-space indents, the catalogue's words as they are)."""
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def draft_mapping(folder: Path | str, table: str | None = None, given: Mapping[str, str] | None = None, *,
                  trial: bool = True) -> MappingDraft:
    """Draft the mapping of ``folder``'s product ``table`` (its one table, or the one named like products, when
    None), ``given`` columns taken as they are (keys of :data:`CHOSEN_KEYS`), and, ``trial``, read the folder with
    it (:func:`try_mapping`; photos are not opened).

    Raises:
        InputError: an unknown key in ``given``; CatalogueError: no table, an unreadable one, a given column the
            table lacks.
    """
    folder = Path(folder).expanduser()
    unknown = sorted(set(given or {}) - set(CHOSEN_KEYS))
    if unknown:
        raise InputError(f"unknown mapping key(s) {', '.join(unknown)}: choose among {', '.join(CHOSEN_KEYS)}")
    draft: ColumnDraft = draft_columns(folder, table, given)
    outfits = str((draft.document.get("outfits") or {}).get("table") or "")
    found = MappingDraft(folder, draft.table, tuple(draft.columns), draft.rows, draft.document,
                         tuple((c.key, c.column, c.why) for c in draft.choices), tuple(draft.missing),
                         tuple(draft.notes), others=tuple(t for t in tables_in(folder) if t not in (draft.table, outfits)))
    if trial and found.complete:
        return dataclasses.replace(found, trial=try_mapping(folder, found.document))
    return found


def try_mapping(folder: Path, document: Mapping[str, Any]) -> MappingTrial:
    """Read ``folder`` with the mapping ``document`` as an import would (its photos looked up, not opened):
    CatalogueError as the import would raise it (a column the table lacks, a bad template)."""
    with tempfile.TemporaryDirectory(prefix="sane-mapping-") as scratch:
        path = Path(scratch) / MAPPING_FILE_NAME
        path.write_text(json.dumps(dict(document), ensure_ascii=False), encoding="utf-8")
        catalogue = read_catalogue(folder, path, validate_images=False)
    # the items an index can read: a draft whose photo column names no file was promised as "160 items" (trial EI)
    with_photo = catalogue.items_with_photo()
    counts: dict[str, int] = {}
    for item in with_photo:
        counts[item.category] = counts.get(item.category, 0) + 1
    reasons = tuple(dict.fromkeys(f"{skip.path or skip.item_id}: {skip.reason}" for skip in catalogue.skipped))[:5]
    # outfits of items an index can read (trial EJ read "0 items …, 20 outfits")
    readable = {item.item_id for item in with_photo}
    outfits = sum(1 for outfit in catalogue.outfits if len(set(outfit.item_ids) & readable) >= 2)
    return MappingTrial(len(with_photo), len(catalogue.items) - len(with_photo), outfits,
                        len(catalogue.skipped), reasons, tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))


def write_mapping(draft: MappingDraft, out: Path | None = None, *, replace: bool = False) -> Path:
    """Write ``draft`` to ``out`` (default the folder's ``sane-mapping.json``, which every import of the folder
    reads from then on), by rename: a reader never sees half a file.

    Raises:
        InputError: the draft lacks a required key or reads no item, the file exists and ``replace`` is false
            (:class:`MappingFileExists`), or it cannot be written (a read-only folder).
    """
    if not draft.complete:  # (the command line names its options first; the dialog's Save waits for them)
        raise InputError(f"the draft of {draft.table} has no {' or '.join(draft.missing)} column: nothing written")
    if draft.trial is not None and not draft.trial.items:  # it would import nothing an index can read
        raise InputError(f"with this draft no row of {draft.table} names a photo in the folder: nothing written "
                         "(name the photo's column or template)")
    target = Path(out).expanduser() if out is not None else draft.folder / MAPPING_FILE_NAME
    if target.exists() and not replace:
        raise MappingFileExists(f"{target} exists already: nothing written", way_out=WayOut.REPLACE_MAPPING)
    scratch: str | None = None
    try:
        handle, scratch = tempfile.mkstemp(prefix=".sane-mapping-", suffix=".tmp", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(draft.text())
        os.replace(scratch, target)
        scratch = None
    except OSError as error:
        raise InputError(f"cannot write {target} ({error.strerror or error})",
                         way_out=WayOut.WRITE_MAPPING_ELSEWHERE) from None
    finally:
        if scratch is not None:
            with contextlib.suppress(OSError):
                os.unlink(scratch)
    return target
