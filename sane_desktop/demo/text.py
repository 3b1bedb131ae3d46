"""Shop-style titles and descriptions for demo items, with synonyms and dropped words so the text
hints at the attributes without being a copy of the labels."""

from __future__ import annotations

import random

from sane_desktop.demo.themes import NO_MOTIF, ItemPlan

COLOUR_WORDS = {
    "red": ("red", "scarlet", "cherry red"), "orange": ("orange", "tangerine"),
    "yellow": ("yellow", "mustard", "lemon"), "green": ("green", "grass green"),
    "teal": ("teal", "petrol"), "blue": ("blue", "cobalt", "royal blue"),
    "purple": ("purple", "violet"), "pink": ("pink", "rose"), "brown": ("brown", "chocolate"),
    "black": ("black", "jet black"),
}
PATTERN_WORDS = {
    "solid": ("plain", "solid", ""), "striped": ("striped", "stripe"),
    "dotted": ("polka-dot", "dotted", "spotted"), "checked": ("checked", "check", "chequered"),
    "zigzag": ("zigzag", "chevron"), "wavy": ("wavy", "wave-print"),
}
MOTIF_WORDS = {
    "star": ("star", "little star"), "heart": ("heart", "love-heart"), "flower": ("flower", "daisy"),
    "bolt": ("lightning bolt", "bolt"), "moon": ("moon", "crescent moon"),
    "diamond": ("diamond", "rhombus"), "cross": ("cross", "plus-sign"),
}
PRODUCT_WORDS = {
    "tee": ("tee", "t-shirt", "top"), "tank top": ("tank top", "vest top", "cami"),
    "trousers": ("trousers", "pants", "wide-leg trousers"), "skirt": ("skirt", "a-line skirt"),
    "dress": ("dress", "midi dress", "sundress"), "coat": ("coat", "long coat", "overcoat"),
    "jacket": ("jacket", "cropped jacket"), "boots": ("boots", "ankle boots"),
    "sneakers": ("sneakers", "trainers"), "handbag": ("handbag", "top-handle bag"),
    "tote": ("tote", "tote bag", "shopper"), "cap": ("cap", "baseball cap"),
    "beanie": ("beanie", "knit hat"), "sun hat": ("sun hat", "wide-brim hat"),
}
FABRICS = ("cotton", "linen", "jersey", "wool-blend", "denim", "canvas", "recycled polyester")
FILLERS = (
    "A wardrobe staple.", "Easy to style.", "Relaxed fit.", "Made to last.", "Limited edition.",
    "Machine washable.", "Pairs well with the rest of the collection.", "New season.",
)
OUTFIT_WORDS = (
    ("Sunday", "City", "Weekend", "Studio", "Holiday", "Office", "Evening", "Garden", "Gallery"),
    ("stroll", "look", "edit", "mood", "vibes", "brunch", "classic", "story", "set"),
)


def _maybe(rng: random.Random, words: tuple[str, ...], drop: float) -> str:
    return "" if rng.random() < drop else rng.choice(words)


def item_title(item: ItemPlan, rng: random.Random) -> str:
    colour = _maybe(rng, COLOUR_WORDS[item.colour], 0.12)
    pattern = _maybe(rng, PATTERN_WORDS[item.pattern], 0.15)
    product = rng.choice(PRODUCT_WORDS[item.fine_category])
    title = " ".join(word for word in (colour, pattern, product) if word)
    if item.motif != NO_MOTIF and rng.random() > 0.15:
        title += rng.choice((" with a {} print", " with {} motif", " - {} detail")).format(
            rng.choice(MOTIF_WORDS[item.motif]))
    return title[0].upper() + title[1:]


def item_description(item: ItemPlan, rng: random.Random) -> str:
    product = rng.choice(PRODUCT_WORDS[item.fine_category])
    sentences = []
    colour = _maybe(rng, COLOUR_WORDS[item.colour], 0.1)
    pattern = _maybe(rng, PATTERN_WORDS[item.pattern], 0.2)
    lead = " ".join(w for w in (colour, pattern, rng.choice(FABRICS), product) if w)
    sentences.append(f"{lead[0].upper()}{lead[1:]}.")
    if item.motif != NO_MOTIF and rng.random() > 0.1:
        sentences.append(f"Features a {rng.choice(MOTIF_WORDS[item.motif])} "
                         f"{rng.choice(('print', 'motif', 'patch', 'appliqué'))}.")
    sentences += rng.sample(FILLERS, rng.randint(0, 2))
    return " ".join(sentences)


def url_name(title: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())


def outfit_title(rng: random.Random) -> str:
    return f"{rng.choice(OUTFIT_WORDS[0])} {rng.choice(OUTFIT_WORDS[1])}"
