"""Attribute vocabulary on a constructed catalogue."""

from __future__ import annotations

from pathlib import Path

from sane_desktop.catalogue.types import Catalogue, ItemRecord
from sane_desktop.catalogue.vocabulary import VocabularyEntry, build_vocabulary, item_attributes, singular


def _catalogue() -> Catalogue:
    def item(item_id: str, category: str, title: str, description: str = "", **attributes: str) -> ItemRecord:
        return ItemRecord(item_id, f"{item_id}.jpg", category, fine_category="Day Dresses" if category == "dresses" else "",
                          title=title, description=description, attributes=attributes)

    items = [
        item("1", "dresses", "Floral silk dress", "A floral dress with 2 pockets", colour="Red", pattern="Floral"),
        item("2", "dresses", "Striped silk dresses", "Silk and floral, for the 2024 summer", colour="red"),
        item("3", "tops", "Striped cotton top", "The top is cotton", colour="Light  Blue", pattern="Stripe"),
        item("4", "tops", "Floral cotton tops", "", colour="Light Blue", pattern=""),
        item("5", "shoes", "Leather shoe", "a leather shoe"),
    ]
    items[4].extra["url_name"] = "red-leather-boots"
    return Catalogue(root=Path("."), format="manifest", items=items, text_fields=("title", "description", "url_name"))


def test_vocabulary_entries_and_counts() -> None:
    vocabulary = build_vocabulary(_catalogue(), min_count=2)
    assert vocabulary == [
        VocabularyEntry("colour:light blue", "categorical", 2),
        VocabularyEntry("colour:red", "categorical", 2),
        VocabularyEntry("pattern:floral", "categorical", 1),
        VocabularyEntry("pattern:stripe", "categorical", 1),
        VocabularyEntry("floral", "word", 3),
        VocabularyEntry("cotton", "word", 2),
        VocabularyEntry("silk", "word", 2),
        VocabularyEntry("striped", "word", 2),
    ]
    # 'dress', 'dresses', 'top(s)', 'shoe', 'day' are category names; 'the', 'with', 'and' stop
    # words; '2', '2024' numbers; 'leather' and 'red'/'boots' appear on one item only.


def test_thresholds_and_word_cap() -> None:
    catalogue = _catalogue()
    with_rare = {e.name for e in build_vocabulary(catalogue, min_count=1)}
    assert {"leather", "boots", "summer", "pockets"} <= with_rare
    assert not {"dress", "dresses", "top", "tops", "shoe", "day", "the", "with", "2024"} & with_rare
    capped = build_vocabulary(catalogue, min_count=1, max_words=1, min_value_count=2)
    assert [e.name for e in capped] == ["colour:light blue", "colour:red", "floral"]


def test_item_attributes_follow_vocabulary_order() -> None:
    catalogue = _catalogue()
    vocabulary = build_vocabulary(catalogue, min_count=2)
    attributes = item_attributes(catalogue, vocabulary)
    assert attributes["1"] == ["colour:red", "pattern:floral", "floral", "silk"]
    assert attributes["3"] == ["colour:light blue", "pattern:stripe", "cotton", "striped"]
    assert attributes["5"] == []


def test_singular() -> None:
    assert [singular(w) for w in ["dresses", "tops", "accessories", "shoes", "glass", "jeans"]] == [
        "dress", "top", "accessory", "shoe", "glass", "jean"]


def test_placeholder_values_are_missing_labels_not_attributes() -> None:
    """H&M writes "Unknown"/"Undefined" where it has no value: a trial heard "both are unknown" for a
    grey skirt and a beige top. Such values are no attribute, whatever their case or spacing."""
    from sane_desktop.catalogue.vocabulary import categorical_names, is_placeholder

    def item(item_id: str, **attributes: str) -> ItemRecord:
        return ItemRecord(item_id, f"{item_id}.jpg", "tops", attributes=attributes)

    items = [item("1", colour="Unknown", pattern="Solid"), item("2", colour=" undefined ", pattern="Solid"),
             item("3", colour="N/A", pattern="solid"), item("4", colour="Grey", pattern="Unknown")]
    catalogue = Catalogue(root=Path("."), format="manifest", items=items)
    names = {e.name for e in build_vocabulary(catalogue, min_count=1)}
    assert names == {"pattern:solid", "colour:grey"}
    assert categorical_names(items[3]) == {"colour:grey"}
    assert is_placeholder("UNKNOWN") and not is_placeholder("Other") and not is_placeholder("Nude")
    # a value that shows nothing is none, and invisible characters around one are no part of it (trial DP's kind)
    invisible = [item("5", colour="\u200b", pattern="\u200bSolid\u200e"), item("6", colour="\ufeff \u200b")]
    assert categorical_names(invisible[0]) == {"pattern:solid"} and categorical_names(invisible[1]) == set()


def test_a_listings_praise_and_counts_are_no_attributes() -> None:
    """Trial O: a title's "good" became an attribute a match could be explained by. Words a photo
    cannot show (praise, counts, sales copy) are left out as stop words are; garment words stay."""
    items = [ItemRecord(str(n), f"{n}.jpg", "tops", title=f"Good quality ribbed top, best price, pack of two {n}",
                        description="Approx. 60% content recycled cotton") for n in range(3)]
    catalogue = Catalogue(root=Path("."), format="manifest", items=items, text_fields=("title", "description"))
    words = [entry.name for entry in build_vocabulary(catalogue, min_count=2)]
    assert sorted(words) == ["cotton", "recycled", "ribbed"], words


def test_a_camera_file_name_or_a_word_on_nearly_every_item_is_no_attribute() -> None:
    """Trial Y: a folder of "IMG_12.jpg" photos trained on "img", the catalogue's one attribute, with a
    perfect mAP and "explaining attribute: img". A camera's file-name word is no attribute, nor is a word
    on more than 80 % of a catalogue's items (it tells no item from another)."""
    items = [ItemRecord(f"Tops/IMG_{n}", f"Tops/IMG_{n}.jpg", "tops", title=f"IMG {n}") for n in range(20)]
    items += [ItemRecord(f"Tops/DSC_0{n}", f"Tops/DSC_0{n}.jpg", "tops", title=f"DSC 0{n} linen") for n in range(8)]
    camera = Catalogue(root=Path("."), format="folder", items=items, text_fields=("title",))
    assert [e.name for e in build_vocabulary(camera)] == ["linen"]
    everywhere = [ItemRecord(str(n), f"{n}.jpg", "tops", title=f"Acme {'wool' if n % 2 else 'silk'} jumper")
                  for n in range(12)]
    catalogue = Catalogue(root=Path("."), format="manifest", items=everywhere, text_fields=("title",))
    assert [e.name for e in build_vocabulary(catalogue)] == ["silk", "wool"]  # "acme" is on all 12
    few = Catalogue(root=Path("."), format="manifest", items=everywhere[:6], text_fields=("title",))
    assert "acme" in {e.name for e in build_vocabulary(few, min_count=2)}  # 6 items: too few to call it common


def test_phone_file_name_words_of_a_folder_tree_are_no_attributes() -> None:
    """Trial AA: a folder of phone photos ("IMG_0001 copy", "IMG_0004_HDR", "MVIMG_…", "PANO_…",
    "…_BURST001_COVER", "DJI_0009") trained on "copy", "cover", "dji", "hdr", "mvimg", "pano". In a
    folder tree, whose titles are file names, a word beside a number in half its uses or more is part
    of a code; the words of a product slug stay."""
    from sane_desktop.catalogue.folder import title_from_file_name

    stems = [f"IMG_{n:04d} copy" for n in range(6)] + [f"IMG_{n:04d}_HDR" for n in range(6)] \
        + [f"MVIMG_2023{n:04d}" for n in range(6)] + [f"PANO_2023{n:04d}" for n in range(6)] \
        + [f"00{n}00IMG_00{n}_BURST00{n}_COVER" for n in range(6)] + [f"DJI_{n:04d}" for n in range(6)] \
        + [f"IMG_{n:04d} red linen" for n in range(6)] + [f"red-silk-blouse-{n}" for n in range(6)]
    items = [ItemRecord(stem, f"Tops/{stem}.jpg", "tops", title=title_from_file_name(stem)) for stem in stems]
    tree = Catalogue(root=Path("."), format="folder", items=items)
    # the words a name describes the garment with stay, after a code too ("IMG_0001 red linen")
    assert [e.name for e in build_vocabulary(tree)] == ["red", "blouse", "linen", "silk"]
    table = Catalogue(root=Path("."), format="manifest", items=items)  # a table's titles are its own text
    assert "cover" in {e.name for e in build_vocabulary(table)}  # the code rule is for file names only


def test_indic_and_thai_words_keep_their_vowel_signs() -> None:
    """Trial AE: a Devanagari vowel sign split "लाल" (red) into "ल" and "ल": attribute words of one letter.
    Latin accents split words as before (the vocabularies of MANGO, H&M and the demo are unchanged)."""
    from sane_desktop.catalogue.vocabulary import tokenise

    assert tokenise("लाल कमीज़") == ["लाल", "कमीज़"]
    assert tokenise("ชุดเดรสสีแดง") == ["ชุดเดรสสีแดง"]
    # a decomposed é (a Mac's file names) is read as the one letter it is (Unicode NFC): one word, not two
    assert tokenise("Men's café") == ["men's", "café"] and tokenise("cafe\u0301s") == ["cafés"]


def test_turkish_capital_dotted_i_is_the_i_it_capitalises() -> None:
    """"İPEK" lowered was "i̇pek" (an i and a combining dot): an attribute apart from "ipek" ("silk"), and two
    words "i" and "pek" (a leftover of trial CN's Turkish catalogue)."""
    from sane_desktop.catalogue.vocabulary import categorical_names, normalise_value, tokenise

    assert normalise_value("İPEK") == normalise_value("ipek") == "ipek"
    assert tokenise("İPEK GÖMLEK") == ["ipek", "gömlek"]
    upper = ItemRecord("1", "1.jpg", "tops", attributes={"KUMAŞ": "İPEK"})
    lower = ItemRecord("2", "2.jpg", "tops", attributes={"kumaş": "ipek"})
    assert categorical_names(upper) == categorical_names(lower) == {"kumaş:ipek"}
