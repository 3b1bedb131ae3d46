"""Writes the demo world's text files in the Polyvore Outfits layout (METHOD.md §2), plus
``ground_truth.json`` with every item's attributes and regions and every outfit's theme.

JSON is written with fixed key order and separators so that equal worlds give equal bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from sane_desktop.demo.garments import IMAGE_SIZE, Rendered
from sane_desktop.demo.text import item_description, item_title, outfit_title, url_name
from sane_desktop.demo.themes import (
    COLOURS,
    FINE_TYPES,
    MOTIFS,
    NO_MOTIF,
    PATTERNS,
    ItemPlan,
    OutfitPlan,
    attribute_name,
    fine_category_ids,
)

PROTOCOL = "nondisjoint"
GROUND_TRUTH_VERSION = 1


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_metadata(out: Path, items: list[ItemPlan], outfits: list[OutfitPlan], seed: int,
                   attribute_columns: bool = True) -> None:
    """Item metadata, outfit titles and the category table (``attribute_columns`` False: the items'
    attributes are named only in their titles and descriptions)."""
    rng = random.Random(f"demo-text:{seed}")
    ids = fine_category_ids()
    metadata = {}
    for item in items:
        title = item_title(item, rng)
        metadata[item.item_id] = {
            "url_name": url_name(title),
            "description": item_description(item, rng),
            "categories": [item.category, item.fine_category],
            "title": title,
            "related": [],
            "category_id": str(ids[item.fine_category]),
            "semantic_category": item.category,
            # the catalogue's own attribute columns, as a shop's product feed has them
            "attributes": {"colour": item.colour, "pattern": item.pattern,
                           **({"motif": item.motif} if item.motif != NO_MOTIF else {})},
        }
        if not attribute_columns:
            del metadata[item.item_id]["attributes"]
    _write_json(out / "polyvore_item_metadata.json", metadata)
    titles = {}
    for outfit in outfits:
        title = outfit_title(rng)
        titles[outfit.set_id] = {"url_name": url_name(title), "title": title}
    _write_json(out / "polyvore_outfit_titles.json", titles)
    # like Polyvore's file: no header, "category_id,fine-grained name,semantic category"
    rows = [f"{ids[fine]},{fine},{semantic}" for semantic, fines in FINE_TYPES.items() for fine in fines]
    (out / "categories.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_splits(out: Path, splits: dict[str, list[OutfitPlan]], fitb: dict[str, list[dict]],
                 compatibility: dict[str, list[tuple[int, list[str]]]]) -> None:
    folder = out / PROTOCOL
    folder.mkdir(parents=True, exist_ok=True)
    for split, outfits in splits.items():
        _write_json(folder / f"{split}.json", [
            {"set_id": outfit.set_id,
             "items": [{"item_id": item_id, "index": i + 1} for i, item_id in enumerate(outfit.item_ids)]}
            for outfit in outfits
        ])
    for split, questions in fitb.items():
        _write_json(folder / f"fill_in_blank_{split}.json", questions)
    for split, lines in compatibility.items():
        text = "".join(f"{label} {' '.join(refs)}\n" for label, refs in lines)
        (folder / f"compatibility_{split}.txt").write_text(text, encoding="utf-8")


def write_ground_truth(out: Path, items: list[ItemPlan], splits: dict[str, list[OutfitPlan]],
                       rendered: dict[str, Rendered], seed: int, style: str, masks: bool) -> None:
    """What the demo world really is: attributes, regions ([x0, y0, x1, y1) pixels) and themes."""
    item_truth = {}
    for item in items:
        boxes = rendered[item.item_id]
        item_truth[item.item_id] = {
            "category": item.category,
            "fine_category": item.fine_category,
            "colour": item.colour,
            "pattern": item.pattern,
            "motif": None if item.motif == NO_MOTIF else item.motif,
            "attributes": item.attributes(),
            "regions": {
                "garment": list(boxes.garment_box),
                "motif": list(boxes.motif_box) if boxes.motif_box else None,
            },
            "mask": f"ground_truth_masks/{item.item_id}.png" if masks else None,
        }
    outfit_truth = {}
    for split, outfits in splits.items():
        for outfit in outfits:
            outfit_truth[outfit.set_id] = {
                "theme": outfit.theme,
                "theme_kind": outfit.theme_kind,
                "split": split,
                "items": list(outfit.item_ids),
                # the region that explains each match: the motif box for motif themes, else the garment
                "region": "motif" if outfit.theme_kind == "motif" else "garment",
            }
    _write_json(out / "ground_truth.json", {
        "version": GROUND_TRUTH_VERSION,
        "generator": "sane-desktop demo",
        "seed": seed,
        "style": style,
        "image_size": [IMAGE_SIZE, IMAGE_SIZE],
        "box_format": "x0, y0, x1, y1 in image pixels; x1 and y1 exclusive",
        "protocol": PROTOCOL,
        "vocabulary": (
            [attribute_name("colour", c) for c in COLOURS]
            + [attribute_name("pattern", p) for p in PATTERNS]
            + [attribute_name("motif", m) for m in MOTIFS]
        ),
        "items": item_truth,
        "outfits": outfit_truth,
    })
