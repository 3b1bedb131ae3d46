"""Small networks with the CompatibilityNet interface, for the explanation tests."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RegionNet(nn.Module):
    """A 'model' whose embedding only sees one block of the 7×7 cell grid: each cell's u_k is a
    linear function of its 16×16 patch's mean colour, gated to zero outside ``region`` (rows, cols
    slices of the cell grid). Every saliency method must light up that region."""

    def __init__(self, region: tuple[slice, slice] = (slice(0, 3), slice(0, 3)), dim: int = 8) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Linear(3, dim)
        gate = torch.zeros(7, 7)
        gate[region] = 1.0
        self.register_buffer("gate", gate.flatten())
        self.masks = nn.Parameter(torch.ones(1, dim))
        self.n_spaces = 1
        self.forward_passes = 0

    def cells(self, images: Tensor) -> Tensor:
        self.forward_passes += images.shape[0]
        patches = F.avg_pool2d(images, 16).flatten(2).transpose(1, 2)  # (B, 49, 3)
        return self.embed(patches) * self.gate[None, :, None]

    def forward(self, images: Tensor) -> Tensor:
        return self.cells(images).mean(1)

    def space_index(self, a: int, b: int) -> int:
        return 0

    def space_masks(self) -> Tensor:
        return F.relu(self.masks)

    def project(self, embedding: Tensor, space: int | Tensor) -> Tensor:
        return F.normalize(self.space_masks()[space] * embedding, dim=-1)


def small_compatibility_net(seed: int = 0):
    from sane_desktop.models.compatibility import CompatibilityNet

    torch.manual_seed(seed)
    return CompatibilityNet(["tops", "bottoms", "shoes"], embed_dim=16, width=8).eval()


def random_images(n: int, seed: int = 0, size: int = 112) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=generator)
