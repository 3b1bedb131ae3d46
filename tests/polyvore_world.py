"""An independent Polyvore Outfits generator for the import acceptance tests.

Written from METHOD.md section 2 and the real dataset's shape, not from ``catalogue_fixtures``:
metadata values carry the real extra keys (``related``, ``catalog_names``, ``url_name``),
``categories.csv`` has no header (``id,fine-grained,semantic``, CSV-quoted where a name has a comma),
``nondisjoint/`` and ``disjoint/`` assign overlapping outfit sets differently, items are shared between
outfits, some items belong to no outfit, ids are numeric strings, set ids long numeric strings and
images real (tiny) JPEGs. The generator also counts what a correct import must report.

:func:`inject_bad_inputs` turns a copy into one with every bad-input case of issue 2 point 7, each on
its own item, and returns which item ids must import and which must be reported.
"""

from __future__ import annotations

import csv
import io
import json
import random
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

# (category_id, fine-grained name, semantic category): the real file's shape, ids not contiguous
CATEGORIES = [
    (2, "Day Dresses", "all-body"),
    (3, "Cocktail Dresses", "all-body"),
    (11, "Tops", "tops"),
    (15, "T-Shirts", "tops"),
    (17, "Sweaters", "tops"),
    (25, "Skirts", "bottoms"),
    (27, "Jeans, Denim", "bottoms"),  # a comma inside a quoted field
    (28, "Shorts", "bottoms"),
    (41, "Boots", "shoes"),
    (46, "Sneakers", "shoes"),
    (4249, "Jackets", "outerwear"),
    (35, "Shoulder Bags", "bags"),
    (51, "Necklaces", "jewellery"),
    (64, "Sunglasses", "sunglasses"),
    (97, "Hats", "hats"),
    (106, "Scarves", "scarves"),
    (52, "Earrings", "jewellery"),
    (4495, "Belts", "accessories"),
]
WORDS = ["black", "white", "floral", "leather", "silk", "denim", "striped", "crème", "wool", "cotton", "red",
         "navy", "vintage", "oversized", "slim", "gold", "suede", "knit"]
SPLITS = ("train", "valid", "test")


@dataclass
class World:
    root: Path
    item_ids: list[str]
    category_of: dict[str, str]  # item id -> semantic category
    outfits: dict[str, list[str]]  # set id -> item ids in index order (index = position + 1)
    protocol_splits: dict[str, dict[str, list[str]]]  # protocol -> split -> set ids
    fitb_count: int
    compatibility_count: int
    fitb_by_file: dict[str, int] = field(default_factory=dict)
    compatibility_by_file: dict[str, int] = field(default_factory=dict)

    @property
    def outfit_count(self) -> int:
        return len(self.outfits)


def _jpeg_bank(rng: random.Random, count: int = 24, size: int = 32) -> list[bytes]:
    """A few real, distinct JPEG files to share between items (writing 4,000 takes well under a second)."""
    bank = []
    for _ in range(count):
        image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
        image.paste(tuple(rng.randrange(256) for _ in range(3)), (8, 8, 24, 24))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        bank.append(buffer.getvalue())
    return bank


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def write_world(root: Path, n_items: int = 4000, seed: int = 7) -> World:
    """Write a Polyvore-layout catalogue of ``n_items`` items under ``root`` and count it."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir()
    with (root / "categories.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(CATEGORIES)

    ids = rng.sample(range(100_000_000, 250_000_000), n_items)
    item_ids = [str(i) for i in ids]
    bank = _jpeg_bank(rng)
    metadata, category_of = {}, {}
    for item_id in item_ids:
        category_id, fine, semantic = rng.choice(CATEGORIES)
        words = rng.sample(WORDS, 3)
        metadata[item_id] = {
            "url_name": " ".join(words),
            "description": rng.choice(["", " ".join(rng.sample(WORDS, 5)) + "."]),
            "catalog_names": [fine, "Women's Fashion"],
            "title": rng.choice(["", " ".join(words).title()]),
            "related": [f"{w} {fine.lower()}" for w in rng.sample(WORDS, 2)],
            "category_id": str(category_id),
            "semantic_category": semantic,
        }
        category_of[item_id] = semantic
        (root / "images" / f"{item_id}.jpg").write_bytes(rng.choice(bank))
    _write_json(root / "polyvore_item_metadata.json", metadata)

    # outfits: 3-8 items of distinct categories; ~5% of items belong to none, some to several
    by_category: dict[str, list[str]] = {}
    in_outfits = item_ids[: int(n_items * 0.95)]
    for item_id in in_outfits:
        by_category.setdefault(category_of[item_id], []).append(item_id)
    outfits: dict[str, list[str]] = {}
    pool = list(in_outfits)
    rng.shuffle(pool)
    while pool:
        size = rng.randint(3, 8)
        chosen: list[str] = []
        deferred: list[str] = []  # same category as one already chosen: next outfit
        while pool and len(chosen) < size:
            candidate = pool.pop()
            if all(category_of[c] != category_of[candidate] for c in chosen):
                chosen.append(candidate)
            else:
                deferred.append(candidate)
        pool.extend(deferred)
        if not pool and not chosen:
            break
        while len(chosen) < 3:  # top up with items already used elsewhere (shared items, as in the real data)
            candidate = rng.choice(in_outfits)
            if candidate not in chosen and all(category_of[c] != category_of[candidate] for c in chosen):
                chosen.append(candidate)
        set_id = str(rng.randrange(10**8, 3 * 10**8))
        while set_id in outfits:
            set_id = str(rng.randrange(10**8, 3 * 10**8))
        outfits[set_id] = chosen
    # a few extra outfits made only of items already used (items shared between outfits)
    for _ in range(len(outfits) // 20):
        chosen = []
        for category in rng.sample(sorted(by_category), 4):
            chosen.append(rng.choice(by_category[category]))
        outfits[str(rng.randrange(3 * 10**8, 4 * 10**8))] = chosen

    set_ids = list(outfits)
    rng.shuffle(set_ids)
    # nondisjoint holds ~85% of outfits; disjoint ~50%, overlapping it, plus ones nondisjoint lacks
    nondisjoint = set_ids[: int(len(set_ids) * 0.85)]
    disjoint = set_ids[int(len(set_ids) * 0.45):]
    protocol_splits = {"nondisjoint": _split(nondisjoint, rng), "disjoint": _split(disjoint, rng)}

    _write_json(root / "polyvore_outfit_titles.json", {
        s: {"url_name": f"outfit {n}", "title": rng.choice(["", f"Look {n}"])} for n, s in enumerate(set_ids)
        if n % 10  # some outfits have no title entry
    })
    fitb_by_file, compatibility_by_file = {}, {}
    for protocol, splits in protocol_splits.items():
        folder = root / protocol
        folder.mkdir()
        for split, members in splits.items():
            _write_json(folder / f"{split}.json", [
                {"items": [{"item_id": item_id, "index": n + 1} for n, item_id in enumerate(outfits[s])],
                 "set_id": s}
                for s in members
            ])
        for split in ("valid", "test"):
            members = splits[split]
            fitb = _fitb(members, outfits, category_of, rng)
            _write_json(folder / f"fill_in_blank_{split}.json", fitb)
            fitb_by_file[f"{protocol}/{split}"] = len(fitb)
            lines = _compatibility(members, outfits, rng)
            # CRLF and a trailing blank line, as files written on other systems have
            (folder / f"compatibility_{split}.txt").write_text("\r\n".join(lines) + "\r\n\r\n", encoding="utf-8")
            compatibility_by_file[f"{protocol}/{split}"] = len(lines)
    (root / "nondisjoint" / "typespaces.p").write_bytes(b"\x80\x04not-to-be-unpickled")
    return World(root, item_ids, category_of, outfits, protocol_splits, sum(fitb_by_file.values()),
                 sum(compatibility_by_file.values()), fitb_by_file, compatibility_by_file)


def _split(members: list[str], rng: random.Random) -> dict[str, list[str]]:
    members = list(members)
    rng.shuffle(members)
    n_valid, n_test = len(members) // 10, len(members) // 5
    return {"valid": members[:n_valid], "test": members[n_valid:n_valid + n_test],
            "train": members[n_valid + n_test:]}


def _fitb(members: list[str], outfits: dict[str, list[str]], category_of: dict[str, str],
          rng: random.Random) -> list[dict[str, object]]:
    """One question per outfit: blank one item; 3 wrong answers of its category from other outfits."""
    where: dict[str, list[str]] = {}  # category -> setid_index names in this split
    for s in members:
        for n, item_id in enumerate(outfits[s]):
            where.setdefault(category_of[item_id], []).append(f"{s}_{n + 1}")
    questions = []
    for s in members:
        items = outfits[s]
        blank = rng.randrange(len(items))
        names = [f"{s}_{n + 1}" for n in range(len(items))]
        others = [name for name in where[category_of[items[blank]]] if name.rsplit("_", 1)[0] != s]
        if len(others) < 3:
            continue
        answers = rng.sample(others, 3) + [names[blank]]
        rng.shuffle(answers)
        questions.append({"answers": answers, "question": names[:blank] + names[blank + 1:],
                          "blank_position": blank + 1})
    return questions


def _compatibility(members: list[str], outfits: dict[str, list[str]], rng: random.Random) -> list[str]:
    """A positive line per outfit, and a negative of the same length drawn from other outfits."""
    lines = []
    for s in members:
        lines.append("1 " + " ".join(f"{s}_{n + 1}" for n in range(len(outfits[s]))))
        negative = []
        for _ in range(len(outfits[s])):
            other = rng.choice(members)
            negative.append(f"{other}_{rng.randrange(len(outfits[other])) + 1}")
        lines.append("0 " + " ".join(negative))
    return lines


# ---------------------------------------------------------------------------------------------------
# Bad inputs (issue 2 point 7), each on its own item


@dataclass
class BadInputs:
    accepted: dict[str, str]  # item id -> case (must import, converted / oriented)
    rejected: dict[str, str]  # item id -> case (must be reported as a skipped item)
    unknown: dict[str, str]  # item id named by an outfit but absent from the metadata -> set id
    host_outfit: dict[str, str]  # bad / accepted item id -> the set id whose outfit names it
    oriented_size: dict[str, tuple[int, int]] = field(default_factory=dict)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(side: int = 12_000) -> bytes:
    """A *valid* 1-bit PNG of side x side pixels (144 MP at the default) that compresses to a few KB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def inject_bad_inputs(world: World, root: Path, outside: Path) -> BadInputs:
    """Add every bad-input case to the copy of ``world`` at ``root``; ``outside`` is a folder beside it."""
    metadata_path = root / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    images = root / "images"
    next_id = iter(range(900_000_001, 900_001_000))

    def new_item(item_id: str | None = None) -> str:
        item_id = item_id or str(next(next_id))
        metadata[item_id] = {"url_name": "bad case", "description": "", "catalog_names": [], "title": "Case",
                             "related": [], "category_id": "11", "semantic_category": "tops"}
        return item_id

    accepted: dict[str, str] = {}
    rejected: dict[str, str] = {}
    oriented: dict[str, tuple[int, int]] = {}

    # accepted, converted at load: EXIF orientation, CMYK, greyscale, palette, alpha
    item = new_item()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: stored 40 wide x 20 high, shown 20 x 40
    (images / f"{item}.jpg").write_bytes(_encode(Image.new("RGB", (40, 20), "red"), "JPEG", exif=exif))
    accepted[item], oriented[item] = "exif-orientation", (20, 40)
    item = new_item()
    (images / f"{item}.jpg").write_bytes(_encode(Image.new("CMYK", (32, 32), (0, 200, 100, 0)), "JPEG"))
    accepted[item] = "cmyk-jpeg"
    item = new_item()
    (images / f"{item}.jpg").write_bytes(_encode(Image.new("L", (32, 32), 90), "JPEG"))
    accepted[item] = "greyscale-jpeg"
    item = new_item()
    (images / f"{item}.png").write_bytes(_encode(Image.new("RGB", (32, 32), "blue").convert("P"), "PNG"))
    accepted[item] = "palette-png"
    item = new_item()
    (images / f"{item}.png").write_bytes(_encode(Image.new("RGBA", (32, 32), (0, 255, 0, 80)), "PNG"))
    accepted[item] = "rgba-png"
    item = new_item()
    (images / f"{item}.png").write_bytes(_encode(Image.new("LA", (32, 32), (10, 0)), "PNG"))
    accepted[item] = "greyscale-alpha-png"
    item = new_item()
    (images / f"{item}.png").write_bytes(_encode(Image.new("I;16", (32, 32), 40000), "PNG"))
    accepted[item] = "16-bit-png"

    # rejected
    item = new_item()
    (images / f"{item}.png").write_bytes(bomb_png())
    rejected[item] = "decompression-bomb"
    item = new_item()
    (images / f"{item}.jpg").write_bytes(b"")
    rejected[item] = "empty-file"
    item = new_item()
    good = _encode(Image.effect_noise((64, 64), 60).convert("RGB"), "JPEG", quality=95)
    (images / f"{item}.jpg").write_bytes(good[: len(good) // 2])
    rejected[item] = "truncated-jpeg"
    item = new_item()
    (images / f"{item}.jpg").write_text("<html>not an image</html>\n", encoding="utf-8")
    rejected[item] = "non-image"
    item = new_item()
    rejected[item] = "missing-file"  # no file at all
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.jpg").write_bytes(_encode(Image.new("RGB", (32, 32), "white"), "JPEG"))
    item = new_item()
    (images / f"{item}.jpg").symlink_to(outside / "secret.jpg")
    rejected[item] = "symlink-escaping"
    for escaping in ("../../outside/secret", "/etc/passwd", "..\\..\\windows\\win", "images/../../x"):
        rejected[new_item(escaping)] = "escaping-id"
    _write_json(metadata_path, metadata)

    # every case goes into an existing outfit (one case per outfit), plus an unknown item
    nondisjoint = world.protocol_splits["nondisjoint"]
    hosts = [s for s in nondisjoint["train"] if len(world.outfits[s]) >= 3]
    host_outfit: dict[str, str] = {}
    unknown = {"999999999": hosts[0], "999999998": hosts[1]}
    additions: dict[str, list[str]] = {hosts[0]: ["999999999"], hosts[1]: ["999999998"]}
    for n, item in enumerate([*accepted, *rejected]):
        host = hosts[n + 2]
        additions[host] = [item]
        host_outfit[item] = host
    path = root / "nondisjoint" / "train.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        for item in additions.get(entry["set_id"], []):
            entry["items"].append({"item_id": item, "index": len(entry["items"]) + 1})
    _write_json(path, entries)
    return BadInputs(accepted, rejected, unknown, host_outfit, oriented)
