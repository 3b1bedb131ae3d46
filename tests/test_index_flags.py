"""``index --memory-budget`` and ``--vector-backend`` (issue 19): typed arguments through the
service, not environment variables — a flag wins over ``SANE_INDEX_MEMORY_BUDGET`` /
``SANE_VECTOR_BACKEND``, and a bad value is refused in one line before anything is indexed.
(``--vector-backend pgvector`` on a PostgreSQL catalogue: tests/test_shard_workers.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sane_desktop.cli import main
from tests.retrieval_world import make_catalogue, make_model


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("flags")
    return {"root": make_catalogue(base / "shop", items=30), "model": make_model(base / "model.pt")}


def index(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = main(["index", str(world["root"]), "--model", str(world["model"]), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix"), "--json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else err.strip()


def test_memory_budget_flag_compresses_and_beats_the_environment(world: dict[str, Path], tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_INDEX_MEMORY_BUDGET", "1T")  # no compression by the environment ...
    code, result = index(world, tmp_path, capsys)
    assert code == 0 and set(result["index_types"].values()) == {"IDMap2,FlatIP"}
    code, result = index(world, tmp_path, capsys, "--memory-budget", "58KiB")  # ... the flag decides
    assert code == 0, result
    assert all(label.startswith("IVF1,SQ8,rerank10") for label in result["index_types"].values()), result
    monkeypatch.delenv("SANE_INDEX_MEMORY_BUDGET")
    code, result = index(world, tmp_path, capsys, "--memory-budget", "1GiB")
    assert code == 0 and set(result["index_types"].values()) == {"IDMap2,FlatIP"}


@pytest.mark.parametrize("size", ["lots", "-4G", "0", "4X"])
def test_a_bad_memory_budget_is_refused_in_one_line(size: str, world: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, err = index(world, tmp_path, capsys, f"--memory-budget={size}")
    assert code != 0 and len(err.splitlines()) == 1 and "--memory-budget" in err, err
    assert not (tmp_path / "c.db").exists()  # refused before anything was imported


def test_a_decimal_comma_is_refused_with_the_way_to_write_it(world: dict[str, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EO, a German user: "--memory-budget '1,5GB'" was "not a size (e.g. 4G, 512M)"; a number with a
    decimal comma says to write a dot (never read as 1.5: "1,000" is a thousand in English)."""
    code, err = index(world, tmp_path, capsys, "--memory-budget=1,5GB")
    assert code != 0 and err.strip().endswith("write the decimal point as a dot (1.5GB)"), err
    with pytest.raises(SystemExit):
        main(["train", "nothing", "--lr", "0,001"])
    assert "'0,001' is not a number: write the decimal point as a dot (0.001)" in capsys.readouterr().err
    # a whole-number option says it in the same words as the others (trial EQ: "invalid int value: '1,5'")
    for argv in (["query", "nothing", "--outfit", "x", "-k", "1,5"], ["items", "nothing", "-n", "1,5"],
                 ["train", "nothing", "--image-size", "1,5"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert "'1,5' is not a whole number" in capsys.readouterr().err, argv


def test_vector_backend_flag_beats_the_environment(world: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_VECTOR_BACKEND", "pgvector")  # would be refused on SQLite ...
    code, err = index(world, tmp_path, capsys)
    assert code != 0 and "postgresql" in err and len(err.splitlines()) == 1, err
    code, result = index(world, tmp_path, capsys, "--vector-backend", "faiss")  # ... the flag decides
    assert code == 0 and set(result["index_types"].values()) == {"IDMap2,FlatIP"}
    monkeypatch.delenv("SANE_VECTOR_BACKEND")
    code, err = index(world, tmp_path / "other", capsys, "--vector-backend", "pgvector")
    assert code != 0 and "postgresql" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "other" / "ix" / "manifest.json").exists()  # refused before an index was built


def test_query_vector_backend_requires_the_store_the_index_is_in(world: dict[str, Path], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The manifest decides which store answers; ``query --vector-backend`` names the one expected
    and a mismatch is refused in one line (never answered from the other store)."""
    import sqlite3

    code, result = index(world, tmp_path, capsys)
    assert code == 0, result
    with sqlite3.connect(tmp_path / "c.db") as connection:
        item = connection.execute("SELECT item_id FROM items ORDER BY id LIMIT 1").fetchone()[0]
    where = ["--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix"), "--similar", item]
    assert main(["query", "shop", *where, "--vector-backend", "faiss", "--json"]) == 0
    with_flag = json.loads(capsys.readouterr().out)["results"]
    assert main(["query", "shop", *where, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == with_flag and with_flag
    assert main(["query", "shop", *where, "--vector-backend", "pgvector"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "faiss, not pgvector" in err, err
