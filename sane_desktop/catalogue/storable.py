"""What every database the store runs on can hold, applied to a catalogue before it is imported.

SQLite stores any text; PostgreSQL refuses a NUL character (0x00) in any text field and a value
longer than its column (``VARCHAR(200)`` for ids, categories and attribute names). A catalogue that
SQLite took was refused by PostgreSQL as a whole, naming no item ("value too long for type character
varying(200)": trial AW). So the limits are the catalogue's, on every backend, and each thing that
breaks one is said in one line:

- an item whose id or category breaks one is left out (a :class:`Skip`, kind ``item``);
- an outfit whose id breaks one is left out (kind ``outfit``);
- a labelled attribute too long, or with a NUL, is dropped from its item (a note, kind ``value``);
- a fine category or group too long is dropped from its item (a note);
- NUL characters in free text (title, description, other text fields) are removed (a note): they are
  invisible, and no words are lost with them.
"""

from __future__ import annotations

from sane_desktop.catalogue.types import Catalogue, ItemRecord, Skip
from sane_desktop.catalogue.vocabulary import categorical_names

NAME_LENGTH = 200  # characters: the store's VARCHAR(200) (ids, categories, attribute names, groups)
NUL = "\x00"


def _broken(value: str) -> str:
    """Why ``value`` cannot be a stored name ("" when it can)."""
    if NUL in value:
        return "holds a NUL character (0x00), which PostgreSQL cannot store"
    if len(value) > NAME_LENGTH:
        return f"is {len(value)} characters long (at most {NAME_LENGTH})"
    return ""


def _short(value: str) -> str:
    """``value`` as a reason names it (a label's kind): NULs shown, long ones cut."""
    value = _whole(value)
    return value if len(value) <= 60 else value[:57] + "…"


def _whole(value: str) -> str:
    """An id as a record keeps it: whole (``--json`` gives every id as it is), its NULs shown as ``\\0``."""
    return value.replace(NUL, "\\0")


def make_storable(catalogue: Catalogue) -> None:
    """Apply the limits above to ``catalogue`` in place (items, outfits, labels), adding to its
    ``skipped`` and ``notes``; the same on SQLite and PostgreSQL, so a catalogue reads the same on both."""
    kept: list[ItemRecord] = []
    for item in catalogue.items:
        problem = next(((field, why) for field, value in (("id", item.item_id), ("category", item.category))
                        if (why := _broken(value))), None)
        if problem is not None:
            # the way out: a folder catalogue's ids and categories are its file and folder names (trial CG
            # read the length of a 250-character file name, and no word of what to do)
            fix = (("rename the photo file" if problem[0] == "id" else "rename its folder")
                   if catalogue.format == "folder" else f"shorten the {problem[0]} in the catalogue's table")
            catalogue.skipped.append(Skip(_whole(item.item_id), item.image_path,
                                          f"its {problem[0]} {problem[1]}: {fix}"))
            continue
        _label_limits(catalogue, item)
        kept.append(item)
    catalogue.items = kept
    outfits, dropped = [], set()
    for outfit in catalogue.outfits:
        why = _broken(outfit.outfit_id)
        if why:
            catalogue.skipped.append(Skip(_whole(outfit.outfit_id), "", f"its outfit id {why}", "outfit"))
            dropped.add(outfit.outfit_id)
            continue
        outfits.append(outfit)
    catalogue.outfits = outfits
    if dropped:  # the splits and questions that name them: the same column, the same limit
        for split in catalogue.splits:
            split.outfit_ids = [outfit_id for outfit_id in split.outfit_ids if outfit_id not in dropped]
        catalogue.fitb = [question for question in catalogue.fitb if question.outfit_id not in dropped]


def _label_limits(catalogue: Catalogue, item: ItemRecord) -> None:
    where = catalogue.metadata_file or item.image_path
    for field in ("fine_category", "group"):
        value = getattr(item, field)
        if why := _broken(value):
            setattr(item, field, "")
            catalogue.notes.append(Skip(_whole(item.item_id), where, f"its {field.replace('_', ' ')} {why}: left out",
                                        "value"))
    for key, value in list(item.attributes.items()):
        names = categorical_names(ItemRecord(item.item_id, item.image_path, item.category, attributes={key: value}))
        why = next((reason for name in names if (reason := _broken(name))), "") or _broken(key)
        if why:
            del item.attributes[key]
            catalogue.notes.append(Skip(_whole(item.item_id), where, f"its {_short(key)} label {why}: left out",
                                        "value"))
    texts = ("title", "description")
    cleaned = [field for field in texts if NUL in getattr(item, field)]
    for field in cleaned:
        setattr(item, field, getattr(item, field).replace(NUL, ""))
    extra_text = [key for key, value in item.extra.items() if isinstance(value, str) and NUL in value]
    for key in extra_text:
        item.extra[key] = item.extra[key].replace(NUL, "")
    if cleaned or extra_text:
        catalogue.notes.append(Skip(_whole(item.item_id), where, f"NUL characters (0x00) removed from its "
                                    f"{' and '.join([*cleaned, *extra_text])}", "value"))
