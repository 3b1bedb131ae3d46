"""Ask for the category of an image added from disk, with the model's guess and how sure it is.

The guess (:meth:`sane_desktop.service.CatalogueService.guess_category`) ranks the catalogue's categories
by the cosine of the photo's ImageNet features with each category's centre, computed from a sample of
its photos; the shares shown are a softmax whose temperature was fitted on that sample, and the sample
says how often such a guess was right in this catalogue. A guess that was not right often enough there
is shown ranked but not chosen for the user (trial BS: a boot preselected as "tops", one click from
being searched as one). A photo that is one of the catalogue's own (the same bytes) gets that item's
category, with no guess to hedge."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from sane_desktop.gui.explanation_view import rgb_image
from sane_desktop.gui.text import escape, isolated, left_to_right, plain_label, set_rich
from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.service import CategoryGuess

SURE, FAIRLY_SURE, NOT_VERY_SURE = 0.9, 0.7, 0.4


def sureness(share: float) -> str:
    """The words for how sure the model is."""
    if share >= SURE:
        return "The model is sure"
    if share >= FAIRLY_SURE:
        return "The model is fairly sure"
    if share >= NOT_VERY_SURE:
        return "The model is not very sure"
    return "The model is unsure: please check"


def track_record(guess: CategoryGuess) -> str:
    """How such guesses did on the catalogue's own photos, as a clause ("" when it was not measured):
    "on 84 of this catalogue's own photos, such guesses were right 98 % of the time"."""
    if guess.reliability is None:
        return ""
    return (f"on {guess.sample} of this catalogue's own photos, such guesses were right "
            f"{round(100 * guess.reliability)} % of the time")


def hint_html(guess: CategoryGuess, share: float, chosen: str = "") -> str:
    """What the dialog says of its guess (rich text): the guess when it is chosen for the user, else why not.
    ``chosen``: the category picked now, for the catalogue's own photo moved to another kind."""
    best = f"<b>{escape(guess.best)}</b>"
    record = track_record(guess)
    percent = guess.percents.get(guess.best, round(100 * share))  # as the list shows it (they add up to 100)
    if guess.known_category:  # the catalogue's own photo: no guess to hedge
        own = guess.same_photo[0]
        others = f" (and {len(guess.same_photo) - 1} more)" if len(guess.same_photo) > 1 else ""
        if chosen and chosen != guess.known_category:
            return (f"This is the photo of <b>{escape(own.title)}</b>{escape(others)} in this catalogue, filed under "
                    f"<b>{escape(guess.known_category)}</b>: it is added as a photo of its own, searched as "
                    f"<b>{escape(chosen)}</b>.")
        return (f"This is the photo of <b>{escape(own.title)}</b>{escape(others)} in this catalogue, filed under "
                f"<b>{escape(guess.known_category)}</b>: that item is added. Change the category to add the photo "
                "as another kind.")
    if len(guess.ranked) == 1:  # nothing to guess (trial BU read "too few photos per category")
        unlike = " It looks unlike this catalogue's photos, though." if guess.unlike_every_category else ""
        return f"This catalogue has one category, {best}: the photo is added as one.{unlike}"
    if guess.preselected:
        # the share is among this catalogue's categories only: a skirt in a shop without skirts read "Tops,
        # fairly sure (77 %)" (trial CD), the track record being of the kinds the shop has
        # (trial ER could not parse "sure among this catalogue's categories: a kind of item it has none of gets the
        # nearest")
        return (f"The model thinks this is {best}. {sureness(share)} ({percent} %), choosing among this "
                f"catalogue's categories only: an item of a kind the catalogue does not have is given the closest one. "
                f"Change it if it is wrong."
                + (f" ({record[0].upper()}{record[1:]}.)" if record else ""))
    if guess.unlike_every_category:
        why = (f"It looks unlike this catalogue's photos of every category (less like its closest, {best}, than "
               "95 % of the catalogue's own photos are like theirs): it may be a kind of item the catalogue does "
               "not have.")
    elif not guess.reliable:
        why = (f"Guesses from the photo are not reliable in this catalogue: {escape(record)}." if record else
               "This catalogue has too few photos per category to check a guess from the photo.")
    else:
        why = f"{sureness(share)} ({percent} % for {best})."
    return f"Choose its category: it is searched as that kind of item. {why} Most likely first."


class CategoryDialog(ScreenFittedDialog):
    chosen = Signal(str, str)  # image path, category

    def __init__(self, guess: CategoryGuess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guess = guess
        self.setWindowTitle("Add an image to the outfit")
        self.setMinimumWidth(460)  # its sentences read as lines, not a tall column of words (trial ER)
        picture = QLabel()
        if guess.preview is not None:  # decoded by the worker, bounded: never the full file here
            picture.setPixmap(QPixmap.fromImage(rgb_image(guess.preview)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.category = QComboBox()
        self.confidence = guess.shares
        percents = guess.percents  # whole numbers that add up to 100
        for name, cosine in guess.ranked:
            # combo items are plain text; the cosine stays for who wants it. The catalogue's own photo has its
            # category, no guess: no percentages beside it (trial CB read "bottoms — 60 %" of a known skirt)
            said = ("its category in this catalogue" if name == guess.known_category else "") \
                if guess.known_category else f"{percents[name]} %"
            self.category.addItem(left_to_right(f"{isolated(name)} — {said}" if said else isolated(name)), name)
            self.category.setItemData(self.category.count() - 1, f"cosine with the category's centre {cosine:.3f}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.category.setToolTip("Categories ranked by how likely the model finds each one (the share of its belief,\n"
                                 "from how close the photo looks to a sample of each category's photos)")
        form = QFormLayout()
        form.addRow("Image", plain_label(Path(guess.path).name))  # a file name is anyone's text
        form.addRow("Category", self.category)
        hint = QLabel()
        share = self.confidence.get(guess.best, 0.0)
        set_rich(hint, hint_html(guess, share))
        if guess.known_category:  # the catalogue's own photo: its category, wherever the guess ranked it
            known = self.category.findData(guess.known_category)
            if known < 0:
                self.category.insertItem(0, left_to_right(isolated(guess.known_category)), guess.known_category)
                known = 0
            self.category.setCurrentIndex(known)
        elif not guess.preselected and len(guess.ranked) > 1:  # ranked, not chosen: OK waits for the user's choice
            self.category.setPlaceholderText("Choose its category")
            self.category.setCurrentIndex(-1)
        self.hint = hint
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.category.currentIndex() >= 0)
        self.category.currentIndexChanged.connect(lambda index: ok.setEnabled(index >= 0))
        if guess.known_category:  # the words follow the choice (trial CJ read "that item is added" over bottoms)
            self.category.currentIndexChanged.connect(
                lambda _index: set_rich(hint, hint_html(guess, share, self.category.currentData() or "")))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(picture)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.accepted.connect(lambda: self.chosen.emit(str(guess.path), self.category.currentData() or ""))
