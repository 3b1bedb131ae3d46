"""Help → Caches and disk space…: what the per-user caches hold, as ``sane-desktop cache`` lists them, with
Remove unused (what this build never reads) and Remove all… (asked first).

Listing and removing walk folders of thousands of files: both run on a thread of their own, never on the GUI
thread, and never on the worker that owns the models (trial EB's Remove all of 200,000 thumbnails held a search
for 26 s there); removing shows its progress and can be stopped (:mod:`sane_desktop.service.caches`). Nothing
removed here is data: what is needed again is computed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QProgressBar, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from sane_desktop.gui.open_folder import open_folder
from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.side_thread import SideChannel
from sane_desktop.gui.text import ElidedLabel, left_to_right, message_box, plain_tooltip, set_plain
from sane_desktop.service.caches import (
    EVERYTHING, EXPLAIN_MAPS, EXPLANATIONS, FEATURES, STATE_WORDS, THUMBNAILS, UNUSED, CacheReport, Removal, Scope,
    cache_report, remove_caches, size_words,
)

COLUMNS = ("What", "Size on disk", "Holds", "Needed?")
STALE_AFTER_S = 2.0  # figures older than this are measured again when the dialog is back in front
INTRO = ("SANE Desktop keeps what it computes from photos here, so that indexing, training and the window are "
         "faster the next time. Removing it loses nothing: what is needed again is computed again.")


class CacheDialog(ScreenFittedDialog):
    """The caches' parts in a table, their total, and the two ways to free space."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caches and disk space")
        self.resize(760, 420)
        self.report: CacheReport | None = None
        self._measured_at = 0.0  # time.monotonic() of the figures shown
        self._quiet = False  # the running call is a measure the dialog started by itself (changeEvent)
        self.side = SideChannel()  # one listing or removal at a time, never on the worker that searches
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
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setAccessibleName("Removing cached files")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(lambda: self.side.stop())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Measure the caches again (another window or the command line may have "
                                       "changed them)")
        self.refresh_button.clicked.connect(self.refresh)
        self.unused_button = QPushButton("Remove unused")
        self.unused_button.setToolTip("Remove what this version of SANE Desktop never reads: photo features and "
                                      "thumbnails made by other versions (what is \u201cmaybe in use\u201d stays: "
                                      "Remove all frees it)")
        self.all_button = QPushButton("Remove all…")
        self.all_button.setToolTip("Remove everything in the caches: the next index or training computes the "
                                   "photo features again, and the window makes its thumbnails again")
        self.folder_button = QPushButton("Show folder")
        self.unused_button.clicked.connect(lambda: self.remove(UNUSED))
        self.all_button.clicked.connect(self.ask_remove_all)
        self.folder_button.clicked.connect(self.show_folder)
        buttons = self.button_row(self.unused_button, self.all_button, self.refresh_button, self.folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.total)
        layout.addWidget(self.table, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.question: QMessageBox | None = None
        self._update_buttons()

    def refresh(self) -> None:
        """Measure the caches again (on a thread of its own); what was shown goes meanwhile (trial EB read the last
        visit's "…are empty." beside "Measuring the caches…", and Remove all… offered the old size)."""
        if self.side.busy and not self._quiet:
            return
        self.report = None
        self.table.setRowCount(0)
        set_plain(self.total, "Measuring the caches…")
        self._run(lambda _progress, _stop: cache_report(), "Measuring the caches…", self._listed)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """Back to the dialog from the window (or elsewhere): measured again, quietly, when the figures are older than
        :data:`STALE_AFTER_S` — a search makes thumbnails again meanwhile (trial ED read "…are empty." after Remove
        all while the window had remade them, until Refresh). The figures stay shown while it measures."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and not self.side.busy \
                and self.report is not None and time.monotonic() - self._measured_at > STALE_AFTER_S:
            # the buttons stay as they are: the click that brought the dialog back may be on one of them (trial EE's
            # Remove all… was disabled under the pointer between press and release); a removal or Refresh started
            # meanwhile makes this measure unheard (SideChannel)
            self._quiet = True
            self.side.start(lambda _progress, _stop: cache_report(), "Measuring the caches again",
                            on_done=self._show, on_failed=self._failed, on_ended=self._quiet_ended)

    def _quiet_ended(self) -> None:
        self._quiet = False
        self._update_buttons()

    def _listed(self, report: CacheReport) -> None:
        self._show(report)
        set_plain(self.status, "")

    def _show(self, report: CacheReport) -> None:
        self.report, self._measured_at = report, time.monotonic()
        set_plain(self.total, f"{size_words(report.bytes)} on disk in {report.where_words()}" if report.parts
                  else f"The caches in {report.root} are empty.")
        self.table.setRowCount(len(report.parts))
        for row, part in enumerate(report.parts):
            kind = part.kind_words()
            cells = (kind[:1].upper() + kind[1:], size_words(part.bytes), part.holds_words(),
                     STATE_WORDS[part.state])
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
        kinds = {part.kind for part in self.report.parts}
        # what comes back, and what it costs: only of what is there (trial ED read of photo features with none)
        again = [words for kind, words in ((FEATURES, "the next index or training of a catalogue computes its photo "
                                            "features again, which takes as long as its first index did"),
                                           (THUMBNAILS, "the window makes its thumbnails again"),
                                           (EXPLAIN_MAPS, "explain saves its maps again"),
                                           (EXPLANATIONS, "an explanation asked for again is computed again "
                                            "(about a second each)")) if kind in kinds]
        box = message_box(self, "Remove all cached files",
                          f"Remove everything in the caches ({size_words(self.report.bytes)})? Nothing is lost: "
                          + ("; ".join(again) if again else "what is needed again is computed again") + ".",
                          QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.remove(EVERYTHING)

        box.finished.connect(answered)
        self.question = box

    def remove(self, scope: Scope) -> None:
        root = self.report.root if self.report is not None else None
        home = self.report.index_home if self.report is not None else None
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self._run(lambda progress, stop: remove_caches(scope, root, index_home=home, progress=progress,
                                                                should_stop=stop),
                  "Removing cached files…", self._removed)

    def _removed(self, removal: Removal) -> None:
        said = (f"Removed {removal.files:,} file{'s' if removal.files != 1 else ''} ({size_words(removal.bytes)})."
                if removal.files else "Nothing to remove.")
        if removal.stopped:
            said = f"Stopped. {said} What was not removed yet stays."
        if removal.failed:  # each is in the tooltip; the first is said
            said += f" {len(removal.failed):,} could not be removed: {removal.failed[0]}"
        self._show(removal.after)
        set_plain(self.status, said)
        self.status.setToolTip(plain_tooltip("\n".join(removal.failed)) if removal.failed else "")

    def show_folder(self) -> bool:
        """Open the cache folder in the desktop's file manager; False (said in a box) when nothing opened it."""
        root = self.report.root if self.report is not None else None
        home = self.report.index_home if self.report is not None else None
        if root is None or not Path(root).is_dir():
            set_plain(self.status, "There is no cache folder yet: nothing has been cached.")
            return False
        return open_folder(Path(root), lambda: message_box(self, "Show folder", "No application opened the cache "
                                                           f"folder. It is {root}.", QMessageBox.Icon.Information))

    def _run(self, fn: Callable[[Callable[[int, int], None], Callable[[], bool]], Any], activity: str,
             on_done: Callable[[Any], None]) -> None:
        """Call ``fn(progress, should_stop)`` on a thread of its own (:class:`SideChannel`); ``on_done`` gets its
        result on the GUI thread. A call still running when the window closes ends with the process: it only
        reads or removes cache files."""
        set_plain(self.status, activity)
        self._quiet = False  # a measure of its own, running, goes unheard
        self.side.start(fn, activity, on_done=on_done, on_failed=self._failed, on_progress=self._progressed,
                        on_ended=self._ended)
        self._update_buttons()

    def _ended(self) -> None:
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self._update_buttons()

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        set_plain(self.status, f"Removing cached files… {done:,} of {total:,}")

    def _failed(self, message: str) -> None:
        set_plain(self.status, message)

    def _update_buttons(self) -> None:
        idle = not self.side.busy or self._quiet
        report = self.report
        unused = report.removable(UNUSED) if report is not None else 0
        self.unused_button.setText(f"Remove unused ({size_words(unused)})" if unused else "Remove unused")
        self.unused_button.setEnabled(idle and unused > 0)
        self.all_button.setEnabled(idle and report is not None and report.bytes > 0)
        self.folder_button.setEnabled(report is not None)
        self.refresh_button.setEnabled(idle)
