"""SQLAlchemy 2.0 models of the catalogue store.

Every table that an import writes has a natural key (the catalogue's own ids, protocol/split/number
for questions) so that :mod:`sane_desktop.store.importer` can sync rows in place: importing the same
folder twice gives the same rows, and item primary keys (the FAISS ids) stay stable.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The level written to the ``schema_version`` table, which builds from before Alembic migrations
# check (they refuse a higher one). The schema itself is versioned by the Alembic revisions in
# ``store/migrations``; raise this only with a revision that those builds could not read.
SCHEMA_VERSION = 1


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}

    if TYPE_CHECKING:
        # SQLAlchemy types ``__table__`` as a FromClause (a class may be mapped to any selectable);
        # every class here is mapped to a table, so the sync code gets ``insert``/``delete`` typed.
        __table__: ClassVar[Table]


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class CatalogueRow(Base):
    """One imported catalogue; ``revision`` grows whenever an import changes its rows.

    ``mapping``: the absolute path of the mapping file a manifest catalogue was imported with, when
    the folder would not find it by itself (None: no mapping, or the folder's own
    ``sane-mapping.json``, or one shipped with the app); a re-import given none reads it again.
    ``image_check``: the :data:`~sane_desktop.catalogue.images.IMAGE_CHECK` version the stored
    images passed (None: before versions were recorded); older ones are read again at import.
    ``sources``: {path: [size, mtime_ns]} of the metadata files the last import read
    (:func:`~sane_desktop.catalogue.sources.metadata_sources`; None before revision 0008).
    ``uid``: a random token the row gets when it is made (revision 0010): an index records it, so an
    index is never read against another database's catalogue of the same name and revision."""

    __tablename__ = "catalogues"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    root: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mapping: Mapped[str | None] = mapped_column(Text, nullable=True)
    image_check: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    uid: Mapped[str | None] = mapped_column(String(32), nullable=True, default=lambda: uuid.uuid4().hex)


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("catalogue_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Item(Base):
    """A product. ``id`` is the FAISS id; ``item_id`` the catalogue's own id."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("catalogue_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    fine_category: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    image_path: Mapped[str] = mapped_column(Text)
    group: Mapped[str] = mapped_column("item_group", String(200), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    image_format: Mapped[str] = mapped_column(String(20), default="")
    image_mode: Mapped[str] = mapped_column(String(20), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the item's words for text search: title, description, fine category, id and attribute names,
    # lower-cased, accents folded, each between spaces (" red tee colour red "); written by the
    # importer (see :func:`sane_desktop.store.browse.search_words`)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # (last: the order revision 0004 adds them in) the image file as the import last read it (issue 19, point 5): a re-import skips a file whose
    # (size, mtime) is unchanged without reading it; None until an import has read it (rev. 0004)
    file_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    file_mtime_ns: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # its st_ctime_ns then (rev. 0009): a file replaced keeping its size and modification time (a
    # copy with the time restored) still gets a new ctime, which user space cannot set
    file_ctime_ns: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Attribute(Base):
    """A vocabulary entry: ``colour:red`` (categorical) or ``floral`` (a mined word)."""

    __tablename__ = "attributes"
    __table_args__ = (UniqueConstraint("catalogue_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    item_count: Mapped[int] = mapped_column(Integer, default=0)


class ItemAttribute(Base):
    __tablename__ = "item_attributes"
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    attribute_pk: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Outfit(Base):
    __tablename__ = "outfits"
    __table_args__ = (UniqueConstraint("catalogue_id", "outfit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    outfit_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text, default="")


class OutfitItem(Base):
    __tablename__ = "outfit_items"
    outfit_pk: Mapped[int] = mapped_column(ForeignKey("outfits.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class SplitAssignment(Base):
    """Which split an outfit belongs to under a protocol (nondisjoint, disjoint, generated)."""

    __tablename__ = "splits"
    outfit_pk: Mapped[int] = mapped_column(ForeignKey("outfits.id", ondelete="CASCADE"), primary_key=True)
    protocol: Mapped[str] = mapped_column(String(40), primary_key=True)
    split: Mapped[str] = mapped_column(String(20))


class QuestionKey:
    """Columns every question table shares; (catalogue, protocol, split, number) is the natural key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(40))
    split: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)


class FitbQuestion(QuestionKey, Base):
    __tablename__ = "fitb_questions"
    __table_args__ = (UniqueConstraint("catalogue_id", "protocol", "split", "number"),)
    outfit_id: Mapped[str] = mapped_column(String(200))
    question_item_ids: Mapped[list[str]] = mapped_column(JSON)
    answer_item_ids: Mapped[list[str]] = mapped_column(JSON)
    correct: Mapped[int] = mapped_column(Integer)
    blank_position: Mapped[int] = mapped_column(Integer, default=0)


class CompatibilityQuestion(QuestionKey, Base):
    __tablename__ = "compatibility_questions"
    __table_args__ = (UniqueConstraint("catalogue_id", "protocol", "split", "number"),)
    label: Mapped[int] = mapped_column(Integer)
    item_ids: Mapped[list[str]] = mapped_column(JSON)


class ImportIssue(Base):
    """Something the latest import of a catalogue left out, and why."""

    __tablename__ = "import_issues"
    __table_args__ = (UniqueConstraint("catalogue_id", "kind", "item_id", "path", "reason"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class IndexManifest(Base):
    """What a FAISS index beside the database was built from; a mismatch means rebuild."""

    __tablename__ = "index_manifests"
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    model_hash: Mapped[str] = mapped_column(String(64))
    preprocessing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dimension: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(20))
    index_type: Mapped[str] = mapped_column(String(60))
    vector_count: Mapped[int] = mapped_column(Integer)
    db_revision: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ItemEmbedding(Base):
    """Per item and model: the general embedding E(x), per-cell outputs and attribute scores
    (float32/float16 bytes), with the image content hash they were computed from and a digest
    that ties the cells to that image and model (:func:`sane_desktop.store.embeddings.cells_digest`)."""

    __tablename__ = "item_embeddings"
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    model_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    cells: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # SHA-256 over cells + the item's content hash + model hash (revision 0011): a swapped or damaged
    # blob no longer matches; NULL for rows written before it (their cells are recomputed when read)
    cells_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # SHA-256 over the embedding + the content hash and model hash it was computed for (revision 0011):
    # a vector copied from another row or edited no longer matches (trial AA); NULL for rows from before
    embedding_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attribute_scores: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    norm: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SavedOutfit(Base):
    """An outfit a stylist saved by name (issue 18, point 12): its items are catalogue items, in
    order (images from disk are not saved); SQL in :mod:`sane_desktop.store.outfits`."""

    __tablename__ = "saved_outfits"
    __table_args__ = (UniqueConstraint("catalogue_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # how many items were saved: fewer rows left means a re-import removed some (the UI says so)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SavedOutfitItem(Base):
    """One item of a saved outfit; an item a re-import removes takes its row with it (the outfit
    keeps its other items)."""

    __tablename__ = "saved_outfit_items"
    outfit_pk: Mapped[int] = mapped_column(ForeignKey("saved_outfits.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class SavedOutfitRef(Base):
    """What each position of a saved outfit held when it was saved: the item's catalogue id and the
    content hash of its photo (revision 0012). No foreign key to ``items``: it outlives an item a
    re-import removes, so that the item is linked again when it comes back — under its id, or, its
    photo the same, under another (a category folder renamed): trial AD's outfits lost items for good
    to a photo moved away and back."""

    __tablename__ = "saved_outfit_refs"
    outfit_pk: Mapped[int] = mapped_column(ForeignKey("saved_outfits.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), default="")


class SharedManifest(Base):
    """A pgvector catalogue's index manifest on its server (revision 0005, :mod:`sane_desktop.store.manifests`):
    the ``manifest.json`` text every machine that opens the catalogue by URL reads, its SHA-256, and
    the content hash of the model that built it (a :class:`ModelCheckpoint` row)."""

    __tablename__ = "shared_manifests"
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogues.id", ondelete="CASCADE"), primary_key=True)
    model_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ModelCheckpoint(Base):
    """A checkpoint file's bytes keyed by the content hash it records (a few hundred kB), so that a
    machine without the model file searches and explains a shared catalogue; ``selection``: the
    attribute selection shipped beside it (``<model>.selection.json``), when there was one."""

    __tablename__ = "model_checkpoints"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    selection: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
