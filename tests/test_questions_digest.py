"""The digest of the questions an evaluation scored: results with the same digest compare question
by question (a leftover: evaluate's JSON did not say what it was asked)."""

from __future__ import annotations

from dataclasses import replace

from sane_desktop.catalogue.types import CompatibilityQuestion, FitbQuestion
from sane_desktop.training.evaluation import questions_digest

FITB = [FitbQuestion("p", "test", 0, "o1", ["a", "b"], ["c", "d", "e", "f"], 0),
        FitbQuestion("p", "test", 1, "o2", ["g"], ["h", "i", "j", "k"], 2)]
COMPAT = [CompatibilityQuestion("p", "test", 0, 1, ["a", "b", "c"]), CompatibilityQuestion("p", "test", 1, 0, ["g", "h"])]


def test_the_same_questions_in_another_order_give_the_same_digest() -> None:
    digest = questions_digest(FITB, COMPAT, ["a", "b"])
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert questions_digest(FITB[::-1], COMPAT[::-1], ["b", "a"]) == digest


def test_another_answer_outfit_label_or_item_changes_it() -> None:
    digest = questions_digest(FITB, COMPAT, ["a", "b"])
    others = [
        questions_digest([replace(FITB[0], correct=1), FITB[1]], COMPAT, ["a", "b"]),
        questions_digest([replace(FITB[0], answer_item_ids=["c", "d", "e", "z"]), FITB[1]], COMPAT, ["a", "b"]),
        questions_digest(FITB[:1], COMPAT, ["a", "b"]),
        questions_digest(FITB, [replace(COMPAT[0], label=0), COMPAT[1]], ["a", "b"]),
        questions_digest(FITB, COMPAT, ["a"]),
    ]
    assert digest not in others and len(set(others)) == len(others)


def test_explanation_pairs_have_a_digest_of_their_ids_in_any_order() -> None:
    """Trial CP: evaluate-explanations' JSON said how many pairs, not which."""
    from sane_desktop.explain.pairs import Pair, pairs_digest

    pairs = [Pair("a", "b", True, "o1"), Pair("c", "d", False, "o2")]
    digest = pairs_digest(pairs)
    assert len(digest) == 16 and pairs_digest(pairs[::-1]) == digest
    assert pairs_digest([Pair("a", "b", False, "o1"), pairs[1]]) != digest
    assert pairs_digest(pairs[:1]) != digest
