"""Tile painting for the item grids. A tile is laid out in bands (thumbnail, title, score bar,
attribute chip) so that issue 7's extras (chip, overlay toggle, contribution bars) are one more band."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sane_desktop.gui.models import Role

TILE_W, THUMB_H, LINE_H = 136, 136, 18


class ItemTileDelegate(QStyledItemDelegate):
    def __init__(self, show_score: bool = False, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.show_score = show_score

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        bands = 1 + (2 if self.show_score else 0)
        return QSize(TILE_W + 8, THUMB_H + 8 + bands * LINE_H + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
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
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(thumb_rect, Qt.AlignmentFlag.AlignCenter, "…")

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
            self._paint_chip(painter, index, QRect(rect.left() + 4, y, rect.width() - 8, LINE_H), palette)
        painter.restore()

    def _paint_score(self, painter: QPainter, index: QModelIndex | QPersistentModelIndex, bar: QRect,
                     text_color: QColor) -> None:
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

    def _paint_chip(self, painter: QPainter, index: QModelIndex | QPersistentModelIndex, rect: QRect,
                    palette: QPalette) -> None:
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
