"""The Polyvore Outfits reader on small generated layouts, good and bad."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from catalogue_fixtures import write_image, write_polyvore_catalogue

from sane_desktop.catalogue import CatalogueError, read_catalogue


def test_reads_items_outfits_splits_and_questions(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=16, n_outfits=8, protocols=("nondisjoint", "disjoint"))
    catalogue = read_catalogue(tmp_path)
    assert catalogue.format == "polyvore" and not catalogue.skipped
    assert {item.item_id: item.category for item in catalogue.items} == written["items"]
    first = catalogue.item_by_id()["100"]
    assert first.fine_category == "fine tops" and first.title.startswith("striped") and first.width == 16
    assert first.extra["url_name"] == "red-striped-tops"
    # an outfit in both protocols is one outfit, in two split records
    assert {o.outfit_id: o.item_ids for o in catalogue.outfits} == written["outfits"]
    outfit = next(o for o in catalogue.outfits if o.outfit_id == "5000")
    assert outfit.positions == [1, 2, 3] and outfit.title == "outfit 5000"
    assert {(s.protocol, s.split) for s in catalogue.splits} == {(p, s) for p in ("nondisjoint", "disjoint") for s in ("train", "valid", "test")}
    valid = next(s for s in catalogue.splits if (s.protocol, s.split) == ("disjoint", "valid"))
    assert valid.outfit_ids == [s for s, split in written["splits"].items() if split == "valid"]
    # FITB: setid_index resolved; the right answer is the blank item of the question's outfit
    question = next(q for q in catalogue.fitb if q.protocol == "nondisjoint")
    outfit = written["outfits"][question.outfit_id]
    assert question.question_item_ids == outfit[:-1] and question.answer_item_ids[question.correct] == outfit[-1]
    assert question.blank_position == 3
    assert len(catalogue.fitb) == 2 * 4 and len(catalogue.compatibility) == 2 * 8
    assert {q.label for q in catalogue.compatibility} == {0, 1}


def test_other_image_extensions(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    (tmp_path / "images" / "101.jpg").unlink()
    write_image(tmp_path / "images" / "101.png", image_format="PNG")
    item = read_catalogue(tmp_path).item_by_id()["101"]
    assert item.image_path == "images/101.png" and item.image_format == "PNG"


def test_bad_items_unknown_items_and_unresolvable_questions(tmp_path: Path) -> None:
    written = write_polyvore_catalogue(tmp_path, n_items=12, n_outfits=8)
    valid_set = next(s for s, split in written["splits"].items() if split == "valid")
    broken = written["outfits"][valid_set][0]
    (tmp_path / "images" / f"{broken}.jpg").write_text("not a picture")
    train_path = tmp_path / "nondisjoint" / "train.json"
    train = json.loads(train_path.read_text())
    train[0]["items"].append({"item_id": "999999", "index": 9})
    train_path.write_text(json.dumps(train))
    fitb_path = tmp_path / "nondisjoint" / "fill_in_blank_test.json"
    fitb = json.loads(fitb_path.read_text())
    fitb[0]["answers"][1] = "424242_1"
    fitb_path.write_text(json.dumps(fitb))
    catalogue = read_catalogue(tmp_path)
    kinds = {(s.kind, s.item_id): s.reason for s in catalogue.skipped}
    assert "not an image" in kinds[("item", broken)]
    outfit_skips = [s for s in catalogue.skipped if s.kind == "outfit"]
    assert any("999999 (unknown item)" in s.reason for s in outfit_skips)
    assert any(broken in s.reason and "not an image" in s.reason for s in outfit_skips)
    question_reasons = [s.reason for s in catalogue.skipped if s.kind == "question"]
    assert any("424242_1" in r for r in question_reasons) and any(broken in r for r in question_reasons)
    assert all(broken not in o.item_ids and "999999" not in o.item_ids for o in catalogue.outfits)
    kept = {i for q in catalogue.fitb for i in q.question_item_ids + q.answer_item_ids}
    assert broken not in kept


def test_path_escaping_ids_are_skipped(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    metadata_path = tmp_path / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["../../etc/passwd"] = {"semantic_category": "tops"}
    metadata["..\\evil"] = {"semantic_category": "tops"}
    metadata_path.write_text(json.dumps(metadata))
    catalogue = read_catalogue(tmp_path)
    assert len(catalogue.items) == 8
    assert {s.item_id for s in catalogue.skipped} == {"../../etc/passwd", "..\\evil"}


def test_typespaces_pickle_is_never_loaded(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    marker = tmp_path / "unpickled"

    class Exploit:
        def __reduce__(self):  # noqa: ANN204 - pickle protocol
            return (Path.touch, (marker,))

    (tmp_path / "nondisjoint" / "typespaces.p").write_bytes(pickle.dumps(Exploit()))
    read_catalogue(tmp_path)
    assert not marker.exists()


def test_malformed_metadata_is_a_clear_error(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    (tmp_path / "polyvore_item_metadata.json").write_text("{not json")
    with pytest.raises(CatalogueError, match="polyvore_item_metadata.json: invalid JSON"):
        read_catalogue(tmp_path)
    (tmp_path / "polyvore_item_metadata.json").write_text("[1, 2]")
    with pytest.raises(CatalogueError, match="expected an object"):
        read_catalogue(tmp_path)


def test_malformed_split_file_is_a_clear_error(tmp_path: Path) -> None:
    write_polyvore_catalogue(tmp_path, n_items=8, n_outfits=2)
    (tmp_path / "nondisjoint" / "train.json").write_text(json.dumps([{"set_id": "1"}]))
    with pytest.raises(CatalogueError, match="nondisjoint/train.json: outfit #0"):
        read_catalogue(tmp_path)


def test_named_attributes_are_read_and_replace_title_words(tmp_path: Path) -> None:
    from sane_desktop.catalogue.splits import attribute_vocabulary

    root = tmp_path / "shop"
    world = write_polyvore_catalogue(root)
    metadata_path = root / "polyvore_item_metadata.json"
    metadata = json.loads(metadata_path.read_text())
    ids = list(world["items"])
    for index, item_id in enumerate(ids):
        metadata[item_id]["title"] = "Tangerine cotton tee"  # a synonym the vocabulary must not learn
        metadata[item_id]["attributes"] = {"colour": ["red", "blue"][index % 2], "size": 38}
    metadata[ids[0]]["attributes"] = ["not", "an", "object"]
    metadata_path.write_text(json.dumps(metadata))
    catalogue = read_catalogue(root)
    by_id = catalogue.item_by_id()
    assert ids[0] not in by_id
    assert any(s.item_id == ids[0] and "attributes" in s.reason for s in catalogue.skipped)
    assert by_id[ids[1]].attributes == {"colour": "blue", "size": "38"}
    names, labels = attribute_vocabulary(catalogue)
    assert "colour:red" in names and "colour:blue" in names and "tangerine" not in names
    assert labels[ids[1]] == ["colour:blue", "size:38"]


def test_a_repeated_item_counts_once_and_a_one_item_outfit_is_dropped(tmp_path: Path) -> None:
    """A trial: a Polyvore ``train.json`` outfit listing an item twice was stored with it twice, and an
    outfit left with one item kept its split. Now the repeat counts once (reported) and an outfit of
    fewer than 2 distinct items is in no split, with its reason."""
    write_polyvore_catalogue(tmp_path, n_items=12, n_outfits=8)
    train_path = tmp_path / "nondisjoint" / "train.json"
    train = json.loads(train_path.read_text())
    twice, single = train[0], train[1]
    twice["items"].append(dict(twice["items"][0], index=9))
    single["items"] = [single["items"][0], dict(single["items"][0], index=2)]
    train_path.write_text(json.dumps(train))
    catalogue = read_catalogue(tmp_path)
    outfits = {o.outfit_id: o for o in catalogue.outfits}
    assert len(outfits[twice["set_id"]].item_ids) == len(set(outfits[twice["set_id"]].item_ids)) == 3
    assert single["set_id"] not in outfits
    assert all(single["set_id"] not in split.outfit_ids for split in catalogue.splits)
    reasons = {s.item_id: s.reason for s in catalogue.skipped if s.kind == "outfit"}
    assert reasons[twice["set_id"]] == f"kept {twice['items'][0]['item_id']} listed 2 times: counted once"
    assert reasons[single["set_id"]].startswith("outfit dropped: 1 distinct item(s), an outfit needs 2")


def test_a_photo_the_metadata_never_names_is_said_once(tmp_path: Path) -> None:
    """Trial P (a product table; Polyvore's metadata is the same kind of list): a photo in the folder
    that no entry names was not indexed and named nowhere. One note counts them and names the first."""
    write_polyvore_catalogue(tmp_path)
    assert not [s for s in read_catalogue(tmp_path).skipped if "photo(s) in the folder" in s.reason]
    for name in ("zz_extra.jpg", "aa_extra.PNG"):
        write_image(tmp_path / "images" / name)
    (tmp_path / "images" / "notes.txt").write_text("not a photo")
    notes = [s for s in read_catalogue(tmp_path).skipped if "photo(s) in the folder" in s.reason]
    assert [(s.path, s.reason, s.kind) for s in notes] == [
        ("polyvore_item_metadata.json", "2 photo(s) in the folder named by none of its entries: not indexed "
                                        "(images/aa_extra.PNG, images/zz_extra.jpg)", "metadata")]
