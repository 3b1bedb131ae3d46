""""Adapt model to this catalogue…": what it does, progress with ETA, cancel, result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sane_desktop.gui.request_dialog import ModelRequestDialog
from sane_desktop.gui.tasks import TaskFn, TaskRunner, TaskState
from sane_desktop.service.values import AdaptReport

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

EXPLANATION = (
    "Recomputes the model's normalisation statistics on this catalogue's own images: no labels and no "
    "training, a few seconds per thousand images. It helps when the pictures come from another studio or "
    "look different from the ones the model was trained on. The catalogue is then re-indexed with the "
    "adapted model, which becomes this catalogue's model."
)


class AdaptDialog(ModelRequestDialog[AdaptReport]):
    activity = "Adapting the model…"

    def __init__(self, tasks: TaskRunner[CatalogueService], catalogue: str, parent: Any = None) -> None:
        super().__init__(tasks, f"Adapt model to {catalogue}", EXPLANATION, "Adapt", None, parent)

    def work(self) -> TaskFn[CatalogueService, None, AdaptReport]:
        def adapt(service: CatalogueService, state: TaskState[None]) -> AdaptReport:
            return service.adapt(progress=state.progress, should_stop=state.should_stop)

        return adapt

    def describe(self, result: AdaptReport) -> str:
        skipped = f", {result.skipped} unreadable skipped" if result.skipped else ""
        return f"Adapted to {result.images} images{skipped}; the catalogue was re-indexed with the adapted model."
