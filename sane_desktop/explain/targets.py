"""What an explanation explains: a small score object over general embeddings (the idea of
pytorch-grad-cam's ``model_targets``, for similarity rather than a class logit).

Every target is a sum of K type-space cosines Σ_k cos_{c_k}(x, r_k) of the explained image x
against fixed references r_k (general embeddings E(r_k), (D,) each), so one interface serves
- :class:`PairScore`: the score of one match (q, r) in its type space, K = 1 (METHOD.md §1);
- :class:`OutfitScore`: the score outfit search ranks a candidate by, a sum over the outfit's items
  of their type-space cosines with it (DESIGN.md, "Type-aware outfit search").
Methods either call the target on a batch of embeddings (perturbation methods) or read its
``references``/``spaces`` (RISE's shared matrix products, the fast method's exact per-cell terms,
which add up over the K cosines because each decomposition is exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor

from sane_desktop.errors import InputError

if TYPE_CHECKING:
    from sane_desktop.explain.protocols import SimilarityModel


class Target(Protocol):
    """A score Σ_k cos_{c_k}(x, r_k) of an explained image x, given its general embedding."""

    @property
    def references(self) -> Tensor:
        """(K, D) general embeddings E(r_k) the image is compared with."""
        ...

    @property
    def spaces(self) -> tuple[int, ...]:
        """The type-space index c_k of each reference (K ints)."""
        ...

    def __call__(self, model: SimilarityModel, embeddings: Tensor) -> Tensor:
        """(N,) scores of N explained images from their general embeddings (N, D)."""
        ...


# eq=False: tensors have no boolean equality; frozen: a target is a value, never edited in place
@dataclass(frozen=True, eq=False)
class PairScore:
    """cos_c(x, r) in type space ``space`` against one reference embedding E(r) (D,)."""

    reference: Tensor
    space: int

    def __post_init__(self) -> None:
        if self.reference.dim() != 1:
            raise InputError(f"a pair score needs one reference embedding (D,), got {tuple(self.reference.shape)}")

    @property
    def references(self) -> Tensor:
        return self.reference[None]

    @property
    def spaces(self) -> tuple[int, ...]:
        return (int(self.space),)

    def __call__(self, model: SimilarityModel, embeddings: Tensor) -> Tensor:
        reference = self.reference[None].float().to(embeddings.device)
        return (model.project(embeddings.float(), self.space) * model.project(reference, self.space)).sum(-1)


@dataclass(frozen=True, eq=False)
class OutfitScore:
    """Σ_k cos_{c_k}(x, q_k) over the outfit items q_k (references (K, D)) of a candidate x, each
    in the type space ``spaces[k]`` of its category pair with x: the score outfit search ranks by.
    ``spaces`` may be given as any sequence of ints; it is kept as a tuple."""

    references: Tensor
    spaces: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "spaces", tuple(int(s) for s in self.spaces))
        if self.references.dim() != 2 or self.references.shape[0] != len(self.spaces) or not self.spaces:
            raise InputError(f"an outfit score needs K >= 1 references (K, D) and K spaces, got "
                             f"{tuple(self.references.shape)} and {len(self.spaces)} spaces")

    def __call__(self, model: SimilarityModel, embeddings: Tensor) -> Tensor:
        references = self.references.float().to(embeddings.device)
        embeddings = embeddings.float()
        total = torch.zeros(embeddings.shape[0], device=embeddings.device)
        for reference, space in zip(references, self.spaces):
            total = total + (model.project(embeddings, space) * model.project(reference[None], space)).sum(-1)
        return total
