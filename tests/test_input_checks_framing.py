"""A photo the model sees little of by its size alone — a strip (it keeps the centre square) or a
tiny photo (blown up) — is imported and indexed as it is, and the import, the index (CLI and the
window's index dialog) name it in one line each, as ``query`` says it of an outfit's photo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from test_input_checks_same_photo import run_json

from sane_desktop.catalogue.framing import framing_problem
from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path

STRIP = {"id": "Scarves/strip", "path": "Scarves/strip.png", "kind": "framing",
         "reason": "the photo is 400×20 pixels: the model sees its centre square, 5 % of it"}
TINY = {"id": "Tops/tiny", "path": "Tops/tiny.png", "kind": "framing",
        "reason": "the photo is only 16×16 pixels: the model sees it enlarged, with little detail"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("framing") / "shop"
    for folder, name, size in (("Tops", "plain", (60, 80)), ("Tops", "tiny", (16, 16)),
                               ("Scarves", "strip", (400, 20)), ("Scarves", "long", (200, 60))):
        (root / folder).mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (180, 60, 60)).save(root / folder / f"{name}.png")
    return root


@pytest.fixture(scope="module")
def shop_with_copy(shop: Path) -> Path:
    import shutil

    root = shop.parent / "shop with a copy"
    shutil.copytree(shop, root)
    shutil.copyfile(root / "Tops" / "plain.png", root / "Tops" / "plain copy.png")
    return root


@pytest.mark.parametrize(("size", "said"), [
    ((60, 80), ""), ((200, 60), ""), ((0, 0), ""),  # ordinary, 3.3:1 (under the strip ratio), unknown
    ((400, 20), "is 400×20 pixels: the model sees its centre square, 5 % of it"),
    ((20, 400), "is 20×400 pixels: the model sees its centre square, 5 % of it"),
    ((31, 40), "is only 31×40 pixels: the model sees it enlarged, with little detail"),
    ((10000, 50), "is 10000×50 pixels: the model sees its centre square, under 1 % of it"),  # not "0 %" (CS)
])
def test_the_rule(size: tuple[int, int], said: str) -> None:
    assert framing_problem(*size) == said


def test_import_and_index_name_each_such_photo_and_keep_it(shop: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    summary = run_json(capsys, "--index-home", home, "import", str(shop))
    assert summary["items"] == 4 and summary["skipped"] == []  # information, not a skip
    assert sorted(summary["framing"], key=lambda n: n["id"]) == [STRIP, TINY]
    assert main(["--index-home", home, "index", str(shop), "--name", "shop", "--model", str(demo_model_path()),
                 "--workers", "0", "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert "  photos the model sees little of: 2 (indexed as they are;" in text
    assert f"    Tops/tiny (Tops/tiny.png): {TINY['reason']}" in text
    assert f"    Scarves/strip (Scarves/strip.png): {STRIP['reason']}" in text
    data = run_json(capsys, "--index-home", home, "index", str(shop), "--name", "shop")  # a re-index says it again
    assert len(data["import_summary"]["framing"]) == 2
    assert sum(data["vectors"].values()) == 4  # all indexed


def test_the_index_dialog_lists_them(shop_with_copy: Path, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shop = shop_with_copy
    pytest.importorskip("pytestqt")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from sane_desktop.gui.index_dialog import IndexDialog
    from sane_desktop.gui.tasks import TaskRunner
    from sane_desktop.service import CatalogueService

    runner: TaskRunner[CatalogueService] = TaskRunner(CatalogueService(tmp_path / "home", model=demo_model_path(),
                                                                       device="cpu"))
    try:
        dialog = IndexDialog(runner)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.folder.setText(str(shop))
        dialog.inspect(str(shop))
        qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=60000)
        with qtbot.waitSignal(dialog.indexed, timeout=180000):
            dialog.start()
        summary = dialog.summary.toPlainText()
        assert dialog.summary.isVisible() and "Photos the model sees little of (2, indexed as they are):" in summary
        assert f"Tops/tiny (Tops/tiny.png): {TINY['reason']}" in summary
        assert f"Scarves/strip (Scarves/strip.png): {STRIP['reason']}" in summary
        # a copy of a photo is said there too, as the command line says it (a trial found only the framing)
        assert "Same photo as another item (1, both indexed; a search lists the photo once):" in summary
        assert "Tops/plain (Tops/plain.png): same photo as Tops/plain copy (both kept)" in summary
    finally:
        runner.shutdown()
