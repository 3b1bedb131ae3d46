"""Losses: type-aware triplet margin loss with its regularisers, class-balanced attribute BCE."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from sane_desktop.explain.attribute_choice import saliency_agreement_loss
from sane_desktop.explain.fast import cell_attribution
from sane_desktop.models.compatibility import CompatibilityNet


def type_aware_triplet_loss(model: CompatibilityNet, embeddings: Tensor, categories: Tensor,
                            anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 0.3,
                            embed_weight: float = 5e-4, mask_weight: float = 5e-4) -> tuple[Tensor, Tensor]:
    """(total loss, triplet accuracy). Distances are measured in the type space of the
    (anchor, positive) category pair; the negative shares the positive's category."""
    space = model.space_table.to(embeddings.device)[categories[anchor], categories[positive]]
    d_pos = model.pair_distance(embeddings[anchor], embeddings[positive], space)
    d_neg = model.pair_distance(embeddings[anchor], embeddings[negative], space)
    triplet = F.relu(d_pos - d_neg + margin).mean()
    embed_norm = embeddings.norm(dim=1).mean()
    mask_l1 = model.masks.abs().sum(1).mean()
    loss = triplet + embed_weight * embed_norm + mask_weight * mask_l1
    return loss, (d_pos < d_neg).float().mean()


def positive_weights(targets: Tensor, cap: float = 50.0) -> Tensor:
    """pos_weight = negatives / positives per attribute (class balance), capped for rare ones."""
    positives = targets.sum(0)
    negatives = len(targets) - positives
    return (negatives / positives.clamp(min=1)).clamp(max=cap)


def balanced_bce(logits: Tensor, targets: Tensor, pos_weight: Tensor) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pos_weight)


def pair_saliency_agreement(model: CompatibilityNet, fmap: Tensor, attribute_maps: Tensor, categories: Tensor,
                            anchor: Tensor, positive: Tensor, targets: Tensor) -> Tensor:
    """SANE's saliency-agreement term (METHOD.md §4) on a step's matching pairs: the exact fast
    saliency of each anchor against its positive (the per-cell split of their type-space cosine,
    detached) must be matched by the attribute map of one of the anchor's true attributes.
    Returns the unweighted term; the caller multiplies by SALIENCY_AGREEMENT_WEIGHT (5e-3)."""
    with torch.no_grad():
        cells = model.cells_from_features(fmap.detach().flatten(2).transpose(1, 2)).float()  # (B, K, D)
        space = model.space_table.to(fmap.device)[categories[anchor], categories[positive]]
        masks = model.space_masks().detach().float()[space]
        terms = cell_attribution(cells[anchor], cells[positive], masks).query_terms
        side = fmap.shape[-1]
        saliency = terms.view(-1, fmap.shape[-2], side)
    return saliency_agreement_loss(attribute_maps[anchor], saliency, targets[anchor] > 0.5)
