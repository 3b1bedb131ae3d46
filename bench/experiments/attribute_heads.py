"""Does the frozen-trunk attribute head gain from a non-linear head or from seeing the whole photo?
(issue 16: H&M attribute mAP ≥ 0.50 without fine-tuning the trunk). Valid items only.

    .venv/bin/python bench/experiments/attribute_heads.py CATALOGUE MODEL [--variants linear,pooled_mlp,cell_mlp]
        [--framing crop|pad] [--json OUT]

``MODEL`` is a frozen-trunk checkpoint (``train --preset pretrained``): only its trunk is used (its
features, and its trunk identity for the feature cache). Every variant is fitted on the catalogue's
train items with balanced BCE on standardised features (the train items' mean and spread) and input
dropout 0.5, as ``train`` fits its attribute head
(:class:`~sane_desktop.training.head_trainer._HeadAttributeTask`), same seed; the figure is the best
epoch's attribute mAP on the *valid* items (test is never looked at):

- ``linear``: what ``train`` ships, a 1×1 convolution on the cells, i.e. a linear map of the pooled
  features (30 epochs, Adam 3e-3, decay 0.95);
- ``pooled_mlp``: 1476 → 512, ReLU, dropout 0.2, → attributes on the pooled features (30 epochs,
  1e-3): a probe only, since the attribute map would no longer average to the logit;
- ``cell_mlp``: the same MLP applied to each cell, its outputs averaged (20 epochs, 1e-3): the
  attribute map stays per cell with logit = map mean (SANE's attribute net, METHOD.md §3), so it
  would be shippable.

``--framing pad``: the trunk sees the whole photo, its longer side resized to the input size and
padded to a square with the median colour of the photo's border, instead of the shipped centre crop
of the short-side-resized photo (product photos are portrait: H&M's 360×540 lose a third of their
height to the crop). Its features are computed here, not cached.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.images import load_rgb
from sane_desktop.catalogue.splits import attribute_vocabulary, item_split_ids
from sane_desktop.catalogue.types import Catalogue
from sane_desktop.models import ModelBundle, load_checkpoint
from sane_desktop.retrieval.embedding import trunk_identity
from sane_desktop.retrieval.feature_cache import FeatureCache
from sane_desktop.retrieval.indexing.scan import file_hash
from sane_desktop.training.data import attribute_targets
from sane_desktop.training.evaluation import mean_average_precision
from sane_desktop.training.features import pooled_features
from sane_desktop.training.losses import balanced_bce, positive_weights

HIDDEN, BATCH = 512, 256


def padded(image: Image.Image, side: int) -> Image.Image:
    """The whole photo, longer side ``side``, centred on a square of its border's median colour."""
    width, height = image.size
    scale = side / max(width, height)
    size = max(1, round(width * scale)), max(1, round(height * scale))
    pixels = np.asarray(image)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    canvas = Image.new("RGB", (side, side), tuple(int(v) for v in np.median(border, 0)))
    canvas.paste(image.resize(size, Image.Resampling.BILINEAR), ((side - size[0]) // 2, (side - size[1]) // 2))
    return canvas


def cell_features(catalogue: Catalogue, ids: list[str], bundle: ModelBundle, framing: str) -> torch.Tensor:
    """float16 (N, K, C) trunk cell features of ``ids``: from the feature cache (``crop``, filled
    first where missing) or computed from padded photos (``pad``)."""
    by_id = catalogue.item_by_id()
    paths = [catalogue.root / by_id[i].image_path for i in ids]
    if framing == "crop":
        pooled_features(catalogue, ids, bundle)  # fills the cache where it lacks an image
        cache = FeatureCache(trunk_identity(bundle))
        return torch.from_numpy(cache.get([file_hash(p) for p in paths]))
    prep, trunk = bundle.preprocessing, bundle.compatibility.trunk.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(paths), 32):
            batch = torch.stack([torch.from_numpy(np.asarray(padded(load_rgb(p), prep.size), np.uint8).copy())
                                 .permute(2, 0, 1) for p in paths[start:start + 32]])
            fmap = trunk(prep.normalise(batch).contiguous(memory_format=torch.channels_last))
            chunks.append(fmap.flatten(2).transpose(1, 2).half())
            if start % 640 == 0:
                print(f"  pad features {start + len(batch)}/{len(paths)}", flush=True)
    return torch.cat(chunks)


def fit_variant(variant: str, train: torch.Tensor, valid: torch.Tensor, y_train: torch.Tensor,
                y_valid: np.ndarray, seed: int = 0) -> dict[str, float | int]:
    """Fit one head variant; its best valid mAP, the epoch it came at and the seconds it took."""
    torch.manual_seed(seed)
    pooled = train.float().mean(1)
    mean, scale = pooled.mean(0), pooled.std(0) + 1e-3
    channels, attributes = train.shape[2], y_train.shape[1]
    drop = torch.nn.Dropout(0.5)
    if variant == "linear":
        head: torch.nn.Module = torch.nn.Linear(channels, attributes)
        epochs, rate = 30, 3e-3
    else:
        head = torch.nn.Sequential(torch.nn.Linear(channels, HIDDEN), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                   torch.nn.Linear(HIDDEN, attributes))
        epochs, rate = (20, 1e-3) if variant == "cell_mlp" else (30, 1e-3)
    per_cell = variant == "cell_mlp"

    def logits(cells: torch.Tensor, training: bool) -> torch.Tensor:
        x = (cells.float() - mean) / scale if per_cell else (cells.float().mean(1) - mean) / scale
        x = drop(x) if training else x
        return head(x).mean(1) if per_cell else head(x)

    optimiser = torch.optim.Adam(head.parameters(), lr=rate)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimiser, 0.95)
    weights = positive_weights(y_train)
    best, best_epoch, started = -1.0, 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        head.train()
        for chosen in torch.randperm(len(train)).split(BATCH):
            loss = balanced_bce(logits(train[chosen], True), y_train[chosen], weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        schedule.step()
        head.eval()
        with torch.no_grad():
            scores = torch.cat([torch.sigmoid(logits(part, False)) for part in valid.split(512)]).numpy()
        score = mean_average_precision(scores, y_valid) or 0.0
        print(f"  {variant} epoch {epoch}: valid mAP {score:.4f}", flush=True)
        if score > best:
            best, best_epoch = score, epoch
    return {"valid_map": round(best, 4), "best_epoch": best_epoch, "epochs": epochs,
            "seconds": round(time.perf_counter() - started, 1)}


def attribute_setup(catalogue_path: Path, model_path: Path) -> tuple[Catalogue, ModelBundle, list[str], dict[str, list[str]]]:
    """(catalogue, frozen-trunk model, attribute names, item id -> its attribute names) on 2 threads."""
    torch.set_num_threads(2)
    catalogue = read_catalogue(catalogue_path, validate_images=False)
    names, labels = attribute_vocabulary(catalogue)
    return catalogue, load_checkpoint(model_path), names, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--variants", default="linear,pooled_mlp,cell_mlp")
    parser.add_argument("--framing", default="crop", choices=("crop", "pad"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    catalogue, bundle, names, labels = attribute_setup(args.catalogue, args.model)
    train_ids, valid_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, "valid")
    features: Callable[[list[str]], torch.Tensor] = lambda ids: cell_features(catalogue, ids, bundle, args.framing)
    train, valid = features(train_ids), features(valid_ids)
    y_train = attribute_targets(train_ids, names, labels)
    y_valid = attribute_targets(valid_ids, names, labels).numpy()
    report = {"catalogue": str(args.catalogue), "model": str(args.model), "trunk": bundle.compatibility.trunk.kind,
              "framing": args.framing, "split": "valid (items)", "train_items": len(train_ids),
              "valid_items": len(valid_ids), "attributes": len(names),
              "variants": {v: fit_variant(v, train, valid, y_train, y_valid) for v in args.variants.split(",")}}
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
