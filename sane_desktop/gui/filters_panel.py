"""The filters sidebar (issue 18, point 13): the catalogue's categories and attribute values (colour,
pattern, fabric …) as check boxes, each with the number of items ticking it would show. OR within a
key, AND across keys; in a narrow panel a long value is elided ("…") and its count always shows,
so the panel never scrolls sideways; the ticks filter both the catalogue grid and the results (the window asks
again through the worker). Counts come from the database on the worker thread
(:func:`sane_desktop.service.filters.facets`), on a channel of their own: a newer request drops the
older one. Also the catalogue grid's sort choice (:func:`catalogue_sort_combo`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QGroupBox, QPushButton, QScrollArea, QSizePolicy, QStyle, QStyleOptionButton,
    QStyleOptionGroupBox, QStylePainter, QVBoxLayout, QWidget,
)

from sane_desktop.gui.tasks import TaskRunner
from sane_desktop.gui.text import isolated, left_to_right, plain_label, plain_tooltip, set_plain
from sane_desktop.service.filters import SORT_KEYS, FacetCounts, ItemFilter, facets
from sane_desktop.service.titles import counted, kind_label

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

CATEGORY_GROUP = "Category"
PANEL_HINT = QSize(170, 400)
SUMMARY_LINES = 2  # the count line above the boxes keeps room for this many lines
CATALOGUE_SORT_LABELS = {"title": "Title", "category": "Category", "newest": "Newest indexed", "colour": "Colour"}


def catalogue_sort_combo(chosen: str, on_change: Callable[[str], None]) -> QComboBox:
    """The catalogue grid's order: title, category, newest indexed, colour; starts at ``chosen``
    (the remembered one; an unknown one is title) and calls ``on_change`` with the new key."""
    combo = QComboBox()
    combo.setToolTip("Order of the catalogue's items")
    # as wide as a short label, whatever the longest: the window keeps its smallest width
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    combo.setAccessibleName("Sort catalogue by")
    combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a mouse choice leaves the keyboard where it was (trial CC)
    for key in SORT_KEYS:
        combo.addItem(CATALOGUE_SORT_LABELS[key], key)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    combo.currentIndexChanged.connect(lambda _i: on_change(str(combo.currentData())))
    return combo


def value_label(value: str, count: int | None) -> str:
    """"value (count)"; "value (?)" for a count that could not be taken. A right-to-left value is set apart
    in a left-to-right line: "שמלות (16)" read "(16) שמלות" (trial DP)."""
    return left_to_right(f"{isolated(value)} ({'?' if count is None else count})")


def literal_ampersands(text: str) -> str:
    """``text`` for a button or a group box title, which read "&" as a shortcut marker: trial M's
    category "Tops & Tees" read "Tops _Tees" (an underlined space) in the Filters panel."""
    return text.replace("&", "&&")


ELLIPSIS = "…"


class ValueBox(QCheckBox):
    """A value's check box, "value (count)" (its ``text()``, plain). Narrower than its text, it
    draws the value elided ("…") and the count whole, the full text in its tooltip; it never
    shrinks below "… (count)", so the count is always read. ``label()`` is that text as read; Qt holds
    it with each "&" doubled (:func:`literal_ampersands`)."""

    def __init__(self, value: str, count: int | None, parent: QWidget | None = None) -> None:
        super().__init__(literal_ampersands(value_label(value, count)), parent)
        self.value, self.count = value, count
        # a check box will not shrink below its text (Minimum): this one may, down to minimumSizeHint
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_count(self, count: int | None) -> None:
        """A new count for the same value (the tick and the focus stay); None: not known now. At 0 and not ticked
        it is greyed: no item under the other ticks has the value (a tick at 0 can always be undone)."""
        self.count = count
        self.setText(literal_ampersands(value_label(self.value, count)))
        self.setEnabled(count != 0 or self.isChecked())
        self.updateGeometry()
        self._update_tooltip()

    def label(self) -> str:
        """"value (count)" as a person reads it."""
        return value_label(self.value, self.count)

    def shown_text(self) -> str:
        """The text as read at the current width: whole, or the value elided and the count whole."""
        metrics = self.fontMetrics()
        room = self._text_room()
        if metrics.horizontalAdvance(self.label()) <= room:
            return self.label()
        count = f" ({'?' if self.count is None else self.count})"
        room -= metrics.horizontalAdvance(count)
        value = metrics.elidedText(self.value, Qt.TextElideMode.ElideRight, max(0, room))
        return left_to_right(isolated(value or ELLIPSIS) + count)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = self.sizeHint()
        metrics = self.fontMetrics()
        shortest = metrics.horizontalAdvance(f"{ELLIPSIS} ({'?' if self.count is None else self.count})")
        return QSize(min(hint.width(), hint.width() - metrics.horizontalAdvance(self.label()) + shortest), hint.height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        # QCheckBox's own painting, with the text as shown at this width
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = literal_ampersands(self.shown_text())
        painter.drawControl(QStyle.ControlElement.CE_CheckBox, option)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._update_tooltip()

    def _text_room(self) -> int:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return self.style().subElementRect(QStyle.SubElement.SE_CheckBoxContents, option, self).width()

    def _update_tooltip(self) -> None:
        self.setToolTip(plain_tooltip(self.label()) if self.shown_text() != self.label() else "")


class ValueGroup(QGroupBox):
    """A key's group of values. Its title is elided ("…", the full title in the tooltip) rather
    than widening the panel: its smallest width is that of its values."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(literal_ampersands(title), parent)
        self.full_title = title

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None:
            margins = self.contentsMargins()
            hint.setWidth(layout.minimumSize().width() + margins.left() + margins.right())
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # the style's title rectangle is the text and its padding; the text gets what the padding leaves
        option = QStyleOptionGroupBox()
        self.initStyleOption(option)
        label = self.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option,
                                            QStyle.SubControl.SC_GroupBoxLabel, self)
        padding = max(0, label.width() - self.fontMetrics().horizontalAdvance(self.title().replace("&&", "&")))
        # from the title's start: its left edge, or in a right-to-left layout its right one (trial CP: measured
        # from the left there, a title could only shrink)
        start = self.width() - 1 - min(self.width() - 1, label.right()) if self.isRightToLeft() else max(0, label.left())
        room = max(0, self.width() - start - padding)
        shown = self.fontMetrics().elidedText(self.full_title, Qt.TextElideMode.ElideRight, room)
        if literal_ampersands(shown) != self.title():
            self.setTitle(literal_ampersands(shown))
            self.setToolTip(plain_tooltip(self.full_title) if shown != self.full_title else "")


class FiltersPanel(QWidget):
    """Check boxes per attribute key and per category; ``changed`` fires on every tick or untick."""

    changed = Signal()

    def __init__(self, runner: TaskRunner[CatalogueService], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.channel = runner.channel()
        self._ticked: dict[str, set[str]] = {}  # group (attribute key, or CATEGORY_GROUP) -> ticked values
        self._boxes: dict[str, dict[str, ValueBox]] = {}  # group -> value -> its check box
        self._groups: dict[str, ValueGroup] = {}
        self.counts: FacetCounts | None = None
        self._search = ("", "")  # the browser's category and text the counts are under
        # group -> the values listed since the counts were first taken under ``_listed_for`` (show_counts)
        self._listed: dict[str, list[str]] = {}
        self._listed_for: tuple[str, str] | None = None
        self._counting = ("", "")  # the search the counts asked for last are taken under
        self._stale = False  # counts were asked for while hidden
        self.summary = plain_label()
        self.summary.setWordWrap(True)
        # room for two lines whatever it says: "600 items; tick values…" wrapped to two where "67 items match the
        # filters." took one, and every box below moved 14 px under the pointer between two clicks (trial EE)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setMinimumHeight(SUMMARY_LINES * self.summary.fontMetrics().lineSpacing())
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setToolTip("Untick every value: show every item")
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.setEnabled(False)
        top = QVBoxLayout()  # stacked: the dock stays narrow
        top.addWidget(self.summary)
        top.addWidget(self.clear_button)
        self._inner = QWidget()
        self._inner_layout = QVBoxLayout(self._inner)
        self._inner_layout.setContentsMargins(0, 0, 0, 0)
        self._inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._inner)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        set_plain(self.summary, "Open a catalogue to filter its items.")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.request_counts(*self._search)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return PANEL_HINT  # narrow: the catalogue grid keeps its columns beside it

    # --- the filter ----------------------------------------------------------------------------
    def item_filter(self, min_mean: float | None = None) -> ItemFilter:
        """The ticks as a filter, with the results' bound ``min_mean`` (on their mean cosine over the
        outfit items compared: :func:`~sane_desktop.service.match_score.mean_bound`)."""
        values = {key: frozenset(ticked) for key, ticked in self._ticked.items()
                  if key != CATEGORY_GROUP and ticked}
        return ItemFilter(values, frozenset(self._ticked.get(CATEGORY_GROUP, ())), min_mean)

    def describe(self) -> str:
        """The ticks in words ("colour: red or blue; pattern: striped"), plain text; "" when none."""
        return "; ".join(f"{key.lower()}: {' or '.join(sorted(ticked))}"
                         for key, ticked in sorted(self._ticked.items()) if ticked)

    def tick(self, group: str, value: str, on: bool = True) -> None:
        """Tick (or untick) ``value`` of ``group`` as a click on its box would."""
        box = self._boxes.get(group, {}).get(value)
        if box is not None:
            box.setChecked(on)

    def box(self, group: str, value: str) -> ValueBox | None:
        return self._boxes.get(group, {}).get(value)

    def clear(self) -> None:
        """Untick everything (``changed`` fires once when anything was ticked)."""
        had = any(self._ticked.values())
        self._ticked.clear()
        for boxes in self._boxes.values():
            for box in boxes.values():
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
        self.clear_button.setEnabled(False)
        if had:
            self.changed.emit()

    def ticks(self) -> dict[str, set[str]]:
        """What is ticked: group (attribute key, or the category group) -> values."""
        return {group: set(values) for group, values in self._ticked.items() if values}

    def restore(self, ticks: dict[str, set[str]]) -> None:
        """Tick ``ticks`` (remembered from an earlier run) in a panel just :meth:`reset`, without
        ``changed``: the boxes show them once counted, and the grid asked for next is filtered by them."""
        self._ticked = {group: set(values) for group, values in ticks.items() if values}
        self.clear_button.setEnabled(bool(self._ticked))

    def reset(self) -> None:
        """Another catalogue: forget the ticks and the boxes (no ``changed``)."""
        self.channel.discard()
        self._ticked.clear()
        for group in list(self._groups):
            self._remove_group(group)
        self.counts = None
        self._listed, self._listed_for = {}, None
        self.clear_button.setEnabled(False)
        set_plain(self.summary, "Counting…")

    # --- counts (worker thread) ------------------------------------------------------------------
    def request_counts(self, category: str, text: str) -> None:
        """Count the values under the current ticks (and the browser's category and text search);
        while the panel is hidden, once it is shown."""
        self._search = (category, text)
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        item_filter = self.item_filter()
        self._counting = (category, text)  # the channel hands on only its last task's counts
        self.channel.start(lambda service, _state: facets(service.current().items, item_filter, category, text),
                           "Counting attribute values…") \
            .on_done(self._counted).on_failed(self._counts_failed)

    def _counted(self, counts: FacetCounts) -> None:  # a bound method: not called once the panel is gone
        self.show_counts(counts, self._counting)

    def _counts_failed(self, message: str) -> None:
        """The counts could not be taken: every box's count reads "?", not the last search's (trial DE read the
        "black" counts under "black or blue")."""
        for boxes in self._boxes.values():
            for box in boxes.values():
                box.set_count(None)
        set_plain(self.summary, f"No counts: {message}")

    def show_counts(self, counts: FacetCounts, search: tuple[str, str] = ("", "")) -> None:
        """The boxes under ``counts``, taken under the browser's ``search`` (category, text). A value the counts
        leave out (no item under the other ticks has it) stays listed, "(0)" and greyed, while the search is the
        same: trial EE's ticks made the groups above shrink and every box below move under the pointer."""
        self.counts = counts
        if search != self._listed_for:
            self._listed, self._listed_for = {}, search
        counted_now = {CATEGORY_GROUP: dict(counts.categories), **{f.key: dict(f.values) for f in counts.facets}}
        for group, listed in self._listed.items():
            counted_now.setdefault(group, {})
            for value in listed:
                counted_now[group].setdefault(value, 0)
        keys = sorted(key for key in counted_now if key != CATEGORY_GROUP)
        groups = [(group, sorted(counted_now[group].items())) for group in (CATEGORY_GROUP, *keys)]
        groups = [(group, values) for group, values in groups if values or group == CATEGORY_GROUP]
        self._listed = {group: [value for value, _n in values] for group, values in groups}
        wanted = {group for group, _values in groups}
        for group in list(self._groups):
            if group not in wanted:
                self._remove_group(group)
        for position, (group, values) in enumerate(groups):
            self._show_group(position, group, values)
        self._order_tabs()
        if not counts.facets and not counts.categories and (self._search[1] or counts.total == 0):
            # nothing left to count is the search's doing, not the catalogue's (trial DF read "This catalogue
            # has no attribute values" after a search for "zzzz")
            set_plain(self.summary, "No item matches the search: nothing to count.")
        elif not counts.facets and not counts.categories:
            set_plain(self.summary, "This catalogue has no attribute values to filter by.")
        elif any(self._ticked.values()):
            set_plain(self.summary, f"{counted(counts.total, 'item')} {'matches' if counts.total == 1 else 'match'} the filters.")
        else:
            set_plain(self.summary, f"{counted(counts.total, 'item')}; tick values to show only those.")

    def _show_group(self, position: int, group: str, values: list[tuple[str, int]]) -> None:
        boxes = self._boxes.get(group)
        if boxes is not None and list(boxes) == [value for value, _n in values]:
            for value, count in values:  # the same values: new counts only (focus and ticks stay)
                boxes[value].set_count(count)
            return
        self._remove_group(group)
        title = group if group == CATEGORY_GROUP else kind_label(group)
        box_group = ValueGroup(title)
        box_layout = QVBoxLayout(box_group)
        box_layout.setContentsMargins(2, 2, 2, 2)  # narrow margins: room for the values in a narrow panel
        box_layout.setSpacing(2)
        boxes = {}
        ticked = self._ticked.get(group, set())
        for value, count in values:
            box = ValueBox(value, count)  # a check box's text is always plain
            box.setChecked(value in ticked)
            box.setEnabled(count != 0 or box.isChecked())
            box.toggled.connect(lambda on, g=group, v=value: self._toggled(g, v, on))
            box_layout.addWidget(box)
            boxes[value] = box
        self._boxes[group], self._groups[group] = boxes, box_group
        self._inner_layout.insertWidget(min(position, self._inner_layout.count() - 1), box_group)

    def _order_tabs(self) -> None:
        """Tab from Clear filters down the tick boxes in the panel's order (made with each count, they came after
        the status bar's slider: trial DE)."""
        by_widget = {id(box_group): name for name, box_group in self._groups.items()}
        chain: list[QWidget] = [self.clear_button]
        for i in range(self._inner_layout.count()):
            item = self._inner_layout.itemAt(i)
            name = by_widget.get(id(item.widget())) if item is not None else None
            if name is not None:
                chain += list(self._boxes[name].values())
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def _remove_group(self, group: str) -> None:
        box_group = self._groups.pop(group, None)
        self._boxes.pop(group, None)
        if box_group is not None:
            box_group.setParent(None)
            box_group.deleteLater()

    def _toggled(self, group: str, value: str, on: bool) -> None:
        ticked = self._ticked.setdefault(group, set())
        (ticked.add if on else ticked.discard)(value)
        self.clear_button.setEnabled(any(self._ticked.values()))
        self.changed.emit()

