"""The attribute vocabulary SANE explains with.

Two kinds of attribute: *categorical* values from the catalogue's attribute columns, namespaced and
lower-cased (``colour:red``, ``pattern:stripe``), and descriptive *words* mined from titles and
descriptions (Plummer et al. mined 205 such words on Polyvore). Words are lower-cased tokens minus
English stop words, numbers, very short tokens, and the category names with their singular forms
(``dresses``, ``dress``): a category says nothing the type-aware model does not already know.
Counts are numbers of items, not of occurrences.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from sane_desktop.catalogue.types import Catalogue, ItemRecord, visible

MIN_WORD_LENGTH = 3
# the vowel signs, viramas and other marks written as part of a word in the Indic and Southeast Asian
# scripts (U+0900–U+17FF, U+A800–U+ABFF; not the Latin, Greek or Cyrillic accents, which split words as
# before): "लाल" is one word, not "ल" and "ल", "ชุด" not "ช" and "ด" (trial AE)
_IN_WORD_MARKS = "".join(chr(code) for code in (*range(0x0900, 0x1800), *range(0xA800, 0xAC00))
                         if unicodedata.category(chr(code))[0] == "M")
_LETTER = rf"(?:[^\W_]|[{re.escape(_IN_WORD_MARKS)}])"
_TOKEN = re.compile(rf"{_LETTER}+(?:'{_LETTER}+)?")

# The usual English function words (after the lists used by scikit-learn and NLTK), plus words that
# only describe the product listing rather than how the product looks.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost along already also although always am among an and
    another any anyone anything are around as at back be became because become been before behind
    being below between both but by can cannot could did do does doing done down during each either
    else enough even ever every few for from further get gets give go had has have having he her here
    hers herself him himself his how however i if in inc into is it its itself just least less like
    made make many may me might more most much must my myself neither never no nor not now of off
    often on once one only onto or other others our ours ourselves out over own per perhaps please
    put rather re same see seem seems several she should show since so some something still such
    than that the their theirs them themselves then there therefore these they this those though
    through thus to together too toward towards under until up upon us use used using very via was
    we well were what whatever when where whether which while who whole whom whose why will with
    within without would yet you your yours yourself yourselves
    new size sizes item items product products style styles shop buy sale free shipping com www
    http https polyvore fit fits wear worn features featuring available
    """.split()
) | frozenset(
    # words of a listing's praise, counts and sales copy: nothing a photo shows, so never the reason two
    # items match (trial O heard "both are good"; H&M's descriptions give "content", "approx", "best")
    """
    good best better great perfect nice lovely beautiful amazing premium exclusive essential essentials
    unique quality price midprice approx approximately content contains containing number minimum maximum
    create creates created creating add adds added designed help helps keep keeps keeping easy easier
    different various continue continues showcase showcases collection room two three four five six pack
    """.split()
) | frozenset(
    # what cameras, phones and file tools put in a file name, which a folder's titles are made of:
    # trial Y's "IMG_12.jpg" photos trained on "img", their one attribute, with a perfect mAP
    """
    img dsc dscn dscf pxl dcim jpg jpeg png heic heif webp tif tiff bmp screenshot untitled whatsapp edited
    mvimg pano burst hdr dji gopr pict copy
    """.split()
)
# a word on more than this share of a catalogue's items (of at least COMMON_LEAST) tells no item from
# another: not an attribute (the real catalogues' most common title word is on 32 % of H&M's items)
COMMON_SHARE = 0.8
COMMON_LEAST = 10
# in a folder tree (titles are file names), a word that sits inside a run of the file name joined with
# digits ("IMG_0004_HDR", "00100IMG_001_BURST001_COVER", "DJI_0009", "MVIMG_20230101") in at least this
# share of its uses is part of a code, not a word of the file's description (trial AA)
CODE_SHARE = 0.5
_NAME_RUNS = re.compile(r"[\s\-.,()\[\]]+")  # what separates a file name's words: spaces, hyphens, brackets


def code_words(catalogue: Catalogue) -> set[str]:
    """The words of a folder tree's file names that sit in a run with digits (letters, digits and
    underscores together: a camera's or a phone's code) in at least :data:`CODE_SHARE` of their uses;
    "IMG_1234 red dress" keeps "red" and "dress". Another format's titles are the catalogue's own
    text: none."""
    if catalogue.format != "folder":
        return set()
    coded: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for item in catalogue.items:
        for run in _NAME_RUNS.split(PurePosixPath(item.image_path).stem):
            has_digit = any(ch.isdigit() for ch in run)
            for token in tokenise(run):
                if not any(ch.isdigit() for ch in token):
                    uses[token] += 1
                    coded[token] += has_digit
    return {word for word, count in uses.items() if coded[word] >= CODE_SHARE * count}


@dataclass(frozen=True)
class VocabularyEntry:
    name: str  # "colour:red" for categorical values, the bare word for words
    kind: str  # "categorical" or "word"
    count: int  # number of items that have it


def lowered(text: str) -> str:
    """``text`` in Unicode NFC and lower case, Turkish's capital dotted İ as the i it capitalises: "İPEK" was
    "i̇pek" (an i and a combining dot), an attribute apart from "ipek", and two words "i" and "pek"."""
    return unicodedata.normalize("NFC", text).lower().replace("i\u0307", "i")


def normalise_value(value: str) -> str:
    """Lower case, single spaces, no invisible characters at the ends: ``"Light  Blue "`` -> ``"light blue"``
    (:func:`lowered`, :func:`~sane_desktop.catalogue.types.visible`)."""
    return " ".join(lowered(visible(value)).split())


# values a catalogue writes where it has none (H&M: "Unknown", "Undefined"): a missing label, never an
# attribute (a trial heard "both are unknown" for a grey skirt and a beige top, one item being "Unknown")
PLACEHOLDER_VALUES = frozenset({"unknown", "undefined", "not applicable", "n/a", "na", "none", "null", "nan",
                                "-", "--", "?", "not specified", "unspecified", "not available", "n.a.", "n/d",
                                "tbd", "tbc", "to be confirmed", "to be defined"})
# a spreadsheet's error values, written into an export where a lookup found nothing (trial EX: "#N/A" looks)
SPREADSHEET_ERRORS = frozenset({"#n/a", "#na", "#value!", "#ref!", "#name?", "#div/0!", "#null!", "#num!", "#spill!",
                                "#calc!", "#getting_data", "#error!"})


def is_placeholder(value: str) -> bool:
    """Whether a value means "no value": :data:`PLACEHOLDER_VALUES` and :data:`SPREADSHEET_ERRORS` (any case and
    spacing), or marks alone, no letter or digit ("—", "–", "..."; trial EX's em dash made a look)."""
    value = normalise_value(value)
    return value in PLACEHOLDER_VALUES or value in SPREADSHEET_ERRORS or \
        (bool(value) and not any(character.isalnum() for character in value))


# what a look column holds for "in no look", besides a placeholder (trial EX: each made a look of strangers); "0"
# only where the looks' ids are not numbers (manifest._no_look_markers: a table numbering its outfits from 0)
NO_LOOK_WORDS = frozenset({"x", "no", "false", "n"})


def is_zero(value: str) -> bool:
    """Whether ``value`` is a zero written as a number ("0", "00", "0.0")."""
    digits = normalise_value(value).replace(".", "", 1)
    return bool(digits) and digits.isdigit() and int(digits) == 0


def categorical_names(item: ItemRecord) -> set[str]:
    """The item's labelled ``kind:value`` names; empty values and placeholders ("Unknown") are missing."""
    return {
        f"{normalise_value(namespace)}:{normalise_value(value)}"
        for namespace, value in item.attributes.items()
        if normalise_value(value) and not is_placeholder(value)  # a zero-width space is no value (trial DP's kind)
    }


def singular(word: str) -> str:
    """A good-enough English singular for category names (``dresses`` -> ``dress``)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def tokenise(text: str) -> list[str]:
    return _TOKEN.findall(lowered(text))


def category_words(catalogue: Catalogue) -> set[str]:
    names = {item.category for item in catalogue.items} | {item.fine_category for item in catalogue.items}
    words = {token for name in names for token in tokenise(name)}
    return words | {singular(word) for word in words}


def item_text(item: ItemRecord, text_fields: Iterable[str]) -> str:
    parts = []
    for field_name in text_fields:
        value = getattr(item, field_name, None) if field_name in ("title", "description") else item.extra.get(field_name)
        if isinstance(value, str):
            parts.append(value.replace("-", " "))  # url slugs: "red-silk-dress"
    return " ".join(parts)


def item_words(item: ItemRecord, text_fields: Iterable[str], excluded: set[str]) -> set[str]:
    return {
        token
        for token in tokenise(item_text(item, text_fields))
        if len(token) >= MIN_WORD_LENGTH
        and not any(ch.isdigit() for ch in token)
        and token not in STOP_WORDS
        and token not in excluded
    }


def build_vocabulary(
    catalogue: Catalogue,
    min_count: int = 5,
    *,
    min_value_count: int = 1,
    max_words: int | None = None,
    extra_stop_words: Iterable[str] = (),
) -> list[VocabularyEntry]:
    """Categorical values (on at least ``min_value_count`` items), sorted by name, then words (on at
    least ``min_count`` items, and on at most :data:`COMMON_SHARE` of them in a catalogue of
    :data:`COMMON_LEAST` items or more; the ``max_words`` most frequent if given), most frequent first."""
    values: Counter[str] = Counter()
    words: Counter[str] = Counter()
    excluded = category_words(catalogue) | {lowered(w) for w in extra_stop_words} | code_words(catalogue)
    for item in catalogue.items:
        values.update(categorical_names(item))
        words.update(item_words(item, catalogue.text_fields, excluded))
    categorical = [VocabularyEntry(name, "categorical", n) for name, n in sorted(values.items()) if n >= min_value_count]
    items = len(catalogue.items)
    common = COMMON_SHARE * items if items >= COMMON_LEAST else float("inf")
    frequent = sorted(((w, n) for w, n in words.items() if min_count <= n <= common), key=lambda wn: (-wn[1], wn[0]))
    if max_words is not None:
        frequent = frequent[:max_words]
    return categorical + [VocabularyEntry(word, "word", n) for word, n in frequent]


def item_attributes(catalogue: Catalogue, vocabulary: Iterable[VocabularyEntry]) -> dict[str, list[str]]:
    """For every item, the vocabulary names it has (vocabulary order); items with none map to []."""
    order = {entry.name: index for index, entry in enumerate(vocabulary)}
    excluded = category_words(catalogue)
    result: dict[str, list[str]] = {}
    for item in catalogue.items:
        present = categorical_names(item) | item_words(item, catalogue.text_fields, excluded)
        result[item.item_id] = sorted((name for name in present if name in order), key=order.__getitem__)
    return result
