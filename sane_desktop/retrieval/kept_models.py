"""Where the model an index was built with is kept, when its file no longer holds it.

A catalogue's folder keeps more than its model file: the model a Train, an Adapt or Built-in model… replaced
(``model.previous.pt``), the copy a run that replaces the model keeps until it ends (``model.replaced.pt``, left by
a run killed before its end), and files set aside (``model.set-aside.pt``). When the index's model file is missing
or holds another model, the refusal names the file that holds the indexed model (trial EL read "model.pt is
missing: restore it" while it lay in model.previous.pt, and "out of date" while it lay in model.replaced.pt).
"""

from __future__ import annotations

from pathlib import Path

from sane_desktop.models.checkpoint import stored_content_hash

__all__ = ["kept_copy", "kept_copy_words"]

MAX_LOOKED_AT = 20  # model files read in one folder before giving up (each read opens a checkpoint)


def kept_copy(folder: Path, model_hash: str, other_than: Path | None = None) -> Path | None:
    """A ``.pt`` file in ``folder`` (``other_than`` aside) whose recorded content hash is ``model_hash``, the
    copy a stopped run kept first; None when none is (or the folder cannot be read)."""
    try:
        found = sorted(Path(folder).glob("*.pt"), key=lambda path: (".replaced." not in path.name, path.name))
    except OSError:
        return None
    for path in found[:MAX_LOOKED_AT]:
        if other_than is not None and path == other_than:
            continue
        try:
            if path.is_file() and stored_content_hash(path) == model_hash:
                return path
        except OSError:
            continue
    return None


def kept_copy_words(folder: Path, model_hash: str, other_than: Path | None = None) -> str:
    """"; the model it was built with is still there as model.previous.pt" (with what puts back a stopped run's
    copy), "" when no file of ``folder`` holds it."""
    kept = kept_copy(folder, model_hash, other_than)
    if kept is None:
        return ""
    if ".replaced." in kept.name:
        return (f"; the model it was built with is still there as {kept.name}, kept by a run that changed the model "
                "and was stopped before its end: the catalogue's next index puts it back")
    return f"; the model it was built with is still there as {kept.name}"
