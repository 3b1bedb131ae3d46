"""The way back to the built-in model (trial CD's leftover): training a catalogue without outfits gave it a
model that ranks by looks alone, and only deleting and re-indexing the catalogue brought the built-in model's
compatibility picks back. ``use_builtin_model`` indexes it again with the model built into the app, keeping
its own model files aside (renamed), and puts them back when the run does not finish."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sane_desktop.errors import Cancelled, InputError
from sane_desktop.models.checkpoint import demo_model_path, general_model_path, stored_content_hash
from sane_desktop.retrieval.manifest import read_index_manifest
from sane_desktop.service import CatalogueService
from tests.closet_world import make_closet


def closet_with_own_model(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A closet folder, an index home, the closet's folder there and its own model (a copy of the demo model), not
    indexed yet: (root, home, folder, model.pt)."""
    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    folder = home / "closet"
    folder.mkdir(parents=True)
    own = folder / "model.pt"
    shutil.copyfile(demo_model_path(), own)
    return root, home, folder, own


def test_a_catalogue_goes_back_to_the_built_in_model_keeping_its_own_aside(tmp_path: Path) -> None:
    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    service = CatalogueService(home, device="cpu")
    folder = home / "closet"
    folder.mkdir(parents=True)
    own = folder / "model.pt"  # the catalogue's own model (as Train writes it), here the demo model's file
    shutil.copyfile(demo_model_path(), own)
    own.with_suffix(".selection.json").write_text("{}", encoding="utf-8")
    service.index_folder(root, "closet", model=own)
    service.open_catalogue("closet")
    assert read_index_manifest(folder).model_hash == stored_content_hash(own)
    before = {item.pk for item in service.items()}

    # stopped before its end: the catalogue's own model and its index stay as they were
    with pytest.raises(Cancelled):
        service.use_builtin_model("closet", should_stop=lambda: True)
    assert own.is_file() and own.with_suffix(".selection.json").is_file()
    assert not list(folder.glob("*.set-aside*"))
    assert read_index_manifest(folder).model_hash == stored_content_hash(own)
    assert service.name == "closet"  # opened again

    report = service.use_builtin_model("closet")
    assert report.model_name == general_model_path().name  # real photos' built-in model, not the demo's
    # its own model is the earlier one now (use_earlier_model brings it back)
    assert sorted(Path(p).name for p in report.set_aside) == ["model.previous.pt", "model.previous.selection.json"]
    assert not own.exists() and service.earlier_model("closet") == folder / "model.previous.pt"
    assert read_index_manifest(folder).model_hash == stored_content_hash(general_model_path())
    assert service.name == "closet" and service.model_path().name == general_model_path().name
    assert {item.pk for item in service.items()} == before
    tops = [item.pk for item in service.items() if item.category == "Tops"][:1]
    assert service.search(tops, "", 3)  # it searches, with the built-in model
    # already on it: said, nothing done
    with pytest.raises(InputError, match="built into the app already"):
        service.use_builtin_model("closet")
    # a photo from disk in the outfit stays usable across such a run (trial CJ: after a Train, "the image from
    # disk -1 is no longer loaded" stopped every search): carried, embedded again with the model now used
    from PIL import Image

    mine = tmp_path / "mine.png"
    Image.new("RGB", (40, 50), (20, 160, 90)).save(mine)
    disk = service.add_image(mine, "Tops")
    shutil.copyfile(demo_model_path(), own)
    service._index_with("closet", own, lambda *_: None, lambda: False)  # as Train and Adapt re-index
    assert service.search([disk.pk], "", 3)
    # a later own model is the earlier one then; the one kept before is set aside, not lost
    shutil.copyfile(demo_model_path(), own)
    service.index_folder(root, "closet", model=own)
    again = service.use_builtin_model("closet")
    assert [Path(p).name for p in again.set_aside] == ["model.previous.pt"]
    assert [Path(p).name for p in again.earlier_set_aside] == ["model.set-aside.previous.pt"]  # said (trial EM)
    assert (folder / "model.set-aside.previous.pt").is_file() and (folder / "model.set-aside.previous.selection.json").is_file()
    assert service.search([disk.pk], "", 3)  # and across going back to the built-in model


def test_the_model_a_training_replaced_is_kept_as_the_previous_one(tmp_path: Path) -> None:
    """Trial CI: a window Train or Adapt replaced the catalogue's own model for good (its copy was deleted once
    the re-index finished). The copy is kept beside it as ``model.previous.pt`` (the last one replaced)."""
    from sane_desktop.service.model_swap import SavedModel

    model = tmp_path / "model.pt"
    model.write_bytes(b"first")
    model.with_suffix(".selection.json").write_text("{1}", encoding="utf-8")
    saved = SavedModel.aside(model)
    model.write_bytes(b"second")  # the training writes its model (and no selection)
    kept = saved.keep_as_previous()
    assert sorted(path.name for path in kept) == ["model.previous.pt", "model.previous.selection.json"]
    assert (tmp_path / "model.previous.pt").read_bytes() == b"first" and model.read_bytes() == b"second"
    assert not [p for p in tmp_path.iterdir() if p.name not in ("model.pt", "model.selection.json", "model.previous.pt",
                                                                "model.previous.selection.json")]
    saved = SavedModel.aside(model)  # a second training: the model it replaced is the previous one now
    model.write_bytes(b"third")
    saved.keep_as_previous()
    assert (tmp_path / "model.previous.pt").read_bytes() == b"second"
    fresh = SavedModel.aside(tmp_path / "none.pt")  # no model there before: nothing to keep
    (tmp_path / "none.pt").write_bytes(b"new")
    assert fresh.keep_as_previous() == ()


def test_a_catalogue_goes_back_to_its_earlier_model_and_forth(tmp_path: Path) -> None:
    """Trial-left (stop 65): a Train with too few held-back outfits to compare replaces the catalogue's model, kept
    as ``model.previous.pt``, and nothing in the app brought it back. ``use_earlier_model`` indexes the catalogue
    with it, the two swapping places (each with its own fitted selection, never the other's); a stopped run leaves
    both as they were; after Built-in model… it brings the catalogue's own model back."""
    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    service = CatalogueService(home, device="cpu")
    folder = home / "closet"
    folder.mkdir(parents=True)
    own, earlier = folder / "model.pt", folder / "model.previous.pt"
    shutil.copyfile(demo_model_path(), earlier)  # the model a Train replaced, with its selection
    shutil.copyfile(demo_model_path().with_suffix(".selection.json"), earlier.with_name("model.previous.selection.json"))
    shutil.copyfile(general_model_path(), own)  # the Train's model, no selection fitted
    service.index_folder(root, "closet", model=own)
    service.open_catalogue("closet")
    demo, general = stored_content_hash(demo_model_path()), stored_content_hash(general_model_path())
    before = {item.pk for item in service.items()}

    with pytest.raises(Cancelled):
        service.use_earlier_model("closet", should_stop=lambda: True)
    assert stored_content_hash(own) == general and stored_content_hash(earlier) == demo
    assert not own.with_suffix(".selection.json").exists()
    assert read_index_manifest(folder).model_hash == general and service.name == "closet"

    report = service.use_earlier_model("closet")
    assert read_index_manifest(folder).model_hash == demo and stored_content_hash(own) == demo
    # its own selection came along
    assert own.with_suffix(".selection.json").read_bytes() == demo_model_path().with_suffix(".selection.json").read_bytes()
    # the Train's model is the earlier one now, without the selection that was not its own
    assert [Path(p).name for p in report.set_aside] == ["model.previous.pt"] and stored_content_hash(earlier) == general
    assert not earlier.with_name("model.previous.selection.json").exists()
    assert {item.pk for item in service.items()} == before and service.model_path() == own
    tops = [item.pk for item in service.items() if item.category == "Tops"][:1]
    assert service.search(tops, "", 3)

    service.use_earlier_model("closet")  # and back
    assert read_index_manifest(folder).model_hash == general and stored_content_hash(earlier) == demo
    assert earlier.with_name("model.previous.selection.json").is_file() and not own.with_suffix(".selection.json").exists()

    service.use_builtin_model("closet")  # the built-in model: the catalogue's own is the earlier one
    assert stored_content_hash(earlier) == general and (folder / "model.set-aside.previous.pt").is_file()
    service.use_earlier_model("closet")  # its own back; a built-in model is not copied into its folder
    assert read_index_manifest(folder).model_hash == general and service.earlier_model("closet") is None
    with pytest.raises(InputError, match="keeps no earlier model"):
        service.use_earlier_model("closet")


def test_a_train_s_re_index_keeps_the_model_it_replaced_or_puts_it_back(tmp_path: Path) -> None:
    """The re-index after a Train or Adapt (``_index_or_put_back``) cleared the copy of the model set aside
    beside ``model.pt`` as a killed writer's leftover: no ``model.previous.pt`` was kept, though the dialog
    said it was, and a cancelled re-index could not put the old model back (the new one stayed, unindexed)."""
    from sane_desktop.service.locking import catalogue_lock
    from sane_desktop.service.model_swap import SavedModel

    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    service = CatalogueService(home, device="cpu")
    folder = home / "closet"
    folder.mkdir(parents=True)
    own = folder / "model.pt"
    shutil.copyfile(demo_model_path(), own)
    service.index_folder(root, "closet", model=own)
    service.open_catalogue("closet")
    demo, general = stored_content_hash(demo_model_path()), stored_content_hash(general_model_path())

    with catalogue_lock(folder, "train closet"):  # as Train holds it
        saved = SavedModel.aside(own)
        shutil.copyfile(general_model_path(), own)  # as the training writes its model
        with pytest.raises(Cancelled):
            service._index_or_put_back("closet", saved, lambda *_: None, lambda: True)
    assert stored_content_hash(own) == demo and read_index_manifest(folder).model_hash == demo
    assert not list(folder.glob(".*.tmp")) and service.name == "closet"

    with catalogue_lock(folder, "train closet"):
        saved = SavedModel.aside(own)
        shutil.copyfile(general_model_path(), own)
        _, previous = service._index_or_put_back("closet", saved, lambda *_: None, lambda: False)
    assert previous == str(folder / "model.previous.pt") and stored_content_hash(previous) == demo
    assert read_index_manifest(folder).model_hash == general and not list(folder.glob(".*.tmp"))


def test_the_command_line_goes_to_the_built_in_model_and_back(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``catalogues builtin-model NAME`` and ``catalogues earlier-model NAME``: the window's Built-in model… and
    Earlier model… (the command line had neither: its user renamed model files by hand)."""
    import json

    from sane_desktop.cli import main

    root, home, folder, own = closet_with_own_model(tmp_path)
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--model", str(own),
                 "--workers", "0"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "catalogues", "earlier-model", "closet"]) == 1
    assert "error: 'closet' keeps no earlier model" in capsys.readouterr().err
    assert main(["--index-home", str(home), "catalogues", "builtin-model", "closet"]) == 0
    # and what it compares by looks, as `index` says it (trial EL: a change of model dropped it)
    assert capsys.readouterr().out.strip().splitlines() == [
        f"Indexed 'closet' again with the model built into the app ({general_model_path().name}): 20 items; the "
        f"model it replaced is kept as {folder / 'model.previous.pt'}",
        "  compared by visual similarity, the model having no matches learnt for them: Dresses, Jewellery, "
        "uncategorised"]
    assert main(["--index-home", str(home), "catalogues", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)["catalogues"]
    assert listed["earlier_model_at"] and listed["model"] == general_model_path().name
    assert main(["--index-home", str(home), "catalogues", "earlier-model", "closet", "--json"]) == 0
    back = json.loads(capsys.readouterr().out)
    assert back["model"] == "model.pt" and back["items"] == 20 and back["kept"] == []
    assert read_index_manifest(folder).model_hash == stored_content_hash(demo_model_path())
    # a name the home lacks, as `catalogues delete` says it (trial EL read "keeps no earlier model")
    for action in ("earlier-model", "builtin-model"):
        assert main(["--index-home", str(home), "catalogues", action, "closett"]) != 0
        assert "no indexed catalogue named 'closett' under " in capsys.readouterr().err
    assert main(["--index-home", str(home), "catalogues", "earlier-model"]) == 1
    assert "error: earlier-model takes 1 name: catalogues earlier-model NAME" in capsys.readouterr().err


def test_a_model_change_killed_before_its_end_is_finished_by_the_next_index(tmp_path: Path) -> None:
    """Trial EL killed `catalogues earlier-model` (kill -9) during its re-index: the model the catalogue used was left
    only as a temporary, which the next index deleted as a dead writer's leftover. The copy has a name of its own
    (model.replaced.pt), a search says where the indexed model is, and the next index finishes the run as it
    would have ended: put back while the index is still the replaced model's, kept as the earlier one once not."""
    from sane_desktop.errors import StaleIndexError

    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    folder = home / "closet"
    folder.mkdir(parents=True)
    own, earlier, replaced = folder / "model.pt", folder / "model.previous.pt", folder / "model.replaced.pt"
    demo, general = stored_content_hash(demo_model_path()), stored_content_hash(general_model_path())
    shutil.copyfile(demo_model_path(), own)
    shutil.copyfile(general_model_path(), earlier)
    CatalogueService(home, device="cpu").index_folder(root, "closet", model=own)
    # killed half-way through going to the earlier model: the model in use copied aside, the earlier one over it
    shutil.copyfile(own, replaced)
    shutil.copyfile(earlier, own)
    service = CatalogueService(home, device="cpu")
    service.open_catalogue("closet")
    tops = [item.pk for item in service.items() if item.category == "Tops"][:1]
    with pytest.raises(StaleIndexError, match="the model it was built with is still there as model.replaced.pt, kept "
                                              "by a run that changed the model and was stopped before its end"):
        service.search(tops, "", 3)
    service.close()
    # the listing says it too (trial EM: it named no model.replaced.pt)
    [listed] = service.catalogue_details()
    assert "still there as model.replaced.pt" in listed.stale_reason
    service.index_folder(root, "closet")  # what the refusal advises: the run is undone, nothing re-embedded
    assert stored_content_hash(own) == demo and stored_content_hash(earlier) == general and not replaced.exists()
    assert read_index_manifest(folder).model_hash == demo

    # killed after its index was written, before the replaced model was kept: kept as the earlier one
    shutil.copyfile(general_model_path(), replaced)
    service.index_folder(root, "closet")
    assert not replaced.exists() and stored_content_hash(earlier) == general
    assert (folder / "model.set-aside.previous.pt").is_file()  # the earlier one there before: set aside, not lost
    assert stored_content_hash(own) == demo and read_index_manifest(folder).model_hash == demo


def test_a_damaged_earlier_model_or_selection_is_refused_by_its_name_before_anything_moves(tmp_path: Path) -> None:
    """Trial EL: a damaged model.previous.pt read "model.pt is not a loadable checkpoint" (the healthy one), and a
    hand-edited model.previous.selection.json was put in place without a word, every explanation failing after."""
    import json

    from sane_desktop.errors import ModelError

    root = make_closet(tmp_path / "closet")
    home = tmp_path / "home"
    folder = home / "closet"
    folder.mkdir(parents=True)
    own, earlier = folder / "model.pt", folder / "model.previous.pt"
    shutil.copyfile(demo_model_path(), own)
    earlier.write_bytes(demo_model_path().read_bytes()[:300000])  # cut short
    service = CatalogueService(home, device="cpu")
    service.index_folder(root, "closet", model=own)
    files = {path.name: path.read_bytes() for path in folder.glob("model*")}
    with pytest.raises(ModelError, match=f"the earlier model {earlier} cannot be used: "):
        service.use_earlier_model("closet")
    assert {path.name: path.read_bytes() for path in folder.glob("model*")} == files
    shutil.copyfile(general_model_path(), earlier)
    selection = json.loads(general_model_path().with_suffix(".selection.json").read_text(encoding="utf-8"))
    selection["weights"]["partnr"] = selection["weights"].pop("partner")
    earlier.with_suffix(".selection.json").write_text(json.dumps(selection), encoding="utf-8")
    files = {path.name: path.read_bytes() for path in folder.glob("model*")}
    with pytest.raises(InputError, match="the earlier model's attribute choice cannot be read .*weight 'partnr'.*: fix "
                                         "or delete model.previous.selection.json, then try again"):
        service.use_earlier_model("closet")
    assert {path.name: path.read_bytes() for path in folder.glob("model*")} == files
    assert read_index_manifest(folder).model_hash == stored_content_hash(demo_model_path())


def test_train_and_adapt_start_from_the_model_on_disk_after_a_change_from_elsewhere(tmp_path: Path) -> None:
    """Trial EL: with the window open, a terminal's `catalogues earlier-model` changed the catalogue's model; the
    window's Train then compared its new model with the one it had loaded before (86 % where the model in use
    scored 90 %), and Adapt named a model.pt that was gone and failed. Both start from the model on disk."""
    from sane_desktop.gui.adapt_dialog import starting_model

    root, home, folder, own = closet_with_own_model(tmp_path)
    window = CatalogueService(home, device="cpu")
    window.index_folder(root, "closet", model=own)
    window.open_catalogue("closet")
    tops = [item.pk for item in window.items() if item.category == "Tops"][:1]
    assert window.search(tops, "", 3)  # its model loaded
    assert window.current().model.bundle().content_hash == stored_content_hash(own)
    CatalogueService(home, device="cpu").use_builtin_model("closet")  # a terminal's
    start = starting_model(window)
    assert start.path.name == general_model_path().name and start.origin == "bundled" and not start.replaces
    CatalogueService(home, device="cpu").use_earlier_model("closet")  # and back, from the terminal again
    assert window._as_on_disk("trained on", "closet").model.bundle().content_hash == stored_content_hash(own) \
        == stored_content_hash(demo_model_path())
