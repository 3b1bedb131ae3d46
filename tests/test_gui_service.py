"""The Qt-free service behind the GUI: batched tile explanations, score parts, images from disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from demo_world import build_demo_world
from sane_desktop.service import CatalogueService, TileExplanation


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> CatalogueService:
    """A 40-item demo catalogue and a tiny seeded model with an attribute net, indexed as "demo"."""
    service = build_demo_world(tmp_path_factory.mktemp("gui-service"), 40, device="cpu")
    service.open_catalogue("demo")
    return service


def outfit_of(service: CatalogueService, size: int = 2) -> list[int]:
    chosen: dict[str, int] = {}
    for item in service.items():
        chosen.setdefault(item.category, item.pk)
    return list(chosen.values())[:size]


def test_contributions_sum_to_the_score(service: CatalogueService) -> None:
    outfit = outfit_of(service, 3)
    results = [r for rs in service.search(outfit, "", 5).values() for r in rs]
    assert results
    for result in results:
        assert set(result.contributions) == set(outfit)
        assert sum(result.contributions.values()) == pytest.approx(result.score, abs=1e-4)
        assert result.best_outfit_item() == max(outfit, key=result.contributions.__getitem__)


def test_tile_explanations_match_the_strongest_part(service: CatalogueService) -> None:
    outfit = outfit_of(service, 2)
    results = [r for rs in service.search(outfit, "", 4).values() for r in rs]
    pairs = [(r.item.pk, r.best_outfit_item()) for r in results]
    tiles = service.explain_tiles(pairs, map_side=28)
    assert [(t.candidate_pk, t.outfit_pk) for t in tiles] == pairs
    for tile, result in zip(tiles, results):
        assert isinstance(tile, TileExplanation)
        # the batched decomposition from stored (fp16) cells reproduces the pair's score part
        assert tile.similarity == pytest.approx(result.contributions[tile.outfit_pk], abs=2e-2)
        assert tile.candidate_map.shape == (28, 28) and float(np.ptp(tile.candidate_map)) > 0
        # an attribute named, or none with why (the item's own labels and text may rule out every one this small
        # model is sure of)
        assert (tile.attribute is not None and tile.attribute.name and 0 < tile.attribute.match <= 1 + 1e-6) \
            or (tile.attribute is None and tile.abstained)
    assert any(tile.attribute is not None for tile in tiles)
    # the same pair through the click-through path (image passes, fp32) agrees with the tile
    first = next(service.explain(*pairs[0], refine=False))
    assert first.similarity == pytest.approx(tiles[0].similarity, abs=2e-2)
    assert first.attribute == (tiles[0].attribute.name if tiles[0].attribute is not None else "")
    # and draws the same map: the tile's is the click-through one at tile resolution
    import torch
    import torch.nn.functional as F

    full = F.adaptive_avg_pool2d(torch.from_numpy(first.candidate_map)[None, None], 28)[0, 0].numpy()
    assert np.corrcoef(full.ravel(), tiles[0].candidate_map.ravel())[0, 1] > 0.99


def test_tile_explanations_stop_when_cancelled(service: CatalogueService) -> None:
    outfit = outfit_of(service, 2)
    results = [r for rs in service.search(outfit, "", 3).values() for r in rs]
    assert service.explain_tiles([(r.item.pk, outfit[0]) for r in results], should_stop=lambda: True) == []


def test_image_from_disk_joins_the_outfit(service: CatalogueService, tmp_path: Path) -> None:
    outfit = outfit_of(service, 2)
    source = service.item(outfit[1])
    copy = tmp_path / "my shoe.png"
    copy.write_bytes(source.image_path.read_bytes())
    guess = service.guess_category(copy)
    cosines = [cosine for _, cosine in guess.ranked]
    assert sorted(c for c, _ in guess.ranked) == service.categories() and guess.best == guess.ranked[0][0]
    assert cosines == sorted(cosines, reverse=True) and all(-1 <= c <= 1 + 1e-6 for c in cosines)
    disk = service.add_image(copy, source.category)
    assert disk.pk < 0 and disk.from_disk and service.item(disk.pk) == disk
    with_disk = service.search([outfit[0], disk.pk], "", 5)
    with_catalogue = service.search([outfit[0], outfit[1]], "", 5)
    for category, results in with_catalogue.items():
        # the copy embeds like the catalogue item (same pixels): same ranking, same scores
        disk_results = [r for r in with_disk[category] if r.item.pk != outfit[1]]
        assert [r.item.pk for r in results][:3] == [r.item.pk for r in disk_results][:3]
        assert results[0].score == pytest.approx(disk_results[0].score, abs=2e-2)
        assert set(disk_results[0].contributions) == {outfit[0], disk.pk}
    # its explanation pairs work: batched tiles (its cells come from embedding) and click-through
    result = next(r for rs in with_disk.values() for r in rs if r.item.category != disk.category)
    tile = service.explain_tiles([(result.item.pk, disk.pk)])[0]
    assert tile.similarity == pytest.approx(result.contributions[disk.pk], abs=2e-2)
    assert next(service.explain(result.item.pk, disk.pk, refine=False)).outfit_pk == disk.pk


def test_image_from_disk_errors_are_messages(service: CatalogueService, tmp_path: Path) -> None:
    from sane_desktop.errors import SaneError

    with pytest.raises(SaneError, match="no image file"):
        service.guess_category(tmp_path / "missing.png")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    with pytest.raises(SaneError):
        service.add_image(tmp_path / "broken.png", service.categories()[0])
    with pytest.raises(SaneError):
        service.add_image(tmp_path / "broken.png", "no-such-category")


def test_click_explanations_carry_the_attribute_activation_maps(service: CatalogueService) -> None:
    import torch

    outfit = outfit_of(service, 2)
    result = next(r for rs in service.search(outfit, "", 3).values() for r in rs)
    candidate, partner = service.item(result.item.pk), service.item(result.best_outfit_item())
    update = next(service.explain(candidate.pk, partner.pk, refine=False))
    ranked = [a.name for a in update.attributes]
    assert list(update.attribute_maps) == ranked[:5]
    size = service.bundle().preprocessing.size
    net = service.bundle().attributes
    with torch.inference_mode():
        logits, cells = net(torch.stack([service.image(candidate), service.image(partner)]))
    for name, maps in update.attribute_maps.items():
        assert len(maps) == 2 and all(m.shape == (size, size) and np.isfinite(m).all() for m in maps)
        # the attribute net's own map, upsampled: its mean is the attribute's logit for each item
        column = list(net.attributes).index(name)
        for row, drawn in enumerate(maps):
            assert float(cells[row, column].mean()) == pytest.approx(float(logits[row, column]), abs=1e-5)
            assert float(drawn.mean()) == pytest.approx(float(logits[row, column]), abs=0.05 * float(np.ptp(drawn)) + 1e-4)
    assert service.attribute_maps([candidate], ["no such attribute"]) == {}


def test_training_stopped_after_its_last_epoch_keeps_the_model(service: CatalogueService) -> None:
    from sane_desktop.progress import Cancelled

    stop: list[int] = []
    with pytest.raises(Cancelled):  # not an empty "success": the dialog must say Cancelled
        service.train(epochs=1, should_stop=lambda: bool(stop), on_epoch=lambda _: stop.append(1))
    assert stop == [1] and not (service.index_home / "demo" / "model.pt").exists()
