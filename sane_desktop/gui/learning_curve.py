"""A live learning curve for the train dialog: validation score and training loss per epoch
(QtCharts), so whether the model is still improving is seen rather than read."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

SCORE_COLOUR = QColor("#2e86de")
LOSS_COLOUR = QColor("#e67e22")


class LearningCurve(QChartView):
    """Validation score (left axis, 0–1: FITB accuracy, or attribute mAP for catalogues without
    outfits) and training loss (right axis) against the epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(260)  # a plot area tall enough for the vertical axes' titles
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundVisible(False)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.score, self.loss = QLineSeries(), QLineSeries()
        self.score.setName("validation score")
        self.loss.setName("training loss")
        self.x_axis, self.score_axis, self.loss_axis = QValueAxis(), QValueAxis(), QValueAxis()
        self.x_axis.setTitleText("epoch")
        self.x_axis.setLabelFormat("%d")
        self.x_axis.setTickType(QValueAxis.TickType.TicksDynamic)  # ticks on whole epochs
        self.x_axis.setTickAnchor(0)
        # the axes' titles are short (a vertical title longer than the plot is cut): the legend says
        # "validation …" and "training loss", and each axis has its line's colour
        self.loss_axis.setTitleText("loss")
        self.score_axis.setRange(0.0, 1.0)
        self.score_axis.setLabelFormat("%.2f")
        self.loss_axis.setLabelFormat("%.2f")
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.score_axis, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self.loss_axis, Qt.AlignmentFlag.AlignRight)
        for series, axis, colour in ((self.score, self.score_axis, SCORE_COLOUR), (self.loss, self.loss_axis, LOSS_COLOUR)):
            series.setPen(QPen(colour, 2))
            series.setPointsVisible(True)
            chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(axis)
            axis.setLinePenColor(colour)
        self._follow_palette()
        self.reset(5)

    def _follow_palette(self) -> None:
        text = self.palette().color(QPalette.ColorRole.WindowText)
        chart = self.chart()
        chart.setTitleBrush(text)
        chart.legend().setLabelColor(text)
        for axis in (self.x_axis, self.score_axis, self.loss_axis):
            axis.setLabelsColor(text)
            axis.setTitleBrush(text)

    def changeEvent(self, event: QEvent) -> None:  # a theme switch while the dialog is open
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()

    def reset(self, epochs: int) -> None:
        """Empty curves for a run of ``epochs`` epochs."""
        self.score.clear()
        self.loss.clear()
        self._epoch_range(epochs)
        self.loss_axis.setRange(0.0, 1.0)
        self.score_axis.setTitleText("score")
        self.chart().setTitle("The learning curve appears after the first epoch")

    def _epoch_range(self, epochs: int) -> None:
        last = max(2, epochs)
        self.x_axis.setRange(1, last)
        self.x_axis.setTickInterval(next(step for step in (1, 2, 5, 10, 20, 50, 100, 200) if last / step <= 10))

    def add_epoch(self, entry: dict[str, Any]) -> None:
        """One history entry of the trainer: epoch, loss, valid_fitb or valid_map."""
        epoch = int(entry["epoch"])
        # attribute-only runs (no usable outfits) score by mAP and carry valid_fitb = None
        kind = "mAP" if entry.get("valid_map") is not None else "FITB"
        score = entry.get("valid_map") if kind == "mAP" else entry.get("valid_fitb")
        self.score.setName(f"validation {kind}")
        self.score_axis.setTitleText(kind)
        if score is not None:
            self.score.append(epoch, float(score))
        if entry.get("loss") is not None:
            self.loss.append(epoch, float(entry["loss"]))
            losses = [point.y() for point in self.loss.points()]
            self.loss_axis.setRange(0.0, max(losses) * 1.1)
        if epoch > self.x_axis.max():
            self._epoch_range(epoch)
        scores = [point.y() for point in self.score.points()]
        best = f" — best {kind} {max(scores):.3f}" if scores else ""
        self.chart().setTitle(f"Epoch {epoch}{best}")

    def curve(self) -> list[tuple[int, float]]:
        """The validation-score points so far, (epoch, score)."""
        return [(int(point.x()), point.y()) for point in self.score.points()]
