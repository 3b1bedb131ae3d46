"""What the index check costs an explanation (``retrieval/index_state.py``), in one process.

Every explanation first checks that the catalogue's index may answer for the model now (the rules search
uses: manifest, model, rows, build, and each FAISS file against its manifest's SHA-256 — a ``stat`` while
the file is unchanged, :mod:`~sane_desktop.retrieval.indexing.digests`). This measures, on a drawn demo
catalogue indexed with the bundled demo model:

- ``check``: :meth:`Explanations.check_index` alone (median of ``--repeats`` calls);
- ``explain``: a pair explanation (its first, fast map; no cache), which includes one check;

and gives their ratio. The load average is recorded: figures from a run under load are labelled so.

    .venv/bin/python bench/bench_explain_check.py [--items 300] [--repeats 200]

Writes ``bench/results/explain_check.json`` (``--out`` to change).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, so that this runs without an installed package

from sane_desktop.demo import generate_demo  # noqa: E402
from sane_desktop.models.checkpoint import demo_model_path  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402
from sane_desktop.service.catalogues import index_check  # noqa: E402
from sane_desktop.service.explanation import Explanations  # noqa: E402


def median_seconds(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm: the model loaded, the digests remembered
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "explain_check.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        generate_demo(root / "source", seed=0, items=args.items, masks=False)
        service = CatalogueService(root / "index", model=demo_model_path(), device="cpu")
        service.index_folder(root / "source", "demo")
        service.open_catalogue("demo")
        current = service.current()
        # the app's explanations of this catalogue, without their cache (each call computes the map)
        explanations = Explanations(current.items, current.model, current.folder, cache_dir=None,
                                    verify_index=index_check("demo", current.folder, current.model,
                                                             current.items.engine))
        items = service.items()
        outfit, candidate = items[0].pk, next(i.pk for i in items if i.category != items[0].category)
        files = len(list((root / "index" / "demo" / "faiss").glob("*.faiss")))
        check = median_seconds(explanations.check_index, args.repeats)
        explain = median_seconds(lambda: list(explanations.explain(candidate, outfit, refine=False)),
                                 max(5, args.repeats // 20))
        result = {
            "items": args.items, "faiss_files": files, "repeats": args.repeats,
            "check_ms": round(check * 1000, 3), "explain_ms": round(explain * 1000, 2),
            "check_share_of_explain": round(check / explain, 4),
            "load_average": os.getloadavg(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "command": f"bench/bench_explain_check.py --items {args.items} --repeats {args.repeats}",
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
