"""Helpers that write small catalogues (and awkward image files) for tests. Reusable by any test:
``from catalogue_fixtures import write_polyvore_catalogue`` (``tests/`` is on pytest's path).

Every writer is deterministic for its seed and returns a small description of what it wrote.
"""

from __future__ import annotations

import csv
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

DEFAULT_CATEGORIES = ("tops", "bottoms", "shoes", "bags")


def write_image(
    path: Path,
    mode: str = "RGB",
    size: tuple[int, int] = (16, 12),
    colour: Any = None,
    image_format: str | None = None,
    exif_orientation: int | None = None,
) -> Path:
    """A small image file in any Pillow mode (``RGB``, ``CMYK``, ``L``, ``P``, ``RGBA``, ``I;16``...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if colour is None:
        colour = {"RGB": (200, 30, 30), "RGBA": (200, 30, 30, 128), "LA": (90, 128), "CMYK": (0, 200, 200, 0),
                  "I;16": 40000, "L": 90, "P": 3}.get(mode, 0)
    image = Image.new(mode, size, colour)
    kwargs: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    image.save(path, format=image_format, **kwargs)
    return path


def write_bomb_png(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def write_polyvore_catalogue(
    root: Path,
    n_items: int = 24,
    n_outfits: int = 6,
    seed: int = 0,
    protocols: tuple[str, ...] = ("nondisjoint",),
    categories: tuple[str, ...] = DEFAULT_CATEGORIES,
    items_per_outfit: int = 3,
) -> dict[str, Any]:
    """A Polyvore Outfits layout: metadata, categories.csv, outfit titles, images, and for each
    protocol train/valid/test splits with FITB and compatibility questions. Returns
    ``{"items": {id: category}, "outfits": {set_id: [item ids]}, "splits": {set_id: split}}``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    item_categories = {str(100 + i): categories[i % len(categories)] for i in range(n_items)}
    metadata = {}
    for number, (item_id, category) in enumerate(item_categories.items()):
        category_id = str(categories.index(category) + 1)
        metadata[item_id] = {"semantic_category": category, "category_id": category_id,
                             "title": f"striped cotton {category} {number}", "description": "soft cotton",
                             "url_name": f"red-striped-{category}", "related": [], "catgeories": [category]}
        write_image(root / "images" / f"{item_id}.jpg", colour=_colour(rng))
    (root / "polyvore_item_metadata.json").write_text(json.dumps(metadata))
    with (root / "categories.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([i + 1, f"fine {c}", c] for i, c in enumerate(categories))
    by_category: dict[str, list[str]] = {}
    for item_id, category in item_categories.items():
        by_category.setdefault(category, []).append(item_id)
    outfits: dict[str, list[str]] = {}
    for number in range(n_outfits):
        chosen = rng.sample(categories, min(items_per_outfit, len(categories)))
        outfits[str(5000 + number)] = [rng.choice(by_category[c]) for c in chosen]
    titles = {set_id: {"title": f"outfit {set_id}", "url_name": f"outfit-{set_id}"} for set_id in outfits}
    (root / "polyvore_outfit_titles.json").write_text(json.dumps(titles))
    set_ids = list(outfits)
    splits = {set_id: ("valid", "test", "train", "train")[i % 4] for i, set_id in enumerate(set_ids)}
    for protocol in protocols:
        folder = root / protocol
        folder.mkdir(exist_ok=True)
        for split in ("train", "valid", "test"):
            entries = [{"set_id": s, "items": [{"item_id": i, "index": p + 1} for p, i in enumerate(outfits[s])]}
                       for s in set_ids if splits[s] == split]
            (folder / f"{split}.json").write_text(json.dumps(entries))
        for split in ("valid", "test"):
            questions, lines = [], []
            for set_id in (s for s in set_ids if splits[s] == split):
                names = [f"{set_id}_{p + 1}" for p in range(len(outfits[set_id]))]
                others = [f"{s}_{p + 1}" for s in set_ids if s != set_id for p in range(len(outfits[s]))]
                # items recur across outfits: a reference to one of this outfit's would be a second
                # right answer, or an outfit item as its own blank (the reader skips such a question)
                apart = {outfits[s][p]: f"{s}_{p + 1}" for s in set_ids if s != set_id
                         for p in range(len(outfits[s])) if outfits[s][p] not in outfits[set_id]}
                wrong = rng.sample(sorted(apart.values()), min(3, len(apart)))
                questions.append({"question": names[:-1], "answers": [names[-1], *wrong], "blank_position": len(names)})
                distinct = {outfits[s][p]: f"{s}_{p + 1}" for s in set_ids if s != set_id for p in range(len(outfits[s]))}
                lines += ["1 " + " ".join(names), "0 " + " ".join(rng.sample(sorted(distinct.values()), min(len(names), len(distinct))))]
            (folder / f"fill_in_blank_{split}.json").write_text(json.dumps(questions))
            (folder / f"compatibility_{split}.txt").write_text("\n".join(lines) + "\n")
    return {"items": item_categories, "outfits": outfits, "splits": splits}


MANIFEST_COLOURS = ("Red", "Light Blue", "Black")
MANIFEST_PATTERNS = ("Stripe", "Solid")


def write_manifest_catalogue(
    root: Path,
    n_items: int = 12,
    n_outfits: int = 4,
    seed: int = 0,
    table_format: str = "csv",
    categories: tuple[str, ...] = ("Garment Upper", "Garment Lower", "Shoes"),
    seasons: tuple[str, ...] = ("2019", "2023"),
    mapping_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A product table (CSV or JSON) with zero-padded ids, images under ``images/<id[:3]>/<id>.jpg``
    named for the template, an outfits table, and ``sane-mapping.json``. Each item's season (its
    group) is also the prefix of a ``photo`` column, recovered by a regex like MANGO's."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(n_items):
        article_id = f"{number + 1:010d}"
        season = seasons[number % len(seasons)]
        rows.append({
            "article_id": article_id,
            "group_name": categories[number % len(categories)],
            "type_name": f"type {number % 5}",
            "prod_name": f"Striped jersey {number}",
            "detail_desc": "Soft jersey with wide stripes.",
            "colour": MANIFEST_COLOURS[number % len(MANIFEST_COLOURS)],
            "pattern": MANIFEST_PATTERNS[number % len(MANIFEST_PATTERNS)],
            "photo": f"{season}_{article_id}.jpg",
        })
        write_image(root / "images" / article_id[:3] / f"{article_id}.jpg", colour=_colour(rng))
    if table_format == "json":
        (root / "products.json").write_text(json.dumps(rows))
    else:
        with (root / "products.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    outfits = {str(o + 1): rng.sample([r["article_id"] for r in rows], min(3, n_items)) for o in range(n_outfits)}
    with (root / "outfits.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["outfit", "article"])
        writer.writerows([outfit_id, item_id] for outfit_id, ids in outfits.items() for item_id in ids)
    mapping = {
        "name": "test-manifest",
        "items": {
            "table": f"products.{table_format}",
            "id": "article_id",
            "image_template": "images/{article_id:.3}/{article_id}.jpg",
            "category": "group_name",
            "category_map": {"Garment Upper": "tops", "Garment Lower": "bottoms", "Shoes": "shoes"},
            "fine_category": "type_name",
            "title": "prod_name",
            "description": "detail_desc",
            "attributes": {"colour": "colour", "pattern": {"column": "pattern", "map": {"Stripe": "striped"}}},
            "group": {"column": "photo", "regex": "^(\\d{4})_"},
        },
        "outfits": {"table": "outfits.csv", "outfit_id": "outfit", "item_id": "article"},
    }
    for key, value in (mapping_overrides or {}).items():
        mapping["items"][key] = value
    (root / "sane-mapping.json").write_text(json.dumps(mapping, indent=2))
    return {"rows": rows, "outfits": outfits, "mapping": mapping}


def write_folder_catalogue(root: Path, counts: dict[str, int] | None = None, seed: int = 0) -> list[str]:
    """``<category>/<name>.jpg`` images; returns the expected item ids."""
    rng = random.Random(seed)
    ids = []
    for category, count in (counts or {"tops": 3, "shoes": 2}).items():
        for number in range(count):
            write_image(root / category / f"item_{number}.jpg", colour=_colour(rng))
            ids.append(f"{category}/item_{number}")
    return sorted(ids)


def draw_garment(path: Path, colour: tuple[int, int, int], ellipse: bool, size: tuple[int, int] = (56, 72)) -> Path:
    """A product photo of one flat shape (an ellipse or a rectangle) of ``colour`` on an off-white
    background, ``size`` (width, height) px; the parent folders are made. Returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    image = Image.new("RGB", size, (245, 245, 245))
    box = [width // 7, height // 7, width - width // 7, height - height // 7]
    (ImageDraw.Draw(image).ellipse if ellipse else ImageDraw.Draw(image).rectangle)(box, fill=colour)
    image.save(path)
    return path
