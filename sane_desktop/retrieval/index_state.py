"""Whether a catalogue's index may answer for a model now: one set of rules for search and explain (Qt-free).

An index is derived from the catalogue's rows (their import revision and the catalogue's uid), a model
(its content hash, preprocessing and learnt type spaces), this build's embedding code and its FAISS
files. Each function raises :class:`~sane_desktop.errors.StaleIndexError` when one of these moved, with
the command that mends it. :meth:`OutfitSearcher.open <sane_desktop.retrieval.search.OutfitSearcher.open>`
and the explanation service's index check both call them: two copies of these rules had drifted, and
``explain`` answered (an index of another catalogue's folder, files deleted) where ``query`` refused.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from sane_desktop.code_version import embedding_code
from sane_desktop.errors import InputError, NotIndexed, StaleIndexError, WayOut
from sane_desktop.models.checkpoint import ModelBundle, stored_content_hash
from sane_desktop.paths import CATALOGUE_DB, same_path
from sane_desktop.retrieval.category_map import GENERAL
from sane_desktop.retrieval.indexing.verify import verify_file
from sane_desktop.retrieval.kept_models import kept_copy_words
from sane_desktop.retrieval.manifest import (
    Manifest, check, is_shared, newer_index, other_build_words, other_catalogue_row, read_index_manifest,
)

REINDEX = "re-run sane-desktop index"


def not_indexed(name: str, index_dir: Path, engine: Engine | None = None, catalogue_pk: int | None = None) -> NotIndexed:
    """The refusal for catalogue ``name`` without an index manifest in ``index_dir``. When its database
    (``engine``) records a build into another folder, it names that folder: a catalogue of a shared
    database opened without the ``--index-dir`` it was indexed into was told to index it again, which
    would build a second index in the home (a trial)."""
    on_server = engine is not None and engine.url.get_backend_name() == "postgresql"
    where = f"in {index_dir} or on its server" if on_server else f"in {index_dir}"
    elsewhere = recorded_index_folder(engine, catalogue_pk) if engine is not None and catalogue_pk is not None else None
    # only a folder that holds it here: a home moved since records where it was (its index is not there)
    if elsewhere is not None and not same_path(elsewhere, index_dir) and _holds_index_of(elsewhere, name):
        return NotIndexed(f"catalogue {name!r} has no index {where}; its database records one built in {elsewhere}",
                          way_out=WayOut.RECORDED_INDEX_FOLDER)
    return NotIndexed(f"catalogue {name!r} has no index {where}: run sane-desktop index")


def recorded_index_folder(engine: Engine, catalogue_pk: int) -> Path | None:
    """The index folder the catalogue's last build wrote, as its database records it (the folder above
    its FAISS files' ``faiss/``; a pgvector build records its tables' names under the folder); None when
    it was never indexed."""
    from sane_desktop.retrieval.indexing.build import FAISS_FOLDER
    from sane_desktop.store.embeddings import index_record_paths

    paths = index_record_paths(engine, catalogue_pk)
    if not paths:
        return None
    parent = Path(paths[0]).parent
    return parent.parent if parent.name == FAISS_FOLDER else parent


def _holds_index_of(folder: Path, name: str) -> bool:
    try:
        manifest = read_index_manifest(folder)
    except (StaleIndexError, OSError):
        return True  # there, if unreadable: its own refusal says so once opened with it
    return manifest is not None and manifest.catalogue == name


def refuse_foreign(manifest: Manifest, name: str, index_dir: Path) -> None:
    """Before the model is read: raise when ``index_dir`` holds another catalogue's index (files copied
    or restored from another folder, or from before a rename) or one a newer version wrote."""
    if manifest.catalogue != name and index_dir.name == manifest.catalogue and (index_dir / CATALOGUE_DB).is_file():
        # that catalogue's own folder, named by a wrong --index-dir: its index is not to be rebuilt over
        raise InputError(f"{index_dir} is the index folder of catalogue {manifest.catalogue!r}, not {name!r}",
                         way_out=WayOut.OTHERS_OWN_FOLDER)
    if manifest.catalogue != name:  # trial AD read "no catalogue named 'hm' in the store" for restored files
        raise StaleIndexError(f"{index_dir} holds the index of catalogue {manifest.catalogue!r}, not {name!r} "
                              "(copied or restored from another catalogue's folder, or from before a rename)",
                              way_out=WayOut.REPLACE_OR_KEEP_BOTH)
    newer = newer_index(manifest, name)  # newer, not out of date (trial AD)
    if newer is not None:
        raise newer


def refuse_stale(manifest: Manifest, bundle: ModelBundle, *, name: str, index_dir: Path, recorded: Path,
                 revision: int | None, uid: str | None) -> None:
    """Raise when the index in ``index_dir`` was not built from ``bundle`` and the catalogue's rows now
    (import ``revision`` and ``uid``; None: not compared) by this build's embedding code. ``recorded``:
    the model file the manifest names (:func:`~sane_desktop.retrieval.manifest.recorded_model_file`),
    read only to say that it holds another model now."""
    refuse_foreign(manifest, name, index_dir)
    reason = check(manifest, model_hash=bundle.content_hash, preprocessing=bundle.preprocessing.as_dict(),
                   db_revision=revision, db_uid=uid)
    if reason and is_shared(manifest) and manifest.model_hash != bundle.content_hash:
        raise StaleIndexError(f"catalogue {name!r} was re-indexed on its server with another model "
                              f"({manifest.model_hash[:12]}; opened with {bundle.content_hash[:12]}): open it again",
                              reindex_helps=False)
    unlearnt = sorted(c for c, target in manifest.category_map.items()
                      if target != GENERAL and target not in bundle.matched_categories)
    if not reason and unlearnt:  # built before the model's untrained type spaces were left out
        reason = (f"it compares {', '.join(unlearnt)} in type spaces this model never learnt (trained without "
                  "outfits, it compares by visual similarity)")
    if reason and manifest.model_hash != bundle.content_hash \
            and stored_content_hash(recorded) not in (None, manifest.model_hash):
        # the index's own model file holds another model now: retrained or replaced in place (a trial
        # read only "built with another model" while the window said the file changed)
        reason = (f"the model file {recorded.name} holds another model now; {reason}"
                  if recorded in (Path(manifest.model_path), Path(index_dir) / manifest.model_path) else
                  f"{recorded} is another model than the one it was built with ({manifest.model_path}); {reason}")
        reason += kept_copy_words(recorded.parent, manifest.model_hash, recorded)
    if reason and uid and other_catalogue_row(manifest, uid) is not None:  # a plain re-index may be refused
        raise StaleIndexError(f"index of {name!r} is out of date ({reason})", way_out=WayOut.REPLACE_OR_KEEP_BOTH)
    if reason:
        raise StaleIndexError(f"index of {name!r} is out of date ({reason}): {REINDEX}")
    if manifest.embedding_code != embedding_code():
        # its vectors were computed by other code (trial AR's kind): a sample of photos computed again
        # cannot vouch for the rest (trial AU: a change to wide photos only, or to decoding, passed one)
        raise StaleIndexError(f"index of {name!r} is out of date ({other_build_words(manifest)}): {REINDEX}")


def refuse_changed_files(manifest: Manifest, index_dir: Path) -> None:
    """Raise when one of the index's FAISS files is missing, unreadable or not the one its manifest
    recorded (:func:`~sane_desktop.retrieval.indexing.verify.verify_file`: a ``stat`` while unchanged);
    an explanation of a result no search could rank now must not be given (trial BA)."""
    for entry in manifest.indexes.values():
        verify_file(index_dir, entry)
