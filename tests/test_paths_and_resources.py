"""Resources shipped inside the package, per-user folders, ``--index-home``, and an installed layout:
the package alone (no checkout around it) runs ``demo → index → query`` and writes nothing into itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path
from typing import Callable

import pytest

from sane_desktop import paths

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sane_desktop"


def test_demo_model_and_mappings_are_package_resources() -> None:
    from sane_desktop.catalogue.manifest import load_mapping
    from sane_desktop.models import demo_model_path, load_checkpoint

    package = Path(str(resources.files("sane_desktop")))
    model = demo_model_path()
    assert model == paths.resource("models", "demo.pt") and model.is_file()
    assert package in model.parents  # inside the package, not beside a checkout
    bundle = load_checkpoint(model)
    assert bundle.content_hash and bundle.attributes is not None
    assert model.with_suffix(".selection.json").is_file()  # read beside the model (explain/pipeline.py)
    assert json.loads(paths.resource("models", "demo.json").read_text(encoding="utf-8"))
    mappings = sorted(path.name for path in paths.resource("mappings").glob("*.json"))
    assert mappings == ["hm-articles.json", "mango-outfits.json"]
    for name in mappings:
        load_mapping(paths.resource("mappings", name))
    assert (paths.resource("mappings") / "README.md").is_file()
    assert not (REPO / "resources").exists(), "the top-level resources/ moved into sane_desktop/resources/"


def test_a_shipped_mapping_picks_the_reader(tmp_path: Path) -> None:
    from sane_desktop.catalogue.detect import detect_format, shipped_mapping

    mapping = paths.resource("mappings", "mango-outfits.json")
    table = json.loads(mapping.read_text(encoding="utf-8"))["items"]["table"]
    (tmp_path / table).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / table).write_text("id\n", encoding="utf-8")
    assert shipped_mapping(tmp_path) == mapping
    assert detect_format(tmp_path) == "manifest"


def test_resources_from_a_zipped_package_are_real_side_by_side_files(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (PACKAGE / "resources").rglob("*"):
            if path.is_file():
                zipped.write(path, f"sane_desktop/{path.relative_to(PACKAGE).as_posix()}")
    with zipfile.ZipFile(archive) as zipped:
        monkeypatch.setattr(paths._resources, "files", lambda _name: zipfile.Path(zipped, "sane_desktop/"))
        monkeypatch.setattr(paths, "_extracted_resources", None)
        model = paths.resource("models", "demo.pt")
        assert model.is_file() and model.read_bytes() == (PACKAGE / "resources" / "models" / "demo.pt").read_bytes()
        assert model.with_suffix(".selection.json").is_file()
        assert paths.resource("mappings", "hm-articles.json").is_file()
        assert PACKAGE not in model.parents


def test_per_user_folders_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest: HOME and the XDG folders are a session tmp folder, so the defaults land there
    assert paths.user_data_dir().is_relative_to(Path(os.environ["HOME"]))
    assert paths.user_config_dir().is_relative_to(Path(os.environ["SANE_CONFIG_HOME"]).parent)
    monkeypatch.delenv("SANE_INDEX_HOME")
    assert paths.index_home() == paths.user_data_dir() / "catalogues"
    assert PACKAGE not in paths.index_home().parents and REPO not in paths.index_home().parents
    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path / "env"))
    assert paths.index_home() == tmp_path / "env"
    paths.use_index_home(tmp_path / "option")
    try:
        assert paths.index_home() == tmp_path / "option"  # the CLI option beats the variable
    finally:
        paths.use_index_home(None)
    monkeypatch.setenv("SANE_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SANE_CONFIG_HOME", str(tmp_path / "config"))
    assert paths.user_cache_dir() == tmp_path / "cache" and paths.user_config_dir() == tmp_path / "config"


def test_gui_settings_and_thumbnails_go_to_the_per_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6")
    from sane_desktop.gui.settings import Settings
    from sane_desktop.gui.thumbnails import default_cache_dir

    monkeypatch.setenv("SANE_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SANE_CACHE_HOME", str(tmp_path / "cache"))
    settings = Settings()
    settings.set("theme", "dark")
    settings.sync()
    assert Path(settings.qsettings.fileName()) == tmp_path / "config" / "settings.ini"
    assert "dark" in (tmp_path / "config" / "settings.ini").read_text(encoding="utf-8")
    assert default_cache_dir() == tmp_path / "cache" / "thumbnails"


def test_global_index_home_option_comes_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sane_desktop.cli import build_parser, main

    args = build_parser().parse_args(["--index-home", str(tmp_path / "home"), "gui"])
    assert args.global_index_home == tmp_path / "home" and args.index_home is None  # gui's own default kept apart
    source = tmp_path / "shop"
    from PIL import Image

    for category, colour in [("tops", "red"), ("shoes", "blue")]:
        (source / category).mkdir(parents=True)
        for n in range(2):
            Image.new("RGB", (40, 60), colour).save(source / category / f"{colour}{n}.jpg")
    assert main(["--index-home", str(tmp_path / "home"), "import", str(source), "--json"]) == 0
    capsys.readouterr()
    assert (tmp_path / "home" / "shop" / "catalogue.db").is_file()
    assert not (Path(os.environ["SANE_INDEX_HOME"]) / "shop").exists()


@pytest.mark.parametrize("layout", ["lib/site-packages", "target", "checkout-without-project"])
def test_a_package_outside_a_checkout_counts_as_installed_wherever_it_lies(tmp_path: Path, layout: str) -> None:
    """Trial AR: ``pip install --target DIR`` put the package under no ``site-packages`` folder, the
    guard took it for a checkout, and ``train --out DIR/sane_desktop/resources/models/demo.pt``
    overwrote the bundled model. A source checkout is told by its pyproject.toml."""
    site = tmp_path / layout
    shutil.copytree(PACKAGE, site / "sane_desktop", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    if layout == "checkout-without-project":
        (site / "pyproject.toml").write_text('[project]\nname = "another-project"\n')
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", "import sane_desktop.paths as p; print(p.installed_package())"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip()) == (site / "sane_desktop").resolve()
    (site / "pyproject.toml").write_text('[project]\nname = "sane-desktop"\n')  # a checkout: writes allowed
    done = subprocess.run([sys.executable, "-c", "import sane_desktop.paths as p; print(p.installed_package())"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.stdout.strip() == "None", done.stderr[-2000:]


def test_writes_inside_an_installed_package_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an installed package (under site-packages) refuses: from a checkout the README's
    developer commands write the bundled models on purpose."""
    from sane_desktop.demo import generate_demo
    from sane_desktop.errors import InputError
    from sane_desktop.explain.pipeline import check_selection_output
    from sane_desktop.models.checkpoint import check_model_output
    from sane_desktop.service import Catalogues
    from sane_desktop.service.outfits import write_outfit_csv

    assert paths.installed_package() is None  # this checkout
    assert check_model_output(PACKAGE / "resources" / "models" / "demo.pt")
    package = tmp_path / "lib" / "site-packages" / "sane_desktop"
    (package / "resources" / "models").mkdir(parents=True)
    monkeypatch.setattr(paths, "installed_package", lambda: package)
    for refused in (lambda: check_model_output(package / "resources" / "models" / "demo.pt"),
                    lambda: check_selection_output(package / "resources" / "models" / "demo.selection.json"),
                    lambda: paths.temporary_sibling(package / "resources" / "x.npy"),
                    lambda: Catalogues(package / "resources"),
                    lambda: generate_demo(package / "resources" / "demo", items=30),
                    lambda: write_outfit_csv(package / "look.csv", [], {}),  # the GUI's exports
                    lambda: paths.write_atomically(package / "look.png", lambda file: file.write_bytes(b"x") > 0),
                    lambda: check_model_output(package / "resources" / ".." / ".." / "sane_desktop" / "m.pt")):
        with pytest.raises(InputError, match="inside the installed sane-desktop package"):
            refused()
    monkeypatch.setenv("SANE_INDEX_HOME", str(package))
    with pytest.raises(InputError, match="^SANE_INDEX_HOME .*choose a folder of your own$"):
        paths.index_home()
    assert check_model_output(tmp_path / "lib" / "model.pt")  # beside it is fine
    assert not any(package.rglob("*.*")), "a refused write left a file"


def test_an_export_that_fails_half_way_keeps_the_file_it_would_replace(tmp_path: Path) -> None:
    """The GUI's exports (explanation PNG, outfit PNG/PDF/CSV) write a temporary beside the file
    and rename it: a writer that fails half-way, by saying so or by raising, leaves the old file
    whole and nothing beside it; one that succeeds replaces it, the name's suffix reaching the
    writer (Qt picks the image format by it)."""
    target = tmp_path / "look.png"
    target.write_bytes(b"the look saved yesterday")
    seen: list[Path] = []

    def half_then(result: bool) -> Callable[[Path], bool]:
        def write(file: Path) -> bool:
            seen.append(file)
            file.write_bytes(b"half a pict")
            return result
        return write

    assert paths.write_atomically(target, half_then(False)) is False
    assert paths.write_atomically(target, lambda file: file.read_bytes() == b"") is False  # OSError: not written

    def raising(file: Path) -> bool:
        file.write_bytes(b"half")
        raise ValueError("the painter gave up")

    with pytest.raises(ValueError, match="gave up"):  # any other error passes through
        paths.write_atomically(target, raising)
    assert target.read_bytes() == b"the look saved yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["look.png"]
    assert paths.write_atomically(target, half_then(True)) is True
    assert target.read_bytes() == b"half a pict" and sorted(p.name for p in tmp_path.iterdir()) == ["look.png"]
    assert all(file.suffix == ".png" and file.parent == tmp_path for file in seen)
    assert paths.write_atomically(tmp_path / "gone" / "look.png", half_then(True)) is False  # no such folder


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns) if path.is_file() else (-1, 0)
            for path in folder.rglob("*")}


@pytest.mark.slow
def test_installed_layout_runs_demo_index_query_without_writing_into_the_package(tmp_path: Path) -> None:
    """The package copied alone (as a wheel installs it) works from an empty folder with a fresh HOME."""
    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE, site / "sane_desktop", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    home, work = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    work.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SANE_", "XDG_")) and key not in ("PYTHONPATH", "HOME")}
    env.update(HOME=str(home), PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1", QT_QPA_PLATFORM="offscreen")
    before = _snapshot(site)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600, cwd=work, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    where = run("-c", "import sane_desktop, sane_desktop.paths as p; print(sane_desktop.__file__); "
                      "print(p.index_home()); print(p.resource('models', 'demo.pt'))").stdout.splitlines()
    assert Path(where[0]).parent == site / "sane_desktop"  # the copy, not the checkout
    assert Path(where[1]).is_relative_to(home) and Path(where[2]).is_relative_to(site)
    source = tmp_path / "demo-source"
    run("-m", "sane_desktop", "demo", str(source), "--items", "40", "--no-masks", "--workers", "1", "--json")
    indexed = json.loads(run("-m", "sane_desktop", "index", str(source), "--name", "demo", "--workers", "0",
                             "--json").stdout)
    assert indexed["index_dir"] and Path(indexed["index_dir"]).is_relative_to(home)
    assert (Path(where[1]) / "demo" / "catalogue.db").is_file()
    item = next(iter(json.loads((source / "polyvore_item_metadata.json").read_text(encoding="utf-8"))))
    found = json.loads(run("-m", "sane_desktop", "query", "demo", "--outfit", item, "-k", "3", "--json").stdout)
    assert found

    # asked for in so many words, a write inside the package is refused before any work, one line each
    package = site / "sane_desktop"
    for args in (["train", str(source), "--out", str(package / "resources" / "models" / "demo.pt")],
                 ["--index-home", str(package / "resources"), "index", str(source), "--name", "inside"],
                 ["gui", "--index-home", str(package / "resources")],
                 ["index", str(source), "--name", "inside", "--index-dir", str(package / "index")],
                 ["import", str(source), "--name", "inside", "--db", f"sqlite:///{package / 'inside.db'}"]):
        done = subprocess.run([sys.executable, "-m", "sane_desktop", *args], capture_output=True, text=True,
                              timeout=600, cwd=work, env=env)
        assert done.returncode != 0, args
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "inside the installed sane-desktop package" in errors[0], done.stderr[-2000:]
        assert "Traceback" not in done.stderr
    assert _snapshot(site) == before, "something was written inside the installed package"
    assert not any(work.iterdir()), "something was written into the working folder"


def test_both_launchers_build_a_demo_of_one_size(capsys: pytest.CaptureFixture[str]) -> None:
    """`python main.py` built a 600-item demo and `sane-desktop gui` a 120-item one, each said to be what
    `make run` does (trial AV). One number now, :data:`paths.DEMO_ITEMS`, in both helps."""
    import runpy

    from sane_desktop.cli import build_parser
    from sane_desktop.paths import DEMO_ITEMS

    assert build_parser().parse_args(["gui"]).demo_items == DEMO_ITEMS
    launcher = runpy.run_path(str(Path(__file__).resolve().parent.parent / "main.py"), run_name="launcher")
    with pytest.raises(SystemExit):
        launcher["main"](["--help"])
    assert f"(default {DEMO_ITEMS})" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("value", ["1,5", "99999999999999999999", "", "x"])
def test_both_launchers_refuse_a_demo_size_in_the_same_words(value: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`main.py --demo-items 1,5` gave argparse's "invalid int value: '1,5'" and a 20-digit size was taken,
    where `gui --demo-items` refused both in words (the last stop's note): one option type for both."""
    import runpy

    from sane_desktop.cli import main

    launcher = runpy.run_path(str(Path(__file__).resolve().parent.parent / "main.py"), run_name="launcher")
    said = []
    for run, argv in ((main, ["--index-home", str(tmp_path), "gui"]), (launcher["main"], ["--index-home", str(tmp_path)])):
        with pytest.raises(SystemExit) as exit_:
            run([*argv, "--demo-items", value])
        err = capsys.readouterr().err.strip()
        assert exit_.value.code == 1 and len(err.splitlines()) == 1 and "invalid" not in err, err
        said.append(err.split("--demo-items", 1)[1].split(" (see ")[0])
    assert said[0] == said[1], said
    assert not any(tmp_path.iterdir())


def test_a_home_variable_written_with_a_tilde_is_under_the_home_folder(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial BV: ``SANE_LOG_HOME='~/logs'`` (quoted: the shell leaves the ~) made ``./~/logs`` in the working
    folder, while ``SANE_INDEX_HOME`` read it as the home folder."""
    from sane_desktop import paths

    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    for variable, folder in (("SANE_CACHE_HOME", paths.user_cache_dir), ("SANE_LOG_HOME", paths.user_log_dir),
                             ("SANE_CONFIG_HOME", paths.user_config_dir), ("SANE_INDEX_HOME", paths.index_home)):
        monkeypatch.setenv(variable, "~/x")
        assert folder() == tmp_path / "me" / "x", variable


def test_one_place_by_any_of_its_names_and_a_loop_of_links_only_as_written(tmp_path: Path) -> None:
    """``paths.same_path``, the one comparison of folders (a catalogue's source, an index folder): links and
    ``~`` followed; a path that cannot be resolved (a loop of links) is its place only when written the same."""
    from sane_desktop.paths import same_path

    real = tmp_path / "photos"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert same_path(tmp_path / "link", real) and same_path(str(real) + "/", real)
    assert not same_path(real, tmp_path / "other")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # resolve() raises RuntimeError (3.11) or OSError: never a crash
    assert same_path(loop, loop) and not same_path(loop, real)
