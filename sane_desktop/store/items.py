"""SQL of the catalogue and item look-ups that indexing and search need (read only).

Rows cross this boundary as frozen dataclasses, never ORM objects, so they can travel between the
worker thread and the writer thread of the indexer without a session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, inspect, or_, select
from sqlalchemy.orm import Session

from sane_desktop.catalogue.images import KnownImage
from sane_desktop.errors import NotFound
from sane_desktop.store import schema as S

# SQLite's bound-parameter limit was 999 before 3.32; stay under it on every backend
IN_CHUNK = 900


@dataclass(frozen=True)
class CatalogueRef:
    """One catalogue row: primary key, unique name, folder it was imported from, import revision,
    and the random token the row was made with ("" for a row from before revision 0010's migration)."""

    pk: int
    name: str
    root: str
    revision: int
    uid: str = ""


@dataclass(frozen=True)
class ItemImageRow:
    """What indexing needs of one item: ``image_path`` is relative to the catalogue root and
    ``content_hash`` the SHA-256 hex the import recorded ("" when the reader did not hash)."""

    pk: int
    item_id: str
    category: str
    image_path: str
    content_hash: str


@dataclass(frozen=True)
class ItemLabel:
    """The catalogue's own id and the category name of an item primary key."""

    item_id: str
    category: str


def find_catalogue(engine: Engine, name: str | None) -> CatalogueRef:
    """Catalogue ``name``, or the only catalogue of the store when ``name`` is None.

    Raises :class:`~sane_desktop.errors.NotFound` when there is no such catalogue, or when ``name``
    is None and the store holds several (the caller must name one).
    """
    table = S.CatalogueRow
    query = select(table.id, table.name, table.root, table.revision, table.uid)
    if name:
        query = query.where(table.name == name)
    with Session(engine) as session:
        rows = session.execute(query).all()
    if not rows:
        raise NotFound(f"no catalogue named {name!r} in the store" if name else "the store holds no catalogue")
    if len(rows) > 1:
        raise NotFound(f"the store holds several catalogues ({', '.join(r.name for r in rows)}): name one")
    pk, found_name, root, revision, uid = rows[0]
    return CatalogueRef(int(pk), str(found_name), str(root), int(revision), uid or "")


def catalogue_source(engine: Engine, name: str) -> str | None:
    """The folder catalogue ``name`` was imported from, None when the store has no such catalogue."""
    with Session(engine) as session:
        root = session.scalar(select(S.CatalogueRow.root).where(S.CatalogueRow.name == name))
    return None if root is None else str(root)


def catalogue_items(engine: Engine, catalogue_pk: int) -> list[ItemImageRow]:
    """Every item of a catalogue with its category name, in primary-key order."""
    with Session(engine) as session:
        rows = session.execute(
            select(S.Item.id, S.Item.item_id, S.Category.name, S.Item.image_path, S.Item.content_hash)
            .join(S.Category, S.Category.id == S.Item.category_id)
            .where(S.Item.catalogue_id == catalogue_pk).order_by(S.Item.id)
        ).all()
    return [ItemImageRow(int(pk), str(item_id), str(category), str(image_path), str(content_hash or ""))
            for pk, item_id, category, image_path, content_hash in rows]


def known_images(engine: Engine, name: str) -> dict[str, KnownImage]:
    """Image path -> what the last import of catalogue ``name`` recorded of its file (stat and
    facts), for the items it read and hashed; empty for an unknown catalogue. Rows are streamed."""
    query = (select(S.Item.image_path, S.Item.file_size, S.Item.file_mtime_ns, S.Item.width, S.Item.height,
                    S.Item.image_format, S.Item.image_mode, S.Item.content_hash, S.Item.file_ctime_ns)
             .join(S.CatalogueRow, S.CatalogueRow.id == S.Item.catalogue_id)
             .where(S.CatalogueRow.name == name, S.Item.file_size.is_not(None), S.Item.file_mtime_ns.is_not(None),
                    S.Item.content_hash != ""))
    found: dict[str, KnownImage] = {}
    with engine.connect() as connection:
        for path, size, mtime, width, height, image_format, image_mode, content_hash, ctime in connection.execute(query):
            assert size is not None and mtime is not None  # filtered out by the query
            found[str(path)] = KnownImage(int(size), int(mtime), int(width), int(height), str(image_format),
                                          str(image_mode), str(content_hash), None if ctime is None else int(ctime))
    return found


def item_pks(engine: Engine, catalogue_pk: int, item_ids: Sequence[str]) -> dict[str, int]:
    """Catalogue item id -> item primary key, for the ids of ``item_ids`` the catalogue holds."""
    wanted = list(dict.fromkeys(item_ids))
    found: dict[str, int] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), IN_CHUNK):
            found.update((str(item_id), int(pk)) for item_id, pk in session.execute(
                select(S.Item.item_id, S.Item.id).where(S.Item.catalogue_id == catalogue_pk,
                                                        S.Item.item_id.in_(wanted[start : start + IN_CHUNK]))))
    return found


def ids_named(engine: Engine, catalogue_pk: int, name: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` of the catalogue's item ids a person may have meant by ``name``, an id it
    lacks: the ids that end in ``/name`` (a folder catalogue's ``tops/red-shirt`` typed as
    ``red-shirt``, or as ``red-shirt.jpg``: its photo's file name) or that equal it in another case
    (ASCII). Sorted; empty when none does. One scan of the catalogue's ids: only for an error's words."""
    name = name.strip()
    if not name:
        return []
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    ends = [S.Item.item_id.endswith(f"/{form}", autoescape=True) for form in dict.fromkeys((name, stem))]
    with Session(engine) as session:
        return [str(found) for found in session.scalars(
            select(S.Item.item_id).where(S.Item.catalogue_id == catalogue_pk)
            .where(or_(*ends, func.lower(S.Item.item_id) == name.lower(), func.lower(S.Item.item_id) == stem.lower()))
            .order_by(S.Item.item_id).limit(limit))]


def left_out_at_import(engine: Engine, catalogue_pk: int, item_ids: Sequence[str]) -> dict[str, str]:
    """Of ``item_ids`` (ids the catalogue lacks), those its latest import left out as items, with why (its
    first reason): "unknown item" read as a typo of an id the import had named as skipped (trial CU)."""
    if not item_ids:
        return {}
    with Session(engine) as session:
        rows = session.execute(select(S.ImportIssue.item_id, S.ImportIssue.reason)
                               .where(S.ImportIssue.catalogue_id == catalogue_pk, S.ImportIssue.kind == "item",
                                      S.ImportIssue.item_id.in_(list(item_ids)))
                               .order_by(S.ImportIssue.id))
        found: dict[str, str] = {}
        for item_id, reason in rows:
            found.setdefault(str(item_id), str(reason))
        return found


def ids_like(engine: Engine, catalogue_pk: int, name: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` of the catalogue's item ids closest to ``name`` (a typo: difflib's ratio ≥ 0.8),
    best first, equally close ones by id; only ids within 2 characters of its length are compared.
    One read of the catalogue's ids: only for an error's words."""
    import difflib

    name = name.strip()
    if not name:
        return []
    with Session(engine) as session:
        ids = [str(found) for found in session.scalars(
            select(S.Item.item_id).where(S.Item.catalogue_id == catalogue_pk,
                                         func.length(S.Item.item_id).between(len(name) - 2, len(name) + 2)))]
    matcher = difflib.SequenceMatcher(b=name)
    ratios = []
    for item_id in ids:
        matcher.set_seq1(item_id)
        if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and (ratio := matcher.ratio()) >= 0.8:
            ratios.append((-ratio, item_id))
    return [item_id for _ratio, item_id in sorted(ratios)[:limit]]  # equally near: by id, never by luck


def item_labels(engine: Engine, pks: Sequence[int]) -> dict[int, ItemLabel]:
    """Item primary key -> (item id, category name) for the keys of ``pks`` that exist."""
    wanted = list(dict.fromkeys(int(pk) for pk in pks))
    found: dict[int, ItemLabel] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), IN_CHUNK):
            found.update((int(pk), ItemLabel(str(item_id), str(category))) for pk, item_id, category in session.execute(
                select(S.Item.id, S.Item.item_id, S.Category.name)
                .join(S.Category, S.Category.id == S.Item.category_id)
                .where(S.Item.id.in_(wanted[start : start + IN_CHUNK]))))
    return found


def sqlite_holds_a_catalogue(path: Path) -> bool:
    """Whether the SQLite database file ``path`` holds a catalogue row. False for a missing file or
    one without the table; True when it cannot be read (a caller deciding what to delete must keep
    what it cannot check). Opened read-only, without the migrations a store open would run."""
    if not path.is_file():
        return False
    engine = create_engine(f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true")
    try:
        if S.CatalogueRow.__tablename__ not in inspect(engine).get_table_names():
            return False
        with engine.connect() as connection:
            return bool(connection.execute(select(func.count()).select_from(S.CatalogueRow)).scalar())
    except Exception:  # unreadable or locked: keep it
        return True
    finally:
        engine.dispose()
