"""One-file checkpoints: weights, configuration, categories, attribute vocabulary, preprocessing and
a content hash. Loaded with ``torch.load(weights_only=True)`` (no pickled code runs); anything that is
not a well-formed, untampered checkpoint is refused with :class:`CheckpointError`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sane_desktop.errors import ModelError
from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.paths import RESOURCES_DIR

FORMAT = "sane-desktop-checkpoint"
VERSION = 1
_REQUIRED = ("format", "version", "config", "categories", "attributes", "preprocessing",
             "compatibility", "attribute_net", "content_hash")


class CheckpointError(ModelError):
    """A file that is not a checkpoint this app can trust."""


@dataclass
class ModelBundle:
    compatibility: CompatibilityNet
    attributes: AttributeNet | None
    preprocessing: Preprocessing
    config: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""


def demo_model_path() -> Path:
    return RESOURCES_DIR / "models" / "demo.pt"


def _hash(meta: dict[str, Any], tensors: dict[str, dict[str, torch.Tensor]]) -> str:
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for group in sorted(tensors):
        for key in sorted(tensors[group]):
            value = tensors[group][key].detach().cpu().contiguous()
            digest.update(f"{group}/{key}/{value.dtype}/{tuple(value.shape)}".encode())
            digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _state(module: torch.nn.Module, half: bool, skip_prefix: str | None = None) -> dict[str, torch.Tensor]:
    out = {}
    for key, value in module.state_dict().items():
        if skip_prefix and key.startswith(skip_prefix):
            continue
        value = value.detach().cpu().clone()
        out[key] = value.half() if half and value.is_floating_point() else value
    return out


def save_checkpoint(path: Path | str, bundle: ModelBundle, *, half: bool = False) -> str:
    """Write ``bundle`` to ``path`` (atomically); returns and stores the content hash."""
    compat = bundle.compatibility
    attr = bundle.attributes
    shared = attr is not None and attr.trunk is compat.trunk
    config = dict(bundle.config)
    config.update(width=compat.width, embed_dim=compat.embed_dim,
                  attribute_trunk=None if attr is None else ("shared" if shared else "separate"))
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": config,
        "categories": list(compat.categories),
        "attributes": [] if attr is None else list(attr.attributes),
        "preprocessing": bundle.preprocessing.as_dict(),
    }
    tensors = {"compatibility": _state(compat, half)}
    tensors["attribute_net"] = {} if attr is None else _state(attr, half, "trunk." if shared else None)
    content_hash = _hash(meta, tensors)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({**meta, **tensors, "content_hash": content_hash}, tmp)
    tmp.replace(path)
    bundle.config, bundle.content_hash = config, content_hash
    return content_hash


def _float32(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> ModelBundle:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling refused or corrupt archive
        raise CheckpointError(f"{path.name} is not a loadable checkpoint ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else ''})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a SANE Desktop checkpoint")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise CheckpointError(f"{path.name} is missing {', '.join(missing)}")
    if data["version"] != VERSION:
        raise CheckpointError(f"{path.name} has checkpoint version {data['version']}, expected {VERSION}")
    meta = {key: data[key] for key in ("format", "version", "config", "categories", "attributes",
                                       "preprocessing")}
    tensors = {"compatibility": data["compatibility"], "attribute_net": data["attribute_net"]}
    if _hash(meta, tensors) != data["content_hash"]:
        raise CheckpointError(f"{path.name} failed its content hash check (corrupt or modified)")
    config = data["config"]
    compat = CompatibilityNet(data["categories"], embed_dim=int(config["embed_dim"]),
                              width=int(config["width"]))
    try:
        compat.load_state_dict(_float32(tensors["compatibility"]))
        attr = None
        if config.get("attribute_trunk"):
            shared = config["attribute_trunk"] == "shared"
            attr = AttributeNet(data["attributes"], width=compat.width,
                                trunk=compat.trunk if shared else None)
            attr.load_state_dict(_float32(tensors["attribute_net"]), strict=not shared)
    except RuntimeError as error:
        raise CheckpointError(f"{path.name} weights do not match its configuration: "
                              f"{str(error).splitlines()[0]}") from error
    compat.to(map_location).eval()
    if attr is not None:
        attr.to(map_location).eval()
    return ModelBundle(compat, attr, Preprocessing.from_dict(data["preprocessing"]), dict(config),
                       data["content_hash"])
