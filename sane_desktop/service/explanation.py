"""Explanations of one catalogue: a pair's SANE explanation (cached; the CLI's ``explain`` and the
window's first view), its progressive RISE refinement, and the batched fast explanations of the
visible result tiles, each with its explaining attribute."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypedDict, cast

import numpy as np
import torch

from sane_desktop.errors import InputError, NotFound, StaleIndexError
from sane_desktop.explain.abstain import of_outfit
from sane_desktop.explain.base import Explainer, counting_passes
from sane_desktop.explain.cache import ExplanationCache, ExplanationIdentity
from sane_desktop.explain.fast import FastExplainer
from sane_desktop.explain.registry import get_explainer
from sane_desktop.explain.rise import RiseExplainer
from sane_desktop.explain.pipeline import SelectionModel
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.retrieval.category_map import GENERAL
from sane_desktop.retrieval.manifest import manifest_stamp, newer_index, read_index_manifest
from sane_desktop.service.items import CatalogueItems
from sane_desktop.service.model import ModelContext
from sane_desktop.service import values
from sane_desktop.service.outfit_reason import OutfitExplanation, OutfitShare
from sane_desktop.service.values import (
    AttributeScore, ExplanationUpdate, ItemInfo, PairExplanation, TileExplanation,
)

log = logging.getLogger(__name__)

TILE_MAP_SIDE = values.TILE_MAP_SIDE  # defined with the values so that the facade needs no torch to name it
ATTRIBUTE_MAPS = 5  # activation maps sent with a click-through explanation: as many as the view lists
CACHE_VERSION = 9  # bump when what a cached entry holds changes (3: the abstention; 4: the bundled general model names none; 5: near-universal labels are no reason; 6: a label new to the model vetoes its kind's other values; 7: the partner's labels say what it does not have; 8: an empty ranking with attributes says why; 9: every method's attributes ranked on the exact map)

# (calibrated probabilities (B, A), activation maps (B, A, h, w) on the CPU), or None without an attribute net
AttributePass = tuple[np.ndarray, torch.Tensor] | None


# RISE masks per map on a CPU, by trunk: a refinement in seconds (ResNet width 16 at 112 px runs
# ~2,800 masked images/s on 2 cores). 0: no RISE on a CPU, the finer map (``fast_detail``, the
# pictures enlarged) is the window's last step. For the pretrained EfficientNet-Lite0 the 160 masks
# a CPU affords drew a map no better than the finer one at 37× its time (11.6 s against 0.32 s a
# pair, bench/experiments/finer_map_cost.py). On validation pairs of the 4,000-item demo (attention
# head) the finer map pointed at the motif 0.66 against RISE-160's 0.41 (56 pairs), and on 24 pairs
# its insertion/deletion AUC was 0.555/0.418 against 0.543/0.444 (paired differences inside the
# noise; bench/experiments/results/finer_maps_demo_attention_curves_valid.json). A GPU runs the
# paper's 2,000 for any trunk; ``explain --method rise`` runs it anywhere.
CPU_RISE_MASKS = {"resnet18": 500, "efficientnet_lite0": 0, "efficientnet_lite0_colour": 0}
FALLBACK_RISE_MASKS = 500  # a trunk without a finer map always gets a refinement


def default_rise_masks(trunk: str = "resnet18") -> int:
    """RISE masks per map: the paper's 2,000 on a GPU; on a CPU :data:`CPU_RISE_MASKS` of ``trunk``
    (0: none, the finer map is the refinement), :data:`FALLBACK_RISE_MASKS` for a trunk it lacks."""
    return 2000 if torch.cuda.is_available() else CPU_RISE_MASKS.get(trunk, FALLBACK_RISE_MASKS)


def _by_kind(names: Iterable[str]) -> dict[str, set[str]]:
    """``kind:value`` names (case-folded, stripped) grouped as kind -> values; bare words left out."""
    grouped: dict[str, set[str]] = {}
    for name in names:
        kind, sep, value = name.casefold().partition(":")
        if sep:
            grouped.setdefault(kind.strip(), set()).add(value.strip())
    return grouped


def own_vocabulary_kinds(names: Sequence[str], catalogue_names: Iterable[str]) -> frozenset[str]:
    """The kinds of a model's vocabulary ``names`` that it learnt on this catalogue's labels
    (``catalogue_names``, every ``kind:value`` its items carry): every value of the kind the model
    knows is one the catalogue labels. A value of such a kind the model lacks is then a new label (an
    item recoloured since training), not another vocabulary's word (``dark green`` for a model of
    ``green``, where the model's ``green`` is no label of the catalogue)."""
    model, catalogue = _by_kind(names), _by_kind(catalogue_names)
    return frozenset(kind for kind, values in model.items() if values <= catalogue.get(kind, set()))


def label_contradictions(item: ItemInfo, names: Sequence[str],
                         own_kinds: Callable[[], Collection[str]] = frozenset) -> set[str]:
    """The attribute names of ``names`` (a model's vocabulary, ``kind:value``) that ``item``'s own
    catalogue labels contradict: the item is labelled with that kind, the model knows one of its
    labelled values, and this value is none of them (an earring labelled ``garment:accessories`` is
    never explained by ``garment:jersey basic``, which a model of two epochs named — a trial). A kind
    whose labelled values the model does not know (another vocabulary: ``dark green`` for a model of
    ``green``) vetoes nothing — unless it is one of ``own_kinds()`` (:func:`own_vocabulary_kinds`;
    asked only then, since it reads the whole catalogue's labels): the item's label is then a value
    new to the model, and its other values are still contradicted
    (a trial recoloured an item red, which the model never saw, and the reason named its old
    "dark blue"). Only the app's explanations use this; the evaluations measure the model."""
    labelled = _by_kind(item.attributes)
    if not labelled:
        return set()
    known = {name.casefold() for name in names}
    # the kinds the item is labelled with, whose labelled values the model knows none of
    unknown = {kind for kind, values in labelled.items() if not any(f"{kind}:{v}" in known for v in values)}
    new_values = {kind for kind in unknown if kind in own_kinds()} if unknown else set()
    vetoed = set()
    for name in names:
        kind, sep, value = name.casefold().partition(":")
        kind = kind.strip()
        values = labelled.get(kind) if sep else None
        if values and value.strip() not in values and (kind not in unknown or kind in new_values):
            vetoed.add(name)
    return vetoed


class Explanations:
    """SANE explanations with one model over one catalogue's items; ``cache_dir`` None: no cache."""

    def __init__(self, items: CatalogueItems | None, model: ModelContext, index_dir: Path | None,
                 cache_dir: Path | None = None, selection_file: Path | None = None,
                 verify_index: Callable[[], None] | None = None) -> None:
        self.items = items
        self.model = model
        self.index_dir = index_dir
        self.cache = ExplanationCache(cache_dir) if cache_dir is not None else None
        self.selection_file = selection_file  # None: found beside the catalogue or the model
        # raises StaleIndexError when the catalogue's index was not built with this model (an
        # explanation must be of the model that ranked the results); None: the caller chose the model
        self.verify_index = verify_index
        self._selection: SelectionModel | None = None
        self._own_kinds: tuple[int, frozenset[str]] | None = None  # (catalogue revision, kinds)
        # (the vocabulary, its word attributes -> their search tokens): :meth:`unsaid_words`
        self._word_tokens: tuple[tuple[str, ...], dict[str, frozenset[str]]] = ((), {})
        self._explainers: dict[tuple[str, int], Explainer[Any]] = {}
        self._category_map: tuple[object, dict[str, str]] | None = None  # (manifest stamp, its map)

    def check_index(self) -> None:
        """Raise StaleIndexError when the catalogue's index was not built from what is explained now (see
        ``verify_index``); nothing for a model the caller chose. Asked before item ids are looked up, so
        another database's catalogue is said as such, not as "unknown item ids" (trial BA)."""
        if self.verify_index is not None:
            self.verify_index()

    # --- the pieces ------------------------------------------------------------------------
    def category_map(self) -> dict[str, str]:
        """The category mapping of the catalogue's index (catalogue category -> model category or
        ``general``, from its manifest; re-read when the manifest changes), so that a pair is
        explained in the space its score was computed in; empty without an index (automatic). StaleIndexError
        when its manifest cannot be read."""
        if self.index_dir is None:
            return {}
        stamp = manifest_stamp(self.index_dir)
        if self._category_map is None or self._category_map[0] != stamp:
            # a manifest that cannot be read refuses here too (StaleIndexError): a model chosen by hand skips the index
            # check, and the automatic mapping put in place of the user's explained a pair in another space than its
            # search compared it in, without a word (trial EH); none at all (never indexed) is the automatic one
            manifest = read_index_manifest(self.index_dir)
            newer = newer_index(manifest, manifest.catalogue) if manifest is not None else None
            if newer is not None:  # its map may mean something else in the version that wrote it
                raise newer
            self._category_map = (stamp, dict(manifest.category_map) if manifest is not None else {})
        return self._category_map[1]

    def space(self, a: ItemInfo, b: ItemInfo, general: bool = False) -> int:
        """The space ``a`` and ``b`` are compared in by the search (:meth:`ModelContext.space` with
        the index's category map); the general space for a "visually similar" pair (``general``)."""
        return self.model.space(a, b, self.category_map(), general=general)

    def search_masks(self, spaces: Sequence[int]) -> torch.Tensor:
        """(len(spaces), D) relu(m) of these spaces as the search compares in them: a space no
        training pair reached (``ModelBundle.unlearnt_spaces``) as zeros, so its pairs add nothing to
        an outfit's shares, as they add nothing to the score it was ranked by."""
        bundle = self.model.bundle()
        masks = bundle.compatibility.space_masks().float()[list(spaces)].clone()
        unlearnt = bundle.unlearnt_spaces
        for row, space in enumerate(spaces):
            if space in unlearnt:
                masks[row] = 0.0
        return masks

    def own_kinds(self, names: Sequence[str]) -> frozenset[str]:
        """:func:`own_vocabulary_kinds` of the model's ``names`` against the catalogue's labels,
        read once per import revision (none without a catalogue)."""
        if self.items is None:
            return frozenset()
        from sane_desktop.service.filters import facets

        self.items.refresh()
        revision = self.items.record.revision
        if self._own_kinds is None or self._own_kinds[0] != revision:
            labelled = [f"{facet.key}:{value}" for facet in facets(self.items).facets for value, _n in facet.values]
            self._own_kinds = (revision, own_vocabulary_kinds(names, labelled))
        return self._own_kinds[1]

    def selection(self) -> SelectionModel:
        """The fitted attribute selection (the catalogue's own, else the model's, else defaults)."""
        if self._selection is None:
            from sane_desktop.explain.pipeline import find_selection, load_selection_for

            net = self.model.bundle().attributes
            names = list(net.attributes) if net is not None else []
            if self.selection_file is None:
                self._selection = find_selection(names, self.index_dir, self.model.path,
                                                 self.model.bundle().content_hash)
            else:
                # InputError naming the file, also when it is not this model's
                self._selection = load_selection_for(self.selection_file, names, self.model.bundle().content_hash)
        return self._selection

    def explainer(self, method: str, n_masks: int = 2000) -> Explainer[Any]:
        """The ``method`` explainer of explain's registry for this model, one instance per (method,
        masks): fast keeps the blank image's cells between calls."""
        key = (method, n_masks if method == "rise" else 0)
        if key not in self._explainers:
            bundle = self.model.bundle()
            settings: dict[str, Any] = {}
            if method in ("fast", "fast_detail"):  # maps drawn on the content of this model's inputs
                settings = {"preprocessing": bundle.preprocessing}
            elif method == "rise":
                settings = {"n_masks": n_masks, "seed": 0}
            self._explainers[key] = get_explainer(method, bundle.compatibility, **settings)
        return self._explainers[key]

    def fast(self) -> FastExplainer:
        explainer = self.explainer("fast")
        assert isinstance(explainer, FastExplainer)  # the registry's "fast"
        return explainer

    def rise(self, n_masks: int) -> RiseExplainer:
        explainer = self.explainer("rise", n_masks)
        assert isinstance(explainer, RiseExplainer)  # the registry's "rise"
        return explainer

    def _options(self, method: str, n_masks: int, space: int) -> str:
        """What besides the model, items and method decides a cached entry's content: the space the
        pair is compared in (a category map or a "visually similar" result changes it), the method's
        version and settings (``Explainer.describe``), the selection, the cache layout, the spaces the model
        never learnt, and the code that computed it (:func:`~sane_desktop.code_version.code_fingerprint`: another
        build's entry is a miss)."""
        from sane_desktop.code_version import code_fingerprint

        selection = hashlib.sha256(json.dumps(self.selection().as_dict()).encode()).hexdigest()[:16]
        described = {k: v for k, v in self.explainer(method, n_masks).describe().items() if k != "preprocessing"}
        # the spaces compared as zeros: a bundled model's come from its training record, which can change without
        # the code or the model's hash (tools/record_learnt_spaces.py)
        unlearnt = sorted(self.model.bundle().unlearnt_spaces)
        return json.dumps({"method": described, "cache": CACHE_VERSION, "attribute_maps": ATTRIBUTE_MAPS,
                           "selection": selection, "space": space, "code": code_fingerprint(), "unlearnt": unlearnt},
                          default=str, sort_keys=True)

    # --- a pair ----------------------------------------------------------------------------
    def exact_method(self) -> str:
        """The exact map the window's explanation ends on without RISE for this model: ``fast_detail``
        when its finer map enlarges the pictures (a pretrained trunk: small details show only then),
        else ``fast``. The CLI's ``explain`` draws it by default, so both front ends show one picture."""
        detail = self.explainer("fast_detail")
        assert isinstance(detail, FastExplainer)  # the registry's "fast_detail"
        return "fast_detail" if detail.settings.zoom > 1 else "fast"

    def pair_passes(self, method: str, n_masks: int = 2000) -> int:
        """The forward passes ``method`` takes for one pair when it takes many (RISE's masked images,
        the sliding window's occluded ones; 0 for the fast methods): what the CLI warns of."""
        return self.explainer(method, n_masks).pair_passes()

    def explain_pair(self, query: ItemInfo, candidate: ItemInfo, method: str = "fast", *, n_masks: int = 2000,
                     use_cache: bool = True, general: bool = False,
                     progress: Progress = no_progress) -> PairExplanation:
        """Why ``query`` matches ``candidate``: saliency of both in their type space (``method`` of
        explain's registry), the query's ranked attributes (SANE; one attribute-net pass over both:
        the candidate's probabilities are the partner part) and the first ones' activation maps. The
        attributes are ranked on the exact (``fast``) map whichever method draws the maps: it is the
        map the attribute selection is fitted and scored on, and the result's chip ranks on it.

        The space is the one the search compares the pair in (:meth:`space`: the index's category
        map; the general space for a category the model lacks, or always with ``general``, a
        "visually similar" pair). Cached (when the object has a cache) by model hash, both images'
        content hashes, space, method and settings; raises ModelError without a model. ``progress``
        hears the images passed through the model when the method passes many (:meth:`pair_passes`)."""
        if self.verify_index is not None:
            self.verify_index()
        for item in (query, candidate):  # both files as they are now, not as first read (cache hits too)
            self.model.verify(item, fresh=True)
        space = self.space(query, candidate, general)
        bundle = self.model.bundle()
        if space in bundle.unlearnt_spaces:  # a pair the model learnt no matches for: how alike they look
            space = bundle.compatibility.general_space
        # the query's labels and text words too: they veto attributes (contradicted), and a re-import may change
        # them; …and the partner's: they say what it does not have (labelled_confidence)
        labels, partner_labels = (self._veto_digest(item) for item in (query, candidate))
        # what the entry is of, recorded in it and checked on read (files moved under another pair's key miss)
        identity = ExplanationIdentity(bundle.content_hash, f"{query.item_id}@{query.content_hash}#{labels}",
                                       f"{candidate.item_id}@{candidate.content_hash}#{partner_labels}", method,
                                       self._options(method, n_masks, space))
        if use_cache and self.cache is not None:
            hit = self.cache.get(identity)
            cached = _from_cache(query, candidate, method, hit) if hit is not None else None
            if cached is not None:
                return dataclasses.replace(cached, derived_from=_inputs_key(identity))
            if hit is not None:  # checked, yet not a summary this version reads: recomputed and overwritten
                log.warning("explanation cache entry %s not used (its summary is not one this version reads): "
                            "recomputing it", self.cache.folder / f"{identity.key}.json")
        started = time.perf_counter()
        q_img, c_img = self.model.image(query), self.model.image(candidate)
        explainer = self.explainer(method, n_masks)
        passes = explainer.pair_passes()
        with counting_passes(explainer.model, passes, progress, f"Explaining ({method}, {passes:,} images)"):
            saliency = explainer.explain(q_img, c_img, space)
        # the attribute is ranked on the exact map whatever map is drawn: the selection was fitted and
        # scored on it, and the result's chip and the window's steps name the same one (trial O: the
        # chip, the pair view and `explain` named three different attributes for one pair)
        exact = saliency if method == "fast" else self.fast().explain(q_img, c_img, space)
        outputs = self.attribute_pass([query, candidate])
        ranked = self.rank(outputs, exact.query_map[None], 1, with_partners=True, items=[query],
                           partners=[candidate])[0]
        where = self.where(outputs, [a.name for a in ranked[:ATTRIBUTE_MAPS]])
        result = PairExplanation(
            query, candidate, method, space, float(saliency.similarity), time.perf_counter() - started,
            int(saliency.forward_passes), np.asarray(saliency.query_map, np.float32),
            np.asarray(saliency.candidate_map, np.float32), tuple(ranked),
            {name: (maps[0], maps[1]) for name, maps in where.items()}, self.selection().tuned, bundle.content_hash,
            abstained=self.abstention(ranked, exact.query_map, (query, candidate)), derived_from=_inputs_key(identity))
        if self.cache is not None:
            try:
                self.cache.put(identity, *_to_cache(result))
            except OSError as error:  # a read-only catalogue folder explains without caching
                log.info("explanation not cached (%s)", error)
        return result

    def explain(self, candidate_pk: int, outfit_pk: int, *, refine: bool = True, n_masks: int | None = None,
                chunk: int = 250, should_stop: CancelCheck = never_cancel,
                general: bool = False) -> Iterator[ExplanationUpdate]:
        """Why the result ``candidate`` matches the outfit item: the exact fast map first (the same
        :meth:`explain_pair` the CLI runs, the candidate as its query); with a Lite trunk the finer
        map (``fast_detail``, the pictures enlarged); then progressive RISE refinements of both maps
        with ``n_masks`` masks (default :func:`default_rise_masks`: none on a CPU for a Lite trunk,
        whose finer map is then the last step), each step yielded as it lands. Every step names the
        exact map's attributes (as the result's chip and :meth:`explain_pair` do): the refinements
        redraw the pictures, not the reason. ``general``: a "visually similar" result
        (``SearchResult.general``), explained in the general space it was ranked in."""
        items = self._items()
        candidate, outfit_item = items.get(candidate_pk), items.get(outfit_pk)
        started = time.perf_counter()
        fast = self.explain_pair(candidate, outfit_item, "fast", use_cache=False, general=general)
        c_rgb, q_rgb = self.model.crop_rgb(candidate), self.model.crop_rgb(outfit_item)
        general_space = self.model.bundle().compatibility.general_space

        def update(method: str, c_map: np.ndarray, q_map: np.ndarray, final: bool, detail: str) -> ExplanationUpdate:
            # the exact map's reason on every step (the chip's): a refinement redraws the pictures only
            return ExplanationUpdate(candidate_pk, outfit_pk, method, c_map, q_map, c_rgb, q_rgb, fast.similarity,
                                     time.perf_counter() - started, final, list(fast.attributes), detail,
                                     dict(fast.attribute_maps), fast.abstained, selection_tuned=fast.selection_tuned,
                                     general_space=fast.space == general_space,
                                     candidate_title=candidate.title, outfit_title=outfit_item.title)

        yield update("fast", fast.query_map, fast.candidate_map, not refine, "exact cell decomposition, 2 passes")
        if not refine or should_stop():
            return
        detail = self.explainer("fast_detail")
        assert isinstance(detail, FastExplainer)  # the registry's "fast_detail"
        trunk = self.model.bundle().compatibility.trunk.kind
        masks = n_masks or default_rise_masks(trunk)
        if self.exact_method() == "fast_detail":  # a pretrained trunk: small details show only with the input enlarged
            finer = detail.explain(self.model.image(candidate), self.model.image(outfit_item), fast.space)
            said = f"finer map: the pictures enlarged {detail.settings.zoom}×, {finer.forward_passes} passes"
            yield update("fast_detail", finer.query_map, finer.candidate_map, not masks,
                         said + ("" if masks else f"; no RISE on a CPU for the {trunk} trunk (no better here)"))
            if not masks or should_stop():
                return
        masks = masks or FALLBACK_RISE_MASKS
        why = "" if n_masks or masks >= 2000 else f" (fewer on a CPU for the {trunk} trunk; 2,000 on a GPU)"
        rise = self.rise(masks)
        c_img, q_img = self.model.image(candidate), self.model.image(outfit_item)
        embeddings = rise.embed(torch.stack([c_img, q_img]))
        c_map, q_map = fast.query_map, fast.candidate_map
        for step in rise.progressive(c_img, embeddings[1], fast.space, chunk=chunk, should_stop=should_stop):
            c_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on this item{why}")
        for step in rise.progressive(q_img, embeddings[0], fast.space, chunk=chunk, should_stop=should_stop):
            q_map = step.map.cpu().numpy().astype(np.float32)
            yield update("rise", c_map, q_map, False, f"RISE: {step.masks_used}/{masks} masks on the outfit item{why}")
        yield update("rise", c_map, q_map, True, "RISE refined")

    # --- the outfit as a whole (issue 17) ---------------------------------------------------
    def explain_outfit(self, candidate_pk: int, outfit: Sequence[int], *, general: bool = False,
                       should_stop: CancelCheck = never_cancel) -> OutfitExplanation | None:
        """Why ``candidate_pk`` completes the outfit ``outfit`` (item keys, disk images' negative
        keys included): the score the search ranks it by (Σ of its cosines with the outfit items,
        each in the space the search uses, :meth:`space`; ``general``: a "visually similar" result)
        split exactly over the outfit items and the candidate's cells — fresh fp32 cells, one
        forward pass per image — and the outfit-level explaining attribute
        (:mod:`sane_desktop.explain.outfit`) or why none is named. None when stopped. Raises
        InputError for an empty outfit, one that holds only the candidate, or one whose items it is
        compared with none of (its own kind, or categories the model learnt no matches for: the score is
        0 by construction, as the search leaves such a category unranked)."""
        from sane_desktop.explain import attribute_choice as choice
        from sane_desktop.explain.outfit import outfit_attribution, outfit_parts, share_weights
        from sane_desktop.explain.base import upsample

        members = [pk for pk in dict.fromkeys(outfit) if pk != candidate_pk]
        if not members:
            raise InputError("the outfit has no item besides the candidate to explain the match with")
        if self.verify_index is not None:
            self.verify_index()
        items = self._items()
        candidate = items.get(candidate_pk)
        others = [items.get(pk) for pk in members]
        bundle = self.model.bundle()
        fast = self.fast()
        images = torch.stack([self.model.image(item) for item in [candidate, *others]])
        cells = fast.cells(images)
        if should_stop():
            return None
        spaces = [self.space(candidate, other, general) for other in others]
        side = bundle.preprocessing.size
        with torch.inference_mode():
            masks = self.search_masks(spaces).to(cells.device)
            split = outfit_attribution(cells[0], cells[1:], masks, fast.baseline_cells((side, side)).to(cells.device))
            grid = int(round(len(split.cells[0]) ** 0.5))
            relative = torch.from_numpy(split.outfit_cells(relative=True).reshape(1, grid, grid)).float()
            drawn = (upsample(relative, (side, side), fast.settings.map_mode)[0]
                     * fast.content_weight(images[0].cpu()).float()).numpy().astype(np.float32)
        outputs = self.attribute_pass([candidate, *others])
        ranked: list[AttributeScore] = []
        shows = np.zeros(len(others))
        net = bundle.attributes
        if outputs is not None and net is not None:
            probabilities, maps = outputs
            names, selection = list(net.attributes), self.selection()
            # what each outfit item shows, as its own labels allow (an item labelled blue shows no grey)
            probabilities = np.concatenate([probabilities[:1], *(
                self.labelled_confidence(probabilities[1 + j], other, names)[None] for j, other in enumerate(others))])
            match = choice.map_match(maps[:1], torch.from_numpy(drawn[None])).numpy()[0]
            parts = outfit_parts(probabilities[0], match, np.asarray(selection.prior), probabilities[1:], split.shares,
                                 selection.base_rates(), selection.finer_indices(), selection.explainable())
            vetoed = self.contradicted(candidate, names)
            ranked_all = [r for r in choice.rank_attributes(parts, selection.weights, names) if r.name not in vetoed]
            ranked = [AttributeScore(r.name, r.score, r.confidence, r.match, r.prior, r.partner, r.base_rate) for r in ranked_all]
            if ranked_all:
                shows = probabilities[1:, ranked_all[0].index]
        weights = share_weights(split.shares)
        mapping = self.category_map()
        own = self.model.model_category(candidate.category, mapping)
        shares = tuple(OutfitShare(pk, other, float(share), space, float(weight), float(show),
                                   split.cells[j].reshape(grid, grid).astype(np.float32),
                                   space not in bundle.unlearnt_spaces,
                                   # its own model category: an alternative (trial AU's mapped folders read
                                   # "the model learnt no matches")
                                   space in bundle.unlearnt_spaces and not general and own != GENERAL
                                   and self.model.model_category(other.category, mapping) == own)
                       for j, (pk, other, share, space, weight, show)
                       in enumerate(zip(members, others, split.shares, spaces, weights, shows)))
        if not general and not any(share.compared for share in shares):
            # its score is 0 by construction, not measured: "the saliency map is flat" read as a finding (trial BT)
            why = ("they are of its own kind, and a match pairs different kinds of item (they are alternatives to it)"
                   if all(share.alternative for share in shares) else
                   "the model learnt no matches between its category and theirs")
            raise InputError(f"nothing to explain: {candidate.item_id!r} ({candidate.category}) is compared with none "
                             f"of the outfit's items: {why}")
        return OutfitExplanation(candidate, split.score, shares,
                                 split.outfit_cells().reshape(grid, grid).astype(np.float32), drawn, tuple(ranked),
                                 of_outfit(self.abstention(ranked, drawn, (candidate, *others))), self.selection().tuned,
                                 bundle.content_hash)

    # --- many tiles ------------------------------------------------------------------------
    def explain_tiles(self, pairs: Sequence[tuple[int, int]], map_side: int = TILE_MAP_SIDE,
                      should_stop: CancelCheck = never_cancel, general: bool = False) -> list[TileExplanation]:
        """Fast explanations of many (candidate pk, outfit item pk) pairs in one batched pass: the
        cell decomposition from stored per-cell outputs (no model pass for indexed items), spread
        over each candidate's content pixels as the click-through map is, then one attribute-net
        pass over the candidates for their explaining attributes. Each pair in the space its score
        used (:meth:`space`; ``general``: "visually similar" results). A pair whose photo is gone
        or changed since indexing is left out (the others are explained)."""
        import torch.nn.functional as F

        if not pairs:
            return []
        if self.verify_index is not None:
            self.verify_index()
        items = self._items()
        by_pk = {info.pk: info for info in items.infos(sorted({pk for pair in pairs for pk in pair}))}
        # a photo gone or replaced since indexing leaves its own tiles unexplained, not the whole list
        # (a trial: one deleted photo stopped every tile's explanation); a click on it says why
        unreadable = set()
        for pk in {pk for pair in pairs for pk in pair if pk in by_pk}:
            try:
                self.model.verify(by_pk[pk])
            except (NotFound, StaleIndexError) as error:
                unreadable.add(pk)
                log.info("tile explanations leave out item %s: %s", by_pk[pk].item_id, error)
        pairs = [(c, q) for c, q in pairs if c in by_pk and q in by_pk and c not in unreadable and q not in unreadable]
        if not pairs:
            return []
        candidates = [by_pk[c] for c, _ in pairs]
        partners = [by_pk[q] for _, q in pairs]
        net = self.model.bundle().compatibility
        candidate_cells = torch.from_numpy(self.model.cells(candidates, items))
        partner_cells = torch.from_numpy(self.model.cells(partners, items))
        with torch.inference_mode():
            masks = self.search_masks([self.space(c, q, general) for c, q in zip(candidates, partners)]).cpu()
        if should_stop():
            return []
        fast = self.fast()
        weights = F.adaptive_avg_pool2d(
            fast.content_weight(torch.stack([self.model.image(c) for c in candidates]))[:, None], map_side)[:, 0]
        # the candidate is the "query" of the decomposition: its map is the one drawn on its tile
        maps, _, similarity = fast.cell_maps(candidate_cells, partner_cells, masks, (map_side, map_side), weights)
        maps_np = maps.cpu().numpy().astype(np.float32)
        attributes = self.rank_attributes(candidates, maps_np, partners, should_stop=should_stop)
        return [TileExplanation(c.pk, q.pk, float(s), m, tuple(a[:3]), self.abstention(a, m, (c, q)))
                for c, q, s, m, a in zip(candidates, partners, similarity.tolist(), maps_np, attributes)]

    # --- attributes (SANE) -----------------------------------------------------------------
    def attribute_maps(self, items: Sequence[ItemInfo], names: Sequence[str]) -> dict[str, tuple[np.ndarray, ...]]:
        """Where the attribute net sees each named attribute on each item: name -> one map per item,
        its activation map (per-cell logits, whose mean is the attribute's logit) upsampled to the
        crop size. Drawn min-max like a saliency map: "where", not "how sure"."""
        return self.where(self.attribute_pass(items), names)

    def rank_attributes(self, items: Sequence[ItemInfo], saliency: np.ndarray,
                        partners: Sequence[ItemInfo] | None = None,
                        should_stop: CancelCheck = never_cancel) -> list[list[AttributeScore]]:
        """Ranked explaining attributes (SANE) of each item given its saliency map (B, H, W) and the
        item it is paired with: confidence, map match, prior and partner, combined as
        :mod:`sane_desktop.explain.attribute_choice` does with the fitted selection, from one batched
        attribute-net pass; empty lists without an attribute net."""
        if should_stop():
            return [[] for _ in items]
        outputs = self.attribute_pass(list(items) + list(partners or []))
        return self.rank(outputs, saliency, len(items), with_partners=bool(partners), items=items,
                         partners=partners or ())

    def attribute_pass(self, items: Sequence[ItemInfo]) -> AttributePass:
        """Calibrated probabilities (B, A) and activation maps (B, A, h, w; a CPU float tensor) of
        the items, one batched pass; None without an attribute net or items."""
        from sane_desktop.explain.pipeline import attribute_outputs

        net = self.model.bundle().attributes
        if net is None or not len(items):
            return None
        logits, maps = attribute_outputs(net, torch.stack([self.model.image(item) for item in items]))
        return self.selection().calibration.probabilities(logits).numpy(), maps

    def _veto_digest(self, item: ItemInfo) -> str:
        """16 hex digits over what rules attributes out for ``item`` (its labels and its text's words): part of
        an explanation's cache key, so an item relabelled or redescribed by a re-import is explained afresh."""
        words = sorted(self.items.text_words(item.pk)) if self.items is not None else []
        text = "\n".join(sorted(item.attributes)) + "\n#\n" + " ".join(words)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def contradicted(self, item: ItemInfo, names: Sequence[str]) -> set[str]:
        """The attributes of ``names`` that ``item``'s own catalogue data rules out: a labelled kind's other
        values (:func:`label_contradictions`), and words its own text does not hold (:meth:`unsaid_words`)."""
        return label_contradictions(item, names, lambda: self.own_kinds(names)) | self.unsaid_words(item, names)

    def unsaid_words(self, item: ItemInfo, names: Sequence[str]) -> set[str]:
        """The word attributes of ``names`` (mined from titles and descriptions, no ``kind:``) that ``item``'s own
        text does not hold, when that text holds any word of the vocabulary at all (else it says nothing of
        them: a photo from disk, a folder's file name). A word is a label the item's text gives or not, as a
        colour is: trial CD's trained model said a pair of stretch-twill trousers "shares 'jeans'", a word
        its description never uses."""
        if self.items is None or item.pk < 0:
            return set()
        from sane_desktop.store.browse import search_tokens

        own = self.items.text_words(item.pk)
        key = tuple(names)
        if self._word_tokens[0] != key:  # the vocabulary's words tokenised once, not per item (4 ms a call)
            self._word_tokens = (key, {name: frozenset(search_tokens(name)) for name in names if ":" not in name})
        words = self._word_tokens[1]
        if not own or not any(tokens and tokens <= own for tokens in words.values()):
            return set()
        return {name for name, tokens in words.items() if tokens and not tokens <= own}

    def labelled_confidence(self, confidence: np.ndarray, item: ItemInfo, names: Sequence[str]) -> np.ndarray:
        """``item``'s attribute probabilities (A,) with those its own labels contradict
        (:func:`label_contradictions`) at 0: the partner of a pair, or an outfit item, does not "have"
        grey when it is labelled blue (a trial read "Both are grey" of a sandal labelled blue)."""
        refuted = self.contradicted(item, names)
        if not refuted:
            return confidence
        return np.where(np.isin(np.asarray(names, dtype=object), sorted(refuted)), 0.0, confidence).astype(confidence.dtype)

    def rank(self, outputs: AttributePass, saliency: np.ndarray, n_items: int,
             with_partners: bool, items: Sequence[ItemInfo] = (),
             partners: Sequence[ItemInfo] = ()) -> list[list[AttributeScore]]:
        """Rankings of the first ``n_items`` of an attribute pass; with partners, row n_items + i is
        item i's partner. ``items``: the ranked items (row order); an attribute an item's own labels
        contradict is left out of its ranking (:func:`label_contradictions`); ``partners``: their
        partners (row order), whose labels likewise say what a partner does not have
        (:meth:`labelled_confidence`)."""
        net = self.model.bundle().attributes
        if outputs is None or net is None:
            return [[] for _ in range(n_items)]
        from sane_desktop.explain import attribute_choice as choice

        confidence, maps = outputs
        selection = self.selection()
        names, prior = list(net.attributes), np.asarray(selection.prior)
        match = choice.map_match(maps[:n_items], torch.from_numpy(np.asarray(saliency, np.float32))).numpy()
        ranked_all = []
        for row in range(n_items):
            partner = confidence[n_items + row] if with_partners else None
            if partner is not None and row < len(partners):
                partner = self.labelled_confidence(partner, partners[row], names)
            parts = choice.PairParts(confidence[row], match[row], prior,
                                     selection.candidates(confidence[row]), partner, selection.base_rates(),
                                     selection.finer_indices())
            ranked = choice.rank_attributes(parts, selection.weights, names)
            vetoed = self.contradicted(items[row], names) if row < len(items) else set()
            ranked_all.append([AttributeScore(r.name, r.score, r.confidence, r.match, r.prior, r.partner, r.base_rate)
                               for r in ranked if r.name not in vetoed])
        return ranked_all

    def abstention(self, ranked: Sequence[AttributeScore], saliency: np.ndarray | None,
                   items: Sequence[ItemInfo] = ()) -> str:
        """Why no attribute is named for a ranking with its saliency map ("" when the first is
        named): :func:`sane_desktop.explain.attribute_choice.abstention` with the selection's fitted
        threshold. Without an attribute net nothing is said (""); with one, an empty ranking (the
        item's own labels ruled out every attribute considered) says so, never reading as no net.
        ``items``: the explained items; a kind they are labelled with that the model cannot tell
        apart (never a candidate, ``SelectionModel.explainable``) is named after the reason."""
        from sane_desktop.explain.abstain import LABELS_CONTRADICT
        from sane_desktop.explain.attribute_choice import abstention

        if not ranked:
            net = self.model.bundle().attributes
            if net is None or not list(net.attributes):
                return ""
        foreign = self.foreign_attributes()
        if foreign:
            return foreign
        reason = abstention(ranked, saliency, self.selection().abstain_below) if ranked else LABELS_CONTRADICT
        return reason + self.left_out_note(items) if reason and items else reason

    def left_out_note(self, items: Sequence[ItemInfo]) -> str:
        """"; pattern left out: …" for the kinds ``items`` are labelled with that the selection leaves
        out (``unseen_kinds``: the model could not tell their values apart on validation items), ""
        when none. Trial AN: two items both labelled ``pattern:checked`` got "no attribute is likely
        on both items", which read as the app having looked at their pattern."""
        selection = self.selection()
        if not selection.unseen_kinds or selection.explainable() is None:
            return ""  # none left out (or all: then nothing is left out, SelectionModel.explainable)
        labelled = {name.split(":", 1)[0] for item in items for name in item.attributes if ":" in name}
        kinds = [kind for kind in selection.unseen_kinds if kind in labelled]
        if not kinds:
            return ""
        return (f"; {', '.join(kinds)} left out: the model could not tell {'its' if len(kinds) == 1 else 'their'} "
                "values apart on validation items")

    def foreign_attributes(self) -> str:
        """Why the model's attributes cannot name a reason here ("" when they can): the bundled
        general model (``general.pt``) had its attribute head fitted on the drawn demo garments — on
        a folder of real photos it named "wavy" and "red" for a black tee and boots with confidence
        0.98 — so its chip is withheld (the maps and scores stay) until a model is trained on the
        catalogue. Told by content hash, so a copy of ``general.pt`` under another name is the same
        model; any other model, the bundled demo model included, is unaffected."""
        from sane_desktop.explain.abstain import FOREIGN_MODEL

        if self.model.bundle().content_hash != _general_model_hash():
            return ""
        root = self.items.root if self.items is not None else None
        if root and (Path(root) / "ground_truth.json").is_file():  # a drawn world itself: the garments they
            return ""  # were fitted on (trial BI read "fitted on drawn demo garments" as why, of the demo)
        return (f"{FOREIGN_MODEL} (the bundled general model's were fitted on drawn demo garments): "
                "train a model on this catalogue (sane-desktop train) to name why")

    def where(self, outputs: AttributePass, names: Sequence[str]) -> dict[str, tuple[np.ndarray, ...]]:
        """The named attributes' activation maps from an attribute pass, upsampled to the crop size."""
        net = self.model.bundle().attributes
        vocabulary = list(net.attributes) if outputs is not None and net is not None else []
        names = [name for name in names if name in vocabulary]
        if outputs is None or not names:
            return {}
        from sane_desktop.explain.pipeline import drawn_activation_maps

        maps = outputs[1]
        size = self.model.bundle().preprocessing.size
        chosen = drawn_activation_maps(maps, [vocabulary.index(name) for name in names], (size, size))
        return {name: tuple(chosen[i, j].numpy() for i in range(maps.shape[0])) for j, name in enumerate(names)}

    def _items(self) -> CatalogueItems:
        if self.items is None:
            raise ValueError("these explanations have no catalogue")  # a programming error, not a user's
        return self.items


@functools.lru_cache(maxsize=1)
def _general_model_hash() -> str | None:
    """The bundled general model's content hash, as recorded in its file (None when unreadable)."""
    from sane_desktop.models.checkpoint import general_model_path, stored_content_hash

    try:
        return stored_content_hash(general_model_path())
    except OSError:
        return None


class _CachedAttributeParts(TypedDict):
    name: str
    score: float
    confidence: float
    match: float
    prior: float
    partner: float


class _CachedAttribute(_CachedAttributeParts, total=False):
    base_rate: float  # entries written before it lack it: unknown (1)


class _CachedSummary(TypedDict):
    """What a cache entry's JSON holds beside its maps (the maps of ``attribute_maps``, in order,
    are ``attribute_<i>_query``/``attribute_<i>_candidate`` in its npz)."""

    similarity: float
    space: int
    seconds: float
    forward_passes: int
    selection_tuned: bool
    model_hash: str
    attributes: list[_CachedAttribute]
    attribute_maps: list[str]
    abstained: str


def _to_cache(result: PairExplanation) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    summary = _CachedSummary(
        similarity=result.similarity, space=result.space, seconds=result.seconds,
        forward_passes=result.forward_passes, selection_tuned=result.selection_tuned, model_hash=result.model_hash,
        attributes=[_CachedAttribute(name=a.name, score=a.total, confidence=a.confidence, match=a.match,
                                     prior=a.prior, partner=a.partner, base_rate=a.base_rate)
                    for a in result.attributes],
        attribute_maps=list(result.attribute_maps), abstained=result.abstained)
    maps = {"query": result.query_map, "candidate": result.candidate_map}
    for i, (q_map, c_map) in enumerate(result.attribute_maps.values()):
        maps[f"attribute_{i}_query"], maps[f"attribute_{i}_candidate"] = q_map, c_map
    return dict(summary), maps


def _inputs_key(identity: ExplanationIdentity) -> str:
    """The key of what an explanation was derived from (:class:`ExplanationIdentity`'s inputs) but the program's
    own code: the same inputs give the same key in the next version too (a review: maps saved under a name
    that changed with every build piled up)."""
    options = json.loads(identity.options) if identity.options else {}
    options.pop("code", None)
    return hashlib.sha256(json.dumps([identity.model_hash, identity.query, identity.candidate, identity.method,
                                      options], sort_keys=True, default=str).encode()).hexdigest()


def _from_cache(query: ItemInfo, candidate: ItemInfo, method: str,
                hit: tuple[dict[str, Any], dict[str, np.ndarray]]) -> PairExplanation | None:
    """The cached explanation, or None when the entry is not one this version wrote (a miss)."""
    raw, maps = hit
    try:
        summary = cast(_CachedSummary, raw)
        attributes = tuple(AttributeScore(a["name"], a["score"], a["confidence"], a["match"], a["prior"], a["partner"],
                                          a.get("base_rate", 1.0))
                           for a in summary["attributes"])
        where = {name: (maps[f"attribute_{i}_query"], maps[f"attribute_{i}_candidate"])
                 for i, name in enumerate(summary["attribute_maps"])}
        return PairExplanation(query, candidate, method, int(summary["space"]), float(summary["similarity"]),
                               float(summary["seconds"]), int(summary["forward_passes"]), maps["query"],
                               maps["candidate"], attributes, where, bool(summary["selection_tuned"]),
                               str(summary["model_hash"]), cached=True, abstained=str(summary["abstained"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
