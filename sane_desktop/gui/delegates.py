"""Tile painting for the item grids. A tile is laid out in bands: thumbnail (with the saliency
overlay when shown), title, score bar, then the explaining-attribute chip with one small bar per
outfit item (its part of the score, in that item's colour). Outfit tiles carry their colour and,
while a result is hovered, a highlight sized by their part of its score."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sane_desktop.gui.models import Role

TILE_W, THUMB_H, LINE_H = 136, 136, 18
OVERLAY_OPACITY = 0.5
# outfit item colours (Tableau 10): the same colour on the outfit tile and on every result's bar
OUTFIT_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                  "#9c755f", "#bab0ac")
Index = QModelIndex | QPersistentModelIndex


def outfit_colour(position: int) -> QColor:
    return QColor(OUTFIT_COLOURS[position % len(OUTFIT_COLOURS)])


class ItemTileDelegate(QStyledItemDelegate):
    def __init__(self, show_score: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_score = show_score
        self.show_overlays = False
        self._scaled: dict[tuple[int, int], QImage] = {}  # overlay cache: (image key, side) -> scaled

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        bands = 1 + (2 if self.show_score else 0)
        return QSize(TILE_W + 8, THUMB_H + 8 + bands * LINE_H + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        palette = option.palette
        rect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(palette.color(QPalette.ColorRole.Highlight)) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase if not selected else QPalette.ColorRole.Highlight).lighter(110 if not selected else 160))
        painter.drawRoundedRect(rect, 6, 6)

        thumb_rect = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, THUMB_H - 8)
        painter.fillRect(thumb_rect, QColor("white"))
        image = index.data(Role.Thumbnail)
        if image is not None:
            fits = image.width() <= thumb_rect.width() and image.height() <= thumb_rect.height()
            scaled = image if fits else image.scaled(thumb_rect.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.FastTransformation)
            x = thumb_rect.left() + (thumb_rect.width() - scaled.width()) // 2
            y = thumb_rect.top() + (thumb_rect.height() - scaled.height()) // 2
            painter.drawImage(x, y, scaled)
            if self.show_overlays:
                self._paint_overlay(painter, index, QRect(x, y, scaled.width(), scaled.height()))
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(thumb_rect, Qt.AlignmentFlag.AlignCenter, "…")
        self._paint_outfit_marks(painter, index, rect)

        y = rect.top() + THUMB_H
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.setPen(text_color)
        metrics = QFontMetrics(option.font)
        title = metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideRight,
                                   rect.width() - 8)
        painter.drawText(QRect(rect.left() + 4, y, rect.width() - 8, LINE_H), Qt.AlignmentFlag.AlignVCenter, title)
        y += LINE_H
        if self.show_score:
            self._paint_score(painter, index, QRect(rect.left() + 4, y + 4, rect.width() - 8, LINE_H - 8), text_color)
            y += LINE_H
            bars = self._paint_contributions(painter, index, QRect(rect.right() - 4, y + 2, 0, LINE_H - 4))
            self._paint_chip(painter, index, QRect(rect.left() + 4, y, rect.width() - 12 - bars, LINE_H), palette)
        painter.restore()

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
        label = QRect(rect.right() - 58, rect.top() + 8, 54, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(label, 8, 8)
        painter.setPen(QColor("white"))
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, f"{float(share):+.2f}")

    def _paint_score(self, painter: QPainter, index: Index, bar: QRect, text_color: QColor) -> None:
        score = index.data(Role.Score)
        if score is None:
            return
        contributions = index.data(Role.Contributions) or {}
        # outfit scores are sums of cosines: normalise by the number of outfit items for the bar
        scale = max(1, len(contributions))
        fraction = max(0.0, min(1.0, (float(score) / scale + 1) / 2))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(128, 128, 128, 60))
        painter.drawRoundedRect(bar.adjusted(0, 0, -40, 0), 3, 3)
        filled = QRect(bar.left(), bar.top(), int((bar.width() - 40) * fraction), bar.height())
        painter.setBrush(QColor(46, 160, 110))
        painter.drawRoundedRect(filled, 3, 3)
        painter.setPen(text_color)
        painter.drawText(bar.adjusted(bar.width() - 38, -4, 0, 4), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{float(score):.2f}")

    def _paint_contributions(self, painter: QPainter, index: Index, anchor: QRect) -> int:
        """One small vertical bar per outfit item, right-aligned at ``anchor``: height = its cosine
        mapped from [-1, 1]; the strongest (the explained pair) has a frame. Returns the width used."""
        contributions = index.data(Role.Contributions) or {}
        if not contributions:
            return 0
        best = max(contributions, key=contributions.__getitem__)
        width, gap, height = 7, 2, anchor.height()
        left = anchor.left() - len(contributions) * (width + gap)
        painter.setBrush(QColor(128, 128, 128, 50))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(QRect(left - 1, anchor.top(), len(contributions) * (width + gap) + 1, height))
        for position, (pk, value) in enumerate(contributions.items()):
            bar_height = max(1, round(height * max(0.0, min(1.0, (float(value) + 1) / 2))))
            bar = QRect(left + position * (width + gap), anchor.top() + height - bar_height, width, bar_height)
            painter.setPen(QPen(QColor("black"), 1) if pk == best else Qt.PenStyle.NoPen)
            painter.setBrush(outfit_colour(position))
            painter.drawRect(bar)
        return len(contributions) * (width + gap)

    def _paint_chip(self, painter: QPainter, index: Index, rect: QRect, palette: QPalette) -> None:
        state = index.data(Role.ExplanationState) or ""
        attribute = index.data(Role.Attribute) or ("explaining…" if state == "pending" else "")
        if not attribute:
            return
        metrics = painter.fontMetrics()
        width = min(rect.width(), metrics.horizontalAdvance(attribute) + 12)
        chip = QRect(rect.left(), rect.top() + 1, width, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(chip, 7, 7)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, metrics.elidedText(attribute, Qt.TextElideMode.ElideRight, width - 8))
