"""The demo world's vocabulary and its hidden rule.

Every outfit is built around one *theme* attribute (a colour, a pattern or a motif) that all of its
items carry; any other attribute value is shared by no two items of the outfit, so each matching
pair has exactly one explaining attribute. Planning is pure bookkeeping (no pixels): it decides
which items exist, what they look like and which outfits they form, all from one seeded RNG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

COLOURS = ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "black")
# "solid" is the absence of a pattern and "none" the absence of a motif: never a theme.
PATTERNS = ("solid", "striped", "dotted", "checked", "zigzag", "wavy")
THEME_PATTERNS = PATTERNS[1:]
MOTIFS = ("star", "heart", "flower", "bolt", "moon", "diamond", "cross")
NO_MOTIF = "none"
THEME_KINDS = ("colour", "pattern", "motif")

# semantic category -> fine-grained product types (each a different silhouette), Polyvore names.
FINE_TYPES: dict[str, tuple[str, ...]] = {
    "tops": ("tee", "tank top"),
    "bottoms": ("trousers", "skirt"),
    "all-body": ("dress",),
    "outerwear": ("coat", "jacket"),
    "shoes": ("boots", "sneakers"),
    "bags": ("handbag", "tote"),
    "hats": ("cap", "beanie", "sun hat"),
}
CATEGORIES = tuple(FINE_TYPES)
ACCESSORY_CATEGORIES = ("outerwear", "shoes", "bags", "hats")


def fine_category_ids() -> dict[str, int]:
    """Stable numeric id per fine-grained type (the ``category_id`` of Polyvore metadata)."""
    ids: dict[str, int] = {}
    for semantic in CATEGORIES:
        for fine in FINE_TYPES[semantic]:
            ids[fine] = 100 + len(ids)
    return ids


def attribute_name(kind: str, value: str) -> str:
    """Namespaced attribute as the vocabulary spells it: ``colour:red``."""
    return f"{kind}:{value}"


@dataclass
class ItemPlan:
    item_id: str
    category: str
    fine_category: str
    colour: str
    pattern: str
    motif: str  # NO_MOTIF when the item has none

    def value(self, kind: str) -> str:
        return {"colour": self.colour, "pattern": self.pattern, "motif": self.motif}[kind]

    def attributes(self) -> list[str]:
        """Present attributes, namespaced (no entry for a missing motif)."""
        names = [attribute_name("colour", self.colour), attribute_name("pattern", self.pattern)]
        if self.motif != NO_MOTIF:
            names.append(attribute_name("motif", self.motif))
        return names

    def carries(self, theme: str) -> bool:
        kind, value = theme.split(":", 1)
        return self.value(kind) == value


@dataclass
class OutfitPlan:
    set_id: str
    theme: str  # namespaced, e.g. "motif:star"
    item_ids: list[str] = field(default_factory=list)

    @property
    def theme_kind(self) -> str:
        return self.theme.split(":", 1)[0]


def shared_values(items: list[ItemPlan]) -> set[str]:
    """Attribute values (namespaced) carried by every item; absences never count."""
    if not items:
        return set()
    common = set(items[0].attributes())
    for item in items[1:]:
        common &= set(item.attributes())
    return common


def clashes(candidate: ItemPlan, picked: list[ItemPlan], theme: str) -> bool:
    """True when the candidate shares a non-theme attribute with an item already picked.

    Missing motifs are not attributes; a shared "solid" is (two plain items look alike)."""
    own = set(candidate.attributes()) - {theme}
    return any(own & set(other.attributes()) for other in picked)


def _unique_ids(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    return [str(number) for number in rng.sample(range(low, high), count)]


def _outfit_categories(rng: random.Random) -> list[str]:
    """3-5 distinct categories forming a wearable look: a dress, or a top with a bottom, plus extras."""
    size = rng.choices((3, 4, 5), weights=(3, 4, 3))[0]
    core = ["all-body"] if rng.random() < 0.3 else ["tops", "bottoms"]
    return core + rng.sample(ACCESSORY_CATEGORIES, size - len(core))


class WorldPlanner:
    """Creates items lazily while filling outfit slots, reusing earlier items where they fit.

    The chance of creating a new item is remaining items / remaining slots, so the item budget is
    spent evenly and every item ends up in at least one outfit."""

    def __init__(self, rng: random.Random, n_items: int, n_outfits: int) -> None:
        self.rng = rng
        self.n_items = n_items
        self.n_outfits = n_outfits
        self.item_ids = iter(_unique_ids(rng, n_items, 100_000_000, 999_999_999))
        self.items: list[ItemPlan] = []
        self.by_category: dict[str, list[ItemPlan]] = {category: [] for category in CATEGORIES}
        self.usage: dict[str, int] = {}

    def _random_theme(self, kind: str) -> str:
        values = {"colour": COLOURS, "pattern": THEME_PATTERNS, "motif": MOTIFS}[kind]
        return attribute_name(kind, self.rng.choice(values))

    def _new_item(self, category: str, theme: str, picked: list[ItemPlan]) -> ItemPlan:
        kind, value = theme.split(":", 1)
        taken = set().union(*(set(item.attributes()) for item in picked)) if picked else set()

        def free(k: str, options: tuple[str, ...]) -> list[str]:
            return [o for o in options if attribute_name(k, o) not in taken]

        colour = value if kind == "colour" else self.rng.choice(free("colour", COLOURS))
        pattern = value if kind == "pattern" else self.rng.choice(free("pattern", PATTERNS))
        if kind == "motif":
            motif = value
        else:
            motif = NO_MOTIF if self.rng.random() < 0.45 else self.rng.choice(free("motif", MOTIFS))
        item = ItemPlan(
            item_id=next(self.item_ids),
            category=category,
            fine_category=self.rng.choice(FINE_TYPES[category]),
            colour=colour,
            pattern=pattern,
            motif=motif,
        )
        self.items.append(item)
        self.by_category[category].append(item)
        self.usage[item.item_id] = 0
        return item

    def _reuse(self, category: str, theme: str, picked: list[ItemPlan]) -> ItemPlan | None:
        candidates = [
            item
            for item in self.by_category[category]
            if item.carries(theme) and not clashes(item, picked, theme)
        ]
        if not candidates:
            return None
        least = min(self.usage[item.item_id] for item in candidates)
        return self.rng.choice([item for item in candidates if self.usage[item.item_id] == least])

    def plan(self) -> tuple[list[ItemPlan], list[OutfitPlan]]:
        compositions = [_outfit_categories(self.rng) for _ in range(self.n_outfits)]
        kinds = [THEME_KINDS[i % 3] for i in range(self.n_outfits)]
        self.rng.shuffle(kinds)
        set_ids = _unique_ids(self.rng, self.n_outfits, 100_000_000, 999_999_999)
        slots_left = sum(len(c) for c in compositions)
        outfits: list[OutfitPlan] = []
        for set_id, kind, categories in zip(set_ids, kinds, compositions):
            theme = self._random_theme(kind)
            picked: list[ItemPlan] = []
            for category in categories:
                items_left = self.n_items - len(self.items)
                create = items_left > 0 and self.rng.random() < items_left / max(slots_left, 1)
                item = None if create else self._reuse(category, theme, picked)
                if item is None and items_left > 0:
                    item = self._new_item(category, theme, picked)
                slots_left -= 1
                if item is not None:
                    picked.append(item)
            if len(picked) < 3:  # the item budget ran out for this theme: drop the outfit
                continue
            for item in picked:
                self.usage[item.item_id] += 1
            outfits.append(OutfitPlan(set_id=set_id, theme=theme, item_ids=[i.item_id for i in picked]))
        return self.items, outfits


def plan_world(seed: int, n_items: int, n_outfits: int) -> tuple[list[ItemPlan], list[OutfitPlan]]:
    """All items and outfits of a demo catalogue, deterministic in ``seed``."""
    return WorldPlanner(random.Random(f"demo-world:{seed}"), n_items, n_outfits).plan()
