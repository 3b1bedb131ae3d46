"""The one internal representation every catalogue reader produces.

Readers (Polyvore layout, manifest, plain folder) turn a folder into a :class:`Catalogue`; the store
writes it to the database; training and evaluation read it back. Ids are the catalogue's own, as
strings. Image paths are POSIX paths relative to the catalogue root (never absolute, never escaping).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sane_desktop.errors import InputError
from sane_desktop.paths import is_text, shown, visible, written_form  # noqa: F401 - the catalogue readers' names for them

SPLITS = ("train", "valid", "test")


class CatalogueError(InputError):
    """The catalogue as a whole cannot be read (unknown layout, malformed metadata file); the
    message names the file and what is wrong."""


# files a metadata table is mistaken for, by their first bytes: what they are, for the one-line error
# (trial T: an .xlsx and a UTF-16 "Unicode Text" export were both "not UTF-8 text (… byte 0x99 …)")
_FILE_KINDS = (
    (b"PK\x03\x04", "a workbook or other zip archive (Excel .xlsx, OpenDocument .ods), which is not read: "
                     "export the sheet as CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls), which is not read: export the sheet as CSV UTF-8"),
    (b"%PDF", "a PDF, which is not read: export the table as CSV UTF-8"),
    (b"\xff\xfe", "UTF-16 text (a spreadsheet's \"Unicode Text\"): save it as UTF-8 (spreadsheets: CSV UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (a spreadsheet's \"Unicode Text\"): save it as UTF-8 (spreadsheets: CSV UTF-8)"),
)


def table_text(raw: bytes) -> str:
    """A text table's bytes as text: UTF-8 (a byte-order mark tolerated), or UTF-16 with its byte-order mark (a
    spreadsheet's "Unicode Text", trial T) or without one, told by its NUL bytes: half of UTF-16's bytes are NUL
    where the text is Latin, which UTF-8 text never holds (trial EO's read as "missing column 'A\\x00r\\x00t…'",
    or "not UTF-8 text (line 2…)" at the first accent). Raises UnicodeDecodeError (:func:`not_utf8` words it)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    head = raw[:4096] if len(raw) % 2 == 0 else b""  # UTF-16 is pairs of bytes
    if head.count(b"\x00") * 4 >= len(head) > 0:  # a quarter of the head NUL: not UTF-8 text
        odd, even = head[1::2].count(0), head[0::2].count(0)
        return raw.decode("utf-16-le" if odd > even else "utf-16-be")
    return raw.decode("utf-8-sig")


def utf8_text(raw: bytes, shown: str) -> str:
    """A JSON or text file's bytes as UTF-8 text (a byte-order mark tolerated). Raises CatalogueError for NUL bytes
    (UTF-16 without its byte-order mark passed as UTF-8 when ASCII: trial EO's kind) and UnicodeDecodeError."""
    if b"\x00" in raw[:4096]:
        raise CatalogueError(f"{shown}: UTF-16 text or a binary file (it holds NUL bytes): save it as UTF-8")
    return raw.decode("utf-8-sig")


# Excel's "CSV (Comma delimited)" and "Text (Tab delimited)" on Western European Windows: the one legacy encoding
# a table is read in when its mapping names it (items.encoding, outfits.encoding); any Python codec may be named
WESTERN_WINDOWS = "cp1252"


def first_words_in(text: str, count: int = 3) -> list[str]:
    """The first ``count`` distinct words of ``text`` holding a character outside ASCII: what a person checks to see
    whether an encoding read the file right ("Pantalón", not "PantalÃ³n")."""
    found: list[str] = []
    for word in text.replace(",", " ").replace(";", " ").replace("\t", " ").split():
        word = word.strip("\"'")
        if not word.isascii() and word not in found:
            found.append(word)
            if len(found) == count:
                break
    return found


def reads_as(raw: bytes, encoding: str) -> str | None:
    """``raw`` decoded with ``encoding``, None when it cannot be or holds control characters other than tab and line
    ends (a binary file decodes as cp1252 too)."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text[:65536]):
        return None
    return text


def not_utf8(shown: str, error: UnicodeDecodeError, encoding_key: str = "") -> CatalogueError:
    """The error for a metadata file that is not UTF-8: what it is when its first bytes say (a
    workbook, a PDF, UTF-16 text), else the line of the first bad byte (a trial read "byte 61" as a
    byte's value) and what to do: ``error.object`` is the file's bytes."""
    data = bytes(error.object)
    for magic, kind in _FILE_KINDS:
        if data.startswith(magic):
            return CatalogueError(f"{shown}: {kind}")
    line = data[: error.start].count(b"\n") + 1
    western = reads_as(data, WESTERN_WINDOWS) if encoding_key else None
    words = first_words_in(western or "")
    # a table a mapping reads may name its encoding: said with the words it gives, for the person to check (trial EV)
    also = (f", or, if it is Excel's Western \"CSV (Comma delimited)\" (read so, it has {', '.join(words)}), name that "
            f"encoding in the mapping: {encoding_key} \"{WESTERN_WINDOWS}\"") if words else ""
    return CatalogueError(f"{shown}: not UTF-8 text (line {line}: byte 0x{data[error.start]:02x} at offset "
                          f"{error.start}); save it as UTF-8 (spreadsheets: CSV UTF-8){also}")


@dataclass
class ItemRecord:
    """One product."""

    item_id: str
    image_path: str  # relative to the catalogue root, POSIX separators
    category: str  # semantic category ("tops", "shoes", ...): the type of the type-aware model
    fine_category: str = ""  # finer product type where the catalogue has one
    title: str = ""
    description: str = ""
    # categorical attribute columns, e.g. {"colour": "red", "pattern": "striped"}
    attributes: dict[str, str] = field(default_factory=dict)
    # a stratum for fair negatives (MANGO's shoot season); "" when the catalogue has none
    group: str = ""
    # the product this item is a variant of (a colourway, a size: H&M's product_code); "" when none is
    # known. Variants share their description and much of their look, so they share a split
    product: str = ""
    # image facts filled in by validation
    width: int = 0
    height: int = 0
    image_format: str = ""
    image_mode: str = ""
    content_hash: str = ""  # sha256 of the image file's bytes
    file_size: int | None = None  # bytes, from the stat taken before the file was read
    file_mtime_ns: int | None = None  # st_mtime_ns of that stat
    file_ctime_ns: int | None = None  # st_ctime_ns of that stat (None: not known)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutfitRecord:
    """An outfit: an ordered list of item ids. ``index`` positions follow the catalogue (Polyvore's
    ``setid_index`` numbering), so ``positions[i]`` is the index of ``item_ids[i]``."""

    outfit_id: str
    item_ids: list[str]
    positions: list[int] = field(default_factory=list)
    title: str = ""


@dataclass
class SplitRecord:
    """Assignment of outfits to train/valid/test under one protocol (``nondisjoint``, ``disjoint``,
    or ``generated`` for catalogues whose splits the app drew itself)."""

    protocol: str
    split: str
    outfit_ids: list[str]


@dataclass
class FitbQuestion:
    """Fill in the blank: the outfit's other items, 4 candidate answers, the right one's position."""

    protocol: str
    split: str
    number: int  # position in the source file: a stable natural key
    outfit_id: str
    question_item_ids: list[str]
    answer_item_ids: list[str]
    correct: int  # index into answer_item_ids
    blank_position: int = 0


@dataclass
class CompatibilityQuestion:
    """An outfit labelled compatible (1) or not (0)."""

    protocol: str
    split: str
    number: int
    label: int
    item_ids: list[str]


@dataclass
class Skip:
    """Something left out at import, with the reason. ``kind`` is ``item``, ``outfit``,
    ``question`` or ``metadata`` (a file or folder that is no item: unreadable sub-folder, a file
    that is not an image, a summary line). Its texts are made printable (:func:`shown`)."""

    item_id: str
    path: str
    reason: str
    kind: str = "item"

    def __post_init__(self) -> None:
        # a skip often names what could not be decoded: keep the report itself storable and printable
        self.item_id, self.path, self.reason = shown(self.item_id), shown(self.path), shown(self.reason)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.item_id, "path": self.path, "reason": self.reason, "kind": self.kind}


@dataclass
class Catalogue:
    """Everything read from one catalogue folder."""

    root: Path
    format: str  # "polyvore", "manifest" or "folder"
    name: str = ""
    items: list[ItemRecord] = field(default_factory=list)
    outfits: list[OutfitRecord] = field(default_factory=list)
    splits: list[SplitRecord] = field(default_factory=list)
    fitb: list[FitbQuestion] = field(default_factory=list)
    compatibility: list[CompatibilityQuestion] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # values read otherwise than written, items kept (kind "value"): a category outside the mapping's category_map
    notes: list[Skip] = field(default_factory=list)
    # the file the items' labels were read from (a manifest's table, Polyvore's metadata JSON; ""
    # for a folder tree): a note on a value names it, as a row's problem names its line
    metadata_file: str = ""
    outfits_file: str = ""  # the file its outfits were read from, when another ("": none, or the same)
    # free text columns mined for descriptive words (besides title and description)
    text_fields: tuple[str, ...] = ("title", "description")
    # item ids left out on purpose (a mapping's exclude_categories): an outfit naming one says so, not "unknown item"
    excluded: set[str] = field(default_factory=set)

    def item_by_id(self) -> dict[str, ItemRecord]:
        return {item.item_id: item for item in self.items}

    def items_with_photo(self) -> list[ItemRecord]:
        """The items whose photo file is there (one stat each, nothing decoded): what a read without
        image validation can promise indexing will read."""
        return [item for item in self.items if (self.root / item.image_path).is_file()]

    def categories(self) -> list[str]:
        return sorted({item.category for item in self.items})

    def left_out_words(self) -> str:
        """Why items are missing from what was read, for a message that finds too little in it:
        ": 3 items were left out when it was read (a.jpg: image file not found; …)", or "" when none
        was (trial AO: photos deleted, then Train said "neither training outfits nor attributes" of a
        catalogue that had both)."""
        left = [skip for skip in self.skipped if skip.kind == "item"]
        if not left:
            return ""
        # a file named as a photo first: the one its owner meant to be read (trial DV's fake.jpg was behind
        # "and 2 more", a readme and a table named before it)
        left.sort(key=lambda skip: not (mimetypes.guess_type(skip.path or "")[0] or "").startswith("image/"))
        shown = "; ".join(f"{skip.path or skip.item_id}: {skip.reason}" for skip in left[:2])
        more = f"; and {len(left) - 2} more" if len(left) > 2 else ""
        return (f": {len(left)} item{' was' if len(left) == 1 else 's were'} left out when it was read "
                f"({shown}{more})")


# the escapes the text output writes (repr's), read back by unescaped()
_ESCAPE = re.compile(r"\\(?:([ntr])|x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8}))")


def unescaped(text: str) -> str:
    """``text`` with the escapes the text output writes read back, so an id copied from ``items`` finds its item:
    those of control characters (a newline as ``\\n``, ``\\x1b``, ``\\u200b``: ``repr``'s, only for characters
    that are not printable), and those a terminal that takes ASCII only writes for every other character
    (``PYTHONIOENCODING=ascii``: 鞋 as ``\\u978b``; trial DP could not paste such an id back). An escape of a
    printable ASCII character is no such escape and stays as written."""
    def back(match: re.Match[str]) -> str:
        letter, *codes = match.groups()
        char = {"n": "\n", "t": "\t", "r": "\r"}[letter] if letter else chr(int(next(c for c in codes if c), 16))
        return match.group(0) if char.isprintable() and char.isascii() else char

    return _ESCAPE.sub(back, text)


def category_name(text: str) -> str:
    """A category as written in a table or a folder's name, in one form: Unicode NFC, runs of spaces as
    one, ends stripped of spaces and invisible characters (trial T: a Mac's decomposed "é" made a second
    "Faldas café" that looked like the first, and a folder "Bolsos " kept its space in every message);
    "" when nothing in it shows. Inside it, a soft hyphen, zero-width space, word joiner or byte-order mark (which
    show nothing) is dropped, and a word processor's hyphen (U+2010, U+2011), a minus sign or a full-width hyphen is
    the hyphen: trial EW's "T‑shirt" and "T\u00adshirt" beside "T-shirt" were three categories that print alike."""
    return written_form(text.translate(_INSIDE))


_INSIDE = str.maketrans({**{invisible: None for invisible in "\u00ad\u200b\u2060\ufeff"},
                         **{dash: "-" for dash in "\u2010\u2011\u2212\ufe63\uff0d"}})


def singular_key(text: str) -> str:
    """A category's name as one spelled two ways compares: its letters and digits only, folded, an English plural
    made singular ("T-Shirts", "tshirt"; "Dresses", "dress"; "Accessories", "accessory")."""
    letters = "".join(char for char in value_key(text) if char.isalnum())
    if len(letters) > 4 and letters.endswith("ies"):
        return letters[:-3] + "y"
    if len(letters) > 4 and letters.endswith(("sses", "shes", "ches", "xes")):
        return letters[:-2]
    return letters[:-1] if len(letters) > 3 and letters.endswith("s") and not letters.endswith("ss") else letters


def value_key(text: str) -> str:
    """How a table's value is matched against a mapping's value map (``category_map``, an attribute's
    ``map``, ``exclude_categories``): Unicode NFC, runs of spaces as one, ends stripped, case folded.
    A spreadsheet's "BLUSAS" beside "Blusas", or a Mac's decomposed "é", is one value (trial T: a
    "BLUSAS" row missed {"Blusas": "tops"} and became a category of its own, searched by looks alone), and so
    are hyphens written as a word processor's (U+2010, U+2011), a minus sign or a full-width hyphen.
    Turkish's capital dotted İ is read as the letter i it capitalises ("İÇ GİYİM" is "iç giyim")."""
    # a capital dotted İ folds to "i" + a combining dot: "İç giyim" is "iç giyim" written in capitals (trial CN);
    # a word processor's hyphens are the hyphen (category_name: "T‑shirt" missed the map's "T-shirt", trial EV)
    return category_name(text).casefold().replace("i\u0307", "i")


def spelled_as(name: str, names: Sequence[str]) -> str:
    """The one of ``names`` that ``name`` is, written otherwise (letter case, spaces, Unicode form:
    "tops", " Tops", a decomposed "é"; escapes as the text output prints them, :func:`unescaped`), when
    exactly one is; else ``name`` as written. How a person's
    category is found among the catalogue's, by ``--category``, ``--category-map`` and the like."""
    if name in names:
        return name
    if "\\" in name and (back := unescaped(name)) != name and (found := spelled_as(back, names)) in names:
        return found  # as the text output printed it (an ASCII-only terminal's "Caf\\xe9": trial DQ)
    same = [known for known in names if value_key(known) == value_key(name)]
    if name == name.upper():  # typed in capitals, Turkish's way too: "AYAKKABI" is "Ayakkabı", whose dotless ı is
        # I in capitals (trial CO); only then, as "kir" and "kır" are two words (a review), and "KIR" beside both
        # is either: not chosen unsaid (trial CQ)
        same = list(dict.fromkeys([*same, *(known for known in names
                                            if value_key(_turkish_upper(known)) == value_key(name))]))
    return same[0] if len(same) == 1 else name


def _turkish_upper(text: str) -> str:
    """``text`` in capitals as Turkish writes them: i → İ, ı → I, then the rest as usual."""
    return text.replace("i", "İ").replace("ı", "I").upper()
