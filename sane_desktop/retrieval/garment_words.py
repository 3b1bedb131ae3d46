"""Common English garment words and the family each belongs to.

A catalogue names its folders the way a shop does (``Trousers/``, ``Sneakers/``, ``Earrings/``),
a compatibility model names its categories by family (``bottoms``, ``shoes``, ``jewellery``).
This table tells :func:`sane_desktop.retrieval.category_map.suggest` that trousers are bottoms
when names alone do not. Words are written as a shop's folder would be (plural for things one
counts), matched up to case, separators and a plural; a word belongs to one family only. A few are
two words, as a retailer groups its garments ("Garment Upper body": H&M's product groups).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# family -> its words (the family's own name counts as one of its words)
FAMILIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "tops": ("blouses", "shirts", "t-shirts", "tees", "tank tops", "camisoles", "sweaters", "jumpers",
             "pullovers", "cardigans", "sweatshirts", "hoodies", "polos", "tunics", "bodysuits", "crop tops",
             "knitwear", "knits", "turtlenecks", "upper body"),
    "bottoms": ("trousers", "pants", "jeans", "shorts", "skirts", "leggings", "joggers", "chinos", "culottes",
                "slacks", "sweatpants", "lower body"),
    "all-body": ("dresses", "gowns", "jumpsuits", "rompers", "playsuits", "overalls", "dungarees", "onesies",
                 "kaftans", "sarees", "saris", "full body", "one-pieces"),
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

# Shops outside the English-speaking world name their folders in their own language (a trial's
# ``Robes/`` and ``Accessoires/`` got no suggestion): the common French, Spanish, Portuguese,
# Italian, German and Dutch words, each under the English word of :data:`FAMILIES` it translates
# (said in the suggestion: "robes (dresses) are all-body"). Matched up to case, accents, separators
# and an English plural, so a language's own plurals are listed beside their singulars where they
# differ by more than an -s. A word whose meaning differs between languages is left out (French
# ``gilets`` are waistcoats or cardigans, English gilets outerwear; German ``Hose``, English hosiery),
# and so are words of three letters or fewer (``Rock``, ``Hut``, ``Sac``: too often something else).
TRANSLATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    # tops
    "tops": ("hauts", "oberteile", "oberteil", "parte de arriba", "partes de arriba", "bovenstukken"),
    "shirts": ("chemises", "camisas", "camicie", "camicia", "hemden", "hemd", "overhemden", "overhemd"),
    "blouses": ("chemisiers", "blusas", "bluse", "blusen", "bloezen"),
    "t-shirts": ("camisetas", "magliette", "maglietta"),
    "sweaters": ("pulls", "jerseis", "jerséis", "maglioni", "maglione", "truien", "trui"),
    "sweatshirts": ("sudaderas", "felpe", "moletons"),
    "cardigans": ("strickjacken", "strickjacke", "vesten"),
    # bottoms
    "trousers": ("pantalons", "pantalones", "pantalon", "calcas", "calças", "pantaloni", "hosen", "broeken", "broek"),
    "skirts": ("jupes", "faldas", "saias", "gonne", "gonna", "röcke", "rokken"),
    "jeans": ("vaqueros", "jeanshosen"),
    # all-body
    "dresses": ("robes", "vestidos", "abiti", "kleider", "kleid", "jurken", "jurk"),
    "jumpsuits": ("combinaisons", "monos", "macacoes", "macacões"),
    # outerwear
    "jackets": ("vestes", "blousons", "chaquetas", "jaquetas", "giacche", "giacca", "jacken", "jacke", "jassen"),
    "coats": ("manteaux", "manteau", "abrigos", "casacos", "cappotti", "cappotto", "mäntel", "mantel"),
    # shoes
    "shoes": ("chaussures", "zapatos", "sapatos", "scarpe", "schuhe", "schuh", "schoenen", "schoen"),
    "sneakers": ("baskets", "zapatillas"),
    "boots": ("bottes", "bottines", "botas", "stivali", "stiefel", "laarzen", "laars"),
    "sandals": ("sandales", "sandalias", "sandálias", "sandali", "sandalen"),
    "heels": ("escarpins", "tacones", "saltos"),
    # bags
    "bags": ("sacs", "bolsos", "bolso", "bolsas", "borse", "borsa", "taschen", "tasche", "tassen"),
    "handbags": ("sacs à main", "sac à main", "handtaschen", "handtasche", "handtassen"),
    "backpacks": ("sacs à dos", "mochilas", "zaini", "zaino", "rucksäcke", "rucksack", "rugzakken"),
    # jewellery
    "jewellery": ("bijoux", "joyas", "joias", "gioielli", "schmuck", "sieraden"),
    "necklaces": ("colliers", "collares", "colares", "collane", "halsketten", "halskette", "kettingen"),
    "earrings": ("boucles d'oreilles", "pendientes", "brincos", "orecchini", "ohrringe", "oorbellen"),
    "rings": ("bagues", "anillos", "anéis", "aneis", "anelli", "ringe", "ringen"),
    "bracelets": ("pulseras", "pulseiras", "bracciali", "armbänder", "armband", "armbanden"),
    # accessories
    "accessories": ("accessoires", "accesorios", "acessórios", "accessori", "zubehör"),
    "belts": ("ceintures", "cinturones", "cintos", "cinture", "gürtel", "riemen"),
    # hats
    "hats": ("chapeaux", "chapeau", "sombreros", "chapéus", "cappelli", "cappello", "hüte", "hoeden", "hoed"),
    "caps": ("casquettes", "gorras", "bonés", "kappen", "petten"),
    "beanies": ("bonnets", "mützen", "mütze", "mutsen"),
    # sunglasses
    "sunglasses": ("lunettes de soleil", "gafas de sol", "óculos de sol", "occhiali da sole", "sonnenbrillen",
                   "sonnenbrille", "zonnebrillen", "zonnebril"),
    # scarves
    "scarves": ("écharpes", "foulards", "bufandas", "pañuelos", "cachecóis", "lenços", "sciarpe", "sciarpa", "schals",
                "schal", "tücher", "sjaals", "sjaal"),
})
