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
ATTRIBUTE_LOSS_COLOUR = QColor("#8e5a2b")  # its own colour, not the outfit loss's with dashes (trial I: one marker)
ATTRIBUTE_SCORE_COLOUR = QColor("#27ae60")
COMPATIBILITY, ATTRIBUTES = "compatibility", "attributes"
# each phase's lines in a stylist's words (the research terms are in the chart's tooltip)
SCORE_NAMES = {COMPATIBILITY: "right picks", ATTRIBUTES: "attribute precision"}
LOSS_NAMES = {COMPATIBILITY: "outfit loss", ATTRIBUTES: "attribute loss"}
DETAILS = ("Right picks: how often the model picks an outfit's missing piece out of four candidates, on "
           "outfits held back from training (validation FITB accuracy). Attribute precision: how well it names "
           "the attributes of items held back from training (validation mAP). Loss: what training lowers.")


def phase_of(entry: dict[str, Any]) -> str:
    """The phase a history entry belongs to: its ``phase``, else attributes when it is scored by mAP."""
    phase = entry.get("phase")
    if phase in (COMPATIBILITY, ATTRIBUTES):
        return str(phase)
    return ATTRIBUTES if entry.get("valid_map") is not None else COMPATIBILITY


class LearningCurve(QChartView):
    """Validation score (left axis, in percent, as the run's result line says it) and training loss (right axis) against the epoch, one pair of
    lines per phase of the run: the outfit phase (FITB accuracy, "right picks") and the attribute phase
    (mAP, "attribute precision"). A frozen-trunk run trains the two heads one after the other, each
    from epoch 1: their scores are different measures and never join one line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(260)  # a plot area tall enough for the vertical axes' titles
        self.setToolTip(DETAILS)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundVisible(False)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.scores = {phase: QLineSeries() for phase in SCORE_NAMES}
        self.losses = {phase: QLineSeries() for phase in LOSS_NAMES}
        self.score, self.loss = self.scores[COMPATIBILITY], self.losses[COMPATIBILITY]
        self.x_axis, self.score_axis, self.loss_axis = QValueAxis(), QValueAxis(), QValueAxis()
        self.x_axis.setTitleText("epoch")
        self.x_axis.setLabelFormat("%d")
        self.x_axis.setTickType(QValueAxis.TickType.TicksDynamic)  # ticks on whole epochs
        self.x_axis.setTickAnchor(0)
        # the axes' titles are short (a vertical title longer than the plot is cut): the legend names
        # each line, and each axis has its lines' colour
        self.score_axis.setTitleText("score")
        self.loss_axis.setTitleText("loss")
        self.score_axis.setRange(0.0, 100.0)  # percent: the result line says "55 %", the chart said 0.55
        self.score_axis.setLabelFormat("%d%%")
        self.loss_axis.setLabelFormat("%.2f")
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.score_axis, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self.loss_axis, Qt.AlignmentFlag.AlignRight)
        self.score_axis.setLinePenColor(SCORE_COLOUR)
        self.loss_axis.setLinePenColor(LOSS_COLOUR)
        for phase, series in self.scores.items():
            series.setName(SCORE_NAMES[phase])
            series.setPen(QPen(SCORE_COLOUR if phase == COMPATIBILITY else ATTRIBUTE_SCORE_COLOUR, 2))
        for phase, series in self.losses.items():
            series.setName(LOSS_NAMES[phase])
            series.setPen(QPen(LOSS_COLOUR, 2) if phase == COMPATIBILITY
                          else QPen(ATTRIBUTE_LOSS_COLOUR, 2, Qt.PenStyle.DashLine))
        for series in (*self.scores.values(), *self.losses.values()):
            series.setPointsVisible(True)
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
        """Empty curves for a run of ``epochs`` epochs (a line joins the chart, and its legend, with
        its first point)."""
        chart = self.chart()
        for series in (*self.scores.values(), *self.losses.values()):
            series.clear()
            if series.chart() is not None:
                chart.removeSeries(series)
        self._epoch_range(epochs)
        self.loss_axis.setRange(0.0, 1.0)
        chart.setTitle("The learning curve appears after the first epoch")

    def _epoch_range(self, epochs: int) -> None:
        last = max(2, epochs)
        self.x_axis.setRange(1, last)
        self.x_axis.setTickInterval(next(step for step in (1, 2, 5, 10, 20, 50, 100, 200) if last / step <= 10))

    def _shown(self, series: QLineSeries, axis: QValueAxis) -> QLineSeries:
        if series.chart() is None:
            self.chart().addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(axis)
        return series

    def add_epoch(self, entry: dict[str, Any]) -> None:
        """One history entry of the trainer: epoch, loss, valid_fitb or valid_map, and ``phase`` when
        the run trains its heads one after the other (:func:`phase_of`)."""
        epoch, phase = int(entry["epoch"]), phase_of(entry)
        score = entry.get("valid_map") if phase == ATTRIBUTES else entry.get("valid_fitb")
        if score is not None:
            self._shown(self.scores[phase], self.score_axis).append(epoch, 100.0 * float(score))
        if entry.get("loss") is not None:
            self._shown(self.losses[phase], self.loss_axis).append(epoch, float(entry["loss"]))
            losses = [point.y() for series in self.losses.values() for point in series.points()]
            self.loss_axis.setRange(0.0, max(losses) * 1.1)
        if epoch > self.x_axis.max():
            self._epoch_range(epoch)
        scores = [point.y() for point in self.scores[phase].points()]
        best = f" — best {SCORE_NAMES[phase]} {max(scores):.0f}%" if scores else ""
        step = "Attributes, epoch" if phase == ATTRIBUTES and self.scores[COMPATIBILITY].count() else "Epoch"
        self.chart().setTitle(f"{step} {epoch}{best}")

    def curve(self, phase: str | None = None) -> list[tuple[int, float]]:
        """The validation-score points so far, (epoch, score in 0–1), of ``phase`` (None: the outfit
        phase when it has any, else the attribute phase)."""
        if phase is None:
            phase = COMPATIBILITY if self.scores[COMPATIBILITY].count() else ATTRIBUTES
        return [(int(point.x()), round(point.y() / 100.0, 9)) for point in self.scores[phase].points()]
