"""A silently wrong reason is the worst answer: the bundled general model's attribute head was fitted
on the drawn demo garments, and on a folder of real photos it named "pattern:wavy" and "colour:red"
for a plain black tee and black boots with confidence 0.98 (a fresh-eyes trial). With that model the
explanation keeps its maps and scores but names no attribute, saying why and what to do; any other
model's chip is unaffected. Every path (pair, tiles, the outfit's reason) asks the same
``Explanations.abstention``."""

from __future__ import annotations

import numpy as np

from sane_desktop.explain.abstain import abstention_kind
from sane_desktop.models.checkpoint import demo_model_path, general_model_path
from sane_desktop.service.explanation import Explanations
from sane_desktop.service.model import ModelContext
from sane_desktop.service.values import AttributeScore

RANKED = [AttributeScore("colour:black", 1.0, 0.99, 0.9, 0.1, 0.99, 0.1)]
SALIENCY = np.arange(16, dtype=np.float32).reshape(4, 4)  # not flat


def test_the_bundled_general_model_names_no_attribute_and_says_why():
    reason = Explanations(None, ModelContext(general_model_path()), None).abstention(RANKED, SALIENCY)
    assert abstention_kind(reason) == "foreign_model"
    assert "drawn demo garments" in reason and "sane-desktop train" in reason


def test_another_model_still_names_a_likely_shared_attribute_and_a_copy_of_general_does_not(tmp_path):
    assert Explanations(None, ModelContext(demo_model_path()), None).abstention(RANKED, SALIENCY) == ""
    # a copy of general.pt under another name is the same model (told by content hash)
    copy = tmp_path / "mine.pt"
    copy.write_bytes(general_model_path().read_bytes())
    assert abstention_kind(Explanations(None, ModelContext(copy), None).abstention(RANKED, SALIENCY)) == "foreign_model"


def test_the_window_words_it_for_a_stylist():
    from sane_desktop.gui.explanation_view import plain_abstention

    words = plain_abstention(Explanations(None, ModelContext(general_model_path()), None).abstention(RANKED, SALIENCY))
    assert "drawn garments" in words and "train" in words
