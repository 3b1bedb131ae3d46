"""Indexing and outfit search end to end on a tiny demo catalogue: exactness against brute force,
incremental re-indexing, manifest mismatches, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import load_checkpoint
from sane_desktop.models.preprocess import load_image_tensor
from sane_desktop.retrieval.indexing import index_catalogue
from sane_desktop.retrieval.search import OutfitSearcher, StaleIndexError
from sane_desktop.store import schema as S
from sane_desktop.store.importer import import_folder
from tests.retrieval_world import make_catalogue, make_model


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("retrieval")
    return {"catalogue": make_catalogue(base / "shop"), "model": make_model(base / "model.pt"),
            "other_model": make_model(base / "other.pt", seed=1), "base": base}


def fresh_copy(world: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(world["catalogue"], tmp_path / "shop"))


@torch.no_grad()
def disk_embeddings(model_path: Path, root: Path):
    """The model and every item's E(x) computed straight from the image files, one by one."""
    bundle = load_checkpoint(model_path)
    meta = json.loads((root / "polyvore_item_metadata.json").read_text())
    embeddings = {i: bundle.compatibility(load_image_tensor(root / "images" / f"{i}.jpg", bundle.preprocessing)[None])[0]
                  for i in sorted(meta)}
    categories = {i: bundle.compatibility.categories.index(meta[i]["semantic_category"]) for i in meta}
    return bundle.compatibility, embeddings, categories


@torch.no_grad()
def brute_force(world_embeddings, outfit_ids: list[str], target: str, k: int, unlearnt: frozenset[int] = frozenset()):
    """Score each candidate pair by pair, the definition of METHOD.md §1, and rank; a pair in a space
    no training outfit reached (``unlearnt``) is not compared (ModelBundle.unlearnt_spaces)."""
    net, embeddings, cat = world_embeddings
    t = net.categories.index(target)
    scores = {}
    for candidate in embeddings:
        if cat[candidate] != t or candidate in outfit_ids:
            continue
        total = 0.0
        for q in outfit_ids:
            if net.space_index(cat[q], t) in unlearnt:
                continue
            space = torch.tensor(net.space_index(cat[q], t))
            total += float((net.project(embeddings[q], space) * net.project(embeddings[candidate], space)).sum())
        scores[candidate] = total
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
    return [item for item, _ in ranked], np.array([score for _, score in ranked])


@pytest.mark.slow
def test_search_equals_brute_force_type_aware_scoring(world: dict[str, Path], tmp_path: Path) -> None:
    summary = index_catalogue(world["catalogue"], "shop", world["model"], index_dir=tmp_path / "ix", workers=0,
                              batch_size=8)
    assert summary.embedded == summary.items == 40 and not summary.failed
    searcher = OutfitSearcher.open(import_folder(world["catalogue"], "shop")[0], name="shop", index_dir=tmp_path / "ix")
    outfits = json.loads((world["catalogue"] / "nondisjoint" / "train.json").read_text())
    reference = disk_embeddings(world["model"], world["catalogue"])
    for outfit in outfits[:4]:
        outfit_ids = [entry["item_id"] for entry in outfit["items"]][:3]
        for target in ("shoes", "bags", "tops"):
            results = searcher.search(searcher.resolve(outfit_ids), target, k=3)
            want_ids, want_scores = brute_force(reference, outfit_ids, target, 3, searcher.bundle.unlearnt_spaces)
            assert [r.item_id for r in results] == want_ids
            np.testing.assert_allclose([r.score for r in results], want_scores, atol=1e-4)
            for result in results:  # contributions sum to the score, one per outfit item
                assert len(result.contributions) == len(outfit_ids)
                assert sum(result.contributions) == pytest.approx(result.score, abs=1e-4)
                assert result.item_id not in outfit_ids


def test_incremental_reindex_reuses_reembeds_and_removes(world: dict[str, Path], tmp_path: Path) -> None:
    root = fresh_copy(world, tmp_path)
    first = index_catalogue(root, "shop", world["model"], workers=0)
    assert first.embedded == 40
    assert index_catalogue(root, "shop", world["model"], workers=0).embedded == 0

    images = sorted((root / "images").glob("*.jpg"))
    changed, removed = images[0], images[1]
    Image.new("RGB", (64, 96), (200, 30, 30)).save(changed)
    removed.unlink()
    third = index_catalogue(root, "shop", world["model"], workers=0)
    assert third.embedded == 1 and third.reused == 38 and third.items == 39
    assert sum(third.vectors.values()) == 39

    searcher = OutfitSearcher.open("shop")
    all_ids = {int(i) for store in searcher.stores.values() for i in store.ids()}
    with Session(searcher.engine) as session:
        items = {item_id: pk for item_id, pk in session.execute(select(S.Item.item_id, S.Item.id))}
        assert session.scalar(select(func.count()).select_from(S.ItemEmbedding)) == 39
    assert removed.stem not in items and all_ids == set(items.values())
    # the changed item's stored embedding is the new image's
    bundle = load_checkpoint(world["model"])
    with torch.no_grad():
        expected = bundle.compatibility(load_image_tensor(changed, bundle.preprocessing)[None])[0].numpy()
    stored = searcher.query_items([items[changed.stem]])[0].embedding
    np.testing.assert_allclose(stored, expected, atol=1e-5)


def test_other_model_or_reimport_means_stale_until_rebuilt(world: dict[str, Path], tmp_path: Path) -> None:
    root = fresh_copy(world, tmp_path)
    index_catalogue(root, "shop", world["model"], workers=0)
    with pytest.raises(StaleIndexError, match="another model"):
        OutfitSearcher.open("shop", model_path=world["other_model"])
    rebuilt = index_catalogue(root, "shop", world["other_model"], workers=0)
    assert "another model" in (rebuilt.rebuilt_because or "") and rebuilt.embedded == 40
    assert OutfitSearcher.open("shop").manifest.model_hash == rebuilt.model_hash

    sorted((root / "images").glob("*.jpg"))[3].unlink()
    import_folder(root, "shop")[0].dispose()  # re-import without re-indexing
    with pytest.raises(StaleIndexError, match="re-imported"):
        OutfitSearcher.open("shop")


def test_cli_index_and_query(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = fresh_copy(world, tmp_path)
    # without --model the demo model is used, with a note: point it at the test model
    monkeypatch.setattr("sane_desktop.retrieval.indexing.model.bundled_model_path", lambda root: world["model"])
    assert main(["index", str(root), "--workers", "0", "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["embedded"] == 40 and "trained on this catalogue" in summary["note"] and "note:" in err
    outfit = json.loads((root / "nondisjoint" / "train.json").read_text())[0]
    ids = [entry["item_id"] for entry in outfit["items"]][:2]
    assert main(["query", "shop", "--outfit", ",".join(ids), "-k", "2", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer["results"]) == set(summary["vectors"])
    for ranked in answer["results"].values():
        assert len(ranked) <= 2 and not set(r["item_id"] for r in ranked) & set(ids)
        assert all(set(r["contributions"]) == set(ids) for r in ranked)
        assert all(isinstance(r["title"], str) for r in ranked)
    # the text output names each result by id and title (a person picks by title, not by id)
    assert main(["query", "shop", "--outfit", ",".join(ids), "-k", "2"]) == 0
    text = capsys.readouterr().out
    first = next(iter(answer["results"].values()))[0]
    row = next(line for line in text.splitlines() if line.strip().startswith("1. " + first["item_id"]))
    assert first["title"] and " ".join(first["title"].split())[:20] in row
    image = next((root / "images").glob("*.jpg"))
    assert main(["query", "shop", "--image", str(image), "--image-category", "tops", "--category", "shoes",
                 "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["results"]) == ["shoes"]
    assert main(["query", "shop", "--outfit", ",".join(ids), "--category", "shoez"]) == 1  # a typo
    err = capsys.readouterr().err
    assert "no indexed category 'shoez'" in err and "shoes" in err and len(err.strip().splitlines()) == 1
    assert main(["query", "shop", "--outfit", "no-such-item"]) == 1
    assert "unknown item ids: no-such-item" in capsys.readouterr().err
    assert main(["query", "shop", "--outfit", ",".join(f"gone-{n}" for n in range(7))]) == 1
    assert "gone-4 and 2 more (catalogue" in capsys.readouterr().err  # never cut without a word


def test_an_index_file_that_cannot_be_written_is_one_plain_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial Z made the faiss folder immutable: `index --rebuild` printed faiss's C++ RuntimeError with its
    source line and the hidden temporary name. One line now, the folder and the system's reason, and no
    temporary file left."""
    import faiss

    from sane_desktop.errors import StoreError
    from sane_desktop.retrieval import faiss_index

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(4))
    index.add_with_ids(np.eye(4, dtype=np.float32), np.arange(4, dtype=np.int64))
    target = tmp_path / "faiss" / "shop.faiss"

    def refused(_index: object, name: str) -> None:
        raise RuntimeError(f"Error in faiss::FileIOWriter::FileIOWriter(const char*) at io.cpp:103: could not open "
                           f"{name} for writing: Operation not permitted")

    monkeypatch.setattr(faiss_index.faiss, "write_index", refused)
    monkeypatch.setattr(faiss_index, "folder_problem", lambda folder: f"cannot write into {folder} (Operation not permitted)")
    with pytest.raises(StoreError) as said:
        faiss_index.write_index_atomic(index, target)
    assert str(said.value).startswith(f"cannot write the index file shop.faiss into {target.parent} (cannot write "
                                      f"into {target.parent} (Operation not permitted)); nothing half-written is left")
    assert "faiss::" not in str(said.value) and list(target.parent.iterdir()) == []


def test_an_index_spec_with_a_field_this_version_does_not_read_is_one_line(tmp_path: Path) -> None:
    """Trial AA added indexes.tops.spec.extra: "TypeError: IndexSpec.__init__() got an unexpected keyword
    argument 'extra'". A stale index, said in one line with the way out."""
    from sane_desktop.retrieval.indexing.verify import load_verified
    from sane_desktop.retrieval.manifest import CategoryIndex

    entry = CategoryIndex("tops", 0, "faiss/tops.faiss", "IDMap2,FlatIP", {"kind": "flat", "extra": 1}, 4)
    with pytest.raises(StaleIndexError, match=r"the index of category 'tops' has a spec this version does not read "
                                              r"\(\['extra', 'kind'\]\): re-run sane-desktop index"):
        load_verified(tmp_path, entry, 4)
