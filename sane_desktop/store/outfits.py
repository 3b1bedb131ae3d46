"""SQL of saved outfits (issue 18, point 12): a stylist's outfits, by name, per catalogue.

An outfit's items are catalogue items in order (``saved_outfit_items.position``); an item that a
re-import removes takes its row with it (ON DELETE CASCADE), and ``saved_outfits.item_count`` still
says how many were saved, so the caller can tell that some went missing. ``saved_outfit_refs`` keeps
what each position held (the item's id and photo's content hash), and every import links back an item
that returned (:func:`relink_outfits`): a photo moved away and back, or its category folder renamed,
costs an outfit nothing. Rows cross this boundary as frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, delete, func, select
from sqlalchemy.orm import Session

from sane_desktop.errors import InputError, NotFound
from sane_desktop.store import schema as S
from sane_desktop.store.folding import folded
from sane_desktop.paths import written_form

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
    """``name`` as kept (:func:`~sane_desktop.paths.written_form`: "Summer" and "Summer" + a zero-width space are
    one name, trial DQ); InputError when nothing in it shows (a zero-width space: trial DP saved an outfit “”) or
    it is too long."""
    cleaned = written_form(name)
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
             .order_by(folded(S.SavedOutfit.name), S.SavedOutfit.name))
    with Session(engine) as session:
        return [SavedOutfitRow(int(pk), str(name), int(saved), int(present), created, updated)
                for pk, name, saved, present, created, updated in session.execute(query)]


def outfit_pk(engine: Engine, catalogue_pk: int, name: str) -> int | None:
    """The saved outfit called ``name``, None when there is none."""
    with Session(engine) as session:
        found = _named(session, catalogue_pk, clean_name(name))
        return int(found.id) if found is not None else None


def _named(session: Session, catalogue_pk: int, name: str, besides: int | None = None) -> S.SavedOutfit | None:
    """The catalogue's saved outfit called ``name`` (a clean name), or one saved before names were kept so
    whose name is ``name`` written otherwise (another Unicode form, an invisible character at an end: two outfits
    "Café" that looked the same, trial DP); ``besides``: an outfit not to count (the one being renamed)."""
    rows = [row for row in session.scalars(select(S.SavedOutfit).where(S.SavedOutfit.catalogue_id == catalogue_pk))
            if row.id != besides]  # a stylist's outfits: a few hundred at most
    return next((row for row in rows if row.name == name), None) or \
        next((row for row in rows if written_form(row.name) == name), None)


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
        row = _named(session, catalogue_pk, name)
        if row is not None and not overwrite:
            raise OutfitNameTaken(row.name)
        if row is not None and _linked(session, row.id) == pks:
            # saved again as it already is: its references stay, those of items a re-import removed too
            # (trial AF saved an outfit whose removed item was still on screen; its way back was lost); those of
            # the items here take their photos as they are now (a photo replaced since is kept, as the window says)
            _refresh_refs(session, int(row.id))
            return int(row.id)
        if row is None:
            row = S.SavedOutfit(catalogue_id=catalogue_pk, name=name, item_count=len(pks))
            session.add(row)
        else:
            session.execute(delete(S.SavedOutfitItem).where(S.SavedOutfitItem.outfit_pk == row.id))
            row.item_count = len(pks)
            row.updated_at = S.utc_now()
        session.execute(delete(S.SavedOutfitRef).where(S.SavedOutfitRef.outfit_pk == row.id))
        session.flush()
        session.add_all([S.SavedOutfitItem(outfit_pk=row.id, position=position, item_pk=pk)
                         for position, pk in enumerate(pks)])
        refs = {int(pk): (item_id, content_hash) for pk, item_id, content_hash in session.execute(
            select(S.Item.id, S.Item.item_id, S.Item.content_hash).where(S.Item.id.in_(pks)))}
        session.add_all([S.SavedOutfitRef(outfit_pk=row.id, position=position, item_id=refs[pk][0],
                                          content_hash=refs[pk][1] or "") for position, pk in enumerate(pks)])
        return int(row.id)


def _refresh_refs(session: Session, outfit_pk: int) -> None:
    """The references of saved outfit ``outfit_pk``'s linked positions set to their items' ids and photos now."""
    for position, item_id, content_hash in session.execute(
            select(S.SavedOutfitItem.position, S.Item.item_id, S.Item.content_hash)
            .join(S.Item, S.Item.id == S.SavedOutfitItem.item_pk).where(S.SavedOutfitItem.outfit_pk == outfit_pk)):
        ref = session.get(S.SavedOutfitRef, (outfit_pk, int(position)))
        if ref is not None and (ref.item_id, ref.content_hash) != (item_id, content_hash or ""):
            ref.item_id, ref.content_hash = str(item_id), str(content_hash or "")


def _linked(session: Session, outfit_pk: int) -> list[int]:
    """The item keys saved outfit ``outfit_pk`` holds now (in the catalogue), by position."""
    return [int(item) for item in session.scalars(
        select(S.SavedOutfitItem.item_pk).where(S.SavedOutfitItem.outfit_pk == outfit_pk)
        .order_by(S.SavedOutfitItem.position))]


def catalogue_items(engine: Engine, catalogue_pk: int, item_pks: Sequence[int]) -> list[int]:
    """``item_pks`` that are items of the catalogue now, in order, each once (what a save keeps)."""
    with Session(engine) as session:
        return _catalogue_items(session, catalogue_pk, item_pks)


def _row(session: Session, catalogue_pk: int, pk: int) -> S.SavedOutfit:
    row = session.get(S.SavedOutfit, pk)
    if row is None or row.catalogue_id != catalogue_pk:
        raise NotFound(f"saved outfit {pk} is no longer there")
    return row


def outfit_items(engine: Engine, catalogue_pk: int, pk: int) -> tuple[str, int, list[int]]:
    """(name, how many items were saved, the item keys still there in order)."""
    with Session(engine) as session:
        row = _row(session, catalogue_pk, pk)
        return row.name, int(row.item_count), _linked(session, pk)


def missing_item_ids(engine: Engine, catalogue_pk: int, pk: int) -> list[str]:
    """The catalogue ids, by position, of the saved outfit's items no longer in the catalogue, as its
    references recorded them (an outfit saved before revision 0012 has none: fewer ids than missing)."""
    with Session(engine) as session:
        _row(session, catalogue_pk, pk)
        linked = select(S.SavedOutfitItem.position).where(S.SavedOutfitItem.outfit_pk == pk)
        return [str(item_id) for item_id in session.scalars(
            select(S.SavedOutfitRef.item_id).where(S.SavedOutfitRef.outfit_pk == pk,
                                                   S.SavedOutfitRef.position.not_in(linked))
            .order_by(S.SavedOutfitRef.position))]


def replaced_photos(connection: Connection, catalogue_pk: int,
                    outfit_pk: int | None = None) -> dict[int, list[tuple[str, str]]]:
    """Saved outfit key -> (catalogue id, the photo's content hash now), by position, of its items whose photo
    is not the one it was saved with (an item or a save without a hash is not counted): a photo replaced under
    the same name and indexed again (trial CM reopened "Party" to a hat under its boots' title, unsaid). The
    hash tells a second replacement from the first. ``outfit_pk``: that outfit only."""
    refs, links, outfits, items = (S.SavedOutfitRef.__table__, S.SavedOutfitItem.__table__,
                                   S.SavedOutfit.__table__, S.Item.__table__)
    query = (select(refs.c.outfit_pk, items.c.item_id, items.c.content_hash)
             .join(links, and_(links.c.outfit_pk == refs.c.outfit_pk, links.c.position == refs.c.position))
             .join(items, items.c.id == links.c.item_pk)
             .join(outfits, outfits.c.id == refs.c.outfit_pk)
             .where(outfits.c.catalogue_id == catalogue_pk, refs.c.content_hash != "", items.c.content_hash != "",
                    items.c.content_hash.is_not(None), items.c.content_hash != refs.c.content_hash)
             .order_by(refs.c.outfit_pk, refs.c.position))
    if outfit_pk is not None:
        query = query.where(refs.c.outfit_pk == outfit_pk)
    found: dict[int, list[tuple[str, str]]] = {}
    for pk, item_id, content_hash in connection.execute(query):
        found.setdefault(int(pk), []).append((str(item_id), str(content_hash)))
    return found


def replaced_photo_ids(engine: Engine, catalogue_pk: int, pk: int) -> list[str]:
    """:func:`replaced_photos` of saved outfit ``pk`` (NotFound when it is gone)."""
    with engine.connect() as connection:
        with Session(bind=connection) as session:
            _row(session, catalogue_pk, pk)
        return [item_id for item_id, _photo in replaced_photos(connection, catalogue_pk, pk).get(pk, [])]


def rename_outfit(engine: Engine, catalogue_pk: int, pk: int, name: str) -> str:
    """Rename; returns the cleaned name. Raises :class:`OutfitNameTaken` when another has it."""
    name = clean_name(name)
    with Session(engine) as session, session.begin():
        row = _row(session, catalogue_pk, pk)
        if row.name == name:
            return name
        other = _named(session, catalogue_pk, name, besides=pk)
        if other is not None:
            raise OutfitNameTaken(other.name)
        row.name = name
        row.updated_at = S.utc_now()
        return name


def delete_outfit(engine: Engine, catalogue_pk: int, pk: int) -> None:
    """Delete a saved outfit and its items (NotFound when it is gone already)."""
    with Session(engine) as session, session.begin():
        row = _row(session, catalogue_pk, pk)
        session.execute(delete(S.SavedOutfitItem).where(S.SavedOutfitItem.outfit_pk == pk))
        session.execute(delete(S.SavedOutfitRef).where(S.SavedOutfitRef.outfit_pk == pk))
        session.delete(row)


@dataclass(frozen=True)
class OutfitLinks:
    """What an import did to one saved outfit: ``lost`` items fewer than before it, ``back`` items it
    linked again (returned under their id, or their photo under another: a category folder renamed
    is a removal and a return in one import, no loss), ``missing`` of ``saved`` now, ``replaced``: items whose
    photo this import found replaced (another than the one saved)."""

    name: str
    saved: int
    lost: int
    back: int
    missing: int
    replaced: int = 0  # items whose photo this import took to be another than the one saved (:func:`replaced_photos`)

    def as_dict(self) -> dict[str, int | str]:
        return {"name": self.name, "saved": self.saved, "lost": self.lost, "back": self.back, "missing": self.missing,
                "photos_replaced": self.replaced}


def linked_counts(connection: Connection, catalogue_pk: int) -> dict[int, int]:
    """Saved outfit key -> how many of its items are linked (in the catalogue) now."""
    links, outfits = S.SavedOutfitItem.__table__, S.SavedOutfit.__table__
    return {int(pk): int(n) for pk, n in connection.execute(
        select(outfits.c.id, func.count(links.c.position)).outerjoin(links, links.c.outfit_pk == outfits.c.id)
        .where(outfits.c.catalogue_id == catalogue_pk).group_by(outfits.c.id))}


@dataclass(frozen=True)
class BeforeImport:
    """What :func:`relink_outfits` needs of the catalogue as an import found it (:func:`before_import`):
    each saved outfit's linked items, the highest item key (a key above it is an item the import
    added), and which items held each photo the saved outfits hold or held."""

    linked: dict[int, int]
    newest_item: int
    photo_holders: dict[str, set[str]]
    replaced: dict[int, list[tuple[str, str]]] | None = None  # :func:`replaced_photos` before the import


def before_import(connection: Connection, catalogue_pk: int) -> BeforeImport:
    """:class:`BeforeImport` of the catalogue now; small queries: the photos looked up are the saved
    outfits' own, never every item's."""
    items, refs, outfits = S.Item.__table__, S.SavedOutfitRef.__table__, S.SavedOutfit.__table__
    newest = connection.scalar(select(func.coalesce(func.max(items.c.id), 0)).where(items.c.catalogue_id == catalogue_pk))
    saved_photos = (select(refs.c.content_hash).join(outfits, outfits.c.id == refs.c.outfit_pk)
                    .where(outfits.c.catalogue_id == catalogue_pk, refs.c.content_hash != ""))
    holders: dict[str, set[str]] = {}
    for item_id, content_hash in connection.execute(
            select(items.c.item_id, items.c.content_hash)
            .where(items.c.catalogue_id == catalogue_pk, items.c.content_hash.in_(saved_photos))):
        holders.setdefault(str(content_hash), set()).add(str(item_id))
    return BeforeImport(linked_counts(connection, catalogue_pk), int(newest or 0), holders,
                        replaced_photos(connection, catalogue_pk))


def relink_outfits(connection: Connection, catalogue_pk: int, found_before: BeforeImport) -> list[OutfitLinks]:
    """Link back, inside an import's transaction, the saved items that are in the catalogue again: by
    their catalogue id, else by their photo's content hash: an item this import added (a key above
    ``found_before.newest_item``) whose photo no other item held before it (``found_before``,
    :func:`before_import`: the photo back under a new name, or the saved item itself under a renamed
    folder) — never a copy of the
    photo that was in the catalogue already, renamed or not (trials AD and AE: outfits took a top, then
    a renamed folder's copy, for a lost blazer); the first by key when several do; never an item the
    outfit holds already. The new id is recorded. Returns the outfits this import changed (items lost
    or back), by name."""
    refs, links, outfits, items = (S.SavedOutfitRef.__table__, S.SavedOutfitItem.__table__,
                                   S.SavedOutfit.__table__, S.Item.__table__)
    unlinked = connection.execute(
        select(refs.c.outfit_pk, refs.c.position, refs.c.item_id, refs.c.content_hash)
        .join(outfits, outfits.c.id == refs.c.outfit_pk)
        .outerjoin(links, and_(links.c.outfit_pk == refs.c.outfit_pk, links.c.position == refs.c.position))
        .where(outfits.c.catalogue_id == catalogue_pk, links.c.outfit_pk.is_(None),
               refs.c.position < outfits.c.item_count)
        .order_by(refs.c.outfit_pk, refs.c.position)).all()
    back: dict[int, int] = {}
    if unlinked:
        ids = {row.item_id for row in unlinked}
        hashes = {row.content_hash for row in unlinked if row.content_hash}
        by_id = {str(item_id): (int(pk), str(content_hash or "")) for pk, item_id, content_hash in connection.execute(
            select(items.c.id, items.c.item_id, items.c.content_hash)
            .where(items.c.catalogue_id == catalogue_pk, items.c.item_id.in_(ids)))}
        by_photo: dict[str, list[tuple[int, str]]] = {}
        if hashes:
            for pk, item_id, content_hash in connection.execute(
                    select(items.c.id, items.c.item_id, items.c.content_hash)
                    .where(items.c.catalogue_id == catalogue_pk, items.c.content_hash.in_(hashes))
                    .order_by(items.c.id)):
                if int(pk) > found_before.newest_item:  # added by this import
                    by_photo.setdefault(str(content_hash), []).append((int(pk), str(item_id)))
        held: dict[int, set[int]] = {}
        for outfit_pk, item_pk in connection.execute(
                select(links.c.outfit_pk, links.c.item_pk).where(links.c.outfit_pk.in_({r.outfit_pk for r in unlinked}))):
            held.setdefault(int(outfit_pk), set()).add(int(item_pk))
        for row in unlinked:
            outfit = held.setdefault(int(row.outfit_pk), set())
            found = by_id.get(row.item_id)
            if found is not None and found[0] not in outfit:
                # the photo it was saved with stays recorded: back with another, it is said as replaced (trial CO:
                # a bag's photo under the cap's returning name was taken as the cap, for good)
                pk, item_id, content_hash = found[0], row.item_id, row.content_hash or found[1]
            else:
                same = [(pk, item_id) for pk, item_id in by_photo.get(row.content_hash, []) if pk not in outfit]
                # the photo was no other item's before: it is this item's, under a new name
                if not row.content_hash or not same \
                        or not found_before.photo_holders.get(row.content_hash, set()) <= {row.item_id}:
                    continue
                (pk, item_id), content_hash = same[0], row.content_hash
            connection.execute(links.insert().values(outfit_pk=row.outfit_pk, position=row.position, item_pk=pk))
            connection.execute(refs.update().where(refs.c.outfit_pk == row.outfit_pk, refs.c.position == row.position)
                               .values(item_id=item_id, content_hash=content_hash))
            outfit.add(pk)
            back[int(row.outfit_pk)] = back.get(int(row.outfit_pk), 0) + 1
    after = linked_counts(connection, catalogue_pk)
    replaced_now, replaced_before = replaced_photos(connection, catalogue_pk), found_before.replaced or {}
    changed: list[OutfitLinks] = []
    for pk, name, saved in connection.execute(
            select(outfits.c.id, outfits.c.name, outfits.c.item_count).where(outfits.c.catalogue_id == catalogue_pk)
            .order_by(folded(outfits.c.name), outfits.c.name)):
        now, returned = after.get(int(pk), 0), back.get(int(pk), 0)
        # an item removed and linked back under its new id is no loss
        lost = max(found_before.linked.get(int(pk), now) - now, 0)
        # photos this import replaced under the items' names (those replaced before it were said then; one
        # replaced again is another photo again, said again)
        replaced = len(set(replaced_now.get(int(pk), [])) - set(replaced_before.get(int(pk), [])))
        if lost or returned or replaced:
            changed.append(OutfitLinks(str(name), int(saved), lost, returned, max(int(saved) - now, 0), replaced))
    return changed
