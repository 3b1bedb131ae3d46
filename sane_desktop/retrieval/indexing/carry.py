"""A category renamed between two imports keeps what the user chose to search it as.

A folder read as a catalogue names its categories by its folders: renaming "Jacken und Mäntel" to "Jacken & Mäntel"
makes a new category of the same photos, and the model category the user chose for the old one ("outerwear", in the
index dialog) no longer applied: the re-sync searched the new one by looks alone, without a word (trial EG). The
photos tell the rename: a chosen category gone after the import whose photos (content hashes) are now mostly one
new category's, that category mostly holding them, passes its choice on, and the index says so. A category the
model matched by its name ("Bags" as bags) passes its match on the same way, where the new name matches nothing
itself (trial EK's "Bolsos" was searched by looks alone).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

__all__ = ["CARRIED_SHARE", "carried_choices", "carried_words"]

CARRIED_SHARE = 0.5  # of the old category's photos in the new one, and of the new one's photos from the old one


def carried_choices(before: Mapping[str, frozenset[str]], after: Mapping[str, frozenset[str]],
                    chosen: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """New category -> (the old category, the user's choice for it), for each category of ``chosen`` (catalogue
    category -> model category or ``general``) that ``after`` (category -> photo content hashes after the import)
    no longer has, whose photos in ``before`` (the same, before the import) are more than :data:`CARRIED_SHARE` of
    them in one new category, and more than that share of it (so one old category at most passes on to a
    new one). A new category the user chose for already keeps its own."""
    carried: dict[str, tuple[str, str]] = {}
    for old, photos in sorted(before.items()):
        if old in after or old not in chosen or not photos:
            continue
        shared = [(len(photos & now), new) for new, now in sorted(after.items())
                  if new not in before and new not in chosen and now]
        overlap, new = max(shared, default=(0, ""))
        if new and overlap > CARRIED_SHARE * len(photos) and overlap > CARRIED_SHARE * len(after[new]):
            carried[new] = (old, chosen[old])
    return carried


def carried_words(carried: Mapping[str, tuple[str, str]], chosen: Collection[str] | None = None) -> str:
    """The index's note on choices passed on: "“Jacken und Mäntel” is “Jacken & Mäntel” now (the same photos):
    searched as outerwear, as you chose"; for an old category in neither ``chosen`` (the user's; None: all were)
    "…: searched as bags, as “Bags” was by its name"; "" when none was."""
    return "; ".join(f"“{old}” is “{new}” now (the same photos): searched as {target}, "
                     + ("as you chose" if chosen is None or old in chosen else f"as “{old}” was by its name")
                     for new, (old, target) in sorted(carried.items()))
