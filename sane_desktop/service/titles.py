"""Words a stylist reads: a readable title for an item whose catalogue title is a code, and the one
sentence that says what an explaining attribute means. Qt-free, no I/O: the GUI and the CLI show
the same words.

Titles: a catalogue without a title column (MANGO) leaves the importer the file name or the id
("2023 57064028 09"). :func:`readable_title` keeps every real title and composes one for a code
from the item's metadata: colour + material + type ("Brown handbag", "Blue denim jeans"), the type
taken from a type-like attribute (``type:``, ``family:``, ``garment:`` …) or else the category.

Sentences: attribute names are ``kind:value`` (``motif:bolt``, ``colour:green``,
``pattern:dotted``, ``fabric:denim``) or a bare word mined from text (``floral``).
:func:`match_sentence` says in plain words what the two items share and that the highlighted
areas drove the match; a kind it does not know gets a generic sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sane_desktop.paths import visible
from sane_desktop.store.facet_names import COLOUR_KINDS  # re-exported beside the other kinds
from sane_desktop.store.words import letter_runs, sort_key  # sort_key: re-exported for the window

# words that make a title a file or product code rather than a name (camera files, references)
CODE_WORDS = frozenset({"img", "dsc", "dscn", "dscf", "pxl", "image", "photo", "pic", "picture", "scan", "sku",
                        "ref", "item", "product", "copy", "screenshot", "jpg", "jpeg", "png", "webp"})
TYPE_KINDS = ("type", "product_type", "fine_category", "garment_type", "subcategory", "family", "garment")
MATERIAL_KINDS = ("fabric", "material")
# a fabric value that says how the cloth is made, not what of: "Both are woven", never "made of woven"
# (trial J); a past participle ("quilted", "brushed") is one too
CONSTRUCTION_WORDS = frozenset({"woven", "knit", "knitted", "crochet", "stretch", "jersey knit", "non-woven"})


def material_words(words: str) -> str:
    """What two items of fabric ``words`` both are: "made of denim", but "woven", "quilted" (how
    the cloth is made, not what of)."""
    last = words.casefold().split()[-1] if words.split() else ""
    made = words.casefold() in CONSTRUCTION_WORDS or last in CONSTRUCTION_WORDS or last.endswith("ed")
    return words if made else f"made of {words}"
# materials worth naming in a title (a fabric column also holds weave names: "woven", "circular knit")
MATERIALS = frozenset({"leather", "faux leather", "denim", "suede", "wool", "cotton", "linen", "silk", "satin",
                       "velvet", "corduroy", "knitwear", "cashmere", "lace", "sequin", "sequins", "canvas",
                       "straw", "raffia", "jersey", "tweed", "fleece"})
UNINFORMATIVE = frozenset({"", "other", "others", "unknown", "undefined", "none", "n/a", "na", "-", "general",
                           "various", "mixed", "misc",
                           # a flat folder's photos (catalogue.folder.ROOT_CATEGORY): no type to name
                           "uncategorised", "uncategorized"})
# nouns without a singular, or whose singular reads wrong
PLURAL_ONLY = frozenset({"trousers", "jeans", "shorts", "leggings", "tights", "pants", "glasses", "sunglasses",
                         "pyjamas", "joggers", "clothes", "accessories", "earrings", "sneakers", "trainers",
                         "boots", "sandals", "shoes", "heels", "flats", "loafers", "socks", "gloves", "jewellery",
                         "jewelry", "swimwear", "footwear", "knitwear", "outerwear", "underwear", "beachwear",
                         "lingerie", "mules", "slippers", "overalls", "dungarees", "briefs", "bottoms"})
MOTIF_WORDS = {"bolt": "lightning-bolt", "lightning": "lightning-bolt", "flower": "flower", "heart": "heart",
               "star": "star", "moon": "crescent-moon", "cross": "cross", "diamond": "diamond"}
PATTERN_PLAIN = frozenset({"solid", "plain", "solid colour", "solid color", "uni"})
DROVE = "the highlighted areas drove the match."
# the models' category names a stylist would not guess (Polyvore's), said with what they hold
CATEGORY_HINTS = {"all-body": "dresses, jumpsuits", "swim-intimate": "swimwear, lingerie"}


# --- titles -----------------------------------------------------------------------------------
def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def looks_like_code(title: str, item_id: str = "") -> bool:
    """Whether ``title`` names nothing a person reads: empty, the item's id again, or no word of three
    letters or more besides file and reference words ("2023 57064028 09", "IMG_2034", "53000586-TO")."""
    title = visible(title)
    if not title:
        return True
    if item_id and _normal(title) == _normal(item_id) and any(ch.isdigit() for ch in title):
        return True
    words = [word.casefold() for word in letter_runs(title)]  # a vowel sign stays in its word (trial AE)
    return not any((len(word) >= 3 or _wide(word)) and word not in CODE_WORDS for word in words)


def _wide(word: str) -> bool:
    """A word in a wide script (Chinese, Japanese, Korean), where one or two characters are a word
    ("上衣 红色", a top in red: trial T's was read as a code and titled with its folder's name)."""
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in word)


def category_noun(category: str) -> str:
    """A category as a sentence names it: a model's name a stylist would not say, as what it holds ("all-body":
    "dresses and jumpsuits"; trial DA read "No matches learnt for your all-body"); any other as it is."""
    hint = CATEGORY_HINTS.get(category)
    return " and ".join(hint.split(", ")) if hint else category


def category_label(category: str) -> str:
    """A category as a list shows it: the name, and for a model's name a stylist would not guess
    what it holds ("all-body (dresses, jumpsuits)"; trial G read "all-body" among the targets)."""
    hint = CATEGORY_HINTS.get(category)
    return f"{category} ({hint})" if hint else category


def ends_in_code(title: str) -> bool:
    """Whether ``title`` ends in a code, its last word holding a digit ("Blusen 2019 53051234 02"):
    shortened in a tile, such a title keeps its end (what tells two of them apart) as well as its start."""
    words = title.split()
    return bool(words) and any(char.isdigit() for char in words[-1])


def attribute_parts(name: str) -> tuple[str, str]:
    """``kind:value`` -> (kind, value); a bare word -> ("", word). Both stripped, as written."""
    kind, sep, value = name.partition(":")
    return (kind.strip(), value.strip()) if sep else ("", name.strip())


def _first(attributes: Sequence[str], kinds: Sequence[str]) -> str:
    found = {}
    for name in attributes:
        kind, value = attribute_parts(name)
        kind = kind.casefold()
        if kind in kinds and value.casefold() not in UNINFORMATIVE and kind not in found:
            found[kind] = value
    return next((found[kind] for kind in kinds if kind in found), "")


def singular(noun: str) -> str:
    """A naive singular of a one-word English noun ("bags" -> "bag", "dresses" -> "dress",
    "accessories" stays); anything longer is kept as written."""
    word = noun.strip()
    lower = word.casefold()
    if not re.fullmatch(r"[^\W\d_]+", word) or lower in PLURAL_ONLY or len(word) < 4:
        return word
    if lower.endswith("ies"):
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def readable_title(title: str, category: str, attributes: Sequence[str] = (), item_id: str = "",
                   product_type: str = "") -> str:
    """``title`` when it is one; for a code, a title composed from the item's metadata: its colour,
    a named material, and its type (the catalogue's product type, else a type-like attribute, else
    the category), e.g. "Brown handbag" — a trial read "Blue accessories" for a sandal whose product
    type MANGO gives. With the type alone to compose from, the code follows it ("Top 0523489001":
    a folder of coded photos read "Top, Top, Top…"). With nothing, the title as it was (else the id)."""
    if not looks_like_code(title, item_id):
        return title
    colour = _first(attributes, COLOUR_KINDS)
    material = _first(attributes, MATERIAL_KINDS)
    material = material if material.casefold() in MATERIALS else ""
    typed = product_type.strip()  # a word for a type, not a code or a number ("type 3")
    typed = "" if typed.casefold() in UNINFORMATIVE or looks_like_code(typed) or any(c.isdigit() for c in typed) else typed
    noun = typed or _first(attributes, TYPE_KINDS) or ("" if category.casefold() in UNINFORMATIVE else category)
    noun = singular(noun.replace("_", " "))
    code = visible(title) or item_id  # a title of a zero-width space read "Dresses \u200b" (trial DP)
    if not noun:
        return code
    # a type that already names the colour or material ("BLUE PUFFER COAT", colour Blue) says it once (trial P)
    named = noun.casefold().split()
    described = bool(colour or material)  # the title describes the item: no code after it
    colour, material = ("" if part and all(word in named for word in part.casefold().split()) else part
                        for part in (colour, material))
    parts = [part for part in (colour, material, noun) if part]
    # A name alone keeps its capitals ("Tops & Tees 0316441005", as the folder reads: trial N);
    # in a phrase, title case reads as words of a sentence ("Light blue top").
    words = " ".join(_sentence_case(part) for part in parts) if described else parts[0]
    words = words[:1].upper() + words[1:]
    return words if described or not code else f"{words} {code}"


def _sentence_case(part: str) -> str:
    """``part`` in lower case when it is written in title case ("Light Blue", "T-Shirts") or in
    sentence case, only its first word capitalised ("Puffer coat": trial O read "Blue Puffer coat"),
    an acronym kept ("USB"); else as written: a name with a capital after a lower-case word carries
    its capitals (German nouns: a trial's "Hosen und Röcke" read "Hosen und röcke")."""
    words = [word for word in part.split() if word[:1].isalpha()]
    if len(words) > 1 and all(word.isupper() for word in words):  # shouted ("BLUE PUFFER COAT"): no acronyms
        return part.lower()
    capitals = [word[:1].isupper() for word in words]
    if not (all(capitals) or (capitals[:1] == [True] and not any(capitals[1:]))):
        return part
    return " ".join(word if len(word) > 1 and word.isupper() else word.lower() for word in part.split(" "))


# --- what an attribute means --------------------------------------------------------------------
def kind_label(kind: str) -> str:
    """An attribute kind (a mapping's key) as a heading: ``colour_family`` -> "Colour family",
    ``graphical-appearance`` -> "Graphical appearance"; the rest of the word as written."""
    words = " ".join(kind.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def _article(phrase: str) -> str:
    return "an" if phrase[:1].casefold() in "aeiou" else "a"


def attribute_words(name: str) -> str:
    """The attribute as words: ``motif:bolt`` -> "lightning-bolt motif", ``colour:green`` -> "green",
    ``pattern:dotted`` -> "dotted pattern", a bare word as it is."""
    kind, value = attribute_parts(name)
    kind, words = kind.casefold(), value.replace("_", " ").strip()
    if kind == "motif":
        return f"{MOTIF_WORDS.get(words.casefold(), words)} motif"
    if kind in ("pattern", "print"):
        return "plain colour" if words.casefold() in PATTERN_PLAIN else f"{words} pattern"
    if kind in MATERIAL_KINDS:
        return f"{words} fabric"
    return words


def attribute_thing(attribute: str) -> str:
    """The attribute as a thing an item shows: :func:`attribute_words`, a colour said as one ("green
    colour"), a product type as a kind ("kind (trousers)")."""
    kind, value = attribute_parts(attribute)
    kind = kind.casefold()
    if kind in COLOUR_KINDS:
        return f"{value.replace('_', ' ').strip()} colour"
    if kind in TYPE_KINDS:
        return f"kind ({value.replace('_', ' ').strip()})"
    return attribute_words(attribute)


def match_sentence(attribute: str, both: bool = True, own: bool = True) -> str:
    """One sentence for the default explanation view: what the two items share (``both``: the
    outfit item has it too; ``own``: this item shows it) and where, e.g. "Both have a lightning-bolt
    motif — the highlighted areas drove the match." An empty ``attribute``: what the highlight means,
    alone. An attribute this item hardly shows is never said as shared: trial DJ read "Both have a
    lightning-bolt motif" of a checked t-shirt whose bolt the model put at 0.02, the bag's at 1.00."""
    if not attribute.strip():
        return "The highlighted areas are what made these two a match."
    if not own:
        thing = attribute_thing(attribute)
        return (f"The outfit item's {thing} carries this match, though this item hardly shows it — {DROVE}" if both
                else f"Nearest reason: {_article(thing)} {thing}, though neither item clearly shows it — {DROVE}")
    kind, value = attribute_parts(attribute)
    kind, words = kind.casefold(), value.replace("_", " ").strip()
    if kind == "motif":
        phrase = attribute_words(attribute)
        return (f"Both have {_article(phrase)} {phrase} — {DROVE}" if both
                else f"This item's {phrase} goes with the outfit item — {DROVE}")
    if kind in COLOUR_KINDS:
        return (f"Both are {words} — {DROVE}" if both
                else f"This item's {words} colour goes with the outfit item — {DROVE}")
    if kind in ("pattern", "print"):
        if words.casefold() in PATTERN_PLAIN:
            return (f"Both are plain, without a pattern — {DROVE}" if both
                    else f"This item's plain colour goes with the outfit item — {DROVE}")
        return (f"Both have {_article(words)} {words} pattern — {DROVE}" if both
                else f"This item's {words} pattern goes with the outfit item — {DROVE}")
    if kind in MATERIAL_KINDS:
        return (f"Both are {material_words(words)} — {DROVE}" if both
                else f"This item's {words} fabric goes with the outfit item — {DROVE}")
    if kind in TYPE_KINDS:  # a product type (MANGO's family, H&M's garment): "Both are jeans", not “family jeans”
        return (f"Both are {words} — {DROVE}" if both
                else f"This item's type, {words}, goes with the outfit item — {DROVE}")
    label = words if not kind else f"{kind} {words}"
    return (f"Both share “{label}” — {DROVE}" if both
            else f"“{label}” on this item goes with the outfit item — {DROVE}")


SENTENCE_TITLE_CHARS = 30  # an item named inside a sentence; its row, tile and tooltip give it whole


def short_title(title: str, limit: int = SENTENCE_TITLE_CHARS) -> str:
    """``title`` for a sentence that names it among others: whole up to ``limit`` characters, else cut
    at the last word that fits, with "…" (never mid-word; a first word longer than ``limit`` is cut).
    A trial's outfit sentence named "Black checked cropped jacket with a crescent moon print" twice and lost
    its end, which named the item carrying most of the match, to the panel's three lines."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    if " " not in title[: limit]:
        return title[: limit - 1] + "…"
    words = title[: limit].rsplit(" ", 1)[0].split(" ")
    while len(words) > 1 and words[-1].casefold() in _LINKING_WORDS:  # "Blue shopper with a…" reads cut off
        words.pop()
    return " ".join(words).rstrip(" ,;:-–—(") + "…"


_LINKING_WORDS = frozenset({"a", "an", "the", "with", "and", "of", "in", "on", "for", "to", "&", "-", "–", "—"})


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``counted(1, "item")`` → "1 item", 2 → "2 items"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


class UnsearchedItems(Protocol):
    """A category's items a search could not list (``retrieval.search.Unsearched``)."""

    @property
    def category(self) -> str: ...
    @property
    def without_embedding(self) -> tuple[str, ...]: ...
    @property
    def not_in_index(self) -> int: ...
    @property
    def count(self) -> int: ...


def unsearched_words(unsearched: Sequence[UnsearchedItems], shown: int = 3) -> str:
    """What a search could not list, without the way out (the command line says "re-index", the
    window links it): "2 Bags items are not searched: x1, x2 — no picture of them was indexed (an item
    added since indexing, or a photo that could not be read)"; "" when none."""
    parts = []
    for entry in unsearched:
        ids = list(entry.without_embedding[:shown])
        more = entry.count - len(ids)
        named = ", ".join(ids) + (f" and {more} more" if ids and more else "")
        parts.append(f"{counted(entry.count, entry.category + ' item')} {'is' if entry.count == 1 else 'are'} not "
                     f"searched" + (f": {named}" if named else ""))
    if not parts:
        return ""
    why = []
    if any(entry.without_embedding for entry in unsearched):
        why.append("no picture of them was indexed (an item added since indexing, or a photo that could not be read)")
    if any(entry.not_in_index for entry in unsearched):
        why.append("an indexing run embedded them but has not built the index (it stopped, or is still running)")
    return f"{'; '.join(parts)} — {'; '.join(why)}"


def saved_outfit_words(entry: Mapping[str, Any]) -> str:
    """What an import did to a saved outfit (an ``ImportSummary.saved_outfits`` entry: name, saved,
    lost, back, missing, photos_replaced), in a stylist's words: "“Casual” lost 1 of its 3 items (no longer in the
    catalogue: it comes back if its photo does)", "“Office”: 1 item found again (back in the folder,
    or its photo under a new name)". The command line and the index dialog say the same."""
    name, saved = f"“{entry['name']}”", int(entry["saved"])
    lost, back, missing = int(entry["lost"]), int(entry["back"]), int(entry["missing"])
    parts = []
    if back:
        parts.append(f"{counted(back, 'item')} found again (back in the folder, or {'its photo' if back == 1 else 'their photos'} "
                     "under a new name)")
    if lost:
        parts.append(f"lost {lost} of its {saved} items (no longer in the catalogue: {'it comes' if lost == 1 else 'they come'} "
                     f"back if {'its photo does' if lost == 1 else 'their photos do'})")
    elif missing:
        parts.append(f"{missing} of its {saved} items still missing")
    if replaced := int(entry.get("photos_replaced", 0)):  # (trial CM: a hat under the boots' title, unsaid)
        parts.append(replaced_photo_words(replaced))
    return f"{name}: {'; '.join(parts)}"


def replaced_photo_words(replaced: int) -> str:
    """"the photo of 1 item is not the one it was saved with (replaced in the folder): …" — a saved outfit
    whose items' photos a re-import found replaced under the same names."""
    if replaced == 1:
        return ("the photo of 1 item is not the one it was saved with (replaced in the folder): open the outfit to "
                "see it, and save it again to keep it")
    return (f"the photos of {replaced} items are not those they were saved with (replaced in the folder): open "
            "the outfit to see them, and save it again to keep them")


def local_time(indexed_at: str) -> str:
    """An ISO time from a manifest as a person reads it, in local time ("2026-11-30 21:04");
    "not recorded" when empty (never indexed, or indexed before the time was kept), the text as
    written when it does not parse."""
    from datetime import datetime

    if not indexed_at:
        return "not recorded"
    try:
        return datetime.fromisoformat(indexed_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return indexed_at


def closest_name(word: str, names: Sequence[str]) -> str | None:
    """The one of ``names`` a person most likely meant by ``word`` (a typo, a singular for a plural:
    difflib's ratio ≥ 0.6 with case folded, else a name that starts with it), None when none is."""
    import difflib

    folded = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6) \
        or [name for name in folded if name.startswith(word.casefold()) and word.strip()][:1]
    return folded[close[0]] if close else None


def did_you_mean(word: str, names: Sequence[str]) -> str:
    """"; did you mean 'tops'?" for a ``word`` :func:`closest_name` finds among ``names``, "" when
    none is (trial AI: "--category top" was refused with the list, and no word of "tops")."""
    meant = closest_name(word, names)
    return f"; did you mean {meant!r}?" if meant is not None else ""


TIED_RESULTS = 3  # a list this long or longer whose scores are all equal says so
TIE_TOLERANCE = 1e-4  # cosine units: "the same score" (the 0–100 match shows none of the difference)


def tied_scores_words(scores: Sequence[float]) -> str:
    """"every one of the 12 results scores the same …" when a list of at least
    :data:`TIED_RESULTS` results has one score (within :data:`TIE_TOLERANCE`): the model tells them
    apart no better than their order in the catalogue, as a collapsed or barely trained one does
    (trial AJ read 100/100 on every result after a one-epoch training, unsaid); "" otherwise."""
    if len(scores) < TIED_RESULTS or max(scores) - min(scores) > TIE_TOLERANCE:
        return ""
    return (f"every one of the {len(scores)} results scores the same: this model tells them apart no better "
            "than their order in the catalogue (a barely trained or collapsed model?); train it longer, or use another")
