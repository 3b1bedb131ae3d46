"""Attribute-only training for catalogues without outfits (H&M articles): the attribute network
alone on the train part of the item split (:func:`sane_desktop.catalogue.splits.item_split`, crc32
of the id, 80/10/10), keeping the epoch with the best valid attribute mAP. Deterministic by seed on
CPU. It runs the shared skeleton (:mod:`sane_desktop.training.loop`); this module supplies the step.

The checkpoint format is the usual one: the compatibility network is still built, sharing its trunk
with the attribute network, so the bundle saves and loads as any other; only its embedding head and
type-space masks stay untrained. ``bundle.config["mode"]`` is ``"attributes"``."""

from __future__ import annotations

import time

import numpy as np
import torch

from sane_desktop import precision
from sane_desktop.catalogue.splits import ITEM_PROTOCOL, attribute_vocabulary, item_split_ids
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.errors import InputError
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, pick_device
from sane_desktop.models.weights import load_trunk_weights
from sane_desktop.training.augment import training_views
from sane_desktop.training.data import ImageCache, attribute_targets
from sane_desktop.training.evaluation import attribute_scores, mean_average_precision, questions_digest
from sane_desktop.training.loop import (
    Clock, Hooks, RandomSources, StepOutput, TrainResult, fit, make_optimiser, release, seed_everything,
)
from sane_desktop.training.losses import balanced_bce, positive_weights
from sane_desktop.training.presets import TrainConfig

# An outfit step embeds about four items per outfit: keep the same number of images per step.
ITEMS_PER_OUTFIT = 4


def items_per_step(config: TrainConfig) -> int:
    """64 items with the cpu preset (16 outfits per step), 1,024 with the gpu preset."""
    return max(2, ITEMS_PER_OUTFIT * config.outfits_per_step)


class _AttributeTask:
    """The attribute step: :func:`items_per_step` train items, balanced BCE of the attribute logits.
    Validation: attribute mAP over the valid items (``valid_fitb`` stays None: no outfits)."""

    step_metrics: tuple[str, ...] = ()
    score_key = "valid_map"
    log_fields: tuple[tuple[str, str], ...] = (("valid mAP", "valid_map"),)

    def __init__(self, attr: AttributeNet, train_ids: list[str], valid_ids: list[str], cache: ImageCache,
                 names: list[str], labels: dict[str, list[str]], prep: Preprocessing, config: TrainConfig,
                 random: RandomSources, device: torch.device) -> None:
        self.attr = attr
        self.kept: tuple[torch.nn.Module, ...] = (attr,)  # holds the shared trunk too
        self.train_ids, self.valid_ids, self.cache = train_ids, valid_ids, cache
        self.names, self.labels = names, labels
        self.valid_targets = attribute_targets(valid_ids, names, labels).numpy()  # (V, A)
        self.prep, self.config, self.random, self.device = prep, config, random, device
        self.memory = torch.channels_last if config.channels_last else torch.contiguous_format
        self.use_bf16 = config.bf16 and precision.uses_bf16(device)
        self.pos_weight = positive_weights(attribute_targets(train_ids, names, labels)).to(device)
        self.batch_size = items_per_step(config)
        self.steps_per_epoch = max(1, -(-len(train_ids) // self.batch_size))
        self.order = np.empty(0, dtype=np.int64)  # drawn by begin_epoch

    def begin_epoch(self) -> None:
        self.attr.train()
        self.order = self.random.order.permutation(len(self.train_ids))

    def step(self, index: int) -> StepOutput:
        prep, device, size = self.prep, self.device, self.batch_size
        chosen = [self.train_ids[i] for i in self.order[index * size : (index + 1) * size]]
        images = prep.normalise(self.cache.images[self.cache.rows(chosen)])
        images = training_views(images, self.random.augment, augment=self.config.augment, flip=self.config.flip,
                                mean=prep.mean, std=prep.std)
        images = images.to(device).contiguous(memory_format=self.memory)
        targets = attribute_targets(chosen, self.names, self.labels).to(device)  # (B, A)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.use_bf16):
            logits = self.attr(images)[0]
        return StepOutput(balanced_bce(logits.float(), targets, self.pos_weight))

    def validate(self) -> dict[str, float | None]:
        valid = (mean_average_precision(attribute_scores(self.attr, self.cache, self.valid_ids, self.prep,
                                                         self.device), self.valid_targets)
                 if self.valid_ids else None)
        return {"valid_map": valid, "valid_fitb": None}


def train_attributes(catalogue: Catalogue, config: TrainConfig, hooks: Hooks = Hooks(), *,
                     device: torch.device | None = None, started: float | None = None) -> TrainResult:
    """Train the attribute network alone (``trainer.train`` calls this for outfit-less catalogues).

    ``started`` is the run's ``time.perf_counter()`` start (the time budget counts from it; default
    now). Raises :class:`~sane_desktop.errors.InputError` when there is nothing to train: no
    attributes, no train items, or ``config.attribute_trunk == "none"``; ``Cancelled`` as the loop."""
    started = time.perf_counter() if started is None else started
    if config.attribute_trunk == "none":
        raise InputError("the catalogue has no training outfits, and attribute-only training needs the "
                         "attribute network (--attribute-trunk none leaves nothing to train)")
    if config.attribute_trunk == "separate":  # the compatibility net is not trained: a second trunk is waste
        hooks.log("attribute-only training: using one shared trunk (--attribute-trunk separate ignored)")
    random = seed_everything(config.seed)
    device = device or pick_device()
    prep = Preprocessing(size=config.image_size)
    names, labels = attribute_vocabulary(catalogue)
    if not names:
        raise InputError("the catalogue has neither training outfits nor attributes to train on"
                         + catalogue.left_out_words())
    train_ids, valid_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, "valid")
    if not train_ids:
        raise InputError("no items in the train part of the item split")
    cache = ImageCache.build(catalogue, [*train_ids, *valid_ids], prep, hooks.progress, hooks.should_stop)

    compat = CompatibilityNet(catalogue.categories(), embed_dim=config.embed_dim, width=config.width)
    weights_label = load_trunk_weights(compat.trunk, config.weights)
    attr = AttributeNet(names, width=config.width, trunk=compat.trunk)
    memory = torch.channels_last if config.channels_last else torch.contiguous_format
    compat.to(device).to(memory_format=memory)
    attr.to(device).to(memory_format=memory)
    task = _AttributeTask(attr, train_ids, valid_ids, cache, names, labels, prep, config, random, device)
    optimiser, scheduler = make_optimiser(list(attr.parameters()), config)  # trunk + head
    outcome = fit(task, optimiser, scheduler, config, Clock(started, config.time_budget_s), hooks)
    release(compat, attr)
    bundle = ModelBundle(compat, attr, prep)
    bundle.config = {**config.as_dict(), "attribute_trunk": "shared", "weights": weights_label,
                     "protocol": ITEM_PROTOCOL, "mode": "attributes", "items_per_step": task.batch_size,
                     "best_epoch": outcome.best_epoch, "history": outcome.history,
                     # the validation items the best epoch was chosen on (questions_digest of them alone)
                     "valid_questions_digest": questions_digest([], [], valid_ids)}
    return TrainResult(bundle, outcome.history, outcome.best_epoch, time.perf_counter() - started)
