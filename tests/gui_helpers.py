"""What the GUI tests share: a demo world, a window on it (and the ``make_window`` fixture's factory,
see conftest.py), a GUI-thread gap meter and its results file.
Import after ``pytest.importorskip("pytestqt")``: ``from gui_helpers import GapMeter, open_window``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from sane_desktop.gui.app import create_window
from sane_desktop.gui.screenshots import open_first_catalogue
from sane_desktop.gui.settings import Settings
from sane_desktop.service import CatalogueService

RESPONSIVENESS = Path(__file__).resolve().parents[1] / "bench" / "results" / "gui_responsiveness.json"


def open_window(world: dict[str, Path], qtbot, rise_masks: int = 64,  # type: ignore[no-untyped-def]
                size: tuple[int, int] | None = None, settings_file: Path | None = None):
    """A shown main window on ``world``'s index and model, with fresh settings (or those a former
    session left in ``settings_file``); returns (window, client)."""
    service = CatalogueService(world["index"], model=world["model"], rise_masks=rise_masks)
    settings_file = settings_file or world["root"] / f"settings-{time.monotonic_ns()}.ini"
    settings = Settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    window, client = create_window(service, settings, cache_dir=world["root"] / "thumbs")
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window, client


def demo_world(root: Path, items: int = 40) -> dict[str, Path]:
    """An ``items``-item demo catalogue indexed as "demo" with a tiny seeded model (``build_demo_world``),
    as the paths a window needs: root, index, model and source."""
    from demo_world import build_demo_world

    build_demo_world(root, items)
    return {"root": root, "index": root / "index", "model": root / "model.pt", "source": root / "source"}


class WindowFactory:
    """Opens shown main windows for one test and keeps their worker clients, so that the test's end
    shuts every one down, passed or failed (conftest.py's ``make_window`` fixture)."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.clients: list = []

    def __call__(self, world: dict[str, Path], size: tuple[int, int] | None = None,  # type: ignore[no-untyped-def]
                 settings_file: Path | None = None, *, rise_masks: int = 32, open_catalogue: bool = True,
                 settle_ms: int = 0):
        """A window on ``world`` (see :func:`open_window`) showing its first catalogue's items (unless
        ``open_catalogue`` is false), after ``settle_ms`` of the GUI thread's events."""
        window, client = open_window(world, self.qtbot, rise_masks=rise_masks, size=size, settings_file=settings_file)
        self.clients.append(client)
        if open_catalogue:
            open_first_catalogue(window, build_demo=False, demo_items=40, timeout_s=60)
        if settle_ms:
            settle(settle_ms)
        return window

    def shutdown(self) -> None:
        """Stop every worker client this factory started."""
        while self.clients:
            self.clients.pop().shutdown()


def filter_counts(window) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """(group, value) -> count, as the Filters panel's last counts say (never empty)."""
    counts = window.filters.counts
    found = {("Category", value): n for value, n in counts.categories}
    found.update({(facet.key, value): n for facet in counts.facets for value, n in facet.values})
    assert found
    return found


def settle(ms: int = 150) -> None:
    """Let the GUI thread run its events for ``ms`` milliseconds (layouts, deferred calls)."""
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


class GapMeter:
    """Longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)
        self.longest_ms = 0
        self.ticks = 0

    def _tick(self) -> None:
        if self.ticks:
            self.longest_ms = max(self.longest_ms, self.clock.restart())
        else:
            self.clock.start()
        self.ticks += 1

    def __enter__(self) -> GapMeter:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def record_responsiveness(name: str, values: dict[str, object]) -> None:
    """Keep ``values`` under ``name`` in bench/results/gui_responsiveness.json, beside the other entries,
    when ``SANE_RECORD_BENCH=1`` (so that an ordinary test run leaves the repository untouched)."""
    if os.environ.get("SANE_RECORD_BENCH") != "1":
        return
    RESPONSIVENESS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESPONSIVENESS.read_text()) if RESPONSIVENESS.is_file() else {}
    data[name] = values
    RESPONSIVENESS.write_text(json.dumps(data, indent=2))


# --- untrusted catalogue text (issue 14) ------------------------------------------------------
HOSTILE = '<img src="file:///etc/hostname"><h1>FAKE</h1>'
# a catalogue name cannot hold < > / (it names a folder), but entities: rich text would decode them
HOSTILE_NAME = "FAKE &lt;h1&gt;heading &amp; co"
HOSTILE_CATEGORY = "<i>tops</i>"
# what only the hostile catalogue carries (the app's own markup uses <b>, <i>, <br>, <a>, <span>)
HOSTILE_TAGS = ("<img", "<h1", "<i>tops", "<u>", "<s>", "&lt;h1&gt;heading")


def build_hostile_world(root: Path, items: int = 40) -> dict[str, Path | str]:
    """A demo catalogue whose every title starts with :data:`HOSTILE`, whose item ids are ``<s>…``,
    whose "tops" category is ``<i>tops</i>``, whose attribute values and the model's attribute names
    are ``<u>…</u>``, indexed as :data:`HOSTILE_NAME`."""
    import json

    import torch

    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint

    source = root / "source"
    generate_demo(source, seed=0, items=items, masks=False)
    metadata_file = source / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_file.read_text())
    new_id = {item_id: f"<s>{item_id}" for item_id in metadata}
    rewritten = {}
    for item_id, entry in metadata.items():
        entry["title"] = f"{HOSTILE} {entry['title']}"
        if entry["semantic_category"] == "tops":
            entry["semantic_category"] = HOSTILE_CATEGORY
        entry["attributes"] = {key: f"<u>{value}</u>" for key, value in entry.get("attributes", {}).items()}
        rewritten[new_id[item_id]] = entry
        (source / "images" / f"{item_id}.jpg").rename(source / "images" / f"{new_id[item_id]}.jpg")
    metadata_file.write_text(json.dumps(rewritten))
    categories = source / "categories.csv"
    categories.write_text(categories.read_text().replace(",tops", f",{HOSTILE_CATEGORY}"))
    for split in (source / "nondisjoint").glob("*.json"):
        text = split.read_text()
        for old, new in new_id.items():
            text = text.replace(f'"{old}"', json.dumps(new))
        split.write_text(text)
    catalogue = read_catalogue(source, validate_images=False)
    torch.manual_seed(0)
    net = CompatibilityNet(catalogue.categories(), width=16)
    attributes = AttributeNet([f"<u>{name}</u>" for name in ("green", "red", "blue", "striped", "dotted", "floral")],
                              width=16)
    save_checkpoint(root / "model.pt", ModelBundle(net, attributes, Preprocessing()))
    CatalogueService(root / "index", model=root / "model.pt").index_folder(source, HOSTILE_NAME)
    return {"root": root, "index": root / "index", "model": root / "model.pt", "source": source}


def shown_as_rich_text(text: str, text_format: object) -> bool:
    """Whether Qt interprets ``text`` as markup in a widget of ``text_format`` (AutoText: Qt's guess)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as GuiQt

    if text_format == Qt.TextFormat.PlainText:
        return False
    if text_format == Qt.TextFormat.AutoText:
        return bool(GuiQt.mightBeRichText(text))
    return True  # RichText, MarkdownText


def displayed(text: str, text_format: object) -> str:
    """What a person reads: the text itself, or what the rich text renders to."""
    from PySide6.QtGui import QTextDocument

    if not shown_as_rich_text(text, text_format):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def assert_not_markup(text: str, text_format: object, where: str) -> None:
    """No markup of the hostile catalogue reaches Qt's rich-text engine: when ``text`` is shown as rich
    text, the catalogue's tags in it are escaped (and so read as the characters they are)."""
    if shown_as_rich_text(text, text_format):
        lowered = text.lower()
        found = [tag for tag in HOSTILE_TAGS if tag in lowered]
        assert not found, f"{where}: catalogue markup {found} is rendered as rich text: {text!r}"


def assert_shows_literally(text: str, text_format: object, literal: str, where: str) -> None:
    """``literal`` (catalogue text with markup in it) is what the person reads, character for character."""
    assert_not_markup(text, text_format, where)
    assert literal in displayed(text, text_format), f"{where}: {literal!r} not shown literally in {text!r}"


def tooltip_format() -> object:
    """Tooltips have no format setting: Qt guesses (``Qt::mightBeRichText``)."""
    from PySide6.QtCore import Qt

    return Qt.TextFormat.AutoText


def click_link(qtbot, label) -> None:  # type: ignore[no-untyped-def]
    """Click the first link in rich-text ``label`` with real mouse events: hover across the label
    until Qt shows the pointing-hand cursor (its own hit test of the link), then press and release
    there, so the click travels Qt's event path to ``linkActivated``."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    rect = label.contentsRect()
    for y in range(rect.top() + 2, rect.bottom(), 3):
        for x in range(rect.left() + 2, rect.right(), 3):
            QTest.mouseMove(label, QPoint(x, y))
            if label.cursor().shape() == Qt.CursorShape.PointingHandCursor:
                qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
                return
    raise AssertionError(f"no link under the mouse anywhere in {label.text()!r} (visible {label.isVisible()}, "
                         f"rect {rect}, flags {label.textInteractionFlags()}, tracking {label.hasMouseTracking()})")


# --- shared real-event steps and paint probes (several GUI test files use them) ------------------
def double_click_item(window, qtbot, row: int) -> int:  # type: ignore[no-untyped-def]
    """Double-click the catalogue grid's item at ``row`` (it joins the outfit, as a stylist adds
    one); waits until it is in the outfit and returns its key."""
    from PySide6.QtCore import Qt

    from sane_desktop.gui.models import Role

    index = window.browser_model.index(row)
    window.grid.scrollTo(index)
    centre = window.grid.visualRect(index).center()
    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)  # a view double-clicks what it pressed
    qtbot.mouseDClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    pk = int(index.data(Role.ItemPk))
    qtbot.waitUntil(lambda: pk in window.outfit_model.pks(), timeout=10000)
    return pk


def add_by_double_click(window, qtbot, category: str, nth: int = 0) -> int:  # type: ignore[no-untyped-def]
    """Double-click the catalogue's ``nth`` item of ``category`` into the outfit; its key."""
    rows = [r for r in range(window.browser_model.rowCount()) if window.browser_model.row(r).item.category == category]
    return double_click_item(window, qtbot, rows[nth])


def choose_target(window, qtbot, category: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``category`` ("" for all) in the results' combo with the arrow keys, as a stylist would."""
    from PySide6.QtCore import Qt

    combo = window.results.target
    wanted = combo.findData(category)
    assert wanted >= 0, f"no {category!r} in the combo"
    combo.setFocus()
    while combo.currentIndex() != wanted:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down if wanted > before else Qt.Key.Key_Up)
        assert combo.currentIndex() != before, "the arrow key moved nothing"


def recording_painter(device):  # type: ignore[no-untyped-def]
    """A QPainter on ``device`` that keeps every string it is asked to draw (its ``texts``)."""
    from PySide6.QtGui import QPainter

    class RecordingPainter(QPainter):
        def __init__(self, device) -> None:  # type: ignore[no-untyped-def]
            super().__init__(device)
            self.texts: list[str] = []

        def drawText(self, *args) -> None:  # type: ignore[no-untyped-def, override]  # noqa: N802 - Qt's name
            self.texts += [a for a in args if isinstance(a, str)]
            super().drawText(*args)

    return RecordingPainter(device)


def painted_texts(view, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts ``view``'s delegate paints for ``row`` (its own paint into an image, through a
    painter that keeps every string it is asked to draw)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QStyleOptionViewItem

    index = view.model().index(row, 0)
    delegate = view.itemDelegate()
    option = QStyleOptionViewItem()
    option.font, option.palette = view.font(), view.palette()
    option.rect = QRect(QPoint(0, 0), delegate.sizeHint(option, index))
    image = QImage(option.rect.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = recording_painter(image)
    delegate.paint(painter, option, index)
    painter.end()
    return painter.texts
