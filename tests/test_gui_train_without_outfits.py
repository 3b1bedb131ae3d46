"""File → Train is offered for a catalogue without outfits that has labelled attributes (a trial: the
window said "train one on this catalogue to name them" while Train was greyed out; ``train`` trains
such a catalogue's attribute network in seconds), and not for one with neither, saying why."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from closet_world import make_closet  # noqa: E402
from test_training_attributes import write_attribute_catalogue  # noqa: E402

from sane_desktop.models.checkpoint import demo_model_path  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402


def world(base: Path, root: Path, name: str) -> dict[str, Path]:
    CatalogueService(base / "index", model=demo_model_path(), device="cpu").index_folder(root, name)
    return {"root": base, "index": base / "index", "model": demo_model_path()}


def test_train_is_offered_for_labelled_attributes_and_refused_with_a_reason_otherwise(tmp_path, make_window) -> None:  # type: ignore[no-untyped-def]
    labelled = make_window(world(tmp_path / "a", write_attribute_catalogue(tmp_path / "a" / "articles"), "articles"))
    assert labelled.catalogue.name == "articles" and labelled.train_action.isEnabled()
    plain = make_window(world(tmp_path / "b", make_closet(tmp_path / "b" / "closet"), "closet"))
    assert plain.catalogue.name == "closet" and not plain.train_action.isEnabled()
    assert "neither outfits nor labelled attributes" in plain.train_action.toolTip()
    # a catalogue without outfits: the dialog says before Train what the model will rank by, and that on few photos
    # those looks can be poorer than the built-in model's (trial ER read it only in its results)
    labelled.train_action.trigger()
    dialog = labelled.train_dialog
    assert dialog is not None and dialog.isVisible()
    words = " ".join(dialog.phase.text().split())
    assert "ranks by looks (look-alikes)" in words and "poorer than the built-in model's" in words, words
    assert "Built-in model…" in words
    dialog.reject()
