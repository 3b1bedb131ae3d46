"""Package names that load their module on first use (PEP 562), so importing a package stays cheap:
the window is on screen before SQLAlchemy, torch or FAISS load (issue 18 point 10)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``modules`` maps each exported name to the submodule
    defining it; the first look-up imports that submodule and caches the name in the package
    (later look-ups skip the hook). Unknown names raise AttributeError as a module would."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
