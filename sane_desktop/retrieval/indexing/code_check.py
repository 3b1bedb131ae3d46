"""Whether an index's stored vectors are what this build computes from the same photos and model.

An index manifest records the fingerprint of the code that turned photos into vectors
(:func:`sane_desktop.code_version.embedding_code`). Stored vectors are keyed by the model's content
hash and the photo's, not by that code: another build (an upgrade, a second install, an edited
checkout) that decodes or runs the networks differently would keep answering with the old vectors
while its explanations and ``--image`` queries use its own (trial AR's kind: an artefact of one
build used by another). When the fingerprints differ, a few stored vectors are computed again from
their photos; equal within :data:`MIN_COSINE`, the index stands (most upgrades change no vector);
otherwise search refuses and a re-index embeds every photo again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.models.checkpoint import ModelBundle
from sane_desktop.store import schema as S
from sane_desktop.store.items import CatalogueRef

log = logging.getLogger(__name__)

SAMPLE = 3  # photos computed again: enough to see a changed pipeline, which moves every vector
# fp32 on one device recomputes a vector to ~1e-7; a build on a GPU (bf16 autocast) stays above
# 0.9995 against a CPU's fp32; a changed resize or trunk moves cosines well below this
MIN_COSINE = 0.999
_CANDIDATES = 40  # rows looked at to find SAMPLE whose photo is still the one embedded


@dataclass(frozen=True)
class VectorCheck:
    """What the recomputation found: ``checked`` photos compared, the lowest cosine, and the item
    whose vector differs most ("" when none was compared)."""

    checked: int
    lowest_cosine: float
    item_id: str

    @property
    def differs(self) -> bool:
        return self.checked > 0 and self.lowest_cosine < MIN_COSINE

    def words(self) -> str:
        return (f"item {self.item_id}'s vector computed again has cosine {self.lowest_cosine:.4f} with the stored one"
                if self.checked else "no photo left to compare")


_memo: dict[tuple[str, str, str, int], VectorCheck] = {}


def check_stored_vectors(engine: Engine, catalogue: CatalogueRef, bundle: ModelBundle,
                         recorded_code: str, sample: int = SAMPLE) -> VectorCheck:
    """Compute ``sample`` stored vectors of ``bundle``'s model in ``catalogue`` again from their
    photos (those still the photo embedded, by content hash; a photo gone or changed is skipped)
    with this build's code, and compare them (cosine) with the stored ones. Remembered per
    (database, recorded code, model, import revision) for the process. Never raises for a photo:
    nothing left to compare is ``checked == 0``."""
    key = (str(engine.url), recorded_code, bundle.content_hash, catalogue.revision)
    if key in _memo:
        return _memo[key]
    from sane_desktop.retrieval.embedding import embed_one

    emb = S.ItemEmbedding
    with Session(engine) as session:
        rows = session.execute(
            select(emb.embedding, emb.content_hash, S.Item.item_id, S.Item.image_path)
            .join(S.Item, S.Item.id == emb.item_pk)
            .where(emb.model_hash == bundle.content_hash, S.Item.catalogue_id == catalogue.pk)
            .order_by(emb.item_pk).limit(_CANDIDATES)).all()
    checked, lowest, worst = 0, 1.0, ""
    root = Path(catalogue.root)
    for blob, embedded_hash, item_id, image_path in rows:
        if checked >= sample:
            break
        try:
            data = read_regular_file(root / str(image_path))
        except (OSError, ValueError):
            continue
        if embedded_hash and hashlib.sha256(data).hexdigest() != embedded_hash:
            continue  # another photo now: its vector is not this one's to compare
        try:
            live = embed_one(bundle, root / str(image_path), data)[0].astype(np.float64)
        except Exception as error:  # an undecodable photo is not this check's to report
            log.info("vector check skipped %s: %s", item_id, error)
            continue
        stored = np.frombuffer(blob, dtype=np.float32).astype(np.float64)
        if stored.shape != live.shape:
            cosine = -1.0
        else:
            norms = float(np.linalg.norm(stored) * np.linalg.norm(live))
            cosine = float(stored @ live / norms) if norms > 0 else (1.0 if np.array_equal(stored, live) else -1.0)
        checked += 1
        if cosine < lowest or not worst:
            lowest, worst = cosine, str(item_id)
    result = VectorCheck(checked, lowest, worst)
    _memo[key] = result
    log.info("stored vectors of %s checked against this build's (recorded code %s): %d photos, lowest cosine %.6f",
             catalogue.name, recorded_code or "unknown", checked, lowest)
    return result
