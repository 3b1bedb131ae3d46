"""Saved outfits of the open catalogue (issue 18, point 12), and the CSV of an outfit with its
suggestions.

Only catalogue items are saved: images added from disk live in this session alone and are left
out (the front end says so). An item that a re-import removed is gone from its saved outfits; the
outfit keeps its other items and :class:`LoadedOutfit` says how many went missing.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine

from sane_desktop import paths
from sane_desktop.errors import InputError
from sane_desktop.service.match_score import in_window_order, match_percent, share_points
from sane_desktop.service.values import ItemInfo, LoadedOutfit, SavedOutfit, SavedOutfitInfo, SearchResult
from sane_desktop.store import outfits as store
from sane_desktop.store.outfits import OutfitNameTaken

__all__ = ["OutfitNameTaken", "SavedOutfits", "outfit_csv_rows", "write_outfit_csv"]


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class SavedOutfits:
    """The saved outfits of one catalogue (``catalogue_pk`` in the database ``engine``)."""

    def __init__(self, engine: Engine, catalogue_pk: int) -> None:
        self.engine = engine
        self.catalogue_pk = catalogue_pk

    def list(self) -> list[SavedOutfitInfo]:
        rows = store.list_outfits(self.engine, self.catalogue_pk)
        with self.engine.connect() as connection:  # the list marks them as opening one does (a new user's try)
            replaced = store.replaced_photos(connection, self.catalogue_pk)
        return [SavedOutfitInfo(row.pk, row.name, row.saved_items, row.items, _iso(row.created_at),
                                _iso(row.updated_at), len(replaced.get(row.pk, ())))
                for row in rows]

    def exists(self, name: str) -> bool:
        return store.outfit_pk(self.engine, self.catalogue_pk, name) is not None

    def missing_items(self, name: str) -> int:
        """How many items of the outfit saved as ``name`` are no longer in the catalogue (0: none, or no such
        outfit): a replace forgets them, where the outfit kept would find them again when they come back."""
        pk = store.outfit_pk(self.engine, self.catalogue_pk, name)
        # the rows alone: list()'s look for replaced photos is not needed here
        return next((max(0, row.saved_items - row.items) for row in store.list_outfits(self.engine, self.catalogue_pk)
                     if row.pk == pk), 0) if pk is not None else 0

    def save(self, name: str, item_pks: Sequence[int], *, overwrite: bool = False) -> SavedOutfit:
        """Save the outfit's catalogue items in order as ``name``.

        Raises :class:`OutfitNameTaken` (an InputError) when that name is saved already and
        ``overwrite`` is false: ask the person, then save again with ``overwrite=True``. InputError
        for an empty name or an outfit without catalogue items."""
        left_out = sum(1 for pk in item_pks if pk < 0)
        replaced = overwrite and self.exists(name)
        pk = store.save_outfit(self.engine, self.catalogue_pk, name, item_pks, overwrite=overwrite)
        saved_name, saved, _ = store.outfit_items(self.engine, self.catalogue_pk, pk)
        return SavedOutfit(pk, saved_name, saved, left_out, replaced)

    def load(self, pk: int) -> LoadedOutfit:
        """The saved outfit's items still in the catalogue, in order, with those gone and those whose photo is
        another than the one saved (NotFound when the outfit is gone)."""
        name, saved, items = store.outfit_items(self.engine, self.catalogue_pk, pk)
        missing = max(0, saved - len(items))
        gone = tuple(store.missing_item_ids(self.engine, self.catalogue_pk, pk)) if missing else ()
        replaced = tuple(store.replaced_photo_ids(self.engine, self.catalogue_pk, pk))
        return LoadedOutfit(pk, name, tuple(items), missing, gone, replaced)

    def matching(self, item_pks: Sequence[int]) -> str | None:
        """The name of a saved outfit that is ``item_pks`` (catalogue item keys; those no longer in the
        catalogue left out, as a save leaves them out) in this order, as it opens now (its items still in
        the catalogue), or None: the outfit is not saved as it is.
        An outfit holding an image from disk (a negative key) is never saved, so never matches."""
        wanted = [int(pk) for pk in item_pks]
        if not wanted or any(pk < 0 for pk in wanted):
            return None
        # an item a re-import removed is no part of the outfit as it would be saved (trial AF was asked to
        # save an outfit that was its saved one, its removed item still on screen)
        wanted = store.catalogue_items(self.engine, self.catalogue_pk, wanted)
        if not wanted:
            return None
        for row in store.list_outfits(self.engine, self.catalogue_pk):
            if row.items == len(wanted):
                name, _saved, items = store.outfit_items(self.engine, self.catalogue_pk, row.pk)
                if items == wanted:
                    return name
        return None

    def rename(self, pk: int, name: str) -> str:
        """Raises :class:`OutfitNameTaken` when another saved outfit has ``name``."""
        return store.rename_outfit(self.engine, self.catalogue_pk, pk, name)

    def delete(self, pk: int) -> None:
        store.delete_outfit(self.engine, self.catalogue_pk, pk)


# --- CSV export ------------------------------------------------------------------------------------

def _text(value: str) -> str:
    """A catalogue's text as a cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _number(value: float) -> str:
    return f"{value:.4f}"


def outfit_csv_rows(outfit: Sequence[ItemInfo], results: Mapping[str, Sequence[SearchResult]],
                    alike: Collection[str] = (), about: Mapping[str, str] | None = None) -> list[list[str]]:
    """The CSV's rows: a header; the outfit's items (section ``outfit``, rank = position from 1);
    then per target category, in the window's order (:func:`~sane_desktop.service.match_score.in_window_order`), its ranked results
    (section ``result``) with what they were ranked by (``compatibility``, or ``looks`` for a target
    in ``alike``: one the model has no matches learnt for, whose results are look-alikes of the
    outfit), the 0–100 figure the window shows (:func:`~sane_desktop.service.match_score.match_percent`:
    ``match`` for compatibility picks, ``likeness`` for look-alikes), their raw score and each outfit item's share of
    it (columns ``share <outfit item id>``; the shares sum to the score; empty for an outfit item the
    result was not compared with, its pair's space one the model never learnt), and the points of the 0–100
    figure each adds, as the window's badges say them (columns ``points <outfit item id>``, whole numbers that
    add up to the figure less 50: :func:`~sane_desktop.service.match_score.share_points`; trial DE read raw
    shares beside the window's points); last, one row per entry of
    ``about`` (section ``about``, its key in ``target``, its value in ``title``): what the list was taken from
    (the catalogue, the filters that narrowed it: trial DE's export of a filtered list said nothing of it)."""
    shares = [f"share {item.item_id}" for item in outfit]
    points_columns = [f"points {item.item_id}" for item in outfit]
    empty = [""] * (2 * len(outfit))
    rows = [["section", "target", "rank", "item_id", "title", "category", "ranked_by", "match", "likeness", "score",
             *shares, *points_columns]]
    for position, item in enumerate(outfit, start=1):
        rows.append(["outfit", "", str(position), _text(item.item_id), _text(item.title), _text(item.category), "", "",
                     "", "", *empty])
    for target, ranked in in_window_order(results, alike):
        ranked_by = "looks" if target in alike else "compatibility"
        for rank, result in enumerate(ranked, start=1):
            compared = [item for item in outfit
                        if item.pk in result.contributions and item.pk not in result.not_compared]
            points = dict(zip((item.pk for item in compared),
                              share_points([result.contributions[item.pk] for item in compared])))
            parts = [_number(result.contributions[item.pk]) if item.pk in points else "" for item in outfit]
            parts += [str(points[item.pk]) if item.pk in points else "" for item in outfit]
            figure = str(match_percent(result.score, result.compared()))
            # a look-alike's figure is a likeness, on another scale than a match: its own column, so that
            # sorting by match never mixes the two (trial I)
            match, likeness = ("", figure) if target in alike else (figure, "")
            rows.append(["result", _text(target), str(rank), _text(result.item.item_id), _text(result.item.title),
                         _text(result.item.category), ranked_by, match, likeness, _number(result.score), *parts])
    for key, value in (about or {}).items():
        rows.append(["about", _text(key), "", "", _text(value), "", "", "", "", "", *empty])
    return rows



def write_outfit_csv(path: Path | str, outfit: Sequence[ItemInfo],
                     results: Mapping[str, Sequence[SearchResult]], alike: Collection[str] = (),
                     about: Mapping[str, str] | None = None) -> Path:
    """Write :func:`outfit_csv_rows` to ``path`` (UTF-8 with a BOM, which spreadsheets read as
    UTF-8), atomically (:func:`sane_desktop.paths.write_atomically`: a failed write leaves a file of
    that name whole). Raises InputError when the file cannot be written, or lies inside the installed
    package (one line)."""
    target = Path(path)
    def write(file: Path) -> bool:
        with file.open("w", newline="", encoding="utf-8-sig") as handle:
            csv.writer(handle).writerows(outfit_csv_rows(outfit, results, alike, about))
        return True

    if not paths.write_atomically(target, write):
        raise InputError(f"cannot write {target}: {paths.why_not_written(target)}")
    return target
