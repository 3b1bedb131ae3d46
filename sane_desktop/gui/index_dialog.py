""""Index catalogue folder…": choose a folder, see its format and item count, index it in the worker
with a progress bar, ETA and cancel, then a summary of what was skipped and why, and of how its
categories were mapped to the model's.

When the model lacks some of the folder's categories (``Jewellery/`` for a model that knows
``tops``, ``bags``, …), a table says what each category will be searched as — a model category or
"general (visual similarity)" — preselected with what ``index`` would do without a map (the user's
earlier choice, else the category of its name, else general); the service's suggestion
(:meth:`CatalogueService.category_plan`) is marked in each chooser and taken only when the user
picks it (or clicks "Use the suggestions"), and the user's picks are indexed with it.

A name already in use is never overwritten silently: before indexing, the worker says which folder
that catalogue was built from; when it is another folder, the user is asked whether to replace it
(and only a Yes indexes with ``replace=True``); the same folder is re-synced without asking.

An index run outlives the dialog's closing: Escape or the close button while it runs asks whether to
keep it running in the background (File → Index catalogue folder… shows this same dialog again) or
to cancel it (:class:`~sane_desktop.gui.request_dialog.BackgroundRun`, as the train dialog)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialogButtonBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout, QHeaderView,
    QLineEdit, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from sane_desktop.gui.path_check import PathCheck
from sane_desktop.gui.request_dialog import BackgroundRun, RequestDialog, show_failure
from sane_desktop.gui.screen_fit import fit_window, frame_margins, screen_of
from sane_desktop.gui.wheel_guard import guard_wheel
from sane_desktop.gui.start_folder import start_folder
from sane_desktop.gui.tasks import Failure, Task, TaskRunner, TaskState
from sane_desktop.gui.theme import themed_icon
from sane_desktop.gui.columns_dialog import ColumnsDialog
from sane_desktop.gui.text import (
    error_markup, escape, message_box, note_words, plain_label, plain_tooltip, set_plain, set_rich,
)
from sane_desktop.gui.run_progress import BAR_STEPS, RunClock, RunProgress, Stage
from sane_desktop.gui.timers import timer
from sane_desktop.gui.train_dialog import REINDEX_LABELS
from sane_desktop.service.titles import category_label, counted, saved_outfit_words
from sane_desktop import paths
from sane_desktop.errors import DamagedStoreError, InputError, SaneError, WayOut
from sane_desktop.service.values import GENERAL_CATEGORY, CategoryPlan, FolderReport, IndexReport, value_note_line

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

GENERAL_LABEL = "general (visual similarity)"
# "user": what the table held when indexing started (a suggestion left as it was counts too)
# the index run's progress labels on one bar (the re-index stage of a training, alone)
INDEX_STAGES = (Stage("Indexing", 1.0, REINDEX_LABELS),)
# "user": chosen in the dialog's category table (trial W read "as set in the table" as the catalogue's own table)
HOW = {"exact": "same name", "auto": "matched by name", "user": "your choice",
       "general": "no model category of that name"}  # (trial EU read "no model category" of Dresses as "none for dresses")
TABLE_ROWS = 8  # rows the mapping table shows whole at its smallest; more scroll, a row at a time
FOUND_TIP = ("Files found in the folder, before they are read: a file that cannot be read as a photo is "
             "skipped when indexing (the summary names each one)")


def detected_words(report: FolderReport) -> str:
    """What the inspection found, in words that hold before the photos are read (the inspection
    decodes none: indexing skips what cannot be read, and then says how many it indexed)."""
    if report.format == "folder":
        apart = f" ({counted(report.left_out, 'other file')} left out)" if report.left_out else ""
        return (f"Folder of photos: {counted(report.items, 'photo file')} found{apart} — files that cannot be read "
                f"are skipped when indexing.{indexed_as_words(report)}")
    refused = "table row" if report.format == "manifest" else "entry"
    apart = (f" ({report.left_out} more left out: a missing photo or a refused {refused})"
             if report.left_out else "")
    # what was recognised, in words (trial DA read "manifest catalogue" of H&M's own export, its product types
    # grouped by a mapping it never heard of)
    if report.shipped_mapping:
        kind = (f"Recognised as {report.shipped_mapping} (read with the mapping built into the app for it: its "
                "product types grouped into a few categories)")
    elif report.format == "manifest":
        kind = "Table of items read with the folder's sane-mapping.json"
    elif report.format == "polyvore":
        kind = "Polyvore outfits catalogue"
    else:
        kind = f"{report.format} catalogue"
    outfits = f" and {counted(report.outfits, 'outfit')}" if report.outfits else ""  # (trial EI: unsaid)
    return (f"{kind}: {counted(report.items, 'item')}{outfits} found{apart} — items whose photo cannot "
            f"be read are skipped when indexing.{indexed_as_words(report)}")


def indexed_as_words(report: FolderReport) -> str:
    """" Indexed already as “H&M spring”: …" for a folder a catalogue was built from ("" for none)."""
    if not report.indexed_as:
        return ""
    names = " and ".join(f"“{name}”" for name in report.indexed_as)
    return (f" Indexed already as {names}: indexing it again under {'that' if len(report.indexed_as) == 1 else 'one'}"
            " name updates it; another name makes a second catalogue of it.")


TYPING_PAUSE_MS = 700  # a typed folder is inspected after this pause in the typing
WAIT_SAID_MS = 1000  # an inspection not begun after this long says what it waits for



SUGGESTED = " — suggested"


def mark_suggestion(combo: QComboBox, row: int) -> None:
    """Keep "— suggested" on entry ``row`` of a mapping chooser while another entry is chosen: once
    picked it is the person's choice, and the closed box said "Shoes — suggested" over it (trial BL)."""
    if row < 0:
        return
    plain = combo.itemText(row).removesuffix(SUGGESTED)

    def relabel(current: int) -> None:
        combo.setItemText(row, plain if current == row else plain + SUGGESTED)

    combo.currentIndexChanged.connect(relabel)
    relabel(combo.currentIndex())

class IndexDialog(BackgroundRun, RequestDialog):
    indexed = Signal(str)  # catalogue name
    folder_chosen = Signal(str)  # the folder a Choose… dialog picked (the window remembers where it was)
    chosen_meanwhile = ""  # set by the window: a catalogue chosen during the run stays open at its end
    # Escape or closing while it indexes asks: keep indexing in the background, or cancel
    run_words = "The indexing"
    menu_entry = "File → Index catalogue folder…"
    cancel_words = "Cancel the indexing"
    says_background_end = False  # the window says it ("Indexed “x” in the background: choose it …")
    cancel_effect = ("Cancelling keeps the photos read so far (a new catalogue cannot be searched until it is "
                     "indexed again, which goes on from there).")

    def __init__(self, tasks: TaskRunner[CatalogueService], parent: Any = None, last_chosen: str = "") -> None:
        """``last_chosen``: the folder a Choose… dialog last picked, in any session (its parent is where the
        next one opens)."""
        super().__init__(tasks, parent)
        self.last_chosen = last_chosen
        self.last_report: IndexReport | None = None  # the last finished index, for the window
        self.start_asked = False  # Start was pressed (a run asked for, finished or not)
        self.setWindowTitle("Index catalogue folder")
        self.setMinimumWidth(560)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Catalogue folder")  # a screen reader reads no placeholder as a name
        # a stylist's words: the layouts' names (Polyvore, manifest + mapping) are the README's (trial ER)
        self.folder.setPlaceholderText("A folder of product photos")  # whole on a small screen (trial ET)
        self.folder.setToolTip("A folder of product photos: one sub-folder per category, or with a table of titles, "
                               "categories and attributes, and outfits if it has them")
        browse = QPushButton("Choose…")
        themed_icon(browse, "mdi6.folder-open-outline")
        browse.clicked.connect(self.choose_folder)
        self.name = QLineEdit()
        self.name.setToolTip("Name of the catalogue in the switcher (default: the folder's name)")
        self.name.setPlaceholderText("the folder's name")  # emptied: the folder's own name is used
        # the name follows the folder until the person types one; the table is the plan for the name
        # shown (it chooses the catalogue, and so the model): a trial's table was another name's plan
        self._name_typed = False
        self._planned: tuple[str, str | None] | None = None  # (folder, name) the shown plan was made for
        self._table_folder: str | None = None  # the folder whose picks the mapping table holds
        self._picks: dict[str, str] = {}  # its picks, category -> model category or general
        self._start_when_planned = False  # Start was clicked while the plan was being made again
        self.name.textEdited.connect(self._name_edited)
        self.name.editingFinished.connect(self._plan_for_the_name)
        # and once the typing pauses: the table showed the other name's plan while one decided (trial EU)
        self._typed_name_pause = timer(self, TYPING_PAUSE_MS)
        self._typed_name_pause.timeout.connect(self._plan_for_the_name)
        self.name.textEdited.connect(lambda _text: self._typed_name_pause.start())
        # a name that cannot name a catalogue is said as it is typed, and Start waits for a good one (a
        # trial learnt it only from Start, and the red "Failed" line stayed once the name was fixed)
        self.name_problem = plain_label()
        self.name_problem.setWordWrap(True)
        self.name_problem.setVisible(False)
        self._items_found = 0  # the photos the last inspection found in the folder (Start needs some)
        self._failure_shown = False  # the phase line says why the last run failed
        self.detected = plain_label("Choose a folder to see its format and item count.")
        self.detected.setWordWrap(True)  # a failure quotes the folder: shown in full, never cut
        # a folder's own product table it does not read, and the way to read it (a merchandiser's products.csv)
        self.table_note = plain_label()
        self.table_note.setWordWrap(True)
        self.table_note.setVisible(False)
        self.table_note.linkActivated.connect(lambda _link: self.read_columns())
        self.columns_dialog: ColumnsDialog | None = None
        self._unread_table = ""
        self.plan: CategoryPlan | None = None  # how the folder's categories map to the model's
        self.mapping_note = plain_label()
        self.mapping_note.setWordWrap(True)
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(["Category", "Found", "Searched as"])
        found = self.mapping_table.horizontalHeaderItem(1)
        if found is not None:
            found.setToolTip(FOUND_TIP)
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # no horizontal scroll bar to hide a row under: the names take the room left (elided, whole in
        # the tooltip), the counts and the choosers their own width
        columns = self.mapping_table.horizontalHeader()
        columns.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # whole rows only: scrolling moves a row at a time, and the rows keep their height (the
        # table grows with the dialog instead)
        self.mapping_table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.mapping_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.mapping_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.mapping_note.setVisible(False)
        self.mapping_table.setVisible(False)
        # a suggestion is a guess: taken row by row in a chooser, or all at once here, never by default
        self.suggestions_button = QPushButton("Use the suggestions")
        themed_icon(self.suggestions_button, "mdi6.auto-fix")
        self.suggestions_button.setToolTip("Search each category as its chooser suggests (marked \"suggested\")")
        self.suggestions_button.clicked.connect(self.use_suggestions)
        self.suggestions_button.setVisible(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(False)  # shown once a run starts: "0 %" before it says nothing
        self.phase = plain_label()
        self.phase.setWordWrap(True)
        self.replace_question: QMessageBox | None = None  # open while the user decides
        self._last_run: tuple[Path, str, bool] | None = None  # (folder, name, replace) of the last index run
        self._run_folder: str | None = None  # the folder field's text when Start was last clicked
        self.run_progress = RunProgress(INDEX_STAGES)
        self._index_task: Task[IndexReport, None] | None = None
        self.clock = RunClock(self.run_progress, self.phase, self._counting_down, self)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        # every line left to right, whatever name it opens with ("فساتين → general": trial AC read it reversed)
        option = self.summary.document().defaultTextOption()
        option.setTextDirection(Qt.LayoutDirection.LeftToRight)
        self.summary.document().setDefaultTextOption(option)
        self.summary.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start indexing", QDialogButtonBox.ButtonRole.AcceptRole)
        themed_icon(self.start_button, "mdi6.play")
        self.start_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Name", self.name)
        form.addRow("", self.name_problem)
        form.addRow("Detected", self.detected)
        form.addRow("", self.table_note)
        # everything but the buttons scrolls when the screen is lower than the dialog's content (a
        # summary after indexing on an 800-pixel screen): the buttons stay on screen
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(form)
        body.addWidget(self.mapping_note)
        body.addWidget(self.mapping_table, 1)  # the dialog's extra height goes to the table
        body.addWidget(self.suggestions_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addWidget(self.progress_bar)
        body.addWidget(self.phase)
        body.addWidget(self.summary)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.body)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.buttons)
        # the keyboard (trial G): typing after Ctrl+O went to the scroll area, and once the mapping
        # table showed, Tab only went round its cells: the fields first, in the order they are read,
        # and Tab leaves the table (its choosers are reached by the arrow keys and their own Tab stops)
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mapping_table.setTabKeyNavigation(False)
        self.setFocusProxy(self.folder)
        chain = [self.folder, browse, self.name, self.mapping_table, self.suggestions_button, self.start_button,
                 self.cancel_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        # focus leaving the field inspects a folder not inspected yet (the same one again cleared the
        # table and its picks: trial G)
        self.folder.editingFinished.connect(
            lambda: self.inspect(self.folder.text()) if self._not_looked_at(self.folder.text()) else None)
        # a folder typed or pasted is inspected once the typing pauses, not only when the field loses
        # focus (a trial typed a path and clicked the greyed Start: nothing happened)
        self._typed_folder = timer(self, TYPING_PAUSE_MS)
        self._typed_folder.timeout.connect(self._folder_typed)
        self.folder.textEdited.connect(lambda _text: self._typed_folder.start())
        self.folder.textEdited.connect(lambda _text: self._forget_failure())
        # a path typed again is looked at again, the same one too: the folder may have changed meanwhile (trial EU
        # added categories to its mapping, typed the path again, and its table never came)
        self._folder_edited = False
        self.folder.textEdited.connect(lambda _text: setattr(self, "_folder_edited", True))
        self._folder_check = PathCheck(parent=self)
        self._inspecting = tasks.channel()  # the folder's last inspection wins

    def _not_looked_at(self, folder: str) -> bool:
        """Whether ``folder`` is to be inspected: not the one the shown plan was made for, or typed again since."""
        return self._planned is None or self._planned[0] != folder or self._folder_edited

    def _start_inspection(self, folder: str) -> Task[tuple[FolderReport, CategoryPlan | None], None]:
        """Inspect ``folder`` and plan it for the name typed, on the worker; the answer goes to :meth:`_inspected`."""
        root, name = Path(folder), self._typed_name()
        self._planned, self._folder_edited = (folder, name), False
        task: Task[tuple[FolderReport, CategoryPlan | None], None] = self._inspecting.start(
            lambda service, _state: inspect_with_plan(service, root, name), "Inspecting folder…")
        task.on_done(self._inspected).on_failed(self._inspect_failed)
        return task

    def look_again(self) -> None:
        """Inspect the folder again, the table kept on screen until the new plan comes (the dialog brought back
        set up before a run: its folder may have changed since; the table's picks are kept, :meth:`show_plan`)."""
        if self.folder.text() and not self.running:
            self._start_inspection(self.folder.text())

    def _folder_typed(self) -> None:
        folder = self.folder.text()
        if not folder or not self._not_looked_at(folder):
            return
        # looked at off the GUI thread: a path on a share that stopped answering blocks its stat
        self._folder_check.ask(folder, self._folder_looked_at)

    def _folder_looked_at(self, folder: str, is_folder: bool) -> None:
        if folder != self.folder.text() or not self._not_looked_at(folder):
            return  # typed on meanwhile (a newer look follows), or inspected already (focus left the field)
        if is_folder:
            self.inspect(folder)
        elif not self.running:  # the last folder's description no longer describes the field
            self._items_found = 0
            self.start_button.setEnabled(False)
            self.show_plan(None)
            self._planned = None
            set_plain(self.detected, "Not a folder (yet): finish typing its path, or pick it with the Choose… button")

    def choose_folder(self) -> None:
        typed = self.folder.text().strip()
        # the folder typed (or its parent, half-typed), else the last one chosen here
        near = typed if Path(typed).expanduser().is_dir() else str(Path(typed).expanduser().parent) if typed else ""
        last = str(Path(self.last_chosen).parent) if self.last_chosen else ""
        chosen = QFileDialog.getExistingDirectory(self, "Catalogue folder", start_folder(near, last))
        if chosen:
            self.last_chosen = chosen
            self.folder_chosen.emit(chosen)
            self.folder.setText(chosen)
            self.inspect(chosen)

    def inspect(self, folder: str, keep_start: bool = False) -> None:
        """Inspect ``folder`` and plan its categories on the worker. ``keep_start``: the same folder
        planned again for another name: Start stays as it was, and a click on it waits for the plan."""
        if folder:
            set_plain(self.detected, "Inspecting…")
            self._show_unread_table("")
            if not keep_start:
                self._items_found = 0
                self.start_button.setEnabled(False)
                if not self.running:
                    self._forget_last_run(folder)
            self.show_plan(None)
            task = self._start_inspection(folder)
            # queued behind other work (the model loading, a search): said, not a silent "Inspecting…"
            QTimer.singleShot(WAIT_SAID_MS, self, lambda: self._say_waiting(task))

    def _say_waiting(self, task: Task[Any, Any]) -> None:
        """The inspection still queued: what it waits for (a trial waited 13–20 s on "Inspecting…"
        with Start greyed, the worker loading models and searching for the window)."""
        if task.began or task.ended or self._inspecting.current is not task:
            return
        doing = self.tasks.running_activity().rstrip("…. ")
        if doing:
            set_plain(self.detected, f"Inspecting… (waiting for the app to finish: {doing[:1].lower()}{doing[1:]})")

    def _forget_last_run(self, folder: str) -> None:
        """Another folder after a finished run: the bar, the phase line and the summary were that run's
        (a trial reopened the dialog and read "Indexed 40 items" and the old categories under a new
        folder), and the name typed for it is not this folder's (Start then asked to replace that
        catalogue): cleared, and the name follows the new folder again."""
        if self._run_folder is None or self._run_folder == folder:
            return
        self._clear_last_run()
        self._name_typed = False

    def _clear_last_run(self) -> None:
        """The finished run's bar, phase line and summary off the dialog: they are another plan's."""
        self._run_folder = self._last_run = None
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(False)
        self._say("")
        self.summary.clear()
        self.summary.setVisible(False)
        self.cancel_button.setText("Cancel")
        self._enter_presses(self.start_button)

    def _enter_presses(self, button: QPushButton) -> None:
        """The button Enter presses (drawn with the default frame)."""
        for each in (self.start_button, self.cancel_button):
            each.setDefault(each is button)

    def _typed_name(self) -> str | None:
        """The name the person typed (None: the folder's own, filled in from the inspection)."""
        return (self.name.text().strip() or None) if self._name_typed else None

    def _name_edited(self, text: str) -> None:
        self._name_typed = bool(text.strip())  # emptied: the folder's name again
        self._forget_failure()
        self._say_name_problem()

    def name_problem_text(self) -> str:
        """Why the typed name cannot name a catalogue ("" when it can, or none is typed)."""
        name = self._typed_name()
        if name is None:
            return ""
        try:
            paths.check_catalogue_name(name)
        except InputError as error:
            return str(error)
        return ""

    def _say_name_problem(self) -> None:
        problem = self.name_problem_text()
        if problem:
            set_rich(self.name_problem, error_markup(problem[:1].upper() + problem[1:]))
        self.name_problem.setVisible(bool(problem))
        self._update_start()

    def _update_start(self) -> None:
        """Start is offered for a folder with photos under a good name, while nothing runs."""
        if not self.running:
            self.start_button.setEnabled(self._items_found > 0 and not self.name_problem_text())

    def _forget_failure(self) -> None:
        """The last run's failure was about what the fields held then: a change to them clears it."""
        if self._failure_shown and not self.running:
            self._failure_shown = False
            self._say("")

    def _plan_for_the_name(self) -> None:
        """The name was finished: when the plan shown was made for another name, make it again (not
        for a name that cannot be one: that is said under the field)."""
        folder = self.folder.text()
        if self.name_problem_text():
            return
        if folder and self._planned is not None and self._planned != (folder, self._typed_name()):
            if self._run_folder is not None and not self.running:  # the last run's summary was the other name's
                self._clear_last_run()  # (trial EU read its "Knitwear → tops" under a plan saying otherwise)
            # the name is finished by the click on Start itself (focus leaves the field): a disabled
            # Start lost that click (a trial clicked twice); it now waits for the plan instead
            self.inspect(folder, keep_start=self._planned[0] == folder)

    def _inspect_failed(self, message: str) -> None:
        if self._start_when_planned:  # Start was waiting for this plan: it said "Starting once …"
            self._say("Not started: the folder could not be inspected (see Detected).")
            self._failure_shown = True
        self._start_when_planned = False
        self._planned = None  # the same path typed again is looked at again (trial O fixed its CSV meanwhile)
        show_failure(self.detected, message)
        # nothing of the last folder stays beside this one's failure (trial EX read its name, "big4", there)
        if not self._name_typed and self.folder.text():
            self.name.setText(Path(self.folder.text()).name)
        self.show_plan(None)
        self.keep_whole()  # the message quotes the folder: shown in full

    def _inspected(self, answer: tuple[FolderReport, CategoryPlan | None]) -> None:
        report, plan = answer
        folder = self.folder.text()
        if folder and self._planned is not None and self._planned[1] != self._typed_name():
            self.inspect(folder)  # a name typed meanwhile: this plan was for another catalogue
            return
        set_plain(self.detected, detected_words(report))
        self._show_unread_table(report.unread_table)
        if not self._name_typed:  # follows the folder (a trial's second folder kept the first one's name)
            self.name.setText(report.name)
        self.show_plan(plan)
        self._items_found = report.items
        self._update_start()
        if self._start_when_planned:
            self._start_when_planned = False
            if report.items > 0:  # once this inspection has ended (its channel is still busy until then)
                QTimer.singleShot(0, self.start)
            else:
                self._say("")

    def _show_unread_table(self, table: str) -> None:
        """Say that the folder's product ``table`` is not read, with the way to read it ("": nothing to say)."""
        self._unread_table = table
        if table:
            set_rich(self.table_note, f"Its table {escape(table)} is not read: the photos are sorted by their folders "
                                      "and named by their files. <a href='columns'>Read its columns…</a>")
        self.table_note.setVisible(bool(table))

    def read_columns(self) -> None:
        """"Read its columns…": the draft of the table's mapping, to check and save; once saved, the folder is
        inspected again (read with its table now)."""
        if not self._unread_table:
            return
        folder = self.folder.text()
        dialog = ColumnsDialog(self.tasks, Path(folder), self._unread_table, self)
        dialog.saved.connect(lambda _path: self.inspect(folder))
        self.columns_dialog = dialog
        dialog.open()

    # --- the category mapping --------------------------------------------------------------
    def show_plan(self, plan: CategoryPlan | None) -> None:
        """Show the mapping table when the model lacks some of the folder's categories (or an
        earlier choice applies), each row preselected with the plan's suggestion; hide it otherwise."""
        # the picks made in the table for this folder survive a new plan of it (a name finished, focus
        # leaving a field): a trial's choices all went back to "general" when they fixed the name
        # only what the person changed: a new name's own earlier choices (its preselection) still show
        folder = self.folder.text()
        preselected = {row.category: row.preselected for row in self.plan.rows} if self.plan is not None else {}
        on_screen = self.picked()
        changed = {category: pick for category, pick in on_screen.items() if pick != preselected.get(category)}
        # a category the table shows says what stands now: one set back to its preselection is no pick any more
        # (trial EY set a pick back, cancelled, and had it again); those it does not show keep theirs
        off_screen = {category: pick for category, pick in self._picks.items() if category not in on_screen}
        kept = {**off_screen, **changed} if self._table_folder == folder else {}
        self._picks, self._table_folder = kept, folder  # kept while the table is hidden between two plans
        self.plan = plan
        shown = plan is not None and plan.needs_choice
        self.mapping_table.setRowCount(0)
        self.mapping_note.setVisible(shown)
        self.mapping_table.setVisible(shown)
        self.suggestions_button.setVisible(shown and plan is not None and any(r.open_suggestion for r in plan.rows))
        if plan is None or not shown:
            self.keep_whole()
            return
        lacking = sum(1 for row in plan.rows if row.automatic == GENERAL_CATEGORY)
        # a re-index starts on the earlier choices: "nothing is mapped until you pick it" read as untrue (trial BW)
        earlier = any(row.current is not None for row in plan.rows)
        # what the table shows: those it does not know start as general (trial DA read "nothing is mapped" over
        # boxes already filled in, and looked for a suggestion's mark where there was none)
        suggesting = any(row.open_suggestion for row in plan.rows)
        one = lacking == 1  # said of one category as of one (trial DF read "Those … for them" of one)
        starting = ("Your earlier choices are kept." if earlier else
                    ("The one it does not know starts" if one else "Those it does not know start")
                    + " as general: searched as one of the model's categories only if you choose it.")
        mark = (f" A suggestion is marked “{SUGGESTED.strip()}” in its list, and used only if you choose it."
                if suggesting else f" The model has no category to suggest for {'it' if one else 'them'}.")
        # picks made here before and never indexed, shown as left (trial CI): said, so that Start is never taken
        # for the catalogue's own choices (trial EX cancelled a change, read "Your earlier choices are kept" over it)
        pending = [row.category for row in plan.rows if row.category in kept and kept[row.category] != row.preselected]
        waiting = "" if not pending else (
            f" {'One choice' if len(pending) == 1 else f'{len(pending)} choices'} made here before and not indexed yet "
            f"{'is' if len(pending) == 1 else 'are'} shown as you left {'it' if len(pending) == 1 else 'them'} "
            f"({', '.join(pending)}): Start indexing uses {'it' if len(pending) == 1 else 'them'}.")
        set_plain(self.mapping_note, f"The model does not know {lacking} of these categories by name. Choose what "
                                     "each is searched as: one of the model's categories, or general (items that "
                                     f"look alike). {starting}{waiting}{mark}")
        self.mapping_table.setRowCount(len(plan.rows))
        for n, row in enumerate(plan.rows):
            name = QTableWidgetItem(row.category)  # plain text: a category name is data, never markup
            name.setToolTip(plain_tooltip(f"{row.category}: {row.reason}"))  # the whole name, should it be elided
            self.mapping_table.setItem(n, 0, name)
            self.mapping_table.setItem(n, 1, QTableWidgetItem(str(row.items)))
            combo = QComboBox()
            for category in plan.model_categories:
                suggested = row.open_suggestion and category == row.suggested
                label = category_label(category)
                combo.addItem(f"{label}{SUGGESTED}" if suggested else label, category)
            combo.addItem(GENERAL_LABEL, GENERAL_CATEGORY)
            start = combo.findData(kept.get(row.category, row.preselected))
            if start < 0:  # a plan's targets are among these: general otherwise
                start = combo.findData(row.preselected)
            combo.setCurrentIndex(start if start >= 0 else combo.findData(GENERAL_CATEGORY))
            combo.setToolTip(plain_tooltip(f"Suggested: {row.suggested} ({row.reason})" if row.open_suggestion
                                           else row.reason))
            if row.open_suggestion:
                mark_suggestion(combo, combo.findData(row.suggested))
            self.mapping_table.setCellWidget(n, 2, combo)
        # Tab goes down the choosers, then on to "Use the suggestions" (made after the dialog's own
        # chain, they came after Cancel)
        choosers = [self.mapping_table.cellWidget(n, 2) for n in range(self.mapping_table.rowCount())]
        chain = [self.mapping_table, *(c for c in choosers if c is not None), self.suggestions_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        guard_wheel(self)  # the wheel scrolls the table's rows, never changes a row's choice on the way
        self.mapping_table.resizeRowsToContents()
        self.mapping_table.setMinimumHeight(self.table_height(min(TABLE_ROWS, len(plan.rows))))
        self.keep_whole()

    def _say(self, line: str) -> None:
        """The run's line under the progress bar, scrolled into view: on a low screen the dialog's content
        scrolls, and after "No" to the replace question trial N's "Not indexed" line was below it."""
        set_plain(self.phase, line)
        if line:  # once the label is laid out at its new height
            QTimer.singleShot(0, self.scroller, lambda: self.scroller.ensureWidgetVisible(self.phase, 0, 0))

    def keep_whole(self) -> None:
        """Keep the dialog at least as high as its parts need at its narrowest, as far as its screen
        has the room. Qt's minimum height of a window leaves out what its word-wrapped labels (the
        note above the table, the detected format, the phase) need at that width, so a dialog made
        small laid the progress bar over the table's last row; this minimum is computed with them.
        On a screen lower than that (the summary after indexing, on an 800-pixel screen) the dialog
        stops at the screen's available height, moved up onto it: its content scrolls, the buttons
        stay in view."""
        layout, body = self.layout(), self.body.layout()
        if layout is None or body is None:
            return
        body.invalidate()
        body.activate()
        outer = layout.contentsMargins()
        width = self.minimumWidth() - outer.left() - outer.right()
        content = max(body.totalMinimumSize().height(), body.totalHeightForWidth(width))
        needed = content + outer.top() + outer.bottom() + layout.spacing() + self.buttons.sizeHint().height()
        self.setMinimumHeight(min(needed, self.screen_room().height()))
        fit_window(self)

    def screen_room(self) -> QSize:
        """The most the dialog may take, frame left out: its screen's available geometry."""
        margins = frame_margins(self)
        return screen_of(self).availableGeometry().size().shrunkBy(margins)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.keep_whole()  # placed over its window: kept on the screen
        # typing goes to the folder, also in a dialog brought back whose Cancel was clicked (it kept the keyboard
        # on that button, and a path typed after Ctrl+O went nowhere)
        if self.focusWidget() in (None, self.scroller, self.cancel_button, self.start_button) and not self.running:
            self.folder.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def table_height(self, rows: int) -> int:
        """The mapping table's height (px) that shows its header and its first ``rows`` rows whole
        (their own heights: a combo box row is higher than a text row)."""
        table = self.mapping_table
        table.ensurePolished()
        header = table.horizontalHeader().sizeHint().height()
        body = sum(table.rowHeight(n) for n in range(min(rows, table.rowCount())))
        return header + body + 2 * table.frameWidth()

    def picked(self) -> dict[str, str]:
        """What the table says each category is searched as (category -> model category or general)."""
        picked = {}
        for n in range(self.mapping_table.rowCount()):
            name, combo = self.mapping_table.item(n, 0), self.mapping_table.cellWidget(n, 2)
            if name is not None and isinstance(combo, QComboBox):
                picked[name.text()] = str(combo.currentData())
        return picked

    def use_suggestions(self) -> None:
        """Set every chooser whose row has a suggestion to it (the user's one-click acceptance)."""
        if self.plan is None:
            return
        for n, row in enumerate(self.plan.rows):
            combo = self.mapping_table.cellWidget(n, 2)
            if row.open_suggestion and isinstance(combo, QComboBox):
                combo.setCurrentIndex(combo.findData(row.suggested))

    @property
    def set_up_before_a_run(self) -> bool:
        """A folder was looked at (its categories planned) and no run started: shown again as it was left by
        File → Index catalogue folder… (trial CI: closing it forgot the mapping table's picks)."""
        return self.plan is not None and not self.start_asked and self.last_report is None

    def category_map(self) -> dict[str, str] | None:
        """The category map to index with: the table's picks that differ from the automatic mapping,
        or None (keep the last index's choices) when no table is shown."""
        if self.plan is None or not self.plan.needs_choice:
            return None
        return self.plan.choices(self.picked())

    def _on_progress(self, done: int, total: int, message: str) -> None:
        # one bar over the whole run, forward only: each phase (reading, checking the images,
        # embedding, building the index) counted from 0 again had the bar fall back (a trial saw 100 %
        # while checking, then 34 %)
        fraction, line = self.run_progress.update(done, total, message)
        self.progress_bar.setRange(0, BAR_STEPS)
        self.progress_bar.setValue(round(fraction * BAR_STEPS))
        self._say(line)

    def start(self) -> None:
        """Ask the worker what the name holds now, then index (asking first when that is another folder);
        while the folder is being planned (for a name just typed), once the plan is there."""
        self.start_asked = True
        if self.name_problem_text():  # Start is off then; Return in a field can still ask
            self._say_name_problem()
            return
        if self._inspecting.busy:
            self._start_when_planned = True
            self._say("Starting once the folder is planned…")
            return
        self.run_progress.reset()
        self.chosen_meanwhile = ""  # a catalogue chosen in the window's switcher during this run
        self._run_folder = self.folder.text()
        self.summary.setVisible(False)
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, 0)  # busy until the first progress report
        self._say("Starting…")
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        root, name = Path(self.folder.text()), self.name.text().strip() or None
        task: Task[tuple[str, str, str | None, bool], None] = self.tasks.start(
            lambda service, _state: other_source(service, root, name), "Checking the catalogue name…")
        self.watch(task).on_done(lambda answer: self._checked(task, answer)) \
            .on_failure(self._failed).on_cancelled(self._cancelled)

    def _checked(self, check: Task[tuple[str, str, str | None, bool], None],
                 answer: tuple[str, str, str | None, bool]) -> None:
        if check.stop_requested:  # Cancel was pressed after the worker had answered: do not index
            self._cancelled()
            return
        name, source, other, other_gone = answer
        if other is None:  # a new name, or the same folder again: re-sync without asking
            self._index(Path(source), name, replace=False)
            return
        self._say("Waiting for your answer…")
        # its folder gone is why a person is here: said (trial W), and that the work done is not redone
        # (nothing is trained: "model are rebuilt" read as retraining)
        held = (f"was indexed from {other}, which is no longer there (moved or renamed?)" if other_gone
                else f"already holds {other}")
        self.replace_question = box = message_box(
            self, "Replace catalogue?",
            f"A catalogue named “{name}” {held}. Replace it with {source}? Its items are read from that folder "
            "and its search index rebuilt; its category choices are kept.",
            QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)  # replacing is the step that loses work
        box.finished.connect(lambda _result: self._answered(box, Path(source), name))

    def _answered(self, box: QMessageBox, root: Path, name: str) -> None:
        if self.replace_question is not box:  # the dialog closed meanwhile: nothing is indexed
            return
        self.replace_question = None
        if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            self._index(root, name, replace=True)
        else:
            self._ended()
            self.progress_bar.setValue(0)
            self._say(f"Not indexed: the catalogue “{name}” was left as it was. "
                                  "Choose another name to keep both.")

    def _index(self, root: Path, name: str, replace: bool) -> None:
        self._last_run = (root, name, replace)  # a damaged database's refusal offers this run with replace
        self._say("Starting…")
        category_map = self.category_map()
        # replace only when the user said Yes: without it the service refuses a name that holds another
        # folder (say, one that was indexed elsewhere since the check)
        existed: list[bool] = []  # whether the name held a catalogue before this run (set on the worker)

        def run(service: CatalogueService, state: TaskState[None]) -> IndexReport:
            existed.append(service.existing_source(name) is not None)
            return service.index_folder(root, name, progress=state.progress, should_stop=state.should_stop,
                                        replace=replace, category_map=category_map)

        task: Task[IndexReport, None] = self.tasks.start(run, "Indexing catalogue…")
        self._index_task = task
        self.clock.start()
        self.watch(task).on_done(self._indexed).on_failure(self._failed) \
            .on_cancelled(lambda: self._index_cancelled(name, bool(existed and existed[0])))

    def _counting_down(self) -> bool:
        """The index run goes and nobody asked it to stop (then the line says "Cancelling…")."""
        return self.task is not None and self.task is self._index_task and not self.task.stop_requested

    def _index_cancelled(self, name: str, existed: bool) -> None:
        """An index run stopped: what it kept, in words. Its finished batches stay (the next run of
        that folder goes on from them), so "nothing was changed" — a trial read it with a new,
        unsearchable catalogue listed — is no longer said; what is depends on the worker's answer."""
        self._ended()  # the bar stays where the run got to: what it read is kept (trial BD read 0 % after 54 %)
        self._say("Cancelled: checking what was kept…")
        task: Task[bool, None] = self.tasks.start(lambda service, _state: service.existing_source(name) is not None,
                                                  "Checking the catalogue…")
        # not watched: a quick question, never the run the dialog's Cancel/Close button acts on
        task.on_done(lambda kept: self._say_whole(cancelled_words(name, existed, kept))) \
            .on_failure(lambda _failure: self._say("Cancelled."))

    def _say_whole(self, line: str) -> None:
        """:meth:`_say` a line of several lines' length, the dialog kept high enough for it (trial BD read the
        cancelled run's line cut off after "… but cannot be")."""
        self._say(line)
        QTimer.singleShot(0, self, self.keep_whole)  # once the label has its new height

    def _ended(self) -> None:
        self.cancel_button.setText("Close")
        # Enter closes now: "Start indexing" kept the default frame, and a second Enter ran it again (trial CY)
        self._enter_presses(self.cancel_button)
        if self.progress_bar.maximum() == 0:  # a busy bar stops; one that counted keeps where it got to
            self.progress_bar.setRange(0, 1)  # (trial U's cancelled run at half-way read 0 %)
        self.start_button.setEnabled(not self.name_problem_text())

    def _indexed(self, report: IndexReport) -> None:
        self._ended()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        mapped = report.mapped
        general = sum(1 for target, _how in mapped.values() if target == GENERAL_CATEGORY)
        visual = f"; {counted(general, 'category', 'categories')} searched by visual similarity" if general else ""
        files = [skip for skip in report.skipped if skip.is_file]
        cut = [skip for skip in report.skipped if not skip.is_file]  # outfits and questions that lost an item
        dropped = f", {counted(len(cut), 'outfit or question', 'outfits or questions')} dropped or cut" if cut else ""
        # items, not "photos": a table row refused (empty id, a bad value) is an item left out with no
        # photo read (trial O counted such rows as skipped photos); a file that is no item, or a count
        # of rows left out by the mapping, is a note of its own
        others = sum(1 for skip in files if skip.kind != "item")
        apart = f" ({counted(others, 'more note')} below)" if others else ""
        unread = list(report.indexed.failed)  # imported, then not embedded: in the catalogue, in no index
        not_read = f", {len(unread)} not read while indexing (not searchable)" if unread else ""
        self._say(f"Indexed {counted(report.items, 'item')}, {counted(report.outfits, 'outfit')} in "
                  f"{report.seconds:.1f} s{read_words(report.indexed.embedded, report.indexed.reused)}; "
                  f"{counted(len(files) - others, 'item')} skipped{apart}{not_read}{dropped}{visual}.")
        categories = [f"{category} → {GENERAL_LABEL if target == GENERAL_CATEGORY else target} ({HOW.get(how, how)})"
                      for category, (target, how) in mapped.items() if how != "exact"]
        lines = ["Categories:", *categories] if categories else []
        # which model, always (trial M: the dialog never said), and when it is another catalogue's or changed since
        lines = [f"Model: {report.model_words}.", *lines]
        if report.indexed.note:
            lines.insert(1, f"{note_words(report.indexed.note, report.indexed.note_way_out)}.")
        attributes = int(report.imported.get("attributes") or 0)
        if attributes and report.imported.get("format") == "folder":  # (trial EG read "titles and descriptions"
            # of a folder without any table: its words are the photos' file names')
            lines.insert(1, f"Attributes read from its photos' file names: {attributes} (the words of their names).")
        elif attributes:  # what a model trained here can name (trial AX: the command line said it, the window not)
            lines.insert(1, f"Attributes read from its metadata: {attributes} (labels, and words from titles and "
                            "descriptions).")
        if report.bundled_photo_model and not report.indexed.note and (report.outfits or attributes):
            lines.insert(1, "A model trained on this catalogue (File → Train model on this catalogue…) will do "
                            "better: it learns its own categories and attributes.")
        values = report.imported.get("values") or []
        if values:  # a category the mapping forgot, a placeholder read as no value: the items are indexed
            lines += [f"Values read otherwise than written ({len(values)}, the items indexed):",
                      *(value_note_line(v) for v in values)]
        poorly = report.imported.get("framing") or []
        if poorly:  # indexed as they are: a stylist may want a better photo of these
            lines += [f"Photos the model sees little of ({len(poorly)}, indexed as they are):",
                      *(f"{s['id']} ({s['path']}): {s['reason']}" for s in poorly)]
        copies = report.imported.get("duplicates") or []
        if copies:  # as the command line says them: both indexed, a search lists the photo once
            lines += [f"Same photo as another item ({len(copies)}, both indexed; a search lists the photo once):",
                      *(f"{s['id']} ({s['path']}): {s['reason']}" for s in copies)]
        outfits = report.imported.get("saved_outfits") or []
        if outfits:  # trial AD: an outfit lost an item to a photo moved away, and nothing said so
            lines += ["Saved outfits:", *(saved_outfit_words(entry) for entry in outfits)]
        # items left out, then the notes on files and rows that are no item (a duplicate id's row, a summary
        # line), under their own heading: trial AX read them under "Skipped" beside a count that left them out
        items_left = [skip for skip in files if skip.kind == "item"]
        if items_left:
            lines += ["Skipped (not indexed):", *(skip.line() for skip in items_left)]
        if unread:  # trial EK: a photo gone or changed during the run was said nowhere in the window
            lines += ["Not read while indexing (in the catalogue, not searchable until it is indexed again):",
                      *(f"{entry['id']} ({entry['path']}): {entry['reason']}" for entry in unread)]
        if others:
            lines += ["Other notes on the folder:", *(skip.line() for skip in files if skip.kind != "item")]
        if cut:
            lines += ["Outfits and questions dropped or cut (each line says why):", *(skip.line() for skip in cut)]
        if lines:
            self.summary.setPlainText("\n".join(lines))
            self.summary.setVisible(True)
            self.keep_whole()
        self.last_report = report
        self.indexed.emit(report.name)

    def _cancelled(self) -> None:
        self._ended()
        self.progress_bar.setValue(0)
        self._say("Cancelled: nothing was changed.")

    def _failed(self, failure: Failure) -> None:
        self._ended()
        run = self._last_run
        if run is not None and not run[2] and isinstance(failure.error, DamagedStoreError):
            # the question is the way out: no red "Failed: … index its folder again" under it, telling the
            # user to do what they are doing (trial N)
            self._say(f"The database of “{run[1]}” is damaged: answer the question to set it aside "
                                  "and build the catalogue anew.")
            self.keep_whole()
            self._offer_rebuild(run[0], run[1])
            return
        if run is not None and not run[2] and isinstance(failure.error, InputError) \
                and failure.error.way_out in (WayOut.MAPPING_OR_REPLACE, WayOut.READ_ANEW):
            # a folder given its table's mapping (Read its columns…) since it was indexed as photos: the way on
            # is the question, not "delete the catalogue and index again" (its window words)
            self._say(f"“{run[1]}” was indexed before in another layout: answer the question to read it anew.")
            self.keep_whole()
            self._ask_then_replace(
                run[0], run[1], "Read the catalogue anew?",
                f"The catalogue “{run[1]}” was indexed from {run[0]} as it was laid out then, and the folder now "
                "reads another way (a sane-mapping.json names its table's columns now, or no longer does). Read it "
                "anew that way? Its items get new ids, and its search index is rebuilt.", "layout-question")
            return
        show_failure(self.phase, failure.message)
        self._failure_shown = True
        self.keep_whole()

    def _offer_rebuild(self, root: Path, name: str) -> None:
        """The catalogue's database is damaged (a trial found the window's only way out was the command
        line's --replace): ask to set it aside (kept beside, never deleted) and build anew."""
        self._ask_then_replace(root, name, "Damaged catalogue",
                               f"The database of the catalogue “{name}” is damaged. Set it aside (it is kept beside, "
                               f"as catalogue.damaged-….db) and build the catalogue anew from {root}? Its saved "
                               "outfits stay in the damaged file.", "damaged-question")

    def _ask_then_replace(self, root: Path, name: str, title: str, text: str, object_name: str) -> None:
        """Ask ``text``; a Yes indexes ``root`` as ``name`` again with ``replace``, No leaves it as it is."""
        box = message_box(self, title, text, QMessageBox.Icon.Question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setObjectName(object_name)
        self.replace_question = box

        def answered(_result: int) -> None:
            if self.replace_question is not box:
                return
            self.replace_question = None
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                self.summary.setVisible(False)
                self.progress_bar.setVisible(True)
                self.progress_bar.setRange(0, 0)
                self.start_button.setEnabled(False)
                self.cancel_button.setText("Cancel")
                self.run_progress.reset()
                self._index(root, name, replace=True)

        box.finished.connect(answered)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.running:  # while it runs, closing asks first (BackgroundRun)
            self._inspecting.discard()
            if self.replace_question is not None:  # closed without an answer: nothing is indexed
                box, self.replace_question = self.replace_question, None
                box.close()
        super().closeEvent(event)


def read_words(embedded: int, reused: int) -> str:
    """Which photos this run read and which an earlier one had (trial U read "Indexed 200 items … in
    0.5 s" after a cancelled run, and wondered how): "" when every one was read now."""
    if not reused:
        return ""
    if not embedded:
        return " (every photo was read before: nothing new to read)"
    return (f" ({counted(embedded, 'photo')} read now, {reused} read before: unchanged, or kept from a run "
            "stopped before its end)")


def cancelled_words(name: str, existed: bool, kept: bool) -> str:
    """What a cancelled index run says: ``existed`` whether catalogue ``name`` was there before the
    run, ``kept`` whether it is there after it."""
    if not kept:
        return "Cancelled: nothing was kept."
    if existed:
        return (f"Cancelled before the end. “{name}” keeps the photos read so far: index this folder again to "
                "finish from there (they are not read again).")
    return (f"Cancelled before the end. “{name}” is kept with the photos read so far but cannot be searched yet: "
            "index this folder again to finish from there (they are not read again), or delete it in "
            "File → Manage catalogues.")


def inspect_with_plan(service: CatalogueService, root: Path,
                      name: str | None) -> tuple[FolderReport, CategoryPlan | None]:
    """On the worker: the folder's format and item count, and how its categories would map to the
    model's (None when that cannot be worked out: indexing then maps them itself)."""
    report = service.inspect_folder(root)
    try:  # (a folder indexed already: planned for the catalogue it is, its earlier choices shown)
        plan = service.category_plan(root, name or report.name) if report.items else None
    except SaneError:  # advice only: the index run says what is wrong, if anything
        plan = None
    return report, plan


def other_source(service: CatalogueService, root: Path, name: str | None) -> tuple[str, str, str | None, bool]:
    """On the worker: (the catalogue's name, the folder to index, the *other* folder that name was
    built from, or None when it is new or built from this folder, whether that other folder is gone:
    looked at here, not on the GUI thread, as it may be on a share that stops answering)."""
    source = root.expanduser().resolve()
    name = name or source.name  # the service's default name
    existing = service.existing_source(name)
    if existing is None or Path(existing).expanduser().resolve() == source:
        return name, str(source), None, False
    return name, str(source), str(existing), not Path(existing).exists()
