"""Catalogue categories -> the model's categories (issue 16).

A catalogue names its categories its own way (``Tops/``, ``Dresses/``, ``Jewellery/``); the
compatibility model knows its own list (``tops``, ``all-body``, …). Each catalogue category is
searched as one of:

- a model category: the same name (``exact``), a name equal up to case, separators and a plural
  (``auto``: ``Tops`` -> ``tops``, ``All Body`` -> ``all-body``, ``Shoe`` -> ``shoes``), or one the
  user chose (``user``);
- :data:`GENERAL`: compared in the general space (the cosine of the general embeddings, the model's
  last mask row of ones), for a category the model lacks (``general``, the fallback) or by the
  user's choice (``user``).

Nothing is left out: every category is searchable and explainable. The mapping an index was built
with is recorded in its manifest, so search and explanations use the same one.

:func:`suggest` proposes a model category for a category that fell back to the general space: by
garment family (:mod:`~sane_desktop.retrieval.garment_words`: trousers are bottoms), by name
similarity, and where the catalogue holds items of the model's categories, by the nearest category
centre (mean unit general embedding) of the stored embeddings.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.catalogue.types import spelled_as
from sane_desktop.errors import InputError
from sane_desktop.retrieval.garment_words import FAMILIES, TRANSLATIONS

GENERAL = "general"  # the target of a category compared in the general space
# how a category's target was decided
EXACT, AUTO, USER, FALLBACK = "exact", "auto", "user", "general"

NAME_MIN = 0.75  # name similarity (difflib ratio of the normalised names) a suggestion by name needs
NAME_START = 2  # ...and the letters both names begin with (see _same_start)
NAME_LEAST = 5  # ...and one edit apart in words of at least this many letters (see _a_misspelling)
CENTRE_MIN = 0.8  # cosine between category centres a suggestion by appearance needs ...
CENTRE_MARGIN = 0.05  # ... and its lead over the next model category


@dataclass(frozen=True)
class Mapped:
    """Where one catalogue category is searched: ``target`` (a model category or :data:`GENERAL`)
    and ``how`` it was decided (exact / auto / user / general)."""

    target: str
    how: str

    @property
    def general(self) -> bool:
        return self.target == GENERAL


def _key(name: str) -> str:
    """``name`` for comparing: case-folded, accents dropped (``Röcke`` -> ``rocke``), letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold())
                   if ch.isalnum() and not unicodedata.combining(ch))


def _stems(name: str) -> set[str]:
    """The normalised name and its singulars (``dresses`` -> dress, ``accessories`` -> accessory)."""
    key = _key(name)
    stems = {key}
    if len(key) > 4 and key.endswith("ies"):
        stems.add(key[:-3] + "y")
    if len(key) > 3 and key.endswith("es"):
        stems.add(key[:-2])
    if len(key) > 2 and key.endswith("s"):
        stems.add(key[:-1])
    return stems


def automatic(category: str, model_categories: Sequence[str]) -> Mapped:
    """The mapping nobody chose: the model category of that exact name, else the one equal up to
    case, separators and a plural (the closest spelling first), else the general space."""
    if category in model_categories:
        return Mapped(category, EXACT)
    stems = _stems(category)
    matches = [name for name in model_categories if stems & _stems(name)]
    if matches:
        best = min(matches, key=lambda name: (_key(name) != _key(category), name.casefold() != category.casefold()))
        return Mapped(best, AUTO)
    return Mapped(GENERAL, FALLBACK)


def target_of(category: str, model_categories: Sequence[str], mapping: Mapping[str, str] | None = None) -> str:
    """Where ``category`` is compared: ``mapping``'s target (an index's recorded category map) when
    it is :data:`GENERAL` or a category the model has, else the automatic one. Never raises."""
    target = (mapping or {}).get(category)
    if target is not None and (target == GENERAL or target in model_categories):
        return target
    return automatic(category, model_categories).target


def model_target(value: str, model_categories: Sequence[str]) -> str:
    """A user's choice as a target: :data:`GENERAL`, a model category, or a spelling of one
    (``Tops`` for ``tops``); InputError naming the model's categories otherwise."""
    if value in model_categories:
        return value
    if _key(value) == GENERAL:
        return GENERAL
    if not model_categories:
        raise InputError(f"{value!r}: this model learnt no matches (trained without outfits), so every category "
                         f"is compared by visual similarity ({GENERAL!r})")
    match = automatic(value, model_categories)
    if match.how == FALLBACK:
        raise InputError(f"{value!r} is not a category of the model (it knows {', '.join(model_categories)}; "
                         f"or {GENERAL!r} for visual similarity)")
    return match.target


def resolve(categories: Iterable[str], model_categories: Sequence[str],
            user: Mapping[str, str] | None = None) -> dict[str, Mapped]:
    """Every catalogue category's mapping: the user's choice where given (``user``), else
    :func:`automatic`. InputError for a choice naming a category the catalogue lacks or a target
    the model lacks."""
    present = sorted(set(categories))
    spelled: dict[str, str] = {}
    for name, target in (user or {}).items():
        own = spelled_as(name, present)
        if own in spelled:  # "Tops=tops,tops=bottoms": which one was meant is a guess
            raise InputError(f"the category map names {own!r} twice (as {name!r} too): keep one")
        spelled[own] = target
    user = spelled
    unknown = [name for name in user if name not in present]
    if unknown:
        # a name with "," "=" or an invisible character cannot be written as NAME=TARGET (trial DP pasted one back)
        hint = f"; {JSON_FORM_HINT}" if any(needs_json_form(name) for name in present) else ""
        raise InputError(f"the category map names {', '.join(map(repr, sorted(unknown)))}, which the catalogue "
                         f"does not have (its categories: {', '.join(present) or 'none'}{hint})")
    return {name: Mapped(model_target(user[name], model_categories), USER) if name in user
            else automatic(name, model_categories) for name in present}


def kept_choices(previous: Mapping[str, str], categories: Iterable[str],
                 model_categories: Sequence[str]) -> dict[str, str]:
    """The user's earlier choices that still apply (their category is still there and the model has
    their target): what a re-index without a new map keeps."""
    present = set(categories)
    kept = {}
    for name, target in previous.items():
        if name not in present:
            continue
        try:
            kept[name] = model_target(target, model_categories)
        except InputError:
            continue
    return kept


def _is_file(path: Path) -> bool:
    """Whether ``path`` names something on disk: a file, or a pipe, folder or device (read as a file
    and refused as none, not parsed as an inline map: trial BO's pipe was "not CATEGORY=TARGET")."""
    try:
        return path.exists()
    except (OSError, ValueError):  # an inline map too long for a file name, say
        return False


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a key given twice with two values (json keeps the last)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        # as the map is read: "tops" and "tops " are one category (trial BV: the last of the two won, unsaid)
        key, value = (key.strip(), value.strip() if isinstance(value, str) else value)
        if key in found and found[key] != value:
            raise InputError(f"category map: {key!r} is given twice ({found[key]}, {value}): give it once")
        found[key] = value
    return found


# said without the option's name: the window shows core messages too (tests/test_way_outs.py)
JSON_FORM_HINT = ("a name holding ',' or '=' or an invisible character is given as a JSON object: "
                  "'{\"Hats, caps\": \"hats\"}' (\\u200d for a zero-width joiner), or in a JSON file")


def needs_json_form(category: str) -> bool:
    """Whether ``category`` cannot be written as ``NAME=TARGET`` in an inline map: it holds "," or "=", a
    character no terminal shows (a zero-width joiner inside an emoji), or starts like JSON or a file name ends."""
    return (any(char in category for char in ",=") or not category.isprintable() or category.startswith("{")
            or category.lower().endswith(".json"))


def inline_map(category: str, target: str) -> str:
    """The ``--category-map`` value that maps ``category`` to ``target`` and reads back as that: ``NAME=TARGET``,
    or a JSON object where that form cannot hold the name, its invisible characters written as JSON escapes
    (trial DP was offered ``'Hats, caps=hats'`` and a name with its joiner printed as the six characters
    ``\\u200d``; pasted back, both were refused)."""
    if not needs_json_form(category):
        return f"{category}={target}"
    shown = json.dumps({category: target}, ensure_ascii=False)
    return "".join(char if char.isprintable() else json.dumps(char)[1:-1] for char in shown)


def parse_category_map(text: str) -> dict[str, str]:
    """A category map given on the command line: a JSON file holding an object (catalogue category
    -> model category or ``general``), inline JSON, or ``Tops=tops,Jewellery=general``
    (names holding ``,`` or ``=`` need the JSON forms). InputError when malformed."""
    text = text.strip()
    if not text:
        return {}
    inline = text.startswith("{")
    path = Path(text).expanduser()
    if inline or path.suffix.lower() == ".json" or _is_file(path):
        source = "inline JSON" if inline else str(path)
        try:
            data = json.loads(text if inline else read_regular_file(path).decode("utf-8"), object_pairs_hook=_once)
        except OSError as error:
            raise InputError(f"cannot read the category map {path} ({error.strerror or error})") from None
        except InputError:  # a key given twice (_once): its own words
            raise
        except ValueError as error:
            raise InputError(f"the category map ({source}) is not JSON ({error})") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise InputError(f"the category map ({source}) must be a JSON object of catalogue category -> "
                             "model category or \"general\"")
        return {k.strip(): v.strip() for k, v in data.items()}
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, target = part.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise InputError(f"category map entry {part.strip()!r} is not CATEGORY=TARGET "
                             f"(e.g. Tops=tops,Jewellery=general; {JSON_FORM_HINT})")
        if mapping.get(name.strip(), target.strip()) != target.strip():  # the last won, unsaid (trial BO)
            raise InputError(f"category map: {name.strip()!r} is given twice ({mapping[name.strip()]}, "
                             f"{target.strip()}): give it once")
        mapping[name.strip()] = target.strip()
    return mapping


# --- suggestions -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """A proposed target for a category the model lacks, and why."""

    category: str
    target: str  # a model category, or GENERAL when none is close
    reason: str
    by_name: tuple[tuple[str, float], ...]  # model categories by name similarity, best first
    by_centre: tuple[tuple[str, float], ...] = ()  # by cosine of category centres, best first (needs embeddings)


def name_similarity(a: str, b: str) -> float:
    """difflib's ratio of the closest normalised spellings (singulars included), 0..1."""
    return max(difflib.SequenceMatcher(None, x, y).ratio() for x in _stems(a) for y in _stems(b) if x and y) \
        if _key(a) and _key(b) else 0.0


def _same_start(a: str, b: str) -> bool:
    """Whether two names begin alike (their first :data:`NAME_START` letters): a misspelling keeps
    the start of a word, while short unrelated words can share most letters (a trial was offered
    ``home`` -> ``shoes``, ratio 0.75)."""
    return any(x[:NAME_START] == y[:NAME_START] for x in _stems(a) for y in _stems(b) if x and y)


def _edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters."""
    rows = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def _a_misspelling(a: str, b: str) -> bool:
    """Whether one name is a misspelling of the other: one edit apart (a letter added, dropped,
    changed or two swapped), singulars included, in words of at least :data:`NAME_LEAST` letters.
    Shorter words one edit apart are as often other words (a trial's ``Hose`` and ``Hoes`` were
    offered ``home``; ``home`` had been offered ``shoes``)."""
    return any(_edits(x, y) <= 1 for x in _stems(a) for y in _stems(b) if min(len(x), len(y)) >= NAME_LEAST)


def _related(a: str, b: str) -> bool:
    """Whether two names are one word up to case, separators and a plural (``Trouser``, ``trousers``)."""
    return _key(a) in _stems(b) or _key(b) in _stems(a)


_FAMILY_OF = {word: family for family, words in FAMILIES.items() for word in (family, *words)}


def _key_word(name: str, word: str) -> str:
    """The translated ``word`` as the catalogue wrote it (lower case, accents kept) when it spelt it
    with the table's spaces, else as the table does (``sacs-à-main`` -> ``sacs à main``)."""
    return name.strip().casefold() if len(name.split()) == len(word.split()) else word


def _garment_word(category: str) -> tuple[str, str] | None:
    """The garment word of :data:`FAMILIES` that ``category`` names and its family: the whole name
    (``Ankle Boots``), else two of its words in a row (``Garment Upper body``), else its words when they
    agree on one family (``Women's Jeans``,
    ``Shirts & Blouses``); None when the table does not know it or its words disagree
    (``Bags & Accessories``). A word of :data:`TRANSLATIONS` comes with its English one
    (``robes (dresses)``)."""
    def found(name: str) -> list[tuple[str, str]]:
        return [(word, family) for family, words in FAMILIES.items() for word in (family, *words)
                if _related(name, word)] + \
            [(f"{_key_word(name, foreign)} ({english})", _FAMILY_OF[english])
             for english, translations in TRANSLATIONS.items() for foreign in translations if _related(name, foreign)]

    whole = found(category)
    words = [part for part in re.split(r"[\W_]+", category) if part]
    # two words that name a garment group first ("Garment Upper body": H&M's groups got no suggestion, trial EK)
    pairs = [hit for first, second in zip(words, words[1:]) for hit in found(f"{first} {second}")]
    parts = whole or pairs or [hit for part in words for hit in found(part)]
    return parts[0] if len({family for _, family in parts}) == 1 else None


def _family_member(family: str, model_categories: Sequence[str]) -> str | None:
    """The model category of ``family``: one whose name is the family's or one of its words (the
    family's own name first); None when the model has none."""
    members = [name for name in model_categories if any(_related(name, word) for word in (family, *FAMILIES[family]))]
    return min(members, key=lambda name: (not _related(name, family), name)) if members else None


def _family_reason(word: str, family: str, target: str) -> str:
    """``trousers are bottoms`` in a stylist's words, naming the model's category when it is not the
    family's name; a translated word with its English one (``röcke (skirts) are bottoms``), unless
    that is the family's own name (``chaussures means shoes``)."""
    own, _, english = word.partition(" (")
    english = english.rstrip(")") or own

    def verb(noun: str) -> str:  # the English word decides
        return "are" if noun.endswith("s") else "counts as"  # knitwear, footwear: no plural

    if _key(own) == _key(family):  # the catalogue named the family; the model calls it otherwise
        return f"the model's {target!r} {verb(target)} {family}"
    if own != english and _key(english) == _key(family):  # the foreign word alone: its number is its language's
        reason = f"{own} means {family}"  # (trial EV read "bolso are bags", "oberteil are tops")
    else:
        reason = f"{word} {verb(english)} {family}"
    return reason if _key(target) == _key(family) else f"{reason}, like the model's {target!r}"


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def category_centres(embeddings: Iterable[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Mean unit general embedding per category name from (category, embedding) rows."""
    sums: dict[str, np.ndarray] = {}
    for name, vector in embeddings:
        unit = _unit(np.asarray(vector, np.float32).reshape(-1))
        sums[name] = sums[name] + unit if name in sums else unit.copy()
    return sums  # a sum has the mean's direction: only cosines are taken


def model_centres(centres: Mapping[str, np.ndarray], mapping: Mapping[str, Mapped]) -> dict[str, np.ndarray]:
    """Centres of the model's categories from the catalogue categories mapped to them (sums of the
    catalogue categories' unit centres, so that each catalogue category counts once)."""
    found: dict[str, np.ndarray] = {}
    for name, centre in centres.items():
        mapped = mapping.get(name)
        if mapped is None or mapped.general:
            continue
        unit = _unit(centre)
        found[mapped.target] = found[mapped.target] + unit if mapped.target in found else unit
    return found


def suggest(category: str, model_categories: Sequence[str], own_centre: np.ndarray | None = None,
            centres: Mapping[str, np.ndarray] | None = None) -> Suggestion:
    """A model category for ``category``: its automatic match when there is one; else the model
    category of its garment family (:func:`_garment_word`: Trousers -> bottoms), when the model has
    that family; else the most similar name when close enough (:data:`NAME_MIN`), beginning
    alike (:data:`NAME_START` letters) and one edit apart (:func:`_a_misspelling`); else, with
    embeddings, the model category whose centre is nearest to this category's (cosine ≥
    :data:`CENTRE_MIN`, ahead of the next by :data:`CENTRE_MARGIN`); else :data:`GENERAL`."""
    by_name = tuple(sorted(((name, round(name_similarity(category, name), 4)) for name in model_categories),
                           key=lambda pair: (-pair[1], pair[0])))
    by_centre: tuple[tuple[str, float], ...] = ()
    if own_centre is not None and centres:
        names = sorted(centres)
        cosines = _unit(np.stack([centres[n] for n in names])) @ _unit(np.asarray(own_centre, np.float32))
        by_centre = tuple(sorted(((n, round(float(c), 4)) for n, c in zip(names, cosines)),
                                 key=lambda pair: (-pair[1], pair[0])))
    match = automatic(category, model_categories)
    if match.how != FALLBACK:
        return Suggestion(category, match.target, f"same name as the model's {match.target!r}", by_name, by_centre)
    garment = _garment_word(category)
    member = _family_member(garment[1], model_categories) if garment else None
    if garment and member:
        return Suggestion(category, member, _family_reason(*garment, member), by_name, by_centre)
    spelt_alike = [(name, ratio) for name, ratio in by_name if ratio >= NAME_MIN and _same_start(category, name)
                   and _a_misspelling(category, name)]
    if spelt_alike:
        name, ratio = spelt_alike[0]
        return Suggestion(category, name, f"name like the model's {name!r} ({ratio:.2f})", by_name, by_centre)
    if by_centre and by_centre[0][1] >= CENTRE_MIN and (len(by_centre) == 1
                                                         or by_centre[0][1] - by_centre[1][1] >= CENTRE_MARGIN):
        name, cosine = by_centre[0]
        return Suggestion(category, name, f"its items look like this catalogue's {name!r} items "
                                          f"(cosine {cosine:.2f} between category centres)", by_name, by_centre)
    return Suggestion(category, GENERAL, "no model category is close: compared by visual similarity",
                      by_name, by_centre)
