"""A catalogue's model file replaced only together with its re-index (the window's Train and Adapt).

Training or adapting in the window writes the catalogue's ``model.pt`` (and its ``.selection.json``), then
re-indexes the catalogue with it. A re-index cancelled or failed half-way left the new model in place and
the index of the old one: the dialog said "the model is unchanged" while the old model (a trained one: hours
of work) was gone, and every search refused the index as built "with another model" (trial BH). Here the
files are copied aside before the write and put back when what follows does not finish.

The copies have names of their own (``model.replaced.pt``), not a temporary's: a run killed before its end (kill -9,
a power cut) left the only copy of the model in use under a temporary name, which the next index removed as a dead
writer's leftover (trial EL). The next run that takes the catalogue's writer lock puts such a copy back
(:func:`recover_stopped_swap`), as a stopped run would have.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sane_desktop.paths import temporary_sibling

log = logging.getLogger(__name__)


REPLACED = "replaced"  # the tag of a model file's copy while a run replaces it (model.replaced.pt)
PREVIOUS = "previous"  # the tag of the model a run replaced, kept as the earlier one (model.previous.pt)


def model_files(model: Path) -> tuple[Path, ...]:
    """The files that make a catalogue's model: the checkpoint and its fitted attribute selection."""
    return model, model.with_suffix(".selection.json")


@dataclass
class SavedModel:
    """The model files of ``model`` as they were (a copy beside each; None where there was none)."""

    model: Path
    copies: dict[Path, Path | None] = field(default_factory=dict)

    @classmethod
    def aside(cls, model: Path) -> SavedModel:
        """Copy ``model``'s files aside (:func:`model_files`). Raises OSError when they cannot be copied:
        then nothing may be written over them."""
        saved = cls(Path(model))
        try:
            for path in model_files(saved.model):
                if path.is_file():
                    copy = tagged(path, REPLACED)
                    if copy.exists():  # a killed run's that no recovery put back: kept, never written over
                        set_aside([copy])
                    written = temporary_sibling(copy)  # whole or not there: a copy cut short is no model
                    shutil.copy2(path, written)
                    os.replace(written, copy)
                    saved.copies[path] = copy
                else:
                    saved.copies[path] = None
        except OSError:
            saved.discard()
            raise
        return saved

    def put_back(self) -> None:
        """The files as they were: each copy renamed back over what was written since, a file that was not
        there removed. Best effort: what cannot be put back stays as it is (the index then refuses it)."""
        for path, copy in self.copies.items():
            with contextlib.suppress(OSError):
                if copy is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(copy, path)
        self.copies.clear()

    def keep_as_previous(self) -> tuple[Path, ...]:
        """The new files stay; each copy of a file that was there is kept beside it as
        ``<stem>.previous<kind>`` (``model.previous.pt``, ``model.previous.selection.json``), replacing an
        earlier one: the model before the last Train or Adapt is not lost (trial CI: every Adapt, and a Train
        that could not be compared, replaced a trained model for good). Returns the files kept."""
        kept = []
        for path, copy in self.copies.items():
            if copy is None:
                continue
            previous = tagged(path, PREVIOUS)
            try:
                os.replace(copy, previous)
                kept.append(previous)
            except OSError:
                with contextlib.suppress(OSError):
                    copy.unlink(missing_ok=True)
        self.copies.clear()
        return tuple(kept)

    def discard(self) -> None:
        """The new files stay: the copies go."""
        for copy in self.copies.values():
            if copy is not None:
                with contextlib.suppress(OSError):
                    copy.unlink(missing_ok=True)
        self.copies.clear()


def recover_stopped_swap(model: Path) -> tuple[Path, ...]:
    """Finish what a run that replaced ``model`` and was killed before its end left (:class:`SavedModel`'s
    ``model.replaced.*`` copies), as the run would have: while the catalogue's index (its manifest beside
    ``model``) is still the replaced model's, the files are put back (a stopped run's way); once it is the new
    model's, the copies are kept as the earlier model (``model.previous.*``, an earlier one set aside). Call with
    the catalogue's writer lock held (no run of it goes). Returns the files it moved."""
    from sane_desktop.errors import SaneError
    from sane_desktop.models.checkpoint import stored_content_hash
    from sane_desktop.retrieval.manifest import read_index_manifest

    model = Path(model)
    copies = {path: tagged(path, REPLACED) for path in model_files(model) if tagged(path, REPLACED).is_file()}
    if not copies:
        return ()
    try:
        manifest = read_index_manifest(model.parent)
    except SaneError:
        manifest = None
    replaced = copies.get(model)
    indexed = manifest.model_hash if manifest is not None else None
    finished = replaced is None or (indexed is not None and indexed != stored_content_hash(replaced)
                                    and indexed == stored_content_hash(model))
    if not finished:  # the index is the replaced model's (or unknown): everything as before the run
        for path, copy in copies.items():
            os.replace(copy, path)
        moved = tuple(copies)
    else:  # the run's index was written: the replaced model is the earlier one, as the run would have kept it
        set_aside([tagged(path, PREVIOUS) for path in copies if tagged(path, PREVIOUS).exists()])
        for path, copy in copies.items():
            os.replace(copy, tagged(path, PREVIOUS))
        moved = tuple(tagged(path, PREVIOUS) for path in copies)
    log.warning("a run that replaced %s was stopped before its end: %s %s", model,
                "kept the model it replaced as" if finished else "put back", ", ".join(path.name for path in moved))
    return moved


def tagged(path: Path, tag: str) -> Path:
    """``path`` with ``tag`` after its stem, its kind kept: ``model.pt`` -> ``model.<tag>.pt``,
    ``model.selection.json`` -> ``model.<tag>.selection.json``."""
    stem, dot, kind = path.name.partition(".")
    return path.with_name(f"{stem}.{tag}{dot}{kind}")


def set_aside(paths: Sequence[Path]) -> dict[Path, Path]:
    """Rename each file to ``<stem>.set-aside<kind>`` beside it (``model.pt`` -> ``model.set-aside.pt``,
    ``model.selection.json`` -> ``model.set-aside.selection.json``; ``.set-aside-2`` and on, one number for
    all, when taken), so that it is no longer found as a catalogue's model but is kept; returns original ->
    new name. A rename that fails puts those done back and raises OSError."""
    def target(path: Path, number: int) -> Path:
        return tagged(path, "set-aside" if number == 1 else f"set-aside-{number}")

    number = 1
    while any(target(path, number).exists() for path in paths):
        number += 1
    moved: dict[Path, Path] = {}
    try:
        for path in paths:
            os.replace(path, target(path, number))
            moved[path] = target(path, number)
    except OSError:
        put_back(moved)
        raise
    return moved


def put_back(moved: dict[Path, Path]) -> None:
    """Undo :func:`set_aside` (original -> kept): each file renamed back, as far as it can be."""
    for original, kept in moved.items():
        with contextlib.suppress(OSError):
            os.replace(kept, original)
