"""Stacked type-space vectors, outfit query vectors and the vector stores against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sane_desktop.models.compatibility import CompatibilityNet
from sane_desktop.retrieval.faiss_index import FLAT_LIMIT, GPU_FLAT_LIMIT, FaissVectorStore, IndexSpec, choose_spec
from sane_desktop.retrieval.vector_store import NumpyVectorStore
from sane_desktop.retrieval.vectors import TypeSpaces

CATEGORIES = ["bags", "bottoms", "shoes", "tops"]


@pytest.fixture(scope="module")
def model() -> CompatibilityNet:
    torch.manual_seed(0)
    return CompatibilityNet(CATEGORIES, width=8).eval()


def brute_force_score(spaces: TypeSpaces, outfit: np.ndarray, outfit_cats: list[int],
                      candidate: np.ndarray, target: int) -> float:
    """Σ_i cos in space c(u_i, t) computed pair by pair, the definition of METHOD.md §1."""
    total = 0.0
    for embedding, category in zip(outfit, outfit_cats):
        mask = spaces.masks[spaces.space(category, target)]
        a, b = mask * embedding, mask * candidate
        total += float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return total


def test_numpy_vectors_match_the_model(model: CompatibilityNet) -> None:
    """The model's type blocks, then the general block ê(x) (the model's general space)."""
    spaces = TypeSpaces.from_model(model)
    embeddings = torch.randn(6, model.embed_dim)
    general = torch.nn.functional.normalize(embeddings, dim=-1).numpy()
    typed = len(CATEGORIES) * model.embed_dim
    for category in range(len(CATEGORIES)):
        expected = model.stacked(embeddings, category).detach().numpy()
        stacked = spaces.stacked(embeddings.numpy(), category)
        np.testing.assert_allclose(stacked[:, :typed], expected, atol=1e-6)
        np.testing.assert_allclose(stacked[:, typed:], general, atol=1e-6)
    cats = [0, 2, 2]
    expected_q = model.outfit_query(embeddings[:3], cats, 3).detach().numpy()
    query = spaces.outfit_query(embeddings[:3].numpy(), cats, 3)
    np.testing.assert_allclose(query[:typed], expected_q, atol=1e-6)
    assert not query[typed:].any()  # no outfit item in the general space
    general_space = model.project(embeddings, model.general_space).detach().numpy()
    np.testing.assert_allclose(spaces.project(embeddings.numpy(), spaces.general_space), general_space, atol=1e-6)


def test_inner_product_equals_sum_of_type_space_cosines(model: CompatibilityNet) -> None:
    spaces = TypeSpaces.from_model(model)
    rng = np.random.default_rng(1)
    outfit = rng.normal(size=(3, model.embed_dim)).astype(np.float32)
    cats, target = [0, 1, 1], 2
    candidates = rng.normal(size=(5, model.embed_dim)).astype(np.float32)
    stacked = spaces.stacked(candidates, target)
    query = spaces.outfit_query(outfit, cats, target)
    contributions = spaces.contributions(outfit, cats, target, stacked)
    for row, candidate in enumerate(candidates):
        expected = brute_force_score(spaces, outfit, cats, candidate, target)
        assert stacked[row] @ query == pytest.approx(expected, abs=1e-5)
        assert contributions[row].sum() == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("spec", [IndexSpec("flat"), IndexSpec("ivf", nlist=4, nprobe=4)])
def test_faiss_store_equals_numpy_twin(spec: IndexSpec) -> None:
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(400, 32)).astype(np.float32)
    ids = rng.permutation(10_000)[:400].astype(np.int64)
    twin = NumpyVectorStore(32)
    twin.add(ids, vectors)
    store = FaissVectorStore.build(vectors, ids, spec)  # nprobe = nlist: IVF is exact here
    assert len(store) == len(twin) == 400
    query = rng.normal(size=32).astype(np.float32)
    exclude = [int(ids[0]), int(ids[5])]
    got, want = store.search(query, 10, exclude=exclude), twin.search(query, 10, exclude=exclude)
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-4)
    assert not set(exclude) & set(got.ids.tolist())
    np.testing.assert_allclose(store.reconstruct(ids[:3]), vectors[:3], atol=1e-6)
    assert sorted(store.ids().tolist()) == sorted(ids.tolist())


def test_add_replaces_and_remove_leaves_index() -> None:
    store = FaissVectorStore.create(4)
    store.add(np.array([7, 8]), np.eye(4, dtype=np.float32)[:2])
    store.add(np.array([7]), np.eye(4, dtype=np.float32)[2:3])  # re-adding replaces, no duplicate
    assert len(store) == 2
    assert store.search(np.eye(4, dtype=np.float32)[2], 1).ids.tolist() == [7]
    assert store.remove([8]) == 1 and store.ids().tolist() == [7]


def test_block_restricted_search_equals_full_search() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 5 * 8)).astype(np.float32)
    ids = np.arange(300, dtype=np.int64) + 100
    store = FaissVectorStore.build(vectors, ids, IndexSpec("flat"))
    query = np.zeros(40, dtype=np.float32)
    query[8:16] = rng.normal(size=8)
    blocks = [slice(8, 16)]  # a fifth of the vector: the store scans only these columns
    full, restricted = store.search(query, 7), store.search(query, 7, blocks=blocks)
    np.testing.assert_array_equal(full.ids, restricted.ids)
    np.testing.assert_allclose(full.scores, restricted.scores, atol=1e-4)


def test_index_grows_from_flat_to_ivf() -> None:
    assert choose_spec(10_000).kind == "flat"
    big = choose_spec(4_000_000, flat_limit=FLAT_LIMIT)
    assert big.kind == "ivf" and big.nlist == 2048 and big.nprobe > 0
    assert choose_spec(1_000_000, flat_limit=FLAT_LIMIT).kind == "flat"  # CPU: exact up to ~1M
    beyond = choose_spec(2_000_000, flat_limit=FLAT_LIMIT)
    assert beyond.kind == "ivf" and beyond.nlist == 1024
    assert choose_spec(2_000_000, flat_limit=GPU_FLAT_LIMIT).kind == "flat"  # GPU: exact


@pytest.mark.parametrize("spec", [IndexSpec("flat"), IndexSpec("ivf", nlist=4, nprobe=2)])
def test_saved_index_loads_in_cpu_form_with_its_settings(spec: IndexSpec, tmp_path) -> None:
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    ids = np.arange(300, dtype=np.int64) * 3
    store = FaissVectorStore.build(vectors, ids, spec)
    path = tmp_path / "sub" / "index.faiss"
    store.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["index.faiss"]  # no temporary file left behind
    loaded = FaissVectorStore.load(path, spec, use_gpu=False)
    query = rng.normal(size=16).astype(np.float32)
    np.testing.assert_array_equal(loaded.search(query, 5).ids, store.search(query, 5).ids)
    if spec.kind == "ivf":
        assert loaded.index.nprobe == spec.nprobe
