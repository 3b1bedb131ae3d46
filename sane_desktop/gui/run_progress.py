"""One progress bar and one line over a run of several stages (reading the images, training,
checking the new model, choosing attributes, re-indexing), each counting its steps from 0 again.

The bar only moves forward. The estimate is said only where it can be backed: each stage's own pace
gives the time left in it; "in all" is said only when every stage still to come can be estimated too
(the re-index reads the images again: about as long as reading them took); otherwise "in this step".
The line is rendered again each second (:meth:`RunProgress.line`), so a countdown never stands still
while a step goes quiet, and a step past its estimate says so (a trial read "about 6 s left" for a
minute while the new model was compared with the current one, a step no estimate counted)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from sane_desktop.gui.text import set_plain
from sane_desktop.gui.timers import timer

BAR_STEPS = 1000  # the bar's range: a long run still moves visibly
# "epoch e/E", and "attributes, epoch e/E" for a second phase that trains the attribute head alone
EPOCH_LABEL = re.compile(r"(attributes, )?epoch (\d+)/(\d+)")
SECOND_PHASE_START = 0.5  # where a second, attributes-only phase of epochs starts in its stage (trial I: ~45 % of it)
MIN_STAGE_S = 1.0  # a stage's pace is trusted after this long in it …
MIN_POSITION = 0.02  # … and this far into it
TICK_MS = 1000
OVERDUE = "this step is taking longer than estimated"


@dataclass(frozen=True)
class Stage:
    """One part of a run: its ``title`` (said before the step's own words), its ``share`` of the bar,
    and where each of its progress labels sits inside it (label -> start, end, as fractions of the
    stage). ``epochs``: the stage's labels are "epoch e/E" (see :data:`EPOCH_LABEL`). ``like``: the
    index of an earlier stage that takes about as long (the re-index reads the images as the first
    stage did), which estimates this one before it starts; None: no estimate before it starts."""

    title: str
    share: float
    labels: dict[str, tuple[float, float]]
    epochs: bool = False
    like: int | None = None

    def knows(self, message: str) -> bool:
        return bool(EPOCH_LABEL.fullmatch(message)) if self.epochs else message in self.labels

    def position(self, done: int, total: int, message: str) -> float | None:
        """How far into this stage ``message`` at ``done/total`` is (0–1), None when it does not say."""
        step = min(1.0, done / total) if total > 0 else 0.0
        if self.epochs:
            match = EPOCH_LABEL.fullmatch(message)
            if match is None:
                return None
            epoch, epochs = int(match[2]), max(1, int(match[3]))
            within = min(1.0, (epoch - 1 + step) / epochs)
            return SECOND_PHASE_START + (1 - SECOND_PHASE_START) * within if match[1] else within
        if message not in self.labels:
            return None
        start, end = self.labels[message]
        return start + (end - start) * step


def duration_words(seconds: float) -> str:
    """``seconds`` in words: "about 1 min 5 s", "about 40 s"."""
    if seconds >= 60:
        return f"about {int(seconds // 60)} min {int(seconds % 60)} s"
    return f"about {max(1, round(seconds))} s"


def whole_run_eta(remaining: float) -> str:
    """The time left for the whole run, in words."""
    return f"{duration_words(remaining)} left in all"


class RunProgress:
    """Turns a run's progress reports — each stage counting from 0 again — into one fraction of the
    whole run that never goes back, and a line with an estimate (see the module's docstring).

    A report goes to the first stage, from the current one on, that knows its label (see
    :meth:`_stage_for`); a label no stage knows keeps the bar where it is and is said as it is."""

    def __init__(self, stages: Sequence[Stage], started: float | None = None) -> None:
        self.stages = tuple(stages)
        self.reset(started)

    def reset(self, started: float | None = None) -> None:
        """A new run, begun at ``started`` (time.monotonic(); now when None)."""
        self.started = time.monotonic() if started is None else started
        self.stage = 0
        self.fraction = 0.0
        self._furthest = 0.0  # the furthest label the current stage has reported (its start)
        self._began: dict[int, float] = {0: self.started}  # stage -> when it began (a later one: its first report)
        self._ended: dict[int, float] = {}  # stage -> seconds it took (a stage left for a later one)
        self._position = 0.0  # how far into the current stage (0–1), never back
        self._words = ""  # the current step's words, without the estimate
        self._left: tuple[float, float] | None = None  # (seconds left in the stage, at when) from its pace
        self._label: tuple[str, float, float] | None = None  # the step counting now: (label, when, how far) at first

    def use_stages(self, stages: Sequence[Stage]) -> None:
        """Go on with another division of the same run (its kind known only once it reports, e.g. a
        frozen trunk's training): allowed in the first stage, which both divisions must share."""
        stages = tuple(stages)
        if stages[0] != self.stages[0] or self.stage != 0:
            raise ValueError("another division of a run must share its first stage, and begin in it")
        self.stages = stages

    def _stage_for(self, message: str) -> int:
        """The first stage from the current one on that knows ``message``; in the current stage, a
        label from before where the stage has got to (the re-index reading the catalogue again)
        belongs to a later one."""
        for index in range(self.stage, len(self.stages)):
            stage = self.stages[index]
            if not stage.knows(message):
                continue
            if index == self.stage and not stage.epochs and stage.labels[message][0] < self._furthest:
                continue
            return index
        return self.stage  # a label no stage knows: the bar stays where it is

    def _stage_start(self, index: int) -> float:
        return sum(stage.share for stage in self.stages[:index])

    def update(self, done: int, total: int, message: str, now: float | None = None) -> tuple[float, str]:
        """The run's fraction done (0–1, never less than before) and the line to show."""
        now = time.monotonic() if now is None else now
        index = self._stage_for(message)
        if index != self.stage:
            began = self._began.get(self.stage)
            if began is not None:
                self._ended[self.stage] = now - began
            self.stage, self._furthest, self._position, self._left, self._label = index, 0.0, 0.0, None, None
        stage = self.stages[index]
        if stage.knows(message) and not stage.epochs:
            self._furthest = max(self._furthest, stage.labels[message][0])
        self._began.setdefault(index, now)
        position = stage.position(done, total, message)
        if position is not None:
            self._position = max(self._position, position)
            self.fraction = max(self.fraction, min(1.0, self._stage_start(index) + stage.share * self._position))
            if stage.epochs:  # epochs alike: the stage's own pace
                in_stage = now - self._began[index]
                if in_stage >= MIN_STAGE_S and self._position >= MIN_POSITION:
                    self._left = (in_stage / self._position * (1.0 - self._position), now)
            else:
                self._left = self._step_pace(stage, done, total, message, now)
        words = message if total <= 0 or stage.epochs else f"{message} {done}/{total}"
        self._words = f"{stage.title}: {words}" if words else stage.title
        return self.fraction, self.line(now)

    def _step_pace(self, stage: Stage, done: int, total: int, message: str, now: float) -> tuple[float, float] | None:
        """Seconds left in a stage of labelled steps, from the pace of the step counting now since its first
        report (the steps after it in the stage as long per share of it); none from a new step until its pace is
        known. A stage's pace mixed a quick step's share with a slow one's: trial EK's index read "about 4 s
        left in all" with 35 s to go, its photos' check (30 % of the stage) done in a second, the embedding
        (60 %) a minute."""
        step = min(1.0, done / total) if total > 0 else 0.0
        if self._label is None or self._label[0] != message or step < self._label[2]:
            self._label = (message, now, step)  # a new step: nothing to go by yet, unless it was measured before
            return None if total > 0 else self._left
        _, began, first = self._label
        start, end = stage.labels[message]
        if now - began < MIN_STAGE_S or step - first < MIN_POSITION or end <= start:
            return self._left
        per_step = (now - began) / (step - first)  # the whole step's time at this pace
        return per_step * (1.0 - step) + per_step * (1.0 - end) / (end - start), now

    def _later_stages(self) -> float | None:
        """Seconds the stages after the current one will take, None when one of them cannot be estimated."""
        total = 0.0
        for stage in self.stages[self.stage + 1:]:
            if stage.like is None or stage.like not in self._ended:
                return None
            total += self._ended[stage.like]
        return total

    def line(self, now: float | None = None) -> str:
        """The line for the last report, its estimate counted down to ``now`` (the dialog's clock
        calls this each second)."""
        if not self._words:
            return ""
        now = time.monotonic() if now is None else now
        eta = ""
        if self._left is not None and 0.0 < self.fraction < 1.0:
            left_in_stage = self._left[0] - (now - self._left[1])
            later = self._later_stages()
            if left_in_stage <= 0:
                eta = OVERDUE
            elif later is not None:
                eta = whole_run_eta(left_in_stage + later)
            else:
                eta = f"{duration_words(left_in_stage)} left in this step"
        return self._words + (f" — {eta}" if eta else "")


class RunClock(QObject):
    """Renders a running dialog's progress line again each second, so its estimate counts down between
    reports: ``running()`` says whether a run goes (the line is left alone otherwise)."""

    def __init__(self, progress: RunProgress, label: QLabel, running: Callable[[], bool], parent: QObject) -> None:
        super().__init__(parent)
        self.progress, self.label, self.running = progress, label, running
        self.timer = timer(self, TICK_MS, single_shot=False)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        if not self.running():
            self.timer.stop()
            return
        line = self.progress.line()
        if line:
            set_plain(self.label, line)
