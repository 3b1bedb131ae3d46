"""A catalogue folder's optional ``ground_truth.json`` (written by the demo generator): for every
outfit its theme attribute and theme kind, for every item its regions. Evaluations use it where it
exists; real catalogues have none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sane_desktop.catalogue.jsonfile import load_json_strict

GROUND_TRUTH_FILE = "ground_truth.json"


def read_ground_truth(folder: Path | str) -> dict[str, Any] | None:
    """The parsed file, or None when the folder has none.

    Raises:
        CatalogueError: (a ValueError) malformed JSON, or a key written twice in one object.
    """
    path = Path(folder) / GROUND_TRUTH_FILE
    return load_json_strict(path, GROUND_TRUTH_FILE) if path.is_file() else None


def theme_kinds(truth: dict[str, Any] | None) -> dict[str, str] | None:
    """outfit id -> theme kind (``colour``, ``pattern``, ``motif``), or None without a ground truth."""
    if not truth:
        return None
    outfits = truth.get("outfits", {})
    return {o: str(v["theme_kind"]) for o, v in outfits.items() if isinstance(v, dict) and v.get("theme_kind")}
