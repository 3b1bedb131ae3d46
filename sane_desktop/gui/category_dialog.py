"""Ask for the category of an image added from disk, with the model's guess preselected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from sane_desktop.gui.text import escape, plain_label, set_rich
from sane_desktop.service import CategoryGuess


class CategoryDialog(QDialog):
    chosen = Signal(str, str)  # image path, category

    def __init__(self, guess: CategoryGuess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guess = guess
        self.setWindowTitle("Add an image to the outfit")
        picture = QLabel()
        if guess.preview is not None:  # decoded by the worker, bounded: never the full file here
            rgb = np.ascontiguousarray(guess.preview)
            image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1], QImage.Format.Format_RGB888)
            picture.setPixmap(QPixmap.fromImage(image.copy()))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.category = QComboBox()
        for name, cosine in guess.ranked:
            self.category.addItem(f"{name}  (closeness {cosine:.2f})", name)
        self.category.setToolTip("Categories ranked by how close the image's embedding is to each category's items")
        form = QFormLayout()
        form.addRow("Image", plain_label(Path(guess.path).name))  # a file name is anyone's text
        form.addRow("Category", self.category)
        hint = QLabel()
        set_rich(hint, f"The model thinks this is <b>{escape(guess.best)}</b>. Change it if it is wrong.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(picture)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.accepted.connect(lambda: self.chosen.emit(str(guess.path), self.category.currentData() or ""))
