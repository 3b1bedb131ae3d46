"""Words a stylist reads (issue 18, points 8 and 11), without Qt: items whose catalogue title is a
code ("2023 57064028 09") get one composed from their metadata ("Brown handbag"), through the
service as every front end sees them; an explaining attribute becomes one plain sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogue_fixtures import write_manifest_catalogue

from sane_desktop.service.titles import (
    attribute_words, looks_like_code, match_sentence, readable_title, singular,
)


@pytest.mark.parametrize("title", ["2023 57064028 09", "2023_57064028_09", "53000586-TO", "IMG_2034", "DSC01234",
                                   "", "   ", "41085800 02 jpg"])
def test_codes_are_recognised(title: str) -> None:
    assert looks_like_code(title)


@pytest.mark.parametrize("title", ["Star print tee", "Red dress", "Jet black solid a-line skirt", "Top", "Bag 2",
                                   "Été jupe", "上衣 红色", "スカート", "치마 2", "काला जूता", "লাল শাড়ি"])
def test_real_titles_are_kept(title: str) -> None:
    assert not looks_like_code(title)
    assert readable_title(title, "tops", ("colour:red",)) == title


def test_a_title_that_is_the_id_again_is_a_code() -> None:
    assert looks_like_code("SKU12345", "sku12345") and not looks_like_code("Blazer", "blazer")


def test_a_code_gets_a_title_from_colour_material_and_type() -> None:
    assert readable_title("2023 57064028 09", "bags", ("colour:brown", "family:handbags", "line:she")) == "Brown handbag"
    assert readable_title("2023 57064028 09", "bags", ("colour:brown",)) == "Brown bag"  # the category is the type
    assert readable_title("53000586 TO", "bottoms", ("colour:blue", "fabric:denim", "family:jeans")) == "Blue denim jeans"
    assert readable_title("1234", "tops", ("fabric:woven", "colour:white")) == "White top"  # a weave is no material
    # "other" says nothing; the type alone is every dress's title: the code tells them apart
    assert readable_title("1234", "all-body", ("colour:other", "family:dresses")) == "Dress 1234"
    assert readable_title("0523489001", "Tops", (), "Tops/0523489001") == "Top 0523489001"  # a folder of coded photos
    # a flat folder's photos have no type: the code alone, not "Uncategorised 04…" cut in the grid (a trial)
    assert readable_title("0408123001", "uncategorised", (), "0408123001") == "0408123001"
    # the catalogue's product type before a coarser family (a trial's sandal read "Blue accessories")
    assert readable_title("2023 67040289 57", "shoes", ("colour:blue", "family:accessories"), "", "Sandals") == \
        "Blue sandals"  # a pair: kept plural
    assert readable_title("2023 67040289 57", "shoes", ("colour:blue", "family:accessories"), "", "type 3") == \
        "Blue accessories"  # a coded type is no word
    assert readable_title("IMG_2034", "general", ()) == "IMG_2034"  # nothing to compose from: as it was
    assert readable_title("", "general", (), "a-17") == "a-17"
    # a name mixing lower- and upper-case words keeps its capitals (a trial: "Hosen und röcke");
    # English title case still reads as a sentence
    assert readable_title("104673185", "Hosen und Röcke", (), "Hosen und Röcke/104673185") == \
        "Hosen und Röcke 104673185"
    assert readable_title("1234", "Shirts", ("colour:Light Blue",)) == "Light blue shirt"


def test_singular_nouns() -> None:
    assert [singular(w) for w in ("bags", "dresses", "accessories", "watches", "trousers", "jeans", "top", "all-body",
                                  "trousers & leggings", "blouses", "shoes")] == \
        ["bag", "dress", "accessories", "watch", "trousers", "jeans", "top", "all-body", "trousers & leggings",
         "blouse", "shoes"]


def test_the_service_shows_readable_titles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A manifest catalogue whose title column holds file names: every item, through the service."""
    from sane_desktop.service.building import import_folder
    from sane_desktop.service.catalogues import Catalogues

    root = tmp_path / "catalogue"
    written = write_manifest_catalogue(root, n_items=6, n_outfits=0, mapping_overrides={"title": "photo"})
    summary = import_folder(root, "codes")
    catalogue = Catalogues(tmp_path / "home").open("codes", db_url=summary["db"])
    try:
        items = catalogue.items.search()
        assert len(items) == 6
        by_id = {item.item_id: item for item in items}
        first = by_id[written["rows"][0]["article_id"]]
        assert written["rows"][0]["photo"].startswith("2019_")  # what the catalogue calls it
        assert first.title == "Red top"
        assert {item.title for item in items} == {"Red top", "Light blue bottoms", "Black shoes"}
        assert catalogue.items.get(first.pk).title == "Red top"
        # the catalogue's own title is kept beside it (a trial's --json had only the composed one,
        # and "Item 33" found by words showed as "Red shirts/blouses")
        assert first.catalogue_title == written["rows"][0]["photo"]
    finally:
        catalogue.close()
    import json

    from sane_desktop.cli import main

    assert main(["items", "codes", "--json"]) == 0  # the index home the import above used
    listed = {row["item_id"]: row for row in json.loads(capsys.readouterr().out)["items"]}
    assert listed[first.item_id]["title"] == "Red top"
    assert listed[first.item_id]["catalogue_title"] == written["rows"][0]["photo"]


@pytest.mark.parametrize(("attribute", "both", "sentence"), [
    ("motif:bolt", True, "Both have a lightning-bolt motif — the highlighted areas drove the match."),
    ("motif:star", False, "This item's star motif goes with the outfit item — the highlighted areas drove the match."),
    ("colour:green", True, "Both are green — the highlighted areas drove the match."),
    ("pattern:dotted", True, "Both have a dotted pattern — the highlighted areas drove the match."),
    ("pattern:solid", True, "Both are plain, without a pattern — the highlighted areas drove the match."),
    ("fabric:denim", True, "Both are made of denim — the highlighted areas drove the match."),
    # how the cloth is made, not what of (trial J read "Both are made of woven")
    ("fabric:woven", True, "Both are woven — the highlighted areas drove the match."),
    ("fabric:quilted", True, "Both are quilted — the highlighted areas drove the match."),
    ("material:knit", False, "This item's knit fabric goes with the outfit item — the highlighted areas drove the "
                             "match."),
    ("floral", True, "Both share “floral” — the highlighted areas drove the match."),
    # a product type in a stylist's words (a trial read “family jeans”)
    ("family:jeans", True, "Both are jeans — the highlighted areas drove the match."),
    ("garment:trousers", False, "This item's type, trousers, goes with the outfit item — the highlighted areas "
                                "drove the match."),
    ("season:summer", False, "“season summer” on this item goes with the outfit item — the highlighted areas drove "
                             "the match."),
    ("", True, "The highlighted areas are what made these two a match."),
])
def test_match_sentences(attribute: str, both: bool, sentence: str) -> None:
    assert match_sentence(attribute, both) == sentence


def test_attribute_words() -> None:
    assert attribute_words("motif:bolt") == "lightning-bolt motif"
    assert attribute_words("pattern:dotted") == "dotted pattern"
    assert attribute_words("colour:green") == "green"
    assert attribute_words("<u>red</u>") == "<u>red</u>"  # text, as written: the GUI shows it as plain text


def test_counts_read_in_the_right_number() -> None:
    """"1 items" was in the index dialog (a trial): one helper words every count."""
    from sane_desktop.service.titles import counted

    assert [counted(n, "item") for n in (0, 1, 2)] == ["0 items", "1 item", "2 items"]
    assert counted(1, "category", "categories") == "1 category" and counted(3, "category", "categories") == "3 categories"



def test_a_category_alone_keeps_the_capitals_it_was_written_with() -> None:
    # trial N: a `Tops & Tees/` folder's coded photos read "Tops & tees 0316441005"
    assert readable_title("0316441005", "Tops & Tees", (), "Tops & Tees/0316441005") == "Tops & Tees 0316441005"
    assert readable_title("0316441005", "Light Blue Shirts", ()) == "Light Blue Shirts 0316441005"
    # in a phrase with a colour, title case still reads as a sentence's words
    assert readable_title("0316441005", "Tops & Tees", ("colour:Light Blue",)) == "Light blue tops & tees"


def test_a_product_type_in_sentence_case_reads_as_words_of_the_title() -> None:
    # trial O: a coded puffer coat read "Blue Puffer coat" (the product type as the table writes it)
    assert readable_title("2023 57064028 09", "outerwear", ("colour:blue",), "", "Puffer coat") == "Blue puffer coat"
    assert readable_title("1234", "tops", ("colour:Dark Blue",), "", "T-shirt") == "Dark blue t-shirt"
    assert readable_title("1234", "bags", ("colour:black",), "", "USB bag") == "Black USB bag"  # an acronym stays
    # a capital after a lower-case word is the language's own (German nouns): kept
    assert readable_title("104673185", "x", ("colour:blau",), "", "Hosen und Röcke") == "Blau Hosen und Röcke"


def test_a_type_that_names_the_colour_says_it_once_and_is_not_shouted() -> None:
    # trial P: type "BLUE PUFFER COAT" with colour Blue read "Blue BLUE PUFFER COAT"
    assert readable_title("0123456789", "outerwear", ("colour:Blue",), "", "BLUE PUFFER COAT") == "Blue puffer coat"
    assert readable_title("0123456789", "outerwear", ("colour:Light Blue", "fabric:wool"), "", "Wool coat") == \
        "Light blue wool coat"
    assert readable_title("0123456789", "outerwear", ("colour:Blue",), "", "Blueberry coat") == "Blue blueberry coat"


def test_a_model_category_a_stylist_would_not_say_is_named_by_what_it_holds_in_a_sentence() -> None:
    """Trial DA read "No matches learnt for your all-body"."""
    from sane_desktop.gui.main_window import _listed, _plural
    from sane_desktop.service.titles import category_noun

    assert category_noun("all-body") == "dresses and jumpsuits" and category_noun("Shoes") == "Shoes"
    nouns = [category_noun(name) for name in ("all-body", "hats")]
    assert _listed(nouns).replace("\u2068", "").replace("\u2069", "") == "dresses and jumpsuits and hats"
    assert _plural([category_noun("all-body")])  # "Your dresses and jumpsuits count by looks"


@pytest.mark.parametrize(("attribute", "both", "sentence"), [
    # trial DJ: "Both have a lightning-bolt motif" of a checked t-shirt the model gave 0.02 for it, the bag 1.00
    ("motif:bolt", True, "The outfit item's lightning-bolt motif carries this match, though this item hardly shows it "
                         "— the highlighted areas drove the match."),
    ("colour:pink", True, "The outfit item's pink colour carries this match, though this item hardly shows it — the "
                          "highlighted areas drove the match."),
    ("pattern:dotted", False, "Nearest reason: a dotted pattern, though neither item clearly shows it — the "
                              "highlighted areas drove the match."),
])
def test_an_attribute_this_item_hardly_shows_is_never_said_as_shared(attribute: str, both: bool, sentence: str) -> None:
    said = match_sentence(attribute, both, own=False)
    assert said == sentence and not said.startswith("Both") and "This item's" not in said


def test_a_likeness_never_gives_this_item_what_it_hardly_shows() -> None:
    from sane_desktop.gui.explanation_view import similar_sentence

    assert similar_sentence("motif:bolt", "Bolt bag", True, own=False) == (
        "Looks like Bolt bag, most in the highlighted areas (nearest reason: its lightning-bolt motif, which this item "
        "hardly shows).")
    assert "is its own" not in similar_sentence("motif:bolt", "Bolt bag", False, own=False)


def test_a_title_that_shows_nothing_is_no_title() -> None:
    """Trial DP: a title of one zero-width space read "Dress" and that space (a stray gap in the explanation's quotes),
    where a title of spaces read "Dress 716749613"."""
    for invisible in ("\u200b", " \u200b ", "\ufeff\u200e", "\u3164"):  # (a Hangul filler draws nothing: trial DQ)
        assert looks_like_code(invisible)
        assert readable_title(invisible, "Dresses", item_id="716749613") == "Dress 716749613" \
            == readable_title("   ", "Dresses", item_id="716749613")
    assert readable_title("\u200bSilk scarf", "Scarves") == "\u200bSilk scarf"  # a real title is kept as written


def test_a_title_with_a_line_break_is_shown_on_one_line(tmp_path: Path) -> None:
    """Trial EK: a table's quoted line break ("Camiseta \"básica\"\\ncon salto de línea") drew the tile's title as
    two lines in a one-line slot, its top half cut. Shown on one line; the catalogue's own kept as written."""
    import csv
    import json

    from catalogue_fixtures import write_image

    from sane_desktop.service import CatalogueService

    root = tmp_path / "tienda"
    root.mkdir()
    with (root / "productos.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["codigo", "foto", "categoria", "titulo"])
        for number, title in enumerate(['Camiseta "básica"\ncon salto de línea', "Falda\tlarga"]):
            write_image(root / f"p{number}.jpg", colour=(40 * number, 90, 60))
            writer.writerow([f"P{number}", f"p{number}.jpg", "tops", title])
    (root / "sane-mapping.json").write_text(json.dumps({"items": {
        "table": "productos.csv", "id": "codigo", "image": "foto", "category": "categoria", "title": "titulo"}}),
        encoding="utf-8")
    service = CatalogueService(tmp_path / "home", device="cpu")
    service.index_folder(root, "tienda")
    service.open_catalogue("tienda")
    titles = {item.item_id: (item.title, item.catalogue_title) for item in service.items()}
    assert titles == {"P0": ('Camiseta "básica" con salto de línea', 'Camiseta "básica"\ncon salto de línea'),
                      "P1": ("Falda larga", "Falda\tlarga")}
