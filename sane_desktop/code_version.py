"""What code derived an artefact: a fingerprint of the package's own source files.

A cached explanation is recomputed when the code that made it changed, not only when someone
remembered to raise a version number (trial AR: an older build's explanation, named on evidence a
later rule rejects, was served by the newer build as ``"cached": true``). Imports nothing heavy.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


# the code that turns a photo file into vectors: decoding (EXIF rotation, alpha, the draft pre-shrink:
# catalogue/images.py, which trial AU changed unseen), preprocessing, the networks, the batched forward
# pass. An index or a feature cache made by code that differs here may hold other vectors
EMBEDDING_CODE = ("catalogue/images.py", "models", "retrieval/embedding.py")


@functools.cache  # the files do not change under a running program (a checkout's edit is a new run)
def code_fingerprint() -> str:
    """:func:`fingerprint_of` this installed ``sane_desktop`` package."""
    return fingerprint_of(PACKAGE)


@functools.cache
def embedding_code() -> str:
    """:func:`fingerprint_of` the modules in :data:`EMBEDDING_CODE` of this package: what an index
    manifest and the feature cache record of the code that computed their vectors."""
    return fingerprint_of(PACKAGE, EMBEDDING_CODE)


def fingerprint_of(folder: Path, parts: tuple[str, ...] = ()) -> str:
    """16 hex digits: SHA-256 over every ``.py`` file under ``folder`` (only under ``parts``, folders
    or files relative to it, when given) — its path relative to the folder, then its bytes — in path
    order. Equal for the same sources wherever they are installed; any change to any of them gives
    another value. Raises OSError when a file cannot be read."""
    roots = [folder.joinpath(*part.split("/")) for part in parts] or [folder]
    files = sorted({path for root in roots for path in ([root] if root.is_file() else root.rglob("*.py"))})
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
