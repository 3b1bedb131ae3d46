"""The mouse wheel scrolls what is scrolled, not the value of a box it passes over.

Qt hands a wheel event to the widget under the pointer: a combo box or spin box inside a scroll area takes it,
focused or not, and changes its value. Scrolling the window's centre on a small screen switched the results'
"for" box from "All categories" to "Trousers", silently (trial ET). Guarded, such a control takes the wheel only
while it has the keyboard (a click, or Tab, gives it); otherwise the wheel goes on to the scroll area."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QComboBox, QWidget

__all__ = ["guard_wheel"]

_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # not accepted: Qt hands it on to the parents, the scroll area among them
            return True
        return False


def _scrolled(widget: QWidget) -> bool:
    """Whether ``widget`` lies inside a scroll area's viewport (not a scroll bar: that is the area's own)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def guard_wheel(root: QWidget) -> int:
    """Guard every combo box, spin box and slider under ``root`` that lies in a scroll area (see the module); each
    is given a focus policy a click reaches (``StrongFocus``: Tab and a click) so the wheel works once it is chosen.
    Returns how many were guarded (again on a later call: each is guarded once)."""
    guard = root.findChild(_WheelGuard, "sane-wheel-guard")
    if guard is None:
        guard = _WheelGuard(root)
        guard.setObjectName("sane-wheel-guard")
    count = 0
    for kind in _GUARDED:
        for widget in root.findChildren(kind):
            if widget.property("saneWheelGuarded") or not _scrolled(widget):
                continue
            widget.setProperty("saneWheelGuarded", True)
            if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(guard)
            count += 1
    return count
