"""List models for the item grids (catalogue browser, outfit, results) with custom roles.

Tooltips speak plainly by default (title, category, attributes, the outfit item it matches best);
the research terms (raw scores, score parts, type-space cosines, an attribute's score parts) appear
only while ``details`` is on (the explanation panel's Details, a remembered setting)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QImage

from sane_desktop.gui.text import NO_SINGLE_REASON, escape, rich_tooltip
from sane_desktop.gui.thumbnails import CHANGED, MISSING, UNREADABLE, ThumbnailLoader
from sane_desktop.service import ItemInfo, SearchResult, TileExplanation
from sane_desktop.service.match_score import compared_count, match_percent
from sane_desktop.service.titles import attribute_words, sort_key
from sane_desktop.service.values import best_compared

ITEM_MIME = "application/x-sane-item-pks"
Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    ItemPk = Qt.ItemDataRole.UserRole + 1
    Category = Qt.ItemDataRole.UserRole + 2
    Score = Qt.ItemDataRole.UserRole + 3
    Contributions = Qt.ItemDataRole.UserRole + 4  # outfit item pk -> part of the score
    Attribute = Qt.ItemDataRole.UserRole + 5  # explaining attribute once known (issue 7 chip)
    ExplanationState = Qt.ItemDataRole.UserRole + 6  # "", "pending", "done"
    Thumbnail = Qt.ItemDataRole.UserRole + 7  # QImage, or None while loading or failed (ThumbnailState)
    Info = Qt.ItemDataRole.UserRole + 8
    Tile = Qt.ItemDataRole.UserRole + 9  # TileExplanation (fast, batched) once computed
    Overlay = Qt.ItemDataRole.UserRole + 10  # QImage RGBA saliency overlay of the tile
    Highlight = Qt.ItemDataRole.UserRole + 11  # outfit tiles: share of the hovered result's score
    OutfitPosition = Qt.ItemDataRole.UserRole + 12  # outfit tiles: position = colour of its bars
    Rank = Qt.ItemDataRole.UserRole + 13  # results: 1-based rank by score among those shown (any sort)
    ThumbnailState = Qt.ItemDataRole.UserRole + 14  # "loading", "ready", "missing", "unreadable" (thumbnails.py)
    LookAlike = Qt.ItemDataRole.UserRole + 15  # results: ranked by looks (no matches learnt for its category)
    Driver = Qt.ItemDataRole.UserRole + 16  # results: the compared outfit item with the largest part (or None)
    Compared = Qt.ItemDataRole.UserRole + 17  # results: how many outfit items it was compared with (the match's mean)
    NotCompared = Qt.ItemDataRole.UserRole + 18  # results: the outfit items' keys it was not compared with
    General = Qt.ItemDataRole.UserRole + 19  # results: "visually similar" to one item, not compared with the outfit
    OutfitColours = Qt.ItemDataRole.UserRole + 20  # results: outfit item key -> its colour slot (its bar's colour)

RESULT_SORTS = ("score", "title")  # the results' orders: best match first (the default), title


@dataclass
class Row:
    item: ItemInfo
    score: float | None = None
    contributions: dict[int, float] = field(default_factory=dict)
    attribute: str = ""
    explanation_state: str = ""
    tile: TileExplanation | None = None
    overlay: QImage | None = None
    highlight: float | None = None
    rank: int | None = None
    look_alike: bool = False  # a look-alike (its category has no matches learnt), not a compatibility pick
    not_compared: frozenset[int] = frozenset()  # outfit items in a space never learnt for it: their 0 is no part
    alternatives: frozenset[int] = frozenset()  # those of them in its own model category (SearchResult.alternatives)
    in_outfit: bool = False  # of a category the outfit has already: listed after the items it lacks
    general: bool = False  # "visually similar" to one item (in no outfit): a likeness, with no outfit to split

    def driver(self) -> int | None:
        """The compared outfit item the match comes most from (:func:`best_compared`)."""
        return best_compared(self.contributions, self.not_compared)

    def compared(self) -> int:
        """How many outfit items it was compared with (its 0–100 match is their mean: :func:`compared_count`)."""
        return compared_count(self.contributions, self.not_compared)


class ItemListModel(QAbstractListModel):
    """Items with thumbnails loaded lazily when a view first asks for them."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._rows: list[Row] = []
        self._row_of_key: dict[str, list[int]] = {}
        self.outfit_titles: dict[int, str] = {}  # outfit item pk -> title, for result tooltips
        self.outfit_categories: dict[int, str] = {}  # outfit item pk -> category: why one was not compared
        self.outfit_mode = False  # outfit tiles carry their colour slot (bar colour) and highlight
        # outfit mode: item key -> its colour slot, kept while it stays in the outfit (trial BE: removing one item
        # recoloured those after it); results: the outfit's slots, for their bars (set by the window)
        self.colour_slots: dict[int, int] = {}
        self.details = False  # tooltips carry the research terms (raw scores, cosines, score parts)
        # results: how many each category's list may hold, and the categories whose list holds that many (more of
        # them may be left out: their tooltips say so; trial BY took the 24 per category for the whole catalogue)
        self.per_category = 0
        self.capped: frozenset[str] = frozenset()
        self.result_order = "score"  # results: one of RESULT_SORTS
        thumbnails.ready.connect(self._thumbnail_ready)

    # --- filling -----------------------------------------------------------------------------
    def set_items(self, items: list[ItemInfo]) -> None:
        if self.outfit_mode:  # an item still there keeps its colour (a re-read, Undo); the others take free ones
            kept = {item.pk: self.colour_slots[item.pk] for item in items if item.pk in self.colour_slots}
            self.colour_slots = kept
            for item in items:
                if item.pk not in kept:
                    self._give_colour(item.pk)
        self._set_rows([Row(item) for item in items])

    def _give_colour(self, pk: int) -> None:
        """The first colour slot no outfit item wears, to ``pk``."""
        taken = set(self.colour_slots.values())
        self.colour_slots[pk] = next(slot for slot in range(len(taken) + 1) if slot not in taken)

    def recheck_photos(self) -> None:
        """Look again at the shown rows' photo files when next painted (now): one deleted or replaced
        since shows its state instead of the picture loaded before (trial M's outfit kept showing a
        sandal whose file held a skirt by then); one that failed is looked at again too (it may be back:
        trial N's tile said "photo changed" after the photo was put back)."""
        if self._rows:
            self.thumbnails.retry(row.item.image_path for row in self._rows)
            self.thumbnails.recheck((row.item.image_path, row.item.content_hash) for row in self._rows)
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def set_results(self, results: list[SearchResult], look_alike: frozenset[str] = frozenset(),
                    in_outfit: frozenset[str] = frozenset()) -> None:
        """Results, ranked by their 0–100 match (best first; ties by key) and shown in :attr:`sort` order.
        ``look_alike``: categories ranked by looks alone (the model learnt no matches for them):
        their scores are visual similarities, on another scale than a match, so they rank after
        every compatibility pick instead of among them. ``in_outfit``: the outfit's own categories:
        in a list that has others too ("All categories"), their items rank after those the outfit lacks."""
        # by the match shown (the mean over the outfit items each was compared with): a list of several
        # target categories mixes results compared with all outfit items and with some (trial L read
        # #1 74 above #2 96 in "Best match" order, ranked by the raw sums). An item of a category the
        # outfit has is not compared with that outfit item (no type space pairs a category with itself),
        # so its mean is over fewer items: trial M's first six results for a dress and a sandal were
        # dresses, "100 % from the sandal". They are alternatives, not what completes the outfit.
        if not any(r.item.category not in in_outfit for r in results):
            in_outfit = frozenset()  # one of the outfit's categories alone: nothing to list them after
        ranked = sorted(results, key=lambda r: (r.item.category in look_alike, r.item.category in in_outfit,
                                                -r.score / r.compared(), r.item.pk))
        rows = [Row(r.item, r.score, dict(r.contributions), rank=number + 1, look_alike=r.item.category in look_alike,
                    not_compared=r.not_compared, alternatives=r.alternatives, in_outfit=r.item.category in in_outfit, general=r.general)
                for number, r in enumerate(ranked)]
        self._set_rows(self._sorted(rows))

    def set_sort(self, sort: str) -> None:
        """Show the rows in another order (one of RESULT_SORTS), keeping each row's explanation,
        tile and rank. ValueError for an unknown order."""
        if sort not in RESULT_SORTS:
            raise ValueError(f"unknown results order {sort!r}")
        self.result_order = sort
        if any(row.rank is not None for row in self._rows):
            self._reorder(self._sorted(list(self._rows)))

    def _reorder(self, rows: list[Row]) -> None:
        """The same rows in another order, as a layout change that moves the views' persistent indexes with their
        rows (as Qt's QSortFilterProxyModel sorts): the selection and the current result stay on the items they
        were on, where a reset cleared them (a stylist's Ctrl+clicked results, gone after a sort)."""
        self.layoutAboutToBeChanged.emit()
        number_of = {id(row): number for number, row in enumerate(rows)}
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [self.createIndex(number_of[id(self._rows[index.row()])], 0)
                                                for index in before])
        self._rows = rows
        self._key_rows()
        self.layoutChanged.emit()

    def _sorted(self, rows: list[Row]) -> list[Row]:
        if self.result_order == "title":
            return sorted(rows, key=lambda row: (sort_key(row.item.title), row.rank or 0))  # "É" among the e's
        return sorted(rows, key=lambda row: row.rank or 0)

    def _set_rows(self, rows: list[Row]) -> None:
        # a photo that failed is looked at again whenever a list is shown (it may be back), and a shown
        # one too (it may be gone or replaced since)
        self.thumbnails.retry(row.item.image_path for row in rows)
        self.thumbnails.recheck((row.item.image_path, row.item.content_hash) for row in rows)
        self.beginResetModel()
        self._rows = rows
        self._key_rows()
        self.endResetModel()

    def _key_rows(self) -> None:
        """Which rows show each thumbnail (a photo's ready thumbnail repaints them)."""
        self._row_of_key = {}
        for number, row in enumerate(self._rows):
            self._row_of_key.setdefault(self.thumbnails.key(row.item.image_path, row.item.content_hash), []).append(number)

    def append(self, item: ItemInfo) -> bool:
        if any(row.item.pk == item.pk for row in self._rows):
            return False
        number = len(self._rows)
        if self.outfit_mode:
            self._give_colour(item.pk)
        self.thumbnails.retry([item.image_path])
        self.beginInsertRows(QModelIndex(), number, number)
        self._rows.append(Row(item))
        self._row_of_key.setdefault(self.thumbnails.key(item.image_path, item.content_hash), []).append(number)
        self.endInsertRows()
        return True

    def remove_row(self, number: int) -> None:
        if 0 <= number < len(self._rows):
            self.beginRemoveRows(QModelIndex(), number, number)
            removed = self._rows.pop(number)
            self.endRemoveRows()
            if self.outfit_mode:  # the others keep theirs
                self.colour_slots.pop(removed.item.pk, None)
            self._key_rows()

    def clear(self) -> None:
        self.colour_slots = {}
        self._set_rows([])

    def set_explanation(self, pk: int, state: str, attribute: str = "") -> None:
        for number, row in enumerate(self._rows):
            if row.item.pk == pk:
                row.explanation_state, row.attribute = state, attribute or row.attribute
                index = self.index(number)
                self.dataChanged.emit(index, index, [Role.ExplanationState, Role.Attribute])

    def set_tiles(self, tiles: list[tuple[TileExplanation, QImage]]) -> None:
        """Batched fast explanations: chip, overlay and tooltip of the tiles they explain."""
        rows = {row.item.pk: number for number, row in enumerate(self._rows)}
        for tile, overlay in tiles:
            number = rows.get(tile.candidate_pk)
            if number is None:
                continue
            row = self._rows[number]
            row.tile, row.overlay = tile, overlay
            # a click-through explanation's attribute wins; a row listed again (a filter, a sort) has
            # none, and then its tile's fills the chip
            if tile.attribute is not None and (row.explanation_state != "done" or not row.attribute):
                row.attribute = tile.attribute.name
            index = self.index(number)
            self.dataChanged.emit(index, index, [Role.Tile, Role.Overlay, Role.Attribute, Qt.ItemDataRole.ToolTipRole])

    def unexplained(self, numbers: list[int]) -> list[int]:
        """Of these rows, the pks that have no tile explanation yet."""
        return [self._rows[n].item.pk for n in numbers if 0 <= n < len(self._rows) and self._rows[n].tile is None]

    def set_highlight(self, shares: dict[int, float] | None) -> None:
        """Outfit tiles: each item's part of the hovered result's score (None: no result hovered)."""
        for number, row in enumerate(self._rows):
            value = None if shares is None else shares.get(row.item.pk)
            if value != row.highlight:
                row.highlight = value
                index = self.index(number)
                self.dataChanged.emit(index, index, [Role.Highlight])

    # --- reading -----------------------------------------------------------------------------
    def items(self) -> list[ItemInfo]:
        return [row.item for row in self._rows]

    def pks(self) -> list[int]:
        return [row.item.pk for row in self._rows]

    def row(self, number: int) -> Row:
        return self._rows[number]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        item = row.item
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title  # plain: the tile delegate draws it with QPainter.drawText
        if role == Qt.ItemDataRole.ToolTipRole:
            # our markup around the catalogue's text, which is escaped: a title is never HTML
            lines = [f"<b>{escape(item.title)}</b>", f"{escape(item.category)} · id {escape(item.item_id)}"]
            lines += self._photo_lines(item)
            own = set(self.outfit_categories.values())
            if row.in_outfit and (not own or item.category in own):  # (the outfit's categories unknown: its own)
                # why it ranks below higher matches of other categories
                lines.append(f"Your outfit has {escape(item.category)} already: listed after the items it lacks "
                             "(it is not compared with that item)")
            elif row.in_outfit:  # a folder the model counts as one kind with an outfit item's (trial BL)
                lines.append(f"Your outfit has an item the model counts as the same kind as {escape(item.category)}: "
                             "listed after the items it lacks (it is not compared with that item)")
            if row.score is not None and self.details:
                lines.append(f"raw score {row.score:.3f}")
            if item.attributes:  # in words; the catalogue's codes with Details (trial DJ read "colour:orange, motif:bolt")
                lines.append("attributes: " + escape(", ".join(name if self.details else attribute_words(name)
                                                               for name in item.attributes[:8])))
            lines += self._explanation_lines(row)
            return rich_tooltip("<br>".join(lines))
        if role in (Role.Thumbnail, Qt.ItemDataRole.DecorationRole):
            image = self.thumbnails.get(item.image_path, item.content_hash)
            return image if image is not None and not image.isNull() else None
        if role == Role.ThumbnailState:
            self.thumbnails.get(item.image_path, item.content_hash)  # asked for first: schedules it
            return self.thumbnails.state(item.image_path, item.content_hash)
        values: dict[int, Any] = {
            Role.ItemPk: item.pk, Role.Category: item.category, Role.Score: row.score,
            Role.Contributions: row.contributions, Role.Attribute: row.attribute,
            Role.ExplanationState: row.explanation_state, Role.Info: item, Role.Tile: row.tile,
            Role.Overlay: row.overlay, Role.Highlight: row.highlight,
            Role.OutfitPosition: self.colour_slots.get(item.pk, index.row()) if self.outfit_mode else None,
            Role.Rank: row.rank, Role.OutfitColours: self.colour_slots,
            Role.LookAlike: row.look_alike, Role.Driver: row.driver(), Role.Compared: row.compared(),
            Role.NotCompared: row.not_compared, Role.General: row.general,
        }
        return values.get(int(role))

    def _explanation_lines(self, row: Row) -> list[str]:
        lines = []
        best = row.driver()
        if best is not None and row.general:  # the item it was found for: no outfit item (trial N)
            lines.append(f"looks like: <b>{escape(self.outfit_titles.get(best, best))}</b>")
        elif best is not None:
            parts = ", ".join(f"{escape(self.outfit_titles.get(pk, pk))} "
                              + ("not compared" if pk in row.not_compared else f"{value:+.3f}")
                              for pk, value in row.contributions.items())
            # every part negative: the one it is closest to, not one "contributing" (trial W)
            lead = "top contributing outfit item" if row.contributions.get(best, 0.0) > 0 else "closest outfit item"
            lines.append(f"{lead}: <b>{escape(self.outfit_titles.get(best, best))}</b>")
            # the dashed slot beside the bars, in words and with its reason, as the panel's row gives it (trial
            # AQ); an item of its own category is an alternative, said once by the in-outfit line (trial AS)
            uncompared = [pk for pk in row.contributions if pk in row.not_compared]
            # its own category, or one the index maps to the same model category (trial AU: two folders mapped
            # to one read "the model learnt no matches")
            same = {pk for pk in uncompared
                    if pk in row.alternatives or self.outfit_categories.get(pk) == row.item.category}
            alike = [escape(self.outfit_titles.get(pk, pk)) for pk in uncompared
                     if pk in same and self.outfit_categories.get(pk) == row.item.category]
            # another folder the model counts as the same kind (mapped to one model category: trial BB read
            # "the same category" of a Tee and a Shirt)
            kin = [escape(self.outfit_titles.get(pk, pk)) for pk in uncompared
                   if pk in same and self.outfit_categories.get(pk) != row.item.category]
            skipped = [escape(self.outfit_titles.get(pk, pk)) for pk in uncompared if pk not in same]
            if skipped:
                lines.append(f"not compared with {', '.join(skipped)}: the model learnt no matches between "
                             f"{'these categories' if len(skipped) == 1 else 'its category and theirs'}, "
                             f"so {'it adds' if len(skipped) == 1 else 'they add'} nothing to the match")
            if alike and not row.in_outfit:  # a list of the outfit's own category alone has no in-outfit line (trial AT)
                lines.append(f"not compared with {', '.join(alike)}: the same category, an alternative to "
                             f"{'it' if len(alike) == 1 else 'them'}, not part of the match")
            if kin:
                lines.append(f"not compared with {', '.join(kin)}: the model counts {'its' if len(kin) == 1 else 'their'} "
                             f"category and this one as one kind, so it is an alternative, not part of the match")
            if self.details:
                lines.append(f"score parts: {parts}")
        if row.tile is not None:
            # the chip is this pair's reason; the panel's headline is the whole outfit's (a trial read
            # two different reasons and nothing said which was which)
            pair = escape(self.outfit_titles.get(row.tile.outfit_pk, row.tile.outfit_pk))
            # a stylist's 0–100 match with that one item, named: trial DJ read "Match score 61/100" above "match with
            # it: 74/100" as two figures for one match; the cosine only with Details (trial M read "0.67" without)
            kind = f"looks like {pair}" if row.general or row.look_alike else f"match with {pair} alone"  # trial AU
            # a look-alike is compared in the general space, as the panel says (trial AS read "type-space")
            space = "general-space cosine: how alike they look" if row.general or row.look_alike else "type-space cosine"
            lines.append(f"similarity with it: {row.tile.similarity:.2f} ({space})" if self.details
                         else f"{kind}: {match_percent(row.tile.similarity, 1)}/100")
            attribute = row.tile.attribute
            # a look-alike's chip is why it looks like the item, not why it goes with it (trial AM)
            why = "why it looks like" if row.general or row.look_alike else "why it goes with"
            if attribute is not None and self.details:
                # a log-linear score (Σ weight × log part): ≤ 0 unless specificity lifts it, so a
                # negative one is no fault (trial AQ read it as one); the look-alike's partner is the
                # item it looks like, not an outfit item
                other = "the item it looks like has it" if row.general or row.look_alike else "outfit item has it"
                lines.append(f"reason, {why} {pair}: <i>{escape(attribute.name)}</i> — log score {attribute.total:.2f} "
                             f"(Σ weight × log part) from confidence {attribute.confidence:.2f}, map match "
                             f"{attribute.match:.2f}, prior {attribute.prior:.2f}, {other} {attribute.partner:.2f}"
                             + (f", on {attribute.base_rate:.0%} of items" if attribute.base_rate < 1.0 else ""))
            elif attribute is not None:
                # "reason", not the app's own word "chip" (trial DA); in words, as the chip says it (trial DJ)
                hardly = " (this item hardly shows it)" if attribute.confidence < 0.5 else ""  # as the panel (trial DL)
                lines.append(f"reason, {why} {pair}: <i>{escape(attribute_words(attribute.name))}</i>{hardly}")
            elif row.tile.abstained:  # the outlined "no single reason" chip, and why (a tile said nothing)
                from sane_desktop.gui.explanation_view import plain_abstention

                noun = "its likeness to" if row.general or row.look_alike else "its match with"
                lines.append(f"{NO_SINGLE_REASON}: no one attribute explains {noun} {pair} — "
                             f"{escape(plain_abstention(row.tile.abstained))}"
                             + (f" ({escape(row.tile.abstained)})" if self.details else ""))
            if attribute is not None and len(row.contributions) > 1:
                lines.append("(the explanation panel also gives the reason for the whole outfit)")
        elif row.attribute:
            lines.append(f"reason: <i>{escape(row.attribute)}</i>")
        return lines

    def _photo_lines(self, item: ItemInfo) -> list[str]:
        """A tile whose photo failed says so, with the file's path (where to look for it)."""
        state = self.thumbnails.state(item.image_path, item.content_hash)
        if state == MISSING:
            return [f"<b>Photo missing</b>: no file at {escape(str(item.image_path))}"]
        if state == UNREADABLE:
            return [f"<b>Can't read photo</b> at {escape(str(item.image_path))} (damaged, or not a photo)"]
        if state == CHANGED:
            return [f"<b>Photo changed</b> since the catalogue was indexed: {escape(str(item.image_path))} holds "
                    "another photo now; re-index to search it as it is"]
        return []

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in Role:
            names[int(role)] = QByteArray(role.name.encode())
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [ITEM_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        pks = [self._rows[i.row()].item.pk for i in indexes if i.isValid()]
        mime.setData(ITEM_MIME, QByteArray(json.dumps(pks).encode()))
        return mime

    def _thumbnail_ready(self, key: str, _image: QImage) -> None:
        for number in self._row_of_key.get(key, []):
            index = self.index(number)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, Role.Thumbnail, Role.ThumbnailState,
                                                 Qt.ItemDataRole.ToolTipRole])


def decode_item_mime(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(ITEM_MIME):
        return []
    try:
        return [int(pk) for pk in json.loads(bytes(mime.data(ITEM_MIME).data()).decode())]
    except (ValueError, TypeError):
        return []
