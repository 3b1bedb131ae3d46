"""Help → Caches and disk space…: what the per-user caches hold, as ``sane-desktop cache`` lists them, with
Remove unused (what this build never reads) and Remove all… (asked first).

Listing and removing walk folders of thousands of files: both run on the worker, never on the GUI thread
(:mod:`sane_desktop.service.caches`). Nothing removed here is data: what is needed again is computed again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.tasks import Channel, TaskRunner
from sane_desktop.gui.text import ElidedLabel, left_to_right, message_box, plain_tooltip, set_plain
from sane_desktop.service.caches import (
    EVERYTHING, FEATURES, KIND_WORDS, STATE_WORDS, UNUSED, CacheReport, Removal, Scope, cache_report, remove_caches,
    size_words,
)

if TYPE_CHECKING:
    from sane_desktop.service import CatalogueService

COLUMNS = ("What", "Size", "Holds", "For this build")
INTRO = ("SANE Desktop keeps what it computes from photos here, so that indexing, training and the window are "
         "faster the next time. Removing it loses nothing: what is needed again is computed again.")


class CacheDialog(ScreenFittedDialog):
    """The caches' parts in a table, their total, and the two ways to free space."""

    def __init__(self, tasks: TaskRunner[CatalogueService], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caches and disk space")
        self.resize(760, 400)
        self.channel: Channel[CatalogueService] = tasks.channel()  # one listing or removal at a time
        self.report: CacheReport | None = None
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.total = ElidedLabel("Measuring the caches…")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Caches")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.status = ElidedLabel("", lines=3)
        self.unused_button = QPushButton("Remove unused")
        self.unused_button.setToolTip("Remove what this build never reads: other builds' photo features and "
                                      "thumbnails of an older format")
        self.all_button = QPushButton("Remove all…")
        self.all_button.setToolTip("Remove everything in the caches: the next index or training computes the "
                                   "photo features again, and the window makes its thumbnails again")
        self.folder_button = QPushButton("Show folder")
        self.unused_button.clicked.connect(lambda: self.remove(UNUSED))
        self.all_button.clicked.connect(self.ask_remove_all)
        self.folder_button.clicked.connect(self.show_folder)
        buttons = QHBoxLayout()
        for button in (self.unused_button, self.all_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.total)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.question: QMessageBox | None = None
        self._update_buttons()

    def refresh(self) -> None:
        """Measure the caches again (on the worker)."""
        self._run(lambda _service, _state: cache_report(), "Measuring the caches…", self._listed)

    def _listed(self, report: CacheReport) -> None:
        self._show(report)
        set_plain(self.status, "")

    def _show(self, report: CacheReport) -> None:
        self.report = report
        set_plain(self.total, f"{size_words(report.bytes)} in {report.root}" if report.parts
                  else f"The caches in {report.root} are empty.")
        self.table.setRowCount(len(report.parts))
        for row, part in enumerate(report.parts):
            holds = f"{part.photos:,} photo{'' if part.photos == 1 else 's'}" \
                if part.kind == FEATURES and part.photos is not None else f"{part.files:,} file{'' if part.files == 1 else 's'}"
            cells = (KIND_WORDS[part.kind].capitalize(), size_words(part.bytes), holds, STATE_WORDS[part.state])
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(left_to_right(text))
                cell.setToolTip(plain_tooltip(f"{text} ({part.folder})"))
                if column in (1, 2):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self._update_buttons()

    def ask_remove_all(self) -> None:
        if self.report is None:
            return
        box = message_box(self, "Remove all cached files",
                          f"Remove everything in the caches ({size_words(self.report.bytes)})? Nothing is lost: the "
                          "next index or training of a catalogue computes its photo features again, which takes "
                          "as long as its first index did, and the window makes its thumbnails again.",
                          QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.remove(EVERYTHING)

        box.finished.connect(answered)
        self.question = box

    def remove(self, scope: Scope) -> None:
        root = self.report.root if self.report is not None else None
        self._run(lambda _service, _state: remove_caches(scope, root), "Removing cached files…", self._removed)

    def _removed(self, removal: Removal) -> None:
        said = (f"Removed {removal.files:,} file{'s' if removal.files != 1 else ''} ({size_words(removal.bytes)})."
                if removal.files else "Nothing to remove.")
        if removal.failed:  # each is in the tooltip; the first is said
            said += f" {len(removal.failed):,} could not be removed: {removal.failed[0]}"
        self._show(removal.after)
        set_plain(self.status, said)
        self.status.setToolTip(plain_tooltip("\n".join(removal.failed)) if removal.failed else "")

    def show_folder(self) -> bool:
        """Open the cache folder in the desktop's file manager; False (said in a box) when nothing opened it."""
        root = self.report.root if self.report is not None else None
        if root is None or not Path(root).is_dir():
            set_plain(self.status, "There is no cache folder yet: nothing has been cached.")
            return False
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(root))):
            return True
        message_box(self, "Show folder", f"No application opened the cache folder. It is {root}.",
                    QMessageBox.Icon.Information)
        return False

    def _run(self, fn: Any, activity: str, on_done: Any) -> None:
        set_plain(self.status, activity)
        task = self.channel.start(fn, activity).on_done(on_done).on_failed(self._failed)
        # after the channel's own end (connected first), so that the buttons see it idle
        task.finished.connect(self._update_buttons)
        self._update_buttons()

    def _failed(self, message: str) -> None:
        set_plain(self.status, message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.channel.busy
        report = self.report
        unused = report.removable(UNUSED) if report is not None else 0
        self.unused_button.setText(f"Remove unused ({size_words(unused)})" if unused else "Remove unused")
        self.unused_button.setEnabled(idle and unused > 0)
        self.all_button.setEnabled(idle and report is not None and report.bytes > 0)
        self.folder_button.setEnabled(report is not None)
