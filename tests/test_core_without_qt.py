"""The core never imports Qt: every module outside ``sane_desktop.gui`` imports with Qt blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import sane_desktop

BLOCKER = """
import importlib.abc, sys
class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'qtpy', 'qtawesome', 'shiboken6'):
            raise ImportError('Qt imported by the core: ' + name)
sys.meta_path.insert(0, BlockQt())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print('ok', len(sys.argv) - 1)
"""


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(sane_desktop.__path__, "sane_desktop."):
        if info.name.startswith("sane_desktop.gui") or info.name == "sane_desktop.__main__":
            continue
        names.append(info.name)
    return names


def test_core_imports_without_qt() -> None:
    modules = core_modules()
    assert "sane_desktop.store.importer" in modules
    done = subprocess.run([sys.executable, "-c", BLOCKER, *modules], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"ok {len(modules)}"
