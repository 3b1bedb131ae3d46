"""Ask for the category of an image added from disk, with the model's guess preselected and how
sure the model is of it.

The guess ranks the categories by the cosine of the image's embedding with each category's centre;
:func:`confidences` turns those cosines into shares that sum to 100 % (a softmax at temperature
:data:`TEMPERATURE`: cosines 0.1 apart give about 73 % / 27 %), which is what the dialog shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from sane_desktop.gui.explanation_view import rgb_image
from sane_desktop.gui.text import escape, isolated, left_to_right, plain_label, set_rich
from sane_desktop.service import CategoryGuess

TEMPERATURE = 0.1
SURE, FAIRLY_SURE, NOT_VERY_SURE = 0.9, 0.7, 0.4


def confidences(ranked: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Category -> share of the model's belief in [0, 1] (softmax of the cosines / TEMPERATURE)."""
    if not ranked:
        return {}
    top = max(cosine for _name, cosine in ranked)
    weights = {name: math.exp((cosine - top) / TEMPERATURE) for name, cosine in ranked}
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}


def sureness(share: float) -> str:
    """The words for how sure the model is."""
    if share >= SURE:
        return "The model is sure"
    if share >= FAIRLY_SURE:
        return "The model is fairly sure"
    if share >= NOT_VERY_SURE:
        return "The model is not very sure"
    return "The model is unsure: please check"


class CategoryDialog(QDialog):
    chosen = Signal(str, str)  # image path, category

    def __init__(self, guess: CategoryGuess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guess = guess
        self.setWindowTitle("Add an image to the outfit")
        picture = QLabel()
        if guess.preview is not None:  # decoded by the worker, bounded: never the full file here
            picture.setPixmap(QPixmap.fromImage(rgb_image(guess.preview)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.category = QComboBox()
        self.confidence = confidences(guess.ranked)
        for name, cosine in guess.ranked:
            # combo items are plain text; the cosine stays for who wants it
            self.category.addItem(left_to_right(f"{isolated(name)} — {round(100 * self.confidence[name])} %"), name)
            self.category.setItemData(self.category.count() - 1, f"cosine with the category's centre {cosine:.3f}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.category.setToolTip("Categories ranked by how likely the model finds each one (the share of its belief;\n"
                                 "from how close the image's embedding is to each category's items)")
        form = QFormLayout()
        form.addRow("Image", plain_label(Path(guess.path).name))  # a file name is anyone's text
        form.addRow("Category", self.category)
        hint = QLabel()
        share = self.confidence.get(guess.best, 0.0)
        set_rich(hint, f"The model thinks this is <b>{escape(guess.best)}</b>. {sureness(share)} "
                       f"({round(100 * share)} %). Change it if it is wrong.")
        self.hint = hint
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
