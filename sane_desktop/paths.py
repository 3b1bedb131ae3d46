"""Where things live by default: the repository's ``index/`` and ``resources/`` folders."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
RESOURCES_DIR = PROJECT_DIR / "resources"


def index_home() -> Path:
    """Folder holding one sub-folder per indexed catalogue (``SANE_INDEX_HOME`` overrides)."""
    return Path(os.environ.get("SANE_INDEX_HOME", PROJECT_DIR / "index"))


def catalogue_dir(name: str) -> Path:
    """Folder of one indexed catalogue: database, FAISS files, manifest."""
    return index_home() / name


def default_db_url(name: str) -> str:
    """SQLite database of a catalogue, ``index/<name>/catalogue.db``."""
    return f"sqlite:///{(catalogue_dir(name) / 'catalogue.db').as_posix()}"
