"""Light and dark themes: Fusion with a palette; "system" follows the desktop's colour scheme."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#17181a", QPalette.ColorRole.AlternateBase: "#2a2b2e",
        QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2e31",
        QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2d2e31",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.PlaceholderText: "#8a8d91",
        QPalette.ColorRole.Link: "#8ab4f8",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b6e72"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b6e72"))
    return palette


def light_palette() -> QPalette:
    palette = QApplication.style().standardPalette()
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#eef0f3"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fd1"))
    return palette


def apply_theme(app: QApplication, theme: str) -> bool:
    """Apply ``theme``; returns whether the result is dark (icons are coloured to match)."""
    app.setStyle("Fusion")
    dark = system_is_dark() if theme == "system" else theme == "dark"
    app.setPalette(dark_palette() if dark else light_palette())
    qta.reset_cache()
    qta.set_defaults(color="#e8eaed" if dark else "#303134", color_disabled="#6b6e72" if dark else "#b0b3b8")
    refresh_icons()
    return dark


# actions and buttons whose qtawesome icons must be redrawn in the new colours on a theme change
_THEMED: list[tuple[object, str]] = []


def themed_icon(target: object, name: str) -> None:
    """Give ``target`` (a QAction or button) the icon ``name`` now and after every theme change."""
    target.setIcon(qta.icon(name))  # type: ignore[attr-defined]
    _THEMED.append((target, name))


def refresh_icons() -> None:
    alive = []
    for target, name in _THEMED:
        try:
            target.setIcon(qta.icon(name))  # type: ignore[attr-defined]
        except RuntimeError:  # the C++ object was deleted
            continue
        alive.append((target, name))
    _THEMED[:] = alive
