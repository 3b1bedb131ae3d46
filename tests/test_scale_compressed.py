"""Issue 19, point 4: compressed indexes (IVF-PQ, IVF-SQ8) re-ranked exactly from stored vectors,
chosen by a memory budget, recorded in the manifest and refused when the file is another kind.

- with every list probed, the re-ranked top-k equals exact search (numpy twin) on clustered data;
  exclusion, add (replace), remove, reconstruct and ids behave as the flat store's;
- save/load round-trips with the stored vectors memory-mapped; a file of another kind, or a re-rank
  store that does not match, is refused (StaleIndexError), never searched;
- the budget rule walks flat -> IVF-Flat -> IVF-SQ8 -> IVF-PQ as the budget shrinks, and says so
  when nothing fits;
- a catalogue indexed under a tiny budget gets compressed indexes, answers exactly as the flat index
  does, and a manifest naming another kind than the file is refused on open;
- bench/bench_scale.py's imports need only numpy and faiss (the 10M run happens on a machine with
  nothing else).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sane_desktop.errors import InputError, StaleIndexError
from sane_desktop.retrieval.compressed import (
    RerankedVectorStore, build_store, choose_by_budget, index_bytes, load_store, rerank_paths,
)
from sane_desktop.retrieval.faiss_index import IndexSpec, choose_spec
from sane_desktop.retrieval.vector_store import NumpyVectorStore

REPO = Path(__file__).resolve().parents[1]
PQ = IndexSpec("ivfpq", nlist=8, nprobe=8, m=8, nbits=6, rerank=10, rerank_dtype="float16")
SQ8 = IndexSpec("ivfsq8", nlist=8, nprobe=8, rerank=10, rerank_dtype="float32")


def clustered(n: int = 1500, dim: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim)).astype(np.float32)
    vectors = centres[rng.integers(20, size=n)] + 0.4 * rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), (rng.permutation(10 * n)[:n] + 1).astype(np.int64)


@pytest.mark.parametrize("spec", [PQ, SQ8], ids=["ivfpq", "ivfsq8"])
def test_reranked_search_equals_exact_search(spec: IndexSpec) -> None:
    vectors, ids = clustered()
    twin = NumpyVectorStore(vectors.shape[1])
    twin.add(ids, vectors)
    store = build_store(vectors, ids, spec)
    assert isinstance(store, RerankedVectorStore) and len(store) == len(ids)
    rng = np.random.default_rng(1)
    tolerance = 2e-3 if spec.rerank_dtype == "float16" else 1e-5
    for row in rng.choice(len(ids), 20, replace=False):
        query = vectors[row] + 0.1 * rng.normal(size=vectors.shape[1]).astype(np.float32)
        exclude = [int(ids[row])]
        got, want = store.search(query, 10, exclude=exclude), twin.search(query, 10, exclude=exclude)
        assert int(ids[row]) not in got.ids.tolist()
        np.testing.assert_allclose(got.scores, want.scores, atol=tolerance)
        assert set(got.ids.tolist()) == set(want.ids.tolist())
    np.testing.assert_allclose(store.reconstruct(ids[:3]), vectors[:3], atol=tolerance)
    assert sorted(store.ids().tolist()) == sorted(ids.tolist())


def test_add_replaces_and_remove_removes() -> None:
    vectors, ids = clustered(600, 16)
    store = build_store(vectors, ids, IndexSpec("ivfsq8", nlist=4, nprobe=4, rerank=50, rerank_dtype="float32"))
    target = -vectors[0]  # far from everything: only a vector placed there wins
    store.add(np.array([ids[5]]), target[None])  # re-adding an id replaces its vector
    assert len(store) == 600 and store.search(target, 1).ids.tolist() == [int(ids[5])]
    assert store.remove([int(ids[5]), int(ids[6])]) == 2
    assert len(store) == 598 and int(ids[5]) not in store.ids().tolist()
    with pytest.raises(KeyError):
        store.reconstruct([int(ids[5])])


@pytest.mark.parametrize("spec", [PQ, SQ8], ids=["ivfpq", "ivfsq8"])
def test_save_load_round_trip_and_refusals(spec: IndexSpec, tmp_path: Path) -> None:
    vectors, ids = clustered(800, 32, seed=2)
    store = build_store(vectors, ids, spec)
    path = tmp_path / "index" / "a.faiss"
    store.save(path)
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, *[p.name for p in rerank_paths(path)]])
    loaded = load_store(path, spec)
    assert isinstance(loaded, RerankedVectorStore) and isinstance(loaded.vectors, np.memmap)
    query = vectors[3]
    np.testing.assert_array_equal(loaded.search(query, 10).ids, store.search(query, 10).ids)

    other = IndexSpec("ivfsq8", nlist=8, nprobe=8, rerank=10, rerank_dtype=spec.rerank_dtype) \
        if spec.kind == "ivfpq" else IndexSpec("ivfpq", nlist=8, nprobe=8, m=8, nbits=6, rerank=10,
                                               rerank_dtype=spec.rerank_dtype)
    with pytest.raises(StaleIndexError, match="not the"):
        load_store(path, other)
    with pytest.raises(StaleIndexError, match="not the"):
        load_store(path, IndexSpec("flat"))
    wrong_type = IndexSpec(**{**spec.as_dict(), "rerank_dtype": "float16" if spec.rerank_dtype == "float32" else "float32"})
    with pytest.raises(StaleIndexError, match="re-rank store"):
        load_store(path, wrong_type)
    vectors_path, _ = rerank_paths(path)
    np.save(vectors_path, np.asarray(np.load(vectors_path))[:-1])  # one row short
    with pytest.raises(StaleIndexError, match="re-rank store"):
        load_store(path, spec)
    vectors_path.unlink()
    with pytest.raises(OSError):
        load_store(path, spec)


def test_flat_file_under_a_compressed_manifest_is_refused(tmp_path: Path) -> None:
    vectors, ids = clustered(300, 16)
    path = tmp_path / "flat.faiss"
    build_store(vectors, ids, IndexSpec("flat")).save(path)
    with pytest.raises(StaleIndexError, match="IndexIDMap2"):
        load_store(path, IndexSpec("ivf", nlist=4, nprobe=4), use_gpu=False)


def test_budget_walks_from_exact_to_compressed() -> None:
    n, dim = 2_000_000, 704
    assert choose_by_budget(n, dim, None, flat_limit=1_000_000) == choose_spec(n, flat_limit=1_000_000)
    kinds = []
    for gib in (64, 2, 1, 0.5, 0.2):
        spec = choose_by_budget(n, dim, int(gib * 2**30), flat_limit=1_000_000)
        assert index_bytes(spec, n, dim) <= gib * 2**30
        kinds.append((spec.kind, spec.m))
    assert kinds == [("ivf", 0), ("ivfsq8", 0), ("ivfpq", 352), ("ivfpq", 176), ("ivfpq", 88)]
    assert choose_by_budget(500_000, dim, 8 * 2**30, flat_limit=1_000_000).kind == "flat"
    # below the smallest in-memory codes: the finest PQ with its lists on disk (centroids and
    # codebooks resident: 1,024 × 704 × 4 + 352 × 256 × 2 × 4 bytes)
    on_disk = choose_by_budget(n, dim, int(0.1 * 2**30), flat_limit=1_000_000)
    assert (on_disk.kind, on_disk.m, on_disk.on_disk) == ("ivfpq", 352, True) and on_disk.label.endswith(",ondisk")
    assert index_bytes(on_disk, n, dim) == 1024 * 704 * 4 + 352 * 256 * 2 * 4
    with pytest.raises(ValueError, match="memory budget"):
        choose_by_budget(n, dim, 2**20, flat_limit=1_000_000)
    tiny = choose_by_budget(50, 64, 12_000, flat_limit=10)
    assert tiny.kind == "ivfsq8" and tiny.nlist == 1  # one list: trainable on 50 points


def test_on_disk_lists_answer_as_in_memory_and_are_read_only(tmp_path: Path) -> None:
    """FAISS's OnDiskInvertedLists (read_index with IO_FLAG_MMAP): the same answers as the lists
    loaded into memory; adding or removing is refused in one line, not FAISS's C++ assertion."""
    vectors, ids = clustered(1200, 32, seed=3)
    spec = IndexSpec(**{**PQ.as_dict(), "on_disk": True})
    path = tmp_path / "d.faiss"
    build_store(vectors, ids, spec).save(path)
    on_disk, in_memory = load_store(path, spec), load_store(path, PQ)
    assert isinstance(on_disk, RerankedVectorStore) and on_disk.read_only and not in_memory.read_only  # type: ignore[union-attr]
    rng = np.random.default_rng(4)
    for row in rng.choice(len(ids), 10, replace=False):
        query = vectors[row] + 0.1 * rng.normal(size=32).astype(np.float32)
        got, want = on_disk.search(query, 10), in_memory.search(query, 10)
        np.testing.assert_array_equal(got.ids, want.ids)
        np.testing.assert_allclose(got.scores, want.scores)
    with pytest.raises(InputError, match="read-only"):
        on_disk.add(ids[:1], vectors[:1])
    with pytest.raises(InputError, match="read-only"):
        on_disk.remove([int(ids[0])])
    assert len(on_disk) == 1200


def test_bench_scale_imports_with_numpy_and_faiss_only(tmp_path: Path) -> None:
    """The modules bench_scale.py imports, loaded with SQLAlchemy, torch, Qt and PIL made
    unimportable, run one tiny round of the benchmark."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "for name in ('sqlalchemy', 'torch', 'PySide6', 'PIL', 'alembic', 'torchvision'):\n"
        "    sys.modules[name] = None\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = tmp_path / "scale.json"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_scale.py"), "--n", "3000", "--queries", "5",
                           "--kinds", "flat", "ivfpq", "--out", str(out)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert [row["kind"] for row in report["indexes"]] == ["flat", "ivfpq"]
    assert report["indexes"][0]["search"][0]["recall_at_10"] == 1.0


def test_catalogue_under_a_tiny_budget_answers_as_the_flat_index(tmp_path: Path) -> None:
    """Indexed under a budget no flat index fits, every category gets IVF-SQ8 with re-ranking; the
    searcher opens it through the manifest and answers exactly as the flat index does. A manifest
    naming another kind than the file holds is refused on open; re-indexing without a budget
    removes the compressed index's stored vectors."""
    from sane_desktop.retrieval.indexing import index_catalogue
    from sane_desktop.retrieval.manifest import read_index_manifest, write_index_manifest
    from sane_desktop.retrieval.search import OutfitSearcher
    from sane_desktop.store.importer import import_folder
    from tests.retrieval_world import make_catalogue, make_model

    root, model = make_catalogue(tmp_path / "shop"), make_model(tmp_path / "model.pt")
    flat = index_catalogue(root, "shop", model, workers=0, index_dir=tmp_path / "flat")
    small = index_catalogue(root, "shop", model, workers=0, index_dir=tmp_path / "small", memory_budget=60_000)
    assert set(flat.index_types.values()) == {"IDMap2,FlatIP"}
    assert all(label.startswith("IVF1,SQ8,rerank10") for label in small.index_types.values())
    engine = import_folder(root, "shop")[0]
    exact = OutfitSearcher.open(engine, name="shop", index_dir=tmp_path / "flat")
    compressed = OutfitSearcher.open(engine, name="shop", index_dir=tmp_path / "small")
    assert all(isinstance(store, RerankedVectorStore) for store in compressed.stores.values())
    outfits = json.loads((root / "nondisjoint" / "train.json").read_text())
    for outfit in outfits[:5]:
        pks = exact.resolve([entry["item_id"] for entry in outfit["items"]][:3])
        for category in exact.categories:
            want, got = exact.search(pks, category, k=5), compressed.search(pks, category, k=5)
            assert [r.item_pk for r in got] == [r.item_pk for r in want]
            np.testing.assert_allclose([r.score for r in got], [r.score for r in want], atol=1e-5)

    manifest = read_index_manifest(tmp_path / "small")
    assert manifest is not None
    entry = next(iter(manifest.indexes.values()))
    entry.spec = {**entry.spec, "kind": "ivfpq", "m": 8, "nbits": 2}
    write_index_manifest(tmp_path / "small", manifest)
    with pytest.raises(StaleIndexError, match="not the"):
        OutfitSearcher.open(engine, name="shop", index_dir=tmp_path / "small")

    index_catalogue(root, "shop", model, workers=0, index_dir=tmp_path / "small")
    assert not list((tmp_path / "small" / "faiss").glob("*.npy"))
    engine.dispose()
