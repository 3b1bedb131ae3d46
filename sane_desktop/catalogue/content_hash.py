"""The content hash of a photo file: what an item's ``content_hash`` records and every derived
artefact (embeddings, thumbnails, explanations) is checked against.

A module of its own, importing nothing heavy: the window's thumbnail threads check cached pictures
against it, and reaching it through :mod:`sane_desktop.retrieval.indexing` loaded torch and FAISS
first — every thumbnail of a warm start waited about 5 s for the worker's model loading (trial E saw
30–45 s under load)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_hash(path: Path) -> str:
    """SHA-256 hex digest (64 characters) of a file's bytes, read in 1 MiB chunks; raises OSError."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
