"""Catalogue browsing: the indexed catalogues under ``index_home``, one open at a time, and its
items (plus images added from disk, which live only in this session under negative keys)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from sane_desktop import paths
from sane_desktop.service.values import ALL_CATEGORIES, CatalogueInfo, ItemInfo, OpenedCatalogue, ServiceError


class CatalogueBrowsing:
    """State shared by every part of the service, and the browsing queries."""

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
        self._selection: Any = None  # the fitted attribute selection (explain.pipeline.find_selection)
        self._fast: Any = None  # the fast explainer (keeps the blank image's cells)
        self._searcher: Any = None
        self._images: dict[int, Any] = {}
        self._from_disk: dict[int, Any] = {}  # negative pk -> DiskImage (see outfit_search)
        self._centroids: Any = None

    # --- catalogues ------------------------------------------------------------------------
    def demo_source(self) -> Path:
        """Where the built-in demo catalogue is generated (it is indexed as "demo")."""
        return self.index_home / "demo" / "source"

    def list_catalogues(self) -> list[CatalogueInfo]:
        from sane_desktop.store import open_store
        from sane_desktop.store import schema as S

        found: list[CatalogueInfo] = []
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
                    builtin = Path(row.root).resolve() == self.demo_source().resolve()
                    found.append(CatalogueInfo(row.name, db, int(items), row.format, row.root, int(outfits), builtin))
            finally:
                engine.dispose()
        return found

    def open_catalogue(self, name: str) -> OpenedCatalogue:
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
        return OpenedCatalogue(info, tuple(self.categories()), self.has_outfits())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = self._catalogue_pk = self._root = self.name = None
        self._forget_model()

    def _forget_model(self) -> None:
        """Everything computed with the current model (a new model or catalogue invalidates it)."""
        self._bundle = self._searcher = self._centroids = self._selection = self._fast = None
        self._images.clear()
        self._from_disk.clear()

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
        stored = [pk for pk in pks if pk >= 0]
        by_pk: dict[int, ItemInfo] = {pk: self._from_disk[pk].info for pk in pks if pk in self._from_disk}
        if stored:
            with self._session() as session:
                rows = session.execute(
                    select(S.Item.id, S.Item.item_id, S.Category.name, S.Item.title, S.Item.image_path,
                           S.Item.content_hash)
                    .join(S.Category, S.Category.id == S.Item.category_id)
                    .where(S.Item.id.in_(stored))
                ).all()
                attributes: dict[int, list[str]] = {}
                for item_pk, name in session.execute(
                    select(S.ItemAttribute.item_pk, S.Attribute.name)
                    .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
                    .where(S.ItemAttribute.item_pk.in_(stored))
                ):
                    attributes.setdefault(item_pk, []).append(name)
            root = self._root or Path(".")
            by_pk.update({
                pk: ItemInfo(pk, item_id, category, title or item_id, root / image_path, content_hash or "",
                             tuple(sorted(attributes.get(pk, ()))))
                for pk, item_id, category, title, image_path, content_hash in rows
            })
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
