"""What it costs a search to say which items no list can hold (``OutfitSearcher.unsearched``), on a
large catalogue: the check of the rows' stamp a search makes (``rows_stamp``: two COUNT queries; at
most every ``UNSEARCHED_RECHECK_S`` seconds in one searcher, so a window's searches in a row pay it
once), and
the full look-up when the rows moved (``unembedded_items`` + ``embedding_counts``), against what a
search reads from the database anyway (``load_item_embeddings`` of its 24 results per category over 11
categories), all in one process on one SQLite file.

A synthetic catalogue of ``--n`` items (no photos: the import is given the records) with a random
embedding row of one model for all but 0.1 % of them.

    .venv/bin/python bench/bench_unsearched.py [--n 100000] [--out bench/results/unsearched_100000.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sane_desktop.catalogue.types import Catalogue, ItemRecord  # noqa: E402
from sane_desktop.store import import_catalogue, open_store  # noqa: E402
from sane_desktop.store import schema as S  # noqa: E402
from sane_desktop.store.embeddings import (  # noqa: E402
    EmbeddingRow, embedding_counts, load_item_embeddings, replace_embeddings, rows_stamp, unembedded_items,
)
from sane_desktop.store.items import find_catalogue  # noqa: E402

CATEGORIES = [f"category-{n:02d}" for n in range(11)]
MODEL = "f" * 64
DIM = 64


def timed(work: Callable[[], Any], repeats: int) -> float:
    """The median of ``repeats`` runs of ``work``, in milliseconds (one run first, not counted)."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-unsearched-"))
    items = [ItemRecord(item_id=f"{n:07d}", image_path=f"images/{n:07d}.jpg", category=CATEGORIES[n % 11],
                        title=f"item {n}", description="", attributes={}, content_hash=f"{n:064x}")
             for n in range(args.n)]
    catalogue = Catalogue(root=folder, format="polyvore", name="big", items=items, outfits=[], splits=[], fitb=[],
                          compatibility=[], skipped=[])
    engine = open_store(f"sqlite:///{folder / 'catalogue.db'}")
    started = time.perf_counter()
    import_catalogue(catalogue, engine, "big")
    imported_s = time.perf_counter() - started
    ref = find_catalogue(engine, "big")
    with engine.connect() as connection:
        pks = [int(pk) for pk in connection.scalars(S.Item.__table__.select().with_only_columns(S.Item.id)
                                                    .order_by(S.Item.id))]
    rng = np.random.default_rng(0)
    left_out = set(rng.choice(len(pks), size=max(1, len(pks) // 1000), replace=False).tolist())
    rows = []
    for n, pk in enumerate(pks):
        if n in left_out:
            continue
        vector = rng.standard_normal(DIM).astype(np.float32)
        rows.append(EmbeddingRow(pk, MODEL, f"{n:064x}", vector.tobytes(), None, None, float(np.linalg.norm(vector))))
        if len(rows) == 5000:
            replace_embeddings(engine, rows)
            rows = []
    if rows:
        replace_embeddings(engine, rows)
    results = rng.choice(pks, size=24 * 11, replace=False).tolist()
    found = {
        "stamp_ms": timed(lambda: rows_stamp(engine, ref.pk, MODEL), args.repeats),
        "full_lookup_ms": timed(lambda: (unembedded_items(engine, ref.pk, MODEL), embedding_counts(engine, ref.pk, MODEL)),
                                args.repeats),
        "search_reads_ms": timed(lambda: load_item_embeddings(engine, MODEL, results), args.repeats),
    }
    missing = sum(len(ids) for ids in unembedded_items(engine, ref.pk, MODEL).values())
    engine.dispose()
    result = {
        "n_items": args.n, "items_without_embedding": missing, "import_s": round(imported_s, 1),
        **{key: round(value, 2) for key, value in found.items()},
        "stamp_vs_search_reads": round(found["stamp_ms"] / found["search_reads_ms"], 2),
        "full_lookup_vs_search_reads": round(found["full_lookup_ms"] / found["search_reads_ms"], 2),
        "repeats": args.repeats, "cpus": os.cpu_count(), "python": platform.python_version(),
        "note": "median ms in one process; the stamp runs at most every few seconds per searcher, the full "
                "look-up only when the rows moved",
    }
    out = args.out or HERE / "results" / f"unsearched_{args.n}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
