"""Small worlds for the retrieval tests: a demo catalogue and seeded, freshly initialised models."""

from __future__ import annotations

from pathlib import Path

import torch

from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.checkpoint import ModelBundle, save_checkpoint
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing

DEMO_CATEGORIES = ["all-body", "bags", "bottoms", "hats", "outerwear", "shoes", "tops"]


def make_catalogue(folder: Path, items: int = 40, seed: int = 0) -> Path:
    from sane_desktop.demo import generate_demo

    generate_demo(folder, seed=seed, items=items, workers=1, masks=False)
    return folder


def make_model(path: Path, seed: int = 0, width: int = 8, size: int = 64) -> Path:
    """A seeded, untrained compatibility + attribute model (shared trunk) saved as a checkpoint."""
    torch.manual_seed(seed)
    compatibility = CompatibilityNet(DEMO_CATEGORIES, width=width)
    attributes = AttributeNet(["red", "blue", "striped", "floral"], trunk=compatibility.trunk)
    save_checkpoint(path, ModelBundle(compatibility, attributes, Preprocessing(size=size)))
    return path
