"""Exact per-cell decomposition of a type-space cosine (METHOD.md §3): one forward pass per image.

E(x) is the spatial mean of the per-cell outputs u_k(x) = W F_k(x) + b, so with m = relu(m_c)

    cos_c(q, r) = Σ_k ⟨m ⊙ u_k(q), e_c(r)⟩ / (K · ‖m ⊙ E(q)‖)

and the K terms are an exact attribution of the score (they sum to it). The joint K×K map
J_kl = ⟨m ⊙ u_k(q), m ⊙ u_l(r)⟩ / (K² ‖m ⊙ E(q)‖ ‖m ⊙ E(r)‖) sums to the score as well.

The drawn map is the difference of two such decompositions: q's terms minus those of a blank image
b of the fill colour (white, the product-photo background the insertion/deletion protocol paints
with), each with its own normalisation, so the relative terms sum exactly to cos_c(q, r) − cos_c(b, r):
what each cell adds over an empty picture.
Each cell's term is then spread over its pixels by how far they are from the fill (a pixel that
already looks like the background carries no evidence). On 60 validation pairs of the default demo
(bench/experiments/results/explain_fast_baseline.json) this moved insertion 0.611 → 0.661 and deletion
0.396 → 0.341, where RISE-2000 scores 0.644 and 0.399.
The batched form works from stored cells (N, K, D), so maps for a page of results cost microseconds.

Finer detail (issue 17, method ``fast_detail``): a 7×7 cell cannot say which part of itself holds
a small motif. The map of a pair explained from its images is refined by one backward pass through
the forward pass that gave its cells (one for both images of a pair): ×
(1 + β·g), g the positive part of gradient × (image − white) of the cosine, smoothed over 5×5 px
and scaled to [0, 1]. Cell totals stay available exactly (``extras`` of :meth:`explain`, and the
stored-cell maps of result tiles and the plain ``fast`` map are unrefined). β = 10 was chosen on 100 validation pairs of the
default demo (``bench/experiments/fast_map_detail_experiment.py``): pointing on motif pairs 0.45 →
0.91, insertion 0.670 → 0.672, deletion 0.311 → 0.332 (RISE-2000: 0.399 on the test pairs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from sane_desktop.errors import InputError
from sane_desktop.explain.base import Explainer, MethodSettings, PairSaliency, SimilarityModel, upsample
from sane_desktop.explain.registry import register_method
from sane_desktop.explain.targets import PairScore, Target
from sane_desktop.models.preprocess import Preprocessing

# Defaults of FastSettings (read once, when the settings are built: change them per explainer).
# How the 7×7 cell terms are drawn at pixel resolution. Bicubic was chosen on validation pairs
# of the 4,000-item demo (60 pairs): pointing game 0.90 against bilinear's 0.77 (whose maximum always
# sits on a cell centre), insertion/deletion unchanged within 0.005. The cells themselves are exact.
DEFAULT_MAP_MODE = "bicubic"
MAP_MODES = ("bicubic", "bilinear")
DEFAULT_FILL_RGB = (1.0, 1.0, 1.0)  # the blank image the terms are taken relative to
# A pixel's weight is min(1, max-channel distance from the fill / content_scale), RGB in [0, 1].
# Chosen on default-demo validation pairs among 0.1, 0.3, 0.5 and 1.0 (insertion − deletion).
DEFAULT_CONTENT_SCALE = 0.5
DEFAULT_REFINE = 0.0  # the plain ``fast`` map: exact cells only, one pass
DETAIL_REFINE = 10.0  # β of ``fast_detail``'s gradient × input refinement, chosen on validation pairs
DEFAULT_ZOOM = 1  # the plain ``fast`` map: the cells of the model's own input
DETAIL_ZOOM = 2  # ``fast_detail`` for a pretrained (Lite) trunk: cells of the input enlarged twice
REFINE_SMOOTHING = 5  # px: the gradient × input map is box-smoothed over this window
MAX_ZOOM = 4  # a zoom of z costs z² of a pass: 4 is 16

EPS = 1e-12


@dataclass
class CellAttribution:
    """Per-cell terms for B pairs: each row of query_terms (candidate_terms) plus query_offset
    (candidate_offset) sums to similarity. Offsets are the blank image's cosine to the other image
    when the terms are relative to it, else zero."""

    query_terms: Tensor  # (B, K)
    candidate_terms: Tensor  # (B, K)
    similarity: Tensor  # (B,)
    query_offset: Tensor  # (B,)
    candidate_offset: Tensor  # (B,)

    def grid(self) -> tuple[Tensor, Tensor]:
        """Terms as (B, side, side) cell maps (row-major cells, as the trunk's feature map)."""
        side = math.isqrt(self.query_terms.shape[1])
        return (
            self.query_terms.reshape(-1, side, side),
            self.candidate_terms.reshape(-1, side, side),
        )


def _masked_norm(cells: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """m ⊙ u_k and ‖m ⊙ E‖ for cells (B, K, D) and masks (B, D)."""
    masked = cells * mask[:, None, :]
    norm = masked.mean(1).norm(dim=-1).clamp_min(EPS)
    return masked, norm


def cell_attribution(query_cells: Tensor, candidate_cells: Tensor, masks: Tensor,
                     baseline: Tensor | None = None) -> CellAttribution:
    """Exact decomposition for B pairs at once.

    query_cells: (K, D) for one query against every candidate, or (B, K, D);
    candidate_cells: (B, K, D); masks: (B, D) = relu(m_c) of each pair's type space (or (D,));
    baseline: (K, D) cells of the blank fill image; when given, the terms are relative to it.
    """
    candidate_cells = candidate_cells.float()
    batch = candidate_cells.shape[0]
    if query_cells.dim() == 2:
        query_cells = query_cells[None].expand(batch, -1, -1)
    query_cells = query_cells.float()
    if masks.dim() == 1:
        masks = masks[None].expand(batch, -1)
    masks = masks.float()
    k = query_cells.shape[1]
    q_masked, q_norm = _masked_norm(query_cells, masks)
    c_masked, c_norm = _masked_norm(candidate_cells, masks)
    q_unit = q_masked.mean(1) / q_norm[:, None]  # e_c(q)
    c_unit = c_masked.mean(1) / c_norm[:, None]  # e_c(r)
    similarity = (q_unit * c_unit).sum(-1)
    query_terms = torch.einsum("bkd,bd->bk", q_masked, c_unit) / (k * q_norm[:, None])
    candidate_terms = torch.einsum("bkd,bd->bk", c_masked, q_unit) / (k * c_norm[:, None])
    if baseline is not None:
        blank, blank_norm = _masked_norm(baseline.float()[None].expand(batch, -1, -1), masks)
        query_terms = query_terms - torch.einsum("bkd,bd->bk", blank, c_unit) / (k * blank_norm[:, None])
        candidate_terms = candidate_terms - torch.einsum("bkd,bd->bk", blank, q_unit) / (k * blank_norm[:, None])
    return CellAttribution(query_terms, candidate_terms, similarity,
                           similarity - query_terms.sum(1), similarity - candidate_terms.sum(1))


def _terms(cells: Tensor, mask: Tensor, unit_reference: Tensor) -> Tensor:
    """(K,) terms of one image's cells (K, D) against a normalised reference in one space."""
    masked = cells * mask
    norm = masked.mean(0).norm().clamp_min(EPS)
    return masked @ unit_reference / (cells.shape[0] * norm)


def target_terms(cells: Tensor, blank: Tensor, target: Target, space_masks: Tensor) -> Tensor:
    """(K,) terms of one image's cells (K, D) for a target's sum of cosines, each relative to the
    blank image's cells (K, D) of the same size: they sum to the target's score minus the blank's."""
    terms = cells.new_zeros(cells.shape[0])
    for reference, space in zip(target.references.to(cells.device), target.spaces):
        mask = space_masks[space].float()
        ref = reference.float() * mask
        ref = ref / ref.norm().clamp_min(EPS)
        terms = terms + _terms(cells, mask, ref) - _terms(blank, mask, ref)
    return terms


def joint_cell_map(query_cells: Tensor, candidate_cells: Tensor, mask: Tensor) -> Tensor:
    """(K, K) cell-to-cell contributions of one pair; the whole map sums to the cosine."""
    q_masked = query_cells.float() * mask
    c_masked = candidate_cells.float() * mask
    k = q_masked.shape[0]
    q_norm = q_masked.mean(0).norm().clamp_min(EPS)
    c_norm = c_masked.mean(0).norm().clamp_min(EPS)
    return (q_masked @ c_masked.T) / (k * k * q_norm * c_norm)


def fill_image(size: tuple[int, int], preprocessing: Preprocessing,
               fill_rgb: tuple[float, float, float] = DEFAULT_FILL_RGB) -> Tensor:
    """The blank image (3, H, W) of the fill colour (RGB in [0, 1]), normalised as the model's inputs."""
    mean, std = torch.tensor(preprocessing.mean), torch.tensor(preprocessing.std)
    value = (torch.tensor(fill_rgb) - mean) / std
    return value.view(3, 1, 1).expand(3, *size).contiguous()


def content_weight(images: Tensor, preprocessing: Preprocessing, scale: float = DEFAULT_CONTENT_SCALE,
                   fill_rgb: tuple[float, float, float] = DEFAULT_FILL_RGB) -> Tensor:
    """(…, H, W) weights in [0, 1]: how far each pixel of normalised (…, 3, H, W) images is from
    the fill colour (max over channels, RGB in [0, 1]), saturating at ``scale``."""
    shape = (3, 1, 1)
    mean = torch.tensor(preprocessing.mean, device=images.device).view(shape)
    std = torch.tensor(preprocessing.std, device=images.device).view(shape)
    fill = torch.tensor(fill_rgb, device=images.device).view(shape)
    distance = (images.float() * std + mean - fill).abs().amax(-3)
    return (distance / scale).clamp(0.0, 1.0)


@dataclass(frozen=True)
class FastSettings(MethodSettings):
    """The fast method's settings: how the exact cell terms are drawn at pixel resolution."""

    preprocessing: Preprocessing = field(default_factory=Preprocessing)  # of the model's inputs
    map_mode: str = DEFAULT_MAP_MODE  # "bicubic" or "bilinear" upsampling of the 7×7 cell terms
    content_scale: float = DEFAULT_CONTENT_SCALE  # colour distance (RGB in [0, 1]) of full weight
    fill_rgb: tuple[float, float, float] = DEFAULT_FILL_RGB  # the blank image's colour
    refine: float = DEFAULT_REFINE  # β of the gradient × input refinement of maps drawn from images; 0: off
    zoom: int = DEFAULT_ZOOM  # maps drawn from images: terms of the input enlarged this many times; 1: off

    def __post_init__(self) -> None:
        if self.map_mode not in MAP_MODES:
            raise InputError(f"map_mode must be one of {', '.join(MAP_MODES)}, not {self.map_mode!r}")
        if self.content_scale <= 0:
            raise InputError(f"content_scale must be positive, not {self.content_scale}")
        if self.refine < 0:
            raise InputError(f"refine must be 0 (off) or positive, not {self.refine}")
        if not 1 <= self.zoom <= MAX_ZOOM:
            raise InputError(f"zoom must be a whole number from 1 (off) to {MAX_ZOOM}, not {self.zoom}")


@register_method("fast")
class FastExplainer(Explainer[FastSettings]):
    """White-box saliency from the exact decomposition: one forward pass per image (the blank
    fill image's pass is made once per input size and kept). Targets: any sum of type-space
    cosines, whose per-cell terms add up (each decomposition is exact)."""

    version = "2"  # 1: exact cell terms; 2: relative to the blank image, spread over content pixels

    def __init__(
        self,
        model: SimilarityModel,
        batch_size: int = 64,
        preprocessing: Preprocessing | None = None,
        map_mode: str = DEFAULT_MAP_MODE,
        content_scale: float = DEFAULT_CONTENT_SCALE,
        fill_rgb: tuple[float, float, float] = DEFAULT_FILL_RGB,
        refine: float = DEFAULT_REFINE,
        zoom: int = DEFAULT_ZOOM,
    ) -> None:
        red, green, blue = fill_rgb
        super().__init__(model, FastSettings(batch_size=batch_size, preprocessing=preprocessing or Preprocessing(),
                                             map_mode=map_mode, content_scale=content_scale,
                                             fill_rgb=(red, green, blue), refine=refine, zoom=int(zoom)))
        self._baselines: dict[tuple[int, int], Tensor] = {}

    @property
    def preprocessing(self) -> Preprocessing:
        return self.settings.preprocessing

    def cells(self, images: Tensor) -> Tensor:
        """(B, K, D) per-cell outputs u_k of (B, 3, H, W) images, float32."""
        # fp32 even on CUDA: the terms must sum to the score exactly
        with torch.inference_mode():
            return self.model.cells(images.to(self.device)).float()

    def baseline_cells(self, size: tuple[int, int]) -> Tensor:
        """(K, D) cells of the blank fill image of this size."""
        if size not in self._baselines:
            blank = fill_image(size, self.settings.preprocessing, self.settings.fill_rgb)
            self._baselines[size] = self.cells(blank[None])[0]
        return self._baselines[size]

    def content_weight(self, images: Tensor) -> Tensor:
        """:func:`content_weight` of (…, 3, H, W) images with this explainer's settings: (…, H, W)."""
        return content_weight(images, self.settings.preprocessing, self.settings.content_scale,
                              self.settings.fill_rgb)

    def cell_maps(
        self, query_cells: Tensor, candidate_cells: Tensor, masks: Tensor, size: tuple[int, int] | None = None,
        query_weights: Tensor | None = None, candidate_weights: Tensor | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        """:func:`batch_cell_maps` relative to this explainer's blank image, drawn with its map mode.
        The blank image is the model's input size whatever ``size`` the maps are drawn at: the
        cells it gives must be the cells of the inputs the stored cells came from."""
        side = self.settings.preprocessing.size
        baseline = self.baseline_cells((side, side)).to(candidate_cells.device)
        return batch_cell_maps(query_cells, candidate_cells, masks, size, baseline, query_weights,
                               candidate_weights, self.settings.map_mode)

    def _draw(self, terms: Tensor, image: Tensor) -> Tensor:
        side = math.isqrt(terms.shape[-1])
        size = (image.shape[-2], image.shape[-1])
        weight = self.content_weight(image.to(terms.device))
        return upsample(terms.reshape(side, side), size, self.settings.map_mode) * weight

    def _score(self, embedding: Tensor, target: Target) -> Tensor:
        """A target's sum of cosines for one embedding (D,), differentiable in the embedding. The
        references are copied: they may be inference-mode tensors, which autograd cannot keep."""
        total = embedding.new_zeros(())
        for reference, space in zip(target.references, target.spaces):
            other = reference.detach().clone()[None].float().to(self.device)
            total = total + (self.model.project(embedding[None], space) * self.model.project(other, space)).sum()
        return total

    def zoomed_terms(self, images: Tensor, targets: Sequence[Target]) -> Tensor:
        """(B, K·z²) terms (row-major cells) of each of (B, 3, H, W) images enlarged ``zoom`` = z times
        (bilinear) against its target, relative to the blank image of that size: a cell grid z
        times finer over the same picture, for regions smaller than a native cell. One forward
        pass per image at z² the pixels. They sum to the enlarged image's cosine, not exactly to
        the native one's: the native cells stay the exact attribution."""
        zoom = self.settings.zoom
        big = torch.nn.functional.interpolate(images.to(self.device).float(), scale_factor=zoom, mode="bilinear",
                                              align_corners=False)
        cells = self.cells(big)
        blank = self.baseline_cells((big.shape[-2], big.shape[-1]))
        with torch.inference_mode():
            space_masks = self.model.space_masks()
            return torch.stack([target_terms(image_cells, blank, target, space_masks)
                                for image_cells, target in zip(cells, targets)])

    def cells_and_details(
        self, images: Tensor, targets: Callable[[Tensor], Sequence[Target]],
    ) -> tuple[Tensor, Tensor]:
        """Cells (B, K, D) and detail factors (B, H, W) of a batch of images from one forward and
        one backward pass. ``targets`` gets the batch's embeddings (B, D), detached, and gives one
        target per image. Each factor is 1 + β·g, g the positive part of gradient × (image − fill)
        of that image's target score, box-smoothed, scaled to [0, 1]; all ones when β = 0. One
        backward pass serves the whole batch: in eval mode the images do not interact, so the
        gradient of the summed scores is each image's own gradient."""
        size = (images.shape[-2], images.shape[-1])
        if self.settings.refine == 0:
            return self.cells(images), torch.ones((len(images), *size), device=self.device)
        x = images.to(self.device).float().clone().requires_grad_(True)
        with torch.enable_grad():
            live = self.model.cells(x).float()  # fp32: the terms must sum to the score exactly
            embeddings = live.mean(1)  # E(x) is the mean of its cells
            chosen = targets(embeddings.detach())
            score = sum((self._score(embeddings[i], target) for i, target in enumerate(chosen)),
                        embeddings.new_zeros(()))
            (grad,) = torch.autograd.grad(score, x)
        cells = live.detach()
        fill = fill_image(size, self.settings.preprocessing, self.settings.fill_rgb).to(self.device)
        g = (grad * (x.detach() - fill)).sum(1).clamp_min(0)
        g = torch.nn.functional.avg_pool2d(g[:, None], REFINE_SMOOTHING, 1, REFINE_SMOOTHING // 2,
                                           count_include_pad=False)[:, 0]
        peak = g.flatten(1).amax(1).clamp_min(EPS)[:, None, None]
        return cells, 1.0 + self.settings.refine * g / peak

    def explain(self, query_image: Tensor, candidate_image: Tensor, space: int) -> PairSaliency:
        size = (query_image.shape[-2], query_image.shape[-1])
        pair = torch.stack([query_image, candidate_image])
        details: Tensor | None = None
        if self.settings.refine:  # each image's detail against the other's embedding: + 1 backward pass
            cells, details = self.cells_and_details(
                pair, lambda embeddings: [PairScore(embeddings[1], space), PairScore(embeddings[0], space)])
        else:
            cells = self.cells(pair)
        baseline = self.baseline_cells(size)
        with torch.inference_mode():
            mask = self.model.space_masks()[space].float()
            exact = cell_attribution(cells[0], cells[1:2], mask)
            relative = cell_attribution(cells[0], cells[1:2], mask, baseline)
            q_grid, c_grid = exact.grid()
            joint = joint_cell_map(cells[0], cells[1], mask)
            if self.settings.zoom > 1:  # each image against the other's native embedding, on a finer grid
                embeddings = cells.mean(1)
                query_terms, candidate_terms = self.zoomed_terms(
                    pair, [PairScore(embeddings[1], space), PairScore(embeddings[0], space)])
            else:
                query_terms, candidate_terms = relative.query_terms[0], relative.candidate_terms[0]
            query_map = self._draw(query_terms, query_image)
            candidate_map = self._draw(candidate_terms, candidate_image)
        if details is not None:
            query_map, candidate_map = query_map * details[0], candidate_map * details[1]
        return PairSaliency(
            query_map=query_map.cpu().numpy().astype(np.float32),
            candidate_map=candidate_map.cpu().numpy().astype(np.float32),
            similarity=float(exact.similarity[0]),
            forward_passes=4 if self.settings.zoom > 1 else 2,
            extras={
                "query_cells": q_grid[0].cpu().numpy(),
                "candidate_cells": c_grid[0].cpu().numpy(),
                "joint": joint.cpu().numpy(),
                "query_cells_vs_blank": relative.grid()[0][0].cpu().numpy(),
                "candidate_cells_vs_blank": relative.grid()[1][0].cpu().numpy(),
                "blank_share": (float(relative.query_offset[0]), float(relative.candidate_offset[0])),
            },
        )

    def explain_target(self, image: Tensor, target: Target) -> tuple[Tensor, int]:
        zoomed = self.settings.zoom > 1
        details: Tensor | None = None
        cells: Tensor | None = None
        if self.settings.refine:  # the same forward pass, and one backward pass more
            batch_cells, details = self.cells_and_details(image[None], lambda _: [target])
            cells = batch_cells[0]
        elif not zoomed:  # enlarged, the native cells would only be thrown away
            cells = self.cells(image[None])[0]
        with torch.inference_mode():
            if zoomed:
                terms = self.zoomed_terms(image[None], [target])[0]
            else:
                assert cells is not None
                baseline = self.baseline_cells((image.shape[-2], image.shape[-1]))
                terms = target_terms(cells, baseline, target, self.model.space_masks())
            drawn = self._draw(terms, image)
        passes = int(cells is not None) + int(zoomed)
        return (drawn if details is None else drawn * details[0]), passes


def batch_cell_maps(
    query_cells: Tensor, candidate_cells: Tensor, masks: Tensor, size: tuple[int, int] | None = None,
    baseline: Tensor | None = None, query_weights: Tensor | None = None,
    candidate_weights: Tensor | None = None, map_mode: str = DEFAULT_MAP_MODE,
) -> tuple[Tensor, Tensor, Tensor]:
    """Maps for one query against N stored results: (query_maps, candidate_maps, similarity).

    Maps are (N, side, side) cell maps, or (N, H, W) when ``size`` is given; ``baseline`` (K, D)
    takes the terms relative to the blank image; ``query_weights`` / ``candidate_weights`` ((N, H, W)
    or (H, W), from :func:`content_weight`) spread them over the pixels; ``map_mode`` is the
    upsampling ("bicubic" or "bilinear"). :meth:`FastExplainer.cell_maps` fills in its settings.
    """
    with torch.inference_mode():
        attribution = cell_attribution(query_cells, candidate_cells, masks, baseline)
        q_grid, c_grid = attribution.grid()
        if size is not None:
            q_grid, c_grid = upsample(q_grid, size, map_mode), upsample(c_grid, size, map_mode)
            if query_weights is not None:
                q_grid = q_grid * query_weights
            if candidate_weights is not None:
                c_grid = c_grid * candidate_weights
    return q_grid, c_grid, attribution.similarity


def detail_settings(model: SimilarityModel) -> tuple[float, int]:
    """(refine β, zoom) of ``fast_detail`` for ``model``'s trunk, each chosen on the 56 motif pairs
    of 400 validation pairs of the 4,000-item classic demo (pointing game, the app's maps;
    ``bench/experiments/shifted_cells.py``). A pretrained Lite trunk: the input enlarged twice
    (pointing 0.66 for an attention head against 0.13 with the gradient refinement and 0.16 plain;
    0.38 against 0.05 for a mean head); ImageNet features see a motif of 1–3.5 % of a 224-px image
    too small to score it. The from-scratch trunk: the gradient × input refinement (0.68, against
    0.48 enlarged and 0.43 plain)."""
    from sane_desktop.models.backbone import LITE_TRUNKS

    trunk = getattr(getattr(model, "trunk", None), "kind", "")
    return (DEFAULT_REFINE, DETAIL_ZOOM) if trunk in LITE_TRUNKS else (DETAIL_REFINE, DEFAULT_ZOOM)


@register_method("fast_detail")
class DetailExplainer(FastExplainer):
    """The fast map with finer detail, for small regions (motifs) that a native cell cannot place,
    by trunk (:func:`detail_settings`): the terms of the input enlarged twice (a pretrained Lite
    trunk: + one pass per image at 4× the pixels) or the gradient × input refinement (``refine`` =
    :data:`DETAIL_REFINE`: + one backward pass through the same forward pass, one for a pair's two
    images). The exact cell terms stay in ``extras``; ``fast`` itself is the one-pass exact map the
    result tiles and the window draw first."""

    version = "3"  # 1: a forward pass more per image for its gradient; 2: a backward pass through the same one;
    # 3: by trunk, the enlarged input for a Lite trunk

    def __init__(self, model: SimilarityModel, batch_size: int = 64, preprocessing: Preprocessing | None = None,
                 map_mode: str = DEFAULT_MAP_MODE, content_scale: float = DEFAULT_CONTENT_SCALE,
                 fill_rgb: tuple[float, float, float] = DEFAULT_FILL_RGB, refine: float | None = None,
                 zoom: int | None = None) -> None:
        chosen_refine, chosen_zoom = detail_settings(model)
        super().__init__(model, batch_size, preprocessing, map_mode, content_scale, fill_rgb,
                         chosen_refine if refine is None else refine, chosen_zoom if zoom is None else zoom)
