"""Metadata filters (issue 18, point 13): the catalogue's attribute values with their counts, and the
catalogue's items under a filter, sorted. The SQL is :mod:`sane_desktop.store.facets`; the outfit
search applies the same filter to its results (:meth:`~sane_desktop.service.search.OutfitSearch.search`).

A filter is OR within a key, AND across keys and with the categories; ``min_mean`` bounds the
results' mean cosine over the outfit items each was compared with (what the 0–100 match shows). Every call may be slow on a
large catalogue and runs on the worker thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sane_desktop.service.values import ALL_CATEGORIES, ItemInfo
from sane_desktop.store.facet_names import SORT_KEYS, SortKey, split_attribute
from sane_desktop.store.words import sort_key

# The window imports this module for ItemFilter before it is on screen; the SQL (SQLAlchemy) and
# the item reader load where a function runs, on the worker (issue 18 point 10).
if TYPE_CHECKING:
    from sane_desktop.service.items import CatalogueItems

__all__ = ["SORT_KEYS", "Facet", "FacetCounts", "ItemFilter", "SortKey", "facets", "filtered_items",
           "split_attribute"]


@dataclass(frozen=True)
class ItemFilter:
    """Ticked attribute values per key (``{"colour": {"red", "blue"}}``: red OR blue), ticked
    categories (any of them; none ticked: every category) and the results' lowest mean cosine over
    the outfit items each is compared with (None: no bound; :func:`~sane_desktop.service.match_score.mean_bound`
    of a 0–100 match). The default filter passes everything."""

    values: Mapping[str, frozenset[str]] = field(default_factory=dict)
    categories: frozenset[str] = frozenset()
    min_mean: float | None = None

    @property
    def selects(self) -> bool:
        """Whether it ticks any attribute value or category (the score bound aside)."""
        return bool(self.categories) or any(self.values.values())

    @property
    def active(self) -> bool:
        """Whether it can hide anything at all."""
        return self.selects or self.min_mean is not None

    def passes(self, item: ItemInfo) -> bool:
        """Whether ``item`` passes the ticks, from its own attribute names and category (the database
        says the same for a stored item; an image from disk has no attributes)."""
        if self.categories and item.category not in self.categories:
            return False
        held: dict[str, set[str]] = {}
        for name in item.attributes:
            parts = split_attribute(name)
            if parts is not None:
                held.setdefault(parts[0], set()).add(parts[1])
        return all(not wanted or held.get(key, set()) & wanted for key, wanted in self.values.items())


@dataclass(frozen=True)
class Facet:
    """One attribute key and its values, each with the number of items ticking it would show."""

    key: str
    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class FacetCounts:
    """The sidebar's content: the attribute keys' values and the categories, each with its count
    (disjunctive: taken under every other key's ticks), and ``total``, the items the filter shows."""

    facets: tuple[Facet, ...]
    categories: tuple[tuple[str, int], ...]
    total: int


def facets(items: CatalogueItems, item_filter: ItemFilter = ItemFilter(), category: str = ALL_CATEGORIES,
           text: str = "") -> FacetCounts:
    """The catalogue's facets under ``item_filter`` (and the browser's ``category``/``text`` search)."""
    from sane_desktop.store import facets as store_facets  # see the note at the imports

    items.refresh()
    counts = store_facets.facet_counts(items.engine, items.record.pk, item_filter.values, item_filter.categories,
                                       category, text)
    return FacetCounts(tuple(Facet(key, tuple(values)) for key, values in counts.values.items()),
                       tuple(counts.categories), counts.total)


def filtered_items(items: CatalogueItems, item_filter: ItemFilter = ItemFilter(), category: str = ALL_CATEGORIES,
                   text: str = "", sort: str = "title", limit: int = 5000) -> list[ItemInfo]:
    """The catalogue's items of ``category`` matching ``text`` that pass ``item_filter``, at most
    ``limit``, ordered by ``sort`` (see :func:`sane_desktop.store.facets.filtered_item_pks`). A title
    sort orders by the title shown (a code gets a readable one), case-folded, within what the
    database returned. ValueError for an unknown sort key."""
    order = next((key for key in SORT_KEYS if key == sort), None)
    if order is None:
        raise ValueError(f"unknown sort {sort!r} (one of {', '.join(SORT_KEYS)})")
    from sane_desktop.store import facets as store_facets  # see the note at the imports

    pks = store_facets.filtered_item_pks(items.engine, items.record.pk, item_filter.values, item_filter.categories,
                                         category, text, order, limit)
    found = items.infos(pks)
    if sort == "title":
        found.sort(key=lambda item: (sort_key(item.title), item.pk))  # as the database sorted (trial CQ)
    return found
