"""Time from an outfit change to every visible result tile explained (chip + overlay), in the GUI.

In one process, per device (CPU, and CUDA when present): a 120-item demo catalogue indexed with the
bundled demo model (``sane_desktop/resources/models/demo.pt``) or, until it lands, a seeded default-size model
(width 64, shared-trunk attribute net). The offscreen main window (1500×940) gets a new 2-item outfit
``--repeats`` times; we time outfit change -> results shown -> all visible tiles explained. Then the
service alone: the batched tile pass (stored cells, one attribute-net pass) against the baseline of
one click-through fast explanation per tile (two image passes each). Writes bench/results/gui_tiles.json.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from sane_desktop.gui.app import application, create_window  # noqa: E402
from sane_desktop.gui.models import Role  # noqa: E402
from sane_desktop.gui.screenshots import open_first_catalogue, wait_until  # noqa: E402
from sane_desktop.gui.settings import Settings  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "gui_tiles.json"


def build_world(root: Path) -> tuple[Path, str]:
    from sane_desktop.catalogue import read_catalogue
    from sane_desktop.demo import generate_demo
    from sane_desktop.models import AttributeNet, CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
    from sane_desktop.models.checkpoint import demo_model_path

    generate_demo(root / "source", seed=0, items=120, masks=False)
    if demo_model_path().is_file():
        return demo_model_path(), "demo.pt"
    catalogue = read_catalogue(root / "source", validate_images=False)
    torch.manual_seed(0)
    net = CompatibilityNet(catalogue.categories())
    names = sorted({f"{key}={value}" for item in catalogue.items for key, value in item.attributes.items()})
    attributes = AttributeNet(names or [f"attribute-{n}" for n in range(32)], trunk=net.trunk)
    save_checkpoint(root / "model.pt", ModelBundle(net, attributes, Preprocessing()))
    return root / "model.pt", "seeded default-size model (demo.pt not present)"


def outfits(window, count: int) -> list[list[int]]:  # type: ignore[no-untyped-def]
    by_category: dict[str, list[int]] = {}
    for item in window.browser_model.items():
        by_category.setdefault(item.category, []).append(item.pk)
    names = sorted(by_category)
    return [[by_category[names[n % len(names)]][n], by_category[names[(n + 1) % len(names)]][n]] for n in range(count)]


def all_visible_explained(window) -> bool:  # type: ignore[no-untyped-def]
    rows = window.results.visible_rows()
    model = window.results_model
    return bool(rows) and all(model.data(model.index(r), Role.Tile) is not None for r in rows)


def gui_timings(service: CatalogueService, scratch: Path, repeats: int) -> dict[str, object]:
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window, runner = create_window(service, settings, cache_dir=scratch / "thumbs")
    window.resize(1500, 940)
    window.show()
    try:
        open_first_catalogue(window, build_demo=False, demo_items=120, timeout_s=120)
        to_results, to_tiles, visible = [], [], []
        for outfit in outfits(window, repeats + 1):
            window.outfit_panel.clear()
            start = time.perf_counter()
            window.add_to_outfit(outfit)
            wait_until(lambda: window.results_model.rowCount() > 0 and
                       len(window.results_model.row(0).contributions) == 2, 120, "results")
            shown = time.perf_counter()
            wait_until(lambda: all_visible_explained(window), 120, "tile explanations")
            done = time.perf_counter()
            to_results.append(shown - start)
            to_tiles.append(done - start)
            visible.append(len(window.results.visible_rows()))
        # the first change also warms up (model load, index open): reported apart
        return {"first_change_to_tiles_s": round(to_tiles[0], 4),
                "median_change_to_results_s": round(statistics.median(to_results[1:]), 4),
                "median_change_to_all_visible_tiles_s": round(statistics.median(to_tiles[1:]), 4),
                "changes_to_tiles_s": [round(t, 4) for t in to_tiles[1:]],
                "visible_tiles": visible[1:]}
    finally:
        window.close()
        runner.shutdown()


def service_timings(service: CatalogueService, tiles: int) -> dict[str, object]:
    service.open_catalogue("demo")
    items = service.items()
    outfit = [items[0].pk, next(i.pk for i in items if i.category != items[0].category)]
    results = [r for rs in service.search(outfit, "", 24).values() for r in rs][:tiles]
    pairs = [(r.item.pk, r.best_outfit_item()) for r in results]
    service.explain_tiles(pairs)  # warm-up: model, images decoded once per session either way
    start = time.perf_counter()
    service.explain_tiles(pairs)
    batched = time.perf_counter() - start
    for pair in pairs:  # warm the same caches for the baseline
        next(service.explain(*pair, refine=False))
    start = time.perf_counter()
    for pair in pairs:
        next(service.explain(*pair, refine=False))
    one_by_one = time.perf_counter() - start
    return {"tiles": len(pairs), "batched_tiles_s": round(batched, 4), "one_click_through_per_tile_s": round(one_by_one, 4),
            "speed_up": round(one_by_one / batched, 2) if batched else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    application()
    report: dict[str, object] = {"platform": platform.platform(), "torch_threads": torch.get_num_threads(),
                                 "cpu_count": os.cpu_count(), "devices": {}}
    with tempfile.TemporaryDirectory(prefix="sane-bench-gui-") as folder:
        root = Path(folder)
        model, model_note = build_world(root)
        report["model"] = model_note
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for device in devices:
            home = root / f"index-{device}"
            CatalogueService(home, model=model, device=device).index_folder(root / "source", "demo")
            entry = gui_timings(CatalogueService(home, model=model, device=device), root / f"gui-{device}", args.repeats)
            entry["service"] = service_timings(CatalogueService(home, model=model, device=device), tiles=24)
            if device == "cuda":
                entry["gpu"] = torch.cuda.get_device_name(0)
            report["devices"][device] = entry  # type: ignore[index]
            print(device, json.dumps(entry))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
