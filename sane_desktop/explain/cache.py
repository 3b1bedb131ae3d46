"""On-disk cache of explanations keyed by (model hash, query, candidate, method).

One ``.npz`` per entry (both maps) plus its JSON summary; writes go to a temporary name first and
are renamed into place, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np


def explanation_cache_key(model_hash: str, query: str, candidate: str, method: str, options: str = "") -> str:
    """32 hex digits naming one explanation: model weights hash, item ids, method, and ``options``
    (e.g. JSON of ``Explainer.describe()``: the method's version and settings)."""
    text = json.dumps([model_hash, query, candidate, method, options])
    return hashlib.sha256(text.encode()).hexdigest()[:32]



class ExplanationCache:
    """Explanations on disk under ``folder``, keyed by :func:`explanation_cache_key`."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.npz", self.folder / f"{key}.json"

    def get(self, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        maps_path, summary_path = self._paths(key)
        if not (maps_path.exists() and summary_path.exists()):
            return None
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            with np.load(maps_path, allow_pickle=False) as data:
                maps = {name: data[name] for name in data.files}
        except (OSError, ValueError, json.JSONDecodeError):
            return None  # a damaged entry is a miss; it is rewritten on the next put
        return summary, maps

    def put(self, key: str, summary: dict[str, Any], maps: dict[str, np.ndarray]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        maps_path, summary_path = self._paths(key)
        arrays: dict[str, Any] = dict(maps)  # numpy's stubs read ** of arrays as its allow_pickle flag
        self._atomic(maps_path, lambda handle: np.savez_compressed(handle, **arrays))
        self._atomic(summary_path, lambda handle: handle.write(json.dumps(summary, default=str).encode()))

    def _atomic(self, path: Path, write: Callable[[BinaryIO], object]) -> None:
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
