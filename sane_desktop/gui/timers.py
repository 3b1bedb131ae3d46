"""Qt timers made with setters, never with keyword properties.

PySide6 turns a keyword property into its setter's name with the C library's ``toupper``: under a Turkish
or Azerbaijani ``LC_CTYPE`` ``toupper('i')`` is not "I", "setInterval" is not found, and ``timer(self, 100, single_shot=False)`` raises ``AttributeError: 'interval' is not a Qt property or a
signal`` (trial EO: the window never opened under ``LANG=tr_TR.UTF-8``). ``tests/test_gui_turkish_locale.py``
keeps keyword properties starting with "i" out of the GUI and opens the window under that locale.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer


def timer(parent: QObject, interval_ms: int, single_shot: bool = True) -> QTimer:
    """A stopped QTimer owned by ``parent`` that fires after ``interval_ms`` milliseconds (once, or every
    ``interval_ms`` when ``single_shot`` is False)."""
    made = QTimer(parent)
    made.setInterval(interval_ms)
    made.setSingleShot(single_shot)
    return made
