"""Plain values that cross from the worker thread to the GUI: results, explanations, errors."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sane_desktop.errors import SaneError

ALL_CATEGORIES = ""  # target "all": one ranked list per category


# the service raises the tree of sane_desktop.errors; ServiceError is its root under an older name
ServiceError = SaneError


class CoreMissing(SaneError):
    """A core piece this feature needs is not available (not installed or not built yet)."""


@dataclass(frozen=True)
class CatalogueInfo:
    name: str
    db_path: Path
    items: int
    format: str
    root: str
    outfits: int
    builtin: bool = False  # the app's own demo catalogue: derived data, rebuilt without asking


@dataclass(frozen=True)
class ItemInfo:
    pk: int  # database primary key = FAISS id; negative for an image added from disk
    item_id: str  # the catalogue's own id (the file name for an image from disk)
    category: str
    title: str
    image_path: Path  # absolute
    content_hash: str
    attributes: tuple[str, ...] = ()

    @property
    def from_disk(self) -> bool:
        return self.pk < 0


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
    partner: float = 1.0  # probability the paired item has it too


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
    # where the attribute net sees each of the first-ranked attributes: name -> (candidate map,
    # outfit item map), SANE's attribute activation maps (logits) at the crop size
    attribute_maps: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def attribute(self) -> str:
        return self.attributes[0].name if self.attributes else ""


@dataclass(frozen=True)
class TileExplanation:
    """The fast explanation of one result tile: its pair with the strongest outfit item."""

    candidate_pk: int
    outfit_pk: int
    similarity: float  # cosine in the pair's type space = that outfit item's part of the score
    candidate_map: np.ndarray  # (S, S) float32 over the model's centre crop, S = the tile map size
    attributes: tuple[AttributeScore, ...] = ()

    @property
    def attribute(self) -> AttributeScore | None:
        return self.attributes[0] if self.attributes else None


@dataclass(frozen=True)
class CategoryGuess:
    """Categories for an image from disk, most likely first, with their cosine to each category's centre."""

    path: Path
    ranked: tuple[tuple[str, float], ...]

    @property
    def best(self) -> str:
        return self.ranked[0][0] if self.ranked else ""


@dataclass(frozen=True)
class OpenedCatalogue:
    """What opening a catalogue tells the window: the catalogue, its categories, whether it can train."""

    info: CatalogueInfo
    categories: tuple[str, ...]
    has_outfits: bool


@dataclass(frozen=True)
class SkippedFile:
    """One file an import passed over, with its reason (``kind``: image, item, outfit, …)."""

    id: str
    path: str
    reason: str
    kind: str


@dataclass(frozen=True)
class IndexReport:
    """The result of importing and indexing a folder: ``imported`` (the import summary as a dict)
    and ``indexed`` (``retrieval.indexer.IndexSummary``) are the core's own, kept whole for the
    CLI's ``--json``."""

    name: str
    items: int
    outfits: int
    skipped: tuple[SkippedFile, ...]
    vectors: dict[str, int]  # category -> vectors in its index
    seconds: float
    imported: dict[str, Any]
    indexed: Any  # retrieval.indexer.IndexSummary

    def as_dict(self) -> dict[str, Any]:
        """The CLI's JSON: the import summary with the index summary under ``index``."""
        return {**self.imported, "index": self.indexed.as_dict()}


@dataclass(frozen=True)
class TrainReport:
    """A model trained on a catalogue (and the catalogue re-indexed with it, when trained in the app)."""

    model: Path
    content_hash: str
    epochs: int
    best_epoch: int
    valid_fitb: float | None
    valid_map: float | None
    seconds: float
    vectors: dict[str, int] | None = None  # after the re-index; None when not re-indexed


@dataclass(frozen=True)
class AdaptReport:
    """A model adapted to a catalogue's images (BatchNorm statistics), and the re-index that followed."""

    model: Path
    content_hash: str
    images: int
    skipped: int
    vectors: dict[str, int] | None = None


@dataclass(frozen=True)
class FolderReport:
    """What "Index catalogue folder…" shows before starting."""

    root: Path
    format: str
    items: int
    name: str


def optional_module(module: str, what: str) -> Any:
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
