"""What the explainers need from a model: the one seam between explain/ and models/.

A module of its own so that the template (``base``), the targets and the registry can all name it
without importing each other.
"""

from __future__ import annotations

from typing import Protocol

from torch import Tensor


class SimilarityModel(Protocol):
    """What the explainers need from the compatibility net (the models engineer's contract)."""

    def cells(self, images: Tensor) -> Tensor: ...  # (B, K, D) per-cell u_k

    def __call__(self, images: Tensor) -> Tensor: ...  # (B, D) general embedding E(x)

    def space_masks(self) -> Tensor: ...  # (S, D) relu(m)

    def project(self, embedding: Tensor, space: int | Tensor) -> Tensor: ...
