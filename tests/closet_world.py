"""A folder-per-category catalogue whose category names are not the bundled demo model's (issue 16):
``Tops/``, ``Bottoms/``, ``Shoes/`` (the model's up to case and plural), ``bags/`` (exactly the
model's), ``Dresses/`` and ``Jewellery/`` (categories it lacks), and one image at the root
(``uncategorised``). Small PIL drawings, one colour per category; Qt-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# catalogue folder -> (items, colour)
FOLDERS = {"Tops": (4, (200, 40, 40)), "Bottoms": (3, (40, 40, 200)), "Shoes": (3, (30, 30, 30)),
           "bags": (3, (150, 100, 40)), "Dresses": (3, (220, 120, 180)), "Jewellery": (3, (230, 200, 40))}
ITEMS = sum(count for count, _ in FOLDERS.values()) + 1


def make_closet(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for folder, (count, colour) in FOLDERS.items():
        (root / folder).mkdir(parents=True)
        for n in range(count):
            image = Image.new("RGB", (56, 72), (245, 245, 245))
            tint = tuple(int(np.clip(c + rng.integers(-40, 40), 0, 255)) for c in colour)
            box = [int(v) for v in (8 + rng.integers(0, 8), 10 + rng.integers(0, 8), 44, 60)]
            draw = ImageDraw.Draw(image)
            (draw.ellipse if n % 2 else draw.rectangle)(box, fill=tint)
            image.save(root / folder / f"{folder.lower()}_{n}.{'png' if n % 2 else 'jpg'}")
    Image.new("RGB", (40, 40), (90, 160, 90)).save(root / "loose.jpg")  # at the root: "uncategorised"
    return root
