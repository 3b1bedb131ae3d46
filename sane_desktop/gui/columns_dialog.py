"""Read the columns of a folder's own product table: the index dialog's "Read its columns…".

A folder without a ``sane-mapping.json`` is read by its folders and file names, its ``products.csv`` (a
merchandiser's categories, titles, colours, outfits) left unread; the mapping that reads it was JSON to write by
hand. This dialog shows the app's draft (:mod:`sane_desktop.service.column_mapping`): which column is each item's
code, its photo, its category, its title, each with the reason it was picked, what else is read (a colour, the
outfits), and what the folder reads as with these columns; a choice changed is tried again at once. Save writes
the folder's ``sane-mapping.json``, which every import of the folder reads from then on. The drafting and the
trial read the table and look the photos up on the worker (never on the GUI thread).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox, QDialogButtonBox, QFormLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.tasks import Channel, Failure, TaskRunner
from sane_desktop.gui.text import isolated, left_to_right, message_box, plain_label, set_plain, window_words
from sane_desktop.errors import WayOut

if TYPE_CHECKING:  # (the service and the drafting load the database layer and the catalogue readers: on the worker)
    from sane_desktop.service import CatalogueService
    from sane_desktop.service.column_mapping import MappingDraft


NO_TITLE = "(none: titles from the photos' names)"
NO_OUTFITS = "(none)"
PHOTO_TIP = ("The column holding each photo's path, or a template naming columns in braces, typed here: "
             "Fotos/{Artikelnummer}.jpg")
MIN_WIDTH = 560  # its boxes and lines whole without a window manager sizing it (trial EI: 287 px, boxes cut)
ATTRIBUTE_WORDS = {"colour": "Colour", "pattern": "Pattern", "fabric": "Fabric"}


def trial_words(draft: MappingDraft) -> str:
    """What the folder reads as with ``draft``: "Read with these columns: 60 items in 7 categories (hosen 12,
    …), 27 outfits, 0 skipped."; what is missing when the draft lacks a column."""
    if not draft.complete:
        missing = " and ".join({"id": "the items' codes", "image": "the photos", "category": "the categories"}[key]
                               for key in draft.missing)
        notes = " ".join(draft.notes)
        return f"No column gives {missing}: choose it above.{f' {notes}' if notes else ''}"
    trial = draft.trial
    if trial is None:
        return ""
    if not trial.items:
        return (f"Read with these columns: no item — none of the {trial.no_photo} rows names a photo in the folder. "
                "Choose the photo's column.")
    kinds = ", ".join(f"{name} {count}" for name, count in trial.categories[:8])
    more = ", …" if len(trial.categories) > 8 else ""
    missing = f" ({trial.no_photo} rows name no photo in the folder)" if trial.no_photo else ""
    words = (f"Read with these columns: {trial.items} items{missing} in {len(trial.categories)} categories "
             f"({kinds}{more}), {trial.outfits} outfits, {trial.skipped} skipped.")
    if trial.reasons:
        words += f" First skipped: {trial.reasons[0]}."
    return words


def also_read_words(draft: MappingDraft) -> str:
    """The other keys of the draft in words: "Also read: colour from “Farbe”; outfits from looks.csv (…)"."""
    parts = []
    for key, column, why in draft.choices:
        if key.startswith("attributes."):
            parts.append(f"{key.split('.', 1)[1]} from “{column}”")
        elif key == "description":
            parts.append(f"descriptions from “{column}”")
        elif key == "outfits":
            parts.append(f"outfits from {why}")
    return f"Also read: {'; '.join(parts)}." if parts else "No colour, pattern, fabric or outfits table found."


class ColumnsDialog(ScreenFittedDialog):
    """The draft of ``table``'s columns in ``folder``, to check and save (:attr:`saved`: the file written)."""

    saved = Signal(str)

    def __init__(self, tasks: TaskRunner[CatalogueService], folder: Path, table: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Read the columns of {table}")
        self.folder, self.table = Path(folder), table
        self.draft: MappingDraft | None = None
        self._drafting = Channel(tasks)
        self._writing = Channel(tasks)
        self.question: QMessageBox | None = None  # "Replace the mapping?", while asked
        intro = plain_label(f"Until a sane-mapping.json names its columns, this folder is read by its folders and "
                            f"file names, and {table} is not read. These are the app's guesses from the columns' "
                            "names and values: check each one, then save.")
        intro.setWordWrap(True)
        self.id_box, self.photo_box, self.category_box, self.title_box, self.outfits_box = \
            (QComboBox() for _ in range(5))
        form = QFormLayout()
        for box, name in ((self.id_box, "Item code"), (self.photo_box, "Photo"), (self.category_box, "Category"),
                          (self.title_box, "Title"), (self.outfits_box, "Outfits")):
            box.setAccessibleName(name)
            box.setEnabled(False)
            box.activated.connect(lambda _index, chosen=box: self._picked(chosen))
            form.addRow(name, box)
        # the boxes the person chose in: only those are kept when drafting again, the others guessed anew (trial
        # EK: the title column taken as the code, Title stayed "(none)" once the real code was chosen)
        self._chosen_boxes: set[QComboBox] = set()
        # a template may be typed: "Fotos/{Artikelnummer}.jpg" (trial EI found no way to one the app had not guessed)
        self.photo_box.setEditable(True)
        self.photo_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        typed = self.photo_box.lineEdit()
        assert typed is not None  # (an editable box has one)
        typed.editingFinished.connect(self._photo_typed)
        self.photo_box.setToolTip(PHOTO_TIP)
        self.also = plain_label()
        self.also.setWordWrap(True)
        # what the draft says besides its choices: a column named like a code that repeats one (trial EK: the
        # command line said why the title became the code, the dialog not)
        self.notes = plain_label()
        self.notes.setWordWrap(True)
        self.notes.setVisible(False)
        self.trial = plain_label("Reading the table…")
        self.trial.setWordWrap(True)
        self.save_button = QPushButton("Save as sane-mapping.json")
        self.save_button.setToolTip("Write the folder's sane-mapping.json: every import of the folder reads its "
                                    "table with these columns from then on")
        self.save_button.setEnabled(False)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save(replace=False))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():  # Return is Save's alone, and only when Save is on: never Cancel's
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.also)
        layout.addWidget(self.notes)
        layout.addWidget(self.trial)
        layout.addWidget(buttons)
        self.setMinimumWidth(MIN_WIDTH)
        self.redraft(first=True)

    # --- drafting, on the worker -------------------------------------------------------------------------------
    def chosen(self) -> dict[str, str]:
        """The columns picked in the boxes the person chose in, as :func:`draft_mapping`'s ``given``."""
        given: dict[str, str] = {}
        chosen = self._chosen_boxes
        for key, box in (("id", self.id_box), ("category", self.category_box)):
            if box in chosen and box.currentData():
                given[key] = str(box.currentData())
        photo = self.photo_box.currentData()
        if self.photo_box in chosen and isinstance(photo, tuple):
            given[photo[0]] = photo[1]
        if self.title_box in chosen and self.title_box.count():
            given["title"] = str(self.title_box.currentData() or "")
        if self.outfits_box in chosen and self.outfits_box.count():
            given["outfits"] = str(self.outfits_box.currentData() or "")
        return given

    def _picked(self, box: QComboBox) -> None:
        self._chosen_boxes.add(box)
        self.redraft()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Return in the photo box ends the typing and drafts again: it saved the draft before the typed photo
        typed = self.photo_box.lineEdit()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and typed is not None and typed.hasFocus():
            self._photo_typed()
            return
        super().keyPressEvent(event)

    def _photo_typed(self) -> None:
        """A photo typed in the box: a column's name, or a template naming columns in braces."""
        text = self.photo_box.currentText().strip()
        draft = self.draft
        if not text or draft is None or self.photo_box.findText(text) >= 0:
            return
        self.photo_box.addItem(text, ("image" if text in draft.columns else "image_template", text))
        self.photo_box.setCurrentIndex(self.photo_box.count() - 1)
        self._picked(self.photo_box)

    def redraft(self, first: bool = False) -> None:
        """Draft again with the boxes' choices (the app's own guesses the first time)."""
        given = {} if first else self.chosen()
        folder, table = self.folder, self.table
        self.save_button.setEnabled(False)
        set_plain(self.trial, "Reading the table…")
        def draft(_service: CatalogueService, _state: object) -> MappingDraft:
            from sane_desktop.service.column_mapping import draft_mapping

            return draft_mapping(folder, table, given)

        self._drafting.start(draft, "Reading the table…").on_done(self._drafted).on_failed(self._failed)

    def _drafted(self, draft: MappingDraft) -> None:
        self.draft = draft
        picked = {key: column for key, column, _why in draft.choices}
        why = {key: reason for key, _column, reason in draft.choices}
        columns = list(draft.columns)
        self._fill(self.id_box, [(column, column) for column in columns], picked.get("id"), why.get("id"))
        photos: list[tuple[str, object]] = [(f"{column} (its path)", ("image", column)) for column in columns]
        current: object = None
        if "image_template" in picked:
            template = picked["image_template"]
            photos.insert(0, (template, ("image_template", template)))
            current = ("image_template", template)
        elif "image" in picked:
            current = ("image", picked["image"])
        self._fill(self.photo_box, photos, current, why.get("image_template") or why.get("image"))
        self._fill(self.category_box, [(column, column) for column in columns], picked.get("category"),
                   why.get("category"))
        self._fill(self.title_box, [(NO_TITLE, ""), *((column, column) for column in columns)],
                   picked.get("title", ""), why.get("title"))
        outfits = str((draft.document.get("outfits") or {}).get("table") or "")
        tables = sorted({*draft.others, *([outfits] if outfits else [])})
        self._fill(self.outfits_box, [(NO_OUTFITS, ""), *((table, table) for table in tables)], outfits,
                   why.get("outfits"))
        set_plain(self.also, also_read_words(draft))
        # (a draft lacking a column says its notes in the trial line, with what to choose)
        notes = " ".join(draft.notes) if draft.complete else ""
        set_plain(self.notes, f"Note: {notes}" if notes else "")
        self.notes.setVisible(bool(notes))
        set_plain(self.trial, trial_words(draft))
        self.save_button.setEnabled(draft.complete and draft.trial is not None and draft.trial.items > 0)

    def _fill(self, box: QComboBox, entries: list[tuple[str, object]], current: object, why: str | None) -> None:
        """``entries`` (text, data) in ``box``, ``current`` chosen (none: the box asks for a choice)."""
        box.blockSignals(True)
        box.clear()
        for text, data in entries:
            box.addItem(left_to_right(isolated(text)), data)
        found = next((number for number, (_text, data) in enumerate(entries) if data == current), -1)
        box.setPlaceholderText("Choose a column")
        box.setCurrentIndex(found)
        if box is not self.photo_box:
            box.setToolTip(f"Picked because it is {why}" if why and why != "as given" else "")
        else:
            box.setToolTip(f"{PHOTO_TIP}. Picked because {why}" if why and why != "as given" else PHOTO_TIP)
        box.setEnabled(True)
        box.blockSignals(False)

    def _failed(self, message: str) -> None:
        set_plain(self.trial, f"The table could not be read: {window_words(message)}.")
        self.save_button.setEnabled(False)

    # --- saving ------------------------------------------------------------------------------------------------
    def save(self, replace: bool) -> None:
        """Write the draft as the folder's sane-mapping.json (asking first when one is there)."""
        draft = self.draft
        if draft is None or not draft.complete:
            return
        self.save_button.setEnabled(False)
        def write(_service: CatalogueService, _state: object) -> str:
            from sane_desktop.service.column_mapping import write_mapping

            return str(write_mapping(draft, replace=replace))

        self._writing.start(write, "Saving the folder's sane-mapping.json…") \
            .on_done(self._written).on_failure(lambda failure: self._not_written(failure, replace))

    def _written(self, path: str) -> None:
        self.saved.emit(path)
        self.accept()

    def _not_written(self, failure: Failure, replaced: bool) -> None:
        self.save_button.setEnabled(True)
        if not replaced and failure.error is not None and failure.error.way_out is WayOut.REPLACE_MAPPING:
            # written meanwhile, from elsewhere
            self.question = message_box(
                self, "Replace the mapping?", f"{self.folder} has a sane-mapping.json already (written since this "
                "window looked). Replace it with these columns?", QMessageBox.Icon.Question,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            self.question.finished.connect(
                lambda answer: self.save(replace=True) if answer == QMessageBox.StandardButton.Yes else None)
            return
        message_box(self, "Not saved", f"The mapping was not saved: {window_words(failure.message)}.",
                    QMessageBox.Icon.Warning)
