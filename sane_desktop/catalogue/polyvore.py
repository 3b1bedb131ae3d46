"""Reader for the Polyvore Outfits layout (Vasileva et al. 2018; METHOD.md section 2).

Items come from ``polyvore_item_metadata.json`` and ``images/<item_id>.*``; an entry may carry an
``attributes`` object of categorical values (``{"colour": "red"}``, an extension of the layout): a
catalogue that names its attributes is explained with those alone, one that does not gets words mined
from its titles and descriptions. Outfits, splits and
questions from ``nondisjoint/`` and ``disjoint/``. Questions name items as ``<set_id>_<index>``,
resolved through the same protocol's split files. ``typespaces.p`` is a pickle and is never read.
A value of the wrong JSON type (an object or a list where text or a number belongs) is reported
naming the entry, the field and what was found, never turned into text.
Image validation and the pruning of outfits/questions that lose items happen in
:func:`sane_desktop.catalogue.read_catalogue`.
"""

from __future__ import annotations

import csv
import io
import os
from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sane_desktop.catalogue.detect import IMAGE_SUFFIXES, POLYVORE_METADATA, CatalogueError
from sane_desktop.catalogue.unlisted import hidden_folder_notes, unlisted_photos
from sane_desktop.catalogue.jsonfile import JsonObject, first_duplicate, json_kind, load_json_strict, read_json, scalar_text
from sane_desktop.catalogue.safepath import UnsafePath, check_relative, read_regular_file, separators
from sane_desktop.catalogue.types import (
    SPLITS,
    Catalogue,
    CompatibilityQuestion,
    FitbQuestion,
    ItemRecord,
    OutfitRecord,
    Skip,
    SplitRecord,
    is_text,
    not_utf8,
    utf8_text,
)

PROTOCOLS = ("nondisjoint", "disjoint")
QUESTION_SPLITS = ("valid", "test")


def _load_json(path: Path) -> Any:
    """A question, split or titles file: a key written twice in any object is an error."""
    shown = path.name if path.parent.name in ("", ".") else f"{path.parent.name}/{path.name}"
    return load_json_strict(path, shown)


def _image_files(images_dir: Path, catalogue: Catalogue) -> dict[str, str]:
    """Map file stem -> file name in ``images/`` (one directory listing; a known image suffix is
    preferred, ``.jpg`` first; a name without suffix is its own stem). A name that is not valid
    UTF-8 can match no item id: it is listed in ``skipped``, as is a listing that fails."""
    found: dict[str, str] = {}
    if not images_dir.is_dir():
        return found

    def rank(name: str) -> int:
        suffix = os.path.splitext(name)[1].lower()
        return 0 if suffix == ".jpg" else 1 if suffix in IMAGE_SUFFIXES else 2

    try:
        with os.scandir(images_dir) as entries:
            names = [entry.name for entry in entries]
    except OSError as error:
        reason = f"cannot list folder: {error.strerror or error}; every image is looked up by name"
        catalogue.skipped.append(Skip("", "images", reason, "metadata"))
        return found
    for name in sorted(names):
        if name.startswith("."):
            continue
        if not is_text(name):
            reason = "file name is not valid UTF-8 (no item id can name it); rename the file"
            catalogue.skipped.append(Skip("", f"images/{name}", reason, "metadata"))
            continue
        stem, dot, _ = name.rpartition(".")
        stem = stem if dot and stem else name
        if stem not in found or rank(name) < rank(found[stem]):
            found[stem] = name
    return found


def _read_text(path: Path, shown: str) -> str:
    try:  # a regular file only: a pipe put in its place blocked the import (trial BO)
        return utf8_text(read_regular_file(path), shown)
    except UnicodeDecodeError as error:
        raise not_utf8(shown, error) from None


def _fine_categories(path: Path) -> dict[str, tuple[str, str]]:
    """``categories.csv``: ``category_id, fine-grained name, semantic category`` (the real file has no
    header; a first row whose id is not a number is taken as one). Any other row that is not
    ``<number>,<name>[,...]`` makes the file unusable: a clear error rather than silently lost names."""
    if not path.is_file():
        return {}
    names: dict[str, tuple[str, str]] = {}  # category id -> (fine-grained name, semantic category)
    text = _read_text(path, path.name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise CatalogueError(f"{path.name}: malformed CSV ({error})") from None
    for line, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        category_id = row[0].strip()
        if line == 1 and not category_id.isdigit():
            continue  # a header row
        if len(row) < 2 or not category_id.isdigit():
            raise CatalogueError(
                f"{path.name}: line {line} is not 'category_id,fine-grained name,semantic category': {','.join(row)!r}"
            )
        # an unquoted comma inside the name: the semantic category is the last field
        fine = ",".join(row[1:-1] if len(row) > 3 else row[1:2]).strip()
        names[category_id] = (fine, row[-1].strip() if len(row) >= 3 else "")
    return names


# the text fields of a metadata entry (an absent one or null reads as "")
ENTRY_TEXT_FIELDS = ("category_id", "semantic_category", "title", "description", "url_name")


def _entry_texts(entry: dict[str, Any]) -> dict[str, str] | str:
    """The entry's text fields as text (numbers as written), or the reason the entry is skipped:
    each field or attribute holding an object, a list or true/false, with what it holds."""
    texts: dict[str, str] = {}
    wrong: list[str] = []
    for name in ENTRY_TEXT_FIELDS:
        text = scalar_text(entry.get(name))
        if text is None:
            wrong.append(f"{name} is {json_kind(entry[name])}")
        texts[name] = text or ""
    attributes = entry.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        wrong.append(f"attributes is {json_kind(attributes)}, not an object of names to values")
    for name, value in (attributes or {}).items() if isinstance(attributes, dict) else ():
        if scalar_text(value) is None or value is None:
            wrong.append(f"attribute {name!r} is {json_kind(value)}")
    if not wrong:
        return texts
    listed = " (one value per attribute: a list is not read as several values)" if any(
        w.startswith("attribute ") and w.endswith("is a list") for w in wrong) else ""
    return f"{POLYVORE_METADATA}: " + "; ".join(wrong) + f", not text or a number{listed}"


def _read_items(root: Path, catalogue: Catalogue) -> None:
    metadata = read_json(root / POLYVORE_METADATA, POLYVORE_METADATA)
    if not isinstance(metadata, dict):
        raise CatalogueError(f"{POLYVORE_METADATA}: expected an object mapping item id -> metadata")
    fine_names = _fine_categories(root / "categories.csv") \
        if _readable(root / "categories.csv", catalogue, "categories.csv") else {}
    images = _image_files(root / "images", catalogue)
    # an id written twice: the first entry is kept (as a manifest keeps a duplicate id's first row)
    for item_id in metadata.duplicates if isinstance(metadata, JsonObject) else ():
        catalogue.skipped.append(Skip("", POLYVORE_METADATA, f"duplicate id {item_id} (first entry kept)", "metadata"))
    for item_id, entry in metadata.items():
        if not isinstance(entry, dict):
            catalogue.skipped.append(Skip(item_id, "", f"{POLYVORE_METADATA}: entry is not an object", "item"))
            continue
        duplicate = first_duplicate(entry)
        if duplicate is not None:
            reason = f"{POLYVORE_METADATA}: entry repeats {duplicate.replace('$', 'the entry', 1)}"
            catalogue.skipped.append(Skip(item_id, "", reason, "item"))
            continue
        texts = _entry_texts(entry)
        if isinstance(texts, str):
            catalogue.skipped.append(Skip(item_id, "", texts, "item"))
            continue
        category_id = texts["category_id"].strip()
        fine, semantic = fine_names.get(category_id, ("", ""))
        # categories.csv knows the semantic category of a category id the entry names without one
        category = (texts["semantic_category"] or semantic).strip()
        if not category:
            catalogue.skipped.append(Skip(item_id, "", f"{POLYVORE_METADATA}: no semantic_category", "item"))
            continue
        attributes = {name: scalar_text(value) or "" for name, value in (entry.get("attributes") or {}).items()}
        file_name = images.get(item_id, f"{item_id}.jpg")
        try:
            image_path = check_relative(f"images/{file_name}")
            if any(mark in item_id for mark in separators()):
                raise UnsafePath(f"item id contains a path separator: {item_id}")
        except UnsafePath as error:
            catalogue.skipped.append(Skip(item_id, f"images/{file_name}", str(error), "item"))
            continue
        catalogue.items.append(
            ItemRecord(
                item_id=item_id,
                image_path=image_path,
                category=category,
                fine_category=fine,
                title=texts["title"],
                description=texts["description"],
                attributes=attributes,
                extra={"category_id": category_id, "url_name": texts["url_name"]},
            )
        )
    # a photo in images/ whose id the metadata never names is no item: said once (trial P)
    photos = [f"images/{name}" for name in images.values() if os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES]
    unlisted = unlisted_photos(photos, {f"images/{images[i]}" for i in metadata.keys() if i in images},
                               POLYVORE_METADATA, "entries")
    if unlisted is not None:
        catalogue.skipped.append(unlisted)
    catalogue.skipped += hidden_folder_notes(root)  # photos set aside in a hidden folder, as a folder tree says


def _name(value: Any) -> str | None:
    """An id as text (a number as written), or None for null, an object, a list or true/false."""
    return None if value is None else scalar_text(value)


def _position(value: Any) -> int | None:
    """A whole number (``3``, ``"3"``), or None for anything else (``2.5``, true, a list)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _read_split_file(path: Path) -> list[tuple[str, list[str], list[int]]]:
    shown = f"{path.parent.name}/{path.name}"
    data = _load_json(path)
    if not isinstance(data, list):
        raise CatalogueError(f"{shown}: expected a list of outfits")
    outfits = []
    for number, entry in enumerate(data):
        try:
            set_id = entry["set_id"]
            members = [(item["item_id"], item["index"]) for item in entry["items"]]
        except (KeyError, TypeError, ValueError):
            raise CatalogueError(f"{shown}: outfit #{number} lacks set_id or items[{{item_id, index}}]") from None
        # an id or index of the wrong type would name another outfit or item: the file is at fault
        wrong = [f"set_id is {json_kind(set_id)}"] if _name(set_id) is None else []
        wrong += [f"item #{n} item_id is {json_kind(item_id)}" for n, (item_id, _) in enumerate(members)
                  if _name(item_id) is None]
        wrong += [f"item #{n} index is {json_kind(index) if not isinstance(index, float) else index}"
                  for n, (_, index) in enumerate(members) if _position(index) is None]
        if wrong:
            raise CatalogueError(f"{shown}: outfit #{number}: {'; '.join(wrong)} (ids are text or numbers, "
                                 "an index a whole number)")
        item_ids = [_name(item_id) or "" for item_id, _ in members]
        outfits.append((_name(set_id) or "", item_ids, [_position(index) or 0 for _, index in members]))
    return outfits


def _question_skip(protocol: str, split: str, kind: str, number: int, reason: str) -> Skip:
    return Skip(f"{protocol}/{split}/{kind}#{number}", f"{protocol}/{kind}_{split}", reason, "question")


def _resolve(names: list[str], lookup: Mapping[str, str]) -> list[str] | str:
    """Item ids for ``setid_index`` names, or the first unresolvable name."""
    resolved = []
    for name in names:
        if name not in lookup:
            return name
        resolved.append(lookup[name])
    return resolved


def _read_fitb(path: Path, protocol: str, split: str, lookup: Mapping[str, str], catalogue: Catalogue) -> None:
    data = _load_json(path)
    if not isinstance(data, list):
        raise CatalogueError(f"{protocol}/{path.name}: expected a list of questions")
    for number, entry in enumerate(data):
        try:
            question, answers = entry["question"], entry["answers"]
            blank_position = _position(entry.get("blank_position", 0))
        except (KeyError, TypeError, AttributeError):
            catalogue.skipped.append(_question_skip(protocol, split, "fill_in_blank", number, "malformed question"))
            continue
        # a text where a list belongs would be read letter by letter, an object in a list could not be looked up
        wrong = []
        for name, names in (("question", question), ("answers", answers)):
            if not isinstance(names, list):
                wrong.append(f"{name} is {json_kind(names)}, not a list of setid_index names")
            elif any(not isinstance(value, str) for value in names):
                odd = next(value for value in names if not isinstance(value, str))
                wrong.append(f"{name} holds {json_kind(odd)}, not a setid_index name")
        if blank_position is None:
            wrong.append(f"blank_position is {json_kind(entry['blank_position'])}, not a whole number")
        if wrong or blank_position is None:
            reason = "malformed question: " + "; ".join(wrong)
            catalogue.skipped.append(_question_skip(protocol, split, "fill_in_blank", number, reason))
            continue
        question_ids, answer_ids = _resolve(question, lookup), _resolve(answers, lookup)
        if isinstance(question_ids, str) or isinstance(answer_ids, str):
            unresolved = question_ids if isinstance(question_ids, str) else answer_ids
            reason = f"unknown setid_index {unresolved!r}"
            catalogue.skipped.append(_question_skip(protocol, split, "fill_in_blank", number, reason))
            continue
        set_id = str(question[0]).rsplit("_", 1)[0] if question else ""
        correct = [i for i, name in enumerate(answers) if str(name).rsplit("_", 1)[0] == set_id]
        if len(correct) != 1:
            reason = "no single answer shares the question's set id"
            catalogue.skipped.append(_question_skip(protocol, split, "fill_in_blank", number, reason))
            continue
        problem = _fitb_problem(question_ids, answer_ids, correct[0])
        if problem:
            catalogue.skipped.append(_question_skip(protocol, split, "fill_in_blank", number, problem))
            continue
        catalogue.fitb.append(
            FitbQuestion(protocol, split, number, set_id, question_ids, answer_ids, correct[0], blank_position)
        )


def _fitb_problem(question_ids: list[str], answer_ids: list[str], correct: int) -> str:
    """Why a resolved question cannot be scored, "" when it can. The right answer is found by its
    set id, so another outfit's reference to the same item passes that test as a wrong answer: the
    question then has two right answers, and a model scores by which is listed first (trial AG's
    3 such questions took FITB from 0.810 to 0.667 without a word)."""
    right = answer_ids[correct]
    if answer_ids.count(right) > 1:
        return f"the right answer {right} is also listed as a wrong answer"
    within = [answer for answer in answer_ids if answer in question_ids]
    if within:
        return f"answer {within[0]} is an item of the question's outfit"
    return ""


def _read_compatibility(path: Path, protocol: str, split: str, lookup: Mapping[str, str], catalogue: Catalogue) -> None:
    lines = [line.split() for line in io.StringIO(_read_text(path, f"{protocol}/{path.name}"), newline=None)]
    for number, fields in enumerate(field for field in lines if field):
        if fields[0] not in ("0", "1") or len(fields) < 2:
            reason = "line must be '<0|1> setid_index ...'"
            catalogue.skipped.append(_question_skip(protocol, split, "compatibility", number, reason))
            continue
        item_ids = _resolve(fields[1:], lookup)
        if isinstance(item_ids, str):
            reason = f"unknown setid_index {item_ids!r}"
            catalogue.skipped.append(_question_skip(protocol, split, "compatibility", number, reason))
            continue
        distinct = list(dict.fromkeys(item_ids))  # an item listed twice is counted once (as an outfit table's)
        if len(distinct) < 2:  # no pair to score: it would rank as the most compatible outfit there is
            reason = "fewer than 2 distinct items: no pair to score"
            catalogue.skipped.append(_question_skip(protocol, split, "compatibility", number, reason))
            continue
        catalogue.compatibility.append(CompatibilityQuestion(protocol, split, number, int(fields[0]), distinct))


def _readable(path: Path, catalogue: Catalogue, relative: str) -> bool:
    """Whether the optional metadata file ``path`` is there to read; one that is there but is no regular
    file (a folder, a pipe) is said as a skip, not passed over as absent: trial BO's pipe in place of
    ``nondisjoint/train.json`` imported the catalogue without its training outfits and without a word."""
    if path.is_file():
        return True
    if path.exists() or path.is_symlink():
        catalogue.skipped.append(Skip(relative, relative, "not a regular file (folder, pipe, socket, device or broken "
                                      "link): not read", kind="metadata"))
    return False


def _read_protocol_splits(
    root: Path, protocol: str, catalogue: Catalogue, outfits: dict[str, OutfitRecord]
) -> dict[str, str]:
    """Read one protocol's split files; return its ``setid_index`` -> item id lookup."""
    folder = root / protocol
    lookup: dict[str, str] = {}
    first_in: dict[str, str] = {}  # set id -> the split file of this protocol that listed it first
    for split in SPLITS:
        path = folder / f"{split}.json"
        if not _readable(path, catalogue, f"{protocol}/{split}.json"):
            continue
        ids = []
        where = f"{protocol}/{split}.json"
        for set_id, item_ids, positions in _read_split_file(path):
            # a set id names one outfit of a protocol: listed again (in this split file or another
            # of the protocol), the first stands and the repeat is reported, never silently merged
            if set_id in first_in:
                catalogue.skipped.append(Skip(set_id, where, f"outfit listed again (first in {first_in[set_id]}); "
                                                             "the first kept", kind="outfit"))
                continue
            first_in[set_id] = where
            ids.append(set_id)
            lookup.update({f"{set_id}_{p}": item_id for item_id, p in zip(item_ids, positions)})
            if set_id not in outfits:
                outfits[set_id] = OutfitRecord(set_id, item_ids, positions)
        catalogue.splits.append(SplitRecord(protocol, split, ids))
    return lookup


def _read_protocol_questions(root: Path, protocol: str, catalogue: Catalogue, lookup: Mapping[str, str]) -> None:
    folder = root / protocol
    for split in QUESTION_SPLITS:
        fitb_path = folder / f"fill_in_blank_{split}.json"
        if _readable(fitb_path, catalogue, f"{protocol}/{fitb_path.name}"):
            _read_fitb(fitb_path, protocol, split, lookup, catalogue)
        compatibility_path = folder / f"compatibility_{split}.txt"
        if _readable(compatibility_path, catalogue, f"{protocol}/{compatibility_path.name}"):
            _read_compatibility(compatibility_path, protocol, split, lookup, catalogue)


def read_polyvore(root: Path) -> Catalogue:
    """Read a Polyvore Outfits folder (structure only; images are validated by the caller)."""
    catalogue = Catalogue(root=root, format="polyvore", name=root.name, text_fields=("title", "description", "url_name"),
                          metadata_file=POLYVORE_METADATA)
    _read_items(root, catalogue)
    if any(item.attributes for item in catalogue.items):
        catalogue.text_fields = ()  # named attributes are the vocabulary; titles would add synonyms
    outfits: dict[str, OutfitRecord] = {}
    lookups = {
        protocol: _read_protocol_splits(root, protocol, catalogue, outfits)
        for protocol in PROTOCOLS if (root / protocol).is_dir()
    }
    # a set id names one outfit in every protocol, so a name the protocol's own splits lack (a
    # question built from the other protocol's outfits) still resolves; the protocol's own wins
    everywhere = {name: item_id for lookup in lookups.values() for name, item_id in lookup.items()}
    for protocol, lookup in lookups.items():
        _read_protocol_questions(root, protocol, catalogue, ChainMap(lookup, everywhere))
    titles_path = root / "polyvore_outfit_titles.json"
    titles = _load_json(titles_path) if _readable(titles_path, catalogue, titles_path.name) else {}
    for set_id, outfit in outfits.items():
        entry = titles.get(set_id) if isinstance(titles, dict) else None
        if isinstance(entry, dict):
            title, url_name = scalar_text(entry.get("title")), scalar_text(entry.get("url_name"))
            wrong = [f"{name} is {json_kind(entry[name])}" for name, text in (("title", title), ("url_name", url_name))
                     if text is None]
            if wrong:  # the outfit stands; its name is not made up from an object
                reason = f"kept without a title: {'; '.join(wrong)}, not text"
                catalogue.skipped.append(Skip(set_id, "polyvore_outfit_titles.json", reason, "outfit"))
            outfit.title = title or url_name or ""
    catalogue.outfits = list(outfits.values())
    return catalogue
