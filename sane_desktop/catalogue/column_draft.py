"""A first draft of a folder's ``sane-mapping.json`` from its product table: which column is the id, the photo, the
category, the title, the colour…, guessed from the columns' names and values, each choice with its reason.

A merchandiser's folder of photos with a ``products.csv`` of their own (their category names, titles, colours) is
read as a plain folder tree until a mapping names its columns, and the mapping format is JSON written by hand.
The draft is what a person would write first: a column whose values name the folder's photo files (or, put in a
folder and given an extension, do: an ``image_template``); a column of unique values named like an id; the
columns named like a category, a title, a description, a colour, a pattern, a fabric in English, German, Spanish,
French, Italian, Dutch or Swedish; and a second table whose rows pair an outfit with the first table's ids. A
choice is only ever proposed, with the figures behind it, never taken silently: the person (or ``--category
COLUMN``) corrects it, and :func:`~sane_desktop.catalogue.manifest.parse_mapping` checks the result.

The format it drafts is ``sane_desktop/resources/mappings/README.md``'s.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES, MAPPING_FILE_NAME, CatalogueError
from sane_desktop.catalogue.folder import SPREADSHEET_SUFFIXES
from sane_desktop.catalogue.manifest import MAPPING_FORMAT, Row, legacy_encoding, parse_mapping, read_table
from sane_desktop.catalogue.types import WESTERN_WINDOWS, first_words_in

__all__ = ["ColumnChoice", "ColumnDraft", "TABLE_SUFFIXES", "draft_columns", "items_table", "tables_in"]

TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".jsonl", ".ndjson"})
SAMPLE_ROWS = 400  # rows whose values are looked at (the first ones): enough to tell a photo column
PHOTO_SHARE = 0.25  # a column is the photo's when at least this share of its sampled values name a photo
MOST_PHOTOS = 0.9  # under this share, rows without a photo are counted, not listed one by one
MAX_PHOTOS = 500_000  # photos looked at to tell the layout
MAX_CATEGORIES = 200  # a "category" column with more distinct values is no category
MAX_ATTRIBUTE_VALUES = 300
TITLE_VARIETY = 0.3  # a title column's distinct values, at least this share of its filled ones

# words a column's name is matched against (its letters only, lower case, accents off), best first
ID_WORDS = ("id", "sku", "articleid", "articlenumber", "artikelnummer", "artikelnr", "itemid", "productid",
            "reference", "referencia", "ref", "code", "codigo", "cod", "article", "artikel", "articulo", "nummer",
            "number", "nr", "no")
CATEGORY_WORDS = ("category", "categoria", "categorie", "kategorie", "kategori", "categ", "producttype", "product_type",
                  "type", "tipo", "typ", "productgroup", "group", "gruppe", "grupo", "family", "familia", "famille",
                  "department", "class", "warengruppe", "rubro", "soort")
TITLE_WORDS = ("title", "titel", "titulo", "titre", "titolo", "productname", "prodname", "name", "nombre", "nom",
               "nome", "naam", "namn", "bezeichnung", "benamning", "libelle", "designation", "denominacion",
               "intitule")
DESCRIPTION_WORDS = ("description", "descripcion", "beschreibung", "descrizione", "beschrijving", "beskrivning",
                     "details", "desc")
ATTRIBUTE_WORDS = {
    "colour": ("colour", "color", "farbe", "couleur", "colore", "kleur", "farg"),
    "pattern": ("pattern", "muster", "motif", "print", "estampado", "patron", "motivo", "dessin", "monster"),
    "fabric": ("fabric", "material", "stoff", "tejido", "tissu", "tessuto", "stof", "materiaal", "tyg"),
}
PHOTO_WORDS = ("image", "imagen", "photo", "foto", "picture", "bild", "file", "filename", "path", "img")
OUTFIT_WORDS = ("outfit", "outfits", "look", "looks", "set", "sets", "conjunto", "conjuntos", "tenue", "tenues",
                "kombination", "kombinationen", "styling")
MAX_OUTFIT_ITEMS = 20  # items an outfit holds at most, on average


@dataclass(frozen=True)
class ColumnChoice:
    """One key of the draft: ``key`` as the mapping names it (``id``, ``image_template``, ``attributes.colour``,
    ``outfits``), ``column`` (a column name, or a template), and ``why``, in words, with its figures."""

    key: str
    column: str
    why: str


@dataclass
class ColumnDraft:
    """A drafted mapping of ``table`` (relative to the folder): ``document`` is the ``sane-mapping.json`` to write
    (complete when ``missing`` is empty), ``choices`` what each key was taken from and why, ``columns`` the table's
    columns in order, ``rows`` its row count, ``missing`` the required keys no column was found for, ``notes`` what
    the person should know (a column that names the photos but cannot be used as it is named)."""

    table: str
    columns: list[str]
    rows: int
    document: dict[str, Any]
    choices: list[ColumnChoice] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def _letters(name: str) -> str:
    """Text as matched: lower case, accents and everything but letters and digits off."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in folded if char.isalnum() and not unicodedata.combining(char))


def _tokens(name: str) -> list[str]:
    """A column's name cut into its words: at anything not a letter or digit and where camelCase turns."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return [token for part in re.split(r"[^0-9A-Za-z\u00C0-\uFFFF]+", spaced) if (token := _letters(part))]


def _word_rank(name: str, words: tuple[str, ...]) -> int | None:
    """How well the column's name says one of ``words`` (lower is better; None: it says none): the whole name is
    the word, or one of its words is, or (a word of five letters or more) one of its words starts or ends with
    it; the earlier word in ``words`` first. "des_color_specification_esp" is no "desc"."""
    letters, tokens = _letters(name), _tokens(name)
    for rank, word in enumerate(words):
        word = _letters(word)
        if letters == word:
            return 3 * rank
        if word in tokens:
            return 3 * rank + 1
        if len(word) >= 5 and any(token.startswith(word) or token.endswith(word) for token in tokens):
            return 3 * rank + 2
    return None


def tables_in(root: Path, folder: str = "") -> list[str]:
    """The tables (``.csv``, ``.tsv``, ``.json``, ``.jsonl``) in ``folder`` of the catalogue (its top by default),
    relative to ``root``, by name; hidden files and a mapping file aside."""
    prefix = f"{folder}/" if folder else ""
    try:
        names = sorted(entry.name for entry in os.scandir(root / folder)
                       if entry.is_file() and not entry.name.startswith("."))
    except OSError as error:
        raise CatalogueError(f"{root / folder}: cannot read the folder ({error.strerror or error})") from None
    return [f"{prefix}{name}" for name in names
            if Path(name).suffix.lower() in TABLE_SUFFIXES and name != MAPPING_FILE_NAME]  # (the mapping is no table)


@dataclass
class _Photos:
    """The folder's photos (by suffix; hidden files and folders aside), looked up by file name and by stem:
    name -> the folders (relative, "" for the top) holding one, stem -> (folder, suffix) pairs."""

    by_name: dict[str, list[str]] = field(default_factory=dict)
    by_stem: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _photos(root: Path) -> _Photos:
    """:class:`_Photos` of ``root``, at most :data:`MAX_PHOTOS` of them (enough to tell a layout)."""
    found, count = _Photos(), 0
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        relative = Path(directory).relative_to(root).as_posix()
        folder = "" if relative == "." else relative
        for name in files:
            suffix = Path(name).suffix
            if suffix.lower() in IMAGE_SUFFIXES and not name.startswith("."):
                found.by_name.setdefault(name, []).append(folder)
                found.by_stem.setdefault(Path(name).stem, []).append((folder, suffix))
                count += 1
        if count >= MAX_PHOTOS:
            break
    return found


def _template_field(column: str) -> bool:
    """Whether ``column`` can stand in an ``image_template`` field (a plain name: no braces, dots, brackets,
    colons or exclamation marks, no spaces at its ends)."""
    return bool(column) and column == column.strip() and not set(column) & set("{}[].:!")


def _photo_choice(root: Path, columns: list[str], sample: list[Row],
                  notes: list[str]) -> tuple[ColumnChoice | None, float]:
    """The column whose values name the folder's photos: as paths (``image``), or as file names, or stems given one
    extension, inside one folder, or inside folders named by the value's first characters (H&M's
    ``images/011/0111586001.jpg``) (``image_template``), whichever names the most; None when none names
    :data:`PHOTO_SHARE` of the sampled rows. A column named like a photo wins a tie. A column that would name them
    through a template but cannot stand in one is said in ``notes``. Also the share of sampled rows it names."""
    photos = _photos(root)
    best: tuple[float, int, ColumnChoice] | None = None
    for column in columns:
        values = [value for row in sample if (value := row.get(column, "").strip())]
        if not values:
            continue
        hits: Counter[tuple[str, ...]] = Counter()
        for value in values:
            for folder in set(photos.by_name.get(value, ())):
                hits["name", folder] += 1
            for folder, suffix in set(photos.by_stem.get(value, ())):
                hits["stem", folder, suffix] += 1
                parent, _, last = folder.rpartition("/")
                if last and value.startswith(last) and len(last) < len(value):  # a folder of the value's start
                    hits["shard", parent, str(len(last)), suffix] += 1
        candidates = [(sum(1 for value in values if _is_photo(root, value)), ColumnChoice(
            "image", column, "{hits} of {count} sampled values name a photo file in the folder"))]
        for key, count in hits.items():
            where = f"in {key[1]}/" if key[1] else "at the top of the folder"
            prefix = f"{key[1]}/" if key[1] else ""
            if key[0] == "name":
                template, how = f"{prefix}{{{column}}}", ""
            elif key[0] == "stem":
                template, how = f"{prefix}{{{column}}}{key[2]}", f", with {key[2]},"
            else:
                template = f"{prefix}{{{column}:.{key[2]}}}/{{{column}}}{key[3]}"
                how, where = f", with {key[3]},", f"in {prefix}<its first {key[2]} characters>/"
            candidates.append((count, ColumnChoice("image_template", template,
                                                   f"{{hits}} of {{count}} sampled values{how} name a photo {where}")))
        preferred = 0 if _word_rank(column, PHOTO_WORDS) is not None else 1
        for count, choice in candidates:
            share = count / len(values)
            if share >= PHOTO_SHARE and (best is None or (share, -preferred) > (best[0], -best[1])):
                why = choice.why.replace("{hits}", str(count), 1).replace("{count}", str(len(values)), 1)
                best = (share, preferred, ColumnChoice(choice.key, choice.column, why))
    if best is not None and best[2].key == "image_template" and not _template_field(_template_column(best[2].column)):
        column = _template_column(best[2].column)
        notes.append(f"{column!r} names the photos ({best[2].why}), but a template cannot name a column with "
                     "braces, dots, brackets, colons or exclamation marks in its name: rename the column (or add a "
                     "column holding each photo's path) and draft again")
        return None, 0.0
    if best is not None and best[0] < MOST_PHOTOS:  # a table of more products than photos (H&M's export)
        notes.append(f"only {round(100 * best[0])} % of the sampled rows have their photo in the folder: the others "
                     "are left out and counted in one line (missing_images: count)")
    return (best[2], best[0]) if best is not None else (None, 0.0)


def _template_column(template: str) -> str:
    """The column an ``image_template`` of the draft names."""
    return template[template.index("{") + 1:template.index("}")].split(":", 1)[0]


def _is_photo(root: Path, value: str) -> bool:
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or path.suffix.lower() not in IMAGE_SUFFIXES:
        return False
    try:
        return (root / path).is_file()
    except OSError:
        return False


def _distinct(rows: list[Row], column: str) -> tuple[int, int]:
    """(distinct non-empty values, non-empty values) of ``column``."""
    values = [row.get(column, "").strip() for row in rows]
    values = [value for value in values if value]
    return len(set(values)), len(values)


def _by_words(columns: list[str], words: tuple[str, ...], taken: set[str]) -> list[str]:
    ranked = [(rank, order, column) for order, column in enumerate(columns)
              if column not in taken and (rank := _word_rank(column, words)) is not None]
    return [column for _rank, _order, column in sorted(ranked)]


NUMBER = re.compile(r"[\d\s.,:/+-]+")


def _words_of(rows: list[Row], columns: list[str]) -> list[str]:
    """``columns`` whose sampled values are words, not numbers (H&M's ``product_type_no`` beside its
    ``product_type_name``), those named as a code last (MANGO's ``cod_color_code``, "02" and "TO")."""
    def coded(column: str) -> bool:
        values = [value for row in rows[:SAMPLE_ROWS] if (value := row.get(column, "").strip())]
        return bool(values) and sum(1 for value in values if NUMBER.fullmatch(value)) >= 0.9 * len(values)

    words = [column for column in columns if not coded(column)]
    return sorted(words, key=lambda column: bool(CODE_WORDS & set(_tokens(column))))  # named as a code: last


CODE_WORDS = frozenset({"code", "cod", "id", "no", "nr", "num", "number", "nummer", "key"})


def _id_choice(columns: list[str], rows: list[Row], photo: ColumnChoice | None, taken: set[str],
               notes: list[str]) -> ColumnChoice | None:
    """A column of unique values: one named like an id first, else the photo's column, else the first such. One
    named like an id that repeats a value, or leaves a row without one, is said in ``notes`` (trial EI's repeated
    article number changed the draft's id, and lost its outfits, without a word)."""
    def unique(column: str) -> bool:
        distinct, filled = _distinct(rows, column)
        return filled == len(rows) and distinct == filled

    photo_column = None if photo is None else (photo.column if photo.key == "image" else
                                                _template_column(photo.column))
    for number, column in enumerate(_by_words(columns, ID_WORDS, taken)):
        if unique(column):
            return ColumnChoice("id", column, f"named like an id, and its {len(rows)} values are all different")
        if number == 0:  # the likeliest id: why it is not taken
            counts = Counter(row.get(column, "").strip() for row in rows)
            repeated = sorted(value for value, count in counts.items() if value and count > 1)[:3]
            why = (f"repeats {', '.join(repr(value) for value in repeated)}" if repeated
                   else "leaves rows without one")
            notes.append(f"{column!r} is named like an id but {why}: each row needs an id of its own (another "
                         "column is taken if one has them)")
    if photo_column and unique(photo_column):
        return ColumnChoice("id", photo_column, f"the photo's column, whose {len(rows)} values are all different")
    for column in columns:
        if column not in taken and unique(column):
            return ColumnChoice("id", column, f"the first column whose {len(rows)} values are all different")
    return None


def encoding_note(table: str, rows: list[Row]) -> str:
    """The draft's note on a table read as Excel's Western CSV: the words that reading gives, to check."""
    words = first_words_in(" ".join(" ".join(row.values()) for row in rows[:SAMPLE_ROWS]), 4)
    shown = f" (it gives {', '.join(words)})" if words else ""
    return (f"{table} is not UTF-8: drafted as Excel's Western \"CSV (Comma delimited)\", encoding "
            f"\"{WESTERN_WINDOWS}\"{shown}; if those words read wrong, save it as CSV UTF-8 and draft again")


def draft_columns(root: Path, table: str | None = None, given: MappingType[str, str] | None = None) -> ColumnDraft:
    """Draft the mapping of ``table`` (relative to ``root``; the folder's one table when None) from its columns'
    names and values; ``given``: keys the person chose (``id``, ``image``, ``image_template``, ``category``,
    ``title``, ``outfits``: a table), taken as they are (``title`` or ``outfits`` "": none).

    Raises:
        CatalogueError: no table, several and none named, an unreadable table, or a given column it lacks.
    """
    root = Path(root)
    given = dict(given or {})
    if table is None:
        tables = tables_in(root)
        if not tables:
            sheets = sorted(entry.name for entry in root.iterdir()
                            if entry.suffix.lower() in SPREADSHEET_SUFFIXES and not entry.name.startswith("."))
            if sheets:  # (trial EI read "no table" of a folder holding produkte.xlsx)
                raise CatalogueError(f"{root}: {sheets[0]} is a spreadsheet, which is not read: save it as CSV (UTF-8) "
                                     "in the folder, then draft again")
            raise CatalogueError(f"{root}: no table (.csv, .tsv, .json or .jsonl) at the top of the folder to draft a "
                                 "mapping from")
        table = items_table(root, tables)
    # Excel's Western CSV is drafted in its encoding, the words it gives said for the person to check (trial EV)
    encoding = legacy_encoding(root, table)
    rows = read_table(root, table, {}, encoding)
    columns = _columns(rows)
    if not rows:  # nothing to guess from (trial EI: "0 rows; columns: ", then "name it: --id COLUMN")
        raise CatalogueError(f"{table}: no rows: nothing to draft a mapping from")
    for key, column in given.items():
        if key not in ("image_template", "outfits") and column and column not in columns:
            raise CatalogueError(f"{table}: no column {column!r} (for {key}); its columns: "
                                 + ", ".join(repr(c) for c in columns[:12]) + (", …" if len(columns) > 12 else ""))
    sample = rows[:SAMPLE_ROWS]
    choices: list[ColumnChoice] = []
    notes: list[str] = [encoding_note(table, rows)] if encoding else []
    taken: set[str] = set()

    def take(choice: ColumnChoice | None) -> None:
        if choice is not None:
            choices.append(choice)
            if choice.key != "image_template":
                taken.add(choice.column)

    photo: ColumnChoice | None
    if "image" in given or "image_template" in given:
        key = "image" if "image" in given else "image_template"
        photo, share = ColumnChoice(key, given[key], "as given"), 1.0
    else:
        photo, share = _photo_choice(root, columns, sample, notes)
    take(photo)
    take(ColumnChoice("id", given["id"], "as given") if "id" in given
         else _id_choice(columns, rows, photo, taken, notes))
    if "category" in given:
        take(ColumnChoice("category", given["category"], "as given"))
    else:
        for column in _words_of(rows, _by_words(columns, CATEGORY_WORDS, taken)):
            distinct, filled = _distinct(rows, column)
            if 2 <= distinct <= min(MAX_CATEGORIES, max(2, filled // 2)):
                take(ColumnChoice("category", column, f"named like a category, {distinct} different values"))
                break
    if "title" in given:  # "" : no title column (the person's choice)
        if given["title"]:
            take(ColumnChoice("title", given["title"], "as given"))
    else:
        for column in _words_of(rows, _by_words(columns, TITLE_WORDS, taken)):
            distinct, filled = _distinct(rows, column)
            if filled and distinct >= TITLE_VARIETY * filled:  # a title tells items apart ("colour_group_name" does not)
                take(ColumnChoice("title", column, f"named like a title, {distinct} different values"))
                break
    for column in _by_words(columns, DESCRIPTION_WORDS, taken)[:1]:
        take(ColumnChoice("description", column, "named like a description"))
    for namespace, words in ATTRIBUTE_WORDS.items():
        for column in _words_of(rows, _by_words(columns, words, taken)):
            distinct, _filled = _distinct(rows, column)
            if 1 <= distinct <= MAX_ATTRIBUTE_VALUES:
                take(ColumnChoice(f"attributes.{namespace}", column,
                                  f"named like a {namespace}, {distinct} different values"))
                break
    keys = {choice.key: choice.column for choice in choices}
    items: dict[str, Any] = {"table": table}
    for key in ("id", "image", "image_template", "category", "title", "description"):
        if key in keys:
            items[key] = keys[key]
    if encoding:
        items["encoding"] = encoding
    if photo is not None and share < MOST_PHOTOS:
        items["missing_images"] = "count"
    attributes = {key.split(".", 1)[1]: column for key, column in keys.items() if key.startswith("attributes.")}
    if attributes:
        items["attributes"] = attributes
    document: dict[str, Any] = {"format": MAPPING_FORMAT, "_note": f"drafted from {table}'s columns: check each "
                                "choice before indexing", "items": items}
    missing = [key for key in ("id", "image", "category") if key not in items and not (key == "image" and "image_template" in items)]
    wanted = given.get("outfits")  # "": none (the person's choice), a table: that one, None: the guess
    if "id" in items and wanted != "":
        outfits = _outfits_choice(root, table, {row.get(items["id"], "").strip() for row in rows}, only=wanted,
                                  id_column=items["id"], notes=notes)
        if outfits is not None:
            choice, section = outfits
            choices.append(choice)
            document["outfits"] = section
        elif wanted:
            notes.append(f"{wanted} pairs no outfit with the items' {items['id']!r}: one row per outfit and item is "
                         "read, an outfit's code in one column and an item's in another")
    if not missing:
        parse_mapping(document, f"the draft of {MAPPING_FILE_NAME}")  # what the reader will check, checked now
    return ColumnDraft(table, columns, len(rows), document, choices, missing, notes)


def _columns(rows: list[Row]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows[:SAMPLE_ROWS]:
        columns.update(dict.fromkeys(row))
    return list(columns)


def items_table(root: Path, tables: list[str]) -> str:
    """The folder's product table: its only one, else one named like products or items, else the largest."""
    if len(tables) == 1:
        return tables[0]
    named = [table for table in tables if _word_rank(Path(table).stem, ("products", "product", "items", "articles",
                                                                         "artikel", "productos", "produits")) is not None]
    if named:
        return named[0]
    return max(tables, key=lambda table: ((root / table).stat().st_size, table))


def _outfits_choice(root: Path, items_table: str, ids: set[str], only: str | None = None, id_column: str = "",
                    notes: list[str] | None = None) -> tuple[ColumnChoice, dict[str, str]] | None:
    """Another table beside it whose rows pair an outfit (a repeated value) with an item id of ``ids``, one row per item
    (the format's only outfits layout), the table or that column named like outfits: a price list or a stock table
    of the same ids, its rows grouped by a price or a shop, is no outfits table (trial EI). ``only``: the table
    the person named, whatever its name. A table named like outfits whose rows name none of ``ids`` (the draft's
    ``id_column``) is said in ``notes``: trial EJ's outfits.csv named items by an id the draft had passed over."""
    ids.discard("")
    folder = PurePosixPath(items_table).parent.as_posix()
    for table in [only] if only else tables_in(root, "" if folder == "." else folder):
        if table == items_table:
            continue
        encoding = legacy_encoding(root, table)
        try:
            rows = read_table(root, table, {}, encoding)
        except CatalogueError:
            continue
        columns = _columns(rows)
        sample = rows[:SAMPLE_ROWS]
        item_column = max(columns, key=lambda c: sum(row.get(c, "").strip() in ids for row in sample), default=None)
        if item_column is None:
            continue
        known = sum(row.get(item_column, "").strip() in ids for row in sample)
        named = only is not None or _word_rank(PurePosixPath(table).stem, OUTFIT_WORDS) is not None
        if known < max(2, len(sample) // 2):
            if notes is not None and (named or _by_words(columns, OUTFIT_WORDS, set())):
                notes.append(f"{table} looks like an outfits table, but its rows name few of the items by "
                             f"{id_column!r}, the id drafted ({known} of {len(sample)} sampled rows): choose the id "
                             "its rows use")
            continue
        others = _by_words(columns, OUTFIT_WORDS, {item_column}) + \
            ([c for c in columns if c != item_column] if named else [])
        for column in others:
            distinct, filled = _distinct(rows, column)
            # two items or more per outfit on average, and no more than an outfit holds
            if filled and distinct <= filled // 2 and filled <= MAX_OUTFIT_ITEMS * distinct:
                why = (f"{table}: {known} of {len(sample)} sampled rows name an item in {item_column!r}, grouped into "
                       f"{distinct} outfits by {column!r}")
                if encoding and notes is not None:
                    notes.append(encoding_note(table, rows))
                return (ColumnChoice("outfits", table, why),
                        {"table": table, "outfit_id": column, "item_id": item_column,
                         **({"encoding": encoding} if encoding else {})})
    return None
