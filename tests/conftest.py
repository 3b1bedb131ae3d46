"""Shared test fixtures: headless Qt, the shared evaluation data, a throwaway PostgreSQL server."""

from __future__ import annotations

import faulthandler
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


_FAULTS: list[Any] = []  # the open fault file: faulthandler writes to its descriptor until the run ends


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler plugin, which points it at stderr
def pytest_configure(config: pytest.Config) -> None:
    """``make test`` sets SANE_TEST_FAULTS: a crash's stacks go to that file, which
    ``tools/say_test_fault.sh`` prints with the crashing thread first (CI keeps a long log's ends only)."""
    path = os.environ.get("SANE_TEST_FAULTS")
    if path:
        _FAULTS.append(open(path, "w", encoding="utf-8"))  # noqa: SIM115 - open for the whole run
        faulthandler.enable(_FAULTS[0], all_threads=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the whole session away from the user's own folders: HOME, the XDG folders (platformdirs'
    data, cache, config and state on Linux), and SANE_CACHE_HOME / SANE_LOG_HOME / SANE_CONFIG_HOME
    point into one session tmp folder (subprocesses inherit them). A test that sets its own wins."""
    root = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        for name, folder in {"HOME": "home", "XDG_DATA_HOME": "home/.local/share", "XDG_CACHE_HOME": "home/.cache",
                             "XDG_CONFIG_HOME": "home/.config", "XDG_STATE_HOME": "home/.local/state",
                             "SANE_CACHE_HOME": "cache", "SANE_LOG_HOME": "logs", "SANE_CONFIG_HOME": "config"}.items():
            (root / folder).mkdir(parents=True, exist_ok=True)
            patch.setenv(name, str(root / folder))
        yield root


@pytest.fixture(autouse=True)
def _isolated_index_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep tests away from the repository's own ``index/`` folder and from each other's: a fresh
    SANE_INDEX_HOME per test, and no ``--index-home`` override left over from an in-process CLI run."""
    from sane_desktop import paths

    monkeypatch.setenv("SANE_INDEX_HOME", str(tmp_path_factory.mktemp("index-home")))
    paths.use_index_home(None)
    yield
    paths.use_index_home(None)
    # an in-process CLI run (cli.main) configures the process's log: the next test starts unconfigured
    logs = sys.modules.get("sane_desktop.logs")
    if logs is not None and hasattr(logs, "unconfigure"):
        logs.unconfigure()


@pytest.fixture(autouse=True)
def _cycles_collected_when_due() -> Iterator[None]:
    """Once a window has turned Python's automatic collection over to the GUI thread's timer
    (``gui/collector.py``), the tests that run no event loop collect what is due after each test."""
    yield
    collector = sys.modules.get("sane_desktop.gui.collector")
    if collector is not None:
        collector.collect_due()


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Any]:
    """GUI tests: ``make_window(world, size, settings_file, rise_masks=32, open_catalogue=True,
    settle_ms=0)`` opens a shown main window on ``world`` (``gui_helpers.WindowFactory``); every
    worker client it started is shut down when the test ends, passed or failed."""
    from gui_helpers import WindowFactory  # imports Qt: only the tests that ask for a window do

    factory = WindowFactory(qtbot)
    yield factory
    factory.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server on loopback for this test session; yields its base URL."""
    pytest.importorskip("psycopg", reason="psycopg not installed")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian package 'postgresql')")
    # not under pytest's 0700 temp root: the 'postgres' user must reach it
    data = Path(tempfile.mkdtemp(prefix="sane-test-pgdata-"))
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:  # the server refuses to run as root: run it as the package's 'postgres' user
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(data, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "log"),
                        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {data}", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        pytest.skip(f"could not start PostgreSQL: {error} {detail.decode(errors='replace')[:200]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(f"{postgres_server.replace('+psycopg', '')}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(scope="session")
def xvfb_display():  # type: ignore[no-untyped-def]
    """A real X server (Xvfb, no window manager) for the tests that need X's own event path; its DISPLAY.
    Skips, saying why, where Xvfb is not installed or does not start."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian: apt install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it is ready
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="session")
def xcb_env(xvfb_display: str) -> dict[str, str]:
    """The environment of a child process running Qt's xcb platform on the session's Xvfb; skips, saying why,
    where Qt's xcb libraries are missing (``.ci/run`` installs them from Debian)."""
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    probe = subprocess.run([sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
                           env=env, capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"Qt's xcb platform cannot start here: {probe.stderr.strip().splitlines()[-1:]}")
    return env
