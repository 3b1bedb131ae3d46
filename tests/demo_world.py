"""A tiny indexed demo world shared by the GUI and service tests (Qt-free):
``from demo_world import build_demo_world`` (``tests/`` is on pytest's path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.demo import generate_demo
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
from sane_desktop.service import CatalogueService

ATTRIBUTES = ["green", "red", "blue", "striped", "dotted", "floral"]


def build_demo_world(root: Path, items: int, **service_options: Any) -> CatalogueService:
    """An ``items``-item demo catalogue in ``root/source`` and a tiny seeded model with an attribute net
    in ``root/model.pt``, indexed as "demo" under ``root/index``; returns the service that indexed it."""
    generate_demo(root / "source", seed=0, items=items, masks=False)
    catalogue = read_catalogue(root / "source", validate_images=False)
    torch.manual_seed(0)
    net = CompatibilityNet(catalogue.categories(), width=16)
    attributes = AttributeNet(ATTRIBUTES, width=16)
    save_checkpoint(root / "model.pt", ModelBundle(net, attributes, Preprocessing()))
    service = CatalogueService(root / "index", model=root / "model.pt", **service_options)
    service.index_folder(root / "source", "demo")
    return service
