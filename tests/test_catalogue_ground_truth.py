"""The optional ground_truth.json of a catalogue folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sane_desktop.catalogue.ground_truth import read_ground_truth, theme_kinds


def test_absent_present_and_malformed(tmp_path: Path) -> None:
    assert read_ground_truth(tmp_path) is None and theme_kinds(None) is None
    (tmp_path / "ground_truth.json").write_text(json.dumps({"outfits": {
        "o1": {"theme": "colour:red", "theme_kind": "colour"}, "o2": {"theme": "motif:star"}, "o3": "junk"}}))
    assert theme_kinds(read_ground_truth(tmp_path)) == {"o1": "colour"}
    (tmp_path / "ground_truth.json").write_text("{not json")
    with pytest.raises(ValueError):
        read_ground_truth(tmp_path)
