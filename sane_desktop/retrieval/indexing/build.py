"""Build stage: the FAISS files and the manifest of a catalogue, rebuilt from the database.

Always a full rebuild from the stored embeddings (cheap next to embedding), so a run killed at any
point leaves either the previous complete index or none: each FAISS file is written to a temporary
name and renamed, and ``manifest.json`` is written last (atomically), naming only files already in
place. Files of an earlier build that the new manifest does not name are deleted afterwards.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from sane_desktop.errors import StoreError
from sane_desktop.progress import Progress, no_progress
from sane_desktop.retrieval.faiss_index import FaissVectorStore, choose_spec
from sane_desktop.retrieval.indexing.model import IndexModel
from sane_desktop.retrieval.indexing.scan import IndexItem, file_hash
from sane_desktop.retrieval.manifest import CategoryIndex, Manifest, write_index_manifest
from sane_desktop.retrieval.vectors import TypeSpaces
from sane_desktop.store.embeddings import IndexRecord, load_embeddings, replace_index_records
from sane_desktop.store.items import CatalogueRef

PHASE = "building index"
FAISS_FOLDER = "faiss"


@dataclass(frozen=True)
class BuiltIndexes:
    """The manifest just written, and the items left out because the model lacks their category."""

    manifest: Manifest
    unknown_categories: dict[str, int]  # category name -> number of items

    @property
    def vectors(self) -> dict[str, int]:
        """Category -> vectors in its index."""
        return {category: entry.vector_count for category, entry in self.manifest.indexes.items()}

    @property
    def index_types(self) -> dict[str, str]:
        """Category -> FAISS index type label (e.g. ``IDMap2,FlatIP``)."""
        return {category: entry.index_type for category, entry in self.manifest.indexes.items()}


def faiss_file_name(model_hash: str, category_index: int) -> str:
    """File name of one category's index: model hash prefix and the category's position."""
    return f"{model_hash[:12]}-{category_index:03d}.faiss"


def build_indexes(engine: Engine, model: IndexModel, catalogue: CatalogueRef, items: Sequence[IndexItem],
                  index_dir: Path, progress: Progress = no_progress) -> BuiltIndexes:
    """Rebuild one FAISS index per category of ``items`` from their stored embeddings.

    Writes ``index_dir/faiss/*.faiss`` and ``index_dir/manifest.json`` and mirrors the manifest
    into the store's ``index_manifests`` rows. Items without a stored embedding (their image
    failed to decode) are simply absent. Raises OSError when ``index_dir`` cannot be written.
    """
    spaces = TypeSpaces.from_model(model.bundle.compatibility)
    known = {category: position for position, category in enumerate(spaces.categories)}
    by_category, unknown = _group(items, known)
    if unknown:
        print(f"warning: the model does not know categories {sorted(unknown)}; their items are not searchable",
              file=sys.stderr)
    manifest = Manifest(catalogue=catalogue.name, model_hash=model.content_hash, model_path=str(model.path),
                        model_categories=list(spaces.categories), preprocessing=model.bundle.preprocessing.as_dict(),
                        embed_dim=spaces.embed_dim, dimension=spaces.dimension, db_revision=catalogue.revision)
    folder = index_dir / FAISS_FOLDER
    for leftover in [*folder.glob(".*.tmp"), *index_dir.glob(".*.tmp")]:  # from a run killed mid-write
        leftover.unlink(missing_ok=True)
    for step, (category, pks) in enumerate(sorted(by_category.items())):
        progress(step, len(by_category), PHASE)
        ids, embeddings = load_embeddings(engine, model.content_hash, pks)
        if not len(ids):
            continue
        spec = choose_spec(len(ids))
        store = FaissVectorStore.build(spaces.stacked(embeddings, known[category]), ids, spec)
        name = faiss_file_name(model.content_hash, known[category])
        _make_room(folder / name)
        store.save(folder / name)
        manifest.indexes[category] = CategoryIndex(category, known[category], f"{FAISS_FOLDER}/{name}", spec.label,
                                                   spec.as_dict(), len(store), file_hash(folder / name))
    write_index_manifest(index_dir, manifest)  # last: it names only files already in place
    replace_index_records(engine, catalogue.pk, _records(manifest, index_dir))
    _remove_unnamed(folder, manifest)
    progress(len(by_category), len(by_category), PHASE)
    return BuiltIndexes(manifest, unknown)


def _group(items: Sequence[IndexItem], known: dict[str, int]) -> tuple[dict[str, list[int]], dict[str, int]]:
    """(category -> item pks, category the model lacks -> item count)."""
    by_category: dict[str, list[int]] = {}
    unknown: dict[str, int] = {}
    for item in items:
        if item.category in known:
            by_category.setdefault(item.category, []).append(item.pk)
        else:
            unknown[item.category] = unknown.get(item.category, 0) + 1
    return by_category, unknown


def _make_room(target: Path) -> None:
    """Something that is not a file where an index file goes (a folder, say): an empty folder is
    removed; anything else is not ours to delete, so the user is told (StoreError, one line)."""
    if target.is_dir() and not target.is_symlink():
        try:
            target.rmdir()
        except OSError:
            raise StoreError(f"{target} is a folder where an index file belongs: move it away, then re-index") from None


def _records(manifest: Manifest, index_dir: Path) -> list[IndexRecord]:
    return [IndexRecord(model_hash=manifest.model_hash, preprocessing=manifest.preprocessing,
                        dimension=manifest.dimension, metric=manifest.metric, index_type=entry.index_type,
                        vector_count=entry.vector_count, db_revision=manifest.db_revision,
                        path=str(index_dir / entry.file))
            for entry in manifest.indexes.values()]


def _remove_unnamed(folder: Path, manifest: Manifest) -> None:
    """Delete FAISS files of earlier builds (another model, a category now empty)."""
    wanted = {Path(entry.file).name for entry in manifest.indexes.values()}
    for stale in folder.glob("*.faiss") if folder.is_dir() else []:
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)
