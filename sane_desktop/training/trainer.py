"""Train the compatibility network (and the attribute network) on a catalogue's train split,
keeping the epoch with the best valid FITB. Deterministic by seed on CPU. Catalogues without
training outfits go to attribute_trainer.py (the attribute network alone, best valid mAP)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from sane_desktop import precision
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, pick_device
from sane_desktop.models.weights import load_trunk_weights
from sane_desktop.progress import Cancelled, CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.training.augment import batch_palette_change, training_views
from sane_desktop.training.data import (
    ImageCache,
    attribute_targets,
    attribute_vocabulary,
    pick_protocol,
    split_outfits,
    split_questions,
)
from sane_desktop.training.evaluation import fitb_accuracy, network_distance
from sane_desktop.explain.attribute_choice import SALIENCY_AGREEMENT_WEIGHT
from sane_desktop.training.losses import (
    balanced_bce, pair_saliency_agreement, positive_weights, type_aware_triplet_loss,
)
from sane_desktop.training.presets import TrainConfig
from sane_desktop.training.sampling import outfit_triplets


@dataclass
class TrainResult:
    bundle: ModelBundle
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def _build_models(categories: list[str], attributes: list[str], config: TrainConfig
                  ) -> tuple[CompatibilityNet, AttributeNet | None, str]:
    compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=config.width)
    label = load_trunk_weights(compat.trunk, config.weights)
    attr = None
    if attributes and config.attribute_trunk != "none":
        shared = config.attribute_trunk == "shared"
        attr = AttributeNet(attributes, width=config.width, trunk=compat.trunk if shared else None)
        if not shared:
            load_trunk_weights(attr.trunk, config.weights)
    return compat, attr, label


def _parameters(*modules: torch.nn.Module | None) -> list[torch.nn.Parameter]:
    seen: dict[int, torch.nn.Parameter] = {}
    for module in modules:
        if module is not None:
            for parameter in module.parameters():
                seen.setdefault(id(parameter), parameter)
    return list(seen.values())


def train(catalogue: Catalogue, config: TrainConfig, *, progress: Progress = no_progress,
          should_stop: CancelCheck = never_cancel, log: Callable[[str], None] = lambda _: None,
          device: torch.device | None = None,
          on_epoch: Callable[[dict[str, Any]], None] = lambda _: None) -> TrainResult:
    """``on_epoch`` receives each epoch's history entry as it lands (for a live learning curve)."""
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    augment_rng = torch.Generator().manual_seed(config.seed)
    device = device or pick_device()
    prep = Preprocessing(size=config.image_size)
    categories = catalogue.categories()
    category = {item.item_id: categories.index(item.category) for item in catalogue.items}
    group = {item.item_id: item.group for item in catalogue.items}
    names, labels = attribute_vocabulary(catalogue)
    protocol = pick_protocol(catalogue) if catalogue.splits else None
    outfits = [o for o in split_outfits(catalogue, "train", protocol) if len(set(o.item_ids)) >= 2
               ] if protocol else []
    if not outfits:  # no outfits (H&M articles): the attribute network alone, on the item split
        from sane_desktop.training.attribute_trainer import train_attributes  # imports this module

        return train_attributes(catalogue, config, progress=progress, should_stop=should_stop, log=log,
                                device=device, on_epoch=on_epoch)
    valid_fitb, _ = split_questions(catalogue, "valid", protocol)
    valid_items = {i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]}
    train_items = list(dict.fromkeys(i for o in outfits for i in o.item_ids))
    needed = list(dict.fromkeys([*train_items, *sorted(valid_items)]))
    cache = ImageCache.build(catalogue, needed, prep, progress, should_stop)

    compat, attr, weights_label = _build_models(categories, names, config)
    compat.to(device)
    if attr is not None:
        attr.to(device)
    memory = torch.channels_last if config.channels_last else torch.contiguous_format
    compat.to(memory_format=memory)
    if attr is not None:
        attr.to(memory_format=memory)
    shared = attr is not None and attr.trunk is compat.trunk
    pos_weight = positive_weights(attribute_targets(train_items, names, labels)).to(device) if attr else None
    colour_free = torch.tensor([j for j, n in enumerate(names) if not n.startswith("colour:")], dtype=torch.long,
                               device=device)
    optimiser = torch.optim.Adam(_parameters(compat, attr), lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=config.lr_decay)
    category_tensor = lambda ids: torch.tensor([category[i] for i in ids], device=device)  # noqa: E731
    use_bf16 = config.bf16 and precision.uses_bf16(device)
    steps_per_epoch = max(1, -(-len(outfits) // config.outfits_per_step))
    result = TrainResult(bundle=ModelBundle(compat, attr, prep))
    best_score, best_state = -1.0, None
    out_of_time = False
    for epoch in range(1, config.epochs + 1):
        compat.train()
        if attr is not None:
            attr.train()
        order = rng.permutation(len(outfits))
        losses, accuracies = [], []
        for step in range(steps_per_epoch):
            if should_stop():
                raise Cancelled()
            chosen = [outfits[i] for i in order[step * config.outfits_per_step : (step + 1) * config.outfits_per_step]]
            batch = outfit_triplets(chosen, category, group, rng, config.max_pairs_per_outfit)
            if len(batch.anchor) == 0:
                continue
            images = prep.normalise(cache.images[cache.rows(batch.item_ids)])
            images = training_views(images, augment_rng, augment=config.augment, flip=config.flip,
                                    mean=prep.mean, std=prep.std)
            recoloured = config.palette_steps > 0 and float(torch.rand(1, generator=augment_rng)) < config.palette_steps
            if recoloured:
                images = batch_palette_change(images, augment_rng, prep.mean, prep.std)
            images = images.to(device).contiguous(memory_format=memory)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                fmap = compat.trunk(images)
                embeddings = compat.embed(fmap.flatten(2).transpose(1, 2)).mean(1).float()
                loss, accuracy = type_aware_triplet_loss(
                    compat, embeddings, category_tensor(batch.item_ids), batch.anchor.to(device),
                    batch.positive.to(device), batch.negative.to(device), config.margin,
                    config.embed_weight, config.mask_weight)
                if attr is not None:
                    attribute_maps = attr.maps_from_features(fmap) if shared else attr(images)[1]
                    logits = attribute_maps.mean((2, 3))
                    targets = attribute_targets(batch.item_ids, names, labels).to(device)
                    # a changed palette keeps patterns and motifs but not the colour names
                    keep = colour_free if recoloured else slice(None)
                    if not recoloured or len(colour_free):  # a colour-only vocabulary sits the step out
                        loss = loss + config.attribute_weight * balanced_bce(
                            logits.float()[:, keep], targets[:, keep], pos_weight[keep])
                    if config.saliency_agreement:
                        held = torch.zeros_like(targets)
                        held[:, keep] = targets[:, keep]  # only attributes whose names still hold
                        loss = loss + SALIENCY_AGREEMENT_WEIGHT * pair_saliency_agreement(
                            compat, fmap, attribute_maps.float(), category_tensor(batch.item_ids),
                            batch.anchor.to(device), batch.positive.to(device), held)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
            accuracies.append(float(accuracy))
            progress(step + 1, steps_per_epoch, f"epoch {epoch}/{config.epochs}")
            if config.time_budget_s and time.perf_counter() - started > config.time_budget_s:
                out_of_time = True
                break
        scheduler.step()
        distance = network_distance(compat, cache, sorted(valid_items), category, prep, device)
        valid = fitb_accuracy(distance, valid_fitb) if valid_fitb else None
        entry = {"epoch": epoch, "loss": float(np.mean(losses)) if losses else None,
                 "triplet_accuracy": float(np.mean(accuracies)) if accuracies else None,
                 "valid_fitb": valid, "seconds": round(time.perf_counter() - started, 1)}
        result.history.append(entry)
        on_epoch(dict(entry))
        log(f"epoch {epoch}: loss {entry['loss']:.4f} triplet acc {entry['triplet_accuracy']:.3f} "
            f"valid FITB {valid if valid is None else f'{valid:.3f}'} ({entry['seconds']} s)")
        score = valid if valid is not None else epoch  # no valid questions: keep the last epoch
        if score > best_score:
            best_score, result.best_epoch = score, epoch
            best_state = (copy.deepcopy(compat.state_dict()),
                          copy.deepcopy(attr.state_dict()) if attr is not None else None)
        if out_of_time:
            log(f"time budget of {config.time_budget_s} s reached; stopping")
            break
    assert best_state is not None
    compat.load_state_dict(best_state[0])
    if attr is not None:
        attr.load_state_dict(best_state[1])
    compat.to(memory_format=torch.contiguous_format).cpu().eval()
    if attr is not None:
        attr.to(memory_format=torch.contiguous_format).cpu().eval()
    result.seconds = time.perf_counter() - started
    result.bundle.config = {**config.as_dict(), "weights": weights_label, "protocol": protocol,
                            "mode": "compatibility", "best_epoch": result.best_epoch, "history": result.history}
    return result
