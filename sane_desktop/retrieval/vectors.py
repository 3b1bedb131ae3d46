"""Stacked type-space vectors and outfit query vectors (DESIGN.md, "one inner-product search").

For an item x of category t the index stores X = [e_{c(u,t)}(x) for every category u]; an outfit
{q_i of category u_i} asks with Q = [Σ_{i: u_i = u} e_{c(u,t)}(q_i)], so ⟨Q, X⟩ = Σ_i cos_{c(u_i,t)}(q_i, x)
exactly. Plain numpy, so search needs only the masks, never a forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sane_desktop.type_spaces import pair_table


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)  # same epsilon as torch.nn.functional.normalize


@dataclass(frozen=True)
class TypeSpaces:
    """The masks relu(m) (S, D) of a compatibility model and its category list."""

    categories: tuple[str, ...]
    masks: np.ndarray  # (S, D) float32, already ReLU'd

    @classmethod
    def from_model(cls, model) -> TypeSpaces:  # CompatibilityNet; untyped to keep torch lazy here
        masks = model.space_masks().detach().float().cpu().numpy()
        return cls(tuple(model.categories), np.ascontiguousarray(masks, dtype=np.float32))

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def embed_dim(self) -> int:
        return int(self.masks.shape[1])

    @property
    def dimension(self) -> int:
        """Length of a stacked vector, C·D."""
        return self.n_categories * self.embed_dim

    def space(self, a: int, b: int) -> int:
        return int(pair_table(self.n_categories)[a, b])

    def project(self, embeddings: np.ndarray, spaces: np.ndarray | int) -> np.ndarray:
        """e_c(x) = normalise(relu(m_c) ⊙ E(x)), one space for all rows or one per row."""
        return _normalise(self.masks[spaces] * np.asarray(embeddings, dtype=np.float32)).astype(np.float32)

    def stacked(self, embeddings: np.ndarray, category: int) -> np.ndarray:
        """(N, C·D) float32 FAISS vectors of items of ``category`` with general embeddings (N, D)."""
        embeddings = np.asarray(embeddings, dtype=np.float32).reshape(-1, self.embed_dim)
        spaces = pair_table(self.n_categories)[:, category]  # (C,)
        blocks = _normalise(self.masks[spaces][None, :, :] * embeddings[:, None, :])  # (N, C, D)
        return np.ascontiguousarray(blocks.reshape(len(embeddings), self.dimension), dtype=np.float32)

    def outfit_query(self, embeddings: np.ndarray, categories: Sequence[int], target: int) -> np.ndarray:
        """Q (C·D,) float32 for an outfit of items with embeddings (N, D) and these categories."""
        query = np.zeros((self.n_categories, self.embed_dim), dtype=np.float32)
        cats = np.asarray(list(categories), dtype=np.int64)
        if len(cats):
            spaces = pair_table(self.n_categories)[cats, target]
            np.add.at(query, cats, self.project(np.asarray(embeddings).reshape(len(cats), -1), spaces))
        return query.reshape(-1)

    def contributions(self, embeddings: np.ndarray, categories: Sequence[int], target: int,
                      candidates: np.ndarray) -> np.ndarray:
        """(R, N): cosine of each candidate's stacked vector (R, C·D) with each outfit item q_i;
        rows sum to the candidates' scores ("which outfit item drives the match")."""
        cats = np.asarray(list(categories), dtype=np.int64)
        if not len(cats):
            return np.zeros((len(candidates), 0), dtype=np.float32)
        spaces = pair_table(self.n_categories)[cats, target]
        projected = self.project(np.asarray(embeddings).reshape(len(cats), -1), spaces)  # (N, D)
        blocks = np.asarray(candidates, dtype=np.float32).reshape(len(candidates), self.n_categories, -1)
        return np.einsum("rnd,nd->rn", blocks[:, cats, :], projected)

    def present_blocks(self, categories: Sequence[int]) -> list[int]:
        return sorted(set(int(c) for c in categories))
