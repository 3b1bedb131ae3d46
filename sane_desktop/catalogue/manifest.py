"""Reader for a table of products (CSV, JSON or JSON Lines) described by a small JSON mapping file.

The mapping (format documented in ``sane_desktop/resources/mappings/README.md``) names the id, image, category,
text, attribute and group columns, and optionally an outfits table. Every path in it is relative to
the catalogue root and must stay inside it. Ids are kept as strings exactly as written (zero padding
preserved), or left-padded with zeros to ``id_width``.

A mapping auto-detected inside a catalogue folder is untrusted content: nothing in it may hang or
exhaust the app. Its group regex runs under the ``regex`` package with a length limit and a time
bound per value; its image template allows plain ``{column}`` fields with a short format spec
(``{article_id:.3}``), no conversions, no attribute or index access, and widths and precisions of at
most :data:`MAX_FORMAT_NUMBER`; ``id_width`` is bounded too. A key written twice in the mapping or a
JSON table is an error (``json`` would keep the last silently).

Every value is read as text. In a JSON table a number is taken as written; a value of another type
(an object, a list, true/false) in a column the mapping reads is never turned into text: its row is
skipped with one line naming the row, the column and what was found (one value per column: a list
is not read as several values). A mapping key of the wrong type stops the import naming the key.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# `regex` (PyPI; no type stubs): the stdlib `re` cannot stop a catastrophic backtrack
import regex  # type: ignore[import-untyped]

from sane_desktop.catalogue.detect import MAPPING_FILE_NAME, CatalogueError
from sane_desktop.catalogue.jsonfile import json_kind, load_json_strict, read_json_lines, scalar_text
from sane_desktop.catalogue.safepath import (UnsafePath, check_relative, not_a_file, read_regular_file, resolve_inside,
                                             unicode_twin, url_scheme, windows_absolute)
from sane_desktop.catalogue.types import (WESTERN_WINDOWS, Catalogue, ItemRecord, OutfitRecord, Skip, category_name,
                                         first_words_in, not_utf8, reads_as, singular_key, table_text,
                                         value_key)
from sane_desktop.catalogue.unlisted import hidden_folder_notes, meant_photos, photo_files, unlisted_photos
from sane_desktop.catalogue.vocabulary import NO_LOOK_WORDS, is_placeholder, is_zero, normalise_value

MISSING_IMAGE_POLICIES = ("report", "count")
# bounds on what an untrusted mapping may ask for
MAX_REGEX_LENGTH = 500
REGEX_TIMEOUT_S = 0.5  # per value: a normal group pattern takes microseconds
MAX_TEMPLATE_LENGTH = 1000
MAX_FORMAT_NUMBER = 255  # a width or precision in an image_template field
MAX_ID_WIDTH = 64
CSV_DELIMITERS = ",;\t|"


class MappingError(CatalogueError):
    """The mapping itself is at fault while rows are read (its group regex ran out of time): the
    import stops, unlike a row's bad value, which only skips that row."""


@dataclass
class AttributeColumn:
    column: str
    values: dict[str, str] = field(default_factory=dict)  # raw value (its value_key) -> display value


@dataclass
class Mapping:
    """A parsed, checked mapping file."""

    table: str
    id_column: str
    category_column: str
    image_column: str = ""
    image_template: str = ""
    id_width: int = 0
    missing_images: str = "report"
    category_map: dict[str, str] = field(default_factory=dict)  # raw value (its value_key) -> category
    exclude_categories: frozenset[str] = frozenset()
    fine_category_column: str = ""
    title_column: str = ""
    description_column: str = ""
    text_columns: tuple[str, ...] = ()
    attributes: dict[str, AttributeColumn] = field(default_factory=dict)
    group_column: str = ""
    group_regex: str = ""
    product_column: str = ""  # the product an item is a variant of (colourway, size): one split for all
    outfits_table: str = ""
    outfit_id_column: str = ""
    outfit_item_column: str = ""
    # a CSV table's text encoding when it is not UTF-8 or UTF-16 (""): a Python codec name, "cp1252" for Excel's
    # Western CSV; JSON is UTF-8 by its standard
    encoding: str = ""
    outfits_encoding: str = ""
    name: str = ""
    source: str = MAPPING_FILE_NAME  # the mapping file's name, for messages

    def item_columns(self) -> dict[str, str]:
        """Column -> mapping key that needs it (to report missing columns clearly); a column two keys
        read is named by the first of id, category, image, ..., text, attributes, image template."""
        needed = [
            (self.id_column, "items.id"),
            (self.category_column, "items.category"),
            (self.image_column, "items.image"),
            (self.fine_category_column, "items.fine_category"),
            (self.title_column, "items.title"),
            (self.description_column, "items.description"),
            (self.group_column, "items.group"),
            (self.product_column, "items.product"),
            *((column, "items.text") for column in self.text_columns),
            *((a.column, f"items.attributes.{name}") for name, a in self.attributes.items()),
            *((name, "items.image_template") for name in _template_fields(self.image_template)),
        ]
        columns: dict[str, str] = {}
        for column, key in needed:
            if column:
                columns.setdefault(column, key)
        return columns


class _SafeFormatter(string.Formatter):
    """``str.format`` limited to plain column names: no attribute or index access."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if any(mark in field_name for mark in ".[]"):
            raise CatalogueError(f"image_template: only plain column names allowed, not {field_name!r}")
        return kwargs[field_name], field_name


def _template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _check_template(template: str, source: str) -> None:
    """Refuse an image template whose rendering could exhaust memory or read more than columns.

    Raises:
        CatalogueError: too long, not a valid template, a field without a plain column name, a
            conversion (``!r``), a nested field in a format spec, or a width/precision over the bound.
    """
    where = f"{source}: items.image_template"
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise CatalogueError(f"{where}: longer than {MAX_TEMPLATE_LENGTH} characters")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise CatalogueError(f"{where}: not a valid template ({error})") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
        if not name or any(mark in name for mark in ".[]"):
            raise CatalogueError(f"{where}: {shown}: only plain column names allowed, as in {{article_id:.3}}")
        if conversion:
            raise CatalogueError(f"{where}: {shown}: conversions (!r, !s, !a) are not allowed")
        if spec and "{" in spec:
            raise CatalogueError(f"{where}: {shown}: nested fields in a format spec are not allowed")
        for number in re.findall(r"\d+", spec or ""):
            if len(number) > 3 or int(number) > MAX_FORMAT_NUMBER:
                raise CatalogueError(f"{where}: {shown}: width or precision {number} exceeds {MAX_FORMAT_NUMBER}")


def _compile_group_regex(pattern: Any, source: str) -> Any:
    """The compiled ``items.group.regex`` (searched with a time bound by the row reader).

    Raises:
        CatalogueError: not a string, longer than :data:`MAX_REGEX_LENGTH`, or not a valid pattern.
    """
    where = f"{source}: items.group.regex"
    if not isinstance(pattern, str):
        raise CatalogueError(f"{where}: must be a string")
    if len(pattern) > MAX_REGEX_LENGTH:
        raise CatalogueError(f"{where}: longer than {MAX_REGEX_LENGTH} characters")
    try:
        return regex.compile(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise CatalogueError(f"{where}: not a valid regular expression ({error})") from None


def _encoding(section: dict[str, Any], where: str) -> str:
    """A table's ``encoding`` key: a Python text codec (its canonical name), "" when not given."""
    value = section.get("encoding", "")
    if value == "":
        return ""
    try:
        info = codecs.lookup(value) if isinstance(value, str) else None
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise CatalogueError(f"{where}.encoding must name a text encoding (\"utf-8\", \"cp1252\", \"latin-1\", …), "
                             f"not {value!r}")
    return info.name


def _id_width(value: Any, source: str) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise CatalogueError(f"{source}: items.id_width must be a whole number, not {value!r}")
    try:
        width = int(value or 0)
    except (TypeError, ValueError):
        raise CatalogueError(f"{source}: items.id_width must be a whole number, not {value!r}") from None
    if not 0 <= width <= MAX_ID_WIDTH:
        raise CatalogueError(f"{source}: items.id_width must be between 0 and {MAX_ID_WIDTH}, not {width}")
    return width


# The keys a mapping may hold, per section. A key outside them would be silently ignored (a typo:
# "catgory_map" left every category unmapped), so it stops the import, with the nearest known key.
# Keys starting with "_" are the writer's comments.
_TOP_KEYS = ("format", "name", "title", "items", "outfits")  # title: its name for a person (the index dialog says it)
MAPPING_FORMAT = "sane-mapping/1"  # the optional "format" key's one value this build reads
_ITEM_KEYS = ("table", "id", "id_width", "image", "image_template", "missing_images", "category", "category_map",
              "exclude_categories", "fine_category", "title", "description", "text", "attributes", "group",
              "product", "encoding")
_OUTFIT_KEYS = ("table", "outfit_id", "item_id", "encoding")
_ATTRIBUTE_KEYS = ("column", "map")
_GROUP_KEYS = ("column", "regex")


def _check_keys(section: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """Raise CatalogueError for a key of ``section`` outside ``known`` (comments, "_…", aside)."""
    import difflib

    for key in section:
        if isinstance(key, str) and key.startswith("_") or key in known:
            continue
        near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else f" (known keys: {', '.join(known)})"
        raise CatalogueError(f"{where}: unknown key {key!r}{hint}; a key starting with '_' is a comment")


def _require(section: dict[str, Any], key: str, where: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value:
        raise CatalogueError(f"{where}: mapping key {key!r} is missing or not a string")
    return value


def _column(section: dict[str, Any], key: str, where: str) -> str:
    """An optional column name (``""`` when absent); a value that is not text is an error, never a column."""
    value = section.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: {key} must be a column name (text), not {json_kind(value)}")
    return value


def _string_list(section: dict[str, Any], key: str, where: str, what: str) -> tuple[str, ...]:
    """An optional list of texts (``()`` when absent): one text is not read letter by letter."""
    value = section.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        found = json_kind(value) if not isinstance(value, list) else "a list holding " + next(
            json_kind(v) for v in value if not isinstance(v, str))
        raise CatalogueError(f"{where}: {key} must be a list of {what} (text), not {found}")
    return tuple(value)


def _string_map(value: Any, where: str) -> dict[str, str]:
    """A value map of the mapping file, its keys as :func:`value_key` gives them.

    Raises:
        CatalogueError: not an object of strings, or two keys one value that map it differently.
    """
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CatalogueError(f"{where}: expected an object of strings")
    folded: dict[str, str] = {}
    written: dict[str, str] = {}
    for raw, target in value.items():
        key = value_key(str(raw))
        if key in folded and folded[key] != target:
            raise CatalogueError(f"{where}: {written[key]!r} and {str(raw)!r} are one value (letter case and spaces "
                                 f"aside) mapped to {folded[key]!r} and {target!r}: keep one")
        folded[key], written[key] = target, str(raw)
    return folded


def _category_map(value: Any, where: str) -> dict[str, str]:
    """``items.category_map`` (:func:`_string_map`), each category it maps to written as a category is
    (:func:`category_name`: "bottoms\\u200b" is "bottoms"; trial DR's became a second "bottoms").

    Raises:
        CatalogueError: as :func:`_string_map`, or a value mapped to a name that shows nothing (a blank row in
        every list: trial DR); ``exclude_categories`` leaves a value out."""
    mapped = {key: category_name(target) for key, target in _string_map(value, where).items()}
    blank = next((key for key, target in mapped.items() if not target), None)
    if blank is not None:
        raise CatalogueError(f"{where}: {blank!r} is mapped to a name that shows nothing: give it a category, or "
                             "list it under items.exclude_categories to leave its items out")
    return mapped


def parse_mapping(data: Any, source: str = MAPPING_FILE_NAME) -> Mapping:
    """Check a mapping document and turn it into a :class:`Mapping`.

    Raises:
        CatalogueError: one line naming ``source`` and the key at fault.
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        raise CatalogueError(f"{source}: expected an object with an 'items' section")
    items = data["items"]
    _check_keys(data, _TOP_KEYS, source)
    if data.get("format", MAPPING_FORMAT) != MAPPING_FORMAT:
        raise CatalogueError(f"{source}: format {data['format']!r} is not {MAPPING_FORMAT!r}, the one this version of "
                             "SANE Desktop reads")
    _check_keys(items, _ITEM_KEYS, f"{source}: items")
    if not isinstance(data.get("name") or "", str):
        raise CatalogueError(f"{source}: name must be text, not {json_kind(data['name'])}")
    image_column, template = items.get("image") or "", items.get("image_template") or ""
    if bool(image_column) == bool(template):
        raise CatalogueError(f"{source}: give exactly one of items.image (a column) or items.image_template")
    if not isinstance(template, str) or not isinstance(image_column, str):
        raise CatalogueError(f"{source}: items.image and items.image_template must be strings")
    _check_template(template, source)
    attributes = {}
    if not isinstance(items.get("attributes") or {}, dict):
        raise CatalogueError(f"{source}: items.attributes must be an object of name -> column")
    for name, spec in (items.get("attributes") or {}).items():
        if isinstance(spec, str):
            attributes[name] = AttributeColumn(spec)
        elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
            _check_keys(spec, _ATTRIBUTE_KEYS, f"{source}: items.attributes.{name}")
            attributes[name] = AttributeColumn(spec["column"], _string_map(spec.get("map"), f"{source}: {name}.map"))
        else:
            raise CatalogueError(f"{source}: items.attributes.{name} must be a column name or {{column, map}}")
    group = items.get("group") or ""
    if not isinstance(group, (str, dict)):
        raise CatalogueError(f"{source}: items.group must be a column name or {{column, regex}}")
    group_column, group_regex = (group, "") if isinstance(group, str) else (
        _column(group, "column", f"{source}: items.group"), group.get("regex", ""))
    if isinstance(group, dict):
        _check_keys(group, _GROUP_KEYS, f"{source}: items.group")
    if group_regex:
        _compile_group_regex(group_regex, source)
    missing = items.get("missing_images", "report")
    if missing not in MISSING_IMAGE_POLICIES:
        raise CatalogueError(f"{source}: items.missing_images must be one of {MISSING_IMAGE_POLICIES}")
    outfits = data.get("outfits") or {}
    if not isinstance(outfits, dict):
        raise CatalogueError(f"{source}: outfits must be an object {{table, outfit_id, item_id}}")
    _check_keys(outfits, _OUTFIT_KEYS, f"{source}: outfits")
    mapping = Mapping(
        table=_require(items, "table", source),
        id_column=_require(items, "id", source),
        category_column=_require(items, "category", source),
        image_column=image_column,
        image_template=template,
        id_width=_id_width(items.get("id_width"), source),
        missing_images=missing,
        category_map=_category_map(items.get("category_map"), f"{source}: items.category_map"),
        exclude_categories=frozenset(value_key(value) for value in _string_list(items, "exclude_categories",
                                                                                 f"{source}: items", "category values")),
        fine_category_column=_column(items, "fine_category", f"{source}: items"),
        title_column=_column(items, "title", f"{source}: items"),
        description_column=_column(items, "description", f"{source}: items"),
        text_columns=_string_list(items, "text", f"{source}: items", "column names"),
        attributes=attributes,
        group_column=group_column,
        group_regex=group_regex,
        product_column=_column(items, "product", f"{source}: items"),
        encoding=_encoding(items, f"{source}: items"),
        name=data.get("name") or "",
        source=source,
    )
    if outfits:
        mapping.outfits_table = _require(outfits, "table", f"{source}: outfits")
        mapping.outfit_id_column = _require(outfits, "outfit_id", f"{source}: outfits")
        mapping.outfit_item_column = _require(outfits, "item_id", f"{source}: outfits")
        mapping.outfits_encoding = _encoding(outfits, f"{source}: outfits")
    return mapping


def load_mapping(path: Path) -> Mapping:
    """Read and check the mapping file at ``path``.

    Raises:
        CatalogueError: missing, not JSON, a key written twice, or a bad mapping (see :func:`parse_mapping`).
    """
    found = not_a_file(path)
    if found:
        raise CatalogueError(f"{path.name}: {found}, not a mapping file ({path})")
    if not path.is_file():
        raise CatalogueError(f"{path.name}: mapping file not found ({path})")
    return parse_mapping(load_json_strict(path, path.name), path.name)


def _csv_dialect(text: str, required: dict[str, str]) -> str:
    """The delimiter of a CSV table: the one whose header holds the most required columns (a
    European spreadsheet writes ``;``), ties broken by ``csv.Sniffer``'s guess, then ``,``."""
    sample = text[:65536]
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        guess = ","
    head = [line for line in sample.splitlines() if line.strip()][:HEADER_SEARCH]  # (a title line may come first)
    wanted = {column_fold(column) for column in required}

    def score(delimiter: str) -> tuple[int, bool, bool]:
        found = 0
        for line in head:
            try:
                header = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:
                header = []
            found = max(found, len(wanted & {column_fold(column) for column in header}))
        return found, delimiter == guess, delimiter == ","

    return max(CSV_DELIMITERS, key=score)


HEADER_SEARCH = 10  # records looked at for a CSV's header: a report's title lines above it are skipped


def column_fold(name: str) -> str:
    """A column's name as a header cell may vary it: Unicode form (a no-break space is a space), runs of spaces,
    spaces at the ends, letter case."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _header_at(records: list[list[str]], required: dict[str, str]) -> int:
    """Which of a CSV's first records is its header: the first naming the most ``required`` columns (folded); with
    none named anywhere, the first with two cells filled (a title line has one), else the first."""
    wanted = {column_fold(column) for column in required}
    if wanted and records:
        found = [len(wanted & {column_fold(cell) for cell in cells}) for cells in records]
        if max(found):
            return found.index(max(found))
    return next((number for number, cells in enumerate(records) if sum(bool(cell.strip()) for cell in cells) >= 2), 0)


def _near_columns(header: list[str], required: dict[str, str], notes: list[str] | None) -> list[str]:
    """``header`` with each cell that is a required column written otherwise ("Category ", "CATEGORY", a no-break
    space: :func:`column_fold`) named as the mapping names it, when it is the only such cell and the column is not
    there as written; each said in ``notes``. Last month's mapping read this month's export whose header gained a
    trailing space (trial EV: refused as a missing column)."""
    named = list(header)
    for column, key in required.items():
        if column in named:
            continue
        alike = [place for place, cell in enumerate(named) if column_fold(cell) == column_fold(column)]
        if len(alike) == 1:
            if notes is not None:
                notes.append(f"column {named[alike[0]]!r} read as {column!r} ({key}): they differ only in spaces, "
                             "letter case or Unicode form")
            named[alike[0]] = column
    return named


def _near_keys(rows: list[Row], required: dict[str, str], notes: list[str] | None) -> list[Row]:
    """A JSON table's rows with each key that is a required column written otherwise named as the mapping names it
    (:func:`_near_columns`, over the keys the rows use): trial EW's "SKU", "family " were refused where a CSV header
    of the same names was read."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    named = _near_columns(keys, required, notes)
    renamed = {old: new for old, new in zip(keys, named) if old != new}
    if not renamed:
        return rows
    return [Row({renamed.get(key, key): value for key, value in row.items()},
                {renamed.get(key, key): value for key, value in row.wrong.items()}, row.shape, row.line) for row in rows]


def _json_lines_within(path: Path) -> bool:
    """Whether the file's first two non-blank lines are each a JSON object: JSON Lines under a .json name."""
    try:
        lines = [line for line in read_regular_file(path).decode("utf-8-sig").splitlines() if line.strip()][:2]
        return len(lines) == 2 and all(isinstance(json.loads(line), dict) for line in lines)
    except (OSError, ValueError):
        return False


def _describe_header(columns: list[str], delimiter: str) -> str:
    if not any(column.strip() for column in columns):  # trial EX read "has 0 column(s): " of an empty file
        return "the file is empty (no header, no rows)" if not columns else "its header line is empty"
    names = ", ".join(repr(column) for column in columns[:8]) + (", ..." if len(columns) > 8 else "")
    return f"the header, split on {delimiter!r}, has {len(columns)} column(s): {names}"


class Row(dict[str, str]):
    """One table row as text. ``wrong``: column -> what a JSON table held there instead of text or
    a number (``a list``, ``an object``, ``true/false``); such a cell reads as ``""`` and the reader
    reports it where the mapping reads that column."""

    def __init__(self, cells: dict[str, str], wrong: dict[str, str] | None = None, shape: str = "",
                 line: int = 0) -> None:
        super().__init__(cells)
        self.wrong: dict[str, str] = wrong or {}
        # a CSV row with more or fewer cells than its header ("" when it matches): its cells may sit
        # under the wrong columns (an unquoted comma in a title moves the category), so it is left out
        self.shape = shape
        # the file line a CSV row starts on (a quoted cell may span lines), 0 for a JSON entry: a
        # report names the line an editor shows, not the count of data rows
        self.line = line

    def where(self, table: str, number: int) -> str:
        """Where the row is, for a one-line report: ``table line N`` (CSV) or ``table row N`` (the
        N-th object of a JSON list, 1-based)."""
        return f"{table} line {self.line}" if self.line else f"{table} row {number}"


class _StartLines:
    """The lines of a CSV text for :mod:`csv`, remembering the 1-based line each row starts on: the
    first non-blank line after :meth:`next_row` (csv skips blank lines between rows, and a quoted
    cell may run over several lines, so its own ``line_num`` is neither)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._number = 0
        self._pending = True
        self.start = 0

    def next_row(self) -> None:
        self._pending = True

    def __iter__(self) -> _StartLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._number += 1
        if self._pending and line.strip("\r\n"):
            self.start, self._pending = self._number, False
        return line


def _csv_row(cells: list[str], header: list[str], delimiter: str, line: int) -> Row:
    """One CSV record as a :class:`Row`: each column's first cell (a column named twice that the mapping
    reads was refused with the header, :func:`_repeated_columns`), its :attr:`Row.shape` said when its
    cell count is not the header's. The count is the record's own, not a dict's (trial T: two empty
    header names, Excel's trailing columns, made one key and a 3-cell row read "4 cell(s)")."""
    shape = ""
    if len(cells) != len(header):
        shape = (f"the row has {len(cells)} cell(s) and the header {len(header)}: a {delimiter!r} missing or one too "
                 f"many (quote a cell that holds {delimiter!r})")
    row: dict[str, str] = {}
    for name, cell in zip(header, cells):
        row.setdefault(name, cell)
    for name in header[len(cells):]:
        row.setdefault(name, "")
    return Row(row, shape=shape, line=line)


def _repeated_columns(relative: str, header: list[str], required: dict[str, str]) -> None:
    """Refuse a header naming a column the mapping reads twice: which one was meant is a guess, and
    :class:`csv.DictReader` took the last without a word (trial T: two "Color" columns, a code and a
    name, and the colour attribute read the codes).

    Raises:
        CatalogueError: naming the column, its key and its places (1-based).
    """
    for column, key in required.items():
        places = [number for number, name in enumerate(header, start=1) if name == column]
        if len(places) > 1:
            at = ", ".join(str(place) for place in places)
            raise CatalogueError(f"{relative}: column {column!r} (for {key}) is in the header {len(places)} times "
                                 f"(columns {at}): rename all but the one to read")


def _json_row(entry: dict[str, Any], line: int = 0) -> Row:
    cells: dict[str, str] = {}
    wrong: dict[str, str] = {}
    for column, value in entry.items():
        text = scalar_text(value)
        if text is None:
            wrong[column] = json_kind(value)
        cells[column] = text or ""
    return Row(cells, wrong, line=line)


def _wrong_cells(row: Row, columns: dict[str, str]) -> str:
    """One clause for the cells of ``columns`` (column -> mapping key) whose JSON value is no text
    or number, or ``""`` when none is."""
    if row.shape:
        return row.shape
    found = [f"column {column!r} ({key}) is {row.wrong[column]}" for column, key in columns.items()
             if column in row.wrong]
    if not found:
        return ""
    listed = any(row.wrong[column] == "a list" for column in columns if column in row.wrong)
    hint = " (one value per column: a list is not read as several values)" if listed else ""
    return "; ".join(found) + f", not text or a number{hint}"


JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def legacy_encoding(root: Path, relative: str) -> str:
    """:data:`~sane_desktop.catalogue.types.WESTERN_WINDOWS` for a CSV table that is neither UTF-8 nor UTF-16 and
    reads cleanly in it (Excel's Western "CSV (Comma delimited)"), else "": what a draft names for the person to
    check, never what a read assumes."""
    if Path(relative).suffix.lower() == ".json" or Path(relative).suffix.lower() in JSON_LINES_SUFFIXES:
        return ""
    try:
        raw = read_regular_file(resolve_inside(root, relative))
        table_text(raw)
    except UnicodeDecodeError as error:
        return WESTERN_WINDOWS if reads_as(bytes(error.object), WESTERN_WINDOWS) is not None else ""
    except (UnsafePath, OSError):
        return ""
    return ""


def _decoded(raw: bytes, encoding: str, relative: str, encoding_key: str = "") -> str:
    """``raw`` in the mapping's ``encoding`` (a byte-order mark of its own dropped); a byte it has no character
    for is an error naming its line, and so is UTF-8 text with characters outside ASCII under another encoding:
    read so it is garbled ("PantalÃ³n"), unsaid (trial EW)."""
    if not raw.isascii() and not codecs.lookup(encoding).name.startswith("utf"):
        try:
            utf8 = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            utf8 = ""
        if utf8:
            words = ", ".join(first_words_in(utf8))
            raise CatalogueError(f"{relative}: UTF-8 text (it has {words}), but the mapping reads it as {encoding}, "
                                 f"which would garble those: remove {encoding_key or 'its encoding'} from the mapping")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CatalogueError(f"{relative}: not {encoding} text (line {line}: byte 0x{raw[error.start]:02x} at offset "
                             f"{error.start}): check the mapping's encoding") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_table(root: Path, relative: str, required: dict[str, str], encoding: str = "",
               encoding_key: str = "", notes: list[str] | None = None) -> list[Row]:
    """Rows of a CSV, JSON (list of objects) or JSON Lines (``.jsonl``, ``.ndjson``: an object a line) table as
    string dicts; missing columns are an error. ``encoding``: a CSV table's codec ("": UTF-8 or UTF-16, told by
    the bytes); ``encoding_key``: the mapping key that names it, offered when a table is not UTF-8.

    A CSV header is the first of its first :data:`HEADER_SEARCH` records naming the most ``required`` columns
    (a title line above it is no row), and a header cell that differs from a required column only in spaces,
    letter case or Unicode form is read as it (:func:`_near_columns`); ``notes`` gets a line for each.
    A JSON value that is no text or number is left out of the text and named in :attr:`Row.wrong`."""
    try:
        path = resolve_inside(root, relative)
    except UnsafePath as error:
        raise CatalogueError(f"{relative}: {error}") from None
    found = not_a_file(path)
    if found:
        raise CatalogueError(f"{relative}: {found}, not a table file")
    if not path.is_file():
        raise CatalogueError(f"{relative}: table file not found")
    header = ""
    if encoding and (path.suffix.lower() == ".json" or path.suffix.lower() in JSON_LINES_SUFFIXES):
        raise CatalogueError(f"{relative}: {encoding_key or 'encoding'} is for CSV tables: a JSON file is UTF-8")
    if path.suffix.lower() == ".json":
        try:
            data = load_json_strict(path, relative)
        except CatalogueError as error:  # an object a line under a .json name (trial EW): said what it is
            if "Extra data" in str(error) and _json_lines_within(path):
                raise CatalogueError(f"{error}: it holds one JSON object a line (JSON Lines): name it .jsonl") from None
            raise
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise CatalogueError(f"{relative}: expected a JSON list of objects")
        rows = _near_keys([_json_row(row) for row in data], required, notes)
        columns: set[str] = set().union(*(row.keys() for row in rows)) if rows else set()
    elif path.suffix.lower() in JSON_LINES_SUFFIXES:  # one object a line (trial EV's was split on commas as a CSV)
        entries = read_json_lines(path, relative)
        other = next((number for number, value in entries if not isinstance(value, dict)), None)
        if other is not None:
            raise CatalogueError(f"{relative}: line {other} is no JSON object; a JSON Lines table holds one object a line")
        rows = _near_keys([_json_row(value, number) for number, value in entries], required, notes)
        columns = set().union(*(row.keys() for row in rows)) if rows else set()
    else:
        try:
            raw = read_regular_file(path)  # a pipe in a table's place blocked (trial BO)
            # UTF-8, or UTF-16 (a spreadsheet's "Unicode Text", with or without its BOM), or the mapping's encoding
            text = _decoded(raw, encoding, relative, encoding_key) if encoding else table_text(raw)
            # the csv module refuses a cell over 128 KiB, which failed a trial's whole import for one
            # long description: the file is in memory already, so a cell may be as long as the file
            csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
            delimiter = _csv_dialect(text, required)
            lines = _StartLines(io.StringIO(text, newline=""))
            reader = csv.reader(lines, delimiter=delimiter)
            head: list[tuple[list[str], int]] = []  # the first records with a cell (blank lines skipped)
            for cells in reader:
                if cells:
                    head.append((cells, lines.start))
                    lines.next_row()
                    if len(head) == HEADER_SEARCH:
                        break
            at = _header_at([cells for cells, _start in head], required)
            fieldnames = _near_columns(head[at][0], required, notes) if head else []
            if at and notes is not None:  # (trial EV's export began with "Product export 2024-05-01 (Shop XY)")
                notes.append(f"the header is line {head[at][1]}: the line(s) above it read as a title, not as rows")
            columns = set(fieldnames)
            _repeated_columns(relative, fieldnames, {c: k for c, k in required.items() if c in columns})
            rows = [_csv_row(cells, fieldnames, delimiter, start) for cells, start in head[at + 1:]
                    if any(cell.strip() for cell in cells)]
            for cells in reader:
                # a blank line, or a row of empty cells (";;;;;;;", which a spreadsheet writes under
                # its table): nothing to read, no item to skip (trial T: three counted as "empty id")
                if any(cell.strip() for cell in cells):
                    rows.append(_csv_row(cells, fieldnames, delimiter, lines.start))
                lines.next_row()
        except UnicodeDecodeError as error:
            raise not_utf8(str(relative), error, encoding_key) from None
        except csv.Error as error:
            raise CatalogueError(f"{relative}: unreadable table ({error})") from None
        header = f"; {_describe_header(fieldnames, delimiter)}"
    absent = sorted(set(required) - columns)
    if absent:
        needs = ", ".join(f"{column!r} (for {required[column]})" for column in absent)
        raise CatalogueError(f"{relative}: missing column(s) {needs}{header}")
    return rows



def windows_separators(root: Path, written: str) -> str:
    """``written`` with ``/`` for each ``\\`` when a table written on Windows names its photo so
    (``img\\a.jpg``): no file of that very name is in ``root`` (on POSIX a backslash is part of a name, and
    such a file wins) and the photo is there with folders. Trial EK's draft found those photos, then the import
    read none of them ("image file is missing"). A path that would step out so is left as written."""
    if "\\" not in written:
        return written
    try:
        if (root / written).exists():
            return written
        slashed = check_relative(written.replace("\\", "/"))
        return slashed if (root / slashed).is_file() else written
    except (OSError, UnsafePath):  # unreadable, or stepping out once read so: the import's own check says why
        return written


class _RowReader:
    """Turns one table row into an ItemRecord following a mapping."""

    def __init__(self, mapping: Mapping, root: Path) -> None:
        self.mapping = mapping
        self.root = root
        self.formatter = _SafeFormatter()
        self.group_pattern = _compile_group_regex(mapping.group_regex, mapping.source) if mapping.group_regex else None

    def item_id(self, raw: str) -> str:
        value = raw.strip()
        return value.zfill(self.mapping.id_width) if self.mapping.id_width and value else value

    def image_path(self, row: dict[str, str], item_id: str) -> str:
        m = self.mapping
        if m.image_column:
            value = row[m.image_column].strip()
            written = check_relative(_within(self.root, value) or value)
        else:
            values = {**row, m.id_column: item_id}
            for name in _template_fields(m.image_template):  # trial EK read "image file is missing" under a
                # changed path ("Fotos//work/…") for a column of absolute paths put in a template
                value = str(values.get(name, "")).strip()
                if value.startswith("/") or windows_absolute(value) or url_scheme(value):
                    raise UnsafePath(f"column {name!r} holds {value!r}, a whole path, where the image template "
                                     f"{m.image_template} puts a name inside the folder: write it relative to the "
                                     "folder, or read the column as the photos' paths (items.image)")
            written = check_relative(self.formatter.format(m.image_template, **values))
        return unicode_twin(self.root, windows_separators(self.root, written))  # "café" as the file is named

    def group(self, row: dict[str, str]) -> str:
        value = row.get(self.mapping.group_column, "") if self.mapping.group_column else ""
        if self.group_pattern is None or not value:
            return value.strip()
        try:
            match = self.group_pattern.search(value, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            raise MappingError(
                f"{self.mapping.source}: items.group.regex took over {REGEX_TIMEOUT_S} s on {value[:40]!r} "
                "(catastrophic backtracking, as in (a+)+$?): simplify the pattern"
            ) from None
        if match is None:
            return ""
        return match.group(1) if match.groups() else match.group(0)

    def record(self, row: dict[str, str], item_id: str, raw_category: str) -> ItemRecord:
        m = self.mapping
        attributes = {}
        for name, spec in m.attributes.items():
            value = row.get(spec.column, "").strip()
            mapped = spec.values.get(value_key(value), value) if value else ""
            if mapped:  # a value the map sends to "" is no value (a department code in a fabric column)
                attributes[name] = mapped
        return ItemRecord(
            item_id=item_id,
            image_path=self.image_path(row, item_id),
            category=m.category_map.get(value_key(raw_category), category_name(raw_category).lower()),
            fine_category=row.get(m.fine_category_column, "").strip() if m.fine_category_column else "",
            title=row.get(m.title_column, "").strip() if m.title_column else "",
            description=row.get(m.description_column, "").strip() if m.description_column else "",
            attributes=attributes,
            group=self.group(row),
            product=row.get(m.product_column, "").strip() if m.product_column else "",
            extra={column: row.get(column, "") for column in m.text_columns},
        )


def _within(root: Path, written: str) -> str:
    """An absolute POSIX path that lies in the catalogue folder, relative to it ("" for any other): a DAM export
    writes whole paths, and trial EV's inside the folder was refused as absolute. One elsewhere (a moved folder, a
    Windows drive) is still refused, naming the part that is in the folder (:func:`_inside_part`)."""
    if not written.startswith("/"):
        return ""
    path = Path(written)
    for base in (root, root.resolve()):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return ""


def _inside_part(root: Path, written: str) -> str:
    """The end of a refused path (absolute, a drive's, a URL's) that names a file in the catalogue
    folder, "" when none does: "C:\\shop\\images\\x.jpg" is "images/x.jpg" there (trial V read "absolute
    path not allowed" with the photo in the folder)."""
    parts = [part for part in re.split(r"[\\/]+", written.strip()) if part]
    for start in range(1, len(parts)):
        tail = "/".join(parts[start:])
        try:
            if resolve_inside(root, tail).is_file():
                return tail
        except (UnsafePath, ValueError, OSError):
            continue
    return ""


SCIENTIFIC = re.compile(r"[0-9](?:[.,][0-9]+)?E\+?[0-9]+", re.IGNORECASE)


def _duplicate_words(used: ItemRecord, left: ItemRecord) -> str:
    """What a duplicate id's left-out row says otherwise than the row used ("" when nothing: a row written twice),
    and an id a spreadsheet wrote in scientific notation, its digits lost (trial EV's "3.00024E+08" twice read as
    one plain duplicate)."""
    fields = [("category", used.category, left.category), ("title", used.title, left.title),
              *((f"{name}", used.attributes.get(name, ""), left.attributes.get(name, ""))
                for name in sorted(set(used.attributes) | set(left.attributes)))]
    differs = [f"{name} {theirs!r}" for name, ours, theirs in fields if ours != theirs][:3]
    said = f"; the row left out differs: {', '.join(differs)}" if differs else ""
    if SCIENTIFIC.fullmatch(used.item_id):
        said += ("; the id is a number a spreadsheet wrote in scientific notation, its last digits lost: format the "
                 "id column as text and export it again")
    return said


def _filed_otherwise(items: list[tuple[ItemRecord, str, str]], table: str) -> Skip | None:
    """One note for the photos filed in a folder named as another of the catalogue's categories than their row
    gives ((item, its raw category, its row's place) each), where the photos are filed by category (most lie in a
    folder named as their own): trial EV's sneaker in Shoes/ read "Tops" in the table and was searched as a top,
    unsaid. The table's category is used; which is right is the person's call."""
    def keys(item: ItemRecord, raw: str) -> set[str]:  # (a folder "dresses/" for rows "Dress": trial EW)
        return {singular_key(raw), singular_key(item.category)}

    known = set().union(*(keys(item, raw) for item, raw, _where in items)) if items else set()
    own = otherwise = 0
    found: list[str] = []
    for item, raw, where in items:
        folders = [singular_key(part) for part in PurePosixPath(item.image_path).parts[:-1]]
        if keys(item, raw) & set(folders):
            own += 1
            continue
        other = next((part for part, key in zip(PurePosixPath(item.image_path).parts, folders) if key in known), None)
        if other is not None:
            otherwise += 1
            if len(found) < 3:
                found.append(f"{item.image_path} is {raw!r} on {' '.join(where.rsplit(' ', 2)[-2:])}")  # "line 5"
    if not otherwise or own < otherwise:
        return None
    more = f" and {otherwise - len(found)} more" if otherwise > len(found) else ""
    return Skip("", table, f"{otherwise} photo(s) filed in a folder named as another category than their row's "
                           f"({'; '.join(found)}{more}): the table's category is used", "value")


def _read_items(root: Path, mapping: Mapping, catalogue: Catalogue) -> None:
    said: list[str] = []
    rows = read_table(root, mapping.table, mapping.item_columns(), mapping.encoding, "items.encoding", said)
    catalogue.notes += [Skip("", mapping.table, note, "value") for note in said]
    reader = _RowReader(mapping, root)
    kept: dict[str, tuple[int, str, str]] = {}  # id -> (its item's index, its row's place, its raw category)
    excluded = without_image = 0
    unmapped: Counter[str] = Counter()
    columns = mapping.item_columns()
    named: set[str] = set()  # every photo a row names, refused and excluded rows' too
    spellings: dict[str, set[str]] = {}  # a category the table's values name -> those values as written
    astray: dict[str, str] = {}  # a path a row names where no file is -> the row's place
    uncategorised: Counter[str] = Counter()  # a placeholder category as written -> rows
    for number, row in enumerate(rows, start=1):
        item_id = reader.item_id(row[mapping.id_column])
        where = row.where(mapping.table, number)
        wrong = _wrong_cells(row, columns)
        try:
            photo = reader.image_path(row, item_id)
            named.add(photo)
            if not (root / photo).is_file():
                astray[photo] = where
        except (UnsafePath, CatalogueError, ValueError, KeyError, IndexError, AttributeError):
            # a row without a usable path names the photo its refusal points at, if any (its own line says why)
            inside = _inside_part(root, row.get(mapping.image_column, "")) if mapping.image_column else ""
            if inside:
                named.add(inside)
        if mapping.id_column in row.wrong:  # no id to name the row by
            catalogue.skipped.append(Skip("", where, wrong, "item"))
            continue
        if row.shape:  # before any cell is read as its column's (the id, if any, is its first)
            catalogue.skipped.append(Skip(item_id, where, wrong, "item"))
            continue
        if not item_id:
            catalogue.skipped.append(Skip("", where, "empty id", "item"))
            continue
        raw_category = row[mapping.category_column].strip()
        uncategorised_row = is_placeholder(raw_category) and value_key(raw_category) not in mapping.category_map \
            and normalise_value(raw_category) != NO_CATEGORY
        if uncategorised_row:
            # "N/A", "-", "#N/A": no category, each was one of its own (trial EX), "#n/a" offered as "n/a" written
            # another way; one category of the items without one, as H&M's "Unknown" is (a map may file it elsewhere)
            uncategorised[raw_category] += 1
            raw_category = NO_CATEGORY
        if mapping.category_column not in row.wrong and (
                value_key(raw_category) in mapping.exclude_categories
                or value_key(mapping.category_map.get(value_key(raw_category), "")) in mapping.exclude_categories):
            excluded += 1
            catalogue.excluded.add(item_id)
            continue
        if wrong:
            catalogue.skipped.append(Skip(item_id, where, wrong, "item"))
            continue
        if not category_name(raw_category):  # blank, or only invisible characters (a zero-width space)
            catalogue.skipped.append(Skip(item_id, where, "empty category", "item"))
            continue
        try:
            item = reader.record(row, item_id, raw_category)
        except MappingError:
            raise
        except (UnsafePath, CatalogueError, ValueError, KeyError) as error:
            inside = _inside_part(root, row.get(mapping.image_column, "")) if mapping.image_column else ""
            hint = f"; {inside} is in the catalogue folder: write the path from there" if inside else ""
            catalogue.skipped.append(Skip(item_id, where, f"bad image path: {error}{hint}", "item"))
            continue
        if mapping.missing_images == "count" and not (root / item.image_path).is_file():
            without_image += 1
            continue
        if item_id in kept:
            # one row per id: the first, unless its photo is missing and this one's is there (trial P: the
            # first row's photo was gone, the second's valid, and "first row kept" named an item lost whole)
            at, kept_where, kept_raw = kept[item_id]
            # a row left out, not an item: the item is indexed from the other row (trial S read it among
            # the items skipped, and counted once too many)
            if (root / catalogue.items[at].image_path).is_file() or not (root / item.image_path).is_file():
                catalogue.skipped.append(Skip("", where, f"duplicate id {item_id} ({kept_where} is used)"
                                                         f"{_duplicate_words(catalogue.items[at], item)}", "metadata"))
                continue
            catalogue.skipped.append(Skip("", kept_where, f"duplicate id {item_id} ({where} is used: this row's "
                                          f"photo {catalogue.items[at].image_path} is missing)"
                                          f"{_duplicate_words(item, catalogue.items[at])}", "metadata"))
            catalogue.items[at] = item
            kept[item_id] = (at, where, raw_category)
            if mapping.category_map and value_key(kept_raw) not in mapping.category_map:
                unmapped[category_name(kept_raw)] -= 1
        else:
            kept[item_id] = (len(catalogue.items), where, raw_category)
            catalogue.items.append(item)
        if uncategorised_row:  # (said in the note on them)
            continue
        if mapping.category_map and value_key(raw_category) not in mapping.category_map:
            unmapped[category_name(raw_category)] += 1  # (one note for "Pantalón" in both Unicode forms: trial EW)
        if value_key(raw_category) not in mapping.category_map:
            spellings.setdefault(item.category, set()).add(raw_category)
    # values one category by letter case, spaces or invisible characters: said, as a folder tree says its folders
    # (trial EV: "KLEIDER" and "Kleider", "Bolsos" and "Bolsos" with a zero-width space, merged unsaid)
    for category, raws in sorted(spellings.items()):
        if len(raws) > 1:
            listed = " and ".join((ascii if len({category_name(raw) for raw in raws}) == 1 else repr)(raw)
                                  for raw in sorted(raws))
            catalogue.notes.append(Skip("", mapping.table, f"category values {listed} differ only in letter case, "
                                                           f"spaces or invisible characters: one category, "
                                                           f"{category!r}", "value"))
    filed = _filed_otherwise([(catalogue.items[at], raw, where) for at, where, raw in kept.values()], mapping.table)
    if filed is not None:
        catalogue.notes.append(filed)
    if excluded:
        reason = f"{excluded} row(s) in excluded categories left out (items.exclude_categories)"
        catalogue.skipped.append(Skip("", mapping.table, reason, "metadata"))
    if without_image:
        reason = f"{without_image} row(s) without an image file left out (items.missing_images = count)"
        catalogue.skipped.append(Skip("", mapping.table, reason, "metadata"))
    photos = photo_files(root)
    meant = meant_photos([photo for photo in photos if photo not in named], astray)
    if meant:
        order = {path: number for number, path in enumerate(astray)}  # the rows' order
        shown = "; ".join(f"{astray[path]} names {path!r}, {photo} is the photo" for photo, path in
                          sorted(meant.items(), key=lambda pair: order[pair[1]])[:3]) + (
            f"; and {len(meant) - 3} more" if len(meant) > 3 else "")
        catalogue.skipped.append(Skip("", mapping.table, f"{len(meant)} row(s) name their photo by a path where it "
                                      f"is not ({shown}): write each as the photo's path from the catalogue folder",
                                      "metadata"))
    unlisted = unlisted_photos(photos, named | set(meant), mapping.table)
    if unlisted is not None:
        catalogue.skipped.append(unlisted)
    catalogue.skipped += hidden_folder_notes(root)  # photos set aside in a hidden folder, as a folder tree says
    if uncategorised:
        written = ", ".join(f"{raw!r} ({count})" for raw, count in sorted(uncategorised.items(), key=lambda rc: -rc[1]))
        catalogue.notes.append(Skip("", mapping.table, f"category cells {written} mean no category: those "
                                    f"{sum(uncategorised.values())} row(s) are the category {NO_CATEGORY!r} (items."
                                    "category_map files them elsewhere)", "value"))
    # a value the mapping's category_map lacks is a category of its own: said, as a forgotten entry
    # usually is what it means (trial O: only the category table named it)
    for raw, count in sorted(unmapped.items(), key=lambda rc: (-rc[1], rc[0])):
        if count <= 0:  # its only row was replaced by a later one
            continue
        catalogue.notes.append(Skip("", mapping.table, f"category {raw!r} on {count} row(s) is not in "
                                    f"items.category_map: kept as a category of its own, {category_name(raw).lower()!r}",
                                    "value"))


# more than this share of the outfits of two or more rows scattered: the table is not grouped by outfit at all
UNGROUPED_SHARE = 0.5
NO_CATEGORY = "unknown"  # the category of items whose category cell is a placeholder ("N/A", "-", "#N/A")
OUTFIT_ITEMS_AT_MOST = 30  # distinct items an outfit holds at most (MANGO's largest: 15; Polyvore's: 19)


def _no_look_markers(outfit_ids: list[str], in_product_sheet: bool) -> list[str]:
    """The outfit ids that mark items in no outfit rather than name one (trial EX: "x", "no", "0" each made an
    outfit of strangers): a word of :data:`~sane_desktop.catalogue.vocabulary.NO_LOOK_WORDS`, and a zero in a look
    column of the product sheet or where no other outfit has a number for its id (a table of outfits numbered from
    0 keeps its outfit 0, whatever other ids a few rows have: trial EY's stray "L9" dropped it)."""
    words = [outfit_id for outfit_id in outfit_ids if normalise_value(outfit_id) in NO_LOOK_WORDS]
    numbered = any(normalise_value(outfit_id).replace(".", "", 1).isdigit() and not is_zero(outfit_id)
                   for outfit_id in outfit_ids)
    return words + [outfit_id for outfit_id in outfit_ids if is_zero(outfit_id) and (in_product_sheet or not numbered)]


def _read_outfits(root: Path, mapping: Mapping, catalogue: Catalogue) -> None:
    required = {mapping.outfit_id_column: "outfits.outfit_id", mapping.outfit_item_column: "outfits.item_id"}
    said: list[str] = []
    rows = read_table(root, mapping.outfits_table, required, mapping.outfits_encoding, "outfits.encoding", said)
    known = {note.reason for note in catalogue.notes if note.path == mapping.outfits_table}  # (a look column's table)
    catalogue.notes += [Skip("", mapping.outfits_table, note, "value") for note in said if note not in known]
    reader = _RowReader(mapping, root)
    outfits: dict[str, OutfitRecord] = {}
    # each outfit's runs of rows (first and last place): an id whose rows come back after another
    # outfit's is two outfits under one id, likely (two exports joined), not one of their items together
    runs: dict[str, list[list[str]]] = {}
    previous = ""
    in_product_sheet = mapping.outfits_table == mapping.table
    for number, row in enumerate(rows, start=1):
        outfit_id = row[mapping.outfit_id_column].strip()
        item_id = reader.item_id(row[mapping.outfit_item_column])
        wrong = _wrong_cells(row, required)
        if wrong:
            named = "" if mapping.outfit_id_column in row.wrong or row.shape else outfit_id
            catalogue.skipped.append(Skip(named, row.where(mapping.outfits_table, number), f"row left out: {wrong}",
                                          "outfit"))
            continue
        if outfit_id and is_placeholder(outfit_id):  # "-", "n/a", "none": no look (trial EW: an outfit of strangers)
            if not in_product_sheet:
                catalogue.skipped.append(Skip("", row.where(mapping.outfits_table, number),
                                              f"row left out: outfit id {outfit_id!r} is a placeholder, no outfit",
                                              "outfit"))
            continue
        if not outfit_id or not item_id:
            if item_id and not outfit_id and in_product_sheet:
                continue  # a look column on the product sheet: a product in no look is no half row (trial EV)
            if outfit_id or item_id:  # half a row: said, as a wrong cell is (a row with neither is a blank line)
                empty = mapping.outfit_item_column if outfit_id else mapping.outfit_id_column
                catalogue.skipped.append(Skip(outfit_id, row.where(mapping.outfits_table, number),
                                              f"row left out: column {empty!r} ({required[empty]}) is empty",
                                              "outfit"))
            continue
        outfit = outfits.setdefault(outfit_id, OutfitRecord(outfit_id, []))
        # a repeat is kept here: the catalogue's pruning counts it once and says so
        outfit.positions.append(len(outfit.item_ids))
        outfit.item_ids.append(item_id)
        where = row.where(mapping.outfits_table, number)
        if outfit_id != previous or outfit_id not in runs:
            runs.setdefault(outfit_id, []).append([where, where])
        else:
            runs[outfit_id][-1][1] = where
        previous = outfit_id
    # trial V joined two exports: outfit 283's four rows and another 283's four, far apart, became one
    # outfit of 8 items without a word. Which rows go together is a guess: it is left out, and said. A table
    # whose outfits are mostly scattered is no such join but one sorted by another column (trial EV: MANGO's
    # sorted by item lost all 7,842): each outfit is read by its id, and that is said once.
    split = [outfit_id for outfit_id, places in runs.items() if len(places) > 1]
    if split and len(split) > UNGROUPED_SHARE * sum(len(outfit.item_ids) > 1 for outfit in outfits.values()):
        catalogue.notes.append(Skip("", mapping.outfits_table,
                                    f"not grouped by outfit ({len(split)} outfit(s) with rows in several places, "
                                    f"as a table sorted by another column): each outfit read by its id", "value"))
        runs = {}
    for outfit_id in _no_look_markers(list(outfits), in_product_sheet):
        count = len(set(outfits.pop(outfit_id).item_ids))
        runs.pop(outfit_id, None)
        catalogue.skipped.append(Skip(outfit_id, mapping.outfits_table,
                                      f"outfit dropped: its id {outfit_id!r} reads as a marker for items in no outfit "
                                      f"({count} item(s)), not an outfit's id: leave their cell empty", "outfit"))
    # more items than any outfit holds: a marker for "in no look" ("0"), not a look (trial EW)
    for outfit_id in [key for key, outfit in outfits.items() if len(set(outfit.item_ids)) > OUTFIT_ITEMS_AT_MOST]:
        count = len(set(outfits.pop(outfit_id).item_ids))
        runs.pop(outfit_id, None)
        catalogue.skipped.append(Skip(outfit_id, mapping.outfits_table,
                                      f"outfit dropped: {count} items, more than an outfit holds "
                                      f"({OUTFIT_ITEMS_AT_MOST}): a marker for items in no outfit? leave their cell "
                                      "empty", "outfit"))
    for outfit_id, places in runs.items():
        if len(places) > 1:
            del outfits[outfit_id]
            spans = ", ".join(first if first == last else f"{first} to {last.rsplit(' ', 1)[-1]}" for first, last in places)
            catalogue.skipped.append(Skip(outfit_id, mapping.outfits_table,
                                          f"outfit dropped: its rows are in {len(places)} places ({spans}), another "
                                          "outfit's between them — two outfits with one id? give each its own id, or "
                                          "put its rows together", "outfit"))
    catalogue.outfits = list(outfits.values())


def read_manifest_catalogue(root: Path, mapping_path: Path | None = None) -> Catalogue:
    """Read a manifest catalogue (structure only; images are validated by the caller)."""
    mapping = load_mapping(mapping_path or root / MAPPING_FILE_NAME)
    catalogue = Catalogue(root=root, format="manifest", name=mapping.name or root.name, metadata_file=mapping.table)
    catalogue.text_fields = ("title", "description", *mapping.text_columns)
    _read_items(root, mapping, catalogue)
    if mapping.outfits_table:
        catalogue.outfits_file = mapping.outfits_table
        _read_outfits(root, mapping, catalogue)
    return catalogue
