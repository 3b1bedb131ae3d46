"""Before the QApplication exists on Linux: are the system libraries Qt's xcb platform plugin loads
there? Without them Qt aborts with a page of plugin-loading text (issue 15); this says in one line
which packages to install instead, and the app exits with code 1.

:data:`XCB_LIBRARIES` is what PySide6 6.11's ``Qt/plugins/platforms/libqxcb.so`` and
``Qt/lib/libQt6XcbQpa.so.6`` link (their ELF ``NEEDED`` entries, read with ``readelf -d``), less
libc, libm, libstdc++ and libgcc_s, with the Debian/Ubuntu and the Fedora package of each.
``tests/test_system_check.py`` re-reads the installed plugin's list where ``readelf`` exists, so a
PySide6 upgrade that needs another library fails a test instead of a user's first start.
``SANE_SKIP_SYSTEM_CHECK=1`` skips the check.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

Loader = Callable[[str], bool]  # soname -> whether it loads


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will start on its xcb (X11) plugin: Linux, and either ``QT_QPA_PLATFORM`` names
    xcb first, or it is unset, ``DISPLAY`` is set, and this is not a Wayland session (where Qt
    takes its Wayland plugin first)."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    if not environ.get("DISPLAY"):
        return False
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def missing_libraries(load: Loader, sonames: Iterable[str] = XCB_LIBRARIES) -> list[str]:
    """The ``sonames`` that ``load`` cannot load, in order."""
    return [soname for soname in sonames if not load(soname)]


def install_message(missing: Iterable[str]) -> str | None:
    """One line naming the missing libraries and the Debian/Ubuntu and Fedora packages providing
    them; None when nothing is missing."""
    missing = list(missing)
    if not missing:
        return None
    debian = _unique(XCB_LIBRARIES.get(name, (name, name))[0] for name in missing)
    fedora = _unique(XCB_LIBRARIES.get(name, (name, name))[1] for name in missing)
    return (f"error: Qt's X11 (xcb) platform plugin needs system libraries that are missing "
            f"({', '.join(missing)}): install them with `sudo apt install {' '.join(debian)}` "
            f"(Debian/Ubuntu) or `sudo dnf install {' '.join(fedora)}` (Fedora), then start again")


def system_check(environ: Mapping[str, str] | None = None, load: Loader | None = None,
                 platform: str = sys.platform) -> str | None:
    """The one-line message to print instead of starting Qt, or None when Qt can start (or will
    not use xcb, or ``SANE_SKIP_SYSTEM_CHECK`` is set)."""
    environ = os.environ if environ is None else environ
    if environ.get("SANE_SKIP_SYSTEM_CHECK") or not uses_xcb(environ, platform):
        return None
    return install_message(missing_libraries(load or loads))


def loads(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` as Qt will: the libraries bundled with PySide6
    (its ``Qt/lib``) first, then the system's."""
    bundled = _qt_lib_dir()
    if bundled is not None and (bundled / soname).exists():
        return True
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _qt_lib_dir() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "lib"


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
