"""A memory budget too small for even the smallest compressed index is the user's input, not a crash:
``index --memory-budget 1KiB`` says so in one ``error:`` line (exit code 1) with sizes a person can
read, not ``error: ValueError: … need at least 0.00 GiB …; the memory budget is 0.00 GiB``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.errors import InputError
from sane_desktop.retrieval.compressed import choose_by_budget, index_bytes
from tests.retrieval_world import make_catalogue, make_model


def test_too_small_a_budget_is_an_input_error_in_readable_units() -> None:
    with pytest.raises(InputError, match="memory budget is too small") as raised:
        choose_by_budget(34, 512, 5_000, flat_limit=1_000_000)
    message = str(raised.value)
    assert "0.00 GiB" not in message and "4.9 KiB" in message, message  # the share: 5,000 bytes
    assert choose_by_budget(34, 512, 10**9, flat_limit=1_000_000).kind == "flat"  # a real budget still fits
    # the "at least" is the least any index needs (found by a trial: for a small category it named
    # the on-disk PQ, whose codebooks outweigh the SQ8 index a slightly larger budget then chose)
    for n in (100, 1_200):
        with pytest.raises(InputError) as raised:
            choose_by_budget(n, 768, 1_000, flat_limit=10)
        stated = float(str(raised.value).split("at least ")[1].split(" KiB")[0]) * 1024
        fits = choose_by_budget(n, 768, int(stated) + 1024, flat_limit=10)  # rounding of the message: 0.1 KiB
        assert abs(index_bytes(fits, n, 768) - stated) <= 0.05 * 1024, (n, fits.label, stated)
        with pytest.raises(InputError):
            choose_by_budget(n, 768, int(stated) - 1024, flat_limit=10)
    assert index_bytes(choose_by_budget(2_000, 64, 200_000, flat_limit=10), 2_000, 64) <= 200_000


def test_index_with_a_tiny_budget_fails_in_one_plain_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_catalogue(tmp_path / "shop", items=30)
    model = make_model(tmp_path / "model.pt")
    code = main(["index", str(root), "--model", str(model), "--workers", "0", "--device", "cpu",
                 "--db", f"sqlite:///{tmp_path / 'c.db'}", "--index-dir", str(tmp_path / "ix"),
                 "--memory-budget", "1KiB", "--json"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1, err
    lines = [line for line in err if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith("error: the memory budget is too small"), err
    assert "ValueError" not in lines[0] and "GiB" not in lines[0], lines[0]
