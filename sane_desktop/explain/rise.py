"""RISE for similarity, "fixed reference" (Plummer et al. 2020, METHOD.md §3), with reuse.

The map of q against r in space c is S = Σ_i s_i M_i / Σ_i M_i with s_i = cos_c(q ⊙ M_i, r); masked
pixels take the normalised value 0 (the mean colour). The masked-query embeddings E(q ⊙ M_i) depend
neither on r nor on the space, so :func:`masked_embeddings` runs once per query and
:func:`rise_maps` scores K references, each in its own space, with two matrix products.
:meth:`RiseExplainer.progressive` yields a refined map after every chunk of masks and stops once
successive maps correlate ≥ ``stop_correlation``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from sane_desktop.errors import InputError
from sane_desktop.explain.base import Explainer, MethodSettings, PairSaliency, SimilarityModel, inference
from sane_desktop.explain.masks import DEFAULT_CELLS, DEFAULT_KEEP, DEFAULT_MASKS, mask_bank
from sane_desktop.explain.registry import register_method
from sane_desktop.explain.targets import PairScore, Target
from sane_desktop.progress import CancelCheck, Cancelled, never_cancel

EPS = 1e-12
CPU_STOP_BATCH = 16  # masks per batch on the CPU: a stop is heard between batches


def masked_embeddings(
    model: SimilarityModel,
    image: Tensor,
    masks: Tensor,
    batch_size: int = 64,
    should_stop: CancelCheck = never_cancel,
) -> Tensor:
    """E(image ⊙ M_i) for every mask (N, H, W) -> (N, D) float32; bf16 autocast on CUDA.
    ``should_stop`` is asked before every batch (raises :class:`Cancelled`)."""
    device = masks.device
    image = image.to(device)
    if device.type != "cuda":
        # a CPU batch of 64 through a pretrained trunk takes seconds: a stop (Escape, a new list)
        # waited that long (a trial: about 5 s); a CPU gains next to nothing from larger batches
        batch_size = min(batch_size, CPU_STOP_BATCH)
    out = []
    with inference(device):
        for start in range(0, masks.shape[0], batch_size):
            if should_stop():
                raise Cancelled()
            chunk = masks[start : start + batch_size]
            batch = image[None] * chunk[:, None]
            if device.type == "cuda":
                batch = batch.contiguous(memory_format=torch.channels_last)
            out.append(model(batch).float())
    return torch.cat(out)


def rise_scores(
    embeddings: Tensor, references: Tensor, space_masks: Tensor, spaces: Tensor
) -> Tensor:
    """s_ik = cos_{c_k}(embedding_i, reference_k) for (N, D) embeddings, (K, D) references and
    their spaces (K,): (N, K) with two matmuls, since ‖m ⊙ a‖² = (a²) · (m²)."""
    m = space_masks[spaces].float()  # (K, D)
    ref = references.float() * m
    ref = ref / ref.norm(dim=-1, keepdim=True).clamp_min(EPS)
    emb = embeddings.float()
    numerator = emb @ (ref * m).T
    norm = ((emb * emb) @ (m * m).T).clamp_min(EPS).sqrt()
    return numerator / norm


def rise_maps(scores: Tensor, masks: Tensor) -> Tensor:
    """S_k = Σ_i s_ik M_i / Σ_i M_i for (N, K) scores and (N, H, W) masks -> (K, H, W)."""
    weighted = torch.einsum("nk,nhw->khw", scores, masks.float())
    return weighted / masks.float().sum(0).clamp_min(EPS)


def _correlation(a: Tensor, b: Tensor) -> float:
    a, b = a.flatten() - a.mean(), b.flatten() - b.mean()
    return float((a @ b) / (a.norm() * b.norm()).clamp_min(EPS))


@dataclass
class ProgressiveStep:
    map: Tensor  # (H, W) map from the masks used so far
    masks_used: int
    correlation: float  # with the previous step's map (nan at the first step)
    done: bool


@dataclass(frozen=True)
class RiseSettings(MethodSettings):
    """The mask bank (Petsiuk et al., BMVC 2018; the paper's N=2000, s=8, p=0.5) and its seed."""

    n_masks: int = DEFAULT_MASKS  # N
    cells: int = DEFAULT_CELLS  # s: the random grid is s×s
    keep: float = DEFAULT_KEEP  # p: keep probability of a grid cell
    seed: int = 0
    size: int = 112  # the bank's side in px; rebuilt for other input sizes

    def __post_init__(self) -> None:
        if self.n_masks <= 0 or self.cells <= 0 or not 0.0 < self.keep <= 1.0:
            raise InputError(f"RISE needs n_masks > 0, cells > 0 and 0 < keep <= 1 "
                             f"(got {self.n_masks}, {self.cells}, {self.keep})")


@register_method("rise")
class RiseExplainer(Explainer[RiseSettings]):
    """RISE for similarity with a seeded bank (defaults N=2000, s=8, p=0.5 as the paper). The map
    of a target Σ_k cos_k is Σ_i (Σ_k s_ik) M_i / Σ_i M_i: one masked pass per mask whatever K is."""

    def __init__(
        self,
        model: SimilarityModel,
        n_masks: int = DEFAULT_MASKS,
        cells: int = DEFAULT_CELLS,
        keep: float = DEFAULT_KEEP,
        seed: int = 0,
        batch_size: int = 64,
        size: int = 112,
    ) -> None:
        super().__init__(model, RiseSettings(batch_size=batch_size, n_masks=n_masks, cells=cells,
                                               keep=keep, seed=seed, size=size))
        self.masks = self._bank(size)

    def _bank(self, size: int) -> Tensor:
        s = self.settings
        return mask_bank(s.n_masks, s.cells, s.keep, size, s.seed, str(self.device))

    def _fit_bank(self, image: Tensor) -> None:
        """Rebuild the bank for another input size (e.g. the gpu preset's 224 px)."""
        size = image.shape[-1]
        if self.masks.shape[-1] != size:
            self.masks = self._bank(size)

    def pair_passes(self) -> int:
        return 2 * self.settings.n_masks  # both maps of a pair

    def explain_target(self, image: Tensor, target: Target) -> tuple[Tensor, int]:
        maps = self.explain_many(image, target.references, torch.tensor(target.spaces, dtype=torch.long))
        return maps.sum(0), self.masks.shape[0]

    def explain_many(self, image: Tensor, references: Tensor, spaces: Tensor) -> Tensor:
        """Maps of one image against K references (K, D) in their spaces (K,): N passes in all."""
        self._fit_bank(image)
        embeddings = masked_embeddings(self.model, image, self.masks, self.batch_size)
        with torch.inference_mode():
            space_masks = self.model.space_masks().to(embeddings.device)
            scores = rise_scores(embeddings, references.to(embeddings.device), space_masks, spaces)
            return rise_maps(scores, self.masks)

    def explain_pairs(
        self, query_image: Tensor, candidate_images: Tensor, spaces: Tensor
    ) -> list[PairSaliency]:
        """One query against K candidates: the query's masked embeddings are computed once."""
        references = self.embed(torch.cat([query_image[None], candidate_images]))
        query_emb, candidate_embs = references[0], references[1:]
        query_maps = self.explain_many(query_image, candidate_embs, spaces)
        space_masks = self.model.space_masks()
        results = []
        for k in range(candidate_images.shape[0]):
            space = int(spaces[k])
            candidate_map = self.explain_many(candidate_images[k], query_emb[None], spaces[k : k + 1])
            cos = rise_scores(query_emb[None], candidate_embs[k : k + 1], space_masks, spaces[k : k + 1])
            results.append(
                PairSaliency(
                    query_map=query_maps[k].cpu().numpy().astype(np.float32),
                    candidate_map=candidate_map[0].cpu().numpy().astype(np.float32),
                    similarity=float(cos[0, 0]),
                    # the query's N passes are shared by the K pairs
                    forward_passes=round(self.masks.shape[0] / len(spaces)) + self.masks.shape[0] + 2,
                    extras={"space": space},
                )
            )
        return results

    def progressive(
        self,
        image: Tensor,
        reference: Tensor,
        space: int,
        chunk: int = 250,
        stop_correlation: float = 0.98,
        should_stop: CancelCheck = never_cancel,
    ) -> Iterator[ProgressiveStep]:
        """Yield the map after every ``chunk`` masks; stop early when it has settled."""
        return self.progressive_target(image, PairScore(reference, space), chunk, stop_correlation, should_stop)

    def progressive_target(
        self,
        image: Tensor,
        target: Target,
        chunk: int = 250,
        stop_correlation: float = 0.98,
        should_stop: CancelCheck = never_cancel,
    ) -> Iterator[ProgressiveStep]:
        """Yield the map of ``target`` after every ``chunk`` masks; stop once successive maps
        correlate ≥ ``stop_correlation``. Raises :class:`~sane_desktop.errors.Cancelled` when
        ``should_stop`` says so between batches."""
        self._fit_bank(image)
        weighted = torch.zeros_like(self.masks[0])
        coverage = torch.zeros_like(self.masks[0])
        previous: Tensor | None = None
        total = self.masks.shape[0]
        space_masks = self.model.space_masks().to(self.masks.device)
        spaces = torch.tensor(target.spaces, dtype=torch.long, device=self.masks.device)
        references = target.references.to(self.masks.device)
        for start in range(0, total, chunk):
            masks = self.masks[start : start + chunk]
            embeddings = masked_embeddings(self.model, image, masks, self.batch_size, should_stop)
            with torch.inference_mode():
                scores = rise_scores(embeddings, references, space_masks, spaces).sum(1)
                weighted += torch.einsum("n,nhw->hw", scores, masks)
                coverage += masks.sum(0)
            current = weighted / coverage.clamp_min(EPS)
            correlation = float("nan") if previous is None else _correlation(previous, current)
            used = min(start + chunk, total)
            done = used >= total or correlation >= stop_correlation
            yield ProgressiveStep(current.clone(), used, correlation, done)
            if done:
                return
            previous = current
