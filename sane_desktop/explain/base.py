"""The template every saliency method fills in, and what they share.

As pytorch-grad-cam's ``BaseCAM``: a method implements one step, :meth:`Explainer.explain_target`
(the (H, W) map of where one image raises a :class:`~sane_desktop.explain.targets.Target`, and its
cost in forward passes); the template does the rest. :meth:`Explainer.explain` embeds both images
of a match (q, r) once and explains each against a :class:`~sane_desktop.explain.targets.PairScore`
of the other (Plummer et al., ECCV 2020: "fixed reference" saliency for a similarity).

Settings are per instance: each method's constructor takes its settings as keyword arguments and
keeps them as a frozen :class:`MethodSettings` dataclass (never module globals), so two explainers
with different settings never interfere. Methods are found by name in :mod:`.registry`.

Images are preprocessed tensors (3, H, W) — the model's 112×112 centre crop, normalised — and maps
are H×W float32 arrays aligned with that crop.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop import precision
from sane_desktop.explain.protocols import SimilarityModel as SimilarityModel  # re-exported: methods import it here
from sane_desktop.explain.targets import PairScore, Target


@dataclass
class PairSaliency:
    """Saliency of one match: where q resembles r (query_map) and where r resembles q."""

    query_map: np.ndarray  # (H, W) float32
    candidate_map: np.ndarray  # (H, W) float32
    similarity: float  # cosine in the type space
    forward_passes: int  # images sent through the network, references included
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSettings:
    """Settings every method has; each method extends it with its own (frozen: a setting changes
    by building another explainer)."""

    batch_size: int = 64  # images per forward pass


SettingsT = TypeVar("SettingsT", bound=MethodSettings)


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


@contextlib.contextmanager
def counting_passes(model: Any, total: int, progress: Callable[[int, int, str], None], message: str) -> Iterator[None]:
    """Report ``progress(done, total, message)`` as images pass through ``model`` (a torch module:
    a forward hook counts each batch's images); nothing when it is no module or ``total`` is 0."""
    if total <= 0 or not isinstance(model, torch.nn.Module):
        yield
        return
    done = 0
    progress(0, total, message)

    def passed(_module: Any, inputs: tuple[Any, ...], _output: Any) -> None:
        nonlocal done
        if inputs and isinstance(inputs[0], Tensor) and inputs[0].dim() == 4:
            done += int(inputs[0].shape[0])
            progress(min(done, total), total, message)

    handle = model.register_forward_hook(passed)
    try:
        yield
    finally:
        handle.remove()


class Explainer(ABC, Generic[SettingsT]):
    """Template for one saliency method. Subclasses implement :meth:`explain_target` and register
    with :func:`~sane_desktop.explain.registry.register_method`."""

    name: ClassVar[str] = ""  # set by register_method
    version: ClassVar[str] = "1"  # bumped when the maps a method draws change: cached explanations key on it

    def __init__(self, model: SimilarityModel, settings: SettingsT) -> None:
        self.model = model
        self.settings = settings
        self.device = model_device(model)

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    def pair_passes(self) -> int:
        """The forward passes :meth:`explain` takes for one pair when a method runs many (occluded or
        masked images: a progress bar and a warning are worth it); 0 for a method of a few passes."""
        return 0

    def describe(self) -> dict[str, Any]:
        """Method, version and settings as plain values: what a cache key must include."""
        return {"method": self.name, "version": self.version, **asdict(self.settings)}

    def embed(self, images: Tensor) -> Tensor:
        """General embeddings E(x) of (B, 3, H, W) images, in batches, as float32 (B, D)."""
        out = []
        with inference(self.device):
            for start in range(0, images.shape[0], self.batch_size):
                batch = images[start : start + self.batch_size].to(self.device)
                out.append(self.model(batch).float())
        return torch.cat(out)

    @abstractmethod
    def explain_target(self, image: Tensor, target: Target) -> tuple[Tensor, int]:
        """Map (H, W) of where ``image`` (3, H, W) raises ``target``, and the number of forward
        passes it took (passes whose cost is shared across calls are not counted)."""

    def explain_map(self, image: Tensor, reference: Tensor, space: int) -> tuple[Tensor, int]:
        """:meth:`explain_target` for the pair score against one reference embedding (D,)."""
        return self.explain_target(image, PairScore(reference, space))

    def explain(self, query_image: Tensor, candidate_image: Tensor, space: int) -> PairSaliency:
        """Both maps of a match (q, r) in type space ``space``: q against E(r) and r against E(q)."""
        pair = torch.stack([query_image, candidate_image])
        query_emb, candidate_emb = self.embed(pair)
        with torch.no_grad():
            similarity = float(space_cosine(self.model, query_emb[None], candidate_emb[None], space))
        query_map, q_passes = self.explain_target(query_image, PairScore(candidate_emb, space))
        candidate_map, c_passes = self.explain_target(candidate_image, PairScore(query_emb, space))
        return PairSaliency(
            query_map=query_map.cpu().numpy().astype(np.float32),
            candidate_map=candidate_map.cpu().numpy().astype(np.float32),
            similarity=similarity,
            forward_passes=2 + q_passes + c_passes,
        )
