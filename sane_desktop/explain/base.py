"""The shared interface of every saliency method for a pair (q, r) scored in one type space.

Template (as pytorch-grad-cam): :meth:`Explainer.explain` embeds both images once, then asks the
method for one map per image against the other image's embedding (:meth:`Explainer.explain_map`).
Images are preprocessed tensors (3, H, W) — the model's 112×112 centre crop, normalised — and maps
are H×W float32 arrays aligned with that crop.
"""

from __future__ import annotations

import contextlib
import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.errors import NotFound
from sane_desktop import precision


class SimilarityModel(Protocol):
    """What the explainers need from the compatibility net (the models engineer's contract)."""

    def cells(self, images: Tensor) -> Tensor: ...  # (B, K, D) per-cell u_k

    def __call__(self, images: Tensor) -> Tensor: ...  # (B, D) general embedding E(x)

    def space_masks(self) -> Tensor: ...  # (S, D) relu(m)

    def project(self, embedding: Tensor, space: int | Tensor) -> Tensor: ...


@dataclass
class PairSaliency:
    """Saliency of one match: where q resembles r (query_map) and where r resembles q."""

    query_map: np.ndarray  # (H, W) float32
    candidate_map: np.ndarray  # (H, W) float32
    similarity: float  # cosine in the type space
    forward_passes: int  # images sent through the network, references included
    extras: dict[str, Any] = field(default_factory=dict)


def model_device(model: Any) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


@contextlib.contextmanager
def inference(device: torch.device) -> Iterator[None]:
    """No grad; bf16 autocast where :mod:`sane_desktop.precision` says so (CUDA by default; the CPU
    path stays fp32 for exactness)."""
    with torch.inference_mode(), precision.autocast(device):
        yield


def space_cosine(model: SimilarityModel, a: Tensor, b: Tensor, space: int) -> Tensor:
    """Row-wise cosine of embeddings a (N, D) and b (N, D) or (1, D) in type space ``space``."""
    return (model.project(a.float(), space) * model.project(b.float(), space)).sum(-1)


def upsample(cell_map: Tensor, size: tuple[int, int], mode: str = "bilinear") -> Tensor:
    """Upsampling of (..., h, w) maps (bilinear or bicubic); align_corners=False puts cell centres at
    the centres of the image blocks they summarise (each 7×7 cell covers 16×16 px of the 112 crop)."""
    shape = cell_map.shape
    flat = cell_map.reshape(-1, 1, shape[-2], shape[-1]).float()
    out = F.interpolate(flat, size=size, mode=mode, align_corners=False)
    return out.reshape(*shape[:-2], *size)


class Explainer(ABC):
    """Template for one saliency method. Subclasses implement :meth:`explain_map`."""

    name: str = ""
    version: str = "1"  # bumped when the maps a method draws change: cached explanations key on it

    def __init__(self, model: SimilarityModel, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = model_device(model)

    def embed(self, images: Tensor) -> Tensor:
        """General embeddings E(x) of (B, 3, H, W) images, in batches, as float32."""
        out = []
        with inference(self.device):
            for start in range(0, images.shape[0], self.batch_size):
                batch = images[start : start + self.batch_size].to(self.device)
                out.append(self.model(batch).float())
        return torch.cat(out)

    def explain(self, query_image: Tensor, candidate_image: Tensor, space: int) -> PairSaliency:
        pair = torch.stack([query_image, candidate_image])
        query_emb, candidate_emb = self.embed(pair)
        with torch.no_grad():
            similarity = float(space_cosine(self.model, query_emb[None], candidate_emb[None], space))
        query_map, q_passes = self.explain_map(query_image, candidate_emb, space)
        candidate_map, c_passes = self.explain_map(candidate_image, query_emb, space)
        return PairSaliency(
            query_map=query_map.cpu().numpy().astype(np.float32),
            candidate_map=candidate_map.cpu().numpy().astype(np.float32),
            similarity=similarity,
            forward_passes=2 + q_passes + c_passes,
        )

    @abstractmethod
    def explain_map(self, image: Tensor, reference: Tensor, space: int) -> tuple[Tensor, int]:
        """Map (H, W) of where ``image`` makes it similar to the reference embedding (D,) in
        ``space``, and the number of forward passes it took."""


METHODS = {
    "fast": "sane_desktop.explain.fast:FastExplainer",
    "rise": "sane_desktop.explain.rise:RiseExplainer",
    "sliding": "sane_desktop.explain.sliding:SlidingWindowExplainer",
}


def get_explainer(method: str, model: SimilarityModel, **options: Any) -> Explainer:
    """Explainer by name: ``fast``, ``rise`` or ``sliding``."""
    if method not in METHODS:
        raise NotFound(f"unknown explanation method {method!r}; choose from {sorted(METHODS)}")
    module_name, class_name = METHODS[method].split(":")
    return getattr(importlib.import_module(module_name), class_name)(model, **options)
