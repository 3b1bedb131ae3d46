""""Adapt model to this catalogue…": what it does, which model it starts from and which file it writes,
progress with ETA, cancel, result (a run goes on in the background when the dialog is closed: see
:class:`~sane_desktop.gui.train_dialog.ModelRunDialog`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sane_desktop import paths
from sane_desktop.errors import SaneError
from sane_desktop.gui.tasks import TaskFn, TaskRunner, TaskState
from sane_desktop.gui.text import plain_label, set_plain
from sane_desktop.gui.train_dialog import EARLIER_WAY, READING, REINDEX, ModelRunDialog, Stage
from sane_desktop.service.values import AdaptReport

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

EXPLANATION = (
    "Recomputes the model's normalisation statistics on this catalogue's own images: no labels and no "
    "training, a few seconds per thousand images. It helps when the pictures come from another studio or "
    "look different from the ones the model was trained on. The catalogue is then re-indexed with the "
    "adapted model, which becomes this catalogue's model."
)
OWN_MODEL = "model.pt"  # what the service's adapt writes in the catalogue's folder
ADAPT_STAGES = (
    Stage("Adapting the model", 0.5, {**READING, "adapting BatchNorm statistics": (0.35, 1.0)}),
    Stage("Re-indexing with the adapted model", 0.5, REINDEX.labels, like=0),  # it reads the images again
)


@dataclass(frozen=True)
class StartingModel:
    """The model an adapt starts from and the file it writes (found on the worker)."""

    path: Path
    # "trained"/"adapted" (this catalogue's own), "bundled" (shipped with the app), "other", "none" (nothing open)
    origin: str
    target: Path  # the catalogue's model file the adapted model is written to
    replaces: bool  # the target exists (this catalogue's model file is overwritten)
    frozen: bool = False  # a pretrained trunk kept as shipped: nothing to adapt (adapt_batchnorm refuses it)
    trainable: bool = True  # the catalogue has outfits or labelled attributes to train a model on


def starting_model(service: CatalogueService) -> StartingModel:
    """The open catalogue's model and where adapting it writes (worker thread): the one on disk now (trial EL: after a
    terminal's builtin-model the dialog named the model.pt that was gone, and Adapt failed)."""
    try:
        service.follow_index()
    except SaneError:  # said by the adapt itself, or by the next search
        pass
    name = service.name
    model = service.model_path()
    if name is None:
        return StartingModel(model, "none", model, False)
    folder = paths.catalogue_dir(name, service.index_home)
    target = folder / OWN_MODEL
    if model.parent.resolve() == paths.resource("models").resolve():
        origin = "bundled"
    elif model.is_relative_to(folder):
        origin = "adapted" if service.bundle().config.get("adapted_to") else "trained"
    else:
        origin = "other"
    try:
        trainable = service.current().items.can_train()
    except SaneError:  # the window's Train entry says it in its own words
        trainable = True
    return StartingModel(model, origin, target, target.is_file(), bool(service.bundle().config.get("trunk_frozen")),
                         trainable)


def _model_words(start: StartingModel) -> str:
    """The model a frozen start names, in a stylist's words (no file name, no "trunk")."""
    return "The built-in model" if start.origin == "bundled" else "This catalogue's model"


def starting_words(start: StartingModel) -> str:
    """What the dialog says before the person starts: the model it starts from, the file it writes."""
    if start.origin == "none":
        return "No catalogue is open: open the catalogue to adapt the model to first."
    if start.frozen and start.origin in ("trained", "adapted"):  # said before the run, not as its failure
        return ("This catalogue's model sees photos as the app's built-in model does (learnt on millions of photos "
                "and kept as shipped) and was trained on this catalogue: there is nothing to adapt. To learn from "
                "photos added since, train it again (File → Train model on this catalogue…).")
    if start.frozen and not start.trainable:  # never advice pointing at a menu entry that is off (trial G)
        return (f"{_model_words(start)} sees photos with what it learnt on millions of photos, kept as shipped, "
                "so there is nothing to adapt; and this catalogue has neither outfits nor labelled attributes to "
                "train a model of its own on. Search, “Find visually similar” and the explanations use this model "
                "as it is.")
    if start.frozen:  # never advice that loops: a model trained here has nothing to adapt either (a trial)
        # a stylist's words: "general.pt" and "pretrained trunk" were trial ER's dead end
        return (f"{_model_words(start)} sees photos with what it learnt on millions of photos, kept as shipped, so "
                "there is nothing to adapt: train a model on this catalogue instead (File → Train model on this "
                "catalogue…).")
    origin = {"trained": "this catalogue's own model, trained on this catalogue",
              "adapted": "this catalogue's own model, already adapted to this catalogue",
              "bundled": "the model bundled with the app",
              "other": f"the model in {start.path.parent}"}[start.origin]
    writes = f"Writes the adapted model to {start.target}, " + (
        "replacing this catalogue's model file (the current one is overwritten)" if start.replaces
        else "which becomes this catalogue's model file")
    if start.origin == "bundled":
        writes += "; the bundled model itself is not changed"
    return f"Starts from {start.path.name}: {origin}. {writes}."


class AdaptDialog(ModelRunDialog[AdaptReport]):
    activity = "Adapting the model…"
    run_words = "Adapting the model"
    menu_entry = "File → Adapt model to this catalogue…"
    cancel_words = "Cancel adapting"
    stages = ADAPT_STAGES

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, parent: Any = None) -> None:
        super().__init__(tasks, catalogue, f"Adapt model to {catalogue}", EXPLANATION, "Adapt", None, parent)
        self.start_from = plain_label("Finding the model this catalogue uses…")
        self.start_from.setWordWrap(True)  # it quotes folders: shown in full, never cut
        self.body.insertWidget(0, self.start_from)  # above the progress bar and the explanation
        self.starting: StartingModel | None = None
        tasks.start(lambda service, _state: starting_model(service), "Finding the catalogue's model…", quiet=True) \
            .on_done(self._found_model).on_failed(self._model_unknown)

    def _found_model(self, start: StartingModel) -> None:
        self.starting = start
        set_plain(self.start_from, starting_words(start))
        self.start_button.setEnabled(not start.frozen)
        self.start_button.setToolTip("This model's trunk is kept as shipped: there is nothing to adapt"
                                     if start.frozen else "")
        # nothing to adapt: no empty progress bar, nor what Adapt would do, under the line that says so (trial DO)
        self.progress_bar.setVisible(not start.frozen)
        self.phase.setVisible(not start.frozen)
        self._grow()

    def _model_unknown(self, message: str) -> None:
        set_plain(self.start_from, f"The model this catalogue uses could not be found: {message}")
        self._grow()

    def _grow(self) -> None:
        """As high as its text now is: the lines arrive after the dialog is shown, and a dialog sized for
        the placeholder cut the explanation under them (a trial)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else self.sizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def work(self) -> TaskFn[CatalogueService, None, AdaptReport]:
        catalogue = self.catalogue  # the one this dialog names, never whichever is open when it runs

        def adapt(service: CatalogueService, state: TaskState[None]) -> AdaptReport:
            return service.adapt(progress=state.progress, should_stop=state.should_stop, catalogue=catalogue)

        return adapt

    def describe(self, result: AdaptReport) -> str:
        skipped = f", {result.skipped} unreadable skipped" if result.skipped else ""
        kept = f" The model it replaced is kept as {result.previous}: {EARLIER_WAY}." if result.previous else ""  # trial CK
        return f"Adapted to {result.images} images{skipped}; the catalogue was re-indexed with the adapted model.{kept}"
