"""Light and dark themes: Fusion with a palette; "system" follows the desktop's colour scheme.

Every text colour the window draws is checked against its background in both palettes
(``tests/test_gui_contrast.py``: WCAG contrast ≥ 4.5:1): the palette's text roles
(:func:`palette_text_pairs`) and the colours the tile delegate and the explanation view pick
themselves (``text_colour_pairs`` in those modules). Colours that depend on the theme are derived
from the palette at paint time (:func:`link_colour`, :func:`error_colour`, :func:`readable_text`),
never fixed, so a theme switch at run time repaints them right."""

from __future__ import annotations

from typing import Any

import qtawesome as qta
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QLabel, QProxyStyle, QStyle, QStyleOption, QWidget

THEMES = ("system", "light", "dark")
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text
ERROR_LIGHT, ERROR_DARK = "#b03a2e", "#ff8a80"
OUTLINE_LIGHT, OUTLINE_DARK = "#80868b", "#9aa0a6"  # a control's outline (tick box, radio ring, frame)


# whether the palette the desktop gave the application (before a theme replaced it) was dark
_desktop_dark: bool | None = None


def system_is_dark() -> bool:
    """The desktop's colour scheme, else (Qt says ``Unknown``: X11 without a desktop portal, a qt6ct
    palette) the darkness of the palette the application started with; trial ES's dark palette came
    up light under "System"."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return bool(_desktop_dark)


# --- contrast (WCAG 2) ------------------------------------------------------------------------
def _rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def _channel(value: float) -> float:
    value /= 255.0
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def over(colour: QColor, background: QColor) -> QColor:
    """``colour`` composited over an opaque ``background`` (a translucent role shows what is under it)."""
    alpha = colour.alphaF()
    if alpha >= 1.0:
        return QColor(colour.red(), colour.green(), colour.blue())
    mix = [round(alpha * a + (1 - alpha) * b) for a, b in zip(_rgb(colour), _rgb(background))]
    return QColor(*mix)


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of an opaque colour."""
    return 0.2126 * _channel(colour.red()) + 0.7152 * _channel(colour.green()) + 0.0722 * _channel(colour.blue())


def contrast(foreground: QColor, background: QColor) -> float:
    """WCAG contrast ratio (1 … 21) of ``foreground`` drawn on ``background``."""
    background = over(background, QColor("white"))
    lighter, darker = sorted((luminance(over(foreground, background)), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def is_dark(palette: QPalette) -> bool:
    return luminance(palette.color(QPalette.ColorRole.Window)) < 0.2


def readable(colour: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """``colour`` itself when it reaches ``minimum`` contrast on ``background``, else the nearest
    shade of it that does (mixed towards white on a dark background, towards black on a light one)."""
    if contrast(colour, background) >= minimum:
        return QColor(colour)
    target = QColor("white") if luminance(over(background, QColor("white"))) < 0.18 else QColor("black")
    for step in range(1, 21):
        t = step / 20
        mixed = QColor(*(round((1 - t) * a + t * b) for a, b in zip(_rgb(colour), _rgb(target))))
        if contrast(mixed, background) >= minimum:
            return mixed
    return target


def readable_text(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (labels on coloured marks)."""
    return QColor("black") if contrast(QColor("black"), background) >= contrast(QColor("white"), background) \
        else QColor("white")


def link_colour(palette: QPalette) -> QColor:
    """The palette's link colour, made readable on the window's background (dark themes)."""
    return readable(palette.color(QPalette.ColorRole.Link), palette.color(QPalette.ColorRole.Window))


def error_colour(palette: QPalette) -> QColor:
    """The colour of a failure line on the window's background."""
    base = QColor(ERROR_DARK if is_dark(palette) else ERROR_LIGHT)
    return readable(base, palette.color(QPalette.ColorRole.Window))


def palette_text_pairs(palette: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """Every (text, background) pair of palette roles the window's widgets draw text with."""
    role = QPalette.ColorRole
    colour = palette.color
    return {
        "window text": (colour(role.WindowText), colour(role.Window)),
        "text": (colour(role.Text), colour(role.Base)),
        "text on alternate rows": (colour(role.Text), colour(role.AlternateBase)),
        "button text": (colour(role.ButtonText), colour(role.Button)),
        "highlighted text": (colour(role.HighlightedText), colour(role.Highlight)),
        "tooltip text": (colour(role.ToolTipText), colour(role.ToolTipBase)),
        "placeholder text": (colour(role.PlaceholderText), colour(role.Base)),
        "link on window": (colour(role.Link), colour(role.Window)),
        "link on base": (colour(role.Link), colour(role.Base)),
        "visited link on window": (colour(role.LinkVisited), colour(role.Window)),
        "visited link on base": (colour(role.LinkVisited), colour(role.Base)),
        "the app's links": (link_colour(palette), colour(role.Window)),
        "error line": (error_colour(palette), colour(role.Window)),
    }


# --- palettes ---------------------------------------------------------------------------------
def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#17181a", QPalette.ColorRole.AlternateBase: "#2a2b2e",
        QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2e31",
        # white on the highlight reaches 4.5:1 (the earlier #3d7bd9 gave 4.2:1)
        QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#2f66c4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2d2e31",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.LinkVisited: "#c58af9",
        QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b6e72"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b6e72"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6b6e72"))
    return palette


def light_palette() -> QPalette:
    palette = QProxyStyle("Fusion").standardPalette()  # Fusion's, whatever style the application has now
    colours = {
        QPalette.ColorRole.AlternateBase: "#eef0f3", QPalette.ColorRole.Highlight: "#2f6fd1",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        # Fusion's placeholder is the text colour at half alpha: grey enough, but say it
        QPalette.ColorRole.PlaceholderText: "#5f6368",
        QPalette.ColorRole.Link: "#1a57b8", QPalette.ColorRole.LinkVisited: "#6a3fa0",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    return palette


class OutlinedFusion(QProxyStyle):
    """Fusion, with the outline of tick boxes, radio buttons and frames drawn over in a colour that
    stands out (WCAG's 3:1 for the parts of a control): Fusion outlines them in the window colour made
    darker, which vanishes on a dark window (no box at all around the unticked filters of the dark
    theme) and reads at 1.7:1 on the light one."""

    def __init__(self, palette: QPalette | None = None) -> None:
        super().__init__("Fusion")
        # the palette the application is about to take (set after the style: Qt resets it on setStyle), which
        # the standard icons are made legible on
        self._palette = QPalette(palette) if palette is not None else None
        # each icon made legible once (its pixels are read in Python): by pixmap and layout direction, what
        # Fusion's icon depends on
        self._legible: dict[tuple[QStyle.StandardPixmap, Qt.LayoutDirection], QIcon] = {}

    def standardIcon(self, standardIcon: QStyle.StandardPixmap, option: QStyleOption | None = None,  # noqa: N802,N803
                     widget: QWidget | None = None) -> QIcon:
        if self._palette is None:
            return super().standardIcon(standardIcon, option, widget)
        direction = option.direction if option is not None else \
            widget.layoutDirection() if widget is not None else QGuiApplication.layoutDirection()
        key = (standardIcon, direction)
        if key not in self._legible:
            self._legible[key] = legible_icon(super().standardIcon(standardIcon, option, widget), self._palette)
        return self._legible[key]

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,  # noqa: N802 - Qt's name
                  widget: QWidget | None = None, returnData: Any = None) -> int:  # noqa: N803
        # no icons on a dialog's standard buttons (as on Windows and macOS): Fusion's are black
        # pixmaps, which vanished on the dark theme (trial BN's Close in Manage catalogues)
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802 - Qt's name
                      painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        palette = option.palette
        if element not in _OUTLINED:
            return
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if element == QStyle.PrimitiveElement.PE_Frame and (rect.width() < 4 or rect.height() < 4):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # a text box with the keyboard keeps Fusion's focus colour: drawn over in grey, the search box showed no
        # focus at all (trial CY; the combo boxes beside it did)
        focused = element == QStyle.PrimitiveElement.PE_FrameLineEdit and bool(
            option.state & QStyle.StateFlag.State_HasFocus)
        painter.setPen(QPen(palette.highlight().color() if focused else outline_colour(palette), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect)
        else:
            painter.drawRoundedRect(rect, 1.5, 1.5)
        painter.restore()


_OUTLINED = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorRadioButton,
             QStyle.PrimitiveElement.PE_Frame, QStyle.PrimitiveElement.PE_FrameLineEdit)


def outline_colour(palette: QPalette) -> QColor:
    """The outline of a control: a grey ≥ 3:1 against the window and the base of either theme
    (WCAG's contrast for the parts of a control, checked in ``tests/test_gui_contrast.py``)."""
    return QColor(OUTLINE_DARK if is_dark(palette) else OUTLINE_LIGHT)


def legible_icon(icon: QIcon, palette: QPalette, minimum: float = 3.0) -> QIcon:
    """``icon`` itself, or, when it is a grey glyph (every opaque pixel's saturation ≤ 40 of 255) that reads
    below ``minimum`` contrast on the palette's window, the same shapes in the palette's window text (its
    disabled text when disabled). Fusion's title-bar, dock, toolbar-extension and arrow icons are black
    pixmaps: the explanation panel's float and close buttons read at 1.2:1 on the dark theme (trial ES)."""
    window = palette.color(QPalette.ColorRole.Window)
    sizes = icon.availableSizes() or [QSize(16, 16)]
    probe = icon.pixmap(QSize(32, 32)).toImage()  # (the smallest of Fusion's may be blank: 3 × 5 pixels)
    pixels = (probe.pixelColor(x, y) for x in range(probe.width()) for y in range(probe.height()))
    opaque = [colour for colour in pixels if colour.alpha() > 128]
    if not opaque or any(colour.hsvSaturation() > 40 for colour in opaque) \
            or max(contrast(colour, window) for colour in opaque) >= minimum:
        return icon
    legible = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active), (QIcon.Mode.Active, QPalette.ColorGroup.Active),
                        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        colour = palette.color(group, QPalette.ColorRole.WindowText)
        for size in sizes:
            for ratio in (1.0, 2.0):
                pixmap = icon.pixmap(size, ratio, QIcon.Mode.Normal)
                painter = QPainter(pixmap)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
                painter.fillRect(QRectF(0, 0, pixmap.width(), pixmap.height()), colour)  # the shape's alpha, our colour
                painter.end()
                legible.addPixmap(pixmap, mode)
    return legible


def apply_theme(app: QApplication, theme: str) -> bool:
    """Apply ``theme``; returns whether the result is dark (icons are coloured to match)."""
    global _desktop_dark
    if _desktop_dark is None:
        _desktop_dark = is_dark(app.palette())
    dark = system_is_dark() if theme == "system" else theme == "dark"
    palette = dark_palette() if dark else light_palette()
    app.setStyle(OutlinedFusion(palette))
    app.setPalette(palette)
    qta.reset_cache()
    qta.set_defaults(color="#e8eaed" if dark else "#303134", color_disabled="#6b6e72" if dark else "#b0b3b8")
    refresh_icons()
    refresh_links(app)
    refresh_standard_icons(app)
    return dark


def refresh_standard_icons(app: QApplication) -> None:
    """Give the widgets that took a standard icon once, when made, the new style's: a toolbar's overflow arrow kept
    the black one of the theme it was made under (1.2:1 on the dark window after a switch, trial ET); a panel's
    title buttons are remade by Qt itself."""
    from PySide6.QtWidgets import QToolBar, QToolButton  # (the module imports only what the palettes need)

    for toolbar in (widget for widget in app.allWidgets() if isinstance(widget, QToolBar)):
        arrow = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        if arrow is not None:
            pixmap = QStyle.StandardPixmap.SP_ToolBarHorizontalExtensionButton \
                if toolbar.orientation() == Qt.Orientation.Horizontal \
                else QStyle.StandardPixmap.SP_ToolBarVerticalExtensionButton
            arrow.setIcon(app.style().standardIcon(pixmap, None, arrow))


def refresh_links(app: QApplication) -> None:
    """A rich-text label lays its links out in the link colour of the palette it had when its text
    was set, and keeps it (dark blue on black after a switch to the dark theme): set each such
    text again, so that it takes the new palette's."""
    for widget in app.allWidgets():
        if isinstance(widget, QLabel) and widget.textFormat() != Qt.TextFormat.PlainText and "<a " in widget.text():
            text = widget.text()
            widget.setText("")
            widget.setText(text)


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
