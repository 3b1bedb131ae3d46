"""``kill -9`` in the middle of indexing, then a re-run: nothing duplicated, nothing lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sane_desktop.retrieval.indexing import index_catalogue
from sane_desktop.retrieval.search import OutfitSearcher
from tests.retrieval_world import make_catalogue, make_model

ITEMS = 80


def embedding_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM item_embeddings").fetchone()[0])
        except sqlite3.OperationalError:  # tables not created yet
            return 0


@pytest.mark.slow
def test_kill_9_mid_indexing_then_rerun_finishes_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_catalogue(tmp_path / "shop", items=ITEMS, seed=3)
    model = make_model(tmp_path / "model.pt", width=16, size=112)  # slow enough to be caught mid-run
    home = tmp_path / "home"
    db = home / "shop" / "catalogue.db"
    env = {**os.environ, "SANE_INDEX_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sane_desktop", "index", str(root), "--model", str(model), "--workers", "0",
         "--batch-size", "1", "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while embedding_count(db) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "indexing ended before it could be killed"
    committed = embedding_count(db)
    assert 0 < committed < ITEMS
    assert not (home / "shop" / "manifest.json").exists()  # the index is only written at the end

    monkeypatch.setenv("SANE_INDEX_HOME", str(home))
    summary = index_catalogue(root, "shop", model, workers=0)
    assert summary.embedded == ITEMS - committed and summary.reused == committed
    assert embedding_count(db) == ITEMS
    searcher = OutfitSearcher.open("shop")
    ids = np.concatenate([store.ids() for store in searcher.stores.values()])
    assert len(ids) == len(set(ids.tolist())) == ITEMS == sum(summary.vectors.values())
