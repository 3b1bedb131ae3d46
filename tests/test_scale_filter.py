"""Issue 19, point 1: the vector-store boundary searches with a metadata filter (ids allowed, a lowest
score) inside the search, for every store kind, and the searcher resolves attribute values and
categories to that filter.

The reference is brute force over the allowed ids: the best ``k`` of them, whatever the unfiltered
top ``k`` held (a post-filter of the unfiltered ``k`` would return fewer, and fails here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sane_desktop.retrieval.compressed import build_store
from sane_desktop.retrieval.faiss_index import IndexSpec, filtered_search
from sane_desktop.retrieval.vector_store import NumpyVectorStore, SearchFilter, VectorStore

SPECS = {
    "flat": IndexSpec("flat"),
    "ivf": IndexSpec("ivf", nlist=8, nprobe=8),
    "ivfpq": IndexSpec("ivfpq", nlist=8, nprobe=8, m=8, nbits=6, rerank=10, rerank_dtype="float32"),
    "ivfsq8": IndexSpec("ivfsq8", nlist=8, nprobe=8, rerank=10, rerank_dtype="float32"),
}


def world(n: int = 1200, dim: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(12, dim)).astype(np.float32)
    vectors = centres[rng.integers(12, size=n)] + 0.3 * rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = (np.arange(n) * 7 + 3).astype(np.int64)
    return vectors.astype(np.float32), ids, vectors[0] + 0.05 * rng.normal(size=dim).astype(np.float32)


def brute(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray,
          exclude: list[int], min_score: float | None) -> list[int]:
    scores = vectors @ query
    rows = [r for r in np.argsort(-scores, kind="stable") if ids[r] in set(allowed.tolist())
            and int(ids[r]) not in exclude and (min_score is None or scores[r] >= min_score)]
    return [int(ids[r]) for r in rows[:k]]


@pytest.mark.parametrize("kind", list(SPECS))
def test_filtered_search_is_the_best_k_of_the_allowed(kind: str) -> None:
    vectors, ids, query = world()
    store: VectorStore = build_store(vectors, ids, SPECS[kind])
    unfiltered = store.search(query, 10).ids
    # every id but the unfiltered top 50: a post-filter of the top k would return nothing
    top50 = set(store.search(query, 50).ids.tolist())
    allowed = np.array(sorted(set(ids.tolist()) - top50), dtype=np.int64)
    exclude = [int(allowed[-1])]
    got = store.search(query, 10, exclude=exclude, where=SearchFilter.of(allowed))
    assert got.ids.tolist() == brute(vectors, ids, query, 10, allowed, exclude, None)
    assert not set(got.ids.tolist()) & set(unfiltered.tolist())

    bound = float(got.scores[4]) - 1e-6  # five pass the bound
    capped = store.search(query, 10, where=SearchFilter.of(allowed, min_score=bound))
    assert capped.ids.tolist() == brute(vectors, ids, query, 10, allowed, [], bound) == got.ids.tolist()[:5]
    assert (capped.scores >= bound).all()
    only_bound = store.search(query, 1000, where=SearchFilter(None, float(unfiltered_scores(store, query)[2])))
    assert len(only_bound.ids) == 3


def unfiltered_scores(store: VectorStore, query: np.ndarray) -> np.ndarray:
    return store.search(query, 3).scores - 1e-6


def test_numpy_twin_and_overfetch_path_agree() -> None:
    """An index FAISS cannot filter inside (a flat IDMap; on a GPU every index) is asked for more
    hits until enough pass: the same answer as the twin."""
    vectors, ids, query = world()
    twin = NumpyVectorStore(vectors.shape[1])
    twin.add(ids, vectors)
    flat = build_store(vectors, ids, IndexSpec("flat"))
    allowed = ids[::97]  # a sparse filter: 13 of 1200
    want = twin.search(query, 5, where=SearchFilter.of(allowed))
    got = filtered_search(flat.index, query[None], 5, (), SearchFilter.of(allowed))
    assert got.ids.tolist() == want.ids.tolist() and len(got.ids) == 5
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-5)


def test_searcher_filter_by_attribute_values_and_categories(tmp_path: Path) -> None:
    """filter_for resolves attribute values (OR within a key, AND across) to item keys: every result
    holds them, and the results are the best of the passing items (the unfiltered full ranking,
    restricted), with the score bound applied to the exact scores."""
    from sane_desktop.retrieval.indexing import index_catalogue
    from sane_desktop.retrieval.search import OutfitSearcher
    from sane_desktop.store.importer import import_folder
    from sane_desktop.store.items import item_labels
    from tests.retrieval_world import make_catalogue, make_model

    root, model = make_catalogue(tmp_path / "shop", items=60), make_model(tmp_path / "model.pt")
    index_catalogue(root, "shop", model, workers=0, index_dir=tmp_path / "ix")
    engine = import_folder(root, "shop")[0]
    searcher = OutfitSearcher.open(engine, name="shop", index_dir=tmp_path / "ix")
    meta = json.loads((root / "polyvore_item_metadata.json").read_text())
    outfits = json.loads((root / "nondisjoint" / "train.json").read_text())
    outfit = searcher.resolve([entry["item_id"] for entry in outfits[0]["items"]][:2])
    from sqlalchemy import select
    from sane_desktop.store import schema as S
    with engine.connect() as connection:
        names = sorted({str(n) for n in connection.scalars(select(S.Attribute.name)) if ":" in str(n)})
    key = names[0].split(":", 1)[0]
    values = sorted({name.split(":", 1)[1] for name in names if name.startswith(key + ":")})[:2]
    where = searcher.filter_for({key: values})
    assert where.allowed is not None and 0 < len(where.allowed) < len(meta)
    for category in searcher.categories:
        everything = searcher.search(outfit, category, k=len(meta))
        passing = [r.item_pk for r in everything if r.item_pk in set(where.allowed.tolist())]
        got = searcher.search(outfit, category, k=3, where=where)
        assert [r.item_pk for r in got] == passing[:3]
    category = searcher.categories[0]
    in_category = searcher.filter_for(categories=[category])
    labels = item_labels(engine, in_category.allowed.tolist())
    assert {label.category for label in labels.values()} == {category}
    ranked = searcher.search(outfit, category, k=10)
    bound = ranked[1].score - 1e-6
    assert [r.item_pk for r in searcher.search(outfit, category, k=10, where=searcher.filter_for(min_score=bound))] \
        == [r.item_pk for r in ranked[:2]]
    assert set(searcher.search_all(outfit, k=2, categories=[category])) == {category}
    engine.dispose()
