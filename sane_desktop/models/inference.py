"""An inference-only copy of a model bundle for bulk embedding: every BatchNorm folded into the
convolution before it (exact in eval mode: y = γ(Wx − μ)/σ + β is one convolution with rescaled
weights and a bias) and the trunk in channels-last memory format, which oneDNN's CPU convolutions
run 2.5× faster than the default layout at the demo model's width (measured on a batch of 64; a
tenth comes from the folding). Training and explanations keep the original modules."""

from __future__ import annotations

import copy
from dataclasses import replace

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from sane_desktop.models.backbone import ResNetTrunk
from sane_desktop.models.checkpoint import ModelBundle

# (convolution, batch norm) attribute pairs of the ResNet stem and of torchvision's BasicBlock
_PAIRS = (("conv1", "bn1"), ("conv2", "bn2"))


def fold_batchnorm_(module: nn.Module) -> int:
    """Fold, in place, every conv→BN pair of a ResNet trunk (stem, blocks, downsample branches)
    of a module in eval mode; returns how many were folded."""
    if module.training:
        raise ValueError("fold batch norms of a model in eval mode only")
    folded = 0
    for sub in module.modules():
        for conv_name, bn_name in _PAIRS:
            conv, bn = getattr(sub, conv_name, None), getattr(sub, bn_name, None)
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                setattr(sub, conv_name, fuse_conv_bn_eval(conv, bn))
                setattr(sub, bn_name, nn.Identity())
                folded += 1
        if isinstance(sub, nn.Sequential) and len(sub) == 2 and isinstance(sub[0], nn.Conv2d) \
                and isinstance(sub[1], nn.BatchNorm2d):  # a downsample branch
            sub[0], sub[1] = fuse_conv_bn_eval(sub[0], sub[1]), nn.Identity()
            folded += 1
    return folded


def inference_bundle(bundle: ModelBundle) -> ModelBundle:
    """A deep copy of ``bundle`` for inference with batch norms folded; a trunk shared by the
    compatibility and the attribute nets stays shared (one deepcopy of both keeps the identity)."""
    compatibility, attributes = copy.deepcopy((bundle.compatibility, bundle.attributes))
    compatibility.eval()
    if attributes is not None:
        attributes.eval()
    trunks = {id(net.trunk): net.trunk for net in (compatibility, attributes) if net is not None}
    for trunk in trunks.values():
        if isinstance(trunk, ResNetTrunk):  # timm's BN+activation layers are left as they are
            fold_batchnorm_(trunk)
        trunk.to(memory_format=torch.channels_last)
    return replace(bundle, compatibility=compatibility, attributes=attributes)
