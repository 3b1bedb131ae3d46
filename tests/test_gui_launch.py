"""The window comes before the models (issue 18 point 10): importing the GUI's entry modules and the
service loads no torch/FAISS/torchvision/timm, the worker loads them after the window's first paint
with progress in the status bar, and a real launch (``main.py --launch-probe``) paints its window
with torch still unloaded, then shows the catalogue. Timings live in ``bench/bench_launch.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "faiss", "torchvision", "timm")
ENTRY_MODULES = ("sane_desktop.service", "sane_desktop.gui.app", "sane_desktop.gui.main_window",
                 "sane_desktop.gui.startup", "sane_desktop.gui.catalogue_manager", "sane_desktop.cli",
                 "sane_desktop.cli.gui_cmd")


def loaded_after(code: str) -> list[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_importing_an_entry_module_loads_no_torch_or_faiss(module: str) -> None:
    assert loaded_after(f"import {module}") == []


def test_the_service_names_the_gui_uses_load_no_torch_or_faiss() -> None:
    # the names the window's modules import at their top, resolved through the lazy package
    code = ("from sane_desktop.service import CatalogueService, CatalogueDetails, ItemInfo, SearchResult, "
            "ItemFilter, COLOUR_MAPS, TILE_MAP_SIDE, device_name\n"
            "from sane_desktop.service.filters import filtered_items\n"
            "from sane_desktop.service.items import photo_pixels\n"
            "import main")
    assert loaded_after(code) == []


def test_the_lazy_service_package_resolves_every_exported_name() -> None:
    import sane_desktop.service as service

    for name in service.__all__:
        assert getattr(service, name) is not None, name
    with pytest.raises(AttributeError):
        service.NoSuchName  # noqa: B018 - the lookup is the test


def test_preload_reports_progress_up_to_the_whole() -> None:
    from sane_desktop.gui.startup import CORE_MODULES, LOADING, preload_core

    seen: list[tuple[int, int, str]] = []
    preload_core(lambda done, total, message: seen.append((done, total, message)))
    assert [done for done, _total, _message in seen] == list(range(len(CORE_MODULES) + 1))
    assert {(total, message) for _done, total, message in seen} == {(len(CORE_MODULES), LOADING)}
    assert all(module in sys.modules for module in CORE_MODULES)


@pytest.mark.parametrize("deferred", [True, False], ids=["fresh-process", "core-already-loaded"])
def test_the_catalogue_opens_first_then_the_models_load_with_progress(qtbot, tmp_path: Path, deferred: bool,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """In a fresh process (torch not imported: this test process has it, so that is simulated) the
    catalogue opens before the models load; a process that has the core already loads it first."""
    pytest.importorskip("pytestqt")
    from sane_desktop.gui import startup

    if deferred:
        monkeypatch.setattr(startup, "core_loaded", lambda: False)
    from PySide6.QtCore import QSettings

    from demo_world import build_demo_world
    from sane_desktop.gui.settings import Settings
    from sane_desktop.gui.startup import CORE_MODULES, LOADING, FirstPaint, create_window, start
    from sane_desktop.service import device_name

    service = build_demo_world(tmp_path, 30, device="cpu")
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window, runner = create_window(service, settings, cache_dir=tmp_path / "thumbs")
    qtbot.addWidget(window)
    try:
        assert not window.browser_empty.isHidden()  # says what is happening from the first paint
        first_paint = window.findChild(FirstPaint)
        assert first_paint is not None and not first_paint.painted.is_set()
        messages: list[str] = []
        runner.activity.connect(messages.append)
        start(window, service, 30)
        window.show()
        qtbot.waitUntil(first_paint.painted.is_set, timeout=10000)
        qtbot.waitUntil(lambda: window.catalogue is not None and window.browser_model.rowCount() == 30, timeout=120000)
        assert window.browser_empty.isHidden()
        qtbot.waitUntil(lambda: window.device_label.text() not in ("", "Device: loading…"), timeout=120000)
        assert window.device_label.text() == f"Device: {device_name()}"
        # the catalogue opened before the models were loaded (or after, with the core already there),
        # and the loading showed its progress
        assert (messages.index("Opening catalogue…") < messages.index(LOADING)) == deferred, messages
        assert window.progress.maximum() == len(CORE_MODULES) and window.progress.isHidden()  # the status bar's bar
    finally:
        runner.shutdown()


@pytest.mark.slow
def test_a_real_launch_paints_its_window_before_torch_loads(tmp_path: Path) -> None:
    from demo_world import build_demo_world

    build_demo_world(tmp_path, 30, device="cpu")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SANE_INDEX_HOME": str(tmp_path / "index")}
    started = time.time()
    done = subprocess.run([sys.executable, "main.py", "--launch-probe", "--index-home", str(tmp_path / "index")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    marks = {line.split()[1]: line.split()[2:] for line in done.stdout.splitlines() if line.startswith("launch-probe ")}
    assert set(marks) == {"window-shown", "first-results"}, done.stdout
    shown, results = float(marks["window-shown"][0]), float(marks["first-results"][0])
    assert started < shown <= results
    assert marks["window-shown"][1] == "torch=no"  # the window came first
    # the catalogue's items need no model: they may show before torch is loaded
