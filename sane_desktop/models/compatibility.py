"""Type-aware compatibility network (Vasileva et al., ECCV 2018; METHOD.md §1).

E(x) = Σ_k a_k u_k over the K cells of the trunk's last map F (:mod:`.backbone`), u_k = W F_k + b.
``pooling="mean"``: a_k = 1/K, so E(x) is the linear layer applied to the average-pooled map.
``pooling="attention"``: a = softmax_k(v·F_k + c), a learnt weighting of the cells (attention-based
MIL pooling, Ilse et al., ICML 2018) that lets a head on a frozen trunk attend to a small motif.
Either way the per-cell outputs :meth:`CompatibilityNet.cells` are K·a_k·u_k, which average to E(x),
so they give an exact attribution of every type-space cosine (METHOD.md §3) and everything built
from averaged cells (stored cells, fast maps) stays exact. One ReLU'd mask per unordered category
pair defines a type space.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sane_desktop.models.backbone import RESNET18, make_trunk
from sane_desktop.type_spaces import pair_table

POOLINGS = ("mean", "attention")


class CompatibilityNet(nn.Module):
    space_table: Tensor  # (C, C) category pair -> type space; a buffer, so nn.Module types it loosely

    def __init__(self, categories: Sequence[str], embed_dim: int = 64, width: int = 64,
                 trunk: str = RESNET18, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r} (choose from {', '.join(POOLINGS)})")
        self.categories = list(categories)
        self.embed_dim = embed_dim
        self.width = width
        self.pooling = pooling
        self.trunk = make_trunk(trunk, width)
        self.embed = nn.Linear(self.trunk.out_channels, embed_dim)
        # the cells' attention scores v·F_k + c; zero at first, so training starts from the mean
        self.attention = nn.Linear(self.trunk.out_channels, 1) if pooling == "attention" else None
        if self.attention is not None:
            nn.init.zeros_(self.attention.weight)
            nn.init.zeros_(self.attention.bias)
        self.register_buffer("space_table", torch.from_numpy(pair_table(len(self.categories))), persistent=False)
        self.n_spaces = len(self.categories) * (len(self.categories) + 1) // 2
        self.masks = nn.Parameter(torch.empty(self.n_spaces, embed_dim).normal_(0.9, 0.7))

    # --- embeddings -------------------------------------------------------------------------
    def feature_map(self, images: Tensor) -> Tensor:
        """(B, 3, H, W) -> layer3 map (B, C_f, h, w)."""
        return self.trunk(images)

    def cell_weights(self, features: Tensor) -> Tensor:
        """Pooling weights a (B, K) of cell features (B, K, C_f), summing to 1 over the cells."""
        if self.attention is None:
            return features.new_full(features.shape[:2], 1.0 / features.shape[1])
        return torch.softmax(self.attention(features)[..., 0], dim=1)

    def cells_from_features(self, features: Tensor) -> Tensor:
        """Per-cell outputs of cell features (B, K, C_f) -> (B, K, D): u_k = W F_k + b, times K·a_k
        with attention pooling, so their mean over the K cells is E(x) either way."""
        cells = self.embed(features)
        if self.attention is None:
            return cells
        return cells * (features.shape[1] * self.cell_weights(features))[..., None].to(cells.dtype)

    def cells(self, images: Tensor) -> Tensor:
        """Per-cell outputs (B, K, D), K = h·w (49 at 112 px), averaging to E(x):
        :meth:`cells_from_features` of the trunk's map."""
        fmap = self.feature_map(images)
        return self.cells_from_features(fmap.flatten(2).transpose(1, 2))

    def forward(self, images: Tensor) -> Tensor:
        """General embedding E(x) = cells(images).mean(1), (B, D)."""
        return self.cells(images).mean(1)

    # --- type spaces ------------------------------------------------------------------------
    def space_index(self, a: int, b: int) -> int:
        return int(self.space_table[a, b])

    @property
    def general_space(self) -> int:
        """Index of the general space: a mask of ones after the S type spaces, so cos_general(a, b)
        is the cosine of the general embeddings themselves (categories the model does not know,
        "visually similar" search)."""
        return self.n_spaces

    def space_masks(self) -> Tensor:
        """(S + 1, D) non-negative masks: relu(m) of the S type spaces, then the general space's ones."""
        return torch.cat([F.relu(self.masks), self.masks.new_ones(1, self.embed_dim)])

    def project(self, embedding: Tensor, space: int | Tensor) -> Tensor:
        """e_c(x) = normalise(relu(m_c) ⊙ E(x)); ``space`` is one index or one per row."""
        return F.normalize(self.space_masks()[space] * embedding, dim=-1)

    def stacked(self, embedding: Tensor, category: int) -> Tensor:
        """(B, C·D): [e_{c(u, category)}(x) for every category u] — an item's FAISS vector."""
        spaces = self.space_table[:, category]  # (C,)
        projected = F.normalize(self.space_masks()[spaces].unsqueeze(0) * embedding.unsqueeze(1), dim=-1)
        return projected.flatten(1)

    def outfit_query(self, embeddings: Tensor, categories: Sequence[int], target: int) -> Tensor:
        """Q (C·D,) with ⟨Q, stacked(E(x), target)⟩ = Σ_i cos_{c(u_i, target)}(q_i, x)."""
        query = embeddings.new_zeros(len(self.categories), self.embed_dim)
        cats = torch.as_tensor(list(categories), dtype=torch.long, device=embeddings.device)
        if len(cats):
            spaces = self.space_table.to(embeddings.device)[cats, target]
            query.index_add_(0, cats, self.project(embeddings, spaces))
        return query.flatten()

    def pair_distance(self, a: Tensor, b: Tensor, space: Tensor) -> Tensor:
        """Euclidean distance between e_c(a) and e_c(b) row by row (the FITB/training distance)."""
        return (self.project(a, space) - self.project(b, space)).norm(dim=-1)
