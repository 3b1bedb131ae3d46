"""Heads on a frozen pretrained trunk (issue 16: a model per catalogue in minutes on a laptop).

The trunk (ImageNet EfficientNet-Lite0, :mod:`sane_desktop.models.backbone`) stays as it is; each
image's cell features F_k go through it once (:mod:`sane_desktop.training.features`, cached). The
heads are linear in the cells, so they train on the *pooled* features F̄ = mean_k F_k exactly:

- type-aware compatibility head (Vasileva et al., ECCV 2018): E(x) = W F̄ + b = mean_k (W F_k + b)
  and the per-pair masks, with the type-aware triplet loss of :mod:`.losses` on the catalogue's train
  outfits (negatives of the positive's category and group, e.g. MANGO's season), best valid FITB kept.
  With attention pooling (`--pooling attention`, opt-in) F̄ is Σ_k a_k F_k, a = softmax_k(v·F_k + c) learnt
  with the head (Ilse et al., ICML 2018), so it trains on the cells themselves (float16 in memory);
- attribute head (SANE, Plummer et al., ECCV 2020): the 1×1 convolution to one map per attribute is
  the linear map W_a applied per cell, so its logit (the map's mean) is W_a F̄ + b_a; class-balanced
  BCE on the train items' attributes, best valid mAP kept.

No image is decoded during the epochs: 9,222 MANGO items train in about a minute on 2 CPU cores.
Catalogues without outfits get the attribute head and a general-space head: the compatibility head's
W is the catalogue's principal components of F̄ (a "visually similar" space of the pretrained trunk),
so general-space cosines approximate the trunk features' own."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch

from sane_desktop.catalogue.splits import (
    ITEM_PROTOCOL, attribute_vocabulary, item_split_ids, outfits_in_split, pick_protocol, questions_in_split,
)
from sane_desktop.catalogue.types import Catalogue, FitbQuestion, OutfitRecord
from sane_desktop.errors import InputError
from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, pick_device
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.models.weights import IMAGENET, load_trunk_weights, trunk_digest
from sane_desktop.training.data import attribute_targets
from sane_desktop.training.evaluation import (
    PairDistance, embedding_distance, fitb_accuracy, mean_average_precision, questions_digest,
)
from sane_desktop.training.features import CellRows, PooledFeatures, pooled_features
from sane_desktop.training.loop import (
    Clock, Hooks, HistoryEntry, RandomSources, StepOutput, TrainResult, fit, make_optimiser, seed_everything,
)
from sane_desktop.training.losses import balanced_bce, positive_weights, type_aware_triplet_loss
from sane_desktop.training.presets import TrainConfig, preset
from sane_desktop.training.sampling import no_triplet_reason, outfit_triplets
from sane_desktop.type_spaces import learnt_spaces

ATTRIBUTE_ITEMS_PER_STEP = 256
# The attribute head's own schedule: a linear head learns faster than the type-aware one (measured on
# H&M's *valid* items: 0.33 mAP after 30 epochs at the compatibility head's 3e-4, 0.42 at 3e-3
# decaying 0.95 per epoch, without weight decay)
ATTRIBUTE_LEARNING_RATE, ATTRIBUTE_LR_DECAY = 3e-3, 0.95


def pretrained_bundle(categories: list[str], attributes: list[str], config: TrainConfig) -> ModelBundle:
    """Networks around the frozen ImageNet trunk ``config.trunk`` (heads freshly initialised from
    torch's global generator); raises WeightsError when the trunk's package is missing."""
    compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=config.width, trunk=config.trunk,
                              pooling=config.pooling)
    load_trunk_weights(compat.trunk, IMAGENET)
    compat.trunk.requires_grad_(False)
    attr = AttributeNet(attributes, trunk=compat.trunk) if attributes else None
    prep = Preprocessing.for_trunk(config.trunk, config.image_size)
    return ModelBundle(compat.eval(), None if attr is None else attr.eval(), prep,
                       {"trunk_frozen": True, "trunk_weights": IMAGENET, "trunk_sha256": trunk_digest(compat.trunk)})


VALID_ROWS_PER_CHUNK = 512  # valid items whose cells are pooled at once (memory: 0.3 MB each at 224 px)


def _cell_spread(cells: CellRows | torch.Tensor, rows: torch.Tensor, mean: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """(C,) the spread per channel of the cells of ``rows`` about ``mean`` (the pooled features' mean
    is the cells' too), over every cell, in float64 chunks of float16 ``cells`` (N, K, C)."""
    total = torch.zeros(cells.shape[2], dtype=torch.float64)
    for part in rows.split(chunk):
        total += ((cells[part].double() - mean.double().cpu()) ** 2).sum((0, 1))
    count = max(1, len(rows) * cells.shape[1] - 1)
    return (total / count).sqrt().float() + 1e-3


class _HeadOutfitTask:
    """Triplet steps on pooled features: ``outfits_per_step`` outfits per step."""

    step_metrics: tuple[str, ...] = ("triplet_accuracy",)
    score_key = "valid_fitb"
    log_fields: tuple[tuple[str, str], ...] = (("triplet acc", "triplet_accuracy"), ("valid FITB", "valid_fitb"))

    def __init__(self, compat: CompatibilityNet, features: torch.Tensor, row: dict[str, int],
                 outfits: list[OutfitRecord], valid_fitb: list[FitbQuestion], category: dict[str, int],
                 group: dict[str, str], config: TrainConfig, random: RandomSources,
                 cells: CellRows | torch.Tensor | None = None) -> None:
        # Standardised inputs (train items' mean and spread per channel) with dropout: measured on
        # MANGO's disjoint *valid* questions, +0.03 FITB over raw features. The scaling is folded
        # into W and b afterwards (fold_standardisation), so E(x) stays W F̄ + b, exact per cell.
        train_rows = torch.tensor(sorted({row[i] for o in outfits for i in o.item_ids}))
        self.mean = features[train_rows].mean(0)
        self.scale = features[train_rows].std(0) + 1e-3
        self.dropout = torch.nn.Dropout(config.feature_dropout)
        if compat.attention is not None and cells is None:
            raise ValueError("an attention-pooled head trains on the cells: pass them")
        # attention scores see each cell standardised by the cells' own spread (wider than the
        # pooled features'); folded into v and c afterwards as the pooled scaling is into W and b
        self.cells = cells if compat.attention is not None else None
        self.cell_scale = _cell_spread(self.cells, train_rows, self.mean) if self.cells is not None else self.scale
        features = (features - self.mean) / self.scale
        self.compat, self.features, self.row = compat, features, row
        self.kept: tuple[torch.nn.Module, ...] = (compat,)
        self.outfits, self.valid_fitb = outfits, valid_fitb
        self.category, self.group, self.config, self.random = category, group, config, random
        self.steps_per_epoch = max(1, -(-len(outfits) // config.outfits_per_step))
        self.order = np.empty(0, dtype=np.int64)
        self.valid_items = sorted({i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]})

    def begin_epoch(self) -> None:
        self.compat.embed.train()
        self.order = self.random.order.permutation(len(self.outfits))

    def step(self, index: int) -> StepOutput | None:
        size = self.config.outfits_per_step
        chosen = [self.outfits[i] for i in self.order[index * size : (index + 1) * size]]
        batch = outfit_triplets(chosen, self.category, self.group, self.random.order, self.config.max_pairs_per_outfit)
        if len(batch.anchor) == 0:
            return None
        pooled = self._pooled(torch.tensor([self.row[i] for i in batch.item_ids]))
        embeddings = self.compat.embed(self.dropout.train()(pooled))  # E(x) = W F̄ + b
        categories = torch.tensor([self.category[i] for i in batch.item_ids])
        loss, accuracy = type_aware_triplet_loss(self.compat, embeddings, categories, batch.anchor, batch.positive,
                                                 batch.negative, self.config.margin, self.config.embed_weight,
                                                 self.config.mask_weight)
        return StepOutput(loss, {"triplet_accuracy": accuracy})

    def _pooled(self, rows: torch.Tensor) -> torch.Tensor:
        """Standardised pooled features (B, C) of feature rows: the mean's are precomputed; the
        attention's are Σ_k a_k F_k of the rows' cells, standardised as the mean's."""
        if self.cells is None:
            return self.features[rows]
        device = self.features.device
        cells = self.cells[rows].to(device).float()  # (B, K, C)
        weights = self.compat.cell_weights((cells - self.mean.to(device)) / self.cell_scale.to(device))
        return ((weights[..., None] * cells).sum(1) - self.mean.to(device)) / self.scale.to(device)

    def fold_standardisation(self) -> None:
        """W (x − μ)/σ + b  =  (W/σ) x + (b − (W/σ) μ): the trained head on raw features; the same
        for the attention scorer v·(F_k − μ)/s + c."""
        pairs = [(self.compat.embed, self.scale)]
        if self.compat.attention is not None:
            pairs.append((self.compat.attention, self.cell_scale))
        with torch.no_grad():
            for layer, scale in pairs:
                weight = layer.weight / scale.to(layer.weight.device)
                layer.bias.copy_(layer.bias - weight @ self.mean.to(weight.device))
                layer.weight.copy_(weight)

    def validate(self) -> dict[str, float | None]:
        if not self.valid_fitb:
            return {"valid_fitb": None}
        self.compat.eval()
        rows = torch.tensor([self.row[i] for i in self.valid_items])
        # valid_fitb is non-empty, so rows is too: at least one chunk
        embeddings = torch.cat([self.compat.embed(self._pooled(part)) for part in rows.split(VALID_ROWS_PER_CHUNK)])
        distance = embedding_distance(self.compat, embeddings, self.valid_items, self.category)
        return {"valid_fitb": fitb_accuracy(distance, self.valid_fitb)}


class _HeadAttributeTask:
    """Balanced-BCE steps of the attribute head on pooled features, standardised per channel (the
    train items' mean and spread) with dropout, as the compatibility head's; the scaling is folded
    into the 1×1 convolution afterwards (:meth:`fold_standardisation`), so each cell's map stays
    W F_k + b. Measured on H&M's *valid* items: mAP 0.416 → 0.430 with the plain trunk, and channels
    of another scale (the colour cells beside Lite0's 1280) get their share of the fit."""

    step_metrics: tuple[str, ...] = ()
    score_key = "valid_map"
    log_fields: tuple[tuple[str, str], ...] = (("valid mAP", "valid_map"),)

    def __init__(self, attr: AttributeNet, features: torch.Tensor, row: dict[str, int], train_ids: list[str],
                 valid_ids: list[str], names: list[str], labels: dict[str, list[str]], random: RandomSources,
                 dropout: float = 0.0) -> None:
        self.attr, self.row, self.random = attr, row, random
        train_rows = torch.tensor([row[i] for i in train_ids], dtype=torch.long)
        self.mean = features[train_rows].mean(0)
        self.scale = features[train_rows].std(0) + 1e-3
        self.features = (features - self.mean) / self.scale
        self.dropout = torch.nn.Dropout(dropout)
        self.kept: tuple[torch.nn.Module, ...] = (attr.head,)
        self.train_ids, self.valid_ids = train_ids, valid_ids
        self.targets = attribute_targets(train_ids, names, labels)
        self.valid_targets = attribute_targets(valid_ids, names, labels).numpy()
        self.pos_weight = positive_weights(self.targets)
        self.train_rows = torch.tensor([row[i] for i in train_ids])
        self.valid_rows = torch.tensor([row[i] for i in valid_ids], dtype=torch.long)
        self.steps_per_epoch = max(1, -(-len(train_ids) // ATTRIBUTE_ITEMS_PER_STEP))
        self.order = np.empty(0, dtype=np.int64)

    def _logits(self, pooled: torch.Tensor) -> torch.Tensor:
        head = self.attr.head  # the 1x1 convolution as a linear map of the pooled features
        return torch.nn.functional.linear(pooled, head.weight.flatten(1), head.bias)

    def begin_epoch(self) -> None:
        self.order = self.random.order.permutation(len(self.train_ids))

    def step(self, index: int) -> StepOutput:
        chosen = torch.as_tensor(self.order[index * ATTRIBUTE_ITEMS_PER_STEP : (index + 1) * ATTRIBUTE_ITEMS_PER_STEP])
        logits = self._logits(self.dropout.train()(self.features[self.train_rows[chosen]]))
        return StepOutput(balanced_bce(logits, self.targets[chosen], self.pos_weight))

    def fold_standardisation(self) -> None:
        """W (x − μ)/σ + b  =  (W/σ) x + (b − (W/σ) μ): the trained head on raw cell features."""
        head, bias = self.attr.head, self.attr.head.bias
        assert bias is not None  # the attribute head's 1×1 convolution has one
        with torch.no_grad():
            weight = head.weight.flatten(1) / self.scale.to(head.weight.device)
            bias.copy_(bias - weight @ self.mean.to(weight.device))
            head.weight.copy_(weight.view_as(head.weight))

    def validate(self) -> dict[str, float | None]:
        if not len(self.valid_rows):
            return {"valid_map": None}
        scores = torch.sigmoid(self._logits(self.features[self.valid_rows])).numpy()
        return {"valid_map": mean_average_precision(scores, self.valid_targets)}


RANDOM_FEATURE_DIM = 256
RANDOM_FEATURE_EPOCHS = 10


def random_item_features(item_ids: Sequence[str], seed: int = 0, dim: int = RANDOM_FEATURE_DIM) -> torch.Tensor:
    """(N, dim) float32: a fixed Gaussian vector per item id (seeded by crc32 of seed and id), the
    same on every run: features that identify an item and say nothing about its picture."""
    rows = [np.random.default_rng(zlib.crc32(f"{seed}:{item_id}".encode())).standard_normal(dim)
            for item_id in item_ids]
    return torch.from_numpy(np.stack(rows).astype(np.float32)) if rows else torch.empty(0, dim)


def random_features_distance(catalogue: Catalogue, protocol: str, categories: list[str], item_ids: Sequence[str],
                             seed: int = 0, epochs: int = RANDOM_FEATURE_EPOCHS) -> tuple[PairDistance, bool]:
    """The random-features baseline (issue 16): a type-aware head trained, exactly as a model's heads
    are, on :func:`random_item_features` of the items of ``protocol``'s train outfits, then asked
    about ``item_ids``. It can only remember which items went together, so it scores well where a
    protocol's test questions reuse training items (leakage) and at chance where they cannot.
    Also whether it was trained: with no triplet to draw from the train outfits it is not, and its chance
    figures say nothing of leakage (the report says so)."""
    outfits = [o for o in outfits_in_split(catalogue, "train", protocol) if len(set(o.item_ids)) >= 2]
    ids = list(dict.fromkeys([*(i for o in outfits for i in o.item_ids), *item_ids]))
    features = random_item_features(ids, seed)
    row = {item_id: n for n, item_id in enumerate(ids)}
    category = {item.item_id: categories.index(item.category) for item in catalogue.items
                if item.category in categories}
    group = {item.item_id: item.group for item in catalogue.items}
    config = replace(preset("pretrained"), epochs=epochs, seed=seed, time_budget_s=None)
    random = seed_everything(seed)
    compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=1)
    compat.embed = torch.nn.Linear(features.shape[1], config.embed_dim)
    outfits = [o for o in outfits if all(i in category for i in o.item_ids)]
    trained = False
    if outfits and no_triplet_reason(outfits, category, group) is None:  # else nothing to learn: left untrained
        task = _HeadOutfitTask(compat, features, row, outfits, [], category, group, config, random)
        optimiser, scheduler = make_optimiser([*compat.embed.parameters(), compat.masks], config)
        try:
            fit(task, optimiser, scheduler, config, Clock(time.perf_counter(), None), Hooks())
            trained = True
        except InputError:  # no batch drew a triplet (few outfits sharing a kind): the baseline stays untrained
            pass
        task.fold_standardisation()
    compat.eval()
    with torch.no_grad():
        embeddings = compat.embed(features[torch.tensor([row[i] for i in item_ids], dtype=torch.long)])
    return embedding_distance(compat, embeddings, list(item_ids), category), trained


def _general_head(compat: CompatibilityNet, features: torch.Tensor) -> None:
    """W = the top ``embed_dim`` principal directions of the pooled features, b = -W·mean: a
    general space where cosines follow the trunk's own (no outfits to learn compatibility from)."""
    mean = features.mean(0)
    _, _, vh = torch.linalg.svd(features - mean, full_matrices=False)
    basis = vh[: compat.embed_dim]  # (D, C)
    if basis.shape[0] < compat.embed_dim:  # fewer items than dimensions: pad with zeros
        basis = torch.cat([basis, basis.new_zeros(compat.embed_dim - basis.shape[0], basis.shape[1])])
    with torch.no_grad():
        compat.embed.weight.copy_(basis)
        compat.embed.bias.copy_(-basis @ mean)


def _phase_hooks(hooks: Hooks, phase: str, second: bool = False) -> Hooks:
    """``hooks`` for one phase of epochs: each history entry it hears carries ``phase``; the second
    phase's step labels read "attributes, epoch e/E" (the GUI's bar and words tell the phases apart)."""
    def progress(done: int, total: int, message: str = "") -> None:
        hooks.progress(done, total, f"{phase}, {message}" if second and message.startswith("epoch ") else message)

    return replace(hooks, progress=progress, on_epoch=lambda entry: hooks.on_epoch({**entry, "phase": phase}))


def train_heads(catalogue: Catalogue, config: TrainConfig, hooks: Hooks = Hooks(), *,
                device: torch.device | None = None, started: float | None = None) -> TrainResult:
    """Fit the heads of a frozen-trunk model on ``catalogue`` (``trainer.train`` calls this when
    ``config.freeze_trunk``). The returned bundle's ``config`` records the run; the history holds
    the compatibility epochs then the attribute epochs (``phase``). Raises InputError when there is
    nothing to train, WeightsError when the trunk's weights are missing, Cancelled on request."""
    started = time.perf_counter() if started is None else started
    random = seed_everything(config.seed)
    device = device or pick_device()
    protocol = pick_protocol(catalogue) if catalogue.splits else None
    outfits = [o for o in outfits_in_split(catalogue, "train", protocol) if len(set(o.item_ids)) >= 2
               ] if protocol else []
    names, labels = attribute_vocabulary(catalogue)
    if not outfits and not names:
        raise InputError("the catalogue has neither training outfits nor attributes to train on"
                         + catalogue.left_out_words())
    categories = catalogue.categories()
    if outfits:  # before the features are computed (minutes)
        index = {name: position for position, name in enumerate(categories)}
        why = no_triplet_reason(outfits, {item.item_id: index[item.category] for item in catalogue.items},
                                {item.item_id: item.group for item in catalogue.items})
        if why is not None:
            raise InputError(why)
    if not outfits:  # the general space's head is the principal components of the mean-pooled features
        config = replace(config, pooling="mean")
    bundle = pretrained_bundle(categories, names, config)
    compat, attr = bundle.compatibility.to(device), bundle.attributes
    if outfits:
        valid_fitb, _ = questions_in_split(catalogue, "valid", protocol)
        train_ids = list(dict.fromkeys(i for o in outfits for i in o.item_ids))
        valid_ids = list(dict.fromkeys(i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]))
    else:
        valid_fitb, protocol = [], ITEM_PROTOCOL
        train_ids, valid_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, "valid")
    if not train_ids:
        raise InputError("no items in the train split" + catalogue.left_out_words())
    pooled: PooledFeatures = pooled_features(catalogue, [*train_ids, *valid_ids], bundle,
                                             progress=hooks.progress, should_stop=hooks.should_stop,
                                             keep_cells=compat.attention is not None)
    features = pooled.features.to(device)
    # computing features may draw from torch's global generator (a DataLoader's worker seed), and a
    # run with every feature cached does not: seed the training draws (order, dropout) afresh
    random = seed_everything(config.seed)
    history: list[HistoryEntry] = []
    best_epoch, valid_map = 0, None
    clock = Clock(time.perf_counter(), config.time_budget_s)  # the budget is the heads': features are a one-off
    category = {item.item_id: categories.index(item.category) for item in catalogue.items}
    if outfits:
        group = {item.item_id: item.group for item in catalogue.items}
        task = _HeadOutfitTask(compat, features, pooled.row, outfits, valid_fitb, category, group, config, random,
                               pooled.cells)
        scorer = [] if compat.attention is None else list(compat.attention.parameters())
        optimiser, scheduler = make_optimiser([*compat.embed.parameters(), *scorer, compat.masks], config)
        outcome = fit(task, optimiser, scheduler, config, clock, _phase_hooks(hooks, "compatibility"))
        task.fold_standardisation()
        del task
        pooled = replace(pooled, cells=None)  # the cells' memory back before the attribute head
        history += [{**entry, "phase": "compatibility"} for entry in outcome.history]
        best_epoch = outcome.best_epoch
    else:
        _general_head(compat, features[pooled.rows(train_ids).to(device)])
    if attr is not None:
        attribute_ids = train_ids
        task_a = _HeadAttributeTask(attr.to(device), features, pooled.row, attribute_ids, valid_ids, names,
                                    labels, random, config.feature_dropout)
        attribute_config = replace(config, learning_rate=ATTRIBUTE_LEARNING_RATE, lr_decay=ATTRIBUTE_LR_DECAY,
                                   weight_decay=0.0)
        optimiser, scheduler = make_optimiser(list(attr.head.parameters()), attribute_config)
        # a second phase of epochs says so: its "epoch 1/E" after the outfit epochs' "epoch E/E" read
        # as the run going back, and its scores joined the outfit scores' curve in the window
        outcome_a = fit(task_a, optimiser, scheduler, attribute_config,
                        Clock(time.perf_counter(), config.time_budget_s),
                        _phase_hooks(hooks, "attributes", second=bool(outfits)))
        task_a.fold_standardisation()
        history += [{**entry, "phase": "attributes"} for entry in outcome_a.history]
        best_epoch = best_epoch or outcome_a.best_epoch
        valid_map = outcome_a.history[outcome_a.best_epoch - 1].get("valid_map")
    compat.cpu().eval()
    if attr is not None:
        attr.cpu().eval()
    bundle.config = {**config.as_dict(), **bundle.config, "protocol": protocol,
                     # (how many photos this run put through the trunk is the run's, not the model's: recorded, it
                     # gave one seed two content hashes, a cold cache's and a warm one's: trial EC)
                     "mode": "compatibility" if outfits else "attributes",
                     "valid_map": valid_map, "valid_questions": len(valid_fitb),  # what the best epoch was chosen on
                     # which (questions_digest of them alone): two runs of one digest chose on the same questions
                     "valid_questions_digest": questions_digest(valid_fitb, [], [] if outfits else valid_ids),
                     "best_epoch": best_epoch, "history": history,
                     # the pair spaces its outfits trained: the search compares no pair in another
                     "learnt_spaces": learnt_spaces(([category[i] for i in o.item_ids if i in category]
                                                     for o in outfits), len(categories))}
    return TrainResult(bundle, history, best_epoch, time.perf_counter() - started, features_computed=pooled.computed)
