"""The model file a person names (``--model``): a path, or the name of a model shipped with the app.

The README writes ``--model demo.pt`` and ``--model general.pt``; from an installed wheel no such file is
in the working folder, and a trial read "checkpoint not found" from every folder but a checkout's. A bare
name of a shipped model names that model where the working folder holds no file of that name.
"""

from __future__ import annotations

from pathlib import Path


def shipped_model(given: Path) -> Path | None:
    """The shipped model ``given`` names by its bare name (``demo.pt``, ``general.pt``) when no file of
    that name is here; None otherwise."""
    if given.exists() or given.name != str(given):
        return None
    from sane_desktop.models.checkpoint import bundled_model_paths

    return next((bundled for bundled in bundled_model_paths() if bundled.name == given.name), None)


def named_model(given: Path) -> Path:
    """``given``, or the shipped model of that bare name (``demo.pt``, ``general.pt``) where there is no
    such file here. Raises :class:`~sane_desktop.models.checkpoint.CheckpointError` ("checkpoint not
    found: …", as :func:`~sane_desktop.models.checkpoint.load_checkpoint` says it) when it names nothing,
    before any work: ``explain --model`` of a missing file said the catalogue's own model was missing;
    and when it names a folder, pipe or device (``gui --model`` of a missing file opened the window)."""
    from sane_desktop.catalogue.safepath import not_a_file

    found = not_a_file(given)
    if found:
        from sane_desktop.models.checkpoint import CheckpointError

        raise CheckpointError(f"{given} is {found}, not a checkpoint file (a .pt file written by train)")
    if given.exists():
        return given
    shipped = shipped_model(given)
    if shipped is not None:
        return shipped
    from sane_desktop.models.checkpoint import BUNDLED_WAY_OUT, CheckpointError, way_out

    raise CheckpointError(f"checkpoint not found: {given}"
                          + (f" ({BUNDLED_WAY_OUT})" if way_out(given) == BUNDLED_WAY_OUT else ""))


def loadable_model(given: Path) -> Path:
    """:func:`named_model`, then the checkpoint loaded once to be sure it is one (a second or so: torch is
    imported). For a model named at the window's start (``gui --model``, ``main.py --model``): a file that
    is no checkpoint opened the window, which then told the user to train a new model there (trial BU).
    Raises :class:`~sane_desktop.models.checkpoint.CheckpointError` (one line) when it is not one."""
    path = named_model(given)
    from sane_desktop.models.checkpoint import load_checkpoint

    load_checkpoint(path)
    return path
