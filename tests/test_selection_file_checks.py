"""A broken selection file is refused in one line naming it, never silently replaced by another
selection (found by a fresh-eyes trial: a wrong-length, NaN or out-of-range ``base_rate``, a newer
``format`` or garbage made ``explain`` quietly use the model's selection, or named another
attribute with ``score nan``). A file fitted for another vocabulary is stale, not broken: passed over."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sane_desktop.errors import InputError
from sane_desktop.explain.pipeline import (SELECTION_FILE, SelectionModel, StaleSelection, find_selection,
                                          load_selection_for)

NAMES = ["colour:red", "pattern:dotted", "motif:bolt"]


def _good(tmp_path: Path) -> tuple[Path, dict]:
    selection = SelectionModel.default(NAMES)
    selection.base_rate = [0.2, 0.5, 0.05]
    path = selection.save(tmp_path / SELECTION_FILE)
    return path, json.loads(path.read_text())


BROKEN = {
    "base rates of another length": lambda d: d.update(base_rate=[0.5]),
    "a base rate above 1": lambda d: d.update(base_rate=[5.0, 0.5, 0.05]),
    "a zero base rate": lambda d: d.update(base_rate=[0.0, 0.5, 0.05]),
    "a NaN base rate": lambda d: d.update(base_rate=[math.nan, 0.5, 0.05]),
    "a negative weight": lambda d: d["weights"].update(match=-1.0),
    "an infinite calibration": lambda d: d["calibration"].update(scale=[math.inf, 1.0, 1.0]),
    "a prior too short": lambda d: d.update(prior=[0.5]),
    "a missing calibration": lambda d: d.pop("calibration"),
    "a newer format": lambda d: d.update(format=99),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_is_refused_naming_it(tmp_path: Path, case: str) -> None:
    path, data = _good(tmp_path)
    BROKEN[case](data)
    path.write_text(json.dumps(data))  # json writes NaN/Infinity, which Python's json reads back
    with pytest.raises(InputError) as raised:
        SelectionModel.load(path, NAMES)
    message = str(raised.value)
    assert str(path) in message and "\n" not in message and not isinstance(raised.value, StaleSelection)
    # and the app's lookup says so instead of falling back on the model's selection
    with pytest.raises(InputError, match=str(path).replace("\\", "\\\\")):
        find_selection(NAMES, tmp_path, None)


@pytest.mark.parametrize("text", ["not json", "[1, 2, 3]", "", "null"])
def test_a_file_that_is_no_selection_at_all_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / SELECTION_FILE
    path.write_text(text)
    with pytest.raises(InputError, match="not a"):
        SelectionModel.load(path, NAMES)


def test_a_file_of_another_vocabulary_is_stale_and_passed_over(tmp_path: Path) -> None:
    path, data = _good(tmp_path)
    data["attributes"] = ["colour:blue", "pattern:striped", "motif:star"]
    path.write_text(json.dumps(data))
    with pytest.raises(StaleSelection):
        SelectionModel.load(path, NAMES)
    assert find_selection(NAMES, tmp_path, None).tuned is False  # the defaults, as before
    good, _ = _good(tmp_path / "ok")
    assert SelectionModel.load(good, NAMES).base_rate == [0.2, 0.5, 0.05]


def test_a_file_not_recorded_as_this_models_is_passed_over_or_refused(tmp_path: Path) -> None:
    """Trial CA: a selection fitted for the demo model (an earlier ``--save-selection``, which recorded no
    model) stayed in a catalogue's folder after it was re-indexed with another model, and named
    "motif:diamond" for a model that cannot tell motifs apart. Only a file recorded as fitted for this very
    checkpoint is taken: found beside the catalogue or the model, another is passed over with a line; named
    by the user, it is refused in one line."""
    mine, theirs = "a" * 64, "b" * 64
    path, data = _good(tmp_path)  # records no model
    data["tuned"] = True
    path.write_text(json.dumps(data))
    found = find_selection(NAMES, tmp_path, None, mine)
    assert not found.tuned and found.passed_over == (f"{path} records no model it was fitted for (an earlier "
                                                     "version wrote it): not used",)
    with pytest.raises(InputError, match="records no model it was fitted for") as raised:
        load_selection_for(path, NAMES, mine)
    assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    data["model_hash"] = theirs
    path.write_text(json.dumps(data))
    assert find_selection(NAMES, tmp_path, None, mine).passed_over[0].startswith(f"{path} was fitted for another model")
    with pytest.raises(InputError, match="was fitted for another model"):
        load_selection_for(path, NAMES, mine)
    # passed over for the selection beside the model: said all the same (trial CB read no note)
    model = tmp_path / "models" / "m.pt"
    model.parent.mkdir()
    _good(tmp_path / "models")
    (tmp_path / "models" / SELECTION_FILE).rename(model.with_suffix(".selection.json"))
    own = json.loads(model.with_suffix(".selection.json").read_text())
    own["model_hash"] = mine
    model.with_suffix(".selection.json").write_text(json.dumps(own))
    taken = find_selection(NAMES, tmp_path, model, mine)
    assert taken.model_hash == mine and taken.passed_over[0].startswith(f"{path} was fitted for another model")
    data["model_hash"] = mine  # its own: taken, found or named
    path.write_text(json.dumps(data))
    assert find_selection(NAMES, tmp_path, None, mine).tuned and load_selection_for(path, NAMES, mine).tuned


def test_a_key_given_twice_is_refused_not_read_as_its_last_value(tmp_path: Path) -> None:
    """json keeps the last of two values of one key without a word: a weight written twice (a hand
    edit) would be read as whichever came last. Refused, naming the file and the key."""
    path, _data = _good(tmp_path)
    text = path.read_text()
    assert text.count('"weights": {') == 1
    path.write_text(text.replace('"weights": {', '"weights": {"match": 9.0, ', 1))
    with pytest.raises(InputError) as raised:
        SelectionModel.load(path, NAMES)
    message = str(raised.value)
    assert str(path) in message and "'match'" in message and "\n" not in message, message
