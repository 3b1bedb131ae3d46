"""SQL of saved outfits (issue 18, point 12): a stylist's outfits, by name, per catalogue.

An outfit's items are catalogue items in order (``saved_outfit_items.position``); an item that a
re-import removes takes its row with it (ON DELETE CASCADE), and ``saved_outfits.item_count`` still
says how many were saved, so the caller can tell that some went missing. Rows cross this boundary
as frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from sane_desktop.errors import InputError, NotFound
from sane_desktop.store import schema as S

NAME_LENGTH = 200  # saved_outfits.name is a String(200)


class OutfitNameTaken(InputError):
    """Another saved outfit of the catalogue already has that name (save again with overwrite)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"an outfit called {name!r} is already saved")
        self.name = name


@dataclass(frozen=True)
class SavedOutfitRow:
    pk: int
    name: str
    saved_items: int  # how many items were saved
    items: int  # how many of them are still in the catalogue
    created_at: datetime
    updated_at: datetime


def clean_name(name: str) -> str:
    """``name`` stripped; InputError when empty or too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError("give the outfit a name")
    if len(cleaned) > NAME_LENGTH:
        raise InputError(f"an outfit name has at most {NAME_LENGTH} characters")
    return cleaned


def list_outfits(engine: Engine, catalogue_pk: int) -> list[SavedOutfitRow]:
    """The catalogue's saved outfits by name."""
    counts = (select(S.SavedOutfitItem.outfit_pk, func.count().label("n"))
              .group_by(S.SavedOutfitItem.outfit_pk).subquery())
    query = (select(S.SavedOutfit.id, S.SavedOutfit.name, S.SavedOutfit.item_count, func.coalesce(counts.c.n, 0),
                    S.SavedOutfit.created_at, S.SavedOutfit.updated_at)
             .outerjoin(counts, counts.c.outfit_pk == S.SavedOutfit.id)
             .where(S.SavedOutfit.catalogue_id == catalogue_pk)
             .order_by(func.lower(S.SavedOutfit.name), S.SavedOutfit.name))
    with Session(engine) as session:
        return [SavedOutfitRow(int(pk), str(name), int(saved), int(present), created, updated)
                for pk, name, saved, present, created, updated in session.execute(query)]


def outfit_pk(engine: Engine, catalogue_pk: int, name: str) -> int | None:
    """The saved outfit called ``name``, None when there is none."""
    with Session(engine) as session:
        found = session.scalar(select(S.SavedOutfit.id).where(S.SavedOutfit.catalogue_id == catalogue_pk,
                                                              S.SavedOutfit.name == clean_name(name)))
        return int(found) if found is not None else None


def _catalogue_items(session: Session, catalogue_pk: int, item_pks: Sequence[int]) -> list[int]:
    """``item_pks`` that are items of the catalogue, in order, each once."""
    wanted = list(dict.fromkeys(pk for pk in item_pks if pk >= 0))
    if not wanted:
        return []
    found = set(session.scalars(select(S.Item.id).where(S.Item.catalogue_id == catalogue_pk,
                                                        S.Item.id.in_(wanted))))
    return [pk for pk in wanted if pk in found]


def save_outfit(engine: Engine, catalogue_pk: int, name: str, item_pks: Sequence[int], *,
                overwrite: bool = False) -> int:
    """Save ``item_pks`` (catalogue items; others are left out) as ``name``; returns its key.

    Raises :class:`OutfitNameTaken` when that name is saved already and ``overwrite`` is false;
    with ``overwrite`` the saved outfit's items are replaced (it keeps its creation time)."""
    name = clean_name(name)
    with Session(engine) as session, session.begin():
        pks = _catalogue_items(session, catalogue_pk, item_pks)
        if not pks:
            raise InputError("the outfit has no catalogue items to save (images from disk are not saved)")
        row = session.scalar(select(S.SavedOutfit).where(S.SavedOutfit.catalogue_id == catalogue_pk,
                                                         S.SavedOutfit.name == name))
        if row is not None and not overwrite:
            raise OutfitNameTaken(name)
        if row is None:
            row = S.SavedOutfit(catalogue_id=catalogue_pk, name=name, item_count=len(pks))
            session.add(row)
        else:
            session.execute(delete(S.SavedOutfitItem).where(S.SavedOutfitItem.outfit_pk == row.id))
            row.item_count = len(pks)
            row.updated_at = S.utc_now()
        session.flush()
        session.add_all([S.SavedOutfitItem(outfit_pk=row.id, position=position, item_pk=pk)
                         for position, pk in enumerate(pks)])
        return int(row.id)


def _row(session: Session, catalogue_pk: int, pk: int) -> S.SavedOutfit:
    row = session.get(S.SavedOutfit, pk)
    if row is None or row.catalogue_id != catalogue_pk:
        raise NotFound(f"saved outfit {pk} is no longer there")
    return row


def outfit_items(engine: Engine, catalogue_pk: int, pk: int) -> tuple[str, int, list[int]]:
    """(name, how many items were saved, the item keys still there in order)."""
    with Session(engine) as session:
        row = _row(session, catalogue_pk, pk)
        items = [int(item) for item in session.scalars(
            select(S.SavedOutfitItem.item_pk).where(S.SavedOutfitItem.outfit_pk == pk)
            .order_by(S.SavedOutfitItem.position))]
        return row.name, int(row.item_count), items


def rename_outfit(engine: Engine, catalogue_pk: int, pk: int, name: str) -> str:
    """Rename; returns the cleaned name. Raises :class:`OutfitNameTaken` when another has it."""
    name = clean_name(name)
    with Session(engine) as session, session.begin():
        row = _row(session, catalogue_pk, pk)
        if row.name == name:
            return name
        other = session.scalar(select(S.SavedOutfit.id).where(S.SavedOutfit.catalogue_id == catalogue_pk,
                                                              S.SavedOutfit.name == name))
        if other is not None:
            raise OutfitNameTaken(name)
        row.name = name
        row.updated_at = S.utc_now()
        return name


def delete_outfit(engine: Engine, catalogue_pk: int, pk: int) -> None:
    """Delete a saved outfit and its items (NotFound when it is gone already)."""
    with Session(engine) as session, session.begin():
        row = _row(session, catalogue_pk, pk)
        session.execute(delete(S.SavedOutfitItem).where(S.SavedOutfitItem.outfit_pk == pk))
        session.delete(row)
