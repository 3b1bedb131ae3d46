"""ResNet-18 trunk through ``layer3`` (no ``layer4``): a (256·width/64)×7×7 map at 112 px.

Built from torchvision's ``BasicBlock`` with torchvision's parameter names, so ImageNet weights and
local ResNet-18 state dicts load unchanged at the standard width (64). Narrower widths serve the
``cpu`` preset (a quarter of the multiply-adds at width 32, still a 7×7 map)."""

from __future__ import annotations

from torch import nn
from torchvision.models.resnet import BasicBlock


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

    def forward(self, images):  # (B, 3, H, W) -> (B, 4·width, H/16, W/16)
        x = self.maxpool(self.relu(self.bn1(self.conv1(images))))
        return self.layer3(self.layer2(self.layer1(x)))
