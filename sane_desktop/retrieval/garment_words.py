"""Common English garment words and the family each belongs to.

A catalogue names its folders the way a shop does (``Trousers/``, ``Sneakers/``, ``Earrings/``),
a compatibility model names its categories by family (``bottoms``, ``shoes``, ``jewellery``).
This table tells :func:`sane_desktop.retrieval.category_map.suggest` that trousers are bottoms
when names alone do not. Words are written as a shop's folder would be (plural for things one
counts), matched up to case, separators and a plural; a word belongs to one family only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# family -> its words (the family's own name counts as one of its words)
FAMILIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "tops": ("blouses", "shirts", "t-shirts", "tees", "tank tops", "camisoles", "sweaters", "jumpers",
             "pullovers", "cardigans", "sweatshirts", "hoodies", "polos", "tunics", "bodysuits", "crop tops",
             "knitwear", "knits", "turtlenecks"),
    "bottoms": ("trousers", "pants", "jeans", "shorts", "skirts", "leggings", "joggers", "chinos", "culottes",
                "slacks", "sweatpants"),
    "all-body": ("dresses", "gowns", "jumpsuits", "rompers", "playsuits", "overalls", "dungarees", "onesies",
                 "kaftans", "sarees", "saris"),
    "outerwear": ("coats", "jackets", "blazers", "parkas", "trench coats", "raincoats", "anoraks", "gilets",
                  "ponchos", "windbreakers", "puffers"),
    "shoes": ("sneakers", "trainers", "boots", "ankle boots", "sandals", "heels", "pumps", "flats", "loafers",
              "mules", "slippers", "clogs", "espadrilles", "brogues", "oxfords", "wedges", "stilettos", "footwear"),
    "bags": ("handbags", "purses", "clutches", "totes", "backpacks", "satchels", "shoulder bags", "crossbody bags",
             "pouches", "luggage"),
    "jewellery": ("jewelry", "earrings", "necklaces", "bracelets", "rings", "pendants", "brooches", "bangles",
                  "anklets", "chokers", "cufflinks"),
    "accessories": ("belts", "gloves", "mittens", "watches", "wallets", "ties", "bow ties", "hair accessories",
                    "umbrellas", "keyrings"),
    "hats": ("caps", "beanies", "berets", "fedoras", "headwear", "headbands", "bucket hats"),
    "sunglasses": ("glasses", "eyewear", "shades", "spectacles"),
    "scarves": ("shawls", "wraps", "stoles", "bandanas", "pashminas", "snoods"),
})
