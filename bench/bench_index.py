"""Indexing throughput: the batched pipeline (DataLoader workers decoding whole batches, batched
forward passes with batch norms folded, one DB transaction per batch on a writer thread) vs a naive
loop (decode, forward and commit one image at a time with the model as loaded), same run, same
catalogue, same model. The naive loop with the folded model too, to show what folding alone buys.
Also the bounds: decode alone, model alone, and stored bytes per item.
Writes bench/results/index.json.

    .venv/bin/python bench/bench_index.py [--items 400] [--workers N] [--batch-size 64] [--model demo|full]

The model is the bundled demo model when present, else a freshly initialised full-width one
(ResNet-18 to layer3, 112 px — the same cost per image as a trained one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.checkpoint import ModelBundle, demo_model_path, load_checkpoint, save_checkpoint
from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.models.inference import inference_bundle
from sane_desktop.models.preprocess import Preprocessing, load_image_uint8
from sane_desktop.retrieval.embedding import embed_one, embed_tensor_batch
from sane_desktop.retrieval.indexing import index_store, scan_items
from sane_desktop.store import schema as S
from sane_desktop.store.importer import import_folder
from sane_desktop.store.items import find_catalogue

RESULTS = Path(__file__).resolve().parent / "results" / "index.json"


def model_path(work: Path, kind: str = "demo") -> tuple[Path, str]:
    if kind == "demo" and demo_model_path().is_file():
        return demo_model_path(), "demo model (cpu preset: trunk width 16)"
    torch.manual_seed(0)
    categories = ["all-body", "bags", "bottoms", "hats", "outerwear", "shoes", "tops"]
    compatibility = CompatibilityNet(categories)
    attributes = AttributeNet([f"attribute{i}" for i in range(64)], trunk=compatibility.trunk)
    path = work / "model.pt"
    save_checkpoint(path, ModelBundle(compatibility, attributes, Preprocessing()))
    return path, "fresh full-width model (ResNet-18 to layer3, as the gpu preset or ImageNet weights give)"


def naive(engine, name: str, bundle: ModelBundle) -> int:
    """One image at a time: decode, forward, commit."""
    items = scan_items(engine, find_catalogue(engine, name))
    table = S.ItemEmbedding.__table__
    for item in items:
        embedding, cells, scores = embed_one(bundle, item.path)
        with engine.begin() as connection:
            connection.execute(insert(table), [{
                "item_pk": item.pk, "model_hash": bundle.content_hash, "content_hash": item.content_hash,
                "embedding": embedding.astype(np.float32).tobytes(), "cells": cells.astype(np.float16).tobytes(),
                "attribute_scores": None if scores is None else scores.astype(np.float32).tobytes(),
                "norm": float(np.linalg.norm(embedding)),
            }])
    return len(items)


def best_of(times: int, work) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--workers", type=int, default=None, help="decoding processes (default: the indexer's)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", choices=("demo", "full"), default="demo",
                        help="the bundled cpu-preset demo model, or a full-width ResNet-18 trunk")
    parser.add_argument("--out", type=Path, default=None, help="default: bench/results/index[_full].json")
    args = parser.parse_args()
    args.out = args.out or RESULTS.with_name("index.json" if args.model == "demo" else "index_full.json")
    from sane_desktop.demo import generate_demo

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        work = Path(tmp)
        root = work / "shop"
        generate_demo(root, seed=0, items=args.items, masks=False)
        path, model_kind = model_path(work, args.model)
        bundle = load_checkpoint(path)
        os.environ["SANE_INDEX_HOME"] = str(work / "home")
        naive_engine, _ = import_folder(root, "naive", f"sqlite:///{work}/naive.db")
        pipe_engine, _ = import_folder(root, "pipeline", f"sqlite:///{work}/pipeline.db")
        paths = [item.path for item in scan_items(pipe_engine, find_catalogue(pipe_engine, "pipeline"))]

        # the machine is shared: bounds are the best of three runs
        decode_s = best_of(3, lambda: [load_image_uint8(p, bundle.preprocessing) for p in paths])
        size = bundle.preprocessing.size
        batch = torch.randint(0, 255, (args.batch_size, 3, size, size), dtype=torch.uint8)
        embed_tensor_batch(bundle, batch)
        rounds = max(1, len(paths) // args.batch_size)
        model_ips = rounds * args.batch_size / best_of(3, lambda: [embed_tensor_batch(bundle, batch) for _ in range(rounds)])

        # interleaved, so that load drift on a shared machine hits every method alike; best of two each
        naive_runs, pipeline_runs, folded_runs = [], [], []
        folded = inference_bundle(bundle)
        for method in ("naive", "pipeline", "naive_folded", "pipeline", "naive", "naive_folded"):
            engine = pipe_engine if method == "pipeline" else naive_engine
            with engine.begin() as connection:
                connection.execute(S.ItemEmbedding.__table__.delete())
            start = time.perf_counter()
            if method == "naive":
                count = naive(engine, "naive", bundle)
                naive_runs.append(time.perf_counter() - start)
            elif method == "naive_folded":
                naive(engine, "naive", folded)
                folded_runs.append(time.perf_counter() - start)
            else:
                summary = index_store(engine, "pipeline", path, index_dir=work / "ix", batch_size=args.batch_size,
                                      workers=args.workers)
                pipeline_runs.append(time.perf_counter() - start)
        naive_s, pipeline_s = min(naive_runs), min(pipeline_runs)
        with Session(pipe_engine) as session:
            stored = session.execute(select(
                func.avg(func.length(S.ItemEmbedding.embedding)), func.avg(func.length(S.ItemEmbedding.cells)),
                func.avg(func.length(S.ItemEmbedding.attribute_scores)))).one()
        faiss_bytes = sum(f.stat().st_size for f in (work / "ix" / "faiss").glob("*.faiss"))

    result = {
        "benchmark": "indexing throughput (embed + store + FAISS build), CPU",
        "model": model_kind, "items": count, "batch_size": args.batch_size, "workers": args.workers or "auto (half the cores, model on the rest)",
        "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(), "machine": platform.machine(),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "naive_images_per_s": round(count / naive_s, 1),
        "pipeline_images_per_s": round(summary.embedded / pipeline_s, 1),
        "speedup_vs_naive": round(naive_s / pipeline_s, 2),
        "naive_folded_images_per_s": round(count / min(folded_runs), 1),
        "runs_s": {"naive": [round(t, 2) for t in naive_runs], "pipeline": [round(t, 2) for t in pipeline_runs],
                   "naive_folded": [round(t, 2) for t in folded_runs]},
        "bounds": {"decode_only_images_per_s_one_process": round(len(paths) / decode_s, 1),
                   "model_only_images_per_s": round(model_ips, 1)},
        "stored_bytes_per_item": {"embedding": float(stored[0]), "cells_fp16": float(stored[1]),
                                  "attribute_scores": float(stored[2] or 0),
                                  "faiss_flat": round(faiss_bytes / max(1, summary.items), 1)},
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2))
    os.replace(tmp_out, args.out)


if __name__ == "__main__":
    main()
