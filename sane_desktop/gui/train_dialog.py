""""Train model on this catalogue…": epochs, progress with ETA, a live learning curve, cancel, result.

A run outlives its dialog's closing: Escape or the close button while it runs asks whether to keep
it running in the background (File → Train shows this same dialog again) or to cancel it
(:class:`ModelRunDialog`, which the adapt dialog shares). The progress bar covers the whole run —
reading the images, the epochs, checking the new model, the attribute choice, the re-index — as shares
of one bar that only moves forward, with an estimate that counts down each second and says "in all"
only when every step still to come can be estimated (:mod:`~sane_desktop.gui.run_progress`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QFormLayout, QSpinBox

from sane_desktop.gui.learning_curve import LearningCurve
from sane_desktop.gui.request_dialog import BackgroundRun, ModelRequestDialog
from sane_desktop.gui.run_progress import BAR_STEPS, RunClock, RunProgress, Stage, duration_words, whole_run_eta
from sane_desktop.gui.tasks import Task, TaskFn, TaskRunner, TaskState
from sane_desktop.gui.text import set_plain
from sane_desktop.service.values import FEW_QUESTIONS, TrainReport

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

R = TypeVar("R")
Epoch = dict[str, Any]  # one entry of the training history: epoch, losses, validation scores
__all__ = ["BAR_STEPS", "RunProgress", "Stage", "whole_run_eta", "TRAIN_STAGES", "HEAD_STAGES", "TrainDialog"]


# --- one bar over the whole run ---------------------------------------------------------------------
# The labels the core reports, in the order a run reports them: reading the catalogue and checking its
# images (catalogue), decoding them or computing the frozen trunk's features (training), the epochs
# (training loop), checking the new model against the current one on the validation questions (the
# service's gate, each model's own steps), fitting the explanation's attribute choice, then the re-index
# with the new model (import again, embed, build the FAISS index). The shares fit a catalogue of a few
# thousand items; the estimate goes by each stage's own pace (see :mod:`run_progress`).
READING = {"Reading catalogue": (0.0, 0.05), "Checking images": (0.05, 0.35)}
REINDEX_LABELS = {**READING, "embedding": (0.35, 0.95), "building index": (0.95, 1.0)}
REINDEX = Stage("Re-indexing with the new model", 0.15, REINDEX_LABELS, like=0)
# each model's steps: a frozen trunk's reads its cached features ("reading images" hashes the files,
# then "embedding"); another decodes the images, embeds them and scores their attributes (164 images of
# a MANGO subset on 2 cores: decoding 1 s, embedding 19 s, attribute scores 16 s)
COMPARING = {f"{which} model, {step}": (start + 0.5 * a, start + 0.5 * b)
             for which, start in (("current", 0.0), ("new", 0.5))
             for step, (a, b) in (("reading images", (0.0, 0.05)), ("decoding images", (0.0, 0.05)),
                                  ("embedding", (0.05, 0.55)), ("attribute scores", (0.55, 1.0)))}
READING_STAGE = Stage("Reading the images", 0.10, {**READING, "decoding images": (0.35, 1.0),
                                                    "reading images": (0.35, 0.55),
                                                    "computing image features": (0.55, 1.0)})
TRAIN_STAGES = (  # a trunk trained from scratch (the demo's): the epochs are most of the run
    READING_STAGE,
    Stage("Training", 0.55, {}, epochs=True),
    Stage("Checking the new model against the current one", 0.10, COMPARING),
    Stage("Choosing the attributes that explanations name", 0.10, {"attribute choice": (0.0, 1.0)}),
    REINDEX,
)
# heads on a frozen pretrained trunk (real catalogues): the epochs take seconds on cached features and
# the attribute choice most of the run (an 842-item MANGO subset on 2 cores: reading 6 s, epochs 4 s,
# comparison 0.4 s, attribute choice ~100 s, re-index 3 s); trial H watched 80 % of the bar go by in
# the part that took 4 % of the time. The first stage is the same in both: a run switches to these
# when its first stage says it reads cached features ("reading images", the frozen path's label).
HEAD_STAGES = (
    READING_STAGE,
    Stage("Training", 0.05, {}, epochs=True),
    Stage("Checking the new model against the current one", 0.02, COMPARING),
    Stage("Choosing the attributes that explanations name", 0.78, {"attribute choice": (0.0, 1.0)}),
    replace(REINDEX, share=0.05),
)
FROZEN_TRUNK_LABEL = "reading images"


# --- a run that can go on in the background ---------------------------------------------------------
EARLIER_WAY = "File → Manage catalogues… → Earlier model… brings it back"  # (use_earlier_model)


class ModelRunDialog(BackgroundRun, ModelRequestDialog[R]):
    """A model dialog whose run is never lost by closing it (:class:`BackgroundRun`); the Cancel
    button reads Cancel whenever a run goes. The bar covers the whole run (``stages``, see
    :class:`RunProgress`)."""

    stages: Sequence[Stage] = ()

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, title: str, intro: str, action: str,
                 settings: QFormLayout | None = None, parent: Any = None) -> None:
        super().__init__(tasks, title, intro, action, settings, parent)
        self.catalogue = catalogue  # the window shows this dialog again only for the same catalogue
        self.run_progress = RunProgress(self.stages)
        self.clock = RunClock(self.run_progress, self.phase, self._counting_down, self)

    def _counting_down(self) -> bool:
        """A run goes and nobody asked it to stop (then the line says "Cancelling…")."""
        return self.task is not None and not self.task.stop_requested

    def start(self) -> Task[R, Any]:
        self.run_progress.reset()
        task = super().start()  # the bar is busy until the first report
        self.cancel_button.setText("Cancel")  # a run before this one left it reading "Close"
        self.clock.start()
        return task

    def _on_progress(self, done: int, total: int, message: str) -> None:
        fraction, line = self.run_progress.update(done, total, message)
        self.progress_bar.setRange(0, BAR_STEPS)
        self.progress_bar.setValue(round(fraction * BAR_STEPS))
        set_plain(self.phase, line)


class TrainDialog(ModelRunDialog[TrainReport]):
    activity = "Training…"
    run_words = "The training"
    menu_entry = "File → Train model on this catalogue…"
    cancel_words = "Cancel the training"
    stages = TRAIN_STAGES

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, parent: Any = None, *,
                 has_outfits: bool = True) -> None:
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setToolTip("Passes over the catalogue's training outfits")
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        # (without outfits, trial ER's 38-photo shop trained in 1 s put a floral tee first for a plain red one, where the
        # built-in model had it seventh: said before Train, not only after)
        intro = ("Teaches the model what goes together, and the attributes that explain it, from this catalogue's "
                 "outfits. Some outfits are held back to test it: the new model replaces the current one only if it "
                 "picks the right piece in at least as many of them; with too few to tell (under 20) it replaces "
                 "it, and the result says so (File → Manage catalogues… → Earlier model… brings the old one back)."
                 if has_outfits else
                 "This catalogue has no outfits: training learns its labelled attributes only (explanations then "
                 "name them), and no matches — every search with the new model ranks by looks (look-alikes), "
                 "not by what goes together, and by the looks it learnt here: on a few dozen photos they can be "
                 "poorer than the built-in model's, learnt on millions. Keep the current model for compatibility picks (File → Manage "
                 "catalogues… → Built-in model… brings the app's own back after a training).")
        super().__init__(tasks, catalogue, f"Train model on {catalogue}", intro, "Train", form, parent)
        self.requested = 0  # the epochs the last run was asked for
        self._run_started: float | None = None  # time.monotonic() when the last run started
        self.curve = LearningCurve(self)
        self.body.insertWidget(1, self.curve)  # under the settings, above the progress bar
        self.setMinimumWidth(520)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        run = self.run_progress
        if message == FROZEN_TRUNK_LABEL and run.stage == 0 and run.stages is not HEAD_STAGES:
            run.use_stages(HEAD_STAGES)  # heads on cached features: the bar's shares follow
        super()._on_progress(done, total, message)

    def work(self) -> TaskFn[CatalogueService, Epoch, TrainReport]:
        epochs = self.requested = self.epochs.value()
        catalogue = self.catalogue  # the one this dialog names, never whichever is open when it runs

        def train(service: CatalogueService, state: TaskState[Epoch]) -> TrainReport:
            return service.train(progress=state.progress, should_stop=state.should_stop, epochs=epochs,
                                 on_epoch=state.partial, catalogue=catalogue)  # each epoch feeds the learning curve

        return train

    def start(self) -> Task[TrainReport, Any]:
        self._run_started = time.monotonic()
        self.run_progress.reset()
        self.run_progress.use_stages(TRAIN_STAGES)  # until the run says it trains heads on a frozen trunk
        self.curve.reset(self.epochs.value())
        self.phase.setToolTip("")  # the last run's figures
        return super().start().on_partial(self.curve.add_epoch)

    def describe(self, result: TrainReport) -> str:
        fitb, mean_ap = result.valid_fitb, result.valid_map
        # a stylist's words; the research terms are in the phase line's tooltip (set in _succeeded)
        asked = result.valid_questions
        of = f"{asked} held-back outfit{'' if asked == 1 else 's'}" if asked else "held-back outfits"
        few = " (too few to tell)" if asked is not None and 0 < asked < FEW_QUESTIONS else ""  # trial I: 0% of 2
        score = (f"; at its best it picked the right piece in {fitb:.0%} of {of}{few}" if fitb is not None
                 else f"; at its best its attribute precision was {mean_ap:.2f}" if mean_ap is not None else "")
        vectors = f" ({sum(result.vectors.values())} vectors)" if result.vectors is not None else ""
        epochs = result.epochs
        # the time budget, not the count asked for, ended it: another run here may train more epochs
        budget = (f" (the time budget stopped it before the {self.requested} asked for)"
                  if 0 < epochs < self.requested else "")
        cut = result.budget_stop.cut if result.budget_stop is not None else None
        if cut is not None:  # its last epoch ran part-way (trial Y): that is said too
            budget = (f" (the time budget stopped it part-way through epoch {cut[1]}"
                      + (f", before the {self.requested} asked for)" if cut[1] < self.requested else ")"))
        # the whole run as waited for (a trial read "in 1.5 s", the epochs alone, after 45 s)
        took = duration_words(time.monotonic() - self._run_started).removeprefix("about ") \
            if self._run_started is not None else f"{result.seconds:.1f} s"
        trained = f"Trained {epochs} epoch{'' if epochs == 1 else 's'}{budget} in {took}{score}"
        if result.kept:  # not better than the model the catalogue has: nothing was replaced
            self.verdict = "not used: the current model picks better"
            return f"{trained}. Not used: {result.kept}."
        self.verdict = "the catalogue uses the new model now"
        compared = f" ({result.compared})" if result.compared else ""
        kept = f" The model it replaced is kept as {result.previous}: {EARLIER_WAY}." if result.previous else ""  # trial CK
        return f"{trained}. The catalogue was re-indexed with the new model{vectors}{compared}.{kept}"

    def details(self, result: TrainReport) -> str:
        """The result in research terms (the phase line's tooltip)."""
        figures = [f"validation FITB accuracy {result.valid_fitb:.3f}" if result.valid_fitb is not None else "",
                   f"validation attribute mAP {result.valid_map:.3f}" if result.valid_map is not None else "",
                   f"best epoch {result.best_epoch}" + (f", chosen on {result.valid_questions} validation questions"
                                                         if result.valid_questions else "") if result.best_epoch else "",
                   f"fitting the heads took {result.seconds:.1f} s",
                   # said as the command line's train says it (trial AO: the window never said either)
                   f"the explanation's attribute choice was fitted on {result.selection}" if result.selection
                   else "the explanation's attribute choice was not fitted (too few labelled validation pairs): "
                        "explanations use the default weights" if not result.kept else ""]
        return "; ".join(f for f in figures if f)

    def _succeeded(self, result: TrainReport) -> None:
        super()._succeeded(result)
        self.phase.setToolTip(self.details(result))
