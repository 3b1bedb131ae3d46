"""An item's detail view (issue 18, point 16): its photo at its own resolution (never enlarged past
its pixels, counted in the window's logical pixels as every size in it is; letterboxed on white) beside every piece of its metadata —
title, category, product type and description (read on the worker), the catalogue's id, its
attributes by key, and the source file — with "Add to
outfit" and "Find visually similar". Opened from the catalogue grid (Space or Enter) and the results
(double-click or Space), or from an item's context menu. The photo is decoded off the GUI thread
(:class:`~sane_desktop.gui.explanation_view.PhotoLoader`); catalogue text is shown as plain text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QDialogButtonBox, QFormLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout,
    QWidget,
)

from sane_desktop.gui.explanation_view import GONE, REPLACED, UNREADABLE, PhotoLoader
from sane_desktop.gui.models import Role
from sane_desktop.gui.text import plain_label, set_plain
from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.service import ItemInfo
from sane_desktop.service.values import ItemText
from sane_desktop.service.filters import split_attribute
from sane_desktop.service.titles import kind_label

PHOTO_ROOM = QSize(420, 520)  # what the photo asks for; it takes what the dialog gives it
BACKGROUND = QColor("white")  # product photos are shot on white: the letterbox blends in


class DetailKeys(QObject):
    """On an item view: ``keys`` (unmodified) open the details of its current item."""

    def __init__(self, view: QAbstractItemView, keys: tuple[Qt.Key, ...], open_item: Callable[[int], None]) -> None:
        super().__init__(view)
        self.view, self.keys, self.open_item = view, keys, open_item
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in self.keys \
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            index = self.view.currentIndex()
            if index.isValid():
                self.open_item(int(index.data(Role.ItemPk)))
                return True
        return super().eventFilter(watched, event)


class DetailPhoto(QWidget):
    """The photo, whole, centred, shrunk to fit when larger than the room and never enlarged past
    its own pixels in logical pixels (an enlarged photo is a blurred one; a high-density screen draws
    every logical pixel larger, the photo's as the text's)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo = QImage()
        self.message = "Loading the photo…"
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return PHOTO_ROOM

    def set_photo(self, photo: QImage, message: str = "") -> None:
        self.photo, self.message = photo, message
        self.update()

    def drawn_rect(self) -> QRectF:
        """Where the photo is drawn, in widget coordinates (logical pixels)."""
        if self.photo.isNull():
            return QRectF()
        # one photo pixel to one logical pixel, as the grid's tiles: sized in the screen's pixels, the photo was
        # half its thumbnail's size on a 2x screen (trial ES); it is drawn through the screen's ratio, smoothly
        own = self.photo.size()
        room = self.rect().adjusted(4, 4, -4, -4).size()
        size = own if own.width() <= room.width() and own.height() <= room.height() else \
            own.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        return QRectF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2,
                      size.width(), size.height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.photo.isNull():
            painter.setPen(QColor("#5f6368"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        else:
            painter.drawImage(self.drawn_rect(), self.photo, QRectF(self.photo.rect()))
        painter.end()


class DetailView(ScreenFittedDialog):
    """One item at a time; ``add_requested``/``similar_requested`` carry its key."""

    add_requested = Signal(int)
    remove_requested = Signal(int)  # its outfit button while the item is in the outfit
    similar_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("item-details")
        self.setWindowTitle("Item details")
        self.item: ItemInfo | None = None
        self._in_outfit = False  # the item shown is in the outfit: its button removes it
        self.photos = PhotoLoader(self)
        self.photos.ready.connect(self._photo_ready)
        self.photo = DetailPhoto()
        self.title = plain_label()
        self.title.setWordWrap(True)
        bold = self.title.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        self.title.setFont(bold)
        self.form = QFormLayout()
        self.size_label = plain_label()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.add_button = QPushButton("Add to outfit")
        self.add_button.clicked.connect(self._add)
        self.similar_button = QPushButton("Find visually similar")
        self.similar_button.clicked.connect(self._similar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.similar_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addLayout(self.form)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.photo, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.resize(820, 560)

    def show_item(self, item: ItemInfo) -> None:
        """Show ``item`` (its photo follows once decoded) and bring the dialog up."""
        self.item = item
        self.setWindowTitle(f"Item details — {item.title or item.item_id}")
        set_plain(self.title, item.title or item.item_id)
        while self.form.rowCount():
            self.form.removeRow(0)
        for label, value in metadata_rows(item):
            field = plain_label(value)
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(label, field)
        self.size_label = plain_label("…")
        self.form.addRow("Photo size", self.size_label)
        self.add_button.setEnabled(True)
        photo = self.photos.get(item)
        if photo is None:
            self.photo.set_photo(QImage(), "Loading the photo…")
        else:
            self._show_photo(photo)
        self.show()
        self.raise_()
        self.activateWindow()

    def show_text(self, pk: int, text: ItemText | None) -> None:
        """Add item ``pk``'s product type and description under its category, when it is still the
        item shown (they are read on the worker; None: they could not be read, nothing is added)."""
        if self.item is None or self.item.pk != pk or text is None:
            return
        row = 2  # after the title and the category
        for label, value in (("Product type", text.product_type), ("Description", text.description)):
            if value.strip():
                field = plain_label(value.strip())
                field.setWordWrap(True)
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.form.insertRow(row, label, field)
                row += 1

    def _photo_ready(self, key: str, photo: QImage) -> None:
        if self.item is not None and key == PhotoLoader.key(self.item):
            self._show_photo(photo)

    def _show_photo(self, photo: QImage) -> None:
        if photo.isNull():  # said why: never another photo under this item's name
            why = (self.photos.why(self.item) if self.item is not None else "") or UNREADABLE
            self.photo.set_photo(QImage(), why)
            set_plain(self.size_label, {REPLACED: "replaced on disk", GONE: "gone"}.get(why, "unreadable"))
        else:
            self.photo.set_photo(photo)
            set_plain(self.size_label, f"{photo.width()} × {photo.height()} pixels")

    def set_in_outfit(self, in_outfit: bool) -> None:
        """The outfit button for the item shown: "Remove from outfit" while it is in the outfit, as its
        right-click menu says (trial AZ read "Add to outfit" for an item already in it)."""
        self._in_outfit = in_outfit
        self.add_button.setText("Remove from outfit" if in_outfit else "Add to outfit")

    def _add(self) -> None:
        if self.item is not None:
            (self.remove_requested if self._in_outfit else self.add_requested).emit(self.item.pk)

    def _similar(self) -> None:
        if self.item is not None:
            self.similar_requested.emit(self.item.pk)


def metadata_rows(item: ItemInfo) -> list[tuple[str, str]]:
    """(label, plain text) of everything known about ``item``: title, category, id, each attribute
    key with its values, the descriptive words, and the source file."""
    rows = [("Title", item.title or "—"), ("Category", item.category or "—"),
            ("Item id", item.item_id if not item.from_disk else f"{item.item_id} (an image from disk)")]
    by_key: dict[str, list[str]] = {}
    words: list[str] = []
    for name in item.attributes:
        parts = split_attribute(name)
        if parts is None:
            words.append(name)
        else:
            by_key.setdefault(parts[0], []).append(parts[1])
    for key in sorted(by_key):
        rows.append((kind_label(key), ", ".join(sorted(by_key[key]))))
    if words:
        rows.append(("Words", ", ".join(sorted(words))))
    if not item.attributes:
        rows.append(("Attributes", "none recorded"))
    rows.append(("Source file", str(item.image_path)))
    return rows
