"""Every text colour the window draws reads on its background in the light and the dark theme
(issue 18, point 9): WCAG 2 contrast ratios ≥ 4.5:1 for the palette's text roles, the links, the
error line, and the colours the tile delegate and the explanation view pick themselves. Links are
drawn in the palette's link colour, also after a switch of theme at run time (clickable attribute
names were dark blue on black)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtGui import QColor, QImage, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from sane_desktop.gui import delegates, explanation_view, theme  # noqa: E402
from sane_desktop.gui.text import LinkLabel, error_markup, set_rich  # noqa: E402

MINIMUM = 4.5


@pytest.fixture(params=["light", "dark"])
def palette(request, qapp) -> QPalette:  # type: ignore[no-untyped-def]
    theme.apply_theme(qapp, request.param)
    yield qapp.palette()
    theme.apply_theme(qapp, "light")


def test_contrast_formula_matches_wcag() -> None:
    assert theme.contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert theme.contrast(QColor("white"), QColor("white")) == pytest.approx(1.0)
    assert theme.contrast(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)  # WCAG's own example
    assert theme.contrast(QColor(0, 0, 0, 128), QColor("white")) == pytest.approx(
        theme.contrast(QColor("#808080"), QColor("white")), abs=0.1)  # translucent text: what shows


def every_pair(palette: QPalette) -> dict[str, tuple[QColor, QColor]]:
    return {**theme.palette_text_pairs(palette), **delegates.text_colour_pairs(palette),
            **explanation_view.text_colour_pairs(palette)}


def test_every_text_colour_reads_on_its_background(palette) -> None:  # type: ignore[no-untyped-def]
    failing = {name: round(theme.contrast(text, background), 2) for name, (text, background) in every_pair(palette).items()
               if theme.contrast(text, background) < MINIMUM}
    assert not failing, failing


def test_the_themes_are_what_they_say(palette) -> None:  # type: ignore[no-untyped-def]
    dark = QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 128
    assert theme.is_dark(palette) == dark


def test_a_dark_link_colour_is_lifted_on_a_dark_window(qapp) -> None:  # type: ignore[no-untyped-def]
    palette = theme.dark_palette()
    palette.setColor(QPalette.ColorRole.Link, QColor("#0000ff"))  # Qt's default link blue
    lifted = theme.link_colour(palette)
    assert theme.contrast(lifted, palette.color(QPalette.ColorRole.Window)) >= MINIMUM
    assert lifted.blue() > lifted.red()  # still a blue


def _colours(image: QImage) -> dict[str, int]:
    counts: dict[str, int] = {}
    for x in range(image.width()):
        for y in range(image.height()):
            name = image.pixelColor(x, y).name()
            counts[name] = counts.get(name, 0) + 1
    return counts


def _text_colour(widget) -> QColor:  # type: ignore[no-untyped-def]
    """The most used colour of the widget's pixels other than its background: its text's."""
    counts = _colours(widget.grab().toImage())
    background = max(counts, key=counts.__getitem__)
    del counts[background]
    return QColor(max(counts, key=counts.__getitem__)), QColor(background)


def test_links_take_the_new_theme_at_run_time(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    theme.apply_theme(qapp, "light")
    link = LinkLabel("WWWWWWWWWWWW motif:bolt")  # the clickable attribute name of the explanation view
    rich = QLabel()  # a rich-text label with a link (the results' "Re-index now")
    set_rich(rich, "<a href='reindex'><b>WWWWWWWWWWWW</b></a>")
    for widget in (link, rich):
        qtbot.addWidget(widget)
        widget.resize(260, 30)
        widget.show()
    qtbot.waitExposed(rich)
    try:
        theme.apply_theme(qapp, "dark")
        QApplication.processEvents()
        for widget in (link, rich):
            text, background = _text_colour(widget)
            assert background == QColor("#202124")
            assert theme.contrast(text, background) >= MINIMUM, (widget, text.name())
        # the glyphs' cores are the new link colour; the most used text shade is that colour or an
        # anti-aliased blend of it (which wins by a pixel or two depending on whether the mouse
        # happens to hover the label and underline it), never the light theme's link colour
        expected, drawn = theme.link_colour(qapp.palette()), _colours(link.grab().toImage())
        assert drawn.get(expected.name(), 0) > 0, expected.name()
        shade = _text_colour(link)[0]
        assert max(abs(shade.red() - expected.red()), abs(shade.green() - expected.green()),
                   abs(shade.blue() - expected.blue())) <= 24, (shade.name(), expected.name())
    finally:
        theme.apply_theme(qapp, "light")


def test_the_error_line_uses_the_themes_error_colour(qapp) -> None:  # type: ignore[no-untyped-def]
    for name in ("light", "dark"):
        theme.apply_theme(qapp, name)
        markup = error_markup("cannot read x.jpg")
        colour = theme.error_colour(qapp.palette())
        assert colour.name() in markup
        assert theme.contrast(colour, qapp.palette().color(QPalette.ColorRole.Window)) >= MINIMUM
    theme.apply_theme(qapp, "light")


def test_share_labels_on_outfit_colours_read(qapp) -> None:  # type: ignore[no-untyped-def]
    """The share label on an outfit tile: black on the light outfit colours, white on the dark ones."""
    for position, name in enumerate(delegates.OUTFIT_COLOURS):
        colour = delegates.outfit_colour(position)
        assert theme.contrast(theme.readable_text(colour), colour) >= MINIMUM, name


NON_TEXT_MINIMUM = 3.0  # WCAG 2.1's contrast for the parts of a control (1.4.11)


def most_contrast(image: QImage, left: int, top: int, width: int, height: int, background: QColor) -> float:
    return max(theme.contrast(image.pixelColor(x, y), background)
               for x in range(left, left + width) for y in range(top, top + height))


def test_an_unticked_box_a_radio_ring_and_a_list_frame_show(palette, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Fusion outlines them in the window colour made darker: on the dark theme an unticked filter's
    box, a radio button's ring and a list's frame did not show at all."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox, QListWidget, QListWidgetItem, QRadioButton, QStyle, QStyleOptionButton

    window = palette.color(QPalette.ColorRole.Window)
    for widget in (QCheckBox("unticked"), QRadioButton("off")):
        qtbot.addWidget(widget)
        widget.resize(120, 30)
        image = widget.grab().toImage()
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        element = QStyle.SubElement.SE_CheckBoxIndicator if isinstance(widget, QCheckBox) \
            else QStyle.SubElement.SE_RadioButtonIndicator
        box = widget.style().subElementRect(element, option, widget)
        shown = most_contrast(image, box.x(), box.y(), box.width(), box.height(), window)
        assert shown >= NON_TEXT_MINIMUM, (type(widget).__name__, round(shown, 2))
    listed = QListWidget()
    qtbot.addWidget(listed)
    item = QListWidgetItem("unticked")
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    listed.addItem(item)
    listed.resize(200, 120)
    image = listed.grab().toImage()
    base = palette.color(QPalette.ColorRole.Base)
    row = listed.visualItemRect(item).translated(listed.viewport().pos())
    assert most_contrast(image, row.x(), row.y(), 24, row.height(), base) >= NON_TEXT_MINIMUM  # its tick box
    assert most_contrast(image, 0, 40, 2, 40, window) >= NON_TEXT_MINIMUM  # the list's left frame


def test_a_focused_text_box_shows_its_focus(palette, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial CY: the search box had no focus ring (the grey outline drawn over Fusion's focus colour)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QLineEdit, QStyle, QStyleOptionFrame

    box = QLineEdit("chevron")
    qtbot.addWidget(box)
    box.resize(200, 30)

    def frame(focused: bool) -> QImage:
        option = QStyleOptionFrame()
        box.initStyleOption(option)
        option.rect = QRect(0, 0, 200, 30)
        if focused:
            option.state |= QStyle.StateFlag.State_HasFocus
        else:
            option.state &= ~QStyle.StateFlag.State_HasFocus
        image = QImage(200, 30, QImage.Format.Format_ARGB32)
        image.fill(palette.color(QPalette.ColorRole.Base))
        painter = QPainter(image)
        box.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameLineEdit, option, painter, box)
        painter.end()
        return image

    highlight = palette.color(QPalette.ColorRole.Highlight)
    edge = [frame(True).pixelColor(100, 0), frame(True).pixelColor(100, 29)]
    assert any(abs(c.red() - highlight.red()) + abs(c.green() - highlight.green()) + abs(c.blue() - highlight.blue()) < 90
               for c in edge), [c.name() for c in edge]
    unfocused = frame(False).pixelColor(100, 0)
    assert abs(unfocused.blue() - highlight.blue()) + abs(unfocused.red() - highlight.red()) > 60 or \
        unfocused.name() == QColor(theme.outline_colour(palette)).name()


def _glyph_contrast(icon, background: QColor) -> float:  # type: ignore[no-untyped-def]
    """The contrast of a grey glyph's most contrasting pixel on ``background``; 21 for a coloured picture
    (the message boxes' and the file dialog's, drawn with their own outlines) or a blank icon."""
    from PySide6.QtCore import QSize

    image = icon.pixmap(QSize(32, 32)).toImage()
    opaque = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
              if image.pixelColor(x, y).alpha() > 128]
    if not opaque or any(colour.hsvSaturation() > 40 for colour in opaque):
        return 21.0
    return max(theme.contrast(colour, background) for colour in opaque)


def test_every_standard_icon_reads_on_the_window(palette) -> None:  # type: ignore[no-untyped-def]
    """Trial ES: the explanation panel's float and close buttons were Fusion's black pixmaps on the dark
    window (1.2:1); so were the toolbar's overflow arrow and the file dialog's arrows. Every standard icon
    the style gives reads at WCAG's 3:1 for the parts of a control."""
    from PySide6.QtWidgets import QStyle

    window = palette.color(QPalette.ColorRole.Window)
    style = QApplication.style()
    faint = {pixmap.name: round(_glyph_contrast(style.standardIcon(pixmap), window), 2) for pixmap in QStyle.StandardPixmap
             if not style.standardIcon(pixmap).isNull() and _glyph_contrast(style.standardIcon(pixmap), window) < 3.0}
    assert not faint, faint


def test_a_panels_title_buttons_take_the_new_theme(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The buttons a dock made under one theme are remade under the next (View → Dark theme at run time)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QDockWidget, QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    dock = QDockWidget("Why does it match?", window)
    dock.setWidget(QLabel("…"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.show()
    try:
        for name in ("light", "dark", "light", "dark"):
            theme.apply_theme(qapp, name)
            qapp.processEvents()
            background = qapp.palette().color(QPalette.ColorRole.Window)
            buttons = dock.findChildren(QAbstractButton)
            assert len(buttons) == 2
            for button in buttons:
                assert _glyph_contrast(button.icon(), background) >= 3.0, (name, button.objectName())
    finally:
        theme.apply_theme(qapp, "light")


def test_system_follows_a_dark_palette_the_desktop_gave(qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trial ES: with Qt's colour scheme "Unknown" (X11 without a portal, qt6ct), "System" came up light on a
    desktop whose palette was dark: the palette the application started with decides."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.styleHints().colorScheme() != Qt.ColorScheme.Unknown:
        pytest.skip("this platform reports a colour scheme")
    try:
        for started, dark in ((theme.dark_palette(), True), (theme.light_palette(), False)):
            monkeypatch.setattr(theme, "_desktop_dark", None)  # a fresh application, as the desktop made it
            qapp.setPalette(started)
            assert theme.apply_theme(qapp, "system") is dark
            assert theme.is_dark(qapp.palette()) is dark
            assert theme.apply_theme(qapp, "light") is False and theme.apply_theme(qapp, "system") is dark
    finally:
        theme.apply_theme(qapp, "light")


def test_a_toolbars_overflow_arrow_takes_the_new_theme(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial ET: after View → Dark theme, a narrow window's toolbar overflow arrow (») kept the light theme's black
    glyph, 1.2:1 on the dark window."""
    from PySide6.QtWidgets import QMainWindow, QToolBar, QToolButton

    window = QMainWindow()
    qtbot.addWidget(window)
    toolbar = QToolBar("Main")
    for number in range(30):
        toolbar.addAction(f"action {number}")
    window.addToolBar(toolbar)
    window.setCentralWidget(QLabel("…"))
    window.resize(200, 200)
    window.show()
    try:
        theme.apply_theme(qapp, "light")
        qtbot.waitUntil(lambda: toolbar.findChild(QToolButton, "qt_toolbar_ext_button") is not None
                        and toolbar.findChild(QToolButton, "qt_toolbar_ext_button").isVisible(), timeout=5000)
        arrow = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        for name in ("dark", "light", "dark"):
            theme.apply_theme(qapp, name)
            qapp.processEvents()
            background = qapp.palette().color(QPalette.ColorRole.Window)
            assert _glyph_contrast(arrow.icon(), background) >= 3.0, name
    finally:
        theme.apply_theme(qapp, "light")
