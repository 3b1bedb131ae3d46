"""Attribute-only training for catalogues without outfits (H&M articles): the attribute network
alone on the train part of the item split (``data.item_split``, crc32 of the id, 80/10/10), keeping
the epoch with the best valid attribute mAP. Deterministic by seed on CPU.

The checkpoint format is the usual one: the compatibility network is still built, sharing its trunk
with the attribute network, so the bundle saves and loads as any other; only its embedding head and
type-space masks stay untrained. ``bundle.config["mode"]`` is ``"attributes"``."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from sane_desktop.errors import InputError
from sane_desktop import precision
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, pick_device
from sane_desktop.models.weights import load_trunk_weights
from sane_desktop.progress import Cancelled, CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.training.augment import training_views
from sane_desktop.training.data import (
    ITEM_PROTOCOL, ImageCache, attribute_targets, attribute_vocabulary, item_split_ids,
)
from sane_desktop.training.evaluation import attribute_scores, mean_average_precision
from sane_desktop.training.losses import balanced_bce, positive_weights
from sane_desktop.training.presets import TrainConfig
from sane_desktop.training.trainer import TrainResult

# An outfit step embeds about four items per outfit: keep the same number of images per step.
ITEMS_PER_OUTFIT = 4


def items_per_step(config: TrainConfig) -> int:
    """64 items with the cpu preset (16 outfits per step), 1,024 with the gpu preset."""
    return max(2, ITEMS_PER_OUTFIT * config.outfits_per_step)


def train_attributes(catalogue: Catalogue, config: TrainConfig, *, progress: Progress = no_progress,
                     should_stop: CancelCheck = never_cancel, log: Callable[[str], None] = lambda _: None,
                     device: torch.device | None = None,
                     on_epoch: Callable[[dict[str, Any]], None] = lambda _: None) -> TrainResult:
    started = time.perf_counter()
    if config.attribute_trunk == "none":
        raise InputError("the catalogue has no training outfits, and attribute-only training needs the "
                         "attribute network (--attribute-trunk none leaves nothing to train)")
    if config.attribute_trunk == "separate":  # the compatibility net is not trained: a second trunk is waste
        log("attribute-only training: using one shared trunk (--attribute-trunk separate ignored)")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    augment_rng = torch.Generator().manual_seed(config.seed)
    device = device or pick_device()
    prep = Preprocessing(size=config.image_size)
    names, labels = attribute_vocabulary(catalogue)
    if not names:
        raise InputError("the catalogue has neither training outfits nor attributes to train on")
    train_ids, valid_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, "valid")
    if not train_ids:
        raise InputError("no items in the train part of the item split")
    cache = ImageCache.build(catalogue, [*train_ids, *valid_ids], prep, progress, should_stop)
    valid_targets = attribute_targets(valid_ids, names, labels).numpy()

    compat = CompatibilityNet(catalogue.categories(), embed_dim=config.embed_dim, width=config.width)
    weights_label = load_trunk_weights(compat.trunk, config.weights)
    attr = AttributeNet(names, width=config.width, trunk=compat.trunk)
    memory = torch.channels_last if config.channels_last else torch.contiguous_format
    compat.to(device).to(memory_format=memory)
    attr.to(device).to(memory_format=memory)
    pos_weight = positive_weights(attribute_targets(train_ids, names, labels)).to(device)
    optimiser = torch.optim.Adam(attr.parameters(), lr=config.learning_rate)  # trunk + head
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=config.lr_decay)
    use_bf16 = config.bf16 and precision.uses_bf16(device)
    batch_size = items_per_step(config)
    steps_per_epoch = max(1, -(-len(train_ids) // batch_size))
    result = TrainResult(bundle=ModelBundle(compat, attr, prep))
    best_score, best_state = -1.0, None
    out_of_time = False
    for epoch in range(1, config.epochs + 1):
        attr.train()
        order = rng.permutation(len(train_ids))
        losses = []
        for step in range(steps_per_epoch):
            if should_stop():
                raise Cancelled()
            chosen = [train_ids[i] for i in order[step * batch_size : (step + 1) * batch_size]]
            images = prep.normalise(cache.images[cache.rows(chosen)])
            images = training_views(images, augment_rng, augment=config.augment, flip=config.flip,
                                    mean=prep.mean, std=prep.std)
            images = images.to(device).contiguous(memory_format=memory)
            targets = attribute_targets(chosen, names, labels).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                logits = attr(images)[0]
            loss = balanced_bce(logits.float(), targets, pos_weight)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
            progress(step + 1, steps_per_epoch, f"epoch {epoch}/{config.epochs}")
            if config.time_budget_s and time.perf_counter() - started > config.time_budget_s:
                out_of_time = True
                break
        scheduler.step()
        valid = (mean_average_precision(attribute_scores(attr, cache, valid_ids, prep, device), valid_targets)
                 if valid_ids else None)
        entry = {"epoch": epoch, "loss": float(np.mean(losses)) if losses else None, "valid_map": valid,
                 "valid_fitb": None, "seconds": round(time.perf_counter() - started, 1)}
        result.history.append(entry)
        on_epoch(dict(entry))
        loss_text = "n/a" if entry["loss"] is None else f"{entry['loss']:.4f}"
        log(f"epoch {epoch}: loss {loss_text} valid mAP {valid if valid is None else f'{valid:.3f}'} "
            f"({entry['seconds']} s)")
        score = valid if valid is not None else epoch  # no valid attribute to rank by: keep the last epoch
        if score > best_score:
            best_score, result.best_epoch = score, epoch
            best_state = copy.deepcopy(attr.state_dict())  # holds the shared trunk too
        if out_of_time:
            log(f"time budget of {config.time_budget_s} s reached; stopping")
            break
    assert best_state is not None
    attr.load_state_dict(best_state)
    compat.to(memory_format=torch.contiguous_format).cpu().eval()
    attr.to(memory_format=torch.contiguous_format).cpu().eval()
    result.seconds = time.perf_counter() - started
    result.bundle.config = {**config.as_dict(), "attribute_trunk": "shared", "weights": weights_label,
                            "protocol": ITEM_PROTOCOL, "mode": "attributes", "items_per_step": batch_size,
                            "best_epoch": result.best_epoch, "history": result.history}
    return result
