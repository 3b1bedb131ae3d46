"""A model trained without outfits learnt no matches: its type-space masks were never fitted, so
searching with them would rank by untrained spaces and read as "compatible" (a trial found 93/100
"matches" chipped with a file-name word). Such a model (``config["mode"] == "attributes"``) compares
every category in the general space, by visual similarity, and says so: index maps everything to
``general`` with a note and no suggestions, a user's map to a model category is refused in one line,
query labels every list "looks alike", and an index built before this rule is refused by search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.errors import StaleIndexError
from sane_desktop.models.checkpoint import ModelBundle, demo_model_path, load_checkpoint, save_checkpoint
from sane_desktop.retrieval.indexing.model import NO_MATCHES_NOTE
from sane_desktop.retrieval.search import OutfitSearcher
from sane_desktop.service import Catalogues
from tests.closet_world import make_closet


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The closet folder and the demo model saved as one trained without outfits."""
    base = tmp_path_factory.mktemp("no-matches")
    bundle = load_checkpoint(demo_model_path())
    bundle.config = {**bundle.config, "mode": "attributes"}
    model = base / "no_outfits.pt"
    save_checkpoint(model, bundle)
    return {"root": make_closet(base / "closet"), "model": model, "base": base}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def index(world: dict[str, Path], home: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run(capsys, "--index-home", str(home), "index", str(world["root"]), "--name", "closet", "--model",
               str(world["model"]), "--workers", "0", "--device", "cpu", *extra)


def test_matched_categories_follow_the_training_mode(world: dict[str, Path]) -> None:
    trained = load_checkpoint(demo_model_path())
    assert trained.matched_categories == tuple(trained.compatibility.categories) and trained.matched_categories
    assert load_checkpoint(world["model"]).matched_categories == ()
    assert ModelBundle(trained.compatibility, None, trained.preprocessing, {}).matched_categories  # no mode: matches


def test_every_category_is_looks_alike_and_said_so(world: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    code, out, err = index(world, home, capsys, "--json")
    assert code == 0, err
    data = json.loads(out)
    # Tops/Shoes/bags are names the model has, and still no type space of it was ever trained
    assert set(data["mapped"].values()) == {"general"} and set(data["mapped_how"].values()) == {"general"}
    assert data["suggestions"] == {} and NO_MATCHES_NOTE in data["note"]
    assert NO_MATCHES_NOTE in err  # the text run's stderr line (printed by --json runs too)

    top = next(i for i in Catalogues(home).open("closet").items.search() if i.category == "Tops").item_id
    code, out, err = run(capsys, "--index-home", str(home), "query", "closet", "--outfit", top, "-k", "2", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result["spaces"].values()) == {"general"} and result["outfit"][0]["space"] == "general"
    code, out, _ = run(capsys, "--index-home", str(home), "query", "closet", "--outfit", top, "-k", "2")
    lines = out.splitlines()
    headings = [line for line in lines if not line.startswith((" ", "Outfit:", "note:"))]
    assert len(headings) > 1 and " — looks alike (the model has no matches learnt for " in headings[0]
    # said once in full, then briefly (trial CS: 300 folders repeated it 300 times)
    assert all(line.endswith(" — looks alike (as above: no matches learnt for it either)") for line in headings[1:])
    assert any(line.startswith(f"note: {top} counts by visual similarity (the model has no matches learnt for its "
                               "category): its share") for line in lines)

    code, _, err = index(world, home, capsys, "--category-map", "Tops=tops")
    assert code == 1 and "this model learnt no matches (trained without outfits)" in err
    assert len(err.strip().splitlines()) == 1


def test_an_index_from_before_the_rule_is_refused(world: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    # what the index did before: the model's own names, as if its type spaces had been learnt
    monkeypatch.setattr(ModelBundle, "matched_categories",
                        property(lambda self: tuple(self.compatibility.categories)))
    code, out, err = index(world, home, capsys, "--json")
    assert code == 0, err
    assert json.loads(out)["mapped"]["Tops"] == "tops"
    monkeypatch.undo()
    catalogue = Catalogues(home).open("closet")
    with pytest.raises(StaleIndexError, match="type spaces this model never learnt .*re-run sane-desktop index"):
        OutfitSearcher.open(catalogue.items.engine, name="closet", index_dir=home / "closet")
    catalogue.close()
    code, out, err = index(world, home, capsys, "--json")  # a re-index repairs it
    assert code == 0, err
    assert set(json.loads(out)["mapped"].values()) == {"general"}
