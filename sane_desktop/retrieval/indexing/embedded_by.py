"""Which build's code embedded the vectors an index run finds stored, recorded as each run starts.

A catalogue's stored vectors outlive the run that computed them: a run stopped before its build (Ctrl+C,
a kill, a crash) leaves them without a manifest, and the next run keeps them as "unchanged". When that
next run is of another build (an upgrade, a checkout with a changed decoder), another build's vectors were
indexed as this one's without a word (trial AU). So a run writes ``embedded_by.json`` into the index
folder before it embeds anything, naming :func:`~sane_desktop.code_version.embedding_code`; the next run
compares it, and the last manifest's ``embedding_code``: either naming another build, or neither there (the
vectors' code unknown), every photo is embedded again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sane_desktop.code_version import embedding_code
from sane_desktop.paths import temporary_sibling
from sane_desktop.retrieval.manifest import Manifest, other_build_words

MARK_NAME = "embedded_by.json"


def embedded_by(index_dir: Path) -> str | None:
    """The embedding code the last run that embedded into ``index_dir``'s catalogue recorded, None when
    none did (or its record cannot be read)."""
    try:
        data = json.loads((Path(index_dir) / MARK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    code = data.get("embedding_code") if isinstance(data, dict) else None
    return code if isinstance(code, str) else None


def mark_embedding(index_dir: Path) -> None:
    """Record, before embedding, that this build's code embeds into ``index_dir``'s catalogue (atomic:
    a reader sees the old record or the new). Raises OSError when the folder cannot be written (the
    run's manifest could not be either)."""
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MARK_NAME
    temporary = temporary_sibling(target)
    try:
        temporary.write_text(json.dumps({"embedding_code": embedding_code()}), encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def stored_by_other_code(index_dir: Path, previous: Manifest | None, *, unknown_is_other: bool = True) -> str | None:
    """Why the vectors stored for the catalogue of ``index_dir`` cannot be taken as this build's, in words;
    None when they can: when the last run's record and the last manifest (``previous``; None: none), those
    there, both name this build's code. Neither there: their code is unknown, so not this build's — unless
    not ``unknown_is_other`` (a ``--shard`` worker's folder: the other workers of its run embed meanwhile,
    into folders of their own)."""
    recorded = embedded_by(index_dir)
    if recorded is not None and recorded != embedding_code():
        return f"the photos read before were embedded by another build of SANE Desktop ({recorded}, now {embedding_code()})"
    if previous is not None and previous.embedding_code != embedding_code():
        return f"the index was {other_build_words(previous)}"
    if recorded is None and previous is None and unknown_is_other:
        # a first index into a new --index-dir finds the database's vectors with no record here (trial CT read
        # "embedded by a run that did not record its code" of vectors this build had stored for another folder)
        return (f"the vectors stored for these photos were embedded by a run whose code this index folder "
                f"({index_dir}) does not record")
    return None
