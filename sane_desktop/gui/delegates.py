"""Tile painting for the item grids. A tile is laid out in bands: thumbnail (with the saliency
overlay when shown), title, the result's rank and match (#1, a bar and a 0–100 figure; the raw
score is in the tooltip), then the explaining-attribute chip with one small bar per outfit item
(its part of the score, in that item's colour). Outfit tiles carry their colour and, while a result
is hovered, a highlight sized by their part of its score and a badge with the points of its 0–100
match they add (the raw part too with the explanation's Details). A tile whose photo is missing or
cannot be decoded says so on its thumbnail ("photo missing", "can't read photo"), never "…" for good.

Every text colour comes from :class:`TileColours`, derived from the palette (the contrast test
checks each against its background in both themes)."""

from __future__ import annotations

import html
from collections.abc import Callable, Collection
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QIcon, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QSlider, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from sane_desktop.explain.abstain import abstention_kind
from sane_desktop.gui.models import Role
from sane_desktop.gui.text import NO_SINGLE_REASON as NO_SINGLE_REASON  # (the tiles' chip; its tooltip too)
from sane_desktop.gui.text import elided_title, rich_tooltip
from sane_desktop.gui.thumbnails import CHANGED, LOADING, MISSING, READY, UNREADABLE
from sane_desktop.gui.theme import readable_text
from sane_desktop.service.match_score import match_percent as match_percent  # the window's import place
from sane_desktop.service.match_score import mean_bound as mean_bound
from sane_desktop.service.match_score import points_amount, share_points, signed_points
from sane_desktop.service.titles import attribute_words

TILE_W, THUMB_H, LINE_H = 136, 136, 18  # the default tile: the thumbnail-size slider changes the side
TILE_SIDES = (72, 320)  # the slider's range (a thumbnail's side in pixels)
OVERLAY_OPACITY = 0.5
# outfit item colours (Tableau 10): the same colour on the outfit tile and on every result's bar
OUTFIT_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                  "#9c755f", "#bab0ac")
Index = QModelIndex | QPersistentModelIndex


THUMB_BACKGROUND = QColor("white")  # product photos are shot on white, in either theme
PLACEHOLDER_ON_THUMB = QColor("#5f6368")
SCORE_FILL = QColor(46, 160, 110)
LOOK_ALIKE_FILL = QColor(128, 138, 160)  # a likeness, not a match: not the match green


def logical_size(image: QImage) -> tuple[int, int]:
    """``image``'s width and height in logical pixels (its own divided by its device pixel ratio)."""
    ratio = image.devicePixelRatio() or 1.0
    return round(image.width() / ratio), round(image.height() / ratio)


@dataclass(frozen=True)
class ThumbnailPlaceholder:
    """What a tile without a picture shows on its thumbnail: a few words and, for a failure, an icon
    (a qtawesome name)."""

    text: str
    icon: str | None = None


# by thumbnail state (thumbnails.py); READY has none
PLACEHOLDERS = {LOADING: ThumbnailPlaceholder("…"),
                MISSING: ThumbnailPlaceholder("photo missing", "mdi6.image-off-outline"),
                UNREADABLE: ThumbnailPlaceholder("can't read photo", "mdi6.image-broken-variant"),
                CHANGED: ThumbnailPlaceholder("photo changed: re-index", "mdi6.image-refresh-outline")}


def outfit_colour(position: int) -> QColor:
    return QColor(OUTFIT_COLOURS[position % len(OUTFIT_COLOURS)])


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(*(round((1 - t) * x + t * y) for x, y in zip((a.red(), a.green(), a.blue()), (b.red(), b.green(), b.blue()))))


@dataclass(frozen=True)
class TileColours:
    """What a tile is painted with, from the palette: its background and text, selected or not, the
    chip's, and the placeholder on the (white) thumbnail."""

    background: QColor
    text: QColor
    selected_background: QColor
    selected_text: QColor
    border: QColor
    chip: QColor
    chip_text: QColor

    @classmethod
    def of(cls, palette: QPalette) -> TileColours:
        role = QPalette.ColorRole
        # a selected tile is tinted with the highlight, and keeps the ordinary text colour (white
        # text on a highlight lightened for a tile read 2:1 in the light theme)
        return cls(background=palette.color(role.AlternateBase).lighter(110), text=palette.color(role.Text),
                   selected_background=_mix(palette.color(role.Base), palette.color(role.Highlight), 0.28),
                   selected_text=palette.color(role.Text), border=palette.color(role.Highlight),
                   chip=palette.color(role.Highlight), chip_text=palette.color(role.HighlightedText))


def tile_size_slider(side: int, on_change: Callable[[int], None]) -> QSlider:
    """The thumbnail-size slider (status bar): a thumbnail's side within :data:`TILE_SIDES`, starting
    at ``side``; ``on_change`` gets each new side."""
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(*TILE_SIDES)
    slider.setSingleStep(8)
    slider.setPageStep(32)
    slider.setValue(max(TILE_SIDES[0], min(TILE_SIDES[1], int(side))))
    slider.setFixedWidth(140)  # a long status message never shifts or squeezes it (a trial)
    slider.setToolTip("Thumbnail size (catalogue and results)")
    slider.setAccessibleName("Thumbnail size")
    slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # dragged with the mouse, it leaves the keyboard where it was
    slider.valueChanged.connect(on_change)
    return slider


def text_colour_pairs(palette: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """Every (text, background) pair the delegate paints, for the contrast test."""
    colours = TileColours.of(palette)
    pairs = {"tile title": (colours.text, colours.background),
             "selected tile title": (colours.selected_text, colours.selected_background),
             "attribute chip": (colours.chip_text, colours.chip),
             "placeholder on a thumbnail": (PLACEHOLDER_ON_THUMB, THUMB_BACKGROUND)}
    for position, name in enumerate(OUTFIT_COLOURS):
        pairs[f"share label on outfit colour {name}"] = (readable_text(outfit_colour(position)), outfit_colour(position))
    return pairs


BAR_W, BAR_GAP, BAR_MIN_W = 7, 2, 2  # px: an outfit item's bar on a result tile, and the least it narrows to


def contribution_bars(contributions: dict[int, float], not_compared: Collection[int],
                      anchor: QRect, room: int | None = None) -> list[tuple[int, QRect, QRect | None]]:
    """(outfit item key, its slot, its bar) for each of a result's ``contributions`` (cosines), the
    slots 7 px wide side by side ending at ``anchor``'s left, as tall as ``anchor``; a bar's height is
    the cosine mapped from [-1, 1] onto the slot. An item in ``not_compared`` has no bar (None): trial M
    read a bar 60 % as tall as a +0.73 one for an item the tooltip called "not compared". ``room``: the
    row's width; the bars take at most a third of it, narrowing to 2 px (trial EE: twelve outfit items' bars
    left the reason's chip a blank dot; trial EF: nineteen on small tiles left it "…")."""
    width, gap, height = BAR_W, BAR_GAP, anchor.height()
    count = len(contributions)
    if room is not None and count and count * (width + gap) > room // 3:
        gap = 1
        width = max(BAR_MIN_W, room // 3 // count - gap)
    left = anchor.left() - count * (width + gap)
    bars: list[tuple[int, QRect, QRect | None]] = []
    for position, (pk, value) in enumerate(contributions.items()):
        slot = QRect(left + position * (width + gap), anchor.top(), width, height)
        if pk in not_compared:
            bars.append((pk, slot, None))
            continue
        bar_height = max(1, round(height * max(0.0, min(1.0, (float(value) + 1) / 2))))
        bars.append((pk, slot, QRect(slot.left(), anchor.top() + height - bar_height, width, bar_height)))
    return bars


class ItemTileDelegate(QStyledItemDelegate):
    def __init__(self, show_score: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_score = show_score
        self.show_overlays = False
        self.side = THUMB_H  # the thumbnail's side (the thumbnail-size slider), the tile's width with it
        self._scaled: dict[tuple[int, int], QImage] = {}  # overlay cache: (image key, side) -> scaled
        self._icons: dict[str, QIcon] = {}  # placeholder icons by name: made once, not at each paint

    def set_side(self, side: int) -> None:
        """The thumbnail's side in pixels, within :data:`TILE_SIDES` (the view relays its tiles when
        its icon size is set to match)."""
        self.side = max(TILE_SIDES[0], min(TILE_SIDES[1], int(side)))
        self._scaled.clear()

    def score_summary(self, index: Index) -> str:
        """The tooltip's first line for a result, in plain words: "Match score 82/100 · rank 3 of the
        24 shown" (the rank by score, whatever the sort), and whether its category's list was cut at the
        window's results per category; the raw score and what it sums only when the model's ``details``
        is on (our markup)."""
        score = index.data(Role.Score)
        if score is None:
            return ""
        outfit_items = int(index.data(Role.Compared) or 1)  # those compared with it: the match's mean
        model = index.model()
        count = model.rowCount() if model is not None else 0
        rank = index.data(Role.Rank) or index.row() + 1
        if index.data(Role.General):  # "visually similar" to one item: ranked by looks, no outfit involved
            summary = (f"<b>Looks alike {match_percent(float(score), outfit_items)}/100</b> · "
                       f"rank {rank} of the {count} shown")
        elif index.data(Role.LookAlike):
            summary = (f"<b>Looks alike {match_percent(float(score), outfit_items)}/100</b> · "
                       f"rank {rank} of the {count} shown<br>The model learnt no matches for "
                       f"{html.escape(str(index.data(Role.Category)))}: listed after the matches, by how much "
                       "it looks like your outfit")
        else:
            summary = (f"<b>Match score {match_percent(float(score), outfit_items)}/100</b> · "
                       f"rank {rank} of the {count} shown")
        category = str(index.data(Role.Category) or "")
        if category and category in getattr(model, "capped", frozenset()):
            summary += (f"<br>The {int(getattr(model, 'per_category', 0))} best of each category are shown: "
                        f"{html.escape(category)} may have more (View ▸ Results per category)")
        if getattr(model, "details", False):
            what = (f"the sum of its cosines with {outfit_items} outfit items (type space, or general space for "
                    "a pair compared by looks)" if outfit_items > 1 else "its cosine with the item")
            summary += f" (raw score {float(score):.3f}: {what})"
        return summary

    def share_points(self, index: Index) -> int | None:
        """An outfit tile while a result is hovered: the points of the result's 0–100 match this item
        adds (negative: takes off). The match is 50 plus these points summed over the outfit items
        (:func:`match_percent`). None when no result is hovered."""
        share = index.data(Role.Highlight)
        if share is None:
            return None
        model = index.model()
        rows = [r for r in range(model.rowCount()) if model.index(r, 0).data(Role.Highlight) is not None]
        points = share_points([float(model.index(r, 0).data(Role.Highlight)) for r in rows])  # they add up
        return points[rows.index(index.row())]  # this row has a share, so it is among them

    def badge_text(self, index: Index) -> str:
        """The outfit tile's badge while a result is hovered: "+17" (points of the match, see
        :meth:`share_points`), with the raw part of the score only when the model's ``details`` is on:
        "+17 (+0.34)". Empty when no result is hovered."""
        points = self.share_points(index)
        if points is None:
            return ""
        text = signed_points(points, float(index.data(Role.Highlight)))  # "−<1": a small pull-down keeps its sign
        if getattr(index.model(), "details", False):
            text += f" ({float(index.data(Role.Highlight)):+.2f})"
        return text

    def share_summary(self, index: Index) -> str:
        """An outfit tile's tooltip line while a result is hovered, in plain words: "Adds 17/100 to
        this result's match"; the raw part of the score only when the model's ``details`` is on."""
        points = self.share_points(index)
        if points is None:
            return ""
        share = float(index.data(Role.Highlight))
        amount = points_amount(points, share)
        summary = (f"<b>Adds {amount}/100 to this result's match</b>" if share >= 0
                   else f"<b>Takes {amount}/100 off this result's match</b>")
        if getattr(index.model(), "details", False):
            raw = float(index.data(Role.Highlight))
            summary += f" (raw part of its score {raw:+.3f}: this item's type-space cosine with the result)"
        return summary

    def thumbnail_placeholder(self, index: Index) -> ThumbnailPlaceholder | None:
        """What the tile shows instead of its picture (the model's thumbnail state): "…" while
        loading, "photo missing" or "can't read photo" with an icon once the load failed; None when
        the picture is there."""
        state = index.data(Role.ThumbnailState)
        if index.data(Role.Thumbnail) is not None or state == READY:
            return None
        return PLACEHOLDERS.get(str(state), PLACEHOLDERS[LOADING])

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,  # noqa: N802
                  index: Index) -> bool:
        """A result's tooltip starts with its rank and match (an outfit tile's, while a result is
        hovered, with what it adds to that match), then the model's tooltip."""
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            summary = self.score_summary(index) if self.show_score else self.share_summary(index)
            tip = str(index.data(Qt.ItemDataRole.ToolTipRole) or "")
            if summary:
                inner = tip[4:-5] if tip.startswith("<qt>") and tip.endswith("</qt>") else ""
                QToolTip.showText(event.globalPos(), rich_tooltip("<br>".join(p for p in (summary, inner) if p)),
                                  view.viewport() if view is not None else None, view.visualRect(index)
                                  if view is not None else QRect())
                return True
        return super().helpEvent(event, view, option, index)

    def tile_size(self, side: int | None = None) -> QSize:
        """A tile's size with a thumbnail of ``side`` pixels (the current side by default)."""
        side = self.side if side is None else side
        bands = 1 + (2 if self.show_score else 0)
        return QSize(side + 8, side + 8 + bands * LINE_H + 4)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return self.tile_size()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        palette = option.palette
        colours = TileColours.of(palette)
        rect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colours.border, 2) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(colours.selected_background if selected else colours.background)
        painter.drawRoundedRect(rect, 6, 6)

        thumb_rect = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, self.side - 8)
        painter.fillRect(thumb_rect, THUMB_BACKGROUND)
        image = index.data(Role.Thumbnail)
        if image is not None:
            scaled = self._fitted(image, thumb_rect.size(), painter.device().devicePixelRatioF())
            width, height = logical_size(scaled)
            x = thumb_rect.left() + (thumb_rect.width() - width) // 2
            y = thumb_rect.top() + (thumb_rect.height() - height) // 2
            painter.drawImage(QPoint(x, y), scaled)
            if self.show_overlays:
                self._paint_overlay(painter, index, QRect(x, y, width, height))
        else:
            self._paint_placeholder(painter, thumb_rect, self.thumbnail_placeholder(index) or PLACEHOLDERS[LOADING])
        self._paint_outfit_marks(painter, index, rect)

        y = rect.top() + self.side
        text_color = colours.selected_text if selected else colours.text
        painter.setPen(text_color)
        metrics = QFontMetrics(option.font)
        title = elided_title(metrics, str(index.data(Qt.ItemDataRole.DisplayRole) or ""), rect.width() - 8)
        painter.drawText(QRect(rect.left() + 4, y, rect.width() - 8, LINE_H), Qt.AlignmentFlag.AlignVCenter, title)
        y += LINE_H
        if self.show_score:
            self._paint_score(painter, index, QRect(rect.left() + 4, y, rect.width() - 8, LINE_H), text_color)
            y += LINE_H
            bars = self._paint_contributions(painter, index, QRect(rect.right() - 4, y + 2, 0, LINE_H - 4),
                                             rect.width() - 12)
            self._paint_chip(painter, index, QRect(rect.left() + 4, y, rect.width() - 12 - bars, LINE_H), colours)
        if option.state & QStyle.StateFlag.State_HasFocus:  # the keyboard's item: a dashed frame around the tile
            painter.setPen(QPen(colours.border, 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5), 8, 8)
        painter.restore()

    def _paint_placeholder(self, painter: QPainter, room: QRect, placeholder: ThumbnailPlaceholder) -> None:
        """The words (and the failure's icon above them) centred on the white thumbnail."""
        painter.setPen(PLACEHOLDER_ON_THUMB)
        if placeholder.icon is None:
            painter.drawText(room, Qt.AlignmentFlag.AlignCenter, placeholder.text)
            return
        icon = self._icons.get(placeholder.icon)
        if icon is None:
            import qtawesome as qta  # only once a photo failed: most sessions never need it here

            icon = self._icons[placeholder.icon] = qta.icon(placeholder.icon, color=PLACEHOLDER_ON_THUMB)
        metrics = painter.fontMetrics()
        words = QRect(room.left() + 4, 0, room.width() - 8, 2 * metrics.height())  # room for two lines
        side = max(0, min(48, room.height() - words.height() - 8, room.width() - 8))
        top = room.top() + (room.height() - side - words.height()) // 2
        icon.paint(painter, QRect(room.center().x() - side // 2, top, side, side))
        words.moveTop(top + side)
        painter.drawText(words, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                         placeholder.text)

    def _fitted(self, image: QImage, room: QSize, ratio: float = 1.0) -> QImage:
        """The thumbnail as drawn in ``room`` (logical pixels) on a screen of device pixel ``ratio``:
        shrunk when larger; grown (smoothly, cached) when the slider made tiles much larger than the
        thumbnails; else its own pixels. Sized in the screen's pixels, its ratio set, so that a scaled
        screen (``QT_SCALE_FACTOR=2``) draws it sharp: trial BN saw 128-px thumbnails stretched to 256."""
        ratio = ratio if ratio > 0 else 1.0
        device_room = QSize(round(room.width() * ratio), round(room.height() * ratio))
        if image.width() > device_room.width() or image.height() > device_room.height():
            fitted = image.scaled(device_room, Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.FastTransformation)
        elif min(device_room.width() - image.width(), device_room.height() - image.height()) <= 16 * ratio:
            fitted = image if ratio == 1.0 else self._with_ratio(image, ratio)
        else:
            key = (image.cacheKey(), -device_room.width() * 100000 - device_room.height())
            grown = self._scaled.get(key)
            if grown is None:
                if len(self._scaled) > 512:
                    self._scaled.clear()
                grown = image.scaled(device_room, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
                self._scaled[key] = grown
            fitted = grown
        if fitted.devicePixelRatio() != ratio:
            fitted.setDevicePixelRatio(ratio)
        return fitted

    def _with_ratio(self, image: QImage, ratio: float) -> QImage:
        """A copy of ``image`` (cached) drawn at device pixel ``ratio``: never the model's own, whose
        ratio other views read."""
        key = (image.cacheKey(), int(ratio * 1000))
        copy = self._scaled.get(key)
        if copy is None:
            if len(self._scaled) > 512:
                self._scaled.clear()
            copy = image.copy()
            copy.setDevicePixelRatio(ratio)
            self._scaled[key] = copy
        return copy

    def _paint_overlay(self, painter: QPainter, index: Index, photo: QRect) -> None:
        """The saliency map covers the model's centre crop: the centred square of the photo."""
        overlay = index.data(Role.Overlay)
        if overlay is None:
            return
        side = min(photo.width(), photo.height())
        key = (overlay.cacheKey(), side)
        scaled = self._scaled.get(key)
        if scaled is None:
            if len(self._scaled) > 512:
                self._scaled.clear()
            scaled = overlay.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
            self._scaled[key] = scaled
        painter.setOpacity(OVERLAY_OPACITY)
        painter.drawImage(photo.left() + (photo.width() - side) // 2, photo.top() + (photo.height() - side) // 2, scaled)
        painter.setOpacity(1.0)

    def _paint_outfit_marks(self, painter: QPainter, index: Index, rect: QRect) -> None:
        """Outfit tiles: a strip in the item's colour; while a result is hovered, a frame and its part."""
        position = index.data(Role.OutfitPosition)
        if position is None:
            return
        colour = outfit_colour(int(position))
        painter.fillRect(QRect(rect.left() + 4, rect.top() + 1, rect.width() - 8, 4), colour)
        share = index.data(Role.Highlight)
        if share is None:
            return
        painter.setPen(QPen(colour, 1 + 5 * max(0.0, min(1.0, float(share)))))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 6, 6)
        # the points of the match this item adds, in words a stylist reads (the raw part with Details)
        text = self.badge_text(index)
        metrics = painter.fontMetrics()
        width = min(rect.width() - 8, max(36, metrics.horizontalAdvance(text) + 14))
        label = QRect(rect.right() - 4 - width, rect.top() + 8, width, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(label, 8, 8)
        painter.setPen(readable_text(colour))
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 8))

    def _paint_score(self, painter: QPainter, index: Index, band: QRect, text_color: QColor) -> None:
        """"#rank" (by score, whatever the sort), a bar and the 0–100 match (:func:`match_percent`);
        a look-alike's bar is slate grey, its value "≈N": a likeness, not a match."""
        score = index.data(Role.Score)
        if score is None:
            return
        match = match_percent(float(score), int(index.data(Role.Compared) or 1))
        metrics = painter.fontMetrics()
        look_alike = bool(index.data(Role.LookAlike))
        rank_w, value_w = metrics.horizontalAdvance("#888"), metrics.horizontalAdvance("≈100")
        painter.setPen(text_color)
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(band.left(), band.top(), rank_w, band.height()), align | Qt.AlignmentFlag.AlignLeft,
                         f"#{index.data(Role.Rank) or index.row() + 1}")
        painter.drawText(QRect(band.right() - value_w, band.top(), value_w + 1, band.height()),
                         align | Qt.AlignmentFlag.AlignRight, f"≈{match}" if look_alike else f"{match}")
        bar = QRect(band.left() + rank_w + 4, band.top() + 5, band.width() - rank_w - value_w - 10, band.height() - 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(128, 128, 128, 60))
        painter.drawRoundedRect(bar, 3, 3)
        painter.setBrush(LOOK_ALIKE_FILL if look_alike else SCORE_FILL)
        painter.drawRoundedRect(QRect(bar.left(), bar.top(), int(bar.width() * match / 100), bar.height()), 3, 3)

    def _paint_contributions(self, painter: QPainter, index: Index, anchor: QRect, room: int | None = None) -> int:
        """One small vertical bar per outfit item, right-aligned at ``anchor`` (:func:`contribution_bars`);
        the strongest (the explained pair) has a frame, and an item the result was not compared with
        keeps its slot as a dashed outline, no bar. Returns the width used."""
        contributions = index.data(Role.Contributions) or {}
        if not contributions or index.data(Role.General):  # a likeness to one item: no outfit item's bar
            return 0
        best = index.data(Role.Driver)  # the compared item with the largest part: never one not compared
        bars = contribution_bars(contributions, index.data(Role.NotCompared) or frozenset(), anchor, room)
        left = min(slot.left() for _pk, slot, _bar in bars)
        painter.setBrush(QColor(128, 128, 128, 50))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(QRect(left - 1, anchor.top(), anchor.left() - left + 1, anchor.height()))
        colours = index.data(Role.OutfitColours) or {}  # each outfit item's own colour, as its tile wears it
        for position, (pk, slot, bar) in enumerate(bars):
            colour = outfit_colour(colours.get(pk, position))
            if bar is None:  # not compared: its part is none, not "unrelated"
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(colour, 1, Qt.PenStyle.DotLine))
                painter.drawRect(slot.adjusted(0, 0, -1, -1))
                continue
            painter.setPen(QPen(QColor("black"), 1) if pk == best else Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRect(bar)
        return anchor.left() - left

    @staticmethod
    def _paint_open_chip(painter: QPainter, rect: QRect, text: str, colours: TileColours) -> None:
        """An outlined chip in the chip's colour with the tile's text: a word about the explanation, not a
        named attribute."""
        metrics = painter.fontMetrics()
        width = min(rect.width(), metrics.horizontalAdvance(text) + 12)
        chip = QRectF(rect.left() + 0.5, rect.top() + 1.5, width - 1, rect.height() - 3)
        painter.setPen(QPen(colours.chip, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(chip, 7, 7)
        painter.setPen(colours.text)  # the tile's own text colour: the contrast test's "tile title" pair
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 8))

    def _paint_chip(self, painter: QPainter, index: Index, rect: QRect, colours: TileColours) -> None:
        state = index.data(Role.ExplanationState) or ""
        name = index.data(Role.Attribute)
        # in words ("lightning-bolt motif", "dotted pattern", "green"); the raw name stays in the tooltip
        attribute = attribute_words(name) if name else ("explaining…" if state == "pending" else "")
        tile = index.data(Role.Tile)
        if not attribute and tile is not None and tile.abstained:
            # explained, and no attribute clearly names the reason: an outlined chip says so (a tile
            # with no chip read as not explained yet); the tooltip gives why
            if abstention_kind(tile.abstained) == "foreign_model":
                # a model whose reasons were learnt elsewhere: the line under the list says so once (trial BZ
                # read "no reason named" on every one of hundreds of tiles)
                return
            self._paint_open_chip(painter, rect, NO_SINGLE_REASON, colours)
            return
        if not attribute:
            return
        metrics = painter.fontMetrics()
        width = min(rect.width(), metrics.horizontalAdvance(attribute) + 12)
        chip = QRect(rect.left(), rect.top() + 1, width, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.chip)
        painter.drawRoundedRect(chip, 7, 7)
        painter.setPen(colours.chip_text)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, metrics.elidedText(attribute, Qt.TextElideMode.ElideRight, width - 8))
