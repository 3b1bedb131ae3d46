"""What the index, train and adapt dialogs share: one task on the worker, shown as a progress bar
and a phase line with an ETA, cancelled by the Cancel button (which reads Close when nothing runs);
a run outlives its dialog's closing (:class:`BackgroundRun`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QMainWindow, QMessageBox, QProgressBar, QVBoxLayout,
)

from sane_desktop.gui.tasks import Task, TaskFn, TaskRunner
from sane_desktop.gui.text import error_markup, set_plain, set_rich, window_words
from sane_desktop.gui.screen_fit import ScreenFittedDialog

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

R = TypeVar("R")


def show_failure(label: QLabel, message: str) -> None:
    """The task's failure in full (word-wrapped, never cut): the message quotes folders and names,
    so it is escaped into the coloured line, never read as markup."""
    label.setWordWrap(True)
    set_rich(label, error_markup(window_words(message), "Failed: "))


def eta_text(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or total <= 0 or done >= total:
        return ""
    remaining = elapsed / done * (total - done)
    return f"about {int(remaining // 60)} min {int(remaining % 60)} s left" if remaining >= 60 else f"about {remaining:.0f} s left"


class RequestDialog(ScreenFittedDialog):
    """Subclasses build ``progress_bar`` and ``phase``; :meth:`watch` follows the task they start
    (``task`` is None when nothing runs)."""

    progress_bar: QProgressBar
    phase: QLabel

    def __init__(self, tasks: TaskRunner[CatalogueService], parent: Any = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.task: Task[Any, Any] | None = None
        self._started = 0.0

    def watch(self, task: Task[R, Any]) -> Task[R, Any]:
        """Show ``task``'s progress here; Cancel stops it, closing the dialog discards it."""
        self.task = task
        self._started = time.monotonic()
        return task.on_progress(self._on_progress).on_finished(lambda: self._task_ended(task))

    @property
    def has_run(self) -> bool:
        """A run was started from this dialog (its result, or its failure, may be on it)."""
        return self._started > 0.0

    def _task_ended(self, task: Task[Any, Any]) -> None:
        if self.task is task:  # a task started from the last one's handler is the one running now
            self.task = None

    def cancel_or_close(self) -> None:
        if self.task is not None:
            self.task.cancel()  # its handlers stay connected: the phase line says "Cancelled" when it stops
            set_plain(self.phase, "Cancelling…")
        else:
            self.reject()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        eta = eta_text(done, total, time.monotonic() - self._started)
        set_plain(self.phase, f"{message} {done}/{total}" + (f" — {eta}" if eta else ""))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task is not None:
            self.task.discard()  # nobody is left to show its answer
            self.task = None
        super().closeEvent(event)


# A plain mixin, not a second QDialog subclass: PySide's signals break in a diamond of Python
# QObject subclasses (the train dialog's model_ready stopped reaching its slots).
if TYPE_CHECKING:
    _MixinBase = RequestDialog
else:
    _MixinBase = object


class BackgroundRun(_MixinBase):
    """Mixed into a :class:`RequestDialog` (listed before it): a dialog whose run is never lost by
    closing it. Escape or the close button while the run goes asks whether to keep it running in
    the background (the dialog hides; the window's menu entry shows this same dialog again) or to
    cancel it; Back leaves it as it is."""

    run_words = "The run"  # "<run_words> is still running."
    menu_entry = ""  # the menu entry that shows the dialog again
    cancel_words = "Cancel it"
    cancel_effect = "Cancelling leaves the catalogue's model as it was."
    running_question: QMessageBox | None = None
    ended_unseen = False  # the run ended while the dialog was hidden: the menu entry shows its result
    says_background_end = True  # False: the dialog's owner says how a background run ended (indexing)

    @property
    def running(self) -> bool:
        """A run is going and has not been asked to stop."""
        task = self.task
        return task is not None and task.live and not task.ended and not task.stop_requested

    def reject(self) -> None:  # Escape, and the Close button when nothing runs
        if self.running:
            self.ask_about_running()
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # the title bar's close button
        if self.running:
            event.ignore()
            self.ask_about_running()
            return
        super().closeEvent(event)

    def _task_ended(self, task: Task[Any, Any]) -> None:
        super()._task_ended(task)
        question = self.running_question
        if self.task is None and question is not None:  # the run ended while asked about: nothing left to ask
            self.running_question = None
            question.close()
        # ended in the background, not stopped by the person (trial O: a finished training was never said)
        if self.task is None and not self.isVisible() and not task.stop_requested:
            self.ended_unseen = True
            QTimer.singleShot(0, self, self._say_ended)  # once its own handlers have written the result

    def _say_ended(self) -> None:
        """The window's status bar says how a run kept in the background ended, and where to read more."""
        window = self.parentWidget()
        if isinstance(window, QMainWindow) and self.ended_unseen and self.says_background_end:
            result = " ".join(self.phase.text().split()) or "see its dialog"
            # the outcome first: the status bar cut the line before "Not used" (trial DG)
            verdict = f" — {getattr(self, 'verdict', '')}" if getattr(self, "verdict", "") else ""
            window.statusBar().showMessage(f"{self.run_words} in the background has ended{verdict} "
                                           f"({self.menu_entry} shows it): {result}", 60000)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.ended_unseen = False

    def ask_about_running(self) -> None:
        """Ask, without a nested event loop, whether the run goes on in the background or stops;
        Back (or Escape) leaves the dialog as it is."""
        if self.running_question is not None and self.running_question.isVisible():
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), "", QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{self.run_words} is still running. Keep it running in the background ({self.menu_entry} shows "
                    f"it again), or cancel it? {self.cancel_effect}")
        keep = box.addButton("Keep running in the background", QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton(self.cancel_words, QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton("Back", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(back)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("running-question")
        self.running_question = box

        def answered(_result: int) -> None:
            self.running_question = None
            clicked = box.clickedButton()
            if clicked is keep and self.running:
                QDialog.reject(self)  # hide: the task and its handlers stay
            elif clicked is stop and self.running:
                self.cancel_or_close()  # the phase line says "Cancelling…", then "Cancelled"
                QDialog.reject(self)

        box.finished.connect(answered)
        box.open()


class ModelRequestDialog(RequestDialog, Generic[R]):
    """A dialog that makes the open catalogue a model of its own (train, adapt): an introduction,
    optional settings, a start button, progress, cancel; ``model_ready`` is emitted when the new
    model is in place and the catalogue re-indexed."""

    model_ready = Signal()
    activity = ""  # the status-bar text while the task runs

    def __init__(self, tasks: TaskRunner[CatalogueService], title: str, intro: str, action: str,
                 settings: QFormLayout | None = None, parent: Any = None) -> None:
        super().__init__(tasks, parent)
        self.model_replaced = False  # the last run put a new model in place (not kept the current one)
        self.verdict = ""  # the last run's outcome in a few words ("not used: …"), said first when it ends unseen
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.progress_bar = QProgressBar()
        self.phase = QLabel()
        self.phase.setWordWrap(True)
        set_plain(self.phase, intro)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        self.body = layout = QVBoxLayout(self)  # subclasses insert their own widgets into it
        self.settings_form = settings  # greyed while a run goes: its values are read once, at the start
        if settings is not None:
            layout.addLayout(settings)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.phase)
        layout.addWidget(self.buttons)

    def work(self) -> TaskFn[CatalogueService, Any, R]:
        """The task function, with the settings read now (on the GUI thread)."""
        raise NotImplementedError

    def describe(self, result: R) -> str:
        """The phase line once the task succeeded."""
        return f"Done: {result}"

    def _settings_enabled(self, enabled: bool) -> None:
        """The settings' fields, greyed while a run goes (trial DG raised the epochs of a running training to 61;
        it ran 60)."""
        form = self.settings_form
        if form is None:
            return
        for row in range(form.rowCount()):
            for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole):
                item = form.itemAt(row, role)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.setEnabled(enabled)

    def start(self) -> Task[R, Any]:
        self.progress_bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self._settings_enabled(False)
        return self.watch(self.tasks.start(self.work(), self.activity)) \
            .on_done(self._succeeded).on_failed(self._failed).on_cancelled(self._cancelled)

    def _ended(self, phase: str, value: int | None) -> None:
        """``value``: the bar's end (0 or 1 of 1), None to keep it where the run got to (a cancel: as the
        index dialog does; trials BD and BI read 0 % beside a run stopped at 80 %)."""
        self.start_button.setEnabled(True)
        self._settings_enabled(True)
        self.cancel_button.setText("Close")
        if value is not None or self.progress_bar.maximum() == 0:  # a busy bar stops either way
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(value or 0)
        set_plain(self.phase, phase)

    def _succeeded(self, result: R) -> None:
        self._ended(self.describe(result), 1)
        # a run that kept the catalogue's model (TrainReport.kept) replaced nothing shown in the window
        self.model_replaced = not getattr(result, "kept", "")
        self.model_ready.emit()

    def _cancelled(self) -> None:
        self._ended("Cancelled: the model is unchanged.", None)

    def _failed(self, message: str) -> None:
        self._ended("", 0)
        show_failure(self.phase, message)
