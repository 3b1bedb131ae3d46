"""What the thumbnails' recheck costs when a list is shown (``ThumbnailLoader.recheck``).

Every list shown (results, the catalogue grid) asks the loader to look again, on its thread pool, at
the files of the thumbnails already on screen: each one's bytes are hashed against the photo the
catalogue recorded, so that a photo deleted or replaced since shows its state rather than its old
picture. This measures, in one process, on the same photos and pool:

- ``decode``: a cold loader, no disk cache: read, decode, hash, scale and cache every photo (the
  first time a catalogue's list is shown);
- ``from_disk_cache``: a new loader on that cache (the next session's first list; the cached
  picture is loaded and its photo hashed);
- ``recheck``: the same loader, every thumbnail loaded, after ``recheck`` (each later list).

The figures are the wall time until every thumbnail of the list is delivered, medians of
``--repeats`` runs; the JSON gives the ratios against ``decode``.

    python bench/bench_thumbnail_recheck.py --photos 30     # a list's visible tiles, demo photos
    python bench/bench_thumbnail_recheck.py --photos 30 --source ../shared/data/hm-articles/images

Writes ``bench/results/thumbnail_recheck.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, so that this runs without an installed package
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from sane_desktop.gui.thumbnails import READY, ThumbnailLoader  # noqa: E402


def demo_photos(folder: Path, count: int) -> list[Path]:
    """``count`` drawn demo photos (the app's own generator) in ``folder``."""
    from sane_desktop.demo import generate_demo

    generate_demo(folder, seed=0, items=count, workers=0, masks=False)
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:count]


def wait_all(app: QCoreApplication, loader: ThumbnailLoader, photos: list[tuple[Path, str]]) -> None:
    while any(loader.state(path, digest) != READY for path, digest in photos) or loader.pool.activeThreadCount():
        app.processEvents()
        time.sleep(0.0005)


def delivered(app: QCoreApplication, loader: ThumbnailLoader, photos: list[tuple[Path, str]]) -> float:
    """Seconds until every photo asked for (``get``) was delivered once more."""
    seen: set[str] = set()
    loader.ready.connect(lambda key, _image: seen.add(key))
    keys = {loader.key(path, digest) for path, digest in photos}
    start = time.perf_counter()
    for path, digest in photos:
        loader.get(path, digest)
    while not keys <= seen:
        app.processEvents()
        time.sleep(0.0005)
    seconds = time.perf_counter() - start
    loader.ready.disconnect()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=30, help="thumbnails in the list (default 30: a list's visible tiles)")
    parser.add_argument("--source", type=Path, help="a folder of photos (default: drawn demo photos)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "thumbnail_recheck.json")
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])
    work = Path(tempfile.mkdtemp(prefix="bench-thumbs-"))
    try:
        files = (sorted(p for p in args.source.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[: args.photos]
                 if args.source else demo_photos(work / "demo", args.photos))
        photos = [(path, hashlib.sha256(path.read_bytes()).hexdigest()) for path in files]
        figures: dict[str, list[float]] = {"decode": [], "from_disk_cache": [], "recheck": []}
        for repeat in range(args.repeats):
            cache = work / f"cache{repeat}"
            cold = ThumbnailLoader(cache)
            figures["decode"].append(delivered(app, cold, photos))
            wait_all(app, cold, photos)
            warm = ThumbnailLoader(cache)
            figures["from_disk_cache"].append(delivered(app, warm, photos))
            wait_all(app, warm, photos)
            warm.recheck(photos)
            figures["recheck"].append(delivered(app, warm, photos))
            wait_all(app, warm, photos)
        threads = cold.pool.maxThreadCount()
        medians = {name: statistics.median(values) for name, values in figures.items()}
        result = {
            "photos": len(photos), "source": str(args.source) if args.source else "demo (drawn)",
            "mean_photo_kib": round(sum(p.stat().st_size for p, _ in photos) / len(photos) / 1024, 1),
            "repeats": args.repeats, "pool_threads": threads,
            "median_ms": {name: round(value * 1000, 2) for name, value in medians.items()},
            "ratio_to_decode": {name: round(value / medians["decode"], 3) for name, value in medians.items()},
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
