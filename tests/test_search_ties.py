"""A search's top-k keeps, of the items tied at its cut, the smallest ids, as its docstring and the
pgvector path's ORDER BY promise (trial AI: argpartition kept an arbitrary few of a tie)."""

from __future__ import annotations

import numpy as np

from sane_desktop.retrieval.vector_store import NO_FILTER, top_k


def test_a_tie_at_the_cut_keeps_the_smallest_ids() -> None:
    rng = np.random.default_rng(0)
    ids = rng.permutation(5000).astype(np.int64) * 7
    scores = np.full(5000, 0.5, np.float32)
    best = rng.choice(5000, 3, replace=False)
    scores[best] = [0.9, 0.8, 0.7]
    hits = top_k(scores, ids, 10, (), NO_FILTER)
    assert list(hits.ids[:3]) == list(ids[best])
    tied = np.sort(np.delete(ids, best))[:7]
    assert list(hits.ids[3:]) == list(tied) and list(hits.scores[3:]) == [0.5] * 7


def test_all_tied_lists_the_smallest_ids_in_order_and_excludes_what_it_is_told() -> None:
    ids = np.arange(1000, dtype=np.int64)[::-1].copy()
    hits = top_k(np.zeros(1000, np.float32), ids, 5, [0, 2], NO_FILTER)
    assert list(hits.ids) == [1, 3, 4, 5, 6]
