"""Train the compatibility network (and the attribute network) on a catalogue's train split.

The method is Vasileva et al., "Learning Type-Aware Embeddings for Fashion Compatibility" (ECCV
2018): triplets of outfit items in the type-specific subspace of their category pair, with the
attribute network's balanced BCE (and, optionally, SANE's saliency-agreement term) added to the loss.
The epoch with the best valid FITB accuracy is kept. Deterministic by seed on CPU.

:func:`train` is the entry point for the service and the CLI. Catalogues without training outfits
go to :mod:`attribute_trainer` (the attribute network alone, best valid mAP). Both trainers run the
same skeleton, :mod:`sane_desktop.training.loop`; this module supplies the outfit step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from sane_desktop import precision
from sane_desktop.catalogue.provenance import RECORD_KEY, training_record
from sane_desktop.catalogue.splits import attribute_vocabulary, outfits_in_split, pick_protocol, questions_in_split
from sane_desktop.catalogue.types import Catalogue, FitbQuestion, OutfitRecord
from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import SALIENCY_AGREEMENT_WEIGHT
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, pick_device
from sane_desktop.models.weights import load_trunk_weights
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.training.attribute_trainer import train_attributes
from sane_desktop.store.facet_names import COLOUR_KINDS
from sane_desktop.training.augment import batch_palette_change, training_views
from sane_desktop.training.data import ImageCache, attribute_targets
from sane_desktop.training.evaluation import fitb_accuracy, network_distance, questions_digest
from sane_desktop.training.head_trainer import train_heads
from sane_desktop.training.loop import (
    Clock, Hooks, HistoryEntry, RandomSources, StepOutput, TrainResult, deterministic_algorithms, fit, make_optimiser,
    release,
    seed_everything, unique_parameters,
)
from sane_desktop.training.losses import (
    balanced_bce, pair_saliency_agreement, positive_weights, type_aware_triplet_loss,
)
from sane_desktop.training.presets import TrainConfig
from sane_desktop.training.sampling import no_triplet_reason, outfit_triplets
from sane_desktop.type_spaces import learnt_spaces

__all__ = ["TrainResult", "train"]


def palette_safe(names: list[str]) -> list[int]:
    """The attributes (indices into ``names``) whose labels still hold after a palette change (a permutation of
    the colour channels, a negative: :func:`~sane_desktop.training.augment.batch_palette_change`): those of a
    kind other than a colour's (``pattern:dotted``, ``motif:moon``; not ``colour_group:dark blue`` nor a ``tone``,
    which a negative turns over). A bare word mined from titles ("cobalt", "moon") may name a colour, and which
    do is not known, so on such a step it sits out with the colours."""
    falsified = {*COLOUR_KINDS, "tone"}
    return [j for j, name in enumerate(names)
            if ":" in name and name.partition(":")[0].strip().casefold() not in falsified]


def _build_models(categories: list[str], attributes: list[str], config: TrainConfig
                  ) -> tuple[CompatibilityNet, AttributeNet | None, str]:
    """The networks (initial weights from torch's global generator) and the trunk weights' label."""
    compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=config.width, trunk=config.trunk,
                              pooling=config.pooling)
    label = load_trunk_weights(compat.trunk, config.weights)
    attr = None
    if attributes and config.attribute_trunk != "none":
        shared = config.attribute_trunk == "shared"
        attr = AttributeNet(attributes, width=config.width, trunk=compat.trunk if shared else None, kind=config.trunk)
        if not shared:
            load_trunk_weights(attr.trunk, config.weights)
    return compat, attr, label


class _OutfitTask:
    """The outfit step: a batch of ``config.outfits_per_step`` train outfits, every (anchor, positive)
    pair of each with a same-category negative from another outfit (``sampling.outfit_triplets``);
    loss = type-aware triplet loss + attribute BCE (+ saliency agreement). Validation: FITB accuracy
    on the valid questions."""

    step_metrics: tuple[str, ...] = ("triplet_accuracy",)
    score_key = "valid_fitb"
    log_fields: tuple[tuple[str, str], ...] = (("triplet acc", "triplet_accuracy"), ("valid FITB", "valid_fitb"))

    def __init__(self, compat: CompatibilityNet, attr: AttributeNet | None, outfits: list[OutfitRecord],
                 train_items: list[str], valid_fitb: list[FitbQuestion], cache: ImageCache,
                 category: dict[str, int], group: dict[str, str], names: list[str],
                 labels: dict[str, list[str]], prep: Preprocessing, config: TrainConfig,
                 random: RandomSources, device: torch.device) -> None:
        self.compat, self.attr = compat, attr
        self.kept: tuple[torch.nn.Module, ...] = (compat,) if attr is None else (compat, attr)
        self.outfits, self.valid_fitb, self.cache = outfits, valid_fitb, cache
        self.valid_items = sorted({i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]})
        self.category, self.group, self.names, self.labels = category, group, names, labels
        self.prep, self.config, self.random, self.device = prep, config, random, device
        self.memory = torch.channels_last if config.channels_last else torch.contiguous_format
        self.shared = attr is not None and attr.trunk is compat.trunk
        self.use_bf16 = config.bf16 and precision.uses_bf16(device)
        self.pos_weight = (positive_weights(attribute_targets(train_items, names, labels)).to(device)
                           if attr is not None else None)
        self.colour_free = torch.tensor(palette_safe(names), dtype=torch.long, device=device)
        self.steps_per_epoch = max(1, -(-len(outfits) // config.outfits_per_step))
        self.order = np.empty(0, dtype=np.int64)  # drawn by begin_epoch

    def _categories(self, item_ids: list[str]) -> torch.Tensor:
        return torch.tensor([self.category[i] for i in item_ids], device=self.device)

    def begin_epoch(self) -> None:
        self.compat.train()
        if self.attr is not None:
            self.attr.train()
        self.order = self.random.order.permutation(len(self.outfits))

    def step(self, index: int) -> StepOutput | None:
        config, prep, device, augment_rng = self.config, self.prep, self.device, self.random.augment
        size = config.outfits_per_step
        chosen = [self.outfits[i] for i in self.order[index * size : (index + 1) * size]]
        batch = outfit_triplets(chosen, self.category, self.group, self.random.order, config.max_pairs_per_outfit)
        if len(batch.anchor) == 0:
            return None
        images = prep.normalise(self.cache.images[self.cache.rows(batch.item_ids)])
        images = training_views(images, augment_rng, augment=config.augment, flip=config.flip,
                                mean=prep.mean, std=prep.std)
        recoloured = config.palette_steps > 0 and float(torch.rand(1, generator=augment_rng)) < config.palette_steps
        if recoloured:
            images = batch_palette_change(images, augment_rng, prep.mean, prep.std)
        images = images.to(device).contiguous(memory_format=self.memory)
        anchor, positive = batch.anchor.to(device), batch.positive.to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.use_bf16):
            fmap = self.compat.trunk(images)  # (B, C, h, w)
            embeddings = self.compat.cells_from_features(fmap.flatten(2).transpose(1, 2)).mean(1).float()  # (B, D)
            loss, accuracy = type_aware_triplet_loss(
                self.compat, embeddings, self._categories(batch.item_ids), anchor, positive,
                batch.negative.to(device), config.margin, config.embed_weight, config.mask_weight)
            if self.attr is not None:
                assert self.pos_weight is not None
                attribute_maps = self.attr.maps_from_features(fmap) if self.shared else self.attr(images)[1]
                logits = attribute_maps.mean((2, 3))  # (B, A)
                targets = attribute_targets(batch.item_ids, self.names, self.labels).to(device)
                keep = self.colour_free if recoloured else slice(None)
                if not recoloured or len(self.colour_free):  # a colour-only vocabulary sits the step out
                    loss = loss + config.attribute_weight * balanced_bce(
                        logits.float()[:, keep], targets[:, keep], self.pos_weight[keep])
                if config.saliency_agreement:
                    held = torch.zeros_like(targets)
                    held[:, keep] = targets[:, keep]  # only attributes whose names still hold
                    loss = loss + SALIENCY_AGREEMENT_WEIGHT * pair_saliency_agreement(
                        self.compat, fmap, attribute_maps.float(), self._categories(batch.item_ids),
                        anchor, positive, held)
        return StepOutput(loss, {"triplet_accuracy": accuracy})

    def validate(self) -> dict[str, float | None]:
        if not self.valid_fitb:
            return {"valid_fitb": None}
        distance = network_distance(self.compat, self.cache, self.valid_items, self.category, self.prep,
                                    self.device)
        return {"valid_fitb": fitb_accuracy(distance, self.valid_fitb)}


def train(catalogue: Catalogue, config: TrainConfig, *, progress: Progress = no_progress,
          should_stop: CancelCheck = never_cancel, log: Callable[[str], None] = lambda _: None,
          device: torch.device | None = None,
          on_epoch: Callable[[HistoryEntry], None] = lambda _: None) -> TrainResult:
    """Train on ``catalogue`` with ``config``; the best epoch's networks come back on the CPU.

    ``progress(done, total, label)`` per decoded image and per step; ``should_stop()`` is checked
    between images and steps (True raises :class:`~sane_desktop.errors.Cancelled`); ``log`` gets one
    line per epoch; ``on_epoch`` each epoch's history entry as it lands (for a live learning curve).
    ``device`` defaults to :func:`~sane_desktop.models.pick_device`. Without training outfits the
    attribute network is trained alone (:func:`attribute_trainer.train_attributes`). Raises
    :class:`~sane_desktop.errors.InputError` when there is nothing to train on. The model's
    configuration keeps the outfits and items of the split it trained on
    (:func:`~sane_desktop.catalogue.provenance.training_record`), which evaluation checks."""
    with deterministic_algorithms():  # one seed, one model (on the CPU)
        result = _train(catalogue, config, Hooks(progress, should_stop, log, on_epoch), device)
    result.bundle.config[RECORD_KEY] = training_record(catalogue, result.bundle.config.get("protocol"))
    return result


def _train(catalogue: Catalogue, config: TrainConfig, hooks: Hooks, device: torch.device | None) -> TrainResult:
    """:func:`train`'s run, by the kind of training the configuration and the catalogue call for."""
    started = time.perf_counter()
    if config.freeze_trunk:  # a frozen pretrained trunk: heads on cached features
        return train_heads(catalogue, config, hooks, device=device, started=started)
    protocol = pick_protocol(catalogue) if catalogue.splits else None
    outfits = [o for o in outfits_in_split(catalogue, "train", protocol) if len(set(o.item_ids)) >= 2
               ] if protocol else []
    if not outfits:  # no outfits (H&M articles): the attribute network alone, on the item split
        return train_attributes(catalogue, config, hooks, device=device, started=started)
    categories = catalogue.categories()
    category = {item.item_id: categories.index(item.category) for item in catalogue.items}
    group = {item.item_id: item.group for item in catalogue.items}
    if (why := no_triplet_reason(outfits, category, group)) is not None:  # before any image is read
        raise InputError(why)
    random = seed_everything(config.seed)
    device = device or pick_device()
    prep = Preprocessing.for_trunk(config.trunk, config.image_size)
    names, labels = attribute_vocabulary(catalogue)
    valid_fitb, _ = questions_in_split(catalogue, "valid", protocol)
    valid_items = {i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]}
    train_items = list(dict.fromkeys(i for o in outfits for i in o.item_ids))
    needed = list(dict.fromkeys([*train_items, *sorted(valid_items)]))
    cache = ImageCache.build(catalogue, needed, prep, hooks.progress, hooks.should_stop)

    compat, attr, weights_label = _build_models(categories, names, config)
    memory = torch.channels_last if config.channels_last else torch.contiguous_format
    for module in (compat, attr):
        if module is not None:
            module.to(device).to(memory_format=memory)
    task = _OutfitTask(compat, attr, outfits, train_items, valid_fitb, cache, category, group, names, labels,
                       prep, config, random, device)
    optimiser, scheduler = make_optimiser(unique_parameters(compat, attr), config)
    outcome = fit(task, optimiser, scheduler, config, Clock(started, config.time_budget_s), hooks)
    release(compat, attr)
    bundle = ModelBundle(compat, attr, prep)
    bundle.config = {**config.as_dict(), "weights": weights_label, "protocol": protocol, "mode": "compatibility",
                     "best_epoch": outcome.best_epoch, "history": outcome.history,
                     "valid_questions": len(valid_fitb),  # what the best epoch was chosen on
                     # which (questions_digest of them alone): two runs of one digest chose on the same questions
                     "valid_questions_digest": questions_digest(valid_fitb, [], []),
                     # the pair spaces its outfits trained: the search compares no pair in another
                     "learnt_spaces": learnt_spaces(([category[i] for i in o.item_ids if i in category]
                                                     for o in outfits), len(categories))}
    return TrainResult(bundle, outcome.history, outcome.best_epoch, time.perf_counter() - started)
