"""Does the frozen-trunk compatibility head gain from more training pairs or a multi-negative loss?
(issue 16: MANGO's item-disjoint FITB ≥ 0.55 without fine-tuning the trunk). Valid questions only.

    .venv/bin/python bench/experiments/head_variants.py CATALOGUE [--variants base,partial,nce,mlp] [--json OUT]

Every variant fits the ``pretrained`` preset's type-aware head (Vasileva et al., ECCV 2018) on the
same cached pooled features (:func:`sane_desktop.training.features.pooled_features`), same seed and
time budget, on the item-disjoint protocol's train outfits, and is scored on its *valid* FITB and
compatibility questions (test is never looked at), FITB paired against ``base`` question by question
(95 % bootstrap interval, 5,000 resamples, seed 0):

- ``base``: what ``train`` does (:class:`~sane_desktop.training.head_trainer._HeadOutfitTask`);
- ``partial``: plus each *dropped* outfit (one sharing an item with a valid/test outfit, so in no
  split) cut down to its items in no valid/test outfit, when two or more remain: about twice the
  outfits, and still no held-out item in training;
- ``nce``: each (anchor, positive) pair against up to 32 negatives of the positive's category and
  group from the step's other outfits, InfoNCE on type-space distances (temperature 0.1) instead of
  one triplet;
- ``mlp``: a two-layer head (1476 → 512, ReLU, dropout 0.2, → 64) instead of the linear one, a probe
  of whether the frozen features hold more than a linear map reads: it would not be shippable as is,
  since the embedding of the mean of the cells is then no longer the mean of per-cell embeddings
  (the fast explanation's exact decomposition).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.splits import outfits_in_split, questions_in_split
from sane_desktop.catalogue.types import Catalogue, OutfitRecord
from sane_desktop.models import CompatibilityNet
from sane_desktop.training.evaluation import compatibility_auc, embedding_distance, fitb_answers
from sane_desktop.training.features import pooled_features
from sane_desktop.training.head_trainer import _HeadOutfitTask, pretrained_bundle
from sane_desktop.training.loop import Clock, Hooks, StepOutput, fit, make_optimiser, seed_everything
from sane_desktop.training.presets import preset

PROTOCOL = "generated-disjoint"
NEGATIVES, TEMPERATURE = 32, 0.1


def trimmed_dropped_outfits(catalogue: Catalogue, protocol: str = PROTOCOL) -> list[OutfitRecord]:
    """The protocol's dropped outfits cut to their items in no valid/test outfit (two or more left)."""
    assigned = {o for record in catalogue.splits if record.protocol == protocol for o in record.outfit_ids}
    held_out = {i for split in ("valid", "test") for o in outfits_in_split(catalogue, split, protocol) for i in o.item_ids}
    trimmed = []
    for outfit in catalogue.outfits:
        kept = [i for i in dict.fromkeys(outfit.item_ids) if i not in held_out]
        if outfit.outfit_id not in assigned and len(kept) >= 2:
            trimmed.append(OutfitRecord(f"{outfit.outfit_id}~train-items", kept))
    return trimmed


class InfoNceTask(_HeadOutfitTask):
    """The head's outfit task with InfoNCE over many negatives per pair (the variant ``nce``)."""

    def step(self, index: int) -> StepOutput | None:
        size, rng = self.config.outfits_per_step, self.random.order
        chosen = [self.outfits[i] for i in self.order[index * size : (index + 1) * size]]
        row: dict[str, int] = {}
        owner: list[set[int]] = []
        for position, outfit in enumerate(chosen):
            for item_id in outfit.item_ids:
                if item_id not in row:
                    row[item_id] = len(row)
                    owner.append(set())
                owner[row[item_id]].add(position)
        pools: dict[tuple[int, str], list[int]] = {}
        for item_id, r in row.items():
            pools.setdefault((self.category[item_id], self.group.get(item_id, "")), []).append(r)
        anchors, positives, negatives, valid = [], [], [], []
        for position, outfit in enumerate(chosen):
            members = list(dict.fromkeys(outfit.item_ids))
            pairs = [(a, p) for a in members for p in members if a != p]
            if len(pairs) > self.config.max_pairs_per_outfit:
                pairs = [pairs[j] for j in rng.choice(len(pairs), self.config.max_pairs_per_outfit, replace=False)]
            for a, p in pairs:
                pool = [r for r in pools[(self.category[p], self.group.get(p, ""))] if position not in owner[r]]
                if not pool:
                    continue
                drawn = [pool[j] for j in rng.choice(len(pool), min(NEGATIVES, len(pool)), replace=False)]
                anchors.append(row[a])
                positives.append(row[p])
                negatives.append(drawn + [0] * (NEGATIVES - len(drawn)))
                valid.append([True] * len(drawn) + [False] * (NEGATIVES - len(drawn)))
        if not anchors:
            return None
        a, p, n, ok = (torch.tensor(v) for v in (anchors, positives, negatives, valid))
        ids = list(row)
        embeddings = self.compat.embed(self.dropout.train()(self.features[torch.tensor([self.row[i] for i in ids])]))
        categories = torch.tensor([self.category[i] for i in ids])
        space = self.compat.space_table[categories[a], categories[p]]
        anchor = self.compat.project(embeddings[a], space)
        d_pos = (anchor - self.compat.project(embeddings[p], space)).norm(dim=-1)
        projected = self.compat.project(embeddings[n.flatten()], space.repeat_interleave(NEGATIVES))
        d_neg = (anchor[:, None] - projected.view(len(a), NEGATIVES, -1)).norm(dim=-1)
        logits = torch.cat([-d_pos[:, None], (-d_neg).masked_fill(~ok, float("-inf"))], 1) / TEMPERATURE
        loss = (F.cross_entropy(logits, torch.zeros(len(a), dtype=torch.long))
                + self.config.embed_weight * embeddings.norm(dim=1).mean()
                + self.config.mask_weight * self.compat.masks.abs().sum(1).mean())
        return StepOutput(loss, {"triplet_accuracy": (d_pos < d_neg[:, 0]).float().mean()})


class MlpTask(_HeadOutfitTask):
    """The head's outfit task with a two-layer head (the variant ``mlp``): the standardisation is
    folded into its first layer."""

    def fold_standardisation(self) -> None:
        first = self.compat.embed[0]
        with torch.no_grad():
            weight = first.weight / self.scale
            first.bias.copy_(first.bias - weight @ self.mean)
            first.weight.copy_(weight)


MLP_HIDDEN, MLP_DROPOUT = 512, 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--variants", default="base,partial,nce")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    catalogue = read_catalogue(args.catalogue)
    config = preset("pretrained", seed=args.seed)
    categories = catalogue.categories()
    category = {item.item_id: categories.index(item.category) for item in catalogue.items}
    group = {item.item_id: item.group for item in catalogue.items}
    train = [o for o in outfits_in_split(catalogue, "train", PROTOCOL) if len(set(o.item_ids)) >= 2]
    fitb, compatibility = questions_in_split(catalogue, "valid", PROTOCOL)
    asked = list(dict.fromkeys([*(i for q in fitb for i in [*q.question_item_ids, *q.answer_item_ids]),
                                *(i for q in compatibility for i in q.item_ids)]))
    trained_ids = [i for o in [*train, *trimmed_dropped_outfits(catalogue)] for i in o.item_ids]
    pooled = pooled_features(catalogue, list(dict.fromkeys([*trained_ids, *asked])),
                             pretrained_bundle(categories, [], config))
    result: dict[str, Any] = {"catalogue": str(args.catalogue), "split": "valid", "protocol": PROTOCOL,
                              "questions": len(fitb), "variants": {}}
    answers: dict[str, list[bool]] = {}
    for variant in args.variants.split(","):
        outfits = [*train, *trimmed_dropped_outfits(catalogue)] if variant == "partial" else train
        random = seed_everything(config.seed)
        compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=config.width, trunk=config.trunk)
        if variant == "mlp":
            compat.embed = torch.nn.Sequential(  # type: ignore[assignment]
                torch.nn.Linear(pooled.features.shape[1], MLP_HIDDEN), torch.nn.ReLU(),
                torch.nn.Dropout(MLP_DROPOUT), torch.nn.Linear(MLP_HIDDEN, config.embed_dim))
        task_type = InfoNceTask if variant == "nce" else MlpTask if variant == "mlp" else _HeadOutfitTask
        task = task_type(compat, pooled.features, pooled.row, outfits, fitb, category, group, config, random)
        started = time.perf_counter()
        optimiser, scheduler = make_optimiser([*compat.embed.parameters(), compat.masks], config)
        outcome = fit(task, optimiser, scheduler, config, Clock(time.perf_counter(), config.time_budget_s), Hooks())
        task.fold_standardisation()
        compat.eval()
        with torch.no_grad():
            embeddings = compat.embed(pooled.features[pooled.rows(asked)])
        distance = embedding_distance(compat, embeddings, asked, category)
        answers[variant] = fitb_answers(distance, fitb)
        result["variants"][variant] = {
            "outfits": len(outfits), "seconds": round(time.perf_counter() - started, 1),
            "best_epoch": outcome.best_epoch, "fitb": float(np.mean(answers[variant])),
            "auc": compatibility_auc(distance, compatibility)}
        if variant != "base" and "base" in answers:
            diff = np.array(answers[variant], float) - np.array(answers["base"], float)
            rng = np.random.default_rng(0)
            boots = [float(diff[rng.integers(0, len(diff), len(diff))].mean()) for _ in range(5000)]
            result["variants"][variant]["fitb_minus_base"] = float(diff.mean())
            result["variants"][variant]["interval_95"] = [float(v) for v in np.percentile(boots, [2.5, 97.5])]
        print(variant, json.dumps(result["variants"][variant]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
