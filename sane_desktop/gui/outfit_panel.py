"""The outfit being built: a strip of tiles that accepts catalogue items (click, drag and drop) and
image files dropped from disk."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from sane_desktop.gui.delegates import ItemTileDelegate
from sane_desktop.gui.text import ElidedLabel
from sane_desktop.gui.theme import themed_icon
from sane_desktop.gui.models import ITEM_MIME, ItemListModel, decode_item_mime
from sane_desktop.service import ItemInfo

UNDO_OFFER_MS = 15000  # how long "Outfit cleared — Undo" stays offered after Clear


class OutfitView(QListView):
    items_dropped = Signal(list)  # item pks
    files_dropped = Signal(list)  # image paths from disk

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        # QListView.setMovement(Static) turns drops off on the viewport (it allows only what its
        # movement allows): set the mode first, then accept drops — outside drops only
        self.setMovement(QListView.Movement.Static)
        self.setDragDropMode(QListView.DragDropMode.DropOnly)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setFixedHeight(220)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(ITEM_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        pks = decode_item_mime(event.mimeData())
        if pks:
            self.items_dropped.emit(pks)
        files = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        # every dropped file goes to the worker, which says why one is not an image (never silent)
        if files:
            self.files_dropped.emit([str(f) for f in files])
        event.acceptProposedAction()


class OutfitPanel(QWidget):
    changed = Signal(list)  # outfit item pks
    add_file_requested = Signal(list)
    # catalogue item pks dropped on the strip: the window resolves them (it knows the items) and
    # calls add_items, so the panel never reaches into its window
    add_items_requested = Signal(list)
    # the panel's new maximum height (px) after its contents changed: the window's outfit/results
    # splitter hands the panel's spare share to the results (a splitter keeps it as a gap otherwise)
    height_fitted = Signal(int)

    def __init__(self, model: ItemListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = OutfitView()
        self.view.setModel(model)
        self.view.setItemDelegate(ItemTileDelegate(show_score=False, parent=self.view))
        self.view.setIconSize(QSize(140, 140))
        self.view.setToolTip("Your outfit. Drop catalogue items or image files here.")
        self.placeholder = QLabel("Your outfit is empty: double-click an item in the catalogue, press Ctrl+Enter, "
                                  "drag items here, or drop an image file from disk (Ctrl+I).")
        self.placeholder.setWordWrap(True)
        self.remove_button = QPushButton("Remove")
        themed_icon(self.remove_button, "mdi6.minus-circle-outline")
        self.remove_button.setToolTip("Remove the selected outfit item (Delete)")
        self.clear_button = QPushButton("Clear")
        themed_icon(self.clear_button, "mdi6.broom")
        self.clear_button.setToolTip("Remove every item from the outfit")
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear_with_undo)
        # a misclick on Clear must not lose a built outfit: Undo (or Ctrl+Z) brings it back for a while
        self.undo_note = ElidedLabel("Outfit cleared")  # elided: the offer never widens the window
        self.undo_button = QPushButton("Undo")
        themed_icon(self.undo_button, "mdi6.undo")
        self.undo_button.setToolTip("Bring back the outfit you just cleared (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_clear)
        self.undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self.undo_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # wherever the focus went after the click
        self.undo_shortcut.activated.connect(self.undo_clear)
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_OFFER_MS)
        self._undo_timer.timeout.connect(self._withdraw_undo)
        self._cleared: list[ItemInfo] = []
        self.view.items_dropped.connect(self.add_items_requested)  # signal to signal
        self.view.files_dropped.connect(self.add_file_requested)

        buttons = QHBoxLayout()
        self.title = QLabel("<b>Outfit</b>")
        buttons.addWidget(self.title)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_note, 1)  # shares the free room with the stretch: an elided label has no width of its own
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.view)
        # the room the splitter gives beyond the strip goes below it, whether the placeholder shows
        # or not: the header keeps its place when the first item is added (it moved down 20 px)
        layout.addStretch(1)
        # ... and the panel is never taller than what it shows (:meth:`_fit_height`): the room the
        # placeholder leaves goes to the results below, not to a blank gap under the strip
        self._withdraw_undo()
        self._refresh()

    def add_items(self, items: list[ItemInfo]) -> None:
        added = [self.model.append(item) for item in items]
        if any(added):
            self._withdraw_undo()  # a new outfit is being built: the cleared one is not brought back into it
            self._refresh()
            self.changed.emit(self.model.pks())

    def remove_selected(self) -> None:
        rows = sorted((i.row() for i in self.view.selectionModel().selectedIndexes()), reverse=True)
        for row in rows:
            self.model.remove_row(row)
        if rows:
            self._refresh()
            self.changed.emit(self.model.pks())

    def clear(self) -> None:
        """Empty the outfit (another catalogue opened, a saved outfit replacing it): nothing to undo."""
        self._withdraw_undo()
        if self.model.rowCount():
            self.model.clear()
            self._refresh()
            self.changed.emit([])

    def clear_with_undo(self) -> None:
        """The person's Clear: empty the outfit and offer "Outfit cleared — Undo" (also Ctrl+Z) for
        :data:`UNDO_OFFER_MS`, which brings back exactly these items, in their order."""
        items = self.model.items()
        if not items:
            return
        self.clear()
        self._cleared = items
        self._offer(True)
        self._undo_timer.start()

    @property
    def undo_offered(self) -> bool:
        """Whether a cleared outfit can still be brought back."""
        return bool(self._cleared)

    def undo_clear(self) -> None:
        """Bring back the outfit the last Clear emptied (when still offered and the outfit is empty)."""
        items = self._cleared
        self._withdraw_undo()
        if items and not self.model.rowCount():
            self.add_items(items)

    def _withdraw_undo(self) -> None:
        self._cleared = []
        self._undo_timer.stop()
        self._offer(False)

    def _offer(self, shown: bool) -> None:
        """Show "Outfit cleared — Undo" in place of Remove and Clear (an empty outfit has no use
        for them), or put them back."""
        for widget in (self.undo_note, self.undo_button):
            widget.setVisible(shown)
        for widget in (self.remove_button, self.clear_button):
            widget.setVisible(not shown)
        self.undo_shortcut.setEnabled(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # the placeholder wraps anew
            self._fit_height()

    def _fit_height(self) -> None:
        """At most the height of the header, the placeholder (when shown, wrapped at this width) and
        the strip; :attr:`height_fitted` tells the window, whose splitter gives the rest to the results."""
        layout = self.layout()
        if layout is None:
            return
        height = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else layout.sizeHint().height()
        height = max(height, layout.minimumSize().height())
        self.setMaximumHeight(height)
        self.height_fitted.emit(height)

    def _refresh(self) -> None:
        empty = self.model.rowCount() == 0
        self.placeholder.setVisible(empty)
        self._fit_height()
        self.remove_button.setEnabled(not empty)
        self.clear_button.setEnabled(not empty)
