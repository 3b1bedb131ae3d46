"""A list whose results all score the same says so (trial AJ read 100/100 on every result after a
one-epoch training, and nothing said that the model told none of them apart)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sane_desktop.cli import main
from sane_desktop.models import CompatibilityNet, ModelBundle, Preprocessing, save_checkpoint
from sane_desktop.service.titles import tied_scores_words
from tests.closet_world import make_closet


def test_the_words_come_for_three_or_more_equal_scores_only() -> None:
    assert tied_scores_words([0.5, 0.5]) == ""
    assert tied_scores_words([0.5, 0.5, 0.50001]).startswith("every one of the 3 results scores the same")
    assert tied_scores_words([0.5, 0.5, 0.6]) == ""


def test_query_says_so_for_a_collapsed_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_closet(tmp_path / "closet")
    torch.manual_seed(0)
    net = CompatibilityNet(["Tops", "Shoes", "Bottoms", "Dresses", "Jewellery", "uncategorised"], width=16)
    with torch.no_grad():  # every photo embeds to one vector: a collapsed model
        net.embed.weight.zero_()
        net.embed.bias.fill_(1.0)
    save_checkpoint(tmp_path / "collapsed.pt", ModelBundle(net, None, Preprocessing()))
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--name", "closet", "--model", str(tmp_path / "collapsed.pt"),
                 "--workers", "0", "--device", "cpu"]) == 0
    assert main([*home, "items", "closet", "--json"]) == 0
    capsys.readouterr()
    assert main([*home, "query", "closet", "--outfit", "Tops/tops_0", "--category", "Shoes", "-k", "5"]) == 0
    err = capsys.readouterr().err
    assert "note: Shoes: every one of the" in err and "scores the same" in err, err


def test_the_window_says_so_under_the_results(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pytestqt")
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui_helpers import open_window

    from sane_desktop.gui.screenshots import wait_until
    from sane_desktop.service import CatalogueService

    root = make_closet(tmp_path / "closet")
    torch.manual_seed(0)
    net = CompatibilityNet(["Tops", "Shoes", "Bottoms", "Dresses", "Jewellery", "uncategorised"], width=16)
    with torch.no_grad():
        net.embed.weight.zero_()
        net.embed.bias.fill_(1.0)
    save_checkpoint(tmp_path / "collapsed.pt", ModelBundle(net, None, Preprocessing()))
    CatalogueService(tmp_path / "index", model=tmp_path / "collapsed.pt", device="cpu").index_folder(root, "closet")
    window, client = open_window({"index": tmp_path / "index", "model": tmp_path / "collapsed.pt", "root": tmp_path},
                                 qtbot)
    try:
        window.refresh_catalogues(select="closet")
        wait_until(lambda: window.catalogue is not None and window.browser_model.rowCount() > 0, 60, "the items")
        top = next(item for item in window.browser_model.items() if item.category == "Tops")
        window.add_to_outfit([top.pk])
        wait_until(lambda: len(window._results) >= 3, 60, "the results")
        qtbot.waitUntil(lambda: "scores the same" in window.results.filter_note.text(), timeout=30000)
        assert "Every one of the" in window.results.filter_note.text()
    finally:
        client.shutdown()
