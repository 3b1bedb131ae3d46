"""The results panel's header reads whole at every window size, through a real window resize:

- at 800 × 600 the middle column is ~215 px wide and the header read "Co… for [All categories ▾]"
  and "… [off ▴▾] [Best match ▾]": the heading "Compatible items" and the label "Hide matches
  below" were elided to nothing. Now the header takes more rows when the panel is narrow, so both
  read in full, and every control of the header keeps at least its smallest size inside the panel;
- at 1200 × 800 (room for it) the header is as before: the heading, "for" and the category on one
  row, "Hide matches below", its spin box and the order on the next;
- a window narrowed and widened again goes from one layout to the other and back.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, settle  # noqa: E402
from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtWidgets import QLabel, QWidget  # noqa: E402

from sane_desktop.gui.text import ElidedLabel  # noqa: E402

pytestmark = pytest.mark.slow
HEADING = "Compatible items"
THRESHOLD = "Hide matches below"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("results-header"))


def label(results: QWidget, text: str) -> ElidedLabel:
    """The header's elided label that says ``text``."""
    found = [widget for widget in results.findChildren(ElidedLabel) if widget.plain_text() == text]
    assert len(found) == 1, f"{len(found)} labels say {text!r}"
    return found[0]


def for_label(results: QWidget) -> QLabel:
    found = [widget for widget in results.findChildren(QLabel) if widget.text() == "for"]
    assert len(found) == 1
    return found[0]


def rect_in(results: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(results, QPoint(0, 0)), widget.size())


def header_widgets(results) -> dict[str, QWidget]:  # type: ignore[no-untyped-def]
    return {"heading": label(results, HEADING), "for": for_label(results), "category": results.target,
            "threshold label": label(results, THRESHOLD), "threshold": results.threshold, "sort": results.sort}


def assert_read_whole(window) -> None:  # type: ignore[no-untyped-def]
    """The heading and the threshold label show all their text; every header control is visible, at
    least its smallest size, inside the panel and clear of the others."""
    results = window.results
    for text in (HEADING, THRESHOLD):
        shown = label(results, text)
        advance = shown.fontMetrics().horizontalAdvance(text)
        assert not shown.is_elided() and shown.shown_lines() == [text], \
            f"{text!r} reads {shown.shown_lines()} in {shown.contentsRect().width()} px (needs {advance})"
        assert advance <= shown.contentsRect().width()
    widgets = header_widgets(results)
    panel = results.rect()
    for name, widget in widgets.items():
        rect = rect_in(results, widget)
        least = widget.fontMetrics().horizontalAdvance(widget.plain_text()) if isinstance(widget, ElidedLabel) \
            else widget.minimumSizeHint().width()
        assert widget.isVisible(), name
        assert rect.width() >= least and rect.height() >= widget.minimumSizeHint().height(), \
            f"{name} is {rect.getRect()}, at least {least} × {widget.minimumSizeHint().height()} px"
        assert panel.contains(rect), f"{name} {rect.getRect()} reaches out of the {panel.getRect()} panel"
    names = list(widgets)
    for number, name in enumerate(names):
        for other in names[number + 1:]:
            assert not rect_in(results, widgets[name]).intersects(rect_in(results, widgets[other])), \
                f"{name} overlaps {other}"
    # the results grid stays below the header
    grid = rect_in(results, results.stack)
    assert all(grid.top() > rect_in(results, widget).bottom() for widget in widgets.values())
    assert grid.height() > 0


def same_row(results, *widgets: QWidget) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``widgets`` sit on one row (their vertical centres within a pixel), left to right."""
    rects = [rect_in(results, widget) for widget in widgets]
    centres = [rect.center().y() for rect in rects]
    in_order = all(left.right() < right.left() for left, right in zip(rects, rects[1:]))
    return max(centres) - min(centres) <= 1 and in_order


def assert_wide_layout(window) -> None:  # type: ignore[no-untyped-def]
    """The header as it always was with room: two rows, the heading at the left edge, the category
    and the order at the right edge."""
    results = window.results
    widgets = header_widgets(results)
    assert same_row(results, widgets["heading"], widgets["for"], widgets["category"])
    assert same_row(results, widgets["threshold label"], widgets["threshold"], widgets["sort"])
    header, controls = rect_in(results, widgets["category"]), rect_in(results, widgets["sort"])
    assert header.bottom() < controls.top()
    assert rect_in(results, widgets["heading"]).left() == 0 and rect_in(results, widgets["threshold label"]).left() == 0
    assert header.right() == results.width() - 1 and controls.right() == results.width() - 1
    # the combo boxes and the spin box at their preferred widths, as before
    for name in ("category", "threshold", "sort"):
        assert widgets[name].width() == widgets[name].sizeHint().width(), name


def test_the_header_reads_whole_at_800_by_600(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, (800, 600), settle_ms=300)
    assert (window.width(), window.height()) == (800, 600)
    assert window.results.width() < 300  # the narrow middle column this is about
    assert_read_whole(window)
    # more rows than the wide layout's two: the heading above the category
    results = window.results
    assert rect_in(results, label(results, HEADING)).bottom() < rect_in(results, results.target).top()


def test_the_wide_header_is_unchanged_and_a_resize_reflows_it(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, (1200, 800), settle_ms=300)
    assert_read_whole(window)
    assert_wide_layout(window)
    window.resize(800, 600)
    settle(400)
    assert window.results.width() < 300
    assert_read_whole(window)
    window.resize(1200, 800)
    settle(400)
    assert_read_whole(window)
    assert_wide_layout(window)
