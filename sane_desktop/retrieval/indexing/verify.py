"""An index as a search loads it, verified against its manifest entry (shared by search and by the
no-op re-index check, :mod:`~sane_desktop.retrieval.indexing.current`)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from sane_desktop.errors import StaleIndexError
from sane_desktop.retrieval.backends import PGVECTOR
from sane_desktop.retrieval.compressed import load_store, rerank_paths
from sane_desktop.retrieval.faiss_index import IndexSpec
from sane_desktop.retrieval.indexing.digests import verified_hash
from sane_desktop.retrieval.manifest import CategoryIndex
from sane_desktop.retrieval.pgvector_store import PgVectorStore
from sane_desktop.retrieval.vector_store import VectorStore


# reasons a whole index file cannot be read *now* (trial CU: said as "does not match its manifest: re-run
# sane-desktop index", hours of re-indexing that fail the same way): no permission, a failing disk, too many
# open files, no memory
PASSING_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EIO, errno.EMFILE, errno.ENFILE, errno.ENOMEM})
PASSING_WORDS = ("Permission denied", "Input/output error", "Too many open files", "Cannot allocate memory",
                 "std::bad_alloc")


def _not_now(path: Path, reason: str) -> StaleIndexError:
    return StaleIndexError(f"index file {path} cannot be read now ({reason}); nothing suggests it changed since "
                           "indexing: once that is mended, search again", reindex_helps=False)


def load_verified(index_dir: Path, entry: CategoryIndex, dimension: int, use_gpu: bool | None = None,
                  connection: Any = None) -> VectorStore:
    """One category's FAISS file, checked against its manifest entry before and after loading.

    The file's SHA-256 must be the one the build recorded (a file changed, truncated or copied
    from another build answers wrongly, or crashes FAISS); it is read and hashed once per version
    of the file (:mod:`.digests`: remembered with the file's inode, size, mtime and ctime); FAISS's own read errors and a vector
    count, dimension or index kind off the manifest (a compressed index: its re-rank store too)
    say the same. Raises :class:`StaleIndexError` naming the
    file, one line, never a raw FAISS error."""
    spec = entry_spec(entry)
    if spec.kind == PGVECTOR:  # a table on the catalogue's server: checked by dimension and count
        if connection is None:
            raise StaleIndexError(f"the index of category {entry.category!r} is on a PostgreSQL server: "
                                  "open the catalogue by its postgresql URL", reindex_helps=False)
        return PgVectorStore.open(connection, entry.file, dimension, entry.vector_count, ef_search=spec.ef_search)
    path = verify_file(index_dir, entry, spec)
    mismatch = f"index file {path} does not match its manifest: re-run sane-desktop index"
    try:
        store = load_store(path, spec, use_gpu=use_gpu)
    except MemoryError:
        raise _not_now(path, "out of memory") from None
    except (RuntimeError, ValueError) as error:  # FAISS reports a corrupt file as a C++ exception with a page of text
        passing = next((words for words in PASSING_WORDS if words in str(error)), None)
        if passing is not None:  # its bytes were just checked: FAISS could not open or map it now
            raise _not_now(path, passing) from None
        raise StaleIndexError(mismatch) from error
    except OSError as error:  # a compressed index's stored vectors missing or unreadable
        if error.errno in PASSING_ERRNOS:
            raise _not_now(path, error.strerror or str(error)) from None
        raise StaleIndexError(f"{mismatch} ({error.strerror or error})") from None
    if len(store) != entry.vector_count or store.dimension != dimension:
        raise StaleIndexError(mismatch)
    return store


def verify_file(index_dir: Path, entry: CategoryIndex, spec: IndexSpec | None = None) -> Path:
    """Check one category's FAISS file (and a compressed index's re-rank store) against the SHA-256
    its manifest entry recorded, without loading it; returns its path. A remembered digest makes this
    a ``stat`` while the file is unchanged (:mod:`.digests`), so an explanation can ask it each time.
    Raises :class:`StaleIndexError` (missing, unreadable, changed); a pgvector entry is not a file
    (nothing checked here: its table is checked when a search opens it)."""
    spec = spec if spec is not None else entry_spec(entry)
    path = index_dir / entry.file
    if spec.kind == PGVECTOR:
        return path
    mismatch = f"index file {path} does not match its manifest: re-run sane-desktop index"
    try:
        digest = verified_hash(path)
    except FileNotFoundError:
        raise StaleIndexError(f"index file {path} is missing: re-run sane-desktop index") from None
    except OSError as error:
        if error.errno in PASSING_ERRNOS:  # the file may be whole: a re-index (hours) would not mend it
            raise _not_now(path, error.strerror or str(error)) from None
        raise StaleIndexError(f"index file {path} cannot be read ({error.strerror}): re-run sane-desktop index") from None
    if digest != entry.sha256:
        raise StaleIndexError(mismatch)
    if spec.compressed:  # the stored vectors re-score every candidate: a changed byte changes a score
        try:
            stored = [verified_hash(part) for part in rerank_paths(path)]
        except OSError as error:
            raise StaleIndexError(f"{mismatch} (its re-rank store: {error.strerror or error})") from None
        if stored != list(entry.rerank_sha256):
            raise StaleIndexError(f"{mismatch} (its re-rank store)")
    return path


def entry_spec(entry: CategoryIndex) -> IndexSpec:
    """The :class:`IndexSpec` a manifest entry records; StaleIndexError for one this version cannot read."""
    try:
        return IndexSpec(**entry.spec)
    except TypeError:  # a field this version does not know (trial AA: "IndexSpec.__init__() got an unexpected…")
        raise StaleIndexError(f"the index of category {entry.category!r} has a spec this version does not read "
                              f"({sorted(entry.spec)}): re-run sane-desktop index") from None
