"""What keeping a shared catalogue's manifest in step with its server costs (issue 19, point 2).

A pgserver PostgreSQL (PyPI ``pgserver``) holds a demo catalogue indexed with the pgvector backend
from "machine A"; "machine B" (another index folder) then copies the manifest and the model from the
server once, and checks them before every search: the no-change check is what every search pays.
Writes bench/results/shared_manifest.json.

    .venv/bin/python bench/bench_shared_manifest.py [--items 40] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "shared_manifest.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    import pgserver
    import psycopg
    import torch

    from sane_desktop.demo import generate_demo
    from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.retrieval.indexing import index_catalogue
    from sane_desktop.retrieval.manifest import sync_shared_manifest
    from sane_desktop.store.db import open_store

    base = Path(tempfile.mkdtemp(prefix="sane-bench-shared-"))
    pg = pgserver.get_server(str(base / "pg"), cleanup_mode="delete")
    try:
        with psycopg.connect(pg.get_uri(), autocommit=True) as admin:
            admin.execute('CREATE DATABASE "shared"')
            user, host = admin.info.user, admin.info.host
        with psycopg.connect(f"postgresql://{user}@/shared?host={host}", autocommit=True) as admin:
            admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
        url = f"postgresql+psycopg://{user}@/shared?host={host}"
        generate_demo(base / "shop", seed=0, items=args.items, workers=1, masks=False)
        torch.manual_seed(0)
        net = CompatibilityNet(read_catalogue(base / "shop", validate_images=False).categories(), width=8)
        save_checkpoint(base / "model.pt", ModelBundle(net, AttributeNet(["red", "blue"], trunk=net.trunk),
                                                       Preprocessing(size=64)))
        index_catalogue(base / "shop", "shop", base / "model.pt", db_url=url, workers=0,
                        index_dir=base / "a" / "shop", vector_backend="pgvector")
        engine = open_store(url)
        folder = base / "b" / "shop"
        started = time.perf_counter()
        sync_shared_manifest(engine, "shop", folder)
        first = time.perf_counter() - started
        times = []
        for _ in range(args.calls):
            started = time.perf_counter()
            sync_shared_manifest(engine, "shop", folder)
            times.append(time.perf_counter() - started)
        engine.dispose()
        times.sort()
        result = {
            "what": "sync_shared_manifest: first copy (manifest + model) and the no-change check before each search",
            "items": args.items, "calls": args.calls, "machine": platform.platform(),
            "first_copy_ms": round(first * 1e3, 2),
            "check_p50_ms": round(times[len(times) // 2] * 1e3, 3),
            "check_p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3, 3),
            "manifest_bytes": (folder / "manifest.json").stat().st_size,
            "checkpoint_bytes": sum(path.stat().st_size for path in (folder / "checkpoints").glob("*.pt")),
        }
    finally:
        pg.cleanup()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
