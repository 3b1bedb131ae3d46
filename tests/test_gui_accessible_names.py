"""Every control a screen reader reaches has a name it can say: the window's lists, fields, sliders and
buttons, and those of its dialogs (Index, Train, Adapt, Manage catalogues, Saved outfits, Shared
catalogue, Keyboard shortcuts, Caches and disk space). Qt names a control from its text, or from the label it is the buddy
of; a placeholder or a tooltip is no name, and an icon-only button has none: the results and catalogue
lists, the outfit strip, the search box and its clear button, the opacity slider and four dialogs'
lists and fields were unnamed (found by walking Qt's accessibility tree, as below)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world, settle  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAccessible  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox, QHeaderView, QLineEdit, QSlider,
    QWidget,
)

from sane_desktop.gui.screenshots import build_outfit, explain_first_result, wait_results  # noqa: E402

pytestmark = pytest.mark.slow
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QSlider, QAbstractItemView)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("accessible"))


def unnamed(top: QWidget) -> list[str]:
    """The shown controls of ``top`` a screen reader would read without a name."""
    found = []
    for widget in top.findChildren(QWidget):
        # (a table's header and a scroll bar are parts of their view, read by their role)
        if not isinstance(widget, CONTROLS) or isinstance(widget, QHeaderView) or not widget.isVisibleTo(widget.window()):
            continue
        if widget.window().windowFlags() & Qt.WindowType.Popup == Qt.WindowType.Popup \
                or widget.objectName() == "qt_spinbox_lineedit":  # a combo's popup list; a spin box's own editor
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is None or not interface.text(QAccessible.Text.Name).strip():
            found.append(f"{type(widget).__name__} in “{widget.window().windowTitle()}” "
                         f"(tooltip {widget.toolTip()[:40]!r})")
    return found


def test_every_control_of_the_window_and_its_dialogs_has_a_name(world, qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(world, size=(1280, 800))
    build_outfit(window, 2)
    wait_results(window, 60)
    explain_first_result(window, 120)
    window.filters_dock.show()
    settle(100)
    tops: list[QWidget] = [window]
    for action in (window.index_action, window.train_action, window.adapt_action, window.manage_action,
                   window.open_outfit_action, window.shared_action, window.shortcuts_action, window.caches_action):
        action.trigger()
        settle(100)
        tops += [top for top in QApplication.topLevelWidgets() if top.isVisible() and top not in tops]
    assert len(tops) >= 8, [type(top).__name__ for top in tops]
    missing = sorted({name for top in tops for name in unnamed(top)})
    for top in tops[1:]:
        top.close()
    assert not missing, missing
