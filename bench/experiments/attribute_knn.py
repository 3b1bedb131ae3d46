"""Does label transfer from look-alike training items beat the linear attribute head on frozen features?
(issue 16: H&M attribute mAP ≥ 0.50 without fine-tuning the trunk).

    .venv/bin/python bench/experiments/attribute_knn.py CATALOGUE MODEL [--split valid|test] [--json OUT]

``MODEL`` is a frozen-trunk checkpoint; only its trunk is used, through the feature cache that
``index``/``train`` fill (:func:`attribute_heads.cell_features`). On the pooled features,
standardised by the train items' mean and spread and L2-normalised, each scored item takes the
labels of its k most similar train items weighted by softmax(similarity / τ) (k-nearest-neighbour
label transfer, the classic baseline of image annotation: Makadia et al., ECCV 2008; Guillaumin et
al., TagProp, ICCV 2009). Beside it, in the same run and seed, the shipped linear head
(:func:`attribute_heads.fit_variant`) and blends of the two. ``--split valid`` is where (k, τ, the blend
weight) are chosen; ``--split test --choose K,TAU,ALPHA`` reports one fixed choice on the test items.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata

sys.path.insert(0, str(Path(__file__).parent))
from attribute_heads import attribute_setup, cell_features  # noqa: E402

from sane_desktop.catalogue.splits import item_split_ids  # noqa: E402
from sane_desktop.training.data import attribute_targets  # noqa: E402
from sane_desktop.training.evaluation import mean_average_precision  # noqa: E402
from sane_desktop.training.losses import balanced_bce, positive_weights  # noqa: E402


def knn_scores(train: torch.Tensor, scored: torch.Tensor, y_train: torch.Tensor, k: int, tau: float) -> np.ndarray:
    """(N_scored, A) label-transfer scores: softmax(sim/τ)-weighted labels of the k most similar train items."""
    sims = scored @ train.T
    top, index = sims.topk(k, dim=1)
    weights = torch.softmax(top / tau, dim=1)
    return torch.einsum("nk,nka->na", weights, y_train[index]).numpy()


def linear_scores(train: torch.Tensor, scored: torch.Tensor, y_train: torch.Tensor, epochs: int,
                  seed: int = 0) -> np.ndarray:
    """The shipped head's probabilities after ``epochs`` epochs (a fixed length, not the best scored epoch)."""
    torch.manual_seed(seed)
    mean, scale = train.mean(0), train.std(0) + 1e-3
    head = torch.nn.Linear(train.shape[1], y_train.shape[1])
    drop = torch.nn.Dropout(0.5)
    optimiser = torch.optim.Adam(head.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimiser, 0.95)
    weights = positive_weights(y_train)
    for _ in range(epochs):
        for chosen in torch.randperm(len(train)).split(256):
            loss = balanced_bce(head(drop((train[chosen] - mean) / scale)), y_train[chosen], weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        schedule.step()
    with torch.no_grad():
        return torch.sigmoid(head((scored - mean) / scale)).numpy()


def ranks01(scores: np.ndarray) -> np.ndarray:
    """Each column's scores as ranks in [0, 1], so two predictors on different scales blend fairly."""
    return (rankdata(scores, axis=0) - 1) / max(1, len(scores) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--split", default="valid", choices=("valid", "test"))
    parser.add_argument("--choose", help="K,TAU,ALPHA fixed on valid (for --split test)")
    parser.add_argument("--linear-epochs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    catalogue, bundle, names, labels = attribute_setup(args.catalogue, args.model)
    train_ids, scored_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, args.split)
    train = cell_features(catalogue, train_ids, bundle, "crop").float().mean(1)
    scored = cell_features(catalogue, scored_ids, bundle, "crop").float().mean(1)
    y_train = attribute_targets(train_ids, names, labels)
    y_scored = attribute_targets(scored_ids, names, labels).numpy()
    mean, scale = train.mean(0), train.std(0) + 1e-3
    unit = lambda x: torch.nn.functional.normalize((x - mean) / scale, dim=1)  # noqa: E731
    train_unit, scored_unit = unit(train), unit(scored)
    linear = linear_scores(train, scored, y_train, args.linear_epochs)
    report: dict[str, object] = {
        "catalogue": str(args.catalogue), "trunk": bundle.compatibility.trunk.kind, "split": args.split,
        "train_items": len(train_ids), "scored_items": len(scored_ids), "attributes": len(names),
        "linear_epochs": args.linear_epochs,
        "linear_map": round(mean_average_precision(linear, y_scored) or 0.0, 4)}
    print(f"linear: {report['linear_map']}", flush=True)
    if args.choose:
        k, tau, alpha = (float(v) for v in args.choose.split(","))
        grid = [(int(k), tau)]
        alphas = [alpha]
    else:
        grid = [(k, tau) for k in (10, 25, 50, 100, 200) for tau in (0.02, 0.05, 0.1, 1.0)]
        alphas = [0.0, 0.25, 0.5, 0.75]
    rows = []
    for k, tau in grid:
        knn = knn_scores(train_unit, scored_unit, y_train, k, tau)
        for alpha in alphas:
            blend = knn if alpha == 0 else (1 - alpha) * ranks01(knn) + alpha * ranks01(linear)
            score = round(mean_average_precision(blend, y_scored) or 0.0, 4)
            rows.append({"k": k, "tau": tau, "linear_weight": alpha, "map": score})
            print(f"k={k} tau={tau} alpha={alpha}: {score}", flush=True)
    report["rows"] = rows
    report["best"] = max(rows, key=lambda r: float(str(r["map"])))
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(json.dumps(report["best"]))


if __name__ == "__main__":
    main()
