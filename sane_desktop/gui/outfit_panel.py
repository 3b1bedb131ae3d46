"""The outfit being built: a strip of tiles that accepts catalogue items (click, drag and drop) and
image files dropped from disk. In a short window the strip gives up its spare room, then its tiles
shrink (:meth:`OutfitPanel.fit_to`), so the results below keep a whole row of tiles."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from sane_desktop.gui.delegates import THUMB_H, TILE_SIDES, ItemTileDelegate
from sane_desktop.gui.text import ElidedLabel, plain_tooltip, set_plain
from sane_desktop.gui.theme import themed_icon
from sane_desktop.gui.models import ITEM_MIME, ItemListModel, decode_item_mime
from sane_desktop.gui.results_view import KeyboardFocusSelects
from sane_desktop.gui.timers import timer
from sane_desktop.service import ItemInfo
from sane_desktop.service.titles import short_title

UNDO_OFFER_MS = 15000  # how long "Outfit cleared — Undo" stays shown after Clear (Outfit ▸ Undo stays longer)
UNDO_NOTHING = "&Undo"  # Outfit ▸ Undo with nothing to bring back (greyed)
UNDO_CLEAR = "&Undo Clear outfit"
UNDO_DEPTH = 20  # Removes and Clears Ctrl+Z can walk back, the last first


EMPTY_WORDS = ("Your outfit is empty: double-click an item in the catalogue, press Ctrl+Enter, drag items here, or "
               "drop an image file from disk (Ctrl+I).")
RESTORING_WORDS = "Bringing back the outfit you were building last time…"

def undo_remove_text(back: list[ItemInfo]) -> str:
    """Outfit ▸ Undo's words after a Remove: the item brought back by name (one, cut at a word), else how many."""
    if len(back) == 1:
        shown = short_title(back[0].title or back[0].item_id, 40)
        return f"&Undo Remove “{shown.replace('&', '&&')}”"  # a title's & is no mnemonic
    return f"&Undo Remove {len(back)} items"


STRIP_HEIGHT = 220  # the strip's height when the window has the room (its tiles at their full side)
# the smallest thumbnail side the strip shrinks to so that the whole outfit shows side by side (the thumbnail
# slider's smallest); a longer outfit scrolls sideways (trial ED: a four-item strip scrolled its first item half out
# of view; trial EE, at 96 px a five-item outfit still scrolled at 1280 × 800 and a four-item one at 1024 × 768)
WHOLE_OUTFIT_SIDE = TILE_SIDES[0]


class OutfitView(QListView):
    items_dropped = Signal(list)  # item pks
    files_dropped = Signal(list)  # image paths from disk
    web_dropped = Signal(list)  # addresses of images dropped from a web page (never downloaded)
    width_changed = Signal()  # the tiles may shrink or grow to show the whole outfit (:meth:`fit`)

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
        self.setFixedHeight(STRIP_HEIGHT)

    def _chrome(self) -> int:
        """Pixels of the strip's height that are not tile: its frame and the horizontal scroll bar
        (room kept for it: a long outfit scrolls sideways)."""
        return 2 * self.frameWidth() + self.horizontalScrollBar().sizeHint().height()

    def _tile_height(self, side: int) -> int:
        delegate = self.itemDelegate()
        assert isinstance(delegate, ItemTileDelegate), "set in OutfitPanel.__init__"
        return delegate.tile_size(side).height()

    def least_height(self) -> int:
        """The strip's height with its smallest tiles."""
        return self._tile_height(TILE_SIDES[0]) + self._chrome()

    def fit(self, height: int) -> None:
        """Be ``height`` pixels tall (within :meth:`least_height` and :data:`STRIP_HEIGHT`): the spare
        room under the tiles goes first, then the tiles shrink to fit (full size again when there is room)."""
        height = max(self.least_height(), min(STRIP_HEIGHT, height))
        delegate = self.itemDelegate()
        assert isinstance(delegate, ItemTileDelegate), "set in OutfitPanel.__init__"
        room = height - self._chrome()
        side = THUMB_H
        while side > TILE_SIDES[0] and self._tile_height(side) > room:
            side -= 1
        across = self._side_across()
        if across < side:  # narrower tiles show the whole outfit: the room under them goes to the results
            side = across
            height = max(self.least_height(), self._tile_height(side) + self._chrome())
        if height != self.maximumHeight():
            self.setFixedHeight(height)
        if side != delegate.side:
            delegate.set_side(side)
            self.setIconSize(QSize(side, side))
            self.doItemsLayout()

    def _side_across(self) -> int:
        """The largest thumbnail side (down to :data:`WHOLE_OUTFIT_SIDE`) at which every outfit item fits the strip's
        width side by side; :data:`THUMB_H` when they fit at full size or there are none."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        delegate = self.itemDelegate()
        if not count or not isinstance(delegate, ItemTileDelegate):
            return THUMB_H
        width = self.width() - 2 * self.frameWidth() - 2  # the viewport, before it is laid out
        side = THUMB_H
        while side > WHOLE_OUTFIT_SIDE and count * (delegate.tile_size(side).width() + 2 * self.spacing()) > width:
            side -= 1
        return side

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.width_changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(ITEM_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        pks = decode_item_mime(event.mimeData())
        if pks:
            self.items_dropped.emit(pks)
        urls = event.mimeData().urls()
        files = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        # every dropped file goes to the worker, which says why one is not an image (never silent)
        if files:
            self.files_dropped.emit([str(f) for f in files])
        web = [url.toDisplayString() for url in urls if not url.isLocalFile()]
        if web:  # an image dragged from a browser: said, not dropped without a word
            self.web_dropped.emit(web)
        event.acceptProposedAction()


class OutfitPanel(QWidget):
    changed = Signal(list)  # outfit item pks
    add_file_requested = Signal(list)
    web_images_dropped = Signal(list)  # addresses of images dropped from a web page
    # catalogue item pks dropped on the strip: the window resolves them (it knows the items) and
    # calls add_items, so the panel never reaches into its window
    add_items_requested = Signal(list)
    # the panel's new maximum height (px) after its contents changed: the window's outfit/results
    # splitter hands the panel's spare share to the results (a splitter keeps it as a gap otherwise)
    height_fitted = Signal(int)
    # the person took these items (ItemInfo) out, and Ctrl+Z brings them back for a while: the window says so
    removed_with_undo = Signal(list)
    cleared_with_undo = Signal(list)  # the person's Clear took these items (ItemInfo) out; Ctrl+Z brings them back
    undone = Signal(list)  # Ctrl+Z/Undo brought these items (ItemInfo) back
    nothing_to_remove = Signal()  # Remove was asked with no outfit item selected: nothing was taken out

    def __init__(self, model: ItemListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = OutfitView()
        self.view.setAccessibleName("Your outfit")
        self.view.setModel(model)
        self.view.setItemDelegate(ItemTileDelegate(show_score=False, parent=self.view))
        # after the resize is over: refitting re-sizes the strip
        self.view.width_changed.connect(self._fit_height, Qt.ConnectionType.QueuedConnection)
        self.view.setIconSize(QSize(140, 140))
        # Tab in: the first tile selected, so Delete, Shift+F10 and the Outfit menu's Remove act on it
        # (trial M: the strip took the focus with nothing selected, and Delete did nothing)
        self.keyboard_focus = KeyboardFocusSelects(self.view)
        self._room: int | None = None  # the most the window lets the panel take (:meth:`fit_to`), None: no bound
        self.view.setToolTip("Your outfit. Drop catalogue items or image files here.")
        self.restoring = False  # the last session's outfit is being read back (set_restoring)
        self.placeholder = QLabel(EMPTY_WORDS)
        self.placeholder.setWordWrap(True)
        self.remove_button = QPushButton("Remove")
        themed_icon(self.remove_button, "mdi6.minus-circle-outline")
        self.remove_button.setToolTip("Remove the selected outfit item (Delete)")
        self.clear_button = QPushButton("Clear")
        themed_icon(self.clear_button, "mdi6.broom")
        self.clear_button.setToolTip("Remove every item from the outfit")
        self.remove_button.clicked.connect(self.remove_selected)
        # the button acts on the selection only: with none it removed the first tile unasked (a trial's leftover)
        self.view.selectionModel().selectionChanged.connect(self._refresh_remove)
        self.clear_button.clicked.connect(self.clear_with_undo)
        # a misclick on Clear must not lose a built outfit: Undo (or Ctrl+Z) brings it back for a while
        self.undo_note = ElidedLabel("Outfit cleared")  # elided: the offer never widens the window
        self.undo_button = QPushButton("Undo")
        themed_icon(self.undo_button, "mdi6.undo")
        self.undo_button.setToolTip("Bring back the outfit you just cleared (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        # Outfit ▸ Undo (Ctrl+Z): a menu entry, so whether the last Remove or Clear can still be undone is there to
        # see (trial BW pressed Ctrl+Z after the offer had lapsed, with no way to tell); the window puts it in its
        # Outfit menu, so its key works wherever the focus is in the window
        self.undo_action = QAction(UNDO_NOTHING, self)
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.undo_action.setToolTip("Bring back the outfit items you just cleared or removed")
        self.undo_action.setEnabled(False)
        self.undo_action.triggered.connect(self.undo)
        self.addAction(self.undo_action)  # its key works before the window has put it in a menu too
        # the "Outfit cleared — Undo" offer gives way to Remove and Clear after a while; the undo itself stays
        # until the outfit changes otherwise
        self._undo_timer = timer(self, UNDO_OFFER_MS)
        self._undo_timer.timeout.connect(lambda: self._offer(False))
        # the outfit before each of the person's Clears and Removes, and its pks after it, the last on top:
        # brought back, one Ctrl+Z each, while the outfit is still as that left it (a trial found a removed item
        # could not be, Ctrl+Z doing nothing; trial CF removed two and the second Ctrl+Z did nothing)
        self._history: list[tuple[list[ItemInfo], list[int]]] = []
        self._undoing = False
        self.view.items_dropped.connect(self.add_items_requested)  # signal to signal
        self.view.files_dropped.connect(self.add_file_requested)
        self.view.web_dropped.connect(self.web_images_dropped)

        buttons = self._header = QHBoxLayout()
        self.title = QLabel("<b>Outfit</b>")
        buttons.addWidget(self.title)
        # the saved outfit being worked on, by name (the window said it nowhere: a trial's note); it
        # takes the room a stretch would, so the header's buttons keep their place
        self.saved_name = ElidedLabel()
        self.saved_name.setObjectName("saved-outfit-name")
        self.saved_name.hide()  # shown with a name, when the header has room for it (:meth:`_fit_name`)
        buttons.addWidget(self.saved_name, 1000)
        buttons.addStretch(1)  # the room, while the name is hidden: the buttons stay at the right
        # the free room goes to the note while it shows (an elided label has no width of its own): an
        # equal share with the stretch left it 32 px at 800 px wide, "Ou…" (a trial)
        buttons.addWidget(self.undo_note, 1000)
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

    def add_items(self, items: list[ItemInfo], show_end: bool = True) -> None:
        """Append ``items`` (those already in it stay where they are) and show the strip's end, where they
        landed; ``show_end`` False: its start (a whole outfit brought back: trial DN's restart showed its first
        tile cut, "skirt with a p…")."""
        added = [self.model.append(item) for item in items]
        if any(added):
            self._withdraw_undo()  # a new outfit is being built: the cleared one is not brought back into it
            self._refresh()
            self.changed.emit(self.model.pks())
            # the item just added is shown: a fifth landed past the strip's right edge, unseen (trial CD). The
            # sideways scroll bar alone, once laid out: scrollTo also moved the strip up and down while it was
            # being refitted, cutting every tile at 800 × 600
            QTimer.singleShot(0, self, self.show_last if show_end else self.show_first)

    def show_row(self, row: int) -> None:
        """Scroll the strip sideways (only) until tile ``row`` is whole in view."""
        self.view.doItemsLayout()
        if not 0 <= row < self.model.rowCount():
            return
        rect, room = self.view.visualRect(self.model.index(row)), self.view.viewport().rect()
        bar = self.view.horizontalScrollBar()
        if rect.right() > room.right():
            bar.setValue(bar.value() + rect.right() - room.right())
        elif rect.left() < room.left():
            bar.setValue(bar.value() - (room.left() - rect.left()))

    def show_first(self) -> None:
        """Scroll the strip sideways to its start (its first tile whole)."""
        self.show_row(0)

    def show_last(self) -> None:
        """Scroll the strip sideways to its end (its last tile whole, when the strip is wider than a tile)."""
        self.view.doItemsLayout()
        bar = self.view.horizontalScrollBar()
        bar.setValue(bar.maximum())

    def refresh_items(self, items: list[ItemInfo]) -> None:
        """The outfit's items as the catalogue now records them (a re-import from elsewhere: another
        photo, title, category or labels), in place and in their order; the outfit is the same, so
        nothing is searched again. Items not among ``items`` (an image from disk) keep theirs."""
        fresh = {item.pk: item for item in items}
        current = self.model.items()
        updated = [fresh.get(item.pk, item) for item in current]
        if updated != current:
            self.model.set_items(updated)
            self._refresh()

    def remove_selected(self) -> None:
        """Take the selected outfit items out; Ctrl+Z brings them back (:meth:`undo`). With none selected,
        nothing: :attr:`nothing_to_remove` lets the window say so (trial CO: a click on the strip's empty
        room gave it the focus, and Delete took out its first tile, unmarked). From the keyboard the strip
        keeps a tile selected: the one Tab lands on, the next after a Delete, those Ctrl+Z brings back."""
        rows = {i.row() for i in self.view.selectionModel().selectedIndexes()}
        if not rows:
            if self.model.rowCount():
                self.nothing_to_remove.emit()
            return
        self.remove_with_undo([self.model.row(row).item.pk for row in sorted(rows)])
        if self.view.hasFocus():  # Delete, Delete: the next tile, marked as the one the next Delete takes
            self.keyboard_focus.select_current()

    def remove_with_undo(self, pks: list[int]) -> list[ItemInfo]:
        """The person's Remove (the strip, the Outfit menu, Details): take ``pks`` out, returning those
        that were in the outfit, and offer Ctrl+Z to bring them back in their places
        (:attr:`removed_with_undo` lets the window say so)."""
        before = self.model.items()
        removed = self.remove_items(pks)
        if removed:
            self._remember_undo(before)
            self.removed_with_undo.emit(removed)
        return removed

    def remove_items(self, pks: list[int]) -> list[ItemInfo]:
        """Take the items of ``pks`` out of the outfit (a re-import removed them from the catalogue);
        returns those that were in it. Nothing to undo: they cannot come back."""
        wanted = set(pks)
        removed = [item for item in self.model.items() if item.pk in wanted]
        for row in reversed(range(self.model.rowCount())):
            if self.model.row(row).item.pk in wanted:
                self.model.remove_row(row)
        if removed:
            self._refresh()
            self.changed.emit(self.model.pks())
        return removed

    def replace_items(self, items: Mapping[int, ItemInfo]) -> None:
        """Put ``items`` (outfit item pk -> the item it is now) in the places of those outfit items (a re-import
        moved their photos to other items: a renamed file or folder). Nothing to undo: the old ones are gone."""
        if not any(item.pk in items for item in self.model.items()):
            return
        self._withdraw_undo()  # an undo would bring back keys the catalogue no longer holds
        self.model.set_items([items.get(item.pk, item) for item in self.model.items()])
        self._refresh()
        self.changed.emit(self.model.pks())

    def clear(self) -> None:
        """Empty the outfit (another catalogue opened, a saved outfit replacing it): nothing to undo."""
        self._withdraw_undo()
        self._empty()

    def _empty(self) -> None:
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
        # not clear(): that forgets the Removes before it, which Ctrl+Z brings back after the Clear (trial CJ:
        # Remove, Remove, Clear, then Undo brought the Clear back and greyed out)
        self._empty()
        self._remember_undo(items)
        self._offer(True)
        self.cleared_with_undo.emit(items)

    def _remember_undo(self, before: list[ItemInfo]) -> None:
        self._history = [*self._history, (before, self.model.pks())][-UNDO_DEPTH:]
        self._name_undo()
        self._undo_timer.start()

    def _name_undo(self) -> None:
        """Outfit ▸ Undo names what the next Ctrl+Z brings back (greyed with nothing to)."""
        if not self._history:
            self.undo_action.setEnabled(False)
            self.undo_action.setText(UNDO_NOTHING)
            return
        before, after = self._history[-1]
        kept = set(after)
        back = [item for item in before if item.pk not in kept]
        self.undo_action.setText(UNDO_CLEAR if not kept else undo_remove_text(back))
        self.undo_action.setEnabled(True)

    @property
    def undoing(self) -> bool:
        """Whether the outfit's change being signalled is Undo's (:meth:`undo`)."""
        return self._undoing

    @property
    def undo_offered(self) -> bool:
        """Whether the outfit before the last Clear or Remove can still be brought back."""
        return bool(self._history)

    def undo(self) -> None:
        """Bring back the outfit as it was before the last Clear or Remove, in its order, while it is
        still offered and the outfit is as that left it (an item added since withdraws the offer); the
        Remove or Clear before that is the next one undone."""
        if not self._history:
            return
        before, after = self._history[-1]
        self._history = self._history[:-1]
        self._undo_timer.stop()
        self._offer(False)
        if self.model.pks() != after:  # changed otherwise since: nothing of it can come back
            self._withdraw_undo()
        else:
            kept = set(after)
            back = [item for item in before if item.pk not in kept]
            rows = [row for row, item in enumerate(before) if item.pk not in kept]  # where they come back
            self.model.set_items(before)
            # from the keyboard: the items a Remove took, back and selected, for a Delete again; a whole outfit
            # back after a Clear is not (trial DJ's next click on Remove took all of it again)
            if self.view.hasFocus() and after:
                selection = self.view.selectionModel()
                for row in rows:
                    selection.select(self.model.index(row), QItemSelectionModel.SelectionFlag.Select)
                if rows:
                    selection.setCurrentIndex(self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)
            self._refresh()
            if rows:  # the first item brought back, whole in the strip (trial DO's was half past its right edge)
                QTimer.singleShot(0, self, lambda row=rows[0]: self.show_row(row))
            self._undoing = True  # the window tells Undo's change from any other (it explains again)
            try:
                self.changed.emit(self.model.pks())
            finally:
                self._undoing = False
            self.undone.emit(back)

    def _withdraw_undo(self) -> None:
        self._history = []
        self._undo_timer.stop()
        self._offer(False)

    def _offer(self, shown: bool) -> None:
        """Show "Outfit cleared — Undo" in place of Remove and Clear (an empty outfit has no use
        for them), or put them back."""
        offer: tuple[QWidget, ...] = (self.undo_note, self.undo_button)
        # the note stands in for the title ("Outfit cleared" says both): beside it, in a 196 px panel
        # (an 800 px window), the note had 64 px and read "Outfit cl…"
        usual: tuple[QWidget, ...] = (self.remove_button, self.clear_button, self.title)
        for widget in offer:
            widget.setVisible(shown)
        for widget in usual:
            widget.setVisible(not shown)
        self._name_undo()
        self._fit_name()

    def _fit_name(self) -> None:
        """Show the saved outfit's name only while it has a name and the header leaves it room for a
        few characters (at 800 px the header has none: the title's tooltip and the window's title say it)."""
        header = (self.title, self.remove_button, self.clear_button)
        spacing = max(0, self._header.spacing())
        room = self.width() - sum(widget.sizeHint().width() for widget in header) - 4 * spacing
        wanted = bool(self.saved_name.text()) and not self.undo_note.isVisibleTo(self)
        self.saved_name.setVisible(wanted and room >= self.saved_name.fontMetrics().horizontalAdvance("“Party”"))

    def set_restoring(self, restoring: bool) -> None:
        """While the outfit of the last session is read back (at start, on another catalogue), the empty strip
        says so: trial DJ read "Your outfit is empty" for 3–4 s, then saw it come back."""
        self.restoring = restoring
        set_plain(self.placeholder, RESTORING_WORDS if restoring else EMPTY_WORDS)

    def show_saved_name(self, name: str, changed: bool, images_not_saved: int = 0) -> None:
        """Name the saved outfit on screen beside the title ("" : none), and whether it was changed
        since it was saved or opened (then the name says so, as an editor marks an unsaved file), or holds
        images from disk it does not keep (``images_not_saved``)."""
        if not name:
            set_plain(self.saved_name, "")
            self.saved_name.setToolTip("")
            self.title.setToolTip("")
            self._fit_name()
            return
        # "changed" first: a long name is elided at its end, and the mark must stay in view
        # the mark first (a long name is cut at its end), read as what it is: trial DL read "+ 1 image not saved:
        # “Office”" as an image called Office
        images = f"{images_not_saved} image{'' if images_not_saved == 1 else 's'} not saved beside " \
            if images_not_saved and not changed else ""
        set_plain(self.saved_name, ("changed: " if changed else images) + f"“{name}”")
        self.saved_name.setToolTip(plain_tooltip(
            f"Saved outfit “{name}”: you changed it since; save it (Ctrl+S) to keep the changes" if changed else
            f"Saved outfit “{name}”, as it was saved, with {images_not_saved} image{'' if images_not_saved == 1 else 's'} "
            "from disk beside it: a saved outfit keeps the catalogue's items only, so opening it again brings "
            f"{'it' if images_not_saved == 1 else 'them'} back without {'it' if images_not_saved == 1 else 'them'}"
            if images else f"Saved outfit “{name}”, as it was saved"))
        self.title.setToolTip(self.saved_name.toolTip())  # a narrow panel leaves the name no room
        self._fit_name()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # the placeholder wraps anew
            self._fit_height()
            self._fit_name()

    def fit_to(self, room: int | None) -> None:
        """Take at most ``room`` pixels of height (None: as much as the strip wants): the strip gives
        up its spare room, then its tiles shrink, down to the smallest thumbnail side; the window's
        splitter gives what the panel leaves to the results."""
        self._room = room
        self._fit_height()

    def _natural_height(self) -> int:
        """What the layout wants at this width: the header, the placeholder (when shown, wrapped at
        this width) and the strip as it is now."""
        layout = self.layout()
        assert layout is not None, "laid out in __init__"
        height = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else layout.sizeHint().height()
        return max(height, layout.minimumSize().height())

    def _fit_height(self) -> None:
        """At most the height of the header, the placeholder (when shown) and the strip (fitted to
        the room :meth:`fit_to` gave); :attr:`height_fitted` tells the window, whose splitter gives
        the rest to the results."""
        layout = self.layout()
        if layout is None:
            return
        above = self._natural_height() - self.view.maximumHeight()  # the header and the placeholder (fixed: the strip)
        self.view.fit(STRIP_HEIGHT if self._room is None else self._room - above)
        layout.invalidate()  # the strip's new fixed height, in this heightForWidth
        height = self._natural_height()
        self.setMaximumHeight(height)
        self.height_fitted.emit(height)

    def _refresh_remove(self) -> None:
        self.remove_button.setEnabled(self.view.selectionModel().hasSelection())

    def _refresh(self) -> None:
        empty = self.model.rowCount() == 0
        self.placeholder.setVisible(empty)
        self._fit_height()
        self._refresh_remove()
        self.clear_button.setEnabled(not empty)
