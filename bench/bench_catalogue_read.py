"""Catalogue read times on the shared MANGO and H&M catalogues, and what fast validation saves.

For each catalogue, in one process: the structure-only read (no image checks), the full
``read_catalogue`` (header parse + JPEG draft decode + sha256, 2 threads), and a baseline that
decodes every image fully (``Image.open(...).load()`` + sha256, 1 thread). Each timing is the best
of ``--repeats`` runs (the OS file cache is warm after the first). Writes bench/results/catalogue_read.json.

    .venv/bin/python bench/bench_catalogue_read.py [--repeats 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from sane_desktop.catalogue import read_catalogue

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results" / "catalogue_read.json"
CATALOGUES = {"mango-outfits": "mango-outfits.json", "hm-articles": "hm-articles.json"}


def best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def full_decode(root: Path, paths: list[str]) -> None:
    for relative in paths:
        data = (root / relative).read_bytes()
        hashlib.sha256(data).hexdigest()
        with Image.open(root / relative) as image:
            image.load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    for name, mapping_file in CATALOGUES.items():
        root, mapping = SHARED / name, REPO / "sane_desktop" / "resources" / "mappings" / mapping_file
        if not root.is_dir():
            print(f"{name}: not found under {SHARED}, skipped")
            continue
        catalogue = read_catalogue(root, mapping)
        paths = [item.image_path for item in catalogue.items]
        structure = best_of(args.repeats, lambda: read_catalogue(root, mapping, validate_images=False))
        full = best_of(args.repeats, lambda: read_catalogue(root, mapping))
        baseline = best_of(args.repeats, lambda: full_decode(root, paths))
        results[name] = {
            "items": len(catalogue.items),
            "outfits": len(catalogue.outfits),
            "structure_only_s": round(structure, 3),
            "read_catalogue_s": round(full, 3),
            "baseline_full_decode_validation_s": round(baseline, 3),
            "validation_s": round(full - structure, 3),
            "validation_speedup_vs_full_decode": round(baseline / max(full - structure, 1e-9), 2),
            "items_per_s": round(len(catalogue.items) / full, 1),
        }
        print(name, results[name])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
