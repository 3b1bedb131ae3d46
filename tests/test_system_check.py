"""The start-up check of the system libraries Qt's xcb plugin needs (issue 15): a missing one is one
line naming the Debian/Ubuntu and Fedora packages and exit code 1, never Qt's abort."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sane_desktop.gui.system_check import (
    XCB_LIBRARIES,
    install_message,
    loads,
    missing_libraries,
    system_check,
    uses_xcb,
)

X11 = {"DISPLAY": ":0"}


def fake_loader(*missing: str):  # type: ignore[no-untyped-def]
    return lambda soname: soname not in missing


def test_nothing_missing_is_no_message() -> None:
    assert system_check(X11, fake_loader(), platform="linux") is None
    assert install_message([]) is None


def test_a_missing_cursor_library_names_the_debian_and_fedora_packages() -> None:
    message = system_check(X11, fake_loader("libxcb-cursor.so.0"), platform="linux")
    assert message is not None and "\n" not in message
    assert "libxcb-cursor.so.0" in message
    assert "`sudo apt install libxcb-cursor0`" in message and "(Debian/Ubuntu)" in message
    assert "`sudo dnf install xcb-util-cursor`" in message and "(Fedora)" in message


def test_several_missing_libraries_are_one_line_with_each_package_once() -> None:
    missing = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-shape.so.0", "libxcb-xkb.so.1"]
    message = install_message(missing)
    assert message is not None and "\n" not in message
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1`" in message
    # Fedora ships shape and xkb in libxcb itself: named once
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms libxcb`" in message
    assert missing_libraries(fake_loader(*missing)) == missing


@pytest.mark.parametrize(("environ", "platform", "expected"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({}, "linux", False),  # no X display: Qt will not use xcb
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False),
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, "linux", True),
    ({"DISPLAY": ":0"}, "darwin", False),
    ({"DISPLAY": ":0"}, "win32", False),
])
def test_the_check_runs_only_when_qt_will_use_xcb(environ: dict[str, str], platform: str, expected: bool) -> None:
    assert uses_xcb(environ, platform) is expected
    everything_missing = fake_loader(*XCB_LIBRARIES)
    assert (system_check(environ, everything_missing, platform=platform) is not None) is expected


def test_it_can_be_skipped() -> None:
    environ = {**X11, "SANE_SKIP_SYSTEM_CHECK": "1"}
    assert system_check(environ, fake_loader(*XCB_LIBRARIES), platform="linux") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the dynamic loader check is Linux's")
def test_the_real_loader() -> None:
    assert loads("libc.so.6")
    assert not loads("libsane-desktop-no-such-library.so.0")
    missing = missing_libraries(loads)
    message = system_check(X11, platform="linux")
    assert (message is None) == (not missing)
    assert all(soname in (message or "") for soname in missing)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the dynamic loader check is Linux's")
def test_the_real_check_passes_where_the_libraries_are_installed() -> None:
    missing = missing_libraries(loads)
    if missing:
        pytest.skip(f"this machine lacks {', '.join(missing)}")
    assert system_check(X11, platform="linux") is None


def _needed(library: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    return {line.split("[", 1)[1].split("]", 1)[0] for line in out.splitlines() if "(NEEDED)" in line}


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("readelf"), reason="needs Linux and readelf")
def test_the_list_covers_what_the_installed_plugin_links() -> None:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin, integration = qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"
    if not plugin.is_file():
        pytest.skip("this PySide6 has no xcb plugin")
    bundled = {path.name for path in (qt / "lib").iterdir()}
    base = ("libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "libpthread.so", "libdl.so", "librt.so", "ld-linux")
    needed = {name for library in (plugin, integration) if library.is_file() for name in _needed(library)
              if name not in bundled and not name.startswith(base)}
    assert needed - set(XCB_LIBRARIES) == set()


def test_the_gui_exits_with_the_message_before_creating_qt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from sane_desktop import logs
    from sane_desktop.gui import app

    message = "error: Qt's X11 (xcb) platform plugin needs … `sudo apt install libxcb-cursor0` …"
    monkeypatch.setenv("SANE_LOG_HOME", str(tmp_path / "logs"))
    monkeypatch.setattr(app, "system_check", lambda: message)
    monkeypatch.setattr(app, "application", lambda *a: pytest.fail("Qt was started"))
    try:
        with pytest.raises(SystemExit) as exited:
            app.run()
    finally:
        logs.unconfigure()
    assert exited.value.code == message  # Python prints it on stderr and exits with status 1
    assert "sudo apt install libxcb-cursor0" in (tmp_path / "logs" / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
