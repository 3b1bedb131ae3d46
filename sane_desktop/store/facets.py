"""Attribute facets of a catalogue (issue 18, point 13): each attribute key's values with their item
counts, and which items pass a filter of ticked values — all in SQL over ``item_attributes``.

A categorical attribute is stored as ``key:value`` (``colour:red``; see
:mod:`sane_desktop.catalogue.vocabulary`); mined words have no key and are no facet. A filter is OR
within a key (``colour`` red or blue) and AND across keys and with the categories. Counts are
*disjunctive*: a value's count is the number of items that would be shown if it were ticked too, so
a key's counts are taken under every other key's ticks but not its own (the usual faceted search)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from sqlalchemy import ColumnElement, ColumnExpressionArgument, Engine, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from sane_desktop.store import schema as S
from sane_desktop.store.folding import folded
from sane_desktop.store.browse import search_tokens, word_pattern
from sane_desktop.store.facet_names import SORT_KEYS, SortKey, split_attribute  # re-exported: SQL-free

CATEGORICAL = "categorical"
COLOUR_KEYS = ("colour", "color")  # the key "colour" sorts by, whichever spelling the catalogue uses

# (key -> ticked values); an absent or empty key does not filter
Selection = Mapping[str, Collection[str]]


@dataclass(frozen=True)
class FacetCounts:
    """Counts under a filter: per key, (value, items) sorted by value; per category, items; and
    ``total``, the items that pass the whole filter (under ``category``/``text`` too)."""

    values: dict[str, list[tuple[str, int]]]
    categories: list[tuple[str, int]]
    total: int


def _search_conditions(category: str, text: str) -> list[ColumnElement[bool]]:
    """Conditions on ``items``/``categories`` for the browser's category and text search: the same
    rule as :func:`sane_desktop.store.browse.search_items` (every word whole but the last, which may
    be the start of one); a test checks the two agree."""
    conditions: list[ColumnElement[bool]] = []
    if category:
        conditions.append(S.Category.name == category)
    words = search_tokens(text)
    for position, word in enumerate(words):
        conditions.append(S.Item.search_text.like(word_pattern(word, position == len(words) - 1)))
    return conditions


def base_query(catalogue_pk: int, category: str = "", text: str = "") -> Select[int]:
    """Item keys of the catalogue, of ``category`` (all when empty), holding every word of ``text``."""
    return (select(S.Item.id).join(S.Category, S.Category.id == S.Item.category_id)
            .where(S.Item.catalogue_id == catalogue_pk, *_search_conditions(category, text)))


def _has_any(key: str, values: Collection[str]) -> ColumnElement[bool]:
    """The item holds one of ``key``'s ``values``."""
    names = [f"{key}:{value}" for value in values]
    holders = (select(S.ItemAttribute.item_pk).join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
               .where(S.Attribute.name.in_(names)))
    return S.Item.id.in_(holders)


def _conditions(selection: Selection, categories: Collection[str], skip_key: str | None = None,
                skip_categories: bool = False) -> list[ColumnElement[bool]]:
    conditions = [_has_any(key, values) for key, values in sorted(selection.items()) if values and key != skip_key]
    if categories and not skip_categories:
        conditions.append(S.Category.name.in_(list(categories)))
    return conditions


def _value_counts(session: Session, catalogue_pk: int, conditions: list[ColumnElement[bool]]) -> dict[str, int]:
    """Categorical attribute name -> items holding it among those meeting ``conditions`` (one
    grouped query; the items are looked at only when there is a condition to meet)."""
    query = (select(S.Attribute.name, func.count(S.ItemAttribute.item_pk)).select_from(S.ItemAttribute)
             .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
             .where(S.Attribute.catalogue_id == catalogue_pk, S.Attribute.kind == CATEGORICAL))
    if conditions:
        items = (select(S.Item.id).join(S.Category, S.Category.id == S.Item.category_id)
                 .where(S.Item.catalogue_id == catalogue_pk, *conditions))
        query = query.where(S.ItemAttribute.item_pk.in_(items.scalar_subquery()))
    return {str(name): int(n) for name, n in session.execute(query.group_by(S.Attribute.name))}


def facet_counts(engine: Engine, catalogue_pk: int, selection: Selection, categories: Collection[str] = (),
                 category: str = "", text: str = "") -> FacetCounts:
    """Every categorical key's values with disjunctive counts (see the module docstring), the
    categories' counts (under the attribute ticks), and the number of items passing it all.

    One grouped query serves every key without ticks, one more each key with ticks (its own ticks
    left out). Values no item under the other keys' ticks has are listed with 0 while ticked (so a
    tick can always be undone), else left out."""
    search = _search_conditions(category, text)
    ticked_keys = sorted(key for key, values in selection.items() if values)
    values: dict[str, dict[str, int]] = {}
    with Session(engine) as session:
        for name, n in _value_counts(session, catalogue_pk, search + _conditions(selection, categories)).items():
            parts = split_attribute(name)
            if parts is not None and parts[0] not in ticked_keys:
                values.setdefault(parts[0], {})[parts[1]] = n
        for key in ticked_keys:
            own = values.setdefault(key, {})
            for name, n in _value_counts(session, catalogue_pk,
                                         search + _conditions(selection, categories, skip_key=key)).items():
                parts = split_attribute(name)
                if parts is not None and parts[0] == key:
                    own[parts[1]] = n
            for ticked in selection[key]:
                own.setdefault(ticked, 0)
        category_query = (select(S.Category.name, func.count(S.Item.id)).join(S.Item, S.Item.category_id == S.Category.id)
                          .where(S.Item.catalogue_id == catalogue_pk, *search,
                                 *_conditions(selection, categories, skip_categories=True))
                          .group_by(S.Category.name))
        category_counts = {str(name): int(n) for name, n in session.execute(category_query)}
        for ticked in categories:
            category_counts.setdefault(ticked, 0)
        total = session.scalar(select(func.count()).select_from(
            base_query(catalogue_pk, category, text).where(*_conditions(selection, categories)).subquery())) or 0
    return FacetCounts({key: sorted(counts.items()) for key, counts in sorted(values.items()) if counts},
                       sorted(category_counts.items()), int(total))


def filtered_item_pks(engine: Engine, catalogue_pk: int, selection: Selection, categories: Collection[str] = (),
                      category: str = "", text: str = "", sort: SortKey = "title", limit: int = 5000) -> list[int]:
    """Keys of the items passing the filter (and ``category``/``text``), at most ``limit``, ordered by
    ``sort``: ``title`` (stored title, else the item id, case-folded), ``category`` (then title),
    ``newest`` (most recently embedded first, then newest key), ``colour`` (the colour value, items
    without one last, then title), ``key`` (the key alone). Ties are broken by key, so the order is stable."""
    query = base_query(catalogue_pk, category, text).where(*_conditions(selection, categories))
    title = folded(func.coalesce(func.nullif(S.Item.title, ""), S.Item.item_id))
    order: list[ColumnExpressionArgument[object]]
    if sort == "key":  # no order asked for (a filter's key set): the primary key alone, no sort work
        order = []
    elif sort == "category":
        order = [S.Category.name, title]
    elif sort == "newest":
        embedded = (select(S.ItemEmbedding.item_pk, func.max(S.ItemEmbedding.updated_at).label("at"))
                    .group_by(S.ItemEmbedding.item_pk).subquery())
        query = query.outerjoin(embedded, embedded.c.item_pk == S.Item.id)
        order = [embedded.c.at.is_(None), embedded.c.at.desc(), S.Item.id.desc()]
    elif sort == "colour":
        colour_ids = select(S.Attribute.id).where(
            S.Attribute.catalogue_id == catalogue_pk, S.Attribute.kind == CATEGORICAL,
            or_(*(S.Attribute.name.startswith(f"{key}:") for key in COLOUR_KEYS)))
        # the colour attributes first (a few rows), then their holders through the attribute index
        colour = (select(S.ItemAttribute.item_pk, func.min(S.Attribute.name).label("name"))
                  .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
                  .where(S.ItemAttribute.attribute_pk.in_(colour_ids.scalar_subquery()))
                  .group_by(S.ItemAttribute.item_pk).subquery())
        query = query.outerjoin(colour, colour.c.item_pk == S.Item.id)
        order = [colour.c.name.is_(None), colour.c.name, title]
    else:
        order = [title]
    with Session(engine) as session:
        return [int(pk) for pk in session.scalars(query.order_by(*order, S.Item.id).limit(limit))]
