"""File → Manage catalogues… (issue 18 point 15): a table of the indexed catalogues (name, items,
source folder, model, when indexed) with Rename…, Delete…, Re-sync and Show folder.

Every change runs on the worker (the service's ``rename_catalogue``/``delete_catalogue``/
``resync_catalogue``), never on the GUI thread; the dialog then lists the catalogues again and asks
the window to refresh its catalogue switcher. Delete asks first and names what stays (the photos).
The questions open without a nested event loop (``open``), so the window keeps painting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog, QLineEdit, QMessageBox,
    QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from sane_desktop.gui.open_folder import open_folder
from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.tasks import Channel, Task, TaskRunner
from sane_desktop.gui.text import ElidedLabel, as_sentence, left_to_right, message_box, note_words, plain_tooltip, set_plain
from sane_desktop.gui.timers import timer
from sane_desktop.service.values import REIMPORTED
from sane_desktop.service.titles import counted, local_time

if TYPE_CHECKING:
    from sane_desktop.service import CatalogueDetails, CatalogueService
    from sane_desktop.service.values import BuiltinModelReport, IndexReport

COLUMNS = ("Catalogue", "Items", "Source folder", "Model", "Indexed")
# an index built from another import than the catalogue's database (trial K: a re-sync stopped by
# quitting left one no search could use, listed with its last time and no word)
OUT_OF_DATE_TIP = ("Out of date: the catalogue was read from its folder again since this index was built (or that "
                   "run was stopped), so it cannot be searched until it is indexed again: Re-sync it.")


def _out_of_date_tip(entry: CatalogueDetails) -> str:
    """Why the Indexed column says "out of date": the index's own reason (stale_reason), else another import."""
    if entry.stale_reason and not entry.stale_reason.startswith(REIMPORTED):  # (that one this tip says in words)
        return (f"Out of date: {entry.stale_reason}, so it cannot be searched until it is indexed again: "
                "Re-sync it.")
    return OUT_OF_DATE_TIP


NAME_MIN, NAME_MAX = 80, 220  # px: the Name column's width, the longest name's within these (elided past them)
MODEL_MAX = 200  # px: the Model column's widest; its words are whole in its tooltip

when = local_time  # the Indexed column, as the command line's ``catalogues`` says it


def model_text(details: CatalogueDetails) -> str:
    """The Model column: where the model comes from in a stylist's words ("Trained on this
    catalogue"), else its file; the file and its hash are in :func:`model_tip`."""
    if details.damaged:
        return "cannot be read"
    if details.on_server:
        return "database elsewhere" if _in_a_file(details.on_server) else "database on a server"
    if not details.model_name:
        return "model not known" if details.stale_reason else "not indexed"
    if details.model_origin:
        return details.model_origin[0].upper() + details.model_origin[1:]
    return f"{details.model_name} ({details.model_hash[:12]})"


def model_notes(report: IndexReport) -> str:
    """What an index with another model says besides its counts, as sentences: its note (a model trained on
    another folder, …) and the categories it compares by looks, having no matches learnt for them (trial EL: a
    change of model said neither, where `index` says both); "" when nothing."""
    looks = report.by_looks
    note = note_words(report.indexed.note, report.indexed.note_way_out)
    return ((f" {as_sentence(note)}." if note else "")
            + (f" Compared by looks, the model having no matches learnt for them: {', '.join(looks)}." if looks else ""))


def model_phrase(details: CatalogueDetails) -> str:
    """The model a catalogue uses, as a sentence's object: "the model trained on this catalogue", "the model built
    into the app (…)", "the model m1.pt (<hash>)" (trial EL read "now uses built into the app")."""
    text = model_text(details)
    return f"the model {text[:1].lower()}{text[1:]}" if details.model_origin else f"the model {text}"


def model_tip(details: CatalogueDetails) -> str:
    """The Model cell's tooltip: the words, then the model file and the first 12 hex digits of its
    SHA-256 (what a researcher compares)."""
    text = model_text(details)
    if details.damaged or not details.model_name or not details.model_origin:
        return text
    return f"{text}: {details.model_name} ({details.model_hash[:12]})"


def resync_words(report: IndexReport, indexed_with: str) -> str:
    """What a finished re-sync says: the items, and when it indexed with another model than the
    one the last index was built with (``indexed_with``, that model's short hash as the table shows
    it: a re-sync uses the catalogue's own model file, so its file was retrained in place from
    elsewhere), that too: a trial saw the Model column change with no word."""
    words = f"Re-synced “{report.name}”: {counted(report.items, 'item')}"
    # what the folder changed since the last import, as `index` says it (trial M: the manager did not)
    items = (report.imported.get("changes") or {}).get("items") or {}
    counts = [int(items.get(key) or 0) for key in ("inserted", "updated", "deleted")]
    words += (f" ({counts[0]} new, {counts[1]} changed, {counts[2]} removed)" if any(counts)
              else " (no photo added, changed or removed)")
    for new, carried in sorted(report.indexed.carried_choices.items()):  # (trial EG read counts alone)
        words += f"; “{carried['from']}” is “{new}” now (the same photos), still searched as {carried['searched_as']}"
    now = report.indexed.model_hash[:len(indexed_with)]
    if indexed_with and now != indexed_with:
        words += (f"; its model file holds another model than the last index, which it now uses "
                  f"({indexed_with[:12]}, now {now[:12]})")
    return words + "."


DELETE_TIP = "Delete the selected catalogue: its index, database and saved outfits (it asks first, and says what stays)"
RENAME_TIP = "Give the selected catalogue another name (its photos stay where they are)"
WATCH_SETTLE_MS = 1500  # a watched folder still this long after a change: then the list is read again
MAX_WATCHED = 256  # folders watched at most (the home first: a new catalogue is seen)
RESYNC_KIND = "re-syncing a catalogue with its folder"  # the runs, as the window's quit question names them
MODEL_KIND = "changing a catalogue's model"
RESYNC_TIP = "Index the catalogue again from its source folder: photos added, changed or removed since are picked up"
BUILTIN_TIP = ("Index the catalogue again with the model built into the app (its matches learnt from other "
               "catalogues' outfits); the model trained on it is kept aside")
EARLIER_TIP = ("Index the catalogue again with the model it used before its last training, adaptation or "
               "Built-in model…; the model it uses now is kept as the earlier one (the same button goes back)")
SHOW_TIP = "Open the catalogue's source folder (your photos) in the file manager"


def _in_a_file(location: str) -> bool:
    """Whether a catalogue's database kept away from the home (``on_server``) is a SQLite file, not a server."""
    return location.startswith("sqlite")


def _unreadable(entry: CatalogueDetails) -> str:
    """Why nothing but Delete can be done with ``entry`` ("" when its database can be read here)."""
    if _in_a_file(entry.on_server):
        return "Its database is a file outside the index home, which the window does not open"
    if entry.on_server:
        return "Its database is on a server: open it with File → Open shared catalogue…"
    if entry.passing:
        return "It cannot be opened now (see the line below the list)"
    return "Its database cannot be read: delete it, or index its folder again" if entry.damaged else ""


def _why_not_rename(entry: CatalogueDetails, _is_open: bool) -> str:
    return _unreadable(entry)


def _why_not_delete(entry: CatalogueDetails, is_open: bool) -> str:
    # one that cannot be opened *now* (a lock, a full disk) is whole: not deleted at a click (trial CT); the
    # open one is said before the click (a new user met the refusal after it)
    if is_open:
        return f"“{entry.name}” is open in the window: open another catalogue first, then delete it"
    return "It cannot be opened now, and nothing suggests it is damaged: it is not deleted" if entry.passing else ""


def _why_not_resync(entry: CatalogueDetails, _is_open: bool) -> str:
    return _unreadable(entry) or ("" if entry.source else "Its source folder is not recorded: index the folder "
                                  "again under this name (File → Index catalogue folder…)")


def _why_not_show(entry: CatalogueDetails, _is_open: bool) -> str:
    return _unreadable(entry) or ("" if entry.source else "Its source folder is not recorded")


def _why_not_builtin(entry: CatalogueDetails, is_open: bool) -> str:
    # indexed with a model of its own (trained, adapted, or another file): the built-in one is a way back
    if entry.model_builtin:
        return "It already uses the model built into the app"
    if not entry.model_name and not _unreadable(entry):
        return "It has no index yet"
    return _why_not_resync(entry, is_open)


def _why_not_earlier(entry: CatalogueDetails, is_open: bool) -> str:
    if not entry.earlier_model_at and not _unreadable(entry):
        return ("It keeps no earlier model: one is kept when File → Train model on this catalogue…, File → Adapt "
                "model to this catalogue… or Built-in model… replaces its model")  # the menus' own words (trial EN)
    return _why_not_resync(entry, is_open)


def resync_changed(report: IndexReport, indexed_with: str) -> bool:
    """Whether a re-sync changed what the window shows: an item added, changed or removed, another model, or
    the indexes rebuilt (the window's own watch of the index folder follows a rebuild too)."""
    items = (report.imported.get("changes") or {}).get("items") or {}
    moved = any(int(items.get(key) or 0) for key in ("inserted", "updated", "deleted"))
    other_model = bool(indexed_with) and report.indexed.model_hash[:len(indexed_with)] != indexed_with
    return moved or other_model or report.indexed.rebuilt


class CatalogueManager(ScreenFittedDialog):
    """The catalogue manager. ``changed(old, new)`` after a rename (old name, new name), a delete
    (name, "") or a re-sync (name, name): the window lists its catalogues again."""

    changed = Signal(str, str)
    ended_unseen = Signal(str)  # a run's last line, when it ended with the dialog closed (the window says it)

    def __init__(self, tasks: TaskRunner[CatalogueService], parent: QWidget | None = None,
                 open_name: Callable[[], str] = lambda: "") -> None:
        """``open_name``: the catalogue the window has open now ("" for none): it cannot be deleted."""
        super().__init__(parent)
        self.open_name = open_name
        self.setWindowTitle("Manage catalogues")
        self.resize(820, 360)
        self.tasks = tasks
        self.channel: Channel[CatalogueService] = tasks.channel()  # one change at a time
        self.listing: Channel[CatalogueService] = tasks.channel()
        self.details: list[CatalogueDetails] = []
        # the home and each catalogue's folder, watched while the list is on screen: a terminal's index or change of
        # model is listed as it is now (trial EL read the model and time of before, then asked about them)
        self._watch = QFileSystemWatcher(self)
        self._settle = timer(self, WATCH_SETTLE_MS)
        self._watch.directoryChanged.connect(lambda _path: self._settle.start())
        self._settle.timeout.connect(self._changed_elsewhere)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Catalogues")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the table for the buttons (the arrows move between rows): walking the cells
        # changed the selected row and never reached Rename…, Delete… or Re-sync
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        # a long folder keeps its last part, where catalogues differ (trial AC read "/work/home/..." on every row)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # a long name is elided, not given the width: it squeezed the source folder to "/…" (trial AZ)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        # nor the model's words ("Built into the app (its model of the drawn demo garments)"): they
        # took the width the folder had, at every window size (trial BN)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(NAME_MIN)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.resync_button = QPushButton("Re-sync")
        self.builtin_button = QPushButton("Built-in model…")
        self.earlier_button = QPushButton("Earlier model…")
        self.show_button = QPushButton("Show folder")
        self.rename_button.clicked.connect(self.ask_rename)
        self.delete_button.clicked.connect(self.ask_delete)
        self.resync_button.clicked.connect(self.resync)
        self.show_button.clicked.connect(self.show_folder)
        self.builtin_button.clicked.connect(self.ask_builtin_model)
        self.earlier_button.clicked.connect(self.ask_earlier_model)
        self.status = ElidedLabel("", lines=3)  # a reason and its way out (trials CT, CV read them cut)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        # a re-sync or a change of model stops here, its files put back (trial EL found only Close, which hid it)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run under way: a re-sync keeps what it read, a change of model puts "
                                    "the catalogue's model and index back as they were")
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = self.button_row(self.rename_button, self.delete_button, self.resync_button, self.builtin_button,
                                  self.earlier_button, self.show_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.stop_button)
        layout.addLayout(running)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.question: QMessageBox | QInputDialog | None = None
        self._resync: Task[Any, Any] | None = None  # the last re-sync started (long work: quitting asks)
        self._run_kind = ""  # what it is, as the quit question says it (MainWindow.long_work)
        self._damaged_said = False  # the status line speaks of a damaged catalogue
        self._update_buttons()

    # --- listing ------------------------------------------------------------------------------
    def refresh(self, select: str = "") -> None:
        """List the catalogues again (on the worker), selecting ``select`` (else the selected one)."""
        keep = select or self.selected_name()
        self.listing.start(lambda service, _state: service.catalogue_details(), "Listing catalogues…") \
            .on_done(lambda details: self._show(details, keep)).on_failed(self._failed)

    def _changed_elsewhere(self) -> None:
        """A watched folder changed: listed again when the list is on screen and nothing of its own runs (its own
        runs list again when they end)."""
        if self.isVisible() and not self.channel.busy and not self.listing.busy:
            self.refresh()

    def _show(self, details: list[CatalogueDetails], select: str) -> None:
        self.details = details
        folders = sorted({str(entry.folder) for entry in details} | {str(entry.folder.parent) for entry in details})
        watched = set(self._watch.directories())
        if set(folders[:MAX_WATCHED]) != watched:
            if watched:
                self._watch.removePaths(sorted(watched))
            self._watch.addPaths(folders[:MAX_WATCHED])
        self.table.setRowCount(len(details))
        widest = max((self.fontMetrics().horizontalAdvance(entry.name) for entry in details), default=0)
        self.table.setColumnWidth(0, max(NAME_MIN, min(NAME_MAX, widest + 24)))
        widest_model = max((self.fontMetrics().horizontalAdvance(model_text(entry)) for entry in details), default=0)
        self.table.setColumnWidth(3, max(NAME_MIN, min(MODEL_MAX, widest_model + 24)))
        for row, entry in enumerate(details):
            indexed = "not read now" if entry.passing else when(entry.indexed_at) + (
                f" — {entry.index_problem}" if entry.index_problem else " — out of date" if entry.out_of_date else "")
            # "unavailable": a full disk or a lock is no damage (a trial read "damaged" beside Delete of a whole one)
            cells = (entry.name, ("unavailable" if entry.passing else "damaged") if entry.damaged
                     else ("in a file elsewhere" if _in_a_file(entry.on_server) else "on a server") if entry.on_server
                     else str(entry.items),
                     # a folder gone is marked, as the command line's listing marks it (trial EK read it unmarked)
                     f"{entry.source} (not found)" if entry.source and not entry.source_found and not entry.damaged
                     and not entry.on_server else entry.source or ("not read now" if entry.passing else "unknown"),
                     model_text(entry), indexed)
            for column, text in enumerate(cells):
                # plain text: names and folders are data, never markup; a left-to-right line whatever they hold
                cell = QTableWidgetItem(left_to_right(text))
                cell.setToolTip(plain_tooltip(f"{text}: {entry.damaged}" if entry.damaged else model_tip(entry)
                                              if column == 3 else _out_of_date_tip(entry)
                                              if column == 4 and entry.out_of_date else text))
                if column == 1:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        names = [entry.name for entry in details]
        if names:
            self.table.selectRow(names.index(select) if select in names else 0)
        if not details:
            self.status.setText("No catalogue yet. Use File → Index catalogue folder… to add one.")
        self._update_buttons()

    def _selection_changed(self) -> None:
        """Buttons for the selected catalogue; one whose database cannot be read says what can be done."""
        self._update_buttons()
        entry = self.selected()
        if entry is not None and _in_a_file(entry.on_server):  # indexed with a SQLite file of its own (trial DU)
            self._damaged_said = True
            set_plain(self.status, f"“{entry.name}” keeps its database in a file outside the index home "
                                   f"({entry.on_server}): this list opens the home's databases only; deleting it "
                                   "here removes this computer's index alone.")
        elif entry is not None and entry.on_server:  # not damage (trial AW read "cannot be read" of every one)
            self._damaged_said = True
            set_plain(self.status, f"“{entry.name}” keeps its database on a server ({entry.on_server}): this list opens "
                                   "local databases only. Open it with File → Open shared catalogue… when its index "
                                   "is on the server too; deleting it here removes this computer's index alone.")
        elif entry is not None and entry.damaged and entry.passing:
            self._damaged_said = True
            set_plain(self.status, f"“{entry.name}” cannot be opened now ({entry.damaged}). Nothing suggests it is "
                                   "damaged, so it cannot be deleted here: once that passes (space freed, the other "
                                   "program closed), close and reopen this list.")
        elif entry is not None and entry.damaged:
            self._damaged_said = True
            # the window's words: File → Index offers to set a damaged database aside (the command line's --replace)
            # the open one cannot be deleted here (trial DE read "Delete it here" beside a greyed Delete…)
            delete = ("Open another catalogue, then delete it here" if entry.name == self.open_name()
                      else "Delete it here")
            set_plain(self.status, f"“{entry.name}” cannot be read ({entry.damaged}). {delete}, or index its "
                                   "folder again under this name (File → Index catalogue folder…).")
        elif self._damaged_said:
            self._damaged_said = False
            set_plain(self.status, "")

    def selected(self) -> CatalogueDetails | None:
        rows = self.table.selectionModel().selectedRows()
        return self.details[rows[0].row()] if rows and rows[0].row() < len(self.details) else None

    def selected_name(self) -> str:
        entry = self.selected()
        return entry.name if entry is not None else ""

    def open_changed(self) -> None:
        """The window opened another catalogue (or the same under a new name): the buttons follow."""
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Each button enabled for the selected catalogue, or greyed with its reason in its tooltip (a new user
        met a greyed Built-in model… and could not tell why)."""
        entry, idle = self.selected(), not self.channel.busy
        is_open = entry is not None and entry.name == self.open_name()
        for button, tip, why_not in ((self.rename_button, RENAME_TIP, _why_not_rename),
                                     (self.delete_button, DELETE_TIP, _why_not_delete),
                                     (self.resync_button, RESYNC_TIP, _why_not_resync),
                                     (self.builtin_button, BUILTIN_TIP, _why_not_builtin),
                                     (self.earlier_button, EARLIER_TIP, _why_not_earlier),
                                     (self.show_button, SHOW_TIP, _why_not_show)):
            reason = ("Choose a catalogue in the list first" if entry is None
                      else "Wait for the change under way to finish" if not idle and button is not self.show_button
                      else why_not(entry, is_open))
            button.setEnabled(not reason)
            button.setToolTip(tip if not reason else f"{reason}.")
            button.setAccessibleDescription(button.toolTip())  # a screen reader says it; a keyboard cannot hover

    # --- the four actions -------------------------------------------------------------------------
    def ask_rename(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename catalogue")
        dialog.setLabelText(f"New name for “{entry.name}” (its photos stay where they are):")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(entry.name)
        dialog.textValueSelected.connect(lambda name: self.rename(entry.name, name.strip()))
        self.question = dialog
        dialog.open()

    def rename(self, old: str, new: str) -> None:
        if not new or new == old:
            return
        self._run(lambda service, _state: service.rename_catalogue(old, new).name, f"Renaming “{old}”…",
                  lambda name: self._done(f"Renamed “{old}” to “{name}”.", old, name))

    def ask_delete(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if entry.name == self.open_name():  # refused before asking, not after a Yes (a trial)
            self.status.setText(f"“{entry.name}” is open in the window: open another catalogue first, then delete it.")
            return
        inside = entry.photos_inside  # looked at when listed, on the worker
        photos = (f"Its photos, kept inside that folder ({entry.source}), are deleted with it." if inside else
                  f"The photos in {entry.source or 'its source folder'} are not touched.")
        box = message_box(self, "Delete catalogue",
                          f"Delete the catalogue “{entry.name}”? Its index, database, saved outfits and "
                          f"explanation cache are removed from {entry.folder}.\n\n{photos} Its photos' cached "
                          "features and thumbnails stay until Help → Caches and disk space… frees them.",
                          QMessageBox.Icon.Question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        name = entry.name

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.delete(name, inside)

        box.finished.connect(answered)
        self.question = box

    def delete(self, name: str, photos_inside: bool = False) -> None:
        # a catalogue whose photos lived inside its folder (the built-in demo's, renamed or not) took
        # them along: a trial read "its photos stay where they were" of photos just deleted
        said = f"Deleted “{name}” and its photos, which were kept inside its folder." if photos_inside else \
            f"Deleted “{name}” (its photos stay where they were)."
        def delete(service: CatalogueService, _state: object) -> list[Path]:
            service.delete_catalogue(name)
            return service.left_by_delete(name)

        def deleted(left: list[Path]) -> None:
            # gone from every list, its space not all freed (trial EC: "Deleted …" and 880 kB left unsaid)
            self._done(said + (f" Some of its files could not be removed: they are in {left[0]} (the log says why; "
                               "each listing tries again)." if left else ""), name, "")

        self._run(delete, f"Deleting “{name}”…", deleted)

    def resync(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        name, indexed_with = entry.name, entry.model_hash
        self._resync = self._run(lambda service, state: service.resync_catalogue(name, state.progress,
                                                                                 state.should_stop),
                                 f"Re-syncing “{name}” with its folder…",
                                 lambda report: self._done(resync_words(report, indexed_with), name, name,
                                                           tell=resync_changed(report, indexed_with)))
        # stopped half-way, what it read is kept and the catalogue may have changed: said, and the window reads it
        # again (trial BJ: the line kept "Re-syncing … n/N" and the window was not told)
        self._resync.on_cancelled(lambda: self._done(f"Re-sync of “{name}” stopped: what it read is kept; re-sync "
                                                     "again to finish.", name, name))

    def ask_builtin_model(self) -> None:
        """Index the selected catalogue again with the model built into the app, after asking (trial CD: a
        catalogue trained without outfits ranked by looks alone, and nothing in the window brought the
        built-in model's compatibility picks back)."""
        entry = self.selected()
        if entry is None:
            return
        name = entry.name
        self._ask_then("Use the built-in model",
                       f"Index “{name}” again with the model built into the app? It ranks by matches learnt from "
                       f"other catalogues' outfits. “{name}” now uses {model_phrase(entry)}: "
                       + (f"that model is kept in {entry.folder} as the earlier one, no longer used (Earlier model… "
                          "brings it back)" if entry.own_model else "that model file stays where it is, no longer "
                          "used") + f". Every photo is read again ({counted(entry.items, 'item')}).",
                       "Use the built-in model", lambda: self.use_builtin_model(name))

    def _ask_then(self, title: str, text: str, yes: str, then: Callable[[], None]) -> None:
        """Ask ``text`` (Cancel the default; ``yes`` the other button's words) and ``then`` on yes."""
        box = message_box(self, title, text, QMessageBox.Icon.Question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: then() if result == QMessageBox.StandardButton.Yes else None)
        self.question = box

    def use_builtin_model(self, name: str) -> None:
        def said(report: BuiltinModelReport) -> str:
            kept = ", ".join(Path(path).name for path in report.set_aside)
            # the earlier model it kept before is set aside, said (trial EM: renamed without a word)
            aside = ", ".join(Path(path).name for path in report.earlier_set_aside)
            return (f"“{name}” now uses the model built into the app ({counted(report.indexed.items, 'item')} "
                    "indexed)" + (f"; its own model is kept as {kept} (Earlier model… brings it back)" if kept else "")
                    + (f"; the earlier model kept before is set aside as {aside}" if aside else "") + "."
                    + model_notes(report.indexed))

        self._resync = self._run(lambda service, state: service.use_builtin_model(name, state.progress,
                                                                                  state.should_stop),
                                 f"Indexing “{name}” with the built-in model…",
                                 lambda report: self._done(said(report), name, name), MODEL_KIND)
        self._resync.on_cancelled(lambda: self._done(f"Stopped: “{name}” keeps its own model and index.", name, name))

    def ask_earlier_model(self) -> None:
        """Index the selected catalogue again with the model it used before its last Train, Adapt or Built-in
        model…, after asking: a Train with too few held-back outfits to compare replaced a good model, kept as
        model.previous.pt with no way back but renaming files by hand."""
        entry = self.selected()
        if entry is None or not entry.earlier_model_at:
            return
        name = entry.name
        self._ask_then("Use the earlier model",
                       f"Index “{name}” again with the model it used before (written {when(entry.earlier_model_at)})? "
                       f"“{name}” now uses {model_phrase(entry)}: "
                       # (trial EL read that a built-in model would be kept as the earlier one: none was)
                       + (f"that model is kept in {entry.folder} as the earlier one, so Earlier model… brings it "
                          "back the same way" if entry.own_model else
                          "it stays in the app, and Built-in model… brings it back" if entry.model_builtin else
                          "that model file stays where it is")
                       + f". Every photo is read again ({counted(entry.items, 'item')}).",
                       "Use the earlier model", lambda: self.use_earlier_model(name))

    def use_earlier_model(self, name: str) -> None:
        def said(report: BuiltinModelReport) -> str:
            kept = next((Path(path).name for path in report.set_aside if path.endswith(".pt")), "")
            return (f"“{name}” uses its earlier model again ({counted(report.indexed.items, 'item')} indexed)"
                    + (f"; the one it replaced is kept as {kept}." if kept else
                       "; the model it replaced was not its own file (built into the app, or elsewhere), so none is "
                       "kept here.") + model_notes(report.indexed))

        self._resync = self._run(lambda service, state: service.use_earlier_model(name, state.progress,
                                                                                  state.should_stop),
                                 f"Indexing “{name}” with its earlier model…",
                                 lambda report: self._done(said(report), name, name), MODEL_KIND)
        self._resync.on_cancelled(lambda: self._done(f"Stopped: “{name}” keeps the model and index it had.", name,
                                                     name))

    def resyncing(self) -> bool:
        """Whether a re-sync or a change of model runs (or waits for the worker) and has not been asked to stop:
        quitting asks first, as for an index run (trial K's Ctrl+Q stopped one without a word)."""
        task = self._resync
        return task is not None and task.live and not task.ended and not task.stop_requested

    def long_work(self) -> str:
        """What runs, as the quit question names it ("" when nothing does): a re-sync, or a change of model (trial
        EL's quit question called Earlier model… a re-sync, and said the photos read were kept)."""
        return self._run_kind if self.resyncing() else ""

    def stop(self) -> None:
        """The Stop button: the run under way stops at its next check (its own handler says how it ended)."""
        if self._resync is not None and self.resyncing():
            self._resync.cancel()
            self.stop_button.setEnabled(False)
            self.status.setText("Stopping…")

    def show_folder(self) -> bool:
        """Open the selected catalogue's source folder in the desktop's file manager; False when
        there is none to open (the status line says why)."""
        entry = self.selected()
        if entry is None or not entry.source:
            return False
        if not entry.source_found:  # looked at when listed, on the worker (never a stat here)
            self.status.setText(f"The source folder is gone: {entry.source}")
            return False
        source = entry.source
        self.status.setText("")  # a failure said by an earlier try no longer holds (trial EE)
        # said, as Help → Open log folder says it (it returned False without a word)
        return open_folder(Path(source), lambda: self.status.setText(f"No application opened the folder. It is {source}."))

    # --- running on the worker -------------------------------------------------------------------
    def _run(self, fn: Any, activity: str, on_done: Any, kind: str = RESYNC_KIND) -> Task[Any, Any]:
        self.status.setText(activity)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self.stop_button.setEnabled(True)
        self._run_kind = kind
        task = self.channel.start(fn, activity)
        task.on_progress(self._progress).on_done(on_done).on_failed(self._failed) \
            .on_finished(self._finished)
        self._update_buttons()
        return task

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(f"{message} {done}/{total}")

    def _done(self, message: str, old: str, new: str, tell: bool = True) -> None:
        """Say ``message`` and list again; with ``tell`` the window hears of the change (a re-sync that changed
        nothing leaves it as it is: a new user's explanation and selection were cleared for nothing). Closed
        meanwhile, the window's status bar says it (trial EL read "Ready" after a change of model ended unseen)."""
        self.status.setText(message)
        if not self.isVisible():
            self.ended_unseen.emit(message)
        self.refresh(new)
        if tell:
            self.changed.emit(old, new)

    def _failed(self, message: str) -> None:
        # plain: it quotes names and folders; a sentence of its own here (the service's line starts lower case)
        self.status.setText(as_sentence(message))

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self._update_buttons()
