"""The layering contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make check``) see
every module: import-linter builds its graph from regular packages only, so a folder of modules
without an ``__init__.py`` (a namespace package) would be skipped without a word."""

from __future__ import annotations

from pathlib import Path

import sane_desktop

PACKAGE = Path(sane_desktop.__file__).parent


def test_every_folder_of_modules_is_a_regular_package() -> None:
    namespace = sorted(
        str(folder.relative_to(PACKAGE.parent))
        for folder in [PACKAGE, *PACKAGE.rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
        and not (folder / "__init__.py").is_file()
    )
    assert namespace == [], f"add an __init__.py to: {', '.join(namespace)}"
