"""A trial: the outfit's reason named "garment: jersey basic" for an earring the catalogue labels
Accessories. The app's explanations leave out an attribute an item's own labels contradict (the
model knows the labelled value, and this is another value of that kind); the evaluations still
measure the model alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui_helpers import demo_world
from sane_desktop.service import CatalogueService, ItemInfo
from sane_desktop.service.explanation import label_contradictions, own_vocabulary_kinds

VOCABULARY = ["garment:jersey basic", "garment:accessories", "colour:green", "colour:black", "metal", "motif:bolt"]


def item(*labels: str) -> ItemInfo:
    return ItemInfo(1, "e1", "Earrings", "Hoop earring", Path("/x/e1.jpg"), "", labels)


def test_a_labelled_kind_vetoes_its_other_values_the_model_knows() -> None:
    assert label_contradictions(item("garment:Accessories", "colour:black"), VOCABULARY) == \
        {"garment:jersey basic", "colour:green"}
    assert label_contradictions(item("colour:black", "colour:green"), VOCABULARY) == set()  # both are labels
    assert label_contradictions(item(), VOCABULARY) == set()  # nothing labelled: nothing vetoed
    # a labelled value the model does not know (another vocabulary) vetoes nothing of that kind
    assert label_contradictions(item("colour:dark green"), VOCABULARY) == set()
    assert label_contradictions(item("metal", "motif:bolt"), VOCABULARY) == set()  # bare words, the label itself


def test_a_value_new_to_a_model_of_this_catalogue_vetoes_the_kinds_other_values() -> None:
    """A trial recoloured an item red, a colour the model (trained on this catalogue) never saw:
    its reason named the old "dark blue". A kind the model learnt on this catalogue's labels counts
    an unknown value as a new label; a model of another vocabulary's kind still vetoes nothing."""
    catalogue = ["colour:green", "colour:black", "colour:red", "garment:accessories", "garment:jersey basic"]
    own = own_vocabulary_kinds(VOCABULARY, catalogue)
    assert own == {"colour", "garment"} and "motif" not in own  # the model's motif:bolt is no label here
    assert own_vocabulary_kinds(VOCABULARY, ["colour:dark green", "colour:black"]) == set()  # another vocabulary
    recoloured = item("colour:red")
    assert label_contradictions(recoloured, VOCABULARY, lambda: own) == {"colour:green", "colour:black"}
    assert label_contradictions(recoloured, VOCABULARY) == set()  # not a kind of its own: as before
    asked: list[int] = []

    def counted() -> frozenset[str]:
        asked.append(1)
        return frozenset(own)

    label_contradictions(item("colour:black"), VOCABULARY, counted)  # a known value: the catalogue is not read
    assert not asked


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    return demo_world(tmp_path / "world", 40)


def test_explanations_never_name_what_the_item_s_labels_contradict(world: dict[str, Path]) -> None:
    from dataclasses import replace

    from sane_desktop.models.checkpoint import demo_model_path

    # the bundled demo model: its vocabulary (colour:red, motif:bolt, …) is the demo catalogue's labels
    service = CatalogueService(world["index"], device="cpu", model=demo_model_path())
    try:
        service.open_catalogue("demo")
        items = service.items()
        names = list(service.bundle().attributes.attributes)  # type: ignore[union-attr]
        explanations = service.current().explanations
        query = items[0]
        candidate = next(i for i in items if i.category != query.category)
        first = explanations.explain_pair(query, candidate, "fast", use_cache=False).attributes[0].name
        kind = first.partition(":")[0]
        other = next(n for n in names if n.startswith(f"{kind}:") and n != first)
        # the same photo, labelled otherwise by its catalogue: what the model named is contradicted
        relabelled = replace(query, attributes=(other,))
        assert first in label_contradictions(relabelled, names)
        pair = explanations.explain_pair(relabelled, candidate, "fast", use_cache=False)
        assert pair.attributes and first not in {a.name for a in pair.attributes}
        assert not {a.name for a in pair.attributes} & label_contradictions(relabelled, names)
        # a value new to the model, of a kind it learnt on this catalogue's labels, contradicts it as well
        assert kind in explanations.own_kinds(names)
        recoloured = replace(query, attributes=(f"{kind}:never-seen",))
        assert first not in {a.name for a in explanations.explain_pair(recoloured, candidate, "fast",
                                                                       use_cache=False).attributes}
        # the explanation cache knows the labels it was ranked under: a relabelled item is not served the old one
        as_labelled = explanations.explain_pair(query, candidate, "fast")
        otherwise = explanations.explain_pair(relabelled, candidate, "fast")
        assert as_labelled.cached and otherwise.cached  # both were stored by the calls above
        assert as_labelled.attributes[0].name == first and first not in {a.name for a in otherwise.attributes}
        [tile] = explanations.explain_tiles([(query.pk, candidate.pk)])  # the tiles' chips, from the stored labels
        assert tile.attribute not in label_contradictions(query, names)
    finally:
        service.close()


def test_the_partner_s_labels_say_what_it_does_not_have(world: dict[str, Path]) -> None:
    """A trial read "Both are grey" of a pair whose outfit item, a sandal, its catalogue labels blue:
    the partner part ("pair has it", which makes the headline say "both") and the outfit's "shows it"
    follow the partner's own labels as the ranked item's veto does."""
    from dataclasses import replace

    from sane_desktop.models.checkpoint import demo_model_path

    service = CatalogueService(world["index"], device="cpu", model=demo_model_path())
    try:
        service.open_catalogue("demo")
        items = service.items()
        names = list(service.bundle().attributes.attributes)  # type: ignore[union-attr]
        explanations = service.current().explanations
        query = items[0]
        candidate = next(i for i in items if i.category != query.category)
        pair = explanations.explain_pair(query, candidate, "fast", use_cache=False)
        named = next(a for a in pair.attributes if a.partner > 0.05)  # one the partner shows
        kind = named.name.partition(":")[0]
        other = next(n for n in names if n.startswith(f"{kind}:") and n != named.name)
        relabelled = replace(candidate, attributes=(other,))  # the partner, labelled otherwise
        again = explanations.explain_pair(query, relabelled, "fast", use_cache=False)
        assert {a.name: a.partner for a in again.attributes}.get(named.name, 0.0) == 0.0
        unchanged = next(a for a in again.attributes if a.name.partition(":")[0] != kind)
        assert unchanged.partner == next(a.partner for a in pair.attributes if a.name == unchanged.name)
        # cached under the partner's labels too: the relabelled partner is not served the first answer
        explanations.explain_pair(query, candidate, "fast")
        assert {a.name: a.partner for a in explanations.explain_pair(query, relabelled, "fast").attributes}.get(
            named.name, 0.0) == 0.0
    finally:
        service.close()


def test_a_word_the_item_s_own_text_does_not_hold_is_no_reason(world: dict[str, Path]) -> None:
    """Trial CD: a model trained on a shop's descriptions said a pair of stretch-twill trousers "shares
    'jeans'", a word its description never uses. Words mined from text are labels the item's own text gives
    or not; one its text does not hold is ruled out as a labelled kind's other values are. A text holding no
    word of the vocabulary at all says nothing of them (nothing ruled out), nor does a photo from disk."""
    from dataclasses import replace

    from sane_desktop.models.checkpoint import demo_model_path

    service = CatalogueService(world["index"], device="cpu", model=demo_model_path())
    try:
        service.open_catalogue("demo")
        explanations = service.current().explanations
        item = service.items()[0]
        own = explanations.items.text_words(item.pk)  # type: ignore[union-attr]
        said = next(word for word in sorted(own) if word.isalpha() and len(word) >= 4)
        names = [said, "zzzdenim", "colour:red"]
        assert explanations.unsaid_words(item, names) == {"zzzdenim"}
        assert "zzzdenim" in explanations.contradicted(item, names) and said not in explanations.contradicted(item, names)
        assert explanations.unsaid_words(item, ["zzzdenim", "qqqtwill"]) == set()  # its text says nothing of them
        assert explanations.unsaid_words(replace(item, pk=-1), names) == set()  # a photo from disk: no text
        # read once per import revision: every tile asks for both items' words; a re-import reads them again
        import sane_desktop.store.browse as browse

        items, reads = explanations.items, []  # type: ignore[union-attr]
        original = browse.item_text_words
        browse.item_text_words = lambda engine, pk: reads.append(pk) or original(engine, pk)  # type: ignore[assignment]
        try:
            items.text_words(item.pk)
            assert reads == []  # kept from the calls above
            items.record = replace(items.record, revision=items.record.revision + 1)  # as refresh() after a re-import
            assert items.text_words(item.pk) == own and reads == [item.pk]
        finally:
            browse.item_text_words = original  # type: ignore[assignment]
    finally:
        service.close()
