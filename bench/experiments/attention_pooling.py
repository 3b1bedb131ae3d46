"""Does attention pooling make a frozen-trunk compatibility head see small motifs? (issue 17: motif
pointing ≥ 0.60; ``motif_pointing.py`` found the shipped head's similarity blind to them: the motif's
cell ranks 19th of 49 among the pair's terms, where the from-scratch demo model ranks it 1st).

    .venv/bin/python bench/experiments/attention_pooling.py CATALOGUE MODEL [--epochs 30] [--json OUT]

``MODEL`` is a frozen-trunk checkpoint (``train --preset pretrained``): its trunk's cached cell
features are used, and its categories. Two type-aware heads are fitted the way ``train`` fits one
(standardised features, dropout, the type-aware triplet loss, the pretrained preset's schedule, same
seed, best valid FITB kept), on the cells instead of their mean:

- ``mean``: E(x) = mean_k (W F_k + b), what ships;
- ``attention``: E(x) = Σ_k a_k (W F_k + b), a = softmax_k(v·F_k + c) (attention-based MIL pooling,
  Ilse et al., ICML 2018). Still exact per cell: the cells K·a_k·u_k average to E(x), so every
  decomposition, stored-cell map and index built from mean-averaged cells would hold unchanged.

Both standardise each cell by the train items' per-channel mean and spread over cells (the shipped
head standardises the pooled features) and drop cells' channels out independently. A ``shipped`` row
scores the checkpoint's own head the same way.

Reported on the *valid* split only: FITB, and for positive motif pairs (the drawn world's ground
truth; none on a real catalogue) the rank of the motif's cell among the query's exact cell terms
relative to the blank image (as the app's fast map) and whether the top cell overlaps the motif's box
(pointing on the 7×7 grid: the app's bicubic drawing and content weight are not applied).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.splits import outfits_in_split, pick_protocol, questions_in_split
from sane_desktop.explain.metrics import box_to_crop
from sane_desktop.explain.pairs import sample_pairs
from sane_desktop.models import CompatibilityNet, load_checkpoint
from sane_desktop.retrieval.embedding import trunk_identity
from sane_desktop.retrieval.feature_cache import FeatureCache
from sane_desktop.retrieval.indexing.scan import file_hash
from sane_desktop.training.evaluation import embedding_distance, fitb_accuracy
from sane_desktop.training.features import pooled_features
from sane_desktop.training.losses import type_aware_triplet_loss
from sane_desktop.training.presets import preset
from sane_desktop.training.sampling import outfit_triplets


class CellHead(torch.nn.Module):
    """Per-cell embedding u_k = W F_k + b pooled by the mean or by learnt attention. Takes cells
    standardised per cell; ``affine`` = (gain, shift) maps the pooled cells onto the pooled
    features standardised as the shipped head standardises them (``pooled_*`` variants), with
    ``dropout`` on that pooled vector."""

    def __init__(self, channels: int, dim: int, pooling: str,
                 affine: tuple[torch.Tensor, torch.Tensor] | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        self.embed = torch.nn.Linear(channels, dim)
        self.score = torch.nn.Linear(channels, 1) if pooling.endswith("attention") else None
        if self.score is not None:
            torch.nn.init.zeros_(self.score.weight)  # starts as the mean
            torch.nn.init.zeros_(self.score.bias)
        self.affine = affine
        self.dropout = torch.nn.Dropout(dropout)

    def weights(self, cells: torch.Tensor) -> torch.Tensor:  # (B, K)
        if self.score is None:
            return cells.new_full(cells.shape[:2], 1.0 / cells.shape[1])
        return torch.softmax(self.score(cells)[..., 0], dim=1)

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.affine is None else x * self.affine[0] + self.affine[1]

    def forward(self, cells: torch.Tensor) -> torch.Tensor:  # (B, K, C) -> (B, D)
        # Σ_k a_k (W F_k + b) = W (Σ_k a_k F_k) + b, as Σ_k a_k = 1: pool first, embed once
        pooled = self._input((self.weights(cells)[..., None] * cells).sum(1))
        return self.embed(self.dropout(pooled) if self.affine is not None else pooled)

    def cell_outputs(self, cells: torch.Tensor) -> torch.Tensor:  # (B, K, D), averaging to forward() in eval
        return cells.shape[1] * self.weights(cells)[..., None] * self.embed(self._input(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--poolings", default="mean,attention",
                        help="of mean, attention, pooled_mean, pooled_attention (pooled_*: the shipped standardisation)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    bundle = load_checkpoint(args.model)
    categories = bundle.compatibility.categories
    protocol = pick_protocol(catalogue)
    by_id = catalogue.item_by_id()
    category = {i.item_id: categories.index(i.category) for i in catalogue.items if i.category in categories}
    group = {i.item_id: i.group for i in catalogue.items}
    outfits = [o for o in outfits_in_split(catalogue, "train", protocol)
               if len(set(o.item_ids)) >= 2 and all(i in category for i in o.item_ids)]
    valid_fitb, _ = questions_in_split(catalogue, "valid", protocol)
    truth_file = args.catalogue / "ground_truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.is_file() else {"outfits": {}, "items": {}}
    motif_pairs = [p for p in sample_pairs(catalogue, "valid", args.pairs, 0, categories)
                   if p.positive and truth["outfits"].get(p.outfit, {}).get("region") == "motif"]
    valid_items = sorted({i for q in valid_fitb for i in [*q.question_item_ids, *q.answer_item_ids]})
    ids = list(dict.fromkeys([*(i for o in outfits for i in o.item_ids), *valid_items,
                              *(i for p in motif_pairs for i in (p.query, p.candidate))]))
    pooled_features(catalogue, ids, bundle)  # fills the cell cache where it lacks an image
    cache = FeatureCache(trunk_identity(bundle))
    raw = torch.from_numpy(cache.get([file_hash(catalogue.root / by_id[i].image_path) for i in ids]))  # float16
    row = {item_id: n for n, item_id in enumerate(ids)}
    train_rows = torch.tensor(sorted({row[i] for o in outfits for i in o.item_ids}))
    sample = raw[train_rows[torch.randperm(len(train_rows), generator=torch.Generator().manual_seed(0))[:2000]]].float()
    mean, scale = sample.mean((0, 1)), sample.std((0, 1)) + 1e-3
    pooled_sample = sample.mean(1)  # the shipped head's standardisation: of the pooled features
    pooled_affine = (scale / (pooled_sample.std(0) + 1e-3), (mean - pooled_sample.mean(0)) / (pooled_sample.std(0) + 1e-3))
    del sample, pooled_sample

    class Standardised:  # rows of the float16 cells, standardised on the way out (memory: MANGO's are 1.3 GB)
        def __getitem__(self, rows):  # type: ignore[no-untyped-def]
            return (raw[rows].float() - mean) / scale

    cells = Standardised()
    config = preset("pretrained", epochs=args.epochs)
    side = round(raw.shape[1] ** 0.5)
    size = bundle.preprocessing.size
    report: dict = {"catalogue": str(args.catalogue), "model": str(args.model), "split": "valid",
                    "train_outfits": len(outfits), "valid_questions": len(valid_fitb),
                    "motif_pairs": len(motif_pairs), "epochs": args.epochs, "poolings": {}}
    with torch.inference_mode():  # the blank (white) image's cells: the app's maps are relative to it
        from sane_desktop.explain.fast import fill_image

        blank_raw = bundle.compatibility.trunk(fill_image((size, size), bundle.preprocessing)[None])
        blank_raw = blank_raw.flatten(2).transpose(1, 2).float()
    blank = (blank_raw - mean) / scale

    def motif_cells(cell_outputs, weights, masks, space_index, standardised: bool = True) -> dict:  # type: ignore[no-untyped-def]
        """The motif cell's rank among the query's exact terms relative to the blank image (as the
        app's fast map), whether the top cell overlaps the motif box, the largest pooling weight."""
        ranks, hits, peak = [], [], []
        with torch.no_grad():
            for pair in motif_pairs:
                q, c = cells[row[pair.query]][None], cells[row[pair.candidate]][None]
                b = blank
                if not standardised:  # the shipped head works on raw features
                    q, c, b = q * scale + mean, c * scale + mean, blank_raw
                mask = masks[space_index(category[pair.query], category[pair.candidate])]
                e_c = cell_outputs(c)[0].mean(0) * mask
                unit = e_c / e_c.norm()
                terms = (cell_outputs(q)[0] * mask) @ unit / (cell_outputs(q)[0].mean(0) * mask).norm()
                terms = terms - (cell_outputs(b)[0] * mask) @ unit / (cell_outputs(b)[0].mean(0) * mask).norm()
                item, record = truth["items"][pair.query], by_id[pair.query]
                image_size = (record.width, record.height) if record.width and record.height else tuple(truth["image_size"])
                top, left, bottom, right = box_to_crop(item["regions"]["motif"], image_size, size)
                r_cell = min(side - 1, int((top + bottom) / 2 * side / size))
                c_cell = min(side - 1, int((left + right) / 2 * side / size))
                grid = terms.reshape(side, side)
                ranks.append(int((grid > grid[r_cell, c_cell]).sum()))
                br, bc = divmod(int(grid.argmax()), side)
                cell = size / side
                hits.append(bool(br * cell < bottom and (br + 1) * cell > top and bc * cell < right and (bc + 1) * cell > left))
                peak.append(float(weights(q)[0].max()))
        return {"motif_cell_rank_median": float(np.median(ranks)) if ranks else None,
                "motif_cell_pointing": round(float(np.mean(hits)), 3) if hits else None,
                "largest_cell_weight_median": float(np.median(peak)) if peak else None}

    shipped = bundle.compatibility.eval()
    report["shipped"] = {"valid_fitb": bundle.config.get("valid_fitb") or (bundle.config.get("history") or [{}])[-1].get("valid_fitb"),
                         **motif_cells(lambda x: shipped.embed(x), lambda x: x.new_full(x.shape[:2], 1 / x.shape[1]),
                                       shipped.space_masks().detach(), shipped.space_index, standardised=False)}
    print("shipped", report["shipped"], flush=True)
    for pooling in args.poolings.split(","):
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        compat = CompatibilityNet(categories, embed_dim=config.embed_dim, width=1)
        pooled_std = pooling.startswith("pooled_")
        head = CellHead(raw.shape[2], config.embed_dim, pooling, pooled_affine if pooled_std else None,
                        config.feature_dropout)
        optimiser = torch.optim.Adam([*head.parameters(), compat.masks], lr=config.learning_rate,
                                     weight_decay=config.weight_decay)
        schedule = torch.optim.lr_scheduler.ExponentialLR(optimiser, config.lr_decay)
        drop = torch.nn.Dropout(0.0 if pooled_std else config.feature_dropout)  # pooled_*: on the pooled vector
        best, best_state, started, history = -1.0, None, time.perf_counter(), []
        for epoch in range(1, args.epochs + 1):
            head.train()
            order = rng.permutation(len(outfits))
            for start in range(0, len(order), config.outfits_per_step):
                chosen = [outfits[i] for i in order[start:start + config.outfits_per_step]]
                batch = outfit_triplets(chosen, category, group, rng, config.max_pairs_per_outfit)
                if len(batch.anchor) == 0:
                    continue
                x = drop(cells[torch.tensor([row[i] for i in batch.item_ids])])
                embeddings = head(x)
                loss, _ = type_aware_triplet_loss(compat, embeddings, torch.tensor([category[i] for i in batch.item_ids]),
                                                  batch.anchor, batch.positive, batch.negative, config.margin,
                                                  config.embed_weight, config.mask_weight)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
            schedule.step()
            head.eval()
            with torch.no_grad():
                embeddings = head(cells[torch.tensor([row[i] for i in valid_items])])
            fitb = fitb_accuracy(embedding_distance(compat, embeddings, valid_items, category), valid_fitb) or 0.0
            history.append(round(fitb, 4))
            if fitb > best:
                best = fitb
                best_state = ({k: v.clone() for k, v in head.state_dict().items()}, compat.masks.detach().clone())
        assert best_state is not None
        head.load_state_dict(best_state[0])
        head.eval()
        report["poolings"][pooling] = {
            "valid_fitb": round(best, 4), "best_epoch": int(np.argmax(history)) + 1, "history": history,
            "seconds": round(time.perf_counter() - started, 1),
            **motif_cells(head.cell_outputs, head.weights, torch.relu(best_state[1]), compat.space_index),
        }
        print(pooling, report["poolings"][pooling], flush=True)
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
