"""Read-only queries that browsing and explaining a catalogue need: its row, categories, items
with their attributes, text search, and the per-item model outputs the indexer stored.

All SQL of the application layer lives here (rclip's ``db.py`` is the model): the service passes
ids and plain values in and gets typed rows out; no ORM object leaves this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from sane_desktop.errors import NotFound
from sane_desktop.store.words import FOLDED_LETTERS, letter_runs, sort_key
from sane_desktop.store import schema as S


@dataclass(frozen=True)
class CatalogueRecord:
    """One catalogue's row with its item and outfit counts."""

    pk: int
    name: str
    root: str
    format: str
    revision: int
    items: int
    outfits: int
    sources: dict[str, list[int]] | None = None  # the metadata files as imported (catalogue.sources)
    uid: str = ""  # the token the row was made with (catalogue.uid; "" before revision 0010)


@dataclass(frozen=True)
class ItemRow:
    """One item as browsing shows it; ``image_path`` is relative to the catalogue root."""

    pk: int
    item_id: str
    category: str
    title: str
    image_path: str
    content_hash: str
    attributes: tuple[str, ...]
    fine_category: str = ""  # the catalogue's own product type ("Sandals"), "" where it has none


def catalogue_record(engine: Engine, name: str | None) -> CatalogueRecord:
    """The catalogue called ``name``, else (``name`` None or not found) the store's only/first one.

    Raises :class:`NotFound` when the store holds no catalogue."""
    with Session(engine) as session:
        row = None
        if name is not None:
            row = session.scalars(select(S.CatalogueRow).where(S.CatalogueRow.name == name)).first()
        if row is None:
            row = session.scalars(select(S.CatalogueRow).order_by(S.CatalogueRow.id)).first()
        if row is None:
            raise NotFound(f"the store holds no catalogue{'' if name is None else f' (looked for {name!r})'}")
        items = session.scalar(select(func.count()).where(S.Item.catalogue_id == row.id)) or 0
        outfits = session.scalar(select(func.count()).where(S.Outfit.catalogue_id == row.id)) or 0
        return CatalogueRecord(int(row.id), row.name, row.root, row.format, int(row.revision or 0),
                               int(items), int(outfits), row.sources, row.uid or "")


def catalogue_names(engine: Engine) -> list[str]:
    """The names of the catalogues the store holds, sorted."""
    with Session(engine) as session:
        return sorted(str(name) for name in session.scalars(select(S.CatalogueRow.name)))


def catalogue_stamp(engine: Engine, catalogue_pk: int) -> tuple[int, str] | None:
    """The catalogue's import revision (bumped by every import that changed it) and its row's token
    (``catalogues.uid``: a database made anew, or copied over this one, starts at revision 1 again
    with another token), None when the row is gone: one small query, cheap enough to ask before
    every search."""
    with Session(engine) as session:
        row = session.execute(select(S.CatalogueRow.revision, S.CatalogueRow.uid)
                              .where(S.CatalogueRow.id == catalogue_pk)).first()
    return None if row is None else (int(row.revision), row.uid or "")


def catalogue_sources(engine: Engine, catalogue_pk: int) -> dict[str, list[int]] | None:
    """The metadata files the catalogue's last import read ({path: [size, mtime_ns]}), None when
    it recorded none (an import before revision 0008) or the row is gone. One small query: an
    import that changed no row still records them anew (an edit undone, a file touched)."""
    with Session(engine) as session:
        sources = session.scalar(select(S.CatalogueRow.sources).where(S.CatalogueRow.id == catalogue_pk))
    return sources if isinstance(sources, dict) else None


def has_attributes(engine: Engine, catalogue_pk: int) -> bool:
    """Whether the catalogue has any attribute in its vocabulary (something to train an attribute
    network on, without outfits)."""
    with Session(engine) as session:
        return session.scalar(select(S.Attribute.id).where(S.Attribute.catalogue_id == catalogue_pk).limit(1)) is not None


def category_names(engine: Engine, catalogue_pk: int) -> list[str]:
    """The catalogue's category names, sorted as its lists sort (:func:`~sane_desktop.store.words.sort_key`:
    "İç giyim" among the i's, not after z; trial CQ)."""
    with Session(engine) as session:
        names = list(session.scalars(select(S.Category.name).where(S.Category.catalogue_id == catalogue_pk)))
    return sorted(names, key=lambda name: (sort_key(name), name))



# letters of scripts whose stored "word" may hold the word searched for: written without spaces (Han,
# kana, Thai, Lao, Myanmar, Khmer: "赤いシャツ"), or with particles and articles joined to their words
# (Hangul "빨간셔츠", Arabic "القميص"). A search word of them may sit anywhere inside a stored word
# (trials AC and AE: "シャツ", "셔츠" and "قميص" found nothing, without a word)
_INSIDE_WORDS = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff"
                           "\u1780-\u17ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                           "\uf900-\ufaff\ufb50-\ufdff\ufe70-\ufeff\uff66-\uff9f\U00020000-\U0002fa1f]")


def word_pattern(word: str, last: bool) -> str:
    """The ``LIKE`` pattern of one search word (a :func:`search_tokens` token: letters, marks and
    digits only, so no wildcard) over ``items.search_text``: a whole word, or the start of one when
    it is the ``last`` (being typed); anywhere in a word when it holds letters of a script whose
    stored words may hold it (:data:`_INSIDE_WORDS`)."""
    if _INSIDE_WORDS.search(word):
        return f"%{word}%"
    return f"% {word}%" if last else f"% {word} %"


def search_tokens(text: str) -> list[str]:
    """The words of ``text`` as search compares them: runs of letters, digits and the vowel signs and
    other marks written inside words (an Indic "लाल" is one word, not "ल ल": trial AE's search for it
    found every item with a ल), case folded, accents and such marks as stack on a letter removed
    ("Café-Noir" → ["cafe", "noir"]), "œ"/"æ"/"ø" as "oe"/"ae"/"o". Untrusted text is safe here:
    nothing else survives."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(FOLDED_LETTERS))
    folded = unicodedata.normalize("NFKC", "".join(char for char in decomposed if not unicodedata.combining(char)))
    return letter_runs(folded, digits=True)


def search_words(*texts: str) -> str:
    """What ``items.search_text`` stores: every word of ``texts``, each between spaces (" red tee "),
    so that a word match is a plain ``LIKE`` on both SQLite and PostgreSQL."""
    words = [word for text in texts if text for word in search_tokens(text)]
    return f" {' '.join(words)} " if words else ""


def search_items(engine: Engine, catalogue_pk: int, category: str = "", text: str = "", limit: int = 5000) -> list[int]:
    """Primary keys of the items of ``category`` (all when empty) whose words (title, description,
    fine category, id, attribute names: ``items.search_text``) hold every word of ``text``, in key
    order, at most ``limit``.

    Word-aware: "star" finds "Star print tee", never "Mustard knit". Every word but the last must be
    a whole word; the last may be the start of one, as the user is still typing it ("str" finds
    "striped"). Case and accents do not matter; punctuation separates words."""
    query = _matching(select(S.Item.id), catalogue_pk, category, text)
    with Session(engine) as session:
        return [int(pk) for pk in session.scalars(query.order_by(S.Item.id).limit(limit))]


def count_items(engine: Engine, catalogue_pk: int, category: str = "", text: str = "") -> int:
    """How many items :func:`search_items` would list without a limit (``items``' "10 more of 60")."""
    query = _matching(select(func.count(S.Item.id)), catalogue_pk, category, text)
    with Session(engine) as session:
        return int(session.scalar(query) or 0)


def item_text_words(engine: Engine, pk: int) -> frozenset[str] | None:
    """The words of item ``pk``'s own text as :func:`search_tokens` reads them — title, description, fine
    category, id, attribute names (``items.search_text``) and any extra text columns — or None for an
    unknown key. What its description says it is, to check a word a model names for it against."""
    with Session(engine) as session:
        row = session.execute(select(S.Item.search_text, S.Item.extra).where(S.Item.id == pk)).first()
    if row is None:
        return None
    search_text, extra = row
    words = set((search_text or "").split())
    for value in (extra or {}).values() if isinstance(extra, dict) else ():
        if isinstance(value, str):
            words.update(search_tokens(value))
    return frozenset(words)


def items_with_content(engine: Engine, catalogue_pk: int, content_hash: str) -> list[int]:
    """Primary keys of the catalogue's items whose photo has ``content_hash`` (SHA-256 hex of its bytes),
    in key order: a photo from disk that *is* one of the catalogue's."""
    if not content_hash:
        return []
    with Session(engine) as session:
        return [int(pk) for pk in session.scalars(
            select(S.Item.id).where(S.Item.catalogue_id == catalogue_pk, S.Item.content_hash == content_hash)
            .order_by(S.Item.id))]


def category_photos(engine: Engine, catalogue_name: str, categories: Sequence[str] | None = None) -> dict[str, frozenset[str]]:
    """Category name -> the content hashes of its items' photos, for ``categories`` of the catalogue named
    ``catalogue_name`` (None: every category holding an item): what a re-import that renamed a category folder
    can be recognised by (retrieval.indexing.carry)."""
    query = (select(S.Category.name, S.Item.content_hash).join(S.Item, S.Item.category_id == S.Category.id)
             .join(S.CatalogueRow, S.CatalogueRow.id == S.Category.catalogue_id)
             .where(S.CatalogueRow.name == catalogue_name))
    if categories is not None:
        query = query.where(S.Category.name.in_(list(categories)))
    found: dict[str, set[str]] = {}
    with Session(engine) as session:
        for category, content_hash in session.execute(query):
            found.setdefault(str(category), set()).add(str(content_hash or ""))
    return {category: frozenset(hashes - {""}) for category, hashes in found.items()}


@dataclass(frozen=True)
class FileRow:
    """What an import recorded of an item's photo file: its path (relative to the catalogue's root), content
    hash and stat (size in bytes, mtime and ctime in ns; None before an import recorded them)."""

    pk: int
    item_id: str
    image_path: str
    content_hash: str
    file_size: int | None
    file_mtime_ns: int | None
    file_ctime_ns: int | None = None  # st_ctime_ns (None before an import recorded it)


def item_files(engine: Engine, catalogue_pk: int, categories: Sequence[str] | None = None) -> list[FileRow]:
    """:class:`FileRow` of every item of ``categories`` (None: of the whole catalogue), in key order."""
    query = (select(S.Item.id, S.Item.item_id, S.Item.image_path, S.Item.content_hash, S.Item.file_size,
                    S.Item.file_mtime_ns, S.Item.file_ctime_ns)
             .where(S.Item.catalogue_id == catalogue_pk).order_by(S.Item.id))
    if categories is not None:
        query = query.join(S.Category, S.Category.id == S.Item.category_id).where(S.Category.name.in_(list(categories)))
    with Session(engine) as session:
        return [FileRow(int(pk), str(item_id), str(path), str(digest or ""), size, mtime, ctime)
                for pk, item_id, path, digest, size, mtime, ctime in session.execute(query)]


def _matching(query: Select[Any], catalogue_pk: int, category: str, text: str) -> Select[Any]:
    """``query`` over the items kept by a search: one catalogue, ``category`` (all when empty), every word."""
    query = (query.select_from(S.Item).join(S.Category, S.Category.id == S.Item.category_id)
             .where(S.Item.catalogue_id == catalogue_pk))
    if category:
        query = query.where(S.Category.name == category)
    words = search_tokens(text)
    for position, word in enumerate(words):
        # only letters and digits: no LIKE wildcard or escape can come from the user's text
        query = query.where(S.Item.search_text.like(word_pattern(word, position == len(words) - 1)))
    return query


def item_rows(engine: Engine, pks: Sequence[int]) -> dict[int, ItemRow]:
    """Items by primary key with their attribute names (sorted); unknown keys are left out."""
    if not pks:
        return {}
    with Session(engine) as session:
        rows = session.execute(
            select(S.Item.id, S.Item.item_id, S.Category.name, S.Item.title, S.Item.image_path, S.Item.content_hash,
                   S.Item.fine_category)
            .join(S.Category, S.Category.id == S.Item.category_id)
            .where(S.Item.id.in_(list(pks)))).all()
        attributes: dict[int, list[str]] = {}
        for item_pk, name in session.execute(
                select(S.ItemAttribute.item_pk, S.Attribute.name)
                .join(S.Attribute, S.Attribute.id == S.ItemAttribute.attribute_pk)
                .where(S.ItemAttribute.item_pk.in_(list(pks)))):
            attributes.setdefault(int(item_pk), []).append(name)
    return {
        int(pk): ItemRow(int(pk), item_id, category, title or item_id, image_path, content_hash or "",
                         tuple(sorted(attributes.get(int(pk), ()))), fine_category or "")
        for pk, item_id, category, title, image_path, content_hash, fine_category in rows
    }


def item_text(engine: Engine, pk: int) -> tuple[str, str] | None:
    """Item ``pk``'s (fine category, description) as imported ("" where the catalogue has none);
    None for an unknown key."""
    with Session(engine) as session:
        row = session.execute(select(S.Item.fine_category, S.Item.description).where(S.Item.id == pk)).first()
    return None if row is None else (str(row.fine_category or ""), str(row.description or ""))


def stored_cells(engine: Engine, model_hash: str, pks: Sequence[int]) -> tuple[dict[int, bytes], list[int]]:
    """The indexer's per-cell outputs (float16 bytes, K × D) of ``model_hash`` for the given items
    whose digest (:func:`~sane_desktop.store.embeddings.cells_digest`) matches the *item row's*
    photo hash, and the pks whose stored cells do not verify: swapped between rows, damaged, written
    for another photo, or from before the digest (NULL). Those must be computed again, never drawn."""
    from sane_desktop.store.embeddings import cells_digest

    if not pks:
        return {}, []
    good: dict[int, bytes] = {}
    rejected: list[int] = []
    emb = S.ItemEmbedding
    with Session(engine) as session:
        for pk, blob, digest, embedded_hash, item_hash in session.execute(
                select(emb.item_pk, emb.cells, emb.cells_sha256, emb.content_hash, S.Item.content_hash)
                .join(S.Item, S.Item.id == emb.item_pk)
                .where(emb.model_hash == model_hash, emb.item_pk.in_(list(pks)))):
            if not blob:
                continue  # none stored (--cells on-demand): computed when asked, as before
            # the item's own hash when the import recorded one: a row moved to another item fails
            photo = str(item_hash or embedded_hash or "")
            if digest and cells_digest(bytes(blob), photo, model_hash) == digest:
                good[int(pk)] = bytes(blob)
            else:
                rejected.append(int(pk))
    return good, rejected


def category_embeddings(engine: Engine, catalogue_pk: int, model_hash: str) -> Iterator[tuple[str, bytes]]:
    """(category name, float32 embedding bytes) of every item embedded with ``model_hash``."""
    with Session(engine) as session:
        yield from ((str(name), blob) for name, blob in session.execute(
            select(S.Category.name, S.ItemEmbedding.embedding)
            .join(S.Item, S.Item.category_id == S.Category.id)
            .join(S.ItemEmbedding, S.ItemEmbedding.item_pk == S.Item.id)
            .where(S.Item.catalogue_id == catalogue_pk, S.ItemEmbedding.model_hash == model_hash)))
