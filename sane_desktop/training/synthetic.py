"""A tiny synthetic outfit world for tests and benchmarks: each outfit shares one colour; items are
simple garment silhouettes per category. Writes PNG files and returns a ready :class:`Catalogue`
with a seeded split and FITB/compatibility questions (protocol ``generated``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sane_desktop.catalogue.types import (
    Catalogue, CompatibilityQuestion, FitbQuestion, ItemRecord, OutfitRecord, SplitRecord,
)

CATEGORIES = ("tops", "bottoms", "shoes")
COLOURS = {"red": (200, 30, 30), "green": (30, 160, 60), "blue": (30, 60, 200), "yellow": (230, 200, 30),
           "purple": (130, 40, 160), "black": (25, 25, 25)}


def _draw(category: str, colour: tuple[int, int, int], size: int, rng: np.random.Generator) -> Image.Image:
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    jitter = lambda: int(rng.integers(-size // 16, size // 16 + 1))  # noqa: E731
    s = size
    if category == "tops":
        draw.rectangle([s * 0.25 + jitter(), s * 0.2, s * 0.75 + jitter(), s * 0.8], fill=colour)
        draw.rectangle([s * 0.1, s * 0.2, s * 0.9, s * 0.4 + jitter()], fill=colour)
    elif category == "bottoms":
        draw.rectangle([s * 0.3 + jitter(), s * 0.1, s * 0.48, s * 0.9], fill=colour)
        draw.rectangle([s * 0.52, s * 0.1, s * 0.7 + jitter(), s * 0.9], fill=colour)
    else:
        draw.ellipse([s * 0.15 + jitter(), s * 0.55, s * 0.85 + jitter(), s * 0.8], fill=colour)
    return image


def make_synthetic_catalogue(root: Path, n_outfits: int = 20, size: int = 64, seed: int = 0) -> Catalogue:
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    names = list(COLOURS)
    items: list[ItemRecord] = []
    outfits: list[OutfitRecord] = []
    for o in range(n_outfits):
        colour = names[o % len(names)]
        ids = []
        for category in CATEGORIES:
            item_id = f"{o:04d}{category[0]}"
            path = f"images/{item_id}.png"
            _draw(category, COLOURS[colour], size, rng).save(root / path)
            items.append(ItemRecord(item_id, path, category, attributes={"colour": colour}))
            ids.append(item_id)
        outfits.append(OutfitRecord(f"o{o}", ids, [1, 2, 3]))
    order = rng.permutation(n_outfits)
    cut1, cut2 = int(0.6 * n_outfits), int(0.8 * n_outfits)
    parts = {"train": order[:cut1], "valid": order[cut1:cut2], "test": order[cut2:]}
    catalogue = Catalogue(root=root, format="manifest", name="synthetic", items=items, outfits=outfits)
    by_category = {c: [i for i in items if i.category == c] for c in CATEGORIES}
    for split, indices in parts.items():
        chosen = [outfits[i] for i in indices]
        catalogue.splits.append(SplitRecord("generated", split, [o.outfit_id for o in chosen]))
        if split == "train":
            continue
        split_ids = {i for o in chosen for i in o.item_ids}
        for number, outfit in enumerate(chosen):
            blank = int(rng.integers(len(outfit.item_ids)))
            right = outfit.item_ids[blank]
            category = right[-1]
            pool = [i.item_id for c, v in by_category.items() if c[0] == category for i in v
                    if i.item_id in split_ids and i.item_id not in outfit.item_ids]
            if len(pool) < 3:  # tiny splits: borrow wrong answers from the whole catalogue
                pool = [i.item_id for c, v in by_category.items() if c[0] == category for i in v
                        if i.item_id not in outfit.item_ids]
            wrong = list(rng.choice(pool, 3, replace=False))
            correct = int(rng.integers(4))
            answers = wrong[:correct] + [right] + wrong[correct:]
            question = [i for i in outfit.item_ids if i != right]
            catalogue.fitb.append(FitbQuestion("generated", split, number, outfit.outfit_id, question,
                                               answers, correct, blank))
            catalogue.compatibility.append(CompatibilityQuestion("generated", split, 2 * number, 1,
                                                                 list(outfit.item_ids)))
            mixed = [str(rng.choice([i.item_id for i in by_category[c] if i.item_id in split_ids]))
                     for c in CATEGORIES]
            catalogue.compatibility.append(CompatibilityQuestion("generated", split, 2 * number + 1, 0, mixed))
    return catalogue


def write_polyvore_layout(catalogue: Catalogue) -> None:
    """Write ``catalogue`` (from :func:`make_synthetic_catalogue`) as Polyvore Outfits metadata
    under its root, so that ``read_catalogue`` reads it back (used by the CLI tests)."""
    import json

    root = catalogue.root
    metadata = {item.item_id: {"semantic_category": item.category, "category_id": item.category[0],
                               "title": f"{item.attributes.get('colour', '')} {item.category}"}
                for item in catalogue.items}
    (root / "polyvore_item_metadata.json").write_text(json.dumps(metadata))
    name = {}
    for outfit in catalogue.outfits:
        for item_id, position in zip(outfit.item_ids, outfit.positions):
            name[item_id] = f"{outfit.outfit_id}_{position}"
    by_id = {o.outfit_id: o for o in catalogue.outfits}
    folder = root / "nondisjoint"
    folder.mkdir(exist_ok=True)
    for record in catalogue.splits:
        outfits = [by_id[i] for i in record.outfit_ids]
        rows = [{"set_id": o.outfit_id, "items": [{"item_id": i, "index": p} for i, p in zip(o.item_ids, o.positions)]}
                for o in outfits]
        (folder / f"{record.split}.json").write_text(json.dumps(rows))
        if record.split == "train":
            continue
        fitb = [{"question": [name[i] for i in q.question_item_ids], "answers": [name[i] for i in q.answer_item_ids],
                 "blank_position": q.blank_position} for q in catalogue.fitb if q.split == record.split]
        (folder / f"fill_in_blank_{record.split}.json").write_text(json.dumps(fitb))
        lines = [" ".join([str(q.label), *(name[i] for i in q.item_ids)])
                 for q in catalogue.compatibility if q.split == record.split]
        (folder / f"compatibility_{record.split}.txt").write_text("\n".join(lines) + "\n")
