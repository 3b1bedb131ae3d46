""""Adapt model to this catalogue…": what it does, progress with ETA, cancel, result."""

from __future__ import annotations

from typing import Any

from sane_desktop.gui.request_dialog import ModelRequestDialog
from sane_desktop.gui.worker import WorkerClient

EXPLANATION = (
    "Recomputes the model's normalisation statistics on this catalogue's own images: no labels and no "
    "training, a few seconds per thousand images. It helps when the pictures come from another studio or "
    "look different from the ones the model was trained on. The catalogue is then re-indexed with the "
    "adapted model, which becomes this catalogue's model."
)


class AdaptDialog(ModelRequestDialog):
    kind = "adapt"

    def __init__(self, client: WorkerClient, catalogue: str, parent: Any = None) -> None:
        super().__init__(client, f"Adapt model to {catalogue}", EXPLANATION, "Adapt", None, parent)

    def describe(self, result: Any) -> str:
        skipped = f", {result['skipped']} unreadable skipped" if result.get("skipped") else ""
        return f"Adapted to {result['images']} images{skipped}; the catalogue was re-indexed with the adapted model."
