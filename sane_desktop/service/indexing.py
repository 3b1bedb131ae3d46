"""Building catalogues: inspect a folder, import and index it, the first-run demo, and training
the open catalogue's own model or adapting the current one to it (then re-indexing with it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sane_desktop.progress import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from sane_desktop.service.explanation import Explanations
from sane_desktop.service.values import (
    AdaptReport, FolderReport, IndexReport, ServiceError, SkippedFile, TrainReport,
)


def index_report(summary: Any) -> IndexReport:
    """The service's view of ``retrieval.indexer.IndexSummary`` (with its import summary)."""
    imported = dict(summary.import_summary or {})
    skipped = tuple(SkippedFile(str(s.get("id", "")), str(s.get("path", "")), str(s.get("reason", "")),
                                str(s.get("kind", ""))) for s in imported.get("skipped", []))
    return IndexReport(summary.name, int(imported.get("items", summary.items)), int(imported.get("outfits", 0)),
                       skipped, dict(summary.vectors), summary.seconds, imported, summary)


class CatalogueService(Explanations):
    """The one object the GUI's worker talks to (see the package docstring)."""

    def inspect_folder(self, root: Path) -> FolderReport:
        """Detected format and item count of a catalogue folder (quick: no image validation)."""
        from sane_desktop.catalogue import read_catalogue

        root = Path(root).expanduser().resolve()
        catalogue = read_catalogue(root, validate_images=False)
        return FolderReport(root, catalogue.format, len(catalogue.items), root.name)

    def index_folder(self, root: Path, name: str | None = None, progress: Progress = no_progress,
                     should_stop: CancelCheck = never_cancel) -> IndexReport:
        """Import a folder (validate, store) and build its search index."""
        from sane_desktop.retrieval.indexer import index_catalogue

        root = Path(root).expanduser().resolve()
        name = name or root.name
        folder = self.index_home / name
        summary = index_catalogue(root, name, self.model_path(), f"sqlite:///{(folder / 'catalogue.db').as_posix()}",
                                  index_dir=folder, device=self._device, progress=progress, should_stop=should_stop)
        if name == self.name:  # the open catalogue changed: reopen its searcher lazily
            self._searcher = self._centroids = None
        return index_report(summary)

    def reindex(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel) -> IndexReport:
        """Rebuild the open catalogue's index from its folder with the current model (after a model
        change made it stale)."""
        if self.name is None or self._root is None:
            raise ServiceError("no catalogue is open")
        return self.index_folder(self._root, self.name, progress=progress, should_stop=should_stop)

    def ensure_demo(self, items: int = 120, seed: int = 0, progress: Progress = no_progress,
                    should_stop: CancelCheck = never_cancel) -> IndexReport:
        """First run: generate the demo catalogue into ``index/demo/source`` and index it as "demo"."""
        from sane_desktop.demo import generate_demo

        source = self.demo_source()
        if not (source / "ground_truth.json").is_file():
            generate_demo(source, seed=seed, items=items, progress=progress, should_stop=should_stop,
                          masks=False, overwrite=True)
        return self.index_folder(source, "demo", progress=progress, should_stop=should_stop)

    def train(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
              epochs: int = 5, on_epoch: Callable[[dict[str, Any]], None] | None = None) -> TrainReport:
        """Train a model on the open catalogue's outfits into ``index/<name>/model.pt`` (the
        catalogue's model from then on), then re-index the catalogue with it. ``on_epoch`` gets
        each epoch's history entry (epoch, loss, valid_fitb or valid_map, seconds) as it lands."""
        from sane_desktop.catalogue import read_catalogue
        from sane_desktop.models import pick_device, save_checkpoint
        from sane_desktop.training.presets import preset
        from sane_desktop.training.trainer import train

        if self.name is None or self._root is None:
            raise ServiceError("no catalogue is open")
        name, root = self.name, self._root
        device = pick_device() if self._device is None else __import__("torch").device(self._device)
        config = preset("gpu" if device.type == "cuda" else "cpu", epochs=epochs)
        catalogue = read_catalogue(root, progress=progress, should_stop=should_stop)
        try:
            result = train(catalogue, config, progress=progress, should_stop=should_stop, device=device,
                           on_epoch=on_epoch or (lambda _: None))
        except ValueError as error:  # e.g. no training outfits
            raise ServiceError(str(error)) from error
        if should_stop():  # nothing replaced yet: the catalogue keeps its model
            raise Cancelled("training cancelled")
        out = self.index_home / name / "model.pt"
        content_hash = save_checkpoint(out, result.bundle)
        self._model_override = None  # the catalogue's own model wins from now on
        self._forget_model()
        indexed = self.index_folder(root, name, progress=progress, should_stop=should_stop)
        self.open_catalogue(name)
        best = result.history[result.best_epoch - 1] if result.history else {}
        return TrainReport(out, content_hash, len(result.history), result.best_epoch, best.get("valid_fitb"),
                           best.get("valid_map"), round(result.seconds, 1), indexed.vectors)

    def adapt(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel) -> AdaptReport:
        """Adapt the current model to the open catalogue's look without labels (its BatchNorm
        statistics recomputed on the catalogue's images) into ``index/<name>/model.pt`` (the
        catalogue's model from then on), then re-index the catalogue with it."""
        from sane_desktop.catalogue import read_catalogue
        from sane_desktop.models import load_checkpoint, save_checkpoint
        from sane_desktop.models.adapt import adapt_batchnorm, adapted_config, catalogue_batches

        if self.name is None or self._root is None:
            raise ServiceError("no catalogue is open")
        name, root = self.name, self._root
        bundle = load_checkpoint(self.model_path(), map_location=self._device or "cpu")  # a copy: the live one serves
        catalogue = read_catalogue(root, progress=progress, should_stop=should_stop)
        skipped: list[str] = []
        seen = adapt_batchnorm(bundle, catalogue_batches(catalogue, bundle.preprocessing, skipped=skipped,
                                                         progress=progress), should_stop)
        if not seen:
            raise ServiceError(f"no readable image in {root} to adapt to ({len(skipped)} skipped)")
        bundle.config = adapted_config(bundle.config, name, seen, bundle.content_hash)
        out = self.index_home / name / "model.pt"
        content_hash = save_checkpoint(out, bundle)
        self._model_override = None  # the catalogue's own model wins from now on
        self._forget_model()
        indexed = self.index_folder(root, name, progress=progress, should_stop=should_stop)
        self.open_catalogue(name)
        return AdaptReport(out, content_hash, seen, len(skipped), indexed.vectors)
