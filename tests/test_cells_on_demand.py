"""Issue 19, point 4: per-cell outputs stored, or computed on demand for the items on screen.

``index --cells on-demand`` keeps no ``cells`` blob (three quarters of the database per item); the
tiles' batched explanations then compute them for the asked items and give what the stored ones
gave (fp16 storage against fp32: within 2e-2 on a unit cosine). Switching back to ``stored`` fills
them in again; ``auto`` stores them up to CELLS_STORED_LIMIT items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from demo_world import build_demo_world
from sane_desktop.errors import InputError
from sane_desktop.retrieval.indexing.embed import CELLS_STORED_LIMIT, store_cells_for
from sane_desktop.retrieval.indexing.pipeline import index_store
from sane_desktop.service import CatalogueService


def cells_counts(db: Path) -> tuple[int, int]:
    """(rows, rows holding cells) of the catalogue's embeddings."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows, with_cells = connection.execute(
            text("SELECT count(*), count(cells) FROM item_embeddings")).one()
    engine.dispose()
    return int(rows), int(with_cells)


def tiles_of(index_home: Path, model: Path) -> list:  # type: ignore[type-arg]
    service = CatalogueService(index_home, model=model, device="cpu")
    service.open_catalogue("demo")
    chosen: dict[str, int] = {}
    for item in service.items():
        chosen.setdefault(item.category, item.pk)
    outfit = list(chosen.values())[:2]
    results = [r for rs in service.search(outfit, "", 3).values() for r in rs]
    return service.explain_tiles([(r.item.pk, r.best_outfit_item()) for r in results], map_side=28)


def test_on_demand_cells_give_the_stored_explanations(tmp_path: Path) -> None:
    build_demo_world(tmp_path, 40, device="cpu")
    db, model, home = tmp_path / "index" / "demo" / "catalogue.db", tmp_path / "model.pt", tmp_path / "index"
    rows, with_cells = cells_counts(db)
    assert rows == with_cells > 0  # the default (auto) stores them for a small catalogue
    stored = tiles_of(home, model)

    engine = create_engine(f"sqlite:///{db}")
    summary = index_store(engine, "demo", model, index_dir=home / "demo", cells="on-demand")
    assert not summary.cells_stored and summary.embedded == 0  # the embeddings are kept, only cells go
    assert cells_counts(db) == (rows, 0)
    on_demand = tiles_of(home, model)
    assert [(t.candidate_pk, t.outfit_pk) for t in on_demand] == [(t.candidate_pk, t.outfit_pk) for t in stored]
    for a, b in zip(stored, on_demand):
        assert a.similarity == pytest.approx(b.similarity, abs=2e-2)
        assert (a.attribute.name if a.attribute else None) == (b.attribute.name if b.attribute else None)
        assert bool(a.abstained) == bool(b.abstained)
        assert np.corrcoef(a.candidate_map.ravel(), b.candidate_map.ravel())[0, 1] > 0.99

    summary = index_store(engine, "demo", model, index_dir=home / "demo", cells="stored")
    assert summary.cells_stored and summary.embedded == rows  # filled in again
    assert cells_counts(db) == (rows, rows)
    with pytest.raises(InputError, match="cells policy"):
        index_store(engine, "demo", model, index_dir=home / "demo", cells="sometimes")
    engine.dispose()


def test_auto_stores_cells_up_to_the_limit() -> None:
    assert store_cells_for("auto", CELLS_STORED_LIMIT) and not store_cells_for("auto", CELLS_STORED_LIMIT + 1)
    assert store_cells_for("stored", 10 * CELLS_STORED_LIMIT) and not store_cells_for("on-demand", 1)
    with pytest.raises(ValueError):
        store_cells_for("never", 1)
