"""Catalogue text is data, never markup.

Titles, item ids, category and attribute names, file and catalogue names, and error messages that
quote them come from folders anyone can write. Qt interprets text as HTML wherever it *guesses* that
it is rich text (``Qt::mightBeRichText``: QLabel in its default ``AutoText`` mode, QMessageBox,
tooltips): a title ``<img src="file:///…">`` would show a file from outside the catalogue, a title
``<h1>…`` would fake a heading. So every widget text goes through one of these helpers, which say
the format instead of letting Qt guess:

- :func:`set_plain` for a label that shows text as it is;
- :func:`set_rich` for a label with our own markup (bold, colour, links), with catalogue text
  passed through :func:`escape` first;
- :func:`rich_tooltip` for a tooltip with our own markup (escaped parts), :func:`plain_tooltip` for one
  that is only data;
- :func:`message_box` for every message box (plain text, word-wrapped, never cut).

Combo box and list items, window titles, the status bar's messages and ``QPainter.drawText`` (the tile
delegate) are always plain text.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

ERROR_COLOUR = "#c0392b"


def escape(text: object) -> str:
    """``text`` as HTML that shows it literally (quotes too: it may land in an attribute)."""
    return html.escape(str(text), quote=True)


def set_plain(label: QLabel, text: str) -> None:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)


def set_rich(label: QLabel, markup: str) -> None:
    """``markup`` is ours: any catalogue-derived part in it must already be escaped."""
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(markup)


def plain_label(text: str = "") -> QLabel:
    label = QLabel()
    set_plain(label, text)
    return label


def error_markup(message: str, prefix: str = "") -> str:
    """A failure line in the error colour; ``prefix`` and ``message`` are plain text."""
    return f"<span style='color:{ERROR_COLOUR}'>{escape(prefix + message)}</span>"


def rich_tooltip(markup: str) -> str:
    """Qt shows a tooltip as rich text only when it guesses so from its first line; the ``<qt>``
    wrapper makes that guess certain, so escaped entities always render as the characters they stand for."""
    return f"<qt>{markup}</qt>"


def plain_tooltip(text: str) -> str:
    return rich_tooltip(escape(text))


def message_box(parent: QWidget | None, title: str, text: str,
                icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
                buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok) -> QMessageBox:
    """A message box showing ``text`` as plain text. It is opened window-modal without a nested event
    loop (``open``, not ``exec``): the caller connects ``finished`` when it needs the answer."""
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    label = box.findChild(QLabel, "qt_msgbox_label")
    if label is not None:  # Qt wraps it already; say so, a long path must never be cut
        label.setWordWrap(True)
    box.open()
    return box
