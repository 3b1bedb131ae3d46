"""Help → Keyboard shortcuts (F1): every key the window answers, in one table (trial M found no list
anywhere: Escape, Shift+F10 and Ctrl+Z could only be guessed).

The table is read off the window itself — its menus' actions and the shortcuts it registered with a
``whatsThis`` saying what they do — so it cannot drift from what the keys do; only the keys a view
handles in its own events (no shortcut object to read) are listed by :data:`VIEW_KEYS`."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QDialogButtonBox, QHeaderView, QMenu, QMenuBar, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from sane_desktop.gui.screen_fit import ScreenFittedDialog

# keys handled in the views' own events (gui/text.DetailKeys, results_view.KeyboardFocusSelects,
# ItemMenuEvents) and Qt's own in an item view: (keys, what they do, where)
VIEW_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Space, Enter", "Show the item's details", "Catalogue"),
    ("Space", "Show the result's details", "Results"),
    ("Enter", "See why the result matches (its explanation)", "Results"),
    ("Down, Enter", "Go to the first item found", "Search box"),
    ("Esc", "Empty the search box", "Search box"),
    ("Menu key", "Open the item's menu", "Catalogue, results, outfit"),
    ("Arrow keys", "Move between tiles", "Catalogue, results, outfit"),
    ("Ctrl+Space", "Select or unselect the current tile", "Catalogue, results, outfit"),
    ("Tab, Shift+Tab", "Move between the parts of the window (a grid selects its first tile)", "Window"),
)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def menu_keys(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(keys, action, menu path) of every menu action that has a shortcut, in menu order."""
    found: list[tuple[str, str, str]] = []

    def walk(actions: Iterable[QAction], path: str) -> None:
        for action in actions:
            menu = action.menu()
            if isinstance(menu, QMenu):
                walk(menu.actions(), f"{path} → {_plain(action.text())}" if path else _plain(action.text()))
            elif not action.isSeparator() and action.shortcuts():
                keys = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts())
                found.append((keys, _plain(action.text()).rstrip("…"), path))

    walk(menu_bar.actions(), "")
    return found


def registered_keys(window: QWidget) -> list[tuple[str, str, str]]:
    """(keys, what, where) of the shortcuts under ``window`` that say what they do (``whatsThis``,
    "what | where")."""
    found = []
    for shortcut in window.findChildren(QShortcut):
        what, _bar, where = shortcut.whatsThis().partition(" | ")
        if what and not shortcut.key().isEmpty():
            found.append((shortcut.key().toString(QKeySequence.SequenceFormat.NativeText), what, where or "Window"))
    return found


class ShortcutsDialog(ScreenFittedDialog):
    """The table of keys: Key, What it does, Where (a menu or a part of the window)."""

    def __init__(self, window: QWidget, menu_bar: QMenuBar) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("keyboard-shortcuts")
        rows = [*menu_keys(menu_bar), *sorted(set(registered_keys(window))), *VIEW_KEYS]
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Key", "What it does", "Where"])
        for row, (keys, what, where) in enumerate(rows):
            for column, text in enumerate((keys, what, where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(820, 560)  # the Where column whole (trial CY read "Results, explanation …")

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as read: (key, what it does, where)."""
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1), text(r, 2)) for r in range(self.table.rowCount())]
