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

Importing this package is cheap: each name below loads its module on first use (PEP 562), and the
modules keep torch and FAISS out of their module level, so the window can be on screen before
the worker loads the models (issue 18 point 10; ``tests/test_gui_launch.py`` guards it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sane_desktop.lazy import lazy_getattr

if TYPE_CHECKING:
    from sane_desktop.service.colours import COLOUR_MAPS, colour_lut, colourise
    from sane_desktop.service.app import CatalogueService
    from sane_desktop.service.catalogues import CatalogueDetails, Catalogues, OpenCatalogue
    from sane_desktop.service.filters import Facet, FacetCounts, ItemFilter
    from sane_desktop.service.outfit_reason import OutfitExplanation, OutfitShare
    from sane_desktop.service.values import (
        ALL_CATEGORIES, TILE_MAP_SIDE, AdaptReport, AttributeScore, CatalogueInfo, CatalogueListing, CategoryGuess,
        ExplanationUpdate, FolderReport, IndexReport, ItemInfo, OpenedCatalogue, PairExplanation, SearchResult,
        SkippedFile, TileExplanation, TrainReport, UnreadableCatalogue, device_name, library_versions,
    )

# name -> the module that defines it; the TYPE_CHECKING block above says the same for type checkers
_MODULES = {
    "colours": ("COLOUR_MAPS", "colour_lut", "colourise"),
    "app": ("CatalogueService",),
    "catalogues": ("CatalogueDetails", "Catalogues", "OpenCatalogue"),
    "filters": ("Facet", "FacetCounts", "ItemFilter"),
    "outfit_reason": ("OutfitExplanation", "OutfitShare"),
    "values": (
        "ALL_CATEGORIES", "TILE_MAP_SIDE", "AdaptReport", "AttributeScore", "CatalogueInfo", "CatalogueListing", "CategoryGuess",
        "ExplanationUpdate", "FolderReport", "IndexReport", "ItemInfo", "OpenedCatalogue", "PairExplanation",
        "SearchResult", "SkippedFile", "TileExplanation", "TrainReport", "UnreadableCatalogue", "device_name",
        "library_versions",
    ),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "CatalogueDetails",
    "ALL_CATEGORIES", "COLOUR_MAPS", "TILE_MAP_SIDE", "AdaptReport", "AttributeScore", "CatalogueInfo",
    "CatalogueListing", "CatalogueService", "Catalogues", "CategoryGuess", "ExplanationUpdate", "Facet",
    "FacetCounts", "FolderReport", "ItemFilter", "IndexReport", "ItemInfo", "OpenCatalogue", "OpenedCatalogue", "OutfitExplanation",
    "OutfitShare", "PairExplanation", "SearchResult",
    "SkippedFile", "TileExplanation", "TrainReport", "UnreadableCatalogue", "colour_lut", "colourise",
    "device_name", "library_versions",
]
