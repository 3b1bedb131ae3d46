"""Saved outfits in the window (issue 18, point 12): the "Outfit" menu's Save outfit…, Open saved
outfit… (a list with Open, Rename… and Delete…) and Export outfit… (a contact sheet as PNG or PDF,
or a CSV of the outfit's suggestions).

The database work runs on the worker thread (typed tasks, :mod:`sane_desktop.gui.tasks`); every
dialog opens without a nested event loop. Only catalogue items are saved: images added from disk
live in this session alone, and the save dialog says so when the outfit has any. Opening a saved
outfit over one being built that is not saved as it is asks first: Save, Discard or Cancel.
The contact sheet is painted here from what the window already shows (thumbnails, the ranked
results with their scores, the sentence of the explanation on screen), and painted and saved on
the worker, which first decodes the photos whose thumbnails are not loaded yet (:func:`write_sheet`,
with progress). The CSV is written by the service (:func:`sane_desktop.service.outfits.write_outfit_csv`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import (
    QBuffer, QIODevice, QMarginsF, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QMessageBox, QPushButton, QStatusBar, QStyle, QStyledItemDelegate, QStyleOptionViewItem,
    QVBoxLayout, QWidget,
)

from sane_desktop import paths
from sane_desktop.paths import written_form
from sane_desktop.errors import Cancelled, InputError, SaneError
from sane_desktop.gui.explanation_view import ExplanationView, rgb_image
from sane_desktop.gui.models import ItemListModel
from sane_desktop.gui.outfit_memory import remember_saved
from sane_desktop.gui.outfit_panel import OutfitPanel
from sane_desktop.gui.screen_fit import ScreenFittedDialog, fit_window
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.tasks import Task, TaskFn, TaskRunner, TaskState
from sane_desktop.gui.text import (
    ElidedLabel, elided_title, file_name_words, isolated, left_to_right, message_box, plain_label, plain_tooltip,
    set_plain,
)
from sane_desktop.gui.thumbnails import ThumbnailLoader
from sane_desktop.service import CatalogueInfo, ItemInfo, SearchResult
from sane_desktop.service.match_score import in_window_order, match_percent
from sane_desktop.service.titles import category_label, counted, short_title
from sane_desktop.service.values import OUTFIT_NAME_LENGTH, LoadedOutfit, SavedOutfit, SavedOutfitInfo

# The service's modules load the database layer (SQLAlchemy, Alembic): the worker imports them after
# the window is up, so they are imported where used, never at this module's top.
if TYPE_CHECKING:
    import numpy as np

    from sane_desktop.service import CatalogueService

DISK_NOTE = "Images added from disk are not saved: only the catalogue's items are."
SHEET_WIDTH = 1240  # the contact sheet's width in pixels (PNG); the PDF page has its proportions
SHEET_RESULTS = 6  # results per target category on the sheet
CARD_HEIGHT = 1400  # the explanation card's height at most: most of a page, its words readable on paper
A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
EXPORT_FILTERS = {"png": "PNG contact sheet (*.png)", "pdf": "PDF contact sheet (*.pdf)", "csv": "CSV table (*.csv)"}
NAME_IN_TEXT = 48  # characters of an outfit's name quoted in a message (a name may have 200): the middle elided


def quoted(name: str) -> str:
    """An outfit's name as a message quotes it: ``“Party”``, as the window quotes every name (trial BM
    read plain quotes here and curly ones elsewhere); a name longer than :data:`NAME_IN_TEXT`
    characters loses its middle ("“Long autumn lo…ening look”"), so that no message is wider than
    the screen for one unbroken word."""
    if len(name) > NAME_IN_TEXT:
        half = (NAME_IN_TEXT - 1) // 2
        name = f"{name[:half]}…{name[len(name) - half:]}"
    # as written between plain quotes: repr() wrote 'Bob\'s "best" \\ look' for Bob's "best" \ look (trial BH)
    return f"“{isolated(name)}”"


def gone_ids(ids: Sequence[str], shown: int = 3) -> str:
    """", “Tops/red tee”," naming a saved outfit's items that are gone by their catalogue ids (the first
    ``shown``, then "and N more"), "" when none was recorded."""
    if not ids:
        return ""
    more = len(ids) - shown
    listed = ", ".join(quoted(item_id) for item_id in ids[:shown])
    return f", {listed}{f' and {more} more' if more > 0 else ''},"


def no_longer_in_catalogue(missing: int) -> str:
    """"is no longer in the catalogue (a re-import removed it)", or for several "are … them": the
    words for outfit items a re-import took out of the catalogue (a saved outfit opened, or the
    outfit being built when the catalogue changed under it)."""
    one = missing == 1
    return f"{'is' if one else 'are'} no longer in the catalogue (a re-import removed {'it' if one else 'them'})"


class OutfitWindow(Protocol):
    """What the controller uses of the main window (a protocol: the window imports this module)."""

    @property
    def tasks(self) -> TaskRunner[CatalogueService]: ...
    @property
    def catalogue(self) -> CatalogueInfo | None: ...
    @property
    def shared(self) -> str: ...  # where a shared catalogue lives ("" for a local one)
    @property
    def outfit_model(self) -> ItemListModel: ...
    @property
    def outfit_panel(self) -> OutfitPanel: ...
    @property
    def explanation(self) -> ExplanationView: ...
    @property
    def thumbnails(self) -> ThumbnailLoader: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def _results(self) -> dict[int, SearchResult]: ...  # the results on screen, by item key
    @property
    def _last_explained(self) -> int | None: ...  # the result whose explanation is on screen
    @property
    def _look_alike(self) -> frozenset[str]: ...  # result categories ranked by looks alone
    @property
    def _in_outfit(self) -> frozenset[str]: ...  # result categories the outfit has (listed after the others)

    def shown_only(self) -> str: ...  # what narrows the results on screen (filters, a threshold), "" when nothing
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt's name
    def _report_error(self, message: str) -> None: ...
    def show_outfit_name(self, name: str, changed: bool, images_not_saved: int = 0) -> None: ...
    def _show_progress(self, done: int, total: int, message: str) -> None: ...
    def _hide_progress(self) -> None: ...


# --- dialogs ---------------------------------------------------------------------------------------

MIN_NAME_DIALOG_WIDTH = 380  # pixels: about 45 characters of a name in view
TITLE_BAR_BUTTONS = 160  # pixels a title bar keeps for its icon and buttons


class NameDialog(ScreenFittedDialog):
    """Asks for an outfit's name (Save outfit…, Rename…); ``note`` is a line under the field."""

    def __init__(self, title: str, label: str, name: str = "", note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        # no QLineEdit.maxLength: it cut a pasted name at 200 characters without a word (trial O);
        # a longer name is said under the field and OK waits for a shorter one
        self.name_edit = QLineEdit(name)
        self.name_edit.selectAll()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(label))
        layout.addWidget(self.name_edit)
        self.too_long = plain_label("")
        self.too_long.setWordWrap(True)
        layout.addWidget(self.too_long)
        self.note = plain_label(note)
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self._check(name)
        # wide enough for the title bar's words beside its buttons (trial G read "Save o…"), and for a name
        self.setMinimumWidth(max(MIN_NAME_DIALOG_WIDTH, self.fontMetrics().horizontalAdvance(title) + TITLE_BAR_BUTTONS))

    def _check(self, text: str) -> None:
        length = len(written_form(text))  # as the store keeps it (runs of spaces as one, composed)
        set_plain(self.too_long, f"A name has at most {OUTFIT_NAME_LENGTH} characters; this one has {length}."
                  if length > OUTFIT_NAME_LENGTH else "")
        self.too_long.setVisible(length > OUTFIT_NAME_LENGTH)
        # a name of zero-width spaces shows nothing: it was saved, and listed as “” (trial DP)
        self.ok_button.setEnabled(0 < length <= OUTFIT_NAME_LENGTH)

    def name(self) -> str:
        return self.name_edit.text().strip()


def _count_text(outfit: SavedOutfitInfo) -> str:
    """A list row's count: " — 2 items", ", 1 no longer in the catalogue" when so, " — 2 items, none in
    the catalogue any more" when a re-import removed them all."""
    if outfit.missing and not outfit.items:
        return f" — {counted(outfit.saved_items, 'item')}, none in the catalogue any more"
    missing = f", {outfit.missing} no longer in the catalogue" if outfit.missing else ""
    # a photo replaced in the folder since the save: the item under its title is another picture (trial CM)
    replaced = f", {counted(outfit.replaced, 'photo')} replaced since saved" if outfit.replaced else ""
    return f" — {counted(outfit.items, 'item')}{missing}{replaced}"


def _describe(outfit: SavedOutfitInfo) -> str:
    return left_to_right(f"{isolated(outfit.name)}{_count_text(outfit)}")


class OutfitRowDelegate(QStyledItemDelegate):
    """A saved outfit's row: the name elided in its middle so that the count after it always shows
    (a 200-character name scrolled the list sideways and hid it); the full row in the tooltip."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        outfit = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(outfit, SavedOutfitInfo):
            shown.text = self.row_text(outfit, shown.fontMetrics, shown.rect.width())
        widget = shown.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget)

    @staticmethod
    def row_text(outfit: SavedOutfitInfo, metrics: QFontMetrics, width: int) -> str:
        """The row's text at ``width`` pixels: the count whole, the name elided in the middle to the rest
        (a margin kept for the style's padding)."""
        count = _count_text(outfit)
        room = width - metrics.horizontalAdvance(count) - 4 * metrics.averageCharWidth()
        name = metrics.elidedText(outfit.name, Qt.TextElideMode.ElideMiddle, max(room, 0))
        return left_to_right(isolated(name) + count)  # "طقم الصيف — 3 items", never "3 — طقم الصيف items" (trial AE)

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt's name
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        # never wider than the list: no sideways scrolling, the row is elided to its width instead
        size = super().sizeHint(option, index)
        widget = option.widget
        if isinstance(widget, QListWidget):
            size.setWidth(min(size.width(), widget.viewport().width()))
        return size


class SavedOutfitsDialog(ScreenFittedDialog):
    """The saved outfits of the open catalogue: Open (or double-click), Rename…, Delete… (asks)."""

    def __init__(self, controller: SavedOutfitsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Saved outfits")
        self.resize(460, 360)
        self.list = QListWidget()
        self.list.setAccessibleName("Saved outfits")
        self.list.setItemDelegate(OutfitRowDelegate(self.list))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)  # rows laid out (and elided) anew at each width
        self.list.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        # at most three lines whatever it says (a long name in it never widens the dialog), all of it in the tooltip
        self.status = ElidedLabel("Loading…", lines=3)
        self.open_button = QPushButton("Open")
        self.open_button.setDefault(True)
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.close_button = QPushButton("Close")
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.name_dialog: NameDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._enable()

    def show_outfits(self, outfits: list[SavedOutfitInfo], select: int | None = None) -> None:
        self.list.clear()
        for outfit in outfits:
            entry = QListWidgetItem(_describe(outfit))
            entry.setData(Qt.ItemDataRole.UserRole, outfit)
            entry.setToolTip(plain_tooltip(_describe(outfit)))
            self.list.addItem(entry)
            if outfit.pk == select:
                self.list.setCurrentItem(entry)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        set_plain(self.status, "" if outfits else "No outfit of this catalogue is saved yet (Outfit → Save outfit…).")
        self._enable()

    def show_error(self, message: str) -> None:
        set_plain(self.status, message)
        self._enable()
        fit_window(self)  # the dialog never reaches past the screen's edge, its Close button with it

    def selected(self) -> SavedOutfitInfo | None:
        entry = self.list.currentItem()
        outfit = entry.data(Qt.ItemDataRole.UserRole) if entry is not None else None
        return outfit if isinstance(outfit, SavedOutfitInfo) else None

    def _enable(self) -> None:
        chosen = self.selected() is not None
        for button in (self.open_button, self.rename_button, self.delete_button):
            button.setEnabled(chosen)

    def open_selected(self) -> None:
        """Open the chosen outfit; the controller first asks, should it replace an unsaved one."""
        outfit = self.selected()
        if outfit is not None:
            self.controller.open_saved(outfit, self)

    def rename_selected(self) -> None:
        outfit = self.selected()
        if outfit is None:
            return
        dialog = NameDialog("Rename outfit", "New name:", outfit.name, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.controller.rename(outfit.pk, dialog.name()))
        self.name_dialog = dialog
        dialog.open()

    def delete_selected(self) -> None:
        outfit = self.selected()
        if outfit is None:
            return
        box = message_box(self, "Delete outfit", f"Delete the saved outfit {quoted(outfit.name)}? This cannot be undone.",
                          QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _answer: self.controller.delete(outfit.pk) if box.clickedButton() is yes else None)
        self.confirm_box = box


# --- the controller --------------------------------------------------------------------------------

def _saved_pks(pks: Iterable[int]) -> tuple[int, ...]:
    """What a save keeps of an outfit's items: its catalogue items alone. Images from disk are never saved, so
    adding or removing one changes nothing a save would keep (trial CJ: quitting asked to save such a "change")."""
    return tuple(pk for pk in pks if pk >= 0)


class SavedOutfitsController(QObject):
    """The Outfit menu's work for ``window``: dialogs on the GUI thread, the database and the
    photos of a contact sheet on the worker. ``exported`` carries the path of each file written."""

    exported = Signal(str)

    def __init__(self, window: OutfitWindow, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = window
        self.parent_widget = parent  # the dialogs' parent (the window itself)
        self.channel = window.tasks.channel()
        self.export_channel = window.tasks.channel()  # a newer export replaces one still decoding
        self.export_task: Task[bool, None] | None = None  # the last contact sheet being written
        self.name = ""  # the outfit's name once saved or opened (the export's default file name)
        self.saved_pk: int | None = None  # that saved outfit: its rename or deletion follows (trial O)
        self._named_items: tuple[int, ...] = ()  # the outfit's items when it got that name
        # the saved outfit the person's Clear left (name, key, its items, the outfit's items then): Undo makes the
        # outfit that one again
        self._cleared: tuple[str, int | None, tuple[int, ...], tuple[int, ...]] | None = None
        self.name_dialog: NameDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.dialog: SavedOutfitsDialog | None = None
        self.export_dialog: QFileDialog | None = None
        self.open_question: QMessageBox | None = None  # "Save the outfit first?" while it is asked
        self._after_save: Callable[[], None] | None = None  # what a save asked for by that question opens
        model = window.outfit_model  # the outfit's name beside its title follows every change of it
        for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.modelReset, model.layoutChanged):
            signal.connect(self.show_name)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)

    def _has_catalogue(self, what: str) -> bool:
        if self.window.catalogue is None:
            message_box(self.parent_widget, what, "Open a catalogue first: outfits are saved in its database.",
                        QMessageBox.Icon.Information)
            return False
        return True

    # --- save ------------------------------------------------------------------------------------
    def save(self) -> None:
        """Ask for a name, then save the outfit's catalogue items under it."""
        if not self._has_catalogue("Save outfit"):
            return
        pks = self.window.outfit_model.pks()
        if not any(pk >= 0 for pk in pks):
            self._after_save = None  # nothing saved: nothing opens after it
            # the note on images from disk only when there are some (a trial read it of an empty outfit)
            why = f"The outfit has no catalogue items to save. {DISK_NOTE}" if pks else \
                "The outfit is empty: add items to it first (double-click an item, or drag it onto the outfit)."
            message_box(self.parent_widget, "Save outfit", why, QMessageBox.Icon.Information)
            return
        # the saved outfit being worked on, changed or not: saving its changes is Enter, then Replace
        # (trial AB found the field empty after an edit, the title naming the outfit)
        self._ask_name(self.name, pks)

    def _ask_name(self, name: str, pks: list[int]) -> None:
        """The name dialog, ``name`` in its field: Save asks it first, and again after No to "Replace it?"."""
        dialog = NameDialog("Save outfit", "Save the outfit as:", name,
                            DISK_NOTE if any(pk < 0 for pk in pks) else "", self.parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # its own name kept: saved over without a second question (trial ER pressed Enter at Save, the name and a
        # "Replace?" defaulting to No, and found nothing saved); another outfit's name is still asked about
        dialog.accepted.connect(lambda: self._save(dialog.name(), pks, overwrite=False,
                                                   own=bool(self.name) and dialog.name() == self.name))
        dialog.rejected.connect(self._not_saved)  # not saved: stay as it is
        self.name_dialog = dialog
        dialog.open()

    def save_changes(self, name: str, then: Callable[[], None]) -> None:
        """Replace the saved outfit ``name`` with the outfit on screen, then call ``then`` (not when the save
        fails: the error is said and nothing follows)."""
        self._after_save = then
        self._save(name, self.window.outfit_model.pks(), overwrite=True)

    def _save(self, name: str, pks: list[int], overwrite: bool, own: bool = False) -> None:
        """Save ``pks`` as ``name``; a name taken is asked about (:meth:`_saved`), unless ``own`` (the saved outfit
        being worked on) and replacing it forgets none of its items."""
        def task(service: CatalogueService, _state: object) -> SavedOutfit | int:
            from sane_desktop.service.outfits import OutfitNameTaken  # see the note at the imports

            try:
                return service.save_outfit(name, pks, overwrite=overwrite)
            except OutfitNameTaken:  # the person is asked whether to replace it, told what that forgets
                missing = service.saved_outfits().missing_items(name)
                return service.save_outfit(name, pks, overwrite=True) if own and not missing else missing

        self.channel.start(task, "Saving the outfit…") \
            .on_done(lambda saved: self._saved(saved, name, pks)).on_failed(self._save_failed)

    def _save_failed(self, message: str) -> None:
        self._after_save = None  # the outfit was not saved: it is not replaced either
        self.window._report_error(message)

    def _saved(self, saved: SavedOutfit | int, name: str, pks: list[int]) -> None:
        if isinstance(saved, int):  # the name is taken; ``saved`` of its items are no longer in the catalogue
            # (trial BH replaced one whose item a re-import had removed: when it came back, that outfit had lost it)
            lost = (f" {saved} of its items {no_longer_in_catalogue(saved)}: the outfit kept as it is "
                    f"would find {'it' if saved == 1 else 'them'} again if {'it comes' if saved == 1 else 'they come'} "
                    "back, a replace forgets " + ("it." if saved == 1 else "them.")) if saved else ""
            box = message_box(self.parent_widget, "Save outfit",
                              f"An outfit called {quoted(name)} is already saved.{lost} Replace it with this outfit?",
                              QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            yes = box.button(QMessageBox.StandardButton.Yes)
            # No: the name asked again, to choose another (trial EU's No ended the save, "Not saved"); Cancel there
            # ends it
            box.finished.connect(lambda _answer: self._save(name, pks, overwrite=True)
                                 if box.clickedButton() is yes else self._ask_name(name, pks))
            self.confirm_box = box
            return
        self.link(saved.name, saved.pk, tuple(pks))
        verb = "Replaced" if saved.replaced else "Saved"
        note = (f" ({saved.left_out} image{'s' if saved.left_out != 1 else ''} from disk not saved)"
                if saved.left_out else "")
        self._status(f"{verb} the outfit {quoted(saved.name)}: {saved.items} item{'s' if saved.items != 1 else ''}{note}")
        after, self._after_save = self._after_save, None
        if after is not None:  # saved as asked before opening another outfit: open it now
            after()

    def _not_saved(self) -> None:
        self._after_save = None
        self._status("Not saved")

    # --- asking before an unsaved outfit is replaced ------------------------------------------------
    def open_saved(self, outfit: SavedOutfitInfo, dialog: QDialog | None = None) -> None:
        """Open the saved ``outfit`` in place of the one being built. When that one has items and is
        not saved as it is (the worker compares it with every saved outfit), ask first: Save (then
        open), Discard (open), or Cancel (nothing changes; the list stays open). ``dialog``: the
        list it was chosen in, closed once the outfit opens."""
        pks = self.window.outfit_model.pks()
        # empty, or a saved outfit as opened without images from disk: nothing of the person's would be lost
        if not pks or (self.current_name() and all(pk >= 0 for pk in pks)):
            self._open_now(outfit.pk, dialog)
            return
        self.channel.start(lambda service, _state: service.saved_outfits().matching(pks), "Checking the outfit…") \
            .on_done(lambda saved_as: self._checked(outfit, dialog, pks, saved_as)).on_failed(self.window._report_error)

    def _checked(self, outfit: SavedOutfitInfo, dialog: QDialog | None, pks: list[int], saved_as: str | None) -> None:
        if self.window.outfit_model.pks() != pks:  # it changed while the worker looked: look again
            self.open_saved(outfit, dialog)
        elif saved_as is not None:
            self._open_now(outfit.pk, dialog)
        else:
            self._ask_before_open(outfit, dialog)

    def _open_now(self, pk: int, dialog: QDialog | None) -> None:
        if dialog is not None:
            dialog.accept()
        self.load(pk)

    def _ask_before_open(self, outfit: SavedOutfitInfo, dialog: QDialog | None) -> None:
        buttons = QMessageBox.StandardButton
        pks = self.window.outfit_model.pks()
        savable = any(pk >= 0 for pk in pks)
        # a saved outfit changed since is saved, its changes not (trial DF read "is not saved" of "Party")
        building = (f"The outfit you are building, {quoted(self.name)}, has changes not saved. Save them before "
                    f"opening {quoted(outfit.name)}? Otherwise they are lost." if self.name else
                    f"The outfit you are building is not saved. Save it before opening {quoted(outfit.name)}? "
                    "Otherwise it is replaced and lost.")
        box = message_box(dialog or self.parent_widget, "Open saved outfit",
                          building + (f" {DISK_NOTE}" if any(pk < 0 for pk in pks) else ""),
                          QMessageBox.Icon.Question, buttons.Save | buttons.Discard | buttons.Cancel)
        box.button(buttons.Save).setEnabled(savable)  # images from disk alone cannot be saved
        box.setDefaultButton(buttons.Save if savable else buttons.Cancel)
        box.setEscapeButton(buttons.Cancel)
        box.button(buttons.Discard).setText("Discard it")
        box.setObjectName("open-question")
        self.open_question = box

        def answered(_result: int) -> None:
            self.open_question = None
            answer = box.standardButton(box.clickedButton()) if box.clickedButton() is not None else buttons.Cancel
            if answer == buttons.Discard:
                self._open_now(outfit.pk, dialog)
            elif answer == buttons.Save:
                if dialog is not None:
                    dialog.accept()
                # its changes, under its name: no name to ask, nothing to confirm (trial ER); not when the one to
                # open is that one (its saved version, to go back to): then a name for the changes is asked
                if self.name and self.name != outfit.name:
                    self.save_changes(self.name, lambda: self.load(outfit.pk))
                    return
                self._after_save = lambda: self.load(outfit.pk)
                self.save()
            # Cancel (or Escape): the outfit stays, and so does the list

        box.finished.connect(answered)

    # --- open, rename, delete ---------------------------------------------------------------------
    def open_dialog(self) -> None:
        if not self._has_catalogue("Open saved outfit"):
            return
        dialog = SavedOutfitsDialog(self, self.parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        self.channel.start(lambda service, _state: service.list_saved_outfits(), "Listing saved outfits…") \
            .on_done(lambda outfits: self._listed(outfits, select)).on_failed(self._list_failed)

    def _listed(self, outfits: list[SavedOutfitInfo], select: int | None) -> None:
        if self.dialog is not None:
            self.dialog.show_outfits(outfits, select)

    def _list_failed(self, message: str) -> None:
        if self.dialog is not None:
            self.dialog.show_error(message)
        else:
            self.window._report_error(message)

    def load(self, pk: int) -> None:
        def task(service: CatalogueService, _state: object) -> tuple[LoadedOutfit, list[ItemInfo]]:
            loaded = service.load_saved_outfit(pk)
            return loaded, service.item_infos(list(loaded.item_pks))

        self.channel.start(task, "Opening the saved outfit…").on_done(self._loaded).on_failed(self.window._report_error)

    def _loaded(self, answer: tuple[LoadedOutfit, list[ItemInfo]]) -> None:
        loaded, items = answer
        panel = self.window.outfit_panel
        panel.clear()
        panel.add_items(items)
        self.link(loaded.name, loaded.pk, tuple(item.pk for item in items))
        missing = loaded.missing + len(loaded.item_pks) - len(items)
        # which ones, by the ids the outfit recorded (trial BH could not tell which item had gone)
        named = gone_ids(loaded.missing_ids) if len(loaded.item_pks) == len(items) else ""
        if missing:
            if items:
                text = (f"Opened the outfit {quoted(loaded.name)}: {missing} of its items{named} "
                        f"{no_longer_in_catalogue(missing)}; the others are here.")
            elif missing == 1:
                text = f"Opened the outfit {quoted(loaded.name)}: its item{named} {no_longer_in_catalogue(1)}."
            else:
                text = (f"Opened the outfit {quoted(loaded.name)}: none of its items{named} are in the catalogue any "
                        "more (a re-import removed them).")
        else:
            text = f"Opened the outfit {quoted(loaded.name)}"
        if loaded.replaced_ids:  # a photo replaced under an item's name since the save (trial CM, unsaid)
            titles = {item.item_id: item.title for item in items}
            named = ", ".join(quoted(titles.get(item_id) or item_id) for item_id in loaded.replaced_ids[:3])
            more = len(loaded.replaced_ids) - 3
            one = len(loaded.replaced_ids) == 1
            text = (f"{text.rstrip('.')}. {'The photo of' if one else 'The photos of'} {named}"
                    f"{f' and {more} more' if more > 0 else ''} {'is not the one' if one else 'are not those'} the "
                    f"outfit was saved with: {'it was' if one else 'they were'} replaced in the catalogue's folder. "
                    "Save the outfit again to keep the photos shown.")
        self._status(text)
        if missing or loaded.replaced_ids:
            message_box(self.parent_widget, "Open saved outfit", text, QMessageBox.Icon.Information)

    def rename(self, pk: int, name: str) -> None:
        def task(service: CatalogueService, _state: object) -> str | None:
            from sane_desktop.service.outfits import OutfitNameTaken  # see the note at the imports

            try:
                return service.rename_saved_outfit(pk, name)
            except OutfitNameTaken:
                return None

        self.channel.start(task, "Renaming the outfit…") \
            .on_done(lambda renamed: self._renamed(pk, name, renamed)).on_failed(self._list_failed)

    def _renamed(self, pk: int, name: str, renamed: str | None) -> None:
        if renamed is None:
            if self.dialog is not None:
                self.dialog.show_error(f"Another saved outfit is called {quoted(name)}: choose another name.")
            return
        self._status(f"Renamed the outfit to {quoted(renamed)}")
        if pk == self.saved_pk:  # the outfit on screen: its export says the name it has now
            self.name = renamed
            self.show_name()
        if self._cleared is not None and self._cleared[1] == pk:  # an Undo brings it back under its name now
            self._cleared = (renamed, *self._cleared[1:])
        self.refresh(select=pk)

    def delete(self, pk: int) -> None:
        self.channel.start(lambda service, _state: service.delete_saved_outfit(pk), "Deleting the outfit…") \
            .on_done(lambda _none: self._deleted(pk)).on_failed(self._list_failed)

    def _deleted(self, pk: int) -> None:
        if pk == self.saved_pk:  # the outfit on screen is saved under no name any more (trial O's export
            self.link("", None, ())  # was headed by a name renamed, then deleted)
        if self._cleared is not None and self._cleared[1] == pk:  # nor one an Undo would bring back
            self._cleared = None
        self._status("Deleted the saved outfit")
        self.refresh()

    def check_linked(self) -> None:
        """Whether the saved outfit on screen is still saved under its name: another window may have renamed
        or deleted it meanwhile (trial BH: window A's title and export kept the name of an outfit window B
        had deleted). Asked when the window comes back to the front; quiet."""
        pk = self.saved_pk
        if pk is None or self.channel.busy or self.window.catalogue is None:
            return
        self.channel.start(lambda service, _state: {o.pk: o.name for o in service.list_saved_outfits()},
                           "Checking the saved outfit…", quiet=True) \
            .on_done(lambda names: self._linked_checked(pk, names))

    def _linked_checked(self, pk: int, names: dict[int, str]) -> None:
        if pk != self.saved_pk:  # another outfit was opened or saved meanwhile
            return
        if pk not in names:
            gone = self.name
            self.link("", None, ())
            self._status(f"The saved outfit {quoted(gone)} was deleted elsewhere: the outfit on screen is not saved "
                         "any more")
        elif names[pk] != self.name:
            self._status(f"The saved outfit {quoted(self.name)} was renamed {quoted(names[pk])} elsewhere")
            self.name = names[pk]
            self.show_name()

    def forget(self) -> None:
        """The outfit on screen is no saved one (another catalogue opened: the one it was saved in
        keeps its memory of it, for the next start)."""
        self.name, self.saved_pk, self._named_items, self._cleared = "", None, (), None
        self.show_name()

    def link(self, name: str, pk: int | None, item_pks: tuple[int, ...]) -> None:
        """The outfit on screen (``item_pks``, in order) is the saved outfit ``pk`` called ``name``
        (None: no saved one); remembered for the next start with the outfit itself."""
        self.name, self.saved_pk, self._named_items, self._cleared = name, pk, item_pks, None
        self.show_name()
        catalogue = self.window.catalogue
        if catalogue is not None and not self.window.shared:
            remember_saved(self.window.settings, catalogue, pk, item_pks)

    def catalogue_took(self, gone: Collection[int]) -> None:
        """A re-import took the items ``gone`` out of the catalogue, and the window out of the outfit: no edit of
        the person's. The saved outfit keeps them and gets them back when they come back (store.outfits), so an
        outfit on screen that was the saved one still is, not "changed" (a new user's try was offered, at the next
        Open, to save it over the saved one without that item)."""
        if self.name:  # changed or not: what the saved outfit holds in the catalogue now
            self._named_items = tuple(pk for pk in self._named_items if pk not in gone)
            catalogue = self.window.catalogue
            if catalogue is not None and not self.window.shared:  # what the saved outfit holds now, for the next start
                remember_saved(self.window.settings, catalogue, self.saved_pk, self._named_items)

    def catalogue_moved(self, moved: Mapping[int, int]) -> None:
        """A re-import gave the photos of outfit items (old key -> new key) to other items (a renamed file or
        folder), and the window put those in their places: no edit of the person's. The saved outfit follows them
        too (its references name the photos: store.outfits), so an outfit on screen that was the saved one still is."""
        if self.name:
            self._named_items = tuple(moved.get(pk, pk) for pk in self._named_items)
            catalogue = self.window.catalogue
            if catalogue is not None and not self.window.shared:
                remember_saved(self.window.settings, catalogue, self.saved_pk, self._named_items)

    def cleared(self, items: Sequence[int]) -> None:
        """The person's Clear of the outfit ``items`` (keys, in order): a new outfit starts, no longer the saved
        one (a trial read `changed: “Party”` over the emptied outfit, and over the next one built there); Undo
        brings the name back with these items (:meth:`undone`), changed or not as it was."""
        if self.name:
            was = (self.name, self.saved_pk, self._named_items, tuple(items))
            self.link("", None, ())
            self._cleared = was

    def undone(self) -> None:
        """Ctrl+Z brought items back: the outfit the person's Clear emptied is the saved one it was again."""
        if self._cleared is not None and not self.name and tuple(self.window.outfit_model.pks()) == self._cleared[3]:
            name, pk, named, _items = self._cleared
            self.link(name, pk, named)

    def show_name(self) -> None:
        """The outfit panel names the saved outfit on screen, and says when it was changed since."""
        self.window.show_outfit_name(self.name, bool(self.name) and not self.current_name(), self.images_not_saved())

    def images_not_saved(self) -> int:
        """How many images from disk the outfit on screen holds beside the saved outfit's items (a saved outfit
        keeps the catalogue's items only: trial DJ's "Cobalt evening" read as saved, its trousers from disk
        on screen and on its sheet, and came back without them when opened again)."""
        return sum(pk < 0 for pk in self.window.outfit_model.pks()) if self.name else 0

    def current_name(self) -> str:
        """The saved outfit's name while the outfit on screen is the one saved or opened under it, else ""
        (an export of another outfit is "Unsaved outfit", never a name it does not bear)."""
        return self.name if _saved_pks(self.window.outfit_model.pks()) == _saved_pks(self._named_items) else ""

    # --- export ----------------------------------------------------------------------------------
    def export_title(self) -> str:
        """What an export heads the outfit with: the saved outfit's name while it is that outfit; "<name> (changed,
        not saved)" while it is that outfit changed since (trial DF read "Unsaved outfit" of "Party" with an item
        added); "" for an outfit saved under no name ("Unsaved outfit")."""
        images = self.images_not_saved()
        extra = f" + {images} image{'' if images == 1 else 's'} from disk, not saved" if images else ""
        if self.current_name():
            return f"{self.name} ({extra.removeprefix(' ')})" if extra else self.name
        return f"{self.name} (changed, not saved)" if self.name else ""

    def default_export_name(self) -> str:
        words = file_name_words(self.export_title())
        return f"outfit-{words}" if words else "outfit"

    def export(self, path: str | Path | None = None) -> Path | None:
        """Export the outfit with its suggestions to ``path`` (PNG, PDF or CSV by its suffix); without
        one, ask where (a file dialog in the last export folder, else the user's Pictures folder).
        Returns the path when the file is written before this returns, else None (a sheet whose
        photos are decoded on the worker first, or a dialog); ``exported`` fires once it is written."""
        if not self.window.outfit_model.pks():
            message_box(self.parent_widget, "Export outfit", "Add items to the outfit first.", QMessageBox.Icon.Information)
            return None
        if path is not None:
            return self._export(Path(path))
        dialog = QFileDialog(self.parent_widget, "Export outfit", self.window.explanation.export_directory(),
                             ";;".join(EXPORT_FILTERS.values()))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("png")

        def type_chosen(chosen: str) -> None:  # the file's name follows the type chosen
            suffix = next((suffix for suffix, text in EXPORT_FILTERS.items() if text == chosen), "png")
            dialog.setDefaultSuffix(suffix)
            dialog.selectFile(f"{self.default_export_name()}.{suffix}")

        dialog.filterSelected.connect(type_chosen)
        dialog.selectFile(self.default_export_name() + ".png")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self._export(Path(chosen)) if chosen else None)
        self.export_dialog = dialog
        dialog.open()
        return None

    def _grouped_results(self) -> dict[str, list[SearchResult]]:
        """The window's results per target category (each result is of its target's category), best
        first, the categories in the order the window's list meets them: by their best match, those the
        outfit lacks before its own, look-alikes last (trial U's sheet put the outfit's own categories
        2nd and 3rd, where the window listed them after the others; ItemListModel.set_results)."""
        return grouped_in_window_order(self.window._results.values(), self.window._look_alike, self.window._in_outfit)

    def _explanation_lines(self) -> list[str]:
        view = self.window.explanation
        pk = self.window._last_explained
        result = self.window._results.get(pk) if pk is not None else None
        if view.update_data is None or result is None:
            return []
        alike = result.item.category in self.window._look_alike
        figure = match_percent(result.score, result.compared())
        # its figure, and whether the sheet shows it: trial DJ's page 2 read "Why 'Checked t-shirt' matches:" of a
        # result of 36/100, not among the best six above
        ranked = self._grouped_results().get(result.item.category, [])
        rank = next((i for i, other in enumerate(ranked, 1) if other.item.pk == result.item.pk), None)
        shown = "" if rank is not None and rank <= SHEET_RESULTS else (
            f", #{rank} of its category, below the {SHEET_RESULTS} shown" if rank is not None else "")
        # the figure first and the title shortened: a line cut to the page cut the figure out (trial DL)
        title = short_title(result.item.title or result.item.item_id, 40)
        if alike:
            opening = f"Likeness {figure}/100{shown} — why “{title}” looks like your outfit:"
        elif figure <= 50:  # at or below "unrelated": the window says it "does not really go" (trial W)
            opening = f"Match {figure}/100{shown} — how “{title}” relates to your outfit (it does not really go with it):"
        else:
            opening = f"Match {figure}/100{shown} — why “{title}” matches:"
        # “…”: a title is the catalogue's text, never Python's repr (trial BJ's sheet read backslashes)
        return [opening, view.headline.text()]

    def _export(self, target: Path) -> Path | None:
        """Write ``target``: a CSV at once (the path is returned); a PNG or PDF sheet on the worker
        (None is returned): the photos whose thumbnails are not loaded are decoded there, then the
        sheet is painted and saved there, with progress in the status bar; the window stays
        responsive. ``exported`` says when the file is written."""
        suffix = target.suffix.lower().lstrip(".")
        if suffix not in EXPORT_FILTERS:
            message_box(self.parent_widget, "Export outfit", f"Cannot export as {target.name}: choose a .png, .pdf or .csv name.")
            return None
        try:  # before the worker decodes anything
            paths.check_outside_package(target, "exporting to")
        except InputError as error:
            message_box(self.parent_widget, "Export outfit", str(error))
            return None
        outfit, results = self.window.outfit_model.items(), self._grouped_results()
        if suffix == "csv":
            from sane_desktop.service.outfits import write_outfit_csv  # see the note at the imports

            catalogue = self.window.catalogue
            about = {"outfit": self.export_title() or "Unsaved outfit",
                     "catalogue": catalogue.name if catalogue else "", "catalogue_uid": catalogue.uid if catalogue else "",
                     "catalogue_revision": str(catalogue.revision) if catalogue else "",
                     "shown_only": self.window.shown_only() or "every result (no filter)",
                     "exported_at": datetime.now().astimezone().isoformat(timespec="seconds")}
            try:
                write_outfit_csv(target, outfit, results, self.window._look_alike, about)
            except Exception as error:  # InputError: the folder cannot be written
                # worded as the sheets' refusal (trial DE read "cannot write …" beside "Could not save …")
                message_box(self.parent_widget, "Export outfit", f"Could not save the outfit as {target}: {error}")
                return None
            return self._written(target)
        # what the sheet shows, as it is on screen now: the explanation's card, the items' thumbnails
        lines = self._explanation_lines()
        # its maps as the explanation's own export draws them (wide, whole, no controls): a grab of the
        # panel kept its cut-off lines, its Details arrow and its "click an item" hint (a trial)
        card = self.window.explanation.card_image(scale=1.0) if lines else None
        sheet = ContactSheet(self.export_title(), self.window.catalogue.name if self.window.catalogue else "",
                             outfit, results, lines, lambda _item: QImage(), card, self.window._look_alike,
                             self.window.shown_only())
        loaded: dict[int, QImage] = {}
        missing: dict[int, ItemInfo] = {}
        for item in sheet.items():
            thumbnail = self.window.thumbnails.get(item.image_path, item.content_hash)
            if thumbnail is not None and not thumbnail.isNull():
                loaded[item.pk] = thumbnail
            else:
                missing.setdefault(item.pk, item)
        steps = len(missing) + 1  # each photo to decode, then painting and saving the sheet
        self.window._show_progress(0, steps, "Preparing the outfit sheet…")  # at once: the worker may be busy

        def written(saved: bool) -> None:
            if saved:
                self._written(target)
            else:
                message_box(self.parent_widget, "Export outfit",
                            f"Could not save the outfit as {target}: {paths.why_not_written(target)}.")

        self.export_task = task = self.export_channel.start(
            write_sheet(sheet, loaded, list(missing.values()), target), "Preparing the outfit sheet…")
        task.on_progress(self.window._show_progress).on_done(written).on_failed(self.window._report_error) \
            .on_finished(self.window._hide_progress)
        return None

    def _written(self, target: Path) -> Path:
        self.window.settings.set("export_folder", str(target.parent))
        self.window.explanation.export_folder = str(target.parent)
        self._status(f"Exported the outfit to {target}")
        self.exported.emit(str(target))
        return target


def grouped_in_window_order(results: Iterable[SearchResult], alike: Collection[str] = (),
                            own: Collection[str] = ()) -> dict[str, list[SearchResult]]:
    """``results`` per category, each best first by its 0–100 match, the categories in the order the
    window's list meets them (:meth:`ItemListModel.set_results`'s ranking): by their best match, the
    outfit's ``own`` categories after the others, those ranked by looks alone (``alike``) last."""
    grouped: dict[str, list[SearchResult]] = {}
    for result in sorted(results, key=lambda r: (r.item.category in alike, r.item.category in own,
                                                 -r.score / r.compared(), r.item.pk)):
        grouped.setdefault(result.item.category, []).append(result)
    return grouped


def photo_pixels(path: Path | str, max_side: int, content_hash: str = "") -> np.ndarray:
    """:func:`sane_desktop.service.items.photo_pixels`, imported on the first call (see the note at the
    imports): the item's photo, (h, w, 3) uint8, its longer side at most ``max_side``."""
    from sane_desktop.service.items import photo_pixels as decode

    return decode(path, max_side, content_hash)


def write_sheet(sheet: ContactSheet, loaded: dict[int, QImage], missing: Sequence[ItemInfo],
                target: Path) -> TaskFn[CatalogueService, None, bool]:
    """On the worker: decode the photos of ``missing`` items (their longer side at most
    :attr:`ContactSheet.TILE` px, through the app's bounded open: a pixel limit before decoding,
    never Qt's readers; a missing or unreadable photo leaves an empty tile), then paint ``sheet``
    with them and the ``loaded`` thumbnails and save it as ``target`` (PDF by its suffix, else PNG;
    QPainter on a QImage or a QPdfWriter may run off the GUI thread). Progress per photo, then one
    step for the sheet; True when the file was written, False when the folder cannot be written."""
    images = dict(loaded)  # the worker's own copy (QImages are shared implicitly, never written)

    def run(_service: CatalogueService, state: TaskState[None]) -> bool:
        steps = len(missing) + 1
        for done, item in enumerate(missing, start=1):
            if state.should_stop():
                raise Cancelled("a newer export was asked for")
            try:
                images[item.pk] = rgb_image(photo_pixels(item.image_path, ContactSheet.TILE, item.content_hash))
            except SaneError:  # ImageRejected: missing, unreadable, oversized; PhotoChanged: not the indexed photo
                pass
            state.progress(done, steps, "Preparing the outfit sheet…")
        sheet.thumbnail = lambda item: images.get(item.pk, QImage())
        saved = sheet.save_pdf(target) if target.suffix.lower() == ".pdf" else sheet.save_png(target)
        state.progress(steps, steps, "Preparing the outfit sheet…")
        return saved

    return run


# --- the contact sheet -----------------------------------------------------------------------------

class ContactSheet:
    """An outfit with its suggestions on one page: the outfit's items, then per target category its
    best results with rank and 0–100 match (as the window's tiles show it), then the sentence of the
    explanation on screen (if any). A target in ``alike`` (no matches learnt: ranked by looks) is
    headed as look-alikes, not as what goes with the outfit."""

    TILE = 170
    GAP = 14
    MARGIN = 36

    def __init__(self, name: str, catalogue: str, outfit: Sequence[ItemInfo], results: dict[str, list[SearchResult]],
                 explanation: Sequence[str], thumbnail: Callable[[ItemInfo], QImage],
                 explanation_card: QImage | None = None, alike: Collection[str] = (), shown_only: str = "") -> None:
        self.alike = frozenset(alike)
        self.shown_only = shown_only  # what narrowed the results (filters, a threshold): said under the date
        self.name, self.catalogue, self.outfit, self.results = name, catalogue, list(outfit), results
        self.explanation, self.thumbnail = list(explanation), thumbnail
        self.card = explanation_card if explanation_card is not None and not explanation_card.isNull() else None
        self.width = SHEET_WIDTH
        self.breaks: list[int] = []  # where a block (a line, a row of tiles, the card) starts: page breaks

    def items(self) -> list[ItemInfo]:
        """Every item the sheet draws, in order: the outfit's, then each target's results shown."""
        return [*self.outfit, *(result.item for ranked in self.results.values() for result in ranked[:SHEET_RESULTS])]

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        title, heading, body = QFont(), QFont(), QFont()
        title.setPixelSize(26)
        title.setBold(True)
        heading.setPixelSize(17)
        heading.setBold(True)
        body.setPixelSize(13)
        return title, heading, body

    def height(self) -> int:
        return self.paint(None)

    def paint(self, painter: QPainter | None) -> int:
        """Paint the sheet (``painter`` None: only measure); returns its height in pixels."""
        title_font, heading_font, body_font = self._fonts()
        body = QFontMetrics(body_font)
        y, left, inner = self.MARGIN, self.MARGIN, self.width - 2 * self.MARGIN
        ink, muted = QColor("#111111"), QColor("#555555")

        self.breaks = []
        held = False  # a heading was just drawn: it stays on the page of what follows it

        def mark() -> None:
            nonlocal held
            if not held:
                self.breaks.append(y)
            held = False

        def text(font: QFont, colour: QColor, line: str, height: int, flags: int = 0, heading: bool = False) -> None:
            nonlocal y, held
            mark()
            held = heading
            if painter is not None:
                if not flags & int(Qt.TextFlag.TextWordWrap):  # one line: a long name is elided, never cut
                    line = QFontMetrics(font).elidedText(line, Qt.TextElideMode.ElideMiddle, inner)  # by the page
                painter.setFont(font)
                painter.setPen(colour)
                painter.drawText(QRect(left, y, inner, height), flags | int(Qt.AlignmentFlag.AlignLeft), left_to_right(line))
            y += height

        def tiles(entries: list[tuple[ItemInfo, str]]) -> None:
            nonlocal y
            per_row = max(1, (inner + self.GAP) // (self.TILE + self.GAP))
            caption = 2 * body.lineSpacing() + 6
            for start in range(0, len(entries), per_row):
                mark()
                for column, (item, label) in enumerate(entries[start:start + per_row]):
                    x = left + column * (self.TILE + self.GAP)
                    if painter is not None:
                        box = QRect(x, y, self.TILE, self.TILE)
                        painter.fillRect(box, QColor("#f2f2f2"))
                        image = self.thumbnail(item)
                        if not image.isNull():
                            scaled = image.scaled(self.TILE, self.TILE, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)
                            painter.drawImage(x + (self.TILE - scaled.width()) // 2,
                                              y + (self.TILE - scaled.height()) // 2, scaled)
                        painter.setFont(body_font)
                        painter.setPen(ink)
                        painter.drawText(QRect(x, y + self.TILE + 4, self.TILE, body.lineSpacing()),
                                         int(Qt.AlignmentFlag.AlignLeft), body.elidedText(label, Qt.TextElideMode.ElideRight, self.TILE))
                        painter.setPen(muted)
                        painter.drawText(QRect(x, y + self.TILE + 4 + body.lineSpacing(), self.TILE, body.lineSpacing()),
                                         int(Qt.AlignmentFlag.AlignLeft),
                                         elided_title(body, item.title, self.TILE))
                y += self.TILE + caption + self.GAP

        if painter is not None:
            painter.fillRect(QRect(0, 0, self.width, 100000), QColor("white"))
        # catalogue text set apart: a number after a right-to-left name is read as part of it otherwise (trial DQ's
        # "שמלות .2" for "2. שמלות")
        text(title_font, ink, f"Outfit: {isolated(self.name)}" if self.name else "Unsaved outfit", 36)
        when = datetime.now().strftime("%Y-%m-%d %H:%M")
        text(body_font, muted, f"Catalogue {isolated(self.catalogue)} · exported {when} by SANE Desktop",
             body.lineSpacing() + (4 if self.shown_only else 16))
        if self.shown_only:  # a filtered list says so (trial DE: "best 6 of 16", the 16 of a filter unsaid)
            text(body_font, muted, f"Results shown only: {self.shown_only}", body.lineSpacing() + 16)
        text(heading_font, ink, "The outfit", 28, heading=True)
        tiles([(item, left_to_right(f"{position}. {isolated(item.category)}"))
               for position, item in enumerate(self.outfit, start=1)])
        for target, ranked in in_window_order(self.results, self.alike):
            shown = ranked[:SHEET_RESULTS]
            alike = target in self.alike
            heading = "Looks like your outfit (no matches learnt)" if alike else "Goes with it"
            # a model's category a stylist would not guess says what it holds ("all-body (dresses, jumpsuits)": trial DF)
            text(heading_font, ink, f"{heading} — {isolated(category_label(target))} (best {len(shown)} of {len(ranked)})", 28,
                 heading=True)
            noun = "likeness" if alike else "match"
            tiles([(result.item, f"#{rank} · {match_percent(result.score, result.compared())} {noun}")
                   for rank, result in enumerate(shown, start=1)])
        if self.explanation:
            text(heading_font, ink, self.explanation[0], 28, heading=True)
            for line in self.explanation[1:]:
                # the wrapped height as Qt lays it out: an estimate from the line's width fell a line short
                # where words wrap early, and drawText clipped that line off (and the page break moved)
                wrapped = body.boundingRect(QRect(0, 0, inner, 1 << 20), int(Qt.TextFlag.TextWordWrap), line).height()
                # kept on the page of the picture it speaks of (trial DF's PDF ended page 1 with the words alone)
                text(body_font, ink, line, max(wrapped, body.lineSpacing()) + 8, int(Qt.TextFlag.TextWordWrap),
                     heading=self.card is not None)
            if self.card is not None:  # the explanation panel's card: the photos and their maps
                mark()
                card = self.card.scaled(min(inner, self.card.width()), CARD_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)
                if painter is not None:
                    painter.drawImage(left, y + 4, card)
                y += card.height() + 8
        return y + self.MARGIN

    def image(self) -> QImage:
        image = QImage(self.width, self.height(), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.paint(painter)
        painter.end()
        return image

    def save_png(self, target: Path) -> bool:
        """Write the sheet as a PNG (the name ends in .png; atomically: :func:`paths.write_atomically`)."""
        image = self.image()
        return paths.write_atomically(target, lambda file: image.save(str(file)))

    def pages(self, page_height: int) -> list[tuple[int, int]]:
        """(top, bottom) of each page's part of the sheet, pages ``page_height`` sheet pixels high:
        each part ends where a block starts (a row of tiles is never cut, a heading stays with what
        follows it), a block taller than a page is cut where the page ends. The first part starts
        with the sheet's own top margin; the others get one added (:meth:`save_pdf`), so they hold
        that much less; every page keeps a bottom margin."""
        height = self.height()  # also records the breaks
        pages: list[tuple[int, int]] = []
        top = 0
        while top < height:
            room = page_height - self.MARGIN - (self.MARGIN if pages else 0)
            fits = [b for b in self.breaks if top < b <= top + room]
            bottom = height if height <= top + room else max(fits, default=top + room)
            pages.append((top, bottom))
            top = bottom
        return pages

    def save_pdf(self, target: Path) -> bool:
        """A4 portrait pages (a trial's one tall page would not print), vector text, each page
        ending between blocks (:meth:`pages`). Atomic (:func:`paths.write_atomically`)."""
        return paths.write_atomically(target, self._write_pdf)

    def _write_pdf(self, target: Path) -> bool:
        """The PDF made in memory, then written as bytes: Qt's writer says nothing of a full disk (trial DE's
        export left a 0-byte or cut-off file, "Exported" in the status bar); Python's write raises."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self._paint_pdf(QPdfWriter(buffer)):
            return False
        buffer.close()
        data = bytes(buffer.data().data())
        if not data.rstrip().endswith(b"%%EOF"):  # Qt's writer did not end the document
            return False
        with target.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk may say so only here
        return True

    def _paint_pdf(self, writer: QPdfWriter) -> bool:
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setResolution(150)
        writer.setTitle(f"Outfit: {self.name}")
        page_height = round(self.width * A4_HEIGHT_MM / A4_WIDTH_MM)
        painter = QPainter(writer)
        if not painter.isActive():
            return False
        scale = writer.width() / self.width
        for number, (top, bottom) in enumerate(self.pages(page_height)):
            if number:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.translate(0, (self.MARGIN if number else 0) - top)  # a top margin on every page
            # a pixel short of the next block: scaled, its first row of pixels showed at a page's foot
            painter.setClipRect(QRect(0, top, self.width, bottom - top - 2))
            self.paint(painter)
            painter.restore()
        return painter.end()
