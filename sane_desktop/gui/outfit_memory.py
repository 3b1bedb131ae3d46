"""The outfit being built and the category it is completed with, remembered between runs (a trial's outfit came back empty after a
restart, while the window's size, theme and catalogue came back). Kept in the settings per
catalogue *database* (its row's token, ``catalogues.uid``): a catalogue made anew under the same name
starts empty, and a test's fresh catalogue never meets another's outfit. Items are kept by the
catalogue's own ids (database keys are not stable across a database made anew), images from disk by
their file, category and content hash (embedded again, refused when the file changed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sane_desktop.service.values import CatalogueInfo, ItemInfo

# an entry of an outfit to bring back: a database key (this session), an image from disk
# (path, category, content hash), or a remembered one ({"id": …} / {"image": …, "category", "hash"})
Entry = int | tuple[str, str, str] | dict[str, str]


def _key(info: CatalogueInfo) -> str:
    return f"outfit/{info.uid or info.name}"


def remembered(settings: Any, info: CatalogueInfo) -> list[Entry]:
    """The outfit last remembered for ``info``'s catalogue ([] when none, or unreadable)."""
    try:
        data = json.loads(str(settings.get(_key(info)) or "[]"))
    except ValueError:
        return []
    entries: list[Entry] = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            # its photo's hash too (kept since the twenty-fifth stop): a renamed file or folder is followed by it
            entries.append({"id": entry["id"], **({"hash": entry["hash"]} if isinstance(entry.get("hash"), str)
                                                  else {})})
        elif isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("image", "category", "hash")):
            entries.append({"image": entry["image"], "category": entry["category"], "hash": entry["hash"]})
    return entries


def forget(settings: Any, uid: str) -> None:
    """Drop the outfit and target remembered for the catalogue database whose token is ``uid``
    (deleted, or made anew under its name: they can never come back, and settings would only grow)."""
    if uid:
        settings.remove(f"outfit/{uid}")
        settings.remove(f"target/{uid}")
        settings.remove(f"saved/{uid}")
        settings.remove(f"filters/{uid}")
        settings.remove(f"min_match/{uid}")


@dataclass(frozen=True)
class SavedLink:
    """Which saved outfit (its key, ``pk``) the outfit on screen was worked on as when the app last closed, and
    the catalogue items (keys, in order) that saved outfit held then (None: not kept, an older version's)."""

    pk: int
    items: tuple[int, ...] | None = None


def remembered_saved(settings: Any, info: CatalogueInfo) -> SavedLink | None:
    """The saved outfit the outfit on screen was worked on as, when the app last closed (None: none). A hint
    only: it is named again only while that saved outfit holds the items it held then (not one saved over
    since, elsewhere)."""
    value = str(settings.get(f"saved/{info.uid or info.name}") or "")
    key, _colon, items = value.partition(":")
    try:
        return SavedLink(int(key), tuple(int(pk) for pk in items.split(",") if pk) if _colon else None) \
            if key else None
    except ValueError:
        return None


def still_held(link: SavedLink, present: set[int], outfit: Sequence[ItemInfo], saved_items: tuple[int, ...]) -> bool:
    """Whether the saved outfit (now holding ``saved_items``, those still in the catalogue) holds what it held
    when ``link`` was kept, of the items ``present`` in the catalogue now: not saved over elsewhere since. A
    re-import that took items out while the app was closed leaves them out on both sides (a review found such
    an outfit reopened unnamed). An older version's record (no items) compares with the ``outfit`` restored."""
    held = tuple(pk for pk in link.items if pk in present) if link.items is not None \
        else tuple(item.pk for item in outfit if item.pk >= 0)
    return saved_items == held


def remember_saved(settings: Any, info: CatalogueInfo, pk: int | None, items: tuple[int, ...] = ()) -> None:
    """Keep (or, for None, drop) which saved outfit the outfit on screen is, and the catalogue ``items`` it
    holds (trial U: after a restart the outfit came back, but its export said "Unsaved outfit"; trial CY: one
    changed and not saved came back unnamed)."""
    if pk is None:
        settings.remove(f"saved/{info.uid or info.name}")
    else:
        settings.set(f"saved/{info.uid or info.name}", f"{pk}:{','.join(str(item) for item in items if item >= 0)}")


def remembered_target(settings: Any, info: CatalogueInfo) -> str:
    """The target category last chosen in ``info``'s catalogue ("": all categories, or none kept).
    A trial's "for: Été Dresses" came back as "All categories" after a restart, while the outfit
    built for it came back."""
    return str(settings.get(f"target/{info.uid or info.name}") or "")


def remember_target(settings: Any, info: CatalogueInfo, target: str) -> None:
    settings.set(f"target/{info.uid or info.name}", target)


def remember(settings: Any, info: CatalogueInfo, items: list[ItemInfo]) -> None:
    """Keep ``items`` (the outfit, in order) as ``info``'s catalogue's outfit."""
    entries = [{"image": str(item.image_path), "category": item.category, "hash": item.content_hash}
               if item.from_disk else {"id": item.item_id, "hash": item.content_hash} for item in items]
    settings.set(_key(info), json.dumps(entries))


def remembered_filters(settings: Any, info: CatalogueInfo) -> dict[str, set[str]]:
    """The Filters panel's ticks last kept for ``info``'s catalogue (group -> values; {} when none or
    unreadable). Trial BE's ticked "colour: black" was gone after a restart, unsaid, while the sort,
    threshold and target came back."""
    try:
        data = json.loads(str(settings.get(f"filters/{info.uid or info.name}") or "{}"))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(group): {value for value in values if isinstance(value, str)}
            for group, values in data.items() if isinstance(values, list)}


def remember_filters(settings: Any, info: CatalogueInfo, ticks: dict[str, set[str]]) -> None:
    """Keep the Filters panel's ``ticks`` for ``info``'s catalogue (none: the key goes)."""
    kept = {group: sorted(values) for group, values in ticks.items() if values}
    if kept:
        settings.set(f"filters/{info.uid or info.name}", json.dumps(kept, ensure_ascii=False))
    else:
        settings.remove(f"filters/{info.uid or info.name}")


def remembered_min_match(settings: Any, info: CatalogueInfo) -> int:
    """"Hide matches below" as last left in ``info``'s catalogue (0, hiding nothing, when never set or unreadable).
    One value for every catalogue carried 75, set in the demo, into a new shop's first search (trial ER)."""
    try:
        value = int(str(settings.get(f"min_match/{info.uid or info.name}") or 0))
    except ValueError:
        return 0
    return value if 0 <= value <= 100 else 0


def remember_min_match(settings: Any, info: CatalogueInfo, value: int) -> None:
    """Keep "Hide matches below" for ``info``'s catalogue (0: the key goes)."""
    if value:
        settings.set(f"min_match/{info.uid or info.name}", int(value))
    else:
        settings.remove(f"min_match/{info.uid or info.name}")
