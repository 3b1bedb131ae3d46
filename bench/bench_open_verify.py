"""Checking index files when a catalogue opens: SHA-256 of every file, against remembered digests (issue 19).

Opening a catalogue verifies each index file and re-rank store against its manifest's SHA-256
(:func:`sane_desktop.retrieval.indexing.verify.load_verified`). This measures, in one process, the
three ways to get those digests for the files of a folder:

- ``hash``: read and hash every file (what every open did before :mod:`~sane_desktop.retrieval.indexing.digests`);
- ``first``: :func:`~sane_desktop.retrieval.indexing.digests.verified_hash` with no record yet
  (hash + remember: what the build now does once);
- ``remembered``: ``verified_hash`` again (one ``stat`` a file: every later open).

The page cache is dropped before the ``hash`` and ``first`` passes where the process may
(``/proc/sys/vm/drop_caches``, root), so they read from disk; the JSON says whether it could.

    python bench/bench_open_verify.py --dir /scratch/scale-app     # bench_scale_app.py's 10M files
    python bench/bench_open_verify.py --gib 2                       # a temporary folder of random files

Writes ``bench/results/open_verify.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, so that this runs without an installed package

from sane_desktop.retrieval.indexing.digests import DIGESTS, verified_hash  # noqa: E402
from sane_desktop.retrieval.indexing.scan import file_hash  # noqa: E402


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def index_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and (p.suffix == ".faiss" or p.name.endswith(".npy"))
                  and not p.name.startswith(("queries", "truth")))


def timed(files: list[Path], digest: Callable[[Path], str]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    values = [digest(path) for path in files]
    return time.perf_counter() - start, values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="a folder of index files (*.faiss, *.npy)")
    parser.add_argument("--gib", type=float, default=1.0, help="without --dir: GiB of random files to make")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "open_verify.json")
    args = parser.parse_args()
    made = None
    if args.dir is None:
        made = Path(tempfile.mkdtemp(prefix="sane-open-verify-"))
        chunk = os.urandom(1 << 20)
        for i in range(4):
            with open(made / f"category{i}.faiss", "wb") as handle:
                for _ in range(int(args.gib * 1024 / 4)):
                    handle.write(chunk)
    folder = made or args.dir
    try:
        files = index_files(folder)
        (folder / DIGESTS).unlink(missing_ok=True)
        total = sum(p.stat().st_size for p in files)
        dropped = drop_page_cache()
        hash_seconds, hashed = timed(files, file_hash)
        drop_page_cache()
        first_seconds, first = timed(files, verified_hash)
        remembered_seconds, remembered = timed(files, verified_hash)
        assert hashed == first == remembered, "the remembered digests must be the files' digests"
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        elif args.dir is not None:
            (args.dir / DIGESTS).unlink(missing_ok=True)
    report = {
        "benchmark": "open_verify", "files": len(files), "bytes": total, "page_cache_dropped": dropped,
        "hash_seconds": round(hash_seconds, 2), "first_seconds": round(first_seconds, 2),
        "remembered_seconds": round(remembered_seconds, 5),
        "remembered_vs_hash": round(remembered_seconds / hash_seconds, 7) if hash_seconds else None,
        "hash_mb_per_s": round(total / 2**20 / hash_seconds, 1) if hash_seconds else None,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
