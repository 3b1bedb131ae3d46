"""What the strict JPEG check costs at import, and whether it refuses sound photos.

:func:`sane_desktop.catalogue.images.inspect_image` decodes every JPEG's data strictly
(libjpeg-turbo through simplejpeg, 1/8 scale, :func:`~sane_desktop.catalogue.images.check_jpeg_data`)
so that a file with zeroed or garbled data — which Pillow decodes without an error, the lost blocks
grey — is skipped. On every JPEG of the shared MANGO and H&M catalogues, in one process: the
import's per-file check with the strict pass (``inspect_image``) against the same check without it
(the baseline, the pass replaced by a no-op), best of ``--repeats``, as a ratio; and how many sound
photos it refuses (false positives: all of them are sound product photos), and how many of the same
photos with their middle third zeroed it catches (the fault it exists for). Writes
bench/results/jpeg_check.json.

    .venv/bin/python bench/bench_jpeg_check.py [--repeats 2] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from unittest import mock

from sane_desktop.catalogue import images
from sane_desktop.catalogue.images import ImageRejected, inspect_image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results" / "jpeg_check.json"


def timed(paths: list[Path], repeats: int) -> tuple[float, int]:
    """Best-of seconds to inspect every file, and how many were refused."""
    best, refused = float("inf"), 0
    for _ in range(repeats):
        refused = 0
        start = time.perf_counter()
        for path in paths:
            try:
                inspect_image(path)
            except ImageRejected:
                refused += 1
        best = min(best, time.perf_counter() - start)
    return best, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos per catalogue (0: all)")
    args = parser.parse_args()
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                              "load": os.getloadavg()[0]}}
    for name in ("mango-outfits", "hm-articles"):
        paths = sorted(p for p in (SHARED / name).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))
        paths = paths[: args.limit] if args.limit else paths
        if not paths:
            print(f"{name}: not found under {SHARED}, skipped")
            continue
        strict, refused = timed(paths, args.repeats)
        with mock.patch.object(images, "check_jpeg_data", lambda data: None):
            baseline, _ = timed(paths, args.repeats)
        with tempfile.TemporaryDirectory() as scratch:  # the same photos, their middle third zeroed
            damaged = []
            for number, path in enumerate(paths[:500]):
                data = bytearray(path.read_bytes())
                third = len(data) // 3
                data[third: 2 * third] = bytes(third)
                target = Path(scratch) / f"{number}.jpg"
                target.write_bytes(bytes(data))
                damaged.append(target)
            _, caught = timed(damaged, 1)
            with mock.patch.object(images, "check_jpeg_data", lambda data: None):
                _, caught_before = timed(damaged, 1)
        results[name] = {
            "photos": len(paths), "strict_s": round(strict, 3), "baseline_s": round(baseline, 3),
            "ratio": round(strict / baseline, 3), "ms_per_photo_added": round((strict - baseline) / len(paths) * 1e3, 3),
            "sound_photos_refused": refused,
            "zeroed_middle": {"photos": len(damaged), "caught": caught, "caught_without_strict_pass": caught_before},
        }
        print(name, json.dumps(results[name]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
