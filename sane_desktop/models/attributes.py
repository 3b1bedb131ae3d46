"""Attribute network (SANE, METHOD.md §4): trunk -> last feature map -> 1×1 convolution to one
activation map per attribute; an attribute's logit is the spatial mean of its map (7×7 cells)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from sane_desktop.models.backbone import RESNET18, Trunk, make_trunk


class AttributeNet(nn.Module):
    def __init__(self, attributes: Sequence[str], width: int = 64, trunk: Trunk | None = None,
                 kind: str = RESNET18) -> None:
        super().__init__()
        self.attributes = list(attributes)
        # ``trunk`` may be the compatibility network's (shared backbone, one forward pass per image)
        self.trunk = trunk if trunk is not None else make_trunk(kind, width)
        self.width = self.trunk.width
        self.head = nn.Conv2d(self.trunk.out_channels, len(self.attributes), kernel_size=1)

    def maps_from_features(self, fmap: Tensor) -> Tensor:
        return self.head(fmap)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """(logits (B, A), maps (B, A, h, w)) with logits = maps.mean((2, 3))."""
        maps = self.maps_from_features(self.trunk(images))
        return maps.mean((2, 3)), maps
