"""The shipped mappings import the real evaluation catalogues (skipped when ../shared/data is absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.vocabulary import build_vocabulary
from sane_desktop.paths import resource

MAPPINGS = resource("mappings")

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_mango_outfits(shared_data: Path) -> None:
    root = shared_data / "mango-outfits"
    if not root.is_dir():
        pytest.skip("mango-outfits not in shared data")
    catalogue = read_catalogue(root, MAPPINGS / "mango-outfits.json")
    # Home and Beauty left out, as DATA.md says (trial AG: the disjoint test had 24 questions blanking
    # a cushion or a candle); 4 outfits held only them and one garment
    assert len(catalogue.items) == 9142 and len(catalogue.outfits) == 7838
    categories = Counter(item.category for item in catalogue.items)
    assert categories["tops"] == 2768 and categories["home"] + categories["beauty"] == 0
    # colour from the fine colour names: the publisher's groups read black as GREY, gold and beige as WHITE
    # (trial BZ: "Grey handbag" of a black one, and a search for "black" found nothing)
    colours = Counter(item.attributes.get("colour") for item in catalogue.items)
    assert colours["black"] > 2000 and colours["gold"] > 400 and colours["grey"] < 500 and None not in colours
    # the accessories department's code is no fabric: no value, not "fabric: accessory" on 2,500 items (trial CC)
    fabrics = Counter(item.attributes.get("fabric") for item in catalogue.items)
    assert "accessory" not in fabrics and fabrics[None] > 2000 and fabrics["woven"] > 2000
    seasons = Counter(item.group for item in catalogue.items)
    assert seasons["2023"] > 4000 and seasons["2019"] > 4000 and "" not in seasons
    sizes = {len(s.outfit_ids) for s in catalogue.splits if s.split != "train" and s.protocol == "generated"}
    assert sizes == {784} and len([q for q in catalogue.fitb if q.protocol == "generated"]) > 1500
    assert {s.protocol for s in catalogue.splits} == {"generated", "generated-disjoint"}
    items = catalogue.item_by_id()
    for question in catalogue.fitb[:200]:
        right = items[question.answer_item_ids[question.correct]]
        assert all(items[i].category == right.category for i in question.answer_item_ids)


def test_hm_articles(shared_data: Path) -> None:
    root = shared_data / "hm-articles"
    if not root.is_dir():
        pytest.skip("hm-articles not in shared data")
    catalogue = read_catalogue(root, MAPPINGS / "hm-articles.json")
    assert len(catalogue.items) == 5739 and not catalogue.outfits
    assert [s.reason for s in catalogue.skipped] == ["6061 row(s) without an image file left out (items.missing_images = count)"]
    assert all(len(item.item_id) == 10 for item in catalogue.items)
    # the category from the product type: H&M's "Garment Upper body" group holds jackets, blazers and coats, its
    # "Accessories" bags and jewellery (trial CC)
    categories = Counter(item.category for item in catalogue.items)
    assert categories["tops"] == 1997 and categories["outerwear"] == 316 and categories["bags"] == 135
    assert set(categories) == {"tops", "outerwear", "bottoms", "all-body", "shoes", "bags", "jewellery", "accessories", "hats"}
    assert categories["hats"] == 113  # caps, beanies and hats: the model's hats (trial DA)
    names = {entry.name for entry in build_vocabulary(catalogue)}
    assert {"colour:black", "pattern:stripe"} <= names and "jumper" in names
