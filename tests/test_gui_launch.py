"""The window comes before the models and the database layer (issue 18 point 10): importing the
GUI's entry modules and the service package loads no torch/FAISS/torchvision/timm, no
SQLAlchemy/Alembic and no numpy/PIL; the app's worker makes the service (those imports) after the
window's first paint, then loads the models with progress in the status bar; a real launch
(``main.py --launch-probe``) paints its window with none of them loaded, then shows the catalogue. Which
modules are loaded is checked here; timings live in ``bench/bench_launch.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODELS = ("torch", "faiss", "torchvision", "timm")
DATABASE = ("sqlalchemy", "alembic")
ARRAYS = ("numpy", "PIL")  # the image and array libraries: loaded with the service, on the worker
HEAVY = MODELS + DATABASE + ARRAYS
ENTRY_MODULES = ("main", "sane_desktop.service", "sane_desktop.gui.app", "sane_desktop.gui.main_window",
                 "sane_desktop.gui.startup", "sane_desktop.gui.catalogue_manager", "sane_desktop.gui.screenshots",
                 "sane_desktop.cli", "sane_desktop.cli.gui_cmd",
                 # what the window imports from the service and the store before it is on screen
                 "sane_desktop.service.filters", "sane_desktop.service.values", "sane_desktop.store",
                 "sane_desktop.store.facet_names")


def loaded_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``heavy`` modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_importing_an_entry_module_loads_no_models_and_no_database_layer(module: str) -> None:
    assert loaded_after(f"import {module}") == []


def test_the_store_loads_alembic_only_to_open_a_database() -> None:
    assert loaded_after("import sane_desktop.store.db, sane_desktop.store.migrations", ("alembic", "mako")) == []


def test_the_colour_map_names_load_no_numpy() -> None:
    # the explanation panel lists them when the window is built; the colouring loads numpy when used
    assert loaded_after("from sane_desktop.service import COLOUR_MAPS\nassert 'inferno' in COLOUR_MAPS") == []
    assert loaded_after("from sane_desktop.service import colour_lut\nassert colour_lut('inferno').shape == (256, 3)",
                        ARRAYS) == ["numpy"]


def test_the_service_names_the_gui_uses_load_no_torch_or_faiss() -> None:
    # the names the window's modules import at their top, resolved through the lazy package
    code = ("from sane_desktop.service import CatalogueService, CatalogueDetails, ItemInfo, SearchResult, "
            "ItemFilter, COLOUR_MAPS, TILE_MAP_SIDE, device_name\n"
            "from sane_desktop.service.filters import filtered_items\n"
            "from sane_desktop.service.items import photo_pixels\n"
            "import main")
    assert loaded_after(code, MODELS) == []


def test_the_lazy_service_package_resolves_every_exported_name() -> None:
    import sane_desktop.service as service

    for name in service.__all__:
        assert getattr(service, name) is not None, name
    with pytest.raises(AttributeError):
        service.NoSuchName  # noqa: B018 - the lookup is the test


def test_the_lazy_store_package_resolves_every_exported_name() -> None:
    import sane_desktop.store as store
    from sane_desktop.store import db, importer

    assert {name: getattr(store, name) for name in store.__all__} == {
        "ImportSummary": importer.ImportSummary, "StoreError": db.StoreError, "import_catalogue": importer.import_catalogue,
        "open_store": db.open_store, "schema_version": db.schema_version}
    with pytest.raises(AttributeError):
        store.NoSuchName  # noqa: B018 - the lookup is the test


# A window made the app's way (make_service), shown, and asked for its service by a first task, in a fresh
# interpreter: what is loaded at the first paint, where the service was made, what is loaded after it.
WINDOW_FIRST = """
import json, sys, threading
from pathlib import Path
from PySide6.QtCore import QSettings
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.startup import FirstPaint, application, create_window

home = Path(sys.argv[1])
app = application()
made_on_gui_thread = []

def make_service():
    from sane_desktop.service import CatalogueService
    made_on_gui_thread.append(threading.current_thread() is threading.main_thread())
    return CatalogueService(home / "index")

settings = Settings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
window, runner = create_window(settings=settings, cache_dir=home / "thumbs", make_service=make_service)
seen = {"owner_before": repr(runner.owner)}

def owner_made(name):
    seen.update(owner=name, after=[m for m in HEAVY if m in sys.modules])
    app.quit()

def first_task(service, _state):
    assert service.list_catalogues() == []  # an empty index home
    return type(service).__name__

def painted():
    seen["at_paint"] = [m for m in HEAVY if m in sys.modules]
    runner.start(first_task, "asking for the service").on_done(owner_made).on_failed(print)

window.findChild(FirstPaint).add(painted)
window.show()
app.exec()
seen["made_on_gui_thread"] = made_on_gui_thread
print(json.dumps(seen))
"""


def test_the_app_window_is_painted_before_its_worker_makes_the_service(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "SANE_CACHE_HOME": str(tmp_path / "cache"), "SANE_LOG_HOME": str(tmp_path / "logs")}
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{WINDOW_FIRST}", str(tmp_path)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["owner_before"] == "None"  # nothing made before the worker's first task
    assert seen["at_paint"] == []  # no model, database or array library when the window is first painted
    assert seen["owner"] == "CatalogueService" and seen["made_on_gui_thread"] == [False]
    assert "sqlalchemy" in seen["after"]  # the worker imported the service, and with it the database layer


def test_a_runner_makes_its_owner_on_the_worker_and_retries_after_a_failure(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from sane_desktop.errors import InputError
    from sane_desktop.gui.tasks import TaskRunner

    attempts: list[bool] = []  # whether each attempt ran on the GUI thread

    def make_owner() -> dict[str, int]:
        attempts.append(threading.current_thread() is threading.main_thread())
        if len(attempts) == 1:
            raise InputError("the index home is not a folder")
        return {"made": len(attempts)}

    runner: TaskRunner[dict[str, int]] = TaskRunner(make_owner=make_owner)
    try:
        assert runner.owner is None and attempts == []  # nothing made before a task asks
        outcomes: list[str] = []
        for _ in range(3):
            runner.start(lambda owner, _state: f"owner {owner['made']}", "a task") \
                .on_done(outcomes.append).on_failed(lambda message: outcomes.append(f"failed: {message}"))
        qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=10000)
        # the first task fails with the maker's one line, the next makes it again, the third reuses it
        assert outcomes == ["failed: the index home is not a folder", "owner 2", "owner 2"]
        assert attempts == [False, False] and runner.owner == {"made": 2}
    finally:
        runner.shutdown()
    with pytest.raises(ValueError):
        TaskRunner()
    with pytest.raises(ValueError):
        TaskRunner({"made": 0}, make_owner=make_owner)


def test_preload_reports_progress_up_to_the_whole() -> None:
    from sane_desktop.gui.startup import CORE_MODULES, LOADING, preload_core

    seen: list[tuple[int, int, str]] = []
    preload_core(lambda done, total, message: seen.append((done, total, message)))
    assert [done for done, _total, _message in seen] == list(range(len(CORE_MODULES) + 1))
    assert {(total, message) for _done, total, message in seen} == {(len(CORE_MODULES), LOADING)}
    assert all(module in sys.modules for module in CORE_MODULES)


@pytest.mark.parametrize("deferred", [True, False, "slow-listing"],
                         ids=["fresh-process", "core-already-loaded", "listing-outlasts-the-timer"])
def test_the_catalogue_opens_first_then_the_models_load_with_progress(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      deferred: bool | str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """In a fresh process (torch not imported: this test process has it, so that is simulated) the
    catalogue opens before the models load; a process that has the core already loads it first.
    A trial's listing outlasted the models' fallback timer: its first items waited 40 s behind the
    models. The fallback now waits for an idle worker."""
    pytest.importorskip("pytestqt")
    from sane_desktop.gui import startup

    if deferred:
        monkeypatch.setattr(startup, "core_loaded", lambda: False)
    if deferred == "slow-listing":
        from sane_desktop.service import CatalogueService

        monkeypatch.setattr(startup, "MODELS_AFTER_PAINT_MS", 0)  # fires while the home is being looked at
        listing = CatalogueService.list_catalogues
        monkeypatch.setattr(CatalogueService, "list_catalogues",
                            lambda self, *a, **k: (time.sleep(1.0), listing(self, *a, **k))[1])
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
        start(window, 30)
        window.show()
        qtbot.waitUntil(first_paint.painted.is_set, timeout=10000)
        qtbot.waitUntil(lambda: window.catalogue is not None and window.browser_model.rowCount() == 30, timeout=120000)
        assert window.browser_empty.isHidden()
        qtbot.waitUntil(lambda: window.device_label.text() not in ("", "Device: loading…"), timeout=120000)
        assert window.device_label.text() == f"Device: {device_name()}"
        # the catalogue opened before the models were loaded (or after, with the core already there),
        # and the loading showed its progress
        assert (messages.index("Opening catalogue…") < messages.index(LOADING)) == bool(deferred), messages
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
    assert set(marks) == {"window-shown", "first-results", "first-thumbnail"}, done.stdout
    shown, results = float(marks["window-shown"][0]), float(marks["first-results"][0])
    assert started < shown <= results <= float(marks["first-thumbnail"][0])
    assert marks["window-shown"][1] == "torch=no"  # the window came first
    loaded = set(marks["window-shown"][2].removeprefix("loaded=").split(","))
    assert not loaded & set(HEAVY), loaded  # before the models, the database layer, numpy and PIL
    assert {"sqlalchemy", "alembic"} <= set(marks["first-results"][2].removeprefix("loaded=").split(","))
    # the catalogue's items need no model: they may show before torch is loaded


def test_the_core_loads_without_pyside_reading_each_modules_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """PySide6 reads the whole source of every module imported after it, to look for ``from
    __feature__ import``: 2,600-2,800 files for the core, a quarter of its loading time. Inside
    ``without_feature_scan`` no module is read for that; outside, PySide's check runs as before.
    PySide's own after-import callback (``feature_imported``) is called directly: whether its import
    hook fires for a given import depends on what the process imported before."""
    import types

    import PySide6.QtCore  # noqa: F401 - loads shibokensupport.feature

    from sane_desktop.gui.startup import without_feature_scan

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)) \
            or not callable(getattr(feature, "feature_imported", None)):
        pytest.skip("this PySide6 has no source scan on import")
    scanned: list[str] = []
    check = lambda module: scanned.append(module.__name__) or False  # noqa: E731
    monkeypatch.setattr(feature, "_mod_uses_pyside", check)
    outside, inside = types.ModuleType("sane_probe_outside"), types.ModuleType("sane_probe_inside")
    try:
        feature.feature_imported(outside)
        with without_feature_scan():
            feature.feature_imported(inside)
        assert scanned == ["sane_probe_outside"]
        assert feature.pyside_feature_dict["sane_probe_inside"] == -1  # "ignore this module", as for any non-PySide one
        assert feature._mod_uses_pyside is check  # put back
    finally:
        for module in (outside, inside):
            feature.pyside_feature_dict.pop(module.__name__, None)


def test_thumbnails_load_no_model(tmp_path: Path) -> None:
    """Trial E: every tile of a warm start showed "…" until the models had loaded (30–45 s under load;
    5 s on a quiet machine, ``/tmp``-style probe in the closing note). A cached thumbnail is checked
    against its photo's content hash, and that check reached ``file_hash`` through the indexing
    package, which imports torch and FAISS: the pool's threads waited on the worker's import. The
    thumbnail jobs, decode and check both, load no model library."""
    from PIL import Image

    photo = tmp_path / "tee.jpg"
    Image.new("RGB", (60, 80), "red").save(photo)
    code = (
        "from pathlib import Path\n"
        "from sane_desktop.gui.thumbnails import _Signals, _ThumbnailJob\n"
        "from sane_desktop.catalogue.content_hash import file_hash\n"
        f"photo, cache = Path({str(photo)!r}), Path({str(tmp_path / 'thumb.png')!r})\n"
        "job = _ThumbnailJob('k', photo, cache, 64, _Signals(), file_hash(photo))\n"
        "image, state = job._decode()\n"
        "assert state == 'ready' and cache.is_file(), state\n"
        "assert job._source_state() == 'ready'\n")
    assert loaded_after(code, MODELS + ("sklearn",)) == []


def test_a_model_that_is_not_there_is_refused_before_a_window_opens(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A leftover of trial BO: ``gui --model`` of a missing file opened the window (and said so only when a
    catalogue loaded). ``gui`` and ``main.py`` refuse it in one line first, as every command does; a folder
    is named as one; a shipped model's bare name still names it."""
    import runpy

    from sane_desktop.cli import main
    from sane_desktop.service.model_names import named_model

    launcher = runpy.run_path(str(Path(__file__).resolve().parent.parent / "main.py"), run_name="launcher")
    home = ["--index-home", str(tmp_path / "home")]
    junk = tmp_path / "notes.pt"
    junk.write_text("not a model")  # there, but no checkpoint: it opened the window (trial BU)
    for given, said in ((tmp_path / "nope.pt", "checkpoint not found"), (tmp_path, "is a folder, not a checkpoint"),
                        (junk, "is not a loadable checkpoint")):
        assert main([*home, "gui", "--model", str(given)]) == 4  # a model error, as every command exits on one
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and said in err and len(err.splitlines()) == 1, err
        assert launcher["main"]([*home, "--model", str(given)]) == 4  # the same code as `gui` (it said 1)
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and said in err and len(err.splitlines()) == 1, err
    assert named_model(Path("demo.pt")).is_file()  # the shipped one, from any working folder
