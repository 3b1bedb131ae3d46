"""Which model category each of a catalogue's categories is searched as (issue 16): the plan the
index dialog shows before indexing, and the CLI's ``--category-map`` argument. The mapping itself
is decided and recorded at index time (:mod:`sane_desktop.retrieval.category_map`)."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from sane_desktop.errors import SaneError
from sane_desktop.paths import CATALOGUE_DB, sqlite_url
from sane_desktop.retrieval.category_map import (
    FALLBACK, GENERAL, automatic, category_centres, kept_choices, model_centres, parse_category_map, resolve,
    suggest,
)
from sane_desktop.retrieval.category_map import inline_map as inline_map  # the command line's suggestions
from sane_desktop.service.values import GENERAL_CATEGORY, CategoryChoice, CategoryPlan

log = logging.getLogger(__name__)

assert GENERAL == GENERAL_CATEGORY  # the values' copy of the name (values.py imports no core module)


def read_category_map(text: str) -> dict[str, str]:
    """``--category-map``: a JSON file, inline JSON, or ``Tops=tops,Jewellery=general``
    (catalogue category -> model category or ``general``); InputError when malformed."""
    return parse_category_map(text)


def category_plan(root: Path | str, model: Path, *, name: str | None = None, index_dir: Path | None = None,
                  mapping: Path | str | None = None) -> CategoryPlan:
    """How indexing the folder ``root`` with ``model`` would search each of its categories, with a
    suggestion for those the model lacks: by name similarity, and — when the catalogue ``name`` was
    indexed from this folder before (its database in ``index_dir``) — by the nearest centre of its
    stored embeddings. The user's choices recorded by that index are kept (``current``).

    Quick: no image is validated or embedded. Raises what reading the folder or the model raises."""
    from sane_desktop.service.sources import read_source
    from sane_desktop.models.checkpoint import load_checkpoint

    root = Path(root).expanduser().resolve()
    catalogue = read_source(root, mapping, name=name, index_dir=index_dir, validate_images=False)
    # the items indexing can read: the dialog's "Found" column adds up to its count above it
    counts = Counter(item.category for item in catalogue.items_with_photo())
    bundle = load_checkpoint(model, map_location="cpu")
    model_categories = list(bundle.matched_categories)  # none for a model trained without outfits
    previous, centres = _previous_index(root, name or root.name, index_dir, bundle.content_hash)
    earlier = kept_choices(previous, counts, model_categories)
    mapping_now = resolve(counts, model_categories, earlier)
    known = model_centres(centres, mapping_now)
    rows = []
    for category in sorted(counts):
        nobody = automatic(category, model_categories)
        proposal = suggest(category, model_categories, centres.get(category), known)
        reason = proposal.reason if nobody.how == FALLBACK else f"{nobody.how} match"
        rows.append(CategoryChoice(category, counts[category], nobody.target, proposal.target, reason,
                                   earlier.get(category)))
    return CategoryPlan(Path(model), tuple(model_categories), tuple(rows))


def _previous_index(root: Path, name: str, index_dir: Path | None,
                    model_hash: str) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The user's choices recorded by the catalogue's last index, and its categories' centres of
    the embeddings stored with ``model_hash`` — only when that catalogue was built from ``root``, or
    from a folder that is gone (moved or renamed to ``root``, likely);
    nothing when there is none or it cannot be read (a plan is advice, never an error)."""
    if index_dir is None:
        return {}, {}
    from sane_desktop.retrieval.manifest import read_index_manifest
    from sane_desktop.store import browse, open_store

    try:
        manifest = read_index_manifest(index_dir)
    except SaneError:
        manifest = None
    db = index_dir / CATALOGUE_DB
    if not db.is_file():
        return {}, {}
    centres: dict[str, np.ndarray] = {}
    try:
        engine = open_store(sqlite_url(db))
    except (SaneError, SQLAlchemyError, OSError):
        return {}, {}
    try:
        record = browse.catalogue_record(engine, name)
        # another folder's catalogue of that name is no advice for this one, unless its folder is gone:
        # then this is likely that folder, moved or renamed (trial T: the choices were lost on relocating)
        was = Path(record.root).resolve()
        if record.name != name or (was != root and was.is_dir()):
            return {}, {}
        centres = category_centres((category, np.frombuffer(blob, dtype=np.float32))
                                   for category, blob in browse.category_embeddings(engine, record.pk, model_hash))
    except (SaneError, SQLAlchemyError, OSError) as error:
        log.info("category plan without stored embeddings (%s)", error)
        return {}, {}
    finally:
        engine.dispose()
    choices = manifest.earlier_choices if manifest is not None and manifest.catalogue == name else {}
    return choices, centres
