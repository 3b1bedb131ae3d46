"""Issue 17 (2): only what the model can see explains a match. A labelled kind whose values the
attribute network cannot tell apart on held-out items (H&M's department ``index``: "ladieswear" for
every item; MANGO's ``line``: "she" on 99 % of items) is never the chip, however often both items of
a pair carry its commonest value; the kinds are measured where the calibration is fitted, travel in
the selection file, and every path that ranks (a pair, the tiles, the outfit's reason) leaves them out."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import (
    SelectionWeights,
    candidate_attributes,
    rank_attributes,
    unrecognised_kinds,
)
from sane_desktop.explain.outfit import outfit_parts
from sane_desktop.explain.pipeline import SELECTION_FORMAT, SelectionModel, pair_parts

NAMES = ["colour:black", "colour:red", "colour:blue", "index:ladieswear", "index:menswear", "line:she", "pocket"]
BLACK, RED, BLUE, LADIES, MENS, SHE, POCKET = range(7)


def _held_out(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n items: colour uniform over three values and recognised (the true value most probable in
    9 of 10 items), index 70 % ladieswear and the model always says ladieswear, one line value only,
    a mined word on some."""
    rng = np.random.default_rng(seed)
    targets = np.zeros((n, len(NAMES)))
    probs = rng.uniform(0.0, 0.3, (n, len(NAMES)))
    colour = rng.integers(0, 3, n)
    targets[np.arange(n), colour] = 1
    right = rng.uniform(size=n) < 0.9
    shown = np.where(right, colour, (colour + 1) % 3)
    probs[np.arange(n), shown] = 0.9
    mens = rng.uniform(size=n) < 0.3
    targets[:, LADIES], targets[:, MENS] = ~mens, mens
    probs[:, LADIES], probs[:, MENS] = 0.8, 0.4
    targets[:, SHE], probs[:, SHE] = 1, 0.95
    targets[:, POCKET] = rng.uniform(size=n) < 0.2
    return probs, targets


def test_a_kind_the_model_cannot_tell_apart_is_unrecognised_and_a_recognised_one_is_not():
    probs, targets = _held_out()
    assert unrecognised_kinds(probs, targets, NAMES) == ["index"]
    # the same kind recognised (the model follows the label): kept
    probs[:, MENS] = np.where(targets[:, MENS] > 0, 0.9, 0.1)
    assert unrecognised_kinds(probs, targets, NAMES) == []
    # too few labelled items to judge: kept, whatever the model does
    assert unrecognised_kinds(*_held_out(10), NAMES) == []
    # tensors in, as the fitting code passes them
    probs, targets = _held_out()
    assert unrecognised_kinds(torch.from_numpy(probs), torch.from_numpy(targets), NAMES) == ["index"]


def test_candidates_leave_out_what_is_not_allowed_and_still_fill_the_minimum():
    confidence = np.array([0.9, 0.2, 0.1, 0.99, 0.3, 0.97, 0.6])
    assert candidate_attributes(confidence) == [LADIES, SHE, BLACK, POCKET]
    allowed = np.array([True, True, True, False, False, False, True])
    assert candidate_attributes(confidence, allowed=allowed) == [BLACK, POCKET, RED]  # at least three


def _selection(unseen: list[str] | None) -> SelectionModel:
    selection = SelectionModel.default(NAMES)
    selection.weights = SelectionWeights(1.0, 0.0, 0.0, 1.0)  # confidence and partner: "both show it"
    selection.unseen_kinds = unseen
    return selection


def test_a_pair_both_in_ladieswear_is_explained_by_what_the_model_sees():
    logit = torch.logit(torch.tensor([0.9, 0.05, 0.05, 0.99, 0.05, 0.05, 0.1]))
    partner = torch.logit(torch.tensor([0.85, 0.05, 0.05, 0.99, 0.05, 0.05, 0.1]))
    maps, saliency = torch.ones(len(NAMES), 2, 2), np.ones((4, 4), dtype=np.float32)
    for unseen, chip in ((None, "index:ladieswear"), (["index"], "colour:black")):
        selection = _selection(unseen)
        ranked = rank_attributes(pair_parts(logit, maps, saliency, selection, partner), selection.weights, NAMES)
        assert ranked[0].name == chip
        assert (unseen is None) == any(r.name.startswith("index:") for r in ranked)
    # the outfit's reason leaves them out the same way
    selection = _selection(["index"])
    parts = outfit_parts(torch.sigmoid(logit).numpy(), np.ones(len(NAMES)), np.asarray(selection.prior),
                         torch.sigmoid(partner)[None].numpy(), np.ones(1), allowed=selection.explainable())
    assert [NAMES[a] for a in parts.candidates if NAMES[a].startswith("index:")] == []


def test_the_unseen_kinds_travel_in_the_selection_file(tmp_path):
    path = _selection(["index", "line"]).save(tmp_path / "model.selection.json")
    data = json.loads(path.read_text())
    assert data["unseen_kinds"] == ["index", "line"] and data["format"] == SELECTION_FORMAT
    loaded = SelectionModel.load(path, NAMES)
    assert loaded.unseen_kinds == ["index", "line"]
    assert loaded.explainable().tolist() == [True, True, True, False, False, False, True]
    # an older file (no key): every kind may explain
    del data["unseen_kinds"]
    path.write_text(json.dumps(data))
    assert SelectionModel.load(path, NAMES).unseen_kinds is None and SelectionModel.load(path, NAMES).explainable() is None


def test_when_every_attribute_is_of_an_unseen_kind_none_is_left_out():
    # a barely trained model recognises no kind: an empty candidate list would leave the ranking and
    # the removal oracle nothing to work with, so the rule steps aside
    selection = SelectionModel.default(NAMES[:5])
    selection.unseen_kinds = ["colour", "index"]
    assert selection.explainable() is None
    assert len(selection.candidates(np.full(5, 0.6))) == 5


@pytest.mark.parametrize("bad, says", [("index", "list of attribute kinds"), ([3], "list of attribute kinds"),
                                       (["fabric"], "'fabric', which is no kind")])
def test_a_broken_unseen_kinds_entry_is_refused_naming_the_file(tmp_path, bad, says):
    path = _selection(None).save(tmp_path / "model.selection.json")
    data = json.loads(path.read_text())
    data["unseen_kinds"] = bad
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=f"model.selection.json.*{says}"):
        SelectionModel.load(path, NAMES)


def test_an_abstention_names_the_labelled_kind_the_model_left_out():
    """Trial AN: two items both labelled ``pattern:checked``, patterns unrecognised by the model (never a
    candidate): "no attribute is likely on both items" read as the app having looked at their pattern.
    The reason now names the left-out kind the items are labelled with; nothing when they carry none,
    when nothing is left out, or when an attribute is named."""
    from pathlib import Path
    from types import SimpleNamespace

    from sane_desktop.explain.abstain import WEAK_EVIDENCE, abstention_kind
    from sane_desktop.service import AttributeScore, ItemInfo
    from sane_desktop.service.explanation import Explanations

    def service(unseen: list[str] | None, threshold: float = 0.3) -> Explanations:
        explanations = object.__new__(Explanations)
        selection = _selection(unseen)
        selection.abstain_below = threshold
        explanations.selection = lambda: selection  # type: ignore[method-assign]
        explanations.foreign_attributes = lambda: ""  # type: ignore[method-assign]
        explanations.model = SimpleNamespace(bundle=lambda: SimpleNamespace(attributes=SimpleNamespace(attributes=NAMES)))
        return explanations

    checked = ("index:ladieswear", "colour:black")
    a, b = (ItemInfo(pk, f"i{pk}", "tops", "Top", Path("/nowhere.png"), "", attributes=checked) for pk in (1, 2))
    weak = [AttributeScore("colour:black", -2.0, 0.4, 0.5, 0.2, 0.4)]  # evidence 0.16 < 0.3
    saliency = np.random.default_rng(0).random((7, 7)).astype(np.float32)
    reason = service(["index"]).abstention(weak, saliency, (a, b))
    assert reason.startswith(WEAK_EVIDENCE) and abstention_kind(reason) == "weak_evidence"
    assert reason.endswith("; index left out: the model could not tell its values apart on validation items")
    plain = ItemInfo(3, "i3", "tops", "Top", Path("/nowhere.png"), "", attributes=("colour:black",))
    assert "left out" not in service(["index"]).abstention(weak, saliency, (plain, plain))
    assert "left out" not in service(None).abstention(weak, saliency, (a, b))
    assert service(["index"]).abstention(weak, saliency, (a, b)).count("left out") == 1
    assert service(["index"], threshold=0.0).abstention(weak, saliency, (a, b)) == ""  # named: no note
