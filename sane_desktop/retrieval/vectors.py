"""Stacked type-space vectors and outfit query vectors (DESIGN.md, "one inner-product search").

For an item x of category t the index stores X = [e_{c(u,t)}(x) for every category u, then ê(x)];
an outfit {q_i of category u_i} asks with Q = [Σ_{i: u_i = u} e_{c(u,t)}(q_i) for every u, then
Σ_{i: u_i = g} ê(q_i)], so ⟨Q, X⟩ = Σ_i cos_{c(u_i,t)}(q_i, x) exactly. Plain numpy, so search needs
only the masks, never a forward pass.

g is the *general* category (index C, after the model's C categories): what a catalogue category
the model lacks is searched as (:mod:`.category_map`), and what "visually similar" compares in. Its
space is the general space (the masks' last row, ones): c(u, t) = g whenever u or t is g, and
e_g(x) = ê(x) = E(x)/‖E(x)‖. Its block is the last one of X. An item of category g stores only
[ê(x)] and an outfit asks it with [Σ_i ê(q_i)] over every outfit item: the general space alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sane_desktop.type_spaces import pair_table


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)  # same epsilon as torch.nn.functional.normalize


@dataclass(frozen=True)
class TypeSpaces:
    """The masks relu(m) (S + 1, D) of a compatibility model and its category list."""

    categories: tuple[str, ...]
    masks: np.ndarray  # (S + 1, D) float32, already ReLU'd; the last row (ones) is the general space

    @classmethod
    def from_model(cls, model, unlearnt: Iterable[int] = ()) -> TypeSpaces:  # CompatibilityNet; untyped: torch lazy
        """The model's spaces; those in ``unlearnt`` (``ModelBundle.unlearnt_spaces``: no training
        pair reached them) as zero masks, so no pair is compared there: its cosine is 0, and an
        outfit item whose pair with the target is unlearnt adds nothing to a score (:meth:`compared`).
        The indexer's stored vectors keep every space: a zero block in the query leaves it out of the score."""
        masks = model.space_masks().detach().float().cpu().numpy().copy()
        masks[sorted(int(space) for space in unlearnt)] = 0.0
        return cls(tuple(model.categories), np.ascontiguousarray(masks, dtype=np.float32))

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def embed_dim(self) -> int:
        return int(self.masks.shape[1])

    @property
    def general_category(self) -> int:
        """g: the category index of the general space (after the model's categories), and its block."""
        return self.n_categories

    @property
    def general_space(self) -> int:
        """Index of the general space (cosine of the general embeddings): the masks' last row."""
        return int(self.masks.shape[0]) - 1

    @property
    def dimension(self) -> int:
        """Length of a stacked vector of a model category, (C + 1)·D."""
        return (self.n_categories + 1) * self.embed_dim

    def dimension_for(self, category: int) -> int:
        """Length of the stacked vectors of ``category``: (C + 1)·D, or D for g."""
        return len(self.layout(category)) * self.embed_dim

    def layout(self, category: int) -> list[int]:
        """The blocks (categories u) a stacked vector of ``category`` holds, in order."""
        return [self.general_category] if category == self.general_category else list(range(self.n_categories + 1))

    def space(self, a: int, b: int) -> int:
        """c(a, b): the pair's type space, the general space when either is g."""
        if self.general_category in (a, b):
            return self.general_space
        return int(pair_table(self.n_categories)[a, b])

    def _spaces(self, categories: np.ndarray, target: int) -> np.ndarray:
        """c(u_i, t) for many u_i."""
        if target == self.general_category:
            return np.full(len(categories), self.general_space, dtype=np.int64)
        table = np.concatenate([pair_table(self.n_categories), np.full((1, self.n_categories), self.general_space)])
        table = np.concatenate([table, np.full((self.n_categories + 1, 1), self.general_space)], axis=1)
        return table[categories, target]

    def _positions(self, categories: np.ndarray, target: int) -> np.ndarray:
        """Where each u_i's part goes in a query for ``target``: block u_i, or the only block for g."""
        return np.zeros_like(categories) if target == self.general_category else categories

    def project(self, embeddings: np.ndarray, spaces: np.ndarray | int) -> np.ndarray:
        """e_c(x) = normalise(relu(m_c) ⊙ E(x)), one space for all rows or one per row."""
        return _normalise(self.masks[spaces] * np.asarray(embeddings, dtype=np.float32)).astype(np.float32)

    def stacked(self, embeddings: np.ndarray, category: int) -> np.ndarray:
        """(N, dimension_for(category)) float32 FAISS vectors of items of ``category`` (a model
        category or g) with general embeddings (N, D)."""
        embeddings = np.asarray(embeddings, dtype=np.float32).reshape(-1, self.embed_dim)
        spaces = self._spaces(np.asarray(self.layout(category), dtype=np.int64), category)
        blocks = _normalise(self.masks[spaces][None, :, :] * embeddings[:, None, :])  # (N, blocks, D)
        return np.ascontiguousarray(blocks.reshape(len(embeddings), -1), dtype=np.float32)

    def outfit_query(self, embeddings: np.ndarray, categories: Sequence[int], target: int) -> np.ndarray:
        """Q (dimension_for(target),) float32 for an outfit of items with embeddings (N, D) and these
        categories (model categories or g)."""
        query = np.zeros((len(self.layout(target)), self.embed_dim), dtype=np.float32)
        cats = np.asarray(list(categories), dtype=np.int64)
        if len(cats):
            projected = self.project(np.asarray(embeddings).reshape(len(cats), -1), self._spaces(cats, target))
            np.add.at(query, self._positions(cats, target), projected)
        return query.reshape(-1)

    def contributions(self, embeddings: np.ndarray, categories: Sequence[int], target: int,
                      candidates: np.ndarray) -> np.ndarray:
        """(R, N): cosine of each candidate's stacked vector (R, dimension_for(target)) with each
        outfit item q_i; rows sum to the candidates' scores ("which outfit item drives the match")."""
        cats = np.asarray(list(categories), dtype=np.int64)
        if not len(cats):
            return np.zeros((len(candidates), 0), dtype=np.float32)
        projected = self.project(np.asarray(embeddings).reshape(len(cats), -1), self._spaces(cats, target))  # (N, D)
        blocks = np.asarray(candidates, dtype=np.float32).reshape(len(candidates), len(self.layout(target)), -1)
        return np.einsum("rnd,nd->rn", blocks[:, self._positions(cats, target), :], projected)

    def compared(self, categories: Sequence[int], target: int) -> np.ndarray:
        """(N,) bool: which outfit items of these categories a candidate of ``target`` is compared
        with: those whose pair space has a mask (an unlearnt one was zeroed, :meth:`from_model`)."""
        cats = np.asarray(list(categories), dtype=np.int64)
        return self.masks[self._spaces(cats, target)].any(axis=1) if len(cats) else np.zeros(0, dtype=bool)

    def query_blocks(self, categories: Sequence[int], target: int) -> list[slice]:
        """Column slices of a ``target`` vector where an outfit of these categories is non-zero."""
        positions = sorted(set(self._positions(np.asarray(list(categories), dtype=np.int64), target).tolist()))
        return [slice(p * self.embed_dim, (p + 1) * self.embed_dim) for p in positions]

    def present_blocks(self, categories: Sequence[int]) -> list[int]:
        return sorted(set(int(c) for c in categories))
