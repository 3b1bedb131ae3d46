"""Issue 16 points 3–4 end to end: a folder-per-category tree whose names are not the model's
(``Tops/``, ``Dresses/``, ``Jewellery/`` …) indexed with the bundled demo model — every category
mapped (by name, by the user, or to the general space) and searchable, never an error; mixed outfits
score exactly (against numpy) with parts that sum to the scores; "visually similar" ranks by the
general-space cosine; explanations use the space the score used; a changed user mapping rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sane_desktop.cli import main
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.manifest import check, read_index_manifest
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.service import Catalogues, CatalogueService
from sane_desktop.service.values import GENERAL_CATEGORY
from tests.closet_world import ITEMS, make_closet

MODEL = demo_model_path()


def index_json(home: Path, root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--model", str(MODEL),
                 "--workers", "0", "--device", "cpu", "--json", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.fixture(scope="module")
def closet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("closet")
    return {"root": make_closet(base / "closet"), "base": base}


@pytest.fixture()
def indexed(closet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict]:
    home = tmp_path / "home"
    return home, index_json(home, closet["root"], capsys, "--category-map", "Dresses=all-body")


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_index_maps_every_category_and_search_never_fails(indexed: tuple[Path, dict]) -> None:
    home, data = indexed
    assert data["mapped"] == {"Bottoms": "bottoms", "Dresses": "all-body", "Jewellery": "general", "Shoes": "shoes",
                              "Tops": "tops", "bags": "bags", "uncategorised": "general"}
    assert data["mapped_how"] == {"Bottoms": "auto", "Dresses": "user", "Jewellery": "general", "Shoes": "auto",
                                  "Tops": "auto", "bags": "exact", "uncategorised": "general"}
    assert sum(data["vectors"].values()) == data["items"] == ITEMS  # nothing left out
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.category_map == data["mapped"]
    assert manifest.indexes["Jewellery"].dimension == 64 and manifest.indexes["Tops"].dimension == 8 * 64

    catalogue = Catalogues(home, device="cpu").open("closet")
    try:
        searcher = catalogue.search.searcher()
        # as the search compares: a pair in a space no training outfit reached adds nothing
        spaces = TypeSpaces.from_model(searcher.bundle.compatibility, searcher.bundle.unlearnt_spaces)
        everything = catalogue.items.search()
        first = {category: [i for i in everything if i.category == category] for category in data["mapped"]}
        outfits = [[first["Tops"][0], first["Jewellery"][0]], [first["Jewellery"][1]],
                   [first["Dresses"][0], first["Shoes"][0], first["uncategorised"][0]],
                   [first["bags"][0], first["Bottoms"][0]]]
        stored = {q.item_pk: q for q in searcher.query_items([i.pk for i in everything])}

        def expected(outfit: list, candidate_pk: int) -> list[float]:
            """Σ_i cos in space c(u_i, t), the general space when either side is general, pair by pair."""
            parts = []
            candidate = stored[candidate_pk]
            for member in outfit:
                query = stored[member.pk]
                space = spaces.space(query.category, candidate.category)
                if not spaces.masks[space].any():  # unlearnt (here: a same-category pair, tops with tops)
                    parts.append(0.0)
                    continue
                a, b = spaces.masks[space] * query.embedding, spaces.masks[space] * candidate.embedding
                parts.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
            return parts

        for outfit in outfits:
            pks = [item.pk for item in outfit]
            results = catalogue.search.search(pks, "", k=50)
            assert sorted(results) == sorted(data["mapped"])  # every target answers
            for category, ranked in results.items():
                candidates = [i.pk for i in first[category] if i.pk not in pks]
                assert sorted(r.item.pk for r in ranked) == sorted(candidates)
                for result in ranked:
                    want = expected(outfit, result.item.pk)
                    assert [result.contributions[pk] for pk in pks] == pytest.approx(want, abs=1e-4)
                    assert sum(result.contributions.values()) == pytest.approx(result.score, abs=1e-5)
                    assert not result.general
                assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
        # a general-mapped target: every outfit item in the general space, whatever its category
        jewellery = catalogue.search.search([first["Tops"][0].pk], "Jewellery", k=5)["Jewellery"]
        top = unit(stored[first["Tops"][0].pk].embedding)
        for result in jewellery:
            assert result.score == pytest.approx(float(top @ unit(stored[result.item.pk].embedding)), abs=1e-5)
        # an image from disk of a category the model lacks joins an outfit like a catalogue item
        added = catalogue.search.add_image(closet_image(home), "jewellery")  # a spelling of "Jewellery"
        assert added.category == "Jewellery"
        mixed = catalogue.search.search([added.pk, first["Tops"][1].pk], "Tops", k=3)["Tops"]
        assert mixed and all(sum(r.contributions.values()) == pytest.approx(r.score, abs=1e-5) for r in mixed)
    finally:
        catalogue.close()


def closet_image(home: Path) -> Path:
    path = home.parent / "ring.png"
    Image.new("RGB", (48, 48), (235, 205, 50)).save(path)
    return path


def test_similar_ranks_by_general_space_cosine_and_explains_there(indexed: tuple[Path, dict]) -> None:
    home, data = indexed
    service = CatalogueService(home, device="cpu", rise_masks=16)
    service.open_catalogue("closet")
    catalogue = service.current()
    searcher = catalogue.search.searcher()
    everything = catalogue.items.search()
    stored = {q.item_pk: q for q in searcher.query_items([i.pk for i in everything])}
    item = next(i for i in everything if i.category == "Tops")
    results = service.similar(item.pk, k=50)
    assert sorted(results) == sorted(data["mapped"])
    mine = unit(stored[item.pk].embedding)
    for category, ranked in results.items():
        others = [i.pk for i in everything if i.category == category and i.pk != item.pk]
        cosines = {pk: float(mine @ unit(stored[pk].embedding)) for pk in others}
        want = sorted(others, key=lambda pk: (-cosines[pk], pk))
        assert [r.item.pk for r in ranked] == want  # the nearest neighbours, in order
        for result in ranked:
            assert result.general and result.score == pytest.approx(cosines[result.item.pk], abs=1e-5)
            assert result.contributions == {item.pk: pytest.approx(result.score, abs=1e-6)}
    assert [r.item.pk for r in service.similar(item.pk, "Tops", k=2)["Tops"]] == \
        [r.item.pk for r in results["Tops"][:2]]

    # its explanation is in the general space: the fast map's exact cells sum to its score
    result = results["Tops"][0]
    net = service.bundle().compatibility
    explanations = catalogue.explanations
    space = explanations.space(result.item, item, general=True)
    assert space == net.general_space != explanations.space(result.item, item)  # a type space otherwise
    pair = explanations.explain_pair(result.item, item, "fast", general=True)
    assert pair.space == net.general_space and pair.similarity == pytest.approx(result.score, abs=1e-3)
    saliency = explanations.fast().explain(catalogue.model.image(result.item), catalogue.model.image(item), space)
    assert float(saliency.extras["query_cells"].sum()) == pytest.approx(result.score, abs=1e-3)
    assert float(saliency.extras["candidate_cells"].sum()) == pytest.approx(result.score, abs=1e-3)
    updates = list(service.explain(result.item.pk, item.pk, refine=False, general=True))
    assert updates[-1].similarity == pytest.approx(result.score, abs=1e-3)
    tiles = service.explain_tiles([(r.item.pk, item.pk) for r in results["Tops"][:3]], general=True)
    assert [t.similarity for t in tiles] == pytest.approx([r.score for r in results["Tops"][:3]], abs=1e-3)
    service.close()


def test_explanations_use_the_space_the_score_used(indexed: tuple[Path, dict]) -> None:
    home, _ = indexed
    service = CatalogueService(home, device="cpu")
    service.open_catalogue("closet")
    everything = service.items()
    jewel = next(i for i in everything if i.category == "Jewellery")
    top = next(i for i in everything if i.category == "Tops")
    shoes = next(i for i in everything if i.category == "Shoes")
    outfit = [top.pk, jewel.pk]
    for target in ("Tops", "Shoes", "Jewellery", "Dresses"):
        ranked = service.search(outfit, target, k=2)[target]
        tiles = service.explain_tiles([(r.item.pk, q) for r in ranked for q in outfit])
        parts = [r.contributions[q] for r in ranked for q in outfit]
        assert [t.similarity for t in tiles] == pytest.approx(parts, abs=1e-3)  # each part is its pair's cosine
    net = service.bundle().compatibility
    explanations = service.current().explanations
    assert explanations.space(jewel, top) == net.general_space
    assert explanations.space(shoes, top) == net.space_index(net.categories.index("shoes"), net.categories.index("tops"))
    # the window's Details name the space each pair was compared in: a jewellery pair by looks
    [by_looks] = service.explain(jewel.pk, top.pk, refine=False)
    [typed] = service.explain(shoes.pk, top.pk, refine=False)
    assert by_looks.general_space and not typed.general_space
    service.close()


def test_a_changed_user_mapping_rebuilds_and_is_kept(closet: dict[str, Path], indexed: tuple[Path, dict],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = indexed
    service = CatalogueService(home, device="cpu")
    service.open_catalogue("closet")  # open before the re-index: it must not answer from the old one
    dress = next(i for i in service.items() if i.category == "Dresses")
    top = next(i for i in service.items() if i.category == "Tops")
    before = service.search([top.pk], "Dresses", k=5)["Dresses"]

    manifest = read_index_manifest(home / "closet")
    assert manifest is not None
    bundle = service.bundle()
    assert "category mapping changed" in (check(manifest, model_hash=bundle.content_hash,
                                                preprocessing=bundle.preprocessing.as_dict(),
                                                user_map={"Dresses": "general"}) or "")
    again = index_json(home, closet["root"], capsys, "--category-map", "Dresses=general,Jewellery=bags")
    assert again["embedded"] == 0 and "category mapping changed" in again["rebuilt_because"]
    assert again["mapped"]["Dresses"] == "general" and again["mapped_how"]["Dresses"] == "user"
    assert again["mapped"]["Jewellery"] == "bags"

    after = service.search([top.pk], "Dresses", k=5)["Dresses"]
    embeddings = {q.item_pk: q.embedding for q in service.current().search.searcher().query_items(
        [top.pk, *(r.item.pk for r in after)])}
    for result in after:  # now the general space: the plain cosine of the general embeddings
        assert result.score == pytest.approx(float(unit(embeddings[top.pk]) @ unit(embeddings[result.item.pk])),
                                             abs=1e-5)
    assert [r.score for r in after] != [r.score for r in before]
    assert service.current().explanations.space(dress, top) == service.bundle().compatibility.general_space
    # the query says the user's choice as theirs, not as the model's lack (trial Y: "the model has no matches
    # learnt for 'tops'" after tops=general, for a model that knows tops)
    assert main(["--index-home", str(home), "query", "closet", "--outfit", top.item_id, "--category", "Dresses"]) == 0
    said = capsys.readouterr().out
    assert "Dresses — looks alike (mapped to visual similarity by your category map: " in said
    assert "no matches learnt for 'Dresses'" not in said
    assert main(["--index-home", str(home), "query", "closet", "--outfit", dress.item_id, "--category", "Tops"]) == 0
    assert "counts by visual similarity (mapped there by your category map)" in capsys.readouterr().out

    kept = index_json(home, closet["root"], capsys)  # no --category-map: the choices stay
    assert kept["mapped_how"]["Dresses"] == "user" and kept["rebuilt_because"] is None
    reset = index_json(home, closet["root"], capsys, "--category-map", "")  # an empty map: all automatic
    assert reset["mapped"]["Dresses"] == "general" and reset["mapped_how"]["Dresses"] == "general"
    assert reset["mapped_how"]["Jewellery"] == "general"
    service.close()


def test_a_choice_another_model_cannot_apply_is_kept_for_a_later_one(closet: dict[str, Path], indexed: tuple[Path, dict],
                                                                       tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Trial ER: "Trousers → bottoms", then an index with a model trained on the catalogue without outfits (it knows
    no "bottoms": the choice could not apply), then the built-in model again: Trousers were compared by looks, the
    choice gone, the index between having recorded none. It is set aside and comes back; an empty map still
    clears it."""
    from sane_desktop.models.checkpoint import load_checkpoint, save_checkpoint

    home, first = indexed
    assert first["mapped_how"]["Dresses"] == "user"
    bundle = load_checkpoint(MODEL, map_location="cpu")
    bundle.config = {**bundle.config, "mode": "attributes"}  # as `train` on a catalogue without outfits makes it
    trained = tmp_path / "trained-here.pt"
    save_checkpoint(trained, bundle)
    code = main(["--index-home", str(home), "index", str(closet["root"]), "--name", "closet", "--model", str(trained),
                 "--workers", "0", "--device", "cpu", "--json"])
    between = json.loads(capsys.readouterr().out)
    assert code == 0 and between["mapped"]["Dresses"] == "general" and between["mapped_how"]["Dresses"] == "general"
    assert "your category choice Dresses → all-body kept for a model that has that category" in between["note"]
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.user_map == {} and manifest.set_aside_choices == {"Dresses": "all-body"}
    # the index dialog's plan for the built-in model offers it again
    service = CatalogueService(home, device="cpu")
    plan = service.category_plan(closet["root"], name="closet", model=MODEL)
    service.close()
    assert {row.category: row.current for row in plan.rows}.get("Dresses") == "all-body"
    back = index_json(home, closet["root"], capsys)  # the built-in model again, no --category-map
    assert back["mapped"]["Dresses"] == "all-body" and back["mapped_how"]["Dresses"] == "user"
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.user_map == {"Dresses": "all-body"} and manifest.set_aside_choices == {}
    reset = index_json(home, closet["root"], capsys, "--category-map", "")  # an empty map: all automatic, none kept
    assert reset["mapped_how"]["Dresses"] == "general"
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.set_aside_choices == {}


def test_a_set_aside_choice_survives_a_renamed_folder(closet: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A folder renamed while the index's model could not apply the user's choices: the rename's choice was passed
    on as a map that replaced them all, and every choice set aside was lost (the note on trial ER's fix). Each goes
    on, under its new name where its folder was renamed, and comes back with a model that has its category."""
    import shutil

    from sane_desktop.models.checkpoint import load_checkpoint, save_checkpoint

    root = Path(shutil.copytree(closet["root"], tmp_path / "closet"))
    home = tmp_path / "home"
    index_json(home, root, capsys, "--category-map", "Dresses=all-body,Jewellery=hats")
    bundle = load_checkpoint(MODEL, map_location="cpu")
    bundle.config = {**bundle.config, "mode": "attributes"}  # a model trained without outfits: no type spaces
    trained = tmp_path / "trained-here.pt"
    save_checkpoint(trained, bundle)
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet", "--model", str(trained),
                 "--workers", "0", "--device", "cpu", "--json"])
    capsys.readouterr()
    assert code == 0
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.set_aside_choices == {"Dresses": "all-body", "Jewellery": "hats"}
    (root / "Dresses").rename(root / "Kleider")
    code = main(["--index-home", str(home), "index", str(root), "--name", "closet",  # its recorded model again
                 "--workers", "0", "--device", "cpu", "--json"])
    renamed = json.loads(capsys.readouterr().out)
    assert code == 0 and renamed["mapped"]["Kleider"] == "general"
    assert "your category choices Jewellery → hats, Kleider → all-body kept" in renamed["note"]
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.set_aside_choices == {"Kleider": "all-body", "Jewellery": "hats"}
    back = index_json(home, root, capsys)  # the built-in model again, no --category-map
    assert back["mapped"]["Kleider"] == "all-body" and back["mapped_how"]["Kleider"] == "user"
    assert back["mapped"]["Jewellery"] == "hats" and back["mapped_how"]["Jewellery"] == "user"


def test_a_renamed_category_folder_keeps_its_choice_and_says_so(closet: dict[str, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EG chose "outerwear" for its folder "Jacken und Mäntel", renamed it "Jacken & Mäntel" and re-synced:
    the new name was searched by looks alone, without a word. The same photos under a new folder name keep the
    choice, and the index says so; a folder of other photos under a new name does not inherit it."""
    import shutil

    root = Path(shutil.copytree(closet["root"], tmp_path / "closet"))
    home = tmp_path / "home"
    first = index_json(home, root, capsys, "--category-map", "Dresses=all-body")
    assert first["mapped_how"]["Dresses"] == "user" and first["mapped"]["Dresses"] == "all-body"
    (root / "Dresses").rename(root / "Kleider & Röcke")
    again = index_json(home, root, capsys)  # a re-sync: no map given
    assert again["mapped"]["Kleider & Röcke"] == "all-body" and again["mapped_how"]["Kleider & Röcke"] == "user"
    assert "“Dresses” is “Kleider & Röcke” now (the same photos): searched as all-body, as you chose" in again["note"]
    manifest = read_index_manifest(home / "closet")
    assert manifest is not None and manifest.user_map == {"Kleider & Röcke": "all-body"}
    kept = index_json(home, root, capsys)  # and on: a choice like any other
    assert kept["mapped_how"]["Kleider & Röcke"] == "user" and "(the same photos)" not in (kept["note"] or "")
    # its photos moved into a category it had ("Tops"): no rename, nothing passed on
    for photo in (root / "Kleider & Röcke").iterdir():
        photo.rename(root / "Tops" / f"moved_{photo.name}")
    merged = index_json(home, root, capsys)
    assert merged["mapped_how"]["Tops"] != "user" and "(the same photos)" not in (merged["note"] or "")
    # other photos under a new name: nothing passed on
    (root / "Kleider & Röcke").mkdir(exist_ok=True)
    (root / "Kleider & Röcke").rename(root / "Old")
    shutil.rmtree(root / "Old")
    shutil.copytree(root / "Jewellery", root / "Festlich")
    other = index_json(home, root, capsys)
    assert other["mapped_how"]["Festlich"] != "user" and "(the same photos)" not in (other["note"] or "")


def test_a_renamed_folder_matched_by_its_name_keeps_its_match(closet: dict[str, Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EK renamed "Bags" to "Bolsos" and re-synced: the outfit kept its bag, but "Bolsos" fell from bags (matched
    by name) to visual similarity, the rankings changed, and the re-sync's line said only the rename it had chosen
    for. The same photos under a name that matches nothing keep the match, and the index says so; a new name that
    matches a model category itself keeps that one."""
    import shutil

    root = Path(shutil.copytree(closet["root"], tmp_path / "closet"))
    home = tmp_path / "home"
    first = index_json(home, root, capsys)
    assert first["mapped"]["Shoes"] == "shoes" and first["mapped_how"]["Shoes"] in ("exact", "auto")
    (root / "Shoes").rename(root / "Calzado")
    (root / "Tops").rename(root / "Top")  # matched by its own name: nothing to pass on
    again = index_json(home, root, capsys)
    assert again["mapped"]["Calzado"] == "shoes"
    assert again["carried_choices"] == {"Calzado": {"from": "Shoes", "searched_as": "shoes", "how": "by name"}}
    assert "“Shoes” is “Calzado” now (the same photos): searched as shoes, as “Shoes” was by its name" in again["note"]
    assert again["mapped"]["Top"] == first["mapped"]["Tops"] and again["mapped_how"]["Top"] == "auto"
    from sane_desktop.cli.index_cmd import render

    assert "Calzado -> shoes (as “Shoes” was, by its name)" in render(again)  # nobody chose it (trial EM)


def test_carried_choices_pass_on_only_a_clear_rename() -> None:
    from sane_desktop.retrieval.indexing.carry import carried_choices

    a, b, c = frozenset({"1", "2", "3", "4"}), frozenset({"5", "6"}), frozenset({"7", "8"})
    chosen = {"Jacken": "outerwear", "Hüte": "hats"}
    assert carried_choices({"Jacken": a}, {"Jacken & Mäntel": a, "Tops": c}, chosen) == {
        "Jacken & Mäntel": ("Jacken", "outerwear")}
    assert carried_choices({"Jacken": a}, {"Jacken": a, "Neu": a}, chosen) == {}  # still there
    assert carried_choices({"Jacken": a}, {"Neu": frozenset({"1", "2"})}, chosen) == {}  # half of its photos
    assert carried_choices({"Jacken": a}, {"Neu": a | b | c}, chosen) == {}  # half of the new one's
    assert carried_choices({"Jacken": a}, {"Neu": a}, {**chosen, "Neu": "tops"}) == {}  # chosen for already
    # two old ones into one: the one most of it came from
    assert carried_choices({"Jacken": a, "Hüte": b}, {"Neu": a | b}, chosen) == {"Neu": ("Jacken", "outerwear")}
    assert carried_choices({"Kleider": a}, {"Neu": a}, chosen) == {}  # no choice to pass on


def test_cli_category_map_errors_and_query_similar(closet: dict[str, Path], indexed: tuple[Path, dict],
                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = indexed
    base = ["--index-home", str(home)]
    assert main([*base, "index", str(closet["root"]), "--name", "closet", "--model", str(MODEL), "--workers", "0",
                 "--category-map", "Dresses=frocks"]) == 1
    assert "'frocks' is not a category of the model" in capsys.readouterr().err
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Belts": "bags"}))
    assert main([*base, "index", str(closet["root"]), "--name", "closet", "--model", str(MODEL), "--workers", "0",
                 "--category-map", str(mapping)]) == 1
    assert "'Belts', which the catalogue does not have" in capsys.readouterr().err

    item_id = next(i for i in Catalogues(home).open("closet").items.search() if i.category == "Jewellery").item_id
    assert main([*base, "query", "closet", "--similar", item_id, "--category", "Jewellery", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "similar" and list(data["results"]) == ["Jewellery"]
    assert [r["item_id"] for r in data["results"]["Jewellery"]] and item_id not in [
        r["item_id"] for r in data["results"]["Jewellery"]]
    assert main([*base, "query", "closet", "--similar", item_id]) == 0
    assert f"Visually similar to {item_id} (Jewellery)" in capsys.readouterr().out
    assert main([*base, "query", "closet", "--similar", item_id, "--outfit", item_id]) == 1
    capsys.readouterr()
    assert main([*base, "query", "closet", "--outfit", item_id, "--category", "Tops", "--json"]) == 0  # never an error
    data = json.loads(capsys.readouterr().out)
    assert data["results"]["Tops"] and data["spaces"] == {"Tops": "compatibility"}
    # explain says in words which space a pair is compared in, as query does
    top, shoe = (next(i for i in Catalogues(home).open("closet").items.search() if i.category == c).item_id
                 for c in ("Tops", "Shoes"))
    for other, compared_by in ((item_id, "general"), (shoe, "compatibility")):
        assert main([*base, "explain", "closet", "--query", top, "--candidate", other, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["compared_by"] == compared_by
    assert main([*base, "explain", "closet", "--query", top, "--candidate", item_id]) == 0
    assert "(visual similarity: how alike they look)" in capsys.readouterr().out.splitlines()[0]
    # and so does the outfit's reason, per outfit item (a trial: its JSON gave only a space number)
    assert main([*base, "explain", "closet", "--candidate", top, "--outfit", f"{item_id},{shoe}", "--json"]) == 0
    shares = json.loads(capsys.readouterr().out)["outfit_reason"]["shares"]
    assert [s["compared_by"] for s in shares] == ["general", "compatibility"]
    assert main([*base, "explain", "closet", "--candidate", top, "--outfit", f"{item_id},{shoe}"]) == 0
    assert "1 of 2 pairs compared by looks" in capsys.readouterr().out.splitlines()[0]
    assert main([*base, "explain", "closet", "--candidate", top, "--outfit", item_id]) == 0
    assert "every pair compared by looks: a likeness, not a match" in capsys.readouterr().out.splitlines()[0]


def test_explain_with_a_chosen_model_refuses_an_unreadable_manifest_rather_than_lose_the_users_map(
        indexed: tuple[Path, dict], capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EH: with ``--model`` (no index check), a manifest damaged by hand gave the automatic mapping in place of
    the user's ``Dresses=all-body``, and the pair was explained in another space, exit 0, without a word."""
    home, _ = indexed
    items = Catalogues(home).open("closet").items.search()
    # (a dress and shoes: the demo world's dresses never meet a top, a space the model never learnt)
    dress, shoe = (next(i for i in items if i.category == c).item_id for c in ("Dresses", "Shoes"))
    explain = ["--index-home", str(home), "explain", "closet", "--query", shoe, "--candidate", dress,
               "--model", str(MODEL), "--no-cache", "--json"]
    assert main(explain) == 0
    assert json.loads(capsys.readouterr().out)["compared_by"] == "compatibility"
    [manifest] = home.rglob("closet/manifest.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["created_at"] = 5  # a field of the wrong type
    manifest.write_text(json.dumps(data), encoding="utf-8")
    assert main(explain) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a readable index manifest" in err and "re-index it (sane-desktop index" in err


def test_cli_query_says_which_lists_only_look_alike(indexed: tuple[Path, dict],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # Jewellery and the loose image's "uncategorised" are categories the model lacks: their lists
    # are ranked by look, and the output must not read as compatibility
    home, _ = indexed
    base = ["--index-home", str(home)]
    top = next(i for i in Catalogues(home).open("closet").items.search() if i.category == "Tops").item_id
    assert main([*base, "query", "closet", "--outfit", top, "-k", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["spaces"] == {"Bottoms": "compatibility", "Dresses": "compatibility", "Jewellery": "general",
                              "Shoes": "compatibility", "Tops": "compatibility", "bags": "compatibility",
                              "uncategorised": "general"}
    assert data["results"]["Jewellery"] and {r["space"] for r in data["results"]["Jewellery"]} == {"general"}
    assert {r["space"] for r in data["results"]["Shoes"]} == {"compatibility"}
    assert main([*base, "query", "closet", "--outfit", top, "-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ("Jewellery — looks alike (the model has no matches learnt for 'Jewellery': compared by visual similarity, "
            "not compatibility)") in lines
    assert "Shoes:" in lines and not any(line.startswith("Shoes —") for line in lines)
    assert sum("looks alike" in line for line in lines) == 2  # Jewellery and uncategorised, nothing else


def test_category_plan_suggests_for_what_the_model_lacks(closet: dict[str, Path], indexed: tuple[Path, dict]) -> None:
    home, _ = indexed
    service = CatalogueService(home, device="cpu")
    plan = service.category_plan(closet["root"], "closet", model=MODEL)
    rows = {row.category: row for row in plan.rows}
    assert plan.needs_choice and "all-body" in plan.model_categories and plan.model == MODEL
    assert rows["Tops"].automatic == "tops" and rows["Tops"].preselected == "tops" and rows["Tops"].items == 4
    assert rows["Jewellery"].automatic == GENERAL_CATEGORY and rows["Jewellery"].reason
    assert rows["Dresses"].current == "all-body" and rows["Dresses"].preselected == "all-body"  # the last index's
    assert plan.choices({"Tops": "tops", "Dresses": "all-body", "Jewellery": "general"}) == {"Dresses": "all-body"}


def test_explain_json_lists_no_ranking_of_a_foreign_models_attributes(indexed: tuple[Path, dict],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A trial: the window's Details hid the bundled general model's attribute ranking (learnt on the
    drawn garments) under its abstaining headline, while ``explain --json`` still listed it
    ("motif:moon" for a real sweater). Both front ends now withhold it; another model's stays listed."""
    from sane_desktop.explain.abstain import abstention_kind
    from sane_desktop.models.checkpoint import general_model_path

    home, _ = indexed
    top, shoe = (next(i for i in Catalogues(home).open("closet").items.search() if i.category == c).item_id
                 for c in ("Tops", "Shoes"))
    base = ["--index-home", str(home), "explain", "closet", "--query", top, "--candidate", shoe, "--json"]
    assert main([*base, "--model", str(general_model_path())]) == 0
    foreign = json.loads(capsys.readouterr().out)
    assert abstention_kind(foreign["abstained"]) == "foreign_model"
    assert foreign["attribute"] is None and foreign["attributes"] == []
    assert main(base) == 0  # the catalogue's own (demo) model: its ranking is listed
    assert json.loads(capsys.readouterr().out)["attributes"]
    # the outfit's reason too (a second trial found its JSON still listing them)
    outfit = ["--index-home", str(home), "explain", "closet", "--candidate", top, "--outfit", shoe, "--json"]
    assert main([*outfit, "--model", str(general_model_path())]) == 0
    reason = json.loads(capsys.readouterr().out)["outfit_reason"]
    assert abstention_kind(reason["abstained"]) == "foreign_model" and reason["attributes"] == []


def test_an_item_id_with_a_comma_can_be_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trial's catalogue had an item id with a comma ("COMMA,ID-01"): it imported and indexed, then
    ``query --outfit`` and ``explain --outfit`` split it in two ("unknown item ids: COMMA, ID-01").
    An entry that is itself one of the catalogue's ids is kept whole; other entries split as before."""
    import shutil

    root = make_closet(tmp_path / "closet")
    shutil.copyfile(root / "Tops" / "tops_0.jpg", root / "Tops" / "red,white.jpg")
    Image.new("RGB", (400, 20), (200, 40, 40)).save(root / "Tops" / "strip.png")
    home = tmp_path / "home"
    index_json(home, root, capsys)
    items = Catalogues(home).open("closet").items.search()
    comma = next(i.item_id for i in items if "," in i.item_id)
    shoe = next(i.item_id for i in items if i.category == "Shoes")
    base = ["--index-home", str(home)]
    assert main([*base, "query", "closet", "--outfit", comma, "--json"]) == 0, capsys.readouterr().err
    assert [o["item"] for o in json.loads(capsys.readouterr().out)["outfit"]] == [comma]
    # in a list, and beside another id: the longest run of parts that is an id is taken whole
    for outfit in ([f"{shoe},{comma}"], [f"{comma},{shoe}"], [comma, shoe]):
        assert main([*base, "query", "closet", *[a for o in outfit for a in ("--outfit", o)], "--json"]) == 0
        assert sorted(o["item"] for o in json.loads(capsys.readouterr().out)["outfit"]) == sorted([comma, shoe])
    assert main([*base, "query", "closet", "--outfit", f"{comma},{comma}"]) == 1  # named twice: quoted whole
    assert f"--outfit names {comma!r} more than once" in capsys.readouterr().err
    assert main([*base, "query", "closet", "--outfit", "Tops/blue,green"]) == 1
    assert "unknown item ids: Tops/blue, green (catalogue" in capsys.readouterr().err
    assert main([*base, "explain", "closet", "--candidate", shoe, "--outfit", comma, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outfit_reason"]["outfit"] == [comma]
    # a catalogue photo in the outfit is framed as the model sees it, as an image from disk is (a trial)
    strip = next(i.item_id for i in items if i.item_id.endswith("strip"))
    assert main([*base, "query", "closet", "--outfit", strip, "--category", "Shoes"]) == 0
    assert f"note: {strip}: strip.png is 400×20 pixels: the model sees its centre square, 5 % of it" in \
        capsys.readouterr().err


def test_items_lists_the_ids_query_and_explain_take(indexed: tuple[Path, dict],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh-user trial found no way to a catalogue's item ids but reading its files: ``items``
    lists them (by category, by words, a bounded count), and each one listed is one query takes."""
    home, _ = indexed
    capsys.readouterr()
    assert main(["--index-home", str(home), "items", "closet", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["items"]) == listed["total"] == ITEMS
    assert {"item_id": "loose", "category": "uncategorised"}.items() <= next(
        row for row in listed["items"] if row["item_id"] == "loose").items()
    assert main(["--index-home", str(home), "items", "closet", "--category", "tops", "-n", "2", "--json"]) == 0
    tops = json.loads(capsys.readouterr().out)
    assert tops["category"] == "Tops" and len(tops["items"]) == 2 and tops["total"] == 4  # 4 tops, 2 shown
    # how many are left, of how many (trial X asked for "10 more of 60")
    assert main(["--index-home", str(home), "items", "closet", "--category", "tops", "-n", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "… 1 more of 4: -n N lists more, --category or --search narrows it down")
    assert {row["category"] for row in tops["items"]} == {"Tops"}
    assert main(["--index-home", str(home), "query", "closet", "--outfit", tops["items"][0]["item_id"], "--json"]) == 0
    capsys.readouterr()
    # a count is -n or -k in both commands (a trial typed items' -n for query and got an error)
    assert main(["--index-home", str(home), "query", "closet", "--outfit", tops["items"][0]["item_id"],
                 "--category", "Shoes", "-n", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]["Shoes"]) == 1
    assert main(["--index-home", str(home), "items", "closet", "-k", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["items"]) == 3
    # a count beyond any catalogue lists everything (a trial's 20 digits ended in an OverflowError)
    for huge in ("99999999999999999999", "9223372036854775807"):
        assert main(["--index-home", str(home), "items", "closet", "-n", huge, "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["items"]) == ITEMS
        assert main(["--index-home", str(home), "query", "closet", "--outfit", tops["items"][0]["item_id"],
                     "--category", "Shoes", "-k", huge, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["results"]["Shoes"]
    # a search of punctuation alone has no words: refused, not a list of every item without a hint
    for nothing in ("%", "_", "*", "'"):
        assert main(["--index-home", str(home), "items", "closet", "--search", nothing]) == 1
        assert "has no words to look for" in capsys.readouterr().err
    assert main(["--index-home", str(home), "items", "closet", "--search", "no such words"]) == 0
    assert capsys.readouterr().out.strip() == "No items in 'closet' match the words 'no such words'."
    assert main(["--index-home", str(home), "items", "closet", "--category", "Hats"]) == 1
    assert "no category 'Hats'; the catalogue's are:" in capsys.readouterr().err


def test_query_text_keeps_its_scores_in_one_column_for_long_ids(indexed: tuple[Path, dict],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A trial's "Jewellery/blue ellipse Nr 5 é" pushed its score out of the column (ids were padded
    to 20 characters): the column is as wide as the longest id listed."""
    import re

    home, _ = indexed
    capsys.readouterr()
    assert main(["--index-home", str(home), "query", "closet", "--outfit", "Tops/tops_0"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if re.match(r"\s+\d+\. ", line)]
    assert any(len(line.split()[1]) > 20 for line in rows)  # "Jewellery/jewellery_0" and the like
    starts = {re.search(r" [+-]\d\.\d{4} ", line).start() for line in rows}  # type: ignore[union-attr]
    assert len(starts) == 1, rows


def test_a_control_character_in_an_id_keeps_its_row_on_one_line() -> None:
    """A trial's ``Tops/new⏎line.jpg`` printed its id raw: the row split over two lines (items and
    query). Text tables write control characters as escapes; --json keeps the text as it is."""
    from sane_desktop.cli import items_cmd, query_cmd

    odd = "Tops/new\nline\tx"
    listed = items_cmd.render({"catalogue": "c", "category": "", "search": "", "total": 1,
                               "items": [{"item_id": odd, "category": "Tops", "title": "a\x1b[31mred"}]})
    assert listed.count("\n") == 0 and "Tops/new\\nline\\tx" in listed and "\x1b" not in listed
    ranked = query_cmd.render({"catalogue": "c", "outfit": [], "mode": "outfit", "spaces": {"Tops": 1},
                               "photos_changed": [], "outfit_photos_changed": [], "metadata_changed": [],
                               "results": {"Tops": [{"item_pk": 1, "item_id": odd, "category": "Tops", "title": "t",
                                                     "score": 0.5, "space": 1, "contributions": {odd: 0.5}}]}})
    row = next(line for line in ranked.splitlines() if "1. " in line)
    assert "Tops/new\\nline\\tx" in row and row.count("Tops/new") == 2  # its id, and what it owes most to


def test_a_moved_catalogue_folder_is_said_once_with_the_way_to_index_it_where_it_is(
        closet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial T renamed an indexed catalogue's folder: ``query`` noted every photo "gone since indexing",
    its advice "re-index" failed with "catalogue folder not found" and no next step, and the window's
    index dialog, pointed at the folder where it is now, had forgotten the category choices. The gone
    folder is one note naming the command that indexes the new place, the failure names that way out,
    and the plan keeps the choices of a catalogue whose folder is gone."""
    import shutil

    home = tmp_path / "home"
    root = tmp_path / "closet"
    shutil.copytree(closet["root"], root)
    index_json(home, root, capsys, "--category-map", "Dresses=all-body")
    moved = root.rename(tmp_path / "closet moved")
    top = next(i for i in Catalogues(home).open("closet").items.search() if i.category == "Tops").item_id
    assert main(["--index-home", str(home), "query", "closet", "--outfit", top, "-k", "3"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == [f"note: the catalogue folder {root} is no longer there (moved or renamed?): the results use the "
                     "photos as indexed; index the folder where it is now under this name, its category choices kept "
                     "(sane-desktop index NEW_FOLDER --name closet --replace)"]
    # explain reads the photos: refused in that one line; items lists as imported, and says it (trial V)
    shoe = next(i for i in Catalogues(home).open("closet").items.search() if i.category == "Shoes").item_id
    assert main(["--index-home", str(home), "explain", "closet", "--query", top, "--candidate", shoe]) != 0
    assert capsys.readouterr().err.strip() == (
        f"error: the catalogue folder {root} is no longer there (moved or renamed?): its photos cannot be read to "
        "explain them; index the folder where it is now under this name, its category choices kept "
        "(sane-desktop index NEW_FOLDER --name closet --replace)")
    assert main(["--index-home", str(home), "explain", "closet", "--candidate", shoe, "--outfit", top]) != 0
    assert "is no longer there (moved or renamed?)" in capsys.readouterr().err
    assert main(["--index-home", str(home), "items", "closet"]) == 0
    assert "its items are listed as imported; index the folder where it is now" in capsys.readouterr().err
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet"]) != 0
    assert capsys.readouterr().err.strip() == (
        f"error: catalogue folder not found: {root}: if it was moved or renamed, index the folder where it is now "
        "with --name (this catalogue's) and --replace: its category choices are kept")
    # a folder no catalogue was built from (a typo: trial Y) is not said to have moved
    assert main(["--index-home", str(home), "index", str(root.parent / "closte")]) != 0
    assert capsys.readouterr().err.strip() == f"error: catalogue folder not found: {root.parent / 'closte'}"
    assert main(["--index-home", str(home), "import", str(root.parent / "closte"), "--name", "closet"]) != 0
    assert capsys.readouterr().err.strip() == f"error: catalogue folder not found: {root.parent / 'closte'}"
    # a catalogue's name where its folder goes (trial BU: `index demo --rebuild`): the folder it was indexed from
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["--index-home", str(home), "index", "closet", "--rebuild"]) != 0
    assert capsys.readouterr().err.strip() == (f"error: catalogue folder not found: {elsewhere / 'closet'} (“closet” is "
                                               f"an indexed catalogue, indexed from {root}: give that folder)")
    plan = CatalogueService(home, device="cpu").category_plan(moved, "closet", model=MODEL)
    rows = {row.category: row for row in plan.rows}
    assert rows["Dresses"].current == "all-body" and rows["Dresses"].preselected == "all-body"
    data = index_json(home, moved, capsys, "--replace")  # as the note says: the choices are kept
    assert data["mapped"]["Dresses"] == "all-body" and data["mapped_how"]["Dresses"] == "user"


def test_an_outfit_item_mapped_to_the_results_model_category_is_an_alternative(
        closet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial AU: two folders mapped to one model category ("Dresses" and "Tops" both the model's tops).
    A Tops result is not compared with the dress (no type space pairs a category with itself), and the
    reason given was "the model learnt no matches between these categories": the search now marks it
    an alternative, as it does an item of the result's own folder."""
    home = tmp_path / "home"
    index_json(home, closet["root"], capsys, "--category-map", "Dresses=tops")
    items = Catalogues(home).open("closet").items.search()
    dress = next(i for i in items if i.category == "Dresses").item_id
    bottom = next(i for i in items if i.category == "Bottoms").item_id
    assert main(["--index-home", str(home), "query", "closet", "--outfit", f"{dress},{bottom}", "--category", "Tops",
                 "-k", "3", "--json"]) == 0
    tops = json.loads(capsys.readouterr().out)["results"]["Tops"]
    assert tops and all(r["not_compared"] == [dress] and r["alternatives"] == [dress] for r in tops), tops
    assert main(["--index-home", str(home), "query", "closet", "--outfit", f"{dress},{bottom}", "--category", "Shoes",
                 "-k", "3", "--json"]) == 0
    shoes = json.loads(capsys.readouterr().out)["results"]["Shoes"]
    assert shoes and all(not r["alternatives"] for r in shoes), shoes
    # the outfit's reason says the same of the dress (the panel's row and `explain --outfit`)
    top = tops[0]["item_id"]
    explain = ["--index-home", str(home), "explain", "closet", "--candidate", top, "--outfit", f"{dress},{bottom}"]
    assert main([*explain, "--json"]) == 0
    shares = {s["item"]: s for s in json.loads(capsys.readouterr().out)["outfit_reason"]["shares"]}
    assert shares[dress]["alternative"] and not shares[dress]["compared"], shares
    assert not shares[bottom]["alternative"] and shares[bottom]["compared"], shares
    assert main(explain) == 0
    out = capsys.readouterr().out
    # a dress and a top: two folders the model counts as one kind, not "the same category" (trial BB)
    assert "none: not compared (the model counts its category and the result's as one kind: an alternative)" in out
    assert "learnt no matches" not in out and "the same category" not in out
    # an outfit of dresses alone, tops asked: not ranked, said as one kind to the model, not "Tops themselves"
    assert main(["--index-home", str(home), "query", "closet", "--outfit", dress, "--category", "Tops"]) == 0
    said = capsys.readouterr().out
    assert "Tops — not ranked: the model counts Tops and the outfit's Dresses as one kind" in said, said


def test_indexing_a_folder_indexed_under_another_name_says_it_makes_a_second_catalogue(
        closet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EU renamed a catalogue, then indexed its folder again by the folder's name: a second catalogue of the
    same photos, unsaid. The command line says so, with the name that updates the first."""
    home = tmp_path / "home"
    common = ["--model", str(MODEL), "--workers", "0", "--device", "cpu"]
    assert main(["--index-home", str(home), "index", str(closet["root"]), "--name", "spring", *common]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "index", str(closet["root"]), *common]) == 0
    err = capsys.readouterr().err
    assert "note: this folder is indexed already as “spring”: this run makes another catalogue of it, “closet” " \
           "(--name spring updates “spring” instead)" in err
    assert main(["--index-home", str(home), "import", str(closet["root"]), "--name", "autumn"]) == 0
    capsys.readouterr()
    assert main(["--index-home", str(home), "index", str(closet["root"]), *common]) == 0  # "closet" is one of them now
    assert "indexed already" not in capsys.readouterr().err
    shutil.rmtree(home / "closet")
    assert main(["--index-home", str(home), "import", str(closet["root"])]) == 0  # import says it too (trial EW)
    assert "note: this folder is indexed already as “autumn” and “spring”: this run makes another catalogue of it, " \
           "“closet” (--name autumn updates “autumn” instead)" in capsys.readouterr().err
