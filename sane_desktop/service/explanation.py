"""Explanations: the click-through view (exact fast maps, then progressive RISE) and the batched
fast explanations of the visible result tiles, each with its SANE explaining attribute."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sane_desktop.progress import CancelCheck, never_cancel
from sane_desktop.service.outfit_search import OutfitSearch
from sane_desktop.service.values import AttributeScore, ExplanationUpdate, ItemInfo, TileExplanation

TILE_MAP_SIDE = 56  # tile overlays: the 7×7 cell map upsampled, smooth at the 128 px thumbnail
ATTRIBUTE_MAPS = 5  # activation maps sent with a click-through explanation: as many as the view lists


class Explanations(OutfitSearch):
    def explain(
        self,
        candidate_pk: int,
        outfit_pk: int,
        *,
        refine: bool = True,
        n_masks: int | None = None,
        chunk: int = 250,
        should_stop: CancelCheck = never_cancel,
    ) -> Iterator[ExplanationUpdate]:
        """Why ``candidate`` matches ``outfit`` item: the exact fast map first (one pass per image),
        then progressive RISE refinements of both maps, each step yielded as it lands."""
        import torch

        from sane_desktop.explain import get_explainer

        started = time.perf_counter()
        candidate, outfit_item = self.item(candidate_pk), self.item(outfit_pk)
        net = self.bundle().compatibility
        space = self._space(candidate, outfit_item)
        c_img, q_img = self._image(candidate), self._image(outfit_item)
        c_rgb, q_rgb = self._crop_rgb(candidate), self._crop_rgb(outfit_item)
        fast = self._fast_explainer().explain(c_img, q_img, space)  # "query" = the candidate here
        # one attribute-net pass over the pair serves the ranking, its refinement and the maps
        outputs = self._attribute_pass([candidate, outfit_item])
        attributes = self._rank(outputs, fast.query_map[None], 1, with_partners=True)[0]
        where = self._where(outputs, [a.name for a in attributes[:ATTRIBUTE_MAPS]])

        def update(method: str, c_map: np.ndarray, q_map: np.ndarray, final: bool, detail: str) -> ExplanationUpdate:
            return ExplanationUpdate(candidate_pk, outfit_pk, method, c_map, q_map, c_rgb, q_rgb,
                                     fast.similarity, time.perf_counter() - started, final, list(attributes), detail,
                                     where)

        yield update("fast", fast.query_map, fast.candidate_map, not refine, "exact cell decomposition, 2 passes")
        if not refine or should_stop():
            return
        masks = n_masks or self.rise_masks or (2000 if torch.cuda.is_available() else 500)
        rise = get_explainer("rise", net, n_masks=masks, seed=0)
        embeddings = rise.embed(torch.stack([c_img, q_img]))
        c_map, q_map = fast.query_map, fast.candidate_map
        for step in rise.progressive(c_img, embeddings[1], space, chunk=chunk, should_stop=should_stop):
            c_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on this item")
        for step in rise.progressive(q_img, embeddings[0], space, chunk=chunk, should_stop=should_stop):
            q_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on the outfit item")
        attributes = self._rank(outputs, c_map[None], 1, with_partners=True)[0]
        where = self._where(outputs, [a.name for a in attributes[:ATTRIBUTE_MAPS]])  # the refined ranking's
        yield update("rise", c_map, q_map, True, "RISE refined")

    def explain_tiles(self, pairs: Sequence[tuple[int, int]], map_side: int = TILE_MAP_SIDE,
                      should_stop: CancelCheck = never_cancel) -> list[TileExplanation]:
        """Fast explanations of many (candidate pk, outfit item pk) pairs in one batched pass:
        the cell decomposition from stored per-cell outputs (no model pass for indexed items),
        spread over each candidate's content pixels as the click-through map is, then one
        attribute-net pass over the candidates for their explaining attributes."""
        import torch
        import torch.nn.functional as F

        from sane_desktop.explain.fast import batch_cell_maps, content_weight

        if not pairs:
            return []
        by_pk = {info.pk: info for info in self.item_infos(sorted({pk for pair in pairs for pk in pair}))}
        pairs = [(c, q) for c, q in pairs if c in by_pk and q in by_pk]
        if not pairs:
            return []
        candidates = [by_pk[c] for c, _ in pairs]
        partners = [by_pk[q] for _, q in pairs]
        net = self.bundle().compatibility
        candidate_cells = torch.from_numpy(self._cells(candidates))
        partner_cells = torch.from_numpy(self._cells(partners))
        with torch.inference_mode():
            masks = net.space_masks().float().cpu()[[self._space(c, q) for c, q in zip(candidates, partners)]]
        if should_stop():
            return []
        fast = self._fast_explainer()
        prep = self.bundle().preprocessing
        weights = F.adaptive_avg_pool2d(
            content_weight(torch.stack([self._image(c) for c in candidates]), prep)[:, None], map_side)[:, 0]
        # the candidate is the "query" of the decomposition: its map is the one drawn on its tile
        maps, _, similarity = batch_cell_maps(candidate_cells, partner_cells, masks, (map_side, map_side),
                                              fast.baseline_cells((prep.size, prep.size)).cpu(), weights)
        maps_np = maps.cpu().numpy().astype(np.float32)
        attributes = self.rank_attributes(candidates, maps_np, partners, should_stop=should_stop)
        return [TileExplanation(c.pk, q.pk, float(s), m, tuple(a[:3]))
                for c, q, s, m, a in zip(candidates, partners, similarity.tolist(), maps_np, attributes)]

    def _fast_explainer(self) -> Any:
        """The fast explainer of the current model (it keeps the blank image's cells)."""
        if self._fast is None:
            from sane_desktop.explain import get_explainer

            self._fast = get_explainer("fast", self.bundle().compatibility, preprocessing=self.bundle().preprocessing)
        return self._fast

    def attribute_maps(self, items: Sequence[ItemInfo], names: Sequence[str]) -> dict[str, tuple[np.ndarray, ...]]:
        """Where the attribute net sees each named attribute on each item: name -> one map per item,
        its activation map (per-cell logits, whose mean is the attribute's logit) upsampled to the
        crop size. Drawn min-max like a saliency map: "where", not "how sure"."""
        return self._where(self._attribute_pass(items), names)

    def rank_attributes(self, items: Sequence[ItemInfo], saliency: np.ndarray,
                        partners: Sequence[ItemInfo] | None = None,
                        should_stop: CancelCheck = never_cancel) -> list[list[AttributeScore]]:
        """Ranked explaining attributes (SANE) of each item given its saliency map (B, H, W) and the
        item it is paired with: confidence, map match, prior and partner, combined as
        :mod:`sane_desktop.explain.attribute_choice` does with the fitted selection, from one batched
        attribute-net pass; empty lists without an attribute net."""
        if should_stop():
            return [[] for _ in items]
        outputs = self._attribute_pass(list(items) + list(partners or []))
        return self._rank(outputs, saliency, len(items), with_partners=bool(partners))

    def _attribute_pass(self, items: Sequence[ItemInfo]) -> tuple[np.ndarray, Any] | None:
        """Calibrated probabilities (B, A) and activation maps (B, A, h, w; a CPU float tensor) of
        the items, one batched pass; None without an attribute net or items."""
        net = self.bundle().attributes
        if net is None or not len(items):
            return None
        import torch

        from sane_desktop.explain.pipeline import attribute_outputs, find_selection

        if self._selection is None:
            index_dir = self.index_home / str(self.name) if self.name else None
            self._selection = find_selection(list(net.attributes), index_dir, self.model_path())
        logits, maps = attribute_outputs(net, torch.stack([self._image(item) for item in items]))
        return self._selection.calibration.probabilities(logits).numpy(), maps

    def _rank(self, outputs: tuple[np.ndarray, Any] | None, saliency: np.ndarray, n_items: int,
              with_partners: bool) -> list[list[AttributeScore]]:
        """Rankings of the first ``n_items`` of an attribute pass; with partners, row n_items + i is
        item i's partner."""
        if outputs is None:
            return [[] for _ in range(n_items)]
        import torch

        from sane_desktop.explain import attribute_choice as choice

        confidence, maps = outputs
        selection = self._selection
        names, prior = list(self.bundle().attributes.attributes), np.asarray(selection.prior)
        match = choice.map_match(maps[:n_items], torch.from_numpy(np.asarray(saliency, np.float32))).numpy()
        ranked_all = []
        for row in range(n_items):
            partner = confidence[n_items + row] if with_partners else None
            parts = choice.PairParts(confidence[row], match[row], prior,
                                     choice.candidate_attributes(confidence[row]), partner)
            ranked = choice.rank_attributes(parts, selection.weights, names)
            ranked_all.append([AttributeScore(r.name, r.score, r.confidence, r.match, r.prior, r.partner)
                               for r in ranked])
        return ranked_all

    def _where(self, outputs: tuple[np.ndarray, Any] | None, names: Sequence[str]) -> dict[str, tuple[np.ndarray, ...]]:
        """The named attributes' activation maps from an attribute pass, upsampled to the crop size."""
        vocabulary = list(self.bundle().attributes.attributes) if outputs is not None else []
        names = [name for name in names if name in vocabulary]
        if not names:
            return {}
        from sane_desktop.explain.pipeline import drawn_activation_maps

        maps = outputs[1]
        size = self.bundle().preprocessing.size
        chosen = drawn_activation_maps(maps, [vocabulary.index(name) for name in names], (size, size))
        return {name: tuple(chosen[i, j].numpy() for i in range(maps.shape[0])) for j, name in enumerate(names)}
