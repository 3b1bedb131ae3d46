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
- :func:`message_box` for every message box (plain text, word-wrapped, a word wider than the screen
  cut in its middle, the whole text under "Show Details…");
- :class:`ElidedLabel` for a label whose text must never move the layout around it (titles,
  attribute names, status lines in the explanation panel): at most N lines, the last one elided,
  the full text in its tooltip; :class:`LinkLabel` is one that is clicked like a link.

Combo box and list items, window titles, the status bar's messages and ``QPainter.drawText`` (the tile
delegate) are always plain text.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTextBoundaryFinder, Signal
from PySide6.QtGui import (
    QColor, QEnterEvent, QFontMetrics, QFontMetricsF, QGuiApplication, QKeyEvent, QMouseEvent, QPainter, QPaintEvent,
    QResizeEvent, QTextDocumentFragment, QTextLayout, QTextOption,
)
from PySide6.QtWidgets import (
    QComboBox, QLabel, QMessageBox, QSizeGrip, QSizePolicy, QStatusBar, QStyle, QStyleOptionComboBox,
    QStyleOptionFocusRect, QStylePainter, QWidget,
)

from sane_desktop import paths
from sane_desktop.errors import SaneError, WayOut
from sane_desktop.gui.theme import error_colour, link_colour
from sane_desktop.service.titles import ends_in_code

NO_SINGLE_REASON = "no single reason"  # the outlined chip of a tile explained with no attribute named ("no one
# reason" read as "no-one reason", trial ER)


def escape(text: object) -> str:
    """``text`` as HTML that shows it literally (quotes too: it may land in an attribute)."""
    return html.escape(str(text), quote=True)


LEFT_TO_RIGHT_MARK = "\u200e"


def left_to_right(text: str) -> str:
    """``text`` laid out as a left-to-right line whatever it quotes: a QLabel takes its direction from
    the first letter with one, so a line that opens with an Arabic or Hebrew name ("فساتين → general")
    was laid out right to left, its arrow and words reversed (trial AC). An invisible left-to-right
    mark first, only where such letters are; the name itself still reads right to left."""
    if text.startswith(LEFT_TO_RIGHT_MARK) or not _right_to_left(text):
        return text
    return LEFT_TO_RIGHT_MARK + text


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def isolated(name: str) -> str:
    """``name`` (catalogue text) set apart inside a sentence (Unicode's first-strong isolate): a number
    after an Arabic name is read as part of it otherwise ("'طقم الصيف': 1 of its items" showed as
    "1 :'طقم الصيف'", "فساتين — 13 items" as "13 — فساتين"), and two right-to-left names in a list run
    together, their comma misplaced (trial AE). Unchanged where no such letter is."""
    return f"\u2068{name}\u2069" if _right_to_left(name) else name


class LeftToRightStatusBar(QStatusBar):
    """A status bar whose messages are left-to-right lines whatever name they open with
    (:func:`left_to_right`), elided with "…" where they would run under its permanent widgets (Qt cuts
    them off mid-word: at 800 × 600 a sum of points ran under the tile-size slider), the whole line in
    its tooltip; :meth:`currentMessage` gives back the message as it was asked for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._asked = ""  # the message as asked for (shown elided when the bar is too narrow)
        self._until: float | None = None  # time.monotonic() when it goes; None: until replaced
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._message_changed)

    def _message_changed(self, shown: str) -> None:
        if not shown:  # cleared, or its time ran out: its whole line goes too
            self._asked = ""
            self.setToolTip("")

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:  # noqa: N802 - Qt's name
        super().addPermanentWidget(widget, stretch or 0)
        self._permanent.append(widget)

    def showMessage(self, text: str, /, timeout: int | None = None) -> None:  # noqa: N802 - Qt's name
        self._asked = text
        self._until = time.monotonic() + timeout / 1000 if timeout else None
        self._show_fitted(timeout or 0)

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name
        shown = super().currentMessage()
        return self._asked if shown and self._asked else shown.removeprefix(LEFT_TO_RIGHT_MARK)

    def message_width(self) -> int:
        """The pixels a message has, as Qt lays it out (``QStatusBarPrivate::messageRect``): from 6 px to
        2 px before the first permanent widget shown, the size grip or 12 px before the right edge (mirrored in
        a right-to-left layout)."""
        grip = self.findChild(QSizeGrip)
        if grip is not None and not grip.isVisible():
            grip = None
        if self.isRightToLeft():  # the permanent widgets and grip on the left, the message from the right edge
            # (trial CN: a right-to-left window showed every message as "…", its room measured the other way)
            left = max([12, *([grip.x() + grip.width()] if grip is not None else []),
                        *(widget.x() + widget.width() + 2 for widget in self._permanent if widget.isVisible())])
            return max(0, self.width() - 6 - left)
        right = self.width() - 12
        if grip is not None:
            right = min(right, grip.x())
        shown = [widget.x() - 2 for widget in self._permanent if widget.isVisible()]
        return max(0, min([right, *shown]) - 6)

    def _show_fitted(self, timeout_ms: int) -> None:
        text = left_to_right(self._asked)
        fitted = text
        if self.isVisible():  # laid out only once shown; its widgets where they will be drawn
            layout = self.layout()
            if layout is not None:
                layout.activate()
            # never empty: an empty message is no message (currentMessage would say none was asked for)
            fitted = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self.message_width()) or "…"
        self.setToolTip(plain_tooltip(self._asked) if fitted != text else "")
        super().showMessage(fitted, timeout_ms)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if super().currentMessage() and self._asked:  # elided again for the new width, for the time it had left
            left = 0 if self._until is None else max(1, round((self._until - time.monotonic()) * 1000))
            self._show_fitted(left)


def set_plain(label: QLabel, text: str) -> None:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(left_to_right(text))


def set_rich(label: QLabel, markup: str) -> None:
    """``markup`` is ours: any catalogue-derived part in it must already be escaped."""
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(left_to_right(markup))


def plain_label(text: str = "") -> QLabel:
    label = QLabel()
    set_plain(label, text)
    return label


def error_markup(message: str, prefix: str = "") -> str:
    """A failure line in the error colour of the current theme; ``prefix`` and ``message`` are plain text."""
    colour = error_colour(QGuiApplication.palette()).name()
    return f"<span style='color:{colour}'>{escape(prefix + message)}</span>"


def rich_tooltip(markup: str) -> str:
    """Qt shows a tooltip as rich text only when it guesses so from its first line; the ``<qt>``
    wrapper makes that guess certain, so escaped entities always render as the characters they stand for.
    A long stretch without a space gets break opportunities (:func:`breakable_markup`)."""
    return f"<qt>{breakable_markup(left_to_right(markup))}</qt>"


TOOLTIP_RUN = 48  # characters a tooltip may show with no place to wrap; a longer stretch is given some
TOOLTIP_STEP = 32  # … one every this many characters
_MARKUP_PARTS = re.compile(r"(<[^>]*>)")
_MARKUP_UNITS = re.compile(r"&[#\w]+;|.", re.DOTALL)  # an entity is one character


def breakable_markup(markup: str) -> str:
    """``markup`` with a zero-width space after every :data:`TOOLTIP_STEP` characters of each stretch longer than
    :data:`TOOLTIP_RUN` that Qt cannot wrap (:func:`line_stretches`; tags and entities left whole): a long
    category or id ran a tooltip 2,400 px wide, past an 800 px screen (trial DQ). For tooltips alone: their
    text is never copied, so the invisible characters change nothing a person takes from it."""
    def text_part(text: str) -> str:
        stretches = []
        for stretch in line_stretches(text):  # an entity ("&amp;") is no place to break: one unit below
            word = stretch.rstrip()
            units = _MARKUP_UNITS.findall(word)
            if len(units) > TOOLTIP_RUN:
                stretch = "\u200b".join("".join(units[i:i + TOOLTIP_STEP]) for i in range(0, len(units), TOOLTIP_STEP)) \
                    + stretch[len(word):]
            stretches.append(stretch)
        return "".join(stretches)

    return "".join(part if part.startswith("<") else text_part(part) if part else ""
                   for part in _MARKUP_PARTS.split(markup))


def plain_tooltip(text: str) -> str:
    return rich_tooltip(escape(text))


def message_box(parent: QWidget | None, title: str, text: str,
                icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
                buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok) -> QMessageBox:
    """A message box showing ``text`` as plain text. It is opened window-modal without a nested event
    loop (``open``, not ``exec``): the caller connects ``finished`` when it needs the answer."""
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    screen = box.screen() or QGuiApplication.primaryScreen()
    shown = fit_long_words(text, box.fontMetrics(), message_room(screen.availableGeometry().width()))
    # a message opening with an Arabic name is still a left-to-right line
    box.setText(left_to_right(shown))
    if shown != text:  # the words cut to fit are whole under "Show Details…", which copies as they are
        box.setDetailedText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    label = box.findChild(QLabel, "qt_msgbox_label")
    if label is not None:  # Qt wraps it already; say so, a long path must never be cut
        label.setWordWrap(True)
    box.open()
    return box


def message_room(screen_width: int) -> int:
    """The widest line (px) a message box's text gets on a screen ``screen_width`` px wide: QMessageBox
    grows to the screen's width on screens up to 1,024 px and to min(width − 480, 1,000) above
    (``QMessageBoxPrivate::updateSize``, Qt 6), less its icon, margins and frame."""
    box_width = screen_width if screen_width <= 1024 else min(screen_width - 480, 1000)
    return max(120, box_width - 140)


def line_stretches(text: str) -> list[str]:
    """``text`` cut where Qt may wrap a line (Unicode's line breaking: after spaces, and after "/" or "-"
    before a letter), each stretch with the spaces that end it; joined, they are ``text``."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    units = text.encode("utf-16-le")  # the finder counts UTF-16 code units (an emoji is two)
    parts, start = [], 0
    while (end := finder.toNextBoundary()) != -1:
        parts.append(units[2 * start:2 * end].decode("utf-16-le"))
        start = end
    return parts


def fit_long_words(text: str, metrics: QFontMetrics, room: int) -> str:
    """``text`` with each stretch Qt cannot wrap (between two line-break opportunities: spaces, and after
    "/" or "-" as Unicode's line breaking allows) cut in its middle with "…" when it is wider than ``room``
    px. A 153-character file name ran past the screen's edge, cut where the screen ended (trial DO); its
    start and its extension are what tell it from its neighbours."""
    fitted = []
    for part in line_stretches(text):
        word = part.rstrip()
        if word and metrics.horizontalAdvance(word) > room:
            part = metrics.elidedText(word, Qt.TextElideMode.ElideMiddle, room) + part[len(word):]
        fitted.append(part)
    return "".join(fitted)


class ElidedComboBox(QComboBox):
    """A combo box whose current entry, when the box is narrower than it, is cut with "…" rather than clipped
    (trial DJ read the catalogue switcher's "demo — 300 items" clipped to "demo — 30" as 30 items)."""

    def shown_text(self, option: QStyleOptionComboBox | None = None) -> str:
        """The current entry as drawn."""
        if option is None:
            option = QStyleOptionComboBox()
            self.initStyleOption(option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        room = field.width() - (self.iconSize().width() + 4 if not option.currentIcon.isNull() else 0) - 2
        return self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight, max(0, room))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if self.isEditable():  # its line edit draws the text
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text(option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class ElidedLabel(QLabel):
    """A label whose size never depends on its text: at most ``lines`` lines (word-wrapped), the
    last one elided with "…", the full text in the tooltip when it does not fit. It is as high as
    its lines whatever the text, and as narrow as its layout makes it, so that a long title or a
    new message never re-lays the window around it.

    ``text()`` and ``textFormat()`` are QLabel's: plain text (:func:`set_plain`), or our markup
    (:func:`set_rich`), which is drawn as its plain text (so escaped catalogue text shows literally)."""

    def __init__(self, text: str = "", lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = max(1, lines)
        self._colour: QColor | None = None
        self._hint = ""
        self._shown: list[str] = []
        self._elided = False
        self._longer = ""  # plain text shown instead of the text where it fits whole (set_longer)
        self._showing_longer = False
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        set_plain(self, text)

    # --- the text ---------------------------------------------------------------------------
    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._longer = ""  # another text's longer form never outlives it
        super().setText(text)
        self._relayout()

    def set_longer(self, text: str) -> None:
        """Show ``text`` (plain, a longer form of the label's text: titles whole, say) instead of the text at
        any width where all of it fits in the lines; else the text, elided as ever. Forgotten by the next
        :meth:`setText`."""
        self._longer = "" if text == self.plain_text() else text
        self._relayout()

    def setTextFormat(self, format: Qt.TextFormat) -> None:  # noqa: N802, A002 - Qt's names
        super().setTextFormat(format)
        self._relayout()

    def set_lines(self, lines: int) -> None:
        """Show at most ``lines`` lines from now on (the label's height follows)."""
        if max(1, lines) != self._lines:
            self._lines = max(1, lines)
            self.updateGeometry()
            self._relayout()

    def set_hint(self, hint: str) -> None:
        """A tooltip line (plain text) shown after the full text, elided or not."""
        self._hint = hint
        self._relayout()

    def hint(self) -> str:
        """The tooltip line given by :meth:`set_hint` ("" when none)."""
        return self._hint

    def set_colour(self, colour: QColor | None) -> None:
        """Draw the text in ``colour`` (None: the palette's window text)."""
        self._colour = colour
        self.update()

    def plain_text(self) -> str:
        """What is shown: the text itself, or the text of our markup (or its longer form, :meth:`set_longer`)."""
        if self._showing_longer:
            return self._longer
        if self.textFormat() == Qt.TextFormat.RichText:
            return QTextDocumentFragment.fromHtml(self.text()).toPlainText()
        return self.text()

    def shown_lines(self) -> list[str]:
        """The lines as drawn at the current width."""
        return list(self._shown)

    def is_elided(self) -> bool:
        """Whether some of the text does not show at the current width."""
        return self._elided

    def _relayout(self) -> None:
        width = max(1, self.contentsRect().width())
        self._showing_longer = False
        if self._longer:
            lines, elided = self._layout(self._longer, width)
            self._showing_longer = not elided
        if self._showing_longer:
            self._shown, self._elided = lines, False
        else:
            self._shown, self._elided = self._layout(self.plain_text(), width)
        full = self.plain_text()
        lines = [full] if full and self.is_elided() else []
        lines += [self._hint] if self._hint else []
        self.setToolTip(rich_tooltip("<br>".join(escape(line) for line in lines)) if lines else "")
        self.update()

    def _layout(self, text: str, width: int) -> tuple[list[str], bool]:
        """The lines shown at ``width``, and whether some text was left out."""
        text = " ".join(text.split())  # one paragraph: a newline in a title is a space here
        metrics = self.fontMetrics()
        if not text:
            return [], False
        if self._lines == 1:
            single = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            return [single], single != text
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        lines: list[str] = []
        elided = False
        while len(lines) < self._lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start, length = line.textStart(), line.textLength()
            if len(lines) == self._lines - 1:
                rest = text[start:]
                lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
                elided = lines[-1] != rest
            else:
                lines.append(text[start:start + length].rstrip())
        layout.endLayout()
        return lines, elided

    # --- geometry and painting ----------------------------------------------------------------
    def _height(self) -> int:
        margins = self.contentsMargins()
        return self._lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom() + 2 * self.margin()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(160, self._height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(24, self._height())

    def heightForWidth(self, _width: int) -> int:  # noqa: N802 - Qt's name
        return self._height()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._relayout()

    def text_colour(self) -> QColor:
        return self._colour if self._colour is not None else self.palette().color(self.foregroundRole())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setPen(self.text_colour())
        painter.setFont(self.font())
        area = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin())
        step = self.fontMetrics().lineSpacing()
        horizontal = self.alignment() & (Qt.AlignmentFlag.AlignHorizontal_Mask)
        for number, line in enumerate(self._shown):
            box = QRect(area.left(), area.top() + number * step, area.width(), step)
            painter.drawText(box, int(horizontal | Qt.AlignmentFlag.AlignVCenter), line)  # drawText: plain text
        painter.end()


class ClickActivation(QObject):
    """Makes ``widget`` act as a button for mouse and keyboard users, as an event filter: a left
    click released inside it, or Enter/Return/Space while it has focus, emits ``activated``; focus
    changes repaint it (its focus frame). Used by :class:`LinkLabel` and the explanation panel's
    share rows, which differ only in what they draw."""

    activated = Signal()
    KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        widget.setCursor(Qt.CursorShape.PointingHandCursor)
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            return True  # taken here, so that the release comes here too
        if kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent) and isinstance(watched, QWidget):
            if event.button() == Qt.MouseButton.LeftButton and watched.rect().contains(event.position().toPoint()):
                self.activated.emit()
                return True
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in self.KEYS:
            self.activated.emit()
            return True
        elif kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut) and isinstance(watched, QWidget):
            watched.update()
        return False


class LinkLabel(ElidedLabel):
    """An :class:`ElidedLabel` clicked like a link: in the palette's link colour (made readable on
    the theme's background, at paint time), underlined under the mouse, focusable, activated by a
    click, Enter or Space (``clicked``)."""

    clicked = Signal()

    def __init__(self, text: str = "", lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(text, lines, parent)
        ClickActivation(self).activated.connect(self.clicked)

    def text_colour(self) -> QColor:
        return link_colour(self.palette())

    def _underline(self, on: bool) -> None:
        font = self.font()
        if font.underline() != on:
            font.setUnderline(on)
            self.setFont(font)

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt's name
        self._underline(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        self._underline(False)
        super().leaveEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self.hasFocus():
            painter = QPainter(self)
            option = QStyleOptionFocusRect()
            option.initFrom(self)
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, self)
            painter.end()


TITLE_CODE_SHARE = 1 / 3  # of a tile's width, the most a shortened title's code end may take


def elided_title(metrics: QFontMetrics | QFontMetricsF, title: str, width: int) -> str:
    """An item's title shortened to ``width`` pixels: at its end, or, when it ends in a code, with
    the code's last characters kept in at most a third of the room and the words from the start in
    the rest ("Throne thin p…9004"). Trial G's coded titles all read "Blusen 2019 5305…", their
    differing ends cut off; cut in the exact middle instead, trial Q's read "Throne t…70999004", the
    words that name the item gone."""
    if not ends_in_code(title):
        return metrics.elidedText(title, Qt.TextElideMode.ElideRight, width)
    if metrics.elidedText(title, Qt.TextElideMode.ElideRight, width) == title:
        return title  # it fits (as Qt measures it)
    words = title.split(" ")
    run = len(words)  # the trailing words that hold a digit: the code, and no name word
    while run > 1 and any(char.isdigit() for char in words[run - 1 - 1]):
        run -= 1
    code = " ".join(words[run - 1:])
    tail = ""
    for size in range(1, len(code) + 1):
        if metrics.horizontalAdvance(code[-size:]) > width * TITLE_CODE_SHARE:
            break
        tail = code[-size:]
    tail = tail.lstrip()
    head = metrics.elidedText(title[:len(title) - len(tail)], Qt.TextElideMode.ElideRight,
                              int(width - metrics.horizontalAdvance(tail)))
    return head + tail


# the core's and the service's messages end with what to run in a terminal; the window says where in it
_WINDOW_STEPS = (
    (re.compile(r"re-index it \(sane-desktop index\)|(?:re-)?run sane-desktop index(?: to change it)?"),
     "re-index it (File → Manage catalogues… → Re-sync)"),
    (re.compile(r"\(re-run sane-desktop index\)"), "(re-index it: File → Manage catalogues… → Re-sync)"),
    (re.compile(r"\(run `sane-desktop index` first\)"), "(File → Index catalogue folder… first)"),
    (re.compile(r"train it again with sane-desktop train, or choose another model"),
     "train a new one (File → Train model on this catalogue…)"),
    (re.compile(r"\(sane-desktop train\)"), "(File → Train model on this catalogue…)"),
    # a shared catalogue's way back is the dialog it was opened with
    (re.compile(r"re-indexed on its server with another model: open it again$"),
     "re-indexed on its server with another model: open it again (File → Open shared catalogue…)"),
)
# a bracket naming a model's or a file's content hash (12 hex digits, a letter among them: an item's
# all-digit code is no hash) — "(e7273268e9a9, now 06742562b464)", "(258d87a0cae3; opened with
# 03f03d71b695)": a check for the command line's records, nothing a stylist can use (trials H and R)
_HASHES = re.compile(r" \([^()]*\b(?=[0-9]*[a-f])[0-9a-f]{12}\b[^()]*\)")


def as_sentence(message: str) -> str:
    """A line said on its own (a status line, a box): its first letter upper case. The service's messages start
    lower case, to be quoted after "Failed: " or "…: " (trial DO read "the server's user is empty: fill it in")."""
    return message[:1].upper() + message[1:]


def window_words(message: str) -> str:
    """A failure's message as the window says it: the way out through the window's menus instead of
    a terminal command, model hashes left out (trial H read "(e7273268e9a9, now 06742562b464) …
    re-index it (sane-desktop index)" in the explanation panel)."""
    message = _HASHES.sub("", message)
    for pattern, words in _WINDOW_STEPS:
        message = pattern.sub(words, message)
    return message


INDEX_FOLDER = "File → Index catalogue folder…"
MANAGE = "File → Manage catalogues…"
# each way out of errors.WayOut through the window's own menus and questions, never a command-line option
WINDOW_WAYS: dict[WayOut, str] = {
    WayOut.REPLACE_DAMAGED: (f"index its folder again ({INDEX_FOLDER}), which offers to set the damaged file aside, "
                             f"or delete the catalogue ({MANAGE})"),
    WayOut.OTHER_NAME_OR_REPLACE: (f"index this folder under another name, or replace that catalogue ({INDEX_FOLDER} "
                                   "asks before it replaces one)"),
    WayOut.MOVED_OR_OTHER_NAME: ("if this is that folder moved or renamed, let it replace that catalogue "
                                 f"({INDEX_FOLDER} asks before it replaces one): its category choices are kept; if "
                                 "not, index it under another name"),
    WayOut.MAPPING_OR_REPLACE: (f"delete the catalogue ({MANAGE}) and index the folder again (its items get new "
                                "ids); the window reads no mapping file, the index command in a terminal does"),
    WayOut.READ_ANEW: f"index the folder again ({INDEX_FOLDER}), which asks before it reads it anew",
    WayOut.REPLACE_MAPPING: "save again to replace it",
    WayOut.WRITE_MAPPING_ELSEWHERE: "make the folder writable (or copy it where you can write), then save again",
    WayOut.PUT_MAPPING_BACK: "put the mapping file back, then re-sync the catalogue",
    WayOut.OTHER_INDEX_OR_REPLACE: f"index this folder under another name ({INDEX_FOLDER})",
    WayOut.OTHER_INDEX_FOLDER: f"index this folder under another name ({INDEX_FOLDER})",
    WayOut.OTHERS_OWN_FOLDER: "open this catalogue from the switcher, which finds its own index",
    WayOut.REPLACE_OR_KEEP_BOTH: (f"index its folder again under another name to keep both ({INDEX_FOLDER}), or "
                                  f"delete this catalogue ({MANAGE}) and index its folder again"),
    WayOut.MODEL_GONE: "put it back, or train a new one (File → Train model on this catalogue…)",
    WayOut.NAME_MODEL: "train a new one (File → Train model on this catalogue…), or index it from a terminal naming its model",
    WayOut.OTHER_MODEL: "File → Train model on this catalogue… trains another",
    # said of a home that is a file, holds no such catalogue, cannot be written (trial EO): only a start chooses one
    WayOut.OTHER_INDEX_HOME: "start the app with another index home (the SANE_INDEX_HOME setting)",
    WayOut.REBUILD: f"re-index it ({MANAGE} → Re-sync)",  # a photo written anew has a new ctime: a re-sync reads it
    WayOut.ON_SERVER: "open it with File → Open shared catalogue… when its index is on the server too",
    WayOut.RECORDED_INDEX_FOLDER: f"re-index it here ({MANAGE} → Re-sync)",
    WayOut.FOLDER_MOVED: (f"if it was moved or renamed, index the folder where it is now ({INDEX_FOLDER}) under this "
                          "catalogue's name, and let it replace this one: its category choices are kept"),
}


def window_message(error: SaneError) -> str:
    """What the window says of ``error``: its problem and its way out through the window's menus
    (:data:`WINDOW_WAYS`) when it carries one, else its message in :func:`window_words` (a trial read
    the command line's ``--replace`` in a window that has no such option)."""
    if error.way_out is not None:
        return f"{window_words(error.problem)}: {WINDOW_WAYS[error.way_out]}"
    return window_words(str(error))


def note_words(note: str | None, way_out: WayOut | None) -> str:
    """An index run's note (its clauses joined by "; ") as the window says it, its way out last."""
    words = window_words(note or "")
    return f"{words}; {WINDOW_WAYS[way_out]}" if words and way_out is not None else words


def photos_of(titles: list[str]) -> tuple[str, bool]:
    """("The photo of “A”" or "The photos of “A” and “B”", whether it is plural), for a sentence whose
    verb agrees (trial T read "The photo of “A”, “B” is no longer …"). ``titles`` as shown, unquoted."""
    quoted = [f"“{title}”" for title in titles]
    joined = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
    return f"The photo{'s' if len(quoted) > 1 else ''} of {joined}", len(quoted) > 1


def file_name_words(text: str, limit: int = 60) -> str:
    """``text`` as the words of a file name an export offers: case folded, one hyphen between words (trial DF was
    offered "why-black-handbag---heart-detail.png"), at most ``limit`` characters (and 120 bytes), never ending in a hyphen
    where it is cut (trial DO: "…-with-statement-coat-.png"); "" when no word is left. The marks written inside
    a word stay in it, composed where Unicode composes them (trial DP was offered "outfit-cafe" for a "Café"
    typed with a separate accent, "cafe-cre-me" and a Hindi "क-र-त-ल-ल")."""
    folded = unicodedata.normalize("NFC", text.casefold())
    kept = "".join(char if char in "_-" or unicodedata.category(char)[0] in "LMN" else "-" for char in folded)
    words = re.sub(r"-{2,}", "-", kept).strip("-")
    cut = limit
    while 0 < cut < len(words) and unicodedata.category(words[cut])[0] == "M":  # never a mark without its letter
        cut -= 1
    # and in bytes too, as file systems count (255 a name): 60 CJK characters of 4 bytes left no room (trial EO)
    return paths.cut_to_bytes(words[:cut], FILE_NAME_WORD_BYTES).rstrip("-")


FILE_NAME_WORD_BYTES = 120
