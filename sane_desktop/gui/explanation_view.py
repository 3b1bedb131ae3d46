"""Why does this match? The result and the outfit item it matches best, each as its own photo with
the saliency map laid over the part of it the model saw; one sentence saying what they share and
where, a heat-map legend, and behind "Details" the method's own terms (type-space cosine, the
attribute's score parts, the method and its time). The overlay can instead show where the attribute
net sees one of the explaining attributes (its activation map).

The panel never re-lays the window: every text in it is elided to its width (full text in the
tooltip), the photos take the room the panel has and grow with it, the controls keep their sizes.
Photos are decoded on a small thread pool of their own (never the GUI thread, never the busy
worker): until one arrives, the model's crop stands in."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (QCoreApplication, QEvent, QObject, QPoint, QRectF, QSize, Qt, QThreadPool,
                            QTimer, Signal)
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton,
    QScrollArea, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget,
)

from sane_desktop import paths
from sane_desktop.errors import InputError
from sane_desktop.gui.explain_tasks import ColouredUpdate, OutfitReasonStep
from sane_desktop.gui.start_folder import start_folder
from sane_desktop.gui.text import (
    ClickActivation, ElidedLabel, LinkLabel, file_name_words, left_to_right, message_box, plain_tooltip, set_plain,
)
from sane_desktop.gui.theme import error_colour, link_colour, themed_icon
from sane_desktop.service import COLOUR_MAPS, AttributeScore, ExplanationUpdate, ItemInfo
from sane_desktop.service.match_score import points_amount, points_text, whole_percents
from sane_desktop.service.titles import SENTENCE_TITLE_CHARS, attribute_words, match_sentence, short_title

if TYPE_CHECKING:  # values the worker sends (their module loads nothing heavy, but the GUI only names them)
    # numpy (and the colouring code, colour_lut/colourise) is imported where an array is handled: the
    # window is built before numpy loads, and arrays only arrive from the worker, which has loaded it
    import numpy as np

    from sane_desktop.service import OutfitExplanation, OutfitShare

PHOTO_MIN, PHOTO_HINT = 96, QSize(200, 250)  # a photo's smallest side, and what it asks for
PHOTO_ASPECT = 1.25  # a photo's room is this much higher than wide (product photos are mostly portrait)
PHOTO_BACKGROUND = QColor("white")  # product photos are shot on white: the letterbox blends in
SALIENCY_LAYER = "What drove the match"  # the saliency map, in words
LIKENESS_LAYER = "What drove the likeness"  # the same, for a look-alike or a "visually similar" result
SALIENCY_CAPTION = "Highlighted: what drove the match"
LOOK_ALIKE_CAPTION = "Highlighted: what drove the likeness"
SIMILAR_CAPTION = "Highlighted: what makes the two look alike"
# the panel's question (its dock's title): a compatible result, a look-alike of the outfit (its
# category ranked by looks alone), a "visually similar" result
QUESTION = "Why does it match?"
LOOK_ALIKE_QUESTION = "Why does it look like your outfit?"
SIMILAR_QUESTION = "Why do they look alike?"
PROMPT = "Click a compatible item (or press Enter on it) to see why it matches the outfit."
EXPORT_TEXT = "Export explanation…"  # the panel's button and File's entry (with its & mnemonic)
METHOD_NAMES = {"fast": "fast (exact cell decomposition)", "rise": "RISE (random masks)",
                "fast_detail": "fast, finer (cells of the enlarged pictures, for small details)"}
PHOTO_CACHE = 8
PANEL_MIN_WIDTH = 220  # the panel's least width, whatever it shows
MIN_OPACITY = 25  # % of the overlay slider's least value (Overlay off is 0; trial BU lost the map on dark items at 10)
# an exported card is laid out this wide (logical px) and drawn at twice the pixels, whatever the
# panel's width: a trial's export of a narrow panel was 368 px with the names cut short
EXPORT_WIDTH = 760
EXPORT_SCALE = 2.0


def rgb_image(array: np.ndarray) -> QImage:
    import numpy as np  # see the note at the imports

    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def rgba_image(array: np.ndarray) -> QImage:
    import numpy as np  # see the note at the imports

    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def wrapped_label() -> QLabel:
    """A plain-text label that wraps at word boundaries and is as high as its text at the width its
    layout gives it: never cut, never widening the panel (its width is the layout's to choose)."""
    label = QLabel()
    set_plain(label, "")
    label.setWordWrap(True)
    policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    label.setSizePolicy(policy)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # numbers can be copied
    return label


def compose(photo: QImage, crop: QRectF, overlay: QImage | None, opacity: float, bound: QSize,
            scaled: QImage | None = None) -> QPixmap:
    """The whole ``photo`` fitted into ``bound`` (its aspect ratio kept: letterboxed by whoever shows
    it), with ``overlay`` (a map over the model's view of it, ``crop`` in the photo's pixels)
    resampled onto that box at ``opacity``; nothing outside the box. ``scaled``: the photo already
    scaled to the fitted size (a cache), else it is scaled here. Built on the GUI thread (QPixmap)."""
    size = photo.size().scaled(bound, Qt.AspectRatioMode.KeepAspectRatio)
    if photo.isNull() or size.isEmpty():
        return QPixmap()
    base = scaled if scaled is not None and scaled.size() == size else photo.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap.fromImage(base)
    if overlay is not None and not overlay.isNull() and opacity > 0:
        sx, sy = size.width() / photo.width(), size.height() / photo.height()
        target = QRectF(crop.x() * sx, crop.y() * sy, crop.width() * sx, crop.height() * sy)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setClipRect(target)
        painter.setOpacity(opacity)
        painter.drawImage(target, overlay)
        painter.end()
    return pixmap


# --- photos, decoded off the GUI thread ------------------------------------------------------------
class _PhotoSignals(QObject):
    ready = Signal(str, QImage, str)  # key, photo (null when it cannot be shown), why not ("" when shown)


class _PhotoJob:
    """One photo, decoded on the loader's pool: a plain callable, as :class:`~sane_desktop.gui.thumbnails._ThumbnailJob`
    is (a ``QRunnable`` subclass was deleted on the pool's thread with its Python wrapper)."""

    def __init__(self, key: str, path: Path, content_hash: str, signals: _PhotoSignals) -> None:
        self.key, self.path, self.content_hash, self.signals = key, path, content_hash, signals

    def run(self) -> None:
        # imported where used: the window's module imports stay as light as the service allows
        from sane_desktop.errors import PhotoChanged
        from sane_desktop.service.items import photo_pixels

        why = ""
        try:  # only the recorded photo is shown under the item's name: checked on the bytes decoded
            image = rgb_image(photo_pixels(self.path, content_hash=self.content_hash))
        except PhotoChanged:
            image, why = QImage(), REPLACED
        except FileNotFoundError:
            image, why = QImage(), GONE
        except Exception:  # missing, unreadable: the model's crop stays on screen
            image, why = QImage(), GONE if not self.path.exists() else UNREADABLE
        try:
            self.signals.ready.emit(self.key, image, why)
        except RuntimeError:  # the panel closed while this photo was decoded: nobody to tell
            pass


# why a photo is not shown (PhotoLoader.why), in a stylist's words
REPLACED = "This photo was replaced on disk since the catalogue was indexed: re-index to see the new one."
GONE = "The photo's file is gone (deleted or moved) since the catalogue was indexed."
UNREADABLE = "The photo cannot be read from its file."


class PhotoLoader(QObject):
    """Items' photos at their own resolution (bounded), decoded on one pool thread; ``ready`` fires
    on the GUI thread. The last few stay in memory (stepping back and forth through results)."""

    ready = Signal(str, QImage)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _PhotoSignals(self)  # a child made after the pool (ThumbnailLoader's reason)
        self._signals.ready.connect(self._deliver)
        self._memory: OrderedDict[str, QImage] = OrderedDict()
        self._pending: set[str] = set()
        self._why: dict[str, str] = {}

    @staticmethod
    def key(item: ItemInfo) -> str:
        return f"{item.pk}|{item.content_hash}|{item.image_path}"

    def get(self, item: ItemInfo) -> QImage | None:
        """The photo when loaded; otherwise schedules it and returns None (``ready`` follows)."""
        key = self.key(item)
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        if key not in self._pending:
            self._pending.add(key)
            self.pool.start(_PhotoJob(key, Path(item.image_path), item.content_hash, self._signals).run)
        return None

    def why(self, item: ItemInfo) -> str:
        """Why the item's photo came back null ("" when it did not, or is not loaded yet)."""
        return self._why.get(self.key(item), "")

    def _deliver(self, key: str, image: QImage, why: str) -> None:
        self._pending.discard(key)
        if image.isNull():  # never kept: the next look reads the file again (it may be put back)
            self._why[key] = why
            self._memory.pop(key, None)
        else:
            self._why.pop(key, None)
            self._memory[key] = image
            while len(self._memory) > PHOTO_CACHE:
                self._memory.popitem(last=False)
        self.ready.emit(key, image)

    def wait(self, ms: int = 5000) -> bool:
        return self.pool.waitForDone(ms)


class PhotoView(QWidget):
    """One item's photo, whole and letterboxed in whatever room the panel gives it, with its map
    over the model's view of it. Its size never depends on the photo."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.photo = QImage()
        self.crop = QRectF()
        self.overlay: QImage | None = None
        self.opacity = 0.0
        self.full = False  # the item's own photo (else the model's crop stands in)
        self._scaled: tuple[tuple[int, int, int], QImage] | None = None
        self._composed: tuple[tuple[object, ...], QPixmap] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # as high as its width allows: it grows with the panel
        self.setSizePolicy(policy)
        self.setMinimumSize(PHOTO_MIN, PHOTO_MIN)
        self.setAccessibleName(caption)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return PHOTO_HINT

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return max(PHOTO_MIN, round(width * PHOTO_ASPECT))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def set_photo(self, photo: QImage, crop: QRectF, full: bool) -> None:
        self.photo, self.crop, self.full = photo, crop, full
        self._scaled = self._composed = None
        self.update()

    def set_overlay(self, overlay: QImage | None, opacity: float) -> None:
        self.overlay, self.opacity = overlay, opacity
        self._composed = None
        self.update()

    def clear(self) -> None:
        self.set_photo(QImage(), QRectF(), False)
        self.set_overlay(None, 0.0)

    def _bound(self) -> QSize:
        ratio = self.devicePixelRatioF()
        inner = self.rect().adjusted(4, 4, -4, -4).size()
        return QSize(max(1, round(inner.width() * ratio)), max(1, round(inner.height() * ratio)))

    def pixmap(self) -> QPixmap:
        """The photo with its overlay as drawn now (cached per size, overlay and opacity)."""
        bound = self._bound()
        overlay_key = self.overlay.cacheKey() if self.overlay is not None else 0
        key = (self.photo.cacheKey(), bound.width(), bound.height(), overlay_key, round(self.opacity, 3))
        if self._composed is not None and self._composed[0] == key:
            return self._composed[1]
        size = self.photo.size().scaled(bound, Qt.AspectRatioMode.KeepAspectRatio)
        scaled_key = (self.photo.cacheKey(), size.width(), size.height())
        if not self.photo.isNull() and (self._scaled is None or self._scaled[0] != scaled_key):
            self._scaled = (scaled_key, self.photo.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                          Qt.TransformationMode.SmoothTransformation))
        pixmap = compose(self.photo, self.crop, self.overlay, self.opacity, bound,
                         self._scaled[1] if self._scaled is not None else None)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self._composed = (key, pixmap)
        return pixmap

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PHOTO_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()), 6, 6)
        if not self.photo.isNull():
            pixmap = self.pixmap()
            ratio = pixmap.devicePixelRatio() or 1.0
            width, height = pixmap.width() / ratio, pixmap.height() / ratio
            painter.drawPixmap(QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height),
                               pixmap, QRectF(pixmap.rect()))
        painter.end()


class HeatLegend(QWidget):
    """The overlay's colour bar, "less → more influence", in the colour map the overlays use (the
    service's one colour-map code)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_map = ""
        self.low, self.high = "less", "more influence"
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._bar = QImage()
        self.set_colour_map(COLOUR_MAPS[0])

    def set_colour_map(self, name: str) -> None:
        self.colour_map, self._bar = name, QImage()  # drawn at the next paint (numpy: not before the window)
        self.update()

    def bar(self) -> QImage:
        """The colour bar, 256 × 1 pixels, made on first use."""
        if self._bar.isNull():
            import numpy as np  # see the note at the imports

            from sane_desktop.service import colour_lut

            self._bar = rgb_image(np.ascontiguousarray(colour_lut(self.colour_map)[None, :, :]))  # (1, 256, 3)
        return self._bar

    def set_words(self, low: str, high: str) -> None:
        self.low, self.high = low, high
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(160, self.fontMetrics().height() + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(60, self.fontMetrics().height() + 4)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        metrics = self.fontMetrics()
        low_w, high_w = metrics.horizontalAdvance(self.low), metrics.horizontalAdvance(self.high)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        height = self.height()
        painter.drawText(0, 0, low_w, height, int(Qt.AlignmentFlag.AlignVCenter), self.low)
        bar_left, bar_right = low_w + 6, self.width() - high_w - 6
        if bar_right - bar_left >= 16:
            bar = QRectF(bar_left, height / 2 - 5, bar_right - bar_left, 10)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(bar, self.bar())
            painter.drawText(round(bar.right()) + 6, 0, high_w, height, int(Qt.AlignmentFlag.AlignVCenter), self.high)
        painter.end()


STATUS_LINES, ERROR_LINES = 2, 6  # the status line's height: a failure's reason and remedy are read whole


class StatusLine(ElidedLabel):
    """The panel's status: two lines at most, in the error colour of the theme after a failure,
    which has up to six (the panel shows nothing else then: a trial read its remedy only in the
    tooltip)."""

    def __init__(self, text: str = "") -> None:
        self.error = False
        super().__init__(text, lines=STATUS_LINES)

    def text_colour(self) -> QColor:
        return error_colour(self.palette()) if self.error else super().text_colour()


class ScoreBar(QWidget):
    """A value in [0, 1] as its number (window text on the window: readable in both themes) over
    a thin bar; narrow columns never clip it."""

    def __init__(self, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = float(value)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setToolTip(f"{self.value:.3f}")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(60, self.fontMetrics().height() + 5)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(28, self.fontMetrics().height() + 5)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        palette = self.palette()
        text_height = self.fontMetrics().height()
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(0, 0, self.width(), text_height, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         f"{self.value:.2f}")
        track = QRectF(0, text_height + 1, self.width() - 4, 3)
        painter.fillRect(track, QColor(128, 128, 128, 70))
        painter.fillRect(QRectF(track.left(), track.top(), track.width() * max(0.0, min(1.0, self.value)), 3),
                         palette.color(QPalette.ColorRole.Highlight))
        painter.end()


class AttributeBars(QWidget):
    """The explaining attribute and runner-ups: total plus its parts (confidence, map match, prior,
    and whether the paired item has it too). Clicking a name emits ``attribute_clicked``."""

    attribute_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 5)  # the name first: at 3 of 11 it read "colour:pur…" (trial BN)
        for column in range(1, 5):
            self.grid.setColumnStretch(column, 2)
        self.partner_header = "pair has it"  # "both have it" for a "visually similar" pair

    def set_attributes(self, attributes: list[AttributeScore], limit: int = 5, empty: str = "") -> None:
        """The first ``limit`` ranked attributes with their parts; none: ``empty`` (or why there are none)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not attributes:
            self.grid.addWidget(ElidedLabel(empty or "No attribute explanation: this model has no attribute net or "
                                            "attribute choice.", lines=2), 0, 0, 1, 5)
            return
        for column, header in enumerate(("attribute", "confidence", "map match", "prior", self.partner_header)):
            label = ElidedLabel(header, lines=2)  # "map match" wraps in a narrow panel instead of being cut
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 0.85)
            label.setFont(font)
            # wrapped between words, never inside one: "confidenc / e" (trial BS)
            label.setMinimumWidth(max(QFontMetrics(font).horizontalAdvance(word) for word in header.split()) + 2)
            self.grid.addWidget(label, 0, column)
        for row, score in enumerate(attributes[:limit], start=1):
            name = LinkLabel(score.name)  # the catalogue's (or model's) text: plain, elided
            if row == 1:
                font = name.font()
                font.setBold(True)
                name.setFont(font)
            # how common it is (the specificity part) goes in the hint: a sixth column squeezed the names
            common = f", on {score.base_rate:.0%} of the labelled items" if score.base_rate < 1.0 else ""
            name.set_hint(f"log score {score.total:.3f} (Σ weight × log part; ≤ 0 unless specificity lifts it)"
                          f"{common} — click to see where the model sees it")
            name.clicked.connect(lambda attribute=score.name: self.attribute_clicked.emit(attribute))
            self.grid.addWidget(name, row, 0)
            for column, value in enumerate((score.confidence, score.match, score.prior, score.partner), start=1):
                self.grid.addWidget(ScoreBar(value), row, column)


# --- the outfit's reason (issue 17) -----------------------------------------------------------------
OUTFIT_HINT = "Click an item (or press Enter on it) to see that pair below."
OUTFIT_TITLE = "Why it goes with your outfit"
LOOK_ALIKE_OUTFIT_TITLE = "Why it looks like your outfit"
# a score at or below "unrelated": no "why it goes" above "does not really go" (trial W)
UNRELATED_OUTFIT_TITLE = "How it compares with your outfit"


def outfit_title(reason: OutfitExplanation | None, alike: bool) -> str:
    """The outfit's reason's heading: a look-alike's, a match's, or (score not positive) a comparison's."""
    if reason is not None and not reason.score > 0:
        return UNRELATED_OUTFIT_TITLE
    return LOOK_ALIKE_OUTFIT_TITLE if alike else OUTFIT_TITLE
PAIR_TITLE = "The match with one outfit item"
LOOK_ALIKE_PAIR_TITLE = "The likeness with one outfit item"
SHARE_THUMB = 36  # a share row's thumbnail side (px)
SHARE_TITLE_LEAST = 110  # a share row's title gets a line of its own rather than keep under this width (px)


def points_words(points: int, share: float) -> str:
    """"7 points", "1 point", or "less than 1 point" for a share that rounds to none (its sign is told apart)."""
    amount = points_amount(points, share)
    return f"{amount} point{'' if amount in ('1', 'less than 1') else 's'}"


def outfit_phrase(attribute: str) -> str:
    """The attribute as the words after "through its": ``motif:bolt`` -> "lightning-bolt motif",
    ``colour:blue`` -> "blue colour", ``pattern:dotted`` -> "dotted pattern", ``fabric:denim`` ->
    "denim fabric"; a bare word as its look ("dotted" -> "dotted look"); another kind as “kind value”."""
    from sane_desktop.service.titles import COLOUR_KINDS, MATERIAL_KINDS, TYPE_KINDS, attribute_parts, attribute_words

    kind, value = attribute_parts(attribute)
    kind = kind.casefold()
    if kind in ("motif", "pattern", "print") or kind in MATERIAL_KINDS:
        return attribute_words(attribute)
    if kind in COLOUR_KINDS:
        return f"{attribute_words(attribute)} colour"
    words = value.replace("_", " ").strip()
    if kind in TYPE_KINDS:
        return f"type ({words})"
    return f"{words} look" if not kind else f"“{kind} {words}”"


EVEN_SPREAD = 10.0  # percentage points between the largest and smallest share: "about equally"


def outfit_sentence(reason: OutfitExplanation, alike: bool = False, points: Mapping[int, int] | None = None,
                    limit: int = SENTENCE_TITLE_CHARS) -> str:
    """:func:`_outfit_sentence`, ending in one mark: a shortened title at its end brings its own "…" (trial
    BF read "… comes from Black checked a-line skirt…."). ``points``: outfit item key -> the points the rows
    and badges show (default: the reason's own, :meth:`OutfitExplanation.item_points`)."""
    said = _outfit_sentence(reason, alike, points, limit)
    return said[:-1] if said.endswith("….") else said


def _outfit_sentence(reason: OutfitExplanation, alike: bool = False, points: Mapping[int, int] | None = None,
                     limit: int = SENTENCE_TITLE_CHARS) -> str:
    """The outfit's reason in a stylist's words, e.g. "Goes with your outfit mainly through its
    lightning-bolt motif — 70 % of the match comes from Blue bolt shirt." (or, shares within
    :data:`EVEN_SPREAD` points, "— all 3 outfit items carry the match about equally", "— both outfit items …" for
    two; an item with a negative share, "— most of the match comes from A, while B pulls it down"). When the attribute
    choice abstains it says so (the pair view's wording); when the outfit score is not positive,
    that the outfit as a whole does not pull it in. ``alike``: the result is only a look-alike (its
    category ranked by looks alone): "Looks like your outfit …", "… of the likeness comes from …"."""
    noun, goes = ("likeness", "looks like") if alike else ("match", "goes with")
    percentages = reason.whole_percentages()
    if percentages is None or not reason.shares:
        towards = [short_title(s.item.title, limit) for s in reason.shares if s.share > 0]
        if not towards:
            return f"This item does not really {'look like' if alike else 'go with'} your outfit: none of its items " \
                   "pulls it in."
        return (f"This item barely {goes} your outfit as a whole: its {noun} with {' and '.join(towards)} is "
                "offset by the others.")
    against = [short_title(s.item.title, limit) for s in reason.shares if s.share < 0]
    # an item not compared (a space never learnt) carries no part: not one of "all 3 carry it equally"
    percentages = tuple(p for p, s in zip(percentages, reason.shares) if s.compared)
    # the outfit items the sentence names as carrying the match ([] : all of them), and its words for them
    carried_by: list[str] = []

    def carrying(names: str) -> str:
        if against:  # a share over 100 % reads oddly: say who carries it and who pulls it down
            verb = "pulls" if len(against) == 1 else "pull"
            return f"most of the {noun} comes from {names}, while {' and '.join(against)} {verb} it down"
        return f"{top} % of the {noun} comes from {names}"

    top = 0
    if against:
        carried_by = [short_title(reason.leading().item.title, limit)]
        carries = carrying(carried_by[0])
    elif len(percentages) > 1 and max(percentages) - min(percentages) < EVEN_SPREAD:
        # the match is what they carry equally, not the attribute: trial AB read "its cross motif — both
        # outfit items carry it about equally" where only the skirt had the cross
        carries = (f"{'both' if len(percentages) == 2 else f'all {len(percentages)}'} outfit items carry the {noun} "
                   "about equally")
    else:
        # the percent a stylist gets from the badges' points (trial DS summed +22 and +5 to 81 % where the
        # unrounded shares said 80 %); "about equally" above stays the shares' own judgement
        shown = [p for p, s in zip(shown_percentages(reason, points), reason.shares) if s.compared]
        top = max(shown)
        compared = [s for s in reason.shares if s.compared]
        # equal shares at the top are named together (trial AI: 40/40/20 named the first listed alone)
        carried_by = [short_title(s.item.title, limit) for s, p in zip(compared, shown) if p == top]
        carries = carrying(carried_by[0] if len(carried_by) == 1 else f"each of {' and '.join(carried_by)}")
    if reason.abstained:  # the pair view's wording (issue 17): say so rather than name a weak attribute
        return f"{abstention_opening(noun, reason.abstained)}; {carries}."
    opening = "Looks like your outfit" if alike else "Goes with your outfit"
    if reason.attribute and reason.attributes[0].confidence < SHOWS:
        # never "its heart motif" of a result the model puts at 0.02 for it (trial DL, after DJ's pair sentence)
        phrase = outfit_phrase(reason.attribute)
        holders = [short_title(share.item.title, limit) for share in reason.shares
                   if share.compared and share.shows_attribute >= SHOWS]
        article = "an" if phrase[:1].casefold() in "aeiou" else "a"
        # "which X shows", not "as X has": a title is no name that reads well alone (trial EN: "as A-line skirt has")
        where = (f", which {_and(holders)} {'shows' if len(holders) == 1 else 'show'}, though this item hardly shows it"
                 if holders else ", though neither this item nor your outfit clearly shows it")
        return f"{opening} — {carries}. Nearest reason: {article} {phrase}{where}."
    if reason.attribute:
        # "mainly" only where the item carrying most of the score shows the attribute: trial BN read
        # "mainly through its green colour, as in Cap (24 % of the match) — 76 % … from A-line skirt"
        elsewhere = bearer_words(reason, noun, points, limit)
        showing = _showing(reason, limit)
        if not elsewhere and showing and sorted(showing) == sorted(carried_by):
            # the items that show it are the ones carrying the match: named once (a trial read "as in Blue
            # shopper — 60 % of the match comes from Blue shopper")
            one = len(showing) == 1
            bearers = f", shared with {' and '.join(showing)}"
            carries = carrying("it" if one else "each of them")
        elif not elsewhere and len(carried_by) == 1 and carried_by[0] in showing:
            # the one carrying it among others that show it: named once, first ("as in Hat and Jacket — most of
            # the match comes from Jacket", the README's own screenshot)
            others = [name for name in showing if name != carried_by[0]]
            bearers = f", shared with {_and([carried_by[0], *others])}"
            # "the first" of three or more names reads as a puzzle (trial ED: "as X, Y and Z have — 50 % of the
            # match comes from the first"): named again there
            carries = carrying("the first" if len(others) == 1 else carried_by[0])
        else:
            bearers = elsewhere or (f", as in {' and '.join(showing)}" if showing else "")
        return f"{opening}{'' if elsewhere else ' mainly'} through its {outfit_phrase(reason.attribute)}{bearers} — {carries}."
    return f"{opening} — {carries}."


WHOLE_TITLES = 1_000  # characters: a title is never shortened (outfit_sentence's limit)
SHOWS = 0.5  # an outfit item "shows" the outfit's attribute at this calibrated probability or more


def bearer_words(reason: OutfitExplanation, noun: str = "match", points: Mapping[int, int] | None = None,
                 limit: int = SENTENCE_TITLE_CHARS) -> str:
    """Which outfit item has the outfit's attribute, when the item carrying most of the score does not
    (trial O: "through its circular knit fabric — 62 % … from Blue blouse", a woven blouse, the knit
    being the bodysuit's): ", as in Blue bodysuit (38 % of the match)"; "" when the leading item shows it.
    When an item pulls the match down, the percentages of what is left run past 100 % (trial DO read "(49 % of
    the match) — most of the match comes from A-line skirt"): its points then, as its row and badge say them
    (``points``: outfit item key -> points; default the reason's own)."""
    leading = reason.leading()
    if leading.shows_attribute >= SHOWS:
        return ""
    percentages = shown_percentages(reason, points)
    bearers = [(share, percent) for share, percent in zip(reason.shares, percentages)
               if share.compared and share.share > 0 and share.shows_attribute >= SHOWS]
    if not bearers:
        return ", which no item of your outfit clearly has"
    # the one carrying most of the score among those that clearly show it, not the surest of them: trial
    # AM read the item with 19 % named over one with 34 % that showed it 0.99008 against 0.99032
    bearer, percent = max(bearers, key=lambda pair: (pair[0].share, pair[0].shows_attribute))
    if any(p < 0 for p in percentages):
        if points is None:
            points = {reason.shares[j].outfit_pk: p for j, p in reason.item_points().items()}
        said = points_words(points.get(bearer.outfit_pk, 0), bearer.share)  # a bearer is compared: it has points
        return f", as in {short_title(bearer.item.title, limit)} (which adds {said})"
    return f", as in {short_title(bearer.item.title, limit)} ({percent} % of the {noun})"


def shown_percentages(reason: OutfitExplanation, points: Mapping[int, int] | None = None) -> tuple[int, ...]:
    """Each outfit item's whole percent of the match, one per share (0 for an item not compared), as a stylist
    works it out from the points its badge shows (``points``: outfit item key -> points; default the reason's
    own): +22 and +5 read 81 % and 19 %. From the unrounded shares (:meth:`OutfitExplanation.whole_percentages`)
    where the points cannot give it: an item pulls the match down, or adds less than a point ("+<1": 0 of the
    points, yet part of the match), or there are no points to share. Zeros where there is no match to share."""
    exact = reason.whole_percentages()
    if exact is None:
        return tuple(0 for _ in reason.shares)
    if points is None:
        points = {reason.shares[j].outfit_pk: p for j, p in reason.item_points().items()}
    compared = [share for share in reason.shares if share.compared]
    said = [points.get(share.outfit_pk) for share in compared]
    if (any(p is None or p < 0 or (p == 0 and share.share != 0) for p, share in zip(said, compared))
            or not sum(p or 0 for p in said)):
        return exact
    whole = iter(whole_percents([float(p or 0) for p in said]))
    return tuple(next(whole) if share.compared else 0 for share in reason.shares)


def _and(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _showing(reason: OutfitExplanation, limit: int = SENTENCE_TITLE_CHARS) -> list[str]:
    """The (short) titles of the compared outfit items that show the outfit's attribute, when some do and some
    do not ([] otherwise)."""
    compared = [share for share in reason.shares if share.compared]
    showing = [short_title(share.item.title, limit) for share in compared if share.shows_attribute >= SHOWS]
    return showing if 0 < len(showing) < len(compared) else []


def percent_text(value: float) -> str:
    """A share in percent as shown: "70 %", "−12 %" (a true minus sign)."""
    rounded = round(value)
    return f"{'−' if rounded < 0 else ''}{abs(rounded)} %"


def ranking_withheld(reason: str) -> bool:
    """:func:`sane_desktop.explain.abstain.ranking_withheld`, imported when first asked."""
    from sane_desktop.explain.abstain import ranking_withheld as withheld

    return withheld(reason)


def plain_abstention(reason: str) -> str:
    """The core's reason for naming no attribute (:func:`sane_desktop.explain.attribute_choice.abstention`,
    with its numbers) in a stylist's words; the numbers go to the tooltip."""
    from sane_desktop.explain.abstain import abstention_kind

    return ABSTENTION_WORDS[abstention_kind(reason) or "weak_evidence"]



ABSTENTION_WORDS = {"weak_evidence": "none of them is clearly on both items",
                    "flat_map": "no part of the picture stands out",
                    "no_attribute": "this model knows no attributes to name",
                    "common_label": "the only ones that fit are labels nearly every item carries",
                    "labels_contradict": "the ones the model sees on it are ruled out by its own labels",
                    # short: a trial read it cut off ("… wou…") in the panel, twice (the outfit's reason and
                    # the pair's); what would help is in ABSTENTION_ADVICE, the headline's tooltip
                    "foreign_model": "this model learnt its reasons on another catalogue"}

# what would name an attribute, said in the headline's tooltip — true whether or not this catalogue can
# train one (a trial was told to "train one" with Train disabled, and of "drawn garments" in a catalogue of them)
ABSTENTION_ADVICE = {"foreign_model": "A model trained on this catalogue's outfits or labelled attributes would name "
                                      "them (File → Train model on this catalogue…, when it has either)."}


def abstention_opening(noun: str, reason: str) -> str:
    """The headline's opening when no attribute is named for a ``noun`` ("match", "likeness"): that
    none explains it, and why; for a model trained elsewhere, that this model names none here —
    trial M read "No single attribute explains this match" as the app having looked and found nothing."""
    from sane_desktop.explain.abstain import abstention_kind

    if abstention_kind(reason) == "foreign_model":
        return f"This model names no attribute for this {noun} here: it learnt its reasons on another catalogue"
    return f"No single attribute explains this {noun}: {plain_abstention(reason)}"


def abstention_tooltip(reason: str) -> str:
    """The headline's tooltip when no attribute is named: what would help, then the core's reason with its numbers."""
    from sane_desktop.explain.abstain import abstention_kind

    advice = ABSTENTION_ADVICE.get(abstention_kind(reason) or "", "")
    return f"{advice}\n\nWhy none is named: {reason}" if advice else f"Why none is named: {reason}"


@dataclass(frozen=True)
class SharePlacement:
    """Where a :class:`ShareRow` draws its title, its bar and its value (its own coordinates)."""

    title: QRectF
    bar: QRectF
    value: QRectF


class ShareRow(QWidget):
    """One outfit item's share of the match: its thumbnail, its name (elided), a bar and the
    percentage, drawn in a fixed height whatever the text. A click (or Enter/Space) emits
    ``clicked`` with the outfit item's key: the drill-down to the pair view. A negative share (the
    item pulls the score down) is drawn in the error colour."""

    clicked = Signal(int)

    def __init__(self, share: OutfitShare, percent: float | None, thumbnail: QImage,
                 parent: QWidget | None = None, noun: str = "match", points: int | None = None,
                 kin: bool = False) -> None:
        """``noun``: what the share is of ("match", "likeness" for a look-alike result); ``points``:
        the points of the 0–100 match this item adds, shown instead of a percentage (when an item pulls
        the match down, percentages of what is left run past 100: trial T read −276 % and 376 %)."""
        super().__init__(parent)
        self.outfit_pk, self.title, self.share, self.percent = share.outfit_pk, share.item.title, share.share, percent
        self.points = points
        self.compared = share.compared
        if not share.compared:  # no part of the match, not a measured 0 %: no bar, and the words say so
            self.percent = self.points = None
        self.thumbnail = thumbnail
        self.selected = False
        self._thumb: QPixmap | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(SHARE_THUMB + 8)
        ClickActivation(self).activated.connect(lambda: self.clicked.emit(self.outfit_pk))
        # ``kin``: an alternative of another folder the model counts as the same kind (trial BB)
        part = (f"not compared: the model counts its category and the result's as one kind, an alternative to it, "
                f"so this item adds nothing to the {noun}" if share.alternative and kin else
                f"not compared: the same category, an alternative to it, so this item adds nothing to the {noun}"
                if share.alternative else
                "not compared: the model learnt no matches between these two categories, so this item adds "
                f"nothing to the {noun}" if not share.compared else
                f"{'adds' if self.share >= 0 else 'takes'} {points_words(self.points, self.share)} "
                f"{'to' if self.share >= 0 else 'off'} the 0–100 {noun}" if self.points is not None else
                f"{self.value_text()} of the {noun}" if percent is not None else
                f"its part of the outfit score: {self.value_text()} ({'towards' if share.share > 0 else 'against'} a {noun})")
        self.setToolTip(plain_tooltip(f"{self.title}\n{part} — click to see the pair"))
        self.setAccessibleName(f"{self.title}: not compared" if not share.compared else
                               f"{self.title}: {self.value_text()} of the {noun}")

    def value_text(self) -> str:
        """The percentage, or (the outfit score not positive) the signed share itself; "not compared"
        for an item in a space the model never learnt."""
        if not self.compared:
            return "not compared"
        if self.points is not None:
            return points_text(self.points, self.share)  # a small pull-down keeps its sign
        return percent_text(self.percent) if self.percent is not None else f"{self.share:+.2f}"

    def bar_part(self) -> float | None:
        """How much of its bar is filled, 0–1 (None: no bar): the percentage of 100, or the points of
        the 50 an outfit adds to "unrelated" at most."""
        if self.points is not None:
            return min(1.0, abs(self.points) / 50)
        return None if self.percent is None else max(0.0, min(1.0, abs(self.percent) / 100))

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(240, SHARE_THUMB + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(120, SHARE_THUMB + 8)

    def placement(self) -> SharePlacement:
        """Where the title, the bar and the value go at the current width: one line beside the
        thumbnail; in a narrow panel (the title would keep under :data:`SHARE_TITLE_LEAST` px) the
        title on a line of its own above the bar and the value, so that it is read, not "Blac…"."""
        metrics = self.fontMetrics()
        value_w = max(metrics.horizontalAdvance("−100 %"), metrics.horizontalAdvance(self.value_text()))
        left = 4 + SHARE_THUMB + 8
        right = self.width() - 6
        bar_w = 0 if self.bar_part() is None else max(36, min(120, round(self.width() * 0.25)))
        value_left = right - value_w
        bar_left = value_left - 6 - bar_w
        title_w = max(0, round(bar_left - 8 - left))
        height = self.height()
        if title_w >= min(SHARE_TITLE_LEAST, metrics.horizontalAdvance(self.title)):
            return SharePlacement(QRectF(left, 0, title_w, height), QRectF(bar_left, 0, bar_w, height),
                                  QRectF(value_left, 0, value_w, height))
        # the title on a line of its own; the bar where a one-line row has it, as long: equal points draw equal
        # bars whatever the titles (trial DO: a long title's row drew +6 longer than a short one's +11)
        half = height / 2
        return SharePlacement(QRectF(left, 2, max(0, right - left), half - 2), QRectF(bar_left, half, bar_w, half - 2),
                              QRectF(value_left, half, value_w, half - 2))

    def shown_title(self) -> str:
        """The title as drawn at the current width (elided with "…" when it does not fit)."""
        return self.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(self.placement().title.width()))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        if self.selected:  # the pair shown below
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(45)
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 5, 5)
        elif self.hasFocus():
            painter.setPen(QColor(128, 128, 128, 160))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 5, 5)
        thumb = QRectF(4, 4, SHARE_THUMB, SHARE_THUMB)
        if not self.thumbnail.isNull():
            if self._thumb is None:
                side = round(SHARE_THUMB * self.devicePixelRatioF())
                self._thumb = QPixmap.fromImage(self.thumbnail.scaled(
                    side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            painter.drawPixmap(thumb, self._thumb, QRectF(self._thumb.rect()))
        text = palette.color(QPalette.ColorRole.WindowText)
        place = self.placement()
        painter.setPen(text)
        middle = int(Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(place.title, middle | int(Qt.AlignmentFlag.AlignLeft), self.shown_title())
        part = self.bar_part()
        if place.bar.width() > 0 and part is not None:
            track = QRectF(place.bar.left(), place.bar.center().y() - 4, place.bar.width(), 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(128, 128, 128, 70))
            painter.drawRoundedRect(track, 3, 3)
            if part > 0:
                painter.setBrush(error_colour(palette) if self.share < 0 else palette.color(QPalette.ColorRole.Highlight))
                painter.drawRoundedRect(QRectF(track.left(), track.top(), max(3.0, track.width() * part), 8), 3, 3)
        painter.setPen(error_colour(palette) if self.share < 0 else text)
        painter.drawText(place.value, middle | int(Qt.AlignmentFlag.AlignRight), self.value_text())
        painter.end()


class OutfitReasonView(QWidget):
    """The outfit's reason (issue 17): one sentence on why the result goes with the outfit as a
    whole, and one :class:`ShareRow` per outfit item (its share of the match); clicking a row emits
    ``item_clicked`` (the drill-down to that pair). Its height depends only on the outfit's size."""

    item_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason: OutfitExplanation | None = None
        self.rows: list[ShareRow] = []
        self.title = ElidedLabel(OUTFIT_TITLE)
        small = self.title.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.title.setFont(small)
        # the panel's key sentence: whole in a narrow panel (3 lines cut it at 800 px, trial BN); the panel scrolls
        self.sentence = ElidedLabel("", lines=6)
        bold = self.sentence.font()
        bold.setBold(True)
        self.sentence.setFont(bold)
        self.hint = ElidedLabel(OUTFIT_HINT)
        self.hint.setFont(small)
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.sentence)
        layout.addLayout(self._rows)
        layout.addWidget(self.hint)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.item_clicked.connect(self.set_selected)  # at once: the pair follows from the worker

    def show_reason(self, reason: OutfitExplanation, thumbnails: tuple[np.ndarray, ...], alike: bool = False,
                    badges: Mapping[int, int] | None = None) -> None:
        """Show ``reason`` with the outfit items' thumbnails ((S, S, 3) uint8, the shares' order);
        ``alike``: the result is only a look-alike of the outfit, and the words say so. ``badges``: outfit
        item key -> the points its badge in the strip shows, said by the rows when it has every compared item
        (one figure, never one point apart); else the reason's own (:meth:`OutfitExplanation.item_points`)."""
        self.reason = reason
        set_plain(self.title, outfit_title(reason, alike))
        for row in self.rows:
            self._rows.removeWidget(row)
            row.deleteLater()
        percentages = reason.whole_percentages()
        # points, as the badges say them (trial W read −0.29 beside "−5"; trial DN "48 %" beside a "+9" badge); no
        # percent in the tooltip either: "2 points (7 % of it)" read as 7 % of the 0–100 figure (trial DO)
        points = reason.item_points()
        if badges is not None and all(share.outfit_pk in badges for share in reason.shares if share.compared):
            points = {j: badges[share.outfit_pk] for j, share in enumerate(reason.shares) if share.compared}
        self.rows = []
        for j, share in enumerate(reason.shares):
            thumbnail = rgb_image(thumbnails[j]) if j < len(thumbnails) else QImage()
            row = ShareRow(share, percentages[j] if percentages is not None else None, thumbnail,
                           noun="likeness" if alike else "match", points=points.get(j),
                           kin=share.item.category != reason.candidate.category)
            row.clicked.connect(self.item_clicked)
            self._rows.addWidget(row)
            self.rows.append(row)
        by_key = {reason.shares[j].outfit_pk: p for j, p in points.items()}
        set_plain(self.sentence, outfit_sentence(reason, alike, by_key))
        # the titles whole where the sentence then fits its lines (trial EA read "as A-line skirt with a plus-sign…
        # has" with room to spare; trial BE's two long titles took the room of its end, which the short one keeps)
        self.sentence.set_longer(left_to_right(outfit_sentence(reason, alike, by_key, WHOLE_TITLES)))

    def set_selected(self, outfit_pk: int | None) -> None:
        """Mark the row of the pair shown below (None: none)."""
        for row in self.rows:
            row.set_selected(row.outfit_pk == outfit_pk)

    def row(self, outfit_pk: int) -> ShareRow | None:
        return next((row for row in self.rows if row.outfit_pk == outfit_pk), None)

    def clear(self) -> None:
        self.reason = None
        for row in self.rows:
            self._rows.removeWidget(row)
            row.deleteLater()
        self.rows = []
        set_plain(self.sentence, "")


def outfit_terms(reason: OutfitExplanation) -> str:
    """The outfit's reason in the method's own terms (for Details): the outfit score as the exact
    sum of its cosines (type space, or general space for pairs compared by looks), each item's cosine,
    and the outfit-level attribute's parts."""
    shares = ", ".join(f"{s.item.title} {s.share:+.3f}" for s in reason.shares)
    # each pair in the space the search compared it in: a learnt type space, or the general space for a
    # category the model has no matches learnt for (a look-alike's pairs; an item counting by looks)
    text = (f"Outfit score {reason.score:.3f} = Σ of the cosines with each outfit item, each in the space the search "
            f"compared the pair in (a type space, or the general one for a pair compared by looks; exact, the "
            f"ranking's score): {shares}. The result's cells sum to {float(reason.cells.sum()):.3f}.")
    if reason.attributes and not ranking_withheld(reason.abstained):
        first = reason.attributes[0]
        text += (f" Outfit-level attribute {first.name}: log score {first.total:.3f} (Σ weight × log part), "
                 f"confidence {first.confidence:.3f}, "
                 f"map match {first.match:.3f} (vs the outfit-level map), prior {first.prior:.3f}, outfit shows it "
                 f"{first.partner:.3f} (weighted by the items' positive shares).")
    return text


RISE_STEP = re.compile(r"(\d+)/(\d+) masks on (this item|the outfit item)")
# the parts of a refinement, as shares of the whole: this item's RISE map, then the other item's (the
# attribute is the exact map's, chosen with the first look: nothing is ranked after the maps)
MAP_SHARE = 50
ALMOST_DONE = "Almost done…"


def _refinement(update: ExplanationUpdate) -> tuple[str, int] | None:
    """(the part that runs next: "this item", "other" or "done"; percent of the whole refinement
    done) from a step's RISE line, or None before the first batch."""
    found = RISE_STEP.search(update.detail)
    if found is None or not int(found.group(2)):
        return None
    used, total = min(int(found.group(1)), int(found.group(2))), int(found.group(2))
    first = found.group(3) == "this item"
    part = "this item" if first and used < total else "other" if first or used < total else "done"
    return part, min(99, round(MAP_SHARE * ((0 if first else 1) + used / total)))  # 100 % is the final step's


def refinement_percent(update: ExplanationUpdate) -> int | None:
    """How far a refinement is, in percent of the whole (the share :func:`progress_words` says),
    or None before its first RISE batch, after its last and once it is final (the status bar's
    count: it never says 100 % before the final step)."""
    step = None if update.final else _refinement(update)
    return None if step is None or step[0] == "done" else step[1]


def progress_words(update: ExplanationUpdate, general: bool = False) -> str:
    """The status line of an explanation step, in plain words (the method's own line is in Details).

    A step arrives when its part is *done*, and the line says what runs *next*: after the last batch
    of this item's map, the other item's map is refined; after the other item's, the final step
    comes. The share is of the whole refinement, so it never says 100 % while work goes on (a map
    that settles early leaves a jump, never an overstatement). ``general``: a "visually similar"
    result (the other item is the one it looks like, not an outfit item)."""
    if update.final:
        return f"Explained in {update.seconds:.1f} s."
    other = "the item it looks like" if general else "the outfit item"
    step = _refinement(update)
    if step is None:
        return "First look — refining the highlighted areas on this item…"
    part, percent = step
    if part == "done":
        return ALMOST_DONE
    return f"Refining the highlighted areas on {'this item' if part == 'this item' else other}… {percent}%"


SIMILAR_DROVE = "the highlighted areas drove the likeness."
STALE_CARD_MS = 400  # another result's explanation stays this long under "Explaining …" (an idle worker begins sooner)


def similar_sentence(attribute: str, title: str, both: bool = True, own: bool = True) -> str:
    """The headline of a "visually similar" result: what it shares with ``title`` (the item it looks
    like; ``both``: that item has the attribute too; ``own``: this item shows it), e.g. "Looks like Rose
    dotted sneakers: both have a dotted pattern — the highlighted areas drove the likeness." Never speaks
    of an outfit, nor says this item has what it hardly shows (trial DJ)."""
    from sane_desktop.service.titles import (COLOUR_KINDS, MATERIAL_KINDS, TYPE_KINDS, attribute_parts, attribute_thing,
                                             attribute_words, material_words)

    looks = f"Looks like {title}" if title.strip() else "Looks like the other item"
    if not attribute.strip():
        return f"{looks}: the highlighted areas are what the two have most in common."
    kind, value = attribute_parts(attribute)
    kind, words, phrase = kind.casefold(), value.replace("_", " ").strip(), attribute_words(attribute)
    if not own:
        thing = attribute_thing(attribute)
        return (f"{looks}, most in the highlighted areas (nearest reason: its {thing}, which this item hardly "
                "shows)." if both else
                f"{looks}, most in the highlighted areas (nearest reason: {'an' if thing[:1] in 'aeiou' else 'a'} "
                f"{thing}, though neither clearly shows it).")
    if not both:
        return f"{looks}, most in the highlighted areas (this item's {phrase} is its own)."
    if kind in COLOUR_KINDS or kind in TYPE_KINDS:
        shared = f"both are {words}"
    elif kind in MATERIAL_KINDS:
        shared = f"both are {material_words(words)}"
    elif kind in ("motif", "pattern", "print"):
        shared = f"both have {'an' if phrase[:1].casefold() in 'aeiou' else 'a'} {phrase}"
    else:
        shared = f"both share “{phrase if not kind else f'{kind} {words}'}”"
    return f"{looks}: {shared} — {SIMILAR_DROVE}"


class ExplanationView(QWidget):
    details_toggled = Signal(bool)
    exported = Signal(str)  # the path of a saved explanation
    outfit_item_clicked = Signal(int)  # an outfit item's share row: show the pair (result, that item)
    question_changed = Signal(str)  # the question the panel answers (its dock's title), see question()
    # whether there is an explanation to export (the panel's button and File → Export explanation… follow it:
    # trial AX's menu entry was enabled with nothing to export, and did nothing)
    exportable_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._content_width = 0  # the body's narrowest width, last told to the dock (minimumSizeHint)
        self.update_data: ExplanationUpdate | None = None
        self.outfit_data: OutfitExplanation | None = None  # the outfit's reason shown above the pair
        self.general = False  # the explanation shown is of a "visually similar" result
        self.look_alike = False  # … of a look-alike of the outfit (set_look_alike: the window knows which)
        self.export_folder = ""  # where the export dialog opens (the user's Pictures folder when empty)
        self.catalogue = ""  # the open catalogue, as an export's record names it ("name (uid …)"; the window sets it)
        self.stopped_early = False  # the explanation shown was stopped before its final map
        self._photos: dict[str, QImage] = {}
        self._overlays: dict[str, QImage] = {}
        self._items: dict[str, ItemInfo | None] = {"candidate": None, "outfit": None}
        self._titles = ("", "")
        self.export_dialog: QFileDialog | None = None
        self.loader = PhotoLoader(self)
        self.loader.ready.connect(self._photo_ready)
        self.candidate_panel, self.outfit_panel = PhotoView("result"), PhotoView("outfit item")
        self.candidate_caption = ElidedLabel("This item")
        bold = self.candidate_caption.font()
        bold.setBold(True)
        self.candidate_caption.setFont(bold)
        self.outfit_caption = ElidedLabel("…matches this outfit item")
        self.headline = ElidedLabel("", lines=3)
        # the result explained and its 0–100 match, above the reason: in the panel and in the exported
        # picture (trial M's PNG did not say which match it explained)
        self.result_line = ElidedLabel("")
        self.result_line.setObjectName("explained-result")
        self.result_line.setVisible(False)
        self.headline.setFont(bold)
        self.legend = HeatLegend()
        self.overlay_label = ElidedLabel(SALIENCY_CAPTION)  # in the card: an exported PNG says what it shows
        self.attribute_label = LinkLabel()
        self.attribute_label.set_hint("Click to see where the model sees it on both items")
        self.attribute_caption = QLabel("See where:")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        # never 0: "Overlay" is the switch; a slider dragged to 0 showed no map with no hint why (trial BS)
        self.opacity.setRange(MIN_OPACITY, 100)
        self.opacity.setValue(55)
        self.opacity.setToolTip("Overlay opacity")
        self.opacity.setAccessibleName("Overlay opacity")  # a screen reader reads no tooltip as a name
        # its size never follows the combo boxes below it; it gives way (down to half) only in a
        # narrow panel, so that a small window with the Filters open cuts nothing off
        self.opacity.setMinimumWidth(60)
        self.opacity.setMaximumWidth(120)
        self.opacity.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.colour_map = QComboBox()
        self.colour_map.addItems(list(COLOUR_MAPS))
        self.colour_map.setToolTip("Colour map of the overlay")
        self.colour_map.setAccessibleName("Overlay colours")
        self.layer = QComboBox()
        self.layer.addItem(SALIENCY_LAYER, None)
        self.layer.setAccessibleName("What the overlay shows")
        self.layer.setToolTip("What the overlay shows: why the two items are similar (saliency), or where the\n"
                              "attribute net sees an attribute on each item (its activation map)")
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setMinimumContentsLength(8)  # elided below that: the panel fits a small window
        # the overlay's controls take the keyboard by Tab only: a key pressed after a mouse choice is not theirs
        for control in (self.opacity, self.colour_map, self.layer):
            control.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.layer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.overlay_toggle = QCheckBox("Overlay")
        self.overlay_toggle.setChecked(True)
        self.overlay_toggle.setToolTip("Show or hide the highlighted areas (O)")
        # the menu entry's name (a trial read two names for one action), under the scroll area: always in view
        self.export_button = QPushButton(EXPORT_TEXT)
        themed_icon(self.export_button, "mdi6.content-save-outline")
        self.export_button.setToolTip("Save this explanation as a PNG image (Ctrl+Shift+S)")
        self._set_exportable(False)
        # the result asked for, (key, title), until its first step shows: another result's card on
        # screen meanwhile goes after STALE_CARD_MS (trial J: it stayed under "Explaining B…" for the
        # whole of a training run holding the worker, its Export still on)
        self._pending: tuple[int, str] | None = None
        self._stale_card = QTimer(self)
        self._stale_card.setSingleShot(True)
        self._stale_card.setInterval(STALE_CARD_MS)
        self._stale_card.timeout.connect(self._drop_stale_card)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolTip("The method's own numbers: similarity, the attribute's score parts, timing")
        # Details wrap in full (the panel scrolls): their numbers are what a person came to read
        self.method_label, self.similarity_label = wrapped_label(), wrapped_label()
        self.bars = AttributeBars()
        self.status = StatusLine(PROMPT)
        # the outfit's reason first (issue 17): the pair view below it is its drill-down
        self.outfit_reason = OutfitReasonView()
        self.outfit_reason.item_clicked.connect(self.outfit_item_clicked)
        self.outfit_rule = QFrame()
        self.outfit_rule.setFrameShape(QFrame.Shape.HLine)
        self.outfit_rule.setFrameShadow(QFrame.Shadow.Sunken)
        self.pair_title = ElidedLabel(PAIR_TITLE)  # over the pair view when it is the drill-down
        self.pair_title.setFont(self.outfit_reason.title.font())
        self.outfit_terms = wrapped_label()
        # a photo the model sees little of (a long strip, a tiny picture): its map is thin or blank,
        # and a trial found nothing on screen said why (the import and `query` say it)
        self.framing_note = wrapped_label()
        self.framing_note.setVisible(False)
        self._framing: dict[str, str] = {}

        for signal in (self.opacity.valueChanged, self.overlay_toggle.toggled):
            signal.connect(self._render)
        self.colour_map.currentTextChanged.connect(self._recolour)
        self.layer.currentIndexChanged.connect(lambda _: self._recolour(self.colour_map.currentText()))
        self.bars.attribute_clicked.connect(self.show_attribute)
        self.attribute_name = ""  # the attribute the label names in words ("dotted pattern" for pattern:dotted)
        self.attribute_label.clicked.connect(lambda: self.show_attribute(self.attribute_name))
        self.export_button.clicked.connect(lambda: self.export())
        self.details_button.toggled.connect(self._details_toggled)
        # opened by the user: brought into view (trial BS saw one cut line of it at the panel's foot)
        self.details_button.clicked.connect(lambda shown: shown and QTimer.singleShot(0, self._reveal_details))

        images = QGridLayout()
        images.addWidget(self.candidate_caption, 0, 0)
        images.addWidget(self.outfit_caption, 0, 1)
        images.addWidget(self.candidate_panel, 1, 0)
        images.addWidget(self.outfit_panel, 1, 1)
        images.setColumnStretch(0, 1)
        images.setColumnStretch(1, 1)
        reason = QHBoxLayout()
        reason.addWidget(self.attribute_caption)
        reason.addWidget(self.attribute_label, 1)
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.outfit_terms)
        details.addWidget(self.similarity_label)
        details.addWidget(self.method_label)
        details.addWidget(self.bars)
        self.details.setVisible(False)
        self.card = QWidget()  # the exported part
        card_layout = QVBoxLayout(self.card)
        card_layout.addWidget(self.result_line)
        card_layout.addWidget(self.outfit_reason)
        card_layout.addWidget(self.outfit_rule)
        card_layout.addWidget(self.pair_title)
        card_layout.addWidget(self.headline)
        card_layout.addLayout(images)
        card_layout.addWidget(self.framing_note)
        card_layout.addWidget(self.overlay_label)
        card_layout.addWidget(self.legend)
        card_layout.addLayout(reason)
        # the overlay's controls, shown with an explanation only (in its card): above an empty panel they sat
        # at its top, then jumped below Details when one came (trial BS set the opacity there, and lost it);
        # above Details, so that open Details never push them out of view (trial BU)
        self.view_controls = QWidget()
        card_layout.addWidget(self.view_controls)
        card_layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        card_layout.addWidget(self.details)
        controls = QVBoxLayout(self.view_controls)
        controls.setContentsMargins(0, 0, 0, 0)
        overlay_row = QHBoxLayout()
        overlay_row.addWidget(self.overlay_toggle)
        overlay_row.addWidget(QLabel("Opacity"))
        overlay_row.addWidget(self.opacity, 1)
        overlay_row.addStretch(1)
        layer_row = QHBoxLayout()
        layer_row.addWidget(self.layer, 1)
        layer_row.addWidget(self.colour_map)
        # everything scrolls when the panel is shorter than its content (Details open in a small
        # window): the panel never asks the window for more room
        self.body = QWidget()
        layout = QVBoxLayout(self.body)
        layout.addWidget(self.status)
        controls.addLayout(overlay_row)
        controls.addLayout(layer_row)
        layout.addWidget(self.card)
        layout.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.body)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setAccessibleName("Explanation")
        self.scroller.setToolTip("The explanation: the arrow keys scroll it")
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # its width never comes and goes
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroller, 1)
        # never scrolled away: at 1440 × 900 with the outfit's reason shown it stood half below the panel
        footer = QHBoxLayout()
        footer.setContentsMargins(9, 3, 9, 6)
        footer.addStretch(1)
        footer.addWidget(self.export_button)
        outer.addLayout(footer)
        self.card.setVisible(False)
        self._show_outfit(False)
        self.legend.set_colour_map(self.colour_map.currentText())
        self.body.installEventFilter(self)  # its narrowest width changes with what it shows

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(400, 640)  # the panel's first width; later the user's (the window remembers it)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As wide as the content's narrowest layout and the scroll bar, never under
        :data:`PANEL_MIN_WIDTH`: the scroll area scrolls up and down only, so a narrower panel (a small
        window with the Filters open, a narrow width remembered from before) would cut controls off.
        The dock holds to it, also when a saved window state asks for less."""
        bar = self.scroller.verticalScrollBar().sizeHint().width()
        content = self.body.minimumSizeHint().width() + bar + 2 * self.scroller.frameWidth()
        return QSize(max(PANEL_MIN_WIDTH, content), super().minimumSizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.body and event.type() == QEvent.Type.LayoutRequest:
            width = self.body.minimumSizeHint().width()
            if width != self._content_width:  # the dock asks again only when it changed
                self._content_width = width
                self.updateGeometry()
        return super().eventFilter(watched, event)

    # --- state ---------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False, hint: str = "") -> None:
        self.status.error = error
        self.status.set_lines(ERROR_LINES if error else STATUS_LINES)
        set_plain(self.status, text)
        self.status.set_hint(hint)

    def show_pending(self, title: str, candidate_pk: int | None = None) -> None:
        """The explanation of result ``candidate_pk`` (``title``) is asked for. Another result's
        explanation on screen is not this one's: it cannot be exported from now on, and it goes
        when this one has not begun within :data:`STALE_CARD_MS` (the worker busy with other work);
        sooner, it would flicker on every click of an idle one."""
        self.stopped_early = False
        self._say(f"Explaining {title}…")
        self._pending = None if candidate_pk is None else (candidate_pk, title)
        self._stale_card.stop()
        if candidate_pk is not None and self.shown_candidate() not in (None, candidate_pk):
            self._set_exportable(False)
            self._stale_card.start()

    def set_result_line(self, text: str) -> None:
        """The line naming the result explained and its match ("" hides it)."""
        set_plain(self.result_line, text)
        self.result_line.setVisible(bool(text))

    def shown_candidate(self) -> int | None:
        """The key of the result whose explanation (outfit reason or pair) is on screen, else None."""
        if self.outfit_data is not None:
            return self.outfit_data.candidate.pk
        return self.update_data.candidate_pk if self.update_data is not None else None

    def _drop_stale_card(self) -> None:
        if self._pending is not None and self.shown_candidate() not in (None, self._pending[0]):
            self._show_outfit(False)
            self._forget_pair()
            self._show_card(False)

    def _begun(self) -> None:
        """A step of the explanation asked for arrived: nothing pending any more."""
        self._pending = None
        self._stale_card.stop()

    # --- which question the panel answers ------------------------------------------------------------
    def question(self) -> str:
        """The question the explanation shown answers (its dock's title): why a "visually similar"
        result looks like its item, why a look-alike looks like the outfit, else why it matches."""
        return SIMILAR_QUESTION if self.general else LOOK_ALIKE_QUESTION if self.look_alike else QUESTION

    def set_look_alike(self, alike: bool) -> None:
        """Say whether the results explained next are only look-alikes of the outfit (their category
        ranked by looks alone, the model having no matches learnt for it): the panel's words, from the
        outfit's reason to the overlay's name, then speak of likeness, not of a match. :meth:`clear`
        forgets it."""
        if alike != self.look_alike:
            self.look_alike = alike
            self._speak()

    def _saliency_layer(self) -> str:
        return LIKENESS_LAYER if self.general or self.look_alike else SALIENCY_LAYER

    def _speak(self) -> None:
        """The words that follow the kind of explanation (a match, a look-alike, a "visually similar"
        pair) on the panel's fixed parts, and its question to the dock."""
        set_plain(self.outfit_reason.title, outfit_title(self.outfit_reason.reason, self.look_alike))
        set_plain(self.pair_title, LOOK_ALIKE_PAIR_TITLE if self.look_alike else PAIR_TITLE)
        self.layer.setItemText(max(0, self.layer.findData(None)), self._saliency_layer())
        if self.layer.currentData() is None:
            self._caption_overlay(None)
        self.question_changed.emit(self.question())

    def clear(self, why: str = PROMPT, *, error: bool = False) -> None:
        """Forget the explanation shown (its catalogue, outfit or index changed) and say why
        (``error``: as an error)."""
        self._begun()  # nothing is awaited any more either
        self.stopped_early = False
        self._show_outfit(False)
        self.general = self.look_alike = False  # the next explanation says which it is
        self._speak()
        self._forget_pair()  # its photos, maps, captions and headline: nothing of it shows again
        self.set_result_line("")
        self._show_card(False)
        self._set_exportable(False)
        self._say(why, error=error)

    def stopped(self, why: str) -> None:
        """The explanation under way was stopped (``why``, in plain words): what it showed stays,
        said to be unfinished; nothing shown yet, the panel goes back to its prompt."""
        if self._pending is not None and self.shown_candidate() != self._pending[0]:
            # what is on screen, if anything, is another result's (trial J read it as the stopped one's "last map")
            self.clear(f"The explanation of {self._pending[1]} was stopped ({why}) before it began. Click a result "
                       "to explain it.")
            return
        if self.update_data is None and self.outfit_data is None:
            self.clear()
            return
        self.stopped_early = self.update_data is not None and not self.update_data.final
        self._say(f"Explanation stopped ({why}): the map shown is the last one computed. Click a result to "
                  "explain it.")
        # Details said "refining…": the refinement will not go on
        set_plain(self.method_label, self.method_label.text().replace(", refining… ·", ", stopped before the end ·"))

    def show_error(self, message: str, *, drill_down: bool = False) -> None:
        """The explanation asked for failed: the one shown before (another result's, a trial saw
        it stay under the newly selected tile) goes, and the panel says why. A ``drill_down`` (one
        outfit item's pair, asked from the outfit's reason on screen) loses its pair view only: the
        outfit's reason is still true (trial M's click on a row whose photo had changed cleared it)."""
        if drill_down and self.outfit_data is not None:
            self._begun()
            self.stopped_early = False
            self._forget_pair()
            self._say(f"Could not explain this pair: {message}", error=True)
            return
        self.clear(f"Could not explain: {message}", error=True)

    def _show_card(self, shown: bool) -> None:
        self.card.setVisible(shown)

    def _show_outfit(self, shown: bool) -> None:
        """Show or hide the outfit's reason (hidden: forgotten)."""
        if not shown:
            self.outfit_data = None
            self.outfit_reason.clear()
        for widget in (self.outfit_reason, self.outfit_rule, self.pair_title, self.outfit_terms):
            widget.setVisible(shown)

    def show_outfit_reason(self, step: OutfitReasonStep, points: Mapping[int, int] | None = None) -> None:
        """The outfit's reason for a result (issue 17), first, above its pair view; a pair view of
        another result still on screen goes (the pair of this result follows). ``points``: outfit item key ->
        the points its badge shows, which the rows say (see :meth:`OutfitReasonView.show_reason`)."""
        reason = step.reason
        self._begun()
        if self.update_data is not None and self.update_data.candidate_pk != reason.candidate.pk:
            self._forget_pair()
        self.outfit_data = reason
        self.general = False  # an outfit's reason is never of a "visually similar" result
        self._speak()
        self.outfit_reason.show_reason(reason, step.thumbnails, self.look_alike, points)
        self._order_tabs()
        self.outfit_reason.set_selected(self.update_data.outfit_pk if self.update_data is not None else None)
        set_plain(self.outfit_terms, outfit_terms(reason))
        self._show_outfit(True)
        self._show_card(True)
        self._settle_layout()

    def _order_tabs(self) -> None:
        """Tab in the panel's reading order: the outfit items' rows under the sentence, the attribute, the
        overlay's controls, Details and the links inside them, then Export (trial CY met the rows, made with each
        explanation, last in the window, after the status bar)."""
        inside_details = [widget for widget in self.details.findChildren(QWidget)
                          if widget.focusPolicy() & Qt.FocusPolicy.TabFocus]
        chain = [self.scroller, *self.outfit_reason.rows, self.attribute_label, self.overlay_toggle, self.opacity,
                 self.layer, self.colour_map, self.details_button, *inside_details, self.export_button]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def _forget_pair(self) -> None:
        """Empty the pair view, keeping its size (its next update fills it): no other result's pair
        stays under an outfit's reason."""
        self.update_data = None
        self._overlays = {}
        self._photos = {}
        self._items = {"candidate": None, "outfit": None}
        for panel in (self.candidate_panel, self.outfit_panel):
            panel.clear()
        for label in (self.headline, self.candidate_caption, self.outfit_caption, self.attribute_label):
            set_plain(label, "")
        self.attribute_caption.setVisible(False)
        self._set_exportable(False)
        # the overlay choices were that pair's attributes: a trial's cleared panel still offered
        # "Where: purple"
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItem(self._saliency_layer(), None)
        self.layer.blockSignals(False)

    def set_details_shown(self, shown: bool) -> None:
        """Show or hide the Details part (its state is the window's setting)."""
        self.details_button.setChecked(shown)
        self._details_toggled(shown)

    def _details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self._settle_layout()
        self.details_toggled.emit(shown)

    def _reveal_details(self) -> None:
        """Scroll the panel so that the opened Details show from their top (as much as the panel holds)."""
        if self.details.isVisible():
            self._settle_layout()
            bar = self.scroller.verticalScrollBar()
            top = self.details.mapTo(self.body, QPoint(0, 0)).y()
            bottom = top + self.details.height()
            view = self.scroller.viewport().height()
            if bottom > bar.value() + view:  # below the fold: its end in view, never its top out of it
                bar.setValue(min(top - self.details_button.height() - 6, bottom - view))

    def _settle_layout(self) -> None:
        """Let the scroll area size its content now: until its posted layout request runs, a taller
        content (Details opened under an outfit's reason) is squeezed into the old height and the
        photos shrink for a moment."""
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def show_update(self, step: ColouredUpdate, candidate: ItemInfo | None = None,
                    outfit: ItemInfo | None = None) -> None:
        update = step.update
        self._begun()
        self.general = step.general  # before any caption: "visually similar" speaks of likeness
        self._speak()
        new_pair = self.update_data is None or (self.update_data.candidate_pk, self.update_data.outfit_pk) != (
            update.candidate_pk, update.outfit_pk)
        self.update_data = update
        if new_pair:
            self._items = {"candidate": candidate, "outfit": outfit}
            self._framing = {}
            self._show_framing()
            self._photos = {"candidate": rgb_image(update.candidate_image), "outfit": rgb_image(update.outfit_image)}
            for role, panel in self._panels().items():  # the model's crop until the photo is decoded
                crop = self._photos[role]
                panel.set_photo(crop, QRectF(0, 0, crop.width(), crop.height()), False)
            for item in (candidate, outfit):
                if item is not None:
                    photo = self.loader.get(item)
                    if photo is not None:
                        self._photo_ready(self.loader.key(item), photo)
        self._offer_layers(update, keep=not new_pair)
        if step.colour_map == self.colour_map.currentText() and self.layer.currentData() is None:
            self._caption_overlay(None)  # coloured by the worker
            self._overlays = {"candidate": rgba_image(step.candidate_overlay), "outfit": rgba_image(step.outfit_overlay)}
        else:
            self._recolour(self.colour_map.currentText())
        # the titles the worker read with the maps when the window no longer lists the item (its
        # results searched again meanwhile): a caption never keeps the previous pair's title
        set_plain(self.candidate_caption, candidate.title if candidate is not None else update.candidate_title)
        reason = self.outfit_data
        if reason is not None and (step.general or reason.candidate.pk != update.candidate_pk):
            self._show_outfit(False)  # the pair of another result, or a likeness: no outfit's reason over it
            reason = None
        if reason is not None:
            self.outfit_reason.set_selected(update.outfit_pk)
        outfit_title = outfit.title if outfit is not None else update.outfit_title
        best = reason is None or reason.leading().outfit_pk == update.outfit_pk
        verb = ("looks like" if step.general or (self.look_alike and not best) else "looks most like"
                if self.look_alike else "matches best with" if best else "with")
        set_plain(self.outfit_caption, f"{verb} {outfit_title}")
        self.outfit_panel.setAccessibleName("the item it looks like" if step.general else "outfit item")
        first = update.attributes[0] if update.attributes else None
        # what each item shows, as the model puts it (calibrated, ≥ 0.5): never "both" of one it hardly shows
        both = first is None or first.partner >= 0.5
        own = first is None or first.confidence >= 0.5
        likeness = step.general or self.look_alike  # a look-alike's headline speaks of likeness too
        set_plain(self.headline, similar_sentence(update.attribute, outfit_title, both, own)
                  if likeness else match_sentence(update.attribute, both, own))
        if update.abstained:  # say that nothing explains it rather than name a weak attribute (issue 17)
            set_plain(self.headline, f"{abstention_opening('likeness' if likeness else 'match', update.abstained)}; "
                                     "the highlighted areas drove it.")
            self.headline.setToolTip(plain_tooltip(abstention_tooltip(update.abstained)))  # advice, the numbers
        else:
            self.headline.setToolTip("")
        self.bars.partner_header = "both have it" if step.general else "pair has it"
        self.attribute_name = update.attribute
        set_plain(self.attribute_label, attribute_words(update.attribute) if update.attribute else "")
        self.attribute_caption.setVisible(bool(update.attribute))
        self.attribute_label.setVisible(bool(update.attribute))
        # a model whose attributes were learnt on another catalogue: its ranking (and its confidences)
        # mean nothing here, so Details lists none instead of "motif:moon 1.00" for a plain sweater
        self.bars.set_attributes([] if ranking_withheld(update.abstained) else update.attributes,
                                 empty=f"No attributes listed: {plain_abstention(update.abstained)}.")
        self._order_tabs()
        state = "final" if update.final else "refining…"
        # from the space the pair was compared in: a look-alike category's pair, or one with an outfit
        # item that counts by looks, is compared in the general space too
        space = "general-space cosine: how alike they look" if step.general or update.general_space \
            else "type-space cosine of the two items"
        set_plain(self.similarity_label, f"Similarity {update.similarity:.3f} ({space})")
        untuned = " · attribute chosen by untuned default weights (no selection fitted for this model)" \
            if update.attributes and not update.selection_tuned else ""
        set_plain(self.method_label, f"Method: {METHOD_NAMES.get(update.method, update.method)}, {state} · "
                                     f"{update.seconds:.2f} s · {update.detail}{untuned}")
        self._say(progress_words(update, step.general), hint=update.detail)
        self._show_card(True)
        self._set_exportable(True)
        self._render()

    def _panels(self) -> dict[str, PhotoView]:
        return {"candidate": self.candidate_panel, "outfit": self.outfit_panel}

    def _photo_ready(self, key: str, photo: QImage) -> None:
        """An item's own photo: it replaces the model's crop, the map laid over the part the model saw."""
        if photo.isNull() or self.update_data is None:
            return
        from sane_desktop.service.items import framing_problem, model_crop_box

        side = int(self.update_data.candidate_image.shape[0])
        for role, panel in self._panels().items():
            item = self._items.get(role)
            if item is not None and self.loader.key(item) == key:
                left, top, width, height = model_crop_box(photo.width(), photo.height(), side)
                panel.set_photo(photo, QRectF(left, top, width, height), True)
                self._framing[role] = framing_problem(photo.width(), photo.height())
        self._show_framing()
        self._render()

    def _show_framing(self) -> None:
        """One line per photo of the pair the model sees little of, from the photo's own size."""
        who = {"candidate": "This item's photo", "outfit": "The outfit item's photo"}
        lines = [f"{who[role]} {problem}, so its highlight says little."
                 for role, problem in self._framing.items() if problem]
        set_plain(self.framing_note, "\n".join(lines))
        self.framing_note.setVisible(bool(lines))

    def _offer_layers(self, update: ExplanationUpdate, keep: bool = True) -> None:
        """One overlay choice per attribute with an activation map (its item data: the attribute's
        name; the saliency's is None). ``keep``: the current choice stays (a refinement of the pair
        shown); else the saliency is shown (another pair: a trial saw the last pair's "Where: checked
        pattern" over a plain skirt whose headline named no attribute)."""
        wanted = [None, *update.attribute_maps]
        current = self.layer.currentData() if keep else None
        if [self.layer.itemData(i) for i in range(self.layer.count())] == wanted:
            if not keep and self.layer.currentIndex() != 0:
                self.layer.blockSignals(True)  # show_update draws the overlay that follows
                self.layer.setCurrentIndex(0)
                self.layer.blockSignals(False)
            return
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItem(self._saliency_layer(), None)
        for attribute in update.attribute_maps:
            self.layer.addItem(f"Where: {attribute_words(attribute)}", attribute)  # the raw name is its data
        self.layer.setCurrentIndex(max(0, self.layer.findData(current)))
        self.layer.blockSignals(False)

    def show_attribute(self, attribute: str) -> None:
        """Overlay where the attribute net sees ``attribute`` (when it has a map), or the saliency."""
        self.layer.setCurrentIndex(max(0, self.layer.findData(attribute)))

    def _caption_overlay(self, attribute: str | None) -> None:
        if attribute is None:
            set_plain(self.overlay_label, SIMILAR_CAPTION if self.general else LOOK_ALIKE_CAPTION if self.look_alike
                      else SALIENCY_CAPTION)
            self.legend.set_words("less", "more influence")
        else:
            set_plain(self.overlay_label, f"Highlighted: where the model sees {attribute_words(attribute)}")
            self.legend.set_words("less", "more of it")

    def _recolour(self, name: str) -> None:
        self.legend.set_colour_map(name)
        data = self.update_data
        if data is None:  # maps at the model's input size: cheap enough for the GUI thread
            return
        attribute = self.layer.currentData()
        if attribute in data.attribute_maps:
            candidate_map, outfit_map = data.attribute_maps[attribute]
            self._caption_overlay(attribute)
        else:
            candidate_map, outfit_map = data.candidate_map, data.outfit_map
            self._caption_overlay(None)
        from sane_desktop.service import colourise  # see the note at the imports

        self._overlays = {"candidate": rgba_image(colourise(candidate_map, name)),
                          "outfit": rgba_image(colourise(outfit_map, name))}
        self._render()

    def _render(self) -> None:
        opacity = self.opacity.value() / 100 if self.overlay_toggle.isChecked() else 0.0
        for role, panel in self._panels().items():
            panel.set_overlay(self._overlays.get(role), opacity)

    def overlay_is_empty(self) -> bool:
        data = self.update_data
        return data is None or float(data.candidate_map.max() - data.candidate_map.min()) == 0.0

    # --- export ------------------------------------------------------------------------------------
    def default_export_name(self) -> str:
        candidate = self._items.get("candidate")
        title = candidate.title if candidate is not None else ""
        words = file_name_words(title)
        return f"why-{words}.png" if words else "explanation.png"

    def export_directory(self) -> str:
        """Where the dialog opens: the last folder used, else the user's Pictures folder, else home."""
        return start_folder(self.export_folder)

    def _set_exportable(self, on: bool) -> None:
        """Enable the Export explanation button, and tell the window's menu entry (:attr:`exportable_changed`)."""
        self.export_button.setEnabled(on)
        self.exportable_changed.emit(on)

    def export(self, path: str | Path | None = None) -> Path | None:
        """Save the card as PNG at ``path``; without one, ask where (a file dialog opened without a
        nested event loop, in :meth:`export_directory`): the answer saves it. ``exported`` says where."""
        if path is not None:
            return self._save(Path(path))
        if self.update_data is None:
            return None
        dialog = QFileDialog(self, "Export explanation", self.export_directory(), "PNG images (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("png")
        dialog.selectFile(self.default_export_name())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self._save(Path(chosen)) if chosen else None)
        self.export_dialog = dialog
        dialog.open()
        return None

    def card_image(self, width: int = EXPORT_WIDTH, scale: float = EXPORT_SCALE) -> QImage:
        """The card as the export draws it: laid out ``width`` logical pixels wide (its height
        follows), drawn at ``scale`` times the pixels, then put back as it was in the panel. No
        event is processed in between, so the panel never shows the wider layout."""
        layout = self.card.layout()
        assert layout is not None  # the card is built with its layout
        old = self.card.geometry()
        width = max(width, old.width())
        # the Details toggle and the outfit's "click an item" hint are for the panel, not the picture (a
        # trial's PNG showed the toggle's arrow)
        controls = [widget for widget in (self.details_button, self.outfit_reason.hint, self.view_controls)
                    if widget.isVisible()]
        for widget in controls:
            widget.setVisible(False)
        # a picture has no link to click, and a map still refining (or stopped) is not the final one:
        # a trial's PNG read "See where:" and showed a stopped map as if it were finished
        words = {self.attribute_caption: "Reason:", self.overlay_label: self.overlay_label.text() + self._unfinished()}
        kept = {label: label.text() for label in words}
        for label, text in words.items():
            set_plain(label, text)
        self.overlay_label.set_lines(2)
        layout.invalidate()
        layout.activate()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        height = max(height, layout.totalSizeHint().height(), layout.totalMinimumSize().height())
        try:
            self.card.resize(width, height)
            image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(scale)
            image.fill(self.card.palette().color(QPalette.ColorRole.Window))
            self.card.render(image)
        finally:
            for widget in controls:
                widget.setVisible(True)
            for label, text in kept.items():
                set_plain(label, text)
            self.overlay_label.set_lines(1)
            self.card.setGeometry(old)
            layout.invalidate()
        return image

    def _unfinished(self) -> str:
        """What an exported map's caption adds when the map is not the explanation's final one."""
        data = self.update_data
        if data is None or data.final:
            return ""
        return (" (unfinished map: the explanation was stopped before the end)" if self.stopped_early
                else " (unfinished map: still refining when saved)")

    def record(self) -> dict[str, str]:
        """What the explanation on screen was derived from, as an exported PNG's text fields carry it (trial DE:
        the picture named no item, method or catalogue; ``explain --save-maps`` writes such a record beside its
        maps). ``catalogue`` is the window's ("name (uid …)"), set as a catalogue opens."""
        from datetime import datetime

        from sane_desktop import __version__

        update = self.update_data
        record = {"Software": f"SANE Desktop {__version__}", "Catalogue": self.catalogue,
                  "Exported": datetime.now().astimezone().isoformat(timespec="seconds")}
        for role, key in (("candidate", "Result"), ("outfit", "Outfit item")):
            item = self._items.get(role)
            if item is not None:
                record[key] = f"{item.item_id} ({item.title})" if item.title else item.item_id
        if update is not None:
            attribute = update.attribute or (f"none ({update.abstained})" if update.abstained else "none")
            record.update({"Method": update.method, "Similarity": f"{update.similarity:.4f}", "Attribute": attribute,
                           "Selection": "fitted" if update.selection_tuned else "untuned defaults"})
        return {key: value for key, value in record.items() if value}

    def _save(self, target: Path) -> Path | None:
        image = self.card_image()
        for key, value in self.record().items():  # PNG text fields: what it was derived from
            image.setText(key, value)
        try:
            # atomic: a failed save leaves a file of that name whole; PySide takes the format as str
            # at run time, its stub says bytes
            saved = paths.write_atomically(target, lambda file: image.save(str(file), "PNG"))  # type: ignore[call-overload]
        except InputError as error:  # inside the installed package
            message_box(self, "Export explanation", str(error))
            return None
        if not saved:
            message_box(self, "Export explanation", f"Could not save the explanation as {target}: "
                                                    f"{paths.why_not_written(target)}.")
            return None
        self.export_folder = str(target.parent)
        self.exported.emit(str(target))
        return target


def text_colour_pairs(palette: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """The colours this view picks for text itself, with their backgrounds (the contrast test)."""
    window = palette.color(QPalette.ColorRole.Window)
    return {"attribute link": (link_colour(palette), window), "status after a failure": (error_colour(palette), window)}
