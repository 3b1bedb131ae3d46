"""The model an indexing run uses, resolved and loaded once, then passed to every stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from sane_desktop.models import pick_device
from sane_desktop.models.checkpoint import ModelBundle, bundled_model_path, load_checkpoint

DEMO_NOTE = "indexed with a bundled model; a model trained on this catalogue (sane-desktop train) will do better"


@dataclass(frozen=True)
class IndexModel:
    """A loaded checkpoint and where it came from (``path`` goes into the manifest)."""

    path: Path  # absolute
    bundle: ModelBundle  # on ``device``
    device: torch.device
    note: str | None = None  # set when the bundled demo model stands in for a trained one

    @property
    def content_hash(self) -> str:
        """SHA-256 hex of the checkpoint's content (covers its preprocessing): the embeddings' key."""
        return self.bundle.content_hash


NO_MATCHES_NOTE = ("this model learnt no matches (trained without outfits): every category is searched by visual "
                   "similarity, 'looks alike'")


def load_index_model(model_path: Path | str | None, device: str | torch.device | None = None,
                     root: Path | str | None = None) -> IndexModel:
    """Load ``model_path`` (when None, the bundled model for the catalogue folder ``root``:
    :func:`~sane_desktop.models.checkpoint.bundled_model_path`) onto ``device`` (CUDA when present).

    Raises :class:`~sane_desktop.models.checkpoint.CheckpointError` (a ModelError) for a missing,
    foreign or corrupt checkpoint.
    """
    note = None
    if model_path is None:
        model_path, note = bundled_model_path(root), DEMO_NOTE
    path = Path(model_path).resolve()
    torch_device = pick_device(device)
    bundle = load_checkpoint(path, map_location=torch_device)
    if not bundle.matched_categories:  # trained without outfits: its type spaces were never fitted
        note = NO_MATCHES_NOTE if note is None else f"{note}; {NO_MATCHES_NOTE}"
    return IndexModel(path, bundle, torch_device, note)
