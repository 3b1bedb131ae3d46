"""The application layer: one typed use-case layer that the CLI and the GUI both call.

Qt-free. Composed, not inherited: :class:`Catalogues` opens an :class:`OpenCatalogue` made of
small typed parts — :class:`~.items.CatalogueItems` (store access through ``store.browse``),
:class:`~.model.ModelContext` (the checkpoint and per-item model inputs),
:class:`~.search.OutfitSearch` and :class:`~.explanation.Explanations` — and
:mod:`.building` holds the use cases that make catalogues and models (import, index, train,
adapt). :class:`CatalogueService` is the window's facade (one catalogue open at a time); the CLI
commands call ``Catalogues``/``building`` directly. Inputs and outputs are plain values (ids,
frozen dataclasses of :mod:`.values`, numpy arrays) that can cross threads; no ORM object leaves.
Errors are those of :mod:`sane_desktop.errors`.
"""

from sane_desktop.service.colours import COLOUR_MAPS, colour_lut, colourise
from sane_desktop.service.app import CatalogueService
from sane_desktop.service.catalogues import Catalogues, OpenCatalogue
from sane_desktop.service.explanation import TILE_MAP_SIDE
from sane_desktop.service.values import (
    ALL_CATEGORIES, AdaptReport, AttributeScore, CatalogueInfo, CatalogueListing, CategoryGuess,
    ExplanationUpdate, FolderReport, IndexReport, ItemInfo, OpenedCatalogue, PairExplanation, SearchResult,
    SkippedFile, TileExplanation, TrainReport, UnreadableCatalogue, device_name, library_versions,
)

__all__ = [
    "ALL_CATEGORIES", "COLOUR_MAPS", "TILE_MAP_SIDE", "AdaptReport", "AttributeScore", "CatalogueInfo",
    "CatalogueListing", "CatalogueService", "Catalogues", "CategoryGuess", "ExplanationUpdate",
    "FolderReport", "IndexReport", "ItemInfo", "OpenCatalogue", "OpenedCatalogue", "PairExplanation", "SearchResult",
    "SkippedFile", "TileExplanation", "TrainReport", "UnreadableCatalogue", "colour_lut", "colourise",
    "device_name", "library_versions",
]
