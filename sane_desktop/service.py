"""The one object the GUI's worker talks to: a small, typed, Qt-free facade over the core.

Every method may be slow (database, models, FAISS) and must run on the worker thread, never on the
GUI thread. Inputs and outputs are plain values (ids, dataclasses, numpy arrays) so that they can
cross threads; no ORM object ever leaves this module.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from sane_desktop import paths
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress

ALL_CATEGORIES = ""  # target "all": one ranked list per category


class ServiceError(Exception):
    """A failure to show the user as a message."""


class CoreMissing(ServiceError):
    """A core piece this feature needs is not available (not installed or not built yet)."""


@dataclass(frozen=True)
class CatalogueInfo:
    name: str
    db_path: Path
    items: int
    format: str
    root: str
    outfits: int


@dataclass(frozen=True)
class ItemInfo:
    pk: int  # database primary key = FAISS id
    item_id: str  # the catalogue's own id
    category: str
    title: str
    image_path: Path  # absolute
    content_hash: str
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    item: ItemInfo
    score: float
    # outfit item pk -> its part of the score (Σ parts = score); drives "best matching outfit item"
    contributions: dict[int, float] = field(default_factory=dict)

    def best_outfit_item(self) -> int | None:
        return max(self.contributions, key=self.contributions.__getitem__) if self.contributions else None


@dataclass(frozen=True)
class AttributeScore:
    name: str
    total: float
    confidence: float
    match: float
    prior: float


@dataclass
class ExplanationUpdate:
    """One step of an explanation: the fast map first, then progressive refinements (``final``)."""

    candidate_pk: int
    outfit_pk: int
    method: str
    candidate_map: np.ndarray  # (H, W) float32 over the model's centre crop
    outfit_map: np.ndarray
    candidate_image: np.ndarray  # (H, W, 3) uint8 centre crop the maps align with
    outfit_image: np.ndarray
    similarity: float
    seconds: float
    final: bool
    attributes: list[AttributeScore] = field(default_factory=list)
    detail: str = ""

    @property
    def attribute(self) -> str:
        return self.attributes[0].name if self.attributes else ""


@dataclass(frozen=True)
class FolderReport:
    """What "Index catalogue folder…" shows before starting."""

    root: Path
    format: str
    items: int
    name: str


def _optional(module: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise CoreMissing(f"{what} is not available in this build ({error})") from error


def device_name() -> str:
    """CUDA GPU name, or "CPU"."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return "CPU"


# ---------------------------------------------------------------------------------------------
# colour maps for overlays: numpy only, so that overlays are built on the worker thread
_ANCHORS = {
    "inferno": [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)],
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
    "jet": [(0, 0, 143), (0, 128, 255), (128, 255, 128), (255, 128, 0), (128, 0, 0)],
    "coolwarm": [(59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38)],
}
COLOUR_MAPS = tuple(_ANCHORS)


def colour_lut(name: str) -> np.ndarray:
    anchors = np.array(_ANCHORS.get(name, _ANCHORS["inferno"]), dtype=np.float32)
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, 256)
    return np.stack([np.interp(steps, positions, anchors[:, c]) for c in range(3)], 1).astype(np.uint8)


def colourise(saliency: np.ndarray, cmap: str = "inferno") -> np.ndarray:
    """(H, W) map -> (H, W, 4) uint8 RGBA heat map, min-max normalised; alpha grows with saliency
    so that the photo stays visible where the map is low."""
    values = np.asarray(saliency, dtype=np.float32)
    # robust range: one extreme pixel must not wash the whole overlay out
    low, high = (float(v) for v in np.percentile(values, [1, 99])) if values.size else (0.0, 0.0)
    norm = np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)
    index = np.clip((norm * 255).round(), 0, 255).astype(np.uint8)
    rgba = np.empty((*values.shape, 4), dtype=np.uint8)
    rgba[..., :3] = colour_lut(cmap)[index]
    rgba[..., 3] = np.clip(80 + norm * 175, 0, 255).astype(np.uint8)
    return rgba


# ---------------------------------------------------------------------------------------------
class CatalogueService:
    """Catalogues under ``index_home``; one open at a time, with its model loaded lazily."""

    def __init__(self, index_home: Path | None = None, device: str | None = None,
                 model: Path | None = None, rise_masks: int | None = None) -> None:
        self.index_home = Path(index_home) if index_home else paths.index_home()
        self._device = device
        self._model_override = Path(model) if model else None
        # RISE masks per map: None = 2000 on a GPU (the paper's N), 500 on a CPU
        self.rise_masks = rise_masks
        self.name: str | None = None
        self._engine: Engine | None = None
        self._catalogue_pk: int | None = None
        self._root: Path | None = None
        self._bundle: Any = None
        self._searcher: Any = None
        self._images: dict[int, Any] = {}

    # --- catalogues ------------------------------------------------------------------------
    def list_catalogues(self) -> list[CatalogueInfo]:
        from sane_desktop.store import open_store
        from sane_desktop.store import schema as S

        found = []
        if not self.index_home.is_dir():
            return found
        for folder in sorted(self.index_home.iterdir()):
            db = folder / "catalogue.db"
            if not db.is_file():
                continue
            engine = open_store(f"sqlite:///{db.as_posix()}")
            try:
                with Session(engine) as session:
                    row = session.scalars(select(S.CatalogueRow).where(S.CatalogueRow.name == folder.name)).first()
                    if row is None:
                        row = session.scalars(select(S.CatalogueRow)).first()
                    if row is None:
                        continue
                    items = session.scalar(select(func.count()).where(S.Item.catalogue_id == row.id)) or 0
                    outfits = session.scalar(select(func.count()).where(S.Outfit.catalogue_id == row.id)) or 0
                    found.append(CatalogueInfo(row.name, db, int(items), row.format, row.root, int(outfits)))
            finally:
                engine.dispose()
        return found

    def open_catalogue(self, name: str) -> CatalogueInfo:
        from sane_desktop.store import open_store
        from sane_desktop.store import schema as S

        info = next((c for c in self.list_catalogues() if c.name == name), None)
        if info is None:
            raise ServiceError(f"no indexed catalogue named {name!r} under {self.index_home}")
        self.close()
        self._engine = open_store(f"sqlite:///{info.db_path.as_posix()}")
        with Session(self._engine) as session:
            row = session.scalars(select(S.CatalogueRow).where(S.CatalogueRow.name == name)).one()
            self._catalogue_pk, self._root = row.id, Path(row.root)
        self.name = name
        return info

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = self._catalogue_pk = self._root = self.name = None
        self._bundle = self._searcher = None
        self._images.clear()

    def _session(self) -> Session:
        if self._engine is None:
            raise ServiceError("no catalogue is open")
        return Session(self._engine)

    # --- items -----------------------------------------------------------------------------
    def categories(self) -> list[str]:
        from sane_desktop.store import schema as S

        with self._session() as session:
            return list(session.scalars(
                select(S.Category.name).where(S.Category.catalogue_id == self._catalogue_pk).order_by(S.Category.name)
            ))

    def items(self, category: str = ALL_CATEGORIES, text: str = "", limit: int = 5000) -> list[ItemInfo]:
        """Items of ``category`` (all when empty) whose title, id or any attribute contains every
        word of ``text`` (case-insensitive, in SQL)."""
        from sane_desktop.store import schema as S

        query = (
            select(S.Item.id)
            .join(S.Category, S.Category.id == S.Item.category_id)
            .where(S.Item.catalogue_id == self._catalogue_pk)
        )
        if category:
            query = query.where(S.Category.name == category)
        for word in text.lower().split():
            pattern = f"%{word}%"
            attribute_hit = (
                select(S.ItemAttribute.item_pk)
                .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
                .where(func.lower(S.Attribute.name).like(pattern))
            )
            query = query.where(or_(
                func.lower(S.Item.title).like(pattern),
                func.lower(S.Item.item_id).like(pattern),
                func.lower(S.Item.fine_category).like(pattern),
                S.Item.id.in_(attribute_hit),
            ))
        with self._session() as session:
            pks = list(session.scalars(query.order_by(S.Item.id).limit(limit)))
        return self.item_infos(pks)

    def item_infos(self, pks: Sequence[int]) -> list[ItemInfo]:
        """Items by primary key, in the order given (unknown keys are left out)."""
        from sane_desktop.store import schema as S

        if not pks:
            return []
        with self._session() as session:
            rows = session.execute(
                select(S.Item.id, S.Item.item_id, S.Category.name, S.Item.title, S.Item.image_path, S.Item.content_hash)
                .join(S.Category, S.Category.id == S.Item.category_id)
                .where(S.Item.id.in_(list(pks)))
            ).all()
            attributes: dict[int, list[str]] = {}
            for item_pk, name in session.execute(
                select(S.ItemAttribute.item_pk, S.Attribute.name)
                .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
                .where(S.ItemAttribute.item_pk.in_(list(pks)))
            ):
                attributes.setdefault(item_pk, []).append(name)
        root = self._root or Path(".")
        by_pk = {
            pk: ItemInfo(pk, item_id, category, title or item_id, root / image_path, content_hash or "",
                         tuple(sorted(attributes.get(pk, ()))))
            for pk, item_id, category, title, image_path, content_hash in rows
        }
        return [by_pk[pk] for pk in pks if pk in by_pk]

    def item(self, pk: int) -> ItemInfo:
        found = self.item_infos([pk])
        if not found:
            raise ServiceError(f"unknown item {pk}")
        return found[0]

    def has_outfits(self) -> bool:
        from sane_desktop.store import schema as S

        with self._session() as session:
            return bool(session.scalar(select(func.count()).where(S.Outfit.catalogue_id == self._catalogue_pk)))

    # --- model -----------------------------------------------------------------------------
    def model_path(self) -> Path:
        """The catalogue's own trained model when there is one, else the bundled demo model."""
        from sane_desktop.models.checkpoint import demo_model_path

        if self._model_override is not None:
            return self._model_override
        if self.name:
            for candidate in ("model.pt", "models/latest.pt"):
                own = self.index_home / self.name / candidate
                if own.is_file():
                    return own
        return demo_model_path()

    def bundle(self) -> Any:
        if self._bundle is None:
            from sane_desktop.models import load_checkpoint, pick_device

            path = self.model_path()
            if not path.is_file():
                raise CoreMissing(f"no model found ({path}); train one on this catalogue first")
            bundle = load_checkpoint(path, map_location="cpu")
            device = self._device or str(pick_device())
            bundle.compatibility.to(device).eval()
            if bundle.attributes is not None:
                bundle.attributes.to(device).eval()
            self._bundle = bundle
        return self._bundle

    def _image(self, item: ItemInfo) -> Any:
        """Normalised (3, S, S) tensor of an item, cached per session."""
        if item.pk not in self._images:
            from sane_desktop.models import load_image_tensor

            self._images[item.pk] = load_image_tensor(item.image_path, self.bundle().preprocessing)
        return self._images[item.pk]

    def _crop_rgb(self, item: ItemInfo) -> np.ndarray:
        from sane_desktop.models.preprocess import load_image_uint8

        return load_image_uint8(item.image_path, self.bundle().preprocessing).permute(1, 2, 0).numpy().copy()

    def _space(self, a: ItemInfo, b: ItemInfo) -> int:
        net = self.bundle().compatibility
        try:
            return net.space_index(net.categories.index(a.category), net.categories.index(b.category))
        except ValueError as error:
            raise ServiceError(f"the model does not know category {error}") from error

    # --- outfit search ---------------------------------------------------------------------
    def search(self, outfit: Sequence[int], target: str = ALL_CATEGORIES, k: int = 24,
               should_stop: CancelCheck = never_cancel) -> dict[str, list[SearchResult]]:
        """Compatible items per target category (every indexed category when ``target`` is empty),
        best first, outfit items left out; each with its per-outfit-item score parts."""
        if not outfit:
            return {}
        searcher = self._outfit_searcher()
        query = searcher.query_items(list(outfit))  # embeddings once for every target
        targets = [target] if target else searcher.categories
        results: dict[str, list[SearchResult]] = {}
        for category in targets:
            if should_stop():
                break
            hits = searcher.search(query, category, k)
            infos = {info.pk: info for info in self.item_infos([hit.item_pk for hit in hits])}
            results[category] = [
                SearchResult(infos[hit.item_pk], float(hit.score),
                             {int(q): float(c) for q, c in zip(outfit, hit.contributions)})
                for hit in hits if hit.item_pk in infos
            ]
        return results

    def _outfit_searcher(self) -> Any:
        if self._searcher is None:
            search = _optional("sane_desktop.retrieval.search", "Outfit search")
            try:
                self._searcher = search.OutfitSearcher.open(
                    self._engine, name=self.name, index_dir=self.index_home / str(self.name),
                    model_path=self.model_path())
            except search.StaleIndexError as error:
                raise ServiceError(str(error)) from error
        return self._searcher

    # --- explanations ----------------------------------------------------------------------
    def explain(
        self,
        candidate_pk: int,
        outfit_pk: int,
        *,
        refine: bool = True,
        n_masks: int | None = None,
        chunk: int = 250,
        should_stop: CancelCheck = never_cancel,
    ) -> Iterator[ExplanationUpdate]:
        """Why ``candidate`` matches ``outfit`` item: the exact fast map first (one pass per image),
        then progressive RISE refinements of both maps, each step yielded as it lands."""
        from sane_desktop.explain import get_explainer

        started = time.perf_counter()
        candidate, outfit_item = self.item(candidate_pk), self.item(outfit_pk)
        net = self.bundle().compatibility
        space = self._space(candidate, outfit_item)
        c_img, q_img = self._image(candidate), self._image(outfit_item)
        c_rgb, q_rgb = self._crop_rgb(candidate), self._crop_rgb(outfit_item)
        fast = get_explainer("fast", net).explain(c_img, q_img, space)
        attributes = self._attributes(candidate, outfit_item, fast.query_map)

        def update(method: str, c_map: np.ndarray, q_map: np.ndarray, final: bool, detail: str) -> ExplanationUpdate:
            return ExplanationUpdate(candidate_pk, outfit_pk, method, c_map, q_map, c_rgb, q_rgb,
                                     fast.similarity, time.perf_counter() - started, final, attributes, detail)

        yield update("fast", fast.query_map, fast.candidate_map, not refine, "exact cell decomposition, 2 passes")
        if not refine or should_stop():
            return
        import torch

        masks = n_masks or self.rise_masks or (2000 if torch.cuda.is_available() else 500)
        rise = get_explainer("rise", net, n_masks=masks, seed=0)
        embeddings = rise.embed(torch.stack([c_img, q_img]))
        c_map, q_map = fast.query_map, fast.candidate_map
        for step in rise.progressive(c_img, embeddings[1], space, chunk=chunk, should_stop=should_stop):
            c_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on this item")
        for step in rise.progressive(q_img, embeddings[0], space, chunk=chunk, should_stop=should_stop):
            q_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on the outfit item")
        attributes[:] = self._attributes(candidate, outfit_item, c_map)
        yield update("rise", c_map, q_map, True, "RISE refined")

    def _attributes(self, candidate: ItemInfo, outfit_item: ItemInfo, saliency: np.ndarray) -> list[AttributeScore]:
        """Ranked explaining attributes (SANE) of the candidate: confidence × map match × prior, as
        :mod:`sane_desktop.explain.attribute_choice` combines them; empty without an attribute net."""
        bundle = self.bundle()
        net = bundle.attributes
        if net is None:
            return []
        import torch

        from sane_desktop.explain import attribute_choice as choice

        device = next(net.parameters()).device
        with torch.inference_mode():
            logits, maps = net(self._image(candidate)[None].to(device))
            calibration = bundle.config.get("calibration")
            if calibration:
                confidence = choice.PlattCalibration(**calibration).probabilities(logits.float().cpu())[0]
            else:
                confidence = torch.sigmoid(logits.float())[0].cpu()
            match = choice.map_match(maps.float().cpu()[0], torch.from_numpy(np.asarray(saliency, np.float32)))
        names = list(net.attributes)
        prior = np.asarray(bundle.config.get("attribute_prior") or np.full(len(names), 1.0 / max(1, len(names))))
        weights = choice.SelectionWeights(**bundle.config.get("selection_weights", {}))
        parts = choice.PairParts(confidence.numpy(), match.numpy(), prior)
        ranked = choice.rank_attributes(parts, weights, names)
        return [AttributeScore(r.name, r.score, r.confidence, r.match, r.prior) for r in ranked]

    # --- indexing and training -------------------------------------------------------------
    def inspect_folder(self, root: Path) -> FolderReport:
        """Detected format and item count of a catalogue folder (quick: no image validation)."""
        from sane_desktop.catalogue import read_catalogue

        root = Path(root).expanduser().resolve()
        catalogue = read_catalogue(root, validate_images=False)
        return FolderReport(root, catalogue.format, len(catalogue.items), root.name)

    def index_folder(self, root: Path, name: str | None = None, progress: Progress = no_progress,
                     should_stop: CancelCheck = never_cancel) -> dict[str, Any]:
        """Import a folder (validate, store) and build its search index; returns the import summary
        with the index summary under ``index``."""
        from sane_desktop.retrieval.indexer import index_catalogue

        root = Path(root).expanduser().resolve()
        name = name or root.name
        folder = self.index_home / name
        summary = index_catalogue(root, name, self.model_path(), f"sqlite:///{(folder / 'catalogue.db').as_posix()}",
                                  index_dir=folder, device=self._device, progress=progress, should_stop=should_stop)
        result = dict(summary.import_summary or {})
        result["index"] = summary.as_dict()
        if name == self.name:  # the open catalogue changed: reopen its searcher lazily
            self._searcher = None
        return result

    def ensure_demo(self, items: int = 120, seed: int = 0, progress: Progress = no_progress,
                    should_stop: CancelCheck = never_cancel) -> dict[str, Any]:
        """First run: generate the demo catalogue into ``index/demo/source`` and index it as "demo"."""
        from sane_desktop.demo import generate_demo

        source = self.index_home / "demo" / "source"
        if not (source / "ground_truth.json").is_file():
            generate_demo(source, seed=seed, items=items, progress=progress, should_stop=should_stop,
                          masks=False, overwrite=True)
        return self.index_folder(source, "demo", progress=progress, should_stop=should_stop)

    def train(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
              epochs: int = 5) -> dict[str, Any]:
        """Train a model on the open catalogue's outfits into ``index/<name>/model.pt`` (the
        catalogue's model from then on), then re-index the catalogue with it."""
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
            result = train(catalogue, config, progress=progress, should_stop=should_stop, device=device)
        except ValueError as error:  # e.g. no training outfits
            raise ServiceError(str(error)) from error
        if should_stop():
            return {}
        out = self.index_home / name / "model.pt"
        content_hash = save_checkpoint(out, result.bundle)
        self._model_override = None  # the catalogue's own model wins from now on
        self._bundle = self._searcher = None
        self._images.clear()
        indexed = self.index_folder(root, name, progress=progress, should_stop=should_stop)
        self.open_catalogue(name)
        best = result.history[result.best_epoch - 1] if result.history else {}
        return {"model": str(out), "content_hash": content_hash, "epochs": len(result.history),
                "valid_fitb": best.get("valid_fitb"), "seconds": round(result.seconds, 1),
                "vectors": indexed.get("index", {}).get("vectors")}
