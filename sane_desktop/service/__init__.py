"""The one object the GUI's worker talks to: a small, typed, Qt-free facade over the core.

Every method may be slow (database, models, FAISS) and must run on the worker thread, never on the
GUI thread. Inputs and outputs are plain values (ids, dataclasses, numpy arrays) so that they can
cross threads; no ORM object ever leaves this package. One module per idea, stacked into
:class:`CatalogueService`: browsing (:mod:`.catalogues`), the model (:mod:`.model`), outfit search
and images from disk (:mod:`.outfit_search`), explanations (:mod:`.explanation`), building
catalogues (:mod:`.indexing`).
"""

from sane_desktop.service.colours import COLOUR_MAPS, colour_lut, colourise
from sane_desktop.service.explanation import TILE_MAP_SIDE
from sane_desktop.service.indexing import CatalogueService
from sane_desktop.service.values import (
    ALL_CATEGORIES, AttributeScore, CatalogueInfo, CategoryGuess, CoreMissing, ExplanationUpdate, FolderReport,
    ItemInfo, SearchResult, ServiceError, TileExplanation, device_name,
)

__all__ = [
    "ALL_CATEGORIES", "COLOUR_MAPS", "TILE_MAP_SIDE", "AttributeScore", "CatalogueInfo", "CatalogueService",
    "CategoryGuess", "CoreMissing", "ExplanationUpdate", "FolderReport", "ItemInfo", "SearchResult", "ServiceError",
    "TileExplanation", "colour_lut", "colourise", "device_name",
]
