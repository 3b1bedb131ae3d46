"""What is derived from a photo comes from the bytes its hash was taken of. Everywhere a photo was
hashed (or checked against its recorded hash) in one read and decoded in another, a file replaced in
between was embedded, cached or drawn as the recorded photo: the index stored the new picture's
embedding under the old hash, the shared feature cache kept the new picture's features under it
(for every catalogue and every later train), and the explanation view drew the new picture under
maps of the old one. Each place now reads the file once, checks those bytes and decodes them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from catalogue_fixtures import draw_garment as draw
from sane_desktop.cli import main
from sane_desktop.errors import PhotoChanged
from sane_desktop.models import load_checkpoint
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.retrieval.embedding import embed_images
from sane_desktop.retrieval.feature_cache import FeatureCache, TrunkIdentity
from sane_desktop.retrieval.indexing.embed import PHOTO_CHANGED, embed_items
from sane_desktop.retrieval.indexing.scan import IndexItem, file_hash
from sane_desktop.service import Catalogues

MODEL = demo_model_path()



@pytest.fixture()
def photos(tmp_path: Path) -> tuple[list[Path], list[str], Path]:
    """Three photos with their hashes, the second then replaced by another picture."""
    paths = [draw(tmp_path / "shop" / "Tops" / f"{name}.jpg", colour, ellipse)
             for name, colour, ellipse in (("a", (200, 40, 40), False), ("b", (60, 160, 60), True),
                                           ("c", (40, 40, 200), False))]
    hashes = [file_hash(path) for path in paths]
    other = draw(tmp_path / "other.jpg", (230, 200, 40), True)
    shutil.copyfile(other, paths[1])
    return paths, hashes, other


def test_the_indexer_leaves_out_a_photo_replaced_after_its_import(photos: tuple[list[Path], list[str], Path]) -> None:
    paths, hashes, _ = photos
    bundle = load_checkpoint(MODEL)
    items = [IndexItem(pk + 1, f"Tops/{path.stem}", "Tops", path, digest)
             for pk, (path, digest) in enumerate(zip(paths, hashes))]
    chunks = list(embed_items(bundle, items, batch_size=2, workers=0))
    rows = [row for chunk in chunks for row in chunk.rows]
    failed = [failure for chunk in chunks for failure in chunk.failed]
    assert sorted(row.item_pk for row in rows) == [1, 3]  # b's bytes are not the photo imported as b
    assert failed == [{"id": "Tops/b", "path": str(paths[1]), "reason": PHOTO_CHANGED}]
    assert {row.content_hash for row in rows} == {hashes[0], hashes[2]}


def test_the_feature_cache_never_keys_another_pictures_features(photos: tuple[list[Path], list[str], Path],
                                                                tmp_path: Path) -> None:
    paths, hashes, other = photos
    bundle = load_checkpoint(MODEL)
    cache = FeatureCache(TrunkIdentity("test-trunk", "0" * 64, bundle.preprocessing.as_dict()), tmp_path / "cache")
    stored: list[str] = []

    def keep(batch, features) -> None:  # type: ignore[no-untyped-def]
        keys = [hashes[i] for i in batch.indices.tolist()]
        stored.extend(keys)
        cache.add(keys, features)

    batches = list(embed_images(bundle, paths, batch_size=4, workers=0, hashes=hashes, on_features=keep))
    assert [i for batch in batches for i in batch.changed] == [1]
    assert hashes[1] not in stored and cache.missing([hashes[1]]) == [hashes[1]]
    assert sorted(stored) == sorted([hashes[0], hashes[2]])
    # the picture that is there now is embedded once it is hashed as itself
    again = list(embed_images(bundle, [paths[1]], batch_size=4, workers=0, hashes=[file_hash(other)]))
    assert again[0].indices.tolist() == [0] and not again[0].changed


def test_a_picture_is_drawn_from_the_bytes_checked_not_from_an_earlier_check(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    shop = tmp_path / "shop"
    draw(shop / "Tops" / "a.jpg", (200, 40, 40), False)
    draw(shop / "Tops" / "b.jpg", (60, 160, 60), True)
    draw(shop / "Bottoms" / "x.jpg", (30, 30, 30), False)
    home = tmp_path / "home"
    assert main(["--index-home", str(home), "index", str(shop), "--name", "shop", "--model", str(MODEL),
                 "--workers", "0", "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["vectors"]["Tops"] == 2
    catalogue = Catalogues(home, device="cpu").open("shop")
    try:
        (item,) = catalogue.items.by_item_id(["Tops/a"])
        assert item.content_hash == hashlib.sha256((shop / "Tops" / "a.jpg").read_bytes()).hexdigest()
        catalogue.model.verify(item)  # checked once: the check is remembered for the context's life
        draw(shop / "Tops" / "a.jpg", (230, 200, 40), True)  # then the file is replaced
        with pytest.raises(PhotoChanged, match="changed since the catalogue was indexed"):
            catalogue.model.crop_rgb(item)  # was: the new picture, drawn as the indexed photo
        with pytest.raises(PhotoChanged):
            catalogue.model.image(item)
    finally:
        catalogue.close()
