"""Why does this match? The result with its saliency overlay, the outfit item it matches best with its
own, the explaining attribute and runner-ups with their score parts, the method and its time. The
overlay can instead show where the attribute net sees one of those attributes (its activation map)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QProgressBar,
    QPushButton, QSlider, QVBoxLayout, QWidget,
)

from sane_desktop.gui.explain_tasks import ColouredUpdate
from sane_desktop.gui.text import error_markup, escape, plain_label, plain_tooltip, set_plain, set_rich
from sane_desktop.gui.theme import themed_icon
from sane_desktop.service import COLOUR_MAPS, AttributeScore, ExplanationUpdate, colourise

VIEW_SIDE = 224
SALIENCY_LAYER = "Why similar (saliency)"


def rgb_image(array: np.ndarray) -> QImage:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def rgba_image(array: np.ndarray) -> QImage:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def composite(photo: QImage, overlay: QImage | None, opacity: float) -> QPixmap:
    """Photo with the heat map on top, scaled for display (built on the GUI thread: QPixmap)."""
    pixmap = QPixmap.fromImage(photo.scaled(VIEW_SIDE, VIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))
    if overlay is not None and opacity > 0:
        painter = QPainter(pixmap)
        painter.setOpacity(opacity)
        painter.drawImage(pixmap.rect(), overlay.scaled(pixmap.size(), Qt.AspectRatioMode.IgnoreAspectRatio,
                                                        Qt.TransformationMode.SmoothTransformation))
        painter.end()
    return pixmap


class AttributeBars(QWidget):
    """The explaining attribute and runner-ups: total plus its parts (confidence, map match, prior,
    and whether the paired item has it too). Clicking a name emits ``attribute_clicked``."""

    attribute_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)

    def set_attributes(self, attributes: list[AttributeScore], limit: int = 5) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not attributes:
            note = plain_label("No attribute explanation: this model has no attribute net or attribute choice.")
            note.setWordWrap(True)
            self.grid.addWidget(note, 0, 0, 1, 5)
            return
        for column, header in enumerate(("attribute", "confidence", "map match", "prior", "pair has it")):
            self.grid.addWidget(QLabel(f"<small>{header}</small>"), 0, column)
        names = [score.name for score in attributes[:limit]]
        for row, score in enumerate(attributes[:limit], start=1):
            shown = escape(score.name)  # an attribute name is the catalogue's (or model's) text
            text = f"<b>{shown}</b>" if row == 1 else shown
            # the link carries the row, not the name: Qt hands hrefs back with their entities unresolved
            name = QLabel()
            set_rich(name, f"<a href='{row - 1}' style='text-decoration:none'>{text}</a>")
            name.linkActivated.connect(lambda link: self.attribute_clicked.emit(names[int(link)]))
            name.setToolTip(plain_tooltip(f"{score.name}: total {score.total:.3f} — click to see where the model sees it"))
            self.grid.addWidget(name, row, 0)
            for column, value in enumerate((score.confidence, score.match, score.prior, score.partner), start=1):
                bar = QProgressBar()
                bar.setRange(0, 100)
                bar.setValue(int(round(max(0.0, min(1.0, value)) * 100)))
                bar.setFormat(f"{value:.2f}")
                bar.setMaximumHeight(14)
                self.grid.addWidget(bar, row, column)


class ImagePanel(QLabel):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption = caption
        self.setFixedSize(VIEW_SIDE, VIEW_SIDE)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: white; border-radius: 6px;")


class ExplanationView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.update_data: ExplanationUpdate | None = None
        self._photos: dict[str, QImage] = {}
        self._overlays: dict[str, QImage] = {}
        self.candidate_panel, self.outfit_panel = ImagePanel("result"), ImagePanel("outfit item")
        self.candidate_caption, self.outfit_caption = plain_label("This item"), plain_label("…matches this outfit item")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(55)
        self.opacity.setToolTip("Overlay opacity")
        self.colour_map = QComboBox()
        self.colour_map.addItems(list(COLOUR_MAPS))
        self.colour_map.setToolTip("Colour map of the saliency overlay")
        self.layer = QComboBox()
        self.layer.addItem(SALIENCY_LAYER, None)
        self.layer.setToolTip("What the overlay shows: why the two items are similar (saliency), or where the\n"
                              "attribute net sees an attribute on each item (its activation map)")
        self.overlay_toggle = QCheckBox("Overlay")
        self.overlay_toggle.setChecked(True)
        self.overlay_toggle.setToolTip("Show or hide the saliency map (O)")
        self.export_button = QPushButton("Export PNG…")
        themed_icon(self.export_button, "mdi6.content-save-outline")
        self.export_button.setToolTip("Save this explanation as a PNG image")
        self.export_button.setEnabled(False)
        self.attribute_label = plain_label()
        self.attribute_label.setWordWrap(True)
        self.bars = AttributeBars()
        self.method_label = plain_label()
        self.overlay_label = plain_label()  # in the card, so an exported PNG says what its overlay is
        self.overlay_label.setWordWrap(True)
        self.status = plain_label("Click a compatible item to see why it matches the outfit.")
        self.status.setWordWrap(True)

        for signal in (self.opacity.valueChanged, self.overlay_toggle.toggled):
            signal.connect(self._render)
        self.colour_map.currentTextChanged.connect(self._recolour)
        self.layer.currentIndexChanged.connect(lambda _: self._recolour(self.colour_map.currentText()))
        self.bars.attribute_clicked.connect(self.show_attribute)
        self.export_button.clicked.connect(lambda: self.export())

        images = QGridLayout()
        images.addWidget(self.candidate_caption, 0, 0)
        images.addWidget(self.outfit_caption, 0, 1)
        images.addWidget(self.candidate_panel, 1, 0)
        images.addWidget(self.outfit_panel, 1, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.overlay_toggle)
        controls.addWidget(QLabel("Opacity"))
        controls.addWidget(self.opacity, 1)
        controls.addWidget(self.layer)
        controls.addWidget(self.colour_map)
        form = QFormLayout()
        form.addRow("Explained by", self.attribute_label)
        form.addRow("Method", self.method_label)
        form.addRow("Overlay", self.overlay_label)
        self.card = QWidget()  # the exported part
        card_layout = QVBoxLayout(self.card)
        card_layout.addLayout(images)
        card_layout.addLayout(form)
        card_layout.addWidget(self.bars)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.card)
        layout.addLayout(controls)
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.card.setVisible(False)

    # --- state ---------------------------------------------------------------------------------
    def show_pending(self, title: str) -> None:
        set_rich(self.status, f"Explaining <b>{escape(title)}</b>…")

    def clear(self, why: str = "Click a compatible item to see why it matches the outfit.") -> None:
        """Forget the explanation shown (its catalogue, outfit or index changed) and say why."""
        self.update_data = None
        self._overlays = {}
        self.card.setVisible(False)
        set_plain(self.status, why)

    def show_error(self, message: str) -> None:
        set_rich(self.status, error_markup(message, "Could not explain: "))

    def show_update(self, step: ColouredUpdate, candidate_title: str = "", outfit_title: str = "") -> None:
        update = step.update
        new_pair = self.update_data is None or (self.update_data.candidate_pk, self.update_data.outfit_pk) != (
            update.candidate_pk, update.outfit_pk)
        self.update_data = update
        if new_pair:
            self._photos = {"candidate": rgb_image(update.candidate_image), "outfit": rgb_image(update.outfit_image)}
        self._offer_layers(update)
        if step.colour_map == self.colour_map.currentText() and self.layer.currentData() is None:
            set_plain(self.overlay_label, "why the two are similar (saliency)")  # coloured by the worker
            self._overlays = {"candidate": rgba_image(step.candidate_overlay), "outfit": rgba_image(step.outfit_overlay)}
        else:
            self._recolour(self.colour_map.currentText())
        if candidate_title:
            set_rich(self.candidate_caption, f"<b>{escape(candidate_title)}</b>")
        if outfit_title:
            set_rich(self.outfit_caption, f"matches best with <b>{escape(outfit_title)}</b>")
        if update.attribute:
            set_rich(self.attribute_label, f"<b>{escape(update.attribute)}</b>")
        else:
            set_plain(self.attribute_label, "—")
        self.bars.set_attributes(update.attributes)
        state = "final" if update.final else "refining…"
        set_plain(self.method_label, f"{update.method} ({state}) · {update.seconds:.2f} s · "
                                     f"similarity {update.similarity:.3f}")
        set_plain(self.status, update.detail)
        self.card.setVisible(True)
        self.export_button.setEnabled(True)
        self._render()

    def _offer_layers(self, update: ExplanationUpdate) -> None:
        """One overlay choice per attribute with an activation map (its item data: the attribute's
        name; the saliency's is None), keeping the current choice."""
        wanted = [None, *update.attribute_maps]
        if [self.layer.itemData(i) for i in range(self.layer.count())] == wanted:
            return
        current = self.layer.currentData()
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItem(SALIENCY_LAYER, None)
        for attribute in update.attribute_maps:
            self.layer.addItem(f"Where: {attribute}", attribute)
        self.layer.setCurrentIndex(max(0, self.layer.findData(current)))
        self.layer.blockSignals(False)

    def show_attribute(self, attribute: str) -> None:
        """Overlay where the attribute net sees ``attribute`` (when it has a map), or the saliency."""
        self.layer.setCurrentIndex(max(0, self.layer.findData(attribute)))

    def _recolour(self, name: str) -> None:
        data = self.update_data
        if data is None:  # 112×112 maps: cheap enough for the GUI thread
            return
        attribute = self.layer.currentData()
        if attribute in data.attribute_maps:
            candidate_map, outfit_map = data.attribute_maps[attribute]
            set_rich(self.overlay_label, f"where the attribute net sees <b>{escape(attribute)}</b> "
                                         "(its activation map)")
        else:
            candidate_map, outfit_map = data.candidate_map, data.outfit_map
            set_plain(self.overlay_label, "why the two are similar (saliency)")
        self._overlays = {"candidate": rgba_image(colourise(candidate_map, name)),
                          "outfit": rgba_image(colourise(outfit_map, name))}
        self._render()

    def _render(self) -> None:
        if not self._photos:
            return
        opacity = self.opacity.value() / 100 if self.overlay_toggle.isChecked() else 0.0
        self.candidate_panel.setPixmap(composite(self._photos["candidate"], self._overlays.get("candidate"), opacity))
        self.outfit_panel.setPixmap(composite(self._photos["outfit"], self._overlays.get("outfit"), opacity))

    def overlay_is_empty(self) -> bool:
        data = self.update_data
        return data is None or float(np.ptp(data.candidate_map)) == 0.0

    def export(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export explanation", "explanation.png", "PNG images (*.png)")
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        self.card.grab().save(str(target), "PNG")
        return target
