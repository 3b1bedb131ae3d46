"""The removal oracle (METHOD.md §4): which attribute is the "right" explanation of a match.

For a pair (q, r) and each candidate attribute, fill the top 20% pixels of the attribute's
activation map (upsampled to the image) with background; the attribute whose removal lowers the
similarity most is the oracle answer.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from sane_desktop.errors import ModelError
from sane_desktop.explain.base import SimilarityModel, inference, model_device, upsample
from sane_desktop.explain.metrics import pixel_ranks

REMOVED_FRACTION = 0.2


def removal_images(image: Tensor, maps: Tensor, background: Tensor,
                   fraction: float = REMOVED_FRACTION) -> Tensor:
    """One image per map (A, h, w) with its top ``fraction`` pixels set to the background."""
    height, width = image.shape[-2:]
    upsampled = upsample(maps.float(), (height, width))
    n_removed = max(1, int(round(fraction * height * width)))
    out = image[None].repeat(maps.shape[0], 1, 1, 1)
    bg = background.to(image.dtype).expand_as(image)
    for a in range(maps.shape[0]):
        top = (pixel_ranks(upsampled[a]).view(height, width) < n_removed)
        out[a][:, top] = bg[:, top]
    return out


def similarity_drops(
    model: SimilarityModel,
    image: Tensor,
    maps: Tensor,
    reference: Tensor,
    space: int,
    background: Tensor,
    fraction: float = REMOVED_FRACTION,
) -> np.ndarray:
    """Similarity lost by removing each map's top pixels, (A,); one pass per map plus one."""
    device = model_device(model)
    batch = torch.cat([image[None], removal_images(image, maps, background, fraction)]).to(device)
    with inference(device):
        emb = model(batch).float()
        ref = model.project(reference[None].float().to(device), space)
        sims = (model.project(emb, space) * ref).sum(-1).float().cpu().numpy()
    return sims[0] - sims[1:]


def oracle_attribute(
    model: SimilarityModel,
    image: Tensor,
    attribute_maps: Tensor,
    candidates: Sequence[int],
    reference: Tensor,
    space: int,
    background: Tensor,
) -> tuple[int, np.ndarray]:
    """The candidate (vocabulary index) whose removal lowers the similarity most, and the drops
    of all candidates (aligned with ``candidates``). Maps are (A, h, w) over the vocabulary. Of
    candidates tied at the largest drop, one picked by a hash of the candidate list (deterministic,
    blind to their order of confidence). Raises ValueError for no candidates (the selection's
    fallback always leaves one), ModelError for a non-finite similarity."""
    candidates = list(candidates)
    if not candidates:
        raise ValueError("the removal oracle needs at least one candidate attribute")
    drops = similarity_drops(model, image, attribute_maps[candidates], reference, space, background)
    if not np.isfinite(drops).all():  # argmax would take the first NaN for the largest drop (trial AI)
        raise ModelError("the model gives non-finite similarities (NaN or infinity) with an attribute removed: its "
                         "weights overflow; train it again or choose another model")
    tied = np.flatnonzero(drops == drops.max())
    # equal drops (maps that remove the same pixels, flat ones): a pick that no rule's own order can
    # predict, as a random one would be, never the first listed — the candidates come in confidence
    # order, the ranking's own tie-break, which credited a tie to the confidence rule (trial AI)
    if len(tied) == 1:
        return int(candidates[int(tied[0])]), drops
    equal = sorted(int(candidates[int(t)]) for t in tied)  # by vocabulary index: the list's order plays no part
    return equal[zlib.crc32(np.asarray(sorted(candidates), dtype=np.int64).tobytes()) % len(equal)], drops
