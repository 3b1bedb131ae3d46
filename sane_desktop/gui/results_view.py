"""Compatible items for the outfit, best first, with a target category selector ("all" included).
Each new result list starts at the top; the headings are elided to their width (a long "Similar to …"
title never widens the window). Above the grid: "Hide matches below …" (a 0–100 match, as the tiles
show it; the window searches again with it) and the order (best match, title). An empty list says
why: no outfit, nothing compatible, or nothing passing the filters (with a link to clear them).

The header is two rows when the panel has room ("Compatible items for [category]", then "Hide matches
below [spin] [order]"); in a narrow panel (the middle column of an 800-pixel window) it takes more
rows rather than eliding its words: the heading above "for [category]", the spin box beside or below
its label, the order on a row of its own. :meth:`ResultsView.least_height` is what the panel needs to
show one whole row of tiles under that header (the window's outfit strip shrinks to leave it)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QBoxLayout, QComboBox, QLabel, QListView, QSizePolicy, QSpacerItem, QSpinBox, QStackedWidget,
    QStyle, QVBoxLayout, QWidget,
)

from sane_desktop.gui.delegates import ItemTileDelegate
from sane_desktop.gui.models import RESULT_SORTS, ItemListModel, Role
from sane_desktop.gui.text import ElidedComboBox, ElidedLabel, plain_label, plain_tooltip, set_plain, set_rich
from sane_desktop.gui.timers import timer
from sane_desktop.service import SearchResult
from sane_desktop.service.titles import category_label

ALL_LABEL = "All categories"
ALL_OTHER_LABEL = "All other categories"  # every category but the outfit's own kinds (trial BW)
TARGET_TIP = "Category of the items to find for the outfit"
VISIBLE_DEBOUNCE_MS = 80  # scrolling settles before the visible tiles are (re)requested
THRESHOLD_DEBOUNCE_MS = 300  # typing "65" searches once, not for "6" then "65"
EMPTY_RESULTS_WORDS = "Add items to the outfit to see what goes with them."  # the results of an empty outfit
SORT_LABELS = {"score": "Best match", "title": "Title"}
LIKENESS_SORT_LABEL = "Most alike"  # the score order over an item's look-alikes (trial BZ read "Best match" there)
THRESHOLD_LABEL = "Hide matches below"
HEADING_ASIDE = " — "  # a heading's title, then an aside that may be elided (set_heading)
LIKENESS_THRESHOLD_LABEL = "Hide look-alikes below"  # over an item's look-alikes (Find visually similar)
SORT_GAP = 8  # px between the spin box and the order, on top of the layout's spacing
LTR, TTB = QBoxLayout.Direction.LeftToRight, QBoxLayout.Direction.TopToBottom
NO_MATCH_FILTERED = "No items match the filters — <a href='clearfilters'>clear filters</a>"
# an unfiltered empty list: the search leaves out the outfit's own items and copies of their photos, so
# this is all it can mean (trial AO: a catalogue of one photo under many ids read "No compatible items
# found", as if the model had found nothing)
NO_OTHER_ITEMS = ("Nothing to list: no indexed item of these categories besides your outfit's own items and copies "
                  "of their photos.")

KEYBOARD_FOCUS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason, Qt.FocusReason.ShortcutFocusReason)


class KeyboardFocusSelects(QObject):
    """On an item view: when the keyboard (Tab, Shift+Tab, a shortcut) gives it the focus and nothing
    is selected, its current item (the first one when there is none) becomes current and selected.
    Qt alone makes the first item current without selecting it: Ctrl+Enter then added nothing and
    the first Right press went to the second item. A click keeps Qt's own behaviour."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FocusIn and isinstance(event, QFocusEvent) \
                and event.reason() in KEYBOARD_FOCUS:
            self.select_current()
        return super().eventFilter(watched, event)

    def select_current(self) -> None:
        """Select the current item (the first when none is current), unless something is selected."""
        model, selection = self.view.model(), self.view.selectionModel()
        if model is None or selection is None or selection.hasSelection() or not model.rowCount():
            return
        index = self.view.currentIndex()
        if not index.isValid():
            index = model.index(0, 0, self.view.rootIndex())
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)


class KeepCurrentInView(QObject):
    """On a list view whose items flow into rows (icon mode, :attr:`QListView.ResizeMode.Adjust`): the
    current item, in view before the view's width changed, is scrolled back into view once its items
    are laid out again. The scroll offset stays in pixels, so a window widened from one column to two
    showed other tiles and not the selected one (trial BN)."""

    LAYOUT_MS = 150  # after the view's own delayed layout

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self._timer = timer(self, self.LAYOUT_MS)
        self._timer.timeout.connect(self._scroll)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and isinstance(event, QResizeEvent) \
                and event.size().width() != event.oldSize().width():
            current = self.view.currentIndex()
            before = QRect(QPoint(0, 0), event.oldSize())
            if current.isValid() and (self._timer.isActive() or before.intersects(self.view.visualRect(current))):
                self._timer.start()
        return super().eventFilter(watched, event)

    def _scroll(self) -> None:
        current = self.view.currentIndex()
        if current.isValid():
            self.view.scrollTo(current)


class ResultsView(QWidget):
    target_changed = Signal(str)  # "" = all
    result_activated = Signal(int)  # candidate pk
    visible_changed = Signal(list)  # row numbers of the tiles now in view (after scrolling settles)
    hovered = Signal(object)  # candidate pk under the mouse, or None
    link_activated = Signal(str)  # a link in the empty-state message (e.g. "reindex", "clearfilters")
    threshold_changed = Signal(int)  # "Hide matches below": a 0–100 match, 0 = hide nothing (debounced)
    sort_changed = Signal(str)  # one of RESULT_SORTS
    # the header's rows or the tiles' size changed: :meth:`least_height` may have (the window refits the outfit strip)
    least_height_changed = Signal()

    def __init__(self, model: ItemListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.target = ElidedComboBox()
        self.target.setToolTip(TARGET_TIP)
        self.target.setAccessibleName("Compatible items for")  # a screen reader reads no tooltip as a name
        self.target.addItem(ALL_LABEL, "")
        self._every_category_words: tuple[tuple[str, ...], str] = ((), "")  # name_every_category's last words
        # as wide as a short category name, whatever the catalogue's longest: the window keeps its width
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(12)
        # chosen with the mouse, the box does not keep the keyboard: End pressed next for the last result
        # switched the target instead and searched again (trial BZ); Tab still reaches it
        self.target.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.target.currentIndexChanged.connect(lambda _i: self.target_changed.emit(self.target.currentData() or ""))
        self.view = QListView()
        self.view.setAccessibleName("Results")
        self.view.setModel(model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        KeepCurrentInView(self.view)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(140, 140))
        self.delegate = ItemTileDelegate(show_score=True, parent=self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setToolTip("Compatible items, best first. Click one (or press Enter on it) to see why it matches.")
        self.view.clicked.connect(lambda index: self.result_activated.emit(int(index.data(Role.ItemPk))))
        self.view.activated.connect(lambda index: self.result_activated.emit(int(index.data(Role.ItemPk))))
        self.view.setMouseTracking(True)
        self.view.entered.connect(lambda index: self.hovered.emit(int(index.data(Role.ItemPk))))
        self.view.viewportEntered.connect(lambda: self.hovered.emit(None))
        self.view.viewport().installEventFilter(self)
        self.keyboard_focus = KeyboardFocusSelects(self.view)  # Tab in: the first result, selected
        self._visible_timer = timer(self, VISIBLE_DEBOUNCE_MS)
        self._visible_timer.timeout.connect(lambda: self.visible_changed.emit(self.visible_rows()))
        self.view.verticalScrollBar().valueChanged.connect(lambda _v: self._visible_timer.start())
        model.modelReset.connect(self._visible_timer.start)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.empty.setMargin(24)
        self.empty.linkActivated.connect(self.link_activated)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.heading = ElidedLabel()
        set_rich(self.heading, "<b>Compatible items</b>")  # the window may say "Visually similar items" here
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        # "Similar to …" while the results are the items that look like one item, or which categories
        # an outfit search could only rank by looks; empty (hidden) otherwise. Plain text: the title
        # and the categories are the catalogue's.
        # two lines: both of its sentences (look-alike categories, outfit items counting by looks) read
        # whole in a 1280-pixel window's results column
        self.similar_heading = ElidedLabel(lines=2)
        self.similar_heading.setObjectName("similar-heading")
        self.similar_heading.setVisible(False)
        self.threshold = QSpinBox()
        self.threshold.setRange(0, 100)
        self.threshold.setSuffix("/100")
        self.threshold.setSpecialValueText("off")
        self.threshold.setToolTip("Hide matches whose match score (the figure on each tile) is below this")
        self.threshold.setAccessibleName("Hide matches below")
        self._threshold_timer = timer(self, THRESHOLD_DEBOUNCE_MS)
        self._threshold_timer.timeout.connect(lambda: self.threshold_changed.emit(self.threshold.value()))
        self.threshold.valueChanged.connect(lambda _v: self._threshold_timer.start())
        self.sort = ElidedComboBox()
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sort.setMinimumContentsLength(6)
        self.sort.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # as the target box: a click leaves the keyboard where it was
        self.sort.setAccessibleName("Sort results by")
        for key in RESULT_SORTS:
            self.sort.addItem(SORT_LABELS[key], key)
        self.sort.setToolTip("Order of the results (the rank on each tile stays the match rank)")
        self.sort.currentIndexChanged.connect(lambda _i: self._sort_chosen())
        self.filter_note = QLabel()  # what the filters hide, with a link to clear them (our markup)
        self.filter_note.setWordWrap(True)
        self.filter_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.filter_note.linkActivated.connect(self.link_activated)
        self.filter_note.setVisible(False)
        self.for_label = plain_label("for")
        self.for_label.setBuddy(self.target)  # the label a screen reader says with the box
        # elided only when the panel is narrower than its smallest layout (full text in its tooltip)
        self.threshold_label = ElidedLabel(THRESHOLD_LABEL)
        # each row is a box whose direction _reflow turns (left to right, or top to bottom) with the width
        self._category_row = QBoxLayout(LTR)
        self._category_row.addWidget(self.for_label)
        self._category_row.addWidget(self.target)
        self._header = QBoxLayout(LTR)
        self._header.addWidget(self.heading, 1)
        self._header.addLayout(self._category_row)
        self._threshold_row = QBoxLayout(LTR)
        self._threshold_row.addWidget(self.threshold_label, 1)
        self._threshold_row.addWidget(self.threshold)
        self._sort_gap = QSpacerItem(SORT_GAP, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        self._controls = QBoxLayout(LTR)
        self._controls.addLayout(self._threshold_row, 1)
        self._controls.addItem(self._sort_gap)
        self._controls.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._header)
        layout.addWidget(self.similar_heading)
        layout.addLayout(self._controls)
        layout.addWidget(self.stack, 1)
        # under the list, not above it: a note that comes later (the tiles' explanations, a photo check) moved the
        # results down under the pointer, and a click meant for the first result followed a link (trial DV)
        layout.addWidget(self.filter_note)
        self.show_message(EMPTY_RESULTS_WORDS)

    # --- the header's rows ---------------------------------------------------------------------
    def _spacing(self) -> int:
        """The layouts' horizontal spacing, as they lay out (the style's when they have none of their own)."""
        spacing = self._header.spacing()
        if spacing < 0:
            spacing = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing, None, self)
        return max(0, spacing)

    @staticmethod
    def _widths(box: QBoxLayout, widget: QWidget) -> tuple[int, int]:
        """``widget``'s preferred and least widths as ``box`` lays it out (its size policy applied)."""
        item = box.itemAt(box.indexOf(widget))
        assert item is not None, "laid out in __init__"
        return item.sizeHint().width(), item.minimumSize().width()

    @staticmethod
    def _text_width(label: ElidedLabel, text: str | None = None) -> int:
        """Pixels ``label`` needs to show ``text`` (default: all its text) on one line."""
        margins = label.contentsMargins()
        shown = label.plain_text() if text is None else text
        return (label.fontMetrics().horizontalAdvance(shown) + margins.left() + margins.right()
                + 2 * label.margin() + 1)  # +1: fractional advances round up

    def _title_width(self) -> int:
        """Pixels the heading's title needs whole: its words before :data:`HEADING_ASIDE`. The aside after it
        ("— learnt from other catalogues' outfits") is elided in a narrow panel, the whole heading in its
        tooltip: counted whole in the panel's least width, it made an 800-pixel window 839 wide, past its
        screen, once a catalogue without outfits was open (the least width grew after the window was fitted)."""
        title, *aside = self.heading.plain_text().split(HEADING_ASIDE, 1)
        return self._text_width(self.heading, title + (" …" if aside else ""))  # the aside elided: the title, "…"

    def set_heading(self, markup: str, hint: str = "") -> None:
        """The heading (our markup: a bold title, then an aside after :data:`HEADING_ASIDE` that a narrow
        panel elides) and a line for its tooltip (none unless given: a heading never keeps another's)."""
        set_rich(self.heading, markup)
        self.heading.set_hint(hint)
        self._reflow()  # its title may need the panel wider, or may fit beside "for [category]" now

    def header_fits(self, width: int) -> tuple[bool, bool, bool]:
        """At ``width`` pixels: whether the heading and "for [category]" share a row, "Hide matches below"
        and its spin box share a row, and that row and the order share a row (all at their preferred
        widths, the words whole)."""
        gap = self._spacing()
        category = (self._widths(self._category_row, self.for_label)[0] + gap
                    + self._widths(self._category_row, self.target)[0])
        threshold = self._text_width(self.threshold_label) + gap + self._widths(self._threshold_row, self.threshold)[0]
        # the spacer before the order takes no spacing of its own
        controls = threshold + gap + SORT_GAP + self._widths(self._controls, self.sort)[0]
        return self._text_width(self.heading) + gap + category <= width, threshold <= width, controls <= width

    def narrowest_width(self) -> int:
        """The panel's least width: what the two-row header needs with its words elided (the panel's
        least width as it always was), or what the header on the most rows needs with its words whole
        when that is more (a large font)."""
        gap = self._spacing()
        for_least = self._widths(self._category_row, self.for_label)[1]
        target_least = self._widths(self._category_row, self.target)[1]
        spin_least = self._widths(self._threshold_row, self.threshold)[1]
        sort_least = self._widths(self._controls, self.sort)[1]
        two_rows = max(2 * gap + for_least + target_least, 2 * gap + SORT_GAP + spin_least + sort_least)
        most_rows = max(self._title_width(), self._text_width(self.threshold_label),
                        gap + for_least + target_least, spin_least, sort_least)
        return max(two_rows, most_rows)

    def _reflow(self) -> None:
        """Turn the header's rows to fit the current width (only what changed, so a resize that keeps
        the arrangement re-lays nothing)."""
        heading_beside, spin_beside, sort_beside = self.header_fits(self.width())
        if self.minimumWidth() != self.narrowest_width():
            # the panel never gets narrower than before, so the window around it keeps its layout
            self.setMinimumWidth(self.narrowest_width())
        changed = False
        for box, direction in ((self._header, LTR if heading_beside else TTB),
                               (self._controls, LTR if sort_beside else TTB),
                               (self._threshold_row, LTR if spin_beside or sort_beside else TTB)):
            if box.direction() != direction:
                box.setDirection(direction)
                changed = True
        if changed:
            # a narrow header: the category combo fills its row, the order sits under the spin box
            self._category_row.setStretch(1, 0 if heading_beside else 1)
            self._sort_gap.changeSize(SORT_GAP if sort_beside else 0, 0,
                                      QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
            self._controls.setAlignment(self.sort, Qt.AlignmentFlag(0) if sort_beside
                                        else Qt.AlignmentFlag.AlignLeft)
            self._controls.invalidate()

    def set_threshold(self, value: int) -> None:
        """Show ``value`` in "Hide matches below" without a search, and drop one still pending (another catalogue's:
        typed, then the catalogue switched within the debounce)."""
        self._threshold_timer.stop()
        self.threshold.blockSignals(True)
        self.threshold.setValue(value)
        self.threshold.blockSignals(False)

    def least_height(self) -> int:
        """Pixels of height the panel needs to show its header (its rows at this width, the lines
        under it when shown) and one whole row of tiles below it."""
        layout = self.layout()
        assert layout is not None, "laid out in __init__"
        margins = layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        height = margins.top() + margins.bottom()
        for number in range(layout.count()):
            item = layout.itemAt(number)
            if item is None or item.isEmpty() or item.widget() is self.stack:
                continue
            height += (item.heightForWidth(width) if item.hasHeightForWidth() else item.sizeHint().height())
            height += max(0, layout.spacing())
        return height + self.delegate.tile_size().height() + 2 * self.view.frameWidth()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._reflow()
        if event.size().width() != event.oldSize().width():  # the header's rows may have changed
            self.least_height_changed.emit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._reflow()
            self.least_height_changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.hovered.emit(None)
        elif event.type() == QEvent.Type.Resize:
            self._visible_timer.start()
        return super().eventFilter(watched, event)

    def visible_rows(self) -> list[int]:
        """Rows whose tile intersects the viewport, top to bottom."""
        if not self.showing_results():
            return []
        area = self.view.viewport().rect()
        return [row for row in range(self.model.rowCount())
                if self.view.visualRect(self.model.index(row)).intersects(area)]

    def set_categories(self, categories: list[str], keep: str = "") -> None:
        """The target choices: every category, then ``categories``; ``keep`` stays chosen when it is
        still one of them (the same catalogue re-synced), else every category."""
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem(ALL_LABEL, "")
        for category in categories:
            self.target.addItem(category_label(category), category)
        self.target.setCurrentIndex(max(0, self.target.findData(keep)) if keep else 0)
        self.target.blockSignals(False)
        # the first choice keeps its words: a re-index refreshing the lists after the search's note made
        # it read "All categories" while the outfit's own kinds were still left out (a new user's try)
        self.name_every_category(*self._every_category_words)

    def name_every_category(self, left_out: Sequence[str] = (), hint: str = "") -> None:
        """The first choice's words: "All categories", or "All other categories" while the outfit's own kinds
        (``left_out``) are not listed in it, with ``hint`` (why, and the way to them) as its tooltip — said
        in the box, not on a line of its own, which took the results' one row of tiles at 800 × 600."""
        self._every_category_words = (tuple(left_out), hint)
        self.target.setItemText(0, ALL_OTHER_LABEL if left_out else ALL_LABEL)
        # plain tooltips: the names are catalogue text, and a long one is given places to wrap (trial DQ)
        self.target.setItemData(0, plain_tooltip(f"Not listed: {', '.join(left_out)}. {hint}") if left_out else None,
                                Qt.ItemDataRole.ToolTipRole)
        self.target.setToolTip(plain_tooltip(f"Category of the items to find for the outfit (not listed: "
                                             f"{', '.join(left_out)}: {hint})")
                               if left_out and self.target.currentIndex() == 0 else TARGET_TIP)

    def target_categories(self) -> list[str]:
        """The categories the "for" box offers, in its order (not its first choice, every category)."""
        return [str(self.target.itemData(row)) for row in range(1, self.target.count())]

    def current_target(self) -> str:
        return self.target.currentData() or ""

    def show_message(self, text: str, rich: bool = False) -> None:
        """The empty state's message: plain text, or when ``rich`` our markup (links) around escaped text."""
        (set_rich if rich else set_plain)(self.empty, text)
        self.stack.setCurrentWidget(self.empty)

    def set_category_choice(self, shown: bool) -> None:
        """Show or hide "for [category]": hidden while the results are an item's look-alikes, which are of
        that item's category whatever the box said (trial P read "Visually similar items for [shoes]" over
        coats; the line under the heading names the category)."""
        self.for_label.setVisible(shown)
        self.target.setVisible(shown)
        # a likeness is no match: the threshold says what it hides (trial AX read "matches" over look-alikes)
        set_plain(self.threshold_label, THRESHOLD_LABEL if shown else LIKENESS_THRESHOLD_LABEL)
        self.threshold.setAccessibleName(THRESHOLD_LABEL if shown else LIKENESS_THRESHOLD_LABEL)
        score = self.sort.findData("score")
        if score >= 0:
            self.sort.setItemText(score, SORT_LABELS["score"] if shown else LIKENESS_SORT_LABEL)
        self._reflow()  # a longer label may need the rows laid out again

    def set_similar_heading(self, text: str, hint: str = "") -> None:
        """The visible line under the heading (plain text): "Similar to …", or which categories are
        only look-alikes; empty hides it. ``hint``: a fuller sentence for its tooltip (none by default,
        so a new line never keeps an old one's)."""
        set_plain(self.similar_heading, text)
        self.similar_heading.set_hint(hint)
        self.similar_heading.setVisible(bool(text))
        self.least_height_changed.emit()

    def set_filter_note(self, markup: str) -> None:
        """A line under the controls (our markup: the caller escapes catalogue text); empty hides it."""
        set_rich(self.filter_note, markup)
        self.filter_note.setVisible(bool(markup))
        self.least_height_changed.emit()

    def set_sort(self, sort: str) -> None:
        """Choose the order (one of RESULT_SORTS; an unknown one is ignored) as if picked in the combo."""
        number = self.sort.findData(sort)
        if number >= 0:
            self.sort.setCurrentIndex(number)

    def _sort_chosen(self) -> None:
        sort = str(self.sort.currentData() or "score")
        self.model.set_sort(sort)
        self.sort_changed.emit(sort)

    def set_results(self, results: dict[str, list[SearchResult]], filtered: bool = False,
                    look_alike: frozenset[str] = frozenset(), in_outfit: frozenset[str] = frozenset()) -> None:
        """Show ``results`` (the model ranks them by score and orders them by the chosen sort);
        ``filtered``: filters or a score bound were applied, so an empty list says so.
        ``look_alike``: categories ranked by looks alone, listed after the compatibility picks;
        ``in_outfit``: the outfit's own categories, listed after those it lacks (ItemListModel.set_results)."""
        merged = sorted((r for rs in results.values() for r in rs), key=lambda r: -r.score)
        self.model.set_results(merged, look_alike, in_outfit)
        # a new list (another target category, another outfit) starts at its best result
        self.view.scrollToTop()
        self.view.verticalScrollBar().setValue(0)
        if merged:
            self.stack.setCurrentWidget(self.view)
        elif filtered:
            self.show_message(NO_MATCH_FILTERED, rich=True)
        else:
            self.show_message(NO_OTHER_ITEMS)

    def set_tile_side(self, side: int) -> None:
        """The thumbnail-size slider: tiles of ``side`` pixels (the grid relays them)."""
        self.delegate.set_side(side)
        self.view.setIconSize(QSize(self.delegate.side, self.delegate.side))
        self.view.doItemsLayout()
        self.least_height_changed.emit()

    def showing_results(self) -> bool:
        """Whether the results are on screen (not a message: "Searching…", an empty outfit, …)."""
        return self.stack.currentWidget() is self.view

    def step(self, delta: int) -> None:
        """Select the next/previous result and open its explanation; nothing while the results are
        hidden behind a message (trial J stepped through the old outfit's results, out of sight,
        while a new search waited: one was explained against the outfit it had just joined)."""
        count = self.model.rowCount()
        if not count or not self.showing_results():
            return
        current = self.view.currentIndex().row()
        row = max(0, min(count - 1, (current if current >= 0 else -delta) + delta))
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.result_activated.emit(int(index.data(Role.ItemPk)))
